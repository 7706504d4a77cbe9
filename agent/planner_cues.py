"""The cue words that tell the planner what a question asks for, and the knowledge keywords matcher.

Patterns run on NFKC-normalized, lower-cased text with re.ASCII (a word boundary also falls
between English and Japanese).
"""

from __future__ import annotations

import re

from agent.planner_quotes import ascii_pattern as _ascii

__all__ = ["cues", "blank_cues", "has_keyword"]


# --- intent cues ---------------------------------------------------------------------------------------

_CUES = {
    "rollout": r"\brollout|\broll-out|\battention\s+flow|ロールアウト",
    "norms": r"\bnorm[- ]based|\bnorms?\b|\bkobayashi|\bweighted\s+by\s+(?:the\s+)?values?|ノルム",
    "roles": r"\bhead\s+roles?|\broles?\s+of\s+(?:the\s+|each\s+|every\s+|all\s+)?(?:attention\s+)?heads?"
             r"|\bwhat\s+(?:does|do)\s+(?:each|every|the)\s+heads?\s+do|\bprevious[- ]token\s+heads?"
             r"|\binduction\s+heads?|\b(?:classify|tag|categori[sz]e)\s+(?:the\s+|each\s+|every\s+)?heads?"
             r"|ヘッドの役割|ヘッドを分類|ヘッドの種類|役割|誘導ヘッド|インダクションヘッド",
    "layer_summary": r"\blayer[- ]summary|\bsummary\s+(?:of|across)\s+(?:the\s+)?layers|\bacross\s+(?:all\s+)?"
                     r"(?:the\s+)?layers|\bacross\s+depth|\bthrough\s+the\s+layers|\blayer\s+by\s+layer"
                     r"|\bchange\s+(?:with|over)\s+(?:the\s+)?(?:layers|depth)|\bentropy|\bsink\s+share"
                     r"|層ごとの(?:推移|変化|まとめ)|層の推移|層をまたいだ|層を通した推移|推移|エントロピー",
    "compare": r"\bcompar(?:e|es|ed|ing|ison)\b|\bversus\b|\bvs\.?(?![a-z])|\bside[- ]by[- ]side|\bcontrast"
               r"|\bdifferences?\s+(?:between|of)\b|\bhow\s+(?:does|do)\s+.{1,40}\s+differ"
               r"|比較|比べ|並べて|対比|との差|の差分|違いを(?:見|表示|描|可視化|比)",
    "generation": r"\bduring\s+(?:text\s+)?generation|\bwhile\s+(?:it\s+(?:is\s+)?|the\s+model\s+(?:is\s+)?)?generating"
                  r"|\bgenerat(?:ion|ing)[- ]time|\b(?:in|at)\s+generation|\bgenerated\s+tokens?|\bnew\s+tokens"
                  r"|\bwhen\s+(?:it|the\s+model)\s+generates|\bas\s+it\s+(?:writes|generates)|\bnext[- ]tokens?"
                  r"|\btext\s+generation|\bgeneration\s+attention|\bautoregressive(?:ly)?\s+(?:generat|decod)"
                  r"|\bcontinu(?:e|es|ation)\s+(?:of\s+)?(?:the\s+|this\s+)?(?:text|sentence|prompt)"
                  r"|生成(?:中|時|過程|途中|の際|の間|しながら|するとき|する時|する際|する間|される|された|した(?:トークン|単語|文))"
                  r"|(?:文章|テキスト|文)生成|続きを(?:生成|書|作)|次の(?:トークン|単語)|自己回帰",
    "list_models": r"\b(?:which|what)\s+(?:other\s+|embedded\s+|attention\s+)?models\b|\blist\b.*\bmodels?\b"
                   r"|\bavailable\s+models?|\bmodels?\s+(?:are\s+|is\s+)?(?:available|installed|supported)"
                   r"|\bmodels?\s+can\s+(?:i|we)\s+use|\b(?:which|what)\s+model\s+is\s+(?:loaded|current|active)"
                   r"|\bcurrent\s+model|使える(?:の?は)?モデル|モデル(?:の)?一覧|モデルのリスト|どの(?:ような)?モデルが"
                   r"|どんなモデル|(?:利用|使用)(?:でき|可能)な?る?モデル|モデルは(?:何|なに|どれ)|今の?モデル|現在のモデル"
                   r"|使えるモデル",
    "load": r"\b(?:load|switch|change|swap|use|try)\b|切り替え|切替|ロード|読み込|変更|に変え|に替え|を使|にして",
    "heads": r"\b(?:all|every|each)\s+(?:of\s+)?(?:the\s+)?(?:\d+\s+)?(?:attention\s+)?heads?\b|\bper[- ]head\b"
             r"|\bhead[- ]by[- ]head\b|\bheads?\s+(?:side[- ]by[- ]side|in\s+a\s+grid|one\s+by\s+one|separately"
             r"|individually)|\bcompare\s+(?:the\s+)?(?:attention\s+)?heads|\bgrid\s+of\s+(?:the\s+)?heads"
             r"|全(?:部の)?ヘッド|ヘッドごと|各ヘッド|(?:すべて|全て|それぞれ)のヘッド|ヘッドを(?:全部|すべて|全て|並べ|比較|一覧)"
             r"|ヘッド別|ヘッドの比較|ヘッドそれぞれ|\d+個?のヘッドを",
    "line": r"\blines?\s*-?(?:chart|plot|graph)s?|\bas\s+a\s+line\b|\bline\s+view|折れ線|ライン|線グラフ",
    "heatmap": r"\bheat\s*-?maps?\b|\battention\s+map|\bmatrix\s+plot|ヒート\s*・?マップ|アテンションマップ|注意マップ"
               r"|注目マップ",
    "inspect": r"\braw\b|\bnumbers\b|\bnumerical(?:ly)?\b|\bnumeric\b|\bvalues\b|\bmatrix\b|\brow\s*sums?\b"
               r"|\bprint\b|\bas\s+a\s+table\b|\bexact\s+weights|\bweights\s+as\b|生の値|生データ|数値|数字|中身"
               r"|行列の値|値を(?:見|表示|出|教え)|行和|テーブル|行列|表(?:で|に|として|形式)",
    "focus": r"\bmost\s+(?:attention|attended)|\battends?\s+to\b|\battending\s+to|\bpays?\s+attention"
             r"|\bfocus(?:es|ed)?\s+on|\blooks?\s+at\b|注目|見ている|注意を向け|重みが(?:大き|高)|アテンションが集ま",
    "extract": r"\bshapes?\b|\bsizes?\b|\btokens\b|\btoken\s+list|\btokeni[sz]|\bhow\s+many\s+(?:layers|heads|tokens)"
               r"|\bdimensions?\b|\bextract|\bseq(?:uence)?[_ ]len|形状|形|サイズ|トークン|何層|層の数|層数|ヘッド数"
               r"|ヘッドの数|いくつ|次元|抽出|取り出|トークナイズ|分割",
    "show": r"\b(?:show|draw|visuali[sz]e|display|render|generate|give\s+me|let\s+me\s+see|can\s+i\s+see"
            r"|plot\s+(?:it|the|this)|make|create)\b|見せ|描い|描画|描け|表示|出して|可視化|プロットして|見たい|作って|作成",
    "figure": r"\b(?:plot|graph|figure|chart|picture|look\s+like|analy[sz]e|run|see|view)\b"
              r"|図|グラフ|プロット|分析|調べ|解析",
    "conceptual": r"\bwhy\b|\bhow\s+(?:do|should|can)\s+(?:i|you|we)\s+(?:read|interpret)"
                  r"|\bhow\s+to\s+(?:read|interpret)"
                  r"|\bwhat\s+(?:is|are)\s+(?:a|an)\b"
                  r"|\bwhat\s+is\s+(?:the\s+)?(?:attention\s+)?(?:rollout|norm[- ]based)"
                  r"|\bexplain\b|\bdifference|\bmeaning|なぜ|どうして|なんで|とは"
                  r"|って何|ってなに|意味|違い|理由|読み方|見方|どう読|どう見|仕組み",
}
_CUE_PATTERNS = {name: _ascii(pattern) for name, pattern in _CUES.items()}


