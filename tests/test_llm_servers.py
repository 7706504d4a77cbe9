"""What two real OpenAI-compatible servers did to us (issue 14), reproduced by the stub, each survived.

llama-cpp-python 0.3.36 refuses `"content": null` and hides the tools unless `tool_choice` is sent;
llama-server refuses a history holding invalid tool arguments; a base model streams for minutes
without `max_tokens`. Each test fails on the code before its fix.
"""

from __future__ import annotations

import json
import threading
import time

import pytest
from llm_stub import Hang, HttpError, Reply, Runaway, StubLLM, ToolCall

from agent.events import FinalAnswer, TextDelta, ToolFinished, TurnError
from agent.sensei import Sensei
from agent.settings import Settings
from attention_sensei.ask import settings_from_args
from attention_sensei.cli import _parser, main

SENTENCE = "I love natural language processing!"


def sensei_for(stub: StubLLM, **settings: object) -> Sensei:
    options = {"request_timeout": 5.0, **settings}
    return Sensei(Settings(backend="openai", base_url=stub.base_url, api_key="sk-servers", **options))


def ask(sensei: Sensei, conversation, question: str = "Which models are there?") -> list:
    return list(sensei.turn(conversation, question))


def list_models_then(text: str) -> list[Reply]:
    return [Reply(tool_calls=[ToolCall("c1", "list_models", "{}")]), Reply(text=text)]


def test_an_assistant_message_with_tool_calls_never_carries_null_content(tmp_path):
    with StubLLM(list_models_then("Two models."), quirks=("null_content",)) as stub:
        sensei = sensei_for(stub)
        events = ask(sensei, sensei.new_conversation(tmp_path))
        stub.assert_script_used()
    assert events[-1] == FinalAnswer("Two models.")
    sent = stub.requests[-1]["body"]["messages"]
    assert all(m.get("content", "") is not None for m in sent)


def test_invalid_arguments_go_back_as_an_empty_object_with_the_error_in_the_tool_result(tmp_path):
    broken = '{"text": "I lo'
    script = [Reply(tool_calls=[ToolCall("c1", "plot_heatmap", broken)]), Reply(text="Let me try again."),
              Reply(text="Still here.")]
    with StubLLM(script, quirks=("invalid_arguments",)) as stub:
        sensei = sensei_for(stub)
        conversation = sensei.new_conversation(tmp_path)
        first = ask(sensei, conversation, "heatmap please")
        second = ask(sensei, conversation, "are you there?")  # llama-server refused every later request
        stub.assert_script_used()
    assert first[-1] == FinalAnswer("Let me try again.") and second[-1] == FinalAnswer("Still here.")
    sent = stub.requests[1]["body"]["messages"]
    assert sent[-2]["tool_calls"][0]["function"]["arguments"] == "{}"
    assert sent[-1]["role"] == "tool" and "not valid JSON" in sent[-1]["content"] and "I lo" in sent[-1]["content"]


def test_tool_choice_auto_is_sent_so_the_tools_reach_the_model(tmp_path):
    with StubLLM(list_models_then("Two models."), quirks=("tool_choice",)) as stub:
        sensei = sensei_for(stub)
        events = ask(sensei, sensei.new_conversation(tmp_path))
        stub.assert_script_used()
    assert [e.name for e in events if isinstance(e, ToolFinished) and e.ok] == ["list_models"]
    assert events[-1] == FinalAnswer("Two models.")
    assert {r["body"].get("tool_choice") for r in stub.requests} == {"auto"}
    assert [r["body"].get("stream", False) for r in stub.requests] == [True, False, True, False]  # empty 200s


def test_a_500_shows_the_servers_own_message_and_is_not_retried(tmp_path):
    reason = "Failed to parse tool call arguments as JSON: '{\"a'"
    with StubLLM([HttpError(500, reason), Reply(text="Back.")]) as stub:
        sensei = sensei_for(stub)
        conversation = sensei.new_conversation(tmp_path)
        events = ask(sensei, conversation, "hello")
        assert len(stub.requests) == 1  # the openai client used to send it twice more
        after = ask(sensei, conversation, "hello again")
        stub.assert_script_used()
    assert isinstance(events[-1], TurnError)
    assert reason in events[-1].message and "(500)" in events[-1].message
    assert after[-1] == FinalAnswer("Back.")


