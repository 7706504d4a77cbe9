"""The OpenAI backend over real HTTP: the real `openai` client against a local stub server.

Every quirk real servers have been seen to send, every failure an endpoint can have: each turn
either answers or ends with a clear message, every tool_call_id is answered, the next question
works, and the API key never shows up anywhere but the Authorization header.
"""

from __future__ import annotations

import json
import logging
import socket

import pytest
from llm_stub import CutStream, Garbage, Hang, HttpError, Reply, StubLLM, ToolCall

from agent.events import FinalAnswer, ToolFinished, TurnError
from agent.sensei import Sensei
from agent.settings import Settings

KEY = "sk-wire-test-5ecret-key-000"
SENTENCE = "I love natural language processing!"
STYLES = ["standard", "no_index", "reuse_index", "whole", "empty_then_full"]


def sensei_for(stub: StubLLM | None, base_url: str | None = None, **settings) -> Sensei:
    options = {"request_timeout": 5.0, **settings}
    return Sensei(Settings(backend="openai", base_url=base_url or stub.base_url, api_key=KEY, **options))


def run(sensei: Sensei, conversation, question: str) -> list:
    return list(sensei.turn(conversation, question))


def two_calls(style: str) -> Reply:
    return Reply(tool_calls=[ToolCall("call_a", "extract_attention", json.dumps({"text": SENTENCE})),
                             ToolCall("call_b", "plot_heatmap", json.dumps({"layer": -1, "head": 3}))], style=style)


def assert_every_call_answered(messages: list[dict]) -> None:
    asked = [call["id"] for m in messages if m["role"] == "assistant" for call in m.get("tool_calls") or []]
    assert asked == [m["tool_call_id"] for m in messages if m["role"] == "tool"]


def assert_no_key(events: list, caplog: pytest.LogCaptureFixture) -> None:
    shown = repr(events) + caplog.text
    assert KEY not in shown and KEY[:12] not in shown


