"""Reading a question's arguments: flags (annotate, exclude special tokens, mean over heads, words, the colour
scale), the earlier sentence or figure meant, what the learner turns down, and the query/key token named without
quotes (the models: agent/model_names.py; layer, head and token-count numbers: agent/planner_numbers.py).

Patterns run on NFKC-normalized, lower-cased text; every reader returns what it found with the
text where those words are blanked out.
"""

from __future__ import annotations

import re

from agent.planner_numbers import ORDINAL, ORDINAL_WORDS
from agent.planner_quotes import ascii_pattern as _ascii
from agent.planner_quotes import blank as _blank

__all__ = [
    "take_first", "take_flag", "WORDS_OFF", "take_turned_down", "CORRECTION", "THE_POSTS_MODEL", "find_query",
    "find_key", "MEAN_HEADS", "ANNOTATE", "ANNOTATE_OFF", "KEEP_SPECIAL", "HEAD_OFF", "QUERY_OFF", "EXCLUDE_SPECIAL",
    "WORDS", "FIRST_SENTENCE", "SECOND_SENTENCE", "OTHER_SENTENCE", "NEWEST_SENTENCE", "LONG_SENTENCE",
    "SHORT_SENTENCE", "BOTH_SENTENCES", "SCALE_TOP", "SAME_SCALE", "take_earlier_figure", "same_choices",
]


# --- flags, layers, heads, the query token --------------------------------------------------------------

_SPECIAL = (r"(?:special[- ](?:tokens?|toks?|symbols?|ones|stuff)|specials\b|特殊(?:トークン|記号)"
            r"|special(?=\s*(?:$|[,.!?)]|then\b|too\b|please\b|pls\b))|sink[- ]tokens?"
            r"|bracket(?:ed)?\s+(?:words?|tokens?|ones)"
            r"|\[cls\](?:\s*(?:and|,|/|&|と|、|や|・)\s*\[sep\])?|\[sep\]"
            r"|<bos>(?:\s*tokens?)?|<s>|cls(?:\s*(?:and|/|&|と|・|、)\s*sep)?(?:\s*tokens?)?|bos(?:\s*tokens?)?)")
