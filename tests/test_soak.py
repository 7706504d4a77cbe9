"""Soak: 10 sessions at once, each doing everything a learner, an LLM or another agent does, for a while.

Five offline learners (minilm and gemma-270m, each asking about its own sentence) share between
them every tool family (questions like the tool cards' examples), a stop mid-turn (the turn's
cancel event, set at its first tool call), an undo refused while the turn runs and then taken back
and retried, and bad input (an empty question, layer 42, a made-up model id). A sixth runs with a
10 ms tool timeout, so its calls time out while the others go on. Two LLM sessions each talk to
their own quirk-reproducing stub (tests/llm_stub.py: `null_content`, `invalid_arguments`, and for
one `tool_choice`, which sends it down the non-streaming path): parallel tool calls in every
streaming style, invalid arguments, a model id the LLM made up, an out-of-range layer, a server
error, a runaway answer stopped mid-stream or a stop at the first tool call, and undo/retry.
Two more are other agents using the tools of the real app over MCP (tests/soak_mcp.py), one MCP
session per turn: a session's own sentence and model carried from call to call, a call given up
mid-way and its session ended under it, a fresh session asking for "the latest sentence", an unknown
tool, an empty text, a made-up model.

The first part is two passes of every session's script (models, caches, allocator arenas, the
figure quota filling up); measured after it, at least one more pass and SOAK_SECONDS in all (CI:
20 s; `SOAK_SECONDS=300 pytest -s tests/test_soak.py` for the issue's five minutes). A timeline of
RSS, artifacts on disk, live threads and turns is printed (every SOAK_SECONDS / 20 s, at least 5 s).
At the end:

- every turn ended as its action expects, and every tool of `tools.TOOL_FAMILIES` ran to success;
- no session's sentence appears in another's answers, tool results or messages, and every figure
  lies in its own session's directory (for MCP: one directory per MCP session, never reused);
- every MCP session's directory is gone once the client ended it, also when a call was still running;
- every message list is valid after every turn (each assistant tool call answered by a tool
  message, no orphan tool message: the check the stub server applies, `llm_stub.history_problem`);
- no thread is left behind beyond those alive before the test (workers of timed-out or stopped
  calls, the app's server, must end within 30 s);
- no live matplotlib figure; RSS grows by less than 150 MB after the first part, in a process tuned as the
  app's (tools/core/process_tuning.py);
- disk: each session's figures are capped at 2 MB (`max_artifacts_mb`), so the artifacts root
  holds less than 10 × (2 + 3) MB (3 MB for the files of a turn being written) and grows by less
  than 10 × 2 MB after the first part.
"""

from __future__ import annotations

import csv
import gc
import json
import logging
import os
import threading
import time
import warnings
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pytest
from llm_stub import HttpError, Reply, Runaway, ScriptItem, StubLLM, ToolCall, history_problem
from matplotlib.figure import Figure
from soak_mcp import McpLearner
from ui_server import running_app

from agent.cards import cards
from agent.context import Context
from agent.events import Event, FinalAnswer, TextDelta, ToolFinished, ToolStarted, TurnError
from agent.planner import plan
from agent.sensei import ConversationBusy, Sensei
from agent.settings import Settings
from tools import TOOL_FAMILIES
from tools.core.process_tuning import before_load, tune_for_serving

pytestmark = pytest.mark.slow

CAP_MB = 2.0  # each session's figure quota
TURN_FILES_MB = 3.0  # what one turn may write before its session's quota is enforced again
RSS_GROWTH_MB = 150.0
WARM_PASSES = 2  # the first part: every session's script, twice (models, caches, allocator arenas of every thread)
THREADS_END_WITHIN = 30.0

SENTENCES = [
    ("minilm", "Penguins swim in cold water."), ("gemma-270m", "猫は窓のそばで眠っています。"),
    ("minilm", "Volcanoes erupt with red lava."), ("gemma-270m", "Rivers carry sand to the delta."),
    ("minilm", "Bakers knead the dough at dawn."), ("gemma-270m", "図書館で静かに本を読みました。"),
    ("minilm", "Comets glow near the sun."), ("gemma-270m", "Lighthouses guide ships at night."),
]
ASKING_SESSIONS, TIMEOUT_SESSION, LLM_SESSIONS = 5, 5, (6, 7)  # sessions 0..4 share the actions
MCP_SENTENCES = [("minilm", "Owls hunt mice after dusk."), ("gemma-270m", "雨の日は家で映画を見ます。")]  # 8 and 9
MADE_UP = "gpt-3.5-turbo-0613-1"  # a model id an LLM invented

