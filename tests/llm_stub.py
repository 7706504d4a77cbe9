"""A real OpenAI-compatible HTTP stub server for tests (stdlib only).

Each POST to /v1/chat/completions consumes the next item of a script: a reply (sent as JSON or as Server-Sent
Events when the request asks to stream), an HTTP error, a hang, a garbage body or a stream cut short. Tool-call
streaming styles reproduce the quirks of real servers (see REFERENCE.md, "The OpenAI Chat Completions tool
protocol"):

- "standard": first delta with index, id, type, name and arguments "", then the arguments in 3 fragments.
- "no_index": each call whole in one delta with no "index" key (Ollama).
- "reuse_index": every call whole with index 0 and a new id (some vLLM versions).
- "whole": each call whole in one delta with a proper index.
- "empty_then_full": no index; a delta with id, name and arguments "{}", then the same id with the full JSON
  (Gemini-style proxies).

Like every real server, it answers 400 to a history whose tool calls and tool messages do not pair up
(`history_problem`). `quirks` adds what two real servers were seen to do (REFERENCE.md, llama-cpp-python 0.3.36
and llama.cpp's llama-server):

- "null_content": an assistant message with `"content": null` is refused (500, "Input should be a valid string").
- "invalid_arguments": a history holding tool-call arguments that are not JSON is refused (500, "Failed to parse
  tool call arguments as JSON"), so every later request of that conversation fails.
- "tool_choice": a request without `tool_choice` gets no tool calls (the tools never reach the model), and a
  streamed request with `"tool_choice": "auto"` gets 200 with an empty body.
- "max_completion_tokens": what OpenAI's o-series and newer models answer to `max_tokens` (400, "Unsupported
  parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.", with
  `param` and `code`); they take `max_completion_tokens`.

A `Runaway` item streams tokens until `max_tokens` or `max_completion_tokens` (then finish_reason "length") or
until the client goes away; `stub.disconnected` is set when a client closes a stream before its end.

Usage::

    with StubLLM([Reply(text="hello")]) as stub:
        client = openai.OpenAI(base_url=stub.base_url, api_key="sk-test", max_retries=0)
        ...
        stub.assert_script_used()
"""

from __future__ import annotations

import itertools
import json
import select
import socket
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

STYLES = ("standard", "no_index", "reuse_index", "whole", "empty_then_full")
QUIRKS = ("null_content", "invalid_arguments", "tool_choice", "max_completion_tokens")

_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    429: "rate_limit_error",
}


@dataclass
class ToolCall:
    """One tool call; `arguments` is the raw JSON string the model "sends" (may be invalid JSON on purpose)."""

    id: str
    name: str
    arguments: str


@dataclass
class Reply:
    """One assistant message; finish_reason None means "tool_calls" if there are tool calls, else "stop"."""

    text: str = ""
    tool_calls: list[ToolCall] = field(default_factory=list)
    style: str = "standard"
    finish_reason: str | None = None

    def __post_init__(self) -> None:
        if self.style not in STYLES:
            raise ValueError(f"unknown tool-call style {self.style!r}; expected one of {STYLES}")

    @property
    def final_reason(self) -> str:
        if self.finish_reason is not None:
            return self.finish_reason
        return "tool_calls" if self.tool_calls else "stop"


@dataclass
class HttpError:
    """An HTTP error with an OpenAI-style JSON body {"error": {"message", "type", "code"}}."""

    status: int
    message: str = "error"
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Hang:
    """Accept the request and send nothing for `seconds` (client timeout tests), or until the client goes away
    (then `stub.disconnected` is set), as a server computing a whole answer before it sends anything."""

    seconds: float


@dataclass
class Garbage:
    """Answer 200 with this body and content type."""

    body: bytes = b"this is not json"
    content_type: str = "application/json"


@dataclass
class CutStream:
    """Stream the reply but close the connection after `after_chunks` SSE chunks, without [DONE]."""

    reply: Reply
    after_chunks: int


