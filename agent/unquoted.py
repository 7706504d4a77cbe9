"""What a learner did not quote: an expression written in prose, and the sentence to analyse typed without
quotes, after "sentence:" / 「文:」, before an arrow pointing at it, named as one, closing an English request, or a
Japanese clause set off by a space or standing between English words.

agent/planner_quotes.py reads what is quoted; this module reads the rest. Each reader returns what it found and
the text without it, so the arguments are read from what is left.
"""

from __future__ import annotations

import re
import unicodedata

from agent import planner_numbers as numbers
from agent import planner_quotes as literal
from agent.model_names import find_models
from agent.question_form import INSTEAD
from agent.spelling import IN_FULL_WORDS, JAPANESE

__all__ = ["CANONICAL_EXPRESSION", "bare_expression", "replacement", "sentence"]

CANONICAL_EXPRESSION = "torch.mean(outputs.attentions[-1], dim=1)[0].detach().numpy()"


def replacement(expression: str | None, bare: bool, question: str, codes: list[str], rest: str
                ) -> tuple[str | None, bool, str]:
    """Two expressions and "instead" (「…でIndexErrorになった。代わりに `…` を」): the later one replaces the one that
    failed. Returns the expression, whether it was found in prose, and `rest` without it."""
    if expression is None or not INSTEAD.search(question):
        return expression, bare, rest
    written = [code.strip() for code in codes if literal.is_expression(code)]
    found = literal.find_expression(rest)
    if len(written) >= 2:
        return written[-1], bare, rest
    # (the one that failed may be quoted rather than in backticks: '"attentions[12]" failed, attentions[11] instead')
    if found is not None and (bare or question.find(found) > question.find(written[-1] if written else expression)):
        # (one in backticks and one in prose: "`attentions[12]` fails, so attentions[11] instead")
        return found, bare or not written, rest.replace(found, " ")
    return expression, bare, rest


def bare_expression(rest: str) -> tuple[str | None, str | None, str]:
    """An expression written in prose ("what does torch.mean(outputs.attentions[-1], dim=1) give?"), or a bare term
    of one ("what if dim=0?", walked through on the usual expression with that dim). Returns the expression, the
    term, and `rest` without the expression."""
    found = literal.find_expression(rest)
    if found is not None:
        return found, None, rest.replace(found, " ")
    term = literal.BARE_TERM.search(rest)
    if term is None:
        return None, None, rest
    dim = re.fullmatch(r"dim\s*=\s*(-?\d+)", term.group(0).strip())
    expression = CANONICAL_EXPRESSION.replace("dim=1", f"dim={dim[1]}") if dim else CANONICAL_EXPRESSION
    return expression, term.group(0).strip(), rest


# a question put to the sensei ("which … can I use?"), not a sentence given to analyse
_ASKS_THE_SENSEI = re.compile(r"(?:which|what|how|why|where|can|could|do|does|is|are)\b.*\b(?:i|me|my|you)\b.*\?\s*$",
                              re.S)


def _spaced_sentence(rest: str) -> re.Match[str] | None:
    """「ヒートマップ 猫が鳴いてる」, 「東京は日本の首都です の最終層」: a Japanese clause set off by spaces beside
    the request, as typed on a phone; not a piece of the request itself (「ヘッド一覧」, 「数字みせて」)."""
    if len([piece for piece in re.split(r"[\s\u3000]+", rest) if piece]) < 2:
        return None
    return next((found for found in _SPACED_CHUNK.finditer(rest) if not _REQUEST_WORDS.search(found["text"])
                 and re.search(r"[がはをにと]", found["text"][1:]) and not _NO_CLAUSE_START.match(found["text"])
                 and not literal.said_back(found["text"], "")), None)


# (a clause has a subject or object: 「空が青い」, not 「だけでいい」 or 「それでいい」)
_NO_CLAUSE_START = re.compile(r"[だでのもはがをにとへやかねよっ]|これ|それ|あれ|どれ|この|その|あの|どの"
                              r"|ここ|そこ"
                              r"|したら|すると|して")
