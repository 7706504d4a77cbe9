"""plot_matrix_lines: what `plt.plot(attention)` draws (a line per key column) beside the one-query row."""

from __future__ import annotations

import re

import numpy as np
import pytest
from test_tools import read_csv

from agent.answer import render_lines
from agent.cards import cards, check_card
from agent.planner import plan
from agent.registry import openai_schema
from tools import ToolError, plot_heatmap
from tools.views.matrix_lines import matrix_lines_figure, plot_matrix_lines

SENTENCE = "I love natural language processing!"
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def test_the_csv_holds_each_drawn_line_the_matrix_columns_then_the_row(session):
    result = plot_matrix_lines(text=SENTENCE, query="love", layer=2, head=5)
    _, _, matrix = read_csv(plot_heatmap(text=SENTENCE, layer=2, head=5)["artifacts"]["csv"])  # (query, key)
    columns, rows, lines = read_csv(result["artifacts"]["csv"])
    assert columns == result["plotted_tokens"] == result["tokens"]
    assert result["line_count"] == 8 and rows[:8] == result["lines"] and rows[:2] == ["key 0 '[CLS]'", "key 1 'i'"]
    assert np.allclose(lines[:8], matrix.T, atol=1e-5)  # line j is column j, over the query positions
    assert np.allclose(lines[8], matrix[2], atol=1e-5) and rows[8] == "attention[2]: the row of query 'love', one line"
    assert result["row_sum"] == pytest.approx(1.0, abs=1e-3)
    assert result["min_column_sum"] == pytest.approx(matrix.sum(axis=0).min(), abs=1e-3)
    point = result["shared_point"]  # the row's highest point is line `key` at x = the query
    assert point["weight"] == pytest.approx(matrix[2].max(), abs=1e-4)
    assert point["weight"] == pytest.approx(lines[point["key_position"]][2], abs=1e-4)


def test_the_left_panel_draws_every_column_labelled_and_the_right_one_row():
    matrix = np.random.default_rng(0).random((5, 5))
    matrix /= matrix.sum(axis=1, keepdims=True)
    labels = ["<bos>", "今日は", "カレー", "を食べ", "。"]
    names = [f"キー {j}「{token}」" for j, token in enumerate(labels)]
    figure = matrix_lines_figure(matrix, labels, 3, names, "gemma-270m · 層 0", language="ja")
    left, right = figure.axes
    drawn = [line for line in left.get_lines() if not line.get_label().startswith("_")]
    assert [line.get_label() for line in drawn] == names
    assert [text.get_text() for text in left.get_legend().get_texts()] == names
    assert all(np.allclose(line.get_ydata(), matrix[:, j]) for j, line in enumerate(drawn))
    assert np.allclose(right.get_lines()[0].get_ydata(), matrix[3])
    assert "キーのトークン(位置):行列の列" == right.get_xlabel() and "クエリ" in left.get_xlabel()


def test_japanese_names_and_a_query_by_default(session):
    result = plot_matrix_lines(text=SENTENCE, language="ja")
    assert result["query_token"] == "i"  # the first token that is not a special token
    assert result["lines"][0] == "キー 0「[CLS]」" and "層 5" in result["title"]
    assert "import matplotlib_fontja" in result["code"] and "left.plot(values," in result["code"]
    with pytest.raises(ToolError, match="language must be one of 'en', 'ja'"):
        plot_matrix_lines(text=SENTENCE, language="fr")


def test_card_schema_and_answer_in_both_languages(session):
    card = cards()["plot_matrix_lines"]
    check_card(card, plot_matrix_lines)
    assert len(card.examples["en"]) >= 10 and len(card.examples["ja"]) >= 10
    assert all(JAPANESE.search(example) for example in card.examples["ja"])
    parameters = openai_schema(plot_matrix_lines)["function"]["parameters"]
    assert parameters["properties"]["language"]["enum"] == ["en", "ja"] and not parameters.get("required")
    arguments = {"text": SENTENCE, "query": "love"}
    result = plot_matrix_lines(**arguments)
    for language in ("en", "ja"):
        answer = "\n".join(render_lines(card.answer, result, arguments, language))
        for number in ("8", f"{result['shared_point']['weight']:.4f}", f"{result['max_column_sum']:.2f}"):
            assert number in answer, (language, number)
        assert "None" not in answer
    assert JAPANESE.search("\n".join(render_lines(card.answer, result, arguments, "ja")))


@pytest.mark.parametrize("question", [
    "plt.plot(attention)で線がたくさん出る",
    "plt.plot(attention) が描く図を見せて",
    "show what plt.plot(attention) draws",
    "Draw what plt.plot(attention) gives for 'I love cats' next to the line from 'love'",
])
def test_the_planner_draws_it_when_asked_for_it(question: str):
    assert plan(question).intent == "plot_matrix_lines"


def test_a_why_question_is_explained_and_drawn():
    planned = plan("why does my plt.plot show 8 lines?")  # #12 item 5: the lines it drew, beside the explanation
    assert planned.intent == "plot_matrix_lines" and planned.knowledge == ("plt_plot_2d_lines",)
    from prompts import knowledge

    entry = knowledge()["plt_plot_2d_lines"]
    assert "plot_matrix_lines" in entry.text("en") and "plot_matrix_lines" in entry.text("ja")
    assert plan("show what plt.plot(attention) draws").intent == "plot_matrix_lines"  # the question it offers
