"""An embedded model standing in for a hub model this machine cannot get, and what the learner is told.

The article names its models (bert-base-uncased, rinna/japanese-gpt2-medium, cl-tohoku/bert-base-japanese)
and so do its readers. On a machine with no network such a hub id is neither in the local Hugging Face
cache nor downloadable (tools/core/hub.py), so instead of an error the nearest embedded model answers:

    English BERTs                      → minilm        (same architecture; bert-*-uncased: same vocabulary)
    Llama-family decoders (Llama, Qwen, Mistral, SmolLM, TinyLlama)
                        on English text → smollm2-135m  (a Llama-style decoder: grouped-query attention)
                        on Japanese text → gemma-270m   (smollm2 reads English only; gemma reads Japanese)
    other causal models (GPT-2, rinna) → gemma-270m    (also causal, and it reads Japanese)
    Japanese BERTs (cl-tohoku/...)     → gemma-270m    (it reads Japanese, but it is a decoder: causal mask)

The table is data, substitutes.toml beside this file, so that a new embedded model is one more rule;
a rule may hold only for Japanese text (`text = "ja"`), so the stand-in can depend on what is analysed.
Every result then records `model` (what ran) and `requested_model` (what was asked for), and carries a
`model_stand_in` note (tools/core/notes.toml) saying why, what the models share and what differs
(vocabulary, encoder or decoder, layers × heads). With the hub reachable or the model cached nothing
stands in. `strict` (the session's policy, or load_model's argument) refuses a stand-in instead; an
id no rule matches is refused too. Both refusals raise a ModelError carrying its note, so the learner
reads it in their own language.

    model_or_stand_in(name, ...)   what Session.model loads: the model itself, or its stand-in
    rule_for(hub_id, japanese)     the table's rule for an id (and text), or None
    stand_in_note(loaded)          the note for a result computed by a stand-in
    stand_in_rule(loaded)          the rule that made `loaded` a stand-in (None: it stands in for nothing); the
                                   reproducing scripts read what loading the asked-for model takes from it
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
from tools.core.extract import CJK
from tools.core.models import EMBEDDED, LoadedModel, Placement, Progress, get_model, hub_id
from tools.core.notes import note

__all__ = ["Rule", "rules", "rule_for", "known_shape", "model_or_stand_in", "stand_in_note", "stand_in_rule"]

TABLE = Path(__file__).with_name("substitutes.toml")


@dataclass(frozen=True)
class Rule:
    """One row of substitutes.toml: hub ids matching `match` get the embedded model `use`."""

    kind: str
    match: re.Pattern[str]
    use: str  # an EMBEDDED alias
    because: str  # the note key that says what the two models share and what differs
    japanese_only: bool = False  # `text = "ja"`: the rule holds only for a Japanese text
    architecture: str | None = None  # the asked-for model's, when it is not the stand-in's
    needs: tuple[str, ...] = ()  # packages the asked-for model's tokenizer needs besides transformers

    def holds(self, requested: str, japanese: bool) -> bool:
        return (japanese or not self.japanese_only) and bool(self.match.search(requested.strip().lower()))


@cache
def _table() -> tuple[tuple[Rule, ...], dict[str, tuple[int, int]]]:
    data = tomllib.loads(TABLE.read_text(encoding="utf-8"))
    found = tuple(Rule(row["kind"], re.compile(row["match"]), row["use"], row["because"], row.get("text") == "ja",
                       row.get("architecture"), tuple(row.get("needs", ())))
                  for row in data["rule"])
    for rule, row in zip(found, data["rule"], strict=True):
        if rule.use not in EMBEDDED or rule.because not in _BECAUSE or row.get("text", "ja") != "ja" or \
                rule.architecture not in (None, "encoder", "decoder"):
            raise ValueError(f"{TABLE}: rule {rule.kind!r} uses {rule.use!r} because {rule.because!r} for text "
                             f"{row.get('text')!r}, architecture {rule.architecture!r}; expected one of "
                             f"{sorted(EMBEDDED)} because one of {sorted(_BECAUSE)}, for text 'ja' or any, "
                             "architecture 'encoder', 'decoder' or none")  # our bug: the table ships with the code
    shapes = {name.lower(): (int(layers), int(heads)) for name, (layers, heads) in data.get("shapes", {}).items()}
    return found, shapes


def rules() -> tuple[Rule, ...]:
    return _table()[0]


def rule_for(requested: str, japanese: bool = False) -> Rule | None:
    """The first rule whose pattern fits the (lower-cased) hub id and that holds for a Japanese text or
    not, or None: then nothing stands in."""
    return next((rule for rule in rules() if rule.holds(requested, japanese)), None)


def known_shape(requested: str) -> tuple[int, int] | None:
    """(layers, heads) of a hub model the table knows, or None."""
    return _table()[1].get(requested.strip().lower())


def model_or_stand_in(name: str, cache_dir: Path | None = None, progress: Progress | None = None,
                      download: str | None = None, strict: bool = False, text: str | None = None,
                      placement: Placement | None = None) -> LoadedModel:
    """The model `name`, or an embedded stand-in when it is a hub id this machine cannot get.

    A stand-in is the embedded model (loaded once per process, shared) with `requested` set to the id
    asked for; use `stand_in_note` for what to tell the learner. `text`, the text the model will read
    (None: not known yet), decides between rules that hold only for Japanese text and the others.
    `placement` says where the model (or its stand-in) runs (tools/core/placement.py; None: the CPU in float32).

    Raises:
        ModelError: the model cannot be loaded; or it cannot be had here and `strict` forbids a
            stand-in, or no rule knows its kind (then the error carries a note, in both languages).
    """
    requested = hub_id(name)
    if requested is None or hub.is_cached(requested) or hub.reachable():
        return get_model(name, cache_dir, progress, download, placement)
    rule = rule_for(requested, japanese=bool(text and CJK.search(text)))
    if rule is None:
        said = note("model_unavailable", requested=requested, hub=_hub_note())
        raise ModelError(said["text"], note=said)
    if strict:
        said = note("model_stand_in_refused", requested=requested, used=rule.use, hub=_hub_note(),
                    because=_because_note(rule, requested, rule.use))
        raise ModelError(said["text"], note=said)
    return dataclasses.replace(get_model(rule.use, cache_dir, progress, placement=placement), requested=requested)


def stand_in_note(loaded: LoadedModel) -> dict[str, Any] | None:
    """What to tell the learner about a result computed by `loaded`: None unless it stood in for another model."""
    rule = stand_in_rule(loaded)
    if rule is None or loaded.requested is None:
        return None
    requested, used = loaded.requested, loaded.name
    return note("model_stand_in", requested=requested, used=used, hub=_hub_note(),
                because=_because_note(rule, requested, used), shape=_shape_note(loaded))


def stand_in_rule(loaded: LoadedModel) -> Rule | None:
    """The rule that made `loaded` stand in for the model asked for; None when it stands in for nothing."""
    if loaded.requested is None:
        return None
    requested, used = loaded.requested, loaded.name
    rule = next((rule for rule in rules() if rule.use == used and rule.holds(requested, japanese=True)), None)
    if rule is None:  # our bug: only a rule makes a stand-in
        raise ValueError(f"{used} stands in for {requested!r}, which no rule in {TABLE.name} matches")
    return rule


# The notes a rule's `because` may name: one literal call each, so that tests/test_notes.py checks their values.
_BECAUSE: dict[str, Callable[[str, str], dict[str, Any]]] = {
    "stand_in_same_model": lambda requested, used: note("stand_in_same_model", requested=requested, used=used),
    "stand_in_same_vocabulary": lambda requested, used: note("stand_in_same_vocabulary", requested=requested,
                                                             used=used),
    "stand_in_encoder": lambda requested, used: note("stand_in_encoder", requested=requested, used=used),
    "stand_in_causal": lambda requested, used: note("stand_in_causal", requested=requested, used=used),
    "stand_in_decoder_for_encoder": lambda requested, used: note("stand_in_decoder_for_encoder",
                                                                 requested=requested, used=used),
    "stand_in_llama_family": lambda requested, used: note("stand_in_llama_family", requested=requested, used=used),
    "stand_in_llama_japanese": lambda requested, used: note("stand_in_llama_japanese", requested=requested,
                                                            used=used),
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
