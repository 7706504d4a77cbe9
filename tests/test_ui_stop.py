"""Stop cancels a running turn and the conversation stays usable (with an LLM that hangs)."""

from __future__ import annotations

import time

from gradio_client import Client
from llm_stub import Hang, Reply, StubLLM, ToolCall
from ui_server import message_text, running_app


def test_stop_then_ask_again(tmp_path):
    script = [Reply(tool_calls=[ToolCall("c1", "list_models", "{}")]), Hang(20), Reply(text="Back again.")]
    with StubLLM(script) as stub, running_app(tmp_path, backend="openai", base_url=stub.base_url,
                                              api_key="sk-stop-test", request_timeout=10.0) as url:
        client = Client(url, verbose=False)
        job = client.submit("Which models are there?", "en", api_name="/ask")
        deadline = time.time() + 30
        while len(stub.requests) < 2 and time.time() < deadline:  # the tool ran; the second request hangs
            time.sleep(0.05)
        client.predict(api_name="/stop")
        job.cancel()
        history, _ = client.predict("Are you still there?", "en", api_name="/ask")
        stub.assert_script_used()
    users = [message_text(m) for m in history if m["role"] == "user"]
    assert users == ["Which models are there?", "Are you still there?"]
    assert message_text(history[-1]) == "Back again."
    steps = [(m.get("metadata") or {}).get("title") for m in history if (m.get("metadata") or {}).get("title")]
    assert steps == ["🔧 list_models ✓"]
    third = stub.requests[2]["body"]["messages"]
    asked = [c["id"] for m in third if m["role"] == "assistant" for c in m.get("tool_calls") or []]
    assert asked == [m["tool_call_id"] for m in third if m["role"] == "tool"]  # the history stayed valid
