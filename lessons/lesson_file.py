"""Read and check a lesson file; every problem is named, not just the first.

A lesson is one TOML file whose name (without .toml) is its id; `lessons/__init__.py` shows the format.
`read_lesson` returns a `Lesson` or raises `LessonError` listing every problem found: an unknown field
(with the closest known ones), a text missing in one language, an unknown tool (with the closest tool
names), arguments its tool does not take or of the wrong type (checked against the tool's schema, the one
the sensei's registry derives from its signature), a prediction its tool's result cannot grade.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agent.registry import Registry, argument_problems, default_registry
from lessons.predictions import KINDS, ROLES
from prompts import Language
from tools import TOOL_FAMILIES

__all__ = ["Lesson", "Step", "Prediction", "LessonError", "read_lesson", "parse_lesson", "LANGUAGES"]

LANGUAGES: tuple[Language, ...] = ("en", "ja")
_LESSON_FIELDS = ("order", "title", "summary", "arguments", "step")
_STEP_FIELDS = ("title", "text", "tool", "arguments", "try", "predict")
_PREDICT_FIELDS = ("kind", "choices", "question")
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


class LessonError(Exception):
    """A lesson file with problems; `problems` lists each one, and the message shows them all."""

    def __init__(self, name: str, problems: list[str]) -> None:
        self.name = name
        self.problems = problems
        count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
        super().__init__(f"{name}: {count}:\n" + "\n".join(f"- {problem}" for problem in problems))


@dataclass(frozen=True)
class Prediction:
    kind: str
    choices: tuple[Any, ...]  # tokens, layers, shapes, numbers or roles as written; (True, False) for yes/no
    question: dict[str, str]


@dataclass(frozen=True)
class Step:
    title: dict[str, str]
    text: dict[str, str]
    tool: str
    arguments: dict[str, Any]  # the lesson's shared arguments already merged in
    predict: Prediction | None = None
    try_question: dict[str, str] | None = None


@dataclass(frozen=True)
class Lesson:
    id: str
    title: dict[str, str]
    summary: dict[str, str]
    steps: tuple[Step, ...]
    order: int = 100

    def predictions(self) -> int:
        return sum(step.predict is not None for step in self.steps)


def read_lesson(path: Path, registry: Registry | None = None) -> Lesson:
    """The lesson in `path`. LessonError names every problem of the file."""
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise LessonError(str(path), [f"cannot read the file: {error}"]) from error
    return parse_lesson(source, path.stem, str(path), registry)


def parse_lesson(source: str, lesson_id: str, name: str, registry: Registry | None = None) -> Lesson:
    """The lesson in `source` (a TOML text); `lesson_id` is its file name without .toml."""
    try:
        data = tomllib.loads(source)
    except tomllib.TOMLDecodeError as error:
        raise LessonError(name, [f"not valid TOML: {error}"]) from error
    reader = _Reader(registry or default_registry())
    lesson = reader.lesson(data, lesson_id)
    if reader.problems:
        raise LessonError(name, reader.problems)
    return lesson


class _Reader:
    """Reads a lesson's tables, collecting every problem instead of stopping at the first."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self.problems: list[str] = []

    def lesson(self, data: dict[str, Any], lesson_id: str) -> Lesson:
        if not _ID.match(lesson_id):
            self.problems.append(f"the file name {lesson_id!r} is the lesson's id: use lower-case letters, digits, "
                                 "'-' and '_' (e.g. my-lesson.toml)")
        self._unknown(data, _LESSON_FIELDS, "the lesson")
        title = self._texts(data, "title", "the lesson")
        summary = self._texts(data, "summary", "the lesson")
        order = data.get("order", 100)
        if not isinstance(order, int) or isinstance(order, bool):
            self.problems.append(f"the lesson: order must be a whole number (its place in the list), not {order!r}")
            order = 100
        shared = data.get("arguments", {})
        if not isinstance(shared, dict):
            self.problems.append(f"the lesson: [arguments] must be a table of argument = value, not {shared!r}")
            shared = {}
        tables = data.get("step", [])
        if not isinstance(tables, list) or not tables:
            self.problems.append("the lesson has no steps: add [[step]] tables, each with title_en, title_ja, "
                                 "text_en, text_ja and tool")
            tables = []
        steps = [self.step(table, number, shared) for number, table in enumerate(tables, start=1)]
        return Lesson(lesson_id, title, summary, tuple(step for step in steps if step is not None), order)

    def step(self, table: Any, number: int, shared: dict[str, Any]) -> Step | None:
        where = f"step {number}"
        if not isinstance(table, dict):
            self.problems.append(f"{where}: expected a [[step]] table, not {table!r}")
            return None
        if isinstance(table.get("title_en"), str):
            where += f" ({table['title_en']!r})"
        self._unknown(table, _STEP_FIELDS, where)
        title = self._texts(table, "title", where)
        text = {language: unwrapped(value) for language, value in self._texts(table, "text", where).items()}
        try_question = self._texts(table, "try", where) if _has_any(table, "try") else None
        tool, arguments = self._call(table, shared, where)
        predict = self.prediction(table["predict"], tool, arguments, where) if "predict" in table else None
        return Step(title, text, tool, arguments, predict, try_question)

    def _call(self, table: dict[str, Any], shared: dict[str, Any], where: str) -> tuple[str, dict[str, Any]]:
        tool = table.get("tool")
        own = table.get("arguments", {})
        if not isinstance(own, dict):
            self.problems.append(f"{where}: arguments must be a table such as {{ layer = 0 }}, not {own!r}")
            own = {}
        if not isinstance(tool, str) or not tool:
            self.problems.append(f"{where}: missing the tool that demonstrates the step: tool = \"plot_heatmap\" "
                                 f"(one of {', '.join(TOOL_FAMILIES)})")
            return "", own
        if tool not in TOOL_FAMILIES:
            closest = difflib.get_close_matches(tool, TOOL_FAMILIES, n=3)
            hint = f"did you mean {' or '.join(closest)}? " if closest else ""
            self.problems.append(f"{where}: unknown tool {tool!r}; {hint}the tools are {', '.join(TOOL_FAMILIES)}")
            return tool, own
        schema = self.registry.spec(tool).schema
        takes = schema["function"]["parameters"]["properties"]
        arguments = {**{key: value for key, value in shared.items() if key in takes}, **own}
        self.problems += [f"{where}: {problem}" for problem in argument_problems(schema, arguments)]
        return tool, arguments

    def prediction(self, table: Any, tool: str, arguments: dict[str, Any], where: str) -> Prediction | None:
        where = f"{where}, prediction"
        if not isinstance(table, dict):
            self.problems.append(f"{where}: expected a [step.predict] table, not {table!r}")
            return None
        self._unknown(table, _PREDICT_FIELDS, where)
        question = self._texts(table, "question", where)
        kind = KINDS.get(table.get("kind", ""))
        if kind is None:
            closest = difflib.get_close_matches(str(table.get("kind", "")), KINDS, n=2)
            hint = f"did you mean {' or '.join(closest)}? " if closest else ""
            self.problems.append(f"{where}: unknown kind {table.get('kind')!r}; {hint}the kinds are {', '.join(KINDS)}")
            return None
        if tool in TOOL_FAMILIES and tool != kind.tool:
            self.problems.append(f"{where}: a {kind.name} prediction is graded from {kind.tool}'s result, "
                                 f"but the step runs {tool}: run {kind.tool}, or choose another kind")
        for argument in kind.needs:
            if arguments.get(argument) is None:
                self.problems.append(f"{where}: {kind.name} reads one query's row: give the step's {kind.tool} "
                                     f"the argument {argument}")
        for argument in kind.refuses:
            if arguments.get(argument) is not None:
                self.problems.append(f"{where}: {kind.name} reads the mean over all queries: leave {argument} out "
                                     f"of the step's arguments (or use most_attended)")
        return Prediction(kind.name, self._choices(table, kind.name, kind.choice, where), question)

    def _choices(self, table: dict[str, Any], kind: str, choice: str, where: str) -> tuple[Any, ...]:
        if choice == "yes_no":
            if "choices" in table:
                self.problems.append(f"{where}: {kind} is answered yes or no: leave choices out")
            return (True, False)
        choices = table.get("choices")
        if not isinstance(choices, list) or len(choices) < 2:
            self.problems.append(f"{where}: choices must list at least two {choice}s, not {choices!r}")
            return ()
        wrong = [value for value in choices if not _is_choice(choice, value)]
        if wrong:
            expected = {"token": "token texts (strings)", "layer": "layer indices (whole numbers, -1 the last)",
                        "shape": "shapes (lists of whole numbers such as [1, 8, 8])", "number": "whole numbers",
                        "role": f"roles ({', '.join(ROLES)})"}[choice]
            self.problems.append(f"{where}: {kind} choices must be {expected}; not {', '.join(map(repr, wrong))}")
        if len({repr(value) for value in choices}) != len(choices):
            self.problems.append(f"{where}: choices repeat a value: {choices!r}")
        return tuple(choices)

    def _texts(self, table: dict[str, Any], field: str, where: str) -> dict[str, str]:
        """`field_en` and `field_ja`, each a non-empty string; a missing one is a problem named by its language."""
        texts = {}
        for language in LANGUAGES:
            value = table.get(f"{field}_{language}")
            if isinstance(value, str) and value.strip():
                texts[language] = value.strip()
            else:
                said = "missing" if value is None else f"not a non-empty string ({value!r}):"
                name = {"en": "English", "ja": "Japanese"}[language]
                self.problems.append(f"{where}: {said} {field}_{language} (the {name} {field}); every text needs "
                                     f"both {field}_en and {field}_ja")
                texts[language] = ""
        return texts

    def _unknown(self, table: dict[str, Any], fields: tuple[str, ...], where: str) -> None:
        bilingual = {"title", "summary", "text", "try", "question"}
        known = [f"{field}_{language}" if field in bilingual else field for field in fields
                 for language in (LANGUAGES if field in bilingual else ("",))]
        for key in table:
            if key not in known:
                closest = difflib.get_close_matches(key, known, n=1)
                hint = f"did you mean {closest[0]}? " if closest else ""
                self.problems.append(f"{where}: unknown field {key!r}; {hint}expected {', '.join(known)}")


def unwrapped(text: str) -> str:
    """A text as its author wrapped it in the file, with each paragraph's lines joined (a space between two
    Latin characters, nothing between Japanese ones): the chat would otherwise break the line where the file did.
    Paragraphs with code, a list or a table keep their lines."""
    paragraphs = []
    for paragraph in re.split(r"\n\s*\n", text.strip()):
        lines = [line.strip() for line in paragraph.splitlines()]
        if any(line.startswith(("```", "- ", "* ", "|", "1. ")) for line in lines):
            paragraphs.append(paragraph)
            continue
        joined = lines[0]
        for line in lines[1:]:
            latin = joined[-1:].isascii() and line[:1].isascii()
            joined += (" " if latin else "") + line
        paragraphs.append(joined)
    return "\n\n".join(paragraphs)


def _has_any(table: dict[str, Any], field: str) -> bool:
    return any(f"{field}_{language}" in table for language in LANGUAGES)


def _is_choice(choice: str, value: Any) -> bool:
    whole = isinstance(value, int) and not isinstance(value, bool)
    if choice == "token":
        return isinstance(value, str) and bool(value)
    if choice in ("layer", "number"):
        return whole
    if choice == "shape":
        return isinstance(value, list) and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    return value in ROLES  # role
