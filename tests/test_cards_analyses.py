"""The cards of the analyses (rollout, norms, layer summary, head roles): each renders its tool's real result."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from agent.answer import TERMS, render_lines
from agent.cards import cards, check_card
from tools import attention_norms, attention_rollout, head_roles, layer_summary

SENTENCE = "I love natural language processing!"
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")

TOOLS: dict[str, Callable[..., Any]] = {
    "attention_rollout": attention_rollout,
    "attention_norms": attention_norms,
    "layer_summary": layer_summary,
    "head_roles": head_roles,
}


def answer(name: str, **arguments: Any) -> tuple[dict[str, Any], dict[str, str]]:
    """Run a tool for real and render its card's answer in English and Japanese."""
    result = TOOLS[name](**arguments)
    card = cards()[name]
    rendered = {
        language: "\n".join(render_lines(card.answer, result, arguments, language)) for language in ("en", "ja")
    }
    assert JAPANESE.search(rendered["ja"]), rendered["ja"]
    assert "None" not in rendered["en"] + rendered["ja"], rendered
    return result, rendered


def in_both(rendered: dict[str, str], *pieces: str) -> None:
    for language, text in rendered.items():
        for piece in pieces:
            assert piece in text, (language, piece, text)


def weights(items: list[dict[str, Any]]) -> str:
    return ", ".join(f"`{item['token']}` {item['weight']:.4f}" for item in items)


@pytest.mark.parametrize("name", TOOLS)
def test_card_sits_with_its_tool_and_matches_its_signature(name):
    card = cards()[name]
    assert card.package == "tools.analyses" and card.figure
    check_card(card, TOOLS[name])
    assert set(card.description) == {"en", "ja"} and all("\n" not in line for line in card.description.values())
    assert JAPANESE.search(card.description["ja"])
    assert card.defaults == ({"layer": -1} if name == "attention_norms" else {})  # rollout starts at 0 unless named


@pytest.mark.parametrize("name", TOOLS)
@pytest.mark.parametrize("language", ["en", "ja"])
def test_card_has_ten_distinct_examples_per_language(name, language):
    examples = cards()[name].examples[language]
    assert len(examples) >= 10
    normalized = [" ".join(example.lower().split()) for example in examples]
    assert len(set(normalized)) == len(normalized)
    if language == "ja":
        assert all(JAPANESE.search(example) for example in examples)


# --- attention_rollout ----------------------------------------------------------------------------------


def test_rollout_answer_names_the_layers_and_where_the_last_position_draws_from(session):
    result, rendered = answer("attention_rollout", text=SENTENCE)
    assert result["last_layer"] == 5 and result["layers_used"] == 6 and result["last_token"] == "[SEP]"
    in_both(
        rendered,
        "[1, 12, 8, 8]",
        f"`{result['top_from_last_query'][0]['token']}` {result['top_from_last_query'][0]['weight']:.4f}",
        f"{result['raw_top_received'][0]['weight']:.4f}",
    )
    assert "of layers 0..5 (6 layers multiplied" in rendered["en"] and "層 0〜5 の 6 層" in rendered["ja"]
    assert (
        f"The last position “[SEP]” gathers its input mostly from {weights(result['top_from_last_query'])}."
        in (rendered["en"])
    )
    assert "Causal check" not in rendered["en"] and "Prefer rollout" in rendered["en"]


def test_rollout_from_a_named_layer(session):
    result, rendered = answer("attention_rollout", start_layer=4, text=SENTENCE)
    assert (result["start_layer"], result["last_layer"], result["layers_used"]) == (4, 5, 2)
    assert "layers 4..5 (2 layers" in rendered["en"] and "層 4〜5 の 2 層" in rendered["ja"]


def test_rollout_of_a_causal_model_adds_the_causal_check(session, tiny_models):
    result, rendered = answer("attention_rollout", text="the cat sat on the mat", model=str(tiny_models["llama"]))
    assert result["lower_triangular"] and result["last_token"] == result["tokens"][-1]
    assert (
        "Causal check: the rollout stays lower-triangular (largest value above the diagonal 0.0000)" in (rendered["en"])
    )
    assert "因果の確認" in rendered["ja"]


# --- attention_norms ------------------------------------------------------------------------------------


def test_norms_answer_gives_raw_and_norm_tops_and_the_most_shrunk_token(session):
    result, rendered = answer("attention_norms", text=SENTENCE, layer=-1)
    per_token = result["per_token"]
    shrunk = max(per_token, key=lambda item: item["raw_share"] - item["norm_share"])
    assert result["most_shrunk"] == shrunk and shrunk["raw_share"] > shrunk["norm_share"]
    mean = sum(item["value_norm"] for item in per_token) / len(per_token)
    assert result["mean_value_norm"] == pytest.approx(mean, abs=1e-4)
    in_both(
        rendered,
        f"`{result['top_raw'][0]['token']}` {result['top_raw'][0]['weight']:.4f}",
        f"{shrunk['raw_share']:.4f}",
        f"{shrunk['norm_share']:.4f}",
        f"{shrunk['value_norm']:.4f}",
        f"{result['mean_value_norm']:.4f}",
    )
    assert f"by norm, the largest contributions come from {weights(result['top_norm'])}" in rendered["en"]
    assert "**Norm-based view** of layer 5" in rendered["en"] and "summed over the 12 heads" in rendered["en"]
    assert f"「{shrunk['token']}」は生の重みでは {shrunk['raw_share']:.4f}" in rendered["ja"]


