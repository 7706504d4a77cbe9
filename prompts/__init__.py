"""System prompts and the bilingual knowledge base, as package data.

    system.en.md / system.ja.md   the LLM sensei's system prompt ($model and $tools are filled in)
    knowledge.toml                [[entry]] tables: id, en, ja (required); keywords_en, keywords_ja,
                                  examples_en, examples_ja, messages, tools (optional lists), asks_back,
                                  menu (the answer lists every view, each with a question that asks for it),
                                  demonstrate (the answer also runs the entry's first tool: its figure is the answer),
                                  literal (no examples: only a literal read of the planner reaches the entry),
                                  showcase_en + showcase_ja (optional, together: the app's example button)
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from string import Template
from typing import Any, Literal

__all__ = ["Entry", "knowledge", "parse_knowledge", "system_prompt", "Language"]

Language = Literal["en", "ja"]

_REQUIRED = ("id", "en", "ja")
_LISTS = ("keywords_en", "keywords_ja", "examples_en", "examples_ja", "messages", "tools")
_FLAGS = ("asks_back", "menu", "demonstrate", "literal")
_SHOWCASE = ("showcase_en", "showcase_ja")


@dataclass(frozen=True)
class Entry:
    id: str
    keywords_en: tuple[str, ...]  # lowercase
    keywords_ja: tuple[str, ...]
    en: str
    ja: str
    tools: tuple[str, ...]
    examples_en: tuple[str, ...] = ()  # learner questions this entry answers
    examples_ja: tuple[str, ...] = ()
    messages: tuple[str, ...] = ()  # lowercase fragments of a printed error or warning
    asks_back: bool = False  # the entry asks the learner for something (the text of a warning)
    menu: bool = False  # the answer goes on with every view the sensei draws, each with its question
    demonstrate: bool = False  # the answer runs its first tool too ("why 8 lines?": the 8 lines, labelled), or the
    # conversation's view when it is one of `tools` ("the code for this figure": that figure again, with its script)
    literal: bool = False  # reached only by a literal read of the planner, never by meaning: it has no examples
    showcase_en: str = ""  # the question the app's example button asks (both languages or neither)
    showcase_ja: str = ""

    def text(self, language: Language) -> str:
        return (self.ja if language == "ja" else self.en).strip()

    def examples(self, language: Language | None = None) -> tuple[str, ...]:
        """The example questions in one language, or in both when no language is given."""
        if language is None:
            return self.examples_en + self.examples_ja
        return self.examples_ja if language == "ja" else self.examples_en

    def showcase(self, language: Language) -> str:
        """The app's example question for this entry in one language ("" when it has none)."""
        return self.showcase_ja if language == "ja" else self.showcase_en


def _read(name: str) -> str:
    return resources.files(__name__).joinpath(name).read_text(encoding="utf-8")


@cache
def knowledge() -> dict[str, Entry]:
    """The knowledge base by entry id, in file order."""
    return parse_knowledge(_read("knowledge.toml"))


def parse_knowledge(source: str, name: str = "knowledge.toml") -> dict[str, Entry]:
    """Entries by id from the text of a knowledge file; a malformed entry raises ValueError naming it."""
    entries: dict[str, Entry] = {}
    for number, item in enumerate(tomllib.loads(source).get("entry", []), start=1):
        entry = _entry(item, f"{name}: entry {number}")
        if entry.id in entries:
            raise ValueError(f"{name}: entry {number} repeats the id {entry.id!r}; "
                             f"merge the two entries or give this one its own id")
        entries[entry.id] = entry
    return entries


def _entry(item: dict[str, Any], where: str) -> Entry:
    if isinstance(item.get("id"), str) and item["id"]:
        where = f"{where} ({item['id']!r})"
    fields = (*_REQUIRED, *_LISTS, *_FLAGS, *_SHOWCASE)
    unknown = sorted(set(item) - set(fields))
    if unknown:
        raise ValueError(f"{where}: unknown field {unknown[0]!r}; expected one of {', '.join(fields)}")
    for field in _REQUIRED:
        if not (isinstance(item.get(field), str) and item[field].strip()):
            raise ValueError(f"{where}: expected a non-empty string {field!r}, not {item.get(field)!r}; "
                             f"every entry needs an id and both texts, en and ja")
    for field in _LISTS:
        values = item.get(field, [])
        if not (isinstance(values, list) and all(isinstance(v, str) for v in values)):
            raise ValueError(f"{where}: expected {field!r} to be a list of strings, not {values!r}")
    showcase = [item.get(field) for field in _SHOWCASE]
    if any(value is not None for value in showcase) and not all(
        isinstance(value, str) and value.strip() for value in showcase
    ):
        raise ValueError(f"{where}: expected both showcase_en and showcase_ja as non-empty strings, not {showcase!r}; "
                         f"an example button asks its question in both languages")
    return Entry(
        id=item["id"],
        keywords_en=tuple(k.lower() for k in item.get("keywords_en", ())),
        keywords_ja=tuple(item.get("keywords_ja", ())),
        en=item["en"],
        ja=item["ja"],
        tools=tuple(item.get("tools", ())),
        examples_en=tuple(item.get("examples_en", ())),
        examples_ja=tuple(item.get("examples_ja", ())),
        messages=tuple(m.lower() for m in item.get("messages", ())),
        asks_back=bool(item.get("asks_back", False)),
        menu=bool(item.get("menu", False)),
        demonstrate=bool(item.get("demonstrate", False)),
        literal=bool(item.get("literal", False)),
        showcase_en=item.get("showcase_en", ""),
        showcase_ja=item.get("showcase_ja", ""),
    )


def system_prompt(language: Language, model: str, tools: str) -> str:
    """The system prompt in one language; a missing or unknown template variable raises."""
    return Template(_read(f"system.{language}.md")).substitute(model=model, tools=tools)
