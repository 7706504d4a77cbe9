"""`attention-sensei chat`: piped questions in-process; the interactive terminal (readline, Ctrl-C, Ctrl-D) in a pty."""

from __future__ import annotations

import fcntl
import io
import json
import os
import pty
import select
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from attention_sensei.cli import main

ROOT = Path(__file__).resolve().parent.parent
QUIET_SECONDS = 0.3


def chat(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], lines: str, *args: str
         ) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(lines))  # not a terminal: one question per line
    code = main(["chat", "--backend", "offline", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_piped_questions_are_answered_in_one_conversation_until_quit(tmp_path: Path, monkeypatch, capsys):
    saved = tmp_path / "lesson.json"
    lines = "Show the heatmap of 'I love tea'\n\nShow the heatmap of 'Cats sleep a lot'\n/quit\nShow the heatmap\n"
    code, out, err = chat(monkeypatch, capsys, lines, "--session", str(saved), "--out", str(tmp_path / "figures"))
    assert code == 0, err
    assert [line for line in out.splitlines() if line.startswith("you> ")] == [
        "you> Show the heatmap of 'I love tea'", "you> Show the heatmap of 'Cats sleep a lot'", "you> /quit"]
    assert "“I love tea”" in out and "“Cats sleep a lot”" in out  # both answers streamed to stdout
    assert err.count("→ plot_heatmap") == 2 and f"wrote {tmp_path / 'figures'}" in err
    data = json.loads(saved.read_text(encoding="utf-8"))  # saved after each turn; nothing after /quit
    assert [m["content"] for m in data["messages"] if m["role"] == "user"] == [
        "Show the heatmap of 'I love tea'", "Show the heatmap of 'Cats sleep a lot'"]


def test_commands_need_no_model_and_reset_starts_afresh(tmp_path: Path, monkeypatch, capsys):
    saved = tmp_path / "lesson.json"
    messages = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]
    saved.write_text(json.dumps({"format": "attention-sensei-conversation", "version": 1, "model": "minilm",
                                 "messages": messages, "context": {"text": "I love tea"}}), encoding="utf-8")
    code, out, err = chat(monkeypatch, capsys, "/help\n/frobnicate\n/reset\n", "--session", str(saved))
    assert code == 0  # the end of input ends the chat
    assert f"1 earlier question from {saved}" in err
    assert "/reset" in out and "/quit" in out  # the help
    assert "unknown command /frobnicate; the commands are /help, /reset and /quit" in err
    data = json.loads(saved.read_text(encoding="utf-8"))
    assert data["messages"] == [] and data["context"] == {}


def test_a_foreign_session_file_is_refused_before_the_chat_starts(tmp_path: Path, monkeypatch, capsys):
    saved = tmp_path / "notes.json"
    saved.write_text('{"todo": []}', encoding="utf-8")
    code, out, err = chat(monkeypatch, capsys, "Show the heatmap of 'I love tea'\n", "--session", str(saved))
    assert code == 2 and out == "" and "new file name" in err
    assert saved.read_text(encoding="utf-8") == '{"todo": []}'


def _controlling_terminal() -> None:
    """In the child, after setsid: make the pty (its stdin) the controlling terminal, so Ctrl-C sends SIGINT."""
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class Terminal:
    """`attention-sensei chat` on a pseudo-terminal, so input() uses readline as it does for a person."""

    def __init__(self, cache: Path, out: Path) -> None:
        self.master, slave = pty.openpty()
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "ATTENTION_SENSEI_CACHE": str(cache), "TERM": "xterm"}
        self.process = subprocess.Popen([sys.executable, "-m", "attention_sensei", "chat", "--backend", "offline",
                                         "--out", str(out)], stdin=slave, stdout=slave, stderr=slave, cwd=ROOT,
                                        env=env, start_new_session=True, preexec_fn=_controlling_terminal)
        os.close(slave)
        self.seen = ""

    def expect(self, text: str, timeout: float = 120.0) -> None:
        """Read until `text` has appeared after what the previous expect consumed."""
        deadline = time.monotonic() + timeout
        while text not in self.seen:
            ready, _, _ = select.select([self.master], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                raise AssertionError(f"waited {timeout:.0f} s for {text!r}; the terminal shows:\n{self.seen}")
            try:
                chunk = os.read(self.master, 4096).decode("utf-8", "replace")
            except OSError:  # the process closed the terminal
                chunk = ""
            if not chunk:
                raise AssertionError(f"the chat ended before {text!r}; the terminal shows:\n{self.seen}")
            self.seen += chunk
        self.seen = self.seen[self.seen.index(text) + len(text):]

    def send(self, text: str, settle: bool = True) -> None:
        """Type `text`, by default once the terminal has been quiet for a moment, as a person would.

        readline takes a key pressed while it redraws the line, but a Ctrl-C that lands mid-redraw
        is only noticed at the next key (CPython checks signals when its wait for a key is
        interrupted): a person never presses that fast, and on a loaded machine a test could.
        """
        while settle and select.select([self.master], [], [], QUIET_SECONDS)[0]:
            try:
                self.seen += os.read(self.master, 4096).decode("utf-8", "replace")
            except OSError:
                break
        os.write(self.master, text.encode())

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        os.close(self.master)


def test_the_terminal_chat_stops_a_turn_on_ctrl_c_and_leaves_on_ctrl_d(tmp_path: Path):
    """As a person types: a question, Ctrl-C while it runs, a half-typed line dropped, Ctrl-D to leave."""
    terminal = Terminal(tmp_path / "cache", tmp_path / "figures")
    try:
        terminal.expect("you> ")
        terminal.send("Show the heatmap of 'I love tea'\r")
        terminal.expect("→ plot_heatmap")  # the tool runs: minilm is loading in this fresh process
        terminal.send("\x03", settle=False)  # Ctrl-C while the tool runs
        terminal.expect("(stopped)")
        terminal.expect("you> ")  # back at the prompt, the chat goes on
        terminal.send("half a question")
        terminal.expect("half a question")
        terminal.send("\x03")  # Ctrl-C on a half-typed line drops the line, not the chat
        terminal.expect("you> ")
        terminal.send("\x04")  # Ctrl-D at an empty prompt
        assert terminal.process.wait(timeout=60) == 0
    finally:
        terminal.close()
    history = (tmp_path / "cache" / "chat_history").read_text(encoding="utf-8")
    assert "Show the heatmap of 'I love tea'" in history  # the up arrow finds it next time
    assert "half a question" not in history


def test_the_up_arrow_recalls_an_earlier_chats_question_and_ctrl_c_at_the_prompt_leaves(tmp_path: Path):
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / "chat_history").write_text("Show the heatmap of 'from last time'\n", encoding="utf-8")
    terminal = Terminal(tmp_path / "cache", tmp_path / "figures")
    try:
        terminal.expect("you> ")
        terminal.send("\x1b[A")  # the up arrow
        terminal.expect("'from last time'")
        terminal.send("\x03")  # drops the recalled line
        terminal.expect("you> ")
        terminal.send("\x03")  # Ctrl-C at an empty prompt
        assert terminal.process.wait(timeout=60) == 0
    finally:
        terminal.close()
    assert not (tmp_path / "figures").exists()  # nothing was asked
