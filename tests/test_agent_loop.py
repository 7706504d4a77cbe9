"""The agent loop's event stream, with a scripted fake client: tools run, history stays valid."""

from __future__ import annotations

import threading

import pytest
from fake_llm import FakeClient, text_reply, tool_reply

from agent.events import FinalAnswer, TextDelta, ToolFinished, ToolStarted, TurnError
from agent.sensei import ConversationBusy, Sensei
from agent.settings import Settings

SENTENCE = "I love natural language processing!"


def make(client: FakeClient, tmp_path, **settings) -> tuple[Sensei, object]:
    sensei = Sensei(Settings(backend="openai", api_key="sk-test-key", **settings), client=client)
    return sensei, sensei.new_conversation(artifacts_dir=tmp_path)


def every_call_answered(messages: list[dict]) -> bool:
    asked = [call["id"] for m in messages if m["role"] == "assistant" for call in m.get("tool_calls") or []]
    answered = [m["tool_call_id"] for m in messages if m["role"] == "tool"]
    return asked == answered


def test_a_tool_round_then_an_answer(tmp_path):
    client = FakeClient(
        tool_reply(("c1", "plot_heatmap", {"text": SENTENCE, "layer": -1})),
        text_reply("The [CLS] token gets the most attention."),
    )
    sensei, conversation = make(client, tmp_path)
    events = list(sensei.turn(conversation, "Show the heatmap of 'I love natural language processing!'"))
    kinds = [type(event) for event in events]
    assert kinds[0] is ToolStarted and ToolFinished in kinds and kinds[-1] is FinalAnswer
    finished = next(event for event in events if isinstance(event, ToolFinished))
    assert finished.ok and finished.result["shape"] == [1, 12, 8, 8]
    assert finished.artifacts["png"].endswith(".png")
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == events[-1].text
    client.assert_used_up()
    assert every_call_answered(conversation.messages)
    tool_message = next(m for m in conversation.messages if m["role"] == "tool")
    assert '"shape": [1, 12, 8, 8]' in tool_message["content"] and "import torch" not in tool_message["content"]
    second = client.requests[1]
    assert second["messages"][0]["role"] == "system" and second["messages"][-1]["role"] == "tool"
    assert {tool["function"]["name"] for tool in second["tools"]} >= {"plot_heatmap", "explain_reduction"}


def test_invalid_json_arguments_are_not_executed_and_the_model_can_retry(tmp_path):
    client = FakeClient(
        tool_reply(("bad", "plot_heatmap", '{"text": "I love', )),
        tool_reply(("good", "extract_attention", {"text": SENTENCE})),
        text_reply("Done."),
    )
    sensei, conversation = make(client, tmp_path)
    events = list(sensei.turn(conversation, "extract please"))
    finished = [event for event in events if isinstance(event, ToolFinished)]
    assert [f.ok for f in finished] == [False, True]
    assert "not valid JSON" in finished[0].error and conversation.tools.latest.text == SENTENCE
    assert every_call_answered(conversation.messages)
    client.assert_used_up()


def test_unknown_tools_and_bad_arguments_become_tool_errors(tmp_path):
    client = FakeClient(
        tool_reply(("a", "make_coffee", {}), ("b", "plot_heatmap", {"text": SENTENCE, "layer": 42})),
        text_reply("Sorry."),
    )
    sensei, conversation = make(client, tmp_path)
    finished = [e for e in sensei.turn(conversation, "go") if isinstance(e, ToolFinished)]
    assert "unknown tool 'make_coffee'; available tools: list_models" in finished[0].error
    assert "layer 42 is out of range: minilm has 6 layers" in finished[1].error
    tool_contents = [m["content"] for m in conversation.messages if m["role"] == "tool"]
    assert "make_coffee" in tool_contents[0] and "out of range" in tool_contents[1]


def test_finish_reason_stop_with_tool_calls_still_runs_the_tools(tmp_path):
    client = FakeClient(tool_reply(("c1", "list_models", {}), finish_reason="stop"), text_reply("Two models."))
    sensei, conversation = make(client, tmp_path)
    events = list(sensei.turn(conversation, "which models?"))
    assert any(isinstance(e, ToolFinished) and e.ok for e in events)
    client.assert_used_up()


