"""Readable heatmaps of long texts: pool blocks of consecutive tokens into one cell.

A (query, key) attention map of 512 tokens has 262,144 cells, far more than a figure can show.
Above `max_cells` tokens, `pool_blocks` cuts each axis into blocks of k consecutive tokens,
k = ceil(tokens / max_cells), and

    queries: MEAN over the k rows of a block     (a block's row is its tokens' average row)
    keys:    SUM over the k columns of a block   (the attention a row pays to the whole block)

so every pooled row still sums to 1, like a row of raw attention. A block is labelled by its
positions and its first token, e.g. "12–19 cat…". Below the threshold the map is returned as is.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from tools.core.notes import note

__all__ = ["Pooled", "pool_blocks", "block_starts", "block_label", "POOLING_SNIPPET", "pooling_snippet"]

# 64, not more: tools/core/plots.py labels every tick up to 64 and only every other one beyond, so 512
# tokens pool into 64 blocks of 8, each with its label (96 would give 86 blocks, half unlabelled).
DEFAULT_MAX_CELLS = 64


@dataclass(frozen=True)
class Pooled:
    matrix: np.ndarray  # (query blocks, key blocks)
    query_labels: list[str]
    key_labels: list[str]
    query_block: int  # k along the queries; 1 = not pooled
    key_block: int  # k along the keys; 1 = not pooled
    note: dict[str, Any] | None  # what was pooled (tools/core/notes.py); None when nothing was

    @property
    def pooled(self) -> bool:
        return self.query_block > 1 or self.key_block > 1


def block_starts(count: int, max_cells: int) -> tuple[int, np.ndarray]:
    """(k, the first position of every block): k = 1 and every position when count <= max_cells."""
    size = max(1, math.ceil(count / max_cells))
    return size, np.arange(0, count, size)


def block_label(labels: Sequence[str], start: int, size: int) -> str:
    end = min(start + size, len(labels)) - 1
    return labels[start] if end == start else f"{start}–{end} {labels[start]}…"


def _pool_axis(
    matrix: np.ndarray, labels: Sequence[str], max_cells: int, axis: int, reduce: str
) -> tuple[np.ndarray, list[str], int]:
    size, starts = block_starts(len(labels), max_cells)
    if size == 1:
        return matrix, list(labels), 1
    summed = np.add.reduceat(matrix, starts, axis=axis)  # blocks along `axis`
    if reduce == "mean":
        counts = np.diff(np.append(starts, len(labels)))  # the last block may be shorter
        summed = summed / (counts[:, None] if axis == 0 else counts[None, :])
    return summed, [block_label(labels, int(start), size) for start in starts], size


def pool_blocks(
    matrix: np.ndarray,
    query_labels: Sequence[str],
    key_labels: Sequence[str],
    max_cells: int = DEFAULT_MAX_CELLS,
) -> Pooled:
    """Pool a (query, key) map whose side exceeds `max_cells`: mean over query blocks, sum over key blocks."""
    rows, cols = matrix.shape  # (query, key)
    if (rows, cols) != (len(query_labels), len(key_labels)):
        raise ValueError(
            f"the matrix is {rows}×{cols} but there are {len(query_labels)} query and {len(key_labels)} key labels"
        )
    if max_cells < 1:
        raise ValueError(f"max_cells must be at least 1, not {max_cells}")
    values = np.asarray(matrix, dtype=np.float64)
    values, queries, query_block = _pool_axis(values, query_labels, max_cells, axis=0, reduce="mean")
    values, keys, key_block = _pool_axis(values, key_labels, max_cells, axis=1, reduce="sum")
    said = None
    if query_block > 1 or key_block > 1:
        said = note("pooled_blocks", rows=rows, cols=cols, query_block=query_block, key_block=key_block)
    return Pooled(values.astype(np.float32), queries, keys, query_block, key_block, said)


def pooling_snippet(max_cells: int = DEFAULT_MAX_CELLS) -> str:
    """Script lines that pool `values` (query, key) and `tokens` the way `pool_blocks` does; to be
    spliced into a heatmap script right after `values = matrix.numpy()`."""
    return f"""
import numpy as np

# a long text: pool blocks of k consecutive tokens, MEAN over a block's queries, SUM over its keys,
# so that every row still sums to 1
k = -(-len(tokens) // {max_cells})  # ceil(tokens / {max_cells})
if k > 1:
    starts = np.arange(0, len(tokens), k)
    sizes = np.diff(np.append(starts, len(tokens)))  # the last block may be shorter
    values = np.add.reduceat(values.astype(np.float64), starts, axis=0) / sizes[:, None]  # mean over queries
    values = np.add.reduceat(values, starts, axis=1).astype(np.float32)  # sum over keys
    tokens = [tokens[s] if n == 1 else f"{{s}}–{{s + n - 1}} {{tokens[s]}}…" for s, n in zip(starts, sizes)]
"""


POOLING_SNIPPET = pooling_snippet()
