"""The agent loop over any OpenAI-compatible LLM: stream, run the tools it asks for, repeat.

A turn is a generator of events. The conversation (OpenAI message list) stays valid whatever
happens: every `tool_call_id` of an assistant message gets exactly one tool message, also when a
tool fails, the arguments are broken, the user cancels or the generator is closed mid-turn.
"""

from __future__ import annotations

import json
import queue
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import openai

from agent.events import Event, FinalAnswer, TextDelta, ToolFinished, ToolStarted, TurnError
from agent.llm_result import result_for_llm
from agent.registry import Registry
from agent.runner import run_tool
from agent.settings import Settings
from agent.stream import MessageAccumulator
from tools import Session

__all__ = ["llm_turn", "make_client", "describe_api_error", "redact"]

_KEY_PATTERN = re.compile(r"\b(sk-[A-Za-z0-9_\-*]{4,}|Bearer\s+\S+)")


def make_client(settings: Settings) -> openai.OpenAI:
    return openai.OpenAI(
        base_url=settings.base_url,
        api_key=settings.api_key or "no-key",  # local servers accept any key
        timeout=settings.request_timeout,
        max_retries=2,  # the client retries 429 and 5xx with backoff, honouring Retry-After
    )


def redact(text: str, secret: str | None) -> str:
    """Remove the API key, and anything shaped like one, from text a server sent back."""
    if secret:
        text = text.replace(secret, "[redacted]")
    return _KEY_PATTERN.sub("[redacted]", text)


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
        messages.append(reply.assistant_message())
        if not reply.calls:  # no tool calls accumulated: this is the answer, whatever finish_reason said
            yield FinalAnswer(reply.text or "(the LLM returned an empty answer: ask again, or rephrase)")
            return
        yield from _run_calls(reply, registry, settings, tools_session, messages, cancel)
        if cancel.is_set():
            yield TurnError("stopped: the answer was cancelled")
            return
    yield FinalAnswer(
        f"I stopped after {settings.max_rounds} rounds of tool calls without reaching an answer "
        "(the limit protects you from a model that loops). The results so far are shown above; "
        "ask a narrower question, or raise the limit with --max-rounds."
    )


def _run_calls(reply: MessageAccumulator, registry: Registry, settings: Settings, tools_session: Session,
               messages: list[dict[str, Any]], cancel: threading.Event) -> Iterator[Event]:
    answered: set[str] = set()
    try:
        for call in reply.calls:
            if cancel.is_set():
                break
            arguments, error = call.parsed()
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
    arrived so far when `cancel` is set.
    """
    request = {"model": settings.llm_model, "messages": messages, "tools": registry.openai_tools()}

    def stream_chunks(emit: Callable[[Any], None]) -> None:
        try:
            stream = client.chat.completions.create(**request, stream=True)
        except Exception as error:  # sorted out below, outside the stream's own error handling
            emit(_CreateFailed(error))
            return
        try:
            for chunk in stream:
                emit(chunk)
        finally:
            close = getattr(stream, "close", None)
            if close:
                close()

    reply = MessageAccumulator()
    chunks = 0
    failed: Exception | None = None
    try:
        for item in _relay(stream_chunks, cancel):
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
    except (openai.APIError, json.JSONDecodeError, ValueError, AttributeError, TypeError) as error:
        if reply.text or reply.calls:
            raise _BadReply(f"the stream from {_endpoint(settings)} stopped mid-way; ask again") from error
        return (yield from _complete_plain(client, request, settings, cancel))
    if isinstance(failed, openai.BadRequestError):
        return (yield from _complete_plain(client, request, settings, cancel))  # some refuse stream + tools
    if isinstance(failed, json.JSONDecodeError | ValueError):
        raise _BadReply(f"the LLM endpoint {_endpoint(settings)} answered with something that is not JSON") from failed
    if failed is not None:
        raise failed
    if chunks == 0 and not cancel.is_set():  # a body with no events at all: streaming is broken there
        return (yield from _complete_plain(client, request, settings, cancel))
    return reply


def _complete_plain(client: Any, request: dict[str, Any], settings: Settings, cancel: threading.Event
                    ) -> Iterator[Event]:
    reply = MessageAccumulator()
    try:
        responses = list(_relay(lambda emit: emit(client.chat.completions.create(**request, stream=False)),
                                cancel))
        if not responses:  # cancelled while waiting
            return reply
        response = responses[0]
        message = response.choices[0].message
    except (json.JSONDecodeError, ValueError, AttributeError, TypeError, IndexError) as error:
        raise _BadReply(f"the LLM endpoint {_endpoint(settings)} answered with something that is not "
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


def _relay(work: Callable[[Callable[[Any], None]], None], cancel: threading.Event) -> Iterator[Any]:
    """Run `work(emit)` in a daemon thread and yield what it emits, until it ends or `cancel` is set.

    A cancelled request is abandoned, not interrupted (a blocking HTTP read cannot be): its thread
    finishes on its own and whatever it still emits is dropped. So Stop is immediate.
    """
    feed: queue.Queue[Any] = queue.Queue()

    def run() -> None:
        try:
            work(feed.put)
        except BaseException as error:  # handed to the consumer, who decides
            feed.put(_Raised(error))
        else:
            feed.put(_END)

    threading.Thread(target=run, daemon=True, name="llm-request").start()
    while not cancel.is_set():
        try:
            item = feed.get(timeout=0.1)
        except queue.Empty:
            continue
        if item is _END:
            return
        if isinstance(item, _Raised):
            raise item.error
        yield item


def _endpoint(settings: Settings) -> str:
    return settings.base_url or "https://api.openai.com/v1"


def describe_api_error(error: openai.APIError, settings: Settings) -> str:
    """A user-facing sentence: what failed, where, and what to check. Never the key."""
    where = _endpoint(settings)
    if isinstance(error, openai.APITimeoutError):
        text = (f"the LLM endpoint {where} did not answer within {settings.request_timeout:g} s. "
                "Check that the server is running and not overloaded, or use the offline sensei.")
    elif isinstance(error, openai.APIConnectionError):
        text = (f"could not connect to the LLM endpoint {where}. Is the server running and the base URL right "
                "(e.g. http://localhost:11434/v1 for Ollama)? The offline sensei works without a server.")
    elif isinstance(error, openai.AuthenticationError):
        text = f"the LLM endpoint {where} refused the API key (401). Check OPENAI_API_KEY or the key in the settings."
    elif isinstance(error, openai.PermissionDeniedError):
        text = f"the LLM endpoint {where} denied access (403). Check the key's permissions."
    elif isinstance(error, openai.NotFoundError):
        text = (f"the LLM model {settings.llm_model!r} was not found at {where} (404). Check --llm-model / "
                "SENSEI_LLM_MODEL, and that the base URL ends in /v1.")
    elif isinstance(error, openai.RateLimitError):
        text = (f"the LLM endpoint {where} is rate-limiting us (429) even after retries. "
                "Wait a minute and ask again, or check your quota.")
    elif isinstance(error, openai.InternalServerError):
        text = f"the LLM endpoint {where} had a server error ({error.status_code}). Try again in a moment."
    elif isinstance(error, openai.APIStatusError):
        text = f"the LLM endpoint {where} answered {error.status_code}: {error.message}"
    else:
        text = f"the LLM endpoint {where} sent something we could not read ({type(error).__name__}: {error})."
    return redact(text, settings.api_key)
