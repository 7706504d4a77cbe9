"""The explorer: interactive attention views (heatmap with hover, head view, model view) in one offline HTML page.

payload.py  the views of an extraction as bounded JSON (no model runs to switch them)
page.py     the self-contained page: that JSON, explorer.js and explorer.css inline
api.py      the tool, explore_attention, which saves the page
"""

from tools.explore.api import explore_attention

__all__ = ["explore_attention"]
