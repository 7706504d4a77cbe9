"""Pooling long attention maps into blocks: known answers, rows that still sum to 1, labels, and a
script snippet that pools the same way."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import torch
from matplotlib.text import Text
from test_codegen import assert_same_numbers, run_script

from tools.core import plots
from tools.core.codegen import heatmap_script
from tools.core.extract import extract
from tools.core.models import get_model
from tools.core.pooling import DEFAULT_MAX_CELLS, pool_blocks, pooling_snippet

LONG_TEXT = (
    "Attention lets every token look at every other token. The weights of one row sum to one, "
    "and a heatmap shows them as colours. "
) * 20  # over 512 tokens: minilm keeps the first 512


def softmax_rows(rows: int, cols: int, causal: bool = False, seed: int = 0) -> np.ndarray:
    logits = torch.randn(rows, cols, generator=torch.Generator().manual_seed(seed))
    if causal:
        logits = logits.masked_fill(torch.ones(rows, cols, dtype=torch.bool).triu(diagonal=1), -math.inf)
    return logits.softmax(dim=-1).numpy()


def labels(count: int) -> list[str]:
    return [f"t{i}" for i in range(count)]


@pytest.mark.parametrize(("count", "causal"), [(512, False), (512, True), (130, True), (97, False)])
def test_pooled_rows_still_sum_to_one(count: int, causal: bool):
    pooled = pool_blocks(softmax_rows(count, count, causal), labels(count), labels(count))
    k = math.ceil(count / DEFAULT_MAX_CELLS)
    assert pooled.query_block == pooled.key_block == k and pooled.pooled
    assert pooled.matrix.shape == (math.ceil(count / k), math.ceil(count / k))
    assert np.allclose(pooled.matrix.sum(axis=1), 1, atol=1e-5)
    assert pooled.note is not None and pooled.note["key"] == "pooled_blocks"
    assert pooled.note["values"] == {"rows": count, "cols": count, "query_block": k, "key_block": k}
    if causal:  # above the diagonal of blocks, nothing
        assert np.triu(pooled.matrix, k=1).max() == 0


def test_a_block_diagonal_matrix_pools_to_the_identity():
    count, block = 256, 4  # tokens attend uniformly within their own block of 4
    matrix = np.kron(np.eye(count // block), np.full((block, block), 1 / block))
    pooled = pool_blocks(matrix, labels(count), labels(count), max_cells=64)
    assert pooled.query_block == 4 and np.allclose(pooled.matrix, np.eye(64), atol=1e-6)


def test_known_sums_and_means_of_a_small_matrix():
    matrix = np.array(
        [
            [1.0, 0.0, 0.0, 0.0, 0.0],
            [0.5, 0.5, 0.0, 0.0, 0.0],
            [0.2, 0.2, 0.6, 0.0, 0.0],
            [0.1, 0.1, 0.1, 0.7, 0.0],
            [0.0, 0.0, 0.0, 0.0, 1.0],
        ]
    )
    pooled = pool_blocks(matrix, list("abcde"), list("abcde"), max_cells=3)  # k = 2: blocks 0–1, 2–3, 4
    expected = [[1.0, 0.0, 0.0], [0.3, 0.7, 0.0], [0.0, 0.0, 1.0]]
    assert np.allclose(pooled.matrix, expected)
    assert pooled.query_labels == ["0–1 a…", "2–3 c…", "e"] == pooled.key_labels


def test_block_labels_name_positions_and_first_token():
    tokens = ["[CLS]", "今日は", "カレー", "ライス", "を食べ", "ました", "。", "[SEP]"] * 16
    pooled = pool_blocks(softmax_rows(128, 128), tokens, tokens, max_cells=64)
    assert pooled.query_labels[:3] == ["0–1 [CLS]…", "2–3 カレー…", "4–5 を食べ…"]
    assert pooled.key_labels[-1] == "126–127 。…"


def test_nothing_changes_at_or_below_the_threshold():
    matrix = softmax_rows(64, 64)
    pooled = pool_blocks(matrix, labels(64), labels(64))
    assert not pooled.pooled and pooled.note is None and pooled.query_block == pooled.key_block == 1
    assert np.allclose(pooled.matrix, matrix) and pooled.query_labels == labels(64)


def test_only_the_long_axis_of_a_ragged_map_is_pooled():
    matrix = softmax_rows(10, 300)  # e.g. 10 generated tokens over a long prompt
    pooled = pool_blocks(matrix, labels(10), labels(300), max_cells=64)
    assert (pooled.query_block, pooled.key_block) == (1, 5) and pooled.matrix.shape == (10, 60)
    assert np.allclose(pooled.matrix.sum(axis=1), 1, atol=1e-5)


def test_mismatched_labels_are_our_bug_and_raise():
    with pytest.raises(ValueError, match="the matrix is 3×3 but there are 2 query and 3 key labels"):
        pool_blocks(np.eye(3), labels(2), labels(3))


@pytest.mark.parametrize(("count", "max_cells"), [(512, 64), (130, 64), (30, 64), (100, 7)])
def test_the_snippet_pools_like_pool_blocks(count: int, max_cells: int):
    values = softmax_rows(count, count, causal=True)
    namespace = {"values": values, "tokens": labels(count)}
    exec(pooling_snippet(max_cells), namespace)
    pooled = pool_blocks(values, labels(count), labels(count), max_cells)
    assert namespace["tokens"] == pooled.query_labels
    assert np.allclose(namespace["values"], pooled.matrix, atol=1e-6)


def test_a_512_token_heatmap_script_with_the_snippet_reproduces_the_pooled_csv(session, tmp_path: Path):
    loaded = get_model("minilm")
    extraction = extract(loaded, LONG_TEXT)
    assert extraction.seq_len == 512
    pooled = pool_blocks(extraction.layer(-1).mean(dim=0).numpy(), extraction.tokens, extraction.tokens)
    csv_path = plots.write_matrix_csv(tmp_path / "ours.csv", pooled.query_labels, pooled.key_labels, pooled.matrix)
    code = heatmap_script(loaded, LONG_TEXT, 512, "pooled", -1, None, False, False)
    anchor = "values = matrix.numpy()\n"
    assert code.count(anchor) == 1
    code = code.replace(anchor, anchor + pooling_snippet(), 1)
    assert_same_numbers(str(csv_path), run_script(code, tmp_path / "run"))


def test_the_512_token_minilm_heatmap_is_readable_when_pooled(tmp_path: Path):
    extraction = extract(get_model("minilm"), LONG_TEXT)
    pooled = pool_blocks(extraction.layer(-1).mean(dim=0).numpy(), extraction.tokens, extraction.tokens)
    assert pooled.matrix.shape == (64, 64) and pooled.query_block == 8
    figure = plots.heatmap_figure(pooled.matrix, pooled.query_labels, pooled.key_labels, "minilm · 512 tokens")
    drawn = {text.get_text() for text in figure.findobj(Text)}
    assert set(pooled.query_labels) <= drawn  # every block keeps its label
    png, _ = plots.save_figure(figure, tmp_path / "pooled-512")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
