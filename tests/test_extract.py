"""Extraction equals a direct transformers computation, and its checks and warnings are real."""

from __future__ import annotations

import logging
import sys
import threading
import warnings

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


def library_notes(result) -> list[str]:
    return [note["values"]["message"] for note in result.warnings if note["key"] == "library_warning"]


def test_warnings_of_other_threads_during_the_pass_are_not_captured(monkeypatch):
    """Another session, Gradio's queue or pandas warning while this pass runs: none of it is this learner's."""
    loaded = get_model("minilm")
    original = loaded.base_model.forward

    def another_thread_warns() -> None:
        warnings.warn_explicit("another session's torch warning", UserWarning, torch.__file__, 1)
        warnings.warn("The dtype keyword is deprecated and will be removed", FutureWarning, stacklevel=1)
        logging.getLogger("transformers.modeling_utils").warning("another session's transformers warning")

    def forward_while_another_thread_warns(*args, **kwargs):
        thread = threading.Thread(target=another_thread_warns)
        thread.start()
        thread.join()
        return original(*args, **kwargs)

    monkeypatch.setattr(loaded.base_model, "forward", forward_while_another_thread_warns)
    with warnings.catch_warnings(record=True):  # what the other thread says goes where it always went
        warnings.simplefilter("always")
        assert library_notes(extract(loaded, SENTENCE)) == []


def test_this_passes_torch_and_transformers_warnings_are_captured_and_deprecations_are_not(monkeypatch):
    loaded = get_model("minilm")
    original = loaded.base_model.forward
    inside_transformers = sys.modules[type(loaded.base_model).__module__].__file__

    def noisy_forward(*args, **kwargs):
        warnings.warn_explicit("a warning from inside the model", UserWarning, inside_transformers, 1)
        warnings.warn_explicit("a torch warning", UserWarning, torch.__file__, 2)
        warnings.warn_explicit("`foo` will change in v6", FutureWarning, inside_transformers, 3)
        warnings.warn_explicit("`bar` is deprecated", DeprecationWarning, inside_transformers, 4)
        warnings.warn_explicit("not a library's warning", UserWarning, __file__, 5)
        logging.getLogger("transformers.modeling_utils").warning("`baz` is deprecated, use `qux` instead")
        return original(*args, **kwargs)

    monkeypatch.setattr(loaded.base_model, "forward", noisy_forward)
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        assert library_notes(extract(loaded, SENTENCE)) == ["a warning from inside the model", "a torch warning"]


def test_the_capture_leaves_the_warnings_machinery_as_it_found_it():
    before = (warnings.showwarning, list(warnings.filters))
    extract(get_model("minilm"), SENTENCE)
    assert (warnings.showwarning, list(warnings.filters)) == before


def test_emoji_and_mixed_scripts_get_labels(tiny_models):
    result = extract(get_model("minilm"), "I ❤️ NLP, très bien!")
    assert all(label for label in result.tokens)
    assert result.tokens[0] == "[CLS]" and result.tokens[-1] == "[SEP]"


def test_control_characters_are_analysed_not_fatal():
    result = extract(get_model("minilm"), "tab\there\x00 bell\x07 and\x1b escape")
    assert result.tokens[0] == "[CLS]" and all(label for label in result.tokens)
    assert result.checks()["rows_sum_to_one"]
