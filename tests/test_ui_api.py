"""The app's API through gradio_client: real app, real models, one browser session per Client."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from gradio_client import Client
from ui_server import message_image, message_text, running_app

KEY = "sk-ui-test-never-show-me-42"


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory):
    with running_app(tmp_path_factory.mktemp("ui")) as address:
        yield address


def titles(history: list[dict]) -> list[str]:
    return [(m.get("metadata") or {}).get("title") or "" for m in history]


def test_an_english_question_shows_the_step_the_figure_the_links_and_the_code(url):
    client = Client(url, verbose=False)
    history, box = client.predict('Show the heatmap of "I love natural language processing!"', "en",
                                  api_name="/ask")
    assert box == {"__type__": "update"}  # the turn leaves the question box as it is (ui/app.py `_take`)
    assert message_text(history[0]) == 'Show the heatmap of "I love natural language processing!"'
    step = next(m for m in history if titles([m])[0].startswith("🔧 plot_heatmap"))
    assert step["metadata"]["title"] == "🔧 plot_heatmap ✓" and step["metadata"]["status"] == "done"
    assert "shape [1, 12, 8, 8]" in message_text(step) and step["metadata"]["duration"] > 0
    image = next(message_image(m) for m in history if message_image(m))
    assert Path(image).read_bytes()[:4] == b"\x89PNG"
    links = next(message_text(m) for m in history if message_text(m).startswith("⬇️"))
    assert re.findall(r"\[(PNG|SVG|CSV|script)\]", links) == ["PNG", "SVG", "CSV", "script"]
    code = next(m for m in history if titles([m])[0] == "📄 show code")
    assert 'attn_implementation="eager"' in message_text(code)
    answer = message_text(history[-1])
    assert "[CLS]" in answer and "0.56" in answer


def test_two_sessions_never_see_each_other(url):
    first, second = Client(url, verbose=False), Client(url, verbose=False)
    a, _ = first.predict('Heatmap of "Cats chase mice."', "en", api_name="/ask")
    b, _ = second.predict('Heatmap of "Rivers flow to the sea."', "en", api_name="/ask")
    assert "cats" in message_text(a[-1]).lower() and "rivers" not in message_text(a[-1]).lower()
    assert "rivers" in message_text(b[-1]).lower() and "cats" not in message_text(b[-1]).lower()
    follow_up, _ = first.predict("Now show all heads of layer 0", "en", api_name="/ask")
    assert "cats" in message_text(follow_up[-1]).lower()
    image_a, image_b = message_image(a[2]), message_image(b[2])
    assert image_a and image_b and image_a != image_b


def test_undo_and_retry_keep_the_agents_history_in_step(url):
    client = Client(url, verbose=False)
    client.predict('Heatmap of "One two three."', "en", api_name="/ask")
    history, _ = client.predict("Plot all heads of layer 1", "en", api_name="/ask")
    assert any(t.startswith("🔧 plot_heads") for t in titles(history))
    undone = client.predict(api_name="/undo")
    assert not any(t.startswith("🔧 plot_heads") for t in titles(undone))
    assert [message_text(m) for m in undone if m["role"] == "user"] == ['Heatmap of "One two three."']
    retried, _ = client.predict("en", api_name="/retry")
    assert [message_text(m) for m in retried if m["role"] == "user"] == ['Heatmap of "One two three."']
    assert sum(t.startswith("🔧 plot_heatmap") for t in titles(retried)) == 1


def test_export_writes_a_self_contained_markdown_handout_without_the_key(url):
    client = Client(url, verbose=False)
    status = client.predict("offline", "", "gpt-4o-mini", KEY, "minilm", "en", api_name="/apply_settings")
    assert KEY not in status and "offline sensei" in status
    client.predict('Line chart of the attention from "love" in "I love tea"', "en", api_name="/ask")
    update = client.predict("en", api_name="/export")  # an update that also makes the file visible
    assert update["visible"] is True
    text = Path(update["value"]).read_text(encoding="utf-8")
    assert text.startswith("# Attention Sensei — lesson handout")
    assert "data:image/png;base64," in text and "```python" in text and "I love tea" in text
    assert KEY not in text


def test_bad_input_gets_a_clear_message_and_the_session_keeps_working(url):
    client = Client(url, verbose=False)
    history, _ = client.predict("Heatmap of layer 42 for 'I love tea'", "en", api_name="/ask")
    step = next(m for m in history if titles([m])[0].startswith("🔧"))
    assert step["metadata"]["title"].endswith("✗") and "layer 42 is out of range" in message_text(step)
    assert "Traceback" not in str(history)
    history, _ = client.predict("", "en", api_name="/ask")
    history, _ = client.predict("Heatmap of layer 1 please", "en", api_name="/ask")
    assert titles(history)[-4:][0] == "🔧 plot_heatmap ✓" or any(t == "🔧 plot_heatmap ✓" for t in titles(history))


@pytest.mark.slow
def test_a_japanese_question_gets_a_japanese_answer_and_heatmap(url):
    client = Client(url, verbose=False)
    history, _ = client.predict("「今日はカレーライスを食べました。」のヒートマップを見せて", "ja", api_name="/ask")
    assert any(t == "🔧 plot_heatmap ✓" for t in titles(history))
    assert any(t == "📄 コードを表示" for t in titles(history))
    answer = message_text(history[-1])
    assert "gemma-270m" in answer and "カレー" in answer and "ヒートマップ" in answer


@pytest.mark.parametrize(
    ("question", "language", "tool", "marker"),
    [('Compare "The cat sat on the mat." and "The dog sat on the mat."', "en", "compare_attention",
      "only in a: `cat`; only in b: `dog`"),
     ("「The cat sat.」と「The dog sat.」のアテンションを比較して", "ja", "compare_attention",
      "a だけにあるのは `cat`"),
     ("Word-level heatmap of \"Tokenization splits unbelievable words.\"", "en", "plot_heatmap",
      "`Tokenization` = `token` + `##ization`"),
     ("「Tokenization splits words.」を単語単位のヒートマップで", "ja", "plot_heatmap", "単語単位: 1 語が複数の断片"),
     ],
)
def test_the_new_views_arrive_in_the_chat_with_their_figure(url, question, language, tool, marker):
    client = Client(url, verbose=False)
    history, _ = client.predict(question, language, api_name="/ask")
    assert f"🔧 {tool} ✓" in titles(history)
    image = next(message_image(m) for m in history if message_image(m))
    assert Path(image).read_bytes()[:4] == b"\x89PNG"
    assert marker in message_text(history[-1])


@pytest.mark.slow
def test_generation_attention_arrives_in_the_chat(url):
    client = Client(url, verbose=False)
    history, _ = client.predict("「日本の首都は」の続きを3トークン生成するときのアテンションを見せて", "ja",
                                api_name="/ask")
    assert "🔧 generation_attention ✓" in titles(history)
    assert any(message_image(m) for m in history)
    answer = message_text(history[-1])
    assert "**生成**(**gemma-270m**" in answer and "3 トークン" in answer


@pytest.mark.slow
@pytest.mark.parametrize("language", ["en", "ja"])
def test_the_whole_article_tutorial_runs(url, language):
    """Every button of the tutorial in turn, in one browser session: each runs its step's tool (the menu of views
    runs none and offers its views as buttons) and answers; the last draws 3D bars and says why the heatmap reads
    better."""
    from test_ui_tutorial import EXPECTED

    client = Client(url, verbose=False)
    for step, (tool, _, _) in enumerate(EXPECTED, start=1):
        history, _ = client.predict(language, api_name=f"/tutorial_{step}")
        last_user = max(i for i, m in enumerate(history) if m["role"] == "user")
        turn = history[last_user:]
        steps = [t for t in titles(turn) if t.startswith("🔧")]
        assert steps[:1] == ([f"🔧 {tool} ✓"] if tool else []), (step, steps)
        assert message_text(turn[-1]).strip()
        if tool is None:
            assert len(turn[-1]["options"]) >= 10, step  # the menu's buttons
    final = message_text(history[-1])
    assert "3D" in final and ("heatmap" if language == "en" else "ヒートマップ") in final
