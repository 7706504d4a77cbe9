"""How well the offline sensei understands questions it was not tuned on (tests/heldout/, never used for tuning).

The plan-level score runs the planner alone (the conversation's memory carried as if each call
succeeded); `python bench/understanding.py --turns` runs the real offline sensei with the real tools
and also checks the facts each answer must contain. The thresholds are the scores measured when
they were set, less a small margin; bench/RESULTS.md has the numbers.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import understanding  # noqa: E402

# Measured on 2026-12-02: 0.74 of the questions and 0.61 of the conversation turns with the first tool
# cards (the keyword planner before them: 0.68 and 0.55); 0.88 and 0.82 after session 4, 0.91 and 0.88
# after session 5. The target is 0.95; these floors only stop a regression.
PLAN_THRESHOLD = {"questions": 0.89, "turns": 0.85}
# The development sets (tests/devset/), which the planner is tuned on, as measured when each floor was set:
# dev 0.92 / 0.97, dev2 0.975 / 0.99, dev3 0.96 / 0.92.
DEV_THRESHOLD = {"dev": {"questions": 0.90, "turns": 0.95}, "dev2": {"questions": 0.95, "turns": 0.96},
                 "dev3": {"questions": 0.93, "turns": 0.89}}


def test_the_heldout_set_is_large_and_in_both_languages() -> None:
    questions, conversations = understanding.load_set("heldout")
    assert len(questions) >= 150 and len(conversations) >= 20
    for language in ("en", "ja"):
        assert sum(q["lang"] == language for q in questions) >= 70
        assert sum(c["lang"] == language for c in conversations) >= 10


def test_plan_level_accuracy_on_the_heldout_set() -> None:
    summary = understanding.report(*understanding.score(understanding.plan_runner()))
    print({key: value for key, value in summary.items() if key != "misses"})
    assert summary["question_accuracy"] >= PLAN_THRESHOLD["questions"], summary["misses"]
    assert summary["turn_accuracy"] >= PLAN_THRESHOLD["turns"], summary["misses"]


@pytest.mark.parametrize("which", ["dev", "dev2", "dev3"])
def test_the_development_set_is_apart_from_the_heldout_set(which: str) -> None:
    heldout = {q["q"] for q in understanding.load_set("heldout")[0]}
    questions, conversations = understanding.load_set(which)
    assert len(questions) >= 150 and len(conversations) >= 20
    assert not heldout & {q["q"] for q in questions}


@pytest.mark.parametrize("which", ["dev", "dev2", "dev3"])
def test_plan_level_accuracy_on_the_development_sets(which: str) -> None:
    summary = understanding.report(*understanding.score(understanding.plan_runner(), which))
    print({key: value for key, value in summary.items() if key != "misses"})
    assert summary["question_accuracy"] >= DEV_THRESHOLD[which]["questions"], summary["misses"]
    assert summary["turn_accuracy"] >= DEV_THRESHOLD[which]["turns"], summary["misses"]
