"""Figures in the learner's language, and colour scales that say what they are and agree where compared."""

from __future__ import annotations

import pytest
from fake_llm import FakeClient, text_reply, tool_reply
from test_tools import read_csv

from agent.events import ToolFinished, ToolStarted
from agent.offline import COMPARABLE_SCALE
from agent.sensei import Sensei
from agent.settings import Settings
from tools import ToolError, plot_heads, plot_heatmap, plot_line

SENTENCE = "I love natural language processing!"


def test_the_views_title_and_label_in_japanese_when_asked(session):
    heatmap = plot_heatmap(text=SENTENCE, exclude_special=True, language="ja")
    assert heatmap["title"] == "minilm · 層 5 (= -1) · 12 ヘッドの平均\n特殊トークンを除き、各行を正規化し直し"
    for label in ("キー(注目される側)", "クエリ(注目する側)", "注意の重み\\n色の範囲 0–"):
        assert label in heatmap["code"]
    assert "import matplotlib_fontja" in heatmap["code"]  # the script's figure renders its Japanese too
    line = plot_line(query="love", head=3, text=SENTENCE, language="ja")
    assert line["title"] == "minilm · 層 5 (= -1) · ヘッド 3\nクエリ 2「love」から"
    assert "「love」からの注意" in line["code"] and "トークン(位置)" in line["code"]
    heads = plot_heads(layer=0, text=SENTENCE, language="ja")
    assert heads["title"] == "minilm · 層 0 · 全 12 ヘッド" and "ヘッド {head}" in heads["code"]


def test_english_stays_the_default(session):
    assert plot_heatmap(text=SENTENCE)["title"] == "minilm · layer 5 (= -1) · mean of 12 heads"
    assert "import matplotlib_fontja" not in plot_line(text=SENTENCE)["code"]
    with pytest.raises(ToolError, match="language must be one of 'en', 'ja'.*not 'de'"):
        plot_heads(text=SENTENCE, language="de")


def test_each_map_states_its_colour_scale_and_the_heads_share_one(session):
    heatmap = plot_heatmap(layer=1, text=SENTENCE)
    assert heatmap["color_scale"] == "own" and not heatmap["fixed_scale"]
    assert heatmap["color_max"] == pytest.approx(read_csv(heatmap["artifacts"]["csv"])[2].max(), abs=1e-4)
    heads = plot_heads(layer=1, text=SENTENCE)
    assert heads["color_scale"] == "shared"  # the largest weight of any head: one colorbar for the grid
    assert heads["color_max"] == pytest.approx(read_csv(heads["artifacts"]["csv"])[2].max(), abs=1e-4)
    assert "top = float(attention.max())" in heads["code"] and "fig.colorbar(image, ax=axes" in heads["code"]
    fixed = plot_heads(layer=1, text=SENTENCE, color_max=1)
    assert (fixed["color_scale"], fixed["color_max"], fixed["fixed_scale"]) == ("fixed", 1.0, True)
    assert "top = 1.0" in fixed["code"]
    with pytest.raises(ToolError, match="color_max must be a number above 0 and at most 1"):
        plot_heatmap(text=SENTENCE, color_max=2.5)


def run(sensei: Sensei, question: str, tmp_path) -> list[ToolStarted | ToolFinished]:
    conversation = sensei.new_conversation(artifacts_dir=tmp_path)
    return [event for event in sensei.turn(conversation, question) if isinstance(event, ToolStarted | ToolFinished)]


def test_the_offline_sensei_draws_in_the_questions_language_and_one_scale_for_maps_compared(tmp_path):
    sensei = Sensei(Settings(backend="offline"))
    events = run(sensei, f"「{SENTENCE}」の0層と5層のヒートマップを見せて", tmp_path)
    started = [event.arguments for event in events if isinstance(event, ToolStarted)]
    assert [(a["layer"], a["language"], a["color_max"]) for a in started] == [(0, "ja", COMPARABLE_SCALE),
                                                                              (5, "ja", COMPARABLE_SCALE)]
    finished = [event for event in events if isinstance(event, ToolFinished)]
    assert all(e.ok and e.result["color_scale"] == "fixed" and "層" in e.result["title"] for e in finished)
    alone = run(sensei, f'Show the heatmap of "{SENTENCE}"', tmp_path / "en")
    assert alone[0].arguments["language"] == "en" and "color_max" not in alone[0].arguments
    assert alone[-1].result["color_scale"] == "own"


def test_an_llm_that_names_no_language_gets_the_questions(tmp_path):
    client = FakeClient(
        tool_reply(("c1", "plot_line", {"text": SENTENCE, "query": "love"}),
                   ("c2", "plot_heads", {"text": SENTENCE, "language": "en"})),  # the LLM's own choice stands
        text_reply("「love」は [CLS] を一番見ています。"),
    )
    sensei = Sensei(Settings(backend="openai", api_key="sk-test-key"), client=client)
    started = [e for e in run(sensei, f"「{SENTENCE}」の「love」からの注目を折れ線で", tmp_path)
               if isinstance(e, ToolStarted)]
    assert [e.arguments.get("language") for e in started] == ["ja", "en"]
    client.assert_used_up()
