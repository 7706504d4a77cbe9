"""The explorer beside the chat: it follows the latest analysed sentence, opens an earlier one picked from the
menu, fetches the views its page left out from the server (no forward pass, ≤ 2 MB each), fits its frame to
its content and follows the app's language, in Chromium with every request outside 127.0.0.1 blocked."""

from __future__ import annotations

import json
import re
from pathlib import Path
from types import SimpleNamespace

import gradio as gr
import pytest
from test_explorer_page import SHOTS, hover_cell
from test_explorer_payload import LONG_TEXT, long_model  # noqa: F401  (a fixture: a tiny BERT that reads 512 tokens)
from test_tools import read_csv
from ui_server import ask_in_page as ask
from ui_server import running_app

from tools import Session, plot_heatmap, plot_line
from tools.core import extract as extract_module
from tools.explore.payload import UPDATE_BUDGET, encoded_size
from ui.explorer import ExplorerPanel

SHORT = "I love natural language processing!"


def panel() -> ExplorerPanel:
    with gr.Blocks():
        return ExplorerPanel()


def browser_state(tools: Session, directory: Path) -> SimpleNamespace:
    return SimpleNamespace(conversation=SimpleNamespace(tools=tools), directory=directory)


def test_the_panel_follows_the_sentence_and_serves_the_views_its_page_left_out(session, long_model,  # noqa: F811
                                                                                tmp_path, monkeypatch):
    explorer = panel()
    state = browser_state(session, tmp_path / "browser")
    frame, download, menu = explorer.refresh(state, "en")
    assert "after the sensei analyses one" in frame["value"] and download["visible"] is False
    assert menu["visible"] is False
    plot_heatmap(text=LONG_TEXT, model=str(long_model))
    frame, download, menu = explorer.refresh(state, "ja")
    assert frame.startswith('<iframe id="explorer-frame"') and 'sandbox="allow-scripts"' in frame
    assert len(frame.encode("utf-8")) < 100_000  # the page's script and words: its views come by message
    saved = Path(download["value"])
    assert saved.parent == tmp_path / "browser" and '<html lang="ja">' in saved.read_text(encoding="utf-8")
    token = re.search(r'data-token="([0-9a-f]{32})"', frame)[1]
    started = explorer.explorer_bundle({"token": token})  # what the frame's page asks for first
    assert encoded_size(started) <= UPDATE_BUDGET == 2_000_000
    assert started["bundle"]["first"] == "5:mean:00" and started["bundle"]["views_left_out"] > 0
    assert started["bundle"]["views"] == json.loads(re.search(  # the same views as the saved file
        r'<script type="application/json" id="explorer-data">(.*?)</script>', saved.read_text(encoding="utf-8"),
        re.DOTALL)[1])["bundle"]["views"]
    assert [value for _, value in menu["choices"]] == [token] and menu["value"] == token
    assert explorer.refresh(state, "ja")[:2] == (gr.skip(), gr.skip())  # nothing new analysed: the page stays

    def no_forward(*_args, **_kwargs):
        raise AssertionError("a forward pass ran while switching views")

    monkeypatch.setattr(extract_module, "_forward", no_forward)
    answer = explorer.explorer_view({"token": token, "key": "0:3:10", "language": "en"})  # left out of the page
    assert answer["view"]["key"] == "0:3:10" and answer["view"]["size"] == 510
    assert encoded_size(answer) <= UPDATE_BUDGET
    assert "layer 9 is not held" in explorer.explorer_view({"token": token, "key": "9:mean:00"})["error"]
    gone = explorer.explorer_view({"token": "0" * 32, "key": "0:mean:00", "language": "ja"})
    assert gone["error"].startswith("この文はもうアプリに保持されていません")
    assert "error" in explorer.explorer_view("not a request")
    assert "no longer kept" in explorer.explorer_bundle({"token": "0" * 32})["error"]


