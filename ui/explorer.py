"""The explorer beside the chat: an analysed sentence as the interactive page, its views on demand, its download.

After each turn the panel shows the page that `explore_attention` saves (tools/explore/page.py) for the
browser's latest extraction; a menu above it opens any earlier sentence the tools session still keeps. The
page runs in a sandboxed frame (`srcdoc`, scripts only: gr.HTML itself runs no `<script>`), so the app and
the saved file show the same thing. Nothing here runs a model: every view is read from an extraction the
session already holds.

How the frame gets its views. The frame cannot reach the server itself (its policy allows no connection,
and a sandboxed frame has no origin), so it asks the app's page, which it may talk to by postMessage:

    frame ──{explorer: "ready"}──▶ app page ──server.explorer_bundle({token})──▶ this module
    frame ◀──{explorer: "bundle", bundle}── app page ◀── the page's views, ≤ UPDATE_BUDGET bytes ──┘
    frame ──{explorer: "view", key}──▶ app page ──server.explorer_view({token, key})──▶ this module
    frame ◀──{explorer: "view", key, view}── app page ◀──────── one view, ≤ UPDATE_BUDGET bytes ───┘

The frame's own document is only the page's script, styles and words (~50 KB): at 512 tokens a srcdoc
holding the 2 MB of views took Chromium 0.6 s to parse, against a few ms for the same JSON by message.
The bundle (every view of a short text; at 512 tokens the first view and the model view) is the one the
saved file embeds; the last few built are kept (BUNDLES_KEPT) so the frame's request does not build it again.

The app page's side is FRAME_BRIDGE, run by gr.HTML (`js_on_load`, with `server_functions`); it answers
only the frame it shows and forwards only well-formed keys. `token` is an unguessable name this panel gave
the extraction when it drew the frame: the server function reads nothing else. The registry and the menu
hold extractions weakly, so the panel keeps none alive: what a browser can explore is what its tools
session keeps (at most EXTRACTIONS_KEPT sentences, tools/core/session.py, each under the session's
max_attention_mb), and the menu lists at most EXTRACTIONS_KEPT. The frame also says its height (the panel
fits its content) and takes the app's language switch.
"""

from __future__ import annotations

import html
import threading
import uuid
import weakref
from collections import OrderedDict
from pathlib import Path
from typing import Any

import gradio as gr

from tools.core.errors import ToolError
from tools.core.extract import Extraction
from tools.core.session import EXTRACTIONS_KEPT
from tools.explore.page import explorer_page
from tools.explore.payload import UPDATE_BUDGET, ViewKey, bundle, view_by_name

__all__ = ["ExplorerPanel", "explorer_frame", "BUNDLES_KEPT", "EXTRACTIONS_KEPT"]

ENVELOPE = 1_000  # bytes around a bundle or a view in the server function's answer ({"key": …, "view": …})
BUNDLES_KEPT = 4  # bundles kept for the frames that will ask for them, all browsers together (≤ 2 MB each)
TEXTS = {
    "waiting": {
        "en": "The interactive explorer of the latest analysed sentence opens here after the sensei analyses one.",
        "ja": "文を1つ分析すると、ここにその文のインタラクティブなエクスプローラーが開きます。",
    },
    "pick": {"en": "Sentence to explore (this conversation's, latest first)",
             "ja": "探索する文(この会話で分析した文、新しい順)"},
    "download": {"en": "Explorer as one HTML file (opens offline)",
                 "ja": "エクスプローラーを1つのHTMLファイルで(オフラインで開けます)"},
    "tokens": {"en": "{count} tokens", "ja": "{count} トークン"},
    "gone": {"en": "this sentence is no longer kept by the app: ask about it again to explore it.",
             "ja": "この文はもうアプリに保持されていません。もう一度質問すると探索できます。"},
}

SHOWN = "_explorer_shown"  # on the app's UiSession: a weak reference to the extraction its panel shows
HISTORY = "_explorer_history"  # on the app's UiSession: weak references to the sentences it showed, latest first

# The app page's side of the frame's messages (see the module docstring). Installed once per page: a newer
# panel's handler replaces an older one's, so one message is never answered twice.
FRAME_BRIDGE = """
const frameOf = () => element.querySelector("iframe#explorer-frame");
const handler = async (event) => {
  const frame = frameOf();
  const message = event.data;
  if (!frame || event.source !== frame.contentWindow || !message || typeof message !== "object") return;
  if (message.explorer === "ready") {
    event.source.postMessage({ explorer: "hello" }, "*");
    if (frame.dataset.lazy !== "1") return; // the page carries its views
    let answer;
    try {
      answer = await server.explorer_bundle({ token: frame.dataset.token });
    } catch (error) {
      answer = null;
    }
    if (frameOf() !== frame) return;
    event.source.postMessage({ explorer: "bundle", ...(answer || { error: "no answer" }) }, "*");
  } else if (message.explorer === "height" && Number.isFinite(message.height)) {
    frame.style.height = Math.min(4000, Math.max(160, Math.ceil(message.height))) + "px";
  } else if (message.explorer === "view" && /^\\d{1,4}:(mean|\\d{1,4}):[01][01]$/.test(message.key)) {
    const language = message.language === "ja" ? "ja" : "en";
    let answer;
    try {
      answer = await server.explorer_view({ token: frame.dataset.token, key: message.key, language });
    } catch (error) {
      answer = null;
    }
    if (frameOf() !== frame) return; // another sentence opened meanwhile
    event.source.postMessage({ explorer: "view", key: message.key, ...(answer || { error: "no answer" }) }, "*");
  }
};
if (window.attentionExplorerBridge) window.removeEventListener("message", window.attentionExplorerBridge);
window.attentionExplorerBridge = handler;
window.addEventListener("message", handler);
"""

