"""Figures from attention arrays and token labels; no model in sight (as bertviz's views).

Every builder returns a `matplotlib.figure.Figure` made with the object API: pyplot's global
state would leak figures between the threads of a server. Japanese labels render through a font
fallback list that ends with IPAexGothic, shipped by `matplotlib-fontja`; we add its font file to
the font manager but never change the global rcParams (save_figure sets the SVG writer's hash salt for
the length of one save, so that a figure's files are the same bytes in any process).
"""

from __future__ import annotations

import csv
import importlib.util
import math
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import numpy as np
from matplotlib import font_manager, rc_context
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.markers import TICKDOWN, TICKLEFT
from matplotlib.text import Text
from matplotlib.ticker import MaxNLocator
from matplotlib.transforms import offset_copy

from tools.core.color_scale import ColorScale
from tools.core.figure_text import FigureLanguage, figure_text
from tools.core.plot_layout import (
    EDGE,
    LABEL_PAD,
    PAD,
    ROTATION,
    TICK,
    TITLE_PAD,
    heatmap_layout,
    line_height,
    text_width,
)

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
PNG_DPI = 110
MAP_INCHES = 10.5  # a map's longest side; PNG pixels, hence drawing time, grow with its square
TITLE_SIZE = 11.0  # points
AXIS_LABEL_SIZE = 10.0
COLORBAR_TICK_SIZE = 9.0
HEADS_TITLE_SIZE = 9.0
HEADS_LABEL_SIZE = 8.0  # the smallest size read without zooming
COLORBAR_GAP = 14.0  # points between the map and its colorbar
COLORBAR_WIDTH = 12.0
SVG_SALT = "attention-sensei"  # hashed into the SVG's ids (clip paths, markers, images) in place of a random one
TICK_MARK = {"linestyle": "none", "markersize": TICK, "markeredgewidth": 0.8, "color": "black", "clip_on": False}


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
    language: FigureLanguage = "en",
    scale: ColorScale | None = None,
) -> Figure:
    """A query × key heatmap: rows are the tokens that attend, columns the tokens attended to.

    Colours run from 0 to `scale`'s top (this map's maximum when no scale is given), and the
    colorbar says which scale it is; axis names and that label are in `language`.

    Laid out once, by hand (tools/core/plot_layout.py): the margins are computed from the labels'
    widths and every label is a plain text at a fixed place, so drawing it as PNG and then as SVG
    lays each label out once per format instead of several times under a layout engine.
    """
    rows, cols = matrix.shape  # (query, key)
    family = tuple(font_family())
    side = float(np.clip(0.4 * max(rows, cols) + 1.2, 4.0, MAP_INCHES))  # the longer side of the map
    cell = side / max(rows, cols)  # inches
    key_positions, key_shown = _shown(key_labels)
    query_positions, query_shown = _shown(query_labels)
    size = _label_size(max(len(key_positions), len(query_positions)))
    scale = scale or ColorScale.of(matrix)
    vmax = scale.top
    ticks, tick_labels = _colorbar_ticks(vmax)
    colorbar_label = scale.label(language)
    colorbar_room = COLORBAR_GAP + COLORBAR_WIDTH + TICK + PAD + LABEL_PAD
    colorbar_room += line_height(AXIS_LABEL_SIZE, colorbar_label.count("\n") + 1)
    colorbar_room += max(text_width(label, COLORBAR_TICK_SIZE, family) for label in tick_labels)
    layout = heatmap_layout(
        key_shown,
        key_positions,
        query_shown,
        size,
        cell * 72,
        family,
        AXIS_LABEL_SIZE,
        title.count("\n") + 1,
        TITLE_SIZE,
        colorbar_room,
    )
    width, height = cols * cell, rows * cell
    title_room = text_width(title, TITLE_SIZE, family) / 72 / 2 + EDGE / 72 - width / 2  # a title wider than the map
    left, right = max(layout.left, title_room), max(layout.right, title_room)
    fig_width, fig_height = left + width + right, layout.bottom + height + layout.top
    fig = Figure(figsize=(fig_width, fig_height))
    ax = fig.add_axes((left / fig_width, layout.bottom / fig_height, width / fig_width, height / fig_height))
    image = ax.imshow(
        matrix, cmap=CMAP, vmin=0.0, vmax=vmax, aspect="auto", interpolation="none", interpolation_stage="rgba"
    )
    ax.set_xticks([])
    ax.set_yticks([])
    _label_cells(ax, key_positions, key_shown, "x", size, family)
    _label_cells(ax, query_positions, query_shown, "y", size, family)
    below = offset_copy(ax.transAxes, fig=fig, y=-(TICK + PAD + layout.key_drop + LABEL_PAD), units="points")
    ax.text(
        0.5, 0, figure_text("key_axis", language), transform=below, ha="center", va="top", fontsize=AXIS_LABEL_SIZE,
        family=family,
    )
    beside = offset_copy(ax.transAxes, fig=fig, x=-(TICK + PAD + layout.query_width + LABEL_PAD), units="points")
    ax.text(
        0,
        0.5,
        figure_text("query_axis", language),
        transform=beside,
        ha="right",
        va="center",
        rotation=90,
        fontsize=AXIS_LABEL_SIZE,
        family=family,
    )
    above = offset_copy(ax.transAxes, fig=fig, y=TITLE_PAD, units="points")
    ax.text(
        0.5,
        1,
        title,
        transform=above,
        ha="center",
        va="bottom",
        multialignment="center",
        fontsize=TITLE_SIZE,
        family=family,
        parse_math=False,
    )
    bar_height = 0.8 * height
    cax = fig.add_axes(
        (
            (left + width + COLORBAR_GAP / 72) / fig_width,
            (layout.bottom + 0.1 * height) / fig_height,
            COLORBAR_WIDTH / 72 / fig_width,
            bar_height / fig_height,
        )
    )
    colorbar = fig.colorbar(image, cax=cax)
    colorbar.set_ticks(ticks, labels=tick_labels)
    colorbar.ax.tick_params(labelsize=COLORBAR_TICK_SIZE)
    colorbar.set_label(colorbar_label, family=family, fontsize=AXIS_LABEL_SIZE)
    if annotate:
        _annotate(ax, matrix)
    return fig