MEAN_HEADS = _ascii(
    r"\b(?:average[ds]?|mean|avg)\s+(?:of|over|across)\s+(?:all\s+)?(?:the\s+)?(?:(?:\d+|four|nine|twelve)\s+)?"
    r"(?:attention\s+)?heads"
    r"|\bheads?[- ](?:averaged|average|mean)|\baverag(?:e|ing)\s+(?:all\s+)?(?:the\s+)?heads|\bhead\s+mean"
    r"|\baverag(?:e|ing)\s+them\s+all\b"  # ("average them all together" after the grid of heads)
    r"|(?:全|すべての|全ての)?ヘッド(?:の|間の|間で|を|で|は)?(?:平均|アベレージ)|(?:平均|アベレージ)(?:した|の)?ヘッド|(?<![全各])層(?:全体)?の平均"
    r"|(?<!トークン)(?<!クエリ)平均の(?:ほう|方)|平均に戻"  # 「ヘッド3だけじゃなくて平均のほうで」
)
ANNOTATE = _ascii(
    r"\bannotat\w*|\b(?:values?|numbers?|weights?)\s+(?:written\s+|write\s+|printed\s+)?(?:in|inside)\s+"
    r"(?:the\s+|each\s+|every\s+)?"
    r"(?:cells?|box(?:es)?|squares?)"
    r"|\bwith\s+(?:the\s+)?(?:values|numbers|weights)\b(?!\s+(?:standing|stacked|rising|as\s+(?:towers|bars|columns))\b)"
    r"|\bwrite\s+(?:the\s+)?(?:actual\s+|real\s+|exact\s+)?(?:values?|numbers?)"
    r"|(?:数値|値|数字)\s?(?:入り|付き|つき)|(?:数値|値|数字)\s?を?(?:書き込|書い|かい|書き入れ|入れ|いれ|載せ|のせ)|(?:セル|マス)に(?:数値|値|数字)"
    r"|(?:数値|値|数字)も(?:表示|書|か(?:い|き)|入れ|いれ|見せ|載せ|のせ)|(?:数値|値|数字)(?:も|を)?(?:各|それぞれの|全部の)?(?:セル|マス)に"
    # 「数値も」 after a figure
    r"|^\s*(?:じゃあ|あと)?[、,\s]*(?:数値|数字|値)も(?:ほしい|欲しい|お願い)?[\s。!！?？]*$"
    # "numbers please" after a figure
    r"|^\s*(?:and\s+|now\s+)?(?:the\s+)?(?:numbers|values)\s*(?:too|as\s+well|please|pls|plz)?[\s.!?]*$"
    # ... "put the numbers in", "numbers inside pls", "nums in it"
    r"|^\W*(?:(?:and|now|ok|okay|just|forget(?:\s+it)?)\W+)*(?:put\s+)?(?:the\s+)?(?:numbers?|nums|values?)\s+(?:in|inside)"
    r"(?:\s+(?:it|them|there|too))?\s*(?:please|pls|plz|too)?[\s.!?]*$"
    r"|\bput\s+(?:them|em|'em|those|these)\s+(?:in|into|on)\s+(?:the\s+)?(?:heat\s*map\s+)?(?:cells?|squares?)"
    r"|\b(?:show|put|print|display|write|label|add|include|overlay)\s+(?:the\s+|all\s+the\s+)?"
    r"(?:numbers?|values?|weights?|probabilities|scores)"
    r"\s+(?:on|in|inside|over|into|onto|on\s+top\s+of)\s+(?:the\s+|each\s+|every\s+|all\s+the\s+)?(?:cells?|squares?|boxes|tiles|heat\s*map|map|grid|plot)"
    r"|\b(?:numbers?|values?|weights?)\s+(?:on|inside|over|on\s+top\s+of)\s+(?:the\s+|each\s+|every\s+)?(?:cells?|squares?|boxes|tiles)"
    r"|\blabel\s+(?:each|every|the)\s+(?:cells?|squares?)|\bannot\s*=\s*true"
    r"|\b(?:values?|numbers?|weights?)\s+written\s+in\b"
    r"|\b(?:each|every)\s+(?:value|number|weight)\s+(?:written|printed|shown)\b"
    r"|(?:各|それぞれの)?(?:マス|セル|升目|マス目)(?:の中)?に(?:数値|値|数字|重み)|(?:数値|値|数字|重み)を(?:重ね|のせ|表記|記入)"
    r"|ヒートマップに(?:数値|値|数字|重み)"
    # "…, numbers on", 「…。数値も」
    r"|(?:^|[,;]\s*)(?:numbers|values)\s+on\b(?=\s*(?:[,.;!]|$|please|pls|too))|[。、,]\s*(?:数値|数字)も\s*[。!！]?\s*$"
)
# choices turned off: "without the numbers", 「数値はなしで」; "keep [CLS]", "put the special tokens back",
# 「[CLS]は消さないで」; 「headは指定しないで」
ANNOTATE_OFF = _ascii(
    r"\b(?:without|w/o|no|remove|drop|hide)\s+(?:the\s+|any\s+)?(?:numbers?|values?|annotations?)\b"
    r"|\bannot\s*=\s*false|(?:数値|値|数字)(?:は|を)?(?:なし|無し|消して|外して|いらない|要らない|なくて|出さない|入れない|書かない"
    r"|もういい)"
)
KEEP_SPECIAL = _ascii(
    rf"\b(?:keep|keeping|include|including|leave\s+in)\s+(?:the\s+)?{_SPECIAL}"
    rf"|(?<!what's\s)(?<!whats\s)(?<!what\sis\s)(?<!up\s)\bwith\s+(?:the\s+)?{_SPECIAL}(?![a-z])"
    r"(?![^,.;!?]*?\b(?:removed|excluded|dropped|hidden|stripped|out|(?:taken|left|cut|filtered)\s+out)\b)"
    rf"|\b(?:don'?t|do\s+not)\s+(?:remove|drop|exclude|hide|skip|filter)\s+(?:out\s+)?(?:the\s+)?{_SPECIAL}"
    rf"|{_SPECIAL}\s*(?:は|を|も)?(?:消さない|除かない|外さない|抜かない|除外しない|残し|含め|入れて|入れたまま|戻し)"
    rf"|\b(?:bring|put|add|get)\s+(?:back\s+)?(?:the\s+)?{_SPECIAL}(?:\s+back)?\b|{_SPECIAL}\s+back\b"
)
# the query dropped: the attention each token receives, averaged over every query ("avg over all tokens instead,
# not just one", 「受け取る側の平均で」)
QUERY_OFF = _ascii(
    r"\b(?:avg|average|mean)\s+(?:over|of|across)\s+(?:all\s+)?(?:the\s+)?(?:tokens|queries|rows)\b"
    r"|\bnot\s+(?:just|only)\s+(?:one|a\s+single)(?:\s+(?:token|word|query|row))?\b"
    r"|\bnot\s+(?:just|only)\s+(?=[,.!?]|$)"  # "not just 'it'" (the quote is blanked out)
    r"|(?:^|\s)だけ(?:じゃ|では)なく"  # 「『it』だけじゃなくて全部」
    r"|全トークン(?:の)?平均|受け取る側の平均|クエリ(?:全体)?の平均|全クエリ(?:の)?平均|全体の平均で"
    r"|(?:一つ|1つ|ひとつ)の(?:トークン|単語)(?:だけ)?(?:じゃなく|ではなく)"
)
HEAD_OFF = _ascii(
    r"(?:heads?|ヘッド)\s*(?:は|を)?\s*(?:指定しない|指定なし|指定せず|選ばない|なしで)|\bno\s+(?:specific|particular)\s+head"
)
EXCLUDE_SPECIAL = _ascii(
    r"\bexclude_special\b(?!\s*=\s*false)|"  # the parameter by its name: 「exclude_specialつけて」
    rf"\b(?:without|w/o)\s+(?:the\s+|any\s+|those\s+|these\s+)?{_SPECIAL}"
    r"|\b(?:excluding|exclude|drop|dropping|remove|removing|ignore|ignoring"
    rf"|hide|hiding|skip|skipping|minus)\s+(?:the\s+|those\s+|these\s+)?{_SPECIAL}"
    # (not what a model has: "where is smollm's sink if it has no bos token?", "there is no [CLS] in this model")
    rf"|(?<!\bhas\s)(?<!\bhave\s)(?<!\bhad\s)(?<!\bgets\s)(?<!\badds\s)(?<!\buses\s)(?<!\bis\s)(?<!\bare\s)"
    rf"(?<!'s\s)\bno\s+{_SPECIAL}"
    rf"|{_SPECIAL}\s+(?:(?:be|are|is|get|got|were)\s+)?(?:removed|excluded|dropped|hidden|stripped|left\s+out|taken\s+out"
    r"|cut\s+out|filtered\s+out|out\s+of\s+the\s+way|gone)"
    rf"|{_SPECIAL}\s*(?:って(?:いう)?(?:やつ|の)|とか|など|なんか)?(?:は|を|も)?"
    r"(?:除|抜|なし|無し|取り除|外|省|消し|無視|入れない|含めない|エクスクルード|のけ|どけ)"
    # "hide it then", 「それ消して」 after "why is the first column so bright?": what a view can hide is special tokens
    r"|^\W*(?:(?:ok|okay|so|then|can\s+(?:you|u)|could\s+you|please)\W+)*(?:hide|remove|drop|get\s+rid\s+of|take\s+out)"
    r"\s+(?:that\s+one|that|it|them|those)\b(?:\s+(?:then|too|please|pls))?\W*$"
    r"|^\W*(?:じゃあ)?\W*(?:それ|あれ|そいつ)(?:を|は)?(?:消して|除いて|外して|隠して|抜いて|抜きで|なしで|のけて|どけて)"
    rf"|{_SPECIAL}[^。.!?！？]{{0,20}}?(?:ので|から)[、,]?\s*(?:消して|除いて|外して|隠して|抜いて)"
    r"|スペシャルトークン(?:は|を)?(?:除|抜|なし|無し|外|エクスクルード)"
    # the first token pointed at, to drop (a decoder's <bos>): 「その左端（先頭のやつ）を抜いて」「先頭は抜いたままで」
    r"|(?:先頭|左端|一番左|いちばん左)(?:の(?:トークン|やつ|列))?\s*(?:[（(][^）)]{0,12}[）)])?\s*(?:は|を)?\s*"
    r"(?:抜|除|外|消|なし|無し)"
    r"|\b(?:drop|remove|hide|without|exclude|minus)\s+the\s+(?:first|leftmost)\s+(?:token|column)\b"
    rf"|\b(?:leave|leaving|take|taking|filter|filtering|strip|stripping)\s+out\s+(?:the\s+)?{_SPECIAL}"
    rf"|\b(?:leave|leaving|take|taking|filter|filtering|strip|stripping|cut|cutting)\s+(?:the\s+)?{_SPECIAL}\s+out\b"
    rf"|\b(?:get\s+rid\s+of|except(?:\s+for)?|apart\s+from|other\s+than|ignoring)\s+(?:the\s+)?{_SPECIAL}"
    # "what if those special tokens weren't there?", 「<bos>がなかったらどうなる?」: the view without them, supposed
    rf"|\bif\s+(?:the\s+|those\s+|these\s+)?{_SPECIAL}\s+(?:weren'?t|were\s+not|wasn'?t|was\s+not)\s+there\b"
    rf"|{_SPECIAL}\s*(?:が|を)?(?:なかったら|無かったら|なければ|無ければ|なくしたら|無くしたら|抜いたら|除いたら|外したら)"
    # 「<bos>が明るすぎる。それ抜きで」, "[CLS] hogs the colours, drop it": a special token named, then pointed at
    rf"|{_SPECIAL}[^\n]{{0,50}}?(?:それ|これ|あれ)(?:を|は)?(?:抜|除|外|消|なし|無し)"
    rf"|{_SPECIAL}[^\n]{{0,60}}?\b(?:without|minus|drop|remove|hide|get\s+rid\s+of|take\s+out|leave\s+out)\s+"
    r"(?:it|them|that|those)\b"
)
STRICT = _ascii(
    r"\b(?:no|not\s+an?|without\s+an?|don't\s+(?:want|use)\s+an?)\s+(?:substitute|stand-?in|replacement)"
    r"|\bexactly\s+(?:that|this|the\s+same)\s+(?:one|model)\b|\bthe\s+real\s+(?:one|model)\b|\bstrict(?:ly)?\b"
    r"|代わり(?:の(?:モデル)?)?(?:じゃなくて|ではなく|は(?:いらない|要らない|なしで|使わない))|代用(?:しないで|なしで|は(?:いらない|要らない))"
    r"|(?:代替|代わり|身代わり)(?:の)?(?:モデル)?(?:は|を)?(?:使わない|使わず|なしで|不要|いらない|要らない)"
    r"|それ自体|そのものを|本物の")
