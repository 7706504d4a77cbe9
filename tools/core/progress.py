"""Reporting progress of long steps: the callback type, a silent default, and a ticker for steps
that report nothing themselves (a GGUF conversion, a big download).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

__all__ = ["Progress", "no_progress", "no_progress_bars", "ticking"]

Progress = Callable[[float, str], None]  # (fraction done in 0..1, what is happening)


def no_progress(fraction: float, message: str) -> None:
    pass


def no_progress_bars() -> None:
    """Per-tensor bars are noise in a chat and a CLI; we report progress ourselves."""
    from tools.core.imports import TRANSFORMERS_IMPORT

    with TRANSFORMERS_IMPORT:
        from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    os.environ.setdefault("TQDM_DISABLE", "1")  # the GGUF reader uses tqdm directly



@contextmanager
def ticking(progress: Progress, start: float, end: float, expected_s: float, message: str) -> Iterator[None]:
    """Report progress every second during a step that gives no progress of its own."""
    stop = threading.Event()
    began = time.perf_counter()

    def tick() -> None:
        while not stop.wait(1.0):
            elapsed = time.perf_counter() - began
            share = min(elapsed / expected_s, 0.95)
            progress(start + (end - start) * share, f"{message}: {elapsed:.0f} s")

    progress(start, message)
    thread = threading.Thread(target=tick, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