def _shown(labels: Sequence[str]) -> tuple[list[int], list[str]]:
    """The positions that get a label, and their labels (every k-th beyond 64 tokens)."""
    positions = list(range(0, len(labels), _tick_step(len(labels))))
    return positions, [labels[i] for i in positions]


def _label_cells(
    ax,
    positions: list[int],
    labels: list[str],
    axis: str,
    size: float,
    family: tuple[str, ...],
    rotation: float = ROTATION,
) -> None:
    """Tick marks (one artist) and one plain text per shown label, outside the map's edge.

    The texts are added to the figure, not the axes: the axes would give each one a clip path,
    which costs more than drawing it; `parse_math=False` keeps a token such as "$x$" literal.
    Each text's artist label ("key" or "query", never drawn) says which axis it belongs to.
    """
    style = {"fontsize": size, "family": family, "parse_math": False}
    if axis == "x":
        edge = ax.get_xaxis_transform()  # x in data (cells), y in axes (0 = the bottom edge)
        ax.add_artist(Line2D(positions, [0] * len(positions), transform=edge, **TICK_MARK, marker=TICKDOWN))
        place = offset_copy(edge, fig=ax.figure, y=-(TICK + PAD), units="points")
        upright = rotation == 90.0  # centred on its cell; a slanted label hangs from its top edge
        style |= {"rotation": rotation, "rotation_mode": "anchor", "ha": "right", "va": "center" if upright else "top"}
        style["label"] = "key"
        texts = [
            Text(position, 0, label, transform=place, **style)
            for position, label in zip(positions, labels, strict=True)
        ]
    else:
        edge = ax.get_yaxis_transform()  # x in axes (0 = the left edge), y in data (cells)
        ax.add_artist(Line2D([0] * len(positions), positions, transform=edge, **TICK_MARK, marker=TICKLEFT))
        place = offset_copy(edge, fig=ax.figure, x=-(TICK + PAD), units="points")
        style |= {"ha": "right", "va": "center_baseline", "label": "query"}
        texts = [
            Text(0, position, label, transform=place, **style)
            for position, label in zip(positions, labels, strict=True)
        ]
    for text in texts:
        ax.figure.add_artist(text)


