"""`attention-sensei ui`: launch the browser app, bound to this machine unless told otherwise."""

from __future__ import annotations

import argparse
import sys

from attention_sensei.ask import settings_from_args

__all__ = ["serve"]

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


def serve(args: argparse.Namespace) -> int:
    exposed = args.share or args.host not in LOCAL_HOSTS
    if exposed:
        print("warning: the app will be reachable from other machines "
              f"({'a public share link' if args.share else args.host}).", file=sys.stderr)
        if not args.auth and not args.insecure:
            print("error: --share or a non-local --host needs --auth USER:PASS "
                  "(or --insecure to accept the risk).", file=sys.stderr)
            return 2
    auth = None
    if args.auth:
        user, sep, password = args.auth.partition(":")
        if not sep or not user or not password:
            print("error: --auth must be USER:PASS, e.g. --auth teacher:s3cret", file=sys.stderr)
            return 2
        auth = (user, password)
    from tools.core.render_pool import default_workers, start_pool, stop_pool
    from ui.app import build_app, launch_options

    workers = args.workers or default_workers()
    start_pool(workers)  # in the background, while the page is built
    try:
        settings = settings_from_args(args)
        app = build_app(settings, mcp=args.mcp)
        print(f"Attention Sensei: {app_description(settings)} on http://{args.host}:{args.port}", flush=True)
        downloads = "any Hugging Face model a tool asks for (--allow-downloads)" if settings.allow_downloads \
            else "only models a learner names, never one an LLM or agent chose (see --allow-downloads)"
        print(f"Model downloads: {downloads}", flush=True)
        drawing = f"{workers} worker processes (--workers)" if workers > 1 else "this process (--workers 1)"
        print(f"Figures drawn in: {drawing}", flush=True)
        if args.mcp:
            print(f"MCP (streamable HTTP): http://{args.host}:{args.port}/gradio_api/mcp/", flush=True)
        app.queue(default_concurrency_limit=8).launch(
            server_name=args.host, server_port=args.port, share=args.share, show_error=False,
            **launch_options(settings, mcp=args.mcp, auth=auth),
        )
    finally:
        stop_pool()
    return 0


def app_description(settings: object) -> str:
    from agent.sensei import Sensei

    return Sensei(settings).describe()  # type: ignore[arg-type]
