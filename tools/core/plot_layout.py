"""Fixed figure layouts computed from the labels' measured widths, instead of a layout engine.

matplotlib's constrained layout measures every tick label several times per draw, and again for
each output format (PNG, then SVG): at 128 tokens that was most of a heatmap's 1.2 s. Here each
label string is measured once (cached), the margins follow from the widest label, and every
artist is placed in inches from the figure's edges, so a draw lays each label out only once.

Geometry is in points (1/72 inch) unless a name says inches. The label band under a heatmap
holds labels rotated by `ROTATION` degrees and anchored at their right end under the cell.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from matplotlib.font_manager import FontProperties
from matplotlib.textpath import text_to_path

__all__ = [
    "text_width",
    "line_height",
    "HeatmapLayout",
    "heatmap_layout",
    "ROTATION",
    "TICK",
    "PAD",
    "LABEL_PAD",
    "TITLE_PAD",
    "EDGE",
]

ROTATION = 60.0  # degrees of the key labels under a heatmap
TICK = 3.5  # tick mark length, as matplotlib's default
PAD = 3.5  # tick mark to its label, as matplotlib's default
LABEL_PAD = 4.0  # tick labels to the axis label
TITLE_PAD = 6.0
EDGE = 5.0  # free space around everything
LINE_SPACING = 1.25  # a line's height as a multiple of the font size (ascent + descent + leading)


@lru_cache(maxsize=16384)
def text_width(text: str, size: float, family: tuple[str, ...]) -> float:
    """Width in points of `text` (its widest line) drawn at `size` points in `family` (fallbacks included)."""
    properties = FontProperties(family=list(family), size=size)
    return max(
        (text_to_path.get_text_width_height_descent(line, properties, ismath=False)[0] for line in text.split("\n")),
        default=0.0,
    )


def line_height(size: float, lines: int = 1) -> float:
    return LINE_SPACING * size * lines


@dataclass(frozen=True)
class HeatmapLayout:
    """Where a heatmap's parts go. Margins in inches; the label extents in points."""

    left: float
    right: float
    bottom: float
    top: float
    key_drop: float  # how far the rotated key labels reach below their tick marks
    query_width: float  # the widest query label


def heatmap_layout(
    key_labels: Sequence[str],
    key_positions: Sequence[float],
    query_labels: Sequence[str],
    label_size: float,
    cell: float,
    family: tuple[str, ...],
    axis_label_size: float,
    title_lines: int,
    title_size: float,
    right_extra: float,
) -> HeatmapLayout:
    """Margins that fit a heatmap's labels: rotated key labels below, query labels left, title above.

    `key_positions` are the shown key labels' cell indices from the left edge; `cell` is a cell's side
    in points; `right_extra` (points) is what stands right of the map (a colorbar and its labels).
    """
    sin, cos = math.sin(math.radians(ROTATION)), math.cos(math.radians(ROTATION))
    height = line_height(label_size)
    key_widths = [text_width(label, label_size, family) for label in key_labels]
    # A label anchored at its top right corner and rotated drops by w·sin + h·cos and reaches w·cos to the left.
    drop = max((w * sin + height * cos for w in key_widths), default=0.0)
    overhang = max((w * cos - (p + 0.5) * cell for w, p in zip(key_widths, key_positions, strict=True)), default=0.0)
    query_width = max((text_width(label, label_size, family) for label in query_labels), default=0.0)
    axis_label = line_height(axis_label_size)
    left = max(EDGE + axis_label + LABEL_PAD + query_width + PAD + TICK, EDGE + overhang)
    bottom = EDGE + axis_label + LABEL_PAD + drop + PAD + TICK
    top = EDGE + line_height(title_size, title_lines) + TITLE_PAD
    right = EDGE + right_extra + height * sin  # the last rotated label leans a little to the right
    return HeatmapLayout(left / 72, right / 72, bottom / 72, top / 72, drop, query_width)