@pytest.mark.parametrize("style", STYLES)
def test_each_streaming_style_runs_both_calls(style, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    with StubLLM([two_calls(style), Reply(text="Head 3 looks at [CLS].")]) as stub:
        sensei = sensei_for(stub)
        conversation = sensei.new_conversation(tmp_path)
        events = run(sensei, conversation, "Show head 3 of the last layer")
        stub.assert_script_used()
    finished = [event for event in events if isinstance(event, ToolFinished)]
    assert [(f.call_id, f.name, f.ok) for f in finished] == [("call_a", "extract_attention", True),
                                                            ("call_b", "plot_heatmap", True)]
    assert finished[1].result["head"] == 3
    assert isinstance(events[-1], FinalAnswer) and events[-1].text == "Head 3 looks at [CLS]."
    second = stub.requests[1]["body"]["messages"]
    assert_every_call_answered(second[1:])
    assert stub.requests[0]["headers"]["authorization"] == f"Bearer {KEY}"
    assert_no_key(events, caplog)


def test_finish_reason_stop_on_a_tool_call(tmp_path):
    reply = Reply(tool_calls=[ToolCall("c1", "list_models", "{}")], finish_reason="stop")
    with StubLLM([reply, Reply(text="Two models.")]) as stub:
        sensei = sensei_for(stub)
        events = run(sensei, sensei.new_conversation(tmp_path), "which models?")
        stub.assert_script_used()
    assert any(isinstance(e, ToolFinished) and e.ok and e.name == "list_models" for e in events)


def test_truncated_arguments_are_answered_with_an_error_and_the_model_retries(tmp_path):
    broken = Reply(tool_calls=[ToolCall("c1", "plot_heatmap", '{"text": "I lo')])
    fixed = Reply(tool_calls=[ToolCall("c2", "plot_heatmap", json.dumps({"text": SENTENCE}))])
    with StubLLM([broken, fixed, Reply(text="Here it is.")]) as stub:
        sensei = sensei_for(stub)
        conversation = sensei.new_conversation(tmp_path)
        events = run(sensei, conversation, "heatmap")
        stub.assert_script_used()
    finished = [e for e in events if isinstance(e, ToolFinished)]
    assert not finished[0].ok and "not valid JSON" in finished[0].error and finished[1].ok
    error_message = stub.requests[1]["body"]["messages"][-1]
    assert error_message["role"] == "tool" and "not valid JSON" in error_message["content"]


def test_a_server_that_refuses_streaming_gets_a_plain_request(tmp_path):
    with StubLLM([HttpError(400, "stream with tools is not supported"),
                  Reply(tool_calls=[ToolCall("c1", "list_models", "{}")]),
                  HttpError(400, "stream with tools is not supported"), Reply(text="Done.")]) as stub:
        sensei = sensei_for(stub)
        events = run(sensei, sensei.new_conversation(tmp_path), "models?")
        stub.assert_script_used()
    assert [r["body"].get("stream") for r in stub.requests] == [True, False, True, False]
    assert isinstance(events[-1], FinalAnswer) and events[-1].text == "Done."


def test_a_stream_cut_before_anything_arrived_falls_back_to_a_plain_request(tmp_path):
    with StubLLM([CutStream(Reply(text="lost"), after_chunks=0), Reply(text="Plain answer.")]) as stub:
        sensei = sensei_for(stub)
        events = run(sensei, sensei.new_conversation(tmp_path), "hello")
        stub.assert_script_used()
    assert events[-1] == FinalAnswer("Plain answer.")


@pytest.mark.parametrize(
    ("script", "message"),
    [
        ([HttpError(401, f"Incorrect API key provided: {KEY}")], "refused the API key (401)"),
        ([HttpError(404, "model not found")], "'gpt-4o-mini' was not found"),
        ([HttpError(429, "slow down", {"retry-after": "0"})] * 3, "rate-limiting us (429)"),
        ([HttpError(429, "slow down")] * 3, "rate-limiting us (429)"),
        ([HttpError(500, "boom")], "server error (500): boom"),  # not transient: sent once
        ([HttpError(503, "overloaded")] * 3, "server error (503) (retried twice): overloaded"),
        ([Garbage(), Garbage()], "not a chat completion"),  # no events in the stream, then the plain retry
        ([Garbage(b"<html>hello</html>", "text/html")] * 2, "not a chat completion"),
        ([CutStream(Reply(text="The answer is"), after_chunks=2)], "stopped mid-way"),
    ],
    ids=["401", "404", "429-retry-after", "429", "500", "503", "garbage-json", "garbage-html", "cut-stream"],
)
def test_endpoint_failures_end_the_turn_clearly_and_the_next_question_works(tmp_path, caplog, script, message):
    caplog.set_level(logging.DEBUG)
    with StubLLM([*script, Reply(text="Back to normal.")]) as stub:
        sensei = sensei_for(stub)
        conversation = sensei.new_conversation(tmp_path)
        events = run(sensei, conversation, "hello")
        assert isinstance(events[-1], TurnError), events
        assert message in events[-1].message and stub.base_url in events[-1].message
        assert "Traceback" not in events[-1].message
        events_after = run(sensei, conversation, "hello again")
        stub.assert_script_used()
    assert events_after[-1] == FinalAnswer("Back to normal.")
    assert_no_key(events + events_after, caplog)


def test_a_429_is_retried_and_then_succeeds(tmp_path):
    with StubLLM([HttpError(429, "slow down", {"retry-after": "0"}), Reply(text="Fine.")]) as stub:
        sensei = sensei_for(stub)
        events = run(sensei, sensei.new_conversation(tmp_path), "hello")
        stub.assert_script_used()
    assert events[-1] == FinalAnswer("Fine.")


def test_a_server_that_never_answers_times_out(tmp_path):
    with StubLLM([Hang(3), Hang(3), Hang(3)]) as stub:
        sensei = sensei_for(stub, request_timeout=0.3)
        events = run(sensei, sensei.new_conversation(tmp_path), "hello")
    assert isinstance(events[-1], TurnError) and "did not answer within 0.3 s" in events[-1].message


def test_connection_refused_names_the_endpoint(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sensei = sensei_for(None, base_url=f"http://127.0.0.1:{port}/v1")
    events = run(sensei, sensei.new_conversation(tmp_path), "hello")
    assert isinstance(events[-1], TurnError)
    assert f"could not connect to the LLM endpoint http://127.0.0.1:{port}/v1" in events[-1].message


def test_the_round_limit_over_the_wire(tmp_path):
    calls = [Reply(tool_calls=[ToolCall(f"c{i}", "list_models", "{}")]) for i in range(2)]
    with StubLLM(calls) as stub:
        sensei = sensei_for(stub, max_rounds=2)
        conversation = sensei.new_conversation(tmp_path)
        events = run(sensei, conversation, "loop")
        stub.assert_script_used()
    assert isinstance(events[-1], FinalAnswer) and "stopped after 2 rounds" in events[-1].text
    assert_every_call_answered(conversation.messages)


def test_a_name_that_does_not_resolve_is_a_connection_error(tmp_path):
    sensei = sensei_for(None, base_url="http://llm.invalid/v1", request_timeout=3.0)
    events = run(sensei, sensei.new_conversation(tmp_path), "hello")
    assert isinstance(events[-1], TurnError)
    assert "could not connect to the LLM endpoint http://llm.invalid/v1" in events[-1].message


def test_a_server_echoing_the_key_is_redacted(tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    with StubLLM([HttpError(418, f"I'm a teapot and your key is {KEY}"), Reply(text="ok")]) as stub:
        sensei = sensei_for(stub)
        events = run(sensei, sensei.new_conversation(tmp_path), "hello")
        run(sensei, sensei.new_conversation(tmp_path), "again")
    assert isinstance(events[-1], TurnError) and "answered 418" in events[-1].message
    assert "[redacted]" in events[-1].message
    assert_no_key(events, caplog)
