"""The cards of the basic tools, the views and explain_reduction render their tools' real results in both languages."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from agent.answer import render_lines
from agent.cards import cards, check_card
from tools import (
    Session,
    explain_reduction,
    extract_attention,
    inspect_attention,
    list_models,
    load_model,
    plot_heads,
    plot_heatmap,
    plot_line,
    use_session,
)

SENTENCE = "I love natural language processing!"
LONG = " ".join(["The cat sat on the mat and looked at the dog."] * 4)  # over 32 tokens
LANGUAGES = ("en", "ja")
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")

TOOLS: dict[str, tuple[str, Callable[..., Any]]] = {
    "list_models": ("basics", list_models),
    "load_model": ("basics", load_model),
    "extract_attention": ("basics", extract_attention),
    "inspect_attention": ("basics", inspect_attention),
    "plot_heatmap": ("views", plot_heatmap),
    "plot_line": ("views", plot_line),
    "plot_heads": ("views", plot_heads),
    "explain_reduction": ("explain", explain_reduction),
}


def answer(name: str, **arguments: Any) -> tuple[dict[str, Any], dict[str, str]]:
    """Run a tool for real and render its card's answer in English and Japanese."""
    result = TOOLS[name][1](**arguments)
    card = cards()[name]
    rendered = {language: "\n".join(render_lines(card.answer, result, arguments, language)) for language in LANGUAGES}
    assert JAPANESE.search(rendered["ja"]), rendered["ja"]
    assert "None" not in rendered["en"] + rendered["ja"], rendered
    return result, rendered


def in_both(rendered: dict[str, str], *pieces: str) -> None:
    for language, text in rendered.items():
        for piece in pieces:
            assert piece in text, (language, piece, text)


@pytest.mark.parametrize("name", TOOLS)
def test_card_sits_with_its_tool_and_matches_its_signature(name):
    family, function = TOOLS[name]
    card = cards()[name]
    assert card.package == f"tools.{family}"
    check_card(card, function)
    assert set(card.description) == {"en", "ja"} and all("\n" not in line for line in card.description.values())
    assert JAPANESE.search(card.description["ja"])


def test_the_views_a_card_points_at_are_cards() -> None:
    """`outranks` and `alone` name other tools by their cards; a renamed tool must not leave them pointing at
    nothing (the planner would silently skip the rule)."""
    every = cards()
    for card in every.values():
        assert set(card.outranks) <= set(every), card.tool
        assert card.alone is None or card.alone in every and every[card.alone].figure, card.tool
    assert any(card.alone for card in every.values()) and any(card.panels == "head" for card in every.values())


@pytest.mark.parametrize("name", TOOLS)
@pytest.mark.parametrize("language", ["en", "ja"])
def test_card_has_ten_distinct_examples_per_language(name, language):
    examples = cards()[name].examples[language]
    assert len(examples) >= 10
    normalized = [" ".join(example.lower().split()) for example in examples]
    assert len(set(normalized)) == len(normalized)
    if language == "ja":
        assert all(JAPANESE.search(example) for example in examples)


# --- the views ------------------------------------------------------------------------------------------


def test_heatmap_answer_cites_the_view_and_the_top_tokens(session):
    result, rendered = answer("plot_heatmap", text=SENTENCE, layer=-1)
    top = result["top_received"][0]
    in_both(rendered, f"`{top['token']}` {top['weight']:.4f}", "`[CLS]` `i` `love`", "[1, 12, 8, 8]")
    assert "layer 5 (= -1), mean of 12 heads" in rendered["en"] and "層 5 (= -1)・12 ヘッドの平均" in rendered["ja"]
    assert "renormalized" not in rendered["en"] and "Word level" not in rendered["en"]


def test_heatmap_answer_says_what_the_options_did(session):
    result, rendered = answer("plot_heatmap", text=SENTENCE, layer=2, head=3, annotate=True, exclude_special=True)
    assert "layer 2, head 3" in rendered["en"] and "Each cell shows its weight" in rendered["en"]
    assert "renormalized" in rendered["en"] and "正規化し直して" in rendered["ja"]
    in_both(rendered, f"{result['top_received'][0]['weight']:.4f}")


