"""One-shot `attention-sensei ask` against the article's script, and a warm `chat` turn.

    .venv/bin/python bench/oneshot.py [--runs 3] [--turns 10]

Each run starts both as fresh processes, interleaved (ask, script, ask, script, ...), so machine
noise falls on both alike: the offline `ask` of an English heatmap question on minilm, and
bench/article_baseline.py drawing the same sentence. The warm chat turn is the chat's own turn
function in this process after a first turn loaded everything: plan, extract, draw, write the
files, compose and print. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SENTENCES = ["I love natural language processing!", "The cat sat on the mat.", "Attention is all you need.",
             "She sells sea shells by the sea shore.", "Time flies like an arrow.", "A stitch in time saves nine.",
             "Colorless green ideas sleep furiously.", "The quick brown fox jumps over the lazy dog.",
             "To be or not to be.", "All that glitters is not gold.", "Better late than never."]


def timed(command: list[str], cwd: Path) -> float:
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def one_shot(runs: int) -> dict[str, object]:
    asks, scripts = [], []
    with tempfile.TemporaryDirectory() as work:
        for _ in range(runs):
            question = f"Show the heatmap of '{SENTENCES[0]}'"
            asks.append(timed([sys.executable, "-m", "attention_sensei", "ask", question, "--backend", "offline",
                               "--out", work], ROOT))
            scripts.append(timed([sys.executable, str(ROOT / "bench" / "article_baseline.py"), SENTENCES[0],
                                  str(Path(work) / "baseline.png")], ROOT))
    ask, script = statistics.median(asks), statistics.median(scripts)
    return {"ask_s": [round(s, 2) for s in asks], "script_s": [round(s, 2) for s in scripts],
            "ask_median_s": round(ask, 2), "script_median_s": round(script, 2), "ask_vs_script": round(ask / script, 2)}


def warm_chat_turn(turns: int) -> dict[str, object]:
    os.environ["HF_HUB_OFFLINE"] = "1"
    sys.path.insert(0, str(ROOT))
    from agent.sensei import Sensei
    from agent.settings import Settings
    from attention_sensei.chat import _answer

    with tempfile.TemporaryDirectory() as work:
        sensei = Sensei(Settings(backend="offline", artifacts_dir=Path(work)))
        conversation = sensei.new_conversation()
        seconds = []
        for turn in range(turns + 1):
            question = f"Show the heatmap of '{SENTENCES[turn % len(SENTENCES)]}'"
            started = time.perf_counter()
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                _answer(sensei, conversation, question)
            seconds.append(time.perf_counter() - started)
    warm = seconds[1:]  # the first turn loads the model and the planner's index
    return {"first_turn_s": round(seconds[0], 2), "warm_turn_median_s": round(statistics.median(warm), 3),
            "warm_turn_max_s": round(max(warm), 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--turns", type=int, default=10)
    args = parser.parse_args()
    print(json.dumps({**one_shot(args.runs), **warm_chat_turn(args.turns)}))


if __name__ == "__main__":
    main()
