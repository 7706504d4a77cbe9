"""The calls a chosen card makes: each slot filled from what the question says, else what the conversation
remembers (agent/context.py), else the card's defaults; and the lines that say which was taken.

A reading that names several layers or heads ("layer 0 and layer 5") makes one call each. The conversation's
memory after the calls (`card_calls`' last result) keeps the sentence, model, tool and choices for the next
question, and the figures drawn.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, replace
from typing import Any

from agent.cards import Card, cards
from agent.context import KEPT_READINGS, SENTENCE_FREE, VIEW_CHOICES, VIEW_FLAGS, Context, with_text, with_view
from agent.naming import bare, names_it, only_named
from agent.phrases import say
from agent.planner_reading import Reading, sentence_words
from agent.unquoted import CANONICAL_EXPRESSION
from prompts import Language

__all__ = ["ADDS", "ALSO_FOR", "DEFAULT_TEXT", "PlannedCall", "card_calls"]


@dataclass(frozen=True)


class PlannedCall:
    name: str
    arguments: dict[str, Any]


DEFAULT_TEXT: dict[str, str] = {"en": "I love natural language processing!", "ja": "今日はカレーライスを食べました。"}
MAX_CALLS = 6  # "layer 0 and layer 5 of BERT and gemma" is at most this many figures
MULTI = ("layer", "head")  # readings that may name several values: one call each
ADDS = re.compile(r"\badd(?:ing)?\b|\bthird\b|\btoo\b|\balso\b|\ball\s+three\b"
                  r"|追加|加えて|3つ目|三つ目|3つで|三つで|3モデル|も(?:並べ|ならべ|入れ|いれ|足し|たし|一緒に)")
# the same view again, for a new sentence: "same page for 'X'", "redo the heatmap for 'X'", 「同じ図を「X」で」
_SAME_VIEW = re.compile(r"\bsame\b|\bagain\b|\bredo\b|同じ|もう一度|もう一回")
# ... or wanted for another sentence too ("'X' too", "the same for 'X'", 「日本語でも見たい。『…』で」)
ALSO_FOR = re.compile(r"でも(?:見|やっ|お願い|試|描|\s*[:：]|\s*[「『\"“])"  # (「英語でも: "…"」)
                      r"|同じ(?:やり方|ように|感じ|手順|要領)で"  # (「さっきのと同じやり方で「…」もやって」)
                      r"|\b(?:too|as\s+well)\b|\balso\s+(?:for|with|on)\b|\bthe\s+same\s+(?:for|with|on)\b", re.I)
# 「その続きを生成して」, "continue that sentence": the conversation's sentence, even for a tool that asks afresh
_POINTS_BACK = re.compile(r"その|それ|さっきの|先ほどの|同じ文|この文"
                          r"|\b(?:that|this|the\s+same|same)\s+(?:sentence|text|prompt|one)\b|\b(?:continue|from)\s+it\b"
                          r"|\b(?:finish|complete|continue|extend)\s+(?:the|my|our)\s+(?:sentence|text|prompt)\b", re.I)


def _unfinished(text: str | None) -> bool:
    """A sentence that stops mid-way ("The recipe needs two eggs and a cup of"): a prompt, waiting to be continued."""
    return text is not None and not re.search(r"[.!?。！？」』\"')]\s*$", text)


def card_calls(card: Card, reading: Reading, context: Context, session_text: str | None
               ) -> tuple[tuple[PlannedCall, ...], list[str], Context]:
    """The card's calls (one per layer and head named), the lines saying how each value was read, and the
    conversation's memory once they ran."""
    language = reading.language
    lines = [say("model_phrase", language, phrase=p, model=m) for m, p in reading.models if p.lower() != m]
    values, text_lines, kept = _values(card, reading, context, session_text)
    lines += text_lines
    arguments = {argument: values[name] for argument, name in card.slots.items() if name in values}
    multi = {argument: arguments.pop(argument) for argument in list(arguments)
             if card.slots[argument] in MULTI and isinstance(arguments[argument], list)}
    calls = []
    for combination in itertools.product(*multi.values()) if multi else [()]:
        chosen = {**card.defaults, **arguments, **dict(zip(multi, combination, strict=True))}
        calls.append(PlannedCall(card.tool, {k: v for k, v in chosen.items() if v is not None}))
    lines += _argument_lines(card, reading, kept)
    after = _remember(card, reading, context, values)
    return tuple(calls[:MAX_CALLS]), lines, after