def test_norms_answer_without_a_shrunk_token_leaves_the_line_out():
    card = cards()["attention_norms"]
    item = {"token": "a", "index": 0, "raw_share": 0.5, "norm_share": 0.5, "value_norm": 1.0}
    result = {
        "layer": 0,
        "shape": [1, 2, 2, 2],
        "top_raw": [{"token": "a", "weight": 0.5}],
        "top_norm": [{"token": "a", "weight": 0.5}],
        "per_token": [item, {**item, "token": "b", "index": 1}],
    }
    for language in ("en", "ja"):
        text = "\n".join(render_lines(card.answer, result, {"layer": 0}, language))
        assert "shrunk" not in text and "receives" not in text and "にすぎません" not in text


# --- layer_summary --------------------------------------------------------------------------------------


def test_layer_summary_answer_gives_the_sink_and_entropy_extremes(session):
    result, rendered = answer("layer_summary", text=SENTENCE)
    sink, entropy = result["sink_share_per_layer"], result["entropy_bits_per_layer"]
    assert result["num_layers"] == len(sink) == 6 and result["last_layer"] == 5
    assert result["peak_sink_share"] == max(sink) == sink[result["peak_sink_layer"]]
    assert result["first_sink_share"] == sink[0] and result["last_sink_share"] == sink[-1]
    assert result["lowest_entropy_bits"] == min(entropy) == entropy[result["lowest_entropy_layer"]]
    assert result["highest_entropy_bits"] == max(entropy) == entropy[result["highest_entropy_layer"]]
    assert result["sink_names"] == ["[CLS]", "[SEP]"] and "pair_per_layer" not in result
    assert (
        f"the share of attention on `[CLS]`, `[SEP]` is {sink[0]:.4f} in layer 0 and {sink[-1]:.4f} in layer 5, "
        f"highest in layer {result['peak_sink_layer']} ({max(sink):.4f})"
    ) in rendered["en"]
    assert "`[CLS]`、`[SEP]` への注目の割合" in rendered["ja"]
    in_both(rendered, f"{min(entropy):.4f}", f"{max(entropy):.4f}", f"{result['max_entropy_bits']:.4f}")
    assert "over these 8 tokens would be 3.0000 bits" in rendered["en"]
    assert "layer by layer" not in rendered["en"]


def test_layer_summary_answer_follows_the_pair(session):
    result, rendered = answer("layer_summary", query="love", key="i", text=SENTENCE)
    pair = result["pair_per_layer"]
    assert (result["query_token"], result["key_token"]) == ("love", "i") and (result["query"], result["key"]) == (2, 1)
    assert pair[result["pair_best_layer"]] == max(pair)
    values = " → ".join(f"{value:.4f}" for value in pair)
    assert (
        f"Attention from “love” to “i” (mean of heads), layer by layer: {values}; strongest in layer "
        f"{result['pair_best_layer']}." in rendered["en"]
    )
    assert f"「love」から「i」への注目(ヘッド平均)の層ごとの値:{values}。" in rendered["ja"]


# --- head_roles -----------------------------------------------------------------------------------------


def test_head_roles_answer_lists_counts_thresholds_and_strongest_heads(session):
    result, rendered = answer("head_roles", text=SENTENCE)
    assert result["num_layers"] == 6
    assert {item["role"]: item["count"] for item in result["role_counts"]} == {
        name: count for name, count in result["counts"].items() if count
    }
    assert sum(item["count"] for item in result["role_counts"]) == len(result["heads"]) == 72
    assert {item["role"]: item["threshold"] for item in result["role_thresholds"]} == result["thresholds"]
    assert [item["role"] for item in result["strongest_heads"]] == [
        name for name in result["strongest"] if result["counts"][name]
    ]
    for item in result["strongest_heads"]:
        assert {key: item[key] for key in ("layer", "head", "score")} == result["strongest"][item["role"]]
    assert "**Head roles** of all 72 heads (6 layers × 12 heads):" in rendered["en"]
    assert "**ヘッドの役割**(6 層 × 12 ヘッド、計 72 ヘッド):" in rendered["ja"]
    assert "- previous-token ≥ 0.5" in rendered["en"] and "- 直前トークン型 ≥ 0.5" in rendered["ja"]
    assert "- strongest previous-token: layer 0, head 2 (score " in rendered["en"]
    assert "- 直前トークン型 が最も強いのは層 0・ヘッド 2(スコア " in rendered["ja"]
    for item in result["role_counts"]:
        english, japanese = TERMS[item["role"]]
        assert f"- {english}: {item['count']}" in rendered["en"] and f"- {japanese}:{item['count']}" in rendered["ja"]
    in_both(rendered, *(f"{item['score']:.4f}" for item in result["strongest_heads"]))
    assert "induction" not in rendered["en"]  # scored for decoders only
