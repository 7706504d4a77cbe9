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


def test_the_analyses_the_comparison_and_generation_speak_japanese_too(session, tiny_models):
    """#12 item 6 for every figure tool: the title, axis names, panel names and legend in the learner's language,
    and the reproducing script draws the same words (with a Japanese font)."""
    from tools import (
        attention_norms,
        attention_rollout,
        compare_attention,
        generation_attention,
        head_roles,
        layer_summary,
    )

    rollout = attention_rollout(text=SENTENCE, language="ja")
    assert rollout["title"] == "minilm · 層 0..5 のアテンション・ロールアウト"
    norms = attention_norms(text=SENTENCE, language="ja")
    assert norms["title"] == "minilm · 層 5 (= -1) · 生の重みとノルムに基づく ‖Σ_h α·f(x)‖"
    assert "生の α(12 ヘッドの平均)" in norms["code"]
    summary = layer_summary(query="love", key="natural", text=SENTENCE, language="ja")
    assert summary["title"] == "minilm · 全 6 層にわたって" and "注意 love→natural" in summary["code"]
    roles = head_roles(text=SENTENCE, language="ja")
    assert roles["title"] == "minilm · ヘッドの役割(6 層 × 12 ヘッド)" and "直前トークン型" in roles["code"]
    compared = compare_attention(text_a="I love tea.", text_b="I love green tea.", language="ja")
    assert compared["title"].endswith("2つの文:対応づけたトークンでの b − a")
    generated = generation_attention(prompt="Hello there", max_new_tokens=2, model=str(tiny_models["llama"]),
                                     language="ja")
    assert "生成の各ステップがそれより前のトークンに向けた注意(2 トークン)" in generated["title"]
    assert "生成されたトークン(それを生んだステップ)" in generated["code"]
    for result in (rollout, norms, summary, roles, compared, generated):
        assert "import matplotlib_fontja" in result["code"], result["title"]
    assert all("キー(注目される側)" in result["code"] for result in (rollout, norms))
    assert attention_rollout(text=SENTENCE)["title"] == "minilm · attention rollout of layers 0..5"  # English stays


def test_the_offline_sensei_passes_the_language_to_every_figure_tool_that_takes_it(tmp_path):
    events = run(Sensei(Settings(backend="offline")), f"「{SENTENCE}」のアテンション・ロールアウトを見せて", tmp_path)
    started = [event for event in events if isinstance(event, ToolStarted)]
    assert [(e.name, e.arguments["language"]) for e in started] == [("attention_rollout", "ja")]
    assert "層 0..5" in events[-1].result["title"]
