"""Run one tool call for either sensei: validated, timed, with progress, never raising for bad input.

The tool runs in a worker thread inside a copy of the caller's context (so the session stays
active), while this generator relays its progress. Failures the user or the LLM caused come back
as `ToolFinished(ok=False, error=...)`; our own bugs are reported the same way but say so.

When the generator ends for any reason (the answer came, the time ran out, Stop closed it) the call
is given up: a worker still running stops at its next layer boundary or leaves the forward-pass
queue (tools/core/jobs.py), so nobody waits behind a result nobody will read. The worker reports
progress through its own context (`use_session(..., progress=...)`), never through the session, so
it cannot report into, or clear, the callback of the session's next call.
"""

from __future__ import annotations

import contextvars
import logging
import queue
import threading
import time
from collections.abc import Iterator
from typing import Any

from agent.events import ToolFinished, ToolProgress
from agent.registry import Registry
from tools import SenseiError, Session, use_session
from tools.core.errors import bug_message
from tools.core.jobs import cancel_when

__all__ = ["run_tool", "summarize"]

log = logging.getLogger(__name__)


def run_tool(
    registry: Registry,
    session: Session,
    call_id: str,
    name: str,
    arguments: dict[str, Any] | None,
    timeout: float,
    invalid_arguments: str | None = None,
) -> Iterator[ToolProgress | ToolFinished]:
    """Yield progress events, then exactly one ToolFinished."""
    started = time.perf_counter()
    if arguments is None:
        error = invalid_arguments or "arguments are missing"
        yield ToolFinished(call_id, name, None, False, error, f"{name}: {error}", seconds=0.0)
        return
    outbox: queue.Queue[tuple[str, Any]] = queue.Queue()

    def report(fraction: float, message: str) -> None:
        outbox.put(("progress", (fraction, message)))

    given_up = threading.Event()

    def work() -> None:
        try:
            with use_session(session, progress=report), cancel_when(given_up):
                outbox.put(("done", registry.call(name, arguments)))
        except SenseiError as error:  # Cancelled included: then nobody reads the outbox any more
            outbox.put(("error", (str(error), getattr(error, "note", None), getattr(error, "fix", "rephrase"))))
        except Exception as error:  # our bug: keep the session alive, say what happened
            log.exception("tool %s failed", name)
            outbox.put(("error", (bug_message(name, error), None, "rephrase")))

    context = contextvars.copy_context()
    threading.Thread(target=context.run, args=(work,), daemon=True, name=f"tool-{name}").start()
    try:
        yield from _relay(outbox, call_id, name, arguments, started, timeout)
    finally:
        given_up.set()


def _relay(
    outbox: queue.Queue[tuple[str, Any]], call_id: str, name: str, arguments: dict[str, Any], started: float,
    timeout: float,
) -> Iterator[ToolProgress | ToolFinished]:
    """The worker's progress as events, then its one ToolFinished, or a timeout's."""
    deadline = started + timeout
    while True:
        try:
            kind, payload = outbox.get(timeout=max(0.0, min(0.5, deadline - time.perf_counter())))
        except queue.Empty:
            if time.perf_counter() < deadline:
                continue
            error = (f"{name} did not finish within {timeout:.0f} s and was stopped; "
                     "try a shorter text or a smaller model")
            yield ToolFinished(call_id, name, arguments, False, error, error, {"error_fix": "shorter"},
                               seconds=time.perf_counter() - started)
            return
        if kind == "progress":
            yield ToolProgress(call_id, *payload)
            continue
        seconds = time.perf_counter() - started
        if kind == "error":
            error, said, fix = payload
            # the error as a note is shown in the learner's language; the fix says what to try next
            result = {"error_fix": fix} | ({"error_note": said} if said else {})
            yield ToolFinished(call_id, name, arguments, False, error, f"{name}: {error}", result, seconds=seconds)
        else:
            yield ToolFinished(call_id, name, arguments, True, None, summarize(name, payload), payload,
                               dict(payload.get("artifacts", {})), seconds)
        return


def summarize(name: str, result: dict[str, Any]) -> str:
    """One line on what a tool found, for a step's title and the logs, read from the result's fields alone."""
    subject = _subject(result)
    parts = [subject] if subject else []
    if "layer" in result and result.get("layer") is not None:
        head = result.get("head")
        parts.append(f"layer {result['layer']}, " + ("mean over heads" if head is None else f"head {head}"))
    top = result.get("top_received") or result.get("top")
    if top:
        parts.append("top: " + ", ".join(f"{item['token']} {item['weight']:.2f}" for item in top[:3]))
    if "final_shape" in result and result.get("steps"):  # a reduction explained step by step
        parts.append(f"{len(result['steps'])} steps → shape {result['final_shape']}")
    if "embedded" in result:  # the models on offer
        parts.append(", ".join(entry["alias"] for entry in result["embedded"]))
    if subject is None and {"model", "num_layers", "num_heads"} <= result.keys():  # one model described
        parts.append(f"{result['model']}: {result['num_layers']} layers × {result['num_heads']} heads")
    return "; ".join(parts) or name


def _subject(result: dict[str, Any]) -> str | None:
    """What was analysed: the two sides of a comparison, or prompt + output, or the model and tokens."""
    if "aligned_count" in result:
        a, b = result["a"], result["b"]
        models = f"{a['model']} vs {b['model']}" if result["mode"] == "two models" else a["model"]
        return f"{models}; {result['aligned_count']} aligned, mean |b − a| {result['mean_abs_diff']:.4f}"
    if "generated_text" in result:
        return (f"{result['model']}: {len(result['prompt_tokens'])} prompt tokens + {len(result['steps'])} "
                f"generated “{result['generated_text'].strip()[:40]}”")
    if "model" in result and "shape" in result:
        return f"{result['model']}: {len(result.get('tokens', []))} tokens, shape {result['shape']}"
    return None
