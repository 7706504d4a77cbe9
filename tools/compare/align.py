"""Which rows and columns of two or three attention maps correspond, and the maps restricted to them.

    two texts, one model    tokens aligned with difflib.SequenceMatcher on the two token lists:
                            a changed word leaves every other token paired with its counterpart
    one text, two or three  tokenizers differ, so words (tools/core/words.py) are aligned instead, by
    models                  the characters of the text they cover: an aligned unit is the smallest
                            run of words whose characters are whole words under every model (a word
                            of one model split in two by another becomes one unit of all)

A unit groups token positions of each side (a, b, c). Every (query, key) map is merged onto the units the
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
    text: str, *sides: tuple[list[tuple[int, int]], list[bool]]
) -> tuple[list[str], ...]:
    """Words of one text under several tokenizers, joined until all agree.

    Each side is (character offsets, special-token flags) of one tokenizer's tokens. Returns the unit
    labels, then for each side the token groups of every unit: (labels, groups_a, groups_b, ...).

    A word's extent is its first to last non-space character; words that overlap, across the
    sides, chain into one unit. Units missing on some side (special tokens, a lone space, text cut
    off by one model's length limit) are left out.
    """
    extents = []  # (start, end, side, token positions) of every word with a visible character
    for side, (offsets, special) in enumerate(sides):
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
            units.append({"start": start, "end": end, "groups": [[] for _ in sides]})
        units[-1]["end"] = max(units[-1]["end"], end)
        units[-1]["groups"][side].extend(group)
    units = [unit for unit in units if all(unit["groups"])]
    labels = [text[unit["start"] : unit["end"]] for unit in units]
    return (labels, *([sorted(unit["groups"][side]) for unit in units] for side in range(len(sides))))


def aligned_map(matrix: torch.Tensor, groups: list[list[int]]) -> torch.Tensor:
    """(query, key) over tokens → (unit, unit): merged like words, rows renormalized over the units."""
    merged = merge_map(matrix, groups)  # (unit, unit): keys summed, queries averaged
    return merged / merged.sum(dim=-1, keepdim=True).clamp_min(1e-12)  # rows sum to 1 again


@dataclass(frozen=True)
class Alignment:
    """Aligned units of two or more token sequences (sides a, b, ...), and the tokens each side left out."""

    labels: list[str]  # one per unit
    groups: tuple[list[list[int]], ...]  # per side: the token positions of each unit
    only: tuple[list[int], ...]  # per side: the positions in no unit

    @classmethod
    def of(cls, labels: list[str], groups: tuple[list[list[int]], ...], sizes: tuple[int, ...]) -> Alignment:
        used = [{i for group in side for i in group} for side in groups]
        only = tuple([i for i in range(size) if i not in side] for side, size in zip(used, sizes, strict=True))
        return cls(labels, groups, only)


def align_tokens(tokens_a: list[str], tokens_b: list[str]) -> Alignment:
    pairs = token_pairs(tokens_a, tokens_b)
    labels = [tokens_a[i] for i, _ in pairs]
    return Alignment.of(labels, ([[i] for i, _ in pairs], [[j] for _, j in pairs]), (len(tokens_a), len(tokens_b)))


def align_words(text: str, *sides: tuple[list[tuple[int, int]], list[bool]]) -> Alignment:
    """One text under several models: `sides` are each model's (character offsets, special flags)."""
    labels, *groups = shared_units(text, *sides)
    return Alignment.of(labels, tuple(groups), tuple(len(offsets) for offsets, _ in sides))