def cues(text: str) -> set[str]:
    """The names of the intent cues that occur in the (normalized, lower-cased) text."""
    return {name for name, pattern in _CUE_PATTERNS.items() if pattern.search(text)}


def blank_cues(text: str) -> str:
    """The text without the words that ask for a tool, so they do not count as knowledge keywords."""
    for name in ("generation", "list_models", "load", "heads", "line", "heatmap", "inspect", "focus", "extract",
                 "show", "figure", "rollout", "norms", "roles", "layer_summary"):
        text = _CUE_PATTERNS[name].sub(lambda m: " " * len(m.group(0)), text)
    return text


def has_keyword(text: str, keyword: str) -> bool:
    """A knowledge keyword in the text. English ones start at a word boundary, allow one extra word
    between their words ("is attention an explanation") and, when short, must end as a word
    ("norm" is not "normal"); Japanese ones match anywhere."""
    keyword = keyword.lower().strip()
    if not keyword.isascii():
        return keyword in text
    words = [re.escape(word) for word in keyword.split()]
    pattern = r"(?<![a-z0-9])" + r"(?:\W+\w+)?\W+".join(words)
    if len(keyword) <= 4 and keyword[-1].isalnum():
        pattern += r"(?:s|es)?(?![a-z0-9])"
    return re.search(pattern, text, re.ASCII) is not None
