"""The soak's MCP sessions: another agent using the app's tools over MCP (ui/mcp.py), as tests/test_ui_mcp.py does.

One `McpLearner` is one agent with its own sentence. Each of its turns is a whole MCP session, opened,
used and ended by the client (DELETE), in one of three kinds taken in turn:

- "calls": it loads its model and extracts its sentence, then draws with no text and no model (so the
  session's own latest sentence and model must be used), a line chart, and asks for layer 42 (an error);
- "stop": it extracts its sentence, asks for head roles and gives up waiting after 50 ms, then ends the
  session while the call may still run (its figures must still go);
- "bad": in a fresh session, a view with no text (another session's sentence must not be used), an
  unknown tool, an empty text, and a model id an LLM made up (never fetched).

Every result must be this session's own: JSON whose `text` is its sentence, download URLs inside one
directory of its own (a new one per MCP session), and no other learner's sentence anywhere.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import McpError

__all__ = ["McpLearner"]

GIVE_UP_AFTER = timedelta(milliseconds=50)


@dataclass
class McpLearner:
    index: int
    model: str
    sentence: str
    url: str  # the app's, ending in /
    made_up: str  # a model id an LLM invented
    turns: int = 0
    answers: list[str] = field(default_factory=list)  # every result's text, for the cross-talk check
    seen: dict[str, int] = field(default_factory=dict)  # "mcp ok:<tool>", "mcp stopped", "mcp bad:<what>"...
    directories: set[Path] = field(default_factory=set)  # every MCP session's own directory
    kinds: tuple[str, ...] = ("calls", "stop", "bad")

    def run(self, passes: int, stop_at: float, failures: list[str]) -> None:
        """Go through the kinds `passes` times, and on until `stop_at`; record the first failure and stop."""
        while self.turns < passes * len(self.kinds) or time.monotonic() < stop_at:
            kind = self.kinds[self.turns % len(self.kinds)]
            try:
                problem = asyncio.run(self._session(kind))
            except Exception as error:  # noqa: BLE001 - a soak reports every failure with its session
                problem = f"raised {error!r}"
            self.turns += 1
            if problem:
                failures.append(f"MCP session {self.index}, turn {self.turns} ({kind}): {problem}")
                return

    async def _session(self, kind: str) -> str | None:
        async with httpx.AsyncClient(timeout=httpx.Timeout(60, read=300)) as http, \
                streamable_http_client(f"{self.url}gradio_api/mcp/", http_client=http) as (reader, writer, _), \
                ClientSession(reader, writer) as session:
            await session.initialize()
            call = self._caller(session)
            if kind == "calls":
                return await self._calls(call)
            if kind == "stop":
                return await self._stop(session, call)
            return await self._bad(call)

    def _caller(self, session: ClientSession) -> Callable[..., Any]:
        directory: list[Path] = []  # this MCP session's own, from its first URL

        async def call(name: str, arguments: dict[str, Any]) -> tuple[dict[str, Any] | None, str | None]:
            """(result, None) or (None, error); raises AssertionError when the result is not this session's."""
            result = await session.call_tool(name, arguments)
            text = result.content[0].text if result.content else ""
            self.answers.append(text)
            if result.isError:
                return None, text
            structured = result.structuredContent or {}
            if json.loads(text) != structured:
                raise AssertionError(f"{name}: the text is not the structured content's JSON")
            if structured.get("text", self.sentence) != self.sentence:
                raise AssertionError(f"cross-talk: {name} analysed {structured['text']!r}")
            for url in structured.get("urls", {}).values():
                parent = Path(unquote(url.split("file=", 1)[1])).parent
                if not directory:
                    if parent in self.directories:
                        raise AssertionError(f"a new MCP session reuses the directory {parent}")
                    directory.append(parent)
                    self.directories.add(parent)
                if parent != directory[0]:
                    raise AssertionError(f"cross-talk: {name} wrote into {parent}, not {directory[0]}")
            self._saw(f"mcp ok:{name}")
            return structured, None

        return call

    async def _calls(self, call: Callable[..., Any]) -> str | None:
        for name, arguments in [("load_model", {"model": self.model}), ("extract_attention", {"text": self.sentence}),
                                ("plot_heatmap", {}), ("plot_line", {"layer": 0})]:
            result, error = await call(name, arguments)
            if error:
                return f"{name} failed: {error}"
            if name == "plot_heatmap" and (result["text"], result["model"]) != (self.sentence, self.model):
                return f"the session's latest sentence and model were not used: {result['text']!r}, {result['model']!r}"
        _, error = await call("plot_heatmap", {"layer": 42})
        return None if error and "out of range" in error else f"layer 42 gave {error!r}"

    async def _stop(self, session: ClientSession, call: Callable[..., Any]) -> str | None:
        _, error = await call("extract_attention", {"text": self.sentence})
        if error:
            return f"extract_attention failed: {error}"
        try:
            await session.call_tool("head_roles", {}, read_timeout_seconds=GIVE_UP_AFTER)
        except McpError:  # gave up waiting; the session now ends with the call perhaps still running
            self._saw("mcp stopped")
        return None

    async def _bad(self, call: Callable[..., Any]) -> str | None:
        expected = [("plot_heatmap", {}, "no text has been analysed yet"),
                    ("no_such_tool", {}, "unknown tool 'no_such_tool'"),
                    ("plot_heatmap", {"text": ""}, "empty")]
        for name, arguments, says in expected:
            _, error = await call(name, arguments)
            if error is None or says not in error:
                return f"{name}({arguments}) should fail saying {says!r}, not {error!r}"
            self._saw(f"mcp bad:{says}")
        result, error = await call("load_model", {"model": self.made_up})
        if result is not None and result.get("requested_model") != self.made_up:
            return f"the made-up {self.made_up} loaded as if it existed: {result!r}"
        if error is not None and self.made_up not in error:
            return f"the made-up {self.made_up} failed without naming it: {error!r}"
        self._saw("mcp made up")
        return None

    def _saw(self, what: str) -> None:
        self.seen[what] = self.seen.get(what, 0) + 1
