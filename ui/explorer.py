"""The explorer beside the chat: the latest analysed sentence as the interactive page, and its download.

After each turn the panel shows the page that `explore_attention` saves (tools/explore/page.py) for
the extraction the browser's tools session already holds: no forward pass, no chat turn. The page
runs in a sandboxed frame (`srcdoc`, scripts only: gr.HTML itself runs no `<script>`), so the app and
the saved file show the same thing. One update carries at most UPDATE_BUDGET bytes, the frame's
markup included: at 512 tokens that is the last layer's mean and the model view; the page says which
views it left out.
"""

from __future__ import annotations

import html
import weakref
from pathlib import Path
from typing import Any

import gradio as gr

from tools.core.extract import Extraction
from tools.explore.page import explorer_page
from tools.explore.payload import UPDATE_BUDGET, ViewKey, bundle

__all__ = ["ExplorerPanel", "explorer_frame", "FRAME_MARKUP"]

FRAME_MARKUP = 60_000  # bytes for the page's script, styles, words and the frame's escaping (~45 KB at 512 tokens)
WAITING = {
    "en": "The interactive explorer of the latest analysed sentence opens here after the sensei analyses one.",
    "ja": "文を1つ分析すると、ここにその文のインタラクティブなエクスプローラーが開きます。",
}
LABEL = "Explorer · エクスプローラー (HTML)"

SHOWN = "_explorer_shown"  # on the app's UiSession: a weak reference to the extraction its panel shows


def explorer_frame(page: str) -> str:
    """The page in a sandboxed frame: its scripts run, nothing else it could do is allowed."""
    return (f'<iframe id="explorer-frame" title="Attention explorer" sandbox="allow-scripts" '
            f'style="width:100%;height:640px;border:1px solid #d0d7de;border-radius:6px" '
            f'srcdoc="{html.escape(page, quote=True)}"></iframe>')


def first_view(extraction: Extraction) -> ViewKey:
    """Where the panel opens: the last layer it holds, mean of heads, every token."""
    return ViewKey(extraction.layer_indices[-1], None)


class ExplorerPanel:
    """The panel's components; `refresh` is chained after every event that may have analysed a sentence."""

    def __init__(self) -> None:
        self.frame = gr.HTML(f"<p>{WAITING['en']}</p>", elem_id="explorer", padding=False)
        self.download = gr.File(label=LABEL, elem_id="explorer-file", interactive=False, visible=False)

    @property
    def outputs(self) -> list[Any]:
        return [self.frame, self.download]

    def refresh(self, state: Any, language: str) -> tuple[Any, Any]:
        """The page of the browser session's latest extraction, when it is new; else nothing changes.

        `state` is the app's UiSession (its `conversation.tools` is the tools session, its `directory`
        the browser's own files)."""
        tools = getattr(getattr(state, "conversation", None), "tools", None)
        extraction = getattr(tools, "latest", None)
        if extraction is None:
            return gr.update(value=f"<p>{WAITING.get(language, WAITING['en'])}</p>"), gr.update(visible=False)
        shown = getattr(state, SHOWN, None)
        if shown is not None and shown() is extraction:
            return gr.skip(), gr.skip()
        page = explorer_page(bundle(extraction, first_view(extraction), UPDATE_BUDGET - FRAME_MARKUP),
                             "ja" if language == "ja" else "en")
        directory = Path(state.directory)
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / "attention-explorer.html"
        path.write_text(page, encoding="utf-8")
        setattr(state, SHOWN, weakref.ref(extraction))  # weak: the panel never keeps an old extraction alive
        return explorer_frame(page), gr.update(value=str(path), visible=True)
