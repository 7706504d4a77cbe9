"""Tool cards: everything the sensei knows about a tool besides its code, read from `<tool>.toml` beside it.

A card lives in the package of the tool's family (`tools/views/plot_heatmap.toml` for
`tools.views.plot_heatmap`). Cards are found without importing the tools, so reading a
question costs no torch import; `check_card` compares a card with its function (tests run it).
Generic code reads cards and never branches on a tool's name:
the reader matches questions against `examples`, the planner fills arguments from `slots`, the
composer renders `answer` lines, the app shows `showcase` questions as buttons and MCP the `description`.

    [card]
    figure = true                  # draws a figure: the answer mentions its downloads
    follow_up = true               # a bare follow-up ("now layer 0") may repeat this tool
    knowledge = ["rollout"]        # entries every answer of this tool includes (what the view means)
    default = true                 # the view for a bare quoted sentence (one card)
    needs_any = ["sentence_b", "model_b"]   # runs only when the question gives one of these readings
    decisive = ["expression"]      # a reading only this tool takes: when present, this tool runs
    fresh_sentence = true          # coming from another tool, do not continue its sentence (a prompt is asked afresh)
    explicit_sentence = true       # in a follow-up, pass the conversation's sentence even when the session has it
    needs_name = true              # runs only when the question names it ("3D"): its examples alone are too close to
                                   # any vague "draw it" to decide
    outranks = ["plot_heads"]      # named beside one of these views, this card is meant: "the role of each head"
                                   # names the grid's "each head" too, and asks for the roles
    alone = "plot_line"            # the view that shows one part of this figure by itself: "that one line by
                                   # itself, bigger", 「その一本だけを大きく」 while it is shown
    panels = "head"                # each panel of the figure is one of these: "the third one" while it is shown
                                   # points at that head; "one of those, bigger" asks which
    together = ["query", "key"]    # readings these slots take only together: a question that gives the first
                                   # without the rest does not fit ("what's 'she' looking at the most" is no pair);
                                   # the rest alone may follow up the first kept ("and to 'dog'?")

    [description]                  # one line each
    en = "..."
    ja = "..."

    [examples]                     # >= 5 questions per language, as learners type them
    en = ["..."]
    ja = ["..."]

    [names]                        # optional: what learners call this view ("heatmap", 「折れ線」); a request
    en = ["..."]                   # that names one view gets it, whatever else the sentence resembles
    ja = ["..."]

    [parts]                        # optional: what a follow-up calls a part of this figure ("the single line on
    en = ["..."]                   # the right"): said while it is shown, the figure stays, though another
    ja = ["..."]                   # view's name is among the words ("one line" names the line chart)

    [slots]                        # argument = what the reader found (see READINGS)
    text = "sentence"
    layer = "layer"

    [defaults]                     # arguments always passed unless read (stated in the answer)
    layer = -1

    [assumed]                      # optional: the function's own default of an argument left out, which a
    max_new_tokens = 10            # follow-up changes relatively ("5 tokens longer"); checked against the function

    [[showcase]]                   # optional, repeatable: one example button of the app, in both languages
    en = "..."
    ja = "..."

    [[answer]]                     # one line of the answer; see agent/answer.py for the fields
    en = "..."
    ja = "..."
    when = "annotate"              # optional: only when this field is truthy ("!x": falsy)
    each = "top_per_query"         # optional: one line per item of a list field, as `item`
    limit = 10                     # optional, with `each`
"""

from __future__ import annotations

import inspect
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from prompts import Language
from tools import TOOL_FAMILIES  # (the family list only: importing `tools` imports no tool)

__all__ = ["Card", "AnswerLine", "cards", "read_card", "check_card", "READINGS", "CardError"]

# What the reader can find in a question, and so what a slot may name.
READINGS = frozenset({
    "sentence",      # the (first) quoted sentence, or the conversation's latest one
    "sentence_b",    # a second quoted sentence
    "model",         # the (first) model named, or the conversation's
    "model_b",       # a second model named
    "model_c",       # a third model named
    "layer",         # layer index (ordinals already converted); several → one call each
    "head",          # head index; several → one call each
    "query",         # the attending token (position or text)
    "key",           # the attended token
    "expression",    # a Python expression over outputs.attentions
    "new_tokens",    # how many tokens to generate
    "annotate", "exclude_special", "words",   # yes/no choices
    "strict",        # this exact model, no stand-in
    "color_max",     # the top of the colour scale: 1.0 when a fixed 0-1 scale is asked for
})


class CardError(Exception):
    """A card file is missing or malformed (our bug: cards ship with the code)."""


@dataclass(frozen=True)
class AnswerLine:
    en: str
    ja: str
    when: str | None = None
    each: str | None = None
    limit: int | None = None

    def template(self, language: Language) -> str:
        return self.ja if language == "ja" else self.en