# sentences of the conversation pointed at, not quoted: 'back to the first sentence', 'compare the two'
FIRST_SENTENCE = _ascii(r"\b(?:back\s+to\s+)?the\s+(?:first|1st)\s+(?:sentence|text|one)\b|\bthe\s+former\b"
                        r"|\bthe\s+original(?:\s+(?:one|sentence|version|text))?\b|元の文|もとの文"
                        r"|(?:最初|はじめ|1つ目|一つ目|前の方|前)の文(?:章)?(?:に戻)?|(?:前|最初|1つ目|一つ目)の方|前者"
                        r"|(?:前|最初|1つ目|一つ目)の(?:だけ|やつ)|(?:前|最初)のも(?=\W*$)")  # 「前のだけ」「前のも」
SECOND_SENTENCE = _ascii(r"\bthe\s+(?:second|2nd)\s+(?:sentence|text|one)\b|\bthe\s+latter\b"
                         r"|(?:2つ目|二つ目|2番目|二番目|後|あと|後ろ|うしろ|後ろの方)の文(?:章)?"
                         r"|(?:後|あと|後ろ|2つ目|二つ目)の方|後者|(?:後ろ|うしろ|2つ目|二つ目)の(?:だけ|やつ)")
# an earlier figure of the conversation ("go back to the first figure", 「2つ目の図に戻って」, "the previous figure")
EARLIER_FIGURE = _ascii(r"\bthe\s+(first|second|third|previous|other)\s+(?:figure|plot|chart|picture|graph|view|map)\b"
                        r"|(最初|はじめ|1つ目|一つ目|2つ目|二つ目|3つ目|三つ目|ひとつ前|一つ前|1個前|一個前)の(?:図|グラフ|プロット|やつ)"
                        r"|\bthe\s+(?:one|figure|plot|chart|picture|graph|view)\s+(before)(?!\s+(?:it|that|this|the))\b"
                        r"|\bthe\s+(previous)\s+one\b"  # "no, the one before was better"
                        # "first one again", 「やっぱ一番最初のに戻して」
                        r"|\b(first|second|previous)\s+one\s+again\b|(?:一番)?(最初|はじめ|1つ目|2つ目)のに戻"
                        # "back to the first one we saw", "the second one you drew"
                        r"|\bthe\s+(?:very\s+)?(first|second|third)\s+one\s+(?:we|you|i)\s+(?:saw|looked\s+at|drew|made"
                        r"|plotted|did|showed)\b")
