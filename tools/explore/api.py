"""The explorer tool: save the interactive views of a sentence as one HTML page that works offline."""

from __future__ import annotations

from typing import Any

from tools.core.figure_text import FigureLanguage, checked_language
from tools.core.plumbing import layer_view, resolve, result_header
from tools.core.session import current_session
from tools.explore.page import explorer_page
from tools.explore.payload import ViewKey, bundle

__all__ = ["explore_attention", "FILE_BUDGET"]

FILE_BUDGET = 12_000_000  # bytes of views in a saved page: every view of a short text, a few of a long one


def explore_attention(
    layer: int = -1,
    head: int | None = None,
    exclude_special: bool = False,
    words: bool = False,
    text: str | None = None,
    model: str | None = None,
    language: FigureLanguage = "en",
) -> dict[str, Any]:
    """Save an interactive attention explorer (heatmap with hover, head view, model view) as one offline HTML file.

    The page opens at the chosen view; its layer and head selectors, token picks and switches then
    read the numbers saved in the page, with no model run and no network.

    Args:
        layer: Layer the page opens at, 0-based; -1 is the last layer.
        head: Head the page opens at, 0-based; omit to open at the mean over heads.
        exclude_special: Open without special tokens such as [CLS], [SEP] and <bos>, each row renormalized to sum to 1.
        text: The sentence to analyse; omit to use the latest one.
        model: Model alias, Hugging Face id or local directory; omit to use the current one.
        words: Open with subword tokens merged into words (keys summed over a word's pieces, queries averaged).
        language: The learner's language, "en" or "ja": the page's words use it (it can switch to the other).
    """
    language = checked_language(language)
    extraction, notes = resolve(text, model, layers=(layer,))
    view = layer_view(extraction, layer, head, language)  # checks layer and head, with the usual messages
    first = ViewKey(view.layer, view.head, bool(exclude_special), bool(words))
    packed = bundle(extraction, first, FILE_BUDGET)
    page = explorer_page(packed, language)
    path = current_session().artifact_stem("explorer").with_suffix(".html")
    path.write_text(page, encoding="utf-8")
    all_views = len(packed["views"]) + packed["views_left_out"]
    return {
        **result_header(extraction, view),
        "title": view.title,
        "exclude_special": bool(exclude_special),
        "words": bool(words),
        "views_saved": len(packed["views"]),
        "views_total": all_views,
        "every_view_saved": packed["views_left_out"] == 0,
        "page_kb": round(len(page.encode("utf-8")) / 1024),
        "artifacts": {"html": str(path)},
        "notes": notes,
    }
