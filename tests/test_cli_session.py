"""`attention-sensei ask --session FILE`: a conversation continued across processes, saved safely, keyless.

In-process (`main([...])`), so the models load once per test run; every turn builds a new Sensei
from the file, as a new process would.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from llm_stub import Reply, StubLLM, ToolCall

from agent.sensei import SAVED_FORMAT, ConversationFormatError, Sensei
from agent.settings import Settings
from attention_sensei.cli import main

SENTENCE = "I love green tea"


def ask(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict, str]:
    """Run `ask ... --json`; the exit code, the one JSON object on stdout, and stderr."""
    code = main(["ask", *args, "--json"])
    out, err = capsys.readouterr()
    return code, json.loads(out), err


def test_a_follow_up_in_a_new_process_analyses_the_first_turns_sentence(tmp_path: Path, capsys):
    saved = tmp_path / "lesson.json"
    code = main(["ask", f"Show the heatmap of '{SENTENCE}'", "--session", str(saved), "--backend", "offline",
                 "--out", str(tmp_path / "figures")])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "wrote " in err and SENTENCE in out
    data = json.loads(saved.read_text(encoding="utf-8"))
    assert data["format"] == SAVED_FORMAT and data["version"] == 1 and data["model"] == "minilm"
    assert [m["role"] for m in data["messages"]] == ["user", "assistant"]

    code, record, _ = ask(capsys, "Show the heatmap", "--session", str(saved), "--backend", "offline",
                          "--out", str(tmp_path / "figures"))
    assert code == 0 and "error" not in record
    assert [step["tool"] for step in record["steps"]] == ["plot_heatmap"]
    assert record["steps"][0]["ok"] and record["steps"][0]["result"]["text"] == SENTENCE
    data = json.loads(saved.read_text(encoding="utf-8"))
    assert [m["role"] for m in data["messages"]] == ["user", "assistant"] * 2
    assert data["messages"][2]["content"] == "Show the heatmap"


def test_a_missing_file_is_created_and_no_temporary_file_is_left(tmp_path: Path, capsys):
    saved = tmp_path / "new" / "dir" / "lesson.json"
    code, record, _ = ask(capsys, "Show the heatmap of 'I love tea'", "--session", str(saved),
                          "--backend", "offline", "--out", str(tmp_path / "figures"))
    assert code == 0, record
    assert json.loads(saved.read_text(encoding="utf-8"))["format"] == SAVED_FORMAT
    assert os.listdir(saved.parent) == ["lesson.json"]
    assert saved.stat().st_mode & 0o077 == 0  # the learner's questions: readable by their owner only


FOREIGN = [
    pytest.param(b"", "it is not JSON", id="empty"),
    pytest.param(b"{not json", "it is not JSON", id="not-json"),
    pytest.param(b"\xff\xfe\x00binary", "not UTF-8", id="binary"),
    pytest.param(b"[1, 2, 3]", "expected a JSON object", id="a-list"),
    pytest.param(b'{"name": "my notes", "items": []}', "expected format 'attention-sensei-conversation'",
                 id="someone-elses-json"),
    pytest.param(json.dumps({"format": SAVED_FORMAT, "version": 2, "messages": [], "context": {},
                             "model": "minilm"}).encode(), "expected version 1, not 2", id="a-newer-version"),
    pytest.param(json.dumps({"format": SAVED_FORMAT, "version": 1, "messages": [{"role": "robot", "content": "x"}],
                             "context": {}, "model": "minilm"}).encode(), "message 1 is not a chat message",
                 id="a-bad-message"),
    pytest.param(json.dumps({"format": SAVED_FORMAT, "version": 1, "messages": [], "context": [],
                             "model": "minilm"}).encode(), "expected context to be an object", id="a-bad-context"),
]


@pytest.mark.parametrize(("content", "message"), FOREIGN)
def test_a_file_that_is_not_our_conversation_is_refused_and_left_byte_identical(tmp_path: Path, capsys,
                                                                                content: bytes, message: str):
    saved = tmp_path / "notes.json"
    saved.write_bytes(content)
    before = saved.stat()
    code = main(["ask", "Show the heatmap of 'I love tea'", "--session", str(saved), "--backend", "offline",
                 "--out", str(tmp_path)])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err.startswith(f"error: {saved}") and message in err
    assert "left unchanged" in err and "new file name" in err  # what is wrong, and how to fix it
    assert "Traceback" not in err
    assert saved.read_bytes() == content and saved.stat().st_mtime_ns == before.st_mtime_ns
    assert os.listdir(tmp_path) == ["notes.json"]  # no figure: the question was not run


def test_a_refusal_with_json_is_one_object_and_exit_2(tmp_path: Path, capsys):
    saved = tmp_path / "notes.json"
    saved.write_text("{not json", encoding="utf-8")
    code, record, _ = ask(capsys, "Show the heatmap", "--session", str(saved), "--backend", "offline")
    assert code == 2 and "is not JSON" in record["error"] and record["steps"] == []
    assert saved.read_text(encoding="utf-8") == "{not json"


def test_a_directory_is_refused(tmp_path: Path, capsys):
    code = main(["ask", "Show the heatmap", "--session", str(tmp_path), "--backend", "offline"])
    assert code == 2 and "cannot read" in capsys.readouterr().err


def test_the_saved_file_never_holds_the_api_key(tmp_path: Path, capsys, monkeypatch):
    key = "sk-test-DoNotSaveMe-0123456789"
    monkeypatch.setenv("OPENAI_API_KEY", key)
    saved = tmp_path / "lesson.json"
    script = [Reply(tool_calls=[ToolCall("call_1", "list_models", "{}")]), Reply(text="Two models are here.")]
    with StubLLM(script) as stub:
        code, record, _ = ask(capsys, "Which models can I use?", "--session", str(saved), "--backend", "openai",
                              "--base-url", stub.base_url, "--llm-model", "stub-model")
        stub.assert_script_used()
    assert code == 0 and record["answer"] == "Two models are here."
    text = saved.read_text(encoding="utf-8")
    assert key not in text and "DoNotSaveMe" not in text and "api_key" not in text
    roles = [m["role"] for m in json.loads(text)["messages"]]
    assert roles == ["user", "assistant", "tool", "assistant"]  # the tool protocol is kept for the next turn


def test_restore_round_trips_and_refuses_what_to_json_never_writes(tmp_path: Path):
    sensei = Sensei(Settings(backend="offline", api_key="sk-test-secret-key-000"))
    conversation = sensei.new_conversation(tmp_path)
    conversation.messages += [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]
    conversation.context["text"] = "I love tea"
    conversation.tools.model_name = "gemma-270m"
    data = json.loads(json.dumps(conversation.to_json()))
    assert "sk-test" not in json.dumps(data)
    restored = sensei.restore(data, tmp_path)
    assert restored.to_json() == conversation.to_json()
    assert restored.messages is not conversation.messages  # nothing shared with the data it came from
    with pytest.raises(ConversationFormatError, match="expected model to be a model name"):
        sensei.restore({**data, "model": ""})
