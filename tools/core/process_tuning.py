"""What the app and the CLI change process-wide for a server's sake, and nothing else does.

Two settings pay off when several learners share two cores, and would surprise anyone else who
imports the engine (a notebook user would get one torch thread without asking):

- one torch intra-op thread per forward pass, unless OMP_NUM_THREADS asks for another count;
- glibc's allocator handing large blocks back to the system: freed blocks of 1 MB and more are
  returned at once, and the heap is trimmed after each model load.

So importing or using `tools` changes neither. The entry points (`attention-sensei` and its `ui`)
call `tune_for_serving()` once, before any model loads; models.get_model then applies what was asked
around each load (`before_load`, `after_load`), and every load summary states it (`summary`).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import threading
from typing import Any

__all__ = ["tune_for_serving", "is_tuned", "before_load", "after_load", "summary"]

M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter
LARGE_BLOCK = 1 << 20  # bytes

_tuned = False
_glibc: Any = None  # the C library, when it is glibc and the process was tuned
_lock = threading.Lock()


def tune_for_serving() -> None:
    """Tune this process for serving learners (the app's and the CLI's entry point; idempotent).

    The allocator is tuned now; torch's thread count at the first model load, so that a command
    that loads no model never imports torch for it.
    """
    global _tuned, _glibc
    with _lock:
        if _tuned:
            return
        _tuned, _glibc = True, _return_large_blocks_to_the_system()


def is_tuned() -> bool:
    return _tuned


def _return_large_blocks_to_the_system() -> Any:
    """Make glibc give blocks of 1 MB and more straight back to the system when freed; the library, or None.

    By default glibc raises its mmap threshold after large frees (up to 32 MB), so the per-layer
    attention tensors we free while stacking stay in the heap and the peak is two copies instead
    of one (measured: 1.6× the bare pass at 512 tokens, 1.0× with this). Not glibc: nothing to do.
    """
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt(M_MMAP_THRESHOLD, LARGE_BLOCK)
    except (OSError, AttributeError):
        return None
    return libc


def before_load() -> None:
    """When tuned: give torch one intra-op thread, unless OMP_NUM_THREADS asks for another count.

    With two threads, every operation of a forward pass ends at a barrier that waits for the
    second core; whenever that core is busy (drawing another learner's figure, serving a page,
    another process) the pass stalls. Measured on our 2-core machine, minilm, 14/128/512 tokens:
    alone, two threads are 1.2/1.6/1.5x faster; with a figure being drawn alongside (the normal
    case with several learners) they are 1.9/3.1/1.9x slower. One thread per pass is the server's
    choice; it also leaves the other core to rendering and to Gradio.
    """
    if not _tuned or "OMP_NUM_THREADS" in os.environ:
        return
    import torch

    if torch.get_num_threads() != 1:
        torch.set_num_threads(1)


def after_load() -> None:
    """When tuned (and glibc): hand the heap's freed pages back to the system after a model load.

    Parsing gemma's 33 MB tokenizer.json leaves ~150 MB of freed blocks that glibc keeps mapped:
    the process would stay 150 MB larger than it needs for as long as it runs.
    """
    if _glibc is not None:
        _glibc.malloc_trim(0)


def summary() -> dict[str, Any]:
    """What the process runs with, for a load summary: torch's thread count and who set the allocator."""
    import torch

    if not _tuned:
        allocator = "as the process had it (tuned only by the app and the CLI)"
    elif _glibc is None:
        allocator = "not glibc: left as it was"
    else:
        allocator = "glibc: freed blocks of 1 MB and more go back to the system; malloc_trim after each load"
    return {
        "tuned": _tuned,
        "torch_threads": torch.get_num_threads(),
        "threads_from": "OMP_NUM_THREADS" if "OMP_NUM_THREADS" in os.environ else "tuning" if _tuned else "torch",
        "allocator": allocator,
    }
