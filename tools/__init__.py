"""The attention engine: pure functions over real models (no gradio, no openai).

`TOOLS` is the one explicit list of tool functions; the agent's registry, the CLI and the MCP
server all derive from it.
"""

from __future__ import annotations

from tools.analyses import attention_norms, attention_rollout, head_roles, layer_summary
from tools.api import (
    explain_reduction,
    extract_attention,
    inspect_attention,
    list_models,
    load_model,
    plot_heads,
    plot_heatmap,
    plot_line,
)
from tools.compare import compare_attention
from tools.errors import LimitError, ModelError, SenseiError, ToolError
from tools.generation import generation_attention
from tools.session import Session, current_session, use_session

__all__ = [
    "TOOLS",
    "list_models",
    "load_model",
    "extract_attention",
    "inspect_attention",
    "plot_heatmap",
    "plot_line",
    "plot_heads",
    "explain_reduction",
    "attention_rollout",
    "attention_norms",
    "layer_summary",
    "head_roles",
    "compare_attention",
    "generation_attention",
    "Session",
    "current_session",
    "use_session",
    "SenseiError",
    "ToolError",
    "ModelError",
    "LimitError",
]

TOOLS = [
    list_models,
    load_model,
    extract_attention,
    inspect_attention,
    plot_heatmap,
    plot_line,
    plot_heads,
    explain_reduction,
    attention_rollout,
    attention_norms,
    layer_summary,
    head_roles,
    compare_attention,
    generation_attention,
]
