"""Edits of a sentence: a word changed ("change 'full' to 'empty'", 「『魚』を『肉』に変えたら？」, "what if it said
dog instead of cat?"), two swapped ("swap 'cat' and 'dog'"), one taken out ("without 'very'") or put in ("add
'not' before 'great'"), a new opening or ending ("what if it ends with 'until it was empty' instead?").

The learner rewrites the sentence the conversation is on, or the one the same message quotes, rather than
typing it again; the reader (agent/planner_reading.py) takes the rewritten sentence as if it had been
quoted (with the original beside it when a comparison is asked), so the view, layer, head and choices go on
with it. An edit applies only where the old piece is in the sentence and the new one is not.
"""

from __future__ import annotations

import difflib
import re

from agent import planner_quotes as literal

__all__ = ["edited", "versions"]

_OPEN, _CLOSE = "\"'“‘「『", "\"'”’」』"
_Q = rf"[{_OPEN}](?P<{{}}>[^{_OPEN}{_CLOSE}\n]{{{{1,40}}}})[{_CLOSE}]"
_WORD = r"(?P<{}>[A-Za-z][\w'-]*)"
_A = r"(?:(?:an?|the)\s+)?"


def _quoted(name: str) -> str:
    return _Q.format(name)


def _word(name: str) -> str:
    return _A + _WORD.format(name)


# an old piece replaced by a new one, two pieces swapped, a piece taken out or put in, or a new ending
_REPLACE = [re.compile(pattern, re.I) for pattern in (
    rf"{_quoted('new')}\s+(?:where|in\s+place\s+of\s+where)\s+{_quoted('old')}\s+(?:is|was|stands)",
    rf"{_quoted('new')}\s+swapped\s+in\s+for\s+{_quoted('old')}",
    rf"\b(?:make|turn)\s+{_quoted('old')}\s+(?:into|to)\s+{_quoted('new')}",
    rf"{_quoted('old')}\s+(?:becomes|turned\s+into|turns\s+into|replaced\s+(?:by|with))\s+{_quoted('new')}",
    rf"\b(?:change|replace|swap|switch|turn)\s+{_quoted('old')}\s+(?:to|with|for|by|into)\s+{_quoted('new')}",
    rf"{_quoted('new')}\s+(?:instead\s+of|in\s+place\s+of|rather\s+than)\s+{_quoted('old')}",
    rf"{_quoted('old')}\s*(?:を|は)\s*{_quoted('new')}\s*(?:に|へ)\s*(?:変え|替え|換え|置き換え|置換|差し替え|し(?:て|た))",
    rf"{_quoted('old')}\s*(?:じゃなくて|じゃなく|ではなく(?:て)?|でなく|の代わりに|のかわりに|の替わりに)\s*{_quoted('new')}",
    rf"\b(?:change|replace|swap|switch)\s+{_word('old')}\s+(?:to|with|for|by|into)\s+{_word('new')}\b",
    rf"\b{_word('new')}\s+(?:instead\s+of|in\s+place\s+of|rather\s+than)\s+{_word('old')}\b",
)]
_SWAP = [re.compile(pattern, re.I) for pattern in (
    rf"\b(?:swap|switch|exchange)\s+{_quoted('old')}\s+(?:and|with)\s+{_quoted('new')}",
    rf"{_quoted('old')}\s+and\s+{_quoted('new')}\s+(?:trade|switch|swap|exchange)\s+places",
    rf"{_quoted('old')}\s+and\s+{_quoted('new')}\s+(?:swapped|switched|exchanged|reversed)",
    rf"{_quoted('old')}\s*と\s*{_quoted('new')}\s*(?:を)?\s*(?:入れ替え|入れかえ|いれかえ|交換|逆に)",
)]
_REMOVE = [re.compile(pattern, re.I) for pattern in (
    rf"\b(?:without|minus|drop(?:ping)?|remov(?:e|ing)|delet(?:e|ing)|tak(?:e|ing)\s+out|leav(?:e|ing)\s+out)\s+"
    rf"(?:the\s+word\s+)?{_quoted('old')}",
    rf"{_quoted('old')}\s*(?:を|は)?\s*(?:抜い|抜き|消し|取っ|取り除|除い|削除|なし|無し)",
)]
_INSERT = [re.compile(pattern, re.I) for pattern in (
    rf"(?:\b(?:add|insert|put|also)\s+)?{_quoted('new')}\s+(?P<where>before|after|in\s+front\s+of)\s+{_quoted('old')}",
    rf"{_quoted('old')}\s*の\s*(?P<where>前|後ろ|あと|後)\s*に\s*{_quoted('new')}\s*を?\s*(?:入れ|足し|加え|追加|挟)",
)]
_OPENING = [re.compile(pattern, re.I) for pattern in (  # a piece put before the sentence
    rf"\b(?:add|put|insert)\s+{_quoted('new')}\s+(?:at|to)\s+the\s+(?:start|beginning|front)",
    rf"(?:頭|先頭|最初|文頭)\s*に\s*{_quoted('new')}\s*を?\s*(?:足|入れ|加え|追加|付け|つけ)",
)]
_ENDING = [re.compile(pattern, re.I) for pattern in (
    rf"\b(?:ends?|ending|ended)\s+(?:with|in)\s+{_quoted('new')}",
    rf"\b(?:change|make|set)\s+the\s+ending\s+(?:to|into)\s+{_quoted('new')}",
    rf"(?:文末|語尾|最後|終わり)\s*を\s*{_quoted('new')}\s*に",
    rf"(?:最後|終わり|末尾)\s*(?:を|が)\s*{_quoted('new')}",
    rf"{_quoted('new')}\s*で\s*(?:終わ|おわ|締め)",
)]


