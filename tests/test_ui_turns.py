"""Undo, retry, Stop and new questions at random moments of a running turn: the history stays valid.

The app's handlers run as Gradio runs them (generators iterated in worker threads, closed when
Stop cancels them) against an LLM that calls a slow tool. Every request the LLM receives must be
a message list a real server accepts, and whenever no turn runs, the chat and the sensei's history
must agree.
"""

from __future__ import annotations

import random
import threading
import time
from types import SimpleNamespace
from typing import Any

import pytest
from fake_llm import FakeClient, text_reply, tool_reply
from llm_stub import history_problem

import ui.app as app
from agent.registry import Registry
from agent.sensei import Sensei
from agent.settings import Settings


def wait_a_moment(seconds: float) -> dict[str, Any]:
    """Wait a little, as a slow tool does.

    Args:
        seconds: how long to wait.
    """
    time.sleep(seconds)
    return {"waited": seconds}


class EndlessLLM:
    """Asks for one or two slow tool calls after a question, answers after the results; checks every request."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.problems: list[str] = []
        self.requests = 0
        self.chat = SimpleNamespace(completions=SimpleNamespace(create=self.create))

    def create(self, **request: Any) -> Any:
        self.requests += 1
        problem = history_problem(request["messages"])
        if problem:
            self.problems.append(problem)
        if request["messages"][-1]["role"] == "tool":
            return self._paced(text_reply("Done, the tool waited."))
        calls = [(f"call_{self.requests}_{i}", "wait_a_moment", {"seconds": self.rng.uniform(0, 0.03)})
                 for i in range(self.rng.randint(1, 2))]
        return self._paced(tool_reply(*calls))

    def _paced(self, chunks: list[Any]) -> Any:
        for chunk in chunks:
            time.sleep(self.rng.uniform(0, 0.005))
            yield chunk


class Learner:
    """One browser session's handlers, called from several threads as Gradio's workers would."""

    def __init__(self, seed: int, tmp_path) -> None:
        self.settings = Settings(backend="openai", api_key="sk-turns", artifacts_dir=tmp_path)
        self.llm = EndlessLLM(seed)
        sensei = Sensei(self.settings, client=self.llm, registry=Registry([wait_a_moment]))
        self.session = app.UiSession(sensei, sensei.new_conversation(tmp_path), tmp_path)
        self.asked = 0
        self.count_lock = threading.Lock()
        self.problems: list[str] = []

    def question(self) -> str:
        with self.count_lock:
            self.asked += 1
            return f"question {self.asked}"

    def act(self, rng: random.Random) -> None:
        action = rng.choice(["ask", "ask", "retry", "undo", "undo", "stop"])
        if action == "ask":
            self._iterate(app._ask(self.settings, self.question(), self.session, "en"), rng)
        elif action == "retry":
            self._iterate(app._retry(self.settings, self.session, "en"), rng)
        elif action == "undo":
            app._undo(self.settings, self.session, "en")
        else:
            app._stop(self.session)
        self.check_when_idle()

    @staticmethod
    def _iterate(handler: Any, rng: random.Random) -> None:
        """Run a streaming handler; sometimes Stop cancels it after a few updates (Gradio closes it)."""
        stop_after = rng.choice([None, None, 0, 1, 2, 4, 8])
        for updates, _ in enumerate(handler):
            if stop_after is not None and updates >= stop_after:
                handler.close()
                return

    def check_when_idle(self) -> None:
        """When no turn holds the session, the history is valid and the chat shows what the sensei was asked."""
        if not self.session.busy.acquire(blocking=False):
            return
        try:
            problem = self.problem()
            if problem:
                self.problems.append(problem)
        finally:
            self.session.busy.release()

    def problem(self) -> str | None:
        messages = self.session.conversation.messages
        found = history_problem(messages)
        if found:
            return f"{found}: {messages}"
        shown = iter([m.content for m in self.session.history if m.role == "user"])
        sent = [m["content"] for m in messages if m["role"] == "user"]
        if not all(question in shown for question in sent):  # in order; a question stopped before it was sent
            return f"the chat shows {[m.content for m in self.session.history if m.role == 'user']}, the sensei " \
                   f"was asked {sent}"
        return None


@pytest.fixture(autouse=True)
def quiet_warnings(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    shown: list[str] = []
    monkeypatch.setattr(app.gr, "Warning", lambda message, *args, **kwargs: shown.append(message))
    return shown


@pytest.mark.parametrize("seed", range(6))
def test_random_interleavings_keep_every_request_and_the_idle_history_valid(seed, tmp_path):
    learner = Learner(seed, tmp_path)

    def worker(rng: random.Random) -> None:
        for _ in range(25):
            learner.act(rng)

    threads = [threading.Thread(target=worker, args=(random.Random(seed * 10 + i),), name=f"gradio-worker-{i}")
               for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not any(thread.is_alive() for thread in threads), "a handler never returned"
    assert learner.llm.problems == [], "the LLM was sent an invalid history"
    learner.check_when_idle()
    assert learner.problems == []
    while any(m.role == "user" for m in learner.session.history):  # undo everything: both end empty together
        app._undo(learner.settings, learner.session, "en")
    assert learner.session.conversation.messages == [] and learner.llm.requests > 0


def test_undo_and_retry_during_a_turn_are_refused_in_the_learners_language(tmp_path, quiet_warnings):
    learner = Learner(0, tmp_path)
    first = app._ask(learner.settings, "first", learner.session, "ja")
    next(first), next(first)  # the question shows, the turn is running
    before = list(learner.session.conversation.messages)
    history, _ = app._undo(learner.settings, learner.session, "ja")
    retried = list(app._retry(learner.settings, learner.session, "en"))
    assert learner.session.conversation.messages == before and [m.content for m in history if m.role == "user"] \
        == ["first"] and len(retried) == 1
    assert quiet_warnings == [app.t("busy_undo", "ja"), app.t("busy_undo", "en")]
    assert "停止" in quiet_warnings[0] and "Stop" in quiet_warnings[1]
    list(first)  # the turn ends, its tool message after the call that asked for it; now undo works
    assert learner.llm.problems == [] and learner.problem() is None
    app._undo(learner.settings, learner.session, "en")
    assert learner.session.conversation.messages == [] and learner.session.history == []


def test_a_new_question_stops_the_running_one_and_takes_over(tmp_path):
    learner = Learner(1, tmp_path)
    first = app._ask(learner.settings, "first", learner.session, "en")
    next(first), next(first)
    finished = threading.Event()
    threading.Thread(target=lambda: (list(first), finished.set()), daemon=True).start()
    list(app._ask(learner.settings, "second", learner.session, "en"))
    assert finished.wait(10)
    assert learner.problem() is None and learner.llm.problems == []
    sent = [m["content"] for m in learner.session.conversation.messages if m["role"] == "user"]
    assert sent == ["first", "second"] and learner.session.conversation.messages[-1]["role"] == "assistant"


def test_clear_stops_the_running_turn_and_starts_afresh(tmp_path):
    settings = Settings(backend="openai", api_key="sk-turns", artifacts_dir=tmp_path)
    llm = FakeClient(tool_reply(("c1", "wait_a_moment", {"seconds": 1.0})), text_reply("Waited."))
    sensei = Sensei(settings, client=llm, registry=Registry([wait_a_moment]))
    directory = tmp_path / "old"
    directory.mkdir()  # where this browser session's figures are
    session = app.UiSession(sensei, sensei.new_conversation(directory), directory)
    shown_at: list[float] = []  # when the turn's updates reach the browser
    running = threading.Thread(target=lambda: shown_at.extend(time.monotonic() for _ in app._ask(
        settings, "wait", session, "en")))
    running.start()
    deadline = time.monotonic() + 10
    while len(session.conversation.messages) < 2 and time.monotonic() < deadline:  # the tool is running
        time.sleep(0.01)

    history, fresh = app._clear(settings, session, "en")
    cleared_at = time.monotonic()
    running.join(5)
    assert not running.is_alive() and max(shown_at) < cleared_at  # no update of the old turn comes after it
    assert fresh is not session and history == fresh.history == [] and fresh.conversation.messages == []
    assert len(llm.requests) == 1  # the turn was stopped after its tool, not carried on to the LLM's answer
    assert history_problem(session.conversation.messages) is None
    assert not directory.exists()  # the old conversation's figures went with it


def test_a_turn_leaves_the_question_box_to_the_learner(tmp_path, monkeypatch, quiet_warnings):
    """Sent from the page, a question leaves the box at once (`_take`); the turn never writes to the box while
    it draws, so what the learner types next stays, except a question refused because a turn is busy, which
    goes back in the box to send again."""
    assert app._take("first") == ("", "first")
    learner = Learner(2, tmp_path)
    updates = list(app._ask(learner.settings, "first", learner.session, "en"))
    assert len(updates) > 2 and all(box == app.gr.skip() for _, _, box in updates)
    monkeypatch.setattr(app, "TAKEOVER_SECONDS", 0.01)
    with learner.session.busy:  # an undo holds the session and does not let go
        refused = list(app._ask(learner.settings, "second", learner.session, "en"))
    assert [box for _, _, box in refused] == ["second"] and quiet_warnings == [app.t("busy", "en")]