# (kind, question) for the offline learners, with a question for each tool registered since (every_action);
# each takes an overlapping window after its first heatmap, so the five of them cover every action.
# kind: "ask" must succeed, "stop" is stopped at its first tool call, "undo" is refused while it runs and then
# taken back and asked again, "bad:<what its error says>" must fail so.
ACTIONS = [
    ("ask", "a line chart of layer 2"),
    ("stop", "All heads of layer 1"),
    ("ask", "3D view of '{sentence}', first layer"),
    ("ask", "Give me the raw attention values of layer 1"),
    ("undo", "Extract the attention of '{sentence}'"),
    ("ask", "Show the attention rollout"),
    ("ask", "Show the norm-based attention of layer 3"),
    ("bad:empty", ""),
    ("ask", "Show a layer summary of the entropy"),
    ("ask", "What are the head roles?"),
    ("ask", "Compare the attention of '{sentence}' and '{sentence} Really.'"),
    ("bad:out of range", "Heatmap of layer 42"),
    ("ask", "Explain `torch.mean(outputs.attentions[-1], dim=1)[0]`"),
    ("ask", "Which models can I use?"),
    ("ask", "Show the attention during generation for '{sentence}'"),
    ("bad:no-such-model", "Show the heatmap of '{sentence}' with made-up-org/no-such-model-{index}"),
    ("ask", "Load {model}"),
    ("ask", "Show the heatmap of '{sentence}'"),
]


@cache
def every_action() -> list[tuple[str, str]]:
    """ACTIONS, and for each registered tool none of them asks for, the first English example of its card that the
    planner reads as a request for it with no sentence of its own: a tool added later joins the soak unasked."""
    model, sentence = SENTENCES[0]
    context = Context(text=sentence, model=model, tool="plot_heatmap")

    def asks_for(question: str) -> set[str]:
        planned = plan(question.format(sentence=sentence, model=model, index=0), context, session_text=sentence)
        return {call.name for call in planned.calls if call.arguments.get("text") in (None, sentence)}

    covered = set().union(*(asks_for(question) for _, question in ACTIONS))
    added = [next((("ask", q) for q in card.examples["en"] if name in asks_for(q)), None)
             for name, card in cards().items() if name in TOOL_FAMILIES and name not in covered]
    return ACTIONS + [action for action in added if action is not None]


def llm_actions(sentence: str, streaming: bool) -> list[tuple[str, str, list[ScriptItem]]]:
    """(kind, question, what the stub answers) for an LLM session: the LLM's calls, good and bad. A runaway answer
    is stopped at its first words only where it streams (the `tool_choice` quirk sends it down the plain path)."""

    def call(call_id: str, name: str, arguments: dict | str) -> ToolCall:
        return ToolCall(call_id, name, arguments if isinstance(arguments, str) else json.dumps(arguments))

    said = f"That was “{sentence}”."
    return [
        ("ask", "heatmap", [Reply(tool_calls=[call("h1", "plot_heatmap", {"text": sentence, "layer": 1})]),
                            Reply(text=said)]),
        ("ask", "three views", [Reply(style="no_index", tool_calls=[
            call("p1", "extract_attention", {"text": sentence}), call("p2", "plot_line", {"layer": 0}),
            call("p3", "plot_heads", {"layer": 1})]), Reply(text=said)]),
        ("bad:not valid JSON", "broken", [Reply(style="empty_then_full", tool_calls=[
            call("b1", "plot_heatmap", '{"text": "' + sentence[:6])]), Reply(text="Let me try again.")]),
        ("made up", "made up", [Reply(style="reuse_index", tool_calls=[
            call("m1", "load_model", {"model": MADE_UP})]), Reply(text="Not here.")]),
        ("stop", "stop", [Reply(style="whole", tool_calls=[call("s1", "attention_rollout", {"text": sentence}),
                                                          call("s2", "head_roles", {})])]),
        ("bad:out of range", "layer 42", [Reply(tool_calls=[call("l1", "plot_heatmap", {"layer": 42})]),
                                          Reply(text="Layer 42 does not exist.")]),
        ("bad:stub overloaded", "error", [HttpError(500, "stub overloaded")]),
        ("undo", "norms", [Reply(tool_calls=[call("n1", "attention_norms", {"text": sentence, "layer": 2})]),
                           Reply(text=said)]),
        *([("stop", "sing", [Runaway(interval=0.01, seconds=10)])] if streaming else []),
    ]


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def disk_mb(root: Path) -> float:
    total = 0
    for path in root.rglob("*"):
        try:
            total += path.stat().st_size if path.is_file() else 0
        except FileNotFoundError:  # pruned by its session's quota meanwhile
            pass
    return total / 2**20