def _colorbar_ticks(vmax: float) -> tuple[list[float], list[str]]:
    """About five round values from 0 to vmax, written with the decimals their step needs."""
    values = [
        v for v in MaxNLocator(nbins=5, steps=[1, 2, 5, 10]).tick_values(0.0, vmax) if -1e-12 <= v <= vmax * (1 + 1e-9)
    ]
    step = values[1] - values[0] if len(values) > 1 else vmax
    decimals = max(0, -math.floor(math.log10(step))) if step > 0 else 2
    return values, [f"{v:.{decimals}f}" for v in values]


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
    xlabel: str = "token (position)",
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
    ax.set_xlabel(xlabel, family=font_family())
    ax.set_title(title, family=font_family(), fontsize=11)
    ax.grid(alpha=0.3)
    if len(series) > 1:
        ax.legend(prop={"family": font_family(), "size": 8})
    return fig


def heads_figure(
    matrices: np.ndarray,
    labels: Sequence[str],
    title: str,
    language: FigureLanguage = "en",
    scale: ColorScale | None = None,
) -> Figure:
    """Every head of one layer as a small heatmap, on one colour scale; `matrices` is (heads, query, key).

    Laid out by hand like heatmap_figure. Token labels (up to 24 tokens, HEADS_LABEL_SIZE points)
    stand on the outer edges only, as with shared axes: query labels left of the first column, key
    labels under the lowest map of each column, rotated upright so that neighbouring columns' labels
    never meet. The axis names stand beside and below the whole grid, and one colorbar right of it
    states the scale every head shares (the maximum over all heads unless `scale` is given).
    """
    heads, seq_len, _ = matrices.shape
    family = tuple(font_family())
    scale = scale or ColorScale.of(matrices, maps=heads)
    ticks, tick_labels = _colorbar_ticks(scale.top)
    colorbar_label = scale.label(language)
    cols = min(heads, 4)
    rows = int(np.ceil(heads / cols))
    side = float(np.clip(0.13 * seq_len + 1.4, 2.2, 5.0))  # inches of one map
    shown = list(labels) if seq_len <= 24 else []
    widest = max((text_width(label, HEADS_LABEL_SIZE, family) for label in shown), default=0.0)
    labels_room = (widest + PAD + TICK) / 72 if shown else 0.0  # inches beside/below a map
    axis_name = (line_height(AXIS_LABEL_SIZE) + LABEL_PAD) / 72
    head_title = (line_height(HEADS_TITLE_SIZE) + TITLE_PAD / 2) / 72
    colorbar_room = COLORBAR_GAP + COLORBAR_WIDTH + TICK + PAD + LABEL_PAD
    colorbar_room += max(text_width(label, COLORBAR_TICK_SIZE, family) for label in tick_labels)
    colorbar_room = (colorbar_room + line_height(AXIS_LABEL_SIZE, colorbar_label.count("\n") + 1)) / 72
    gap, edge = 0.18, EDGE / 72
    left, bottom = edge + axis_name + labels_room, edge + axis_name + labels_room
    top = edge + line_height(TITLE_SIZE, title.count("\n") + 1) / 72 + head_title
    row_gap = head_title + gap + (labels_room if heads % cols else 0.0)  # a column may end above an empty slot
    grid_width = cols * side + (cols - 1) * gap
    grid_height = rows * side + (rows - 1) * row_gap
    width = max(left + grid_width + colorbar_room + edge, text_width(title, TITLE_SIZE, family) / 72 + 2 * edge)
    height = bottom + grid_height + top
    fig = Figure(figsize=(width, height))
    positions = list(range(seq_len))
    for head in range(heads):
        row, col = divmod(head, cols)
        x0, y0 = left + col * (side + gap), height - top - side - row * (side + row_gap)
        ax = fig.add_axes((x0 / width, y0 / height, side / width, side / height))
        image = ax.imshow(
            matrices[head], cmap=CMAP, vmin=0.0, vmax=scale.top, aspect="auto", interpolation="none"
        )
        ax.set_xticks([])
        ax.set_yticks([])
        above = offset_copy(ax.transAxes, fig=fig, y=TITLE_PAD / 2, units="points")
        ax.text(
            0.5, 1, figure_text("head", language, index=head), transform=above, ha="center", va="bottom",
            fontsize=HEADS_TITLE_SIZE, family=family,
        )
        if shown and col == 0:
            _label_cells(ax, positions, shown, "y", HEADS_LABEL_SIZE, family)
        if shown and head + cols >= heads:  # the lowest map of its column
            _label_cells(ax, positions, shown, "x", HEADS_LABEL_SIZE, family, rotation=90.0)
    grid_bottom = height - top - grid_height  # inches from the figure's bottom edge
    fig.text(
        (left + grid_width / 2) / width, edge / height, figure_text("key_axis", language),
        ha="center", va="bottom", fontsize=AXIS_LABEL_SIZE, family=family, label="key axis",
    )
    fig.text(
        edge / width, (grid_bottom + grid_height / 2) / height, figure_text("query_axis", language),
        ha="left", va="center", rotation=90, fontsize=AXIS_LABEL_SIZE, family=family, label="query axis",
    )
    cax = fig.add_axes((
        (left + grid_width + COLORBAR_GAP / 72) / width,
        (grid_bottom + 0.1 * grid_height) / height,
        COLORBAR_WIDTH / 72 / width,
        0.8 * grid_height / height,
    ))
    colorbar = fig.colorbar(image, cax=cax)
    colorbar.set_ticks(ticks, labels=tick_labels)
    colorbar.ax.tick_params(labelsize=COLORBAR_TICK_SIZE)
    colorbar.set_label(colorbar_label, family=family, fontsize=AXIS_LABEL_SIZE)
    fig.text(
        0.5,
        1 - edge / height,
        title,
        ha="center",
        va="top",
        multialignment="center",
        fontsize=TITLE_SIZE,
        family=family,
        parse_math=False,
    )
    return fig