# a word of the sentence typed wrong, sent again as it should be ("ugh typo. 'jumps'", 「タイポでした、『jumps』」)
_TYPO = re.compile(r"\btypo\b|\bmisspel\w*|\bspelling\b|\bmistyped\b|タイポ|誤字|打ち間違|スペルミス|綴り", re.I)
_LIKE_A_TYPO = 0.7  # how alike the word sent and the word it corrects are (difflib's ratio)


def versions(question: str, latest: str | None) -> tuple[list[str], str, str] | None:
    """The sentences an edit asks for, with the words that said so: the edited one alone, or the one edited and
    the edit when both are asked for ("compare 'The nurse helped the doctor.' with 'nurse' and 'doctor' swapped",
    "change 'full' to 'empty' and put them side by side"), and the sentence edited: the one quoted in the question
    when it has the old piece, else the conversation's."""
    quoted = [quote.text for quote in literal.take_quotes(question)[1]
              if len(quote.text.split()) >= 3 or not quote.text.isascii() and len(quote.text) >= 5]
    for sentence in (*sorted(quoted, key=len, reverse=True), latest):
        found = edited(question, sentence)
        if found is not None and sentence is not None:
            both = _BOTH.search(question.replace(found[1], " "))
            return ([sentence, found[0]] if both else [found[0]]), found[1], sentence
    return None


_BOTH = re.compile(r"\b(?:compare|compared|comparison|vs\.?|versus|side\s+by\s+side|next\s+to|both|differ\w*"
                   r"|what\s+changed|difference)\b|比べ|比較|並べ|差分|違い|両方|どう変わ", re.I)


def edited(question: str, sentence: str | None) -> tuple[str, str] | None:
    """The sentence as the question rewrites it, with the words of the question that said so; None when the
    question edits nothing of it (the old piece must be in the sentence, the new one must not)."""
    if not sentence:
        return None
    for pattern in _REPLACE:
        for found in pattern.finditer(question):
            new = _replaced(sentence, found["old"], found["new"])
            if new is not None:
                return new, found[0]
    for pattern in _SWAP:
        for found in pattern.finditer(question):
            new = _swapped(sentence, found["old"], found["new"])
            if new is not None:
                return new, found[0]
    for pattern in _REMOVE:
        for found in pattern.finditer(question):
            new = _removed(sentence, found["old"])
            if new is not None:
                return new, found[0]
    for pattern in _INSERT:
        for found in pattern.finditer(question):
            after = found["where"].lower() in ("after", "後ろ", "あと", "後")
            new = _inserted(sentence, found["new"], found["old"], after)
            if new is not None:
                return new, found[0]
    for pattern in _OPENING:
        for found in pattern.finditer(question):
            piece = found["new"].strip()
            if not _where(sentence, piece).search(sentence):
                return piece + (" " if piece.isascii() and sentence.isascii() else "") + sentence, found[0]
    for pattern in _ENDING:
        for found in pattern.finditer(question):
            new = _new_ending(sentence, found["new"])
            if new is not None:
                return new, found[0]
    if _TYPO.search(question):
        for found in re.finditer(_quoted("new"), question):
            new = _spelled_right(sentence, found["new"].strip())
            if new is not None:
                return new, found[0]
    return None


def _spelled_right(sentence: str, word: str) -> str | None:
    """The sentence with the one word most like `word` (and not it) written as `word`."""
    if not re.fullmatch(r"[A-Za-z][\w'-]*", word) or _where(sentence, word).search(sentence):
        return None
    alike = [(difflib.SequenceMatcher(None, old.lower(), word.lower()).ratio(), old)
             for old in set(re.findall(r"[A-Za-z][\w'-]*", sentence))]
    alike = sorted((pair for pair in alike if pair[0] >= _LIKE_A_TYPO), reverse=True)
    if not alike or len(alike) > 1 and alike[1][0] == alike[0][0]:
        return None
    return _where(sentence, alike[0][1]).sub(word, sentence, count=1)


