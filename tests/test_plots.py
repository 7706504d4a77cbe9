"""Figures: Japanese labels render with a CJK font, and the global matplotlib state is untouched."""

from __future__ import annotations

import warnings

import matplotlib
import numpy as np
import pytest
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ft2font import FT2Font
from matplotlib.text import Text

from tools.core.color_scale import ColorScale
from tools.core.plots import HEADS_LABEL_SIZE, JAPANESE_FONT, font_family, heads_figure, heatmap_figure, line_figure

LABELS = ["<bos>", "今日は", "カレー", "ライス", "を食べ", "ました", "。"]


def test_the_fallback_list_ends_with_a_font_that_has_the_japanese_glyphs():
    family = font_family()
    assert family[-1] == JAPANESE_FONT
    path = font_manager.findfont(font_manager.FontProperties(family=JAPANESE_FONT), fallback_to_default=False)
    assert path.endswith("ipaexg.ttf")
    charmap = FT2Font(path).get_charmap()
    assert all(ord(char) in charmap for char in "今日はカレーライスを食べました。")


def test_japanese_labels_render_without_missing_glyphs():
    matrix = np.tril(np.ones((7, 7))) / np.arange(1, 8)[:, None]
    figure = heatmap_figure(matrix, LABELS, LABELS, "gemma-270m · 最終層", annotate=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        FigureCanvasAgg(figure).draw()
        line = line_figure({"受け取った注意": matrix.mean(axis=0)}, LABELS, "折れ線", "注意")
        FigureCanvasAgg(line).draw()
    missing = [str(w.message) for w in caught if "missing from" in str(w.message)]
    assert missing == []
    assert cell_labels(figure, "key") == LABELS
    assert cell_labels(figure, "query") == LABELS


def test_building_figures_leaves_global_rcparams_alone():
    before = list(matplotlib.rcParams["font.family"])
    heatmap_figure(np.eye(3), ["a", "b", "c"], ["a", "b", "c"], "t")
    assert matplotlib.rcParams["font.family"] == before
    import matplotlib.pyplot as plt  # noqa: F401  (imported only to check no figure was registered)

    assert plt.get_fignums() == []


def test_long_inputs_thin_their_tick_labels():
    labels = [f"t{i}" for i in range(300)]
    figure = heatmap_figure(np.full((300, 300), 1 / 300), labels, labels, "long")
    shown = cell_labels(figure, "key")
    assert 32 <= len(shown) <= 64
    assert shown[:3] == ["t0", "t5", "t10"]


def cell_labels(figure: Figure, axis: str) -> list[str]:
    return [text.get_text() for text in figure.artists if isinstance(text, Text) and text.get_label() == axis]


HEATMAP_CASES = {
    "japanese, annotated": (7, LABELS, "gemma-270m · layer 17 (= -1) · mean of 4 heads"),
    "two-line title": (
        12,
        [f"word{i}" for i in range(12)],
        "minilm · layer 5 · mean of 12 heads\nspecial tokens removed",
    ),
    "three tokens, long title": (
        3,
        ["[CLS]", "hi", "[SEP]"],
        "a-very-long-model-name/with-a-path · layer 11 (= -1) · head 3",
    ),
    "long labels": (20, ["W" * 14, *[f"x{i}" for i in range(18)], "と思いますと思います"], "t"),
    "128 tokens": (128, [f"token{i}" for i in range(128)], "minilm · layer 5 · mean of 12 heads"),
    "512 tokens": (512, ["▁Sentence"] * 512, "gemma-270m · layer 0 · head 0"),
}


@pytest.mark.parametrize("case", HEATMAP_CASES)
def test_heatmap_labels_sit_outside_the_map_and_inside_the_figure(case: str):
    """The layout is computed, not solved: check that every text fits on the canvas, key labels
    hang below the map, query labels stand left of it, and the title above it."""
    count, labels, title = HEATMAP_CASES[case]
    matrix = np.random.default_rng(0).random((count, count))
    figure = heatmap_figure(matrix / matrix.sum(axis=1, keepdims=True), labels, labels, title, annotate=count <= 12)
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    renderer = canvas.get_renderer()
    page = figure.bbox
    heatmap = figure.axes[0].get_window_extent(renderer)
    texts = [*figure.artists, *figure.axes[0].texts, *figure.axes[1].get_yticklabels(), figure.axes[1].yaxis.label]
    for text in texts:
        box = text.get_window_extent(renderer)
        if not text.get_text():
            continue
        assert page.x0 - 0.5 <= box.x0 and box.x1 <= page.x1 + 0.5, (text.get_text(), box, page)
        assert page.y0 - 0.5 <= box.y0 and box.y1 <= page.y1 + 0.5, (text.get_text(), box, page)
        if text.get_label() == "key":
            assert box.y1 <= heatmap.y0, (text.get_text(), box, heatmap)
        if text.get_label() == "query":
            assert box.x1 <= heatmap.x0, (text.get_text(), box, heatmap)
    title_box = next(text for text in figure.axes[0].texts if text.get_text() == title).get_window_extent(renderer)
    assert title_box.y0 >= heatmap.y1
    assert figure.axes[1].get_window_extent(renderer).x0 > heatmap.x1  # the colorbar stands right of the map


def test_cells_are_square_and_labels_are_literal():
    figure = heatmap_figure(np.eye(4)[:3], ["$x$", "b", "c"], ["$x$", "b", "c", "d"], "t")
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    box = figure.axes[0].get_window_extent(canvas.get_renderer())
    assert box.width / 4 == pytest.approx(box.height / 3, rel=1e-6)
    assert all(
        not text.get_parse_math() for text in figure.artists if isinstance(text, Text)
    )  # "$x$" is a token, not mathtext


@pytest.mark.parametrize(("heads", "count"), [(12, 8), (4, 24), (6, 5), (4, 40)])
def test_heads_grid_labels_sit_on_the_outer_edges_and_inside_the_figure(heads: int, count: int):
    labels = [f"token{i}" if i % 3 else "と思います" for i in range(count)]
    matrices = np.random.default_rng(0).random((heads, count, count))
    figure = heads_figure(matrices / matrices.sum(axis=-1, keepdims=True), labels, "minilm · layer 5 · all heads")
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    renderer = canvas.get_renderer()
    page = figure.bbox
    maps = [ax.get_window_extent(renderer) for ax in figure.axes if ax.images]
    assert len(maps) == heads
    colorbar = colorbars(figure)[0].ax
    texts = [*figure.artists, *figure.texts, *(text for ax in figure.axes for text in ax.texts),
             *colorbar.get_yticklabels(), colorbar.yaxis.label]
    for text in texts:
        box = text.get_window_extent(renderer)
        assert page.x0 - 0.5 <= box.x0 and box.x1 <= page.x1 + 0.5, (text.get_text(), box, page)
        assert page.y0 - 0.5 <= box.y0 and box.y1 <= page.y1 + 0.5, (text.get_text(), box, page)
        assert not any(box.overlaps(area) for area in maps), (text.get_text(), box)
    expected = labels if count <= 24 else []
    assert cell_labels(figure, "query") == expected * int(np.ceil(heads / 4))
    assert cell_labels(figure, "key") == expected * min(heads, 4)


def colorbars(figure: Figure) -> list:
    return [ax._colorbar for ax in figure.axes if getattr(ax, "_colorbar", None) is not None]


def figure_texts(figure: Figure) -> list[str]:
    """Every string drawn: free texts, axis labels, tick labels, colorbar labels."""
    texts = [*figure.artists, *figure.texts]
    for ax in figure.axes:
        texts += [*ax.texts, ax.title, ax.xaxis.label, ax.yaxis.label, *ax.get_xticklabels(), *ax.get_yticklabels()]
    return [text.get_text() for text in texts if isinstance(text, Text) and text.get_text()]


def test_the_heads_grid_has_readable_labels_axis_names_and_one_colorbar_stating_its_scale():
    labels = ["[CLS]", "i", "love", "natural", "language", "processing", "!", "[SEP]"]
    matrices = np.random.default_rng(1).random((12, 8, 8))
    matrices /= matrices.sum(axis=-1, keepdims=True)
    figure = heads_figure(matrices, labels, "minilm · layer 5 · all 12 heads")
    token_labels = [text for text in figure.artists if isinstance(text, Text) and text.get_label() in ("key", "query")]
    assert HEADS_LABEL_SIZE >= 8 and token_labels
    assert min(text.get_fontsize() for text in token_labels) >= 8
    assert len(colorbars(figure)) == 1
    bar = colorbars(figure)[0]
    assert bar.vmin == 0 and bar.vmax == pytest.approx(matrices.max())  # one scale: the largest weight of any head
    assert all(image.get_clim() == (0.0, bar.vmax) for ax in figure.axes for image in ax.images)
    texts = figure_texts(figure)
    assert "key (attended to)" in texts and "query (attending)" in texts
    assert f"attention weight\ncolour scale 0–{matrices.max():.2f}: shared by all 12 heads" in texts


def test_a_fixed_scale_is_used_and_stated():
    matrix = np.full((3, 3), 1 / 3)
    figure = heatmap_figure(matrix, ["a", "b", "c"], ["a", "b", "c"], "t", scale=ColorScale.of(matrix, 1.0))
    assert colorbars(figure)[0].vmax == 1.0
    assert "attention weight\ncolour scale 0–1: fixed, comparable across figures" in figure_texts(figure)
    own = heatmap_figure(matrix, ["a", "b", "c"], ["a", "b", "c"], "t")
    assert "attention weight\ncolour scale 0–0.33: this map's maximum" in figure_texts(own)


@pytest.mark.parametrize("kind", ["heatmap", "heads", "line"])
def test_japanese_figures_have_japanese_axis_names_and_scale_and_render_every_glyph(kind: str, tmp_path):
    matrix = np.tril(np.ones((7, 7))) / np.arange(1, 8)[:, None]
    if kind == "heatmap":
        figure = heatmap_figure(matrix, LABELS, LABELS, "gemma-270m · 層 17 (= -1) · 4 ヘッドの平均", language="ja")
        expected = ["キー(注目される側)", "クエリ(注目する側)", "注意の重み\n色の範囲 0–1.00(この図の最大値)"]
    elif kind == "heads":
        figure = heads_figure(np.stack([matrix] * 4), LABELS, "gemma-270m · 層 0 · 全 4 ヘッド", language="ja")
        expected = ["キー(注目される側)", "クエリ(注目する側)", "ヘッド 3", "注意の重み\n色の範囲 0–1.00(4 ヘッド共通)"]
    else:
        series = {"受け取った注意(クエリの平均)": matrix.mean(axis=0)}
        figure = line_figure(series, LABELS, "折れ線", "受け取った注意の平均", "トークン(位置)")
        expected = ["トークン(位置)", "受け取った注意の平均"]
    texts = figure_texts(figure)
    assert all(label in texts for label in expected), texts
    assert not any(word in text for text in texts for word in ("attention weight", "attended", "attending"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        figure.savefig(tmp_path / f"{kind}.png", dpi=60)  # the PNG draws every glyph, or warns of the missing ones
    assert [str(w.message) for w in caught if "missing from" in str(w.message)] == []