_FIGURE_PLACE = {"first": 0, "最初": 0, "はじめ": 0, "1つ目": 0, "一つ目": 0, "second": 1, "2つ目": 1, "二つ目": 1,
                 "third": 2, "3つ目": 2, "三つ目": 2, "previous": -2, "other": -2, "ひとつ前": -2, "一つ前": -2,
                 "1個前": -2, "一個前": -2, "before": -2}


# the last change undone ("go back to how it was", "undo that", 「元に戻して」): the figure before the latest
UNDO = _ascii(r"\b(?:go|going|change\s+it|put\s+it|set\s+it|switch\s+it|turn\s+it|make\s+it)\s+back\s+to\s+"
              r"(?:how|the\s+way|what)\s+it\s+was\b|\b(?:how|the\s+way|as)\s+it\s+was\s+before\b"
              r"|\bundo\s+(?:that|it|this|the\s+last\s+(?:change|one|step))\b|\brevert\s+(?:that|it|this)\b"
              r"|(?:元|もと)(?:の(?:状態|設定|図|やつ))?に戻(?:して|す|る)|さっきの(?:状態|設定)に戻")


def take_earlier_figure(text: str) -> tuple[int | None, str]:
    """The place of an earlier figure in the conversation's list (0 the first, -2 the one before the latest)."""
    undone = UNDO.search(text)
    if undone is not None:
        return -2, _blank(text, *undone.span())
    match = EARLIER_FIGURE.search(text)
    if match is None:
        return None, text
    return _FIGURE_PLACE[next(group for group in match.groups() if group)], _blank(text, *match.span())


# the sentence of the conversation that is not the one shown ("no wait, the other sentence", 「もう片方の文」)
OTHER_SENTENCE = _ascii(r"\bthe\s+other\s+(?:sentence|text|one|example|version)\b"
                        r"|もう(?:一|1|ひと)つの(?:文|ほう|方)|もう片方|もう一方|もう1方|片方の文|他の文|ほかの文")
# the conversation's sentence in one language ("the English one", 「英語の方に戻して」, 「日本語の文」)
ENGLISH_SENTENCE = _ascii(r"\bthe\s+english\s+(?:one|sentence|version|text|example)\b|英語の(?:ほう|方|文|例文|やつ)")
JAPANESE_SENTENCE = _ascii(r"\bthe\s+japanese\s+(?:one|sentence|version|text|example)\b"
                          r"|日本語の(?:ほう|方|文|例文|やつ)")
# the longer or shorter of the conversation's sentences ("the long one", 「長いほう」)
LONG_SENTENCE = _ascii(r"\bthe\s+long(?:er|est)?(?:\s+(?:one|sentence|version|text)\b|(?=\s+(?:with|and)\b|\W*$))"
                       r"|長い(?:ほう|方)(?:の文)?|(?:一番|いちばん)長い(?:文|やつ)?")
SHORT_SENTENCE = _ascii(r"\bthe\s+short(?:er|est)?(?:\s+(?:one|sentence|version|text)\b|(?=\s+(?:with|and)\b|\W*$))"
                        r"|短い(?:ほう|方)(?:の文)?|(?:一番|いちばん)短い(?:文|やつ)?")
# the sentence made last ("the swapped one", 「入れ替えた文」)
NEWEST_SENTENCE = _ascii(r"\bthe\s+(?:swapped|edited|changed|modified|rewritten|new)\s+(?:sentence|text|one|version)\b"
                         r"|(?:入れ替えた|変えた|書き換えた|直した)(?:ほう|方|文)")
BOTH_SENTENCES = _ascii(r"\b(?:the\s+two|both)(?:\s+(?:sentences|texts|of\s+them))?\b(?!\s+models?)"
                        r"|(?:2つ|二つ|ふたつ|両方)の文(?:章)?|両方|(?:この|その|あの)(?:2|二|ふた)つ"
                        # 「2つ並べて比べて」 (not "them side by side": "them" may be two models or layers)
                        r"|(?:2|二|ふた)つ(?=を?(?:並べ|比べ))")
