"""Attention Sensei: ask about Transformer attention, get real executed results."""

__version__ = "0.1.0"
