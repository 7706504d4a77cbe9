"""Attention during generation: each step's row equals the full forward pass's row, ragged cells stay
empty, the script reproduces the CSV, and every bad input gets its message."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
import torch
from test_codegen import run_script

from tools import LimitError, Session, ToolError, generation_attention, load_model, use_session
from tools.core.models import get_model
from tools.generation.engine import generate_with_attention

ENGLISH = "the cat sat on the"
JAPANESE = "今日はカレーライスを食べました。明日は"
PROMPTS = [ENGLISH, JAPANESE]


def read_ragged_csv(path: str) -> tuple[list[str], list[str], np.ndarray]:
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    values = np.array([[float(v) if v else np.nan for v in row[1:]] for row in rows[1:]])
    return rows[0][1:], [row[0] for row in rows[1:]], values


def full_pass_rows(loaded, prompt_ids: list[int], generated: list[int], layer: int) -> list[torch.Tensor]:
    """Row of generated token t in one forward pass over prompt + generated: query P + t - 1, keys < P + t."""
    ids = torch.tensor([prompt_ids + generated])
    with torch.inference_mode():
        outputs = loaded.model(input_ids=ids, output_attentions=True)
    attention = outputs.attentions[layer][0]  # (heads, query, key)
    start = len(prompt_ids)
    return [attention[:, start + t - 1, : start + t] for t in range(len(generated))]


# --- the engine against a single forward pass ---------------------------------------------------------


@pytest.mark.parametrize("prompt", PROMPTS)
@pytest.mark.parametrize("layer", [0, 2])
def test_each_steps_attention_equals_the_full_forward_pass(tiny_models, prompt: str, layer: int):
    loaded = get_model(str(tiny_models["llama"]))
    generation = generate_with_attention(loaded, prompt, 8, layer)
    assert len(generation.generated_ids) == 8 and generation.maps.shape[:2] == (8, 4)
    expected = full_pass_rows(loaded, generation.prompt_ids, generation.generated_ids, layer)
    prompt_len = len(generation.prompt_ids)
    for step, row in enumerate(expected):  # (heads, keys before generated token `step`)
        ours = generation.maps[step]  # (heads, key)
        assert torch.allclose(ours[:, : prompt_len + step], row, atol=1e-4)
        assert torch.isnan(ours[:, prompt_len + step :]).all()  # keys not written yet


def test_the_shapes_transformers_returns_per_step(tiny_models):
    generation = generate_with_attention(get_model(str(tiny_models["llama"])), ENGLISH, 4, -1 % 3)
    prompt_len = len(generation.prompt_ids)
    assert generation.step_shapes[0] == [1, 4, prompt_len, prompt_len]  # step 0: the whole prompt
    assert generation.step_shapes[1:] == [[1, 4, 1, prompt_len + t] for t in range(1, 4)]  # then one query


def test_greedy_generation_is_deterministic(session, tiny_models):
    model = str(tiny_models["llama"])
    first = generation_attention(JAPANESE, max_new_tokens=6, model=model)
    second = generation_attention(JAPANESE, max_new_tokens=6, model=model)
    assert first["generated_tokens"] == second["generated_tokens"] and first["steps"] == second["steps"]


# --- the tool's result and files -----------------------------------------------------------------------


@pytest.mark.parametrize("prompt", PROMPTS)
def test_result_fields_and_a_ragged_csv(session, tiny_models, prompt: str):
    result = generation_attention(prompt, max_new_tokens=5, layer=1, head=2, model=str(tiny_models["llama"]))
    prompt_len, generated = len(result["prompt_tokens"]), result["generated_tokens"]
    assert len(generated) == 5 and result["stopped"] == "max_new_tokens"
    assert result["layer"] == 1 and result["head"] == 2 and result["aggregation"] == "one head"
    assert result["shape"] == [5, prompt_len + 4] and result["architecture"] == "decoder"
    columns, rows, values = read_ragged_csv(result["artifacts"]["csv"])
    assert rows == generated and columns == result["prompt_tokens"] + generated[:-1]
    for step, info in enumerate(result["steps"]):
        assert info["keys"] == prompt_len + step and info["token"] == generated[step]
        assert (
            np.isfinite(values[step, : prompt_len + step]).all() and np.isnan(values[step, prompt_len + step :]).all()
        )
        assert np.isclose(values[step, : prompt_len + step].sum(), 1, atol=1e-4)  # a softmax row
        assert info["prompt_share"] + info["generated_share"] == pytest.approx(1, abs=2e-4)
        assert info["top"][0]["weight"] == pytest.approx(np.nanmax(values[step]), abs=1e-4)
    assert result["steps"][0]["query"] == result["prompt_tokens"][-1] and result["steps"][0]["generated_share"] == 0
    for kind in ("png", "svg", "csv", "code"):
        assert Path(result["artifacts"][kind]).is_file()
    assert "grey_cells" in [note["key"] for note in result["notes"]]


@pytest.mark.parametrize("prompt", PROMPTS)
def test_the_script_reproduces_the_csv(session, tiny_models, tmp_path: Path, prompt: str):
    result = generation_attention(prompt, max_new_tokens=4, head=None, model=str(tiny_models["llama"]))
    assert 'attn_implementation="eager"' in result["code"] and "output_attentions=True" in result["code"]
    ours = read_ragged_csv(result["artifacts"]["csv"])
    theirs = read_ragged_csv(str(run_script(result["code"], tmp_path / "run")))
    assert theirs[0] == ours[0] and theirs[1] == ours[1]
    assert np.allclose(theirs[2], ours[2], atol=1e-5, equal_nan=True)


def test_generation_stops_at_the_end_of_text_token(session, tiny_models, monkeypatch):
    model = str(tiny_models["llama"])
    first = generate_with_attention(get_model(model), ENGLISH, 3, 0).generated_ids
    config = get_model(model).model.generation_config
    monkeypatch.setattr(config, "eos_token_id", first[1])  # the second greedy token ends the text
    result = generation_attention(ENGLISH, max_new_tokens=10, model=model)
    assert result["stopped"] == "eos" and len(result["generated_tokens"]) == 2
    assert [note["values"] for note in result["notes"] if note["key"] == "stopped_at_eos"] == [{"count": 2}]


def test_progress_reports_every_generated_token(tiny_models, tmp_path: Path):
    reports: list[tuple[float, str]] = []
    with use_session(Session(artifacts_dir=tmp_path, progress=lambda f, m: reports.append((f, m)))):
        generation_attention(ENGLISH, max_new_tokens=3, model=str(tiny_models["llama"]))
    messages = [message for _, message in reports]
    assert [m for m in messages if m.startswith("generating")] == [
        f"generating: token {i} of at most 3" for i in (1, 2, 3)
    ]


def test_the_current_decoder_is_the_default(session, tiny_models):
    load_model(str(tiny_models["llama"]))
    result = generation_attention(ENGLISH, max_new_tokens=2)
    assert result["model"] == str(tiny_models["llama"])
    assert not any(note["key"] == "encoder_replaced" for note in result["notes"])
    assert session.model_name == str(tiny_models["llama"])  # generating does not change the current model


# --- bad input ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [0, 51, -3, "10", True, 2.5])
def test_max_new_tokens_out_of_range_is_refused(session, value):
    with pytest.raises(ToolError, match=r"max_new_tokens must be an integer from 1 to 50, not "):
        generation_attention(ENGLISH, max_new_tokens=value)


@pytest.mark.parametrize("model", ["minilm", "tiny-bert"])
def test_an_encoder_is_refused_naming_gemma(session, tiny_models, model: str):
    name = str(tiny_models["bert"]) if model == "tiny-bert" else model
    with pytest.raises(ToolError) as error:
        generation_attention(ENGLISH, model=name)
    message = str(error.value)
    assert "is an encoder" in message and "cannot generate" in message and "model='gemma-270m'" in message


@pytest.mark.parametrize("prompt", ["", "   ", None])
def test_an_empty_prompt_is_refused(session, prompt):
    with pytest.raises(ToolError, match="prompt must be a non-empty text"):
        generation_attention(prompt)  # type: ignore[arg-type]


def test_layer_and_head_out_of_range(session, tiny_models):
    model = str(tiny_models["llama"])
    with pytest.raises(ToolError, match=r"layer 3 is out of range: .* has 3 layers \(use 0..2"):
        generation_attention(ENGLISH, layer=3, model=model)
    with pytest.raises(ToolError, match=r"head 4 is out of range: .* has 4 heads"):
        generation_attention(ENGLISH, head=4, model=model)


def test_limits_prompt_length_positions_and_memory(tiny_models, tmp_path: Path):
    model = str(tiny_models["llama"])
    with use_session(Session(artifacts_dir=tmp_path, max_tokens=4)), pytest.raises(LimitError, match="at most 4"):
        generation_attention(ENGLISH, model=model)
    long_prompt = "the cat sat on the mat " * 9  # ~56 tokens; the tiny model has 64 positions
    with use_session(Session(artifacts_dir=tmp_path)), pytest.raises(LimitError, match="exceed the 64 positions"):
        generation_attention(long_prompt, max_new_tokens=20, model=model)
    with use_session(Session(artifacts_dir=tmp_path, max_attention_mb=0.01)):
        with pytest.raises(LimitError, match="would hold about .* MB of attention weights"):
            generation_attention(long_prompt, max_new_tokens=2, model=model)


# --- gemma-270m ------------------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("prompt", [JAPANESE, "The capital of France is"])
def test_gemma_steps_equal_the_full_forward_pass(prompt: str):
    loaded = get_model("gemma-270m")
    for layer in (0, 5, 17):  # 5 is a sliding-window layer, 17 a global one
        generation = generate_with_attention(loaded, prompt, 10, layer)
        expected = full_pass_rows(loaded, generation.prompt_ids, generation.generated_ids, layer)
        prompt_len = len(generation.prompt_ids)
        for step, row in enumerate(expected):
            assert torch.allclose(generation.maps[step, :, : prompt_len + step], row, atol=1e-4)


@pytest.mark.slow
def test_gemma_is_the_default_when_the_current_model_is_an_encoder(session, tmp_path: Path):
    assert session.model_name == "minilm"
    result = generation_attention(JAPANESE, max_new_tokens=6)
    assert result["model"] == "gemma-270m" and result["prompt_tokens"][0] == "<bos>"
    assert {"model": "minilm", "used": "gemma-270m"} \
        in [note["values"] for note in result["notes"] if note["key"] == "encoder_replaced"]
    assert result["shape"][1] == len(result["prompt_tokens"]) + len(result["generated_tokens"]) - 1
    theirs = read_ragged_csv(str(run_script(result["code"], tmp_path / "run")))
    ours = read_ragged_csv(result["artifacts"]["csv"])
    assert theirs[:2] == ours[:2] and np.allclose(theirs[2], ours[2], atol=1e-5, equal_nan=True)


@pytest.mark.slow
def test_gemma_sliding_window_steps_see_only_the_newest_keys_and_still_equal_the_full_pass(tmp_path: Path):
    loaded = get_model("gemma-270m")
    prompt = "The cat sat on the mat and looked at the dog. " * 50  # 602 tokens: past the 512-token window
    generation = generate_with_attention(loaded, prompt, 4, 0, max_tokens=1024)
    prompt_len = len(generation.prompt_ids)
    assert generation.sliding_window == 512 and generation.step_shapes[1] == [1, 4, 1, 512]
    expected = full_pass_rows(loaded, generation.prompt_ids, generation.generated_ids, 0)
    for step, row in enumerate(expected):
        assert torch.allclose(generation.maps[step, :, : prompt_len + step], row, atol=1e-4)
    with use_session(Session(artifacts_dir=tmp_path, max_tokens=1024)):
        result = generation_attention(prompt, max_new_tokens=2, layer=0, model="gemma-270m")
    assert [n["values"] for n in result["notes"] if n["key"] == "sliding_window"] == [{"layer": 0, "window": 512}]