@dataclass
class Runaway:
    """Stream `piece` every `interval` seconds: `max_tokens` of them (then finish_reason "length") if the request
    sets it, else until `seconds` have passed (a model that never stops, bounded so a test cannot hang)."""

    piece: str = "<|im_end|>user"
    interval: float = 0.01
    seconds: float = 20.0


ScriptItem = Reply | HttpError | Hang | Garbage | CutStream | Runaway


def history_problem(messages: Any) -> str | None:
    """Why a real server refuses this message list (OpenAI's words), or None when tool calls and results pair up."""
    if not isinstance(messages, list):
        return f"'messages' must be an array, not {type(messages).__name__}"
    open_calls: list[str] = []
    for number, message in enumerate(messages):
        role = message.get("role") if isinstance(message, dict) else None
        if role == "tool":
            if message.get("tool_call_id") not in open_calls:
                return (f"Invalid parameter: messages[{number}] with role 'tool' must be a response to a preceeding "
                        "message with 'tool_calls'.")
            open_calls.remove(message["tool_call_id"])
            continue
        if open_calls:
            return _unanswered(open_calls)
        if role not in ("system", "user", "assistant"):
            return f"Invalid value for messages[{number}].role: {role!r}"
        open_calls = [call["id"] for call in message.get("tool_calls") or []] if role == "assistant" else []
    return _unanswered(open_calls) if open_calls else None


def _unanswered(call_ids: list[str]) -> str:
    return ("An assistant message with 'tool_calls' must be followed by tool messages responding to each "
            f"'tool_call_id'. The following tool_call_ids did not have response messages: {', '.join(call_ids)}")


def _quirk_refusal(quirks: frozenset[str], messages: list[Any]) -> str | None:
    """The 500 message a quirky real server answers this history with, or None."""
    for number, message in enumerate(messages):
        if message.get("role") != "assistant":
            continue
        if "null_content" in quirks and "content" in message and message["content"] is None:
            return (f"1 validation error for ChatCompletionRequestAssistantMessage\nmessages.{number}.content\n  "
                    "Input should be a valid string [type=string_type, input_value=None, input_type=NoneType]")
        for call in message.get("tool_calls") or []:
            arguments = call.get("function", {}).get("arguments")
            if "invalid_arguments" in quirks and not _is_json(arguments):
                return f"Failed to parse tool call arguments as JSON: {arguments!r}"
    return None


def _is_json(text: Any) -> bool:
    try:
        json.loads(text)
    except (TypeError, json.JSONDecodeError):
        return False
    return True


def _split(text: str, parts: int = 3) -> list[str]:
    """Split text into up to `parts` non-empty pieces (at least one piece, possibly empty)."""
    if not text:
        return [""]
    size = -(-len(text) // parts)
    return [text[i:i + size] for i in range(0, len(text), size)]


def _tool_call_deltas(reply: Reply) -> list[list[dict[str, Any]]]:
    """The `delta.tool_calls` lists to stream, one list per chunk, in the reply's style."""
    out: list[list[dict[str, Any]]] = []
    for i, call in enumerate(reply.tool_calls):
        whole = {"id": call.id, "type": "function", "function": {"name": call.name, "arguments": call.arguments}}
        if reply.style == "standard":
            out.append([{"index": i, "id": call.id, "type": "function",
                         "function": {"name": call.name, "arguments": ""}}])
            out.extend([{"index": i, "function": {"arguments": piece}}] for piece in _split(call.arguments))
        elif reply.style == "no_index":
            out.append([whole])
        elif reply.style == "reuse_index":
            out.append([{"index": 0, **whole}])
        elif reply.style == "whole":
            out.append([{"index": i, **whole}])
        else:  # empty_then_full
            out.append([{"id": call.id, "type": "function", "function": {"name": call.name, "arguments": "{}"}}])
            out.append([{"id": call.id, "type": "function", "function": {"arguments": call.arguments}}])
    return out


def stream_chunks(reply: Reply, model: str, completion_id: str = "chatcmpl-stub") -> list[dict[str, Any]]:
    """The `chat.completion.chunk` objects streaming `reply` produces."""

    def chunk(delta: dict[str, Any], finish_reason: str | None = None) -> dict[str, Any]:
        return {"id": completion_id, "object": "chat.completion.chunk", "created": int(time.time()), "model": model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}]}

    chunks = [chunk({"role": "assistant", "content": ""})]
    if reply.text:
        chunks.extend(chunk({"content": piece}) for piece in _split(reply.text))
    chunks.extend(chunk({"tool_calls": calls}) for calls in _tool_call_deltas(reply))
    chunks.append(chunk({}, reply.final_reason))
    return chunks


