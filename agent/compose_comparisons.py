"""The offline answer for comparisons and generation-time attention, with their real numbers.

Like agent/compose_analyses.py: each describer returns the lines after which agent/compose.py
adds the notes; every number is read from the tool result.
"""

from __future__ import annotations

from typing import Any

from agent.compose_analyses import Describer
from agent.phrases import say
from prompts import Language

__all__ = ["COMPARISON_DESCRIBERS"]

MAX_STEPS_SHOWN = 10
MAX_CHANGES_SHOWN = 3


def _listed(tokens: list[str], language: Language) -> str:
    if not tokens:
        return "なし" if language == "ja" else "none"
    return ("、" if language == "ja" else ", ").join(f"`{token}`" for token in tokens)


def _view(side: dict[str, Any], language: Language) -> str:
    if side["head"] is None:
        return "ヘッド平均" if language == "ja" else "mean over heads"
    return f"ヘッド {side['head']}" if language == "ja" else f"head {side['head']}"


def _compare(result: dict[str, Any], arguments: dict[str, Any], language: Language) -> list[str]:
    a, b = result["a"], result["b"]
    if result["mode"] == "two texts":
        first = say("compare_two_texts", language, model=a["model"], layer=a["layer"], view=_view(a, language),
                    text_a=a["text"], text_b=b["text"], count_a=len(a["tokens"]), count_b=len(b["tokens"]),
                    aligned=result["aligned_count"],
                    only_a=_listed([item["token"] for item in result["only_in_a"]], language),
                    only_b=_listed([item["token"] for item in result["only_in_b"]], language))
    else:
        first = say("compare_two_models", language, model_a=a["model"], layer_a=a["layer"], model_b=b["model"],
                    layer_b=b["layer"], text=a["text"], tokens_a=len(a["tokens"]), tokens_b=len(b["tokens"]),
                    aligned=result["aligned_count"])
    separator = "、" if language == "ja" else ", "
    changes = separator.join(
        say("compare_change", language, query=change["query"], target=change["key"], a=f"{change['a']:.4f}",
            b=f"{change['b']:.4f}", diff=f"{change['diff']:+.4f}")
        for change in result["largest_changes"][:MAX_CHANGES_SHOWN]
    )
    return [
        first,
        say("compare_changes", language, changes=changes, mean=f"{result['mean_abs_diff']:.4f}",
            max=f"{result['max_abs_diff']:.4f}"),
        say("prefer_compare", language),
    ]


def _generation(result: dict[str, Any], arguments: dict[str, Any], language: Language) -> list[str]:
    steps = result["steps"]
    stopped = say("generation_stopped_eos", language) if result["stopped"] == "eos" else ""
    lines = [
        say("generation", language, model=result["model"], layer=result["layer"], view=_view(result, language),
            prompt=result["prompt"], prompt_count=len(result["prompt_tokens"]), count=len(steps),
            generated=result["generated_text"], stopped=stopped),
        say("generation_steps", language),
    ]
    separator = "、" if language == "ja" else ", "
    for step in steps[:MAX_STEPS_SHOWN]:
        top = separator.join(f"`{item['token']}` {item['weight']:.4f}" for item in step["top"])
        lines.append(say("generation_step", language, token=step["token"], query=step["query"], keys=step["keys"],
                         top=top, prompt_share=f"{step['prompt_share']:.4f}",
                         generated_share=f"{step['generated_share']:.4f}"))
    lines.append(say("generation_share", language, share=f"{result['mean_prompt_share']:.4f}",
                     prompt_count=len(result["prompt_tokens"])))
    return [*lines, say("prefer_generation", language)]


COMPARISON_DESCRIBERS: dict[str, Describer] = {
    "compare_attention": _compare,
    "generation_attention": _generation,
}
