"""The words drawn in figures, in the learner's language: axis names, colour-scale labels, title pieces.

A figure tool takes `language` ("en" or "ja", the language of the question, which the agent
passes) and asks for each word here, so a Japanese question gets 層 5・ヘッド 3 and キー(注目
される側) on its axes. The words are data (`figure_text.toml`): one en and one ja template per
key, with the same {placeholders}; the English ones are what every figure said before.

    figure_text(key, language, **values)   one template, filled
    figure_template(key, language)         one template as it is, for a script to fill with str.format
    checked_language(value)                "en" or "ja", else a ToolError that says so

Importing this module imports no torch and no matplotlib.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

from tools.core.errors import ToolError
from tools.core.notes import LANGUAGES, read_templates

__all__ = ["FigureLanguage", "figure_text", "figure_template", "checked_language", "FIGURE_TEXT"]

FigureLanguage = Literal["en", "ja"]
FIGURE_TEXT = Path(__file__).with_name("figure_text.toml")


@cache
def _templates() -> dict[str, dict[str, str]]:
    return read_templates([FIGURE_TEXT])


def figure_text(key: str, language: FigureLanguage, **values: object) -> str:
    """The words for `key` in `language`, filled with `values`. A missing key or value raises KeyError (our bug)."""
    return figure_template(key, language).format(**values)


def figure_template(key: str, language: FigureLanguage) -> str:
    """The `str.format` template for `key` in `language`, unfilled."""
    return _templates()[key][language]


def checked_language(value: object) -> FigureLanguage:
    """`value` if it is a language our figures speak; a ToolError naming the choices otherwise."""
    if value not in LANGUAGES:
        raise ToolError(f"language must be one of {', '.join(map(repr, LANGUAGES))} (the learner's language), "
                        f"not {value!r}")
    return value  # type: ignore[return-value]
