"""Errors of the engine, split by who is at fault.

    SenseiError            base of everything we raise on purpose
    ├── ToolError          the caller (a user or an LLM) asked for something we cannot do:
    │   │                  the message says what was expected, what arrived and how to fix it
    │   ├── ModelError     a model that cannot be found or loaded
    │   ├── LimitError     a request over a configured limit (text length, memory)
    │   ├── RangeError     an index (layer, head, token, dim) outside what the model or tensor has
    │   ├── NoTextError    no sentence to analyse
    │   ├── TokenError     a token named that the text does not have
    │   └── ExpressionError  an expression over outputs.attentions that cannot be evaluated
    ├── Cancelled          the call was given up (a timeout, Stop) and its work stopped; nobody reads this
    └── RenderCrashed      a figure's drawing process stopped twice while drawing it (tools/core/render_pool.py)

Anything else that escapes a tool is our own bug and is allowed to raise; whoever runs a tool for
someone else (the agent's runner, `attention-sensei tool`) reports it with `bug_message`.
"""

from __future__ import annotations

from typing import Any

from tools.core.notes import note

__all__ = ["SenseiError", "ToolError", "ModelError", "LimitError", "RangeError", "NoTextError", "TokenError",
           "ExpressionError", "Cancelled", "RenderCrashed", "bug_message", "out_of_range"]


class SenseiError(Exception):
    """Base class of the errors Attention Sensei raises on purpose."""


class ToolError(SenseiError):
    """Bad input from the user or the LLM; the message is meant to be shown to them.

    `note`, when given, is the same message as a note (tools/core/notes.py: its key and values), so
    that whoever shows it to a learner can render it in the learner's language. `fix` names what the
    learner can try next (agent/phrases.py FIXES), by the kind of mistake: each subclass has its own,
    and a raise site may name another ("this model cannot generate" → "model").
    """

    fix = "rephrase"

    def __init__(self, message: str, note: dict[str, Any] | None = None, fix: str | None = None) -> None:
        super().__init__(message)
        self.note = note
        if fix is not None:
            self.fix = fix


class ModelError(ToolError):
    """A model that is not available or cannot be loaded."""

    fix = "model"


class LimitError(ToolError):
    """A request over a configured limit."""

    fix = "shorter"


class RangeError(ToolError):
    """An index outside what the model or the tensor has."""

    fix = "range"


class NoTextError(ToolError):
    """No sentence was given and none was analysed before."""

    fix = "text"


class TokenError(ToolError):
    """A token named by its text that the analysed text does not have."""

    fix = "token"


class ExpressionError(ToolError):
    """An expression over outputs.attentions that is not allowed or does not evaluate."""

    fix = "expression"


class Cancelled(SenseiError):
    """The tool call was given up by whoever ran it (tools/core/jobs.py): its job stopped where it was."""


class RenderCrashed(SenseiError):
    """A figure's drawing process stopped (killed, out of memory) twice while drawing it; new ones were
    started. `note` says so in words a learner can act on (ask again), rendered in their language."""

    fix = "again"

    def __init__(self, said: dict[str, Any]) -> None:
        super().__init__(said["text"])
        self.note = said


def out_of_range(what: str, value: object, owner: str, count: int, plural: str) -> RangeError:
    """An index outside `count` (a layer or head of the model `owner`, a token of "this text"), with its note so
    that the learner reads it in their language: `what` and `plural` are words with notes ("layer", "heads")."""
    words = {"layer": note("word_layer"), "start_layer": note("word_start_layer"), "head": note("word_head"),
             "query": note("word_query"), "key": note("word_key"), "layers": note("word_layers"),
             "heads": note("word_heads"), "tokens": note("word_tokens"), "this text": note("word_this_text")}
    said = note("out_of_range", what=words.get(what, what), value=value, owner=words.get(owner, owner), count=count,
                plural=words.get(plural, plural), last=count - 1)
    return RangeError(said["text"], note=said)


def bug_message(tool: str, error: BaseException) -> str:
    """What to show, instead of a traceback, when `tool` raised something we did not raise on purpose."""
    return (f"internal error in {tool}: {type(error).__name__}: {error} "
            "(this is a bug in Attention Sensei, not in your input)")
