"""The `attention-sensei` command: models, tool (one tool call), ask (one sensei turn), chat, lesson, ui.

Each command imports only what it needs, inside its branch: `ask` and `chat` never import gradio,
and openai only for the openai backend.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from attention_sensei.devices import add_device_options, device_settings, refuse_placement

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="attention-sensei",
        description="Ask about Transformer attention; the sensei runs the real model and shows the results.",
    )
    sub = parser.add_subparsers(dest="command")

    models = sub.add_parser("models", help="list the attention models available here")
    models.add_argument("--json", action="store_true", help="print one JSON object")

    tool = sub.add_parser("tool", help="run one tool, e.g. plot_heatmap")
    tool.add_argument("name", help="the tool's name (see `attention-sensei tool --list`)", nargs="?")
    tool.add_argument("--args", default="{}", help='the arguments as a JSON object, e.g. \'{"text": "Hi!"}\'')
    tool.add_argument("--out", type=Path, help="directory for the figures (default: a temporary directory)")
    tool.add_argument("--json", action="store_true", help="print exactly one JSON object")
    tool.add_argument("--list", action="store_true", help="list the tools and their parameters")

    ask = sub.add_parser("ask", help="ask the sensei one question (one agent turn)")
    ask.add_argument("question")
    _add_sensei_options(ask)
    _add_conversation_options(ask)
    ask.add_argument("--json", action="store_true", help="print exactly one JSON object")

    chat = sub.add_parser("chat", help="talk with the sensei in the terminal (/help inside)")
    _add_sensei_options(chat)
    _add_conversation_options(chat)

    lesson = sub.add_parser("lesson", help="take a guided lesson in the terminal, list the lessons, or check a file")
    lesson.add_argument("lesson", nargs="?", help="the lesson's id (see --list) or a lesson file (.toml)")
    lesson.add_argument("--lang", choices=["en", "ja"], default="en", help="the lesson's language (default en)")
    lesson.add_argument("--list", action="store_true", help="list the lessons")
    lesson.add_argument("--json", action="store_true", help="with --list: print one JSON object")
    lesson.add_argument("--check", nargs="+", type=Path, metavar="FILE",
                        help="check lesson files and name every problem (exit 2 when any)")
    lesson.add_argument("--out", type=Path, help="directory for the figures (default: a temporary directory)")

    ui = sub.add_parser("ui", help="launch the browser app (the default command)")
    _add_ui_options(ui)
    for command in (tool, ask, chat, ui):  # --device, --dtype, --device-map, --max-memory, --quantize
        add_device_options(command)
    return parser


def _add_ui_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")
    parser.add_argument("--port", type=int, default=7860)
    _add_sensei_options(parser)
    parser.add_argument("--model", help="the attention model sessions start with (default minilm)")
    parser.add_argument("--share", action="store_true", help="also open a public Gradio share link (needs --auth)")
    parser.add_argument("--auth", help="USER:PASS required to open the app")
    parser.add_argument("--insecure", action="store_true",
                        help="allow --share or a non-local --host without --auth (not recommended)")
    parser.add_argument("--mcp", action="store_true", help="also serve the tools as an MCP server")
    parser.add_argument("--workers", type=_positive(int), metavar="N",
                        help="processes that draw the figures (default: one per core, at most 4; "
                             "1 draws them in the app's own process)")


def _add_conversation_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", help="the attention model to use (alias, hub id or directory; default minilm, "
                                        "or the model a --session conversation ended with)")
    parser.add_argument("--out", type=Path, help="directory for the figures (default: a temporary directory)")
    parser.add_argument("--session", type=Path, metavar="FILE",
                        help="continue the conversation saved in FILE (created when missing) and save it there")


def _add_sensei_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--backend", choices=["auto", "offline", "openai"], default="auto",
                        help="auto: openai when OPENAI_API_KEY or OPENAI_BASE_URL is set, else offline")
    parser.add_argument("--base-url", help="an OpenAI-compatible endpoint, e.g. http://localhost:11434/v1")
    parser.add_argument("--llm-model", help="the chat model of that endpoint (default gpt-4o-mini)")
    parser.add_argument("--max-rounds", type=int, help="tool rounds per question (default 8)")
    parser.add_argument("--timeout", type=float, help="seconds per LLM request (default 60)")
    parser.add_argument("--llm-max-tokens", type=_positive(int), metavar="N",
                        help="tokens of one LLM answer, sent to the server (default 2048); a longer answer is cut "
                             "and says so")
    parser.add_argument("--llm-max-seconds", type=_positive(float), metavar="S",
                        help="seconds one LLM answer may take in all (default 240); then it is cut, the request "
                             "closed, and the answer says so")
    parser.add_argument("--allow-downloads", action="store_true",
                        help="let the sensei fetch any Hugging Face model a tool asks for (default: only models "
                             "the learner names; never one the LLM made up)")
    parser.add_argument("--strict-models", action="store_true",
                        help="a Hugging Face model that is neither cached nor downloadable is an error (default: "
                             "the nearest embedded model stands in for it, and the answer says so)")


def _positive(kind: type[int] | type[float]) -> Any:
    """An argparse type: a number of `kind` above zero (0 would ask a server for an empty answer)."""

    def parse(text: str) -> int | float:
        try:
            value = kind(text)
        except ValueError:
            value = 0
        if value <= 0:
            raise argparse.ArgumentTypeError(f"expected a positive {'whole ' if kind is int else ''}number, "
                                             f"not {text!r}")
        return value

    return parse


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if (refused := refuse_placement(args)) is not None:  # e.g. --device cuda here: said before anything loads
        return refused
    _quiet_transformers()
    _tune_for_serving()
    if args.command == "models":
        return _models(args.json)
    if args.command == "tool":
        return _tool(args)
    if args.command == "ask":
        from attention_sensei.ask import ask

        return ask(args)
    if args.command == "chat":
        from attention_sensei.chat import chat

        return chat(args)
    if args.command == "lesson":
        from attention_sensei.lesson import lesson_command

        return lesson_command(args)
    if args.command in (None, "ui"):
        from attention_sensei.serve import serve

        if args.command is None:
            args = _parser().parse_args(["ui", *(argv or sys.argv[1:])])
        return serve(args)
    _parser().print_help()
    return 0


def _quiet_transformers() -> None:
    """Keep stdout/stderr for our own output: the warnings transformers logs are captured per extraction."""
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    hf_logging.disable_default_handler()


def _tune_for_serving() -> None:
    """The CLI and the app it launches serve learners: one torch thread per pass and glibc's allocator tuned
    (tools/core/process_tuning.py); a plain `import tools` changes neither."""
    from tools.core.process_tuning import tune_for_serving

    tune_for_serving()


def _session(out: Path | None, arguments: str, placing: dict[str, Any]) -> Any:
    """The app's limits and the placement asked for; a model named in the arguments the person typed may be
    downloaded."""
    from agent.settings import Settings

    session = Settings.from_env(**placing).new_session(out)
    session.downloads.learner_named(arguments)
    session.progress = _print_progress
    return session


def _print_progress(fraction: float, message: str) -> None:
    print(f"[{fraction:4.0%}] {message}", file=sys.stderr, flush=True)


def _models(as_json: bool) -> int:
    from tools import list_models

    listing = list_models()
    if as_json:
        print(json.dumps(listing, ensure_ascii=False))
        return 0
    for entry in listing["embedded"]:
        print(f"{entry['alias']:<12} {entry['architecture']:<8} {entry['num_layers']:>2} layers × "
              f"{entry['num_heads']:>2} heads  {'/'.join(entry['languages']):<18} {entry['note']}")
    for hub_id in listing["cached"]:
        print(f"{hub_id}  (in the local Hugging Face cache)")
    return 0


def _tool(args: argparse.Namespace) -> int:
    from agent.registry import default_registry
    from tools import SenseiError, use_session
    from tools.core.errors import bug_message

    registry = default_registry()
    if args.list or not args.name:
        for spec in registry.tools.values():
            params = ", ".join(spec.schema["function"]["parameters"]["properties"])
            print(f"{spec.name}({params})\n    {spec.schema['function']['description']}")
        return 0
    record: dict[str, Any] = {"tool": args.name, "arguments": None, "ok": False, "error": None,
                              "result": {}, "artifacts": []}
    try:
        arguments = json.loads(args.args)
        record["arguments"] = arguments
        with use_session(_session(args.out, args.args, device_settings(args))):
            record["result"] = registry.call(args.name, arguments)
        record["ok"] = True
        record["artifacts"] = list(record["result"].get("artifacts", {}).values())
    except json.JSONDecodeError as error:
        record["error"] = f"--args is not valid JSON ({error.msg} at character {error.pos}): pass an object " \
                          'such as \'{"text": "I love natural language processing!", "layer": -1}\''
    except SenseiError as error:
        record["error"] = str(error)
    except Exception as error:  # our bug: still one JSON object (or one error line), never a raw traceback
        record["error"] = bug_message(args.name, error)
    _print_tool_record(record, args.json)
    return 0 if record["ok"] else 1


def _print_tool_record(record: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print(json.dumps(record, ensure_ascii=False))
        return
    if not record["ok"]:
        print(f"error: {record['error']}", file=sys.stderr)
        return
    shown = {key: value for key, value in record["result"].items() if key not in ("code", "artifacts")}
    print(json.dumps(shown, ensure_ascii=False, indent=1))
    for path in record["artifacts"]:
        print(f"wrote {path}")