@dataclass(frozen=True)
class Card:
    tool: str
    package: str  # the tool family's package, e.g. "tools.views"
    description: dict[str, str]
    examples: dict[str, tuple[str, ...]]
    slots: dict[str, str]  # argument name -> reading
    defaults: dict[str, Any]
    answer: tuple[AnswerLine, ...]
    assumed: dict[str, Any] = field(default_factory=dict)  # the function's defaults a follow-up may change relatively
    showcase: tuple[dict[str, str], ...] = ()  # the app's example questions, each in en and ja
    names: tuple[str, ...] = ()  # what learners call this view, both languages, lower case
    parts: tuple[str, ...] = ()  # what a follow-up calls a part of this figure, both languages, lower case
    figure: bool = False
    follow_up: bool = False
    knowledge: tuple[str, ...] = ()
    default: bool = False
    needs_any: tuple[str, ...] = ()
    decisive: tuple[str, ...] = ()
    fresh_sentence: bool = False
    explicit_sentence: bool = False
    needs_name: bool = False
    outranks: tuple[str, ...] = ()
    together: tuple[str, ...] = ()
    panels: str | None = None  # the reading each panel of the figure stands for ("head")
    alone: str | None = None  # the tool that shows one part of this figure by itself

    def all_examples(self) -> tuple[str, ...]:
        return self.examples.get("en", ()) + self.examples.get("ja", ())

    def argument_for(self, reading: str) -> str | None:
        """The argument that takes a reading ("sentence" → "text" or "prompt")."""
        return next((argument for argument, name in self.slots.items() if name == reading), None)


def check_card(card: Card, function: Callable[..., Any]) -> None:
    """Raise CardError when a card's slots or defaults name arguments its tool does not take, or when its tool
    requires the sentence and the card does not say so (`explicit_sentence`: a follow-up must then pass it)."""
    parameters = inspect.signature(function).parameters
    for argument in (*card.slots, *card.defaults, *card.assumed):
        if argument not in parameters:
            raise CardError(f"{card.tool}: card names {argument!r}, not a parameter ({', '.join(parameters)})")
    for argument, value in card.assumed.items():
        if parameters[argument].default != value:
            raise CardError(f"{card.tool}: [assumed] {argument} = {value!r}, the function's default is "
                            f"{parameters[argument].default!r}")
    sentence = card.argument_for("sentence")
    if sentence and parameters[sentence].default is inspect.Parameter.empty and not card.explicit_sentence:
        raise CardError(f"{card.tool}: {sentence} is required; set explicit_sentence = true in [card]")


def read_card(path: Path, package: str) -> Card:
    """Read one `<tool>.toml` card."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise CardError(f"{path}: {error}") from error
    tool = path.stem
    slots = dict(data.get("slots", {}))
    for argument, reading in slots.items():
        if reading not in READINGS:
            raise CardError(f"{path}: slot {argument} reads {reading!r}; expected one of {sorted(READINGS)}")
    description = dict(data.get("description", {}))
    examples = {language: tuple(data.get("examples", {}).get(language, ())) for language in ("en", "ja")}
    if set(description) != {"en", "ja"} or not all(examples.values()):
        raise CardError(f"{path}: needs [description] and [examples] in both en and ja")
    meta = data.get("card", {})
    if meta.get("panels") is not None and meta["panels"] not in READINGS:
        raise CardError(f"{path}: panels = {meta['panels']!r}; expected one of {sorted(READINGS)}")
    answer = tuple(AnswerLine(**line) for line in data.get("answer", ()))
    return Card(tool=tool, package=package, description=description, examples=examples, slots=slots,
                defaults=dict(data.get("defaults", {})), assumed=dict(data.get("assumed", {})), answer=answer,
                showcase=_showcase(path, data),
                names=tuple(name.lower() for names in dict(data.get("names", {})).values() for name in names),
                parts=tuple(part.lower() for parts in dict(data.get("parts", {})).values() for part in parts),
                figure=bool(meta.get("figure", False)), follow_up=bool(meta.get("follow_up", False)),
                knowledge=tuple(meta.get("knowledge", ())), default=bool(meta.get("default", False)),
                needs_any=tuple(meta.get("needs_any", ())), decisive=tuple(meta.get("decisive", ())),
                fresh_sentence=bool(meta.get("fresh_sentence", False)),
                explicit_sentence=bool(meta.get("explicit_sentence", False)),
                needs_name=bool(meta.get("needs_name", False)), outranks=tuple(meta.get("outranks", ())),
                together=tuple(meta.get("together", ())), panels=meta.get("panels"),
                alone=meta.get("alone"))


def _showcase(path: Path, data: dict[str, Any]) -> tuple[dict[str, str], ...]:
    """The card's [[showcase]] questions; each must be a non-empty string in both languages and nothing else."""
    tables = data.get("showcase", [])
    if not isinstance(tables, list):
        raise CardError(f"{path}: expected [[showcase]] tables (one per question), not [showcase]")
    for number, table in enumerate(tables, start=1):
        complete = isinstance(table, dict) and set(table) == {"en", "ja"}
        if not complete or not all(isinstance(v, str) and v.strip() for v in table.values()):
            raise CardError(f"{path}: showcase {number} needs exactly en and ja, each a non-empty string, "
                            f"not {table!r}")
    return tuple(dict(table) for table in tables)


@cache
def cards() -> dict[str, Card]:
    """Every tool card, by tool name, found in the tool family packages under tools/ (no tool is imported)."""
    root = Path(__file__).resolve().parent.parent / "tools"
    found = {}
    for path in sorted(root.glob("*/*.toml")):
        if path.name == "notes.toml":  # a family's note templates (tools/core/notes.py), not a card
            continue
        if path.parent.name == "core":  # shared code, no tool of its own: its TOML files are data tables
            continue
        card = read_card(path, f"tools.{path.parent.name}")
        found[card.tool] = card
    return found


def views() -> list[Card]:
    """The cards that draw a figure, in the tool families' registration order: the menu of views
    ("How can I visualize it?") lists them so, and "the second one" after it picks from them."""
    every = cards()
    return [every[name] for name in TOOL_FAMILIES if name in every and every[name].figure]