def _where(sentence: str, piece: str) -> re.Pattern[str]:
    """Where `piece` stands in the sentence: as a whole word in English, anywhere in Japanese."""
    piece = re.escape(piece.strip())
    return re.compile(rf"(?<![\w'-]){piece}(?![\w'-])" if piece.isascii() else piece, re.I)


def _replaced(sentence: str, old: str, new: str) -> str | None:
    old, new = old.strip(), new.strip()
    if not old or not new or old.lower() == new.lower() or _where(sentence, new).search(sentence):
        return None
    where = _where(sentence, old)
    if not where.search(sentence):
        return None
    return where.sub(lambda found: _cased_like(found[0], new), sentence)


def _swapped(sentence: str, one: str, other: str) -> str | None:
    first, second = _where(sentence, one), _where(sentence, other)
    if not (first.search(sentence) and second.search(sentence)) or one.strip().lower() == other.strip().lower():
        return None
    marker = "\0"
    swapped = first.sub(lambda found: marker + _cased_like(found[0], other.strip()) + marker, sentence)
    parts = swapped.split(marker)  # (the pieces just put in are left alone by the second replacement)
    return "".join(part if index % 2 else second.sub(lambda found: _cased_like(found[0], one.strip()), part)
                   for index, part in enumerate(parts))


def _removed(sentence: str, old: str) -> str | None:
    """The sentence without the piece (and the space before it): "'The very old man walked.' without 'very'"."""
    where = _where(sentence, old)
    found = where.search(sentence)
    if found is None or found[0].strip() == sentence.strip():
        return None
    start, end = found.span()
    if start > 0 and sentence[start - 1] == " ":
        start -= 1
    elif end < len(sentence) and sentence[end] == " ":
        end += 1
    new = sentence[:start] + sentence[end:]
    return new[:1].upper() + new[1:] if found.start() == 0 and sentence[:1].isupper() else new


def _inserted(sentence: str, new: str, at: str, after: bool) -> str | None:
    """The sentence with the new piece put before or after another ("add 'not' before 'great'")."""
    found = _where(sentence, at).search(sentence)
    if found is None or _where(sentence, new).search(sentence):
        return None
    gap = " " if new.isascii() and at.isascii() else ""
    if after:
        return sentence[:found.end()] + gap + new.strip() + sentence[found.end():]
    return sentence[:found.start()] + new.strip() + gap + sentence[found.start():]


def _new_ending(sentence: str, ending: str) -> str | None:
    """The sentence from where the new ending's opening words stand, replaced by it ('…until it was full.' with
    'until it was empty': '…until it was empty.'); its closing punctuation kept when the ending has none."""
    ending = ending.strip()
    words = ending.split()
    openings = [" ".join(words[:count]) for count in range(len(words), 0, -1)] if ending.isascii() \
        else [ending[:size] for size in range(len(ending), 1, -1)]
    start = next((found[-1].start() for opening in openings
                  if (found := list(_where(sentence, opening).finditer(sentence)))), None)
    if start is None and not ending.isascii():
        start = _stem_before_shared_tail(sentence, ending)
    if start is None:
        return None
    stop = re.search(r"[.!?。！？]*\s*$", sentence)
    closing = "" if re.search(r"[.!?。！？]$", ending) else stop[0].strip() if stop else ""
    new = sentence[:start] + ending + closing
    return None if new == sentence else new


def _stem_before_shared_tail(sentence: str, ending: str) -> int | None:
    """Where a Japanese ending that shares only its inflection with the sentence's replaces it:
    「この映画はとても面白かった。」 with 「つまらなかった。」 (both end in かった。) from 面白 on; the stem is the
    kanji or katakana run before the shared tail (a hiragana stem is no clear word boundary: None)."""
    body, new = sentence.rstrip("。！？!?. "), ending.rstrip("。！？!?. ")
    shared = 0
    while shared < min(len(body), len(new)) and body[-1 - shared] == new[-1 - shared]:
        shared += 1
    start = len(body) - shared
    if shared < 2 or start == 0:
        return None
    while start > 0 and _CONTENT_CHAR.match(body[start - 1]):
        start -= 1
    return start if start < len(body) - shared else None


_CONTENT_CHAR = re.compile(r"[\u4e00-\u9fff\u30a0-\u30ffー々]")


def _cased_like(written: str, new: str) -> str:
    """'Cat' replaced by 'dog' reads 'Dog' (a sentence's first word keeps its capital)."""
    return new[:1].upper() + new[1:] if written[:1].isupper() and new[:1].islower() else new
