"""Edits of the sentence shown: "change 'full' to 'empty'", 「『魚』を『肉』に変えたら？」, "what if it said dog
instead of cat?", "swap 'cat' and 'dog'", "what if it ends with 'until it was empty' instead?".

The learner rewrites the sentence the conversation is on rather than typing it again; the reader
(agent/planner_reading.py) takes the rewritten sentence as if it had been quoted, so the view, layer, head
and choices go on with it.
"""

from __future__ import annotations

import re

__all__ = ["edited"]

_OPEN, _CLOSE = "\"'“‘「『", "\"'”’」』"
_Q = rf"[{_OPEN}](?P<{{}}>[^{_OPEN}{_CLOSE}\n]{{{{1,40}}}})[{_CLOSE}]"
_WORD = r"(?P<{}>[A-Za-z][\w'-]*)"
_A = r"(?:(?:an?|the)\s+)?"


def _quoted(name: str) -> str:
    return _Q.format(name)


def _word(name: str) -> str:
    return _A + _WORD.format(name)


# (pattern, kind): an old piece replaced by a new one, two pieces swapped, or a new ending
_REPLACE = [re.compile(pattern, re.I) for pattern in (
    rf"\b(?:change|replace|swap|switch|turn)\s+{_quoted('old')}\s+(?:to|with|for|by|into)\s+{_quoted('new')}",
    rf"{_quoted('new')}\s+(?:instead\s+of|in\s+place\s+of|rather\s+than)\s+{_quoted('old')}",
    rf"{_quoted('old')}\s*(?:を|は)\s*{_quoted('new')}\s*(?:に|へ)\s*(?:変え|替え|換え|置き換え|置換|差し替え|し(?:て|た))",
    rf"{_quoted('old')}\s*(?:じゃなくて|じゃなく|ではなく(?:て)?|でなく|の代わりに|のかわりに|の替わりに)\s*{_quoted('new')}",
    rf"\b(?:change|replace|swap|switch)\s+{_word('old')}\s+(?:to|with|for|by|into)\s+{_word('new')}\b",
    rf"\b{_word('new')}\s+(?:instead\s+of|in\s+place\s+of|rather\s+than)\s+{_word('old')}\b",
)]
_SWAP = [re.compile(pattern, re.I) for pattern in (
    rf"\b(?:swap|switch|exchange)\s+{_quoted('old')}\s+(?:and|with)\s+{_quoted('new')}",
    rf"{_quoted('old')}\s*と\s*{_quoted('new')}\s*(?:を)?\s*(?:入れ替え|入れかえ|いれかえ|交換|逆に)",
)]
_ENDING = [re.compile(pattern, re.I) for pattern in (
    rf"\b(?:ends?|ending|ended)\s+(?:with|in)\s+{_quoted('new')}",
    rf"(?:最後|終わり|末尾)\s*(?:を|が)\s*{_quoted('new')}",
    rf"{_quoted('new')}\s*で\s*(?:終わ|おわ|締め)",
)]


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
    for pattern in _ENDING:
        for found in pattern.finditer(question):
            new = _new_ending(sentence, found["new"])
            if new is not None:
                return new, found[0]
    return None


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


def _new_ending(sentence: str, ending: str) -> str | None:
    """The sentence from where the new ending's opening words stand, replaced by it ('…until it was full.' with
    'until it was empty': '…until it was empty.'); its closing punctuation kept when the ending has none."""
    ending = ending.strip()
    words = ending.split()
    openings = [" ".join(words[:count]) for count in range(len(words), 0, -1)] if ending.isascii() \
        else [ending[:size] for size in range(len(ending), 1, -1)]
    start = next((found[-1].start() for opening in openings
                  if (found := list(_where(sentence, opening).finditer(sentence)))), None)
    if start is None:
        return None
    stop = re.search(r"[.!?。！？]*\s*$", sentence)
    closing = "" if re.search(r"[.!?。！？]$", ending) else stop[0].strip() if stop else ""
    new = sentence[:start] + ending + closing
    return None if new == sentence else new


def _cased_like(written: str, new: str) -> str:
    """'Cat' replaced by 'dog' reads 'Dog' (a sentence's first word keeps its capital)."""
    return new[:1].upper() + new[1:] if written[:1].isupper() and new[:1].islower() else new
