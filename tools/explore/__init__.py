"""The explorer: interactive attention views (heatmap, head view, model view) in one offline HTML page."""