def test_transient_statuses_are_still_retried(tmp_path):
    with StubLLM([HttpError(503, "loading model"), HttpError(502, "bad gateway"), Reply(text="Ready.")]) as stub:
        sensei = sensei_for(stub)
        events = ask(sensei, sensei.new_conversation(tmp_path), "hello")
        stub.assert_script_used()
    assert events[-1] == FinalAnswer("Ready.")


def test_a_400_says_400_once_with_the_servers_message(tmp_path):
    refusal = "messages[2].content: expected a string"
    with StubLLM([HttpError(400, refusal), HttpError(400, refusal)]) as stub:  # streamed, then the plain retry
        sensei = sensei_for(stub)
        events = ask(sensei, sensei.new_conversation(tmp_path), "hello")
        stub.assert_script_used()
    assert isinstance(events[-1], TurnError)
    assert events[-1].message.count("400") == 1 and refusal in events[-1].message


def test_max_tokens_is_sent_and_an_answer_cut_at_it_says_so(tmp_path):
    with StubLLM([Runaway(piece="la ")]) as stub:
        sensei = sensei_for(stub, llm_max_tokens=7)
        events = ask(sensei, sensei.new_conversation(tmp_path), "sing")
        stub.assert_script_used()
    assert stub.requests[0]["body"]["max_tokens"] == 7
    assert isinstance(events[-1], FinalAnswer) and events[-1].text.startswith("la " * 7)
    assert "cut" in events[-1].text and "7 tokens" in events[-1].text
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == events[-1].text  # streamed views see it


def test_a_stream_that_goes_on_too_long_is_cut_closed_and_said(tmp_path):
    with StubLLM([Runaway(interval=0.01, seconds=30)]) as stub:
        sensei = sensei_for(stub, llm_max_tokens=100_000, llm_max_seconds=1.0)
        started = time.monotonic()
        events = ask(sensei, sensei.new_conversation(tmp_path), "hello")
        took = time.monotonic() - started
        assert stub.disconnected.wait(3), "the stream was left open: the server went on generating"
    assert took < 5
    assert isinstance(events[-1], FinalAnswer) and events[-1].text.startswith("<|im_end|>user")
    assert "cut" in events[-1].text and "1 s" in events[-1].text
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == events[-1].text


def test_stop_closes_the_stream_so_the_server_stops_generating(tmp_path):
    with StubLLM([Runaway(interval=0.01, seconds=30), Reply(text="Next.")]) as stub:
        sensei = sensei_for(stub, llm_max_tokens=100_000)
        conversation = sensei.new_conversation(tmp_path)
        cancel = threading.Event()
        events = []
        for event in sensei.turn(conversation, "hello", cancel):
            events.append(event)
            if isinstance(event, TextDelta):
                cancel.set()  # what the Stop button does
        assert stub.disconnected.wait(3), "Stop left the stream open: the server went on generating"
        assert ask(sensei, conversation, "again")[-1] == FinalAnswer("Next.")
        stub.assert_script_used()
    assert isinstance(events[-1], TurnError) and "stopped" in events[-1].message


def test_requests_carry_the_bounds_and_the_history_as_servers_accept_it(tmp_path):
    script = [Reply(tool_calls=[ToolCall("c1", "extract_attention", json.dumps({"text": SENTENCE})),
                                ToolCall("c2", "plot_heatmap", '{"layer": ')]), Reply(text="Done.")]
    with StubLLM(script, quirks=("null_content", "invalid_arguments")) as stub:
        sensei = sensei_for(stub)
        events = ask(sensei, sensei.new_conversation(tmp_path), "heatmap")
        stub.assert_script_used()
    assert events[-1] == FinalAnswer("Done.")
    body = stub.requests[-1]["body"]
    assert body["max_tokens"] == Settings().llm_max_tokens and body["tool_choice"] == "auto"
    calls = body["messages"][-3]["tool_calls"]
    assert [c["function"]["arguments"] for c in calls] == [json.dumps({"text": SENTENCE}), "{}"]