# ... or at another top ("the colour scale capped at 0.5", 「色の上限を0.5に」): weights are probabilities, 0 < top ≤ 1
SCALE_TOP = _ascii(r"\b(?:colou?r[\s_]*)?(?:scale|bar|max(?:imum)?)?\s*(?:capped|fixed|set|limited|clipped|topped)"
                   r"\s*(?:at|to|=|of)\s*(0?\.\d+)\b|\bcolou?r[\s_]*(?:scale|bar|max(?:imum)?)?\s*(?:at|to|=|of)\s*(0?\.\d+)\b"
                   r"|\bcap\s+(?:the\s+)?(?:colou?r\s*)?(?:scale|bar)\s+(?:at|to)\s+(0?\.\d+)\b|\bvmax\s*=\s*(0?\.\d+)"
                   r"|(?:色|カラーバー|カラースケール)の(?:上限|最大値?)(?:は|を)?\s*(0?\.\d+)"
                   r"|\b(?:scale|range)\s+(?:up\s+)?to\s+(0?\.\d+)\b|上限\s*(?:は|を|[=:：])?\s*(0?\.\d+)"
                   # "colour max 0.3", "the top of the scale at 0.3", "colour range 0 to 0.5", 「色の範囲は0から0.5で」
                   r"|\bcolou?r[\s_]*max(?:imum)?\s*[:=]?\s*(0?\.\d+)\b"
                   r"|\btop\s+of\s+the\s+(?:colou?r\s*)?(?:scale|bar)\s+(?:at|to)\s+(0?\.\d+)\b"
                   r"|\b(?:colou?r\s*)?(?:scale|range|bar)\s+(?:(?:fixed|set|pinned|locked)\s+)?(?:(?:from|on|at|to|between)\s+)?"
                   r"0\s*(?:to|and|-|–|~|\.\.)\s*(0?\.\d+)\b|同じ\s*(0?\.\d+)\s*で"
                   r"|(?:色の範囲|色のスケール|カラースケール|カラーバー)(?:は|を)?\s*0\s*(?:〜|~|から|-|–)\s*(0?\.\d+)")
# the colour scale of the figure before, if it had one ("same scale for layer 5", 「第16層も同じスケールで」)
SAME_SCALE = _ascii(r"\b(?:the\s+)?same\s+(?:colou?r\s*)?(?:scale|range|colorbar|colou?rs)\b"
                    r"|(?:同じ|共通の)(?:カラーバー|カラースケール|色のスケール|スケール|色の範囲)")
# choices said to stay as they were: "at the same layer", "same head", "that layer", "from that one up", 「同じ層で」,
# 「その層」, 「同じ設定で」
_SAME_CHOICE = _ascii(r"\b(?:the\s+)?same\s+(layer\s*(?:and|&|/|,)\s*head|layer|head|settings?|style|look|format)\b"
                      r"|\b(?:that|this)\s+(layer|head)\b|同じ(層(?:と|・|、)ヘッド)"
                      r"|\bfrom\s+(?:that|this)\s+one\s+(up|onwards?)\b|(?:同じ|その|この)(層|レイヤー?|ヘッド)|同じ(設定|条件|スタイル|見た目)")
_SETTINGS = ("layer", "head", "annotate", "exclude_special", "words", "color_max")
SETTINGS = "settings"  # ... kept as a whole ("same settings"): a view that has no head keeps the rest


def same_choices(text: str) -> tuple[str, ...]:
    """The readings a question says to keep ("same layer" → layer; "same settings" → the view's choices)."""
    found: list[str] = []
    for match in _SAME_CHOICE.finditer(text):
        word = next(group for group in match.groups() if group)
        if "head" in word and "layer" in word or "層" in word and "ヘッド" in word:  # "same layer and head"
            found += ["layer", "head"]
        elif word in ("layer", "層", "レイヤ", "レイヤー", "up", "onward", "onwards"):
            found.append("layer")
        elif word in ("head", "ヘッド"):
            found.append("head")
        else:
            found += [*_SETTINGS, SETTINGS]
    return tuple(dict.fromkeys(found))


FIXED_SCALE = _ascii(
    r"\b(?:colou?r\s*(?:scale|bar|map|range)|scale|colorbar|colou?rs?)\s+(?:(?:fixed|set|pinned|locked)\s+)?"
    r"(?:(?:from|on|at|to|between)\s+)?0\s*(?:to|and|-|–|~|〜)\s*1\b"
    r"|\b(?:fixed|same|shared|common|one)\s+(?:0\s*(?:to|-|–)\s*1\s+)?colou?r\s*(?:scale|bar|range)"
    r"|\bvmin\s*=\s*0\b.{0,12}\bvmax\s*=\s*1\b|\bcolou?r[\s_]*max\s*(?:=|of|:)?\s*1(?:\.0)?\b|\b(?:on\s+)?an?\s+(?:fixed\s+)?0\s*(?:-|–|to|\.\.)\s*1\s+scale\b"
    r"|\b(?:fixed|pinned|locked|clamped)\s+(?:to|at)\s+0\s*(?:\.\.|to|-|–|~)\s*1\b"
    # ("can you pin that bar to 0..1")
    r"|\b(?:pin|fix|lock|set|clamp)\s+(?:the\s+|that\s+|this\s+|its\s+)?(?:colou?r\s*)?(?:bar|scale|range|colorbar)"
    r"\s+(?:to|at)\s+0\s*(?:\.\.|to|-|–|~)\s*1\b"
    r"|(?:カラーバー|カラースケール|色のスケール|色の範囲|色の幅|色)(?:は|を|が)?\s*0\s*(?:〜|~|から|-|–)\s*1"
    # (「0から1の色の範囲で」「0〜1に固定できる？」)
    r"|0\s*(?:〜|~|から|-|–)\s*1\s*(?:まで)?(?:の|で)?\s*(?:色|カラー)の?(?:範囲|スケール|幅)"
    r"|0\s*(?:〜|~|から|-|–)\s*1\s*(?:に|で)\s*(?:固定|そろえ|揃え|統一)"
    r"|(?:カラーバー|カラースケール|色のスケール|色の範囲|色の上限)(?:は|を)?\s*1(?:\.0)?\s*(?:で|に)\s*(?:固定|フィックス)"
    r"|(?:色|カラー)の?(?:基準|スケール|範囲|幅)を(?:そろえ|揃え|統一|合わせ)"  # 「色の基準をそろえて比べたい」
    # "pin the colour scale to 0-1"
    r"|\b(?:pin|fix|lock|clamp|set)\s+(?:the\s+)?(?:colou?r\s*)?(?:scale|bar|range|colorbar)\s+(?:to|at)\s+"
    r"(?:from\s+)?0\s*(?:to|-|–|~|\.\.)\s*1\b"
    r"|(?:色|カラーバー|カラースケール)の(?:上限|最大値?)(?:は|を)?\s*1(?:\.0)?(?![\d.])"
    r"|(?:同じ|共通の|固定の?)(?:カラーバー|カラースケール|色のスケール|スケール)"
    # "fix the colour scale at 1.0", "same 0-1 scale", 「層3の全ヘッドを0〜1で」
    r"|\b(?:colou?r\s*)?(?:scale|bar|colorbar)\s+at\s+1(?:\.0)?(?![\d.])|\bsame\s+0\s*(?:-|–|to|\.\.)\s*1\s+scale\b"
    r"|0\s*(?:〜|~|から)\s*1(?:\.0)?\s*(?:まで)?で(?=[。、!！]|\s*$|固定|表示|描|見)"
    r"|\b(?:colou?r\s*)?(?:scale|bar|range)\s+(?:fixed|capped|set|limited)\s+(?:at|to)\s+1(?:\.0)?(?![\d.])"
    r"|\b(?:scale|range)\s+(?:up\s+)?to\s+1(?:\.0)?(?![\d.])")
