"""The offline sensei's answer: Markdown, in the question's language, built only from real tool results.

    compose(plan, outcomes)   one paragraph per tool call (or its error and what to try), then the
                              figure downloads, the knowledge entries and how the question was read
    help_text(language)       "I did not understand" with example questions

Every number printed here is read from a tool result; nothing is estimated or made up.
"""

from __future__ import annotations

import re
from typing import Any

from agent.compose_analyses import ANALYSIS_DESCRIBERS, Describer
from agent.compose_comparisons import COMPARISON_DESCRIBERS
from agent.events import ToolFinished
from agent.phrases import HELP_EXAMPLES, error_hint, note, say
from agent.planner import Plan
from prompts import Language, knowledge

__all__ = ["compose", "help_text"]

MAX_TOKENS_SHOWN = 24
MAX_QUERIES_SHOWN = 10
FIGURE_TOOLS = {"plot_heatmap", "plot_line", "plot_heads", *ANALYSIS_DESCRIBERS, *COMPARISON_DESCRIBERS}


def compose(plan: Plan, outcomes: list[ToolFinished]) -> str:
    """The final answer to a planned question, citing the values the tools returned."""
    language = plan.language
    if plan.intent == "unknown" and not outcomes and not plan.knowledge:
        return help_text(language)
    parts = [_outcome(outcome, language) for outcome in outcomes]
    if any(o.ok and o.name in FIGURE_TOOLS for o in outcomes):
        parts.append(say("downloads", language))
    entries = [knowledge()[entry_id].text(language) for entry_id in plan.knowledge if entry_id in knowledge()]
    if entries:
        parts.append("\n\n".join([say("knowledge_title", language), *entries]))
    if plan.interpretation:
        parts.append("\n".join([say("interpretation_title", language), *(f"- {line}" for line in plan.interpretation)]))
    return "\n\n".join(part for part in parts if part)


def help_text(language: Language) -> str:
    """Say plainly that the question was not understood, with example questions that work."""
    examples = "\n".join(f"- {example}" for example in HELP_EXAMPLES[language])
    return f"{say('help', language)}\n\n{examples}"


# --- one tool outcome ---------------------------------------------------------------------------------


def _outcome(outcome: ToolFinished, language: Language) -> str:
    if not outcome.ok:
        error = outcome.error or "unknown error"
        return f"{say('failed', language, tool=outcome.name, error=error)}\n\n{error_hint(error, language)}"
    describe = _DESCRIBERS.get(outcome.name)
    if describe is None:
        return outcome.summary
    result, arguments = outcome.result, outcome.arguments or {}
    lines = describe(result, arguments, language)
    lines += [say("notes", language, text=note(text, language)) for text in result.get("notes", [])]
    return _paragraphs([line for line in lines if line])


def _paragraphs(lines: list[str]) -> str:
    """Markdown: each line its own paragraph, except that the items of a list stay together."""
    text = ""
    for line in lines:
        both_items = _is_item(line) and text and _is_item(text.rsplit("\n", 1)[-1])
        text += ("\n" if both_items else "\n\n" if text else "") + line
    return text


def _is_item(line: str) -> bool:
    return line.startswith("- ") or bool(re.match(r"\d+\. ", line))


def _header(result: dict[str, Any], language: Language) -> str:
    tokens = result["tokens"]
    shown = " ".join(f"`{token}`" for token in tokens[:MAX_TOKENS_SHOWN])
    if len(tokens) > MAX_TOKENS_SHOWN:
        shown += " …"
    return say("header", language, model=result["model"], architecture=_architecture(result["architecture"], language),
               text=result["text"], count=len(tokens), tokens=shown, shape=result["shape"])


def _architecture(architecture: str, language: Language) -> str:
    key = f"architecture_{architecture}"
    return say(key, language) if architecture in ("encoder", "decoder") else architecture


def _view(result: dict[str, Any], arguments: dict[str, Any], language: Language) -> str:
    """"layer 5 (= -1), mean of 12 heads" from the layer and head the tool actually used."""
    layer = f"{result['layer']}"
    asked = arguments.get("layer")
    if isinstance(asked, int) and asked != result["layer"]:
        layer += f" (= {asked})"
    if result.get("head") is None:
        return say("view_mean", language, layer=layer, heads=result["shape"][1])
    return say("view_head", language, layer=layer, head=result["head"])


def _weights(items: list[dict[str, Any]], language: Language, name: str = "token") -> str:
    separator = "、" if language == "ja" else ", "
    return separator.join(f"`{item[name]}` {item['weight']:.4f}" for item in items)


def _heatmap(result: dict[str, Any], arguments: dict[str, Any], language: Language) -> list[str]:
    lines = [_header(result, language), say("heatmap", language, view=_view(result, arguments, language))]
    if arguments.get("annotate"):
        lines.append(say("heatmap_annotated", language))
    if arguments.get("exclude_special"):
        lines.append(say("heatmap_no_special", language))
    lines += _words(result, language)
    lines.append(say("top_received", language, top=_weights(result["top_received"], language)))
    return lines


def _words(result: dict[str, Any], language: Language) -> list[str]:
    """How the pieces were merged into words, when the view is word-level."""
    if "word_aggregation" not in result:
        return []
    merged = result["merged_words"]
    if not merged:
        return [say("words_none", language)]
    separator = "、" if language == "ja" else ", "
    shown = separator.join(f"`{item['word']}` = {' + '.join(f'`{p}`' for p in item['pieces'])}" for item in merged[:6])
    return [say("words_merged", language, count=len(merged), merged=shown)]


