"""`attention-sensei ask`: one sensei turn, headless, as streaming text or one JSON object."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from agent.events import FinalAnswer, TextDelta, ToolFinished, ToolProgress, ToolStarted, TurnError
from agent.sensei import Sensei
from agent.settings import Settings

__all__ = ["ask", "settings_from_args"]


def settings_from_args(args: argparse.Namespace) -> Settings:
    return Settings.from_env(
        backend=args.backend,
        base_url=args.base_url,
        llm_model=args.llm_model,
        max_rounds=args.max_rounds,
        request_timeout=args.timeout,
        model=getattr(args, "model", None),
        artifacts_dir=getattr(args, "out", None),
    )


def ask(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    sensei = Sensei(settings)
    conversation = sensei.new_conversation()
    record: dict[str, Any] = {"backend": sensei.backend, "answer": "", "steps": [], "artifacts": []}
    if not args.json:
        print(f"({sensei.describe()})", file=sys.stderr)
    failed = None
    for event in sensei.turn(conversation, args.question):
        if isinstance(event, ToolFinished):
            record["steps"].append({"tool": event.name, "arguments": event.arguments, "ok": event.ok,
                                    "error": event.error, "result": event.result,
                                    "artifacts": list(event.artifacts.values())})
            record["artifacts"].extend(event.artifacts.values())
        elif isinstance(event, FinalAnswer):
            record["answer"] = event.text
        elif isinstance(event, TurnError):
            failed = event.message
        if not args.json:
            _print_event(event)
    if args.json:
        if failed:
            record["error"] = failed
        print(json.dumps(record, ensure_ascii=False))
    return 1 if failed else 0


def _print_event(event: object) -> None:
    if isinstance(event, TextDelta):
        print(event.text, end="", flush=True)
    elif isinstance(event, ToolStarted):
        print(f"\n→ {event.name}({json.dumps(event.arguments, ensure_ascii=False)})", file=sys.stderr, flush=True)
    elif isinstance(event, ToolProgress):
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
