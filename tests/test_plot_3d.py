"""plot_3d: the heatmap's very matrix as 3D bars, a script that reproduces it, true counts of what the view hides."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pytest
from mpl_toolkits.mplot3d import proj3d
from test_codegen import assert_same_numbers, run_script
from test_tools import read_csv

from agent.answer import render_lines
from agent.cards import cards, check_card
from agent.planner import plan
from agent.registry import openai_schema
from tools import ToolError, plot_3d, plot_heatmap
from tools.views.three_d import bars_figure, box_aspect, hidden_tops, view_direction

SENTENCE = "The cat sat on the mat because it was tired."
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def same_matrix(ours: str, heatmap: str) -> None:
    columns, rows, values = read_csv(ours)
    their_columns, their_rows, their_values = read_csv(heatmap)
    assert (columns, rows) == (their_columns, their_rows)
    assert np.array_equal(values, their_values)


@pytest.mark.parametrize("arguments", [{}, {"layer": 2, "head": 3}, {"layer": 0, "exclude_special": True}],
                         ids=["last-mean", "layer2-head3", "layer0-no-special"])
def test_the_bars_are_the_heatmaps_matrix(session, arguments):
    bars = plot_3d(text=SENTENCE, **arguments)
    heatmap = plot_heatmap(text=SENTENCE, **arguments)
    same_matrix(bars["artifacts"]["csv"], heatmap["artifacts"]["csv"])
    assert (bars["layer"], bars["head"]) == (heatmap["layer"], heatmap["head"])
    for kind in ("png", "svg", "csv", "code"):
        assert Path(bars["artifacts"][kind]).is_file()
    assert Path(bars["artifacts"]["png"]).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_counts_are_computed_from_the_drawn_matrix(session):
    result = plot_3d(text=SENTENCE)
    columns, rows, values = read_csv(result["artifacts"]["csv"])
    hidden = hidden_tops(values.astype(np.float32))  # (query, key, samples)
    assert result["bars"] == values.size == len(rows) * len(columns)
    assert result["hidden_bars"] == int(hidden.any(axis=-1).sum()) > 0
    assert result["fully_hidden_bars"] == int(hidden.all(axis=-1).sum()) <= result["hidden_bars"]
    assert result["hidden_share"] == round(result["hidden_bars"] / result["bars"], 4)
    query, key = np.unravel_index(np.argmax(values), values.shape)
    assert (result["max_query"], result["max_key"]) == (rows[query], columns[key])
    assert result["max_weight"] == pytest.approx(values.max(), abs=1e-4)
    tallest_hidden = np.where(hidden.any(axis=-1), values, -1).max()
    assert result["largest_hidden"]["weight"] == pytest.approx(tallest_hidden, abs=1e-4)
    assert f"{result['hidden_bars']} of {result['bars']} tops partly hidden" in result["title"]
    assert result["viewpoint"] == {"elevation": 30.0, "azimuth": -60.0}


def test_the_script_reproduces_the_csv(session, tmp_path: Path):
    result = plot_3d(layer=1, head=2, exclude_special=True, text=SENTENCE)
    assert 'attn_implementation="eager"' in result["code"] and 'projection="3d"' in result["code"]
    assert Path(result["artifacts"]["code"]).read_text(encoding="utf-8") == result["code"]
    run = tmp_path / "run"
    assert_same_numbers(result["artifacts"]["csv"], run_script(result["code"], run))
    assert (run / "3d.png").read_bytes()[:4] == b"\x89PNG"


def test_a_long_text_is_pooled_and_its_script_pools_alike(session, tmp_path: Path, tiny_models):
    text = " ".join(["the cat sat on the mat and the dog barked"] * 4)  # 42 tokens with [CLS] and [SEP]
    result = plot_3d(text=text, model=str(tiny_models["bert"]))
    assert len(result["tokens"]) > 32 and len(result["plotted_tokens"]) <= 32
    assert result["bars"] == len(result["plotted_tokens"]) ** 2 and result["notes"]
    assert "blocks of 2 tokens" in result["title"]
    assert_same_numbers(result["artifacts"]["csv"], run_script(result["code"], tmp_path / "run"))


def test_japanese_tokens_render_and_the_script_reproduces_them(session, tmp_path: Path, tiny_models):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = plot_3d(text="今日はカレーを食べた。", model=str(tiny_models["llama"]))
    assert not [w for w in caught if "missing from" in str(w.message)]  # no tofu boxes
    assert sum(bool(JAPANESE.search(token)) for token in result["plotted_tokens"]) >= 5
    svg = Path(result["artifacts"]["svg"]).read_text(encoding="utf-8")
    assert "IPAexGothic" in svg or "ipaex" in svg.lower() or svg.count("<path") > result["bars"]
    assert "import matplotlib_fontja" in result["code"]
    assert_same_numbers(result["artifacts"]["csv"], run_script(result["code"], tmp_path / "run"))


@pytest.mark.slow
def test_japanese_with_the_real_model(session):
    result = plot_3d(text="今日はカレーライスを食べました。")  # minilm reads English only: gemma-270m
    heatmap = plot_heatmap(text="今日はカレーライスを食べました。")
    assert result["model"] == "gemma-270m" and "カレー" in result["plotted_tokens"]
    same_matrix(result["artifacts"]["csv"], heatmap["artifacts"]["csv"])


def test_a_bad_layer_gets_a_clear_message(session):
    with pytest.raises(ToolError, match=r"layer 9 is out of range: minilm has 6 layers"):
        plot_3d(layer=9, text=SENTENCE)


# --- what the view hides: geometry checked against matplotlib's own projection -------------------------------


def test_the_view_direction_is_the_one_matplotlib_draws():
    values = np.array([[0.2, 0.5, 0.3], [0.6, 0.1, 0.3]], dtype=np.float32)  # (query 2, key 3)
    axes = bars_figure(values, ["q0", "q1"], ["a", "b", "c"], "title").axes[0]
    scale = np.array(box_aspect(2, 3)) / np.array([3, 2, values.max()])  # data → box units
    start = np.array([1.2, 0.7, 0.1])
    along = start + 0.8 * view_direction() / scale  # a step towards the viewer, in data units
    across = start + 0.8 * view_direction(azimuth=-150.0) / scale
    project = [proj3d.proj_transform(*point[:, None], axes.get_proj())[:2] for point in (start, along, across)]
    assert np.allclose(project[0], project[1], atol=1e-9)  # seen end on: one point on the screen
    assert not np.allclose(project[0], project[2], atol=1e-3)


def test_bars_of_one_height_hide_no_top():
    assert not hidden_tops(np.full((6, 6), 0.3)).any()


def test_a_tall_bar_hides_the_one_behind_it_and_nothing_in_front():
    values = np.full((5, 5), 0.01)
    values[2, 2] = 1.0  # the viewer stands towards larger keys and smaller queries
    hidden = hidden_tops(values).any(axis=-1)  # (query, key)
    assert hidden[3, 1] and not hidden[1, 3] and not hidden[2, 2]
    behind = np.zeros_like(hidden)
    behind[2:, :3] = True  # only a bar at a later query and an earlier key can stand behind it
    assert not (hidden & ~behind).any()


def test_the_tall_bar_moved_behind_hides_nothing():
    values = np.full((5, 5), 0.01)
    values[4, 0] = 1.0  # the farthest corner
    assert not hidden_tops(values).any()


# --- the card and the planner ---------------------------------------------------------------------------------


def test_card_sits_with_its_tool_and_matches_its_signature():
    card = cards()["plot_3d"]
    assert card.package == "tools.views" and card.figure and card.follow_up
    check_card(card, plot_3d)
    assert all("\n" not in line for line in card.description.values()) and JAPANESE.search(card.description["ja"])
    for language in ("en", "ja"):
        examples = [" ".join(example.lower().split()) for example in card.examples[language]]
        assert len(examples) >= 10 and len(set(examples)) == len(examples)
    assert all(JAPANESE.search(example) for example in card.examples["ja"])
    parameters = openai_schema(plot_3d)["function"]["parameters"]
    assert set(parameters["properties"]) == {"layer", "head", "exclude_special", "text", "model", "language"}
    assert parameters["properties"]["language"]["enum"] == ["en", "ja"]
    assert not parameters.get("required")


def test_the_answer_says_why_the_heatmap_reads_better_with_the_same_numbers(session):
    arguments = {"text": SENTENCE}
    result = plot_3d(**arguments)
    card = cards()["plot_3d"]
    for language in ("en", "ja"):
        answer = "\n".join(render_lines(card.answer, result, arguments, language))
        for number in (result["bars"], result["hidden_bars"], result["fully_hidden_bars"] or result["bars"]):
            assert str(number) in answer, (language, number)
        assert f"{result['max_weight']:.4f}" in answer and f"{result['largest_hidden']['weight']:.4f}" in answer
        assert "None" not in answer
    assert JAPANESE.search("\n".join(render_lines(card.answer, result, arguments, "ja")))
    assert "heatmap" in "\n".join(render_lines(card.answer, result, arguments, "en"))


@pytest.mark.parametrize("question", [
    'Show the 3D plot of "The cat sat on the mat"',
    'Draw a 3D bar chart of "Dogs bark loudly"',
    "Can I see the attention of layer 0 in 3D?",
    "「今日はカレーライスを食べました。」を3Dで見せて",
    "3Dで表示したい",
    "立体的に描いて",
])
def test_the_planner_draws_3d_when_asked(question):
    assert [call.name for call in plan(question).calls] == ["plot_3d"]


@pytest.mark.parametrize("question", [
    'Show the heatmap of "The cat sat on the mat"',
    "「今日はカレーライスを食べました。」のヒートマップを見せて",
    "Would a 3D plot of the attention help me understand it better? Show me the heatmap again to compare.",
    "Attention を 3D でプロットすると分かりやすくなりますか?比べるのでヒートマップももう一度見せてください。",
])
def test_the_planner_keeps_the_heatmap_for_heatmap_questions(question):
    assert [call.name for call in plan(question).calls] == ["plot_heatmap"]


@pytest.mark.parametrize("question", ["Is a 3D view of the attention really better than the heatmap?",
                                      "3Dにするのとヒートマップ、どちらが見やすいですか?"])
def test_asking_whether_3d_is_better_draws_nothing_and_explains(question):
    planned = plan(question)
    assert planned.calls == () and "why_not_3d" in planned.knowledge
