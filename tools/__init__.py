"""The attention engine: pure functions over real models (no gradio, no openai).

`tools.core` holds what every tool shares (models, extraction, the session, figures, scripts);
each tool family is a package beside it (`basics`, `views`, `explain`, `analyses`, `compare`,
`generation`) whose `api.py` holds its tool functions. `TOOL_FAMILIES` is the one explicit list of
tools; the agent's registry, the CLI and the MCP server all derive from it.

Importing `tools` imports no tool, no torch and no matplotlib: every name below is resolved on
first use (PEP 562), so `from tools import plot_heatmap` imports the view family only, and a
one-shot `attention-sensei ask` pays for the one tool it runs. `TOOLS`, the list of every tool
function, imports them all.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any

from tools.core.errors import LimitError, ModelError, SenseiError, ToolError

# The one registration list: every tool by name, with the family package whose api.py defines it,
# in the order the LLM, the CLI and MCP list them. Adding a tool adds one line here.
TOOL_FAMILIES: dict[str, str] = {
    "list_models": "tools.basics",
    "load_model": "tools.basics",
    "extract_attention": "tools.basics",
    "inspect_attention": "tools.basics",
    "plot_heatmap": "tools.views",
    "plot_line": "tools.views",
    "plot_heads": "tools.views",
    "plot_3d": "tools.views.three_d",
    "plot_matrix_lines": "tools.views.matrix_lines",
    "explore_attention": "tools.explore",
    "explain_reduction": "tools.explain",
    "attention_rollout": "tools.analyses",
    "attention_norms": "tools.analyses",
    "layer_summary": "tools.analyses",
    "head_roles": "tools.analyses",
    "compare_attention": "tools.compare",
    "generation_attention": "tools.generation",
}

# What every tool shares, resolved on first use like the tools (the session module imports torch).
_SHARED: dict[str, str] = {
    "Session": "tools.core.session",
    "current_session": "tools.core.session",
    "use_session": "tools.core.session",
    "Downloads": "tools.core.downloads",
}

__all__ = [
    "TOOLS",
    "TOOL_FAMILIES",
    "load_tool",
    *TOOL_FAMILIES,
    *_SHARED,
    "SenseiError",
    "ToolError",
    "ModelError",
    "LimitError",
]


def load_tool(name: str) -> Callable[..., dict[str, Any]]:
    """One registered tool function, importing its family on first use.

    Raises:
        ToolError: `name` is not a registered tool.
    """
    family = TOOL_FAMILIES.get(name)
    if family is None:
        raise ToolError(f"unknown tool {name!r}; available tools: {', '.join(TOOL_FAMILIES)}")
    return getattr(import_module(family), name)


def __getattr__(name: str) -> Any:
    if name == "TOOLS":
        value: Any = [load_tool(tool) for tool in TOOL_FAMILIES]
    elif name in TOOL_FAMILIES:
        value = load_tool(name)
    elif name in _SHARED:
        value = getattr(import_module(_SHARED[name]), name)
    else:
        raise AttributeError(f"module 'tools' has no attribute {name!r}")
    globals()[name] = value  # resolved once: later lookups are plain module attributes
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
