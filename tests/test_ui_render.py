"""Events become chat messages: steps with status, progress and duration; figures; text; errors."""

from __future__ import annotations

import base64
from pathlib import Path

from agent.events import FinalAnswer, TextDelta, ToolFinished, ToolProgress, ToolStarted, TurnError
from tools.core.notes import note
from ui.export import export_markdown
from ui.render import ChatRenderer


def figure_result(tmp_path: Path) -> tuple[dict, dict]:
    png = tmp_path / "001-heatmap.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\nfake")
    artifacts = {"png": str(png), "svg": str(tmp_path / "a.svg"), "csv": str(tmp_path / "a.csv"),
                 "code": str(tmp_path / "a.py")}
    return {"title": "minilm · layer 5", "code": "print('reproduce')", "notes": [note("causal_received")]}, artifacts


def test_a_step_goes_from_pending_with_progress_to_done(tmp_path):
    history: list = []
    renderer = ChatRenderer(history, "en")
    renderer.apply(ToolStarted("c1", "load_model", {"model": "gemma-270m"}))
    assert history[0].metadata == {"title": "🔧 load_model", "status": "pending", "id": "c1"}
    renderer.apply(ToolProgress("c1", 0.42, "gemma-270m: dequantizing the weights (first use only): 20 s"))
    assert history[0].metadata["log"] == "42% · gemma-270m: dequantizing the weights (first use only): 20 s"
    renderer.apply(ToolFinished("c1", "load_model", {"model": "gemma-270m"}, True, None, "gemma-270m: 18 layers",
                                {"model": "gemma-270m"}, {}, 61.2))
    assert history[0].metadata["status"] == "done" and history[0].metadata["duration"] == 61.2
    assert "log" not in history[0].metadata and history[0].metadata["title"] == "🔧 load_model ✓"
    assert '"model": "gemma-270m"' in history[0].content and "18 layers" in history[0].content


def test_a_figure_adds_the_image_the_links_and_the_collapsed_code(tmp_path):
    history: list = []
    result, artifacts = figure_result(tmp_path)
    renderer = ChatRenderer(history, "ja")
    renderer.apply(ToolStarted("c1", "plot_heatmap", {}))
    renderer.apply(ToolFinished("c1", "plot_heatmap", {}, True, None, "summary", result, artifacts, 0.3))
    step, image, links, code = history
    assert "⚠️ 因果モデルなので" in step.content  # the note in the learner's language, not its English text
    url = f"/gradio_api/file={artifacts['png']}"
    assert image.content == f"[![minilm · layer 5]({url})]({url})"  # a click opens it full size
    assert links.content.startswith("⬇️ ダウンロード: [PNG](/gradio_api/file=") and "[スクリプト]" in links.content
    assert code.metadata == {"title": "📄 コードを表示", "status": "done"} and "reproduce" in code.content


def test_errors_text_and_turn_errors(tmp_path):
    history: list = []
    renderer = ChatRenderer(history, "en")
    renderer.apply(ToolStarted("c1", "plot_heatmap", None))
    renderer.apply(ToolFinished("c1", "plot_heatmap", None, False, "layer 42 is out of range", "", {}, {}, 0.01))
    assert history[0].metadata["title"] == "🔧 plot_heatmap ✗" and "❌ layer 42 is out of range" in history[0].content
    assert "not valid JSON" in history[0].content
    renderer.apply(TextDelta("Hello "))
    renderer.apply(TextDelta("world."))
    renderer.apply(FinalAnswer("Hello world."))
    assert history[-1].content == "Hello world."
    renderer.apply(TurnError("could not connect"))
    assert history[-1].content == "⚠️ could not connect"


def test_questions_an_answer_offers_become_buttons_under_it():
    history: list = []
    renderer = ChatRenderer(history, "ja")
    renderer.apply(TextDelta("見方はいくつかあります。"))
    renderer.apply(FinalAnswer("見方はいくつかあります。", ("第0層の全ヘッドを表示して", "ヒートマップを見せて")))
    assert history[-1].options == [{"value": "第0層の全ヘッドを表示して", "label": "第0層の全ヘッドを表示して"},
                                   {"value": "ヒートマップを見せて", "label": "ヒートマップを見せて"}]
    ChatRenderer(history, "en").apply(FinalAnswer("No buttons."))
    assert history[-1].content == "No buttons." and not history[-1].options


def test_an_error_with_a_note_is_shown_in_the_learners_language(tmp_path):
    history: list = []
    renderer = ChatRenderer(history, "ja")
    said = note("model_unavailable", requested="nobody/model", hub=note("hub_unreachable"))
    renderer.apply(ToolStarted("c1", "load_model", {"model": "nobody/model"}))
    renderer.apply(ToolFinished("c1", "load_model", {"model": "nobody/model"}, False, said["text"], "",
                                {"error_note": said}, {}, 0.01))
    assert "❌ nobody/model はオフラインでは使えません。" in history[0].content
    assert said["text"] not in history[0].content


def test_the_handout_embeds_figures_and_keeps_code_and_steps(tmp_path):
    history: list = []
    result, artifacts = figure_result(tmp_path)
    renderer = ChatRenderer(history, "en")
    renderer.apply(ToolStarted("c1", "plot_heatmap", {"layer": -1}))
    renderer.apply(ToolFinished("c1", "plot_heatmap", {}, True, None, "summary", result, artifacts, 0.3))
    renderer.apply(FinalAnswer("The answer."))
    markdown = export_markdown([{"role": "user", "content": "Heatmap please"}, *history], "en", tmp_path)
    assert "**You:** Heatmap please" in markdown and "The answer." in markdown
    assert "![001-heatmap](data:image/png;base64,iVBORw0KGgpmYWtl)" in markdown
    assert "<details><summary>📄 show code</summary>" in markdown and "gradio_api/file" not in markdown


def test_paths_with_spaces_survive_the_url_and_the_export(tmp_path):
    folder = tmp_path / "my figures (1)"
    folder.mkdir()
    png = folder / "001-heatmap.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\nfake")
    from ui.render import IMAGE_PATTERN, image_markdown

    markdown = image_markdown(png, "a [bracketed] title")
    found = IMAGE_PATTERN.match(markdown)
    assert found and " " not in found["path"] and found["alt"] == "a  bracketed  title"
    assert "data:image/png;base64," in export_markdown([{"role": "assistant", "content": markdown}], "en", folder)


def test_the_handout_embeds_only_figures_of_its_own_session(tmp_path):
    own, other = tmp_path / "session-a", tmp_path / "session-b"
    for folder in (own, other):
        folder.mkdir()
        (folder / "001-heatmap.png").write_bytes(b"\x89PNG\r\n\x1a\n" + folder.name.encode())
    (own / "002-link.png").symlink_to(other / "001-heatmap.png")
    from ui.render import image_markdown

    links = [image_markdown(path, "figure") for path in (
        other / "001-heatmap.png",  # another learner's figure, e.g. a link an LLM wrote into its answer
        own / ".." / "session-b" / "001-heatmap.png",  # the same, through the session's directory
        own / "002-link.png",  # a link inside the session that points out of it
        own / "001-heatmap.png",  # the session's own figure
    )]
    markdown = export_markdown([{"role": "assistant", "content": link} for link in links], "en", own)
    assert markdown.count("data:image/png;base64,") == 1
    assert base64.b64encode((own / "001-heatmap.png").read_bytes()).decode() in markdown
    assert "session-b" not in markdown and "gradio_api/file" not in markdown