def test_the_command_line_sets_both_bounds_on_ask_chat_and_ui(tmp_path, capsys):
    with StubLLM([Runaway(piece="la ")]) as stub:
        code = main(["ask", "sing", "--json", "--backend", "openai", "--base-url", stub.base_url,
                     "--llm-max-tokens", "7", "--llm-max-seconds", "30", "--out", str(tmp_path)])
        stub.assert_script_used()
    assert code == 0 and stub.requests[0]["body"]["max_tokens"] == 7
    assert "7 tokens" in json.loads(capsys.readouterr().out)["answer"]
    for command in (["chat"], ["ui"]):
        settings = settings_from_args(_parser().parse_args([*command, "--llm-max-tokens", "9",
                                                            "--llm-max-seconds", "2.5"]))
        assert (settings.llm_max_tokens, settings.llm_max_seconds) == (9, 2.5)
    with pytest.raises(SystemExit):
        _parser().parse_args(["ask", "hi", "--llm-max-tokens", "0"])
    assert "expected a positive whole number, not '0'" in capsys.readouterr().err


def test_o_series_models_get_max_completion_tokens_and_a_refused_max_tokens_is_renamed(tmp_path):
    def limits(stub: StubLLM) -> list[list[str]]:
        return [sorted(k for k in r["body"] if k.startswith("max_")) for r in stub.requests]

    with StubLLM([Runaway(piece="la ")], quirks=("max_completion_tokens",)) as stub:  # known by its name
        sensei = sensei_for(stub, llm_model="o3-mini", llm_max_tokens=5)
        events = ask(sensei, sensei.new_conversation(tmp_path), "sing")
        stub.assert_script_used()
    assert limits(stub) == [["max_completion_tokens"]] and stub.requests[0]["body"]["max_completion_tokens"] == 5
    assert isinstance(events[-1], FinalAnswer) and events[-1].text.startswith("la " * 5)
    assert "5 tokens" in events[-1].text

    with StubLLM([Reply(text="One."), Reply(text="Two.")], quirks=("max_completion_tokens",)) as stub:  # not by name
        sensei = sensei_for(stub, llm_model="house-reasoner")
        conversation = sensei.new_conversation(tmp_path)
        first, second = ask(sensei, conversation, "one?"), ask(sensei, conversation, "two?")
        stub.assert_script_used()
    assert (first[-1], second[-1]) == (FinalAnswer("One."), FinalAnswer("Two."))
    assert limits(stub) == [["max_tokens"], ["max_completion_tokens"], ["max_completion_tokens"]]  # then remembered


@pytest.mark.parametrize("by", ["stop", "time limit"])
def test_stop_and_the_time_limit_hang_up_a_request_that_does_not_stream(tmp_path, by):
    # The tool_choice quirk answers a streamed request with an empty body: the answer is then asked for in one
    # plain request, which this server takes its time over before it sends a byte.
    with StubLLM([Hang(30), Reply(text="Next.")], quirks=("tool_choice",)) as stub:
        sensei = sensei_for(stub, request_timeout=60.0, llm_max_seconds=1.0 if by == "time limit" else 240.0)
        conversation = sensei.new_conversation(tmp_path)
        cancel = threading.Event()
        events: list = []
        turn = threading.Thread(target=lambda: events.extend(sensei.turn(conversation, "hello", cancel)))
        turn.start()
        deadline = time.monotonic() + 10
        while len(stub.requests) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert stub.requests[-1]["body"].get("stream", False) is False
        if by == "stop":
            cancel.set()  # what the Stop button does
        turn.join(5)
        assert stub.disconnected.wait(3), f"the plain request was left open after the {by}: the server went on"
        assert ask(sensei, conversation, "again")[-1] == FinalAnswer("Next.")
        stub.assert_script_used()
    assert isinstance(events[-1], TurnError)
    assert ("stopped" if by == "stop" else "after 1 s") in events[-1].message
