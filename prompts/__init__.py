"""System prompts and the bilingual knowledge base, as package data.

    system.en.md / system.ja.md   the LLM sensei's system prompt ($model and $tools are filled in)
    knowledge.toml                [[entry]] tables: id, keywords_en, keywords_ja, en, ja, tools
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from string import Template
from typing import Literal

__all__ = ["Entry", "knowledge", "system_prompt", "Language"]

Language = Literal["en", "ja"]


@dataclass(frozen=True)
class Entry:
    id: str
    keywords_en: tuple[str, ...]
    keywords_ja: tuple[str, ...]
    en: str
    ja: str
    tools: tuple[str, ...]

    def text(self, language: Language) -> str:
        return (self.ja if language == "ja" else self.en).strip()


def _read(name: str) -> str:
    return resources.files(__name__).joinpath(name).read_text(encoding="utf-8")


@cache
def knowledge() -> dict[str, Entry]:
    """The knowledge base by entry id."""
    entries = tomllib.loads(_read("knowledge.toml"))["entry"]
    return {
        item["id"]: Entry(
            id=item["id"],
            keywords_en=tuple(k.lower() for k in item["keywords_en"]),
            keywords_ja=tuple(item["keywords_ja"]),
            en=item["en"],
            ja=item["ja"],
            tools=tuple(item.get("tools", ())),
        )
        for item in entries
    }


def system_prompt(language: Language, model: str, tools: str) -> str:
    """The system prompt in one language; a missing or unknown template variable raises."""
    return Template(_read(f"system.{language}.md")).substitute(model=model, tools=tools)
