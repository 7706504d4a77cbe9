"""The words around a lesson's own texts (lessons/words.toml), rendered in the learner's language.

    say(key, language, **fields)           one template, with agent/answer.py's format specs
    choice_label(kind, value, language)    how a choice reads: `cat`, layer 5 (the last), [1, 8, 8], yes, sink
    verdict_text(verdict, language)        right or not, then the guess beside the real numbers
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Any

from agent.answer import render
from lessons.predictions import KINDS, Verdict
from prompts import Language

__all__ = ["say", "choice_label", "verdict_text", "words"]

_LISTED = {"sharper_layer": "layer_item", "sink_layer": "layer_item", "most_common_role": "role_item",
           "norm_loses_most": "norm_item"}  # kinds whose `choices` field is a list rendered item by item


@cache
def words() -> dict[str, dict[str, str]]:
    """Every template by key, each with `en` and `ja`."""
    return tomllib.loads(resources.files("lessons").joinpath("words.toml").read_text(encoding="utf-8"))


def say(key: str, language: Language, **fields: Any) -> str:
    return render(words()[key][language], fields, language)


def choice_label(kind: str, value: Any, language: Language) -> str:
    """A choice as the learner reads it."""
    choice = KINDS[kind].choice
    if choice == "yes_no":
        return say("yes" if value else "no", language)
    if choice == "layer":
        return say("last_layer", language) if value == -1 else say("layer", language, layer=value)
    if choice == "role":
        return render("{role:term}", {"role": value}, language)
    if choice == "token":
        return f"`{value}`"
    return str(value)


def verdict_text(verdict: Verdict, language: Language) -> str:
    """✅/❌ and the kind's sentence: the learner's guess next to the real numbers."""
    fields = dict(verdict.fields)
    item = _LISTED.get(verdict.kind)
    if item is not None:
        separator = "、" if language == "ja" else ", "
        fields["choices"] = separator.join(say(item, language, **entry) for entry in verdict.fields["choices"])
    if KINDS[verdict.kind].choice == "yes_no":
        fields["picked_word"] = choice_label(verdict.kind, verdict.picked, language)
        fields["truth_words"] = say("causal_zero" if verdict.fields["truth"] else "causal_open", language)
    mark = say("right" if verdict.correct else "wrong", language)
    return f"{mark} {say(verdict.kind, language, **fields)}"
