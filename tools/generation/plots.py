"""The figure and CSV of attention during generation: a ragged (generated, key) map.

Same rules as tools/core/plots.py: the object API only (never pyplot), fonts from `plots.font_family()`;
the words drawn come from tools/core/figure_text.toml in the learner's `language`.
Cells whose key did not exist yet at that step are NaN: drawn light grey, written as empty CSV cells.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib
import numpy as np
from matplotlib.figure import Figure

from tools.core.figure_text import FigureLanguage, figure_text
from tools.core.plots import CMAP, _set_ticks, font_family

__all__ = ["generation_figure", "GENERATED_COLOR"]

GENERATED_COLOR = "#c0392b"  # generated keys' tick labels and the prompt | generated divider
MISSING_COLOR = "#e6e6e6"  # keys that did not exist yet


def generation_figure(
    matrix: np.ndarray, row_labels: Sequence[str], key_labels: Sequence[str], prompt_len: int, title: str,
    language: FigureLanguage = "en",
) -> Figure:
    """Rows: generated tokens; columns: the prompt, a divider, then the earlier generated tokens."""
    rows, cols = matrix.shape  # (generated, key)
    width = float(np.clip(0.36 * cols + 3.5, 7, 18))
    height = float(np.clip(0.36 * rows + 2.8, 3.8, 14))
    fig = Figure(figsize=(width, height), layout="constrained")
    ax = fig.add_subplot()
    cmap = matplotlib.colormaps[CMAP].with_extremes(bad=MISSING_COLOR)
    finite = matrix[np.isfinite(matrix)]
    vmax = max(float(finite.max()) if finite.size else 0.0, 1e-6)
    image = ax.imshow(np.ma.masked_invalid(matrix), cmap=cmap, vmin=0.0, vmax=vmax, aspect="auto")
    fig.colorbar(image, ax=ax, shrink=0.8).set_label(figure_text("weight", language), family=font_family())
    _set_ticks(ax, key_labels, "x")
    _set_ticks(ax, row_labels, "y")
    for tick, position in zip(ax.get_xticklabels(), ax.get_xticks(), strict=True):
        if position >= prompt_len:
            tick.set_color(GENERATED_COLOR)
    if prompt_len < cols:
        ax.axvline(prompt_len - 0.5, color=GENERATED_COLOR, linewidth=2)
        ax.text(
            prompt_len - 0.5,
            -0.7,
            figure_text("generated_arrow", language),
            color=GENERATED_COLOR,
            ha="left",
            va="bottom",
            family=font_family(),
            fontsize=9,
        )
        ax.text(prompt_len - 0.5, -0.7, figure_text("prompt_arrow", language), ha="right", va="bottom",
                family=font_family(), fontsize=9)
    ax.set_xlabel(figure_text("generation_key_axis", language), family=font_family())
    ax.set_ylabel(figure_text("generation_query_axis", language), family=font_family())
    ax.set_title(title, family=font_family(), fontsize=11, pad=18)
    return fig
