"""`attention-sensei ask`: one sensei turn, headless, as streaming text or one JSON object.

With `--session FILE` the turn continues the conversation saved in FILE and writes it back.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable
from typing import Any

from agent.events import FinalAnswer, TextDelta, ToolFinished, ToolProgress, ToolStarted, TurnError
from agent.sensei import Conversation, Sensei
from agent.settings import Settings
from attention_sensei.conversation_file import ConversationFileError, open_conversation, save_conversation
from attention_sensei.devices import device_settings

__all__ = ["ask", "settings_from_args", "start_conversation", "turn_record", "print_event", "REFUSED"]

REFUSED = 2  # the exit code when a --session file cannot be continued


def settings_from_args(args: argparse.Namespace) -> Settings:
    return Settings.from_env(
        backend=args.backend,
        base_url=args.base_url,
        llm_model=args.llm_model,
        max_rounds=args.max_rounds,
        request_timeout=args.timeout,
        llm_max_tokens=args.llm_max_tokens,
        llm_max_seconds=args.llm_max_seconds,
        model=getattr(args, "model", None),
        artifacts_dir=getattr(args, "out", None),
        allow_downloads=getattr(args, "allow_downloads", False) or None,
        strict_models=getattr(args, "strict_models", False) or None,
        **device_settings(args),
    )


def start_conversation(sensei: Sensei, args: argparse.Namespace) -> Conversation:
    """A new conversation, or the one saved in --session; --model beats the model a saved one ended with.

    Raises:
        ConversationFileError: the --session file cannot be continued.
    """
    conversation = open_conversation(sensei, args.session, args.out) if args.session \
        else sensei.new_conversation()
    conversation.tools.downloads = sensei.settings.downloads()
    if args.model:
        conversation.tools.model_name = args.model
    return conversation


def ask(args: argparse.Namespace) -> int:
    sensei = Sensei(settings_from_args(args))
    try:
        conversation = start_conversation(sensei, args)
    except ConversationFileError as error:
        _print_refusal(sensei, str(error), args.json)
        return REFUSED
    if not args.json:
        print(f"({sensei.describe()})", file=sys.stderr)
    record = turn_record(sensei, conversation, args.question, on_event=None if args.json else print_event)
    if args.session:
        try:
            save_conversation(args.session, conversation)
        except ConversationFileError as error:
            record["error"] = str(error)
            if not args.json:
                print(f"error: {error}", file=sys.stderr)
    if args.json:
        print(json.dumps(record, ensure_ascii=False))
    return 1 if "error" in record else 0


def _print_refusal(sensei: Sensei, message: str, as_json: bool) -> None:
    if as_json:
        print(json.dumps({"backend": sensei.backend, "answer": "", "steps": [], "artifacts": [], "error": message},
                         ensure_ascii=False))
    else:
        print(f"error: {message}", file=sys.stderr)


def turn_record(sensei: Sensei, conversation: Conversation, question: str,
                on_event: Callable[[object], None] | None = None) -> dict[str, Any]:
    """Run one turn and collect it as the `ask --json` object; `error` is present when the turn failed."""
    record: dict[str, Any] = {"backend": sensei.backend, "answer": "", "steps": [], "artifacts": []}
    conversation.tools.downloads.learner_named(question)
    for event in sensei.turn(conversation, question):
        if isinstance(event, ToolFinished):
            record["steps"].append({"tool": event.name, "arguments": event.arguments, "ok": event.ok,
                                    "error": event.error, "result": event.result,
                                    "artifacts": list(event.artifacts.values())})
            record["artifacts"].extend(event.artifacts.values())
        elif isinstance(event, FinalAnswer):
            record["answer"] = event.text
        elif isinstance(event, TurnError):
            record["error"] = event.message
        if on_event is not None:
            on_event(event)
    return record


_last_progress: dict[str, str] = {}


def print_event(event: object) -> None:
    """Print a turn as it happens: the answer to stdout, tool steps and figure paths to stderr."""
    if isinstance(event, TextDelta):
        print(event.text, end="", flush=True)
    elif isinstance(event, ToolStarted):
        print(f"\n→ {event.name}({json.dumps(event.arguments, ensure_ascii=False)})", file=sys.stderr, flush=True)
    elif isinstance(event, ToolProgress):
        stage = re.sub(r": \d+ s$", "", event.message)  # the stage without its running seconds
        if _last_progress.get(event.call_id) != stage:  # one line per stage, not one per second
            _last_progress[event.call_id] = stage
            print(f"  [{event.fraction:4.0%}] {event.message}", file=sys.stderr, flush=True)
    elif isinstance(event, ToolFinished):
        status = "ok" if event.ok else f"error: {event.error}"
        print(f"  {status} ({event.seconds:.2f} s) {event.summary if event.ok else ''}", file=sys.stderr)
        for path in event.artifacts.values():
            print(f"  wrote {path}", file=sys.stderr)
    elif isinstance(event, FinalAnswer):
        print()
    elif isinstance(event, TurnError):
        print(f"\nerror: {event.message}", file=sys.stderr)
