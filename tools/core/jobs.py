"""Queues for heavy work, first come first served: forward passes in one, figure rendering in another.

On two cores, eight simultaneous forward passes only thrash; so heavy jobs take a ticket and run
`slots` at a time, and a waiting job reports its place in line through the session's progress
callback ("waiting: 2 jobs ahead"), which the UI shows on the tool's step.

Rendering has its own queue so that one learner's figure is drawn while the next learner's
forward pass runs: the two need different resources (matplotlib holds the interpreter lock, a
pass spends its time in torch kernels on one core). Each queue still runs one job at a time, in
arrival order: first come, first served keeps the slowest answer as early as it can be, and
matplotlib never draws two figures at once.

A job nobody waits for any more gives the machine back. Whoever runs a tool call for someone else
(the agent's runner) runs it inside `cancel_when(event)` and sets the event when it gives up (a
timeout, Stop): a job of that call still waiting leaves the line, one not started yet never starts,
and a forward pass given its model (`heavy_job(..., model=...)`) stops before its next layer. The
job ends with `Cancelled`, which nobody reads.
"""

from __future__ import annotations

import contextvars
import itertools
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any

from tools.core.errors import Cancelled
from tools.core.models import LoadedModel, Progress

__all__ = ["JobQueue", "heavy_job", "render_job", "cancel_when", "check_cancelled", "JOBS", "RENDERING"]

POLL_SECONDS = 0.25  # how often a waiting job looks whether its call was given up

_given_up: contextvars.ContextVar[threading.Event | None] = contextvars.ContextVar(
    "attention_sensei_given_up", default=None
)


@contextmanager
def cancel_when(event: threading.Event) -> Iterator[None]:
    """Within the block (this context only), heavy jobs stop once `event` is set."""
    token = _given_up.set(event)
    try:
        yield
    finally:
        _given_up.reset(token)


def check_cancelled() -> None:
    """Raise Cancelled if the call running in this context was given up."""
    event = _given_up.get()
    if event is not None and event.is_set():
        raise Cancelled("this tool call was given up (timed out or stopped); its work stopped here")


class JobQueue:
    def __init__(self, slots: int = 1) -> None:
        self.slots = slots
        self._tickets = itertools.count()
        self._waiting: list[int] = []  # tickets in arrival order
        self._running = 0
        self._changed = threading.Condition()

    @contextmanager
    def job(self, progress: Progress | None = None, what: str = "job") -> Iterator[None]:
        check_cancelled()
        with self._changed:
            ticket = next(self._tickets)
            self._waiting.append(ticket)
            try:
                self._wait_for_turn(ticket, progress, what)
            except Cancelled:
                self._waiting.remove(ticket)
                self._changed.notify_all()
                raise
            self._waiting.pop(0)
            self._running += 1
        try:
            yield
        finally:
            with self._changed:
                self._running -= 1
                self._changed.notify_all()

    def _wait_for_turn(self, ticket: int, progress: Progress | None, what: str) -> None:
        reported = -1
        while not (self._running < self.slots and self._waiting[0] == ticket):
            check_cancelled()
            ahead = self._waiting.index(ticket) + self._running
            if progress is not None and ahead != reported:
                reported = ahead
                progress(0.0, f"{what}: waiting, {ahead} job(s) ahead in the queue")
            self._changed.wait(timeout=POLL_SECONDS)
        check_cancelled()  # given up while its turn came: it never starts

    def busy(self) -> int:
        """Jobs running or waiting right now."""
        with self._changed:
            return self._running + len(self._waiting)


JOBS = JobQueue(slots=1)  # forward passes
RENDERING = JobQueue(slots=1)  # matplotlib drawing PNG/SVG files


@contextmanager
def heavy_job(progress: Progress | None = None, what: str = "job", model: LoadedModel | None = None) -> Iterator[None]:
    """Run the body as one heavy job of the process-wide queue of forward passes; with `model`, a
    pass of that model given up meanwhile stops before its next layer."""
    with JOBS.job(progress, what), (_stopping_between_layers(model) if model is not None else nullcontext()):
        yield


def render_job(progress: Progress | None = None, what: str = "drawing the figure") -> AbstractContextManager[None]:
    """Run the body as one job of the process-wide rendering queue."""
    return RENDERING.job(progress, what)


@contextmanager
def _stopping_between_layers(model: LoadedModel) -> Iterator[None]:
    """Check before every layer's attention (every module, for a layout we do not know) whether the
    call was given up. The hooks read the context of the thread that runs the pass, so a hook left by
    one job never stops another's."""
    from tools.core.layer_capture import attention_modules  # imports torch; the queues alone do not need it

    modules = attention_modules(model.base_model, model.num_layers) or list(model.base_model.modules())
    handles = [module.register_forward_pre_hook(_stop_if_given_up) for module in modules]
    try:
        yield
    finally:
        for handle in handles:
            handle.remove()


def _stop_if_given_up(_module: Any, _inputs: Any) -> None:
    check_cancelled()
