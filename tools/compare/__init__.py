"""The compare_attention tool: two sentences under one model, or one sentence under two models."""

from tools.compare.api import compare_attention

__all__ = ["compare_attention"]
