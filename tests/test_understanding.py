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
# cards (the keyword planner before them: 0.68 and 0.55); 0.88 and 0.82 at the end of the next session's
# work on the development set. The target is 0.95; these floors only stop a regression.
PLAN_THRESHOLD = {"questions": 0.85, "turns": 0.78}
# The development set (tests/devset/), which the planner is tuned on: 0.89 and 0.95 when set.
DEV_THRESHOLD = {"questions": 0.86, "turns": 0.92}


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


def test_plan_level_accuracy_on_the_development_set() -> None:
    summary = understanding.report(*understanding.score(understanding.plan_runner(), "dev"))
    print({key: value for key, value in summary.items() if key != "misses"})
    assert summary["question_accuracy"] >= DEV_THRESHOLD["questions"], summary["misses"]
    assert summary["turn_accuracy"] >= DEV_THRESHOLD["turns"], summary["misses"]
