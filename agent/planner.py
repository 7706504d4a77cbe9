"""The offline sensei's planner: a question in English or Japanese → the tool calls and knowledge that answer it.

Deterministic and pure: no model, no network. `plan` reads a question in four passes:

    1. pull out what is quoted or in backticks: the sentence(s) to analyse, a query token, an expression
    2. read the arguments from the rest: models, layers, heads, flags (annotate, exclude_special)
    3. pick the intent from cue words, in a fixed priority, and the knowledge entries
    4. turn intent + arguments into tool calls (names and argument names exactly as in tools/api.py)

Each pass blanks out the words it used, so "mean over all heads" is not also read as "all heads".
Layer and head numbers are 0-based indices as written ("layer 3" and "3層目" are both layer=3).
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from agent import planner_arguments as arguments
from agent import planner_cues as cue_words
from agent import planner_quotes as literal
from agent.phrases import say
from prompts import Language, knowledge

__all__ = ["Language", "PlannedCall", "Plan", "detect_language", "plan", "DEFAULT_TEXT", "CANONICAL_EXPRESSION"]

DEFAULT_TEXT: dict[str, str] = {"en": "I love natural language processing!", "ja": "今日はカレーライスを食べました。"}
CANONICAL_EXPRESSION = "torch.mean(outputs.attentions[-1], dim=1)[0].detach().numpy()"
SHAPE_EXPRESSION = "outputs.attentions"
MAX_CALLS = 6  # a comparison ("layer 0 and layer 5 of BERT and gemma") is at most this many figures
MAX_KNOWLEDGE = 3
JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff66-\uff9f]")
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


@dataclass
class _Reading:
    """What one question says, filled in pass by pass."""

    language: Language
    rest: str  # the question without its quotes and code, NFKC-normalized and lower-cased; blanked as read
    plain: str  # `rest` before any argument was blanked out (for knowledge keywords)
    sentences: list[str] = field(default_factory=list)
    colon_sentence: bool = False
    query: int | str | None = None
    key: int | str | None = None  # the attended token, for layer_summary
    expression: str | None = None
    expression_term: str | None = None  # "dim=1" when the expression is the canonical one for a bare term
    models: list[tuple[str, str]] = field(default_factory=list)  # (model, the words that named it)
    layers: list[tuple[int, str]] = field(default_factory=list)  # (layer, the words that named it)
    heads: list[tuple[int, str]] = field(default_factory=list)
    mean_heads: str | None = None
    annotate: bool = False
    exclude_special: bool = False
    words: bool = False  # merge subword tokens into words (heatmap and line)
    new_tokens: int | None = None  # how many tokens to generate, when asked


def detect_language(text: str) -> Language:
    """"ja" when the text holds hiragana, katakana or kanji, else "en"."""
    return "ja" if JAPANESE.search(text) else "en"


def plan(question: str, has_text: bool) -> Plan:
    """Read a learner's question; `has_text` says whether the session already analysed a sentence."""
    reading = _read(question, has_text)
    intent, extra_knowledge = _intent(reading)
    words = ("word_level",) if reading.words else ()  # merging pieces needs its aggregation stated
    entries = extra_knowledge + words + _knowledge(reading, intent)
    entries = tuple(dict.fromkeys(entries))[:MAX_KNOWLEDGE]
    if intent == "unknown" and entries:
        intent = "knowledge"
    calls, lines = _calls(intent, reading, has_text)
    return Plan(reading.language, intent, calls, entries, tuple(lines))


# --- pass 1 and 2: reading the question ---------------------------------------------------------------


