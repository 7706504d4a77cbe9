"""An embedded model standing in for a hub model this machine cannot get, and what the learner is told.

The article names its models (bert-base-uncased, rinna/japanese-gpt2-medium, cl-tohoku/bert-base-japanese)
and so do its readers. On a machine with no network such a hub id is neither in the local Hugging Face
cache nor downloadable (tools/core/hub.py), so instead of an error the nearest embedded model answers:

    English BERTs                      → minilm      (same architecture; bert-*-uncased: same vocabulary)
    causal models (GPT-2, rinna, ...)  → gemma-270m  (also causal, and it reads Japanese)
    Japanese BERTs (cl-tohoku/...)     → gemma-270m  (it reads Japanese, but it is a decoder: causal mask)

The table is data, substitutes.toml beside this file, so that a new embedded model is one more rule.
Every result then records `model` (what ran) and `requested_model` (what was asked for), and carries a
`model_stand_in` note (tools/core/notes.toml) saying why, what the models share and what differs
(vocabulary, encoder or decoder, layers × heads). With the hub reachable or the model cached nothing
stands in. `strict` (the session's policy, or load_model's argument) refuses a stand-in instead; an
id no rule matches is refused too. Both refusals raise a ModelError carrying its note, so the learner
reads it in their own language.

    model_or_stand_in(name, ...)   what Session.model loads: the model itself, or its stand-in
    rule_for(hub_id)               the table's rule for an id, or None
    stand_in_note(loaded)          the note for a result computed by a stand-in
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from tools.core import hub
from tools.core.errors import ModelError
from tools.core.models import EMBEDDED, LoadedModel, Progress, get_model, hub_id
from tools.core.notes import note

__all__ = ["Rule", "rules", "rule_for", "known_shape", "model_or_stand_in", "stand_in_note"]

TABLE = Path(__file__).with_name("substitutes.toml")


@dataclass(frozen=True)
class Rule:
    """One row of substitutes.toml: hub ids matching `match` get the embedded model `use`."""

    kind: str
    match: re.Pattern[str]
    use: str  # an EMBEDDED alias
    because: str  # the note key that says what the two models share and what differs


@cache
def _table() -> tuple[tuple[Rule, ...], dict[str, tuple[int, int]]]:
    data = tomllib.loads(TABLE.read_text(encoding="utf-8"))
    found = tuple(Rule(row["kind"], re.compile(row["match"]), row["use"], row["because"]) for row in data["rule"])
    for rule in found:
        if rule.use not in EMBEDDED or rule.because not in _BECAUSE:  # our bug: the table ships with the code
            raise ValueError(f"{TABLE}: rule {rule.kind!r} uses {rule.use!r} because {rule.because!r}; expected "
                             f"one of {sorted(EMBEDDED)} because one of {sorted(_BECAUSE)}")
    shapes = {name.lower(): (int(layers), int(heads)) for name, (layers, heads) in data.get("shapes", {}).items()}
    return found, shapes


def rules() -> tuple[Rule, ...]:
    return _table()[0]


def rule_for(requested: str) -> Rule | None:
    """The first rule whose pattern fits the (lower-cased) hub id, or None: then nothing stands in."""
    wanted = requested.strip().lower()
    return next((rule for rule in rules() if rule.match.search(wanted)), None)


def known_shape(requested: str) -> tuple[int, int] | None:
    """(layers, heads) of a hub model the table knows, or None."""
    return _table()[1].get(requested.strip().lower())


def model_or_stand_in(name: str, cache_dir: Path | None = None, progress: Progress | None = None,
                      download: str | None = None, strict: bool = False) -> LoadedModel:
    """The model `name`, or an embedded stand-in when it is a hub id this machine cannot get.

    A stand-in is the embedded model (loaded once per process, shared) with `requested` set to the id
    asked for; use `stand_in_note` for what to tell the learner.

    Raises:
        ModelError: the model cannot be loaded; or it cannot be had here and `strict` forbids a
            stand-in, or no rule knows its kind (then the error carries a note, in both languages).
    """
    requested = hub_id(name)
    if requested is None or hub.is_cached(requested) or hub.reachable():
        return get_model(name, cache_dir, progress, download)
    rule = rule_for(requested)
    if rule is None:
        said = note("model_unavailable", requested=requested, hub=_hub_note())
        raise ModelError(said["text"], note=said)
    if strict:
        said = note("model_stand_in_refused", requested=requested, used=rule.use, hub=_hub_note(),
                    because=_because_note(rule, requested, rule.use))
        raise ModelError(said["text"], note=said)
    return dataclasses.replace(get_model(rule.use, cache_dir, progress), requested=requested)


def stand_in_note(loaded: LoadedModel) -> dict[str, Any] | None:
    """What to tell the learner about a result computed by `loaded`: None unless it stood in for another model."""
    if loaded.requested is None:
        return None
    requested, used = loaded.requested, loaded.name
    rule = rule_for(requested)
    if rule is None:  # our bug: only a rule makes a stand-in
        raise ValueError(f"{used} stands in for {requested!r}, which no rule in {TABLE.name} matches")
    return note("model_stand_in", requested=requested, used=used, hub=_hub_note(),
                because=_because_note(rule, requested, used), shape=_shape_note(loaded))


# The notes a rule's `because` may name: one literal call each, so that tests/test_notes.py checks their values.
_BECAUSE: dict[str, Callable[[str, str], dict[str, Any]]] = {
    "stand_in_same_model": lambda requested, used: note("stand_in_same_model", requested=requested, used=used),
    "stand_in_same_vocabulary": lambda requested, used: note("stand_in_same_vocabulary", requested=requested,
                                                             used=used),
    "stand_in_encoder": lambda requested, used: note("stand_in_encoder", requested=requested, used=used),
    "stand_in_causal": lambda requested, used: note("stand_in_causal", requested=requested, used=used),
    "stand_in_decoder_for_encoder": lambda requested, used: note("stand_in_decoder_for_encoder",
                                                                 requested=requested, used=used),
}


def _because_note(rule: Rule, requested: str, used: str) -> dict[str, Any]:
    return _BECAUSE[rule.because](requested, used)


def _hub_note() -> dict[str, Any]:
    if hub.offline_by_setting():
        return note("hub_offline_setting")
    return note("hub_unreachable")


def _shape_note(loaded: LoadedModel) -> dict[str, Any]:
    requested, used = loaded.requested or loaded.name, loaded.name
    layers, heads = loaded.num_layers, loaded.num_heads
    shape = known_shape(requested)
    if shape is None:
        return note("shape_unknown", requested=requested, used=used, used_layers=layers, used_heads=heads,
                    used_last=layers - 1)
    if shape == (layers, heads):
        return note("shape_same", used_layers=layers, used_heads=heads)
    return note("shape_differs", requested=requested, layers=shape[0], heads=shape[1], used=used,
                used_layers=layers, used_heads=heads, used_last=layers - 1)
