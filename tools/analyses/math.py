"""The arithmetic of the analyses beyond raw attention, on plain tensors (no model, no files).

Shapes use the canonical layout of tools/core/extract.py: attentions are (layers, heads, query, key)
and one layer's maps are (heads, query, key). Every function here is checked against a known
answer in tests/test_analyses.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

__all__ = [
    "ROLES",
    "ROLE_THRESHOLDS",
    "INDUCTION_PERIOD",
    "rollout",
    "row_entropy_bits",
    "norm_contributions",
    "NormContributions",
    "head_role_scores",
    "assign_roles",
    "induction_scores",
]

ROLES = ("previous", "sink", "self", "broad", "induction")
# A head gets a role when its score reaches the threshold; among several, the largest score/threshold wins.
ROLE_THRESHOLDS = {"previous": 0.5, "sink": 0.5, "self": 0.5, "broad": 0.85, "induction": 0.3}
INDUCTION_PERIOD = 20  # the random sequence is this many tokens, seen twice
NORM_CHUNK_ELEMENTS = 2**22  # at most this many floats per (query chunk, key, hidden) block


def rollout(attentions: torch.Tensor, start_layer: int = 0) -> torch.Tensor:
    """Attention rollout (Abnar & Zuidema 2020) of `attentions` (layers, heads, query, key).

    Each layer: mean over heads, plus the identity for the residual, rows renormalized to sum to 1;
    then the product A_L · … · A_start. Lower-triangular layers give a lower-triangular product.
    Returns (query, key): row i is the share of each input token behind position i.
    """
    seq_len = attentions.shape[-1]
    identity = torch.eye(seq_len, dtype=torch.float64)
    result = identity.clone()
    for layer in attentions[start_layer:].double():  # (heads, query, key)
        mixed = layer.mean(dim=0) + identity  # (query, key)
        mixed = mixed / mixed.sum(dim=-1, keepdim=True)
        result = mixed @ result
    return result.float()


def row_entropy_bits(maps: torch.Tensor) -> torch.Tensor:
    """Shannon entropy in bits of each row (last dimension) of attention maps; 0·log 0 counts as 0."""
    return -(maps * torch.log2(maps.clamp_min(1e-30))).sum(dim=-1)  # (..., query): a zero weight adds 0


@dataclass(frozen=True)
class NormContributions:
    per_head: torch.Tensor  # (heads, query, key): α_hij · ‖f_h(x_j)‖
    summed: torch.Tensor  # (query, key): ‖Σ_h α_hij f_h(x_j)‖
    value_norms: torch.Tensor  # (heads, key): ‖f_h(x_j)‖


def norm_contributions(attention: torch.Tensor, values: torch.Tensor, w_out: torch.Tensor) -> NormContributions:
    """The norm-based view of Kobayashi et al. 2020 for one layer.

    Args:
        attention: (heads, query, key) attention weights α.
        values: (key, kv_heads, head_dim) value projections v(x_j) = x_j W_V + b_V; with grouped-query
            attention query head h reads key/value head h // (heads // kv_heads).
        w_out: (hidden, heads * head_dim) weight of the output projection (its bias is added once per
            query, after the sum over j, so it belongs to no token and is left out).
    """
    heads, seq_len, _ = attention.shape
    kv_heads, head_dim = values.shape[1], values.shape[2]
    group = heads // kv_heads
    slices = w_out.reshape(w_out.shape[0], heads, head_dim).permute(1, 2, 0)  # (heads, head_dim, hidden)
    per_head_values = values.permute(1, 0, 2).repeat_interleave(group, dim=0)  # (heads, key, head_dim)
    transformed = per_head_values @ slices  # (heads, key, hidden): f_h(x_j)
    value_norms = transformed.norm(dim=-1)  # (heads, key)
    per_head = attention * value_norms[:, None, :]  # (heads, query, key), exact: α is a scalar
    hidden = transformed.shape[-1]
    chunk = max(1, NORM_CHUNK_ELEMENTS // max(1, seq_len * hidden))
    summed = torch.empty(seq_len, seq_len)
    for start in range(0, seq_len, chunk):  # never (heads, query, key, hidden) at once
        rows = attention[:, start : start + chunk]  # (heads, rows, key)
        vectors = torch.einsum("hrk,hkd->rkd", rows, transformed)  # (rows, key, hidden)
        summed[start : start + chunk] = vectors.norm(dim=-1)
    return NormContributions(per_head=per_head, summed=summed, value_norms=value_norms)


def head_role_scores(attentions: torch.Tensor, sink: torch.Tensor, causal: bool) -> dict[str, torch.Tensor]:
    """Scores in 0..1 of every head, each (layers, heads), averaged over the queries from position 1 on.

    previous = α[i, i-1]; sink = attention on the `sink` positions (a (key,) bool mask); self = α[i, i];
    broad = row entropy / log2(number of keys the row can see: i + 1 when `causal`, else all), 1 = uniform.
    """
    layers, heads, seq_len, _ = attentions.shape
    if seq_len < 2:
        zeros = torch.zeros(layers, heads)
        return {"previous": zeros, "sink": zeros, "self": zeros, "broad": zeros}
    rows = torch.arange(1, seq_len)
    maps = attentions[:, :, 1:]  # (layers, heads, query ≥ 1, key)
    previous = attentions[:, :, rows, rows - 1].mean(dim=-1)  # (layers, heads)
    self_score = attentions[:, :, rows, rows].mean(dim=-1)
    sink_score = maps[..., sink].sum(dim=-1).mean(dim=-1)
    visible = (rows + 1).float() if causal else torch.full((seq_len - 1,), float(seq_len))  # (query ≥ 1,)
    broad = (row_entropy_bits(maps) / torch.log2(visible)).mean(dim=-1)
    return {"previous": previous, "sink": sink_score, "self": self_score, "broad": broad}


def induction_scores(attentions: torch.Tensor, offset: int, period: int = INDUCTION_PERIOD) -> torch.Tensor:
    """Mean α from each position of the second copy to the token after its first occurrence.

    `attentions` (layers, heads, query, key) comes from `offset` leading tokens (a <bos>) and then a
    random sequence of `period` tokens seen twice; position p of the second copy looks at p - period + 1.
    """
    queries = torch.arange(offset + period, offset + 2 * period)
    return attentions[:, :, queries, queries - period + 1].mean(dim=-1)  # (layers, heads)


def assign_roles(scores: dict[str, torch.Tensor]) -> list[list[tuple[str, float]]]:
    """(role, score) per [layer][head]: among the roles whose score reaches its threshold, the one that exceeds
    it by the largest factor (an induction head, 0.84 on the repeated sequence, also sends 0.99 to <bos> on
    plain text, where there is nothing to copy); else ("mixed", the highest score)."""
    names = [name for name in ROLES if name in scores]
    stacked = torch.stack([scores[name] for name in names], dim=-1)  # (layers, heads, roles)
    ratio = stacked / torch.tensor([ROLE_THRESHOLDS[name] for name in names])  # ≥ 1: the role applies
    roles = []
    for layer in range(stacked.shape[0]):
        row = []
        for head in range(stacked.shape[1]):
            best = int(ratio[layer, head].argmax())
            if ratio[layer, head, best] >= 1:
                row.append((names[best], float(stacked[layer, head, best])))
            else:
                row.append(("mixed", float(stacked[layer, head].max())))
        roles.append(row)
    return roles
