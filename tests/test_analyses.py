"""Analyses beyond raw attention: known answers, direct computations, scripts that reproduce the CSV, bad input."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import torch
from test_codegen import assert_same_numbers, run_script
from test_tools import read_csv

from tools import ToolError, attention_norms, attention_rollout, head_roles, layer_summary
from tools.analyses import math as am
from tools.core.value_hooks import _projections, capture_values

SENTENCE = "I love natural language processing!"
TOKENS = ["[CLS]", "i", "love", "natural", "language", "processing", "!", "[SEP]"]


def softmax_maps(*shape: int, causal: bool = False, seed: int = 0) -> torch.Tensor:
    """Random attention maps (*shape, n): the last size given is n, for both query and key."""
    logits = torch.randn(*shape, shape[-1], generator=torch.Generator().manual_seed(seed))
    if causal:
        n = shape[-1]
        logits = logits.masked_fill(torch.triu(torch.ones(n, n, dtype=torch.bool), diagonal=1), -math.inf)
    return logits.softmax(dim=-1)


# --- known answers on synthetic tensors -----------------------------------------------------------------


def test_rollout_of_identity_attention_is_identity():
    identity = torch.eye(6).expand(4, 3, 6, 6)  # (layers, heads, query, key)
    assert torch.allclose(am.rollout(identity), torch.eye(6))


def test_rollout_of_one_layer_is_the_renormalized_attention_plus_identity():
    maps = softmax_maps(1, 3, 5)
    expected = maps[0].mean(dim=0) + torch.eye(5)
    expected = expected / expected.sum(dim=-1, keepdim=True)
    assert torch.allclose(am.rollout(maps), expected, atol=1e-6)
    two = softmax_maps(2, 3, 5)
    assert torch.allclose(am.rollout(two, start_layer=1), am.rollout(two[1:]), atol=1e-6)


def test_rollout_of_causal_layers_stays_lower_triangular_with_rows_summing_to_one():
    rolled = am.rollout(softmax_maps(4, 2, 7, causal=True))
    assert torch.triu(rolled, diagonal=1).abs().max() == 0
    assert torch.allclose(rolled.sum(dim=-1), torch.ones(7), atol=1e-5)


def test_entropy_of_uniform_attention_is_log2_n():
    for n in (1, 2, 7, 64):
        assert torch.allclose(am.row_entropy_bits(torch.full((3, n), 1 / n)), torch.full((3,), math.log2(n)))
    assert torch.allclose(am.row_entropy_bits(torch.eye(4)), torch.zeros(4))


def _synthetic_heads(n: int = 8) -> torch.Tensor:
    """Layer 0: heads previous-token, self, sink on position 0, uniform (layers, heads, query, key)."""
    previous = torch.zeros(n, n)
    previous[0, 0] = 1
    previous[torch.arange(1, n), torch.arange(n - 1)] = 1
    sink = torch.zeros(n, n)
    sink[:, 0] = 1
    return torch.stack([previous, torch.eye(n), sink, torch.full((n, n), 1 / n)])[None]


def test_a_hand_built_previous_token_head_is_tagged_previous_token():
    maps = _synthetic_heads()
    sink = torch.zeros(8, dtype=torch.bool)
    sink[0] = True
    scores = am.head_role_scores(maps, sink, causal=False)
    assert scores["previous"][0, 0] == 1 and scores["self"][0, 1] == 1 and scores["sink"][0, 2] == 1
    assert torch.isclose(scores["broad"][0, 3], torch.tensor(1.0))
    roles = [role for role, _ in am.assign_roles(scores)[0]]
    assert roles == ["previous", "self", "sink", "broad"]


def test_a_head_below_every_threshold_is_mixed():
    half = 0.45 * torch.eye(6) + 0.45 * torch.diag(torch.ones(5), -1) + 0.1 / 6
    scores = am.head_role_scores(half[None, None], torch.zeros(6, dtype=torch.bool), causal=False)
    assert am.assign_roles(scores)[0][0][0] == "mixed"


def test_an_induction_head_that_rests_on_the_sink_is_tagged_induction():
    scores = {"previous": torch.tensor([[0.0]]), "sink": torch.tensor([[0.99]]), "self": torch.tensor([[0.0]]),
              "broad": torch.tensor([[0.1]]), "induction": torch.tensor([[0.84]])}
    assert am.assign_roles(scores) == [[("induction", 0.8399999737739563)]]


def test_induction_score_of_a_perfect_induction_head_is_one():
    offset, period = 1, am.INDUCTION_PERIOD
    n = offset + 2 * period
    maps = torch.zeros(1, 1, n, n)
    maps[0, 0, :, 0] = 1
    for p in range(offset + period, n):
        maps[0, 0, p] = 0
        maps[0, 0, p, p - period + 1] = 1
    assert am.induction_scores(maps, offset)[0, 0] == 1


def test_summed_norms_are_computed_in_chunks_without_changing_them(monkeypatch):
    attention = softmax_maps(4, 9)
    values, w_out = torch.randn(9, 2, 3), torch.randn(5, 12)
    whole = am.norm_contributions(attention, values, w_out)
    monkeypatch.setattr(am, "NORM_CHUNK_ELEMENTS", 1)  # one query row at a time
    assert torch.allclose(am.norm_contributions(attention, values, w_out).summed, whole.summed, atol=1e-6)


# --- the tools on real and tiny models --------------------------------------------------------------------


def test_rollout_tool_on_minilm(session):
    result = attention_rollout(text=SENTENCE)
    columns, rows, values = read_csv(result["artifacts"]["csv"])
    assert columns == rows == TOKENS
    assert np.allclose(values, am.rollout(session.latest.attentions).numpy(), atol=1e-5)
    assert result["rows_sum_to_one"] and result["layers_used"] == 6
    assert result["top_received"][0]["token"] == "[CLS]"
    assert attention_rollout(start_layer=-1)["layers_used"] == 1


def test_rollout_tool_on_a_decoder_is_lower_triangular(session, tiny_models):
    result = attention_rollout(text="the cat sat on the mat", model=str(tiny_models["llama"]))
    assert result["lower_triangular"] and result["max_weight_above_diagonal"] == 0.0


def _direct_norms(loaded, ids: list[int], layer: int, attention: torch.Tensor) -> torch.Tensor:
    """‖Σ_h α_hij f_h(x_j)‖ from the hidden states and the weights, materializing (heads, query, key, hidden)."""
    base = loaded.base_model
    with torch.no_grad():
        hidden = base(input_ids=torch.tensor([ids]), output_hidden_states=True).hidden_states[layer][0]
        if hasattr(base, "encoder"):
            block = base.encoder.layer[layer].attention
            value, out = block.self.value, block.output.dense
        else:
            block = base.layers[layer]
            hidden = block.input_layernorm(hidden)
            value, out = block.self_attn.v_proj, block.self_attn.o_proj
        v = hidden @ value.weight.T + (value.bias if value.bias is not None else 0)  # (key, kv_heads * head_dim)
        heads = attention.shape[0]
        head_dim = out.weight.shape[1] // heads
        v = v.reshape(len(ids), -1, head_dim)
        group = heads // v.shape[1]
        f = torch.stack([v[:, h // group] @ out.weight[:, h * head_dim:(h + 1) * head_dim].T for h in range(heads)])
        full = attention[:, :, :, None] * f[:, None, :, :]  # (heads, query, key, hidden)
        return full.sum(dim=0).norm(dim=-1)  # (query, key)


@pytest.mark.parametrize(("which", "layer"), [("bert", 1), ("llama", 2), ("llama", 0)])
def test_norms_equal_a_direct_computation_on_tiny_models(session, tiny_models, which, layer):
    result = attention_norms(layer=layer, text="the cat sat on the mat", model=str(tiny_models[which]))
    extraction = session.latest
    attention = extraction.attentions[layer]
    direct = _direct_norms(extraction.model, extraction.input_ids, layer, attention)
    captured = capture_values(extraction.model, extraction.input_ids, layer)
    norms = am.norm_contributions(attention, captured.values, captured.w_out)
    assert torch.allclose(norms.summed, direct, atol=1e-5, rtol=1e-4)
    per_head = attention * norms.value_norms[:, None, :]
    assert torch.allclose(norms.per_head, per_head)
    _, rows, values = read_csv(result["artifacts"]["csv"])
    count = extraction.seq_len
    assert rows[count].startswith("norm:")
    assert np.allclose(values[count:], (direct / direct.sum(dim=-1, keepdim=True)).numpy(), atol=1e-5)
    assert np.allclose(values[:count], attention.mean(dim=0).numpy(), atol=1e-5)


def test_norms_on_minilm_shrink_the_cls_sink(session):
    result = attention_norms(text=SENTENCE)
    cls = result["per_token"][0]
    assert cls["token"] == "[CLS]" and cls["norm_share"] < cls["raw_share"] / 3
    assert result["top_raw"][0]["token"] == "[CLS]" and result["top_norm"][0]["token"] != "[CLS]"
    extraction = session.latest
    direct = _direct_norms(extraction.model, extraction.input_ids, 5, extraction.attentions[5])
    _, _, values = read_csv(result["artifacts"]["csv"])
    assert np.allclose(values[8:], (direct / direct.sum(dim=-1, keepdim=True)).numpy(), atol=1e-5)


def test_layer_summary_series_match_the_attentions(session):
    result = layer_summary(query="love", key="[CLS]", text=SENTENCE)
    attentions = session.latest.attentions
    columns, rows, values = read_csv(result["artifacts"]["csv"])
    assert columns == [str(i) for i in range(6)]
    assert rows[:3] == ["sink share", "entropy mean of heads", "entropy head 0"] and rows[-1] == "love→[CLS]"
    sink = attentions[..., [0, 7]].sum(dim=-1).mean(dim=(1, 2))
    assert np.allclose(values[0], sink.numpy(), atol=1e-5)
    assert np.allclose(result["pair_per_layer"], attentions[:, :, 2, 0].mean(dim=1).numpy(), atol=1e-4)
    assert result["sink_tokens"] == ["[CLS]", "[SEP]"] and result["max_entropy_bits"] == 3.0
    assert all(0 <= e <= 3.0 for row in result["entropy_bits_per_layer_and_head"] for e in row)
    assert len(layer_summary()["sink_share_per_layer"]) == 6  # no pair: two panels, same text


def test_minilm_layer_0_head_2_is_a_previous_token_head(session):
    result = head_roles(text="The cat sat on the mat because it was tired.")
    tagged = {(item["layer"], item["head"]): item for item in result["heads"]}
    assert tagged[(0, 2)]["role"] == "previous" and tagged[(0, 2)]["score"] > 0.95
    assert result["strongest"]["previous"] == {"layer": 0, "head": 2, "score": tagged[(0, 2)]["score"]}
    assert "induction" not in result["thresholds"]  # an encoder gets no induction score
    assert sum(result["counts"].values()) == 72
    _, rows, values = read_csv(result["artifacts"]["csv"])
    assert rows[2] == "0:2" and values.shape == (72, 4)


def test_head_roles_of_a_decoder_include_induction(session, tiny_models):
    result = head_roles(text="the cat sat on the mat", model=str(tiny_models["llama"]))
    assert "induction" in result["thresholds"] and result["sink_tokens"] == ["[CLS]"]
    _, _, values = read_csv(result["artifacts"]["csv"])
    assert values.shape == (12, 5) and ((values >= 0) & (values <= 1 + 1e-6)).all()


# --- the scripts reproduce the CSV -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "make",
    [
        lambda models: attention_rollout(start_layer=2, text=SENTENCE),
        lambda models: attention_norms(layer=3, text=SENTENCE),
        lambda models: layer_summary(query="love", key=0, text=SENTENCE),
        lambda models: head_roles(text=SENTENCE),
        lambda models: attention_norms(layer=1, text="the cat sat", model=str(models["llama"])),
        lambda models: head_roles(text="the cat sat", model=str(models["llama"])),
        lambda models: layer_summary(text="the cat sat", model=str(models["bert"])),
    ],
    ids=["rollout", "norms", "layers", "roles", "norms-llama", "roles-llama", "layers-bert"],
)
def test_scripts_reproduce_the_csv(session, tmp_path: Path, tiny_models, make):
    result = make(tiny_models)
    assert 'attn_implementation="eager"' in result["code"]
    assert Path(result["artifacts"]["code"]).read_text(encoding="utf-8") == result["code"]
    for kind in ("png", "svg"):
        assert Path(result["artifacts"][kind]).stat().st_size > 1000
    assert_same_numbers(result["artifacts"]["csv"], run_script(result["code"], tmp_path / "run"))


# --- bad input ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: attention_rollout(start_layer=6, text=SENTENCE),
         "start_layer 6 is out of range: minilm has 6 layers (use 0..5, or -1 for the last)"),
        (lambda: attention_rollout(start_layer="0", text=SENTENCE), "start_layer must be an integer, not '0'"),
        (lambda: attention_norms(layer=9, text=SENTENCE), "layer 9 is out of range: minilm has 6 layers"),
        (lambda: layer_summary(query="love", text=SENTENCE), "give both query and key"),
        (lambda: layer_summary(query="love", key="banana", text=SENTENCE), "key token 'banana' is not in the text"),
        (lambda: layer_summary(query=8, key=0, text=SENTENCE), "query 8 is out of range"),
        (lambda: layer_summary(query=1.5, key=0, text=SENTENCE), "query must be a token position"),
        (lambda: head_roles(text=""), "the text is empty"),
        (lambda: head_roles(), "no text has been analysed yet"),
    ],
)
def test_bad_input_gets_a_clear_message(session, call, message):
    with pytest.raises(ToolError) as error:
        call()
    assert message in str(error.value)


def test_an_unsupported_architecture_names_the_supported_ones():
    with pytest.raises(ToolError, match="BERT-style encoders .* Llama/Gemma-style decoders"):
        _projections(torch.nn.Linear(2, 2), 0)


@pytest.mark.slow
def test_gemma_head_roles_and_norms(session):
    roles = head_roles(text="今日はカレーライスを食べました。")
    assert roles["model"] == "gemma-270m" and "induction" in roles["thresholds"]
    tagged = {(item["layer"], item["head"]): item["role"] for item in roles["heads"]}
    assert tagged[(5, 1)] == "induction"  # 0.84 on the repeated random sequence
    assert roles["sink_tokens"] == ["<bos>"]
    norms = attention_norms(layer=-1)
    assert abs(sum(item["norm_share"] for item in norms["per_token"]) - 1) < 1e-2
    rolled = attention_rollout()
    assert rolled["lower_triangular"]
