"""Figures from attention arrays and token labels; no model in sight (as bertviz's views).

Every builder returns a `matplotlib.figure.Figure` made with the object API: pyplot's global
state would leak figures between the threads of a server. Japanese labels render through a font
fallback list that ends with IPAexGothic, shipped by `matplotlib-fontja`; we add its font file to
the font manager but never touch the global rcParams.
"""

from __future__ import annotations

import csv
import importlib.util
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import numpy as np
from matplotlib import font_manager
from matplotlib.figure import Figure

__all__ = [
    "font_family",
    "heatmap_figure",
    "line_figure",
    "heads_figure",
    "save_figure",
    "write_matrix_csv",
]

JAPANESE_FONT = "IPAexGothic"
CMAP = "viridis"


@cache
def font_family() -> list[str]:
    """Fonts to use for every text in our figures: Latin first, then a Japanese fallback."""
    spec = importlib.util.find_spec("matplotlib_fontja")  # located, not imported: importing it sets rcParams
    if spec and spec.submodule_search_locations:
        path = Path(next(iter(spec.submodule_search_locations))) / "fonts" / "ipaexg.ttf"
        if path.is_file():
            font_manager.fontManager.addfont(str(path))
            return ["DejaVu Sans", JAPANESE_FONT]
    return ["DejaVu Sans"]


def _label_size(count: int) -> float:
    return float(np.clip(14 - count / 6, 5, 11))


def _tick_step(count: int) -> int:
    """Show every label up to 64 tokens; beyond, every k-th so that labels stay legible."""
    return 1 if count <= 64 else int(np.ceil(count / 64))


def _set_ticks(ax, labels: Sequence[str], axis: str) -> None:
    step = _tick_step(len(labels))
    positions = list(range(0, len(labels), step))
    shown = [labels[i] for i in positions]
    size = _label_size(len(positions))
    if axis == "x":
        ax.set_xticks(positions)
        ax.set_xticklabels(shown, rotation=60, ha="right", rotation_mode="anchor", fontsize=size, family=font_family())
    else:
        ax.set_yticks(positions)
        ax.set_yticklabels(shown, fontsize=size, family=font_family())


def heatmap_figure(
    matrix: np.ndarray,
    query_labels: Sequence[str],
    key_labels: Sequence[str],
    title: str,
    annotate: bool = False,
) -> Figure:
    """A query × key heatmap: rows are the tokens that attend, columns the tokens attended to."""
    rows, cols = matrix.shape  # (query, key)
    side = float(np.clip(0.42 * max(rows, cols) + 2.5, 5.5, 16))
    fig = Figure(figsize=(side + 1.2, side), layout="constrained")
    ax = fig.add_subplot()
    image = ax.imshow(matrix, cmap=CMAP, vmin=0.0, vmax=max(float(matrix.max()), 1e-6), aspect="equal")
    colorbar = fig.colorbar(image, ax=ax, shrink=0.8)
    colorbar.set_label("attention weight", family=font_family())
    _set_ticks(ax, key_labels, "x")
    _set_ticks(ax, query_labels, "y")
    ax.set_xlabel("key (attended to)", family=font_family())
    ax.set_ylabel("query (attending)", family=font_family())
    ax.set_title(title, family=font_family(), fontsize=11)
    if annotate:
        _annotate(ax, matrix)
    return fig


def _annotate(ax, matrix: np.ndarray) -> None:
    threshold = 0.6 * float(matrix.max())
    size = float(np.clip(11 - matrix.shape[1] / 3, 5, 9))
    for (row, col), value in np.ndenumerate(matrix):
        color = "black" if value > threshold else "white"  # viridis is dark at the low end
        ax.text(col, row, f"{value:.2f}", ha="center", va="center", color=color, fontsize=size)


def line_figure(
    series: dict[str, np.ndarray],
    labels: Sequence[str],
    title: str,
    ylabel: str,
) -> Figure:
    """One or more lines over token positions; tick i is the label of position i."""
    width = float(np.clip(0.38 * len(labels) + 3, 6, 18))
    fig = Figure(figsize=(width, 4.6), layout="constrained")
    ax = fig.add_subplot()
    positions = np.arange(len(labels))
    for name, values in series.items():
        ax.plot(positions, values, marker="o", markersize=4, label=name)
    _set_ticks(ax, labels, "x")
    ax.set_xlim(-0.5, len(labels) - 0.5)
    ax.set_ylim(bottom=0)
    ax.set_ylabel(ylabel, family=font_family())
    ax.set_xlabel("token (position)", family=font_family())
    ax.set_title(title, family=font_family(), fontsize=11)
    ax.grid(alpha=0.3)
    if len(series) > 1:
        ax.legend(prop={"family": font_family(), "size": 8})
    return fig


def heads_figure(matrices: np.ndarray, labels: Sequence[str], title: str) -> Figure:
    """Every head of one layer as a small heatmap; `matrices` is (heads, query, key)."""
    heads, seq_len, _ = matrices.shape
    cols = min(heads, 4)
    rows = int(np.ceil(heads / cols))
    cell = float(np.clip(0.16 * seq_len + 1.6, 2.6, 6))
    fig = Figure(figsize=(cols * cell + 1, rows * cell + 0.8), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False)
    show_labels = seq_len <= 24
    for head, ax in enumerate(axes.flat):
        if head >= heads:
            ax.set_visible(False)
            continue
        ax.imshow(matrices[head], cmap=CMAP, vmin=0.0, vmax=1.0)
        ax.set_title(f"head {head}", fontsize=9, family=font_family())
        if show_labels:
            ax.set_xticks(range(seq_len))
            ax.set_xticklabels(labels, rotation=90, fontsize=6, family=font_family())
            ax.set_yticks(range(seq_len))
            ax.set_yticklabels(labels, fontsize=6, family=font_family())
        else:
            ax.set_xticks([])
            ax.set_yticks([])
    fig.suptitle(title, family=font_family(), fontsize=11)
    return fig


def save_figure(fig: Figure, stem: Path) -> list[Path]:
    """Write the figure as PNG and SVG beside each other; returns both paths."""
    paths = [stem.with_suffix(".png"), stem.with_suffix(".svg")]
    fig.savefig(paths[0], dpi=110)
    fig.savefig(paths[1])
    return paths


def write_matrix_csv(
    path: Path, row_labels: Sequence[str], column_labels: Sequence[str], values: np.ndarray, corner: str = ""
) -> Path:
    """A CSV whose first row and first column are token labels."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([corner, *column_labels])
        for label, row in zip(row_labels, np.atleast_2d(values), strict=True):
            writer.writerow([label, *(f"{value:.6g}" for value in row)])
    return path