def completion(reply: Reply, model: str, completion_id: str = "chatcmpl-stub") -> dict[str, Any]:
    """The non-streaming `chat.completion` object for `reply`."""
    message: dict[str, Any] = {"role": "assistant", "content": reply.text or None}
    if reply.tool_calls:
        message["tool_calls"] = [
            {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
            for c in reply.tool_calls
        ]
    return {"id": completion_id, "object": "chat.completion", "created": int(time.time()), "model": model,
            "choices": [{"index": 0, "message": message, "finish_reason": reply.final_reason}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}


class StubLLM:
    """An OpenAI-compatible server on 127.0.0.1 answering from a script; a context manager."""

    def __init__(self, script: list[ScriptItem], quirks: tuple[str, ...] = ()) -> None:
        unknown = set(quirks) - set(QUIRKS)
        if unknown:
            raise ValueError(f"unknown quirk(s) {sorted(unknown)}; expected some of {QUIRKS}")
        self.quirks = frozenset(quirks)
        self.disconnected = threading.Event()  # a client closed a stream before its end
        self._script: list[ScriptItem] = list(script)
        self._lock = threading.Lock()
        self._exhausted = 0
        self._count = 0
        self.requests: list[dict[str, Any]] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}/v1"
        self._thread: threading.Thread | None = None

    def __enter__(self) -> StubLLM:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, name="StubLLM", daemon=True
            )
            self._thread.start()

    def close(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread = None
        self._server.server_close()

    def add(self, *items: ScriptItem) -> None:
        """Append items to the script."""
        with self._lock:
            self._script.extend(items)

    def assert_script_used(self) -> None:
        """Raise AssertionError if script items remain or a request came after the script ran out."""
        with self._lock:
            left, exhausted = list(self._script), self._exhausted
        problems = []
        if left:
            problems.append(f"{len(left)} script item(s) not consumed: {left!r}")
        if exhausted:
            problems.append(f"{exhausted} request(s) arrived after the script was exhausted")
        if problems:
            raise AssertionError("; ".join(problems))

    def _next(self) -> ScriptItem | None:
        with self._lock:
            self._count += 1
            if not self._script:
                self._exhausted += 1
                return None
            return self._script.pop(0)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet test output
                pass

            def do_GET(self) -> None:  # noqa: N802
                if self.path.rstrip("/") == "/v1/models":
                    self._json(200, {"object": "list", "data": [
                        {"id": "stub-model", "object": "model", "created": 0, "owned_by": "stub"}]})
                else:
                    self._error(404, f"no route {self.path}")

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw) if raw else {}
                except json.JSONDecodeError:
                    body = {"_raw": raw.decode("utf-8", "replace")}
                headers = {key.lower(): value for key, value in self.headers.items()}
                with stub._lock:
                    stub.requests.append({"path": self.path, "headers": headers, "body": body})
                if self.path.rstrip("/") != "/v1/chat/completions":
                    self._error(404, f"no route {self.path}")
                    return
                body = body if isinstance(body, dict) else {}
                refusal = history_problem(body.get("messages", []))
                if refusal:
                    self._error(400, refusal)
                    return
                refusal = _quirk_refusal(stub.quirks, body["messages"])
                if refusal:
                    self._error(500, refusal)
                    return
                if "max_completion_tokens" in stub.quirks and "max_tokens" in body:
                    self._json(400, {"error": {
                        "message": "Unsupported parameter: 'max_tokens' is not supported with this model. Use "
                                   "'max_completion_tokens' instead.", "type": "invalid_request_error",
                        "param": "max_tokens", "code": "unsupported_parameter"}})
                    return
                model = body.get("model", "stub-model")
                streaming = body.get("stream") is True
                if "tool_choice" in stub.quirks and streaming and body.get("tool_choice") == "auto":
                    self._send(200, b"", "text/event-stream")
                    return
                item = stub._next()
                if "tool_choice" in stub.quirks and "tool_choice" not in body and isinstance(item, Reply):
                    item = Reply(text=item.text or "I have no tools to call.")  # tool_choice "none" by default
                cid = f"chatcmpl-stub-{stub._count}"
                if item is None:
                    self._error(500, "stub script exhausted")
                elif isinstance(item, HttpError):
                    self._error(item.status, item.message, item.headers)
                elif isinstance(item, Hang):
                    if self._gone_within(item.seconds):
                        stub.disconnected.set()
                    self.close_connection = True
                elif isinstance(item, Garbage):
                    self._send(200, item.body, item.content_type)
                elif isinstance(item, CutStream):
                    self._sse(stream_chunks(item.reply, model, cid)[: item.after_chunks], done=False)
                elif isinstance(item, Runaway):
                    self._runaway(item, body.get("max_tokens", body.get("max_completion_tokens")), model, cid,
                                  streaming)
                elif streaming:
                    self._sse(stream_chunks(item, model, cid), done=True)
                else:
                    self._json(200, completion(item, model, cid))

            def _gone_within(self, seconds: float) -> bool:
                """Wait up to `seconds`; True as soon as the client hangs up (the request was read whole, so
                anything readable now is its end of the connection)."""
                readable, _, _ = select.select([self.connection], [], [], seconds)
                try:
                    return bool(readable) and self.connection.recv(1, socket.MSG_PEEK) == b""
                except OSError:  # reset by the client
                    return True

            def _send(self, status: int, data: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

            def _json(self, status: int, obj: Any, headers: dict[str, str] | None = None) -> None:
                self._send(status, json.dumps(obj).encode(), "application/json", headers)

            def _error(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
                kind = _ERROR_TYPES.get(status, "server_error" if status >= 500 else "invalid_request_error")
                self._json(status, {"error": {"message": message, "type": kind, "code": str(status)}}, headers)

            def _sse(self, chunks: Iterable[dict[str, Any]], done: bool) -> None:
                # Chunked transfer encoding, as real servers stream. A finished stream ends with [DONE] and the
                # terminating zero-length chunk; a cut stream just closes the socket (an incomplete body).
                self.close_connection = True
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Cache-Control", "no-cache")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                events = (f"data: {json.dumps(chunk)}\n\n".encode() for chunk in chunks)
                try:
                    for event in itertools.chain(events, [b"data: [DONE]\n\n"] if done else []):
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(event), event))
                        self.wfile.flush()
                    if done:
                        self.wfile.write(b"0\r\n\r\n")
                        self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    stub.disconnected.set()

            def _runaway(self, item: Runaway, max_tokens: Any, model: str, cid: str, streaming: bool) -> None:
                count = max_tokens if isinstance(max_tokens, int) and max_tokens > 0 else None
                pieces = itertools.islice(_paced(item), count)
                if not streaming:
                    text = "".join(pieces)
                    self._json(200, completion(Reply(text=text, finish_reason="length"), model, cid))
                    return
                head = stream_chunks(Reply(), model, cid)[0]
                content = ({**head, "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
                           for piece in pieces)
                tail = {**head, "choices": [{"index": 0, "delta": {}, "finish_reason": "length"}]}
                self._sse(itertools.chain([head], content, [tail]), done=True)

        return Handler


def _paced(item: Runaway) -> Iterator[str]:
    """The runaway's pieces, one per `interval`, for at most `seconds`."""
    ends = time.monotonic() + item.seconds
    while time.monotonic() < ends:
        time.sleep(item.interval)
        yield item.piece