@dataclass
class Learner:
    """One session's sensei and conversation, running its script of actions against its own sentence."""

    index: int
    model: str
    sentence: str
    root: Path
    stub: StubLLM | None = None
    turns: int = 0
    answers: list[str] = field(default_factory=list)  # every answer and tool result, for the cross-talk check
    seen: dict[str, int] = field(default_factory=dict)  # what happened: "ok:<tool>", "stopped", "timeout", ...

    def __post_init__(self) -> None:
        settings = {"model": self.model, "max_artifacts_mb": CAP_MB}
        if self.stub is not None:
            settings.update(backend="openai", base_url=self.stub.base_url, api_key="sk-soak", request_timeout=10.0)
        else:
            settings.update(backend="offline", tool_timeout=0.01 if self.index == TIMEOUT_SESSION else 300.0)
        self.sensei = Sensei(Settings(**settings))
        self.conversation = self.sensei.new_conversation(self.root / f"s{self.index}")
        if self.stub is not None:
            self.script = llm_actions(self.sentence, streaming="tool_choice" not in self.stub.quirks)
        else:
            actions = every_action()
            step = -(-len(actions) // ASKING_SESSIONS)
            window = [actions[(step * self.index + i) % len(actions)] for i in range(step + 3)]
            if self.index == TIMEOUT_SESSION:
                window = [("timeout", question) for _, question in ACTIONS[:6]]
            heatmap = "Show the heatmap of '{sentence}' with {model}"
            first = ("timeout" if self.index == TIMEOUT_SESSION else "ask", heatmap)
            self.script = [(kind, question, []) for kind, question in [first, *window]]

    def run(self, passes: int, stop_at: float, failures: list[str]) -> None:
        """Go through the script `passes` times, and on until `stop_at`; record the first failure and stop."""
        while self.turns < passes * len(self.script) or time.monotonic() < stop_at:
            kind, question, replies = self.script[self.turns % len(self.script)]
            question = question.format(sentence=self.sentence, model=self.model, index=self.index)
            try:
                problem = self._act(kind, question, replies)
            except Exception as error:  # noqa: BLE001 - a soak reports every failure with its session
                problem = f"raised {error!r}"
            problem = problem or history_problem(self.conversation.messages)
            if self.stub is not None:  # each request holds the whole history: kept, they grow as its square
                self.stub.requests.clear()
            self.turns += 1
            if kind == "timeout":
                time.sleep(0.5)  # a fast loop of calls given up at once would only burn the CPU the others need
            if problem:
                failures.append(f"session {self.index}, turn {self.turns} ({kind} {question!r}): {problem}")
                return

    def _act(self, kind: str, question: str, replies: list[ScriptItem]) -> str | None:
        if kind == "undo":
            return self._undo_and_retry(question, replies)
        if self.stub is not None:
            self.stub.add(*replies)
        cancel = threading.Event()
        stop_when = _stop_trigger(kind, self.stub is not None)
        events = self._turn(question, cancel, lambda event: stop_when(event) and cancel.set())
        if self.stub is not None and kind != "stop":
            self.stub.assert_script_used()
        return self._check(kind, events)

    def _turn(self, question: str, cancel: threading.Event, during: Callable[[Event], object] = bool) -> list[Event]:
        events = []
        for event in self.sensei.turn(self.conversation, question, cancel):
            events.append(event)
            during(event)
        return events

    def _undo_and_retry(self, question: str, replies: list[ScriptItem]) -> str | None:
        refused: list[bool] = []

        def undo_from_elsewhere() -> None:  # as the app's undo button would, from another thread
            try:
                self.sensei.undo(self.conversation)
            except ConversationBusy:
                refused.append(True)

        def undo_while_running(event: Event) -> None:
            if isinstance(event, ToolStarted) and not refused:
                other = threading.Thread(target=undo_from_elsewhere)
                other.start()
                other.join()

        for attempt in ("first", "retry"):
            if self.stub is not None:
                self.stub.add(*replies)
            events = self._turn(question, threading.Event(), undo_while_running if attempt == "first" else bool)
            problem = self._check("ask", events)
            if problem:
                return f"{attempt}: {problem}"
            if attempt == "first":
                if not refused:
                    return "an undo while the turn ran was not refused"
                taken_back = self.sensei.undo(self.conversation)
                if taken_back != question:
                    return f"undo took back {taken_back!r}, not {question!r}"
                self._saw("undone")
        return None

    def _check(self, kind: str, events: list[Event]) -> str | None:
        """Why these events are not what `kind` expects, or None; records what was seen and every text."""
        last = events[-1] if events else None
        finished = [event for event in events if isinstance(event, ToolFinished)]
        self.answers.extend(json.dumps(step.result, ensure_ascii=False) for step in finished)
        self.answers.append(last.text if isinstance(last, FinalAnswer) else getattr(last, "message", ""))
        problem = self._isolated(finished)
        if problem:
            return problem
        if kind == "stop":
            if isinstance(last, TurnError) and "stopped" in last.message:
                self._saw("stopped")
                return None
            return None if isinstance(last, FinalAnswer) else f"a stopped turn ended with {last!r}"
        if kind.startswith("bad:"):
            expected = kind.removeprefix("bad:")
            said = " ".join([f.error or "" for f in finished if not f.ok] + [getattr(last, "message", "")])
            if expected not in said:
                return f"expected an error saying {expected!r}, got {events[-3:]!r}"
            self._saw(kind)
            return None
        if kind == "made up":  # an id the LLM invented is never fetched: refused, or analysed by a named stand-in
            for step in finished:
                if step.ok and step.result.get("requested_model") != MADE_UP:
                    return f"the made-up {MADE_UP} loaded as if it existed: {step.result!r}"
                if not step.ok and MADE_UP not in (step.error or ""):
                    return f"the made-up {MADE_UP} failed without naming it: {step.error!r}"
            self._saw(kind)
            return None if finished and isinstance(last, FinalAnswer) else f"ended with {events[-3:]!r}"
        if kind == "timeout":
            if any(not f.ok and "did not finish within" not in (f.error or "") for f in finished):
                return f"a call failed other than by its timeout: {finished!r}"
            for step in finished:
                self._saw("timeout" if not step.ok else f"ok:{step.name}")
            return None if isinstance(last, FinalAnswer) else f"ended with {last!r}"
        if not isinstance(last, FinalAnswer) or not finished or not all(f.ok for f in finished):
            failed = [f"{f.name}: {f.error}" for f in finished if not f.ok]
            return f"expected a successful answer, got {failed or 'no tool call'}, ending with {last!r}"
        for step in finished:
            self._saw(f"ok:{step.name}")
        return None

    def _isolated(self, finished: list[ToolFinished]) -> str | None:
        """Why a result is not this session's own, or None: its text, its figures, the labels of its CSV."""
        for step in finished:
            text = step.result.get("text")
            if text is not None and text != self.sentence:
                return f"cross-talk: {step.name} analysed {text!r}"
            for path in step.artifacts.values():
                if Path(path).parent.name != f"s{self.index}":
                    return f"cross-talk: {step.name} wrote {path}"
            if step.name == "plot_heatmap" and "csv" in step.artifacts and Path(step.artifacts["csv"]).exists():
                with open(step.artifacts["csv"], encoding="utf-8") as handle:
                    header = next(csv.reader(handle))
                if header[1:] != step.result["tokens"]:
                    return f"CSV labels {header[1:]} differ from the tokens {step.result['tokens']}"
        return None

    def _saw(self, what: str) -> None:
        self.seen[what] = self.seen.get(what, 0) + 1


def _stop_trigger(kind: str, llm: bool) -> Callable[[Event], bool]:
    """When a "stop" action presses Stop: at the first tool call (an LLM's runaway answer: at its first words)."""
    if kind != "stop":
        return lambda event: False
    return lambda event: isinstance(event, ToolStarted) or (llm and isinstance(event, TextDelta))


def all_at_once(learners: list[Learner | McpLearner], passes: int, seconds: float, failures: list[str]) -> None:
    stop_at = time.monotonic() + seconds
    threads = [threading.Thread(target=learner.run, args=(passes, stop_at, failures), name=f"soak-{learner.index}")
               for learner in learners]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    gc.collect()


class Timeline:
    """RSS, artifacts on disk, live threads and turns, sampled every `every` seconds in a thread of its own."""

    def __init__(self, root: Path, learners: list[Learner | McpLearner], every: float) -> None:
        self.rows: list[tuple[float, float, float, int, int]] = []  # seconds, RSS MB, disk MB, threads, turns
        self._root, self._learners, self._every = root, learners, every
        self._started = time.monotonic()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, name="soak-timeline")
        self._thread.start()

    def _sample(self) -> None:
        while True:
            stopping = self._done.wait(self._every if self.rows else 0)
            self.rows.append((time.monotonic() - self._started, rss_mb(), disk_mb(self._root),
                              threading.active_count(), sum(learner.turns for learner in self._learners)))
            if stopping:
                return

    def stop(self) -> str:
        """End the sampling (its last sample is taken now) and return the timeline as a table."""
        self._done.set()
        self._thread.join()
        return "\n".join(["    s   RSS MB  disk MB  threads  turns"] + [
            f"{seconds:5.0f}  {rss:7.0f}  {disk:7.1f}  {threads:7d}  {turns:5d}"
            for seconds, rss, disk, threads, turns in self.rows])


