"""Stop cancels a running turn and the conversation stays usable (with an LLM that hangs)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from gradio_client import Client
from llm_stub import Hang, Reply, StubLLM, ToolCall
from ui_server import message_text, running_app


@contextmanager
def hanging_turn(tmp_path: Path, after: str) -> Iterator[tuple[Client, StubLLM, Any]]:
    """The app on a stub LLM, a question whose tool ran and whose next request hangs; `after` answers the next one."""
    script = [Reply(tool_calls=[ToolCall("c1", "list_models", "{}")]), Hang(20), Reply(text=after)]
    with StubLLM(script) as stub, running_app(tmp_path, backend="openai", base_url=stub.base_url,
                                              api_key="sk-stop-test", request_timeout=10.0) as url:
        client = Client(url, verbose=False)
        job = client.submit("Which models are there?", "en", api_name="/ask")
        deadline = time.time() + 30
        while len(stub.requests) < 2 and time.time() < deadline:
            time.sleep(0.05)
        yield client, stub, job
        stub.assert_script_used()


def test_stop_then_ask_again(tmp_path):
    with hanging_turn(tmp_path, "Back again.") as (client, stub, job):
        client.predict(api_name="/stop")
        job.cancel()
        history, _ = client.predict("Are you still there?", "en", api_name="/ask")
    users = [message_text(m) for m in history if m["role"] == "user"]
    assert users == ["Which models are there?", "Are you still there?"]
    assert message_text(history[-1]) == "Back again."
    steps = [(m.get("metadata") or {}).get("title") for m in history if (m.get("metadata") or {}).get("title")]
    assert steps == ["🔧 list_models ✓"]
    third = stub.requests[2]["body"]["messages"]
    asked = [c["id"] for m in third if m["role"] == "assistant" for c in m.get("tool_calls") or []]
    assert asked == [m["tool_call_id"] for m in third if m["role"] == "tool"]  # the history stayed valid


def test_undo_is_refused_mid_turn_and_takes_the_question_back_after_stop(tmp_path):
    with hanging_turn(tmp_path, "Fresh start.") as (client, stub, job):
        refused = client.predict("en", api_name="/undo")  # nothing is cut under the running turn
        assert [message_text(m) for m in refused if m["role"] == "user"] == ["Which models are there?"]
        client.predict(api_name="/stop")
        job.cancel()
        undone, deadline = refused, time.time() + 10
        while undone and time.time() < deadline:  # refused again until the stopped turn has wound down
            undone = client.predict("en", api_name="/undo")
            time.sleep(0.05)
        assert undone == []
        history, _ = client.predict("Hello?", "en", api_name="/ask")
    assert message_text(history[-1]) == "Fresh start."
    assert stub.requests[2]["body"]["messages"][1:] == [{"role": "user", "content": "Hello?"}]
