"""The offline sensei's words, in English and Japanese: how it read a question, what it found, help.

Every entry is an (English, Japanese) pair of `str.format` templates; `say` picks one and fills it,
so a missing field raises instead of printing a blank.
"""

from __future__ import annotations

from prompts import Language

__all__ = ["say", "error_hint", "FIXES", "HELP_EXAMPLES"]

PHRASES: dict[str, tuple[str, str]] = {
    # --- how the question was read (the planner) ---
    "default_text": (
        "No sentence was given, so I used the example sentence “{text}”.",
        "文の指定がなかったので、例文「{text}」を使いました。",
    ),
    "reused_text": (
        "No new sentence was given, so I reused the sentence and model analysed last.",
        "新しい文の指定がないので、直前に分析した文とモデルを使いました。",
    ),
    "colon_text": (
        "I took “{text}” after the colon as the sentence.",
        "コロンの後の「{text}」を分析する文としました。",
    ),
    "layer_phrase": (
        "I read “{phrase}” as layer={layer} (0-based index, like outputs.attentions[{layer}]).",
        "「{phrase}」は layer={layer}(0始まりの添字、outputs.attentions[{layer}])と解釈しました。",
    ),
    "layer_named": (
        "I read “{phrase}” as layer={layer} (0-based index; negative numbers count from the end).",
        "「{phrase}」は layer={layer}(0始まりの添字)と解釈しました。",
    ),
    "layer_default": (
        "No layer was named, so I used the last layer (layer=-1).",
        "層の指定がないので、最終層(layer=-1)を使いました。",
    ),
    "head_phrase": (
        "I read “{phrase}” as head={head} (0-based index).",
        "「{phrase}」は head={head}(0始まりの添字)と解釈しました。",
    ),
    "head_mean": (
        "The heads are averaged, as asked (“{phrase}”).",
        "ご指定どおり(「{phrase}」)、全ヘッドを平均しました。",
    ),
    "head_default": (
        "No head was named, so the heads are averaged.",
        "ヘッドの指定がないので、全ヘッドの平均を表示しています。",
    ),
    "kept_choices": (
        "Kept from the conversation: {choices}.",
        "会話の流れから引き継ぎました:{choices}。",
    ),
    "model_phrase": ("I read “{phrase}” as the model {model}.", "「{phrase}」はモデル {model} と解釈しました。"),
    "query_phrase": (
        "The line starts from the token “{query}” (its row of the attention matrix).",
        "折れ線はトークン「{query}」から見た注目(Attention 行列のその行)です。",
    ),
    "canonical_expression": (
        "You asked about “{term}”, so I explained it inside the usual expression `{expression}`.",
        "「{term}」についての質問なので、よく使う式 `{expression}` の中で説明しました。",
    ),
    # --- the answer (the composer) ---
    "failed": ("**{tool} failed**: {error}", "**{tool} は失敗しました**:{error}"),
    "sensei_bug": (
        "The offline sensei could not answer this question: internal error {error} (a bug in Attention Sensei, "
        "not in your question). The conversation goes on: ask it in other words, or try one of the examples.",
        "オフラインの先生がこの質問に答えられませんでした:内部エラー {error}(Attention Sensei の不具合で、"
        "質問のせいではありません)。会話はそのまま続けられます。言い方を変えるか、例の質問を試してください。",
    ),
    "notes": ("Note: {text}", "注意:{text}"),
    "downloads": (
        "The figure comes with PNG, SVG and CSV downloads and a script that reproduces it (“show code”).",
        "図は PNG・SVG・CSV でダウンロードでき、再現用のスクリプトは「コードを表示」で見られます。",
    ),
    "knowledge_title": ("**Background**", "**解説**"),
    "interpretation_title": ("_How I read your question:_", "_質問の解釈:_"),
    "ask_back": (
        "I am not sure what you are asking. Did you mean one of these? Ask it like this:",
        "ご質問の意図がはっきりわかりませんでした。次のどれかでしょうか?このように聞いてみてください:",
    ),
    "ask_what_to_see": (
        "What would you like to look at? You could ask, for example:",
        "何を見てみましょうか。たとえば次のように聞けます:",
    ),
    "welcome": (
        "You're welcome! If you'd like to look at something else, you could ask, for example:",
        "どういたしまして。ほかにも見てみたいものがあれば、たとえば次のように聞けます:",
    ),
    "ask_sentence": (
        "Which sentence? Send it on its own, or in quotes in your question, e.g. “the heatmap for 'The cat sat on the "
        "mat'”.",
        "どの文でしょうか?文だけを送るか、質問の中に「」で書いてください。例:「「猫がマットの上に座った」のヒートマップ」",
    ),
    "ask_head": (
        "Which head would you like to see on its own? Send its number as the grid's panel titles give it (for example "
        "“9”, or “head 9”).",
        "どのヘッドを1枚で大きく表示しましょうか?グリッドの各パネルの見出しにある番号で送ってください(例:「9」「ヘッド9」)。",
    ),
    "ask_back_also": ("Then ask it like one of these:", "そのうえで、たとえば次のように聞いてみてください:"),
    "suggest_tool": ("- {description} — e.g. “{example}”", "- {description} — 例:「{example}」"),
    "suggest_topic": ("- an explanation — e.g. “{example}”", "- 解説 — 例:「{example}」"),
    "help": (
        "Sorry, I did not understand that question. Here are some I can answer:",
        "すみません、質問の意味がわかりませんでした。たとえば次のような質問に答えられます:",
    ),
}


