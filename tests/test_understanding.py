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
# after session 5, 0.93 and 0.90 after session 6, 0.94 and 0.92 after session 7, 0.946 and 0.939 after session 8,
# 0.955 and 0.949 after session 10, 0.959 and 0.959 after session 16, 0.959 and 0.949 from session 17 (the facts of
# answers checked too), 0.959 and 0.959 after session 29 (see bench/RESULTS.md for the exact figures). The target
# is 0.95; these floors only stop a regression (of more than one turn).
PLAN_THRESHOLD = {"questions": 0.945, "turns": 0.945}
# The development sets (tests/devset/), which the planner is tuned on, as measured when each floor was set
# (session 7), less a margin: dev 0.93 / 0.97, dev2 0.98 / 0.99, dev3 0.976 / 0.977, dev4 0.96 / 0.99,
# dev5 0.97 / 0.99, dev6 0.94 / 0.97, dev7 0.92 / 0.95, dev8 0.87 / 0.94, dev9 0.91 / 0.94, dev10 0.92 / 0.94,
# dev11 0.97 / 0.96, dev12 0.94 / 0.98, dev13 0.85 / 0.90 (20 questions only) (their first, untuned runs:
# dev4 0.82 / 0.88, dev5 0.87 / 0.79, dev6 0.84 / 0.84, dev7 0.75 / 0.52, dev8 0.75 / 0.82, dev9 0.82 / 0.75,
# dev10 0.83 / 0.91, dev11 0.96 / 0.94, dev12 0.93 / 0.87, dev13 0.80 / 0.86).
# Sets 14 to 22 (session 8), as measured at the end of session 8 less a margin: dev14 0.85 / 0.92,
# dev15 0.95 / 0.93, dev16 0.93 / 0.91, dev17 0.93 / 0.94, dev18 0.97 / 0.91, dev19 0.93 / 0.95,
# dev20 0.95 / 0.905, dev21 0.95 / 0.98, dev22 1.00 / 0.99 (first, untuned runs: dev14 0.76 / 0.74,
# dev15 0.90 / 0.92, dev16 0.65 / 0.53, dev17 0.87 / 0.92, dev18 0.90 / 0.62, dev19 0.89 / 0.90,
# dev20 0.95 / 0.78, dev21 0.92 / 0.94, dev22 0.95 / 0.95).
# Sets 23 to 26 (sessions 9 and 10), as measured at the end of session 10 less a margin: dev23 0.947 / 0.927,
# dev24 0.96 / 0.966, dev25 0.983 / 0.936, dev26 0.967 / 0.969 (first, untuned runs: dev23 0.89 / 0.76,
# dev24 0.91 / 0.92, dev25 0.95 / 0.90, dev26 0.96 / 0.92).
# Sets 27 and 28 (session 11), as measured at the end of session 11 less a margin: dev27 0.983 / 0.949,
# dev28 0.867 / 0.832 (first, untuned runs: dev27 0.933 / 0.917, dev28 0.80 / 0.589).
# Sets 29 and 30 (session 12), as measured at the end of session 12 less a margin: dev29 0.879 / 0.81,
# dev30 0.80 / 0.84 (first, untuned runs: dev29 0.833 / 0.781, dev30 0.80 / 0.638).
# Sets 33 to 35 (session 14), as measured at the end of session 14 less a margin: dev33 0.90 / 0.92, dev34 0.88 /
# 0.90, dev35 0.92 / 0.85 (first, untuned runs: dev33 0.80 / 0.738, dev34 0.883 / 0.771; dev35, written after most
# of session 14's changes: 0.90 / 0.726).
# Sets 36 to 39 (session 15), as measured at the end of session 15 less a margin: dev36 0.86 / 0.90, dev37 0.90 /
# 0.89, dev38 0.78 / 0.74, dev39 0.92 / 0.86 (first, untuned runs: dev36 0.90 / 0.706, dev37 0.842 / 0.766,
# dev38 0.10 / 0.576 (an edit of a sentence given in the same message was not read at all); dev39, written after
# most of session 15's changes: 0.92 / 0.89).
# Sets 40 to 43 (session 16), as measured at the end of session 16 less a margin: dev40 0.98 / 0.993, dev41 0.88 /
# 0.938, dev42 0.94 / 0.945, dev43 0.95 / 0.938 (first, untuned runs: dev40 0.96 / 0.972, dev41 0.83 / 0.869,
# dev42 0.83 / 0.876, dev43 0.94 / 0.805).
# Sets 44 and 45 (session 17), written while the session's last changes were made, less a margin: dev44 0.92 /
# 0.897 (its first, untuned run, not tuned on since), dev45 0.87 / 0.886 (first, untuned run: 0.87 / 0.788; one
# rule since, a number alone, came from it). From session 17 the plan level also checks the facts of the answers
# that need no tool.
# Sets 46 to 48 (session 18), as measured at the end of session 18 less a margin: dev46 0.81 / 0.816, dev47
# 0.95 / 0.92, dev48 0.95 / 0.874 (first, untuned runs: dev46 0.70 / 0.713, dev47 0.87 / 0.888; dev48, written
# after most of session 18's changes: 0.91 / 0.756, the same as with the planner of the session's start).
# Sets 49 to 51 (session 19), as measured at the end of session 19 less a margin: dev49 0.967 / 0.921, dev50 0.90 /
# 0.926, dev51 0.91 / 0.874 (first, untuned runs: dev49 0.90 / 0.815, dev50 0.867 / 0.819, dev51 0.88 / 0.819);
# dev46 rose to 0.82 / 0.86 in session 19.
# Sets 52 to 54 (session 20), as measured at the end of session 20 less a margin: dev52 0.933 / 0.843, dev53 0.98 /
# 0.907, dev54 0.91 / 0.959 (first, untuned runs: dev52 0.833 / 0.787, dev53 0.93 / 0.847, dev54 0.87 / 0.862);
# dev44 rose to 0.92 / 0.941 and dev51 to 0.91 / 0.906 in session 20.
# Sets 55 to 60 (session 21), as measured at the end of session 21 less a margin: dev55 0.95 / 0.876, dev56 1.0 /
# 0.965, dev57 0.95 / 0.831, dev58 0.883 / 0.82, dev59 0.883 / 0.755, dev60 0.84 / 0.86 (first, untuned runs: dev55
# 0.933 / 0.758, dev56 1.0 / 0.894, dev57 0.85 / 0.792 with the planner of the session's start; dev58 0.867 / 0.787,
# dev59 0.833 / 0.684, dev60 0.78 / 0.763 with the planner after the session's first 14 changes).
DEV_THRESHOLD = {"dev": {"questions": 0.91, "turns": 0.96}, "dev2": {"questions": 0.96, "turns": 0.97},
                 "dev3": {"questions": 0.95, "turns": 0.95}, "dev4": {"questions": 0.94, "turns": 0.97},
                 "dev5": {"questions": 0.95, "turns": 0.97}, "dev6": {"questions": 0.91, "turns": 0.95},
                 "dev7": {"questions": 0.89, "turns": 0.87}, "dev8": {"questions": 0.85, "turns": 0.91},
                 "dev9": {"questions": 0.88, "turns": 0.92}, "dev10": {"questions": 0.90, "turns": 0.92},
                 "dev11": {"questions": 0.95, "turns": 0.94}, "dev12": {"questions": 0.92, "turns": 0.96},
                 "dev13": {"questions": 0.80, "turns": 0.88},
                 "dev14": {"questions": 0.82, "turns": 0.89}, "dev15": {"questions": 0.92, "turns": 0.90},
                 "dev16": {"questions": 0.90, "turns": 0.88}, "dev17": {"questions": 0.90, "turns": 0.92},
                 "dev18": {"questions": 0.94, "turns": 0.87}, "dev19": {"questions": 0.90, "turns": 0.92},
                 "dev20": {"questions": 0.92, "turns": 0.87}, "dev21": {"questions": 0.92, "turns": 0.95},
                 "dev22": {"questions": 0.96, "turns": 0.96}, "dev23": {"questions": 0.92, "turns": 0.90},
                 "dev24": {"questions": 0.94, "turns": 0.94}, "dev25": {"questions": 0.96, "turns": 0.91},
                 "dev26": {"questions": 0.94, "turns": 0.94}, "dev27": {"questions": 0.95, "turns": 0.93},
                 "dev28": {"questions": 0.85, "turns": 0.81}, "dev29": {"questions": 0.86, "turns": 0.79},
                 "dev30": {"questions": 0.78, "turns": 0.82}, "dev31": {"questions": 0.90, "turns": 0.81},
                 "dev32": {"questions": 0.85, "turns": 0.83}, "dev33": {"questions": 0.90, "turns": 0.92},
                 "dev34": {"questions": 0.88, "turns": 0.90}, "dev35": {"questions": 0.92, "turns": 0.85},
                 "dev36": {"questions": 0.86, "turns": 0.90}, "dev37": {"questions": 0.90, "turns": 0.89},
                 "dev38": {"questions": 0.78, "turns": 0.74}, "dev39": {"questions": 0.92, "turns": 0.86},
                 "dev40": {"questions": 0.95, "turns": 0.96}, "dev41": {"questions": 0.85, "turns": 0.91},
                 "dev42": {"questions": 0.91, "turns": 0.92}, "dev43": {"questions": 0.92, "turns": 0.91},
                 "dev44": {"questions": 0.90, "turns": 0.91}, "dev45": {"questions": 0.85, "turns": 0.86},
                 "dev46": {"questions": 0.80, "turns": 0.84}, "dev47": {"questions": 0.93, "turns": 0.90},
                 "dev48": {"questions": 0.92, "turns": 0.85}, "dev49": {"questions": 0.95, "turns": 0.90},
                 "dev50": {"questions": 0.88, "turns": 0.91}, "dev51": {"questions": 0.89, "turns": 0.88},
                 "dev52": {"questions": 0.91, "turns": 0.82}, "dev53": {"questions": 0.96, "turns": 0.88},
                 "dev54": {"questions": 0.89, "turns": 0.93}, "dev55": {"questions": 0.93, "turns": 0.86},
                 "dev56": {"questions": 0.98, "turns": 0.95}, "dev57": {"questions": 0.92, "turns": 0.82},
                 "dev58": {"questions": 0.86, "turns": 0.81}, "dev59": {"questions": 0.86, "turns": 0.74},
                 "dev60": {"questions": 0.83, "turns": 0.85},
                 "dev61": {"questions": 0.87, "turns": 0.85}, "dev62": {"questions": 0.85, "turns": 0.83},
                 "dev63": {"questions": 0.87, "turns": 0.81}, "dev64": {"questions": 0.90, "turns": 0.87},
                 "dev65": {"questions": 0.90, "turns": 0.89}, "dev66": {"questions": 0.95, "turns": 0.88},
                 "dev67": {"questions": 0.92, "turns": 0.72}, "dev68": {"questions": 0.92, "turns": 0.88},
                 "dev69": {"questions": 0.95, "turns": 0.85}, "dev70": {"questions": 0.85, "turns": 0.72},
                 "dev71": {"questions": 0.95, "turns": 0.83}, "dev72": {"questions": 0.92, "turns": 0.90},
                 "dev73": {"questions": 0.72, "turns": 0.81}, "dev74": {"questions": 0.87, "turns": 0.91},
                 "dev75": {"questions": 0.87, "turns": 0.77}, "dev76": {"questions": 0.95, "turns": 0.89},
                 "dev77": {"questions": 0.90, "turns": 0.83}, "dev78": {"questions": 0.80, "turns": 0.84},
                 "dev79": {"questions": 0.95, "turns": 0.86}, "dev80": {"questions": 0.87, "turns": 0.84},
                 "dev81": {"questions": 0.95, "turns": 0.74}, "dev82": {"questions": 0.75, "turns": 0.88},
                 "dev83": {"questions": 0.92, "turns": 0.79}, "dev84": {"questions": 0.92, "turns": 0.82},
                 "dev85": {"questions": 0.87, "turns": 0.87}, "dev86": {"questions": 0.82, "turns": 0.85},
                 "dev87": {"questions": 0.92, "turns": 0.75}, "dev88": {"questions": 0.80, "turns": 0.77},
                 "dev89": {"questions": 0.77, "turns": 0.83}, "dev90": {"questions": 0.72, "turns": 0.74},
                 "dev91": {"questions": 0.82, "turns": 0.81}, "dev92": {"questions": 0.82, "turns": 0.77},
                 # sets 93 to 100 (session 26): now less one question or a few turns; their first, untuned runs and
                 # their scores at the end of session 26 are in bench/RESULTS.md and tests/devset/README.md
                 "dev93": {"questions": 0.67, "turns": 0.56}, "dev94": {"questions": 0.79, "turns": 0.73},
                 "dev95": {"questions": 0.97, "turns": 0.83}, "dev96": {"questions": 0.74, "turns": 0.69},
                 "dev97": {"questions": 0.97, "turns": 0.85}, "dev98": {"questions": 0.92, "turns": 0.85},
                 "dev99": {"questions": 0.77, "turns": 0.75}, "dev100": {"questions": 0.87, "turns": 0.78},
                 # sets 101 to 108 (session 27): the same rule; first runs and end-of-session scores in the same places
                 "dev101": {"questions": 0.90, "turns": 0.88}, "dev102": {"questions": 0.85, "turns": 0.86},
                 "dev103": {"questions": 0.87, "turns": 0.84}, "dev104": {"questions": 0.87, "turns": 0.90},
                 "dev105": {"questions": 0.92, "turns": 0.89}, "dev106": {"questions": 0.85, "turns": 0.82},
                 "dev107": {"questions": 0.82, "turns": 0.84}, "dev108": {"questions": 0.97, "turns": 0.94},
                 # sets 109 to 116 (session 28): the same rule
                 "dev109": {"questions": 0.92, "turns": 0.91}, "dev110": {"questions": 0.90, "turns": 0.89},
                 "dev111": {"questions": 0.87, "turns": 0.91}, "dev112": {"questions": 0.82, "turns": 0.84},
                 "dev113": {"questions": 0.75, "turns": 0.83}, "dev114": {"questions": 0.77, "turns": 0.78},
                 "dev115": {"questions": 0.80, "turns": 0.81}, "dev116": {"questions": 0.90, "turns": 0.83},
                 # sets 117 to 124 (session 29): the same rule
                 "dev117": {"questions": 0.90, "turns": 0.89}, "dev118": {"questions": 0.92, "turns": 0.77},
                 "dev119": {"questions": 0.70, "turns": 0.85}, "dev120": {"questions": 0.87, "turns": 0.76},
                 "dev121": {"questions": 0.87, "turns": 0.84}, "dev122": {"questions": 0.95, "turns": 0.85},
                 "dev123": {"questions": 0.90, "turns": 0.87}, "dev124": {"questions": 0.90, "turns": 0.88}}
DEV_SETS = list(DEV_THRESHOLD)


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


@pytest.mark.parametrize("which", DEV_SETS)
def test_the_development_set_is_apart_from_the_heldout_set(which: str) -> None:
    heldout = {q["q"] for q in understanding.load_set("heldout")[0]}
    questions, conversations = understanding.load_set(which)
    assert len(questions) + sum(len(c["turn"]) for c in conversations) >= 150 and len(conversations) >= 20
    shared = [q["id"] for q in questions if q["q"] in heldout]  # ids only: the held-out questions stay unread
    assert not shared, f"{which} shares these questions with the held-out set: {shared}"


@pytest.mark.parametrize("which", DEV_SETS)
def test_plan_level_accuracy_on_the_development_sets(which: str) -> None:
    summary = understanding.report(*understanding.score(understanding.plan_runner(), which))
    print({key: value for key, value in summary.items() if key != "misses"})
    assert summary["question_accuracy"] >= DEV_THRESHOLD[which]["questions"], summary["misses"]
    assert summary["turn_accuracy"] >= DEV_THRESHOLD[which]["turns"], summary["misses"]
