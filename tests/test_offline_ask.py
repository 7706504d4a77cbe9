"""The offline sensei end to end: every planner question, answered through `ask --json` with real tools.

Questions that need no earlier sentence run through the real `attention-sensei ask --json`
(in-process, so the models load once); follow-ups run through the same record function after a
first question primed the conversation. Slow: the Japanese questions need gemma-270m.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from test_planner import ABSENT, ENGLISH, JAPANESE

from agent.sensei import Sensei
from agent.settings import Settings
from attention_sensei.ask import turn_record
from attention_sensei.cli import main
from tools.core.notes import render

pytestmark = pytest.mark.slow

ROWS = ENGLISH + JAPANESE
JAPANESE_CHARS = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def check(record: dict[str, Any], question: str, calls: list[tuple[str, dict[str, Any]]]) -> None:
    assert record["backend"] == "offline" and "error" not in record
    assert [step["tool"] for step in record["steps"]] == [name for name, _ in calls]
    for step, (_, expected) in zip(record["steps"], calls, strict=True):
        for key, value in expected.items():
            if value is ABSENT:
                assert key not in step["arguments"], (key, step["arguments"])
            else:
                assert step["arguments"].get(key) == value, (key, step["arguments"])
        if not step["ok"]:  # the learner asked for something impossible: the answer must say what and why
            assert "internal error" not in step["error"]
            said = step["result"].get("error_note")  # then said in the question's language, from its key
            shown = [render(said, language) for language in ("en", "ja")] if said else [step["error"]]
            assert any(text in record["answer"] for text in shown)
    answer = record["answer"]
    assert answer.strip()
    if JAPANESE_CHARS.search(question) and not question.isascii():
        assert JAPANESE_CHARS.search(answer)


@pytest.mark.parametrize(("question", "has_text", "intent", "calls"), [row for row in ROWS if not row[1]],
                         ids=lambda value: value[:40] if isinstance(value, str) else "")
def test_standalone_questions_through_ask_json(question, has_text, intent, calls, tmp_path, capsys):
    code = main(["ask", question, "--json", "--backend", "offline", "--out", str(tmp_path)])
    record = json.loads(capsys.readouterr().out)
    assert code == 0
    check(record, question, calls)


@pytest.mark.parametrize(("question", "has_text", "intent", "calls"), [row for row in ROWS if row[1]],
                         ids=lambda value: value[:40] if isinstance(value, str) else "")
def test_follow_up_questions_reuse_the_conversation(question, has_text, intent, calls, tmp_path):
    sensei = Sensei(Settings(backend="offline", artifacts_dir=tmp_path))
    conversation = sensei.new_conversation(tmp_path)
    first = "「今日はカレーライスを食べました。」を分析して" if JAPANESE_CHARS.search(question) else \
        "Extract the attention of 'I love natural language processing!'"
    assert turn_record(sensei, conversation, first)["steps"][0]["ok"]
    check(turn_record(sensei, conversation, question), question, calls)


@pytest.mark.parametrize(("failing", "correction", "choice"), [
    ("heatmap of 'The fox jumped over the fence' at layer 9", "oh, layer 5 then", {"layer": 5}),
    ("「The fox jumped over the fence」のヒートマップをヘッド12で", "じゃあヘッド3で", {"head": 3}),
])
def test_a_correction_after_a_failed_call_keeps_the_sentence_and_view(failing, correction, choice, tmp_path):
    """minilm has 6 layers and 12 heads: the first call fails, and the correction redraws that view of that
    sentence (not the example sentence), without the failed choice."""
    sensei = Sensei(Settings(backend="offline", artifacts_dir=tmp_path))
    conversation = sensei.new_conversation(tmp_path)
    failed = turn_record(sensei, conversation, failing)
    assert [step["ok"] for step in failed["steps"]] == [False]
    if JAPANESE_CHARS.search(failing):  # the range error is told in the learner's language
        assert "ヘッド 12 は範囲外です" in failed["answer"] and "out of range" not in failed["answer"], failed["answer"]
    record = turn_record(sensei, conversation, correction)
    (step,) = record["steps"]
    assert step["ok"] and step["tool"] == "plot_heatmap", step
    assert step["arguments"].get("text", "The fox jumped over the fence") == "The fox jumped over the fence"
    assert sensei_text(step) == "The fox jumped over the fence"
    for key, value in choice.items():
        assert step["arguments"][key] == value
    assert step["arguments"].get("layer") != 9 and step["arguments"].get("head") != 12  # the failed choice is gone


def sensei_text(step: dict[str, Any]) -> str:
    """The sentence the call ran on, as its result reports it."""
    return step["result"]["text"]


@pytest.mark.parametrize(("question", "said"), [
    ("Show the heatmap of 'The cat sat.'", "internal error IndexError: list index out of range"),
    ("「猫が座った。」のヒートマップを見せて", "内部エラー IndexError: list index out of range"),
])
def test_a_bug_of_the_offline_sensei_is_said_in_the_learners_language_and_the_conversation_goes_on(
        question, said, tmp_path, monkeypatch):
    """A question that trips a bug in the planner (as '"attentions[12]" failed, attentions[11] instead' once did)
    ends its turn with a message that says so, in the question's language; no traceback, and the next question
    is answered."""
    sensei = Sensei(Settings(backend="offline", artifacts_dir=tmp_path))
    conversation = sensei.new_conversation(tmp_path)

    def broken(*args: object, **kwargs: object) -> None:
        raise IndexError("list index out of range")

    monkeypatch.setattr("agent.offline.plan", broken)
    record = turn_record(sensei, conversation, question)
    assert said in record["error"] and record["steps"] == [], record
    assert ("not in your question" if question.isascii() else "質問のせいではありません") in record["error"]
    monkeypatch.undo()
    record = turn_record(sensei, conversation, "Show the heatmap of 'The cat sat.'")
    assert "error" not in record and [step["ok"] for step in record["steps"]] == [True], record
