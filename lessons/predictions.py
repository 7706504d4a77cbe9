"""Predictions: the kinds of guess a lesson step may ask for, and how each is graded against the real result.

A kind names the one tool whose structured result it reads and what its choices are; grading reads that
result's fields (never the words of an answer) and returns a `Verdict` whose fields the feedback template
of the kind (lessons/words.toml) renders in the learner's language, the guess beside the real numbers.

    kind             tool                call must     choices   right when the pick has, among the choices
    most_attended    plot_line           give query    tokens    the largest weight in the query's row
    most_received    plot_line           omit query    tokens    the largest weight received (mean over queries)
    sharper_layer    layer_summary                     layers    the lowest mean entropy (bits): the sharpest
    sink_layer       layer_summary                     layers    the largest share on the sink tokens
    shape            explain_reduction                 shapes    exactly the final shape
    token_count      extract_attention                 numbers   exactly the number of tokens the model saw
    rows_sum_to_one  inspect_attention                 yes/no    the truth: every row sums to 1 (within 1e-3)
    causal_mask      extract_attention                 yes/no    the truth: every weight above the diagonal is 0
    most_common_role head_roles                        roles     the most heads of that role
    norm_loses_most  attention_norms                   tokens    the largest drop from raw share to norm share
    rollout_top      attention_rollout                 tokens    the top of the rolled-out attention received

A token chosen that occurs several times stands for its occurrence with the largest value.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = ["KINDS", "Kind", "Verdict", "GradingError", "ROLES", "grade", "right_choices"]

ChoiceType = Literal["token", "layer", "shape", "number", "yes_no", "role"]
ROLES = ("previous", "sink", "self", "broad", "induction", "mixed")  # head_roles' role names


class GradingError(Exception):
    """A lesson's prediction cannot be graded against this result (a choice the result does not have): the
    lesson's bug, said with what the result holds so its author can fix the choices."""


@dataclass(frozen=True)
class Verdict:
    kind: str
    correct: bool
    picked: Any  # the choice as the lesson wrote it
    answer: Any  # the right choice (the first, when several are equally right)
    fields: dict[str, Any] = field(default_factory=dict)  # what the kind's feedback template renders


Grader = Callable[[Sequence[Any], Any, dict[str, Any], dict[str, Any]], Verdict]


@dataclass(frozen=True)
class Kind:
    name: str
    tool: str
    choice: ChoiceType
    grader: Grader
    needs: tuple[str, ...] = ()  # arguments the call must give
    refuses: tuple[str, ...] = ()  # arguments the call must not give


def grade(kind: str, choices: Sequence[Any], picked: int, result: dict[str, Any], arguments: dict[str, Any]
          ) -> Verdict:
    """The verdict on choice number `picked` (0-based) of a prediction, from the tool's real result.

    Raises:
        GradingError: the result cannot grade these choices (a token choice the text does not have).
    """
    return KINDS[kind].grader(choices, choices[picked], result, arguments)


def right_choices(kind: str, choices: Sequence[Any], result: dict[str, Any], arguments: dict[str, Any]) -> list[int]:
    """The numbers (0-based) of the choices the real result makes right."""
    return [i for i in range(len(choices)) if grade(kind, choices, i, result, arguments).correct]


# --- the graders ---------------------------------------------------------------------------------------


def _token_values(tokens: Sequence[str], values: Sequence[float], choices: Sequence[str]) -> dict[str, float]:
    """Each chosen token's value (its largest occurrence). GradingError for a choice that is no token here."""
    found: dict[str, float] = {}
    for token, value in zip(tokens, values, strict=True):
        if token in choices:
            found[token] = max(value, found.get(token, float("-inf")))
    missing = [choice for choice in choices if choice not in found]
    if missing:
        raise GradingError(f"the lesson's choice(s) {', '.join(map(repr, missing))} are not tokens of this result; "
                           f"its tokens are {' '.join(tokens)}: write the choices as these tokens")
    return found


def _best_of(values: dict[Any, float], choices: Sequence[Any], picked: Any, largest: bool = True
             ) -> tuple[Any, bool]:
    """The best choice by value and whether the pick is as good as it (a tie counts as right)."""
    pick = max if largest else min
    best = pick(choices, key=lambda choice: values[_key(choice)])
    return best, values[_key(picked)] == values[_key(best)]


def _key(choice: Any) -> Any:
    return tuple(choice) if isinstance(choice, list) else choice


def _weights(values: dict[str, float], choices: Sequence[str]) -> list[dict[str, Any]]:
    return [{"token": choice, "weight": values[choice]} for choice in choices]


def _row_grader(kind: str) -> Grader:
    """most_attended and most_received: plot_line's values over its plotted tokens."""

    def grader(choices: Sequence[Any], picked: Any, result: dict[str, Any], arguments: dict[str, Any]) -> Verdict:
        values = _token_values(result["plotted_tokens"], result["values"], choices)
        best, correct = _best_of(values, choices, picked)
        fields = {"picked": picked, "picked_weight": values[picked], "best": best, "best_weight": values[best],
                  "choices": _weights(values, choices), "top": result["top"][:3], "query": result.get("query_token"),
                  "layer": result["layer"]}
        return Verdict(kind, correct, picked, best, fields)

    return grader


