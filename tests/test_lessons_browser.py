"""A guided lesson (#17) clicked through in real Chromium: start, a step's figure in the chat and the explorer,
a prediction picked and graded against the real result (right, then wrong), Back and Next, the Markdown export
with the progress, and the panel in Japanese. Screenshots land in test-artifacts/ for a person to look at."""

from __future__ import annotations

from pathlib import Path

import gradio as gr
import pytest
from test_lessons import BROKEN
from test_ui_browser import WAIT, open_page, shot
from ui_server import running_app

from lessons import library
from ui.lessons import LessonPanel


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory):
    with running_app(tmp_path_factory.mktemp("lessons")) as address:
        yield address


def settled(page) -> None:
    page.wait_for_function("!document.querySelector('#chat .pending')", timeout=WAIT)
    page.wait_for_function("!document.querySelector('#lessons .generating, #chat .generating')", timeout=WAIT)


def predict(page, label: str, screenshot: str | None = None) -> None:
    page.wait_for_selector("#lesson-choices", state="visible", timeout=WAIT)
    page.locator("#lesson-choices label", has_text=label).first.click()
    if screenshot:
        shot(page, screenshot)
    page.click("#lesson-check")


def test_a_lesson_clicked_through_with_predictions_graded(browser, url):
    lesson = library()["article"]
    page = open_page(browser, url)
    page.click("#lesson-start")  # the first lesson, the article's path; step 1 loads the model
    page.wait_for_selector("#chat >> text=load_model ✓", timeout=WAIT)
    chat = page.locator("#chat")
    assert f"step 1/{len(lesson.steps)}: {lesson.steps[0].title['en']}" in chat.inner_text()
    page.click("#lesson-next")  # step 2 asks first: how many tokens?
    page.wait_for_selector("#chat >> text=Predict first", timeout=WAIT)
    assert page.locator("#lesson-choices").is_visible() and page.locator("#lesson-check").is_visible()
    predict(page, "8")
    page.wait_for_selector("#chat >> text=Right.", timeout=WAIT)
    settled(page)
    text = chat.inner_text()
    assert "My prediction: 8" in text and "the model saw 8 tokens" in text and "extract_attention ✓" in text
    assert not page.locator("#lesson-check").is_visible()
    shot(page, "lesson-prediction-right")
    page.click("#lesson-next")  # step 3: do the rows sum to 1? answered wrong on purpose
    predict(page, "no")
    page.wait_for_selector("#chat >> text=Not this time.", timeout=WAIT)
    settled(page)
    assert "the real row sums run from 1.0000" in chat.inner_text()
    page.click("#lesson-next")  # step 4: the heatmap, in the chat and in the explorer
    page.wait_for_selector("#chat >> text=plot_heatmap ✓", timeout=WAIT)
    page.wait_for_function("document.querySelectorAll('#chat img').length >= 1", timeout=WAIT)
    settled(page)
    page.wait_for_selector("#explorer-frame", timeout=WAIT)
    progress = page.locator("#lesson-progress").inner_text()
    assert "step 4 of 10" in progress and "1 right of 2 answered" in progress
    shot(page, "lesson-heatmap-step")
    page.click("#lesson-back")  # back to step 3: its prediction is asked again
    page.wait_for_selector("#lesson-choices", state="visible", timeout=WAIT)
    page.click("#export")
    page.wait_for_selector("#handout a", timeout=WAIT)
    href = page.locator("#handout a").first.get_attribute("href")
    handout = page.request.get(href if href.startswith("http") else page.url.rstrip("/") + href).text()
    assert "step 3 of 10; predictions: 1 right of 2 answered" in handout
    assert "- Step 2, Extract the attention: predicted 8; ✅ **Right.**" in handout
    assert "- Step 3, The raw tensor: predicted no; ❌ **Not this time.**" in handout
    assert "data:image/png;base64," in handout  # the heatmap of step 4
    page.context.close()


def test_the_lesson_panel_in_japanese(browser, url):
    page = open_page(browser, url, locale="ja-JP")
    page.wait_for_selector("text=ガイド付きレッスン", timeout=WAIT)
    page.click("#lesson-start")
    page.wait_for_selector("#chat >> text=load_model ✓", timeout=WAIT)
    page.click("#lesson-next")
    page.wait_for_selector("#chat >> text=まず予想", timeout=WAIT)
    predict(page, "6", screenshot="lesson-japanese-choices")
    page.wait_for_selector("#chat >> text=今回は外れです", timeout=WAIT)
    settled(page)
    text = page.locator("#chat").inner_text()
    assert "私の予想: 6" in text and "モデルが見たトークンは 8 個" in text
    assert "予想: 1 問中 0 問正解" in page.locator("#lesson-progress").inner_text()
    shot(page, "lesson-japanese-prediction")
    page.context.close()


def test_the_app_refuses_a_broken_lesson_file_with_the_check_message(tmp_path: Path):
    shipped = Path(__file__).resolve().parent.parent / "lessons" / "library" / "beyond-attention.toml"
    (tmp_path / "beyond-attention.toml").write_text(shipped.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "broken.toml").write_text(BROKEN, encoding="utf-8")
    with gr.Blocks():
        panel = LessonPanel(lambda: None, tmp_path)
    assert list(panel.lessons) == ["beyond-attention"]
    assert panel.refused.visible
    assert f"{tmp_path / 'broken.toml'}: 11 problems:" in panel.refused.value
    assert "unknown tool 'plot_heatmapp'; did you mean plot_heatmap" in panel.refused.value
