"""The view tools: one layer drawn as a heatmap, a line chart or a grid of its heads."""

from tools.views.api import plot_heads, plot_heatmap, plot_line

__all__ = ["plot_heatmap", "plot_line", "plot_heads"]
