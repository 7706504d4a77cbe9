"""Figures of the analyses beyond raw attention: two maps side by side, series across depth, head roles.

Same rules as tools/core/plots.py: the object API only (never pyplot), fonts from `plots.font_family()`;
the words drawn come from tools/core/figure_text.toml in the learner's `language`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from tools.core.figure_text import FigureLanguage, figure_text
from tools.core.plots import CMAP, _set_ticks, font_family

__all__ = ["side_by_side_figure", "layer_summary_figure", "head_roles_figure", "ROLE_COLORS"]

ROLE_COLORS = {
    "previous": "#1f77b4",
    "sink": "#7f7f7f",
    "self": "#2ca02c",
    "broad": "#ff7f0e",
    "induction": "#d62728",
    "mixed": "#f2f2f2",
}


def side_by_side_figure(
    left: np.ndarray, right: np.ndarray, labels: Sequence[str], titles: tuple[str, str], title: str,
    language: FigureLanguage = "en",
) -> Figure:
    """Two query × key maps of the same tokens, each with its own colour scale."""
    count = len(labels)
    side = float(np.clip(0.32 * count + 2.5, 4.5, 11))
    fig = Figure(figsize=(2 * side + 1.5, side + 0.6), layout="constrained")
    for ax, matrix, name in zip(fig.subplots(1, 2), (left, right), titles, strict=True):
        image = ax.imshow(matrix, cmap=CMAP, vmin=0.0, vmax=max(float(matrix.max()), 1e-6), aspect="equal")
        fig.colorbar(image, ax=ax, shrink=0.75)
        _set_ticks(ax, labels, "x")
        _set_ticks(ax, labels, "y")
        ax.set_xlabel(figure_text("key_axis", language), family=font_family())
        ax.set_ylabel(figure_text("query_axis", language), family=font_family())
        ax.set_title(name, family=font_family(), fontsize=10)
    fig.suptitle(title, family=font_family(), fontsize=11)
    return fig


def layer_summary_figure(
    sink_share: np.ndarray, entropy: np.ndarray, pair: np.ndarray | None, pair_name: str, title: str,
    language: FigureLanguage = "en",
) -> Figure:
    """Line charts over layers: sink share (layers,), entropy (layers, heads), optionally one query→key (layers,)."""
    layers, heads = entropy.shape
    panels = 3 if pair is not None else 2
    fig = Figure(figsize=(5.2 * panels, 4.4), layout="constrained")
    axes = fig.subplots(1, panels)
    depth = np.arange(layers)
    axes[0].plot(depth, sink_share, marker="o", color="#7f7f7f")
    axes[0].set_ylim(0, 1.02)
    axes[0].set_ylabel(figure_text("sink_share_axis", language), family=font_family())
    for head in range(heads):
        axes[1].plot(depth, entropy[:, head], color="#1f77b4", alpha=0.25, linewidth=1)
    axes[1].plot(depth, entropy.mean(axis=1), marker="o", color="#1f77b4", linewidth=2.2,
                 label=figure_text("heads_mean", language))
    axes[1].set_ylim(bottom=0)
    axes[1].set_ylabel(figure_text("entropy_axis", language), family=font_family())
    axes[1].legend(prop={"family": font_family(), "size": 8})
    if pair is not None:
        axes[2].plot(depth, pair, marker="o", color="#d62728")
        axes[2].set_ylim(bottom=0)
        axes[2].set_ylabel(figure_text("pair_axis", language, pair=pair_name), family=font_family())
    names = (figure_text("sink_share_panel", language), figure_text("entropy_panel", language, count=heads),
             figure_text("pair_panel", language))
    for ax, name in zip(axes, names, strict=False):
        ax.set_xticks(depth)
        ax.set_xlabel(figure_text("layer_axis", language), family=font_family())
        ax.set_title(name, family=font_family(), fontsize=10)
        ax.grid(alpha=0.3)
    fig.suptitle(title, family=font_family(), fontsize=11)
    return fig


def head_roles_figure(roles: Sequence[Sequence[str]], scores: np.ndarray, title: str,
                      language: FigureLanguage = "en") -> Figure:
    """A layers × heads grid: the colour is the role, the text the role's score."""
    layers, heads = scores.shape
    names = list(ROLE_COLORS)
    codes = np.array([[names.index(role) for role in row] for row in roles])  # (layers, heads)
    fig = Figure(
        figsize=(float(np.clip(0.7 * heads + 3, 5, 16)), float(np.clip(0.45 * layers + 2, 3.5, 14))),
        layout="constrained",
    )
    ax = fig.add_subplot()
    ax.imshow(codes, cmap=ListedColormap(list(ROLE_COLORS.values())), vmin=-0.5, vmax=len(names) - 0.5, aspect="auto")
    size = float(np.clip(11 - heads / 3, 6, 9))
    for (layer, head), score in np.ndenumerate(scores):
        color = "black" if roles[layer][head] in ("mixed", "broad") else "white"
        ax.text(head, layer, f"{score:.2f}", ha="center", va="center", fontsize=size, color=color)
    ax.set_xticks(range(heads))
    ax.set_yticks(range(layers))
    ax.set_xlabel(figure_text("head_axis", language), family=font_family())
    ax.set_ylabel(figure_text("layer_axis", language), family=font_family())
    present = [name for name in names if any(name in row for row in roles)]
    ax.legend(
        handles=[Patch(color=ROLE_COLORS[name], label=figure_text(f"role_{name}", language)) for name in present],
        loc="upper left",
        bbox_to_anchor=(1.01, 1),
        prop={"family": font_family(), "size": 8},
    )
    ax.set_title(title, family=font_family(), fontsize=11)
    return fig
