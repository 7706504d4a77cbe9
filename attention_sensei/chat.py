"""`attention-sensei chat`: a conversation with the sensei in the terminal.

    you> Show the heatmap of 'I love tea'     the answer streams; tool steps and figure paths follow
    you> now layer 0                          a follow-up reads against the conversation so far

Arrow keys recall earlier questions (readline; the history lives in the cache directory). Ctrl-C
during an answer stops that answer and returns to the prompt; Ctrl-C or Ctrl-D at the prompt ends
the chat. When stdin is not a terminal, each line is one question (so questions can be piped in).
With `--session FILE` the conversation is continued from FILE and saved to it after every turn.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import traceback
from pathlib import Path

from agent.sensei import Conversation, Sensei
from attention_sensei.ask import REFUSED, print_event, settings_from_args, start_conversation, turn_record
from attention_sensei.conversation_file import ConversationFileError, save_conversation

__all__ = ["chat", "HELP"]

PROMPT = "you> "
HISTORY_FILE = "chat_history"
HISTORY_LENGTH = 1000
HELP = """Ask about Transformer attention, in English or Japanese, e.g.
  Show the heatmap of 'I love natural language processing!'
  「今日はカレーライスを食べました。」の最終層のAttentionをヒートマップで見せて
  now layer 0
Commands:
  /help   this text
  /reset  start a new conversation (the sentence, model and choices are forgotten)
  /quit   end the chat (Ctrl-D or Ctrl-C at the prompt do the same)
Ctrl-C while an answer is running stops that answer."""


def chat(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    sensei = Sensei(settings)
    try:
        conversation = start_conversation(sensei, args)
    except ConversationFileError as error:
        print(f"error: {error}", file=sys.stderr)
        return REFUSED
    interactive = sys.stdin.isatty()
    if interactive:  # Ctrl-C stops a turn even when we were started with it ignored (a shell's `... &` does that)
        signal.signal(signal.SIGINT, signal.default_int_handler)
    history = _start_history(settings.cache_dir / HISTORY_FILE) if interactive else None
    print(f"({sensei.describe()}{_resumed(conversation, args.session)}; /help for help, /quit to leave)",
          file=sys.stderr)
    try:
        while (line := _read_question(interactive)) is not None:
            question = line.strip()
            if question.split(maxsplit=1)[:1] in (["/quit"], ["/exit"]):
                break
            if question.startswith("/"):
                conversation, changed = _command(question, sensei, conversation, args.out)
            elif question:
                _answer(sensei, conversation, question)
                changed = True
            else:
                changed = False
            if changed and args.session and not _saved(args.session, conversation):
                return 1
        return 0
    finally:
        if history is not None:
            _save_history(history)


def _command(command: str, sensei: Sensei, conversation: Conversation, out: Path | None
             ) -> tuple[Conversation, bool]:
    """Run /reset or /help; the conversation to go on with, and whether it changed."""
    name = command.split()[0].lower()
    if name == "/reset":
        print("(a new conversation)", file=sys.stderr)
        conversation = sensei.new_conversation(out)
        conversation.tools.downloads = sensei.settings.downloads()
        return conversation, True
    if name == "/help":
        print(HELP)
    else:
        print(f"unknown command {name}; the commands are /help, /reset and /quit", file=sys.stderr)
    return conversation, False


def _read_question(interactive: bool) -> str | None:
    """The next line, or None when the learner leaves: end of input, or Ctrl-C/Ctrl-D at an empty prompt."""
    if not interactive:
        try:
            line = sys.stdin.readline()
        except KeyboardInterrupt:
            return None
        if line.strip():
            print(f"{PROMPT}{line.strip()}", flush=True)  # a piped chat reads as a transcript
        return line if line else None
    while True:
        try:
            return input(PROMPT)
        except EOFError:
            print(file=sys.stderr)  # leave the shell's prompt on a line of its own
            return None
        except KeyboardInterrupt:
            print(file=sys.stderr)
            if not _typed_so_far():  # Ctrl-C on a half-typed question drops it, as in a shell
                return None


def _typed_so_far() -> str:
    try:
        import readline
    except ImportError:
        return ""
    return readline.get_line_buffer()


def _answer(sensei: Sensei, conversation: Conversation, question: str) -> None:
    """One turn, printed as it streams; Ctrl-C stops it and the conversation stays usable."""
    try:
        turn_record(sensei, conversation, question, on_event=print_event)
    except KeyboardInterrupt:
        sensei.stop(conversation)  # a tool still running in its worker thread finishes unseen
        print("\n(stopped)", file=sys.stderr, flush=True)
    except Exception:  # our bug: say so with the traceback, and keep the learner's chat alive (like the runner)
        traceback.print_exc()
        print("(internal error: this is a bug in attention-sensei; the question above was not answered)",
              file=sys.stderr, flush=True)


def _saved(path: Path, conversation: Conversation) -> bool:
    try:
        save_conversation(path, conversation)
    except ConversationFileError as error:
        print(f"error: {error}", file=sys.stderr)
        return False
    return True


def _resumed(conversation: Conversation, path: Path | None) -> str:
    questions = sum(1 for message in conversation.messages if message["role"] == "user")
    if not questions:
        return ""
    return f", {questions} earlier question{'s' if questions != 1 else ''} from {path}"


def _start_history(path: Path) -> Path | None:
    """Arrow-key history from earlier chats; None where readline is missing (e.g. some Windows Pythons)."""
    try:
        import readline
    except ImportError:
        return None
    readline.set_history_length(HISTORY_LENGTH)
    try:
        readline.read_history_file(path)
    except OSError:  # no history yet, or an unreadable one: start afresh
        pass
    return path


def _save_history(path: Path) -> None:
    import readline

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        readline.write_history_file(path)
        os.chmod(path, 0o600)  # the questions are the learner's own
    except OSError as error:
        print(f"(the question history could not be saved to {path}: {error.strerror or error})", file=sys.stderr)