def _line(result: dict[str, Any], arguments: dict[str, Any], language: Language) -> list[str]:
    view, top = _view(result, arguments, language), _weights(result["top"], language)
    lines = [_header(result, language)]
    query = arguments.get("query")
    if query is None:
        lines.append(say("line_received", language, view=view, top=top))
    else:
        position = _query_position(result["series"])
        labels = result.get("words", result["tokens"])
        token = labels[position] if position is not None else query
        lines.append(say("line_query", language, view=view, query=token, position=position, top=top))
    return lines + _words(result, language)


def _query_position(series: str) -> int | None:
    """The position in a series name such as "from query 2 'love'"."""
    words = series.split()
    return int(words[2]) if len(words) > 2 and words[:2] == ["from", "query"] and words[2].isdigit() else None


def _heads(result: dict[str, Any], arguments: dict[str, Any], language: Language) -> list[str]:
    diagonal = result["self_attention_per_head"]
    high = max(range(len(diagonal)), key=diagonal.__getitem__)
    low = min(range(len(diagonal)), key=diagonal.__getitem__)
    layer = f"{result['layer']}"
    if isinstance(arguments.get("layer"), int) and arguments["layer"] != result["layer"]:
        layer += f" (= {arguments['layer']})"
    return [
        _header(result, language),
        say("heads", language, count=len(diagonal), layer=layer, high=high, high_value=f"{diagonal[high]:.4f}",
            low=low, low_value=f"{diagonal[low]:.4f}"),
    ]


def _inspect(result: dict[str, Any], arguments: dict[str, Any], language: Language) -> list[str]:
    sums = result["row_sums"]
    low, high = min(sums), max(sums)
    key = "row_sums" if abs(low - 1) < 1e-3 and abs(high - 1) < 1e-3 else "row_sums_off"
    lines = [_header(result, language), say("inspect", language, view=_view(result, arguments, language)),
             say(key, language, low=f"{low:.4f}", high=f"{high:.4f}"), say("top_per_query", language)]
    rows = result["top_per_query"]
    lines += [f"- `{row['query']}` → {_weights(row['top'], language, 'key')}" for row in rows[:MAX_QUERIES_SHOWN]]
    if len(rows) > MAX_QUERIES_SHOWN:
        lines.append(say("more_queries", language, count=len(rows) - MAX_QUERIES_SHOWN))
    if "matrix_omitted" in result:
        lines.append(say("matrix_omitted", language, reason=result["matrix_omitted"]))
    return lines


def _extract(result: dict[str, Any], arguments: dict[str, Any], language: Language) -> list[str]:
    checks = result["checks"]
    lines = [
        _header(result, language),
        say("extract", language, layers=result["num_tensors"], shape=result["shape"], heads=result["num_heads"],
            implementation=result["attn_implementation"]),
        say("rows_ok" if checks["rows_sum_to_one"] else "rows_bad", language, error=checks["max_row_sum_error"]),
    ]
    if checks["expected_causal"]:
        ok = checks["causal_mask"]
        lines.append(say("causal_ok" if ok else "causal_bad", language, value=checks["max_weight_above_diagonal"]))
    else:
        lines.append(say("bidirectional", language))
    if result.get("truncated"):
        lines.append(say("truncated", language))
    return lines


def _explain(result: dict[str, Any], arguments: dict[str, Any], language: Language) -> list[str]:
    lines = [_header(result, language), say("explain", language, expression=result["expression"])]
    field = "explanation_ja" if language == "ja" else "explanation_en"
    for number, step in enumerate(result["steps"], start=1):
        before, after = step["shape_before"], step["shape_after"]
        shapes = f"{before} → {after}" if before is not None else f"→ {after}" if after is not None else ""
        lines.append(say("step", language, number=number, expression=step["expression"], shapes=shapes,
                         text=step[field]))
    final = result.get("final_shape")
    lines.append(say("final_shape", language, shape=final) if final else say("final_scalar", language))
    return lines


def _list_models(result: dict[str, Any], arguments: dict[str, Any], language: Language) -> list[str]:
    lines = [say("models_current", language, model=result["current"])]
    for spec in result["embedded"]:
        state = say("model_loaded", language) if spec["loaded"] else ""
        if spec["first_load"] != "fast":
            state += say("model_slow", language, first_load=note(spec["first_load"], language))
        lines.append(say("model_line", language, alias=spec["alias"], hf_id=spec["hf_id"],
                         architecture=_architecture(spec["architecture"], language), layers=spec["num_layers"],
                         heads=spec["num_heads"], languages=", ".join(spec["languages"]),
                         note=note(spec["note"], language), state=state))
    cached = result.get("cached") or []
    lines.append(say("cached", language, models=", ".join(cached)) if cached else say("cached_none", language))
    return lines


def _load_model(result: dict[str, Any], arguments: dict[str, Any], language: Language) -> list[str]:
    return [say("loaded", language, model=result["model"], architecture=_architecture(result["architecture"], language),
                layers=result["num_layers"], heads=result["num_heads"], implementation=result["attn_implementation"],
                languages=", ".join(result["languages"]), seconds=result["load_seconds"])]


_DESCRIBERS: dict[str, Describer] = {
    "plot_heatmap": _heatmap,
    "plot_line": _line,
    "plot_heads": _heads,
    "inspect_attention": _inspect,
    "extract_attention": _extract,
    "explain_reduction": _explain,
    "list_models": _list_models,
    "load_model": _load_model,
}


def _with_header(describe: Describer) -> Describer:
    def describe_with_header(result: dict[str, Any], arguments: dict[str, Any], language: Language) -> list[str]:
        return [_header(result, language), *describe(result, arguments, language)]

    return describe_with_header


_DESCRIBERS.update({name: _with_header(describe) for name, describe in ANALYSIS_DESCRIBERS.items()})
_DESCRIBERS.update(COMPARISON_DESCRIBERS)  # their results carry two texts or a prompt, not one header