# The app's language switch, passed on to the frame (its page holds both languages: nothing is re-sent).
TO_FRAME_LANGUAGE = """(language) => {
  const frame = document.querySelector("#explorer iframe#explorer-frame");
  if (frame && frame.contentWindow) frame.contentWindow.postMessage({ explorer: "language", language }, "*");
  return [];
}"""


def explorer_frame(page: str, token: str = "", lazy: bool = False) -> str:
    """The page in a sandboxed frame: its scripts run, nothing else it could do is allowed; it sizes itself.
    `lazy`: the page waits for its views from the app (FRAME_BRIDGE). The token is also written in the page:
    Gradio updates the frame's attributes in place, and a frame reloads only when its document changes."""
    return (f'<iframe id="explorer-frame" title="Attention explorer" sandbox="allow-scripts" '
            f'data-token="{html.escape(token, quote=True)}" data-lazy="{int(lazy)}" '
            f'style="width:100%;height:560px;border:1px solid #d0d7de;border-radius:6px" '
            f'srcdoc="{html.escape(page + f"<!-- {token} -->", quote=True)}"></iframe>')


def first_view(extraction: Extraction) -> ViewKey:
    """Where the panel opens: the last layer it holds, mean of heads, every token."""
    return ViewKey(extraction.layer_indices[-1], None)


def _language(language: Any) -> str:
    return "ja" if language == "ja" else "en"


def _sentences(state: Any) -> list[Extraction]:
    """The sentences this browser may explore, the latest first: those its panel has shown that are still alive.

    The panel refers to them weakly (HISTORY), so what is listed is what the tools session still holds
    (at most EXTRACTIONS_KEPT of them, tools/core/session.py) or the conversation still needs (undo)."""
    tools = getattr(getattr(state, "conversation", None), "tools", None)
    latest = getattr(tools, "latest", None)
    alive = [extraction for reference in getattr(state, HISTORY, []) if (extraction := reference()) is not None]
    if latest is not None:
        alive = [latest, *(extraction for extraction in alive if extraction is not latest)]
    alive = alive[:EXTRACTIONS_KEPT]
    if state is not None:
        setattr(state, HISTORY, [weakref.ref(extraction) for extraction in alive])
    return alive


