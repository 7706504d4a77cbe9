"""Queues for heavy work, first come first served: forward passes in one, figure rendering in another.

On two cores, eight simultaneous forward passes only thrash; so heavy jobs take a ticket and run
`slots` at a time, and a waiting job reports its place in line through the session's progress
callback ("waiting: 2 jobs ahead"), which the UI shows on the tool's step.

Rendering has its own queue so that one learner's figure is drawn while the next learner's
forward pass runs: the two need different resources (matplotlib holds the interpreter lock, a
pass spends its time in torch kernels on one core). Each queue still runs one job at a time, in
arrival order: first come, first served keeps the slowest answer as early as it can be, and
matplotlib never draws two figures at once.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager

from tools.core.models import Progress

__all__ = ["JobQueue", "heavy_job", "render_job", "JOBS", "RENDERING"]


class JobQueue:
    def __init__(self, slots: int = 1) -> None:
        self.slots = slots
        self._tickets = itertools.count()
        self._waiting: list[int] = []  # tickets in arrival order
        self._running = 0
        self._changed = threading.Condition()

    @contextmanager
    def job(self, progress: Progress | None = None, what: str = "job") -> Iterator[None]:
        with self._changed:
            ticket = next(self._tickets)
            self._waiting.append(ticket)
            reported = -1
            while not (self._running < self.slots and self._waiting[0] == ticket):
                ahead = self._waiting.index(ticket) + self._running
                if progress is not None and ahead != reported:
                    reported = ahead
                    progress(0.0, f"{what}: waiting, {ahead} job(s) ahead in the queue")
                self._changed.wait(timeout=1.0)
            self._waiting.pop(0)
            self._running += 1
        try:
            yield
        finally:
            with self._changed:
                self._running -= 1
                self._changed.notify_all()

    def busy(self) -> int:
        """Jobs running or waiting right now."""
        with self._changed:
            return self._running + len(self._waiting)


JOBS = JobQueue(slots=1)  # forward passes
RENDERING = JobQueue(slots=1)  # matplotlib drawing PNG/SVG files


def heavy_job(progress: Progress | None = None, what: str = "job") -> AbstractContextManager[None]:
    """Run the body as one heavy job of the process-wide queue of forward passes."""
    return JOBS.job(progress, what)


def render_job(progress: Progress | None = None, what: str = "drawing the figure") -> AbstractContextManager[None]:
    """Run the body as one job of the process-wide rendering queue."""
    return RENDERING.job(progress, what)
