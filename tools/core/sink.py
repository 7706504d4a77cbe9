"""How much of a view's attention goes to the special tokens ([CLS], [SEP], <bos>): the sink.

On gemma-270m, `<bos>` takes 0.6–0.9 of most rows, so every other weight is squeezed into what
is left and a view's pattern is hard to see. Above SINK_SHARE of the view's attention, the views
say so (with the number) and offer the same view without the special tokens (`exclude_special`).
"""

from __future__ import annotations

from typing import Any

import torch

from tools.core.extract import Extraction

__all__ = ["SINK_SHARE", "sink_fields"]

SINK_SHARE = 0.5  # more than half of the view's attention on special tokens: say it, offer the view without


def sink_fields(extraction: Extraction, rows: torch.Tensor, excluded: bool) -> dict[str, Any]:
    """`sink_share` (the mean over the shown rows of the weight on special tokens), `sink_tokens`, and
    `sink_heavy` when the share is above SINK_SHARE. `rows` is (..., query, key) or (key,), before any
    special token is removed; nothing is reported when they were removed (`excluded`)."""
    special = [index for index, flag in enumerate(extraction.special) if flag]
    if excluded or not special:
        return {"sink_share": 0.0, "sink_tokens": [], "sink_heavy": False}
    share = float(rows[..., special].sum(dim=-1).mean())
    return {"sink_share": round(share, 4), "sink_tokens": [extraction.tokens[i] for i in special],
            "sink_heavy": share > SINK_SHARE}