def test_the_round_limit_ends_with_an_explaining_answer(tmp_path):
    client = FakeClient(*[tool_reply((f"c{i}", "list_models", {})) for i in range(3)])
    sensei, conversation = make(client, tmp_path, max_rounds=3)
    events = list(sensei.turn(conversation, "loop forever"))
    assert isinstance(events[-1], FinalAnswer) and "stopped after 3 rounds" in events[-1].text
    assert every_call_answered(conversation.messages)
    client.assert_used_up()


def test_cancelling_answers_every_pending_call(tmp_path):
    client = FakeClient(tool_reply(("a", "list_models", {}), ("b", "list_models", {})))
    sensei, conversation = make(client, tmp_path)
    cancel = threading.Event()
    events = []
    for event in sensei.turn(conversation, "two calls", cancel=cancel):
        events.append(event)
        if isinstance(event, ToolFinished):
            cancel.set()
    assert isinstance(events[-1], TurnError) and "cancelled" in events[-1].message
    assert every_call_answered(conversation.messages)
    assert "cancelled by the user" in conversation.messages[-1]["content"]


def test_closing_the_generator_mid_turn_keeps_the_history_valid(tmp_path):
    client = FakeClient(tool_reply(("a", "list_models", {}), ("b", "list_models", {})), text_reply("Next answer."))
    sensei, conversation = make(client, tmp_path)
    turn = sensei.turn(conversation, "two calls")
    for event in turn:
        if isinstance(event, ToolStarted):
            break
    turn.close()  # what Gradio's Stop button does
    assert every_call_answered(conversation.messages)
    events = list(sensei.turn(conversation, "and now?"))
    assert isinstance(events[-1], FinalAnswer) and events[-1].text == "Next answer."


@pytest.mark.parametrize(("question", "message"), [("", "the question is empty"), ("x" * 30_000, "at most 20,000")])
def test_bad_questions_get_a_clear_message_and_touch_nothing(tmp_path, question, message):
    client = FakeClient()
    sensei, conversation = make(client, tmp_path)
    events = list(sensei.turn(conversation, question))
    assert len(events) == 1 and message in events[0].message
    assert conversation.messages == []


def test_slow_tools_report_progress_through_the_runner(tmp_path):
    from agent.events import ToolProgress
    from agent.registry import Registry
    from agent.runner import run_tool
    from tools import Session, current_session

    def slow_load(model: str) -> dict:
        """Pretend to convert a model.

        Args:
            model: The model.
        """
        for step in range(3):
            current_session().progress((step + 1) / 4, f"{model}: converting, step {step + 1}")
        return {"model": model}

    events = list(run_tool(Registry([slow_load]), Session(artifacts_dir=tmp_path), "c1", "slow_load",
                           {"model": "gemma-270m"}, timeout=10))
    progress = [e for e in events if isinstance(e, ToolProgress)]
    assert [p.message for p in progress] == [f"gemma-270m: converting, step {i}" for i in (1, 2, 3)]
    assert isinstance(events[-1], ToolFinished) and events[-1].ok


def test_undo_takes_back_the_last_question_but_never_under_a_running_turn(tmp_path):
    client = FakeClient(text_reply("First."), tool_reply(("c1", "list_models", {})), text_reply("Two."))
    sensei, conversation = make(client, tmp_path)
    list(sensei.turn(conversation, "one"))
    running = sensei.turn(conversation, "two")
    assert isinstance(next(running), ToolStarted)  # the call is in the history, its result not yet
    before = list(conversation.messages)
    with pytest.raises(ConversationBusy, match="stop it first"):
        sensei.undo(conversation)
    assert conversation.messages == before
    list(running)
    assert sensei.undo(conversation) == "two"
    assert conversation.messages == [{"role": "user", "content": "one"}, {"role": "assistant", "content": "First."}]
    assert sensei.undo(conversation) == "one" and sensei.undo(conversation) is None and conversation.messages == []
    client.assert_used_up()