def _read(question: str, has_text: bool) -> _Reading:
    raw, codes = literal.take_code(question)
    raw, quotes = literal.take_quotes(raw)
    reading = _Reading(language="en", rest="", plain="")
    _sort_quotes(reading, codes, quotes)
    if reading.expression is None:
        raw = _take_bare_expression(reading, raw)
    if not reading.sentences:
        raw = _take_colon_sentence(reading, raw)
    # the answer follows the language of the question, not of the sentence it quotes
    reading.language = detect_language(raw if raw.strip(" \t\n?？。.!！") else question)
    reading.plain = reading.rest = unicodedata.normalize("NFKC", raw).lower()
    _take_arguments(reading)
    if has_text and _names_a_token(reading):
        reading.query, reading.sentences = reading.sentences[0], []
    return reading


def _names_a_token(reading: _Reading) -> bool:
    """'What does "love" attend to?' in a follow-up: one quoted word is a token of the latest sentence."""
    if reading.query is not None or len(reading.sentences) != 1 or reading.colon_sentence:
        return False
    word = reading.sentences[0].strip()
    return len(word) <= 12 and not any(char.isspace() for char in word) and bool(
        cue_words.cues(reading.rest) & {"focus", "line"})


def _sort_quotes(reading: _Reading, codes: list[str], quotes: list[literal.Quote]) -> None:
    """Decide for each quoted piece: an expression, a query token, or a sentence to analyse."""
    for code in codes:
        if literal.is_expression(code) and reading.expression is None:
            reading.expression = code.strip()
    candidates = []
    for quote in quotes:
        if literal.is_expression(quote.text) and reading.expression is None:
            reading.expression = quote.text.strip()
        elif _one_token(quote.text) and literal.marks_query(quote.before, quote.after):
            reading.query = _query_value(quote.text)
        elif _one_token(quote.text) and literal.marks_key(quote.before, quote.after) and reading.key is None:
            reading.key = _query_value(quote.text)
        else:
            candidates.append(quote.text)
    longest = max(candidates, key=len, default="")
    for text in candidates:
        if text != longest and text.lower() in longest.lower() and reading.query is None:
            reading.query = _query_value(text)
        elif text not in reading.sentences:
            reading.sentences.append(text)


def _one_token(text: str) -> bool:
    """A quote that can name a token: one short word ("on 'The cat sat.'" quotes a sentence)."""
    return len(text.split()) == 1 and len(text) <= 24


def _query_value(text: str) -> int | str:
    return int(text) if text.strip().isdigit() else text.strip()


def _take_bare_expression(reading: _Reading, rest: str) -> str:
    found = literal.find_expression(rest)
    if found is not None:
        reading.expression = found
        return rest.replace(found, " ")
    term = literal.BARE_TERM.search(rest)
    if term is not None:
        reading.expression = CANONICAL_EXPRESSION
        reading.expression_term = term.group(0).strip()
    return rest


def _take_colon_sentence(reading: _Reading, rest: str) -> str:
    match = literal.COLON_SENTENCE.search(rest)
    if match is None:
        return rest
    start, end = match.span("text")
    reading.sentences.append(rest[start:end].strip())
    reading.colon_sentence = True
    return rest[: match.start()]


def _take_arguments(reading: _Reading) -> None:
    reading.models, reading.rest = arguments.find_models(reading.rest)
    reading.mean_heads, reading.rest = arguments.take_first(arguments.MEAN_HEADS, reading.rest)
    reading.annotate, reading.rest = arguments.take_flag(arguments.ANNOTATE, reading.rest)
    reading.exclude_special, reading.rest = arguments.take_flag(arguments.EXCLUDE_SPECIAL, reading.rest)
    reading.words, reading.rest = arguments.take_flag(arguments.WORDS, reading.rest)
    if "generation" in cue_words.cues(reading.rest):
        counts, reading.rest = arguments.find_numbers(arguments.NEW_TOKEN_RULES, reading.rest)
        reading.new_tokens = counts[0][0] if counts else None
    reading.layers, reading.rest = arguments.find_numbers(arguments.LAYER_RULES, reading.rest)
    reading.heads, reading.rest = arguments.find_numbers(arguments.HEAD_RULES, reading.rest)
    if reading.key is None:
        reading.key, reading.rest = arguments.find_key(reading.rest)
    if reading.query is None:
        reading.query, reading.rest = arguments.find_query(reading.rest)


