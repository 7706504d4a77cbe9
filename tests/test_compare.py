"""compare_attention: alignment known answers, direct computations, scripts that reproduce the CSV, bad input."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import numpy as np
import pytest
import torch
from test_codegen import assert_same_numbers, run_script
from test_tools import read_csv

from tools import ToolError, compare_attention, extract_attention, load_model
from tools.compare.align import aligned_map, shared_units, token_pairs
from tools.core.models import get_model

CAT = "The cat sat on the mat."
DOG = "The dog sat on the mat."
CURRY = "今日はカレーライスを食べました。"
RAMEN = "今日はラーメンを食べました。"


def unit_rows(result: dict, side: str) -> np.ndarray:
    """The a:, b: or diff: block of a comparison's CSV, (unit, unit)."""
    _, rows, values = read_csv(result["artifacts"]["csv"])
    return values[[row.startswith(f"{side}:") for row in rows]]


# --- alignment known answers ----------------------------------------------------------------------------------


def test_one_changed_token_leaves_every_other_token_paired():
    a = ["[CLS]", "the", "cat", "sat", "on", "the", "mat", ".", "[SEP]"]
    b = ["[CLS]", "the", "dog", "sat", "on", "the", "mat", ".", "[SEP]"]
    assert token_pairs(a, b) == [(i, i) for i in range(9) if i != 2]
    ja_a = ["<bos>", "今日は", "カレー", "ライス", "を食べ", "ました", "。"]
    ja_b = ["<bos>", "今日は", "ラーメン", "を食べ", "ました", "。"]
    assert token_pairs(ja_a, ja_b) == [(0, 0), (1, 1), (4, 3), (5, 4), (6, 5)]


def test_words_split_differently_by_two_tokenizers_become_one_unit():
    text = "unbelievably good"  # a: un ##believ ##ably good; b: ▁unbel iev ably ▁good ([bos] first)
    offsets_a, special_a = [(0, 0), (0, 2), (2, 8), (8, 12), (13, 17), (0, 0)], [True, False, False, False, False, True]
    offsets_b, special_b = [(0, 0), (0, 5), (5, 8), (8, 12), (12, 17)], [True, False, False, False, False]
    labels, groups_a, groups_b = shared_units(text, (offsets_a, special_a), (offsets_b, special_b))
    assert labels == ["unbelievably", "good"]
    assert groups_a == [[1, 2, 3], [4]] and groups_b == [[1, 2, 3], [4]]


def test_japanese_characters_of_one_model_join_into_the_pieces_of_the_other():
    # minilm splits 今日は into characters, gemma keeps 今日は whole: one unit "今日は"
    text = "今日はカレー"
    offsets_a, special_a = [(0, 0), (0, 1), (1, 2), (2, 3), (3, 4), (4, 5), (5, 6)], [True] + [False] * 6
    offsets_b, special_b = [(0, 0), (0, 3), (3, 6)], [True, False, False]
    labels, groups_a, groups_b = shared_units(text, (offsets_a, special_a), (offsets_b, special_b))
    assert labels == ["今日は", "カレー"] and groups_a == [[1, 2, 3], [4, 5, 6]] and groups_b == [[1], [2]]


def test_crossing_boundaries_chain_into_one_unit_and_one_sided_text_is_left_out():
    text = "abcd efg"  # a: ab|cd efg; b: abc|d, and b's length limit cut "efg"
    labels, groups_a, groups_b = shared_units(
        text, ([(0, 2), (2, 4), (5, 8)], [False] * 3), ([(0, 3), (3, 4)], [False] * 2)
    )
    assert labels == ["abcd"] and groups_a == [[0, 1]] and groups_b == [[0, 1]]


