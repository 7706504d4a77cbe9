"""The OpenAI-compatible endpoint: the client, what a request sends, and what a failure tells the learner.

Real servers were seen to (REFERENCE.md; issue 14, against llama-cpp-python 0.3.36 and llama-server):
refuse an assistant message whose content is null (500); refuse every later request once the history
holds tool-call arguments that are not JSON (500); treat a missing `tool_choice` as "none"; and answer
a malformed history with a 500 that fails the same way however often it is sent. So the history is
sent as servers accept it (`sendable`), and only statuses that may pass are retried.

OpenAI's o-series and gpt-5 models refuse `max_tokens` (400, "Unsupported parameter: 'max_tokens' … Use
'max_completion_tokens' instead"), while many local servers know only `max_tokens`. So the bound on an
answer goes under the name the model is known to take (`token_limit`), and a 400 that refuses that
name switches the client to the other one (`renamed_token_limit`).

A request that does not stream waits for the whole answer in one blocking read, which nothing stops
but the timeout: the server goes on generating after Stop. So such a request runs on a connection of
its own (`own_connection`) that `Hangup` shuts down from the listener's thread.
"""

from __future__ import annotations

import json
import re
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import openai

from agent.settings import Settings

if TYPE_CHECKING:
    import httpx2

__all__ = ["make_client", "sendable", "token_limit", "renamed_token_limit", "own_connection", "Hangup",
           "describe_api_error", "redact", "endpoint_name", "TRANSIENT_STATUSES"]

TRANSIENT_STATUSES = frozenset({408, 409, 429, 502, 503, 504})  # timeouts, locks, rate limits, a gateway or a load
_KEY_PATTERN = re.compile(r"\b(sk-[A-Za-z0-9_\-*]{4,}|Bearer\s+\S+)")
_SERVER_MESSAGE_CHARS = 500
TOKEN_LIMIT_NAMES = ("max_tokens", "max_completion_tokens")
_TAKES_COMPLETION_TOKENS = re.compile(r"(^|/)(o\d|gpt-5)", re.IGNORECASE)  # o1, o3-mini, o4-mini, openai/gpt-5


class _Client(openai.OpenAI):
    """The openai client, retrying only transient statuses (it retries every 5xx; there is no public switch)."""

    token_limit_name: str | None = None  # set once the endpoint refused the other name (renamed_token_limit)

    def _should_retry(self, response: httpx2.Response) -> bool:
        if response.status_code in TRANSIENT_STATUSES or response.headers.get("x-should-retry") == "true":
            return super()._should_retry(response)
        return False


def make_client(settings: Settings) -> openai.OpenAI:
    return _Client(
        base_url=settings.base_url,
        api_key=settings.api_key or "no-key",  # local servers accept any key
        timeout=settings.request_timeout,
        max_retries=2,  # transient statuses, timeouts and refused connections, with backoff honouring Retry-After
    )


class Hangup:
    """Hangs up one request's connection, from any thread, at once or as soon as it connects.

    Shutting the socket down wakes a read blocked on it (closing it would not: on Linux the read
    goes on until the timeout), and the server sees the client go, so it can stop generating.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._done = False

    def trace(self, event: str, info: dict[str, Any]) -> None:
        """httpcore's `trace` extension: keeps each socket the request connects (or wraps in TLS)."""
        if event not in ("connection.connect_tcp.complete", "connection.start_tls.complete"):
            return
        sock = info["return_value"].get_extra_info("socket")
        with self._lock:
            self._sockets.append(sock)
            done = self._done
        if done:  # hung up before it connected (a retry): it goes at once
            _shut(sock)

    def __call__(self) -> None:
        with self._lock:
            self._done = True
            sockets = list(self._sockets)
        for sock in sockets:
            _shut(sock)


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:  # already closed: the request had ended
        pass


@contextmanager
def own_connection(client: Any, hangup: Hangup) -> Iterator[Any]:
    """`client` sending its requests over connections of their own, which `hangup` can shut down.

    A client that is not the openai one (a test's fake) is given back as it is.
    """
    if not hasattr(client, "with_options"):
        yield client
        return

    def traced(request: httpx2.Request) -> None:
        request.extensions["trace"] = hangup.trace

    http = openai.DefaultHttpxClient(event_hooks={"request": [traced]})
    try:
        yield client.with_options(http_client=http)
    finally:
        http.close()