class ExplorerPanel:
    """The panel's components; `wire` connects them to the app's events and its language switch."""

    def __init__(self) -> None:
        self._open: weakref.WeakValueDictionary[str, Extraction] = weakref.WeakValueDictionary()
        self._bundles: OrderedDict[str, dict[str, Any]] = OrderedDict()  # token -> the bundle its frame will ask for
        self._lock = threading.Lock()

        def explorer_view(request: Any) -> dict[str, Any]:
            """One view of an extraction this panel opened: {token, key, language} → {key, view} or {key, error}."""
            request = request if isinstance(request, dict) else {}
            key, language = request.get("key"), _language(request.get("language"))
            token = request.get("token")
            extraction = self._open.get(token) if isinstance(token, str) else None
            if extraction is None:
                return {"key": key, "error": TEXTS["gone"][language]}
            try:
                return {"key": key, "view": view_by_name(extraction, key)}
            except ToolError as error:
                return {"key": key, "error": str(error)}

        def explorer_bundle(request: Any) -> dict[str, Any]:
            """The views a frame's page starts with: {token} → {bundle} or {error}."""
            token = request.get("token") if isinstance(request, dict) else None
            with self._lock:
                packed = self._bundles.get(token) if isinstance(token, str) else None
            extraction = self._open.get(token) if isinstance(token, str) else None
            if packed is None and extraction is not None:
                packed = self.bundle_of(extraction, token)
            if packed is None:
                return {"error": TEXTS["gone"]["en"] + " / " + TEXTS["gone"]["ja"]}
            return {"bundle": packed}

        self.explorer_view = explorer_view
        self.explorer_bundle = explorer_bundle
        self.picker = gr.Dropdown([], label=TEXTS["pick"]["en"], elem_id="explorer-pick", interactive=True,
                                  visible=False, filterable=False)
        self.frame = gr.HTML(f"<p>{TEXTS['waiting']['en']}</p>", elem_id="explorer", padding=False,
                             js_on_load=FRAME_BRIDGE, server_functions=[explorer_view, explorer_bundle])
        self.download = gr.File(label=TEXTS["download"]["en"], elem_id="explorer-file", interactive=False,
                                visible=False)

    @property
    def outputs(self) -> list[Any]:
        return [self.frame, self.download, self.picker]

    def wire(self, state: Any, language: Any, after: list[Any]) -> None:
        """Refresh after each of the events `after` (turns, undo, clear); open a sentence picked in the menu;
        follow the app's language. All private: none of it is an API endpoint."""
        for event in after:
            event.then(self.refresh, [state, language], self.outputs, api_visibility="private")
        self.picker.select(self.pick, [self.picker, state, language], [self.frame, self.download],
                           api_visibility="private")
        language.change(self.relabel, [state, language], self.outputs, api_visibility="private")
        language.change(None, [language], None, js=TO_FRAME_LANGUAGE, api_visibility="private")

    def token_for(self, extraction: Extraction) -> str:
        """The name the browser uses for `extraction`: the same each time, unguessable."""
        with self._lock:  # browsers refresh at once; a collected extraction leaves the registry at any time
            for token, opened in list(self._open.items()):
                if opened is extraction:
                    return token
            token = uuid.uuid4().hex
            self._open[token] = extraction
            return token

    def choices(self, state: Any, language: str) -> list[tuple[str, str]]:
        words = TEXTS["tokens"][language]
        choices = []
        for extraction in _sentences(state):
            text = " ".join(extraction.text.split())
            text = text if len(text) <= 48 else text[:47] + "…"
            label = f"{text} · {extraction.model.name} · {words.format(count=extraction.seq_len)}"
            choices.append((label, self.token_for(extraction)))
        return choices

    def _menu(self, state: Any, language: str, shown: Extraction | None) -> Any:
        choices = self.choices(state, language)
        value = self.token_for(shown) if shown is not None else None
        return gr.update(choices=choices, value=value, visible=bool(choices), label=TEXTS["pick"][language])

    def bundle_of(self, extraction: Extraction, token: str) -> dict[str, Any]:
        """The views a page of `extraction` starts with, built once and kept for its frame (BUNDLES_KEPT)."""
        packed = bundle(extraction, first_view(extraction), UPDATE_BUDGET - ENVELOPE)
        with self._lock:
            self._bundles[token] = packed
            self._bundles.move_to_end(token)
            while len(self._bundles) > BUNDLES_KEPT:
                self._bundles.popitem(last=False)
        return packed

    def open(self, extraction: Extraction, state: Any, language: str) -> tuple[str, Any]:
        """The frame and the download of `extraction`, in `language`; the panel remembers it shows it.

        The download embeds the views; the frame's page asks for the same bundle (FRAME_BRIDGE)."""
        token = self.token_for(extraction)
        packed = self.bundle_of(extraction, token)
        directory = Path(state.directory)
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / "attention-explorer.html"
        path.write_text(explorer_page(packed, language), encoding="utf-8")
        setattr(state, SHOWN, weakref.ref(extraction))  # weak: the panel never keeps an old extraction alive
        download = gr.update(value=str(path), visible=True, label=TEXTS["download"][language])
        return explorer_frame(explorer_page(packed, language, embed=False), token, lazy=True), download

    def shown(self, state: Any) -> Extraction | None:
        reference = getattr(state, SHOWN, None)
        return reference() if reference is not None else None

    def refresh(self, state: Any, language: str) -> tuple[Any, Any, Any]:
        """The page of the browser session's latest extraction, when it is new; else only the menu is updated.

        `state` is the app's UiSession (its `conversation.tools` is the tools session, its `directory`
        the browser's own files)."""
        language = _language(language)
        tools = getattr(getattr(state, "conversation", None), "tools", None)
        latest = getattr(tools, "latest", None)
        if latest is None:
            waiting = gr.update(value=f"<p>{TEXTS['waiting'][language]}</p>")
            return waiting, gr.update(visible=False), gr.update(choices=[], value=None, visible=False)
        if self.shown(state) is latest:
            return gr.skip(), gr.skip(), self._menu(state, language, latest)
        frame, download = self.open(latest, state, language)
        return frame, download, self._menu(state, language, latest)

    def pick(self, token: Any, state: Any, language: str) -> tuple[Any, Any]:
        """Open the sentence picked in the menu, if this browser's session still keeps it."""
        extraction = self._open.get(token) if isinstance(token, str) else None
        if extraction is None or not any(kept is extraction for kept in _sentences(state)):
            gr.Warning(TEXTS["gone"][_language(language)])
            return gr.skip(), gr.skip()
        if self.shown(state) is extraction:
            return gr.skip(), gr.skip()
        return self.open(extraction, state, _language(language))

    def relabel(self, state: Any, language: str) -> tuple[Any, Any, Any]:
        """The panel's words in `language`; a frame already shown switches by itself (TO_FRAME_LANGUAGE)."""
        language = _language(language)
        shown = self.shown(state)
        frame = gr.skip() if shown is not None else gr.update(value=f"<p>{TEXTS['waiting'][language]}</p>")
        return frame, gr.update(label=TEXTS["download"][language]), self._menu(state, language, shown)
