"""Model loading: embedded aliases, local directories, clear errors, one load per model."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from tools import ModelError
from tools.core.models import get_model


def test_minilm_loads_eager_with_its_real_dimensions():
    loaded = get_model("minilm")
    summary = loaded.summary()
    assert summary["attn_implementation"] == "eager"
    assert (summary["architecture"], summary["num_layers"], summary["num_heads"]) == ("encoder", 6, 12)
    assert loaded.model.config.hidden_size == 384
    assert summary["max_tokens"] == 512


def test_aliases_are_case_insensitive_and_loaded_once():
    assert get_model("MiniLM") is get_model("minilm")


def test_concurrent_loads_share_one_model(tiny_models):
    results: list[object] = []
    threads = [threading.Thread(target=lambda: results.append(get_model(str(tiny_models["bert"])))) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 4 and all(result is results[0] for result in results)


def test_local_directories_load_and_decoders_are_detected(tiny_models):
    bert = get_model(str(tiny_models["bert"]))
    llama = get_model(str(tiny_models["llama"]))
    assert (bert.architecture, bert.num_layers, bert.num_heads) == ("encoder", 2, 4)
    assert (llama.architecture, llama.num_layers, llama.num_heads) == ("decoder", 3, 4)
    assert llama.attn_implementation == "eager"


def test_unknown_hub_id_offline_names_it_and_lists_the_aliases():
    with pytest.raises(ModelError) as error:
        get_model("nobody/no-such-model")
    message = str(error.value)
    assert "nobody/no-such-model" in message and "offline" in message
    assert "minilm" in message and "gemma-270m" in message


def test_missing_local_path_is_a_clear_error(tmp_path: Path):
    with pytest.raises(ModelError, match="does not exist or is not a directory"):
        get_model(str(tmp_path / "absent"))


def test_a_directory_without_config_is_not_a_model(tmp_path: Path):
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(ModelError, match="has no config.json"):
        get_model(str(tmp_path))


@pytest.mark.parametrize("name", ["../../etc/passwd", "a b c", "http://example.com/x", "org/name/extra"])
def test_names_that_are_neither_alias_path_nor_hub_id_are_refused(name: str):
    with pytest.raises(ModelError):
        get_model(name)


def test_loading_never_trusts_remote_code(tiny_models, monkeypatch):
    import transformers

    seen: list[object] = []
    original = transformers.AutoConfig.from_pretrained

    def spy(*args, **kwargs):
        seen.append(kwargs.get("trust_remote_code"))
        return original(*args, **kwargs)

    monkeypatch.setattr(transformers.AutoConfig, "from_pretrained", spy)
    from tools.core import models

    for key in [key for key in models._cache if key[0] == str(tiny_models["bert"].resolve())]:
        models._cache.pop(key)  # loaded again, in every placement
    get_model(str(tiny_models["bert"]))
    assert seen and all(value is False for value in seen)


TOKENIZER_TEXTS = [
    "今日はカレーライスを食べました。明日はラーメンを食べようと思います。",
    "I love natural language processing!",
    "  leading, trailing  and  double  spaces  ",
    "tabs\tand\nnewlines\r\n",
    "emoji 🤖👍🏽 and a family 👨‍👩‍👧",
    "<bos> <eos> <pad> written as text",
    "control \x00\x07\x1b characters",
    "Ünïcödé façade naïve",
    "<start_of_turn>user\nhi<end_of_turn>",
    "数字 12345 ١٢٣ and code `x = y**2`",
    "a" * 3000,
    "",
]


@pytest.mark.slow
def test_gemmas_cached_tokenizer_matches_autotokenizer_exactly():
    """The cached gemma directory's tokenizer is read from tokenizer.json directly (1 s instead of 3):
    it must produce exactly what AutoTokenizer produces from the same directory."""
    from transformers import AutoTokenizer

    loaded = get_model("gemma-270m")
    reference = AutoTokenizer.from_pretrained(loaded.source)
    ours = loaded.tokenizer
    assert type(ours) is not type(reference)  # the fast path was taken
    for text in TOKENIZER_TEXTS:
        for options in ({}, {"truncation": True, "max_length": 16}, {"add_special_tokens": False}):
            expected = reference(text, return_offsets_mapping=True, return_special_tokens_mask=True, **options)
            got = ours(text, return_offsets_mapping=True, return_special_tokens_mask=True, **options)
            for key in ("input_ids", "attention_mask", "offset_mapping", "special_tokens_mask"):
                assert got[key] == expected[key], (text[:30], options, key)
            assert ours.convert_ids_to_tokens(got["input_ids"]) == reference.convert_ids_to_tokens(got["input_ids"])
            assert ours.decode(got["input_ids"]) == reference.decode(got["input_ids"])
    for attribute in (
        "all_special_ids",
        "all_special_tokens",
        "bos_token_id",
        "eos_token_id",
        "pad_token_id",
        "unk_token_id",
        "model_max_length",
        "padding_side",
        "truncation_side",
        "vocab_size",
    ):
        assert getattr(ours, attribute) == getattr(reference, attribute), attribute
    assert len(ours) == len(reference)


def test_a_directory_not_laid_out_as_we_wrote_it_falls_back_to_autotokenizer(tmp_path: Path):
    from tools.core.gguf_cache import converted_tokenizer

    (tmp_path / "tokenizer.json").write_text("{}")
    (tmp_path / "tokenizer_config.json").write_text("not json")
    assert converted_tokenizer(tmp_path) is None
