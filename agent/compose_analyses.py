"""The offline answer for the analyses beyond raw attention: what each result says, with its real numbers.

Each describer returns the lines after the common header (agent/compose.py adds the header and the
notes). Every number is read from the tool result.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from agent.phrases import say
from prompts import Language

__all__ = ["ANALYSIS_DESCRIBERS"]

ROLE_NAMES_JA = {"previous": "直前トークン型", "sink": "シンク型", "self": "自己型", "broad": "広域型",
                 "induction": "誘導型", "mixed": "混合"}
ROLE_NAMES_EN = {"previous": "previous-token", "sink": "sink/BOS", "self": "self (diagonal)", "broad": "broad",
                 "induction": "induction-like", "mixed": "mixed"}


def _weights(items: list[dict[str, Any]], language: Language) -> str:
    separator = "、" if language == "ja" else ", "
    return separator.join(f"`{item['token']}` {item['weight']:.4f}" for item in items)


def _role(name: str, language: Language) -> str:
    return (ROLE_NAMES_JA if language == "ja" else ROLE_NAMES_EN)[name]


def _rollout(result: dict[str, Any], arguments: dict[str, Any], language: Language) -> list[str]:
    last = result["start_layer"] + result["layers_used"] - 1
    lines = [
        say("rollout", language, start=result["start_layer"], last=last, count=result["layers_used"]),
        say("rollout_last", language, token=result["tokens"][-1],
            top=_weights(result["top_from_last_query"], language)),
        say("rollout_received", language, top=_weights(result["top_received"], language),
            raw=_weights(result["raw_top_received"], language)),
    ]
    if "lower_triangular" in result:
        lines.append(say("rollout_causal", language, value=f"{result['max_weight_above_diagonal']:.4f}"))
    return [*lines, say("prefer_rollout", language)]


def _norms(result: dict[str, Any], arguments: dict[str, Any], language: Language) -> list[str]:
    per_token = result["per_token"]
    shrunk = max(per_token, key=lambda item: item["raw_share"] - item["norm_share"])
    mean_norm = sum(item["value_norm"] for item in per_token) / len(per_token)
    lines = [
        say("norms", language, layer=result["layer"], heads=result["shape"][1]),
        say("norms_top", language, raw=_weights(result["top_raw"], language),
            norm=_weights(result["top_norm"], language)),
    ]
    if shrunk["raw_share"] > shrunk["norm_share"]:
        lines.append(say("norms_shrink", language, token=shrunk["token"], raw=f"{shrunk['raw_share']:.4f}",
                         norm=f"{shrunk['norm_share']:.4f}", value_norm=f"{shrunk['value_norm']:.4f}",
                         mean_norm=f"{mean_norm:.4f}"))
    return [*lines, say("prefer_norms", language)]


def _layers(result: dict[str, Any], arguments: dict[str, Any], language: Language) -> list[str]:
    sink, entropy = result["sink_share_per_layer"], result["entropy_bits_per_layer"]
    peak = max(range(len(sink)), key=sink.__getitem__)
    low, high = min(range(len(entropy)), key=entropy.__getitem__), max(range(len(entropy)), key=entropy.__getitem__)
    names = ("、" if language == "ja" else ", ").join(f"`{token}`" for token in dict.fromkeys(result["sink_tokens"]))
    lines = [
        say("layers", language, layers=len(sink), sinks=names, first=f"{sink[0]:.4f}", last=f"{sink[-1]:.4f}",
            last_layer=len(sink) - 1, peak=peak, peak_value=f"{sink[peak]:.4f}"),
        say("layers_entropy", language, low_layer=low, low=f"{entropy[low]:.4f}", high_layer=high,
            high=f"{entropy[high]:.4f}", count=len(result["tokens"]), max=f"{result['max_entropy_bits']:.4f}"),
    ]
    if "pair_per_layer" in result:
        pair = result["pair_per_layer"]
        best = max(range(len(pair)), key=pair.__getitem__)
        lines.append(say("layers_pair", language, query=result["tokens"][result["query"]],
                         target=result["tokens"][result["key"]], values=" → ".join(f"{v:.4f}" for v in pair),
                         best=best))
    return [*lines, say("prefer_layers", language)]


def _roles(result: dict[str, Any], arguments: dict[str, Any], language: Language) -> list[str]:
    separator = "、" if language == "ja" else ", "
    counts = separator.join(f"{_role(name, language)} {count}" for name, count in result["counts"].items() if count)
    thresholds = separator.join(f"{_role(name, language)} ≥ {value}" for name, value in result["thresholds"].items())
    heads = result["shape"][1]
    lines = [
        say("roles", language, count=len(result["heads"]), layers=len(result["heads"]) // heads, heads=heads,
            counts=counts),
        say("roles_rule", language, thresholds=thresholds),
    ]
    for name, best in result["strongest"].items():
        if result["counts"].get(name):
            lines.append(say("roles_strongest", language, role=_role(name, language), layer=best["layer"],
                             head=best["head"], score=f"{best['score']:.4f}"))
    return [*lines, say("prefer_roles", language)]


Describer = Callable[[dict[str, Any], dict[str, Any], Language], list[str]]
ANALYSIS_DESCRIBERS: dict[str, Describer] = {
    "attention_rollout": _rollout,
    "attention_norms": _norms,
    "layer_summary": _layers,
    "head_roles": _roles,
}
