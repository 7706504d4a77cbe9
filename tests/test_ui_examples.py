"""The app's example buttons come from data: the tool cards' [[showcase]] tables in registration order, then the
knowledge entries' showcase_en/showcase_ja; each button's question is answered by the card or entry that keeps it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from agent.cards import CardError, cards, read_card
from agent.planner import plan
from prompts import knowledge
from tools import TOOL_FAMILIES
from ui.texts import examples

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def owners() -> list[str]:
    """Who keeps each button's question, button by button: "tool:<name>" or "knowledge:<id>"."""
    found = [f"tool:{name}" for name in TOOL_FAMILIES for _ in cards()[name].showcase]
    return found + [f"knowledge:{entry.id}" for entry in knowledge().values() if entry.showcase("en")]


def test_each_button_has_one_question_in_each_language():
    buttons = examples()
    assert len(buttons["en"]) == len(buttons["ja"]) == len(owners()) >= 11
    for language in ("en", "ja"):
        assert all(question.strip() for question in buttons[language])
        assert len(set(buttons[language])) == len(buttons[language]), language
    assert all(JAPANESE.search(question) for question in buttons["ja"])


def test_buttons_follow_the_registration_order_then_the_knowledge_file():
    kept = owners()
    tools = [label.split(":", 1)[1] for label in kept if label.startswith("tool:")]
    order = list(TOOL_FAMILIES)
    assert tools == sorted(tools, key=order.index)
    assert kept == [*(f"tool:{tool}" for tool in tools), *(label for label in kept if label.startswith("knowledge:"))]
    entries = [label.split(":", 1)[1] for label in kept if label.startswith("knowledge:")]
    assert entries == sorted(entries, key=list(knowledge()).index)
    assert examples()["en"][0] == cards()["plot_heatmap"].showcase[0]["en"]


# A few of the questions the app's buttons asked when they were a hand-kept list in ui/texts.py.
ALWAYS_HAD = {
    "en": ('Compare BERT and gemma on "The cat sat on the mat."',
           "Why does [CLS] get so much attention?",
           "What is the difference between eager and sdpa attention?",
           'Word-level heatmap of "Tokenization splits unbelievable words."',
           "Plot all heads of layer 0"),
    "ja": ("「今日はカレーライスを食べました。」のアテンション・ロールアウトを見せて",
           "第0層の全ヘッドを表示して",
           "ヘッドの役割を層×ヘッドの表で見せて",
           "「日本の首都は」の続きを生成するときのアテンションを見せて",
           "なぜ<bos>にAttentionが集中するのですか?"),
}


@pytest.mark.parametrize("language", ["en", "ja"])
def test_the_examples_the_app_always_had_are_still_buttons(language):
    assert set(ALWAYS_HAD[language]) <= set(examples()[language])


@pytest.mark.parametrize("language", ["en", "ja"])
def test_each_button_is_answered_by_the_card_or_entry_that_keeps_it(language):
    """Pressed first thing in a new conversation, a button runs its own tool or explains its own entry."""
    for question, owner in zip(examples()[language], owners(), strict=True):
        kind, name = owner.split(":", 1)
        planned = plan(question)
        if kind == "tool":
            assert planned.intent == name, (question, planned.intent)
        else:
            assert planned.calls == () and planned.knowledge[:1] == (name,), (question, planned)


def test_a_showcase_needs_both_languages(tmp_path: Path):
    card = (Path(__file__).resolve().parent.parent / "tools" / "views" / "plot_heads.toml").read_text("utf-8")
    broken = tmp_path / "plot_heads.toml"
    broken.write_text(card + '\n[[showcase]]\nen = "Plot the heads"\n', encoding="utf-8")
    with pytest.raises(CardError, match="showcase 2 needs exactly en and ja"):
        read_card(broken, "tools.views")
    broken.write_text(card.replace("[[showcase]]", "[showcase]", 1), encoding="utf-8")
    with pytest.raises(CardError, match=r"expected \[\[showcase\]\] tables"):
        read_card(broken, "tools.views")
