"""What transformers and torch warn during one forward pass, caught in the thread that runs it.

A learner should read the warnings of their own pass (a model that needs something, a weight it
ignores) and nothing else. Python's `warnings.catch_warnings` cannot give that in a server: it swaps
process-wide state, so it records whatever any thread warns meanwhile (another session, Gradio's
queue, pandas' deprecations), and two threads entering and leaving it out of order restore each
other's hooks. So a capture here changes no filter and keeps only what its own thread emits:

- log records of the "transformers" and "torch" loggers, through a handler that keeps the records
  of its thread (a record carries the id of the thread that logged it);
- `warnings.warn` calls, through one dispatcher that stands in for `warnings.showwarning` while any
  capture is open: a warning from a capturing thread whose code lies in transformers or torch goes to
  that capture, every other one to the hook that was there before, untouched.

Deprecation notices are library noise, never a learner's business: DeprecationWarning,
PendingDeprecationWarning, FutureWarning and any message saying "deprecated" are left where they
would have gone. What Python or transformers show only once per process (the default filters,
`logger.warning_once`) is captured once, by the pass that first meets it.

    with captured_library_warnings() as messages:   # list[str], filled as the block runs
        ...the forward pass...
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["captured_library_warnings", "LIBRARIES"]

LIBRARIES = ("transformers", "torch")
_NOISE = (DeprecationWarning, PendingDeprecationWarning, FutureWarning)

_captures: dict[int, list[str]] = {}  # thread id -> that thread's open capture
_guard = threading.Lock()
_previous_hook: Any = None  # warnings.showwarning as it was before the dispatcher stood in


@contextmanager
def captured_library_warnings() -> Iterator[list[str]]:
    """Collect, in order, what transformers and torch warn or log in this thread during the block."""
    thread = threading.get_ident()
    messages: list[str] = []
    handler = _ThreadHandler(thread, messages)
    loggers = [logging.getLogger(name) for name in LIBRARIES]
    for logger in loggers:
        logger.addHandler(handler)
    _open(thread, messages)
    try:
        yield messages
    finally:
        _close(thread)
        for logger in loggers:
            logger.removeHandler(handler)


def _is_noise(message: str) -> bool:
    return "deprecat" in message.lower()


class _ThreadHandler(logging.Handler):
    def __init__(self, thread: int, messages: list[str]) -> None:
        super().__init__(level=logging.WARNING)
        self.thread, self.messages = thread, messages

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self.thread and not _is_noise(record.getMessage()):
            self.messages.append(record.getMessage())


def _open(thread: int, messages: list[str]) -> None:
    global _previous_hook
    with _guard:
        _captures[thread] = messages
        if warnings.showwarning is not _dispatch:
            _previous_hook, warnings.showwarning = warnings.showwarning, _dispatch


def _close(thread: int) -> None:
    with _guard:
        _captures.pop(thread, None)
        # Stand down when the last capture closes, unless someone has put another hook in since.
        if not _captures and warnings.showwarning is _dispatch:
            warnings.showwarning = _previous_hook


def _dispatch(message: Any, category: type[Warning], filename: str, lineno: int, file: Any = None,
              line: str | None = None) -> None:
    """warnings.showwarning while a capture is open: a capturing thread's library warning goes to it."""
    messages = _captures.get(threading.get_ident())
    text = str(message)
    if messages is not None and not issubclass(category, _NOISE) and not _is_noise(text) and _in_library(filename):
        messages.append(text)
        return
    _previous_hook(message, category, filename, lineno, file, line)


def _in_library(filename: str) -> bool:
    """Whether the code that warned lies in transformers or torch (a C++ warning names its Python caller)."""
    path = os.path.abspath(filename)
    for name in LIBRARIES:
        module = sys.modules.get(name)
        where = getattr(module, "__file__", None)
        if where and path.startswith(os.path.dirname(os.path.abspath(where)) + os.sep):
            return True
    return False