def test_word_level_answer_lists_the_merged_words(session):
    result, rendered = answer("plot_heatmap", text="Tokenization is unbelievably fun", words=True)
    merged = result["merged_words"]
    assert merged and not result["every_token_a_word"]
    in_both(rendered, f"`{merged[0]['word']}` = `{merged[0]['pieces'][0]}`")
    assert f"Word level: {len(merged)} word(s)" in rendered["en"] and f"単語単位: {len(merged)} 語" in rendered["ja"]
    _, plain = answer("plot_heatmap", text="The cat sat", words=True)
    assert "already a whole word" in plain["en"] and "すでに一語" in plain["ja"]


def test_line_answer_names_the_query_and_its_position(session):
    result, rendered = answer("plot_line", text=SENTENCE, query="love", layer=-1)
    assert result["query_position"] == 2 and result["query_token"] == "love"
    top = result["top"][0]
    in_both(rendered, "love", "2", f"`{top['token']}` {top['weight']:.4f}")
    assert "of where “love” (position 2) looks" in rendered["en"] and "「love」(位置 2)" in rendered["ja"]


def test_line_answer_without_query_is_the_attention_received(session):
    result, rendered = answer("plot_line", text=SENTENCE)
    assert result["query_position"] is None and result["query_token"] is None
    assert "each token receives" in rendered["en"] and "各トークンが受ける注目" in rendered["ja"]
    in_both(rendered, f"{result['top'][0]['weight']:.4f}")


def test_line_answer_without_special_tokens(session):
    result, rendered = answer("plot_line", text=SENTENCE, query="love", exclude_special=True)
    assert result["query_position"] == 1 and "[CLS]" not in result["plotted_tokens"]
    assert "renormalized" in rendered["en"] and "(position 1)" in rendered["en"]


def test_heads_answer_names_the_most_and_least_self_attentive_heads(session):
    result, rendered = answer("plot_heads", text=SENTENCE, layer=-1)
    diagonal = result["self_attention_per_head"]
    assert result["most_self_attention"] == max(diagonal) and result["least_self_attention"] == min(diagonal)
    assert diagonal[result["most_self_attention_head"]] == max(diagonal)
    assert diagonal[result["least_self_attention_head"]] == min(diagonal)
    in_both(rendered, f"({max(diagonal):.4f})", f"({min(diagonal):.4f})")
    assert f"highest in head {result['most_self_attention_head']} ({max(diagonal):.4f})" in rendered["en"]
    assert f"ヘッド {result['most_self_attention_head']}({max(diagonal):.4f})" in rendered["ja"]
    assert "**層 5 の全 12 ヘッド**" in rendered["ja"]


# --- the basics -----------------------------------------------------------------------------------------


def test_inspect_answer_gives_row_sums_and_top_keys(session):
    result, rendered = answer("inspect_attention", text=SENTENCE, layer=1, head=0)
    assert result["rows_sum_to_one"]
    assert result["row_sum_min"] == min(result["row_sums"]) and result["row_sum_max"] == max(result["row_sums"])
    top = result["top_per_query"][2]["top"][0]
    in_both(rendered, f"{result['row_sum_min']:.4f}", f"- `love` → `{top['key']}` {top['weight']:.4f}")
    assert "Every row sums to 1" in rendered["en"] and "layer 1, head 0" in rendered["en"]
    assert rendered["en"].count("\n- `") == 8  # 8 queries, each on its own line


def test_inspect_answer_of_a_long_text_lists_ten_queries_and_omits_the_matrix(session):
    result, rendered = answer("inspect_attention", text=LONG)
    count = len(result["tokens"])
    assert "matrix_omitted" in result and count > 32
    assert rendered["en"].count("\n- `") == 10
    assert f"left out ({count} tokens)" in rendered["en"] and f"{count} トークンあるため" in rendered["ja"]


