"""The offline sensei's planner: a question in English or Japanese → the tool calls and knowledge that answer it.

Deterministic and pure: no model, no network. `plan` reads a question in four passes:

    1. pull out what is quoted or in backticks: the sentence(s) to analyse, a query token, an expression
    2. read the arguments from the rest: models, layers, heads, flags      (1 and 2: agent/planner_reading.py)
    3. pick the intent from cue words, in a fixed priority, and the knowledge entries
    4. turn intent + arguments into tool calls (names and argument names exactly as in tools/api.py)

Each pass blanks out the words it used, so "mean over all heads" is not also read as "all heads".
Layer and head numbers are 0-based indices as written ("layer 3" and "3層目" are both layer=3).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from typing import Any

from agent import planner_cues as cue_words
from agent import planner_quotes as literal
from agent.phrases import say
from agent.planner_reading import CANONICAL_EXPRESSION, Reading, detect_language, read
from prompts import Language, knowledge

__all__ = ["Language", "PlannedCall", "Plan", "detect_language", "plan", "DEFAULT_TEXT", "CANONICAL_EXPRESSION"]

DEFAULT_TEXT: dict[str, str] = {"en": "I love natural language processing!", "ja": "今日はカレーライスを食べました。"}
SHAPE_EXPRESSION = "outputs.attentions"
MAX_CALLS = 6  # a comparison ("layer 0 and layer 5 of BERT and gemma") is at most this many figures
MAX_KNOWLEDGE = 3
ANALYSIS_TOOLS = {"heatmap": "plot_heatmap", "line": "plot_line", "heads": "plot_heads",
                  "inspect": "inspect_attention", "extract": "extract_attention", "explain": "explain_reduction",
                  "rollout": "attention_rollout", "norms": "attention_norms", "layer_summary": "layer_summary",
                  "roles": "head_roles", "compare": "compare_attention", "generation": "generation_attention"}
# the analyses beyond raw attention, by priority, and the knowledge entry that says when to prefer each
BEYOND_RAW = {"rollout": ("rollout",), "norms": ("norm_based", "attention_is_not_explanation"),
              "roles": ("heads_differ",), "layer_summary": ("layers_differ",)}


@dataclass(frozen=True)
class PlannedCall:
    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True)
class Plan:
    language: Language
    intent: str  # a key of ANALYSIS_TOOLS | list_models | load_model | knowledge | unknown
    calls: tuple[PlannedCall, ...]  # tool calls to run, in order
    knowledge: tuple[str, ...]  # ids of prompts.knowledge() entries to include in the answer
    interpretation: tuple[str, ...]  # sentences in `language` saying how the question was read


def plan(question: str, has_text: bool) -> Plan:
    """Read a learner's question; `has_text` says whether the session already analysed a sentence."""
    reading = read(question, has_text)
    intent, extra_knowledge = _intent(reading)
    words = ("word_level",) if reading.words else ()  # merging pieces needs its aggregation stated
    entries = extra_knowledge + words + _knowledge(reading, intent)
    entries = tuple(dict.fromkeys(entries))[:MAX_KNOWLEDGE]
    if intent == "unknown" and entries:
        intent = "knowledge"
    calls, lines = _calls(intent, reading, has_text)
    return Plan(reading.language, intent, calls, entries, tuple(lines))


# --- pass 3: intent and knowledge --------------------------------------------------------------------


def _intent(reading: Reading) -> tuple[str, tuple[str, ...]]:
    """The intent, plus knowledge entries that a bare term ("dim=1", ".detach()") calls for."""
    if reading.expression is not None:
        return "explain", literal.term_knowledge(reading.expression_term or "")
    cues = cue_words.cues(reading.rest)
    if "list_models" in cues:
        return "list_models", ()
    if "generation" in cues and not _only_conceptual(reading, cues):
        return "generation", ("generation_attention",)
    if _asks_to_compare(reading, cues):
        return "compare", ("compare_attention",)
    view = _view(reading, cues)
    if view is not None and _only_conceptual(reading, cues):
        return "knowledge", ()
    if view in BEYOND_RAW:
        return view, BEYOND_RAW[view]
    if view is None and reading.models and not reading.sentences and _asks_to_load(reading, cues):
        return "load_model", ()
    if view is None and reading.sentences:
        return "heatmap", ()
    return view or "unknown", ()


def _asks_to_compare(reading: Reading, cues: set[str]) -> bool:
    """Two quoted sentences, or two models, and a word that asks to compare them. "What's the difference
    between BERT and GPT?" names two models but asks for an explanation, not a figure."""
    if "compare" not in cues:
        return False
    if len(reading.sentences) >= 2:
        return True
    return len(reading.models) >= 2 and ("conceptual" not in cues or bool(cues & {"show", "figure"}))


def _asks_to_load(reading: Reading, cues: set[str]) -> bool:
    """"switch to BERT", or a bare model name; not "what is the difference between BERT and GPT?"."""
    if "load" in cues:
        return True
    return "conceptual" not in cues and not _knowledge(reading, "unknown")


