"""Isolation under load: 8 sessions at once, different models and sentences, for a while.

No cross-talk (each answer and figure belongs to its own sentence), no errors, and memory that
stays flat over 200 turns (no figure or tensor leak). SOAK_SECONDS sets the duration (CI: 20 s;
run it for minutes locally with SOAK_SECONDS=300).
"""

from __future__ import annotations

import csv
import gc
import os
import threading
import time
import warnings
from pathlib import Path

import pytest
from matplotlib.figure import Figure

from agent.events import FinalAnswer, ToolFinished, TurnError
from agent.sensei import Sensei
from agent.settings import Settings

pytestmark = pytest.mark.slow

SENTENCES = [
    ("minilm", "Penguins swim in cold water."), ("gemma-270m", "猫は窓のそばで眠っています。"),
    ("minilm", "Volcanoes erupt with red lava."), ("gemma-270m", "Rivers carry sand to the delta."),
    ("minilm", "Bakers knead the dough at dawn."), ("gemma-270m", "図書館で静かに本を読みました。"),
    ("minilm", "Comets glow near the sun."), ("gemma-270m", "Lighthouses guide ships at night."),
]
QUESTIONS = ["Heatmap of layer {layer}", "Line chart of layer {layer}", "All heads of layer {layer}"]


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


class Learner:
    """One session's sensei and conversation, asking about its own sentence."""

    def __init__(self, index: int, model: str, sentence: str, root: Path) -> None:
        self.index, self.sentence, self.root = index, sentence, root
        self.sensei = Sensei(Settings(backend="offline", model=model, artifacts_dir=root))
        self.conversation = self.sensei.new_conversation(root / f"s{index}")
        self.first = f"Show the heatmap of '{sentence}' with {model}"
        self.turns = 0

    def ask(self, count: int, stop_at: float, failures: list[str]) -> None:
        """Ask `count` questions, and more until `stop_at`; record the first failure and stop."""
        done = 0
        while done < count or time.monotonic() < stop_at:
            problem = self._one_turn()
            if problem:
                failures.append(f"session {self.index}: {problem}")
                return
            done += 1

    def _one_turn(self) -> str | None:
        question = self.first if self.turns == 0 else QUESTIONS[self.turns % 3].format(layer=self.turns % 4)
        self.turns += 1
        events = list(self.sensei.turn(self.conversation, question))
        finished = [e for e in events if isinstance(e, ToolFinished)]
        if any(isinstance(e, TurnError) for e in events) or not finished or not all(f.ok for f in finished):
            return f"{question!r} → {events[-1]}"
        if not isinstance(events[-1], FinalAnswer):
            return "no final answer"
        for step in finished:  # the figure's tokens come from this session's own sentence
            if step.result.get("text") != self.sentence or Path(step.artifacts["csv"]).parent.name != f"s{self.index}":
                return f"cross-talk: {step.result.get('text')!r}"
            with open(step.artifacts["csv"], encoding="utf-8") as handle:
                header = next(csv.reader(handle))
            if header[1:] != step.result["tokens"]:
                return f"CSV labels {header[1:]} differ from the tokens"
        return None


def all_at_once(learners: list[Learner], count: int, seconds: float, failures: list[str]) -> None:
    stop_at = time.monotonic() + seconds
    threads = [threading.Thread(target=learner.ask, args=(count, stop_at, failures)) for learner in learners]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    gc.collect()


def test_eight_sessions_at_once_stay_isolated_and_memory_stays_flat(tmp_path):
    seconds = float(os.environ.get("SOAK_SECONDS", "20"))
    learners = [Learner(i, model, sentence, tmp_path) for i, (model, sentence) in enumerate(SENTENCES)]
    failures: list[str] = []
    all_at_once(learners, 8, 0, failures)  # warm-up: models, caches, allocator arenas of 8 threads
    before = rss_mb()
    all_at_once(learners, 25, seconds, failures)  # then at least 200 more turns
    after = rss_mb()
    measured = sum(learner.turns for learner in learners) - 8 * len(learners)
    with warnings.catch_warnings():  # walking every object touches deprecated torch module attributes
        warnings.simplefilter("ignore")
        figures = sum(isinstance(thing, Figure) for thing in gc.get_objects())
    print(f"{measured} turns measured; RSS {before:.0f} MB → {after:.0f} MB; {figures} live figures")
    assert failures == []
    assert measured >= 200
    assert figures == 0, "figures are leaking"
    assert after - before < 150, f"RSS grew by {after - before:.0f} MB over {measured} turns"