# the pieces again, not merged ("put it back to tokens", 「やっぱりまとめないほうで」)
WORDS_OFF = _ascii(r"\bback\s+to\s+(?:the\s+)?(?:tokens|pieces|sub-?words?|word\s*pieces)\b"
                   r"|\b(?:tokens|pieces)\s+(?:instead\s+of|rather\s+than)\s+(?:whole\s+)?words\b"
                   r"|\bun-?merg(?:e|ed)\b|\bnot\s+merged\b|\bwithout\s+merging\b"
                   r"|まとめない|トークンのまま|サブワードのまま|分けたまま|バラバラのまま")
WORDS = _ascii(
    r"\bword[- ]level|\bper[- ]word\b|\b(?:by|into|as)\s+(?:whole\s+)?words\b|\bwhole\s+words"
    r"|\bmerg(?:e|ed|ing)\s+(?:the\s+)?(?:sub-?word\s+pieces|sub-?words?|word\s*pieces?|pieces|sub-?word\s+tokens)"
    r"(?:\s+(?:in)?to\s+(?:whole\s+)?words)?"
    r"|\bwords\s+(?:instead\s+of|rather\s+than|not)\s+(?:the\s+)?(?:sub-?word\s+|word\s+)?(?:tokens|pieces)"
    r"|\bwords\s+(?:instead|rather)\s+(?:of|than)\s*$"  # (what follows, "word pieces", was read as turned down)
    r"|単語(?:単位|ごと|レベル|毎|同士|どうし)|単語にまとめ|サブワードを(?:まとめ|結合|統合|合わせ|つなげ)|語単位|ワード(?:単位|ごと)"
    r"|\bword\s+by\s+word\b|\bfull\s+words\b|\b(?:sub-?)?words\s+merged\b|\b(?:combine|join|glue)\s+(?:the\s+)?(?:sub-?words?|pieces|##\s*pieces|word\s*pieces)"
    r"|##\s*(?:を|の)?(?:まとめ|結合|くっつけ|つなげ)|単語として(?:まとめ|扱)"
    r"|\b(?:sub-?words?|pieces|word\s*pieces|sub-?word\s+tokens)\s+(?:merged|combined|joined|glued)\s+(?:back\s+)?"
    r"(?:in)?to\s+(?:whole\s+)?words"  # "with the pieces merged into words"
    # terse: "words mode", "merged words", "merge the ## pieces", 「単語でまとめて」
    r"|\bwords?\s+mode\b|\bmerged\s+words\b|\bmerg(?:e|ed|ing)\s+(?:the\s+)?##\s*(?:pieces|tokens|bits)?"
    r"|単語で(?:まとめ|くっつけ|結合|つなげ)"
)

# an English word or special token written bare inside Japanese (not a word of the question's own English)
_UNQUOTED_TOKEN = (r"(?<![\w\]>])"
                   r"(?!(?:attention|layer|head|token|model|query|key|bert|gpt|gemma|minilm|llama|smollm\w*)\b)"
                   r"(\[cls\]|\[sep\]|<bos>|[a-z][\w'-]*)")
