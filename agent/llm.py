"""The agent loop over any OpenAI-compatible LLM: stream, run the tools it asks for, repeat.

A turn is a generator of events. The conversation (OpenAI message list) stays valid whatever
happens: every `tool_call_id` of an assistant message gets exactly one tool message, also when a
tool fails, the arguments are broken, the user cancels or the generator is closed mid-turn.

Each answer is bounded: `llm_max_tokens` is sent as `max_tokens` (`max_completion_tokens` where the
model wants it: agent/endpoint.py), and a stream still running after `llm_max_seconds` is cut. Stop
and the time limit close the HTTP response, so the server stops generating; an answer cut either way
says so.
"""

from __future__ import annotations

import json
import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import openai

from agent.endpoint import (
    Hangup,
    describe_api_error,
    endpoint_name,
    own_connection,
    redact,
    renamed_token_limit,
    sendable,
    token_limit,
)
from agent.events import Event, FinalAnswer, TextDelta, ToolFinished, ToolStarted, TurnError
from agent.llm_result import result_for_llm
from agent.question_form import detect_language
from agent.registry import Registry
from agent.runner import run_tool
from agent.settings import Settings
from agent.stream import MessageAccumulator
from tools import Session

__all__ = ["llm_turn"]


def llm_turn(
    client: Any,
    registry: Registry,
    settings: Settings,
    tools_session: Session,
    messages: list[dict[str, Any]],
    system: str,
    cancel: threading.Event | None = None,
) -> Iterator[Event]:
    """One user turn; `messages` (ending with the user's message) is extended in place."""
    cancel = cancel or threading.Event()
    for _ in range(settings.max_rounds):
        try:
            reply = yield from _complete(client, registry, settings, [{"role": "system", "content": system}, *messages],
                                         cancel)
        except openai.APIError as error:
            yield TurnError(describe_api_error(error, settings))
            return
        except _BadReply as bad:
            yield TurnError(redact(bad.message, settings.api_key))
            return
        if cancel.is_set():
            yield TurnError("stopped: the answer was cancelled")
            return
        if reply.timed_out:
            reply.calls.clear()  # a call cut off mid-way is neither run nor kept
            if not reply.text:
                yield TurnError(f"the LLM endpoint {endpoint_name(settings)} had not finished its answer"
                                f"{_cut_note(reply, settings)}")
                return
        messages.append(reply.assistant_message())
        if not reply.calls:  # no tool calls accumulated: this is the answer, whatever finish_reason said
            text = reply.text or "(the LLM returned an empty answer: ask again, or rephrase)"
            if reply.cut:  # streamed too, for those who show the deltas
                note = f"\n\n(The answer was cut{_cut_note(reply, settings)}.)"
                yield TextDelta(note if reply.text else text + note)
                text += note
            yield FinalAnswer(text)
            return
        yield from _run_calls(reply, registry, settings, tools_session, messages, cancel, _asked_in(messages))
        if cancel.is_set():
            yield TurnError("stopped: the answer was cancelled")
            return
    yield FinalAnswer(
        f"I stopped after {settings.max_rounds} rounds of tool calls without reaching an answer "
        "(the limit protects you from a model that loops). The results so far are shown above; "
        "ask a narrower question, or raise the limit with --max-rounds."
    )


def _cut_note(reply: MessageAccumulator, settings: Settings) -> str:
    if reply.timed_out:
        return (f": the LLM was still writing after {settings.llm_max_seconds:g} s, the limit for one answer "
                "(llm_max_seconds)")
    return f": it reached {settings.llm_max_tokens} tokens, the limit for one answer (llm_max_tokens)"


def _asked_in(messages: list[dict[str, Any]]) -> str:
    """The language of the learner's latest question ("en" or "ja"): a figure the LLM asks for without a
    `language` is drawn in it."""
    question = next((m.get("content") for m in reversed(messages) if m.get("role") == "user"), None)
    return detect_language(question) if isinstance(question, str) else "en"