def _values(card: Card, reading: Reading, context: Context, session_text: str | None
            ) -> tuple[dict[str, Any], list[str], dict[str, Any]]:
    """reading name -> value for this call (None: leave the argument out), how the text was chosen,
    and which choices were kept from the conversation."""
    language = reading.language
    values: dict[str, Any] = {}
    models = [model for model, _ in reading.models]
    sentences = list(reading.sentences)
    names_a_token = isinstance(reading.query, str) and reading.query.lower() in (context.text or "").lower()
    if not sentences and isinstance(reading.query, str) and "query" not in card.slots.values() and not names_a_token:
        sentences = [reading.query]  # "generate from 'Hello'": a quoted word is the text when no token is asked
    fresh = card.fresh_sentence and context.tool != card.tool and not _POINTS_BACK.search(reading.plain) \
        and not reading.more_tokens and not _unfinished(context.text)  # ("6 more" goes on with the generation)
    if _adds_a_third(card, reading, models, context):  # "add smollm2 as a third one" to a comparison of two
        models = [context.model, context.choices["model_b"], *models]
    second = _second_of_a_pair(card, sentences, models, context) if names_it(card, reading) else None
    if second is not None:  # "compare it with 'X'" / "... with gemma": the conversation's sentence is the first
        sentences = [context.text or "", *sentences] if second == "sentence_b" else sentences
        models = [context.model, *models] if second == "model_b" else models
    follow_up = (not sentences or second == "sentence_b") and context.text is not None and not fresh
    if sentences:
        values["sentence"] = sentences[0]
        text_lines = [say("colon_text", language, text=sentences[0])] if reading.colon_sentence else []
        reading.sentences = sentences
        if len(sentences) >= 2:
            values["sentence_b"] = sentences[1]
    elif follow_up:
        reuse = context.text == session_text and not card.explicit_sentence
        values["sentence"] = None if reuse else context.text
        text_lines = [say("reused_text", language)]
    else:
        english = "minilm" in models or _english_only(card, models)
        values["sentence"] = DEFAULT_TEXT["en" if english else language]
        takes_text = "sentence" in card.slots.values()  # load_model reads no sentence: nothing to say about one
        text_lines = [say("default_text", language, text=values["sentence"])] if takes_text else []
    if models:
        values["model"] = models[0]
        if len(models) >= 2:
            values["model_b"] = models[1]
        if len(models) >= 3:
            values["model_c"] = models[2]
        if second == "model_b" and not reading.sentences and context.text is not None:
            values["sentence"] = context.text
    elif follow_up and context.model:
        values["model"] = context.model
    if reading.layers:
        values["layer"] = [layer for layer, _ in reading.layers]
    elif reading.expression and "expression" not in card.slots.values():  # "outputs.attentions[2]… as a heatmap"
        values.update({name: [value] for name, value in _expression_choices(reading.expression).items()
                       if name == "layer" or not reading.heads})
    if reading.heads:
        values["head"] = [head for head, _ in reading.heads]
    for name in ("query", "key", "expression", "new_tokens"):
        if getattr(reading, name) is not None:
            values[name] = getattr(reading, name)
    # the last generation's length: as asked, else the card's default ("20 more tokens" with none before: 20)
    before = context.choices.get("new_tokens", card.assumed.get(card.argument_for("new_tokens") or "")
                                 if context.tool == card.tool else None)
    if reading.more_tokens and reading.new_tokens and isinstance(before, int):
        values["new_tokens"] = before + reading.new_tokens  # "5 more tokens" after 10
    if reading.twice and isinstance(before, int):
        values["new_tokens"] = 2 * before  # 「倍の長さで」 after 10: 20
    for name in (*VIEW_FLAGS, "strict"):
        if getattr(reading, name):
            values[name] = True
    if reading.color_max is not None and not ("color_max" in reading.same and context.choices.get("color_max")):
        values["color_max"] = reading.color_max  # (the same scale as before is the one before, if there was one)
    kept = {}
    carried = _carried(card, reading, context)
    keeps = context.choices if follow_up else {
        name: value for name, value in context.choices.items()
        if name in carried and (context.tool == card.tool or reading.earlier or _one_of_the_pair(reading, context)
                                or _seen_before(reading, context))
        or name in reading.same}
    dropped = _alternatives_dropped(values)
    for name, value in keeps.items():
        if name not in values and name not in reading.off and name not in dropped and name in card.slots.values() \
                and not (name == "head" and reading.mean_heads) \
                and (name in reading.same or _same_argument(name, value, card, context)):
            values[name] = kept[name] = value
    for name in MULTI:
        if name in values and not isinstance(values[name], list):
            values[name] = [values[name]]
    return values, text_lines, kept


