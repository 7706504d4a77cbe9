"""The card of generation_attention: it renders the tool's real generation, step by step, in both languages."""

from __future__ import annotations

import re
from typing import Any

import pytest

from agent.answer import TERMS, render_lines
from agent.cards import cards, check_card
from tools import generation_attention

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def answer(**arguments: Any) -> tuple[dict[str, Any], dict[str, str]]:
    """Run generation_attention for real and render its card's answer in English and Japanese."""
    result = generation_attention(**arguments)
    card = cards()["generation_attention"]
    rendered = {
        language: "\n".join(render_lines(card.answer, result, arguments, language)) for language in ("en", "ja")
    }
    assert JAPANESE.search(rendered["ja"]), rendered["ja"]
    assert "None" not in rendered["en"] + rendered["ja"], rendered
    return result, rendered


def assert_steps_rendered(result: dict[str, Any], rendered: dict[str, str]) -> None:
    for step in result["steps"][:10]:
        top = step["top"][0]
        for language, text in rendered.items():
            assert f"`{top['token']}` {top['weight']:.4f}" in text, (language, text)
            assert f"{step['prompt_share']:.4f}" in text and f"{step['generated_share']:.4f}" in text
        assert f"- `{step['token']}` (predicted from `{step['query']}`, {step['keys']} keys): " in rendered["en"]
    assert rendered["en"].count("\n- `") == min(len(result["steps"]), 10)
    english, japanese = TERMS[result["stop_reason"]]
    assert f"stopping at {english}." in rendered["en"] and f"{japanese}で止まりました" in rendered["ja"]
    for text in rendered.values():
        assert f"{result['mean_prompt_share']:.4f}" in text


def test_card_sits_with_its_tool_and_matches_its_signature():
    card = cards()["generation_attention"]
    assert card.package == "tools.generation" and card.figure and card.follow_up
    check_card(card, generation_attention)
    assert card.slots["prompt"] == "sentence" and card.slots["max_new_tokens"] == "new_tokens"
    assert card.defaults == {"layer": -1}
    assert JAPANESE.search(card.description["ja"]) and "\n" not in card.description["en"]


@pytest.mark.parametrize("language", ["en", "ja"])
def test_card_has_ten_distinct_examples_per_language(language):
    examples = cards()["generation_attention"].examples[language]
    assert len(examples) >= 10
    normalized = [" ".join(example.lower().split()) for example in examples]
    assert len(set(normalized)) == len(normalized)
    if language == "ja":
        assert all(JAPANESE.search(example) for example in examples)


def test_answer_of_a_tiny_decoder_walks_every_step(session, tiny_models):
    result, rendered = answer(
        prompt="the cat sat on the", max_new_tokens=4, layer=1, head=2, model=str(tiny_models["llama"])
    )
    assert result["head"] == 2
    assert result["stop_reason"] == ("eos" if result["stopped"] == "eos" else "length")
    assert (
        f"(layer 1, head 2), greedy decoding: the prompt “the cat sat on the” ({len(result['prompt_tokens'])} tokens)"
        f" continued with {len(result['steps'])} tokens" in rendered["en"]
    )
    assert "・層 1・ヘッド 2、貪欲法" in rendered["ja"]
    assert_steps_rendered(result, rendered)


@pytest.mark.slow
def test_answer_of_gemma_continuing_a_prompt(session):
    result, rendered = answer(prompt="Once upon a time", max_new_tokens=12, layer=-1)
    assert result["model"] == "gemma-270m" and result["head"] is None
    assert f"**Generation** with **gemma-270m** (layer {result['layer']}, mean over heads)" in rendered["en"]
    assert "ヘッド平均、貪欲法" in rendered["ja"] and "「Once upon a time」" in rendered["ja"]
    assert_steps_rendered(result, rendered)


@pytest.mark.slow
def test_answer_of_gemma_in_japanese_for_one_head(session):
    result, rendered = answer(prompt="日本の首都は", max_new_tokens=3, layer=2, head=1, model="gemma-270m")
    assert "(layer 2, head 1)" in rendered["en"] and "・層 2・ヘッド 1、貪欲法" in rendered["ja"]
    assert_steps_rendered(result, rendered)