HELP_EXAMPLES: dict[str, tuple[str, ...]] = {
    "en": (
        'Show the heatmap of the last layer for "I love natural language processing!"',
        "Draw a line chart of the attention from 'love' in layer 2",
        "What does `torch.mean(outputs.attentions[-1], dim=1)[0].detach().numpy()` do?",
    ),
    "ja": (
        "「今日はカレーライスを食べました。」の最終層のAttentionをヒートマップで見せて",
        "第2層の全ヘッドを並べて表示して",
        "dim=1 は何をしているの?",
    ),
}

# What to try after a failed call, by the kind of mistake its error names (ToolError.fix in tools/core/errors.py).
FIXES: dict[str, tuple[str, str]] = {
    "range": ("Use an index inside that range (0-based; -1 is the last).",
              "範囲内の番号を指定してください(0始まり、-1 は最後)。"),
    "text": ('Put the sentence in quotes, e.g. "I love cats".',
             "分析する文を「」で囲んで指定してください。例:「猫が好きです。」"),
    "token": ("Pick one of the tokens listed.", "上に挙げたトークンのどれかを指定してください。"),
    "model": ("Ask “which models can I use?”; minilm and gemma-270m always work offline.",
              "「使えるモデルは?」と聞いてみてください。minilm と gemma-270m はオフラインでも使えます。"),
    "expression": ("Write an expression over outputs.attentions, e.g. torch.mean(outputs.attentions[-1], dim=1)[0].",
                   "outputs.attentions を使った式を指定してください。例:torch.mean(outputs.attentions[-1], dim=1)[0]"),
    "shorter": ("Try a shorter text, fewer new tokens or fewer layers.",
                "もっと短い文、少ない生成トークン数、または少ない層で試してください。"),
    "again": ("Ask the same question again.", "同じ質問をもう一度してください。"),
    "rephrase": ("Try rephrasing, or one of the example questions.",
                 "言い方を変えるか、次のような質問を試してください。"),
}


def say(key: str, language: Language, **fields: object) -> str:
    """One phrase in `language`, filled with `fields`."""
    english, japanese = PHRASES[key]
    return (japanese if language == "ja" else english).format(**fields)


def error_hint(fix: str, language: Language) -> str:
    """What to try after a failed call: `fix` is the kind of mistake its error names (ToolError.fix)."""
    english, japanese = FIXES.get(fix, FIXES["rephrase"])
    return japanese if language == "ja" else english