def _same_argument(name: str, value: Any, card: Card, context: Context) -> bool:
    """A choice goes on to another view only as the same argument it was set as (by the latest view taking it,
    through views that do not: a layer summary): a heatmap's `layer` is not where a rollout starts
    (`start_layer`), nor is that start the layer whose norms are weighed; unless the view had that value when it
    was last drawn ("go back to the rollout")."""
    every = cards()
    setters = [every[tool] for tool in (context.tool, *(view["tool"] for view in reversed(context.views)))
               if tool in every and every[tool].argument_for(name) is not None]
    if not setters or setters[0].argument_for(name) == card.argument_for(name):
        return True
    last = next((view for view in reversed(context.views) if view["tool"] == card.tool), None)
    return last is not None and last["choices"].get(name) == value


# a comparison is of two sentences or of two models: the one asked for now drops the other ("the same sentence,
# but gemma vs smollm2" after two sentences)
_ALTERNATIVES = {"model_b": ("sentence_b",), "sentence_b": ("model_b", "model_c")}


def _alternatives_dropped(values: dict[str, Any]) -> set[str]:
    return {name for given, others in _ALTERNATIVES.items() if given in values for name in others}


def _carried(card: Card, reading: Reading, context: Context) -> tuple[str, ...]:
    """The choices a new sentence keeps: an explained expression always; when only the sentence changes for
    the same view ("now try 'X'", 「じゃあ「X」は?」, "same page for 'X'") or an earlier one comes back ("the first
    sentence, as a line"), the view's choices too (layer, head, switches), and the
    tokens asked about (query, key) when the new sentence has them ("try 'the trophy … it was small'")."""
    if not (reading.sentences and (context.tool == card.tool and (bare(reading) or ALSO_FOR.search(reading.plain)
                                                                   or only_named(card, reading)
                                                                   and bool(_SAME_VIEW.search(reading.plain)))
                                   or reading.earlier or _one_of_the_pair(reading, context)
                                   or _seen_before(reading, context))):
        return SENTENCE_FREE
    sentence = reading.sentences[0].lower()
    words = sentence_words(sentence)
    tokens = tuple(name for name in ("query", "key") if isinstance(value := context.choices.get(name), str)
                   and (value.lower() in words if value.isascii() else value in sentence))
    return SENTENCE_FREE + VIEW_CHOICES + tokens


def _seen_before(reading: Reading, context: Context) -> bool:
    """Every sentence read is one the conversation already drew ("compare those two" after both were drawn at
    layer 3): no new sentence, so the view's choices go on."""
    return bool(reading.sentences) and all(sentence in context.texts for sentence in reading.sentences)


def _one_of_the_pair(reading: Reading, context: Context) -> bool:
    """One sentence of the pair just compared, alone (「では「私は行きます」のほうだけで」): no new sentence."""
    pair = (context.text, context.choices.get("sentence_b"))
    return bool(reading.sentences) and pair[1] is not None and reading.sentences[0] in pair


def _adds_a_third(card: Card, reading: Reading, models: list[str], context: Context) -> bool:
    """One model added to the conversation's comparison of two: it is the third ("add smollm2 too",
    「smollm2も追加して3つで」)."""
    return "model_c" in card.slots.values() and len(models) == 1 and context.tool == card.tool \
        and "model_b" in context.choices and "model_c" not in context.choices and bool(ADDS.search(reading.plain))


def _second_of_a_pair(card: Card, sentences: list[str], models: list[str | None], context: Context) -> str | None:
    """In a follow-up, the one sentence or model a comparison names is its second: "sentence_b" or "model_b"."""
    readings = set(card.slots.values())
    if context.text is None or context.tool is None:
        return None
    if "model_b" in readings and len(models) == 1:
        return "model_b"
    if "sentence_b" in readings and len(sentences) == 1 and not models and sentences[0] != context.text:
        return "sentence_b"
    return None


