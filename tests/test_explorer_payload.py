"""The explorer's data: its numbers are the heatmap CSV's, switching runs no model, and 512 tokens fit in 2 MB."""

from __future__ import annotations

import base64
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from test_tools import read_csv
from tiny_models import minilm_dir

from tools import ToolError, plot_heatmap
from tools.core import extract as extract_module
from tools.core.pooling import pool_blocks
from tools.explore.payload import (
    UPDATE_BUDGET,
    ViewKey,
    bundle,
    encoded_size,
    explorer_view,
    thumbnails,
    view_by_name,
)

SENTENCE = "Tokenization is unbelievably fun!"  # several words of several WordPiece tokens


def floats(view: dict) -> np.ndarray:
    size = view["size"]
    return np.frombuffer(base64.b64decode(view["values"]), dtype="<f4").reshape(size, size)


def colour_bytes(view: dict) -> np.ndarray:
    size = view["size"]
    return np.frombuffer(base64.b64decode(view["colours"]), dtype=np.uint8).reshape(size, size)


@pytest.mark.parametrize(
    ("layer", "head", "exclude_special", "words"),
    [(-1, None, False, False), (0, 3, True, False), (2, None, True, True), (1, 5, False, True)],
    ids=["last-mean", "head-no-special", "mean-words-no-special", "head-words"],
)
def test_a_view_holds_exactly_the_numbers_of_the_heatmap_csv(session, layer, head, exclude_special, words):
    result = plot_heatmap(layer=layer, head=head, exclude_special=exclude_special, words=words, text=SENTENCE)
    columns, rows, _ = read_csv(result["artifacts"]["csv"])
    with open(result["artifacts"]["csv"], encoding="utf-8") as handle:
        cells = [line.rstrip("\r\n").split(",")[1:] for line in handle.readlines()[1:]]
    view = explorer_view(session.latest, ViewKey(result["layer"], head, exclude_special, words))
    assert view["labels"] == rows == columns
    assert [[f"{value:.6g}" for value in row] for row in floats(view)] == cells  # the CSV's own digits
    assert len(view["groups"]) == view["size"]


def test_colours_top_keys_and_groups_follow_the_values(session):
    plot_heatmap(text=SENTENCE)
    view = explorer_view(session.latest, ViewKey(5, None, exclude_special=False, words=True))
    values, colours = floats(view), colour_bytes(view)
    top = view["colour_scale"]["top"]
    assert top == pytest.approx(values.max()) and view["colour_scale"]["bits"] == 8
    assert np.abs(colours / 255 * top - values).max() <= top / 255 / 2 + 1e-7  # within half a step
    for row, best in zip(values, view["top_keys"], strict=True):
        assert [index for index, _ in best] == list(np.argsort(-row, kind="stable")[:5])
        assert [weight for _, weight in best] == [round(float(row[i]), 4) for i, _ in best]
    tokens = session.latest.tokens
    assert sorted(i for group in view["groups"] for i in group) == list(range(len(tokens)))
    assert any(len(group) > 1 for group in view["groups"])  # "tokenization" is several pieces


def test_thumbnails_are_the_pooled_maps_on_one_scale(session):
    plot_heatmap(text=SENTENCE)
    extraction = session.latest
    thumbs = thumbnails(extraction, exclude_special=False)
    side, heads = thumbs["side"], thumbs["heads"]
    pixels = np.frombuffer(base64.b64decode(thumbs["pixels"]), dtype=np.uint8).reshape(-1, heads, side, side)
    assert pixels.shape[0] == extraction.model.num_layers and pixels.max() == 255
    top = thumbs["colour_scale"]["top"]
    for layer, head in [(0, 0), (5, 11), (3, 7)]:
        pooled = pool_blocks(extraction.layer(layer)[head].numpy(), extraction.tokens, extraction.tokens, side)
        assert np.abs(pixels[layer, head] / 255 * top - pooled.matrix).max() <= top / 255 / 2 + 1e-6


def test_switching_layer_head_and_switches_runs_no_model(session, monkeypatch):
    plot_heatmap(text=SENTENCE)
    extraction = session.latest

    def no_forward(*_args, **_kwargs):
        raise AssertionError("a forward pass ran while switching views")

    monkeypatch.setattr(extract_module, "_forward", no_forward)
    for key in [ViewKey(0, None), ViewKey(5, 11, True, False), ViewKey(2, 4, True, True)]:
        assert explorer_view(extraction, key)["key"] == key.name
    packed = bundle(extraction, ViewKey(5, None))
    assert packed["first"] == "5:mean:00" and packed["views_left_out"] == 0
    assert len(packed["views"]) == 6 * 13 * 4  # every layer × (mean + 12 heads) × the 4 switch pairs


def test_a_view_asked_for_by_name_is_checked_against_the_extraction(session):
    plot_heatmap(text="I love green tea")  # every token is a word
    extraction = session.latest
    view = view_by_name(extraction, "2:4:10")
    assert (view["key"], view["layer"], view["head"], view["exclude_special"]) == ("2:4:10", 2, 4, True)
    assert view_by_name(extraction, "2:mean:01")["key"] == "2:mean:00"  # words change nothing: the token view
    for bad, message in [("9:mean:00", "layer 9 is not held for this text: use one of \\[0, 1, 2, 3, 4, 5\\]"),
                         ("0:12:00", "head 12 is out of range: minilm has 12 heads"),
                         ("0:x:00", "a view's key is 'layer:head:SW'"), (None, "not None")]:
        with pytest.raises(ToolError, match=message):
            view_by_name(extraction, bad)


@pytest.fixture(scope="module")
def long_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random BERT of minilm's shape (6 layers × 12 heads) that reads 512 tokens.

    Its weights are drawn wide (initializer_range 0.5), so its maps have structure, as a trained model's
    do, instead of the near-uniform 1/512 of a default init: layers differ by more than 4 decimals."""
    from transformers import AutoTokenizer, BertConfig, BertModel

    torch.manual_seed(0)
    tokenizer = AutoTokenizer.from_pretrained(minilm_dir())
    model = BertModel(BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=48, num_hidden_layers=6,
                                 num_attention_heads=12, intermediate_size=64, max_position_embeddings=512,
                                 initializer_range=0.5))
    path = tmp_path_factory.mktemp("long") / "tiny-bert-512"
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


LONG_TEXT = "The cat sat on the mat and looked at the dog. " * 60  # 722 tokens: cut to 512


def test_one_update_at_512_tokens_stays_under_2_mb(session, long_model):
    plot_heatmap(text=LONG_TEXT, model=str(long_model))
    extraction = session.latest
    assert extraction.seq_len == 512
    started = time.perf_counter()
    packed = bundle(extraction, ViewKey(3, None, exclude_special=True), UPDATE_BUDGET)
    seconds = time.perf_counter() - started
    assert encoded_size(packed) <= UPDATE_BUDGET == 2_000_000
    assert packed["first"] in packed["views"] and packed["views"][packed["first"]]["size"] == 510
    assert packed["views_left_out"] > 0  # the rest did not fit, and the page is told so
    assert seconds < 10, f"building one 512-token update took {seconds:.1f} s"
