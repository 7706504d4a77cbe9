"""The explorer beside the chat: it follows the latest analysed sentence, stays under 2 MB an update, and works
in the app's frame in Chromium with every request outside 127.0.0.1 blocked."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import gradio as gr
import pytest
from test_explorer_page import hover_cell, shot
from test_explorer_payload import long_model  # noqa: F401  (a fixture: a tiny BERT that reads 512 tokens)
from test_tools import read_csv
from ui_server import running_app

from tools import plot_heatmap
from tools.explore.payload import UPDATE_BUDGET
from ui.explorer import ExplorerPanel


def test_an_update_at_512_tokens_is_at_most_2_mb_and_only_when_the_sentence_changed(session, long_model,  # noqa: F811
                                                                                     tmp_path):
    state = SimpleNamespace(conversation=SimpleNamespace(tools=session), directory=tmp_path / "browser")
    refresh = ExplorerPanel.refresh.__get__(SimpleNamespace())  # the method needs no component
    frame, download = refresh(state, "en")
    assert "after the sensei analyses one" in frame["value"] and download["visible"] is False
    plot_heatmap(text="The cat sat on the mat and looked at the dog. " * 60, model=str(long_model))
    frame, download = refresh(state, "ja")
    assert len(frame.encode("utf-8")) <= UPDATE_BUDGET == 2_000_000
    assert frame.startswith('<iframe id="explorer-frame"') and 'sandbox="allow-scripts"' in frame
    saved = Path(download["value"])
    assert saved.parent == tmp_path / "browser" and '<html lang="ja">' in saved.read_text(encoding="utf-8")
    again = refresh(state, "ja")  # nothing new analysed: the panel is left as it is
    assert again == (gr.skip(), gr.skip())


def test_the_panel_beside_the_chat_shows_the_heatmap_numbers_after_a_turn(browser, tmp_path):
    with running_app(tmp_path) as url:
        context = browser.new_context(viewport={"width": 1400, "height": 1300}, locale="en-US")
        outside: list[str] = []
        context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(
            ("http://127.0.0.1", "about:", "data:")) else (outside.append(route.request.url), route.abort()))
        page = context.new_page()
        page.goto(url)
        page.fill("#question textarea", 'Show the heatmap of "I love natural language processing!"')
        page.click("#send")
        frame_element = page.wait_for_selector("#explorer-frame", timeout=120_000)
        frame = frame_element.content_frame()
        frame.wait_for_selector("#heatmap")
        csv_link = page.locator("#chat a", has_text="CSV").first.get_attribute("href")
        csv_path = csv_link.split("file=", 1)[1]
        _, _, values = read_csv(csv_path)
        assert float(hover_cell(frame, 2, 3)) == pytest.approx(values[2, 3], abs=1e-4)  # "love" → "natural"
        assert page.locator("#explorer-file").is_visible()
        shot(page, "explorer-in-the-app-en")
        assert outside == []
        context.close()
