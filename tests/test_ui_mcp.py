"""--mcp: the tools are served over MCP to other agents, and only the tools.

Each MCP session is one learner's session (the model it loaded, the latest text) with the app's
limits, a result is JSON with the figure as an image and a download URL, and a session's figures go
when it ends.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import shutil
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import anyio
import httpx
import pytest
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client
from ui_server import running_app

from agent.registry import default_registry
from ui.mcp import _SessionEndNoise

SENTENCE = "I love tea"


async def in_one_mcp_session(url: str, calls: list[tuple[str, dict]], during=None, auth=None,
                             end_it: bool = True, progress: list | None = None) -> list:
    """Make the calls in one MCP session; `during(results)` runs before it ends (the client then deletes it,
    unless not `end_it`); the calls' progress messages go to `progress`."""

    async def report(fraction: float, total: float | None, message: str | None) -> None:
        progress.append(message)

    client = httpx.AsyncClient(auth=auth, timeout=httpx.Timeout(60, read=300))
    async with client, streamable_http_client(f"{url}gradio_api/mcp/", http_client=client,
                                              terminate_on_close=end_it) as (reader, writer, _):
        async with ClientSession(reader, writer) as session:
            await session.initialize()
            results = [await session.list_tools()]
            for name, arguments in calls:
                results.append(await session.call_tool(name, arguments,
                                                       progress_callback=report if progress is not None else None))
            if during is not None:
                await asyncio.to_thread(during, results)
    return results


def session_directories(artifacts: Path, wait_until_none: bool = False) -> list[Path]:
    mcp = artifacts / "mcp"
    deadline = time.monotonic() + 10  # a session's directory goes just after the server answers its DELETE
    while (found := sorted(mcp.iterdir()) if mcp.is_dir() else []) and wait_until_none and time.monotonic() < deadline:
        time.sleep(0.1)
    return found


def test_other_agents_get_json_the_figure_and_one_session_per_mcp_session(tmp_path, tiny_models):
    bert = str(shutil.copytree(tiny_models["bert"], tmp_path / "tiny-bert"))  # not loaded yet: its load reports
    served: list[bytes] = []
    progress: list[str] = []

    def download(results: list) -> None:  # while the session lasts: its figures go with it
        served.append(urllib.request.urlopen(results[3].structuredContent["urls"]["png"], timeout=10).read())

    with running_app(tmp_path / "artifacts", mcp=True) as url:
        listed, extracted, loaded, plotted, bad = asyncio.run(in_one_mcp_session(url, [
            ("extract_attention", {"text": SENTENCE}),
            ("load_model", {"model": bert}),
            ("plot_heatmap", {}),  # no text, no model: this session's latest sentence and its loaded model
            ("plot_heatmap", {"layer": 42}),
        ], during=download, progress=progress))
        _, fresh = asyncio.run(in_one_mcp_session(url, [("plot_heatmap", {})]))
    png_url = plotted.structuredContent["urls"]["png"]

    registry = default_registry()
    assert [tool.name for tool in listed.tools] == registry.names()  # every registered tool, in order, no UI events
    for tool in listed.tools:
        schema = registry.spec(tool.name).schema["function"]
        assert tool.description == schema["description"]  # whole, not cut at a line break
        assert tool.inputSchema == schema["parameters"]
    words = next(tool for tool in listed.tools if tool.name == "plot_heatmap").inputSchema["properties"]["words"]
    assert words["description"].endswith("Japanese pieces stay as they are.")

    assert not extracted.isError and json.loads(extracted.content[0].text) == extracted.structuredContent
    assert extracted.structuredContent["shape"] == [1, 12, 5, 5]
    assert not loaded.isError and loaded.structuredContent["num_layers"] == 2
    assert f"loading {bert}" in progress  # MCP progress notifications, while the call runs

    assert not plotted.isError
    result = plotted.structuredContent
    assert (result["model"], result["text"], result["shape"]) == (bert, SENTENCE, [1, 4, 5, 5])
    image = next(block for block in plotted.content if block.type == "image")
    png = base64.b64decode(image.data)
    assert image.mimeType == "image/png" and png.startswith(b"\x89PNG") and served == [png]
    link = next(block for block in plotted.content if block.type == "resource_link")
    assert str(link.uri) == png_url and png_url.startswith(f"{url}gradio_api/file=")

    assert bad.isError and "layer 42 is out of range: " in bad.content[0].text
    assert bad.structuredContent == {"error": bad.content[0].text}
    assert fresh.isError and "no text has been analysed yet" in fresh.content[0].text  # another session


