"""A scripted fake OpenAI client for event-stream unit tests (the wire protocol is tested with llm_stub).

Each `create()` call pops the next scripted reply; the test fails if the script is not used up.
"""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any


def _ns(value: Any) -> Any:
    if isinstance(value, dict):
        return SimpleNamespace(**{key: _ns(item) for key, item in value.items()})
    if isinstance(value, list):
        return [_ns(item) for item in value]
    return value


def text_reply(text: str) -> list[Any]:
    pieces = [text[i:i + 7] for i in range(0, len(text), 7)] or [""]
    chunks = [{"choices": [{"delta": {"content": piece, "tool_calls": None}, "finish_reason": None}]}
              for piece in pieces]
    chunks.append({"choices": [{"delta": {"content": None, "tool_calls": None}, "finish_reason": "stop"}]})
    return [_ns(chunk) for chunk in chunks]


def tool_reply(*calls: tuple[str, str, Any], finish_reason: str = "tool_calls") -> list[Any]:
    """calls: (id, name, arguments as an object or a raw string)."""
    chunks = []
    for index, (call_id, name, arguments) in enumerate(calls):
        raw = arguments if isinstance(arguments, str) else json.dumps(arguments)
        chunks.append({"choices": [{"delta": {"content": None, "tool_calls": [
            {"index": index, "id": call_id, "type": "function", "function": {"name": name, "arguments": ""}}]},
            "finish_reason": None}]})
        for start in range(0, len(raw), 5):
            chunks.append({"choices": [{"delta": {"content": None, "tool_calls": [
                {"index": index, "id": None, "function": {"name": None, "arguments": raw[start:start + 5]}}]},
                "finish_reason": None}]})
    chunks.append({"choices": [{"delta": {"content": None, "tool_calls": None}, "finish_reason": finish_reason}]})
    return [_ns(chunk) for chunk in chunks]


class FakeClient:
    def __init__(self, *replies: list[Any]) -> None:
        self.replies = list(replies)
        self.requests: list[dict[str, Any]] = []
        self.chat = SimpleNamespace(completions=SimpleNamespace(create=self._create))

    def _create(self, **request: Any) -> Any:
        self.requests.append(json.loads(json.dumps(request, default=str)))
        if not self.replies:
            raise AssertionError("the fake LLM was asked more often than scripted")
        return iter(self.replies.pop(0))

    def assert_used_up(self) -> None:
        assert not self.replies, f"{len(self.replies)} scripted replies were never requested"