def test_an_earlier_sentence_opens_from_the_menu_and_only_this_browsers_own(session, tmp_path):
    explorer = panel()
    state = browser_state(session, tmp_path / "browser")
    plot_heatmap(text=SHORT)
    explorer.refresh(state, "en")
    plot_heatmap(text="The cat sat on the mat.")
    _, _, menu = explorer.refresh(state, "en")
    labels = [label for label, _ in menu["choices"]]
    assert labels[0].startswith("The cat sat on the mat. · minilm · 9 tokens") and labels[1].startswith(SHORT)
    frame, download = explorer.pick(menu["choices"][1][1], state, "en")
    assert f'data-token="{menu["choices"][1][1]}"' in frame
    assert "love natural language" in Path(download["value"]).read_text(encoding="utf-8")
    assert explorer.pick(menu["choices"][1][1], state, "en") == (gr.skip(), gr.skip())  # already shown
    other = Session(artifacts_dir=tmp_path / "other")
    stranger = browser_state(other, tmp_path / "stranger")
    assert explorer.pick(menu["choices"][0][1], stranger, "en") == (gr.skip(), gr.skip())  # not its sentence
    frame, download, menu = explorer.relabel(state, "ja")
    assert frame == gr.skip() and download["label"].startswith("エクスプローラー")
    assert menu["label"].startswith("探索する文") and "9 トークン" in menu["choices"][0][0]


def blocked_outside(browser, outside: list[str], **options):
    context = browser.new_context(viewport={"width": 1400, "height": 1300}, **options)
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(
        ("http://127.0.0.1", "about:", "data:")) else (outside.append(route.request.url), route.abort()))
    return context


def switch_language(page, language: str) -> None:
    page.locator("#language label", has_text=language).click()


def panel_shot(page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.locator("#explorer-column").screenshot(path=str(SHOTS / f"{name}.png"))


def point_at(frame, i: int, j: int) -> str:
    """The weight the page shows with the pointer on cell (query i, key j) of a map of 1-pixel cells.

    The pointer event is dispatched from inside the frame, at the first whole pixel inside the cell: a
    pointer's coordinates are whole pixels, and the canvas may start at a fraction of one, so the cell's
    centre, rounded, can fall in its neighbour when a cell is one pixel wide."""
    return frame.evaluate("""([i, j]) => {
        const canvas = document.querySelector("#heatmap"), box = canvas.getBoundingClientRect();
        const margin = Number(canvas.dataset.margin), cell = Number(canvas.dataset.cell);
        const scale = box.width / canvas.width;
        canvas.dispatchEvent(new MouseEvent("mousemove", { bubbles: true,
            clientX: Math.ceil(box.left + (margin + j * cell) * scale),
            clientY: Math.ceil(box.top + (margin + i * cell) * scale) }));
        return document.querySelector("#readout").dataset.weight;
    }""", [i, j])


def shows(frame, selector: str, text: str) -> None:
    """Wait until the frame's page shows `text` in `selector` (its views may still be on their way)."""
    frame.wait_for_function("([selector, text]) => { const found = document.querySelector(selector);"
                            " return found !== null && found.textContent.includes(text); }", arg=[selector, text])


def next_frame(page, shown: str | None):
    """The explorer's frame once it shows another sentence than the one named `shown`."""
    page.wait_for_function("(shown) => { const frame = document.querySelector('#explorer-frame');"
                           " return frame !== null && frame.dataset.token !== shown; }", arg=shown, timeout=120_000)
    return page.wait_for_selector("#explorer-frame").content_frame()


def fitted(page, frame) -> None:
    """Wait until the frame is as tall as the page inside it says it is (it tells the app by postMessage)."""
    for _ in range(50):
        inside = frame.evaluate("Math.ceil(document.body.getBoundingClientRect().height) + 24")
        if abs(page.locator("#explorer-frame").bounding_box()["height"] - inside) <= 4:
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"the frame never took its page's height ({inside} px)")


