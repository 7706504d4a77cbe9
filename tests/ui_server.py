"""Start the real Gradio app on a free local port for a test module."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from agent.settings import Settings
from ui.app import build_app, launch_options


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def running_app(artifacts: Path, mcp: bool = False, auth: tuple[str, str] | None = None,
                **settings: object) -> Iterator[str]:
    options = Settings.from_env(**{"backend": "offline", "artifacts_dir": artifacts, **settings})
    app = build_app(options, mcp=mcp)
    port = free_port()
    app.queue(default_concurrency_limit=8).launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True,
                                                 quiet=True, **launch_options(options, mcp=mcp, auth=auth))
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        app.close()


def message_text(message: dict) -> str:
    """All text of one chat message as gradio_client returns it."""
    parts = message["content"] if isinstance(message["content"], list) else [message["content"]]
    return "\n".join(part.get("text", "") if isinstance(part, dict) else str(part) for part in parts)


def message_image(message: dict) -> str | None:
    """The local path of the figure a message shows, if it shows one."""
    from urllib.parse import unquote

    from ui.render import IMAGE_PATTERN

    found = IMAGE_PATTERN.match(message_text(message))
    return unquote(found["path"]) if found else None


def ask_in_page(page, question: str, timeout_ms: float = 120_000) -> None:
    """Ask `question` in the app open in a Playwright `page`; return once the answer's message is in the chat."""
    replies = page.locator("#chat .message-row").count()
    page.fill("#question textarea", question)
    page.click("#send")
    page.wait_for_function(f"document.querySelectorAll('#chat .message-row').length > {replies + 1}",
                           timeout=timeout_ms)