# --- pass 3: intent and knowledge --------------------------------------------------------------------


def _intent(reading: _Reading) -> tuple[str, tuple[str, ...]]:
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


def _asks_to_compare(reading: _Reading, cues: set[str]) -> bool:
    """Two quoted sentences, or two models, and a word that asks to compare them. "What's the difference
    between BERT and GPT?" names two models but asks for an explanation, not a figure."""
    if "compare" not in cues:
        return False
    if len(reading.sentences) >= 2:
        return True
    return len(reading.models) >= 2 and ("conceptual" not in cues or bool(cues & {"show", "figure"}))


def _asks_to_load(reading: _Reading, cues: set[str]) -> bool:
    """"switch to BERT", or a bare model name; not "what is the difference between BERT and GPT?"."""
    if "load" in cues:
        return True
    return "conceptual" not in cues and not _knowledge(reading, "unknown")


def _view(reading: _Reading, cues: set[str]) -> str | None:
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


def _only_conceptual(reading: _Reading, cues: set[str]) -> bool:
    """A "why"/"how do I read" question that names a view but asks for no figure: answer from knowledge."""
    if "conceptual" not in cues or "show" in cues or reading.sentences:
        return False
    if reading.layers or reading.heads or reading.models or reading.query is not None:
        return False
    return bool(_knowledge(reading, "knowledge"))


def _knowledge(reading: _Reading, intent: str) -> tuple[str, ...]:
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


def _calls(intent: str, reading: _Reading, has_text: bool) -> tuple[tuple[PlannedCall, ...], list[str]]:
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


def _texts(reading: _Reading, has_text: bool) -> tuple[list[str | None], list[str]]:
    language = reading.language
    if reading.sentences:
        lines = [say("colon_text", language, text=reading.sentences[0])] if reading.colon_sentence else []
        return list(reading.sentences), lines
    if has_text:
        return [None], [say("reused_text", language)]
    english_model = any(model == "minilm" for model, _ in reading.models)
    text = DEFAULT_TEXT["en" if english_model else language]
    return [text], [say("default_text", language, text=text)]


def _prompt(reading: _Reading) -> tuple[list[str | None], list[str]]:
    """The prompt to continue: the quoted sentence, else the default one (a reply is generated afresh,
    so the session's latest sentence is not assumed to be a prompt)."""
    if reading.sentences:
        return reading.sentences[:1], []
    if isinstance(reading.query, str):  # "generate from 'Hello'": a quoted word is the prompt, not a query
        return [reading.query], []
    text = DEFAULT_TEXT[reading.language]
    return [text], [say("default_text", reading.language, text=text)]


def _compare_texts(reading: _Reading, has_text: bool) -> tuple[list[str | None], list[str]]:
    """Two sentences under one model, or one sentence under two models. minilm reads English only, so a
    comparison of two models on no given sentence uses the English default sentence."""
    if reading.sentences:
        return reading.sentences[:2], []
    if has_text:
        return [None], [say("reused_text", reading.language)]
    text = DEFAULT_TEXT["en"]
    return [text], [say("default_text", reading.language, text=text)]


def _compare_arguments(reading: _Reading, texts: list[str | None]) -> list[dict[str, Any]]:
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


def _arguments(intent: str, reading: _Reading, texts: list[str | None]) -> list[dict[str, Any]]:
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


def _intent_arguments(intent: str, reading: _Reading) -> dict[str, Any]:
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


def _argument_lines(intent: str, reading: _Reading) -> list[str]:
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


def _beyond_raw_lines(intent: str, reading: _Reading) -> list[str]:
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


def _asked_for_view(reading: _Reading) -> bool:
    cues = cue_words.cues(reading.rest)
    return bool(cues & {"heatmap", "focus", "show", "figure"}) or reading.annotate or reading.exclude_special
