"""Figures drawn in worker processes, so that drawing grows with cores instead of queueing for one
interpreter lock beside the server.

A tool describes its figure as a `Drawing`: a builder (a module-level function of the engine, such as
`plots.heatmap_figure`, sent by name) and its arguments as plain data (numpy arrays, labels, options).
`render(drawing, stem)` writes its PNG and SVG: in a worker of the process-wide pool when the app
started one (`attention-sensei ui --workers N`), else here, in the rendering queue (tools/core/jobs.py),
as before. Both build the figure with the same builder and save it with `plots.save_figure`, so the
files are byte-identical wherever they were drawn (tests/test_render_pool.py).

Importing the engine starts no process: only the app's entry point calls `start_pool`. The workers are
forked from a fresh server process that has imported every tool family once (the forkserver method;
spawn where there is none): a worker never inherits the app's threads, starts in a fraction of a second,
and has matplotlib, the Japanese font and the builders loaded before its first figure. The pool takes
jobs first come, first served, one per worker at a time, and reports a waiting job's place in line.

A worker that dies (killed, out of memory) is replaced at once, and the figure it was drawing is drawn
again by the new one; a figure that stops a second worker too is given up with `RenderCrashed`, whose
note tells the learner to ask again. A worker exits when the app closes its pipe or exits, even
when the app is killed: no worker outlives it.
"""

from __future__ import annotations

import atexit
import io
import logging
import multiprocessing
import os
import pickle
import queue
import signal
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

import numpy as np

from tools.core import plots
from tools.core.errors import RenderCrashed
from tools.core.jobs import JobQueue, render_job
from tools.core.notes import note
from tools.core.progress import Progress

__all__ = ["Drawing", "RenderPool", "render", "start_pool", "wait_for_pool", "stop_pool", "default_workers"]

log = logging.getLogger(__name__)

READY_SECONDS = 120.0  # a worker that is not ready by then (importing, warming up) failed to start
MAX_DEFAULT_WORKERS = 4
STOP_SECONDS = 5.0  # a worker asked to stop gets this long before it is terminated


@dataclass(frozen=True)
class Drawing:
    """A figure as plain data: `builder(*args, **kwargs)` returns it. Pickled to a worker by the builder's
    module and name, so the builder must be a module-level function of the engine."""

    builder: Callable[..., Any]
    args: tuple[Any, ...] = ()
    kwargs: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, builder: Callable[..., Any], *args: Any, **kwargs: Any) -> Drawing:
        return cls(builder, args, kwargs)

    def figure(self) -> Any:
        return self.builder(*self.args, **self.kwargs)


class _Stopped(Exception):
    """The worker's process ended while it was starting or drawing; the message says how."""


class _Worker:
    """One drawing process and the app's end of its pipe. Used by one thread at a time (the pool's)."""

    def __init__(self, context: Any) -> None:
        self._context = context
        self._start()

    def _start(self) -> None:
        self.connection, theirs = self._context.Pipe()
        self.process = self._context.Process(target=_serve, args=(theirs,), daemon=True,
                                             name="attention-sensei-render")
        self.process.start()
        theirs.close()  # only the worker holds its end now: its exit reads here as EOF
        self._ready = False

    def restart(self) -> None:
        self.stop()
        self._start()

    def wait_ready(self) -> None:
        if not self._ready:
            self._receive(READY_SECONDS)  # ("ready", pid), once warmed up
            self._ready = True

    def draw(self, drawing: Drawing, stem: Path) -> list[Path]:
        self.wait_ready()
        try:
            self.connection.send((drawing, stem))
        except (OSError, EOFError):
            raise _Stopped(self._how_it_stopped()) from None
        kind, payload = self._receive(None)
        if kind == "failed":
            raise payload  # the builder's own exception: our bug, raised as if drawn here
        return payload

    def _receive(self, timeout: float | None) -> tuple[str, Any]:
        ready = wait([self.connection, self.process.sentinel], timeout)
        if not ready:
            self.process.kill()
            raise _Stopped(f"not ready after {timeout:.0f} s")
        if self.connection in ready:  # a reply sent just before the process ended is still a reply
            try:
                return self.connection.recv()
            except (OSError, EOFError):
                pass
        raise _Stopped(self._how_it_stopped())

    def _how_it_stopped(self) -> str:
        self.process.join(timeout=STOP_SECONDS)
        code = self.process.exitcode
        if code is not None and code < 0:
            return signal.Signals(-code).name  # SIGKILL: the operator's kill, or the kernel out of memory
        return f"exit status {code}"

    def stop(self) -> None:
        self.connection.close()  # the worker reads EOF and returns
        self.process.join(timeout=STOP_SECONDS)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()

    @property
    def pid(self) -> int | None:
        return self.process.pid