def save_figure(fig: Figure, stem: Path) -> list[Path]:
    """Write the figure as PNG and SVG beside each other; returns both paths.

    The same figure gives the same bytes, in any process. The PNG uses zlib's fastest level: ~8 % less
    drawing time for files ~20 % larger, which a browser on the same network does not notice.
    """
    paths = [stem.with_suffix(".png"), stem.with_suffix(".svg")]
    fig.savefig(paths[0], dpi=PNG_DPI, pil_kwargs={"compress_level": 1})
    # The same bytes wherever the figure is drawn (here or in a worker, tools/core/render_pool.py): no date,
    # and ids hashed with a fixed salt instead of a random one. The salt is an rcParam that only the SVG
    # writer reads, set for this save alone; one process never saves two figures at once (the rendering
    # queue here, one job at a time in a worker).
    with rc_context({"svg.hashsalt": SVG_SALT}):
        fig.savefig(paths[1], metadata={"Date": None})
    return paths


def write_matrix_csv(
    path: Path, row_labels: Sequence[str], column_labels: Sequence[str], values: np.ndarray, corner: str = ""
) -> Path:
    """A CSV whose first row and first column are token labels; a NaN cell (a key that did not exist
    yet, in a ragged map) is left empty."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([corner, *column_labels])
        for label, row in zip(row_labels, np.atleast_2d(values), strict=True):
            writer.writerow([label, *("" if np.isnan(value) else f"{value:.6g}" for value in row)])
    return path