# tqdm's monitor: one sleeping daemon per process, started by the first progress bar (transformers' "Loading
# weights"), and kept once any bar was dropped unclosed (a load stopped midway). Earlier tests in the same run
# usually started it before this test takes its snapshot; alone, this test would see it appear.
LIBRARY_THREADS = {"tqdm_monitor"}


def threads_left_behind(before: set[threading.Thread]) -> list[str]:
    """Threads started during the test still alive after THREADS_END_WITHIN seconds."""
    deadline = time.monotonic() + THREADS_END_WITHIN
    while (left := [t for t in threading.enumerate() if t not in before and t.name not in LIBRARY_THREADS]) \
            and time.monotonic() < deadline:
        time.sleep(0.2)
    return [thread.name for thread in left]


def left_within(directory: Path, seconds: float) -> list[Path]:
    """What is still in `directory` after waiting up to `seconds` for it to empty."""
    deadline = time.monotonic() + seconds
    while (left := sorted(directory.iterdir()) if directory.is_dir() else []) and time.monotonic() < deadline:
        time.sleep(0.2)
    return left


def live_figures() -> int:
    """Figures still reachable. Ours are plain `Figure` objects (no pyplot registry), freed with their reference
    cycles only when the collector runs, so garbage not yet collected is collected first, or it reads as a leak."""
    gc.collect()
    with warnings.catch_warnings():  # walking every object touches deprecated torch module attributes
        warnings.simplefilter("ignore")
        return sum(isinstance(thing, Figure) for thing in gc.get_objects())