def _view(reading: Reading, cues: set[str]) -> str | None:
    """The analysis the question asks for, by priority; None when it asks for none."""
    for cue in BEYOND_RAW:
        if cue in cues:
            return cue
    if "heads" in cues and reading.mean_heads is None:
        return "heads"
    if "line" in cues:
        return "line"
    if "heatmap" in cues or reading.annotate or reading.exclude_special or reading.words:
        return "heatmap"
    if "inspect" in cues:
        return "inspect"
    if reading.query is not None:
        return "line"
    for cue, view in (("focus", "heatmap"), ("extract", "extract")):
        if cue in cues:
            return view
    if cues & {"show", "figure"} or reading.layers or reading.heads or reading.mean_heads:
        return "heatmap"
    return None


def _only_conceptual(reading: Reading, cues: set[str]) -> bool:
    """A "why"/"how do I read" question that names a view but asks for no figure: answer from knowledge."""
    if "conceptual" not in cues or "show" in cues or reading.sentences:
        return False
    if reading.layers or reading.heads or reading.models or reading.query is not None:
        return False
    return bool(_knowledge(reading, "knowledge"))


def _knowledge(reading: Reading, intent: str) -> tuple[str, ...]:
    """Entries whose keywords the question uses. The words that asked for a tool ("heatmap", "head 3")
    do not count, so a plain request brings no lecture and "why is the heatmap tofu?" gets the font
    entry; a question that is only about a view ("how do I read the heatmap?") falls back to them."""
    asks_for_tools = intent in ANALYSIS_TOOLS or intent in ("list_models", "load_model")
    found = _matching(cue_words.blank_cues(reading.rest if asks_for_tools else reading.plain))
    return found if found or asks_for_tools else _matching(reading.plain)


def _matching(text: str) -> tuple[str, ...]:
    """Entry ids by relevance: the longest keyword matched first, then the most keywords."""
    scored = []
    for entry in knowledge().values():
        hits = [k for k in (*entry.keywords_en, *entry.keywords_ja) if cue_words.has_keyword(text, k)]
        if hits:
            scored.append((-max(len(k) for k in hits), -len(hits), entry.id))
    return tuple(entry_id for *_, entry_id in sorted(scored))


# --- pass 4: tool calls and the interpretation ------------------------------------------------------


def _calls(intent: str, reading: Reading, has_text: bool) -> tuple[tuple[PlannedCall, ...], list[str]]:
    language = reading.language
    lines = [say("model_phrase", language, phrase=p, model=m) for m, p in reading.models if p.lower() != m]
    if intent == "list_models":
        return (PlannedCall("list_models", {}),), []
    if intent == "load_model":
        return (PlannedCall("load_model", {"model": reading.models[0][0]}),), lines
    if intent not in ANALYSIS_TOOLS:
        return (), []
    if intent == "compare":
        texts, text_lines = _compare_texts(reading, has_text)
    elif intent == "generation":
        texts, text_lines = _prompt(reading)
    else:
        texts, text_lines = _texts(reading, has_text)
    found = _compare_arguments(reading, texts) if intent == "compare" else _arguments(intent, reading, texts)
    calls = [PlannedCall(ANALYSIS_TOOLS[intent], arguments) for arguments in found]
    if intent == "extract" and not texts[0]:
        calls = [PlannedCall("explain_reduction", {**c.arguments, "expression": SHAPE_EXPRESSION}) for c in calls]
        text_lines.append(say("shape_follow_up", language, expression=SHAPE_EXPRESSION))
    lines += text_lines + _argument_lines(intent, reading)
    return tuple(calls[:MAX_CALLS]), lines


def _texts(reading: Reading, has_text: bool) -> tuple[list[str | None], list[str]]:
    language = reading.language
    if reading.sentences:
        lines = [say("colon_text", language, text=reading.sentences[0])] if reading.colon_sentence else []
        return list(reading.sentences), lines
    if has_text:
        return [None], [say("reused_text", language)]
    english_model = any(model == "minilm" for model, _ in reading.models)
    text = DEFAULT_TEXT["en" if english_model else language]
    return [text], [say("default_text", language, text=text)]


def _prompt(reading: Reading) -> tuple[list[str | None], list[str]]:
    """The prompt to continue: the quoted sentence, else the default one (a reply is generated afresh,
    so the session's latest sentence is not assumed to be a prompt)."""
    if reading.sentences:
        return reading.sentences[:1], []
    if isinstance(reading.query, str):  # "generate from 'Hello'": a quoted word is the prompt, not a query
        return [reading.query], []
    text = DEFAULT_TEXT[reading.language]
    return [text], [say("default_text", reading.language, text=text)]


def _compare_texts(reading: Reading, has_text: bool) -> tuple[list[str | None], list[str]]:
    """Two sentences under one model, or one sentence under two models. minilm reads English only, so a
    comparison of two models on no given sentence uses the English default sentence."""
    if reading.sentences:
        return reading.sentences[:2], []
    if has_text:
        return [None], [say("reused_text", reading.language)]
    text = DEFAULT_TEXT["en"]
    return [text], [say("default_text", reading.language, text=text)]


