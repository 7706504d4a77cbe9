"""Accumulate a streamed assistant message, surviving what real OpenAI-compatible servers send.

Seen in the wild (REFERENCE.md): tool-call deltas with no `index` (Ollama, Gemini proxies);
`index` 0 reused for a second call with a new `id` (vLLM, lmdeploy); the whole arguments in one
chunk; `{}` followed by the full JSON under the same id; `finish_reason: "stop"` on a tool call.
So a call is identified by its `id` first and its `index` second, and "tool turn or answer" is
decided by whether calls accumulated, never by `finish_reason`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

__all__ = ["PendingCall", "MessageAccumulator"]


@dataclass
class PendingCall:
    id: str
    name: str = ""
    arguments: str = ""
    index: int | None = None

    def parsed(self) -> tuple[dict[str, Any] | None, str | None]:
        """The arguments as an object, or None and an error the LLM can act on. Never repaired."""
        raw = self.arguments.strip() or "{}"
        try:
            value = json.loads(raw)
        except json.JSONDecodeError as error:
            return None, (f"the arguments of {self.name or 'this call'} are not valid JSON ({error.msg} at "
                          f"character {error.pos}): {self.arguments[:200]!r}. Call the tool again with a JSON object.")
        if not isinstance(value, dict):
            return None, f"the arguments must be a JSON object, not {raw[:100]!r}. Call the tool again."
        return value, None


def _complete_json(text: str) -> bool:
    try:
        json.loads(text)
    except json.JSONDecodeError:
        return False
    return True


@dataclass
class MessageAccumulator:
    text: str = ""
    calls: list[PendingCall] = field(default_factory=list)
    finish_reason: str | None = None
    timed_out: bool = False  # the loop stopped reading at llm_max_seconds
    _count: int = 0

    @property
    def cut(self) -> bool:
        """The answer did not end on its own: the token limit (finish_reason "length") or the time limit."""
        return self.timed_out or self.finish_reason == "length"

    def add_text(self, piece: str | None) -> None:
        if piece:
            self.text += piece

    def add_tool_delta(self, delta: Any) -> None:
        """Merge one `choices[0].delta.tool_calls[i]` (an object or a dict)."""
        index = _field(delta, "index")
        call_id = _field(delta, "id")
        function = _field(delta, "function") or {}
        name = _field(function, "name") or ""
        arguments = _field(function, "arguments") or ""
        target = self._target(call_id, index)
        if name and not target.name:  # never overwrite a name with an empty one
            target.name = name
        if arguments:
            if target.arguments and _complete_json(target.arguments) and _complete_json(arguments):
                target.arguments = arguments  # a server re-sending the whole arguments ("{}" first)
            else:
                target.arguments += arguments

    def _target(self, call_id: str | None, index: int | None) -> PendingCall:
        if call_id:
            for call in self.calls:
                if call.id == call_id:
                    return call
            return self._new(call_id, index)  # a new id is a new call, even with a reused index
        if index is not None:
            for call in reversed(self.calls):
                if call.index == index:
                    return call
            return self._new(None, index)
        if self.calls:
            return self.calls[-1]  # no id, no index: a continuation of the latest call
        return self._new(None, None)

    def _new(self, call_id: str | None, index: int | None) -> PendingCall:
        self._count += 1
        call = PendingCall(id=call_id or f"call_{self._count}", index=index)
        self.calls.append(call)
        return call

    def assistant_message(self) -> dict[str, Any]:
        """The message to append to the conversation (OpenAI format)."""
        message: dict[str, Any] = {"role": "assistant", "content": self.text or None}
        if self.calls:
            message["tool_calls"] = [
                {"id": call.id, "type": "function", "function": {"name": call.name, "arguments": call.arguments}}
                for call in self.calls
            ]
        return message


def _field(obj: Any, name: str) -> Any:
    if obj is None:
        return None
    if isinstance(obj, dict):
        return obj.get(name)
    return getattr(obj, name, None)