def sendable(message: dict[str, Any]) -> dict[str, Any]:
    """One stored message as every server accepts it.

    An assistant message loses a null content (`""` when it has no tool calls), and a tool call whose
    arguments are not a JSON object is sent back as `{}`: the tool message already told the LLM what
    was wrong with what it sent, and its raw text stays in the stored history.
    """
    if message.get("role") != "assistant":
        return message
    sent = {key: value for key, value in message.items() if value is not None}
    if not sent.get("tool_calls"):
        sent.pop("tool_calls", None)
        sent.setdefault("content", "")
        return sent
    sent["tool_calls"] = [{**call, "function": {**call["function"], "arguments": _object_or_empty(
        call["function"].get("arguments"))}} for call in sent["tool_calls"]]
    return sent


def token_limit(client: Any, settings: Settings) -> dict[str, int]:
    """The bound on one answer, under the name this endpoint takes: the one it was seen to accept, else
    `max_completion_tokens` for OpenAI's o-series and gpt-5 models, else `max_tokens` (every server knows it)."""
    name = getattr(client, "token_limit_name", None)
    if name is None:
        name = "max_completion_tokens" if _TAKES_COMPLETION_TOKENS.search(settings.llm_model) else "max_tokens"
    return {name: settings.llm_max_tokens}


def renamed_token_limit(client: Any, request: dict[str, Any], error: Exception) -> dict[str, Any] | None:
    """`request` with its token bound under the other name, when `error` is the server refusing the name it used;
    the client keeps the new name for its later requests. None for any other error."""
    sent = next((name for name in TOKEN_LIMIT_NAMES if name in request), None)
    if sent is None or not isinstance(error, openai.BadRequestError):
        return None
    said = f"{getattr(error, 'param', None)} {server_message(error)}"
    if sent not in said or not re.search(r"unsupported|not supported|unrecognized|unknown|extra", said, re.I):
        return None
    other = next(name for name in TOKEN_LIMIT_NAMES if name != sent)
    client.token_limit_name = other
    renamed = {key: value for key, value in request.items() if key != sent}
    renamed[other] = request[sent]
    return renamed


def _object_or_empty(arguments: Any) -> str:
    try:
        value = json.loads(arguments)
    except (TypeError, json.JSONDecodeError):
        return "{}"
    return arguments if isinstance(value, dict) else "{}"


def redact(text: str, secret: str | None) -> str:
    """Remove the API key, and anything shaped like one, from text a server sent back."""
    if secret:
        text = text.replace(secret, "[redacted]")
    return _KEY_PATTERN.sub("[redacted]", text)


def endpoint_name(settings: Settings) -> str:
    return settings.base_url or "https://api.openai.com/v1"


def describe_api_error(error: openai.APIError, settings: Settings) -> str:
    """A user-facing sentence: what failed, where, what the server said and what to check. Never the key."""
    where = endpoint_name(settings)
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
        retried = " (retried twice)" if error.status_code in TRANSIENT_STATUSES else ""
        text = f"the LLM endpoint {where} had a server error ({error.status_code}){retried}: {server_message(error)}"
    elif isinstance(error, openai.APIStatusError):
        text = f"the LLM endpoint {where} answered {error.status_code}: {server_message(error)}"
    else:
        text = f"the LLM endpoint {where} sent something we could not read ({type(error).__name__}: {error})."
    return redact(text, settings.api_key)


def server_message(error: openai.APIStatusError) -> str:
    """What the server itself said, not the client's "Error code: 400 - {...}" wrapper around it."""
    said: Any = error.body  # the client already unwrapped {"error": {...}} to its inner object
    if isinstance(said, dict):
        said = said.get("message") or said.get("detail") or said.get("error") or said
    if not said:
        return "it gave no reason (look at the server's own log)"
    text = " ".join((said if isinstance(said, str) else json.dumps(said, ensure_ascii=False)).split())
    return text if len(text) <= _SERVER_MESSAGE_CHARS else text[:_SERVER_MESSAGE_CHARS] + "…"
