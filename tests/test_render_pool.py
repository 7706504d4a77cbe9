"""Figures drawn in worker processes (tools/core/render_pool.py): the same bytes as drawn here, a killed
worker replaced and its figure drawn again, a figure that kills every worker answered with a clear
message (in a real turn, in the learner's language), --workers 1 drawing in-process, and no worker left
once the pool or the app has stopped."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from attention_sensei.cli import main
from tools.core import plots
from tools.core.color_scale import ColorScale
from tools.core.errors import RenderCrashed
from tools.core.notes import render as render_note
from tools.core.render_pool import Drawing, RenderPool, render, start_pool, stop_pool, wait_for_pool

ROOT = Path(__file__).resolve().parent.parent
JAPANESE = ["<bos>", "今日は", "カレー", "ライス", "を食べ", "ました", "。"]
ENGLISH = ["[CLS]", "i", "love", "natural", "language", "processing", "!", "[SEP]"]


def _causal(size: int, seed: int) -> np.ndarray:
    weights = np.tril(np.random.default_rng(seed).random((size, size)))  # (query, key)
    return weights / weights.sum(axis=-1, keepdims=True)


DRAWINGS = {
    "heatmap": Drawing.of(plots.heatmap_figure, _causal(8, 0), ENGLISH, ENGLISH, "minilm · layer 5 · mean of 12 heads",
                          annotate=True),
    "heatmap_japanese": Drawing.of(plots.heatmap_figure, _causal(7, 1), JAPANESE, JAPANESE,
                                   "gemma-270m · 層 17 · 4 ヘッドの平均", language="ja",
                                   scale=ColorScale.of(_causal(7, 1), 1.0)),
    "line": Drawing.of(plots.line_figure, {"from 'love'": _causal(8, 2)[2]}, ENGLISH, "minilm · layer 0",
                       "attention from 'love'"),
    "line_japanese": Drawing.of(plots.line_figure, {"「カレー」から": _causal(7, 3)[2]}, JAPANESE, "層 0",
                                "「カレー」からの注意", "トークン(位置)"),
    "heads": Drawing.of(plots.heads_figure, np.stack([_causal(7, seed) for seed in range(4)]), JAPANESE,
                        "gemma-270m · 層 0 · 全ヘッド", "ja"),
}


@pytest.fixture(scope="module")
def pool():
    started = RenderPool(2)
    started.wait_ready()
    yield started
    started.close()


@pytest.mark.parametrize("name", DRAWINGS)
def test_a_figure_drawn_in_a_worker_is_byte_identical_to_one_drawn_here(pool, tmp_path: Path, name: str):
    here = render(DRAWINGS[name], tmp_path / "here")  # no pool installed: drawn in this process
    there = pool.draw(DRAWINGS[name], tmp_path / "worker")
    assert [path.suffix for path in there] == [".png", ".svg"]
    for mine, theirs in zip(here, there, strict=True):
        assert mine.read_bytes() == theirs.read_bytes(), f"{name}{mine.suffix} differs"
    again = render(DRAWINGS[name], tmp_path / "again")  # deterministic here too: no date, no random SVG ids
    assert [path.read_bytes() for path in again] == [path.read_bytes() for path in here]


def test_a_tool_draws_in_the_pool_when_the_app_runs_one(session, tmp_path: Path):
    from tools import plot_heatmap

    text = "I love natural language processing!"
    alone = plot_heatmap(text=text, language="ja")
    start_pool(2)
    try:
        running = wait_for_pool(timeout=120)
        assert running is not None and running.size == 2
        drawn = plot_heatmap(text=text, language="ja")
        assert running.drawn == 1
    finally:
        stop_pool()
    for kind in ("png", "svg"):
        assert Path(drawn["artifacts"][kind]).read_bytes() == Path(alone["artifacts"][kind]).read_bytes()


def slow_heatmap(pid_file: str, matrix: np.ndarray, labels: list[str]) -> object:
    """A heatmap that says which process draws it and takes a second first, so that the test can kill it."""
    Path(pid_file).write_text(str(os.getpid()))
    time.sleep(1.0)
    return plots.heatmap_figure(matrix, labels, labels, "killed once")


def fatal_figure() -> object:
    """A figure whose drawing kills its process, as running out of memory would."""
    os.kill(os.getpid(), signal.SIGKILL)


def test_a_killed_worker_is_replaced_and_its_figure_drawn_again(pool, tmp_path: Path):
    pid_file = tmp_path / "pid"
    matrix = _causal(7, 4)
    result: list[object] = []
    drawer = threading.Thread(target=lambda: result.append(
        pool.draw(Drawing.of(slow_heatmap, str(pid_file), matrix, JAPANESE), tmp_path / "survived")))
    drawer.start()
    deadline = time.monotonic() + 30
    while not pid_file.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    victim = int(pid_file.read_text())
    pid_file.unlink()
    os.kill(victim, signal.SIGKILL)
    drawer.join(timeout=60)
    assert result, "the figure was not drawn again after its worker was killed"
    assert victim not in pool.pids() and len(pool.pids()) == 2
    expected = render(Drawing.of(plots.heatmap_figure, matrix, JAPANESE, JAPANESE, "killed once"), tmp_path / "here")
    assert [path.read_bytes() for path in result[0]] == [path.read_bytes() for path in expected]


def test_a_figure_that_stops_every_worker_gets_a_clear_message_and_the_pool_goes_on(pool, tmp_path: Path):
    before = pool.pids()
    with pytest.raises(RenderCrashed) as raised:
        pool.draw(Drawing.of(fatal_figure), tmp_path / "fatal")
    message = str(raised.value)
    assert "stopped twice" in message and "SIGKILL" in message and "ask" in message
    assert raised.value.note["key"] == "drawing_process_stopped" and raised.value.fix == "again"
    assert "2 回続けて止まりました" in render_note(raised.value.note, "ja")
    assert len(set(pool.pids()) & set(before)) == 1  # the worker that drew it was replaced, the other kept
    assert all(pid is not None and _alive(pid) for pid in pool.pids())
    drawn = pool.draw(DRAWINGS["heatmap"], tmp_path / "after")
    assert drawn[0].read_bytes()[:4] == b"\x89PNG"


def test_workers_1_draws_in_this_process_and_0_is_refused(tmp_path: Path, capsys):
    start_pool(1)
    assert wait_for_pool() is None
    children = _children(os.getpid())
    render(DRAWINGS["line"], tmp_path / "here")
    assert _children(os.getpid()) == children  # nothing started
    with pytest.raises(SystemExit) as refused:
        main(["ui", "--workers", "0"])
    assert refused.value.code == 2
    assert "--workers: expected a positive whole number, not '0'" in capsys.readouterr().err


def test_no_worker_outlives_the_pool_or_a_killed_app(tmp_path: Path):
    started = RenderPool(2)
    started.wait_ready()
    pids = started.pids()
    started.close()
    assert not any(_alive(pid) for pid in pids)
    # an app killed outright (no atexit, no close): its workers read EOF on their pipe and leave
    script = textwrap.dedent("""
        import os, signal
        from tools.core.render_pool import RenderPool
        if __name__ == "__main__":
            pool = RenderPool(2)
            pool.wait_ready()
            print(*pool.pids(), flush=True)
            os.kill(os.getpid(), signal.SIGKILL)
    """)
    (tmp_path / "app.py").write_text(script)
    done = subprocess.run([sys.executable, str(tmp_path / "app.py")], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)
    orphans = [int(pid) for pid in done.stdout.split()]
    assert len(orphans) == 2, done.stderr
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in orphans) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(pid) for pid in orphans)


def _alive(pid: int) -> bool:
    """Running (a zombie, dead but not yet reaped by its parent, counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:  # (gone, or going while read: FileNotFoundError, ProcessLookupError)
        return False
    return state != "Z"


def _children(pid: int) -> set[int]:
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def test_a_turn_whose_figure_cannot_be_drawn_says_so_in_the_learners_language(tmp_path: Path):
    """Every drawing process killed while the turn runs (as an out-of-memory killer would): the step fails
    with the note in Japanese and what to do, the conversation goes on, and the next figure is drawn."""
    from agent.sensei import Sensei
    from agent.settings import Settings

    sensei = Sensei(Settings(backend="offline", artifacts_dir=tmp_path))
    conversation = sensei.new_conversation()
    start_pool(2)
    try:
        running = wait_for_pool(timeout=120)
        assert running is not None
        killing = threading.Event()
        killer = threading.Thread(target=_kill_every_worker, args=(running, killing))
        killing.set()
        killer.start()
        started = [pid for pid in running.pids() if pid is not None]
        deadline = time.monotonic() + 30  # the turn starts once the killer has stopped every worker: no race
        while any(_alive(pid) for pid in started) and time.monotonic() < deadline:
            time.sleep(0.01)
        try:
            events = list(sensei.turn(conversation, "「I love green tea」のヒートマップを見せて"))
        finally:
            killing.clear()
            killer.join()
        failed = [event for event in events if type(event).__name__ == "ToolFinished"]
        assert failed and not failed[-1].ok and "stopped twice" in failed[-1].error
        answer = events[-1].text
        assert "図を描けませんでした" in answer and "同じ質問をもう一度してください" in answer, answer
        again = list(sensei.turn(conversation, "「I love green tea」のヒートマップを見せて"))
        drawn = [event for event in again if type(event).__name__ == "ToolFinished"]
        assert drawn[-1].ok and Path(drawn[-1].artifacts["png"]).read_bytes()[:4] == b"\x89PNG"
    finally:
        stop_pool()


def _kill_every_worker(pool: RenderPool, killing: threading.Event) -> None:
    while killing.is_set():
        for pid in pool.pids():
            if pid is not None and _alive(pid):
                with contextlib.suppress(ProcessLookupError):  # (it may end between the check and the kill)
                    os.kill(pid, signal.SIGKILL)
        time.sleep(0.005)
