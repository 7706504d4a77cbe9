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
        "applied": "Settings applied: {backend}; attention model {model}.",
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
        "applied": "設定を反映しました: {backend}、Attention モデル {model}。",
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
JAPANESE_SENTENCE = "今日はカレーライスを食べました。明日はラーメンを食べようと思います。"

TUTORIAL: tuple[TutorialStep, ...] = (
    TutorialStep({"en": "1 · Load BERT", "ja": "1 · BERT を読み込む"},
                 {"en": "Load the BERT model minilm and tell me about it.",
                  "ja": "BERT のモデル minilm を読み込んでください。"}),
    TutorialStep({"en": "2 · Extract attention", "ja": "2 · Attention を取り出す"},
                 {"en": "Extract the attention of \"I love natural language processing!\" and tell me its shape.",
                  "ja": "「I love natural language processing!」の Attention を取り出して、形を教えてください。"}),
    TutorialStep({"en": "3 · Raw tensor", "ja": "3 · 生のテンソル"},
                 {"en": "Show me the raw attention values of the last layer.",
                  "ja": "最終層の Attention の生の数値を見せてください。"}),
    TutorialStep({"en": "4 · Heatmap", "ja": "4 · ヒートマップ"},
                 {"en": "Draw the heatmap of the last layer, averaged over the heads.",
                  "ja": "最終層の Attention をヘッド平均でヒートマップにしてください。"}),
    TutorialStep({"en": "5 · What does the mean do?", "ja": "5 · mean は何をしている?"},
                 {"en": f"What does `{ARTICLE_EXPRESSION}` do?",
                  "ja": f"`{ARTICLE_EXPRESSION}` は何をしているのですか?"}),
    TutorialStep({"en": "6 · Line chart", "ja": "6 · 折れ線グラフ"},
                 {"en": "Show the same attention as a line chart. Why must the tick labels include [CLS] and [SEP]?",
                  "ja": "同じ Attention を折れ線グラフにしてください。"
                        "軸ラベルがずれる落とし穴も教えてください。"}),
    TutorialStep({"en": "7 · Japanese, causal model", "ja": "7 · 日本語と因果モデル"},
                 {"en": f"Switch to the Japanese model and show the heatmap of \"{JAPANESE_SENTENCE}\"",
                  "ja": f"日本語モデルで「{JAPANESE_SENTENCE}」のヒートマップを見せてください。"}),
    TutorialStep({"en": "8 · Without the sink", "ja": "8 · シンクを除く"},
                 {"en": "The <bos> token takes most of that attention. Show the same heatmap without special tokens.",
                  "ja": "<bos> に注意が集まって他が見えにくいので、特殊トークンを除いて"
                        "同じヒートマップを見せてください。"}),
    TutorialStep({"en": "9 · Values in the cells", "ja": "9 · セルに数値"},
                 {"en": "Show that heatmap again with the value written in each cell.",
                  "ja": "そのヒートマップを、各セルに数値を書き込んでもう一度見せてください。"}),
    TutorialStep({"en": "10 · 3D or heatmap?", "ja": "10 · 3D とヒートマップ"},
                 {"en": "Would a 3D plot of the attention help me understand it better? "
                        "Show me the heatmap again to compare.",
                  "ja": "Attention を 3D でプロットすると分かりやすくなりますか?"
                        "比べるのでヒートマップももう一度見せてください。"}),
)

@cache
def examples() -> dict[Language, tuple[str, ...]]:
    """The example buttons' questions by language: the tool cards' showcases in registration order
    (`tools.TOOL_FAMILIES`), then the knowledge entries' in file order; button i asks entry i of either language."""
    found = [pair for name in TOOL_FAMILIES if name in cards() for pair in cards()[name].showcase]
    found += [{"en": entry.showcase("en"), "ja": entry.showcase("ja")}
              for entry in knowledge().values() if entry.showcase("en")]
    return {"en": tuple(pair["en"] for pair in found), "ja": tuple(pair["ja"] for pair in found)}
