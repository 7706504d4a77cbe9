"""The generation_attention tool: a causal model continues a prompt and shows where each new token looked."""

from tools.generation.api import generation_attention

__all__ = ["generation_attention"]