def _layer_grader(kind: str, series: str, largest: bool) -> Grader:
    """sharper_layer and sink_layer: one number per layer from layer_summary."""

    def grader(choices: Sequence[Any], picked: Any, result: dict[str, Any], arguments: dict[str, Any]) -> Verdict:
        per_layer = result[series]
        count = len(per_layer)
        bad = [layer for layer in choices if not -count <= layer < count]
        if bad:
            raise GradingError(f"the lesson's layer choice(s) {bad} are out of range: {result['model']} has {count} "
                               f"layers (use 0..{count - 1}, or -1 for the last)")
        values = {layer: per_layer[layer] for layer in choices}
        best, correct = _best_of(values, choices, picked, largest)
        listed = [{"layer": layer % count, "value": values[layer]} for layer in choices]
        fields = {"picked": picked % count, "picked_value": values[picked], "best": best % count,
                  "best_value": values[best], "choices": listed, "max_entropy_bits": result.get("max_entropy_bits"),
                  "sink_names": result.get("sink_names", [])}
        return Verdict(kind, correct, picked, best, fields)

    return grader


def _shape(choices: Sequence[Any], picked: Any, result: dict[str, Any], arguments: dict[str, Any]) -> Verdict:
    final = result["final_shape"]
    last = result["steps"][-1]
    right = next((choice for choice in choices if list(choice) == final), final)
    fields = {"picked": list(picked), "final_shape": final, "expression": result["expression"],
              "step_en": last["explanation_en"], "step_ja": last["explanation_ja"],
              "shape_before": last["shape_before"]}
    return Verdict("shape", list(picked) == final, picked, right, fields)


def _token_count(choices: Sequence[Any], picked: Any, result: dict[str, Any], arguments: dict[str, Any]) -> Verdict:
    count = len(result["tokens"])
    special = [token for token, flag in zip(result["tokens"], result["special"], strict=True) if flag]
    fields = {"picked": picked, "count": count, "tokens": result["tokens"], "special": special}
    return Verdict("token_count", picked == count, picked, count, fields)


def _yes_no_grader(kind: str, truth: Callable[[dict[str, Any]], bool], numbers: Callable[[dict[str, Any]], dict]
                   ) -> Grader:
    def grader(choices: Sequence[Any], picked: Any, result: dict[str, Any], arguments: dict[str, Any]) -> Verdict:
        real = truth(result)
        return Verdict(kind, picked == real, picked, real, {"picked": picked, "truth": real, **numbers(result)})

    return grader


def _role(choices: Sequence[Any], picked: Any, result: dict[str, Any], arguments: dict[str, Any]) -> Verdict:
    counts = {role: result["counts"].get(role, 0) for role in choices}
    best, correct = _best_of(counts, choices, picked)
    fields = {"picked": picked, "picked_count": counts[picked], "best": best, "best_count": counts[best],
              "heads": sum(result["counts"].values()), "choices": [{"role": r, "count": counts[r]} for r in choices]}
    return Verdict("most_common_role", correct, picked, best, fields)


def _norm_drop(choices: Sequence[Any], picked: Any, result: dict[str, Any], arguments: dict[str, Any]) -> Verdict:
    per_token = result["per_token"]
    drops = _token_values([item["token"] for item in per_token],
                          [item["raw_share"] - item["norm_share"] for item in per_token], choices)
    best, correct = _best_of(drops, choices, picked)
    shares = {item["token"]: item for item in sorted(per_token, key=lambda i: i["raw_share"] - i["norm_share"])}
    listed = [{"token": c, "raw": shares[c]["raw_share"], "norm": shares[c]["norm_share"]} for c in choices]
    fields = {"picked": picked, "best": best, "choices": listed, "layer": result["layer"]}
    return Verdict("norm_loses_most", correct, picked, best, fields)


def _rollout_top(choices: Sequence[Any], picked: Any, result: dict[str, Any], arguments: dict[str, Any]) -> Verdict:
    _token_values(result["tokens"], [0.0] * len(result["tokens"]), choices)  # every choice is a token here
    top = result["top_received"]
    fields = {"picked": picked, "top": top, "raw_top": result["raw_top_received"], "best": top[0]["token"],
              "best_weight": top[0]["weight"], "in_top": any(item["token"] == picked for item in top)}
    return Verdict("rollout_top", picked == top[0]["token"], picked, top[0]["token"], fields)


def _rows(result: dict[str, Any]) -> dict[str, Any]:
    return {"row_sum_min": result["row_sum_min"], "row_sum_max": result["row_sum_max"]}


def _causal(result: dict[str, Any]) -> dict[str, Any]:
    return {"model": result["model"], "architecture": result["architecture"], "count": len(result["tokens"])}


KINDS: dict[str, Kind] = {kind.name: kind for kind in (
    Kind("most_attended", "plot_line", "token", _row_grader("most_attended"), needs=("query",)),
    Kind("most_received", "plot_line", "token", _row_grader("most_received"), refuses=("query",)),
    Kind("sharper_layer", "layer_summary", "layer",
         _layer_grader("sharper_layer", "entropy_bits_per_layer", largest=False)),
    Kind("sink_layer", "layer_summary", "layer", _layer_grader("sink_layer", "sink_share_per_layer", largest=True)),
    Kind("shape", "explain_reduction", "shape", _shape),
    Kind("token_count", "extract_attention", "number", _token_count),
    Kind("rows_sum_to_one", "inspect_attention", "yes_no",
         _yes_no_grader("rows_sum_to_one", lambda result: result["rows_sum_to_one"], _rows)),
    Kind("causal_mask", "extract_attention", "yes_no",
         _yes_no_grader("causal_mask", lambda result: result["causal_mask_holds"], _causal)),
    Kind("most_common_role", "head_roles", "role", _role),
    Kind("norm_loses_most", "attention_norms", "token", _norm_drop),
    Kind("rollout_top", "attention_rollout", "token", _rollout_top),
)}