def test_the_panel_beside_the_chat_at_8_tokens_fits_its_frame_and_follows_the_language(browser, tmp_path):
    outside: list[str] = []
    with running_app(tmp_path) as url:
        context = blocked_outside(browser, outside, locale="en-US")
        page = context.new_page()
        page.goto(url)
        page.fill("#question textarea", f'Show the heatmap of "{SHORT}"')
        page.click("#send")
        frame_element = page.wait_for_selector("#explorer-frame", timeout=120_000)
        frame = frame_element.content_frame()
        frame.wait_for_selector('#heatmap[data-key="5:mean:00"]')
        csv_link = page.locator("#chat a", has_text="CSV").first.get_attribute("href")
        _, _, values = read_csv(csv_link.split("file=", 1)[1])
        assert float(hover_cell(frame, 2, 3)) == pytest.approx(values[2, 3], abs=1e-4)  # "love" → "natural"
        assert page.locator("#explorer-file").is_visible()
        # the frame is as tall as its page: the heatmap's last row and the colour scale are inside it
        fitted(page, frame)
        frame_box = frame_element.bounding_box()
        for inside in ("#heatmap", "#scale"):
            box = frame.locator(inside).bounding_box()
            assert box["y"] + box["height"] <= frame_box["y"] + frame_box["height"], inside
        weight = frame.get_attribute("#readout", "data-weight")
        frame.select_option("#contrast", "sqrt")  # a brighter scale for sink-dark maps; the numbers stay exact
        frame.wait_for_selector('#heatmap[data-contrast="sqrt"]')
        assert float(hover_cell(frame, 2, 3)) == float(weight)
        assert "square root" in frame.inner_text("#scale")
        for language in ("en", "ja"):
            if language == "ja":
                switch_language(page, "ja")  # the app's switch: the page inside the frame follows it
                shows(frame, "#title", "エクスプ")
                assert page.locator("#explorer-pick label, #explorer-pick span").filter(
                    has_text="探索する文").count() >= 1
            for tab in ("heatmap", "heads", "model"):
                frame.click(f"#tab-{tab}")
                fitted(page, frame)
                panel_shot(page, f"explorer-app-{tab}-{language}")
        assert outside == []
        context.close()


def test_at_512_tokens_the_app_sends_each_view_asked_for_and_an_earlier_sentence_opens(browser, session,
                                                                                      long_model, tmp_path):  # noqa: F811
    model = str(long_model)
    outside: list[str] = []
    with running_app(tmp_path, model=model) as url:
        context = blocked_outside(browser, outside, locale="en-US")
        page = context.new_page()
        updates: list[int] = []
        page.on("response", lambda response: updates.append(len(response.body()))
                if "/component_server" in response.url else None)
        page.goto(url)
        ask(page, f'Show the heatmap of "{LONG_TEXT.strip()}"')
        frame = page.wait_for_selector("#explorer-frame", timeout=120_000).content_frame()
        frame.wait_for_selector('#heatmap[data-key="5:mean:00"]')
        assert "512 tokens" in frame.inner_text("#summary")
        query = 200
        lines = {layer: plot_line(layer=layer, query=query, text=LONG_TEXT, model=model) for layer in (0, 3)}
        rows = {layer: read_csv(line["artifacts"]["csv"])[2][0] for layer, line in lines.items()}
        key = int(abs(rows[0] - rows[3]).argmax())  # where the two layers differ most
        assert abs(rows[0][key] - rows[3][key]) > 1e-3
        for layer in (0, 3):
            frame.select_option("#layer", str(layer))  # not in the page: the app sends it
            frame.wait_for_selector(f'#heatmap[data-key="{layer}:mean:00"]', timeout=30_000)
            got = point_at(frame, query, key)
            assert float(got) == pytest.approx(rows[layer][key], abs=1e-4)
        assert len(updates) == 3 and max(updates) <= UPDATE_BUDGET  # the page's views, then layers 0 and 3
        panel_shot(page, "explorer-app-512-en")
        long_frame = page.get_attribute("#explorer-frame", "data-token")
        ask(page, f'Show the heatmap of "{SHORT}"')
        frame = next_frame(page, long_frame)
        shows(frame, "#summary", " 8 tokens")
        short_frame = page.get_attribute("#explorer-frame", "data-token")
        page.click("#explorer-pick input")
        page.get_by_role("option", name=re.compile("^The cat sat on the mat")).click()  # the earlier sentence
        frame = next_frame(page, short_frame)
        assert page.get_attribute("#explorer-frame", "data-token") == long_frame  # the same sentence, named alike
        shows(frame, "#summary", "512 tokens")
        switch_language(page, "ja")
        shows(frame, "#summary", "512 トークン")
        frame.select_option("#layer", "0")
        frame.select_option("#head", "4")
        frame.wait_for_selector('#heatmap[data-key="0:4:00"]', timeout=30_000)
        panel_shot(page, "explorer-app-512-ja")
        assert outside == [] and max(updates) <= UPDATE_BUDGET
        context.close()
