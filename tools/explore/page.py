"""The explorer as one self-contained HTML page: the views' data, our script and our styles, all inline.

The page fetches nothing: its Content-Security-Policy allows no source but the inline ones
(`default-src 'none'`), so it opens from a file:// URL, in a notebook or in the app's frame with the
network off, and cannot quietly reach a CDN. The data travels as JSON in a
`<script type="application/json">` element, with every `<` written `\\u003c` so no token
(`</script>`, `<bos>`) can close it.
"""

from __future__ import annotations

import html
import json
from functools import cache
from pathlib import Path
from typing import Any

from tools.core.figure_text import FigureLanguage
from tools.core.notes import read_templates

__all__ = ["explorer_page", "page_texts"]

HERE = Path(__file__).parent / "assets"  # not beside the cards: tools/*/*.toml are read as cards
POLICY = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:"


@cache
def page_texts() -> dict[str, dict[str, str]]:
    """The page's words by key, each in en and ja (page_text.toml)."""
    return read_templates([HERE / "page_text.toml"])


@cache
def _asset(name: str) -> str:
    return (HERE / name).read_text(encoding="utf-8")


def explorer_page(packed: dict[str, Any], language: FigureLanguage = "en", embed: bool = True) -> str:
    """The page for a bundle (tools/explore/payload.py), first shown in `language` (it can switch to the other).

    Without `embed`, the page carries no views: it waits for the bundle from the page around it (the app's
    frame, ui/explorer.py, sends it by postMessage)."""
    data = {"language": language, "texts": page_texts(), "bundle": packed if embed else None}
    embedded = json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")
    title = f"{page_texts()['title'][language]} · {packed['meta']['model']}"
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{language}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{POLICY}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n<style>\n{_asset('explorer.css')}</style>\n</head>\n<body>\n"
        '<div id="explorer"></div>\n'
        f'<script type="application/json" id="explorer-data">{embedded}</script>\n'
        f"<script>\n{_asset('explorer.js')}</script>\n</body>\n</html>\n"
    )
