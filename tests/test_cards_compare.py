"""The card of compare_attention: it renders the tool's real comparison, of two texts or of two models."""

from __future__ import annotations

import re
from typing import Any

import pytest

from agent.answer import render_lines
from agent.cards import cards, check_card
from tools import compare_attention

CAT = "The cat sat on the mat."
CATS = "The cats sat on a mat."
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def answer(**arguments: Any) -> tuple[dict[str, Any], dict[str, str]]:
    """Run compare_attention for real and render its card's answer in English and Japanese."""
    result = compare_attention(**arguments)
    card = cards()["compare_attention"]
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


def test_card_sits_with_its_tool_and_matches_its_signature():
    card = cards()["compare_attention"]
    assert card.package == "tools.compare" and card.figure and card.follow_up
    assert card.needs_any == ("sentence_b", "model_b") and card.defaults == {"layer": -1}
    check_card(card, compare_attention)
    assert card.slots["text_b"] == "sentence_b" and card.slots["model_b"] == "model_b"
    assert JAPANESE.search(card.description["ja"]) and "\n" not in card.description["en"]


@pytest.mark.parametrize("language", ["en", "ja"])
def test_card_has_ten_distinct_examples_per_language(language):
    examples = cards()["compare_attention"].examples[language]
    assert len(examples) >= 10
    normalized = [" ".join(example.lower().split()) for example in examples]
    assert len(set(normalized)) == len(normalized)
    if language == "ja":
        assert all(JAPANESE.search(example) for example in examples)


def test_two_texts_answer_lists_the_unaligned_tokens_and_the_largest_changes(session):
    result, rendered = answer(text_a=CAT, text_b=CATS, layer=-1)
    assert result["only_in_a_tokens"] == [item["token"] for item in result["only_in_a"]]
    assert result["only_in_b_tokens"] == [item["token"] for item in result["only_in_b"]]
    assert result["only_in_a_tokens"] and result["head"] is None
    only_a = ", ".join(f"`{token}`" for token in result["only_in_a_tokens"])
    assert (
        "**Comparison** of two sentences under **minilm** (layer 5, mean over heads): "
        f"a = “{CAT}” (9 tokens), b = “{CATS}” "
        f"({len(result['b']['tokens'])} tokens). {result['aligned_count']} positions align; only in a: {only_a};"
    ) in rendered["en"]
    assert (
        "**比較**(**minilm**・層 5・ヘッド平均)" in rendered["ja"]
        and "、".join(f"`{token}`" for token in result["only_in_b_tokens"]) in rendered["ja"]
    )
    assert "(mean over heads;" in rendered["en"] and "(ヘッド平均。" in rendered["ja"]
    for change in result["largest_changes"][:3]:
        line = f"- `{change['query']}`→`{change['key']}` {change['a']:.4f} → {change['b']:.4f}"
        assert (
            f"{line} ({change['diff']:+.4f})" in rendered["en"] and f"{line}({change['diff']:+.4f})" in rendered["ja"]
        )
    assert rendered["en"].count("\n- `") == 3
    in_both(rendered, f"{result['mean_abs_diff']:.4f}", f"{result['max_abs_diff']:.4f}")


def test_identical_texts_under_one_head_have_nothing_unaligned(session):
    result, rendered = answer(text_a=CAT, text_b=CAT, layer=0, head=0)
    assert not result["only_in_a_tokens"] and not result["only_in_b_tokens"]
    assert result["head"] == 0
    assert "only in a: none; only in b: none." in rendered["en"] and "a だけにあるのは なし" in rendered["ja"]
    assert "(layer 0, head 0): a =" in rendered["en"] and "(head 0; both maps" in rendered["en"]
    assert "・層 0・ヘッド 0):a =" in rendered["ja"] and "(ヘッド 0。両方のマップ" in rendered["ja"]
    in_both(rendered, "+0.0000", f"{result['max_abs_diff']:.4f}")
    assert result["max_abs_diff"] == 0


def test_two_models_answer_names_both(session, tiny_models):
    other = str(tiny_models["bert"])
    result, rendered = answer(text_a=CAT, model="minilm", model_b=other, layer=-1)
    a, b = result["a"], result["b"]
    assert (
        f"**Comparison** of **minilm** (layer 5) and **{b['model']}** (layer {b['layer']}) on “{CAT}”: "
        f"{len(a['tokens'])} and {len(b['tokens'])} tokens, {result['aligned_count']} words align."
    ) in rendered["en"]
    assert f"「{CAT}」を **minilm**(層 5)と **{b['model']}**" in rendered["ja"]
    assert "two sentences" not in rendered["en"]
    in_both(rendered, f"{result['largest_changes'][0]['diff']:+.4f}")
