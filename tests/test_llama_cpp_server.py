"""A real chat model behind a real OpenAI-compatible server drives the agent: llama-cpp-python's server runs
SmolLM2-135M-Instruct from the GGUF that smollm2-135m is converted from, with the chat template that GGUF
carries (no --chat_format: the server reads it from the file), and the sensei asks it a few questions.

Skipped unless `llama_cpp.server` can be imported: llama-cpp-python[server] compiles llama.cpp (~30 min on
two cores), so `make setup` does not install it. To run it: `pip install 'llama-cpp-python[server]'`.

A 135M model seldom calls tools well, so the test asks only what every server must give: each turn ends
in a clear answer or a clear message, in bounded time, never with a crash or a hang.
"""

from __future__ import annotations

import importlib.util
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.events import Event, FinalAnswer, TurnError
from agent.sensei import Sensei
from agent.settings import Settings
from tools.core.gguf_cache import GGUF_MODELS, gguf_folder

SERVER_MISSING = ("llama-cpp-python[server] is not installed: it compiles llama.cpp for ~30 min, so `make setup` "
                  "leaves it out; `pip install 'llama-cpp-python[server]'` to run this test")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(importlib.util.find_spec("llama_cpp") is None
                       or importlib.util.find_spec("llama_cpp.server") is None, reason=SERVER_MISSING),
]

STARTUP_SECONDS = 180
TURN_SECONDS = 240  # max_rounds tool rounds of a small model on two cores, each bounded by llm_max_seconds
QUESTIONS = [
    "What is attention in a transformer?",
    "Show the heatmap of 'The cat sat on the mat.'",
    "Which models can I use?",
    "「今日はカレーライスを食べました。」のアテンションを見せて",
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """llama_cpp.server on SmolLM2's GGUF, at a free local port; its base URL, until the module's tests end."""
    gguf = GGUF_MODELS["smollm2-135m"]
    model_path = gguf_folder(gguf, Path("unused: the package ships the file")) / gguf.file_name
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", str(model_path), "--host", "127.0.0.1",
         "--port", str(port), "--n_ctx", "8192", "--model_alias", "smollm2-135m"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    base_url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            if process.poll() is not None:
                pytest.fail(f"llama_cpp.server exited with {process.returncode}: {process.stderr.read()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{base_url}/models", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"llama_cpp.server did not answer within {STARTUP_SECONDS} s")
                time.sleep(0.5)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def run_turn(sensei: Sensei, conversation, question: str) -> list[Event]:
    """One turn, in a thread so that a hang fails the test instead of stalling it; Stop if it runs over."""
    events: list[Event] = []
    failure: list[BaseException] = []
    stop = threading.Event()

    def consume() -> None:
        try:
            events.extend(sensei.turn(conversation, question, cancel=stop))
        except BaseException as error:  # a crash is reported by the test, with the question that caused it
            failure.append(error)

    worker = threading.Thread(target=consume, daemon=True)
    worker.start()
    worker.join(TURN_SECONDS)
    if worker.is_alive():
        stop.set()
        worker.join(30)
        pytest.fail(f"{question!r}: the turn did not end within {TURN_SECONDS} s")
    if failure:
        raise AssertionError(f"{question!r}: the turn crashed") from failure[0]
    return events


def test_every_turn_against_a_real_small_chat_model_ends_clearly(server: str, tmp_path: Path):
    settings = Settings(backend="openai", base_url=server, api_key="sk-local", llm_model="smollm2-135m",
                        llm_max_tokens=256, llm_max_seconds=90.0, request_timeout=90.0, max_rounds=3,
                        artifacts_dir=tmp_path)
    sensei = Sensei(settings)
    conversation = sensei.new_conversation(tmp_path)
    for question in QUESTIONS:
        events = run_turn(sensei, conversation, question)
        assert events, question
        last = events[-1]
        assert isinstance(last, FinalAnswer | TurnError), (question, last)
        said = last.text if isinstance(last, FinalAnswer) else last.message
        assert said.strip(), (question, last)  # an answer, or a message a learner can act on
        assert not isinstance(last, TurnError) or "Traceback" not in said, (question, said)
