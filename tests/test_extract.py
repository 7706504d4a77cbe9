"""Extraction equals a direct transformers computation, and its checks and warnings are real."""

from __future__ import annotations

import pytest
import torch
from tiny_models import minilm_dir
from transformers import AutoModel, AutoTokenizer

from tools import LimitError, ToolError
from tools.core.extract import extract
from tools.core.models import get_model

SENTENCE = "I love natural language processing!"


def test_minilm_tokens_are_the_articles_tokens():
    result = extract(get_model("minilm"), SENTENCE)
    assert result.tokens == ["[CLS]", "i", "love", "natural", "language", "processing", "!", "[SEP]"]
    assert result.special == [True, False, False, False, False, False, False, True]
    assert result.layer_shape == [1, 12, 8, 8]
    assert result.attentions.shape == (6, 12, 8, 8)


def test_mean_over_heads_equals_the_direct_transformers_computation():
    tokenizer = AutoTokenizer.from_pretrained(minilm_dir())
    model = AutoModel.from_pretrained(minilm_dir(), attn_implementation="eager")
    inputs = tokenizer(SENTENCE, return_tensors="pt")
    with torch.no_grad():
        outputs = model(**inputs, output_attentions=True)
    direct = torch.mean(outputs.attentions[-1], dim=1)[0]
    ours = extract(get_model("minilm"), SENTENCE).attentions[-1].mean(dim=0)
    assert torch.allclose(ours, direct, atol=1e-5)
    every_layer = torch.stack(outputs.attentions)[:, 0]
    assert torch.allclose(extract(get_model("minilm"), SENTENCE).attentions, every_layer, atol=1e-5)


def test_checks_report_rows_that_sum_to_one_and_no_causal_mask_for_bert():
    checks = extract(get_model("minilm"), SENTENCE).checks()
    assert checks["rows_sum_to_one"] and checks["max_row_sum_error"] < 1e-4
    assert checks["causal_mask"] is False and checks["expected_causal"] is False


def test_a_decoder_has_a_causal_mask(tiny_models):
    result = extract(get_model(str(tiny_models["llama"])), "the cat sat on the mat")
    checks = result.checks()
    assert checks["causal_mask"] and checks["expected_causal"] and checks["rows_sum_to_one"]
    upper = torch.triu(torch.ones(result.seq_len, result.seq_len, dtype=torch.bool), diagonal=1)
    assert result.attentions[..., upper].abs().max() == 0
    assert torch.allclose(result.attentions[:, :, 0, 0], torch.ones(3, 4))  # the first token sees only itself


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_empty_text_is_a_clear_error(text: str):
    with pytest.raises(ToolError, match="the text is empty"):
        extract(get_model("minilm"), text)


def test_long_text_is_truncated_with_a_warning():
    text = "word " * 700
    result = extract(get_model("minilm"), text)
    assert result.seq_len == 512 and result.truncated
    assert {"key": "truncated", "values": {"tokens": 702, "limit": 512}} \
        in [{"key": warning["key"], "values": warning["values"]} for warning in result.warnings]


def test_a_lower_limit_truncates_earlier():
    result = extract(get_model("minilm"), "one two three four five six seven", max_tokens=5)
    assert result.seq_len == 5 and result.tokens[-1] == "[SEP]"


def test_absurdly_long_text_is_refused_before_tokenizing():
    with pytest.raises(LimitError, match="characters"):
        extract(get_model("minilm"), "x" * 100_000)


def test_warnings_logged_by_transformers_during_the_pass_are_captured(monkeypatch):
    import logging

    loaded = get_model("minilm")
    original = loaded.base_model.forward

    def noisy_forward(*args, **kwargs):
        logging.getLogger("transformers.modeling_utils").warning("a warning from inside the model")
        return original(*args, **kwargs)

    monkeypatch.setattr(loaded.base_model, "forward", noisy_forward)
    result = extract(loaded, SENTENCE)
    assert {"key": "library_warning", "values": {"message": "a warning from inside the model"}} \
        in [{"key": warning["key"], "values": warning["values"]} for warning in result.warnings]


def test_emoji_and_mixed_scripts_get_labels(tiny_models):
    result = extract(get_model("minilm"), "I ❤️ NLP, très bien!")
    assert all(label for label in result.tokens)
    assert result.tokens[0] == "[CLS]" and result.tokens[-1] == "[SEP]"


def test_control_characters_are_analysed_not_fatal():
    result = extract(get_model("minilm"), "tab\there\x00 bell\x07 and\x1b escape")
    assert result.tokens[0] == "[CLS]" and all(label for label in result.tokens)
    assert result.checks()["rows_sum_to_one"]