def _run_calls(reply: MessageAccumulator, registry: Registry, settings: Settings, tools_session: Session,
               messages: list[dict[str, Any]], cancel: threading.Event, language: str = "en") -> Iterator[Event]:
    answered: set[str] = set()
    try:
        for call in reply.calls:
            if cancel.is_set():
                break
            arguments, error = call.parsed()
            arguments = registry.filled(call.name, arguments, language=language)  # figures in the learner's words
            yield ToolStarted(call.id, call.name, arguments)
            finished: ToolFinished | None = None
            for event in run_tool(registry, tools_session, call.id, call.name, arguments, settings.tool_timeout,
                                  invalid_arguments=error):
                yield event
                if isinstance(event, ToolFinished):
                    finished = event
            assert finished is not None  # run_tool always ends with one
            messages.append({"role": "tool", "tool_call_id": call.id, "content": result_for_llm(finished)})
            answered.add(call.id)
    finally:  # cancelled, or the generator was closed: answer what is left so the history stays valid
        for call in reply.calls:
            if call.id not in answered:
                messages.append({"role": "tool", "tool_call_id": call.id,
                                 "content": '{"ok": false, "error": "cancelled by the user"}'})


class _BadReply(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _complete(client: Any, registry: Registry, settings: Settings, messages: list[dict[str, Any]],
              cancel: threading.Event) -> Iterator[Event]:
    """Stream one completion; fall back to a plain request when streaming fails before anything arrived.

    Raises openai.APIError for endpoint failures, _BadReply for what cannot be read. Returns what
    arrived so far when `cancel` is set or `llm_max_seconds` have passed (then `timed_out` is set).
    """
    request: dict[str, Any] = {"model": settings.llm_model, "messages": [sendable(m) for m in messages],
                               **token_limit(client, settings)}
    tools = registry.openai_tools()
    if tools:  # "auto" said aloud: llama-cpp-python takes a missing tool_choice for "none"
        request.update(tools=tools, tool_choice="auto")
    deadline = time.monotonic() + settings.llm_max_seconds
    return (yield from _complete_streamed(client, request, settings, cancel, deadline))


def _complete_streamed(client: Any, request: dict[str, Any], settings: Settings, cancel: threading.Event,
                       deadline: float, renamed: bool = False) -> Iterator[Event]:

    def stream_chunks(emit: Callable[[Any], None], stopped: threading.Event) -> None:
        try:
            stream = client.chat.completions.create(**request, stream=True)
        except Exception as error:  # sorted out below, outside the stream's own error handling
            emit(_CreateFailed(error))
            return
        try:
            for chunk in stream:
                if stopped.is_set():  # nobody listens any more: hang up, so the server stops generating
                    break
                emit(chunk)
        finally:
            close = getattr(stream, "close", None)
            if close:
                close()

    reply = MessageAccumulator()
    chunks = 0
    failed: Exception | None = None
    try:
        for item in _relay(stream_chunks, cancel, deadline):
            if isinstance(item, _CreateFailed):
                failed = item.error
                break
            chunks += 1
            for choice in item.choices or []:
                delta = choice.delta
                if delta is not None and delta.content:
                    reply.add_text(delta.content)
                    yield TextDelta(delta.content)
                for tool_delta in (delta.tool_calls if delta is not None else None) or []:
                    reply.add_tool_delta(tool_delta)
                reply.finish_reason = choice.finish_reason or reply.finish_reason
    except _OutOfTime:
        reply.timed_out = True
        return reply
    except (openai.APIError, json.JSONDecodeError, ValueError, AttributeError, TypeError) as error:
        if reply.text or reply.calls:
            raise _BadReply(f"the stream from {endpoint_name(settings)} stopped mid-way; ask again") from error
        return (yield from _complete_plain(client, request, settings, cancel, deadline))
    if isinstance(failed, openai.BadRequestError):
        fixed = None if renamed else renamed_token_limit(client, request, failed)
        if fixed is not None:  # the model wants its token bound under the other name
            return (yield from _complete_streamed(client, fixed, settings, cancel, deadline, renamed=True))
        return (yield from _complete_plain(client, request, settings, cancel, deadline))  # some refuse stream + tools
    if isinstance(failed, json.JSONDecodeError | ValueError):
        raise _BadReply(f"the LLM endpoint {endpoint_name(settings)} answered with something that is not JSON"
                        ) from failed
    if failed is not None:
        raise failed
    if chunks == 0 and not cancel.is_set():  # a body with no events at all: streaming is broken there
        return (yield from _complete_plain(client, request, settings, cancel, deadline))
    return reply


def _complete_plain(client: Any, request: dict[str, Any], settings: Settings, cancel: threading.Event,
                    deadline: float, renamed: bool = False) -> Iterator[Event]:
    reply = MessageAccumulator()
    hangup = Hangup()  # the whole answer comes in one blocking read: Stop and the time limit shut it

    def ask(emit: Callable[[Any], None], stopped: threading.Event) -> None:
        with own_connection(client, hangup) as hanging_up:
            emit(hanging_up.chat.completions.create(**request, stream=False))

    try:
        responses = list(_relay(ask, cancel, deadline, on_stop=hangup))
        if not responses:  # cancelled while waiting
            return reply
        response = responses[0]
        message = response.choices[0].message
    except _OutOfTime:
        reply.timed_out = True
        return reply
    except openai.BadRequestError as error:
        fixed = None if renamed else renamed_token_limit(client, request, error)
        if fixed is None:
            raise
        return (yield from _complete_plain(client, fixed, settings, cancel, deadline, renamed=True))
    except (json.JSONDecodeError, ValueError, AttributeError, TypeError, IndexError) as error:
        raise _BadReply(f"the LLM endpoint {endpoint_name(settings)} answered with something that is not "
                        "a chat completion; check the base URL (it usually ends in /v1)") from error
    reply.add_text(message.content)
    for call in message.tool_calls or []:
        reply.add_tool_delta({"id": call.id, "function": {"name": call.function.name,
                                                          "arguments": call.function.arguments}})
    if reply.text:
        yield TextDelta(reply.text)
    reply.finish_reason = response.choices[0].finish_reason
    return reply


@dataclass(frozen=True)
class _CreateFailed:
    error: Exception


@dataclass(frozen=True)
class _Raised:
    error: BaseException


_END = object()


class _OutOfTime(Exception):
    """`llm_max_seconds` passed before the completion ended."""


def _relay(work: Callable[[Callable[[Any], None], threading.Event], None], cancel: threading.Event,
           deadline: float, on_stop: Callable[[], None] | None = None) -> Iterator[Any]:
    """Run `work(emit, stopped)` in a daemon thread and yield what it emits, until it ends or `cancel` is set.

    Raises _OutOfTime at `deadline` (time.monotonic()). When the consumer stops listening for any
    reason, `stopped` is set and `on_stop` called: a stream then hangs up at its next chunk, a plain
    request waiting for its answer at once (its `on_stop` is a `Hangup`; a stream's request still
    waiting for its first byte is not hung up, and ends at its timeout). Its thread finishes on its
    own and what it emits is dropped. So Stop is immediate.
    """
    feed: queue.Queue[Any] = queue.Queue()
    stopped = threading.Event()

    def run() -> None:
        try:
            work(feed.put, stopped)
        except BaseException as error:  # handed to the consumer, who decides
            feed.put(_Raised(error))
        else:
            feed.put(_END)

    threading.Thread(target=run, daemon=True, name="llm-request").start()
    try:
        while not cancel.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                raise _OutOfTime
            try:
                item = feed.get(timeout=min(0.1, left))
            except queue.Empty:
                continue
            if item is _END:
                return
            if isinstance(item, _Raised):
                raise item.error
            yield item
    finally:
        stopped.set()
        if on_stop is not None:
            on_stop()
