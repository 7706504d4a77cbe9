"""The app in real headless Chromium (Debian's), driven by Playwright, as a learner uses it.

Screenshots land in test-artifacts/ for a person to look at.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from ui_server import running_app

SHOTS = Path(__file__).resolve().parent.parent / "test-artifacts"
WAIT = 180_000  # ms; the first Japanese question may convert gemma-270m (~75 s)


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory):
    with running_app(tmp_path_factory.mktemp("browser")) as address:
        yield address


def open_page(browser, url: str, locale: str = "en-US", headers: dict[str, str] | None = None):
    context = browser.new_context(viewport={"width": 1280, "height": 1200}, locale=locale, extra_http_headers=headers)
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector("#question textarea")
    return page


def ask(page, question: str) -> None:
    page.fill("#question textarea", question)
    page.click("#send")


def wait_for_figures(page, count: int) -> None:
    try:
        page.wait_for_function(f"document.querySelectorAll('#chat img').length >= {count}", timeout=WAIT)
        page.wait_for_function("!document.querySelector('#chat .pending')", timeout=WAIT)
    except PlaywrightTimeout:  # say what the page showed instead, so a failure on CI can be read from its log
        shot(page, "timed-out")
        toasts = " | ".join(page.locator(".toast-body").all_inner_texts())
        raise AssertionError(f"no {count} figure(s) after {WAIT // 1000} s; warnings: {toasts or 'none'}; "
                             f"the chat showed:\n{page.locator('#chat').inner_text()[-3000:]}") from None


def wait_for_turn(page, done: str) -> None:
    """Wait until the answer shows `done` and nothing is pending, as a learner waits before asking on."""
    page.wait_for_selector(f"#chat >> text={done}", timeout=WAIT)
    page.wait_for_function("!document.querySelector('#chat .pending')", timeout=WAIT)


def shot(page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_english_question_step_figure_code_and_downloads(browser, url):
    page = open_page(browser, url)
    ask(page, 'Show the heatmap of "I love natural language processing!"')
    wait_for_figures(page, 1)
    page.wait_for_selector("#chat >> text=plot_heatmap ✓", timeout=WAIT)
    chat = page.locator("#chat")
    assert "show code" in chat.inner_text()
    figure_link = chat.locator("a:has(img)").first  # the inline figure opens full size on click
    assert figure_link.get_attribute("target") == "_blank"
    assert page.request.get(page.url.rstrip("/") + figure_link.get_attribute("href")).body()[:4] == b"\x89PNG"
    page.locator("#chat >> text=show code").first.click()
    page.wait_for_selector("#chat >> text=attn_implementation", timeout=10_000)
    links = {link.inner_text(): link.get_attribute("href") for link in chat.locator("a").all()}
    assert {"PNG", "SVG", "CSV", "script"} <= set(links)
    png = page.request.get(page.url.rstrip("/") + links["PNG"] if links["PNG"].startswith("/") else links["PNG"])
    assert png.status == 200 and png.body()[:4] == b"\x89PNG"
    script = page.request.get(page.url.rstrip("/") + links["script"])
    assert b"output_attentions=True" in script.body()
    assert "[CLS]" in chat.inner_text()
    shot(page, "english-heatmap")
    page.context.close()


def test_what_is_typed_while_a_turn_draws_stays_in_the_box(browser, url):
    page = open_page(browser, url)
    ask(page, 'Show all heads of layer 0 for "The keys open the old wooden door."')
    page.wait_for_function("document.querySelector('#question textarea').value === ''", timeout=10_000)
    page.fill("#question textarea", "now the line chart")  # typed ahead, while the grid of heads is drawn
    drawn_when_typed = page.locator("#chat img").count()
    wait_for_figures(page, 1)
    assert drawn_when_typed == 0 and page.input_value("#question textarea") == "now the line chart"
    page.press("#question textarea", "Enter")  # sent as it stands, and the box is free again
    wait_for_figures(page, 2)
    assert page.input_value("#question textarea") == "" and "plot_line" in page.locator("#chat").inner_text()
    page.context.close()


@pytest.mark.slow
def test_japanese_question_gets_a_japanese_heatmap(browser, url):
    page = open_page(browser, url, locale="ja-JP")
    page.wait_for_selector("text=Attention 先生")
    ask(page, "「今日はカレーライスを食べました。」のヒートマップを見せて")
    wait_for_figures(page, 1)
    text = page.locator("#chat").inner_text()
    assert "plot_heatmap ✓" in text and "コードを表示" in text and "gemma-270m" in text
    assert "ヒートマップ" in text
    shot(page, "japanese-heatmap")
    page.context.close()


def test_language_switch_relabels_the_page(browser, url):
    page = open_page(browser, url, locale="en-US")
    page.wait_for_selector("#send >> text=Ask")
    page.locator("#language label", has_text="ja").click()
    page.wait_for_selector("#send >> text=質問する", timeout=10_000)
    assert page.locator("#tutorial-1").inner_text().startswith("1 · 記事の BERT")
    assert "質問の例" in page.locator("#examples").inner_text()
    page.locator("#language label", has_text="en").click()
    page.wait_for_selector("#send >> text=Ask", timeout=10_000)
    page.context.close()


def test_tutorial_buttons_ask_the_article_questions(browser, url):
    page = open_page(browser, url)
    page.click("#tutorial-1")
    wait_for_turn(page, "load_model ✓")
    page.click("#tutorial-2")
    wait_for_turn(page, "extract_attention ✓")
    page.click("#tutorial-5")
    wait_for_figures(page, 1)
    text = page.locator("#chat").inner_text()
    assert "[1, 12, 8, 8]" in text
    shot(page, "tutorial")
    page.context.close()


def test_the_menu_of_views_is_buttons_that_ask_their_questions(browser, url):
    """#12 item 7: 'How can I visualize it?' lists every view, each with its question, as buttons under the answer."""
    page = open_page(browser, url)
    ask(page, "How can I visualize attention?")
    heatmap = 'Show the heatmap of "The cat sat on the mat because it was tired."'
    page.locator("#chat button", has_text="Plot all heads of layer 0").wait_for(timeout=WAIT)
    shot(page, "menu-of-views")
    page.locator("#chat button", has_text=heatmap).click()
    wait_for_figures(page, 1)
    page.wait_for_selector("#chat >> text=plot_heatmap ✓", timeout=WAIT)
    assert heatmap in page.locator("#chat").inner_text()  # the question the button asked, as the learner's turn
    assert page.locator("#chat button", has_text="Plot all heads of layer 0").count() == 0  # the menu has gone
    page.context.close()


def test_two_browsers_at_once_each_get_their_own_result(browser, url):
    first, second = open_page(browser, url), open_page(browser, url)
    ask(first, 'Heatmap of "Penguins swim in cold water."')
    ask(second, 'Heatmap of "Volcanoes erupt with lava."')
    wait_for_figures(first, 1)
    wait_for_figures(second, 1)
    one, two = first.locator("#chat").inner_text().lower(), second.locator("#chat").inner_text().lower()
    assert "penguins" in one and "volcanoes" not in one
    assert "volcanoes" in two and "penguins" not in two
    shot(first, "two-sessions-first")
    shot(second, "two-sessions-second")
    first.context.close()
    second.context.close()