_SPACED_CHUNK = re.compile(r"(?:^|(?<=[\s\u3000]))(?P<text>[^\s\u3000]{3,40}?"
                           r"(?:る|た|い|だ|です|ます|ました|でした|ない)"
                           r"[。.!！]?)(?=[\s\u3000]|$)")
_REQUEST_WORDS = re.compile(r"層|ヘッド|レイヤ|ヒートマ|グラフ|折れ線|数字|数値|図|トークン|モデル|比べ|生成"
                            r"|見せ|みせ|見た|みた|描き|描こ|たかった"
                            r"|ほしい|欲しい|出して|描い|して|ください|たい|ロールアウト|ノルム|一覧|出ま|出た|出る|エラー|警告"
                            r"|願い|ねがい"
                            r"|[A-Za-z]")


def sentence(rest: str, said_back: bool = False) -> tuple[str | None, str]:
    """An unquoted sentence after "sentence:" / 「文:」, before an arrow pointing at it (「…。←この文」), or named as
    one (「今日はカレーを食べた、という文で」), and `rest` without it; none beside words quoted back (`said_back`)."""
    match = literal.COLON_SENTENCE.search(rest) or literal.LINE_SENTENCE.search(rest)
    if match is None and not JAPANESE.search(rest):
        match = _closing_sentence(rest)
    arrow = literal.ARROW_SENTENCE.search(rest) if match is None else None
    named = literal.NAMED_SENTENCE.search(rest) if match is None and arrow is None else None
    # (beside a pasted message, 「ラベルが全部□になります」 says what went wrong: no sentence to analyse)
    # (… nor beside words quoted back: 「前の答えに出てきた『因果マスク』って、なに？」)
    if match is None and arrow is None and named is None and JAPANESE.search(rest) \
            and not literal.ERROR_LINE.search(rest) and not said_back:
        named = literal.TOPIC_SENTENCE.search(rest) or _english_lead(rest) or _spaced_sentence(rest) \
            or _clause_at(literal.TOPIC_CLAUSE, rest) or _clause_at(literal.LEADING_CLAUSE, rest) \
            or _japanese_in_english(rest)
    if named is not None:  # 「今日はカレーを食べた、という文で」: what follows the name is the request
        group = "text" if named.groupdict().get("text") is not None else "words"
        return rest[named.start(group):named.end(group)].strip(), f"{rest[:named.start()]} {rest[named.end():]}"
    if match is None and arrow is None:
        return None, rest
    found = match or arrow
    start, end = found.span("text")
    if match is not None and "\n" in rest[start:end]:  # "Here's my sentence:\nWinter mornings….\nShow the heatmap.":
        end = start + rest[start:end].index("\n")  # the line after the colon, the request after it
    stop = re.search(r"[.!?。！？](?=\s)", rest[start:end])
    if stop is not None and _numbered(rest[start + stop.end():end]) and not _numbered(rest[start:start + stop.end()]):
        end = start + stop.end()  # "sentence: She sat on the bank of the river. last layer": the request goes on
    text = unicodedata.normalize("NFKC", rest[start:end]).lower()
    if _numbered(text):
        return None, rest  # "back to my short sentence: the heads grid at layer 0" asks for a view, gives no sentence
    if _ASKS_THE_SENSEI.match(text):
        return None, rest  # "before I type any sentence: which models can I use?" is the learner's own question
    return rest[start:end].strip(), f"{rest[:found.start()]} {rest[end:]}" if match else rest[end:]


def _numbered(piece: str) -> bool:
    """The piece names a layer or a head."""
    piece = unicodedata.normalize("NFKC", piece).lower()
    return any(numbers.find_numbers(rules, piece)[0] for rules in (numbers.LAYER_RULES, numbers.HEAD_RULES))


_ASKING = re.compile(r"\b(?:why|what|how|which|where|who|when|is|are|does|do|did|got|get|getting|says?|said)\b|\?",
                     re.I)


