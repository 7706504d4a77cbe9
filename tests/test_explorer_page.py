"""The explorer page: one offline HTML file, its card, and the page itself in headless Chromium from file://.

The browser test blocks every request that is not the file itself, hovers cells and reads the numbers
the page shows against the heatmap's CSV, switches the layer, clicks a token, opens a head from the
model view, and leaves screenshots in test-artifacts/ for a person to look at.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from test_tools import read_csv

from agent.answer import render_lines
from agent.cards import cards, check_card
from tools import ToolError, plot_heatmap
from tools.explore import explore_attention

SENTENCE = "Tokenization is unbelievably fun!"
SHOTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def test_the_page_is_one_file_that_fetches_nothing(session):
    result = explore_attention(layer=2, head=3, text=SENTENCE)
    page = Path(result["artifacts"]["html"]).read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "default-src 'none'" in page  # the CSP forbids any fetch
    assert not re.search(r"""<(script|link|img|iframe)[^>]*(src|href)\s*=""", page, re.IGNORECASE)
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page, re.IGNORECASE)
    assert "@import" not in page and "url(" not in page
    assert result["every_view_saved"] and result["views_saved"] == result["views_total"] == 6 * 13 * 4
    assert (result["layer"], result["head"]) == (2, 3)


def test_bad_choices_get_the_usual_messages(session):
    with pytest.raises(ToolError, match="layer 9 is out of range: minilm has 6 layers"):
        explore_attention(layer=9, text=SENTENCE)
    with pytest.raises(ToolError, match="head 12 is out of range"):
        explore_attention(head=12, text=SENTENCE)
    with pytest.raises(ToolError, match="language must be one of"):
        explore_attention(language="fr", text=SENTENCE)


def test_the_card_renders_the_result_in_both_languages(session):
    card = cards()["explore_attention"]
    check_card(card, explore_attention)
    assert card.package == "tools.explore" and min(map(len, card.examples.values())) >= 10
    arguments = {"exclude_special": True, "words": True, "text": SENTENCE}
    result = explore_attention(**arguments)
    for language, said in [("en", "Interactive explorer"), ("ja", "インタラクティブなエクスプローラー")]:
        text = "\n".join(render_lines(card.answer, result, arguments, language))
        assert said in text and "None" not in text and str(result["views_saved"]) in text, text


def offline_page(browser, path: str, outside: list[str]):
    context = browser.new_context(viewport={"width": 1100, "height": 1000})
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file://")
                  else (outside.append(route.request.url), route.abort()))
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(Path(path).as_uri())
    page.wait_for_selector("#heatmap")
    return page, errors


def hover_cell(page, i: int, j: int) -> str:
    """Point at cell (query i, key j) and return the weight the page shows."""
    canvas = page.locator("#heatmap")
    canvas.scroll_into_view_if_needed()  # the pointer reaches only what the viewport shows
    box = canvas.bounding_box()
    margin, cell = float(canvas.get_attribute("data-margin")), float(canvas.get_attribute("data-cell"))
    scale = box["width"] / float(canvas.evaluate("c => c.width"))
    mouse = page.mouse if hasattr(page, "mouse") else page.page.mouse  # a page, or a frame inside one
    mouse.move(box["x"] + (margin + (j + 0.5) * cell) * scale, box["y"] + (margin + (i + 0.5) * cell) * scale)
    return page.get_attribute("#readout", "data-weight")


def luminance(page, i: int, j: int) -> float:
    """How bright the heatmap draws cell (query i, key j), from the canvas's own pixels."""
    red, green, blue, _ = page.evaluate("""([i, j]) => {
        const canvas = document.querySelector("#heatmap");
        const margin = Number(canvas.dataset.margin), cell = Number(canvas.dataset.cell);
        const at = (k) => Math.floor(margin + (k + 0.5) * cell);
        return Array.from(canvas.getContext("2d").getImageData(at(j), at(i), 1, 1).data);
    }""", [i, j])
    return 0.3 * red + 0.6 * green + 0.1 * blue


def shot(page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_the_saved_page_in_chromium_shows_the_csv_numbers_offline(session, browser):
    heatmaps = {layer: plot_heatmap(layer=layer, head=3, text=SENTENCE) for layer in (2, 0)}
    csv = {layer: read_csv(result["artifacts"]["csv"])[2] for layer, result in heatmaps.items()}
    saved = explore_attention(layer=2, head=3, text=SENTENCE, language="en")
    outside: list[str] = []
    page, errors = offline_page(browser, saved["artifacts"]["html"], outside)
    for i, j in [(0, 0), (3, 5), (10, 11)]:
        assert float(hover_cell(page, i, j)) == pytest.approx(csv[2][i, j], abs=1e-4)
    assert page.inner_text("#readout").startswith("query “!” (10) → key “[SEP]” (11): ")
    page.select_option("#layer", "0")  # the layer changes, so do the view and the number under the pointer
    assert float(hover_cell(page, 3, 5)) == pytest.approx(csv[0][3, 5], abs=1e-4)
    assert csv[0][3, 5] != pytest.approx(csv[2][3, 5], abs=1e-4)
    hover_cell(page, 10, 2)
    page.mouse.down()
    page.mouse.up()  # a click on a cell follows its query token: row and column, top keys and top queries
    assert page.input_value("#token") == "10"
    first_key = page.locator("#top-keys li").first.inner_text()
    best = max(range(12), key=lambda j: csv[0][10, j])
    assert first_key.startswith(saved["tokens"][best]) and f"{csv[0][10, best]:.4f}" in first_key
    page.focus("#heatmap")
    page.keyboard.press("ArrowUp")  # the keyboard reads cells too: one query up
    assert float(page.get_attribute("#readout", "data-weight")) == pytest.approx(csv[0][9, 2], abs=1e-4)
    shot(page, "explorer-heatmap-en")
    weak = (9, 2)  # a cell well under the map's maximum: a contrast switch brightens it, its number stays
    linear = luminance(page, *weak)
    for contrast in ("sqrt", "clip"):
        page.select_option("#contrast", contrast)
        assert page.get_attribute("#heatmap", "data-contrast") == contrast
        assert luminance(page, *weak) > linear + 10
        assert float(page.get_attribute("#readout", "data-weight")) == pytest.approx(csv[0][9, 2], abs=1e-4)
    shot(page, "explorer-heatmap-clip-en")
    page.select_option("#contrast", "linear")
    page.click("#tab-heads")
    assert page.locator("#head-view line").count() == 12  # the chosen token's lines only
    shot(page, "explorer-head-view-en")
    page.click("#tab-model")
    page.click("#thumb-4-7")  # the model view opens a head in the heatmap
    assert (page.input_value("#layer"), page.input_value("#head")) == ("4", "7")
    assert page.get_attribute("#tab-heatmap", "aria-selected") == "true"
    page.select_option("#ui-language", "ja")
    page.click("#tab-model")
    shot(page, "explorer-model-view-ja")
    assert outside == [] and errors == []
    page.context.close()