def _compare_arguments(reading: Reading, texts: list[str | None]) -> list[dict[str, Any]]:
    """One compare_attention call per layer asked for (at most MAX_CALLS)."""
    pair: dict[str, Any] = {}
    if texts[0] is not None:
        pair["text_a"] = texts[0]
    if len(texts) >= 2:
        pair["text_b"] = texts[1]
    models = [model for model, _ in reading.models]
    if models:
        pair["model"] = models[0]
    if len(texts) < 2 and len(models) >= 2:
        pair["model_b"] = models[1]
    if reading.heads:
        pair["head"] = reading.heads[0][0]
    layers = [layer for layer, _ in reading.layers] or [-1]
    return [{**pair, "layer": layer} for layer in layers]


def _arguments(intent: str, reading: Reading, texts: list[str | None]) -> list[dict[str, Any]]:
    models: list[str | None] = [model for model, _ in reading.models] or [None]
    layers: list[int | None] = [layer for layer, _ in reading.layers] or [-1]
    heads: list[int | None] = [head for head, _ in reading.heads] or [None]
    if intent in ("extract", "explain", "roles", "layer_summary") or (intent == "rollout" and not reading.layers):
        layers = [None]
    if intent in ("extract", "explain", "heads", *BEYOND_RAW):
        heads = [None]
    combos = []
    for text, model, layer, head in itertools.product(texts, models, layers, heads):
        arguments: dict[str, Any] = {} if layer is None else {"start_layer" if intent == "rollout" else "layer": layer}
        if head is not None:
            arguments["head"] = head
        arguments.update(_intent_arguments(intent, reading))
        if text is not None:
            arguments["prompt" if intent == "generation" else "text"] = text
        if model is not None:
            arguments["model"] = model
        combos.append(arguments)
    return combos


def _intent_arguments(intent: str, reading: Reading) -> dict[str, Any]:
    if intent == "heatmap":
        flags = {"annotate": reading.annotate, "exclude_special": reading.exclude_special, "words": reading.words}
        return {name: True for name, on in flags.items() if on}
    if intent == "line":
        found = {"query": reading.query} if reading.query is not None else {}
        return found | ({"words": True} if reading.words else {})
    if intent == "generation" and reading.new_tokens is not None:
        return {"max_new_tokens": reading.new_tokens}
    if intent == "explain":
        return {"expression": reading.expression}
    if intent == "layer_summary" and reading.query is not None and reading.key is not None:
        return {"query": reading.query, "key": reading.key}
    return {}


def _argument_lines(intent: str, reading: Reading) -> list[str]:
    language = reading.language
    lines = []
    if intent in ("heatmap", "line", "heads", "inspect", "norms", "compare", "generation"):
        for layer, phrase in reading.layers:
            key = "layer_phrase" if re.search(r"\d", phrase) and layer >= 0 else "layer_named"
            lines.append(say(key, language, phrase=phrase.strip(), layer=layer))
        if not reading.layers:
            lines.append(say("layer_default", language))
    if intent in ("heatmap", "line", "inspect", "compare", "generation"):
        lines += [say("head_phrase", language, phrase=phrase.strip(), head=head) for head, phrase in reading.heads]
        if reading.mean_heads:
            lines.append(say("head_mean", language, phrase=reading.mean_heads.strip()))
        elif not reading.heads:
            lines.append(say("head_default", language))
    if intent == "line" and reading.query is not None:
        lines.append(say("query_phrase", language, query=reading.query))
    lines += _beyond_raw_lines(intent, reading)
    if intent == "heatmap" and not _asked_for_view(reading):
        lines.append(say("heatmap_default", language))
    if intent == "explain" and reading.expression_term:
        lines.append(say("canonical_expression", language, term=reading.expression_term,
                         expression=CANONICAL_EXPRESSION))
    return lines


def _beyond_raw_lines(intent: str, reading: Reading) -> list[str]:
    language = reading.language
    if intent == "rollout":
        start = reading.layers[0][0] if reading.layers else 0
        return [say("rollout_start", language, layer=start)]
    if intent == "layer_summary":
        if reading.query is not None and reading.key is not None:
            return [say("pair_phrase", language, query=reading.query, target=reading.key)]
        return [say("pair_missing", language)] if reading.query is not None or reading.key is not None else []
    if intent == "roles":
        return [say("roles_induction", language)]
    if intent == "compare":
        if len(reading.sentences) < 2 and len(reading.models) >= 2:
            return [say("compare_models", language, model=reading.models[0][0], model_b=reading.models[1][0])]
        return [say("compare_texts", language)]
    if intent == "generation":
        return [say("generation_tokens", language, count=reading.new_tokens or 10)]
    return []


def _asked_for_view(reading: Reading) -> bool:
    cues = cue_words.cues(reading.rest)
    return bool(cues & {"heatmap", "focus", "show", "figure"}) or reading.annotate or reading.exclude_special
