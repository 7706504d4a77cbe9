"""No outbound traffic on its own: no telemetry, and no model fetched from the hub on an LLM's say-so."""

from __future__ import annotations

import socket
import time
from pathlib import Path

from ui_server import running_app

LOCAL = {"127.0.0.1", "localhost", "::1", "0.0.0.0"}


def test_a_plainly_started_app_resolves_no_outside_host(tmp_path: Path, monkeypatch):
    monkeypatch.delenv("GRADIO_ANALYTICS_ENABLED", raising=False)  # the default a user gets
    resolved: list[str] = []
    original = socket.getaddrinfo

    def record(host, *args, **kwargs):
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name not in LOCAL:
            resolved.append(name)
            raise socket.gaierror(f"no network in this test: {name}")
        return original(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", record)
    with running_app(tmp_path / "artifacts"):
        time.sleep(2)  # launch analytics and the version check run in background threads
    assert resolved == []
