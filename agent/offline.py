"""The offline sensei: a deterministic bilingual planner runs the real tools and composes the answer.

No key, no network, no LLM: `planner.plan` reads the question, the tools run through the same
registry and runner as for an LLM, and `compose.compose` writes the answer from their results.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

from agent.compose import compose
from agent.events import Event, FinalAnswer, TextDelta, ToolFinished, ToolStarted, TurnError
from agent.planner import plan
from agent.registry import Registry
from agent.runner import run_tool
from agent.settings import Settings
from tools import Session

__all__ = ["offline_turn"]


def offline_turn(
    registry: Registry,
    settings: Settings,
    tools_session: Session,
    messages: list[dict[str, Any]],
    cancel: threading.Event | None = None,
) -> Iterator[Event]:
    """Answer the last user message of `messages`; the answer is appended to it."""
    question = messages[-1]["content"]
    planned = plan(question, has_text=tools_session.latest is not None)
    outcomes: list[ToolFinished] = []
    for number, call in enumerate(planned.calls, start=1):
        if cancel is not None and cancel.is_set():
            yield TurnError("stopped: the answer was cancelled")
            return
        call_id = f"offline_{len(messages)}_{number}"
        yield ToolStarted(call_id, call.name, call.arguments)
        for event in run_tool(registry, tools_session, call_id, call.name, call.arguments, settings.tool_timeout):
            yield event
            if isinstance(event, ToolFinished):
                outcomes.append(event)
    answer = compose(planned, outcomes)
    messages.append({"role": "assistant", "content": answer})
    yield TextDelta(answer)
    yield FinalAnswer(answer)
