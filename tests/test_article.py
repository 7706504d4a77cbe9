"""The article's questions, in Japanese, with the models it names (#12 "Done when").

Its reader asks them one after another in one conversation, as the article goes: bert-base-uncased and
rinna/japanese-gpt2-medium by name (minilm and gemma-270m stand in offline), plus cl-tohoku's Japanese BERT.
Each gets a correct answer with real results from the offline sensei in under 10 s once the models are
converted: the tool that step needs ran (an explanation runs none), a script comes with it where the article
got code, a stand-in is named, and no English sentence sits in the Japanese answer. The walk runs once per
module; each question is then checked on its own. Slow: it needs gemma-270m.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from agent.events import FinalAnswer, ToolFinished
from agent.sensei import Sensei
from agent.settings import Settings
from prompts import knowledge

pytestmark = pytest.mark.slow

CURRY = "今日はカレーライスを食べました。明日はラーメンを食べようと思います。"
NLP = "I love natural language processing!"
EXPRESSION = "attention = torch.mean(outputs.attentions[-1], dim=1)[0].detach().numpy()"
SECONDS = 10.0


@dataclass(frozen=True)
class Question:
    text: str
    tool: str | None  # the tool that must run; None: an explanation, `entry`
    script: bool = False  # the article got code here: the answer must come with a script
    entry: str | None = None  # the knowledge entry an explanation gives
    requested: str | None = None  # a hub model the question names, which a stand-in answers


# In the article's order, worded as its reader would ask (not its sentences).
QUESTIONS = (
    Question(f"bert-base-uncased で「{NLP}」をトークン化して、Attention の出力を取り出すコードを教えてください。",
             "extract_attention", script=True, requested="bert-base-uncased"),
    Question("実行すると「Some weights of the model checkpoint at bert-base-uncased were not used when "
             "initializing BertModel」という警告が出ました。気にしなくていいですか?", None,
             entry="unused_weights_warning"),
    Question("取り出した Attention の中身を見せてください。", "inspect_attention", requested="bert-base-uncased"),
    Question("Attention を可視化するには、どんな方法がありますか?", None, entry="ways_to_visualize"),
    Question("Attention をヒートマップで可視化するサンプルコードをお願いします。", "plot_heatmap", script=True,
             requested="bert-base-uncased"),
    Question("サンプルを動かしたら「Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() "
             "instead.」というエラーになりました。", None, entry="requires_grad_numpy"),
    Question(f"`{EXPRESSION}` の行では何をしているのですか?", "explain_reduction", requested="bert-base-uncased"),
    Question("折れ線グラフで Attention を可視化する方法も教えてください。", "plot_line", script=True,
             requested="bert-base-uncased"),
    Question(f"rinna/japanese-gpt2-medium で「{CURRY}」の Attention をヒートマップにしてください。", "plot_heatmap",
             script=True, requested="rinna/japanese-gpt2-medium"),
    Question("グラフの日本語が文字化けします。フォントはどう指定すればいいですか?", None, entry="japanese_font_tofu"),
    Question("各マスに数値も書き込んでください。", "plot_heatmap", script=True, requested="rinna/japanese-gpt2-medium"),
    Question("Attention を 3D プロットで可視化するサンプルをください。", "plot_3d", script=True,
             requested="rinna/japanese-gpt2-medium"),
    Question("同じ Attention を plt.plot(attention) で折れ線グラフにしてみてください。", "plot_matrix_lines",
             script=True, requested="rinna/japanese-gpt2-medium"),
    Question(f"cl-tohoku/bert-base-japanese で「{CURRY}」の Attention を取り出してください。", "extract_attention",
             script=True, requested="cl-tohoku/bert-base-japanese"),
)

# English in a Japanese answer: four or more English words in a row on one line, once code and quotes are gone
# (the learner's sentence, a pasted message, tokens and identifiers stay as they are).
_CODE = re.compile(r"```.*?```|`[^`]*`", re.S)
_QUOTED = re.compile(r"「[^「」]*」|“[^”]*”|\"[^\"]*\"")
_ENGLISH_RUN = re.compile(r"[A-Za-z][A-Za-z'’-]*(?:[ ,]+[A-Za-z][A-Za-z'’-]*){3,}")


def english_runs(answer: str) -> list[str]:
    text = _CODE.sub("", answer)
    while _QUOTED.search(text):  # 「「…」のヒートマップ」: the inner quote first
        text = _QUOTED.sub("", text)
    return [found.group(0) for line in text.splitlines() for found in _ENGLISH_RUN.finditer(line)]


@dataclass
class Turn:
    question: Question
    seconds: float
    answer: str = ""
    finished: list[ToolFinished] = field(default_factory=list)
    suggestions: tuple[str, ...] = ()


@pytest.fixture(scope="module")
def walked(gemma, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Every question in turn, in one conversation; the models are converted and loaded before the clock starts."""
    from tools.core.models import get_model

    started = time.perf_counter()
    get_model("minilm")
    loads = time.perf_counter() - started
    sensei = Sensei(Settings(backend="offline"))
    conversation = sensei.new_conversation(artifacts_dir=tmp_path_factory.mktemp("article"))
    turns = []
    for question in QUESTIONS:
        began = time.perf_counter()
        events = list(sensei.turn(conversation, question.text))
        turn = Turn(question, time.perf_counter() - began)
        turn.finished = [event for event in events if isinstance(event, ToolFinished)]
        final = next(event for event in events if isinstance(event, FinalAnswer))
        turn.answer, turn.suggestions = final.text, final.suggestions
        turns.append(turn)
    print("\n" + "\n".join(f"{t.seconds:6.2f} s  {t.question.tool or t.question.entry}" for t in turns))
    return {"turns": turns, "minilm_load_seconds": loads}


@pytest.mark.parametrize("number", range(1, len(QUESTIONS) + 1))
def test_each_question_gets_a_correct_japanese_answer_in_time(walked: dict[str, Any], number: int) -> None:
    turn: Turn = walked["turns"][number - 1]
    asked, answer = turn.question, turn.answer
    assert turn.seconds < SECONDS, (asked.text, turn.seconds)
    assert english_runs(answer) == [], asked.text
    if asked.tool is None:
        assert turn.finished == [], (asked.text, [f.name for f in turn.finished])
        assert knowledge()[asked.entry].text("ja").splitlines()[0] in answer, asked.text
        return
    ran = turn.finished[0]
    assert (ran.name, ran.ok) == (asked.tool, True), (asked.text, ran.name, ran.error)
    result = ran.result
    assert f"**{result['model']}**" in answer  # real results, said with the model that computed them
    if asked.requested:
        assert result["requested_model"] == asked.requested and f"**{asked.requested}**" in answer
    if asked.script:
        assert Path(ran.artifacts["code"]).read_text(encoding="utf-8") == result["code"]
        assert "コードを表示" in answer
        if asked.requested:  # the script loads the model the learner named, and says what ran here
            assert f"MODEL_DIR = {asked.requested!r}" in result["code"], asked.text


def test_the_menu_offers_its_views_as_buttons(walked: dict[str, Any]) -> None:
    menu = next(t for t in walked["turns"] if t.question.entry == "ways_to_visualize")
    assert len(menu.suggestions) >= 10 and all(question in menu.answer for question in menu.suggestions)


def test_the_english_check_finds_english() -> None:
    """The heuristic itself: it catches an English sentence, and leaves quotes, code and model names alone."""
    assert english_runs("注意:the model could not be loaded here.") == ["the model could not be loaded here"]
    assert english_runs(f"「{NLP}」を `outputs.attentions[-1]` で bert-base-uncased の代わりに minilm") == []