def _closing_sentence(rest: str) -> re.Match[str] | None:
    """An English sentence, unquoted, closing the request after "for" / "of" / "sentence is" ("plot every head of
    layer 2 for The dog chased the ball"), opening with a capital, or after a colon or a dash that a request (no
    question) comes before ("toks + attn shapes: The quick brown fox …"): it has three words or more, none of them
    names a model or a thing of the request, and it asks nothing ("… of BERT tend to look at different things?")."""
    found = literal.CLOSING_SENTENCE.search(rest)
    trailing = literal.TRAILING_SENTENCE.search(rest)
    head = rest[:trailing.start()].lower() if trailing is not None else ""
    if found is None and trailing is not None and not _ASKING.search(head) \
            and any(word in literal.TECHNICAL_WORDS or word in literal.REQUEST_NOUNS or word in IN_FULL_WORDS
                    for word in re.findall(r"[a-z]+", head)):
        found = trailing  # (a request before it; not "why do I get this: The labels are shifted by one")
    words = re.findall(r"[a-z0-9']+", found["text"].lower()) if found else []
    if not found or found["text"].endswith("?") or len(words) < 3 \
            or any(word in literal.TECHNICAL_WORDS or word in literal.REQUEST_NOUNS for word in words):
        return None
    return found if not find_models(found["text"])[0] else None


def _clause_at(pattern: re.Pattern[str], rest: str) -> re.Match[str] | None:
    """A Japanese clause, unquoted, where `pattern` finds one (after 「文は」 at the end, or opening the question
    before 「。の」 or a space): it has a subject or an object, and no word of the request."""
    found = pattern.search(rest)
    # (「前の答えに出てきた」 before a term: where the term was said, no sentence)
    if found is None or not _whole_clause(found["text"]) or _NO_CLAUSE_START.match(found["text"]) \
            or literal.said_back(found["text"], ""):
        return None
    return found if re.search(r"[がはをにと]", found["text"][1:]) else None


def _whole_clause(text: str) -> bool:
    """No word of the request in it, and not cut at a particle by a quote (「右側の線を『…』の行に」: a piece of the
    request)."""
    return not _REQUEST_WORDS.search(text) and text[-1] not in "をはがもへ"


# a Japanese clause standing between English words ("In 象は鼻が長い, plot where 長い is looking")
_JAPANESE_RUN = re.compile(r"(?<![^\s,.:;(])(?P<text>[ぁ-ゖァ-ヺー一-龯々][ぁ-ゖァ-ヺー一-龯々、。]{4,40})"
                           r"(?=[\s,.?!:;)]|$)")


def _japanese_in_english(rest: str) -> re.Match[str] | None:
    """A Japanese clause, unquoted, in an English question ("Can you tag the head roles for 駅の前に新しいパン屋が
    できました?"): the longest, with two particles inside and no word of the request; not one word ("why is
    いらっしゃった split", "which word does ありがとう look at?"), nor beside a model id ("cl-tohoku/… を読み込
    んで")."""
    found = max(_JAPANESE_RUN.finditer(rest), key=lambda match: len(match["text"]), default=None)
    if found is None or not _whole_clause(found["text"]) \
            or len(re.findall(r"[がはをにとで]", found["text"][1:-1])) < 2 \
            or len(found["text"]) < 8 and not re.search(r"[ァ-ヺ一-龯々]", found["text"]):
        return None
    # (the rest is English: three words or more, no model id or path, no other Japanese clause)
    around = f"{rest[:found.start()]} {rest[found.end():]}"
    words = [word for word in around.split() if re.fullmatch(r"[A-Za-z]{2,}[,.?!]?", word)]
    return found if len(words) >= 3 and not re.search(r"[ぁ-ゖァ-ヺ一-龯々]{4,}", around) else None


def _english_lead(rest: str) -> re.Match[str] | None:
    """An English sentence, unquoted, opening a Japanese question; not one of words about attention."""
    lead = literal.LEADING_SENTENCE.search(rest)
    words = re.findall(r"[a-z0-9']+", lead["text"].lower()) if lead else []
    return lead if lead and not any(word in literal.TECHNICAL_WORDS for word in words) else None
