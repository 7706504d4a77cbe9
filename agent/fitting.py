"""Whether a tool's card fits a question: the choices it sets that the card has no slot for, and what the card
needs to run at all (a second sentence or model to compare, an expression to explain).

A question's choices are what planner_reading read from it: a layer, a head, a query or key token, a flag
(annotate, exclude_special, words), a token count, a second sentence or model. A card fits when its slots
take every one; among close tools the planner prefers the one that fits (agent/planner.py).
"""

from __future__ import annotations

from dataclasses import replace

from agent.cards import Card, cards
from agent.context import VIEW_FLAGS, Context
from agent.planner_arguments import SETTINGS
from agent.planner_reading import Reading
from agent.question_form import INSTEAD

__all__ = ["as_shown", "changes_the_view", "continues_pair", "fitting", "needs_met", "no_tokens", "sets_a_slot",
           "unfit", "unfit_choices"]


def fitting(reading: Reading) -> list[Card]:
    """The cards that take every choice the question sets."""
    return [card for card in cards().values() if not unfit(card, reading)]


def unfit(card: Card, reading: Reading) -> int:
    """How many of the question's choices the card has no slot for."""
    return len(unfit_choices(card, reading))


def unfit_choices(card: Card, reading: Reading) -> set[str]:
    """The question's choices the card has no slot for."""
    readings = set(card.slots.values())
    given = {"layer": bool(reading.layers or "layer" in reading.same),
             # (「同じ設定でヘッド一覧も」: the settings kept as a whole ask no head of a view that has none)
             "head": bool(reading.heads or reading.mean_heads
                          or "head" in reading.same and SETTINGS not in reading.same),
             "query": reading.query is not None,
             "key": reading.key is not None, "annotate": reading.annotate, "exclude_special": reading.exclude_special,
             "words": reading.words, "new_tokens": reading.new_tokens is not None, "strict": reading.strict,
             "color_max": reading.color_max is not None,
             "expression": reading.expression is not None and not reading.expression_bare,
             "sentence": bool(reading.sentences),  # a sentence given: not a tool that reads none (the list of models)
             "sentence_b": len(reading.sentences) >= 2,  # two sentences given: a tool that takes both
             "model_b": len(reading.models) >= 2}
    unfit = {name for name, set_ in given.items() if set_ and name not in readings}
    if card.together and given[card.together[0]] and not all(given[name] for name in card.together):
        unfit.add(card.together[0])  # the first of a pair without the rest (a query without its key)
    return unfit


def no_tokens(reading: Reading) -> Reading:
    """The reading without the tokens it names (a query, a key)."""
    return replace(reading, query=None, key=None)


def as_shown(reading: Reading, choices: dict[str, object]) -> Reading:
    """The reading without the yes/no choices the view shown already has: a question that speaks of them ("how did
    you combine the pieces?" after whole words) changes nothing."""
    return replace(reading, **{flag: False for flag in VIEW_FLAGS if getattr(reading, flag) and choices.get(flag)})


def changes_the_view(reading: Reading) -> bool:
    return bool(reading.layers or reading.layer_step or reading.head_step or reading.step
                or reading.earlier_figure is not None or reading.heads
                or reading.mean_heads or reading.annotate or reading.exclude_special or reading.words
                or reading.query is not None or reading.color_max is not None or reading.off)


def needs_met(card: Card, reading: Reading, context: Context, named: bool = False) -> bool:
    """A card that needs one of some readings ("sentence_b" or "model_b" to compare) gets it; in a
    follow-up that names the card, one sentence or model is the second beside the conversation's
    ("compare it with gemma")."""
    if not card.needs_any:
        return True
    # ("the same with smollm2 instead, for comparison" replaces the model shown: nothing is beside it)
    earlier = 1 if context.text is not None and named and not INSTEAD.search(reading.plain) else 0
    sentences = len(reading.sentences) + earlier  # two sentences on one model ("… in gemma") compare the sentences
    found = {"sentence_b": sentences >= 2 and (not reading.models or len(reading.sentences) >= 2),
             "model_b": len(reading.models) + earlier >= 2,
             "model": bool(reading.models),
             "expression": reading.expression is not None
             or context.tool == card.tool and "expression" in context.choices,
             "sentence": bool(reading.sentences)}
    return any(found.get(name, False) for name in card.needs_any)


def continues_pair(card: Card, context: Context) -> bool:
    """'same comparison but the first layer': the conversation's last call gave the card what it needs."""
    return context.tool == card.tool and any(name in context.choices for name in card.needs_any)


def sets_a_slot(reading: Reading) -> bool:
    """A choice of the view, or anything else a card's slot takes: a model, a sentence, a key, a token count, a
    head said to stay ("as a picture now, same head")."""
    return changes_the_view(reading) or bool(reading.models or reading.sentences) \
        or reading.key is not None or reading.new_tokens is not None or "head" in reading.same
