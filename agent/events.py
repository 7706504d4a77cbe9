"""The typed events of one sensei turn. The CLI, the UI and the tests consume the same stream.

    TextDelta      a piece of the answer as it streams
    ToolStarted    the sensei calls a tool (name, arguments)
    ToolProgress   a slow tool reports progress (the first gemma-270m conversion)
    ToolFinished   the call ended: ok or an error text, a short summary, artifacts, duration
    FinalAnswer    the whole answer text; the turn is complete. `suggestions` are questions the answer offers
                   to ask next (the menu of views, each with its question): the app shows them as buttons
    TurnError      the turn could not complete (LLM endpoint failure, cancellation); user-facing text
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["TextDelta", "ToolStarted", "ToolProgress", "ToolFinished", "FinalAnswer", "TurnError", "Event"]


@dataclass(frozen=True)
class TextDelta:
    text: str


@dataclass(frozen=True)
class ToolStarted:
    call_id: str
    name: str
    arguments: dict[str, Any] | None  # None when the LLM sent arguments that are not valid JSON


@dataclass(frozen=True)
class ToolProgress:
    call_id: str
    fraction: float
    message: str


@dataclass(frozen=True)
class ToolFinished:
    call_id: str
    name: str
    arguments: dict[str, Any] | None
    ok: bool
    error: str | None
    summary: str  # one or two lines for the step's title and for the LLM
    result: dict[str, Any] = field(default_factory=dict)  # a failure's: {"error_note": note} when its error has one
    artifacts: dict[str, str] = field(default_factory=dict)  # kind ("png", "svg", "csv", "code") -> path
    seconds: float = 0.0


@dataclass(frozen=True)
class FinalAnswer:
    text: str
    suggestions: tuple[str, ...] = ()  # questions to ask next, each also written in `text`


@dataclass(frozen=True)
class TurnError:
    message: str


Event = TextDelta | ToolStarted | ToolProgress | ToolFinished | FinalAnswer | TurnError
