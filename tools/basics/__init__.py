"""The basic tools: the models available, loading one, running it on a text and reading its numbers."""

from tools.basics.api import extract_attention, inspect_attention, list_models, load_model

__all__ = ["list_models", "load_model", "extract_attention", "inspect_attention"]
