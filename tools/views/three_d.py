"""plot_3d: one layer's (query, key) attention drawn as 3D bars, and what that view hides.

The article this app follows drew its attention matrix as a 3D bar chart and found a heatmap more
readable. This tool draws the 3D view on request and measures its cost on the very matrix it drew:
from the drawn viewpoint, how many bar tops stand (partly) behind taller bars, so that the learner
reads the reason in numbers rather than in a canned sentence.

Geometry. Bar (q, k) stands on the floor cell [k, k + 1] × [q, q + 1] (x = key, y = query), inset by
`GAP` on each side, with height = its weight. matplotlib maps the axes' limits to a box whose sides
are the box aspect, and an orthographic view looks along the fixed direction
(cos e · cos a, cos e · sin a, sin e) of that box (elevation e, azimuth a; `Axes3D.get_proj`). A point
of a bar's top is hidden when the ray from it towards the viewer passes through another bar.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib import colormaps
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.figure import Figure

from tools.core import codegen, plots
from tools.core.color_scale import ColorScale
from tools.core.extract import Extraction
from tools.core.figure_text import FigureLanguage, checked_language, figure_text
from tools.core.plot_layout import text_width
from tools.core.plumbing import result_header, save_artifacts
from tools.core.pooling import pool_blocks, pooling_snippet
from tools.core.render_pool import Drawing
from tools.core.session import current_session
from tools.core.sink import sink_fields
from tools.views.api import shown_layer

__all__ = ["plot_3d", "bars_figure", "hidden_tops", "view_direction", "ELEVATION", "AZIMUTH"]

ELEVATION = 30.0  # degrees: matplotlib's default view, the one a plain `bar3d` script shows
AZIMUTH = -60.0
GAP = 0.15  # floor left free on each side of a bar, in cells
MAX_SIDE = 32  # bars per side; beyond, blocks of tokens are pooled (1,024 bars already hide each other)
Z_ASPECT = 0.75  # the box's height over its longer floor side (matplotlib's default box is 4 × 4 × 3)
SAMPLES = np.array([[0.5, 0.5], [0.1, 0.1], [0.1, 0.9], [0.9, 0.1], [0.9, 0.9]])  # points of a top, in its square


def plot_3d(
    layer: int = -1,
    head: int | None = None,
    exclude_special: bool = False,
    text: str | None = None,
    model: str | None = None,
    language: FigureLanguage = "en",
) -> dict[str, Any]:
    """Draw one layer's query × key attention as 3D bars, and count the bar tops the view hides behind taller bars.

    One head or the mean over heads, like the heatmap. Writes PNG, SVG and CSV files and returns a
    script that reproduces the figure.

    Args:
        layer: Layer index, 0-based; -1 is the last layer.
        head: Head index, 0-based; omit to average over all heads.
        exclude_special: Drop special tokens such as [CLS], [SEP] and <bos>, and renormalize each row to sum to 1.
        text: The sentence to analyse; omit to use the latest one.
        model: Model alias, Hugging Face id or local directory; omit to use the current one.
        language: The learner's language, "en" or "ja": the title, axis names and colour-scale label use it.
    """
    language = checked_language(language)
    extraction, notes, view, matrix, labels, _, title = shown_layer(text, model, layer, head, exclude_special,
                                                                    language)
    pooled = pool_blocks(matrix.numpy(), labels, labels, max_cells=MAX_SIDE)  # (blocks, blocks) past MAX_SIDE
    values, labels = pooled.matrix, pooled.query_labels
    if pooled.pooled:
        title += f"\n{figure_text('pooled_blocks', language, size=pooled.query_block)}"
        notes.append(pooled.note)
    covered = hidden_tops(values)  # (query, key, samples)
    hidden, fully = covered.any(axis=-1), covered.all(axis=-1)  # (query, key): partly, entirely
    bars = values.size
    title += f"\n{figure_text('hidden_tops', language, hidden=int(hidden.sum()), bars=bars)}"
    figure = Drawing.of(bars_figure, values, labels, labels, title, language)
    code = _script(extraction, title.replace("\n", "; "), layer, view.head, exclude_special, pooled.pooled, language)
    top = np.unravel_index(int(np.argmax(values)), values.shape)
    return {
        **result_header(extraction, view),
        "title": title,
        **ColorScale.of(values).fields(),
        "plotted_tokens": labels,
        "bars": bars,
        "max_weight": round(float(values[top]), 4),
        "max_query": labels[top[0]],
        "max_key": labels[top[1]],
        "viewpoint": {"elevation": ELEVATION, "azimuth": AZIMUTH},
        "hidden_bars": int(hidden.sum()),
        "fully_hidden_bars": int(fully.sum()),
        "hidden_share": round(float(hidden.mean()), 4),
        "largest_hidden": _largest(values, hidden, labels),
        **sink_fields(extraction, view.matrix, exclude_special),
        **save_artifacts(figure, "3d", labels, labels, values, code),
        "notes": notes,
    }


def _largest(values: np.ndarray, hidden: np.ndarray, labels: list[str]) -> dict[str, Any] | None:
    """The tallest bar whose top is (partly) hidden: the largest weight this view keeps from being read."""
    if not hidden.any():
        return None
    masked = np.where(hidden, values, -np.inf)  # (query, key)
    query, key = np.unravel_index(int(np.argmax(masked)), values.shape)
    return {"query": labels[query], "key": labels[key], "weight": round(float(values[query, key]), 4)}


def box_aspect(rows: int, cols: int) -> tuple[float, float, float]:
    """The drawn box's sides (x = keys, y = queries, z = weight), as matplotlib's `set_box_aspect` takes them."""
    return float(cols), float(rows), Z_ASPECT * max(rows, cols)


def view_direction(elevation: float = ELEVATION, azimuth: float = AZIMUTH) -> np.ndarray:
    """(3,) unit vector from the scene towards an orthographic viewer, in box coordinates."""
    e, a = np.radians(elevation), np.radians(azimuth)
    return np.array([np.cos(e) * np.cos(a), np.cos(e) * np.sin(a), np.sin(e)])


def hidden_tops(values: np.ndarray, elevation: float = ELEVATION, azimuth: float = AZIMUTH) -> np.ndarray:
    """(query, key, samples) booleans: is each sample point of each bar's top hidden behind another bar?

    Everything happens in box coordinates, where the viewer's direction is `view_direction`: bar boxes
    (query, key, lo/hi, xyz) are scaled like the drawn axes (x: 0..cols, y: 0..rows, z: 0..max weight),
    and a ray from each sample point towards the viewer is tested against every other box (slab method).
    """
    rows, cols = values.shape  # (query, key)
    top = max(float(values.max()), 1e-12)
    scale = np.array(box_aspect(rows, cols)) / np.array([cols, rows, top])  # data units → box units, per axis
    query, key = np.meshgrid(np.arange(rows), np.arange(cols), indexing="ij")  # (query, key) each
    low = np.stack([key + GAP, query + GAP, np.zeros_like(values)], axis=-1) * scale  # (query, key, 3)
    high = np.stack([key + 1 - GAP, query + 1 - GAP, values], axis=-1) * scale
    side = 1 - 2 * GAP
    points = np.stack([  # (query, key, samples, 3): the sample points on each top
        np.broadcast_to((key + GAP)[..., None] + side * SAMPLES[:, 0], (rows, cols, len(SAMPLES))),
        np.broadcast_to((query + GAP)[..., None] + side * SAMPLES[:, 1], (rows, cols, len(SAMPLES))),
        np.broadcast_to(values[..., None], (rows, cols, len(SAMPLES))),
    ], axis=-1) * scale
    direction = view_direction(elevation, azimuth)
    if direction[2] <= 0:
        raise ValueError(f"the view must look down on the bars (elevation > 0), not elevation={elevation}")
    direction = np.where(np.abs(direction) < 1e-12, 1e-12, direction)  # a ray along an axis: no 0/0 below
    boxes_low = low.reshape(-1, 3).astype(np.float32)  # (bars, 3)
    boxes_high = high.reshape(-1, 3).astype(np.float32)
    heights = boxes_high[:, 2]
    starts = points.reshape(-1, 3).astype(np.float32)  # (bars * samples, 3)
    owner = np.repeat(np.arange(rows * cols), len(SAMPLES))  # the bar each point lies on
    hidden = np.zeros(len(starts), dtype=bool)
    for index, start in enumerate(starts):
        # the ray rises towards the viewer, so only a taller bar can stand in its way
        taller = np.flatnonzero(heights > start[2])
        taller = taller[taller != owner[index]]
        if taller.size == 0:
            continue
        near = (boxes_low[taller] - start) / direction  # (taller, 3): the ray parameter t at each slab
        far = (boxes_high[taller] - start) / direction
        enter = np.minimum(near, far).max(axis=-1)
        leave = np.maximum(near, far).min(axis=-1)
        hidden[index] = bool((leave > np.maximum(enter, 0.0) + 1e-6).any())  # the ray passes through the inside
    return hidden.reshape(rows, cols, len(SAMPLES))


def bars_figure(
    values: np.ndarray, query_labels: list[str], key_labels: list[str], title: str, language: FigureLanguage = "en"
) -> Figure:
    """A query × key × weight bar chart, bars coloured by weight like the heatmap, seen from (ELEVATION, AZIMUTH)."""
    rows, cols = values.shape  # (query, key)
    family = plots.font_family()
    size = float(np.clip(11 - max(rows, cols) / 4, 5.5, 9))
    fig = Figure(figsize=(10.5, 9.0))
    ax = fig.add_axes((0.0, 0.05, 0.86, 0.87), projection="3d", proj_type="ortho")
    query, key = np.meshgrid(np.arange(rows), np.arange(cols), indexing="ij")  # (query, key) each
    scale = ColorScale.of(values)  # this map's maximum, as the heatmap
    norm = Normalize(0.0, scale.top)
    colors = colormaps[plots.CMAP](norm(values.ravel()))
    side = 1 - 2 * GAP
    # matplotlib sorts the faces of one collection by their mean depth, which draws a tall bar's side over
    # a nearer short bar; one collection per bar, drawn from the farthest floor cell to the nearest, does not
    ax.computed_zorder = False
    direction = view_direction()
    order = np.argsort((key.ravel() + 0.5) * direction[0] + (query.ravel() + 0.5) * direction[1], kind="stable")
    for rank, bar in enumerate(order):
        ax.bar3d(key.flat[bar] + GAP, query.flat[bar] + GAP, 0.0, side, side, values.flat[bar], color=colors[bar],
                 shade=True, zorder=rank)
    ax.set_xlim(0, cols)
    ax.set_ylim(0, rows)
    ax.set_zlim(0, norm.vmax)
    ax.set_box_aspect(box_aspect(rows, cols), zoom=1.05)
    ax.view_init(elev=ELEVATION, azim=AZIMUTH)
    centres = np.arange(max(rows, cols)) + 0.5
    # each axis runs slanted across the page: labels stand across it, not along it, so neighbours never meet
    ax.set_xticks(centres[:cols], key_labels, fontsize=size, family=family, rotation=60, ha="right", va="top",
                  rotation_mode="anchor")
    ax.set_yticks(centres[:rows], query_labels, fontsize=size, family=family, rotation=-30, ha="left", va="top",
                  rotation_mode="anchor")
    ax.tick_params(axis="z", labelsize=8)
    longest = max(text_width(label, size, tuple(family)) for label in [*query_labels, *key_labels])
    pad = 8 + 0.45 * longest  # axis titles clear the longest slanted label
    ax.set_xlabel(figure_text("key_axis", language), family=family, labelpad=pad)
    ax.set_ylabel(figure_text("query_axis", language), family=family, labelpad=pad)
    ax.set_zlabel(figure_text("weight", language), family=family, labelpad=10)
    fig.text(0.5, 0.985, title, ha="center", va="top", fontsize=plots.TITLE_SIZE, family=family, parse_math=False)
    bar = fig.add_axes((0.93, 0.3, 0.018, 0.4))
    colorbar = fig.colorbar(ScalarMappable(norm, plots.CMAP), cax=bar)
    colorbar.set_label(scale.label(language), family=family)
    return fig


def _script(
    extraction: Extraction,
    title: str,
    layer: int,
    head: int | None,
    exclude_special: bool,
    pooled: bool,
    language: FigureLanguage = "en",
) -> str:
    """A standalone script drawing the same bars from the same viewpoint and writing the plotted values.csv."""
    body = codegen._prelude(extraction.model, extraction.text, current_session().max_tokens, title)
    body = body.replace("import csv\n", "import csv\n\nimport numpy as np\n", 1)
    body += codegen._selection(layer, head)
    if exclude_special:
        body += codegen._EXCLUDE_SPECIAL
    body += "\nvalues = matrix.numpy()\n"
    if pooled:
        body += pooling_snippet(MAX_SIDE)
    key_axis, query_axis, weight = (figure_text(key, language) for key in ("key_axis", "query_axis", "weight"))
    body += f"""
