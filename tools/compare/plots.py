"""The comparison figure: each side's map over its own tokens, and the differences on the aligned units.

    two sides     one row:  a | b | b − a
    three sides   two rows: a | b | c, then b − a | c − a | c − b

Same rules as tools/core/plots.py: the object API only (never pyplot), fonts from `plots.font_family()`;
the words drawn come from tools/core/figure_text.toml in the learner's `language`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure

from tools.core.figure_text import FigureLanguage, figure_text
from tools.core.plots import CMAP, _set_ticks, font_family

__all__ = ["compare_figure", "DIVERGING"]

DIVERGING = "RdBu_r"  # red: the later side attends more, blue: the earlier one, white: no change

Side = tuple[np.ndarray, Sequence[str], str]  # (query, key) map, its token labels, its panel title
Difference = tuple[np.ndarray, str]  # (unit, unit) map, its name ("b − a")


def compare_figure(sides: Sequence[Side], differences: Sequence[Difference], labels: Sequence[str],
                   title: str, language: FigureLanguage = "en") -> Figure:
    """The sides on one shared colour scale, then each difference on the aligned units, centred on 0."""
    count = max(*(len(tokens) for _, tokens, _ in sides), len(labels))
    side = float(np.clip(0.3 * count + 2.6, 4.2, 10))
    rows, columns = (1, len(sides) + len(differences)) if len(differences) == 1 else (2, len(sides))
    fig = Figure(figsize=(columns * side + 2.5, rows * (side + 1.0)), layout="constrained")
    axes = fig.subplots(rows, columns, squeeze=False).flatten()
    map_axes, difference_axes = axes[: len(sides)], axes[len(sides) :]
    top = max(*(float(matrix.max()) for matrix, _, _ in sides), 1e-6)
    for ax, (matrix, tokens, name) in zip(map_axes, sides, strict=True):
        image = ax.imshow(matrix, cmap=CMAP, vmin=0.0, vmax=top, aspect="equal")
        _label(ax, tokens, tokens, name, language)
    fig.colorbar(image, ax=list(map_axes), shrink=0.75).set_label(figure_text("weight", language), family=font_family())
    limit = max(*(float(np.abs(matrix).max()) for matrix, _ in differences), 1e-6)
    for ax, (matrix, name) in zip(difference_axes, differences, strict=True):
        shown = ax.imshow(matrix, cmap=DIVERGING, vmin=-limit, vmax=limit, aspect="equal")
        _label(ax, labels, labels, figure_text("difference_panel", language, name=name), language)
    fig.colorbar(shown, ax=list(difference_axes), shrink=0.75, label=" / ".join(name for _, name in differences))
    fig.suptitle(title, family=font_family(), fontsize=11)
    return fig


def _label(ax, query_labels: Sequence[str], key_labels: Sequence[str], name: str, language: FigureLanguage) -> None:
    _set_ticks(ax, key_labels, "x")
    _set_ticks(ax, query_labels, "y")
    ax.set_xlabel(figure_text("key_axis", language), family=font_family())
    ax.set_ylabel(figure_text("query_axis", language), family=font_family())
    ax.set_title(name, family=font_family(), fontsize=10)
