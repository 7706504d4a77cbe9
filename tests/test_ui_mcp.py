"""--mcp: the tools are served over MCP to other agents, and only the tools."""

from __future__ import annotations

import asyncio
import json

from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client
from ui_server import running_app

from tools import TOOLS


async def call_over_mcp(url: str) -> tuple[list[str], object, object]:
    async with streamable_http_client(f"{url}gradio_api/mcp/") as (reader, writer, _):
        async with ClientSession(reader, writer) as session:
            await session.initialize()
            listed = await session.list_tools()
            ok = await session.call_tool("extract_attention", {"text": "I love tea"})
            bad = await session.call_tool("plot_heatmap", {"text": "I love tea", "layer": 42})
    return [tool.name for tool in listed.tools], ok, bad


def test_other_agents_can_call_the_tools(tmp_path):
    with running_app(tmp_path, mcp=True) as url:
        names, ok, bad = asyncio.run(call_over_mcp(url))
    assert names == [tool.__name__ for tool in TOOLS]  # exactly the registered tools, in order
    assert names[:3] == ["list_models", "load_model", "extract_attention"] and "compare_attention" in names
    assert not ok.isError and "'shape': [1, 12, 5, 5]" in ok.content[0].text
    assert bad.isError and "layer 42 is out of range: minilm has 6 layers" in bad.content[0].text
    assert json.dumps(names)  # plain names, no UI events among them
