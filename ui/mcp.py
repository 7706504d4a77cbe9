"""MCP for other agents: every tool over streamable HTTP at /gradio_api/mcp/, one session per MCP session.

Gradio's own MCP server (`launch(mcp_server=True)`) is stateless: every call got a fresh session (so
`load_model` had no lasting effect and "omit text to use the latest one" failed), a result came back
as a Python repr, a figure as a path on the server, and a wrapped `Args:` description was cut after
its first line. So the app serves MCP itself, with the official SDK:

- the tools, their whole descriptions and their parameter schemas are the agent's registry, the
  very schemas the LLM sees;
- each MCP session (its `Mcp-Session-Id`) owns one tools session under the app's limits (tokens,
  attention memory, figure quota, download policy) writing under its own random directory, which
  is removed when the MCP session ends: the client's DELETE, an hour idle, or the app closing;
- a call runs as one of the sensei's does (`agent.runner.run_tool`: validated, in a worker thread,
  under the tool timeout), one at a time per session, with its progress as MCP progress;
- a result is JSON (structured content, and the same JSON as text) with the download URL of each
  file in `urls`; a figure also comes as PNG image content and a link to its URL. A failure is
  `isError` with the message that says what to fix;
- with `--auth USER:PASS` every MCP request needs the same credentials as HTTP Basic authentication
  (Gradio's login cookie is out of reach of an agent; the download URLs, served by Gradio, then need
  that login, while the image content needs nothing more).

When a client ends its session (DELETE), the SDK (mcp 1.30) closes the session's streams and then
logs, as an error with a traceback, the ClosedResourceError of whatever still used them: the stream for
server messages the official client keeps open (once per agent session, for a normal end), and a
request the client sent just before its DELETE but that reached the session after it (a call it gave
up waiting for). Those two records are dropped (`_SessionEndNoise`); every other error of the SDK,
and these two with any other cause, are still logged.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import itertools
import json
import logging
import shutil
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import anyio
import anyio.from_thread
import anyio.to_thread
from mcp import types
from mcp.server.lowlevel import Server
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount
from starlette.types import Receive, Scope, Send

from agent.events import ToolFinished, ToolProgress
from agent.registry import Registry, default_registry
from agent.runner import run_tool
from agent.settings import Settings
from tools import Session
from ui.render import file_url

__all__ = ["McpServer", "MCP_PATH"]

MCP_PATH = "/gradio_api/mcp"
MCP_SESSIONS = 32  # open at once; each may hold up to max_artifacts_mb of figures
IDLE_SECONDS = 3600.0  # an MCP session nobody used for this long ends, and its figures go


class _SessionEndNoise(logging.Filter):
    """Drops the SDK's records of a stream it closed itself when the client ended the session."""

    MESSAGES = frozenset({"Error in standalone SSE writer", "SSE response error"})

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        return not (record.getMessage() in self.MESSAGES and _only_closed(error))


def _only_closed(error: BaseException | None) -> bool:
    """The error is a closed stream, alone or in a group of nothing else (the task group a request is answered in)."""
    if isinstance(error, BaseExceptionGroup):
        return error.split(anyio.ClosedResourceError)[1] is None
    return isinstance(error, anyio.ClosedResourceError)


_SESSION_END_NOISE = _SessionEndNoise()


@dataclass
class _McpSession:
    tools: Session
    turn: anyio.Lock = field(default_factory=anyio.Lock)  # one call at a time, as in a conversation


