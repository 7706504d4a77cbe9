"""The tool functions: real numbers, files on disk, and a clear message for every bad input."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
import torch

from tools import (
    ToolError,
    extract_attention,
    inspect_attention,
    list_models,
    load_model,
    plot_heads,
    plot_heatmap,
    plot_line,
)

SENTENCE = "I love natural language processing!"
TOKENS = ["[CLS]", "i", "love", "natural", "language", "processing", "!", "[SEP]"]


def read_csv(path: str) -> tuple[list[str], list[str], np.ndarray]:
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    return rows[0][1:], [row[0] for row in rows[1:]], np.array([[float(v) for v in row[1:]] for row in rows[1:]])


def test_extract_attention_reports_tokens_shape_and_checks(session):
    result = extract_attention(SENTENCE)
    assert result["tokens"] == TOKENS
    assert result["shape"] == [1, 12, 8, 8] and result["num_tensors"] == 6 and result["seq_len"] == 8
    assert result["model"] == "minilm" and result["architecture"] == "encoder"
    assert result["attn_implementation"] == "eager"
    assert result["checks"]["rows_sum_to_one"]
    assert set(result["timings_ms"]) == {"tokenize", "queue", "forward"}


def test_heatmap_files_hold_the_plotted_matrix(session):
    result = plot_heatmap(text=SENTENCE)
    for kind in ("png", "svg", "csv", "code"):
        assert Path(result["artifacts"][kind]).is_file()
    assert Path(result["artifacts"]["png"]).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    columns, rows, values = read_csv(result["artifacts"]["csv"])
    assert columns == TOKENS and rows == TOKENS
    expected = session.latest.attentions[-1].mean(dim=0).numpy()
    assert np.allclose(values, expected, atol=1e-5)
    assert "mean of 12 heads" in result["title"] and "layer 5" in result["title"]
    assert result["top_received"][0]["token"] == "[CLS]"


def test_heatmap_of_one_head_and_annotated(session):
    result = plot_heatmap(layer=2, head=3, annotate=True, text=SENTENCE)
    _, _, values = read_csv(result["artifacts"]["csv"])
    assert np.allclose(values, session.latest.attentions[2, 3].numpy(), atol=1e-5)
    assert result["layer"] == 2 and result["head"] == 3
    svg = Path(result["artifacts"]["svg"]).read_text(encoding="utf-8")
    assert svg.count("<g id=\"text_") > 64  # 64 cell values plus the labels


def test_exclude_special_drops_them_and_renormalizes_rows(session):
    result = plot_heatmap(exclude_special=True, text=SENTENCE)
    columns, rows, values = read_csv(result["artifacts"]["csv"])
    assert columns == TOKENS[1:-1] == rows
    assert np.allclose(values.sum(axis=1), 1.0, atol=1e-4)
    assert "renormalized" in result["title"]


def test_line_from_a_query_token_lines_up_with_every_position(session):
    result = plot_line(query="love", text=SENTENCE)
    columns, rows, values = read_csv(result["artifacts"]["csv"])
    assert columns == TOKENS  # one label per plotted position, [CLS] and [SEP] included
    assert np.allclose(values[0], session.latest.attentions[-1].mean(dim=0)[2].numpy(), atol=1e-5)
    assert len(result["values"]) == 8
    assert plot_line(query=2)["values"] == result["values"]


def test_line_without_query_is_the_attention_received(session):
    result = plot_line(layer=0, head=1, text=SENTENCE)
    expected = session.latest.attentions[0, 1].mean(dim=0).numpy()
    assert np.allclose(result["values"], expected, atol=1e-4)
    assert "received" in result["series"]


def test_line_without_special_tokens_is_the_heatmaps_row(session):
    line = plot_line(query="love", exclude_special=True, text=SENTENCE)
    columns, rows, values = read_csv(line["artifacts"]["csv"])
    assert columns == TOKENS[1:-1] and "[CLS]" not in rows[0] and "[SEP]" not in rows[0]
    assert line["query_position"] == 1 and line["query_token"] == "love" and line["plotted_tokens"] == TOKENS[1:-1]
    heatmap = plot_heatmap(exclude_special=True, text=SENTENCE)
    _, heatmap_rows, heatmap_values = read_csv(heatmap["artifacts"]["csv"])
    assert np.allclose(values[0], heatmap_values[heatmap_rows.index("love")], atol=1e-6)
    assert np.isclose(values[0].sum(), 1.0, atol=1e-5)
    assert "renormalized" in line["title"]


def test_line_names_its_query_position_and_token(session):
    assert plot_line(query=2, text=SENTENCE)["query_token"] == "love"
    words = plot_line(query="natural", words=True, text="Tokenization is natural")
    assert words["query_token"] == "natural" and words["words"][words["query_position"]] == "natural"
    received = plot_line(text=SENTENCE)
    assert received["query_position"] is None and received["query_token"] is None


def test_heads_grid_names_the_most_and_least_self_attentive_heads(session):
    result = plot_heads(layer=0, text=SENTENCE)
    per_head = result["self_attention_per_head"]
    assert result["most_self_attention"] == max(per_head) == per_head[result["most_self_attention_head"]]
    assert result["least_self_attention"] == min(per_head) == per_head[result["least_self_attention_head"]]


def test_inspect_reports_the_row_sum_range(session):
    result = inspect_attention(layer=2, head=1, text=SENTENCE)
    assert result["row_sum_min"] == min(result["row_sums"]) and result["row_sum_max"] == max(result["row_sums"])
    assert result["rows_sum_to_one"] is True


def test_extract_lifts_its_checks_to_flags(session):
    result = extract_attention(SENTENCE)
    assert result["rows_sum_to_one"] is result["checks"]["rows_sum_to_one"] is True
    assert result["expected_causal"] is False
    assert result["causal_mask_holds"] is False and result["causal_mask_broken"] is False


def test_list_models_gives_numbers_and_both_languages(session):
    listing = list_models()
    for entry in listing["embedded"]:
        assert entry["note"] and entry["note_ja"] != entry["note"]
        assert (entry["first_load_seconds"] is None) == (entry["first_load"] == "fast")
    slow = [entry["alias"] for entry in listing["embedded"] if entry["first_load_seconds"] is not None]
    assert [entry["alias"] for entry in listing["slow_first_loads"]] == slow
    load_model("minilm")
    assert "minilm" in list_models()["loaded_models"]


def test_heads_grid_has_every_head(session):
    result = plot_heads(layer=-1, text=SENTENCE)
    columns, rows, values = read_csv(result["artifacts"]["csv"])
    assert columns == TOKENS and len(rows) == 12 * 8 and rows[8] == "1:[CLS]"
    assert np.allclose(values.reshape(12, 8, 8), session.latest.attentions[-1].numpy(), atol=1e-5)
    assert len(result["self_attention_per_head"]) == 12


def test_inspect_gives_rounded_matrix_row_sums_and_top_tokens(session):
    result = inspect_attention(layer=-1, text=SENTENCE)
    assert np.allclose(result["row_sums"], 1.0, atol=1e-4)
    matrix = np.array(result["matrix"])
    assert matrix.shape == (8, 8)
    assert np.allclose(matrix, session.latest.attentions[-1].mean(dim=0).numpy(), atol=1e-4)
    first = result["top_per_query"][2]
    assert first["query"] == "love" and len(first["top"]) == 3
    assert first["top"][0]["weight"] >= first["top"][1]["weight"]


def test_follow_ups_reuse_the_latest_text(session):
    plot_heatmap(text="The cat sat on the mat.")
    assert plot_heads()["tokens"][1:4] == ["the", "cat", "sat"]


def test_japanese_text_switches_minilm_to_gemma_with_a_note(session, monkeypatch):
    from tools.core import substitutes  # every tool gets its model through Session.model, which loads with this

    asked: list[str] = []

    def fake_get_model(name, *args, **kwargs):
        asked.append(name)
        raise ToolError("stop here")

    monkeypatch.setattr(substitutes, "get_model", fake_get_model)
    with pytest.raises(ToolError, match="stop here"):
        extract_attention("今日はカレーライスを食べました。")
    assert asked == ["gemma-270m"]
    with pytest.raises(ToolError):
        extract_attention("今日は", model="minilm")  # named explicitly: honoured
    assert asked[-1] == "minilm"


def test_list_and_load_models(session):
    listing = list_models()
    aliases = {entry["alias"]: entry for entry in listing["embedded"]}
    assert aliases["minilm"]["num_heads"] == 12 and aliases["gemma-270m"]["architecture"] == "decoder"
    summary = load_model("minilm")
    assert summary["num_layers"] == 6 and session.model_name == "minilm"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: plot_heatmap(layer=42, text=SENTENCE),
         "layer 42 is out of range: minilm has 6 layers (use 0..5, or -1 for the last)"),
        (lambda: plot_heatmap(layer=-7, text=SENTENCE), "layer -7 is out of range"),
        (lambda: plot_heatmap(head=12, text=SENTENCE), "head 12 is out of range: minilm has 12 heads (use 0..11"),
        (lambda: plot_heatmap(layer="3", text=SENTENCE), "layer must be an integer, not '3'"),
        (lambda: plot_heatmap(layer=1.5, text=SENTENCE), "layer must be an integer, not 1.5"),
        (lambda: plot_heatmap(layer=True, text=SENTENCE), "layer must be an integer, not True"),
        (lambda: plot_heatmap(layer=10**30, text=SENTENCE), "out of range"),
        (lambda: inspect_attention(head=-13, text=SENTENCE), "head -13 is out of range"),
        (lambda: plot_heads(layer=6, text=SENTENCE), "layer 6 is out of range"),
        (lambda: plot_line(query="banana", text=SENTENCE), "query token 'banana' is not in the text"),
        (lambda: plot_line(query=8, text=SENTENCE), "query 8 is out of range"),
        (lambda: plot_heatmap(text=""), "the text is empty"),
        (lambda: plot_heatmap(text="   "), "the text is empty"),
        (lambda: plot_heatmap(text=123), "text must be a string"),
        (lambda: load_model(""), "model must be a non-empty string"),
        (lambda: load_model("no/such-model"), "not available offline"),
        (lambda: plot_heatmap(text=SENTENCE, model="/no/such/dir"), "does not exist"),
    ],
)
def test_bad_input_gets_a_clear_message(session, call, message):
    with pytest.raises(ToolError) as error:
        call()
    assert message in str(error.value)


def test_a_tool_without_text_before_any_extraction_says_what_to_do(session):
    with pytest.raises(ToolError, match="no text has been analysed yet: pass `text`"):
        plot_heatmap()


def test_session_still_works_after_errors(session):
    with pytest.raises(ToolError):
        plot_heatmap(layer=99, text=SENTENCE)
    assert plot_heatmap(layer=-1)["tokens"] == TOKENS


def test_sessions_do_not_share_state(tmp_path):
    from tools import Session, use_session

    first, second = Session(artifacts_dir=tmp_path / "a"), Session(artifacts_dir=tmp_path / "b")
    with use_session(first):
        plot_heatmap(text="The first sentence.")
    with use_session(second):
        plot_heatmap(text="Another one entirely.")
    assert first.latest.text == "The first sentence." and second.latest.text == "Another one entirely."
    assert {p.parent for p in (tmp_path / "a").iterdir()} == {tmp_path / "a"}
    assert torch.is_tensor(first.latest.attentions)


def test_a_japanese_token_named_without_its_particle_is_the_token_it_begins():
    """「自分」 where gemma's tokenizer kept the particle (「自分の」); English needs the token itself ("he" is
    not "the")."""
    from tools.core.errors import TokenError
    from tools.core.plumbing import token_position

    assert token_position("自分", ["<bos>", "太郎", "は", "自分の", "鞄"], "query") == 3
    with pytest.raises(TokenError, match="not in the text"):
        token_position("he", ["[CLS]", "the", "chef", "[SEP]"], "query")


def test_a_japanese_word_cut_in_pieces_is_the_piece_it_begins_with() -> None:
    """gemma-270m cuts 「待っていた」 into 「待」「っていた」 (its tokens of 『私は駅で友達を待っていた』):
    「待って」 is 「待」, where the word begins; a word the text does not hold is still refused, with the tokens
    listed."""
    from tools.core.errors import TokenError
    from tools.core.plumbing import token_position

    labels = ["<bos>", "私は", "駅", "で", "友達", "を", "待", "っていた"]
    assert token_position("待って", labels, "query") == 6
    assert token_position("友達を", labels, "query") == 4
    with pytest.raises(TokenError, match="its tokens are: <bos>, 私は"):
        token_position("猫", labels, "query")
