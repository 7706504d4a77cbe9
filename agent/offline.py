"""The offline sensei: a deterministic bilingual planner runs the real tools and composes the answer.

No key, no network, no LLM: `planner.plan` reads the question, the tools run through the same
registry and runner as for an LLM, and `compose.compose` writes the answer from their results.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Iterator
from typing import Any

from agent.compose import compose, suggestions
from agent.context import Context
from agent.events import Event, FinalAnswer, TextDelta, ToolFinished, ToolStarted, TurnError
from agent.phrases import say
from agent.planner import after_turn, plan
from agent.question_form import detect_language
from agent.registry import Registry
from agent.runner import run_tool
from agent.settings import Settings
from tools import Session

__all__ = ["offline_turn", "refused_choices", "COMPARABLE_SCALE"]

log = logging.getLogger(__name__)

COMPARABLE_SCALE = 1.0  # the colour scale's top for maps of one answer: the only one known before any is drawn


def offline_turn(
    registry: Registry,
    settings: Settings,
    tools_session: Session,
    messages: list[dict[str, Any]],
    cancel: threading.Event | None = None,
    context: dict[str, Any] | None = None,
) -> Iterator[Event]:
    """Answer the last user message of `messages`; the answer is appended to it.

    `context` is the conversation's memory (agent/context.py as a dict); it is updated in place
    when a tool call of this turn succeeds. A bug of ours in reading the question or writing the answer
    ends the turn with a TurnError that says so, in the question's language; the conversation goes on.
    """
    question = messages[-1]["content"]
    try:
        yield from _answer(registry, settings, tools_session, messages, cancel, context)
    except Exception as error:  # our bug (the tools' own are caught by the runner): say so, keep the session
        log.exception("the offline sensei failed on %r", question)
        yield TurnError(say("sensei_bug", detect_language(question), error=f"{type(error).__name__}: {error}"))


def _answer(registry: Registry, settings: Settings, tools_session: Session, messages: list[dict[str, Any]],
            cancel: threading.Event | None, context: dict[str, Any] | None) -> Iterator[Event]:
    question = messages[-1]["content"]
    remembered = Context.from_dict(context)
    latest = tools_session.latest
    planned = plan(question, remembered, session_text=latest.text if latest is not None else None)
    outcomes: list[ToolFinished] = []
    compared = Counter(call.name for call in planned.calls)  # "layers 0 and 5": one call per layer, to compare
    for number, call in enumerate(planned.calls, start=1):
        if cancel is not None and cancel.is_set():
            yield TurnError("stopped: the answer was cancelled")
            return
        call_id = f"offline_{len(messages)}_{number}"
        # a figure speaks the question's language; maps drawn side by side in one answer share one colour scale
        shared = {"color_max": COMPARABLE_SCALE} if compared[call.name] > 1 else {}
        arguments = registry.filled(call.name, call.arguments, language=planned.language, **shared)
        yield ToolStarted(call_id, call.name, arguments)
        for event in run_tool(registry, tools_session, call_id, call.name, arguments, settings.tool_timeout):
            yield event
            if isinstance(event, ToolFinished):
                outcomes.append(event)
    if context is not None:
        after = after_turn(remembered, planned, question, ran=any(o.ok for o in outcomes),
                           refused=refused_choices(outcomes))
        context.clear()
        context.update(after.to_dict())
        context["understood"] = {"intent": planned.intent, "knowledge": list(planned.knowledge),
                                 "demonstrates": planned.demonstrates}
    answer = compose(planned, outcomes)
    messages.append({"role": "assistant", "content": answer})
    yield TextDelta(answer)
    yield FinalAnswer(answer, suggestions(planned))


# the words an out-of-range error names (tools/core/errors.py out_of_range) and the choice each one is
_RANGE_WORDS = {"word_layer": "layer", "word_start_layer": "layer", "word_head": "head", "word_query": "query",
                "word_key": "key"}


def refused_choices(outcomes: list[ToolFinished]) -> frozenset[str]:
    """The choices the failed calls were refused for, when their errors say so ("layer 30 is out of range")."""
    said = [outcome.result.get("error_note") or {} for outcome in outcomes if not outcome.ok]
    return frozenset(_RANGE_WORDS[note["values"]["what"]["key"]] for note in said
                     if note.get("key") == "out_of_range" and note["values"]["what"].get("key") in _RANGE_WORDS)
