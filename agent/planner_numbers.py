"""The numbers a question names: layers and heads (indices as written, 1-based ordinals such as "the third layer"
or 「3層目」 as 0-based indices, in digits, words or kanji), a step from the one shown ("next head", 「ひとつ前の
層」), and how many tokens to generate ("10 more", 「あと5トークン」, "twice as long").

Patterns run on NFKC-normalized, lower-cased text; `find_numbers` returns what it found with the text where
those words are blanked out, leaving out a number turned down, taken back or already seen.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from agent.planner_quotes import ascii_pattern as _ascii

__all__ = [
    "Rule", "find_numbers", "as_number", "ORDINAL", "ORDINAL_WORDS",
    "LAYER_RULES", "LAYER_STEP_RULES", "HEAD_RULES", "HEAD_STEP_RULES", "STEP_ALONE", "NEW_TOKEN_RULES",
    "MORE_TOKENS", "LONGER", "LONGER_BY", "TWICE",
]

Rule = tuple[re.Pattern[str], Callable[[re.Match[str]], list[int]]]
ORDINAL_WORDS = "first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth"
ORDINAL = {word: place for place, word in enumerate(ORDINAL_WORDS.split("|"), start=1)}
ORDINAL |= {"2nd": 2, "3rd": 3, "4th": 4}
_KANJI = {"〇": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
# a number in digits, or in kanji: 「十二」「二十」「三」, and digits one by one (「一二」 is 12); no 「十十」
_NUM = r"(-?\d+|[一二三四五六七八九]?十[一二三四五六七八九]?|[〇零一二三四五六七八九]+)"
_INDEX = {word: value for value, word in enumerate("zero one two three four five six seven eight nine ten eleven "
                                                   "twelve thirteen fourteen fifteen sixteen seventeen eighteen "
                                                   "nineteen twenty".split())}
_NOT_ONE_BY_ONE = r"(?!\s+(?:by|after|at\s+a\s+time)\b)"  # ("every layer one by one" counts no layer)
_INDEX_WORDS = "|".join(_INDEX)


def as_number(text: str) -> int:
    """A number written in digits or in kanji (「三」, 「十二」), as `_NUM` reads one."""
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
    return [as_number(group) for group in match.groups() if group is not None]


def _ordinals(match: re.Match[str]) -> list[int]:
    """1-based ordinals ("3層目", "3rd layer", "第3層") as 0-based indices; "第0層" can only be an index."""
    return [max(0, value - 1) for value in _groups(match)]


# "L3", "l2", "L3H7": the shorthand of papers and notebooks for layer 3 (an index), never the L2 norm or L1 loss
_LAYER_SHORT = r"\bl(\d{1,2})(?=h\d|\b)(?!\s*[- ]?(?:norms?|regulari[sz]|loss|distance|penalty|cache|error)\b)"
# Ordinals (1-based: "the third layer", 「3層目」) become 0-based indices; indices ("layer 3", 「3層」) stay as written.
_SKIP = r"(?:skip(?:ping)?|leave\s+out|leaving\s+out|drop(?:ping)?|without|ignore|ignoring)"
LAYER_RULES: tuple[Rule, ...] = (
    # "skip the first 2 layers", 「最初の2層は飛ばして」: from the layer after them
    _rule(rf"\b{_SKIP}\s+the\s+first\s+(\d+|two|three)\s+layers\b",
          lambda m: [_STEPS[m[1]] if m[1] in _STEPS else as_number(m[1])]),
    _rule(rf"\b{_SKIP}\s+the\s+first\s+layer\b", 1),
    _rule(rf"最初の\s*{_NUM}\s*(?:層|レイヤー?)\s*(?:は|を)?\s*(?:飛ばし|入れず|抜い|除い|なしで|スキップ)(?![^。]*\d\s*から)",
          _groups),
    _rule(r"最初の(?:層|レイヤー?)\s*(?:は|を)?\s*(?:飛ばし|入れず|抜い|除い|なしで|スキップ)(?![^。]*\d\s*から)", 1),
    _rule(r"(?:^|[、,]\s*)(\d+)\s*から(?:で|始め\w*)?\s*[。.!！]?\s*$", _groups),  # 「…入れずに、3から」
    _rule(r"\bstart_layer\s*(?:を|は|=|:|to)?\s*(\d+)", _groups),  # 「start_layerを5に」
    _rule(r"\b(second|third|2nd|3rd)[- ](?:to[- ])?last\b(?!\s+(?:head|token|word|row|sentence))(?:\s+layer)?",
          lambda m: [-ORDINAL[m[1]]]),
    _rule(r"\bpenultimate\s+layer|\b(?:the\s+)?layer\s+before\s+the\s+(?:last|final)(?:\s+one)?\b", -2),
    _rule(rf"最後から\s*{_NUM}\s*(?:番目|つ目)(?:の(?:層|レイヤー?))?(?!の?(?:ヘッド|head|トークン|単語))",
          lambda m: [-as_number(m[1])]),
    _rule(r"(?:最終層|最後の層)の(?:一つ|1つ|ひとつ)前", -2),
    _rule(r"(?:層|レイヤー?)(?:だけ|を|は)?\s*(?:最後|最終)(?:の層)?に", -1),  # 「層だけ最後にして」
    _rule(r"(?:層|レイヤー?)(?:だけ|を|は)?\s*最初(?:の層)?に", 0),
    _rule(r"\b(?:last|final|top|deepest)\s+(?:attention\s+)?layer", -1),
    # "and the last", "what about the first?" alone, after a figure: its layer (not "the first one", a sentence)
    _rule(r"^\W*(?:(?:and|now|then|ok|okay|so|what\s+about|how\s+about)\W+)*(?:the\s+)?(?:last|final)\W*$", -1),
    _rule(r"^\W*(?:(?:and|now|then|ok|okay|so|what\s+about|how\s+about)\W+)*(?:the\s+)?first\W*$", 0),
    _rule(r"最終(?:層|レイヤー?|段)|最後の(?:層|レイヤー?)|(?:一番|いちばん)(?:最後|上|深い)の?(?:層|レイヤー?)|最上層"
          r"|ラストレイヤー?", -1),
    _rule(rf"\b({ORDINAL_WORDS})\s+(?:attention\s+)?layer", lambda m: [ORDINAL[m[1]] - 1]),
    _rule(r"(?:最初|先頭|はじめ)の(?:層|レイヤー?)|(?:一番|いちばん)(?:最初|下|浅い)の?(?:層|レイヤー?)|最下層", 0),
    _rule(r"\b(?:shallowest|lowest|bottom|earliest)\s+(?:attention\s+)?layer", 0),
    # "and for layer zero?", "layer number twelve": an index in words
    _rule(rf"\blayer\s+(?:number\s+|no\.?\s+|index\s+)?({_INDEX_WORDS})\b{_NOT_ONE_BY_ONE}", lambda m: [_INDEX[m[1]]]),
    # "skip to the last", 「最後まで飛ばして」, "start from the very first"
    _rule(r"\b(?:skip|jump|go|fast[- ]forward)\s+(?:straight\s+|right\s+|all\s+the\s+way\s+)?to\s+the\s+(?:very\s+)?"
          r"(?:last|final|end)\b(?!\s+head)|最後(?:の層)?まで(?:飛ば|とば|スキップ|一気に)", -1),
    _rule(r"\bstart(?:ing)?\s+(?:from|with|at)\s+the\s+(?:very\s+)?(?:first|bottom|beginning)\b(?!\s+head)", 0),
    _rule(r"\blayer-(\d+)\b", _groups),  # "the layer-2 heatmap": a hyphen joining words, no minus sign
    _rule(r"\b(?:layers?|lyers?|layrs?|laers?|leyers?)\s*(?:index\s*|number\s*|no\.?\s*|#)?[=:]?\s*(-?\d+)"
          r"(?:\s*(?:,|and|&|vs\.?|versus|or)\s*(-?\d+)(?![\d.]|(?:st|nd|rd|th)\b))?",
          _groups),
    _rule(r"\battentions\s*\[\s*(-?\d+)\s*\]", _groups),
    # "the layer, make it 2", "layer -> set it to 4"
    _rule(r"\blayer\W+(?:make\s+(?:it|that)|set\s+(?:it\s+)?to|change\s+(?:it\s+)?to)\s+(-?\d+)\b", _groups),
    _rule(_LAYER_SHORT, _groups),
    _rule(r"\b(\d+)(?:st|nd|rd|th)\s+(?:attention\s+)?layer", _ordinals),
    _rule(rf"第\s*{_NUM}\s*(?:層|レイヤー?)", _ordinals),
    _rule(rf"{_NUM}\s*(?:番目|つ目)の(?:層|レイヤー?)", _ordinals),
    _rule(rf"{_NUM}\s*(?:層|レイヤー?)目", _ordinals),
    _rule(rf"(?:レイヤー?|層)\s*(?:は|を|が)?\s*{_NUM}\s*(?:番目|つ目)", _ordinals),  # 「層は3番目で」
    _rule(r"(?:レイヤー?|層)\s*(?:番号|インデックス)?\s*(?:は|を|が|[=:])?\s*(-?\d+)(?!\d|\s*(?:個|つ|本|層|番目|つ目))",
          _groups),
    # (not a count: 「18層しかない」「全6層」「12層ある」「6層のモデル」)
    _rule(r"(?<!全)(\d+)\s*(?:層|レイヤー?)(?!目|\s*(?:しか|ある|もある|あり|構造|ぶん|分|ずつ|の(?:モデル|bert|やつ)))",
          _groups),
)
# A layer relative to the one shown ("one layer up", 「次の層」, 「ひとつ前の層」): the step, read after LAYER_RULES
LAYER_STEP_RULES: tuple[Rule, ...] = (
    _rule(r"\b(?:(one|two|three|1|2|3|a)\s+)?layers?\s+(?:up|higher|deeper|later|further)\b",
          lambda m: [_STEPS.get(m[1] or "one", 1)]),
    _rule(r"\b(?:(one|two|three|1|2|3|a)\s+)?layers?\s+(?:down|lower|earlier|back|shallower)\b",
          lambda m: [-_STEPS.get(m[1] or "one", 1)]),
    _rule(r"\b(?:the\s+)?(?:next|following)\s+layer\b|\bthe\s+layer\s+(?:after|above)\s+(?:that|this|it)\b", 1),
    _rule(r"\b(?:the\s+)?(?:previous|prior|preceding)\s+layer\b|\bthe\s+layer\s+(?:before|below)\s+(?:that|this|it)\b",
          -1),
    _rule(rf"(?:{_NUM}つ|ひとつ|一つ)(?:前|手前|下)の(?:層|レイヤー?)", lambda m: [-as_number(m[1] or "1")]),
    _rule(rf"(?:{_NUM}つ|ひとつ|一つ)(?:後|あと|先|上|次)の(?:層|レイヤー?)", lambda m: [as_number(m[1] or "1")]),
    _rule(rf"(?:{_NUM}(?:つ|個)|ひとつ|一つ)深(?:い|く)", lambda m: [as_number(m[1] or "1")]),  # 「もう一個深く」
    # 「もう1個上」: a layer deeper
    _rule(rf"もう\s*(?:{_NUM}(?:つ|個)|ひとつ|一つ)(上|下)(?!の(?:ヘッド|へっど|head))",
          lambda m: [as_number(m[1] or "1") * (1 if m[2] == "上" else -1)]),
    _rule(rf"(?:{_NUM}(?:つ|個)|ひとつ|一つ)浅(?:い|く)", lambda m: [-as_number(m[1] or "1")]),
    _rule(r"次の(?:層|レイヤー?)", 1),
    _rule(r"前の(?:層|レイヤー?)", -1),
)
_STEPS = {"one": 1, "a": 1, "1": 1, "two": 2, "2": 2, "three": 3, "3": 3}
# "next head", 「ひとつ前のヘッド」: the head next to the one shown
HEAD_STEP_RULES: tuple[Rule, ...] = (
    _rule(r"\b(?:the\s+)?(?:next|nxt|following)\s+head\b", 1),
    _rule(r"\b(?:the\s+)?(?:previous|prior|preceding)\s+head\b", -1),
    _rule(r"(?:ひとつ|一つ|1つ)?(?:次|つぎ|(?<![最直以午])後|あと|先)の(?:ヘッド|へっど|head)", 1),
    _rule(r"(?:ひとつ|一つ|1つ)?前の(?:ヘッド|へっど|head)", -1),
    # "one head back", "a head up", "back one head", 「ヘッドをひとつ戻して」
    _rule(r"\b(one|two|three|1|2|3|a)\s+heads?\s+(?:up|forward|further|ahead|higher|later)\b",
          lambda m: [_STEPS.get(m[1], 1)]),
    _rule(r"\b(one|two|three|1|2|3|a)\s+heads?\s+(?:down|back|backwards?|earlier|lower)\b"
          r"|\bback\s+(one|two|three|1|2|3|a)\s+heads?\b",
          lambda m: [-_STEPS.get(m[1] or m[2] or "one", 1)]),
    _rule(rf"(?:ヘッド|へっど)を?\s*(?:{_NUM}つ|ひとつ|一つ)?(?:戻|もど)", lambda m: [-as_number(m[1] or "1")]),
    _rule(rf"(?:ヘッド|へっど)を?\s*(?:{_NUM}つ|ひとつ|一つ)?(?:進め|すすめ)", lambda m: [as_number(m[1] or "1")]),
)
_PUNCT = r"[\s!?.,、。！？]*"  # (\W would take Japanese too, under re.ASCII)
_JA_TAIL = r"(?:の(?:やつ|も))?(?:へ|を|は|も)?(?:お願い(?:します)?|で)?"
# "next", 「次」 alone: one step along whatever the learner was stepping through (the planner says which)
STEP_ALONE: tuple[Rule, ...] = (
    _rule(rf"^{_PUNCT}(?:(?:and|ok|okay|then){_PUNCT})?(?:the\s+)?(?:next|nxt|nxet|enxt)(?:\s+one)?(?:\s+(?:please|pls))?{_PUNCT}$",
          1),
    _rule(rf"^{_PUNCT}(?:(?:and|ok|okay|then){_PUNCT})?(?:the\s+)?previous(?:\s+one)?(?:\s+(?:please|pls))?{_PUNCT}$",
          -1),
    # "and the one right before it", "the one after that"
    _rule(rf"^{_PUNCT}(?:(?:and|ok|okay|then){_PUNCT})?the\s+one\s+(?:right\s+|just\s+)?(?:before|after)\s+"
          rf"(?:it|that|this)(?:\s+(?:please|pls))?{_PUNCT}$", lambda m: [-1 if "before" in m[0] else 1]),
    _rule(rf"^{_PUNCT}(?:じゃあ|では)?{_PUNCT}(?:その)?(?:次|つぎ){_JA_TAIL}{_PUNCT}$", 1),
    _rule(rf"^{_PUNCT}(?:ひとつ|一つ)?前{_JA_TAIL}{_PUNCT}$", -1),
)
HEAD_RULES: tuple[Rule, ...] = (
    _rule(rf"\bhead\s+(?:number\s+|no\.?\s+|index\s+)?({_INDEX_WORDS})\b{_NOT_ONE_BY_ONE}",
          lambda m: [_INDEX[m[1]]]),  # "head three"
    _rule(r"\b(?:heads?|hed|haed)\s*(?:index\s*|number\s*|no\.?\s*|#)?[=:]?\s*(-?\d+)"
          r"(?:\s*(?:,|and|&|vs\.?|versus|or)\s*(-?\d+)(?![\d.]|(?:st|nd|rd|th)\b))?",
          _groups),
    _rule(r"(?:\b|(?<=\d))h(\d{1,2})\b", _groups),  # "L3 H7", "l3h7": an index, as in "layer 3, head 7"
    _rule(r"\bhead\W+(?:make\s+(?:it|that)|set\s+(?:it\s+)?to|change\s+(?:it\s+)?to)\s+(-?\d+)\b", _groups),
    _rule(r"\b(\d+)(?:st|nd|rd|th)\s+(?:attention\s+)?head\b", _ordinals),
    _rule(rf"\b({ORDINAL_WORDS})\s+(?:attention\s+)?head\b", lambda m: [ORDINAL[m[1]] - 1]),
    _rule(r"\b(second|third|2nd|3rd)[- ](?:to[- ])?last\s+head\b", lambda m: [-ORDINAL[m[1]]]),
    _rule(r"\blast\s+head\b", -1),
    _rule(rf"最後から\s*{_NUM}\s*(?:番目|つ目)の(?:ヘッド|head)", lambda m: [-as_number(m[1])]),
    _rule(r"最後のヘッド", -1),
    _rule(r"最初のヘッド", 0),
    _rule(rf"第\s*{_NUM}\s*ヘッド", _ordinals),
    _rule(rf"{_NUM}\s*(?:番目|つ目)の?(?:ヘッド|head)", _ordinals),
    _rule(rf"{_NUM}\s*番の?ヘッド", _groups),
    _rule(rf"ヘッド\s*(?:は|を|が)?\s*{_NUM}\s*(?:番目|つ目)", _ordinals),  # 「ヘッドは9番目で」
    _rule(r"ヘッド\s*(?:番号|インデックス)?\s*(?:は|を|が|[=:])?\s*(-?\d+)(?!\d|\s*(?:個|つ|本|番目|つ目))", _groups),
)
# "longer", 「もっと続けて」: a generation made longer by LONGER_BY tokens
LONGER = _ascii(r"^\W*(?:(?:make\s+it\s+|a\s+bit\s+|even\s+)?longer|keep\s+going|go\s+on)\W*$"
                r"|^[\s!?.,、。！？]*(?:more|もっと)[\s!?.,、。！？]*$"
                r"|もっと(?:続けて|長く|先まで)|さらに続けて|もう少し(?:続けて|長く)")
LONGER_BY = 10
# "twice as long", 「倍の長さで」: the last generation's token count doubled
TWICE = _ascii(r"\btwice\s+as\s+(?:long|many\s+tokens)|\bdouble\s+(?:the\s+)?(?:length|it|the\s+tokens)\b"
               r"|(?:2|２|二)?倍の(?:長さ|トークン数?)|(?:2|２|二)?倍に(?:して|伸ばして|延ばして)"
               r"|^\W*(?:2|２|二)?倍(?:で|に)?(?:お願い|ください|して)?\W*$|^\W*double(?:\s+it)?\W*$")  # (「倍で」)
_N_MORE_ALONE = r"^\W*(?:(?:and|ok|okay|then|now)\W+)?(\d+)\s+more(?:\s+(?:please|pls))?\W*$"  # "10 more"
_WRITE_N_MORE = r"\b(?:write|generate|add|produce)\s+(\d+)\s+more\b(?!\s+(?:layers?|heads?)\b)"  # "let it write 6 more"
# 「あと10」
_N_MORE_ALONE_JA = (r"^[\s、。!?！？]*(?:じゃあ|では)?[\s、,]*(?:あと|さらに|もう)\s*(\d+)\s*(?:個|トークン)?"
                    r"(?:で|だけ|追加で?|続けて|お願い)?[\s、。!?！？]*$")
_COUNT = {"five": 5, "ten": 10, "fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50}  # "twenty tokens"
_COUNT_WORDS = "|".join(_COUNT)
MORE_TOKENS = _ascii(rf"\b(?:\d+|{_COUNT_WORDS})\s+(?:more|extra|additional|further)\s+tokens?\b"
                     r"|\b\d+\s+tokens?\s+(?:longer|more)\b|\bmore\s+\d+\s+tokens?\b"  # ("please more 5 token")
                     rf"|{_N_MORE_ALONE}|{_WRITE_N_MORE}|{_N_MORE_ALONE_JA}"
                     r"|(?:あと|さらに|もう)\s*\d+\s*(?:個の)?トークン|\d+\s*トークン(?:追加|多く|長く)")
NEW_TOKEN_RULES: tuple[Rule, ...] = (
    # (not the end of "2,000 tokens": an input's length, no count to generate; nor "the top 3 tokens": a ranking)
    _rule(r"(?<!\d[,.])(?<!top\s)(?<!top-)\b(\d+)(?=\s+(?:new\s+|more\s+|extra\s+|additional\s+|further\s+|next\s+|generated\s+)?(?:tokens?|toks)\b)",
          _groups),
    _rule(r"\bmax_new_tokens\s*=?\s*(\d+)", _groups),
    _rule(rf"\b({_COUNT_WORDS})\s+(?:new\s+|more\s+|extra\s+)?tokens\b", lambda m: [_COUNT[m[1]]]),
    _rule(_N_MORE_ALONE, _groups),
    _rule(_WRITE_N_MORE, _groups),
    _rule(_N_MORE_ALONE_JA, _groups),
    _rule(r"\b(?:max(?:imum)?|at\s+most|only|more)\s+(\d+)\s+tokens?\b", _groups),
    # the verb stays (a lookahead) for the generation cue to see
    _rule(rf"{_NUM}\s*(?:個の)?トークン(?:ほど|くらい|ぐらい)?(?:を|分|まで|だけ|先まで)?(?=生成|続け|書|出させ|出力|出し|作)",
          _groups),
    _rule(rf"{_NUM}\s*(?:個|語)(?:の(?:トークン|単語))?(?:を|分|まで|だけ)?(?=生成|続け)", _groups),
    # 「5トークンだけで」「15トークンだと」
    _rule(rf"{_NUM}\s*(?:個の)?トークン(?:分|まで|だけ|くらい|ぐらい|ほど)?(?=\s*(?:で|に|だと|なら|、|,|$|のあいだ|の間))",
          _groups),
    _rule(rf"(?:生成する)?トークン数\s*(?:を|は|[=:])?\s*{_NUM}", _groups),  # 「トークン数を20にして」
    _rule(rf"{_NUM}\s*(?:個の)?トークン(?:くらい|ぐらい|ほど)(?!の)", _groups),  # 「30トークンくらい見られる?」
    _rule(rf"{_NUM}\s*(?:個の)?トークン(?:分|まで|だけ)?(?=\s*(?:に|へ)?\s*(?:伸ば|延ば|増や|減ら|短く|長く|足))",
          _groups),
    _rule(r"\b(?:max_new_tokens|new\s+tokens|tokens)\s*(?:to|=|:)\s*(\d+)", _groups),
    # a count said after asking for more ("make it write more, like 20", 「もっと長く書かせて 30こくらい」): the length
    _rule(r"\b(?:write|writes|generate|more|longer)(?:\s+(?:tokens|toks|words))?\W+(?:like|about|around|say|maybe|roughly)"
          r"\s+(\d+)\b"
          r"(?!\s*(?:layers?|heads?|more|%))", _groups),
    _rule(rf"(?:長く|続けて|書かせて|書いて)[\s、,]*{_NUM}\s*(?:こ|個|語)?(?:くらい|ぐらい|ほど)", _groups),
)


# 「最終層じゃなくて第1層で」, "not the last layer but the first": the value turned down is not a choice
_TURNED_DOWN_AFTER = re.compile(r"\s*(?:じゃなくて|じゃなく|ではなくて|ではなく|でなく|じゃない)")
_TURNED_DOWN_BEFORE = _ascii(r"(?:\bnot|\binstead\s+of|\brather\s+than)\s+(?:(?:in|at|from)\s+)?(?:the\s+)?$")


# a value taken back for one said after it ("layer 2... no wait, make that layer 4",
# 「３層目…いや、やっぱり最後の層で」) or one already seen ("i already drew layer 0, now the second layer",
# 「さっきはレイヤー5やったけど今度は10」)
_TAKEN_BACK_AFTER = _ascii(r"[^.,…、。!?！？—–\n]{0,50}?(?:\.{2,}|…|,|、|[.。!！]\s|\s?[—–]\s?|\s--?\s)\s*"
                           r"(?:(?:oh|ah|hmm+|um+)\W+)?"
                           r"(?:no\b\W*(?:wait\b)?|nope\b|wait\b|scratch\s+that|sorry\b|actually\s*,|i\s+mean\b"
                           r"|make\s+(?:that|it)\b|erm?\b|let'?s\s+say\b|or\s+(?:better|rather)\b|いや|やっぱ|ちが|違)")
_SEEN_BEFORE = _ascii(r"(?:\balready\s+(?:drew|did|plotted|saw|looked\s+at|have|had)|さっきは|前回は|前は)"
                      r"\s*(?:(?:at|in|of)\s+)?(?:the\s+)?$")


def find_numbers(rules: tuple[Rule, ...], text: str) -> tuple[list[tuple[int, str]], str]:
    """(value, the words that gave it) for every rule match, in order of appearance, without repeats;
    a value turned down ("not layer 3", 「最終層じゃなくて」) is read and left out, and so is one taken back or
    already seen when another follows it."""
    found: list[tuple[int, int, str, bool]] = []
    for pattern, convert in rules:
        for match in pattern.finditer(text):
            if _TURNED_DOWN_AFTER.match(text, match.end()) or _TURNED_DOWN_BEFORE.search(text[:match.start()]):
                continue
            passed = bool(_TAKEN_BACK_AFTER.match(text, match.end()) or _SEEN_BEFORE.search(text[:match.start()]))
            found += [(match.start(), value, match.group(0), passed) for value in convert(match)]
        text = pattern.sub(lambda m: " " * len(m.group(0)), text)
    found.sort()
    values: dict[int, str] = {}
    for index, (_, value, phrase, passed) in enumerate(found):
        if not (passed and any(not later[3] for later in found[index + 1:])):
            values.setdefault(value, phrase)
    return list(values.items()), text
