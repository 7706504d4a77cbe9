"""The explain_reduction tool: a reduction expression parsed, checked against a whitelist and
evaluated step by step on the real tensors, each step described in English and Japanese."""

from tools.explain.api import explain_reduction

__all__ = ["explain_reduction"]
