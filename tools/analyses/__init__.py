"""Analyses beyond raw attention: rollout, norm-based contributions, a summary across layers, head roles."""

from tools.analyses.api import attention_norms, attention_rollout, head_roles, layer_summary

__all__ = ["attention_rollout", "attention_norms", "layer_summary", "head_roles"]
