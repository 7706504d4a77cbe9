"""Figures: Japanese labels render with a CJK font, and the global matplotlib state is untouched."""

from __future__ import annotations

import warnings

import matplotlib
import numpy as np
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.ft2font import FT2Font

from tools.plots import JAPANESE_FONT, font_family, heatmap_figure, line_figure

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
    ticks = [label.get_text() for label in figure.axes[0].get_xticklabels()]
    assert ticks == LABELS


def test_building_figures_leaves_global_rcparams_alone():
    before = list(matplotlib.rcParams["font.family"])
    heatmap_figure(np.eye(3), ["a", "b", "c"], ["a", "b", "c"], "t")
    assert matplotlib.rcParams["font.family"] == before
    import matplotlib.pyplot as plt  # noqa: F401  (imported only to check no figure was registered)

    assert plt.get_fignums() == []


def test_long_inputs_thin_their_tick_labels():
    labels = [f"t{i}" for i in range(300)]
    figure = heatmap_figure(np.full((300, 300), 1 / 300), labels, labels, "long")
    shown = figure.axes[0].get_xticks()
    assert 32 <= len(shown) <= 64
