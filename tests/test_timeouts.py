"""A tool call the runner gives up on (a timeout, Stop) gives the machine back and touches nothing it
no longer owns: a running pass stops at its next layer boundary, a waiting one leaves the queue, and
its worker never reports into, nor clears, the progress callback of the session's next call."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from agent.events import ToolFinished, ToolProgress
from agent.registry import Registry
from agent.runner import run_tool
from tools import Session, current_session
from tools.core.extract import extract
from tools.core.jobs import JOBS, heavy_job
from tools.core.layer_capture import attention_modules
from tools.core.models import get_model

WAIT = 10.0  # seconds any step may take on a busy machine before the test gives up


def wait_until(condition, what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {WAIT:.0f} s for {what}")
        time.sleep(0.02)


def worker_threads(name: str) -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name == f"tool-{name}"]


@pytest.fixture
def tiny_bert(tiny_models):
    loaded = get_model(str(tiny_models["bert"]))
    yield loaded
    wait_until(lambda: JOBS.busy() == 0, "the forward-pass queue to empty")


def extraction_tool(loaded):
    def analyse(text: str) -> dict:
        """Extract the attention of a text.

        Args:
            text: The sentence.
        """
        return {"tokens": extract(loaded, text, progress=current_session().progress).tokens}

    return analyse


def test_a_timed_out_pass_stops_at_the_next_layer_and_frees_the_queue(tiny_bert, tmp_path: Path):
    first, second = attention_modules(tiny_bert.base_model, tiny_bert.num_layers)[:2]
    in_first_layer, may_go_on, later_layers = threading.Event(), threading.Event(), []

    def slow_first_layer(_module, _inputs):
        in_first_layer.set()
        may_go_on.wait(WAIT)  # the pass is still in layer 0 when the runner gives up

    handles = [first.register_forward_pre_hook(slow_first_layer),
               second.register_forward_hook(lambda *_: later_layers.append(1))]
    try:
        events = list(run_tool(Registry([extraction_tool(tiny_bert)]), Session(artifacts_dir=tmp_path), "c1",
                               "analyse", {"text": "the cat sat"}, timeout=0.5))
        assert in_first_layer.is_set()
        assert not events[-1].ok and "did not finish within" in events[-1].error
        may_go_on.set()
        wait_until(lambda: JOBS.busy() == 0, "the given-up pass to leave the queue")
        wait_until(lambda: not worker_threads("analyse"), "the worker to end")
        assert later_layers == [], "the pass ran on after the runner gave up"
    finally:
        may_go_on.set()
        for handle in handles:
            handle.remove()


def test_stop_closing_the_call_stops_its_pass_too(tiny_bert, tmp_path: Path):
    first, second = attention_modules(tiny_bert.base_model, tiny_bert.num_layers)[:2]
    in_first_layer, may_go_on, later_layers = threading.Event(), threading.Event(), []

    def slow_first_layer(_module, _inputs):
        in_first_layer.set()
        may_go_on.wait(WAIT)

    def announced(text: str) -> dict:
        """Say so, then extract the attention of a text.

        Args:
            text: The sentence.
        """
        current_session().progress(0.0, "starting")
        return extraction_tool(tiny_bert)(text)

    handles = [first.register_forward_pre_hook(slow_first_layer),
               second.register_forward_hook(lambda *_: later_layers.append(1))]
    try:
        call = run_tool(Registry([announced]), Session(artifacts_dir=tmp_path), "c1", "announced",
                        {"text": "the cat sat"}, timeout=WAIT)
        assert next(call).message == "starting"
        assert in_first_layer.wait(WAIT)
        call.close()  # what Stop does to a running turn
        may_go_on.set()
        wait_until(lambda: JOBS.busy() == 0, "the stopped pass to leave the queue")
        wait_until(lambda: not worker_threads("announced"), "the worker to end")
        assert later_layers == []
    finally:
        may_go_on.set()
        for handle in handles:
            handle.remove()


def test_a_timed_out_job_waiting_in_line_leaves_the_queue_without_running(tiny_bert, tmp_path: Path):
    held, release, passes = threading.Event(), threading.Event(), []

    def another_learners_pass() -> None:
        with heavy_job():
            held.set()
            release.wait(3 * WAIT)  # longer than any wait_until below: only the test releases it

    holder = threading.Thread(target=another_learners_pass)
    holder.start()
    handle = tiny_bert.base_model.register_forward_pre_hook(lambda *_: passes.append(1))
    try:
        assert held.wait(WAIT)
        events = list(run_tool(Registry([extraction_tool(tiny_bert)]), Session(artifacts_dir=tmp_path), "c1",
                               "analyse", {"text": "the cat sat"}, timeout=0.5))
        assert not events[-1].ok
        assert [e.message for e in events[:-1]] == ["forward pass: waiting, 1 job(s) ahead in the queue"]
        wait_until(lambda: JOBS.busy() == 1, "the given-up job to leave the line")  # only the holder is left
        release.set()
        holder.join(WAIT)
        wait_until(lambda: not worker_threads("analyse"), "the worker to end")
        assert passes == [], "the given-up job ran its pass once its turn came"
    finally:
        release.set()
        handle.remove()


def test_a_given_up_worker_never_touches_the_next_calls_progress(tmp_path: Path):
    session = Session(artifacts_dir=tmp_path)
    release_first, first_done = threading.Event(), threading.Event()

    def stuck(text: str) -> dict:
        """A tool busy where no layer boundary comes (a model load, say).

        Args:
            text: Anything.
        """
        release_first.wait(WAIT)
        current_session().progress(0.9, "stuck: finishing, though nobody listens")
        return {}

    def reporting(text: str) -> dict:
        """A tool that reports progress before and after the first call's worker ends.

        Args:
            text: Anything.
        """
        current_session().progress(0.1, "second: before")
        first_done.wait(WAIT)
        current_session().progress(0.9, "second: after")
        return {}

    registry = Registry([stuck, reporting])
    given_up = list(run_tool(registry, session, "c1", "stuck", {"text": "x"}, timeout=0.3))
    assert not given_up[-1].ok
    second: list[ToolProgress | ToolFinished] = []
    consumer = threading.Thread(target=lambda: second.extend(
        run_tool(registry, session, "c2", "reporting", {"text": "x"}, timeout=WAIT)))
    consumer.start()
    wait_until(lambda: any(isinstance(e, ToolProgress) for e in second), "the second call's first report")
    release_first.set()  # the first worker ends now, while the second call runs
    for thread in worker_threads("stuck"):
        thread.join(WAIT)
    first_done.set()
    consumer.join(WAIT)
    assert second[-1].ok, second[-1].error
    assert [e.message for e in second if isinstance(e, ToolProgress)] == ["second: before", "second: after"]
    assert session.progress is None  # nothing of either call is left on the session