def test_aligned_map_restricts_merges_and_renormalizes():
    matrix = torch.randn(6, 6, generator=torch.Generator().manual_seed(1)).softmax(dim=-1)  # (query, key)
    assert torch.allclose(aligned_map(matrix, [[i] for i in range(6)]), matrix, atol=1e-6)
    kept = aligned_map(matrix, [[1], [2, 3], [5]])
    assert torch.allclose(kept.sum(dim=-1), torch.ones(3), atol=1e-6)
    by_hand = torch.stack([matrix[:, [1]].sum(1), matrix[:, [2, 3]].sum(1), matrix[:, [5]].sum(1)], dim=1)
    by_hand = torch.stack([by_hand[[1]].mean(0), by_hand[[2, 3]].mean(0), by_hand[[5]].mean(0)])
    assert torch.allclose(kept, by_hand / by_hand.sum(dim=-1, keepdim=True), atol=1e-6)


# --- the tool on minilm and tiny models ----------------------------------------------------------------------------


def test_identical_texts_differ_by_exactly_zero(session):
    result = compare_attention(CAT, CAT)
    assert result["mode"] == "two texts" and result["mean_abs_diff"] == 0 and result["max_abs_diff"] == 0
    assert result["aligned_count"] == 9 and not result["only_in_a"] and not result["only_in_b"]
    assert np.all(unit_rows(result, "diff") == 0)


def test_two_texts_equal_a_direct_transformers_computation(session):
    result = compare_attention(CAT, DOG, layer=2, head=5)
    assert [item["a"] for item in result["aligned"]] == [[i] for i in range(9) if i != 2]
    assert result["only_in_a"] == [{"token": "cat", "index": 2}] and result["only_in_b"][0]["token"] == "dog"
    loaded = get_model("minilm")
    direct = []
    for text in (CAT, DOG):
        with torch.no_grad():
            outputs = loaded.model(**loaded.tokenizer(text, return_tensors="pt"), output_attentions=True)
        kept = [0, 1, 3, 4, 5, 6, 7, 8]
        matrix = outputs.attentions[2][0, 5][kept][:, kept]  # (query, key) of the aligned tokens
        direct.append((matrix / matrix.sum(dim=-1, keepdim=True)).numpy())
    assert np.allclose(unit_rows(result, "a"), direct[0], atol=1e-5)
    assert np.allclose(unit_rows(result, "b"), direct[1], atol=1e-5)
    assert np.allclose(unit_rows(result, "diff"), direct[1] - direct[0], atol=1e-5)
    assert result["mean_abs_diff"] == pytest.approx(np.abs(direct[1] - direct[0]).mean(), abs=1e-6)
    change = result["largest_changes"][0]
    assert abs(change["diff"]) == pytest.approx(np.abs(direct[1] - direct[0]).max(), abs=1e-4)
    assert change["diff"] == pytest.approx(change["b"] - change["a"], abs=2e-4)


def test_two_models_with_different_depths_use_each_last_layer(session, tiny_models):
    result = compare_attention("The unbelievably tokenized sentence.", model="minilm", model_b=str(tiny_models["bert"]))
    assert result["mode"] == "two models" and result["a"]["layer"] == 5 and result["b"]["layer"] == 1
    assert [item["label"] for item in result["aligned"]] == ["The", "unbelievably", "tokenized", "sentence", "."]
    assert result["aligned"][1] == {"label": "unbelievably", "a": [2, 3, 4, 5, 6], "b": [2, 3, 4, 5, 6]}
    assert np.allclose(unit_rows(result, "a").sum(axis=1), 1.0, atol=1e-5)


def test_an_encoder_against_a_decoder_says_so(session, tiny_models):
    result = compare_attention(CAT, model="minilm", model_b=str(tiny_models["llama"]))
    assert {"key": "decoder_vs_encoder", "values": {"decoder": str(tiny_models["llama"]), "encoder": "minilm"}} \
        in [{"key": note["key"], "values": note["values"]} for note in result["notes"]]
    assert np.abs(np.triu(unit_rows(result, "b"), k=1)).max() == 0


@pytest.mark.parametrize("named", [None, "minilm"])
def test_a_comparison_of_two_models_leaves_the_current_model_as_it_was(session, tiny_models, named):
    compare_attention(CAT, model=named, model_b=str(tiny_models["llama"]))  # "compare BERT and the llama"
    assert session.model_name == "minilm"
    assert extract_attention(DOG)["model"] == "minilm"  # a later question that names no model


