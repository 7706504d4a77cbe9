"""The stub server speaks the wire protocol the real `openai` client expects, quirks included."""

from __future__ import annotations

import http.client
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import openai
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))  # harmless if conftest already did it

from llm_stub import CutStream, Garbage, Hang, HttpError, Reply, Runaway, StubLLM, ToolCall, history_problem  # noqa: E402

MESSAGES = [{"role": "user", "content": "What is the weather in Tokyo?"}]
TOOLS = [{"type": "function", "function": {
    "name": "get_weather", "description": "Weather for a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]
CALLS = [ToolCall("call_1", "get_weather", '{"city": "Tokyo"}'), ToolCall("call_2", "add", '{"a": 1, "b": 2}')]


def client_for(stub: StubLLM, timeout: float = 5.0) -> openai.OpenAI:
    return openai.OpenAI(base_url=stub.base_url, api_key="sk-test-secret", max_retries=0, timeout=timeout)


def stream_deltas(stub: StubLLM, model: str = "stub-model") -> tuple[list[Any], list[dict[str, Any]], str | None]:
    """Stream one reply with the real client: (chunks, tool-call deltas as sent dicts, last finish_reason)."""
    chunks = list(client_for(stub).chat.completions.create(model=model, messages=MESSAGES, tools=TOOLS, stream=True))
    deltas = [call.to_dict() for chunk in chunks for call in (chunk.choices[0].delta.tool_calls or [])]
    return chunks, deltas, chunks[-1].choices[0].finish_reason


def raw_sse(stub: StubLLM, body: dict[str, Any]) -> tuple[str, list[str]]:
    """POST with the stdlib and return (content type, the `data:` payloads) exactly as they came off the wire."""
    url = urlparse(stub.base_url)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=5)
    try:
        conn.request("POST", url.path + "/chat/completions", body=json.dumps(body),
                     headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        text = response.read().decode()
        content_type = response.getheader("Content-Type") or ""
    finally:
        conn.close()
    return content_type, [line[len("data: "):] for line in text.split("\n\n") if line.startswith("data: ")]


# --- streaming styles ---------------------------------------------------------------------------------------------


def test_standard_style_streams_name_then_three_argument_fragments() -> None:
    with StubLLM([Reply(tool_calls=CALLS)]) as stub:
        chunks, deltas, finish = stream_deltas(stub, model="my-model")
        stub.assert_script_used()
    assert {chunk.model for chunk in chunks} == {"my-model"}
    assert {chunk.object for chunk in chunks} == {"chat.completion.chunk"}
    assert deltas == [
        {"index": 0, "id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": ""}},
        {"index": 0, "function": {"arguments": '{"city'}},
        {"index": 0, "function": {"arguments": '": "To'}},
        {"index": 0, "function": {"arguments": 'kyo"}'}},
        {"index": 1, "id": "call_2", "type": "function", "function": {"name": "add", "arguments": ""}},
        {"index": 1, "function": {"arguments": '{"a": '}},
        {"index": 1, "function": {"arguments": '1, "b"'}},
        {"index": 1, "function": {"arguments": ": 2}"}},
    ]
    assert finish == "tool_calls"
    assert all(chunk.choices[0].finish_reason is None for chunk in chunks[:-1])


def test_no_index_style_sends_whole_calls_without_index_key() -> None:
    with StubLLM([Reply(tool_calls=CALLS, style="no_index")]) as stub:
        chunks, deltas, finish = stream_deltas(stub)
    assert deltas == [
        {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Tokyo"}'}},
        {"id": "call_2", "type": "function", "function": {"name": "add", "arguments": '{"a": 1, "b": 2}'}},
    ]
    # The client does not validate: the missing key becomes None on the model and stays absent in to_dict().
    calls = [call for chunk in chunks for call in (chunk.choices[0].delta.tool_calls or [])]
    assert [call.index for call in calls] == [None, None]
    assert finish == "tool_calls"


def test_no_index_style_has_no_index_key_on_the_wire() -> None:
    with StubLLM([Reply(tool_calls=CALLS, style="no_index")]) as stub:
        content_type, payloads = raw_sse(stub, {"model": "m", "messages": MESSAGES, "stream": True})
    assert content_type.startswith("text/event-stream")
    assert payloads[-1] == "[DONE]"
    wire_calls = [call for payload in payloads[:-1] for call in json.loads(payload)["choices"][0]["delta"].get(
        "tool_calls", [])]
    assert len(wire_calls) == 2
    assert all("index" not in call for call in wire_calls)


def test_reuse_index_style_puts_every_call_at_index_zero_with_new_ids() -> None:
    with StubLLM([Reply(tool_calls=CALLS, style="reuse_index")]) as stub:
        _, deltas, finish = stream_deltas(stub)
    assert [(d["index"], d["id"], d["function"]["name"], d["function"]["arguments"]) for d in deltas] == [
        (0, "call_1", "get_weather", '{"city": "Tokyo"}'),
        (0, "call_2", "add", '{"a": 1, "b": 2}'),
    ]
    assert finish == "tool_calls"


def test_whole_style_sends_each_call_once_with_its_index() -> None:
    with StubLLM([Reply(tool_calls=CALLS, style="whole")]) as stub:
        _, deltas, finish = stream_deltas(stub)
    assert [(d["index"], d["id"], d["function"]["name"], d["function"]["arguments"]) for d in deltas] == [
        (0, "call_1", "get_weather", '{"city": "Tokyo"}'),
        (1, "call_2", "add", '{"a": 1, "b": 2}'),
    ]
    assert finish == "tool_calls"


def test_empty_then_full_style_sends_braces_then_the_full_arguments() -> None:
    with StubLLM([Reply(tool_calls=CALLS, style="empty_then_full")]) as stub:
        _, deltas, finish = stream_deltas(stub)
    assert all("index" not in d for d in deltas)
    assert [(d["id"], d["function"].get("name"), d["function"]["arguments"]) for d in deltas] == [
        ("call_1", "get_weather", "{}"),
        ("call_1", None, '{"city": "Tokyo"}'),
        ("call_2", "add", "{}"),
        ("call_2", None, '{"a": 1, "b": 2}'),
    ]
    assert finish == "tool_calls"


def test_gpt4o_quirk_finish_reason_stop_with_tool_calls() -> None:
    with StubLLM([Reply(tool_calls=CALLS[:1], finish_reason="stop")]) as stub:
        _, deltas, finish = stream_deltas(stub)
    assert deltas[0]["id"] == "call_1"
    assert finish == "stop"


def test_invalid_json_arguments_arrive_verbatim() -> None:
    broken = '{"city": "Tok'
    with StubLLM([Reply(tool_calls=[ToolCall("call_x", "get_weather", broken)], style="whole")]) as stub:
        _, deltas, _ = stream_deltas(stub)
    assert deltas[0]["function"]["arguments"] == broken


def test_text_streams_in_about_three_pieces_and_ends_with_done() -> None:
    text = "Attention weights sum to one."
    with StubLLM([Reply(text=text), Reply(text=text)]) as stub:
        chunks, deltas, finish = stream_deltas(stub)
        content_type, payloads = raw_sse(stub, {"model": "m", "messages": MESSAGES, "stream": True})
    pieces = [chunk.choices[0].delta.content for chunk in chunks if chunk.choices[0].delta.content]
    assert len(pieces) == 3
    assert "".join(pieces) == text
    assert deltas == []
    assert finish == "stop"
    assert content_type.startswith("text/event-stream")
    assert payloads[-1] == "[DONE]"
    assert json.loads(payloads[-2])["choices"][0]["finish_reason"] == "stop"


# --- non-streaming --------------------------------------------------------------------------------------------------


def test_non_streaming_reply_with_tool_calls() -> None:
    with StubLLM([Reply(text="Let me check.", tool_calls=CALLS)]) as stub:
        result = client_for(stub).chat.completions.create(model="gpt-x", messages=MESSAGES, tools=TOOLS)
        stub.assert_script_used()
    assert result.object == "chat.completion"
    assert result.model == "gpt-x"
    choice = result.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.content == "Let me check."
    assert [(c.id, c.type, c.function.name, c.function.arguments) for c in choice.message.tool_calls] == [
        ("call_1", "function", "get_weather", '{"city": "Tokyo"}'),
        ("call_2", "function", "add", '{"a": 1, "b": 2}'),
    ]


def test_non_streaming_text_reply() -> None:
    with StubLLM([Reply(text="こんにちは")]) as stub:
        result = client_for(stub).chat.completions.create(model="m", messages=MESSAGES)
    assert result.choices[0].message.content == "こんにちは"
    assert result.choices[0].message.tool_calls is None
    assert result.choices[0].finish_reason == "stop"


def test_models_list() -> None:
    with StubLLM([]) as stub:
        models = list(client_for(stub).models.list())
        stub.assert_script_used()
    assert [model.id for model in models] == ["stub-model"]


# --- errors ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("status", "exception"), [
    (401, openai.AuthenticationError),
    (404, openai.NotFoundError),
    (429, openai.RateLimitError),
    (500, openai.InternalServerError),
])
def test_http_errors_raise_the_matching_openai_exception(status: int, exception: type[Exception]) -> None:
    with StubLLM([HttpError(status, f"boom {status}", headers={"Retry-After": "7"})]) as stub:
        with pytest.raises(exception) as caught:
            client_for(stub).chat.completions.create(model="m", messages=MESSAGES)
        stub.assert_script_used()
    error = caught.value
    assert isinstance(error, openai.APIStatusError)
    assert error.status_code == status
    assert error.response.headers["retry-after"] == "7"
    assert f"boom {status}" in str(error)
    assert error.body["message"] == f"boom {status}"


def test_http_error_on_a_streaming_request() -> None:
    with StubLLM([HttpError(429, "slow down", headers={"Retry-After": "2"})]) as stub:
        with pytest.raises(openai.RateLimitError) as caught:
            client_for(stub).chat.completions.create(model="m", messages=MESSAGES, stream=True)
    assert caught.value.response.headers["retry-after"] == "2"


def test_hang_times_out_on_the_client() -> None:
    with StubLLM([Hang(1.5)]) as stub:
        started = time.monotonic()
        with pytest.raises(openai.APITimeoutError):
            client_for(stub, timeout=0.5).chat.completions.create(model="m", messages=MESSAGES)
        assert time.monotonic() - started < 1.4
        stub.assert_script_used()


def test_garbage_json_body_raises_json_decode_error() -> None:
    # Observed: openai 3.x does not wrap this; a 200 with an unparsable JSON body raises json.JSONDecodeError.
    with StubLLM([Garbage()]) as stub:
        with pytest.raises(json.JSONDecodeError):
            client_for(stub).chat.completions.create(model="m", messages=MESSAGES)


def test_garbage_with_other_content_type_is_returned_as_a_string() -> None:
    # Observed: a non-JSON content type is not an error at all; create() returns the body text as a str.
    with StubLLM([Garbage(b"<html>oops</html>", "text/html")]) as stub:
        result = client_for(stub).chat.completions.create(model="m", messages=MESSAGES)
    assert result == "<html>oops</html>"


def test_garbage_event_stream_raises_json_decode_error() -> None:
    with StubLLM([Garbage(b"data: {not json\n\n", "text/event-stream")]) as stub:
        with pytest.raises(json.JSONDecodeError):
            list(client_for(stub).chat.completions.create(model="m", messages=MESSAGES, stream=True))


def test_cut_stream_yields_the_chunks_sent_then_raises_connection_error() -> None:
    # Observed: the chunks before the cut arrive, then the incomplete chunked body raises APIConnectionError.
    received: list[str | None] = []
    with StubLLM([CutStream(Reply(text="hello world there"), after_chunks=2)]) as stub:
        stream: Iterator[Any] = client_for(stub).chat.completions.create(model="m", messages=MESSAGES, stream=True)
        with pytest.raises(openai.APIConnectionError) as caught:
            for chunk in stream:
                received.append(chunk.choices[0].delta.content)
        stub.assert_script_used()
    assert received == ["", "hello "]
    assert "incomplete" in repr(caught.value.__cause__)


def test_cut_stream_before_any_chunk() -> None:
    with StubLLM([CutStream(Reply(tool_calls=CALLS), after_chunks=0)]) as stub:
        with pytest.raises(openai.APIConnectionError):
            list(client_for(stub).chat.completions.create(model="m", messages=MESSAGES, stream=True))


# --- recording and script accounting --------------------------------------------------------------------------------


def test_requests_record_body_and_authorization() -> None:
    with StubLLM([Reply(text="a")]) as stub:
        stub.add(Reply(text="b"))
        client = client_for(stub)
        client.chat.completions.create(model="m1", messages=MESSAGES, tools=TOOLS)
        client.chat.completions.create(model="m2", messages=MESSAGES, stream=True).close()
        stub.assert_script_used()
    assert len(stub.requests) == 2
    first, second = stub.requests
    assert first["path"] == "/v1/chat/completions"
    assert first["headers"]["authorization"] == "Bearer sk-test-secret"
    assert first["body"]["model"] == "m1"
    assert first["body"]["messages"] == MESSAGES
    assert first["body"]["tools"] == TOOLS
    assert "stream" not in first["body"]
    assert second["body"]["stream"] is True


def test_script_items_are_consumed_in_order() -> None:
    with StubLLM([Reply(text="first"), HttpError(500, "second"), Reply(text="third")]) as stub:
        client = client_for(stub)
        assert client.chat.completions.create(model="m", messages=MESSAGES).choices[0].message.content == "first"
        with pytest.raises(openai.InternalServerError):
            client.chat.completions.create(model="m", messages=MESSAGES)
        assert client.chat.completions.create(model="m", messages=MESSAGES).choices[0].message.content == "third"
        stub.assert_script_used()


def test_assert_script_used_fails_when_items_remain() -> None:
    with StubLLM([Reply(text="used"), Reply(text="left over")]) as stub:
        client_for(stub).chat.completions.create(model="m", messages=MESSAGES)
        with pytest.raises(AssertionError, match="left over"):
            stub.assert_script_used()


def test_exhausted_script_answers_500_and_fails_the_check() -> None:
    with StubLLM([]) as stub:
        with pytest.raises(openai.InternalServerError, match="stub script exhausted"):
            client_for(stub).chat.completions.create(model="m", messages=MESSAGES)
        with pytest.raises(AssertionError, match="exhausted"):
            stub.assert_script_used()
    assert len(stub.requests) == 1


def test_unknown_style_is_rejected() -> None:
    with pytest.raises(ValueError, match="style"):
        Reply(style="bogus")


# --- what real servers refuse, and their quirks ---------------------------------------------------------------------

ASKED = {"role": "assistant", "content": "", "tool_calls": [
    {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Tokyo"}'}}]}
ANSWERED = {"role": "tool", "tool_call_id": "call_1", "content": "sunny"}


@pytest.mark.parametrize(("messages", "problem"), [
    ([*MESSAGES, ASKED, ANSWERED], None),
    ([*MESSAGES, ANSWERED], "must be a response to a preceeding message with 'tool_calls'"),
    ([*MESSAGES, ASKED], "did not have response messages: call_1"),
    ([*MESSAGES, ASKED, *MESSAGES], "did not have response messages: call_1"),
    ([*MESSAGES, ASKED, ANSWERED, ANSWERED], "must be a response to a preceeding message"),
])
def test_a_history_whose_calls_and_results_do_not_pair_up_is_refused_with_400(messages, problem) -> None:
    found = history_problem(messages)
    assert found is None if problem is None else problem in found
    with StubLLM([Reply(text="fine")] if problem is None else []) as stub:
        if problem is None:
            client_for(stub).chat.completions.create(model="m", messages=messages)
        else:
            with pytest.raises(openai.BadRequestError, match=problem.split("'")[0]):
                client_for(stub).chat.completions.create(model="m", messages=messages)
        stub.assert_script_used()  # a refused request consumes nothing


@pytest.mark.parametrize(("quirk", "message", "said"), [
    ("null_content", {**ASKED, "content": None}, "Input should be a valid string"),
    ("invalid_arguments", {**ASKED, "tool_calls": [{**ASKED["tool_calls"][0], "function": {
        "name": "get_weather", "arguments": '{"city": "Tok'}}]}, "Failed to parse tool call arguments as JSON"),
])
def test_quirky_servers_refuse_a_history_with_500(quirk, message, said) -> None:
    history = [*MESSAGES, message, ANSWERED]
    with StubLLM([Reply(text="lenient")]) as lenient, StubLLM([], quirks=(quirk,)) as strict:
        assert client_for(lenient).chat.completions.create(model="m", messages=history).choices[0].message.content
        with pytest.raises(openai.InternalServerError, match=said):
            client_for(strict).chat.completions.create(model="m", messages=history)
        strict.assert_script_used()


def test_the_tool_choice_quirk_hides_the_tools_unless_asked_and_streams_auto_as_an_empty_body() -> None:
    with StubLLM([Reply(tool_calls=CALLS), Reply(tool_calls=CALLS)], quirks=("tool_choice",)) as stub:
        client = client_for(stub)
        unasked = client.chat.completions.create(model="m", messages=MESSAGES, tools=TOOLS)
        assert unasked.choices[0].message.tool_calls is None and unasked.choices[0].message.content
        streamed = list(client.chat.completions.create(model="m", messages=MESSAGES, tools=TOOLS, tool_choice="auto",
                                                       stream=True))
        assert streamed == []
        asked = client.chat.completions.create(model="m", messages=MESSAGES, tools=TOOLS, tool_choice="auto")
        assert [call.id for call in asked.choices[0].message.tool_calls] == ["call_1", "call_2"]
        stub.assert_script_used()


def test_unknown_quirk_is_rejected() -> None:
    with pytest.raises(ValueError, match="quirk"):
        StubLLM([], quirks=("bogus",))


def test_a_runaway_stops_at_max_tokens_with_finish_reason_length() -> None:
    with StubLLM([Runaway(piece="ab"), Runaway(piece="cd")]) as stub:
        chunks = list(client_for(stub).chat.completions.create(model="m", messages=MESSAGES, max_tokens=5,
                                                               stream=True))
        plain = client_for(stub).chat.completions.create(model="m", messages=MESSAGES, max_tokens=3)
        stub.assert_script_used()
    assert "".join(chunk.choices[0].delta.content or "" for chunk in chunks) == "ab" * 5
    assert chunks[-1].choices[0].finish_reason == "length"
    assert plain.choices[0].message.content == "cdcdcd" and plain.choices[0].finish_reason == "length"
    assert not stub.disconnected.is_set()


def test_a_runaway_without_max_tokens_goes_on_until_the_client_closes_the_stream() -> None:
    with StubLLM([Runaway(interval=0.005)]) as stub:
        stream = client_for(stub).chat.completions.create(model="m", messages=MESSAGES, stream=True)
        received = [chunk for chunk, _ in zip(stream, range(50), strict=False)]
        assert len(received) == 50 and not stub.disconnected.is_set()
        stream.close()
        assert stub.disconnected.wait(5)
