"""What the LLM reads of a tool result: valid JSON within the limit, the notes whole, the cuts said."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from agent.events import ToolFinished
from agent.llm_result import LLM_RESULT_LIMIT, result_for_llm

NOTES = [{"key": "pooled", "values": {"block": 4}, "text": "Blocks of 4 consecutive tokens were pooled."},
         {"key": "substituted_model", "values": {"model": "gemma-270m"}, "text": "gemma-270m was used instead."}]


def finished(result: dict[str, Any]) -> ToolFinished:
    return ToolFinished("c1", "inspect_attention", {}, True, None, "summary", result)


def inspect_like(queries: int) -> dict[str, Any]:
    """The shape of inspect_attention's result on a long text: one big list, then the notes last."""
    tokens = [f"tok{i}" for i in range(queries)]
    return {"model": "minilm", "shape": [1, 12, queries, queries], "tokens": tokens, "layer": 0, "head": None,
            "top_per_query": [{"query": t, "top": [{"token": u, "weight": 0.1234} for u in tokens[:3]]}
                              for t in tokens],
            "row_sums": [1.0] * queries, "code": "print('the script is never sent')", "notes": NOTES}


def test_a_result_that_fits_is_sent_whole_without_the_script() -> None:
    result = inspect_like(4)
    sent = json.loads(result_for_llm(finished(result)))
    assert sent == {"ok": True, **{k: v for k, v in result.items() if k != "code"}}


def test_a_big_result_stays_valid_json_within_the_limit_and_keeps_its_notes() -> None:
    result = inspect_like(120)
    assert len(json.dumps(result)) > 3 * LLM_RESULT_LIMIT
    text = result_for_llm(finished(result))
    sent = json.loads(text)  # the old cut at 6,000 characters broke the JSON and lost the notes
    assert len(text) <= LLM_RESULT_LIMIT
    assert sent["notes"] == NOTES and sent["model"] == "minilm" and sent["shape"] == [1, 12, 120, 120]
    kept = len(sent["top_per_query"])
    assert 0 < kept < 120 and sent["top_per_query"] == result["top_per_query"][:kept]
    assert sent["shortened"]["lists"]["top_per_query"] == {"kept": kept, "of": 120}
    assert "ask for less" in sent["shortened"]["why"].lower()  # tells the LLM how to get the rest


def test_nested_lists_are_cut_and_named_by_their_path() -> None:
    matrix = [[round(random.Random(i).random(), 4) for _ in range(300)] for i in range(3)]
    text = result_for_llm(finished({"summary": {"matrix": matrix}, "notes": NOTES}))
    sent = json.loads(text)
    assert len(text) <= LLM_RESULT_LIMIT and sent["notes"] == NOTES
    cut = sent["shortened"]["lists"]
    assert set(cut) == {"summary.matrix[]"} and cut["summary.matrix[]"]["of"] == 300
    assert all(row == full[:len(row)] for row, full in zip(sent["summary"]["matrix"], matrix, strict=True))


def test_a_long_string_is_cut_when_no_list_is_left_to_cut() -> None:
    text = result_for_llm(finished({"text": "あ" * 20_000, "notes": NOTES}))
    sent = json.loads(text)
    assert len(text) <= LLM_RESULT_LIMIT and sent["notes"] == NOTES
    assert sent["text"].startswith("ああ") and sent["shortened"]["strings"]["text"]["of"] == 20_000


@pytest.mark.parametrize("seed", range(40))
def test_any_result_comes_back_valid_bounded_and_with_its_notes(seed: int) -> None:
    rng = random.Random(seed)

    def value(depth: int) -> Any:
        kind = rng.choice(["int", "float", "str", "list", "dict"] if depth < 3 else ["int", "float", "str"])
        if kind == "int":
            return rng.randint(-10**6, 10**6)
        if kind == "float":
            return rng.random()
        if kind == "str":
            return "".join(rng.choice("ab\"\\\n語🙂") for _ in range(rng.choice([3, 40, 81, 82, 3000])))
        if kind == "list":
            return [value(depth + 1) for _ in range(rng.choice([0, 2, 50, 400] if depth == 0 else [0, 2, 8]))]
        return {f"k{i}": value(depth + 1) for i in range(rng.randint(0, 5))}

    result = {f"field{i}": value(0) for i in range(rng.randint(1, 6))}
    result["notes"] = NOTES
    text = result_for_llm(finished(result))
    sent = json.loads(text)
    assert len(text) <= LLM_RESULT_LIMIT and sent["notes"] == NOTES and sent["ok"] is True


def test_a_failed_call_sends_its_error() -> None:
    failed = ToolFinished("c1", "plot_heatmap", {}, False, "layer 42 is out of range", "plot_heatmap: …")
    assert json.loads(result_for_llm(failed)) == {"ok": False, "error": "layer 42 is out of range"}


def test_many_fields_just_over_the_shortest_cut_end_in_dropped_fields() -> None:
    result = {f"k{i}": "y" * 81 for i in range(200)}  # a cut to 80 characters plus "…" would not shrink them
    sent = json.loads(result_for_llm(finished({**result, "notes": NOTES})))
    assert sent["notes"] == NOTES and sent["shortened"]["dropped"]
    assert all(sent[key] == value for key, value in result.items() if key in sent)