def test_a_comparison_of_two_texts_under_a_named_model_leaves_the_current_model(session, tiny_models):
    load_model(str(tiny_models["bert"]))
    compare_attention(CAT, DOG, model="minilm")
    assert session.model_name == str(tiny_models["bert"])


def test_only_an_explicit_choice_changes_the_current_model(session, tiny_models):
    extract_attention(CAT, model=str(tiny_models["bert"]))  # named for this analysis: the learner's choice
    assert session.model_name == str(tiny_models["bert"])
    load_model("minilm")
    assert session.model_name == "minilm"


@pytest.mark.parametrize(
    "make",
    [
        lambda tiny: compare_attention(CAT, DOG),
        lambda tiny: compare_attention("The unbelievably tokenized sentence.", head=1, model_b=str(tiny["llama"])),
    ],
    ids=["two-texts", "two-models"],
)
def test_scripts_reproduce_the_comparison(session, tmp_path: Path, tiny_models, make):
    result = make(tiny_models)
    ast.parse(result["code"])
    assert result["code"].count('attn_implementation="eager"') == 1
    assert_same_numbers(result["artifacts"]["csv"], run_script(result["code"], tmp_path / "run"))


def test_three_models_align_every_side_and_give_every_pairwise_difference(session, tiny_models, tmp_path: Path):
    text = "The unbelievably tokenized sentence."
    bert, llama = str(tiny_models["bert"]), str(tiny_models["llama"])
    result = compare_attention(text, model="minilm", model_b=bert, model_c=llama)
    assert result["mode"] == "three models" and result["three_models"] and not result["two_models"]
    assert [side["side"] for side in result["sides"]] == ["a", "b", "c"] and result["c"]["layer"] == 2
    assert result["aligned"][1] == {"label": "unbelievably", "a": [2, 3, 4, 5, 6], "b": [2, 3, 4, 5, 6],
                                    "c": [2, 3, 4, 5, 6]}
    maps = {side: unit_rows(result, side) for side in ("a", "b", "c")}
    for name, (later, first) in {"b-a": "ba", "c-a": "ca", "c-b": "cb"}.items():
        assert np.allclose(unit_rows(result, name), maps[later] - maps[first], atol=1e-5)
        pair = next(item for item in result["pairs"] if item["pair"] == f"{later} − {first}")
        assert pair["mean_abs_diff"] == pytest.approx(np.abs(maps[later] - maps[first]).mean(), abs=1e-5)
    assert result["c"]["num_kv_heads"] == 2 and result["c"]["later_share"] == 0 < result["a"]["later_share"]
    assert "grouped_query" in [note["key"] for note in result["notes"]]
    assert_same_numbers(result["artifacts"]["csv"], run_script(result["code"], tmp_path / "run"))


def test_compare_is_registered_with_a_schema(session):
    from agent.registry import default_registry

    result = default_registry().call("compare_attention", {"text_a": CAT, "text_b": DOG})
    assert result["mode"] == "two texts"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"text_a": CAT}, "nothing to compare text_a with: give text_b"),
        ({"text_a": CAT, "text_b": DOG, "model_b": "minilm"}, "give text_b (two texts under one model) or model_b"),
        ({"text_a": "", "text_b": DOG}, "text_a must be a non-empty sentence, not ''"),
        ({"text_a": CAT, "text_b": "  "}, "text_b must be a non-empty sentence, not '  '"),
        ({"text_a": CAT, "text_b": 3}, "text_b must be a non-empty sentence, not 3"),
        ({"text_a": None, "text_b": DOG}, "text_a must be a non-empty sentence, not None"),
        ({"text_a": CAT, "model_b": "minilm"}, "model_b is the same model as text_a's (minilm): name a different one"),
        ({"text_a": CAT, "model_b": ""}, "model must be a non-empty string"),
        ({"text_a": CAT, "model_c": "minilm"}, "model_c is the third of three models: give model_b too"),
        ({"text_a": CAT, "text_b": DOG, "model_c": "minilm"}, "model_c is the third of three models"),

        ({"text_a": CAT, "text_b": DOG, "layer": 6}, "layer 6 is out of range: minilm has 6 layers (use 0..5"),
        ({"text_a": CAT, "text_b": DOG, "head": -13}, "head -13 is out of range: minilm has 12 heads"),
    ],
)
def test_bad_input_gets_a_clear_message(session, arguments, message):
    with pytest.raises(ToolError) as error:
        compare_attention(**arguments)
    assert message in str(error.value)