rows, cols = values.shape  # (query, key)
fig = plt.figure(figsize=(10.5, 9))
ax = fig.add_subplot(projection="3d", proj_type="ortho")
ax.view_init(elev={ELEVATION:g}, azim={AZIMUTH:g})
# one bar3d per bar, drawn from the farthest floor cell to the nearest: a single bar3d call sorts all
# faces by their mean depth and paints tall bars' sides over nearer short bars
ax.computed_zorder = False
elevation, azimuth = np.radians({ELEVATION:g}), np.radians({AZIMUTH:g})
query, key = np.meshgrid(np.arange(rows), np.arange(cols), indexing="ij")  # (query, key) each
depth = (key + 0.5) * np.cos(elevation) * np.cos(azimuth) + (query + 0.5) * np.cos(elevation) * np.sin(azimuth)
for rank, (q, k) in enumerate(zip(*np.unravel_index(np.argsort(depth, axis=None, kind="stable"), depth.shape))):
    ax.bar3d(k + {GAP}, q + {GAP}, 0, {1 - 2 * GAP:.2f}, {1 - 2 * GAP:.2f}, values[q, k], shade=True, zorder=rank,
             color=plt.cm.viridis(values[q, k] / values.max()))  # coloured by weight, like the heatmap
ax.set_xlim(0, cols)
ax.set_ylim(0, rows)
ax.set_zlim(0, values.max())
ax.set_box_aspect((cols, rows, {Z_ASPECT} * max(rows, cols)))
ax.set_xticks(np.arange(cols) + 0.5, tokens, fontsize=7, rotation=60, ha="right", va="top", rotation_mode="anchor")
ax.set_yticks(np.arange(rows) + 0.5, tokens, fontsize=7, rotation=-30, ha="left", va="top", rotation_mode="anchor")
ax.set_xlabel({key_axis!r}, labelpad=20)
ax.set_ylabel({query_axis!r}, labelpad=20)
ax.set_zlabel({weight!r})
ax.set_title({title!r}, fontsize=9)
fig.savefig("3d.png", dpi=110)
""" + codegen._WRITE_CSV + """    writer.writerow(["", *tokens])
    for token, row in zip(tokens, values):
        writer.writerow([token, *(f"{value:.6g}" for value in row)])
"""
    return body