_QUERY_RULES = (
    _ascii(r"\bfrom\s+(?:the\s+)?(?:token\s+|word\s+)?(\[cls\]|\[sep\]|<bos>)"),
    _ascii(r"\bfrom\s+(?:the\s+)?(?:token|word)\s+([a-z][\w-]*)"),
    _ascii(r"\b(?:token|word)\s+([a-z][\w-]*)'s\b"),
    # "a line graph for the token cat"
    _ascii(r"\b(?:for|of)\s+the\s+(?:token|word)\s+([a-z][\w-]*)\b(?!\s+(?:list|count|ids?|limit)\b)"),
    _ascii(r"\b(?:token|query|position)\s*(?:#|no\.?|number|index)?\s*(\d+)"),
    _ascii(r"トークン\s*(\d+)|(\d+)\s*番の?トークン"),
    _ascii(rf"{_UNQUOTED_TOKEN}\s*から"),  # 「catからの注意」「の it から animal への」
    _ascii(rf"{_UNQUOTED_TOKEN}\s*(?:が|は)\s*(?:どこ|何|なに|どの(?:単語|トークン|語))(?:を|に)?\s*(?:見|注目)"
           rf"|{_UNQUOTED_TOKEN}\s*の(?:注目先|注意先|行)"),
    _ascii(rf"\brow\s(?:for|of)\s(?:the\s(?:token|word)\s)?{_UNQUOTED_TOKEN}"),  # "the row for love"
    _ascii(r"\bfrom\s+([^\x00-\x7f\s、。,.?？]+)"),  # "line chart from コーヒー"
    # "where does the particle が attend?": a Japanese token inside English
    _ascii(r"\b(?:where|what)\s+(?:does|do)\s+(?:the\s+)?(?:particle|word|token|character)?\s*"
           r"([^\x00-\x7f\s、。,.?？]+)\s+(?:attend|look|focus)"),
    _ascii(rf"(?:クエリ|\bquery)\s*(?:は|を|=|:)\s*{_UNQUOTED_TOKEN}"),  # 「クエリはcalled」
)
_ATTENDED_BEFORE = _ascii(r"\b(?:on|onto|to|towards?|at|into)\s+(?:the\s+)?(?:very\s+)?$")
# ... or what it takes in ("how much does that first token soak up?")
_ATTENDED_AFTER = _ascii(r"\s*(?:soak|soaks|get|gets|receive|receives|absorb|absorbs|collect|collects|draw|draws"
                         r"|take|takes|attract|attracts|pull|pulls)\b")
_ORDINAL_QUERY = _ascii(r"(\d+)\s*(?:番目|つ目)の?トークン|\b(\d+)(?:st|nd|rd|th)\s+token"
                        rf"|\b({ORDINAL_WORDS})\s+token")


# the last token looking ("from the last token", "where the last token looks", 「最後のトークンがどこを見て」)
_LAST = r"(?:the\s+)?(?:very\s+)?(?:last|final)\s+token"
_LAST_QUERY = _ascii(rf"\bfrom\s+{_LAST}\b|\b{_LAST}(?:'s\s+(?:row|line)|\s+(?:looks?|attends?|focus(?:es)?)\b)"
                     rf"|\bwhere\s+(?:does\s+)?{_LAST}\b"
                     r"|(?:最後|末尾|最終)の?トークン(?:から|の行|が\s*(?:どこ|何|なに|どの)(?:を|に)?\s*(?:見|注目))")
_KEY_RULES = (
    _ascii(r"\bto\s+(?:the\s+)?(?:token|word)\s+(\[cls\]|\[sep\]|<bos>|[a-z][\w-]*|\d+)"),
    _ascii(r"\bto\s+(?:the\s+)?(\[cls\]|\[sep\]|<bos>)"),
    _ascii(r"トークン\s*(\d+)\s*(?:へ|への|に対)"),
    _ascii(rf"{_UNQUOTED_TOKEN}\s*(?:への|へ|に向|に対)"),
)


def find_key(text: str) -> tuple[int | str | None, str]:
    """The attended token named without quotes: "to token 0", "to [CLS]", "トークン0への"."""
    for pattern in _KEY_RULES:
        match = pattern.search(text)
        if match:
            value = match.group(1)
            return (int(value) if value.isdigit() else value), _blank(text, *match.span())
    return None, text


def take_first(pattern: re.Pattern[str], text: str) -> tuple[str | None, str]:
    match = pattern.search(text)
    if match is None:
        return None, text
    return match.group(0), _blank(text, *match.span())


def take_flag(pattern: re.Pattern[str], text: str) -> tuple[bool, str]:
    phrase, text = take_first(pattern, text)
    return phrase is not None, text


# --- what the learner turns down ------------------------------------------------------------------------
# "not the line chart, the heatmap", "no wait, not gemma", "I don't want a heatmap this time", "instead of the two
# sentences", 「ヒートマップではなく折れ線で」, 「heatmapじゃなくて」, 「ヒートマップはいらない」: the words turned
# down name no view, model, layer or head. A "not" that negates a verb ("why do the rows not sum to 1") is no
# turning down.
# ("not head 5 — head 6"; a dot inside a name, "not the plt.plot one", ends nothing)
_UNTIL = r"(?=\s*(?:[,;:!?)—–]|\.(?![a-z])|\s-\s|\bbut\b|\bjust\b|\bonly\b|\bthis\s+time\b|$))"
_TURNED_DOWN_EN = _ascii(
    rf"(?:(?<![\w'])(\w+\s+)?not|\b(?:don'?t|do\s+not)\s+(?:want|need)|\binstead\s+of|\brather\s+than)"
    rf"\s+(?!just\b|only\b|merely\b|even\b)((?:a|an|the|any)\s+)?((?:[^,.;:!?()]|\.(?=[a-z])){{1,40}}?){_UNTIL}"
    r"|\bno\s+((?:pictures?|figures?|plots?|charts?|heat\s*maps?|images?|graphs?|lines?))\b"
    # "Nothing generated: …", "no generating", "nothing interactive"
    r"|\b(?:nothing|no)\s+(generat\w*|interactive|animated|clickable)\b"
)
# "like the heatmap but for every head at once": the view named before "but" is only what the request starts from
# (not a wish: "I'd like the layer-2 heatmap of '…' but with [CLS] removed")
_LIKE_BUT = _ascii(r"\b(?<!'d\s)(?<!would\s)(?<!\bi\s)(?<!we\s)(?:like|similar\s+to|same\s+as)\s+"
                   r"(?:a|an|the)\s+([^,.;:!?()]{1,30}?)\s*,?\s+but\b")