def test_extract_answer_gives_the_layout_and_the_checks(session):
    result, rendered = answer("extract_attention", text=SENTENCE)
    assert result["rows_sum_to_one"] and not result["expected_causal"]
    assert not result["causal_mask_holds"] and not result["causal_mask_broken"]
    in_both(rendered, "[1, 12, 8, 8]", "`eager`", f"{result['checks']['max_row_sum_error']:.1e}")
    assert "tuple of 6 tensors" in rendered["en"] and "No causal mask" in rendered["en"]
    assert "因果マスクはありません" in rendered["ja"]


@pytest.mark.slow
def test_extract_answer_of_a_causal_model_confirms_the_mask(session):
    result, rendered = answer("extract_attention", text="Once upon a time", model="gemma-270m")
    assert result["expected_causal"] and result["causal_mask_holds"]
    assert "every weight above the diagonal is 0" in rendered["en"]
    assert "後ろのトークンは見えていません" in rendered["ja"]


def test_list_models_answer_describes_every_embedded_model(session):
    result, rendered = answer("list_models")
    for spec in result["embedded"]:
        in_both(rendered, f"**{spec['alias']}**", f"`{spec['hf_id']}`", f"{spec['num_layers']}", f"{spec['num_heads']}")
        assert spec["note"] in rendered["en"] and spec["note_ja"] in rendered["ja"]
    for slow in result["slow_first_loads"]:
        assert f"about {slow['first_load_seconds']} s" in rendered["en"]
    assert [s["alias"] for s in result["slow_first_loads"]] == [
        s["alias"] for s in result["embedded"] if s["first_load"] != "fast"
    ]
    assert result["loaded_models"] == [s["alias"] for s in result["embedded"] if s["loaded"]]
    in_both(rendered, f"**{result['current']}**")


def test_list_models_answer_warns_of_a_slow_first_load(tmp_path):
    with use_session(Session(artifacts_dir=tmp_path / "artifacts", cache_dir=tmp_path / "empty-cache")):
        result, rendered = answer("list_models")
    seconds = result["slow_first_loads"][0]["first_load_seconds"]
    assert result["slow_first_loads"][0]["alias"] == "gemma-270m"
    assert f"The first load of **gemma-270m** is slow: it is converted once, in about {seconds} s." in rendered["en"]
    assert f"約 {seconds} 秒" in rendered["ja"]


def test_load_model_answer_gives_the_model_and_the_time(session):
    result, rendered = answer("load_model", model="minilm")
    in_both(rendered, "**minilm**", "6", "12", "`eager`", f"{result['load_seconds']}")
    assert "encoder, BERT-style" in rendered["en"] and "エンコーダ、BERT系" in rendered["ja"]


# --- explain_reduction ----------------------------------------------------------------------------------


def test_explain_answer_walks_every_step_with_its_shape(session):
    expression = "torch.mean(outputs.attentions[-1], dim=1)[0].detach().numpy()"
    result, rendered = answer("explain_reduction", expression=expression, text=SENTENCE)
    for number, step in enumerate(result["steps"], start=1):
        assert step["number"] == number
        before = f"{step['shape_before']} " if step["shape_before"] is not None else ""
        assert f"{number}. `{step['expression']}` {before}→ {step['shape_after']}" in rendered["en"]
        assert step["explanation_en"] in rendered["en"] and step["explanation_ja"] in rendered["ja"]
    in_both(rendered, "[8, 8]")
    assert "The result has shape [8, 8]." in rendered["en"] and "single number" not in rendered["en"]


def test_explain_answer_of_a_full_reduction_is_a_number(session):
    result, rendered = answer("explain_reduction", expression="outputs.attentions[0].sum()", text=SENTENCE)
    assert result["final_shape"] == [] and result["final_is_number"]
    assert "The result is a single number." in rendered["en"] and "結果は1つの数です" in rendered["ja"]