def test_mcp_sessions_have_the_apps_limits_and_their_figures_go_when_they_end(tmp_path, caplog):
    artifacts = tmp_path / "artifacts"
    seen: dict[str, list] = {}

    def look(results: list) -> None:
        directories = session_directories(artifacts)
        seen["open"] = directories
        seen["files"] = sorted(path.name for path in directories[0].iterdir()) if directories else []

    heatmaps = [("plot_heatmap", {"text": "I love natural language processing!"})] * 4
    with running_app(artifacts, mcp=True, max_artifacts_mb=0.05, max_attention_mb=0.01) as url:
        _, *plotted, refused = asyncio.run(in_one_mcp_session(
            url, [*heatmaps, ("extract_attention", {"text": "word " * 40})], during=look))
        left_after_end = session_directories(artifacts, wait_until_none=True)
    assert all(not result.isError for result in plotted)
    assert len(seen["open"]) == 1  # one directory for the session while it lasted
    assert seen["files"][-1].startswith("004-heatmap") and not any(n.startswith("001-") for n in seen["files"])
    assert refused.isError and "the limit is 0 MB" in refused.content[0].text  # max_attention_mb applies
    assert left_after_end == []  # removed when the client ended the session
    errors = [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR]
    assert errors == []  # a session the client ends is no error in the operator's log


def test_a_session_the_client_never_ends_goes_when_the_app_closes(tmp_path):
    artifacts = tmp_path / "artifacts"
    with running_app(artifacts, mcp=True) as url:
        _, plotted = asyncio.run(in_one_mcp_session(url, [("plot_heatmap", {"text": SENTENCE})], end_it=False))
        assert not plotted.isError and len(session_directories(artifacts)) == 1  # open until it idles out
    assert session_directories(artifacts, wait_until_none=True) == []


def test_with_auth_mcp_needs_the_same_credentials(tmp_path):
    initialize = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "test", "version": "1"}}})
    with running_app(tmp_path / "artifacts", mcp=True, auth=("teacher", "s3cret")) as url:
        for credentials in (None, b"teacher:wrong", b"teacher", b"not base64 \xff"):
            headers = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
            if credentials is not None:
                headers["Authorization"] = "Basic " + base64.b64encode(credentials).decode()
            request = urllib.request.Request(f"{url}gradio_api/mcp/", data=initialize.encode(), headers=headers)
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(request, timeout=10)
            assert refused.value.code == 401 and "Basic" in refused.value.headers["WWW-Authenticate"]
        listed, extracted = asyncio.run(in_one_mcp_session(url, [("extract_attention", {"text": SENTENCE})],
                                                           auth=("teacher", "s3cret")))
    assert listed.tools and not extracted.isError


def test_only_the_sdks_records_of_a_stream_it_closed_at_a_session_end_are_dropped():
    def logged(message: str, error: BaseException) -> logging.LogRecord:
        try:
            raise error
        except BaseException:
            return logging.LogRecord("mcp.server.streamable_http", logging.ERROR, __file__, 1, message, None,
                                     sys.exc_info())

    closed = anyio.ClosedResourceError()
    noise = _SessionEndNoise()
    assert not noise.filter(logged("Error in standalone SSE writer", closed))  # the client's DELETE, every session
    assert not noise.filter(logged("SSE response error", ExceptionGroup("", [closed])))  # a call sent before it
    assert noise.filter(logged("SSE response error", ExceptionGroup("", [closed, ValueError("a bug")])))
    assert noise.filter(logged("SSE response error", ValueError("a bug")))
    assert noise.filter(logged("Session abc crashed", closed))
