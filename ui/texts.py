"""Every string of the UI in English and Japanese, the tutorial that follows the article, and the example
questions (read from the tool cards and the knowledge base, which keep them)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Literal

import gradio as gr

from agent.cards import cards
from prompts import knowledge
from tools import TOOL_FAMILIES

__all__ = ["Language", "TEXTS", "t", "i18n", "TUTORIAL", "TutorialStep", "examples"]

Language = Literal["en", "ja"]

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "title": "# 🎓 Attention Sensei",
        "subtitle": "Ask what a Transformer pays attention to. The sensei runs the real model and shows real results.",
        "chat": "Conversation",
        "question": "Your question",
        "placeholder": "e.g. Show the heatmap of \"I love natural language processing!\"",
        "send": "Ask",
        "stop": "Stop",
        "clear": "New conversation",
        "settings": "Settings",
        "backend": "Sensei",
        "backend_offline": "offline (built in)",
        "backend_openai": "OpenAI-compatible LLM",
        "base_url": "Base URL",
        "llm_model": "LLM model",
        "api_key": "API key (kept in this browser session only)",
        "model": "Attention model (alias, Hugging Face id or local directory)",
        "language": "Language / 言語",
        "apply": "Apply settings",
        "applied": "Settings applied: {backend}; attention model {model}, on {device} in {dtype}.",
        "not_applied": "Settings not applied: {reason}.",
        "device": "Device where the models run (auto: CUDA, then MPS, then the CPU)",
        "dtype": "Number format of the weights (auto: float32 on the CPU, bfloat16 on a GPU)",
        "tutorial": "Follow the article, step by step",
        "examples": "Example questions",
        "export": "Export as Markdown",
        "export_file": "Lesson handout",
        "downloads": "Download",
        "script": "script",
        "show_code": "show code",
        "invalid_arguments": "(the arguments were not valid JSON)",
        "busy": "The previous question is still being answered.",
        "busy_undo": "A question is still being answered: press Stop first, then undo or retry.",
        "model_loading": "Loading {model}…",
    },
    "ja": {
        "title": "# 🎓 Attention 先生",
        "subtitle": "Transformer がどこに注目しているのか質問してください。"
                    "先生が実際にモデルを動かして本物の結果を見せます。",
        "chat": "会話",
        "question": "質問",
        "placeholder": "例: 「今日はカレーライスを食べました。」のヒートマップを見せて",
        "send": "質問する",
        "stop": "停止",
        "clear": "新しい会話",
        "settings": "設定",
        "backend": "先生",
        "backend_offline": "オフライン(内蔵)",
        "backend_openai": "OpenAI 互換 LLM",
        "base_url": "ベース URL",
        "llm_model": "LLM モデル",
        "api_key": "API キー(このブラウザのセッション内だけで保持)",
        "model": "Attention を見るモデル(別名、Hugging Face ID、ローカルディレクトリ)",
        "language": "Language / 言語",
        "apply": "設定を反映",
        "applied": "設定を反映しました: {backend}、Attention モデル {model}({device}、{dtype})。",
        "not_applied": "設定を反映しませんでした: {reason}",
        "device": "モデルを動かすデバイス(auto: CUDA、MPS、CPU の順に選びます)",
        "dtype": "重みの数値形式(auto: CPU では float32、GPU では bfloat16)",
        "tutorial": "記事の流れに沿って一歩ずつ",
        "examples": "質問の例",
        "export": "Markdown で書き出す",
        "export_file": "授業用の資料",
        "downloads": "ダウンロード",
        "script": "スクリプト",
        "show_code": "コードを表示",
        "invalid_arguments": "(引数が正しい JSON ではありませんでした)",
        "busy": "前の質問にまだ回答中です。",
        "busy_undo": "まだ回答中です。先に「停止」を押してから、取り消しや再試行をしてください。",
        "model_loading": "{model} を読み込み中…",
    },
}


def t(key: str, language: Language) -> str:
    return TEXTS[language][key]


def i18n() -> gr.I18n:
    return gr.I18n(**TEXTS)


@dataclass(frozen=True)
class TutorialStep:
    label: dict[str, str]
    question: dict[str, str]


ARTICLE_EXPRESSION = "torch.mean(outputs.attentions[-1], dim=1)[0].detach().numpy()"
ARTICLE_SENTENCE = "I love natural language processing!"
JAPANESE_SENTENCE = "今日はカレーライスを食べました。明日はラーメンを食べようと思います。"

# The article's path, in its order and with the models it names: bert-base-uncased and
# rinna/japanese-gpt2-medium (offline, minilm and gemma-270m stand in, and each answer says why); the
# steps ask what its reader asked, in our own words, and go on where the article stopped short (what
# plt.plot really drew, the sink, what a 3D view hides). tests/test_ui_tutorial.py reads each step as
# the offline sensei does; the slow test in tests/test_ui_api.py runs them all in the app.
TUTORIAL: tuple[TutorialStep, ...] = (
    TutorialStep({"en": "1 · Load the article's BERT", "ja": "1 · 記事の BERT を読み込む"},
                 {"en": "Load bert-base-uncased, the BERT the article uses, and tell me about it.",
                  "ja": "記事と同じ bert-base-uncased を読み込んで、どんなモデルか教えてください。"}),
    TutorialStep({"en": "2 · Extract attention, with code", "ja": "2 · Attention を取り出す(コード付き)"},
                 {"en": f"Extract the attention of \"{ARTICLE_SENTENCE}\" with it, and show me the code.",
                  "ja": f"「{ARTICLE_SENTENCE}」の Attention を取り出して、そのコードも見せてください。"}),
    TutorialStep({"en": "3 · The raw tensor", "ja": "3 · 生のテンソルと形"},
                 {"en": "Show me the raw attention values of the last layer.",
                  "ja": "最終層の Attention の生の数値と、その形を見せてください。"}),
    TutorialStep({"en": "4 · Ways to visualize", "ja": "4 · 可視化の方法"},
                 {"en": "How can I visualize attention?",
                  "ja": "Attention を見える形にするには、どんな方法がありますか?"}),
    TutorialStep({"en": "5 · Heatmap", "ja": "5 · ヒートマップ"},
                 {"en": "Draw the heatmap of the last layer, averaged over the heads.",
                  "ja": "最終層の Attention をヘッドで平均して、ヒートマップにしてください。"}),
    TutorialStep({"en": "6 · What does the mean do?", "ja": "6 · mean は何をしている?"},
                 {"en": f"What does `{ARTICLE_EXPRESSION}` do?",
                  "ja": f"`{ARTICLE_EXPRESSION}` は何をしているのですか?"}),
    TutorialStep({"en": "7 · Line chart: what plt.plot drew", "ja": "7 · 折れ線:plt.plot が描いたもの"},
                 {"en": "If I draw that averaged matrix with plt.plot(attention), what does it really draw? "
                        "Show it next to the line I meant.",
                  "ja": "平均した行列を plt.plot(attention) で描くと、実際には何が描かれますか?"
                        "本来描きたかった線と並べて見せてください。"}),
    TutorialStep({"en": "8 · Japanese with rinna: the causal mask", "ja": "8 · rinna で日本語:因果マスク"},
                 {"en": f"Now use rinna/japanese-gpt2-medium and show the heatmap of \"{JAPANESE_SENTENCE}\". "
                        "Why is its upper right empty?",
                  "ja": f"rinna/japanese-gpt2-medium で「{JAPANESE_SENTENCE}」のヒートマップを見せてください。"
                        "右上が空なのはなぜですか?"}),
    TutorialStep({"en": "9 · Without the sink", "ja": "9 · シンクを除く"},
                 {"en": "The <bos> token takes most of that attention. Show the same heatmap without special tokens.",
                  "ja": "<bos> に注意が集まって他が見えにくいので、特殊トークンを除いて"
                        "同じヒートマップを見せてください。"}),
    TutorialStep({"en": "10 · Values in the cells", "ja": "10 · セルに数値"},
                 {"en": "Show that heatmap again with the value written in each cell.",
                  "ja": "そのヒートマップを、各セルに数値を書き込んでもう一度見せてください。"}),
    TutorialStep({"en": "11 · 3D, or the heatmap?", "ja": "11 · 3D とヒートマップ"},
                 {"en": "Draw the same attention as 3D bars. Is it easier to read than the heatmap?",
                  "ja": "同じ Attention を 3D の棒グラフにしてください。"
                        "3D の方がヒートマップより読みやすいのでしょうか?"}),
)


@cache
def examples() -> dict[Language, tuple[str, ...]]:
    """The example buttons' questions by language: the tool cards' showcases in registration order
    (`tools.TOOL_FAMILIES`), then the knowledge entries' in file order; button i asks entry i of either language."""
    found = [pair for name in TOOL_FAMILIES if name in cards() for pair in cards()[name].showcase]
    found += [{"en": entry.showcase("en"), "ja": entry.showcase("ja")}
              for entry in knowledge().values() if entry.showcase("en")]
    return {"en": tuple(pair["en"] for pair in found), "ja": tuple(pair["ja"] for pair in found)}