def _expression_choices(expression: str) -> dict[str, int]:
    """The layer and head an expression picks: `outputs.attentions[2]` → layer 2, `attentions[1][0, 4]` → head 4."""
    found = re.search(r"attentions\s*\[\s*(-?\d+)\s*\](?:\s*\[\s*0\s*,\s*(\d+)\s*[\],])?", expression)
    if found is None:
        return {}
    return {"layer": int(found[1]), **({"head": int(found[2])} if found[2] else {})}


def _english_only(card: Card, models: list[str]) -> bool:
    """A comparison of two models on no given sentence needs a sentence every model reads: English."""
    return "model_b" in card.slots.values() and len(models) >= 2


def _remember(card: Card, reading: Reading, context: Context, values: dict[str, Any]) -> Context:
    """The context after this plan runs: its sentence and model, the choices it made, its tool."""
    sentence = reading.sentences[0] if reading.sentences else values.get("sentence") or context.text
    carried = _carried(card, reading, context)
    choices = {name: value for name, value in context.choices.items() if name in carried or not reading.sentences}
    for name in {*reading.off, *_alternatives_dropped(values)}:  # 「数値はなしで」, a mean over the heads: not chosen
        choices.pop(name, None)
    for name in KEPT_READINGS:
        value = values.get(name)
        if value is not None and name in card.slots.values():
            choices[name] = value[0] if isinstance(value, list) else value
    if reading.expression and "expression" in card.slots.values():  # 'draw exactly that' after explaining it
        choices.update(_expression_choices(reading.expression))
    model = values.get("model") if reading.models or not reading.sentences else None
    texts = context.texts
    for text in (sentence, *reading.sentences[1:]):
        texts = with_text(texts, text)
    after = replace(context, text=sentence, model=model, tool=card.tool, choices=choices, offered=None, texts=texts)
    return replace(after, views=with_view(context.views, after)) if card.figure else after


def _argument_lines(card: Card, reading: Reading, kept: dict[str, Any]) -> list[str]:
    """How the layer, head and kept choices were read, for the tools that take them."""
    language = reading.language
    readings = set(card.slots.values())
    lines = []
    if "layer" in readings:
        for layer, phrase in reading.layers:
            key = "layer_phrase" if re.search(r"\d", phrase) and layer >= 0 else "layer_named"
            lines.append(say(key, language, phrase=phrase.strip(), layer=layer))
        if not reading.layers and "layer" not in kept and card.defaults.get(card.argument_for("layer") or "") == -1:
            lines.append(say("layer_default", language))
    if "head" in readings:
        lines += [say("head_phrase", language, phrase=phrase.strip(), head=head) for head, phrase in reading.heads]
        if reading.mean_heads:
            lines.append(say("head_mean", language, phrase=reading.mean_heads.strip()))
        elif not reading.heads and "head" not in kept:
            lines.append(say("head_default", language))
    if reading.query is not None and "query" in readings:
        lines.append(say("query_phrase", language, query=reading.query))
    if kept:
        lines.append(say("kept_choices", language, choices=_choices_text(kept, language)))
    if reading.expression_term and "expression" in readings:
        lines.append(say("canonical_expression", language, term=reading.expression_term,
                         expression=reading.expression or CANONICAL_EXPRESSION))
    return lines


def _choices_text(kept: dict[str, Any], language: Language) -> str:
    names = {"layer": ("layer={value}", "layer={value}"), "head": ("head={value}", "head={value}"),
             "query": ("query={value!r}", "query={value!r}"), "key": ("key={value!r}", "key={value!r}"),
             "annotate": ("values in the cells", "セルに値"),
             "exclude_special": ("without special tokens", "特殊トークンなし"),
             "words": ("word level", "単語単位"), "new_tokens": ("{value} new tokens", "生成 {value} トークン"),
             "sentence_b": ("compared with “{value}”", "比較対象「{value}」"),
             "model_b": ("compared with {value}", "比較モデル {value}"),
             "model_c": ("and with {value}", "3 つ目のモデル {value}"),
             "color_max": ("colour scale 0–{value}", "色の範囲 0〜{value}"),
             "expression": ("the expression `{value}`", "式 `{value}`")}
    separator = "、" if language == "ja" else ", "
    return separator.join(names[name][language == "ja"].format(value=value) for name, value in kept.items())
