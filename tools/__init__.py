"""The attention engine: pure functions over real models (no gradio, no openai).

`tools.core` holds what every tool shares (models, extraction, the session, figures, scripts);
each tool family is a package beside it (`basics`, `views`, `explain`, `analyses`, `compare`,
`generation`) whose `api.py` holds its tool functions. `TOOLS` is the one explicit list of tool
functions; the agent's registry, the CLI and the MCP server all derive from it.
"""

from __future__ import annotations

from tools.analyses import attention_norms, attention_rollout, head_roles, layer_summary
from tools.basics import extract_attention, inspect_attention, list_models, load_model
from tools.compare import compare_attention
from tools.core.errors import LimitError, ModelError, SenseiError, ToolError
from tools.core.session import Session, current_session, use_session
from tools.explain import explain_reduction
from tools.generation import generation_attention
from tools.views import plot_heads, plot_heatmap, plot_line

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