class RenderPool:
    """`workers` drawing processes, taking figures first come, first served."""

    def __init__(self, workers: int) -> None:
        if workers < 2:
            raise ValueError(f"a pool needs at least 2 workers, not {workers}: 1 draws in-process")
        context = _context()
        self._queue = JobQueue(slots=workers)  # a job holds one worker: at most `workers` at a time
        self._workers = [_Worker(context) for _ in range(workers)]  # they start side by side
        self._idle: queue.SimpleQueue[_Worker] = queue.SimpleQueue()
        for worker in self._workers:
            self._idle.put(worker)
        self._closed = False
        self.drawn = 0  # figures drawn by the workers, for the operator and the tests
        self._counting = threading.Lock()

    @property
    def size(self) -> int:
        return len(self._workers)

    def wait_ready(self) -> None:
        """Wait until every worker has warmed up; a worker that cannot start stops the pool and raises."""
        try:
            for worker in self._workers:
                worker.wait_ready()
        except _Stopped as stopped:
            self.close()
            raise RuntimeError(f"a drawing process could not start: {stopped}") from None

    def pids(self) -> list[int | None]:
        return [worker.pid for worker in self._workers]

    def draw(self, drawing: Drawing, stem: Path, progress: Progress | None = None) -> list[Path]:
        """Write the figure's PNG and SVG beside `stem` in a worker; returns both paths."""
        with self._queue.job(progress, "drawing the figure"):
            worker = self._idle.get()
            try:
                return self._draw_on(worker, drawing, stem)
            finally:
                self._idle.put(worker)

    def _draw_on(self, worker: _Worker, drawing: Drawing, stem: Path) -> list[Path]:
        how = ""
        for attempt in (1, 2):
            try:
                paths = worker.draw(drawing, stem)
                with self._counting:
                    self.drawn += 1
                return paths
            except _Stopped as stopped:
                how = str(stopped)
                if self._closed:
                    break
                old = worker.pid
                worker.restart()
                log.warning("a drawing process (pid %s) stopped (%s); started pid %s%s", old, how, worker.pid,
                            " and drawing its figure again" if attempt == 1 else "")
        raise RenderCrashed(note("drawing_process_stopped", how=how))

    def close(self) -> None:
        self._closed = True
        for worker in self._workers:
            worker.stop()


def _context() -> Any:
    """Forkserver where the platform has it (Linux, macOS), spawn elsewhere: never a plain fork of a
    server's threads. The forkserver imports every tool family once, so each worker forked from it
    starts with its builders and matplotlib loaded (and a restarted one too)."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    from tools import TOOL_FAMILIES

    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([plots.__name__, *sorted(set(TOOL_FAMILIES.values()))])
    return context


def _serve(connection: Connection) -> None:
    """A worker's life: warm up, say so, then draw what arrives until the app hangs up."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C in a terminal stops the app, which stops us
    _warm_up()
    connection.send(("ready", os.getpid()))
    while True:
        try:
            drawing, stem = connection.recv()
        except (EOFError, OSError):
            return
        try:
            connection.send(("done", plots.save_figure(drawing.figure(), stem)))
        except Exception as error:  # the builder's bug: raised again in the app, where it is reported
            connection.send(("failed", _sendable(error)))


def _sendable(error: Exception) -> Exception:
    """The error itself when it pickles, else its type and words (an unpicklable one would end the worker)."""
    try:
        pickle.dumps(error)
    except Exception:
        return RuntimeError(f"{type(error).__name__}: {error}")
    return error


def _warm_up() -> None:
    """Load what every figure needs before the first one is asked for: the tool families (their builders),
    the fonts with the Japanese fallback, and a first draw in both formats."""
    from tools import TOOL_FAMILIES

    for family in sorted(set(TOOL_FAMILIES.values())):
        __import__(family)
    figure = plots.heatmap_figure(np.eye(2), ["a", "日本"], ["a", "日本"], "warm-up")
    for kind in ("png", "svg"):
        figure.savefig(io.BytesIO(), format=kind)


def default_workers() -> int:
    """One drawing process per core this process may use, at most MAX_DEFAULT_WORKERS (bench/RESULTS.md:
    past that, the app's own process, not drawing, limits its turns per second)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, MAX_DEFAULT_WORKERS))


_pool: RenderPool | None = None
_starting: threading.Thread | None = None
_pool_lock = threading.Lock()


def start_pool(workers: int) -> None:
    """Draw figures in `workers` processes from now on (the app's entry point); 1 keeps drawing in-process.

    Returns at once: the workers start in the background (~2 s on two cores, while the app builds its
    page), and until they are up, figures are drawn in-process, byte for byte the same."""
    global _starting
    if workers < 2:
        return
    with _pool_lock:
        if _pool is not None or _starting is not None:
            raise RuntimeError("a drawing pool is already running; stop_pool() first")
        _starting = threading.Thread(target=_start, args=(workers,), daemon=True, name="render-pool-start")
        _starting.start()
    atexit.register(stop_pool)


def _start(workers: int) -> None:
    global _pool
    try:
        pool = RenderPool(workers)
        pool.wait_ready()
    except Exception:  # the app still works, drawing in-process as with --workers 1
        log.exception("the drawing processes could not start; figures are drawn in the app's process")
        return
    with _pool_lock:
        _pool = pool


def wait_for_pool(timeout: float | None = None) -> RenderPool | None:
    """The pool once its workers have started (None when none was asked for)."""
    starting = _starting
    if starting is not None:
        starting.join(timeout)
    return _pool


def stop_pool() -> None:
    """Stop the pool's workers; figures are drawn in-process again (idempotent)."""
    global _pool, _starting
    wait_for_pool()
    with _pool_lock:
        pool, _pool, _starting = _pool, None, None
    if pool is not None:
        pool.close()


def render(drawing: Drawing, stem: Path, progress: Progress | None = None) -> list[Path]:
    """Write the figure's PNG and SVG beside `stem` (in a worker when a pool runs); returns both paths."""
    pool = _pool
    if pool is not None:
        return pool.draw(drawing, stem, progress)
    figure = drawing.figure()  # built outside the queue, as a tool always did; only the files wait in line
    with render_job(progress, "drawing the figure"):
        return plots.save_figure(figure, stem)
