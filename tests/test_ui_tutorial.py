"""The tutorial follows the article (#12 item 8): each button's question, read as the offline sensei reads it
in a conversation that pressed the buttons before it, asks for the step's tool with the step's arguments, in
both languages. No model runs here (the planner needs none); tests/test_ui_api.py runs every step in the app
and tests/test_article.py walks the article's questions on the real models."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from agent.context import Context
from agent.planner import Plan, plan
from ui.texts import ARTICLE_EXPRESSION, ARTICLE_SENTENCE, JAPANESE_SENTENCE, TUTORIAL

# Per step: the tool it runs (None: an explanation), arguments it must pass, knowledge entries it must include.
EXPECTED: tuple[tuple[str | None, dict[str, Any], tuple[str, ...]], ...] = (
    ("load_model", {"model": "bert-base-uncased"}, ()),  # the article's model; minilm stands in, said in the answer
    ("extract_attention", {"text": ARTICLE_SENTENCE}, ()),  # the step's script is under "show code"
    ("inspect_attention", {"layer": -1}, ()),
    (None, {}, ("ways_to_visualize",)),  # the menu of views, as buttons
    ("plot_heatmap", {"layer": -1}, ()),
    ("explain_reduction", {"expression": ARTICLE_EXPRESSION}, ()),
    ("plot_matrix_lines", {"layer": -1}, ()),  # what plt.plot(attention) really drew, beside the line meant
    ("plot_heatmap", {"text": JAPANESE_SENTENCE, "model": "rinna/japanese-gpt2-medium"}, ("causal_mask",)),
    ("plot_heatmap", {"model": "rinna/japanese-gpt2-medium", "exclude_special": True}, ()),
    ("plot_heatmap", {"annotate": True, "exclude_special": True}, ()),
    ("plot_3d", {"model": "rinna/japanese-gpt2-medium"}, ("why_not_3d",)),
)


def walk(language: str) -> Iterator[Plan]:
    """The plans of the tutorial's questions, each read against the conversation so far, as offline_turn keeps it."""
    context, latest = Context(), None
    for step in TUTORIAL:
        question = step.question[language]
        planned = plan(question, context, session_text=latest)
        yield planned
        if planned.calls and planned.context is not None:  # offline_turn keeps a plan's context once a tool ran
            context = planned.context
            latest = planned.calls[0].arguments.get("text", latest)
        context.question = question


def test_the_tutorial_has_the_articles_steps_in_both_languages():
    assert len(TUTORIAL) == len(EXPECTED)
    for step in TUTORIAL:
        assert set(step.label) == set(step.question) == {"en", "ja"}
        assert step.label["en"].split(" · ")[0] == step.label["ja"].split(" · ")[0]


@pytest.mark.parametrize("language", ["en", "ja"])
def test_each_step_asks_for_its_tool_with_its_arguments(language: str):
    for number, (planned, (tool, arguments, entries)) in enumerate(zip(walk(language), EXPECTED, strict=True), 1):
        assert planned.language == language, number
        called = [(call.name, call.arguments) for call in planned.calls]
        if tool is None:
            assert called == [], (number, called)
        else:
            assert [name for name, _ in called] == [tool], (number, called)
            assert arguments.items() <= called[0][1].items(), (number, called[0][1])
        assert set(entries) <= set(planned.knowledge), (number, planned.knowledge)
