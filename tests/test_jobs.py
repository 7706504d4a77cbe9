"""The two heavy-work queues: a figure is drawn while another learner's forward pass runs, and
figures are drawn one at a time, in arrival order, with bytes identical to a figure drawn alone."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np

from tools.core import plots
from tools.core.jobs import heavy_job, render_job


def test_a_figure_is_drawn_while_a_forward_pass_holds_its_queue():
    pass_started, pass_may_end = threading.Event(), threading.Event()

    def forward_pass() -> None:
        with heavy_job():
            pass_started.set()
            pass_may_end.wait(timeout=10)

    holder = threading.Thread(target=forward_pass)
    holder.start()
    try:
        assert pass_started.wait(timeout=10)
        entered = threading.Event()

        def draw() -> None:
            with render_job():
                entered.set()

        drawer = threading.Thread(target=draw)
        drawer.start()
        assert entered.wait(timeout=5), "rendering waited for the forward pass"
        drawer.join()
    finally:
        pass_may_end.set()
        holder.join()


def test_figures_are_drawn_one_at_a_time_in_arrival_order():
    order: list[int] = []
    running, peak = [0], [0]
    lock = threading.Lock()

    def draw(index: int) -> None:
        with render_job():
            with lock:
                running[0] += 1
                peak[0] = max(peak[0], running[0])
                order.append(index)
            time.sleep(0.05)
            with lock:
                running[0] -= 1

    threads = [threading.Thread(target=draw, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
        time.sleep(0.02)  # arrival order 0, 1, 2, 3
    for thread in threads:
        thread.join()
    assert peak[0] == 1
    assert order == [0, 1, 2, 3]


def test_figures_drawn_from_several_sessions_at_once_equal_figures_drawn_alone(tmp_path: Path):
    labels = ["<bos>", "今日は", "カレー", "ライス", "を食べ", "ました", "。"]
    matrices = [np.tril(np.random.default_rng(seed).random((7, 7))) for seed in range(4)]

    def render(index: int, directory: Path) -> None:
        figure = plots.heatmap_figure(matrices[index], labels, labels, f"figure {index}")
        with render_job():
            plots.save_figure(figure, directory / f"f{index}")

    alone, together = tmp_path / "alone", tmp_path / "together"
    alone.mkdir()
    together.mkdir()
    for index in range(4):
        render(index, alone)
    threads = [threading.Thread(target=render, args=(i, together)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for index in range(4):
        assert (together / f"f{index}.png").read_bytes() == (alone / f"f{index}.png").read_bytes()
