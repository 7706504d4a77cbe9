"""The comparison figure: map a and map b, each over its own tokens, and their difference b − a.

Same rules as tools/core/plots.py: the object API only (never pyplot), fonts from `plots.font_family()`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure

from tools.core.plots import CMAP, _set_ticks, font_family

__all__ = ["compare_figure", "DIVERGING"]

DIVERGING = "RdBu_r"  # red: b attends more, blue: a attends more, white: no change

Side = tuple[np.ndarray, Sequence[str], str]  # (query, key) map, its token labels, its panel title


def compare_figure(a: Side, b: Side, difference: np.ndarray, labels: Sequence[str], title: str) -> Figure:
    """Three panels: a and b on one shared colour scale, then b − a on the aligned units, centred on 0."""
    count = max(len(a[1]), len(b[1]), len(labels))
    side = float(np.clip(0.3 * count + 2.6, 4.2, 10))
    fig = Figure(figsize=(3 * side + 2.5, side + 1.0), layout="constrained")
    axes = fig.subplots(1, 3)
    top = max(float(a[0].max()), float(b[0].max()), 1e-6)
    for ax, (matrix, tokens, name) in zip(axes[:2], (a, b), strict=True):
        image = ax.imshow(matrix, cmap=CMAP, vmin=0.0, vmax=top, aspect="equal")
        _label(ax, tokens, tokens, name)
    fig.colorbar(image, ax=list(axes[:2]), shrink=0.75, label="attention weight")
    limit = max(float(np.abs(difference).max()), 1e-6)
    shown = axes[2].imshow(difference, cmap=DIVERGING, vmin=-limit, vmax=limit, aspect="equal")
    _label(axes[2], labels, labels, "b − a (aligned, rows renormalized)")
    fig.colorbar(shown, ax=axes[2], shrink=0.75, label="b − a")
    fig.suptitle(title, family=font_family(), fontsize=11)
    return fig


def _label(ax, query_labels: Sequence[str], key_labels: Sequence[str], name: str) -> None:
    _set_ticks(ax, key_labels, "x")
    _set_ticks(ax, query_labels, "y")
    ax.set_xlabel("key (attended to)", family=font_family())
    ax.set_ylabel("query (attending)", family=font_family())
    ax.set_title(name, family=font_family(), fontsize=10)