# ... and so is a view compared against ("easier than the heatmap") or not understood
# (「ヒートマップの見方がよくわからないので」)
_REFERENCE_ONLY = _ascii(r"\b(?:easier|better|clearer|nicer|simpler)\s+(?:to\s+read\s+)?than\s+(?:the\s+|a\s+)?"
                         r"([a-z][a-z\s-]{1,20}?)(?=\s+(?:for|of|in)\b|[,.?!]|$)"
                         r"|([^、。,.!?！？\s「」『』]{1,12}?)の(?:見方|読み方)が(?:よく|いまいち|あまり)?(?:わから|分から)"
                         # "the plain numbers behind that heatmap": the numbers asked, the view their source
                         r"|\b(?:numbers|values|weights)\s+behind\s+(?:that|this|the)\s+([a-z][a-z\s-]{1,20}?)(?=[,.?!]|$)")
# a "not" turns something down after a pause or these words ("no wait, not gemma", "I meant layer 2, not 3"), or
# before an article ("is it not the heatmap"); else it negates a verb ("why do the rows not sum to 1")
_BEFORE_NOT = frozenset("but and wait no meant actually so ok okay oh sorry then well please".split())
_TURNED_DOWN_JA = re.compile(
    r"(?:^|(?<=[、。,.!?！？\s「」『』はをがも]))((?:[^、。,.!?！？\s「」『』はをがも]|(?<=[a-z])\.(?=[a-z])|も(?=の)){1,20}?)"
    r"(?<!だけ)(?<!のみ)(?<!ばかり)"  # 「重みだけじゃなくて」 is "not only the weights": nothing is turned down
    r"(?:じゃなくて|じゃなく|ではなくて|ではなく|でなくて|でなく|(?:は|も)?(?:いらない|要らない|いりません|要りません|不要)"
    r"|(?:は|も)もう(?:いい|十分|いらない)"  # 「生成はもういいので」
    r"|(?:は|も)?(?:し)?なくて(?:いい|大丈夫|結構|よい|良い))"  # 「生成はしなくていいです」「比べなくていいので」
)
# "forget the generating", "enough of the heatmaps": what the learner is done with
_DONE_WITH_EN = _ascii(r"\b(?:forget|enough\s+(?:of|with)|done\s+with|no\s+more)\s+(?:about\s+)?(?:the\s+)?"
                       r"([a-z][a-z\s-]{1,30}?)(?=\s*[,.;:!?]|$)")


# "gemma… no wait, the smollm one", 「minilmに…いや、やっぱりsmollm2で」: what follows the correction replaces
# the model the blog post ran, told beside the one to run ("the post only ever uses bert. do it on gemma",
# 「ブログはBERTだったけど、gemmaで」)
THE_POSTS_MODEL = _ascii(r"\b(?:the\s+)?(?:blog(?:\s+post)?|post|article|author|tutorial|original)\s+"
                         r"(?:only\s+)?(?:ever\s+)?(?:uses?|used|was\s+using|is\s+using|runs?|ran|had|went\s+with)\s+(?:the\s+)?[\w.-]+"
                         r"|(?:ブログ|記事|元記事|筆者|著者)(?:では|で|は|の人は)\S{0,12}?(?:を使って(?:た|いた|いる|る)?|だった|でした)")
CORRECTION = _ascii(r"\bno\s+wait\b|\bwait,?\s+no\b|\bi\s+meant\b|\bsorry\b|\bscratch\s+that\b|\bnever\s*mind\b"
                    r"|\bforget\s+(?:it|that)\b|いや[、,]|やっぱり|やっぱ|もういい")


def take_turned_down(text: str) -> tuple[list[str], str]:
    """The phrases the question turns down, and the text with them blanked out."""
    found = []
    for match in _TURNED_DOWN_EN.finditer(text):
        if match[1] is not None and match[1].strip() not in _BEFORE_NOT and match[2] is None:
            continue
        group = next(index for index in (3, 4, 5) if match[index] is not None)
        found.append(match[group])
        text = _blank(text, *match.span(group))
    for pattern in (_LIKE_BUT, _DONE_WITH_EN):
        for match in pattern.finditer(text):
            found.append(match[1])
            text = _blank(text, *match.span(1))
    for match in _REFERENCE_ONLY.finditer(text):
        group = next(index for index in (1, 2, 3) if match[index] is not None)
        found.append(match[group])
        text = _blank(text, *match.span(group))
    for match in _TURNED_DOWN_JA.finditer(text):
        found.append(match[1])
        text = _blank(text, *match.span(1))
    return found, text


def find_query(text: str) -> tuple[int | str | None, str]:
    """The attending token named without quotes; ordinals ("2番目のトークン", "second token") are 1-based."""
    last = _LAST_QUERY.search(text)  # "where the last token looks", 「最後のトークンから」: position -1
    if last and not (_ATTENDED_BEFORE.search(text[:last.start()]) or _ATTENDED_AFTER.match(text[last.end():])):
        return -1, _blank(text, *last.span())
    match = _ORDINAL_QUERY.search(text)
    if match and (_ATTENDED_BEFORE.search(text[:match.start()]) or _ATTENDED_AFTER.match(text[match.end():])):
        match = None  # "most of its attention on the very first token": the token attended to, no query
    if match:
        value = ORDINAL[match[3]] if match[3] else int(match[1] or match[2])
        return max(0, value - 1), _blank(text, *match.span())
    for pattern in _QUERY_RULES:
        match = pattern.search(text)
        if match:
            value = next(group for group in match.groups() if group is not None)
            return (int(value) if value.isdigit() else value), _blank(text, *match.span())
    return None, text