def test_a_third_model_that_repeats_one_is_refused_naming_both(session, tiny_models):
    bert = str(tiny_models["bert"])
    with pytest.raises(ToolError, match="model_c is the same model as text_a's \\(minilm\\)"):
        compare_attention(CAT, model="minilm", model_b=bert, model_c="minilm")
    with pytest.raises(ToolError, match=f"model_c is the same model as model_b \\({re.escape(bert)}\\)"):
        compare_attention(CAT, model="minilm", model_b=bert, model_c=bert)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"layer": 3}, "layer 3 is out of range: {tiny} has 2 layers (use 0..1, or -1 for the last)"),
        ({"head": 4}, "head 4 is out of range: {tiny} has 4 heads"),
    ],
)
def test_an_index_out_of_range_of_either_model_names_it(session, tiny_models, arguments, message):
    tiny = str(tiny_models["bert"])
    with pytest.raises(ToolError) as error:
        compare_attention(CAT, model="minilm", model_b=tiny, **arguments)
    assert message.format(tiny=tiny) in str(error.value)


# --- gemma-270m (slow) ------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_minilm_and_gemma_align_the_words_of_the_cat_sentence(session):
    result = compare_attention(CAT, model="minilm", model_b="gemma-270m")
    assert result["b"]["tokens"] == ["<bos>", "The", "cat", "sat", "on", "the", "mat", "."]
    assert [item["label"] for item in result["aligned"]] == ["The", "cat", "sat", "on", "the", "mat", "."]
    assert [item["b"] for item in result["aligned"]] == [[i] for i in range(1, 8)]
    assert result["a"]["layer"] == 5 and result["b"]["layer"] == 17
    assert any(note["key"] == "decoder_vs_encoder" and note["values"]["decoder"] == "gemma-270m"
               for note in result["notes"])
    assert np.abs(np.triu(unit_rows(result, "b"), k=1)).max() == 0


@pytest.mark.slow
def test_japanese_texts_under_gemma_align_around_the_changed_word(session, tmp_path: Path):
    result = compare_attention(CURRY, RAMEN)  # the session's model is minilm: both go to gemma, with a note
    assert result["a"]["model"] == result["b"]["model"] == "gemma-270m"
    assert [item["label"] for item in result["aligned"]] == ["<bos>", "今日は", "を食べ", "ました", "。"]
    assert [item["token"] for item in result["only_in_a"]] == ["カレー", "ライス"]
    assert {"key": "both_with_gemma", "values": {"model": "gemma-270m", "current": "minilm"}} \
        in [{"key": note["key"], "values": note["values"]} for note in result["notes"]]
    assert compare_attention(CURRY, CURRY, model="gemma-270m")["max_abs_diff"] == 0
    assert_same_numbers(result["artifacts"]["csv"], run_script(result["code"], tmp_path / "run"))


@pytest.mark.slow
def test_japanese_under_minilm_and_gemma_aligns_characters_to_pieces(session, tmp_path: Path):
    result = compare_attention(CURRY, model="minilm", model_b="gemma-270m", layer=3)
    labels = [item["label"] for item in result["aligned"]]
    assert labels == ["今日は", "カレー", "ライス", "を食べ", "ました", "。"]
    assert result["aligned"][0]["a"] == [1, 2, 3]  # [UNK] 日 は under minilm
    assert_same_numbers(result["artifacts"]["csv"], run_script(result["code"], tmp_path / "run"))


@pytest.mark.slow
def test_an_explicit_layer_beyond_the_shallower_model_is_refused(session):
    with pytest.raises(ToolError, match="layer 10 is out of range: minilm has 6 layers"):
        compare_attention(CAT, model="gemma-270m", model_b="minilm", layer=10)
