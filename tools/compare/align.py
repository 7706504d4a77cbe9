"""Which rows and columns of two attention maps correspond, and the two maps restricted to them.

    two texts, one model    tokens aligned with difflib.SequenceMatcher on the two token lists:
                            a changed word leaves every other token paired with its counterpart
    one text, two models    tokenizers differ, so words (tools/core/words.py) are aligned instead, by
                            the characters of the text they cover: an aligned unit is the smallest
                            run of words whose characters are whole words under both models (a word
                            of one model split in two by the other becomes one unit of both)

A unit groups token positions of a and of b. Both (query, key) maps are merged onto the units the
word way (keys summed, queries averaged) and, since tokens outside the alignment ([CLS], <bos>,
a changed word) are left out, each row is renormalized to sum to 1 over the aligned keys: the
difference b − a then compares how each side shares its attention among the same units.

`token_pairs`, `shared_units` and `aligned_map` are plain code; the reproducing scripts embed them.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

import torch

from tools.core.words import merge_map, word_groups

__all__ = ["Alignment", "token_pairs", "shared_units", "aligned_map", "align_tokens", "align_words"]


def token_pairs(tokens_a: list[str], tokens_b: list[str]) -> list[tuple[int, int]]:
    """(position in a, position in b) of every token the longest matching blocks pair up, in order."""
    matcher = difflib.SequenceMatcher(None, tokens_a, tokens_b, autojunk=False)
    return [(block.a + k, block.b + k) for block in matcher.get_matching_blocks() for k in range(block.size)]


def shared_units(
    text: str,
    offsets_a: list[tuple[int, int]],
    special_a: list[bool],
    offsets_b: list[tuple[int, int]],
    special_b: list[bool],
) -> tuple[list[str], list[list[int]], list[list[int]]]:
    """Words of one text under two tokenizers, joined until both agree: (labels, token groups in a, in b).

    A word's extent is its first to last non-space character; words that overlap, across the two
    sides, chain into one unit. Units found on one side only (special tokens, a lone space, text cut
    off by one model's length limit) are left out.
    """
    extents = []  # (start, end, side, token positions) of every word with a visible character
    for side, offsets, special in (("a", offsets_a, special_a), ("b", offsets_b, special_b)):
        for group in word_groups(text, offsets, special):
            start, end = offsets[group[0]][0], offsets[group[-1]][1]
            covered = text[start:end]
            if special[group[0]] or not covered.strip():
                continue
            start += len(covered) - len(covered.lstrip())
            end -= len(covered) - len(covered.rstrip())
            extents.append((start, end, side, group))
    units: list[dict] = []
    for start, end, side, group in sorted(extents, key=lambda extent: (extent[0], extent[2])):
        if not units or start >= units[-1]["end"]:
            units.append({"start": start, "end": end, "a": [], "b": []})
        units[-1]["end"] = max(units[-1]["end"], end)
        units[-1][side].extend(group)
    units = [unit for unit in units if unit["a"] and unit["b"]]
    labels = [text[unit["start"] : unit["end"]] for unit in units]
    return labels, [sorted(unit["a"]) for unit in units], [sorted(unit["b"]) for unit in units]


def aligned_map(matrix: torch.Tensor, groups: list[list[int]]) -> torch.Tensor:
    """(query, key) over tokens → (unit, unit): merged like words, rows renormalized over the units."""
    merged = merge_map(matrix, groups)  # (unit, unit): keys summed, queries averaged
    return merged / merged.sum(dim=-1, keepdim=True).clamp_min(1e-12)  # rows sum to 1 again


@dataclass(frozen=True)
class Alignment:
    """Aligned units of two token sequences, and the tokens left out on each side."""

    labels: list[str]  # one per unit
    groups_a: list[list[int]]  # token positions in a of each unit
    groups_b: list[list[int]]  # token positions in b of each unit
    only_a: list[int]  # positions in a in no unit
    only_b: list[int]

    @classmethod
    def of(
        cls, labels: list[str], groups_a: list[list[int]], groups_b: list[list[int]], sizes: tuple[int, int]
    ) -> Alignment:
        used_a = {i for group in groups_a for i in group}
        used_b = {i for group in groups_b for i in group}
        only_a = [i for i in range(sizes[0]) if i not in used_a]
        only_b = [i for i in range(sizes[1]) if i not in used_b]
        return cls(labels, groups_a, groups_b, only_a, only_b)


def align_tokens(tokens_a: list[str], tokens_b: list[str]) -> Alignment:
    pairs = token_pairs(tokens_a, tokens_b)
    labels = [tokens_a[i] for i, _ in pairs]
    return Alignment.of(labels, [[i] for i, _ in pairs], [[j] for _, j in pairs], (len(tokens_a), len(tokens_b)))


def align_words(
    text: str,
    offsets_a: list[tuple[int, int]],
    special_a: list[bool],
    offsets_b: list[tuple[int, int]],
    special_b: list[bool],
) -> Alignment:
    labels, groups_a, groups_b = shared_units(text, offsets_a, special_a, offsets_b, special_b)
    return Alignment.of(labels, groups_a, groups_b, (len(offsets_a), len(offsets_b)))
