"""gemma-270m: Japanese tokens, a causal mask, and a conversion cached once (slow: ~80 s on first use)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from tools import extract_attention, plot_heatmap
from tools.core.gguf_cache import convert_gguf
from tools.core.models import _from_pretrained, get_model

pytestmark = pytest.mark.slow

CURRY = "今日はカレーライスを食べました。"
BOTH = "今日はカレーライスを食べました。明日はラーメンを食べようと思います。"


def test_japanese_tokens_are_readable_pieces(session):
    result = extract_attention(BOTH, model="gemma-270m")
    assert result["tokens"] == ["<bos>", "今日は", "カレー", "ライス", "を食べ", "ました", "。", "明", "日は",
                                "ラーメン", "を食べ", "よう", "と思います", "。"]
    assert result["special"][0] and not any(result["special"][1:])
    assert result["shape"] == [1, 4, 14, 14] and result["num_tensors"] == 18


def test_attention_is_lower_triangular_and_rows_sum_to_one(session):
    extract_attention(CURRY, model="gemma-270m")
    attentions = session.latest.attentions  # (layers, heads, query, key)
    upper = torch.triu(torch.ones(7, 7, dtype=torch.bool), diagonal=1)
    assert attentions[..., upper].abs().max() == 0
    assert torch.allclose(attentions.sum(dim=-1), torch.ones(18, 4, 7), atol=1e-4)
    assert session.latest.checks()["causal_mask"]


def test_japanese_text_picks_gemma_by_itself_and_says_so(session):
    result = plot_heatmap(text=CURRY, annotate=True)
    assert result["model"] == "gemma-270m"
    assert any(note["key"] == "japanese_with_gemma" and note["values"] == {"model": "gemma-270m", "current": "minilm"}
               for note in result["notes"])
    assert result["plotted_tokens"][1:4] == ["今日は", "カレー", "ライス"]


def test_analysing_japanese_with_gemma_leaves_minilm_the_current_model(session):
    plot_heatmap(text=CURRY)  # gemma stands in for this text only
    assert session.model_name == "minilm"
    assert extract_attention("I love tea")["model"] == "minilm"


def test_the_code_script_reproduces_gemmas_numbers(session, tmp_path: Path):
    from test_codegen import assert_same_numbers, run_script

    result = plot_heatmap(text=CURRY, model="gemma-270m", layer=3, head=1)
    assert "import matplotlib_fontja" in result["code"]
    assert_same_numbers(result["artifacts"]["csv"], run_script(result["code"], tmp_path / "run"))


def test_our_attention_equals_a_direct_computation_on_the_cached_model(session):
    loaded = get_model("gemma-270m")
    inputs = loaded.tokenizer(CURRY, return_tensors="pt")
    with torch.no_grad():
        outputs = loaded.model(**inputs, output_attentions=True)
    direct = torch.mean(outputs.attentions[-1], dim=1)[0]
    extract_attention(CURRY, model="gemma-270m")
    assert np.allclose(session.latest.attentions[-1].mean(dim=0).numpy(), direct.numpy(), atol=1e-5)


def test_conversion_is_atomic_and_the_cached_load_is_much_faster(tmp_path: Path):
    seen: list[str] = []
    started = time.perf_counter()
    target = convert_gguf("gemma-270m", tmp_path / "gemma-270m", lambda fraction, message: seen.append(message))
    converting = time.perf_counter() - started
    assert (target / "config.json").is_file() and (target / "model.safetensors").is_file()
    assert [p.name for p in tmp_path.iterdir()] == ["gemma-270m"]  # no temporary directory left behind
    assert any("tokenizer" in m for m in seen) and any("dequantizing" in m for m in seen)
    # the cached load, in a fresh process so nothing is reused from this one
    code = ("import time; from tools.core.models import _from_pretrained; t = time.perf_counter(); "
            f"_from_pretrained('gemma-270m', {str(target)!r}); print(time.perf_counter() - t)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    cached = float(done.stdout.strip().splitlines()[-1])
    print(f"conversion {converting:.1f} s, cached load {cached:.1f} s")
    assert cached * 5 < converting  # ~5 s against ~70 s here
    model, _ = _from_pretrained("gemma-270m", str(target))
    assert model.config._attn_implementation == "eager"


def test_an_interrupted_conversion_leaves_no_cache_behind(tmp_path: Path, monkeypatch):
    import transformers

    def broken(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(transformers.AutoModelForCausalLM, "from_pretrained", broken)
    with pytest.raises(KeyboardInterrupt):
        convert_gguf("gemma-270m", tmp_path / "gemma-270m")
    assert list(tmp_path.iterdir()) == []