def texts_of(learner: Learner | McpLearner) -> list[str]:
    """Everything a learner was shown or sent: answers, tool results and, for a conversation, its messages."""
    messages = learner.conversation.messages if isinstance(learner, Learner) else []
    return learner.answers + [json.dumps(m, ensure_ascii=False) for m in messages]


def test_ten_sessions_mixing_everything_stay_isolated_valid_and_flat(tmp_path, caplog):
    # Measured as the app runs: its entry point tunes the process (glibc hands large blocks back, one torch thread
    # per pass). It stays so for the rest of this test process, as it would in the app;
    # tests/test_process_tuning.py looks at fresh processes.
    tune_for_serving()
    before_load()
    seconds = float(os.environ.get("SOAK_SECONDS", "20"))
    threads_before = set(threading.enumerate())
    stubs = {index: StubLLM([], quirks=("null_content", "invalid_arguments") + (("tool_choice",) if index == 7 else ()))
             for index in LLM_SESSIONS}
    learners: list[Learner | McpLearner] = []
    with ExitStack() as resources:
        for stub in stubs.values():
            resources.enter_context(stub)
        url = resources.enter_context(running_app(tmp_path / "app", mcp=True, max_artifacts_mb=CAP_MB))
        learners = [Learner(i, model, sentence, tmp_path, stubs.get(i))
                    for i, (model, sentence) in enumerate(SENTENCES)]
        for learner in learners:
            if learner.stub is not None:  # the openai client's keep-alive connections hold the stub's threads
                resources.callback(lambda learner=learner: learner.sensei.client.close())
        learners += [McpLearner(i, model, sentence, url, MADE_UP)
                     for i, (model, sentence) in enumerate(MCP_SENTENCES, start=len(SENTENCES))]
        timeline = Timeline(tmp_path, learners, every=max(5.0, seconds / 20))
        resources.callback(timeline.stop)
        failures: list[str] = []
        all_at_once(learners, WARM_PASSES, 0, failures)  # the first part
        rss_before, disk_before, turns_before = rss_mb(), disk_mb(tmp_path), sum(lr.turns for lr in learners)
        all_at_once(learners, WARM_PASSES + 1, seconds, failures)  # measured: one more pass at least, `seconds` in all
        rss_after, disk_after = rss_mb(), disk_mb(tmp_path)
        mcp_left = left_within(tmp_path / "app" / "mcp", THREADS_END_WITHIN)  # every MCP session was ended
        print(f"\n{timeline.stop()}")
    measured = sum(learner.turns for learner in learners) - turns_before
    seen: dict[str, int] = {}
    for learner in learners:
        for what, count in learner.seen.items():
            seen[what] = seen.get(what, 0) + count
    print(f"{measured} turns measured; RSS {rss_before:.0f} → {rss_after:.0f} MB; artifacts {disk_before:.1f} → "
          f"{disk_after:.1f} MB; seen {dict(sorted(seen.items()))}")
    assert failures == [], "\n".join(failures)
    bugs = [record.getMessage() + "\n" + (record.exc_text or "") for record in caplog.records
            if record.levelno >= logging.ERROR]
    assert bugs == [], "internal errors were logged:\n" + "\n".join(bugs)
    assert {f"ok:{name}" for name in TOOL_FAMILIES} <= set(seen), "some tool never ran"
    for expected in ("stopped", "undone", "timeout", "bad:empty", "bad:out of range", "bad:no-such-model",
                     "bad:not valid JSON", "made up", "mcp ok:plot_heatmap", "mcp stopped", "mcp made up",
                     "mcp bad:no text has been analysed yet"):
        assert seen.get(expected), f"the soak never saw {expected}"
    assert mcp_left == [], f"MCP sessions left their figures behind: {mcp_left}"
    for learner in learners:
        others = [other.sentence for other in learners if other is not learner]
        leaked = {sentence for sentence in others for text in texts_of(learner) if sentence in text}
        assert not leaked, f"session {learner.index} shows other sessions' sentences {leaked}"
        if isinstance(learner, Learner):
            assert history_problem(learner.conversation.messages) is None
    directories = [learner.directories for learner in learners if isinstance(learner, McpLearner)]
    assert not set.intersection(*directories), "two MCP agents shared a directory"
    assert threads_left_behind(threads_before) == []
    assert live_figures() == 0, "figures are leaking"
    assert rss_after - rss_before < RSS_GROWTH_MB, f"RSS grew by {rss_after - rss_before:.0f} MB over {measured} turns"
    assert disk_after < len(learners) * (CAP_MB + TURN_FILES_MB), f"the artifacts root holds {disk_after:.1f} MB"
    grown = disk_after - disk_before
    assert grown < len(learners) * CAP_MB, f"the artifacts root grew by {grown:.1f} MB"