class McpServer:
    """The tools over MCP for one launch of the app: `routes` to mount, `lifespan` to run them."""

    def __init__(self, settings: Settings, root: Path, auth: tuple[str, str] | None = None,
                 registry: Registry | None = None) -> None:
        self.settings = settings
        self.root = root
        self.registry = registry or default_registry()
        self._auth = f"{auth[0]}:{auth[1]}".encode() if auth else None
        self._calls = itertools.count(1)
        self.server: Server[_McpSession, Request] = Server("attention-sensei", lifespan=self._session)
        self.server.list_tools()(self._list_tools)
        self.server.call_tool(validate_input=False)(self._call_tool)  # our validation says what to fix
        self.manager = StreamableHTTPSessionManager(self.server, session_idle_timeout=IDLE_SECONDS,
                                                    max_sessions=MCP_SESSIONS)
        sdk_log = logging.getLogger("mcp.server.streamable_http")
        if _SESSION_END_NOISE not in sdk_log.filters:
            sdk_log.addFilter(_SESSION_END_NOISE)

    @property
    def routes(self) -> list[BaseRoute]:
        return [Mount(MCP_PATH, app=self._endpoint)]  # /gradio_api/mcp redirects here, to /gradio_api/mcp/

    @asynccontextmanager
    async def lifespan(self, app: Any) -> AsyncIterator[None]:
        async with self.manager.run():
            yield

    @asynccontextmanager
    async def _session(self, server: Server[_McpSession, Request]) -> AsyncIterator[_McpSession]:
        """One MCP session's tools session; its directory goes however the session ends."""
        directory = self.root / uuid.uuid4().hex  # unguessable: figures are served by path
        try:
            yield _McpSession(self.settings.new_session(directory))
        finally:
            shutil.rmtree(directory, ignore_errors=True)

    async def _endpoint(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._auth is not None and not self._authorized(scope):
            await Response("this MCP server needs the app's USER:PASS as HTTP Basic authentication",
                           status_code=401, headers={"WWW-Authenticate": 'Basic realm="attention-sensei"'}
                           )(scope, receive, send)
            return
        await self.manager.handle_request(scope, receive, send)

    def _authorized(self, scope: Scope) -> bool:
        header = dict(scope.get("headers", [])).get(b"authorization", b"")
        scheme, _, encoded = header.partition(b" ")
        try:
            given = base64.b64decode(encoded, validate=True)
        except binascii.Error:
            return False
        return scheme.lower() == b"basic" and hmac.compare_digest(given, self._auth or b"")

    async def _list_tools(self) -> list[types.Tool]:
        return [types.Tool(name=spec.name, description=spec.schema["function"]["description"],
                           inputSchema=spec.schema["function"]["parameters"])
                for spec in self.registry.tools.values()]

    async def _call_tool(self, name: str, arguments: dict[str, Any]) -> types.CallToolResult:
        context = self.server.request_context
        session = context.lifespan_context
        token = context.meta.progressToken if context.meta is not None else None

        def report(event: ToolProgress) -> None:
            if token is not None:  # on this call's own stream, so the client sees it while it waits
                anyio.from_thread.run(partial(context.session.send_progress_notification, token, event.fraction,
                                              1.0, event.message, related_request_id=str(context.request_id)))

        async with session.turn:
            finished = await anyio.to_thread.run_sync(self._run, session.tools, name, arguments, report)
        return _result(finished, str(context.request.base_url) if context.request is not None else "/")

    def _run(self, session: Session, name: str, arguments: dict[str, Any],
             report: Callable[[ToolProgress], None]) -> ToolFinished:
        for event in run_tool(self.registry, session, f"mcp-{next(self._calls)}", name, arguments,
                              self.settings.tool_timeout):
            if isinstance(event, ToolProgress):
                report(event)
            else:
                return event
        raise RuntimeError("run_tool ended without a ToolFinished")  # our bug: the runner promises one


def _result(finished: ToolFinished, base_url: str) -> types.CallToolResult:
    """The result as JSON (structured and as text); a figure also as PNG image content and a link."""
    if not finished.ok:
        error = finished.error or "the tool failed"
        return types.CallToolResult(content=[types.TextContent(type="text", text=error)],
                                    structuredContent={"error": error}, isError=True)
    urls = {kind: base_url.rstrip("/") + file_url(path) for kind, path in finished.artifacts.items()}
    result = {**finished.result, **({"urls": urls} if urls else {})}
    content: list[types.ContentBlock] = [types.TextContent(type="text", text=json.dumps(result, ensure_ascii=False))]
    png = Path(finished.artifacts.get("png", ""))
    if png.suffix == ".png" and png.is_file():
        content.append(types.ImageContent(type="image", data=base64.b64encode(png.read_bytes()).decode("ascii"),
                                          mimeType="image/png"))
        content.append(types.ResourceLink(type="resource_link", uri=urls["png"], name=png.name,
                                          mimeType="image/png"))
    return types.CallToolResult(content=content, structuredContent=result)
