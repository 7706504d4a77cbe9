"""The words the offline planner recognizes, in English and Japanese, and the small readers built on them.

Readers that find an argument return it together with the text where its words are blanked out
(replaced by spaces), so later readers and the intent cues do not read the same words twice.
Patterns run on NFKC-normalized, lower-cased text unless they say otherwise, and with re.ASCII, so
that a word boundary also falls between English and Japanese ("BERTに", "Attentionを").
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from dataclasses import dataclass

__all__ = [
    "Quote", "take_code", "take_quotes", "is_expression", "find_expression", "term_knowledge", "marks_query",
    "marks_key", "find_models", "take_first", "take_flag", "find_numbers", "find_query", "find_key", "cues",
    "blank_cues", "has_keyword",
    "BARE_TERM", "COLON_SENTENCE", "MEAN_HEADS", "ANNOTATE", "EXCLUDE_SPECIAL", "LAYER_RULES", "HEAD_RULES",
]


def _ascii(pattern: str, flags: int = 0) -> re.Pattern[str]:
    return re.compile(pattern, flags | re.ASCII)


@dataclass(frozen=True)
class Quote:
    text: str  # exactly as written
    before: str  # a little of the question before the quote, lower-cased
    after: str


# --- quotes, code and expressions (on the question as written) --------------------------------------

_CODE = _ascii(r"```(?:python|py)?\s*(.+?)```|`([^`\n]+)`", re.S)
_QUOTES = (
    _ascii(r"“([^“”]+)”"),
    _ascii(r"‘((?:[^‘’]|’(?=[A-Za-z]))+?)’(?![A-Za-z0-9])"),  # ’ before a letter is an apostrophe
    _ascii(r'"([^"]+)"'),
    _ascii(r"(?<![A-Za-z0-9])'((?:[^']|'(?=[A-Za-z]))+?)'(?![A-Za-z0-9])"),  # not the ' of "what's"
)
_SINGLE = ("‘", "'")  # a single-quoted sentence needs at least 2 characters
_BRACKETS = {"「": "」", "『": "』"}  # may nest: 「彼は「はい」と言った」
_DATA_NAMES = {"outputs", "attentions", "attention"}
_SAFE_NODES = (ast.Expression, ast.Name, ast.Attribute, ast.Subscript, ast.Call, ast.Constant, ast.UnaryOp,
               ast.USub, ast.Slice, ast.Tuple, ast.Load, ast.keyword)
_EXPRESSION_START = _ascii(r"\b(?:torch|outputs|attentions?)\b")
BARE_TERM = _ascii(r"\bdim\s*=\s*-?\d+|\[\s*0\s*\]|\.?\bdetach\b(?:\(\))?|\.numpy\(\)|\btorch\.mean\b|\bkeepdim\b",
                       re.I)
COLON_SENTENCE = _ascii(r"(?:\bsentences?|\btexts?|\binput|文章?|テキスト)\s*[:：]\s*(?P<text>\S.*?)\s*$",
                            re.I | re.S)
_TERM_KNOWLEDGE = (("dim", "mean_over_heads"), ("torch.mean", "mean_over_heads"), ("keepdim", "mean_over_heads"),
                   ("[", "dims_and_shapes"), ("detach", "requires_grad_numpy"), ("numpy", "requires_grad_numpy"))


def take_code(question: str) -> tuple[str, list[str]]:
    """Pull out backtick spans. Code that is no expression (a model id in backticks) stays, unwrapped."""
    codes: list[str] = []

    def replace(match: re.Match[str]) -> str:
        code = match.group(1) or match.group(2)
        if is_expression(code):
            codes.append(code)
            return " "
        return code

    return _CODE.sub(replace, question), codes


def take_quotes(text: str) -> tuple[str, list[Quote]]:
    """Pull out quoted pieces, outermost first; model names in quotes stay in the text, unwrapped."""
    spans = sorted(_bracket_spans(text) + _quote_spans(text), key=lambda s: (s[0], -s[1]))
    outer: list[tuple[int, int, str]] = []
    for span in spans:
        if not outer or span[0] >= outer[-1][1]:
            outer.append(span)
    pieces, quotes, position = [], [], 0
    for start, end, content in outer:
        pieces.append(text[position:start])
        before, after = text[max(0, start - 30):start].lower(), text[end:end + 12].lower()
        if _MODEL_ONLY.fullmatch(content.strip()) or _TERM_BEFORE.search(before) or _TERM_AFTER.search(after):
            pieces.append(f" {content} ")  # a model or a term asked about ('what does "sink" mean'), no sentence
        else:
            quotes.append(Quote(content, before, after))
            pieces.append(" ")
        position = end
    pieces.append(text[position:])
    return "".join(pieces), quotes


def _bracket_spans(text: str) -> list[tuple[int, int, str]]:
    spans = []
    for opener, closer in _BRACKETS.items():
        depth, start = 0, 0
        for index, char in enumerate(text):
            if char == opener:
                start = index if depth == 0 else start
                depth += 1
            elif char == closer and depth:
                depth -= 1
                if depth == 0 and index > start + 1:
                    spans.append((start, index + 1, text[start + 1:index]))
    return spans


def _quote_spans(text: str) -> list[tuple[int, int, str]]:
    spans = []
    for pattern in _QUOTES:
        for match in pattern.finditer(text):
            content = match.group(1)
            if match.group(0)[0] in _SINGLE and len(content.strip()) < 2:
                continue
            if content.strip():
                spans.append((match.start(), match.end(), content))
    return spans


def is_expression(code: str) -> bool:
    """Python that reads outputs.attentions with indexing and calls (not a bare name, not a sentence)."""
    code = code.strip()
    if not code or not code.isascii():
        return False
    try:
        tree = ast.parse(code, mode="eval")
    except SyntaxError:
        return False
    nodes = list(ast.walk(tree))
    names = {node.id for node in nodes if isinstance(node, ast.Name)}
    safe = all(isinstance(node, _SAFE_NODES) for node in nodes)
    known = names <= _DATA_NAMES | {"torch"} and bool(names & _DATA_NAMES)
    return safe and known and not isinstance(tree.body, ast.Name | ast.Tuple)


def find_expression(text: str) -> str | None:
    """The longest ASCII run starting at torch/outputs/attentions that parses as an expression which
    indexes or calls something: a bare "outputs.attentions" in prose is a topic, not code to walk through."""
    for match in _EXPRESSION_START.finditer(text):
        end = match.start()
        while end < len(text) and text[end].isascii() and text[end] not in "?":
            end += 1
        for stop in range(end, match.end(), -1):
            candidate = text[match.start():stop].strip()
            if is_expression(candidate) and _operates(candidate):
                return candidate
    return None


def _operates(code: str) -> bool:
    return any(isinstance(node, ast.Subscript | ast.Call) for node in ast.walk(ast.parse(code, mode="eval")))


def term_knowledge(term: str) -> tuple[str, ...]:
    """The knowledge entry that explains a bare term such as "dim=1" or ".detach()"."""
    term = term.lower()
    return tuple(dict.fromkeys(entry for word, entry in _TERM_KNOWLEDGE if word in term))[:1]


_QUERY_BEFORE = _ascii(r"(?:\bfrom|\btoken|\bword|\bquery|\brow\s+of)\s*(?:the\s+)?(?:token\s+|word\s+)?$")
_QUERY_AFTER = _ascii(r"^\s*(?:から|トークンから|という?トークンから|の行|が(?:どこ|何|なに)に|が注目)")
_TERM_BEFORE = _ascii(r"(?:\bwhat\s+(?:is|are)|\bwhat's|\bmeaning\s+of|\bdefine|\bdefinition\s+of)"
                      r"\s*(?:the\s+)?(?:word\s+|term\s+)?$", re.I)
_TERM_AFTER = _ascii(r"^\s*(?:mean\b|means\b|stand\s+for|とは|って(?:何|なに|どういう)|の意味)", re.I)


def marks_query(before: str, after: str) -> bool:
    """A quoted token named as the attending one: from "love", 「食べ」から."""
    return bool(_QUERY_BEFORE.search(before) or _QUERY_AFTER.search(after))


_KEY_BEFORE = _ascii(r"(?:\bto|\bon|\btowards?)\s*(?:the\s+)?(?:token\s+|word\s+)?$")
_KEY_AFTER = _ascii(r"^\s*(?:へ|への|に向|に対す|に対して)")


def marks_key(before: str, after: str) -> bool:
    """A quoted token named as the attended one: to "cat", 「猫」への."""
    return bool(_KEY_BEFORE.search(before) or _KEY_AFTER.search(after))


# --- models --------------------------------------------------------------------------------------------

_ID_EDGE = r"A-Za-z0-9_./-"
_HUB_ID = _ascii(rf"(?<![{_ID_EDGE}])([A-Za-z0-9][\w.-]*/[A-Za-z0-9][\w.-]*[A-Za-z0-9])(?![{_ID_EDGE}])")
_BARE_ID = _ascii(
    rf"(?<![{_ID_EDGE}])((?:distil)?(?:bert|roberta|albert|electra|deberta|xlm|bart|t5|opt|bloom)-[\w.-]*[a-z0-9]"
    rf"|(?:distil)?gpt-?2(?:-[a-z]+)?)(?![{_ID_EDGE}])"
)
_KNOWN_IDS = {"google/gemma-3-270m": "gemma-270m", "sentence-transformers/all-minilm-l6-v2": "minilm", "gpt-2": "gpt2"}
_MODEL_WORDS = (
    (_ascii(r"\bminilm\b|\bbert\b|\benglish(?:[- ]only)? model|\bencoder(?:[- ]only)? model|英語(?:用の|の)?モデル"
                r"|エンコーダ"), "minilm"),
    (_ascii(r"\bgemma(?:[- ]?3)?(?:[- ]?270m)?\b|\bjapanese model|\bmultilingual model|日本語(?:用の|の)?モデル"
                r"|\bgpt[- ]?(?:style|like|type)|gpt(?:系|型|風|っぽい)|\bcausal (?:language )?model"
                r"|因果(?:言語)?モデル"
                r"|デコーダ|\bdecoder(?:[- ]only)? model|\bgpt\b(?![- ]?\d)"), "gemma-270m"),
)
_MODEL_ONLY = _ascii(r"minilm|gemma(?:-270m)?|[A-Za-z0-9][\w.-]*/[A-Za-z0-9][\w.-]*|bert-[\w.-]+", re.I)


def find_models(text: str) -> tuple[list[tuple[str, str]], str]:
    """Models named in the text, in order: (what to pass as `model`, the words that named it)."""
    found: list[tuple[int, str, str]] = []
    for pattern in (_HUB_ID, _BARE_ID):
        for match in pattern.finditer(text):
            name = match.group(1)
            if pattern is _HUB_ID and not _looks_like_hub_id(name):
                continue
            found.append((match.start(), _KNOWN_IDS.get(name.lower(), name), name))
            text = _blank(text, match.start(), match.end())
    for pattern, model in _MODEL_WORDS:
        for match in pattern.finditer(text):
            found.append((match.start(), model, match.group(0)))
        text = pattern.sub(lambda m: " " * len(m.group(0)), text)
    models: dict[str, str] = {}
    for _, model, phrase in sorted(found):
        models.setdefault(model, phrase)
    return list(models.items()), text


def _looks_like_hub_id(name: str) -> bool:
    org, model = name.split("/", 1)
    return bool(re.search(r"[-_.\d]", model) or re.search(r"[-_\d]", org))


def _blank(text: str, start: int, end: int) -> str:
    return text[:start] + " " * (end - start) + text[end:]


# --- flags, layers, heads, the query token --------------------------------------------------------------

_SPECIAL = (r"(?:special[- ]tokens?|特殊トークン|\[cls\](?:\s*(?:and|,|/|&|と|、|や)\s*\[sep\])?|\[sep\]|<bos>"
            r"|cls(?:\s*(?:and|/)\s*sep)?|bos)")
MEAN_HEADS = _ascii(
    r"\b(?:average|mean|avg)\s+(?:of|over|across)\s+(?:all\s+)?(?:the\s+)?(?:\d+\s+)?(?:attention\s+)?heads"
    r"|\bheads?[- ](?:averaged|average|mean)|\baverag(?:e|ing)\s+(?:all\s+)?(?:the\s+)?heads|\bhead\s+mean"
    r"|(?:全|すべての|全ての)?ヘッド(?:の|間の|間で|を|で)?平均|平均(?:した|の)?ヘッド"
)
ANNOTATE = _ascii(
    r"\bannotat\w*|\b(?:values?|numbers?|weights?)\s+(?:written\s+)?in\s+(?:the\s+|each\s+)?cells?"
    r"|\bwith\s+(?:the\s+)?(?:values|numbers|weights)\b|\bwrite\s+(?:the\s+)?(?:values|numbers)"
    r"|(?:数値|値|数字)(?:入り|付き|つき)|(?:数値|値|数字)を(?:書き込|書い|書き入れ|入れ|載せ)|(?:セル|マス)に(?:数値|値|数字)"
    r"|(?:数値|値|数字)も(?:表示|書|入れ|見せ)"
)
EXCLUDE_SPECIAL = _ascii(
    rf"\b(?:without|w/o)\s+(?:the\s+|any\s+)?{_SPECIAL}|\b(?:excluding|exclude|drop|dropping|remove|removing|ignore|ignoring"
    rf"|hide|hiding|skip|skipping|minus)\s+(?:the\s+)?{_SPECIAL}|\bno\s+{_SPECIAL}|{_SPECIAL}\s+(?:removed|excluded)"
    rf"|{_SPECIAL}\s*(?:は|を)?(?:除|抜|なし|無し|取り除|外|省)"
)

Rule = tuple[re.Pattern[str], Callable[[re.Match[str]], list[int]]]
_ORDINAL = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "2nd": 2, "3rd": 3, "4th": 4}
_KANJI = {"〇": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_NUM = r"(-?\d+|[〇零一二三四五六七八九十]+)"


def _number(text: str) -> int:
    if text.lstrip("-").isdigit():
        return int(text)
    tens, _, ones = text.partition("十")
    if "十" not in text:
        return int("".join(str(_KANJI[c]) for c in text))
    return (_KANJI[tens] if tens else 1) * 10 + (_KANJI[ones] if ones else 0)


def _rule(pattern: str, value: Callable[[re.Match[str]], list[int]] | int) -> Rule:
    convert = value if callable(value) else (lambda match, fixed=value: [fixed])
    return _ascii(pattern), convert


def _groups(match: re.Match[str]) -> list[int]:
    return [_number(group) for group in match.groups() if group is not None]


LAYER_RULES: tuple[Rule, ...] = (
    _rule(r"\b(second|third|2nd|3rd)[- ](?:to[- ])?last\s+(?:layer)?", lambda m: [-_ORDINAL[m[1]]]),
    _rule(r"\bpenultimate\s+layer", -2),
    _rule(rf"最後から\s*{_NUM}\s*(?:番目|つ目)(?:の(?:層|レイヤー?))?", lambda m: [-_number(m[1])]),
    _rule(r"(?:最終層|最後の層)の(?:一つ|1つ|ひとつ)前", -2),
    _rule(r"\b(?:last|final|top|deepest)\s+(?:attention\s+)?layer", -1),
    _rule(r"最終(?:層|レイヤー?|段)|最後の(?:層|レイヤー?)|一番(?:最後|上)の(?:層|レイヤー?)|最上層", -1),
    _rule(r"\b(first|second|third|fourth|fifth)\s+(?:attention\s+)?layer", lambda m: [_ORDINAL[m[1]] - 1]),
    _rule(r"最初の(?:層|レイヤー?)|一番(?:最初|下)の(?:層|レイヤー?)|最下層", 0),
    _rule(r"\blayers?\s*(?:index\s*|number\s*|no\.?\s*|#)?[=:]?\s*(-?\d+)(?:\s*(?:,|and|&|vs\.?|versus|or)\s*(-?\d+))?",
          _groups),
    _rule(r"\b(\d+)(?:st|nd|rd|th)\s+layer", _groups),
    _rule(rf"第\s*{_NUM}\s*(?:層|レイヤー?)", _groups),
    _rule(rf"{_NUM}\s*(?:番目|つ目)の(?:層|レイヤー?)", _groups),
    _rule(r"(?:レイヤー?|層)\s*(?:番号)?\s*(?:は|を|が|[=:])?\s*(-?\d+)(?!\s*(?:個|つ|本|層))", _groups),
    _rule(r"(\d+)\s*(?:層|レイヤー?)目?", _groups),
)
HEAD_RULES: tuple[Rule, ...] = (
    _rule(r"\bheads?\s*(?:index\s*|number\s*|no\.?\s*|#)?[=:]?\s*(-?\d+)(?:\s*(?:,|and|&|vs\.?|versus|or)\s*(-?\d+))?",
          _groups),
    _rule(r"\b(\d+)(?:st|nd|rd|th)\s+(?:attention\s+)?head\b", _groups),
    _rule(r"\b(first|second|third|fourth|fifth)\s+(?:attention\s+)?head\b", lambda m: [_ORDINAL[m[1]] - 1]),
    _rule(r"\blast\s+head\b", -1),
    _rule(r"最後のヘッド", -1),
    _rule(r"最初のヘッド", 0),
    _rule(rf"第\s*{_NUM}\s*ヘッド", _groups),
    _rule(rf"{_NUM}\s*(?:番目?|つ目)の?ヘッド", _groups),
    _rule(r"ヘッド\s*(?:番号)?\s*(?:は|を|が|[=:])?\s*(-?\d+)(?!\s*(?:個|つ|本))", _groups),
)
_QUERY_RULES = (
    _ascii(r"\bfrom\s+(?:the\s+)?(?:token\s+|word\s+)?(\[cls\]|\[sep\]|<bos>)"),
    _ascii(r"\bfrom\s+(?:the\s+)?(?:token|word)\s+([a-z][\w-]*)"),
    _ascii(r"\b(?:token|word)\s+([a-z][\w-]*)'s\b"),
    _ascii(r"\b(?:token|query|position)\s*(?:#|no\.?|number|index)?\s*(\d+)"),
    _ascii(r"\b(\d+)(?:st|nd|rd|th)\s+token"),
    _ascii(r"トークン\s*(\d+)|(\d+)\s*番目?の?トークン"),
)


_KEY_RULES = (
    _ascii(r"\bto\s+(?:the\s+)?(?:token|word)\s+(\[cls\]|\[sep\]|<bos>|[a-z][\w-]*|\d+)"),
    _ascii(r"\bto\s+(?:the\s+)?(\[cls\]|\[sep\]|<bos>)"),
    _ascii(r"トークン\s*(\d+)\s*(?:へ|への|に対)"),
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


def find_numbers(rules: tuple[Rule, ...], text: str) -> tuple[list[tuple[int, str]], str]:
    """(value, the words that gave it) for every rule match, in order of appearance, without repeats."""
    found: list[tuple[int, int, str]] = []
    for pattern, convert in rules:
        for match in pattern.finditer(text):
            found += [(match.start(), value, match.group(0)) for value in convert(match)]
        text = pattern.sub(lambda m: " " * len(m.group(0)), text)
    values: dict[int, str] = {}
    for _, value, phrase in sorted(found):
        values.setdefault(value, phrase)
    return list(values.items()), text


def find_query(text: str) -> tuple[int | str | None, str]:
    for pattern in _QUERY_RULES:
        match = pattern.search(text)
        if match:
            value = next(group for group in match.groups() if group is not None)
            return (int(value) if value.isdigit() else value), _blank(text, *match.span())
    return None, text


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
    for name in ("list_models", "load", "heads", "line", "heatmap", "inspect", "focus", "extract", "show", "figure",
                 "rollout", "norms", "roles", "layer_summary"):
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
