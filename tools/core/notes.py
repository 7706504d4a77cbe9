"""Notes: what a tool tells the learner beside its numbers, kept as data and put into words per language.

A tool that makes a choice on the learner's behalf (another model, fewer layers, pooled blocks) or
wants a caveat read adds a note to its result's `notes` list. A note is a small JSON-able dict:

    {"key": "pooled_blocks",
     "values": {"rows": 600, "cols": 600, "query_block": 10, "key_block": 10},
     "text": "600 × 600 tokens are too many cells to read, so blocks ... were pooled (queries by 10, ..."}

`key` names a template in the notes file of the family that adds it (`tools/<family>/notes.toml`;
`tools/core/notes.toml` for the notes every family shares): one `en` and one `ja` line per key,
`str.format` templates whose `{name}` placeholders are filled from `values` (format specs such as
`{share:.0%}` work). A value is a JSON primitive, a list (joined with ", " / "、", "none" / "なし"
when empty) or another note (rendered in the same language, as compare_attention's "a: ..." does).

`text` is the English rendering, made with the note. It is there so that every JSON reader of a
result (the LLM, MCP, `attention-sensei tool --json`) reads the note as a sentence without knowing
this module; the offline composer and the app never read it back: they render `key` + `values` in
the learner's language. That one dict per note, rather than English strings beside a parallel list
of keys, keeps the words and the data from drifting apart.

    note(key, **values)      a note for a result; an unknown key or a missing value raises (our bug)
    render(note, language)   the note in "en" or "ja"
    templates()              every key's {"en", "ja"} templates, from every notes.toml, checked on load
                             (both languages, the same placeholders in each, no key defined twice)

Importing this module imports no torch: the composer renders notes without loading the engine.
"""

from __future__ import annotations

import json
import string
import tomllib
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

__all__ = ["note", "render", "templates", "read_templates", "template_fields", "NoteTemplateError", "LANGUAGES"]

LANGUAGES = ("en", "ja")
NOTES_FILE = "notes.toml"
_LISTS = {"en": (", ", "none"), "ja": ("、", "なし")}  # (separator, the word for an empty list)


class NoteTemplateError(Exception):
    """A notes.toml file that is malformed or disagrees with itself (our bug: the files ship with the code)."""


def note(key: str, **values: Any) -> dict[str, Any]:
    """A note for a tool result: its key, its values and its English text.

    Raises:
        KeyError: `key` has no template, or a template names a value not given.
        TypeError: a value that JSON cannot carry.
    """
    if key not in templates():
        raise KeyError(f"no note template {key!r}: add it to the family's {NOTES_FILE}")
    json.dumps(values)  # a result travels as JSON to the LLM, MCP and the CLI
    made = {"key": key, "values": values}
    return {**made, "text": render(made, "en")}


def render(note: Mapping[str, Any], language: str) -> str:
    """A note in `language` ("en" or "ja"), from its key and values."""
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES}, not {language!r}")
    if not isinstance(note, Mapping):
        raise TypeError(f"a note is a dict made by tools.core.notes.note(key, **values), not {note!r}")
    template = templates()[note["key"]][language]
    shown = {name: _shown(value, language) for name, value in note["values"].items()}
    return template.format(**shown)


def _shown(value: Any, language: str) -> Any:
    if isinstance(value, Mapping) and "key" in value:
        return render(value, language)
    if isinstance(value, list):
        separator, empty = _LISTS[language]
        return separator.join(str(item) for item in value) or empty
    return value


def template_fields(template: str) -> set[str]:
    """The names a template's placeholders read: "{rows} × {cols:,}" → {"rows", "cols"}."""
    return {field.split(".")[0].split("[")[0] for _, field, _, _ in string.Formatter().parse(template) if field}


@cache
def templates() -> dict[str, dict[str, str]]:
    """Every note key's templates, {key: {"en": ..., "ja": ...}}, from every family's notes.toml."""
    return read_templates(sorted(Path(__file__).resolve().parent.parent.glob(f"*/{NOTES_FILE}")))


def read_templates(paths: list[Path]) -> dict[str, dict[str, str]]:
    """The templates of these notes files, checked.

    Raises:
        NoteTemplateError: a key without both languages, languages whose placeholders differ, or a
            key defined in two files.
    """
    found: dict[str, dict[str, str]] = {}
    where: dict[str, Path] = {}
    for path in paths:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as error:
            raise NoteTemplateError(f"{path}: {error}") from error
        for key, entry in data.items():
            if key in found:
                raise NoteTemplateError(f"note {key!r} is defined in {where[key]} and again in {path}")
            found[key], where[key] = _checked(path, key, entry), path
    return found


def _checked(path: Path, key: str, entry: object) -> dict[str, str]:
    if not isinstance(entry, dict) or set(entry) != set(LANGUAGES) or not all(
        isinstance(entry[language], str) and entry[language] for language in LANGUAGES
    ):
        raise NoteTemplateError(f"{path}: [{key}] needs exactly a non-empty en and ja line, not {entry!r}")
    english, japanese = (template_fields(entry[language]) for language in LANGUAGES)
    if english != japanese:
        raise NoteTemplateError(
            f"{path}: [{key}] en reads {sorted(english)} but ja reads {sorted(japanese)}: both need the same values"
        )
    return {language: entry[language] for language in LANGUAGES}
