"""The offline planner reads the questions people actually ask, in English and Japanese.

Pure: no model runs. Each row is a question, whether the session already analysed a sentence,
the expected intent and the expected calls: (tool name, the key arguments). An argument expected
as ABSENT must not be passed at all (the tools then reuse the session's text, or average the heads).
"""

from __future__ import annotations

from typing import Any

import pytest

from agent.context import Context
from agent.planner import CANONICAL_EXPRESSION, DEFAULT_TEXT, Plan, detect_language
from agent.planner import plan as plan_with_context
from prompts import knowledge

ABSENT = object()
DEFAULT_EN = DEFAULT_TEXT["en"]
DEFAULT_JA = DEFAULT_TEXT["ja"]
CURRY = "今日はカレーライスを食べました。"
NLP = "I love natural language processing!"

Call = tuple[str, dict[str, Any]]
Row = tuple[str, bool, str, list[Call]]

# Ordinals are 1-based and read as 0-based indices: 「第3層」「3層目」"2nd layer" → 2, 2, 1; indices stay.
ENGLISH: list[Row] = [
    (f'Show the heatmap of the last layer for "{NLP}"', False, "heatmap",
     [("plot_heatmap", {"text": NLP, "layer": -1, "head": ABSENT, "model": ABSENT})]),
    ("Heatmap of layer 3, head 5 for 'The cat sat on the mat.'", False, "heatmap",
     [("plot_heatmap", {"text": "The cat sat on the mat.", "layer": 3, "head": 5})]),
    ("Can you visualize the attention in “Time flies like an arrow”?", False, "heatmap",
     [("plot_heatmap", {"text": "Time flies like an arrow", "layer": -1})]),
    ("What's the attention pattern of 'I don't like rainy days'?", False, "heatmap",
     [("plot_heatmap", {"text": "I don't like rainy days"})]),
    ("heat map, first layer, ‘Birds can fly’", False, "heatmap",
     [("plot_heatmap", {"text": "Birds can fly", "layer": 0})]),
    ("Show me the heatmap with the values in each cell", True, "heatmap",
     [("plot_heatmap", {"annotate": True, "text": ABSENT, "model": ABSENT})]),
    ('Annotated heatmap of layer 2 for "Hello world"', False, "heatmap",
     [("plot_heatmap", {"annotate": True, "layer": 2, "text": "Hello world"})]),
    ("Plot the heatmap without special tokens", True, "heatmap",
     [("plot_heatmap", {"exclude_special": True, "annotate": ABSENT, "text": ABSENT})]),
    ("Heatmap of 'I love cats' excluding [CLS] and [SEP]", False, "heatmap",
     [("plot_heatmap", {"exclude_special": True, "text": "I love cats"})]),
    ("Draw the attention heatmap of the second to last layer", True, "heatmap", [("plot_heatmap", {"layer": -2})]),
    ("heatmap for layer index 4 using BERT", True, "heatmap", [("plot_heatmap", {"layer": 4, "model": "minilm"})]),
    ("Show the heatmap of 'I love cats' with the Japanese model", False, "heatmap",
     [("plot_heatmap", {"text": "I love cats", "model": "gemma-270m"})]),
    ('Heatmap of "I love cats" with bert-base-uncased', False, "heatmap",
     [("plot_heatmap", {"text": "I love cats", "model": "bert-base-uncased"})]),
    ("Compare the heatmaps of layer 0 and layer 5 for 'Dogs bark loudly'", False, "heatmap",
     [("plot_heatmap", {"layer": 0, "text": "Dogs bark loudly"}), ("plot_heatmap", {"layer": 5})]),
    ("Show the mean over heads for layer 1", True, "heatmap", [("plot_heatmap", {"layer": 1, "head": ABSENT})]),
    ("Heatmap for head 2 of the final layer", True, "heatmap", [("plot_heatmap", {"layer": -1, "head": 2})]),
    ("Show the heatmap of the 2nd layer", True, "heatmap", [("plot_heatmap", {"layer": 1})]),
    ("Show the heatmap for the sentence: The weather is nice today", False, "heatmap",
     [("plot_heatmap", {"text": "The weather is nice today"})]),
    ("Show the attention for 'I love cats' in layer 2, heads 0 and 3", False, "heatmap",
     [("plot_heatmap", {"layer": 2, "head": 0}), ("plot_heatmap", {"layer": 2, "head": 3})]),
    ("Show what the causal model attends to in 'The dog chased the cat'", False, "heatmap",
     [("plot_heatmap", {"model": "gemma-270m", "text": "The dog chased the cat"})]),
    # the attention each token receives, averaged over the queries, is the line chart's (no query given)
    ("Which tokens get the most attention?", True, "line", [("plot_line", {"layer": -1, "query": ABSENT})]),
    (f'Line chart of the attention from "love" in "{NLP}"', False, "line",
     [("plot_line", {"query": "love", "text": NLP, "layer": -1})]),
    ("Draw a line plot of how much attention each token receives", True, "line",
     [("plot_line", {"query": ABSENT, "text": ABSENT})]),
    ("line graph for token 3's attention, layer 2", True, "line", [("plot_line", {"query": 3, "layer": 2})]),
    ("Plot a line chart from the token cats in 'I love cats'", False, "line",
     [("plot_line", {"query": "cats", "text": "I love cats"})]),
    ("Where does 'love' attend to in 'I love cats'?", False, "line",
     [("plot_line", {"query": "love", "text": "I love cats"})]),
    ("line chart from [CLS] in head 4", True, "line", [("plot_line", {"query": "[cls]", "head": 4})]),
    ("Show all heads of layer 2", True, "heads", [("plot_heads", {"layer": 2, "text": ABSENT})]),
    ("Compare every head in the last layer for 'The quick brown fox'", False, "heads",
     [("plot_heads", {"layer": -1, "text": "The quick brown fox"})]),
    ('each attention head side by side for "I love cats"', False, "heads",
     [("plot_heads", {"layer": -1, "text": "I love cats"})]),
    ("Give me the raw attention values of layer 1", True, "inspect", [("inspect_attention", {"layer": 1})]),
    ("Print the attention matrix numbers for head 0", True, "inspect",
     [("inspect_attention", {"head": 0, "layer": -1})]),
    ("What are the exact numbers in the last layer of 'I love cats'?", False, "inspect",
     [("inspect_attention", {"layer": -1, "text": "I love cats"})]),
    ("What is the shape of the attention for 'I love cats'?", False, "extract",
     [("extract_attention", {"text": "I love cats", "model": ABSENT})]),
    ('How many tokens does "Tokenization is fun" have?', False, "extract",
     [("extract_attention", {"text": "Tokenization is fun"})]),
    ("Extract the attention of 'Hello there' with gemma", False, "extract",
     [("extract_attention", {"text": "Hello there", "model": "gemma-270m"})]),
    ("What's the shape?", True, "extract",
     [("extract_attention", {"text": DEFAULT_EN})]),
    (f"Explain `{CANONICAL_EXPRESSION}`", False, "explain",
     [("explain_reduction", {"expression": CANONICAL_EXPRESSION, "text": DEFAULT_EN})]),
    ("what does torch.mean(outputs.attentions[-1], dim=1)[0] do?", True, "explain",
     [("explain_reduction", {"expression": "torch.mean(outputs.attentions[-1], dim=1)[0]", "text": ABSENT})]),
    ("What does dim=1 do?", True, "explain", [("explain_reduction", {"expression": CANONICAL_EXPRESSION})]),
    ("why do I need .detach()?", True, "explain", [("explain_reduction", {"expression": CANONICAL_EXPRESSION})]),
    ("Walk me through outputs.attentions[0][0, 3].sum(dim=-1) please", True, "explain",
     [("explain_reduction", {"expression": "outputs.attentions[0][0, 3].sum(dim=-1)"})]),
    # the one that failed quoted, not in backticks: the later one replaces it (this once raised IndexError)
    ('"outputs.attentions[12]" did not work, so walk me through outputs.attentions[11] instead', False, "explain",
     [("explain_reduction", {"expression": "outputs.attentions[11]"})]),
    ("Which models can I use?", False, "list_models", [("list_models", {})]),
    ("list the available models", True, "list_models", [("list_models", {})]),
    ("Load gemma", False, "load_model", [("load_model", {"model": "gemma-270m"})]),
    ("Use the causal model for 'The dog barks'", False, "heatmap",
     [("plot_heatmap", {"model": "gemma-270m", "text": "The dog barks"})]),
    ("Switch to BERT", True, "load_model", [("load_model", {"model": "minilm"})]),
    ("use bert-base-uncased", False, "load_model", [("load_model", {"model": "bert-base-uncased"})]),
    ("Switch to the GPT-style model", False, "load_model", [("load_model", {"model": "gemma-270m"})]),
    ("load rinna/japanese-gpt2-medium", False, "load_model", [("load_model", {"model": "rinna/japanese-gpt2-medium"})]),
    ("Why does [CLS] get so much attention? Show the heatmap", True, "heatmap", [("plot_heatmap", {"layer": -1})]),
    ("What is attention?", False, "knowledge", []),
    ("What's the difference between BERT and GPT?", True, "knowledge", []),
    ("How do I read the heatmap?", True, "knowledge", []),
    ("Why are the Japanese labels tofu in my plot?", True, "knowledge", []),
    ("My code says encode_plus doesn't exist", False, "knowledge", []),
    ("Why is outputs.attentions None?", False, "knowledge", []),
    ("What does 'attention sink' mean?", False, "knowledge", []),
    ('What does "love" attend to?', True, "line", [("plot_line", {"query": "love", "text": ABSENT})]),
    ("Show the attention rollout of 'The cat sat on the mat.'", False, "rollout",
     [("attention_rollout", {"text": "The cat sat on the mat.", "start_layer": ABSENT, "layer": ABSENT})]),
    ("attention rollout starting from layer 2", True, "rollout",
     [("attention_rollout", {"start_layer": 2, "text": ABSENT, "head": ABSENT})]),
    ("Show the norm-based attention of layer 3", True, "norms", [("attention_norms", {"layer": 3, "head": ABSENT})]),
    (f'How much does each token really contribute? Use the norm-based view for "{NLP}"', False, "norms",
     [("attention_norms", {"text": NLP, "layer": -1})]),
    ("How does the attention from 'it' to 'cat' change across layers?", True, "layer_summary",
     [("layer_summary", {"query": "it", "key": "cat", "layer": ABSENT, "text": ABSENT})]),
    ("Show a layer summary of the entropy for 'Dogs bark loudly'", False, "layer_summary",
     [("layer_summary", {"text": "Dogs bark loudly", "query": ABSENT, "key": ABSENT})]),
    ("attention from token 3 to token 0 across all layers", True, "layer_summary",
     [("layer_summary", {"query": 3, "key": 0})]),
    ("What are the head roles in 'The cat sat on the mat.'?", False, "roles",
     [("head_roles", {"text": "The cat sat on the mat.", "layer": ABSENT, "head": ABSENT})]),
    ("Find the induction heads with gemma", True, "roles", [("head_roles", {"model": "gemma-270m"})]),
    ("What is attention rollout?", False, "knowledge", []),
    ("Compare the attention of 'The cat sat on the mat.' and 'The dog sat on the mat.'", False, "compare",
     [("compare_attention", {"text_a": "The cat sat on the mat.", "text_b": "The dog sat on the mat.",
                             "layer": -1, "model_b": ABSENT})]),
    ('"I saw her duck" vs "I saw her dog": layer 2, head 3', False, "compare",
     [("compare_attention", {"text_a": "I saw her duck", "text_b": "I saw her dog", "layer": 2, "head": 3})]),
    ("Compare BERT and gemma on the sentence 'The cat sat on the mat.'", False, "compare",
     [("compare_attention", {"text_a": "The cat sat on the mat.", "model": "minilm", "model_b": "gemma-270m",
                             "text_b": ABSENT})]),
    ("Show minilm and gemma side by side", True, "compare",  # text_a is required: the conversation's sentence
     [("compare_attention", {"model": "minilm", "model_b": "gemma-270m", "text_a": DEFAULT_EN})]),
    ("Compare layers 0 and 5 of 'The cat sat.' and 'The dog sat.'", False, "compare",
     [("compare_attention", {"layer": 0}), ("compare_attention", {"layer": 5})]),
    ("Show the attention during generation for 'Once upon a time', 5 new tokens", False, "generation",
     [("generation_attention", {"prompt": "Once upon a time", "max_new_tokens": 5, "text": ABSENT})]),
    ("What does each generated token attend to when the model continues the text 'The capital of France is'?",
     False, "generation", [("generation_attention", {"prompt": "The capital of France is", "max_new_tokens": ABSENT})]),
    ("Generate 4 new tokens from 'Hello' and show the attention", False, "generation",
     [("generation_attention", {"prompt": "Hello", "max_new_tokens": 4})]),
    ("next token attention for head 1 of layer 3", True, "generation",
     [("generation_attention", {"layer": 3, "head": 1, "prompt": DEFAULT_EN})]),
    ("Generate a heatmap for 'I love cats'", False, "heatmap", [("plot_heatmap", {"text": "I love cats"})]),
    (f'Show the word-level heatmap of "{NLP}"', False, "heatmap", [("plot_heatmap", {"words": True, "text": NLP})]),
    ("merge the subwords and plot the heatmap", True, "heatmap", [("plot_heatmap", {"words": True})]),
    ("line chart from 'love' by words", True, "line", [("plot_line", {"query": "love", "words": True})]),
    ("hello there, nice weather", False, "unknown", []),
]

JAPANESE: list[Row] = [
    (f"「{CURRY}」の最終層のAttentionをヒートマップで見せて", False, "heatmap",
     [("plot_heatmap", {"text": CURRY, "layer": -1, "head": ABSENT, "model": ABSENT})]),
    ("「猫が好きです。」の第3層のヒートマップ", False, "heatmap",
     [("plot_heatmap", {"text": "猫が好きです。", "layer": 2})]),
    ("『吾輩は猫である。』の3層目をヒートマップにして", False, "heatmap",
     [("plot_heatmap", {"text": "吾輩は猫である。", "layer": 2})]),
    ("「私は学生です。」をレイヤー2、ヘッド5で可視化して", False, "heatmap",
     [("plot_heatmap", {"text": "私は学生です。", "layer": 2, "head": 5})]),
    ("“東京は日本の首都です。”のヒートマップを見せて", False, "heatmap",
     [("plot_heatmap", {"text": "東京は日本の首都です。"})]),
    ('"猫が好き" のアテンションを見せて', False, "heatmap", [("plot_heatmap", {"text": "猫が好き"})]),
    ("'こんにちは世界' のヒートマップ", False, "heatmap", [("plot_heatmap", {"text": "こんにちは世界"})]),
    ("「He said \"hello\" to me.」のヒートマップ", False, "heatmap",
     [("plot_heatmap", {"text": 'He said "hello" to me.'})]),
    ("ヒートマップを数値入りで表示して", True, "heatmap", [("plot_heatmap", {"annotate": True, "text": ABSENT})]),
    ("各セルに値を書き込んだヒートマップ", True, "heatmap", [("plot_heatmap", {"annotate": True})]),
    ("[CLS]と[SEP]を除いてヒートマップを描いて", True, "heatmap", [("plot_heatmap", {"exclude_special": True})]),
    ("特殊トークンなしのヒートマップ", True, "heatmap", [("plot_heatmap", {"exclude_special": True})]),
    ("最後から2番目の層のヒートマップ", True, "heatmap", [("plot_heatmap", {"layer": -2})]),
    ("最初の層のヒートマップを見せて", True, "heatmap", [("plot_heatmap", {"layer": 0})]),
    ("第0層と最終層のヒートマップを比較", True, "heatmap",
     [("plot_heatmap", {"layer": 0}), ("plot_heatmap", {"layer": -1})]),
    ("ヘッド平均で第1層を表示", True, "heatmap", [("plot_heatmap", {"layer": 0, "head": ABSENT})]),
    ("3番ヘッドの最終層をヒートマップで", True, "heatmap", [("plot_heatmap", {"layer": -1, "head": 3})]),
    ("最終層の一つ前のヒートマップ", True, "heatmap", [("plot_heatmap", {"layer": -2})]),
    ("第一層のヒートマップ", True, "heatmap", [("plot_heatmap", {"layer": 0})]),
    ("ヒートマップを gemma で、第5層", True, "heatmap", [("plot_heatmap", {"layer": 4, "model": "gemma-270m"})]),
    ("デコーダモデルで「猫が鳴く」のヒートマップ", False, "heatmap",
     [("plot_heatmap", {"text": "猫が鳴く", "model": "gemma-270m"})]),
    ("ヒートマップを見せて 文: 吾輩は猫である。", False, "heatmap", [("plot_heatmap", {"text": "吾輩は猫である。"})]),
    ("「雨が降っている。」ではどのトークンが一番注目されている?", False, "line",
     [("plot_line", {"text": "雨が降っている。", "query": ABSENT})]),
    (f"「{CURRY}」の「食べ」からの注目を折れ線グラフで", False, "line",
     [("plot_line", {"query": "食べ", "text": CURRY})]),
    ("折れ線で各トークンが受ける注目を見せて", True, "line", [("plot_line", {"query": ABSENT, "text": ABSENT})]),
    ("ラインチャートで「猫」から見たAttention", True, "line", [("plot_line", {"query": "猫", "text": ABSENT})]),
    ("トークン3からの注目を折れ線で", True, "line", [("plot_line", {"query": 3})]),
    ("第2層の全ヘッドを並べて表示して", True, "heads", [("plot_heads", {"layer": 1})]),
    ("「犬が走る。」のヘッドごとのAttention", False, "heads", [("plot_heads", {"text": "犬が走る。", "layer": -1})]),
    ("各ヘッドを比較したい", True, "heads", [("plot_heads", {"layer": -1})]),
    ("最終層の生の値を見せて", True, "inspect", [("inspect_attention", {"layer": -1})]),
    ("Attentionを数値で見たい", True, "inspect", [("inspect_attention", {"layer": -1})]),
    ("ヘッド2の行列の中身を教えて", True, "inspect", [("inspect_attention", {"head": 2})]),
    ("Attentionの重みを表で見せて", True, "inspect", [("inspect_attention", {"layer": -1, "text": ABSENT})]),
    ("「雨が降っている。」のAttentionの形状は?", False, "extract",
     [("extract_attention", {"text": "雨が降っている。", "model": ABSENT})]),
    ("「こんにちは」は何トークン?", False, "extract", [("extract_attention", {"text": "こんにちは"})]),
    ("日本語モデルで「今日は晴れ」を抽出して", False, "extract",
     [("extract_attention", {"text": "今日は晴れ", "model": "gemma-270m"})]),
    ("トークンを教えて", True, "extract", [("extract_attention", {"text": DEFAULT_JA})]),
    (f"{CANONICAL_EXPRESSION} は何をしているの?", True, "explain",
     [("explain_reduction", {"expression": CANONICAL_EXPRESSION})]),
    ("`outputs.attentions[-1][0]` の意味は?", False, "explain",
     [("explain_reduction", {"expression": "outputs.attentions[-1][0]", "text": DEFAULT_JA})]),
    ("dim=1 って何?", True, "explain", [("explain_reduction", {"expression": CANONICAL_EXPRESSION})]),
    ("「outputs.attentions[12]」はだめだった。代わりに outputs.attentions[11] を説明して", False, "explain",
     [("explain_reduction", {"expression": "outputs.attentions[11]"})]),
    (".detach()って何", True, "explain", [("explain_reduction", {"expression": CANONICAL_EXPRESSION})]),
    ("[0] の意味は?", True, "explain", [("explain_reduction", {"expression": CANONICAL_EXPRESSION})]),
    (".numpy() はなぜ必要?", True, "explain", [("explain_reduction", {"expression": CANONICAL_EXPRESSION})]),
    ("使えるモデルは?", False, "list_models", [("list_models", {})]),
    ("モデル一覧を見せて", True, "list_models", [("list_models", {})]),
    ("日本語モデルに切り替えて", False, "load_model", [("load_model", {"model": "gemma-270m"})]),
    ("BERTに切り替えて", True, "load_model", [("load_model", {"model": "minilm"})]),
    ("英語モデルを使って", True, "load_model", [("load_model", {"model": "minilm"})]),
    ("rinna/japanese-gpt2-medium を読み込んで", False, "load_model",
     [("load_model", {"model": "rinna/japanese-gpt2-medium"})]),
    ("GPT系のモデルに変更して", False, "load_model", [("load_model", {"model": "gemma-270m"})]),
    ("なぜ[CLS]に注目が集まるの?ヒートマップで見せて", True, "heatmap", [("plot_heatmap", {"layer": -1})]),
    ("Attentionとは何ですか?", False, "knowledge", []),
    ("BERTとGPTの違いは?", False, "knowledge", []),
    ("ヒートマップの日本語が豆腐になるのはなぜ?", True, "knowledge", []),
    ("ヒートマップの読み方を教えて", True, "knowledge", []),
    ("因果マスクって何?", False, "knowledge", []),
    ("「注意機構」とは?", False, "knowledge", []),
    ("「食べ」が注目しているのはどこ?", True, "line", [("plot_line", {"query": "食べ", "text": ABSENT})]),
    ("「猫が好きです。」のアテンション・ロールアウトを見せて", False, "rollout",
     [("attention_rollout", {"text": "猫が好きです。", "start_layer": ABSENT})]),
    ("第2層からのロールアウト", True, "rollout", [("attention_rollout", {"start_layer": 1})]),
    ("ノルムに基づくAttentionを第3層で見せて", True, "norms", [("attention_norms", {"layer": 2})]),
    (f"「{CURRY}」のノルムで見た寄与", False, "norms", [("attention_norms", {"text": CURRY, "layer": -1})]),
    ("層ごとの推移を見せて", True, "layer_summary", [("layer_summary", {"query": ABSENT, "key": ABSENT})]),
    ("「食べ」から「カレー」への注目の層ごとの推移", True, "layer_summary",
     [("layer_summary", {"query": "食べ", "key": "カレー", "text": ABSENT})]),
    ("エントロピーを層ごとにグラフにして", True, "layer_summary", [("layer_summary", {"text": ABSENT})]),
    ("「吾輩は猫である。」のヘッドの役割を教えて", False, "roles", [("head_roles", {"text": "吾輩は猫である。"})]),
    ("誘導ヘッドを探して", True, "roles", [("head_roles", {"text": ABSENT, "layer": ABSENT})]),
    ("ロールアウトとは?", False, "knowledge", []),
    ("「猫が好きです。」と「犬が好きです。」のアテンションを比較して", False, "compare",
     [("compare_attention", {"text_a": "猫が好きです。", "text_b": "犬が好きです。", "layer": -1})]),
    ("「彼は本を読んだ。」と「彼女は本を読んだ。」を第2層のヘッド1で比べて", False, "compare",
     [("compare_attention", {"text_a": "彼は本を読んだ。", "text_b": "彼女は本を読んだ。", "layer": 1, "head": 1})]),
    ("BERTとgemmaで「The cat sat on the mat.」を比較して", False, "compare",
     [("compare_attention", {"text_a": "The cat sat on the mat.", "model": "minilm", "model_b": "gemma-270m"})]),
    ("minilmとgemmaを並べて見せて", False, "compare",
     [("compare_attention", {"text_a": DEFAULT_EN, "model": "minilm", "model_b": "gemma-270m"})]),
    ("「むかしむかし」の続きを生成するときのアテンションを見せて", False, "generation",
     [("generation_attention", {"prompt": "むかしむかし", "layer": -1})]),
    ("5トークン生成して、生成中のアテンションを見せて", False, "generation",
     [("generation_attention", {"max_new_tokens": 5, "prompt": DEFAULT_JA})]),
    ("「日本の首都は」の次のトークンはどこに注目して生成される?", False, "generation",
     [("generation_attention", {"prompt": "日本の首都は"})]),
    ("生成時のアテンションを第3層のヘッド2で見せて", True, "generation",
     [("generation_attention", {"layer": 2, "head": 2})]),
    ("ヒートマップを生成して", True, "heatmap", [("plot_heatmap", {"layer": -1})]),
    ("単語単位でヒートマップを見せて", True, "heatmap", [("plot_heatmap", {"words": True})]),
    ("サブワードをまとめて「食べ」からの折れ線グラフ", True, "line", [("plot_line", {"query": "食べ", "words": True})]),
    ("「今日は晴れです。」を単語ごとにヒートマップで", False, "heatmap",
     [("plot_heatmap", {"text": "今日は晴れです。", "words": True})]),
    ("今日の天気はどうですか", False, "unknown", []),
]


# the rows name the view; the plan names the tool (or "knowledge", or "ask_back" when unsure)
INTENTS = {"heatmap": "plot_heatmap", "line": "plot_line", "heads": "plot_heads", "inspect": "inspect_attention",
           "extract": "extract_attention", "explain": "explain_reduction", "rollout": "attention_rollout",
           "norms": "attention_norms", "layer_summary": "layer_summary", "roles": "head_roles",
           "compare": "compare_attention", "generation": "generation_attention", "unknown": "ask_back"}


def plan(question: str, has_text: bool) -> Plan:
    """A fresh conversation, or one whose latest sentence (the example sentence of the question's
    language) the tools' session still holds, so a follow-up may omit `text`."""
    if not has_text:
        return plan_with_context(question)
    text = DEFAULT_TEXT[detect_language(question)]
    return plan_with_context(question, Context(text=text, tool="extract_attention"), session_text=text)


def _check_calls(question: str, has_text: bool, intent: str, calls: list[Call]) -> None:
    result = plan(question, has_text)
    assert result.intent == INTENTS.get(intent, intent), (question, result)
    assert [call.name for call in result.calls] == [name for name, _ in calls], (question, result.calls)
    for call, (_, expected) in zip(result.calls, calls, strict=True):
        for key, value in expected.items():
            if value is ABSENT:
                assert key not in call.arguments, (question, call)
            else:
                assert call.arguments.get(key) == value, (question, key, call)


@pytest.mark.parametrize(("question", "has_text", "intent", "calls"), ENGLISH)
def test_english_questions(question: str, has_text: bool, intent: str, calls: list[Call]) -> None:
    _check_calls(question, has_text, intent, calls)
    assert plan(question, has_text).language == "en"


@pytest.mark.parametrize(("question", "has_text", "intent", "calls"), JAPANESE)
def test_japanese_questions(question: str, has_text: bool, intent: str, calls: list[Call]) -> None:
    _check_calls(question, has_text, intent, calls)
    assert plan(question, has_text).language == "ja"


def test_the_table_is_large_and_balanced() -> None:
    assert len(ENGLISH) >= 45 and len(JAPANESE) >= 45
    assert abs(len(ENGLISH) - len(JAPANESE)) <= 5


@pytest.mark.parametrize(
    ("text", "language"),
    [("Show the heatmap", "en"), ("ヒートマップを見せて", "ja"), ("カレー", "ja"), ("最終層", "ja"),
     ("layer 3, head 2", "en"), ("", "en")],
)
def test_detect_language(text: str, language: str) -> None:
    assert detect_language(text) == language


def test_the_answer_follows_the_question_not_the_quoted_sentence() -> None:
    assert plan("Show the heatmap of 「今日は晴れです。」", has_text=False).language == "en"
    assert plan("「I love cats」のヒートマップ", has_text=False).language == "ja"


@pytest.mark.parametrize(
    ("question", "text", "marker"),
    [("Show the heatmap of the last layer", DEFAULT_EN, "example sentence"),
     ("最終層のヒートマップを見せて", DEFAULT_JA, "例文"),
     ("BERTでヒートマップを見せて", DEFAULT_EN, "例文")],
)
def test_a_default_sentence_when_the_session_has_none(question: str, text: str, marker: str) -> None:
    result = plan(question, has_text=False)
    assert result.calls[0].arguments["text"] == text
    assert any(marker in line and text in line for line in result.interpretation)


def test_a_follow_up_reuses_the_session_text_and_says_so() -> None:
    result = plan("now show head 3", has_text=True)
    assert result.calls[0].name == "plot_heatmap"
    assert result.calls[0].arguments == {"layer": -1, "head": 3}
    assert any("reused" in line for line in result.interpretation)


def test_the_interpretation_names_the_layer_reading() -> None:
    result = plan(f"「{CURRY}」の最終層のAttentionをヒートマップで見せて", has_text=False)
    assert "「最終層」は layer=-1(0始まりの添字)と解釈しました。" in result.interpretation
    english = plan("heatmap of layer 3", has_text=True)
    assert any("layer=3" in line and "0-based" in line for line in english.interpretation)
    default = plan("show the heatmap", has_text=True)
    assert any("last layer" in line for line in default.interpretation)


def test_japanese_text_gets_no_model_from_the_planner() -> None:
    for question in (f"「{CURRY}」のヒートマップ", "「猫」の全ヘッド", "最終層のヒートマップ"):
        assert all("model" not in call.arguments for call in plan(question, has_text=False).calls)


@pytest.mark.parametrize(
    ("question", "entry"),
    [("Why does [CLS] get so much attention? Show the heatmap", "attention_sinks"),
     ("What is attention?", "what_is_attention"),
     ("なぜ[CLS]に注目が集まるの?ヒートマップで見せて", "attention_sinks"),
     ("What does dim=1 do?", "mean_over_heads"),
     ("why do I need .detach()?", "requires_grad_numpy"),
     (".detach()って何", "requires_grad_numpy"),
     ("What's the difference between BERT and GPT?", "bert_vs_gpt"),
     ("Why are the Japanese labels tofu in my plot?", "japanese_font_tofu"),
     ("My code says encode_plus doesn't exist", "encode_plus_removed"),
     ("Why is outputs.attentions None?", "output_attentions"),
     ("Attentionとは何ですか?", "what_is_attention"),
     ("BERTとGPTの違いは?", "bert_vs_gpt"),
     ("ヒートマップの日本語が豆腐になるのはなぜ?", "japanese_font_tofu"),
     ("ヒートマップの読み方を教えて", "heatmap_how_to_read"),
     ("因果マスクって何?", "causal_mask"),
     ("Is a 3D view of the attention really better than the heatmap?", "why_not_3d"),
     ("3Dにするのとヒートマップ、どちらが見やすいですか?", "why_not_3d"),
     ("Show the attention rollout", "rollout"),
     ("ノルムに基づく見方で見せて", "norm_based"),
     ("Is attention an explanation? Show the norm-based view", "attention_is_not_explanation"),
     ("ヘッドの役割を見せて", "heads_differ"),
     ("Compare 'The cat sat.' and 'The dog sat.'", "compare_attention"),
     ("「猫が座った。」と「犬が座った。」を比較して", "compare_attention"),
     ("Show the attention during generation", "generation_attention"),
     ("生成中のアテンションを見せて", "generation_attention"),
     ("Why is the word-level view summed over keys?", "word_level"),
     ("単語単位のまとめ方は?", "word_level"),
     ("Why is my 512 tokens heatmap pooled?", "long_inputs"),
     ("長い文章のヒートマップが読めない", "long_inputs")],
)
def test_knowledge_entries(question: str, entry: str) -> None:
    assert entry in plan(question, has_text=True).knowledge


def test_planned_knowledge_ids_exist() -> None:
    every = [row[0] for row in ENGLISH + JAPANESE]
    for question in every:
        assert set(plan(question, has_text=True).knowledge) <= set(knowledge()), question


def test_a_plain_request_brings_no_lecture() -> None:
    assert plan("Show the heatmap of layer 2", has_text=True).knowledge == ()
    assert plan("第2層のヒートマップを見せて", has_text=True).knowledge == ()
    assert plan("「猫が魚を食べた。」のヒートマップを[CLS]なしで", has_text=False).knowledge == ()


@pytest.mark.parametrize("question", [
    "Would a 3D plot of the attention help me understand it better? Show me the heatmap again to compare.",
    "Attention を 3D でプロットすると分かりやすくなりますか?比べるのでヒートマップももう一度見せてください。",
])
def test_asking_whether_3d_helps_beside_the_heatmap_draws_the_heatmap_and_explains(question: str) -> None:
    """Tutorial step 9, as the article: the heatmap is drawn, and why it usually reads better than 3D is said."""
    result = plan(question, has_text=True)
    assert [call.name for call in result.calls] == ["plot_heatmap"]
    assert "why_not_3d" in result.knowledge


@pytest.mark.parametrize(("question", "tool", "arguments"), [
    ("draw a heatmpa of layer 3 for 'Birds can fly'", "plot_heatmap", {"layer": 3, "text": "Birds can fly"}),
    ("rolout for 'Birds can fly' please", "attention_rollout", {"text": "Birds can fly"}),
    ("extract the attention from this: Birds can fly, fish can swim.", "extract_attention",
     {"text": "Birds can fly, fish can swim."}),
    ("鳥は空を飛ぶ。 ←この文のアテンションを取り出して", "extract_attention", {"text": "鳥は空を飛ぶ。"}),
    ("rinna/japanese-gpt2-mediumで「昔々」の続きを生成してattentionを見せて", "generation_attention",
     {"prompt": "昔々", "model": "rinna/japanese-gpt2-medium"}),
    ("a 3d version of the heatmap, layer 1", "plot_3d", {"layer": 1}),
    ("the flat picture is dull, can I see the attention in 3d?", "plot_3d", {}),
])
def test_literal_readings_that_meaning_alone_misses(question: str, tool: str, arguments: dict[str, Any]) -> None:
    """A one-key typo of a view's name, an unquoted sentence after a colon or before an arrow, a hub id
    (masked: it names the model, not the request), two views named, and a named view asked for."""
    result = plan_with_context(question)
    assert [call.name for call in result.calls] == [tool], result
    assert {key: result.calls[0].arguments.get(key) for key in arguments} == arguments


@pytest.mark.parametrize(("question", "models"), [
    ("how do BERT, Gemma and Llama differ?", ("minilm", "gemma-270m", "smollm2-135m")),
    ("compare minilm, gemma and smollm2 on 'The cat sat on the mat.'", ("minilm", "gemma-270m", "smollm2-135m")),
    ("BERTとGemmaとLlamaでアテンションはどう違う?", ("minilm", "gemma-270m", "smollm2-135m")),
])
def test_three_models_named_are_compared_side_by_side(question: str, models: tuple[str, ...]) -> None:
    result = plan_with_context(question)
    (call,) = result.calls
    assert call.name == "compare_attention"
    assert (call.arguments["model"], call.arguments["model_b"], call.arguments["model_c"]) == models
    assert "bert_gemma_llama" in result.knowledge or "compare_attention" in result.knowledge


@pytest.mark.parametrize("question", ["heatmap of 'I love cats' with smollm2", "use the llama model for 'I love cats'",
                                      "「I love cats」をSmolLM2でヒートマップにして"])
def test_the_llama_family_model_is_read_by_its_names(question: str) -> None:
    assert plan_with_context(question).calls[0].arguments.get("model") == "smollm2-135m"


@pytest.mark.parametrize(("question", "arguments"), [
    ("heatmap of 'Dogs bark.' with the numbers shown in each cell", {"annotate": True}),
    ("put the values on top of the squares for 'Dogs bark.'", {"annotate": True}),
    ("「犬が吠えた。」のヒートマップに数値を重ねて", {"annotate": True}),
    ("heatmap of 'Dogs bark.', leave out the CLS and SEP tokens", {"exclude_special": True}),
    ("「犬が吠えた。」のヒートマップ、特殊トークンは無視して", {"exclude_special": True}),
    ("heatmap of 'unbelievably good', word by word", {"words": True}),
    ("「It is raining.」で it がどこを見ているか折れ線で", {"query": "it"}),
    ("what does 'it' attend to in 'The animal was tired because it ran.'?", {"query": "it"}),
])
def test_choices_as_learners_word_them(question: str, arguments: dict[str, Any]) -> None:
    (call,) = plan_with_context(question).calls
    assert {key: call.arguments.get(key) for key in arguments} == arguments, call


@pytest.mark.parametrize(("question", "tool", "arguments"), [
    ("same sentence in minilm vs smollm2: 'She opened the window'", "compare_attention",
     {"model": "minilm", "model_b": "smollm2-135m"}),
    ("when GPT writes the next word, where does it look? try 'My food is' with the llama model", "generation_attention",
     {"model": "smollm2-135m"}),
    ("compare BERT and GPT on 'I love cats'", "compare_attention", {"model": "minilm", "model_b": "gemma-270m"}),
    ("cl-tohoku/bert-base-japanese を読み込んでもらえますか", "load_model", {"model": "cl-tohoku/bert-base-japanese"}),
    ("bert-base-uncasedを読み込んで。代替モデルは使わないでください", "load_model", {"strict": True}),
    ("weights alone can mislead, right? show me ||alpha f(x)|| for 'A man walked his dog'", "attention_norms", {}),
    ("like the plt.imshow in the article, show me the attention of 'Birds can fly'", "plot_heatmap", {}),
    ("「明日は晴れるでしょう。」で、最終層のヘッドを全部一覧にして", "plot_heads", {"layer": -1}),
])
def test_requests_in_the_words_of_a_fresh_question_set(question: str, tool: str, arguments: dict[str, Any]) -> None:
    """A model named by a kind ('GPT') yields to one named by its name; 'vs' between models; a polite
    「…てもらえますか」 is a request; a request clause after a rhetorical question; names such as imshow."""
    result = plan_with_context(question)
    assert [call.name for call in result.calls] == [tool], result
    assert {key: result.calls[0].arguments.get(key) for key in arguments} == arguments


@pytest.mark.parametrize(("question", "tool"), [
    ("3D のグラフで可視化するとどう見えますか?", "plot_3d"),
    ("how would it look in 3d?", "plot_3d"),
    ("plt.plot(attention) で折れ線にすると何が描かれるの?", "plot_matrix_lines"),
])
def test_asking_how_a_view_would_look_draws_it(question: str, tool: str) -> None:
    """'How would it look?' is answered by looking: the figure (with its explanation), not words alone."""
    assert [call.name for call in plan_with_context(question).calls] == [tool]


def test_a_tool_that_reads_no_sentence_says_nothing_about_one() -> None:
    result = plan_with_context("load bert-base-uncased")
    assert result.calls[0].name == "load_model"
    assert not any(DEFAULT_EN in line or "example" in line.lower() for line in result.interpretation)


@pytest.mark.parametrize(("question", "draws"), [
    ("Why does plt.plot(attention) draw 8 lines?", True),
    ("plt.plot(attention) したら線が何本も出てきた。なんで？", True),
    ("which tokens should I use as x labels for the line plot?", False),
])
def test_asked_why_plt_plot_draws_many_lines_the_answer_draws_them(question: str, draws: bool) -> None:
    """#12 item 5: the why-question gets what plt.plot(attention) drew beside the explanation; a neighbouring
    question on the same entry (its own words not said) gets the explanation alone."""
    result = plan_with_context(question)
    assert "plt_plot_2d_lines" in result.knowledge
    assert [call.name for call in result.calls] == (["plot_matrix_lines"] if draws else [])


@pytest.mark.parametrize(("question", "tool", "arguments"), [
    ("「犬が吠えた。」の2層目、ヘッド1の折れ線を、クエリは「犬」でお願いできますか", "plot_line",
     {"layer": 1, "head": 1, "query": "犬"}),
    ("「本を読んだ」の最終層で、ヘッドを全部並べた図をご用意いただけますか", "plot_heads", {"layer": -1}),
    ("a grid of all 12 heads in layer 3 for 'Dogs bark loudly'", "plot_heads", {"layer": 3}),
    ("「雨が降った」と「雨が止んだ」の差を見せて", "compare_attention",
     {"text_a": "雨が降った", "text_b": "雨が止んだ"}),
])
def test_requests_in_the_words_of_a_seventh_question_set(question: str, tool: str, arguments: dict[str, Any]) -> None:
    """Session 7: 「…お願いできますか」「ご用意いただけますか」 are requests, not yes/no questions; a count may stand
    inside a view's name ("all 12 heads"); 「AとBの差」 compares."""
    result = plan_with_context(question)
    assert [call.name for call in result.calls] == [tool], result
    assert {key: result.calls[0].arguments.get(key) for key in arguments} == arguments


@pytest.mark.parametrize(("question", "tool", "arguments"), [
    ("Is there a way to see the heatmap of 'Dogs bark at night' with each value written in?", "plot_heatmap",
     {"annotate": True}),
    ("Is it possible to get the raw numbers of layer 1 for 'Dogs bark at night'?", "inspect_attention", {"layer": 1}),
    ("Is there a 3D version of the map for 'Dogs bark at night'?", "plot_3d", {}),
    ("「犬が吠えた」のヒートマップって見られますか?", "plot_heatmap", {"text": "犬が吠えた"}),
    ("「犬が吠えた」の層インデックス0の数値を確かめたいんですが", "inspect_attention", {"layer": 0}),
    ("「犬が吠えた」のヒートマップで、ヘッドは3番目で", "plot_heatmap", {"head": 2}),
    ("「犬が吠えた」で、全層をまたいだ注意の流れを見たいです", "attention_rollout", {}),
    ("I'd like a per-layer summary for 'Dogs bark at night'", "layer_summary", {}),
    ("このマシンに入っているモデルを知りたいです", "list_models", {}),
])
def test_requests_worded_as_questions_and_wishes(question: str, tool: str, arguments: dict[str, Any]) -> None:
    """Session 7 (dev7): "is there a way to see …?", "is it possible to …?", 「…見られますか?」 ask for the view,
    not about it; 「層インデックス0」 is an index and 「ヘッドは3番目」 an ordinal; names learners give the
    rollout (「注意の流れ」), the per-layer summary and the list of models."""
    result = plan_with_context(question)
    assert [call.name for call in result.calls] == [tool], result
    assert {key: result.calls[0].arguments.get(key) for key in arguments} == arguments


@pytest.mark.parametrize("question", ["Is there a way to see attention at all in a CNN?",
                                      "ヒートマップの対角が明るいのはなぜですか?"])
def test_questions_about_a_view_stay_questions(question: str) -> None:
    assert plan_with_context(question).intent == "knowledge"


@pytest.mark.parametrize(("question", "tool", "arguments"), [
    ("not the heatmap, the line chart: layer 2 of 'Dogs bark at night'", "plot_line", {"layer": 2}),
    ("I don't want a heatmap, just the raw weights of layer 1 for 'Dogs bark at night'", "inspect_attention",
     {"layer": 1}),
    ("「犬が吠えた」をヒートマップではなく折れ線グラフで", "plot_line", {"text": "犬が吠えた"}),
    ("Load gemma. No wait, not gemma, the llama one.", "load_model", {"model": "smollm2-135m"}),
    ("gemmaを読み込んで…いや、やっぱりminilmで", "load_model", {"model": "minilm"}),
    ("「犬が吠えた」のlayer 2のheadを全部並べて", "plot_heads", {"layer": 2}),
])
def test_what_is_turned_down_names_nothing(question: str, tool: str, arguments: dict[str, Any]) -> None:
    """Session 7 (dev8): a view or model turned down ("not the heatmap", 「ヒートマップではなく」, "I don't want a
    heatmap") is not asked for; after a correction ("no wait", 「いや、やっぱり」) the model named last is meant."""
    result = plan_with_context(question)
    assert [call.name for call in result.calls] == [tool], result
    assert {key: result.calls[0].arguments.get(key) for key in arguments} == arguments


@pytest.mark.parametrize("question", ["why do the rows not sum to 1?", "the heatmap is not symmetric, is it?"])
def test_a_not_that_negates_a_verb_turns_nothing_down(question: str) -> None:
    from agent.planner_reading import read

    assert read(question).turned_down == []


@pytest.mark.parametrize(("question", "tool", "arguments"), [
    ("Could I see all nine heads of layer 3 for 'Dogs bark at night'?", "plot_heads", {"layer": 3}),
    ("heatmap of 'Dogs bark at night' with the scale capped at 0.4", "plot_heatmap", {"color_max": 0.4}),
    ("'Dogs bark at night' のヒートマップで、dog の行も見たい", "plot_heatmap", {}),
    ("draw 'Dogs bark at night' as plt.plot does, next to the row for dogs", "plot_matrix_lines", {"query": "dogs"}),
])
def test_counts_scales_and_rows_as_learners_word_them(question: str, tool: str, arguments: dict[str, Any]) -> None:
    """Session 7 (dev7): a count in words inside a view's name ("all nine heads"), "capped at 0.4", "the row
    for dogs" as the query."""
    result = plan_with_context(question)
    assert [call.name for call in result.calls] == [tool], result
    assert {key: result.calls[0].arguments.get(key) for key in arguments} == arguments


@pytest.mark.parametrize(("question", "entry"), [
    ("For my seminar next week I need a short explanation of query, key and value, without any equations.",
     "what_is_attention"),
])
def test_a_topic_named_in_its_own_words_is_explained_when_nothing_is_close(question: str, entry: str) -> None:
    """A long teacher's request far from every example by meaning, which names a topic by one of its keywords,
    gets that topic rather than an ask-back."""
    result = plan_with_context(question)
    assert result.intent == "knowledge" and entry in result.knowledge, result


@pytest.mark.parametrize(("question", "tool", "arguments"), [
    ("'Dogs bark at night' on minilm vs gemma please. Sorry, I typed gemma, I meant smollm2.", "compare_attention",
     {"model": "minilm", "model_b": "smollm2-135m"}),
    ("I ran print(outputs.attentions[2][0, 1]) for 'Dogs bark at night'. Show me that matrix in a readable form",
     "inspect_attention", {"layer": 2}),
])
def test_corrections_and_readable_numbers(question: str, tool: str, arguments: dict[str, Any]) -> None:
    """The models named after a correction stand for as many named last before it; "a readable form" of a pasted
    expression is the printed matrix, not the expression's walk-through."""
    result = plan_with_context(question)
    assert [call.name for call in result.calls] == [tool], result
    assert {key: result.calls[0].arguments.get(key) for key in arguments} == arguments


def test_an_error_pasted_after_a_colon_is_no_sentence() -> None:
    result = plan_with_context("My heatmap cell dies with this: RuntimeError: Can't call numpy() on Tensor that "
                               "requires grad. Use tensor.detach().numpy() instead. What is going on?")
    assert result.intent == "knowledge" and "requires_grad_numpy" in result.knowledge, result


@pytest.mark.parametrize(("question", "entry"), [
    ("I got a warning when I loaded the model. Should I worry?", "paste_the_warning"),
    ("モデルを読み込んだらエラーが出ました", "paste_the_warning"),
    ("sdpaの警告って無視していいの?", "sdpa_warning"),
])
def test_a_warning_spoken_of_but_not_pasted_is_asked_for(question: str, entry: str) -> None:
    """A warning or error mentioned without its words gets the entry that asks for it (and lists the common
    ones); one named by its own words ("sdpa") gets its entry."""
    result = plan_with_context(question)
    assert not result.calls and result.knowledge[:1] == (entry,), result


@pytest.mark.parametrize(("question", "tool"), [
    ("this fails:\n\nTraceback (most recent call last):\n  File \"a.py\", line 3, in <module>\n"
     "RuntimeError: Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.\n\n"
     "can you just draw it for me for 'Dogs bark at night'?", "plot_heatmap"),
    ("cl-tohokuのBERTで「You need to install fugashi to use MecabTokenizer」って出ます。もういいので、gemmaで"
     "「犬が吠えた」のヒートマップを出して", "plot_heatmap"),
])
def test_a_pasted_error_followed_by_a_request_to_draw_draws(question: str, tool: str) -> None:
    """Session 7 (dev10): after the pasted message, the learner's own request to draw is met (with the message's
    entry); the quoted message is no sentence to analyse."""
    result = plan_with_context(question)
    assert [call.name for call in result.calls] == [tool], result
    assert result.calls[0].arguments["text"] in ("Dogs bark at night", "犬が吠えた") and result.knowledge


@pytest.mark.parametrize("question", ["what does the 0.5 * I in rollout do?",
                                      "what exactly makes a head 'induction-like'?",
                                      "誘導ヘッドって、どういう動きをするヘッドのこと？"])
def test_what_does_it_do_asks_about(question: str) -> None:
    assert plan_with_context(question).intent == "knowledge"


@pytest.mark.parametrize(("question", "tool", "arguments"), [
    ('"Tom thanked Mary" で、heからTomへの注意を層ごとに追って', "layer_summary", {"key": "Tom"}),
    ("cl-tohokuのBERTで試したけどもういいので、gemmaで「犬が吠えた」のヒートマップを出して", "plot_heatmap",
     {"model": "gemma-270m"}),
    ('"Dogs bark at night" の層1の行列を、列ごとに1本ずつの線グラフにして', "plot_matrix_lines", {"layer": 1}),
    ('"Dogs bark at night" のエクスプローラーを層4で開いて。[CLS]とかは除いて。', "explore_attention",
     {"exclude_special": True}),
    ("Run 'Dogs bark at night' and give me the attention tensors", "extract_attention", {}),
])
def test_what_the_tenth_set_found(question: str, tool: str, arguments: dict[str, Any]) -> None:
    """Session 7 (dev10): an unquoted token keeps the case the learner wrote; 「もういいので」 (never mind)
    corrects the model; names of the matrix-as-lines view and of the raw tensors; 「[CLS]とかは除いて」."""
    result = plan_with_context(question)
    assert [call.name for call in result.calls] == [tool], result
    assert {key: result.calls[0].arguments.get(key) for key in arguments} == arguments


@pytest.mark.parametrize("question", ["honestly, what does the 3D plot add?", "3Dにする意味ってある?"])
def test_asking_what_a_view_adds_is_a_concept(question: str) -> None:
    assert plan_with_context(question).intent == "knowledge"


def test_a_path_in_a_traceback_is_no_sentence() -> None:
    question = ("これでエラーになります:\nTraceback (most recent call last):\n"
                "  File \"C:\\\\work\\\\attn.py\", line 18, in <module>\n"
                "RuntimeError: Can't call numpy() on Tensor that requires grad.\n"
                "「犬が吠えた」のヒートマップを描いてもらえますか")
    result = plan_with_context(question)
    assert [call.name for call in result.calls] == ["plot_heatmap"]
    assert result.calls[0].arguments["text"] == "犬が吠えた"


def test_a_view_that_takes_the_layer_asked_for_wins_over_a_slightly_closer_one_that_cannot() -> None:
    """"where 'it' looks in layer 4": the per-layer summary (no layer to choose) is a little closer by meaning,
    but the line chart from 'it' takes layer 4."""
    result = plan_with_context("Can I see where 'it' looks in layer 4 of 'The trophy did not fit in the suitcase "
                               "because it was too big'?")
    assert [call.name for call in result.calls] == ["plot_line"] and result.calls[0].arguments["layer"] == 4


@pytest.mark.parametrize(("question", "sentences"), [
    ("次は「倍の長さで」じゃなくて、ヘッド2だけで", []),  # a quote turned down is never the sentence, even alone
    ("heatmap of 'A cat', no, 'A dog'", ["A dog"]),
    ("plot a line graph for 'We love pizza and pasta', no special tokens", ["We love pizza and pasta"]),
    ("論文に「先頭はシンクになる」とあった。『研究者は仮説を検証した』で確かめて", ["研究者は仮説を検証した"]),
])
def test_a_quote_cited_or_turned_down_is_not_the_sentence(question: str, sentences: list[str]) -> None:
    from agent.planner_reading import read

    assert read(question).sentences == sentences


@pytest.mark.parametrize(("question", "entry"), [
    ("What does rollout tell me that one layer's heatmap can't?", "rollout"),
    ("ロールアウトは一つの層のヒートマップと何が違うの?", "rollout"),
    ("何で最初のトークンばかり見るの?", "attention_sinks"),
    ("最初のトークンが自分しか見ないのはなぜ?", "causal_mask"),
])
def test_an_entry_whose_telling_word_is_said_comes_first(question: str, entry: str) -> None:
    """Among entries close by meaning, the one whose own telling keyword the question says is answered first, even
    when another is a little closer ('rollout' over the entropy entry)."""
    result = plan_with_context(question)
    assert result.intent == "knowledge" and result.knowledge[:1] == (entry,), result


@pytest.mark.parametrize("question", ["Could you do the same thing for my sentence?",
                                      "Is it possible to check whether my sentence is tokenized properly?",
                                      "私の文でも同じことできますか？", "ヘッド2に変えたらどう見えるのかな",
                                      "もう一つの方も見れる？", "the same one but for the other sentence",
                                      "numbers for the one I showed you yesterday", "what's the biggest weight there?",
                                      "これって普通？", "私の文だと、『it』はどこを一番見てる？"])
def test_a_follow_up_with_nothing_before_asks_back(question: str) -> None:
    """'My sentence' not written, 'the same thing' or 'the other one' with nothing before: which sentence, which
    view? Never the default sentence analysed in their place."""
    result = plan_with_context(question)
    assert result.intent == "ask_back" and not result.calls, result


def test_asked_for_their_own_sentence_the_answer_asks_for_it_in_quotes() -> None:
    from agent.compose import compose

    plan = plan_with_context("自分の文がちゃんとトークン化されているか確かめてもらえますか？")
    assert plan.needs_sentence and "「」" in compose(plan, [])
    assert not plan_with_context("my text is like 2000 tokens, can I still visualise its attention?").needs_sentence


@pytest.mark.parametrize(("first", "question", "tool", "arguments"), [
    ("'The cat sat on the mat' heatmap please", "could the special tokens be dropped from it?", "plot_heatmap",
     {"exclude_special": True}),
    ("rollout for 'The cat sat on the mat' please", "and could rollout start at layer 2 too?", "attention_rollout",
     {"start_layer": 2}),
    ("I'm curious what gemma writes after 'The weather today is'. Could I watch its attention?",
     "could it go on for 20 tokens instead?", "generation_attention",
     {"prompt": "The weather today is", "max_new_tokens": 20}),
])
def test_a_change_asked_for_politely_is_made(first: str, question: str, tool: str, arguments: dict[str, Any]) -> None:
    """Session 10 (dev23): a follow-up that changes the view in a question's form ("could it …?") is a request."""
    result = _last_of([first, question])
    assert [call.name for call in result.calls] == [tool], result
    assert {key: result.calls[0].arguments.get(key) for key in arguments} == arguments


@pytest.mark.parametrize("question", ["I wonder what layer 3 looks like for 'The farmer planted corn in spring'.",
                                      "what does head 5 look like for 'The cat sat'?",
                                      "『猫が窓から外を見ている』の最終層ってどうなってるんだろう",
                                      '"The river flows to the sea" の20層目だとどんな感じなんだろう'])
def test_how_a_sentence_looks_with_no_view_named_is_the_default_view(question: str) -> None:
    """Session 10 (dev23): a wonder about how the learner's sentence looks, no view named: the heatmap."""
    result = plan_with_context(question)
    assert [call.name for call in result.calls] == ["plot_heatmap"], result


def test_a_count_of_tokens_said_as_a_condition_is_the_generation_length() -> None:
    from agent.planner_reading import read

    assert read("もう少し長く、15トークンだとどうなる？").new_tokens == 15


@pytest.mark.parametrize(("question", "sentences"), [
    ("[CLS]とか[SEP]抜きでヒートマップ見たい　文は The dog chased the ball", ["The dog chased the ball"]),
    ("I love natural language processing! のトークンと形状を出して", ["I love natural language processing!"]),
    ("『今日は天気がいいですね』って何トークンになる？", ["今日は天気がいいですね"]),
    ("Multi head attention の仕組みを教えて", []),  # words about attention are a topic, not a sentence
    ("『シンク』って何?", []),  # a term asked about
])
def test_sentences_written_without_quotes_in_japanese(question: str, sentences: list[str]) -> None:
    """Session 10 (dev24): an English sentence after 「文は」 or opening a Japanese question is the sentence;
    「『…』って何トークン?」 quotes a sentence, not a term."""
    from agent.planner_reading import read

    assert read(question).sentences == sentences


@pytest.mark.parametrize(("first", "question", "tokens"), [
    ("gemmaで「昔々あるところに」の続きを生成して注目を見せて", "あと10トークン続けて", 20),
    ("let gemma continue 'The weather today is' and show where it looks", "make it 5 tokens longer", 15),
])
def test_more_tokens_add_to_the_default_length(first: str, question: str, tokens: int) -> None:
    """A generation run at its default length (10), then "5 tokens longer": 15."""
    result = _last_of([first, question])
    assert result.calls[0].name == "generation_attention" and result.calls[0].arguments["max_new_tokens"] == tokens


@pytest.mark.parametrize(("question", "tool", "arguments"), [
    ("ここで使えるモデルって何がありますか？", "list_models", {}),
    ("どんなモデルが入ってるの？", "list_models", {}),
    ("I'd like the layer-2 heatmap of 'She sells sea shells' but with [CLS] and [SEP] removed", "plot_heatmap",
     {"layer": 2, "exclude_special": True}),
])
def test_a_question_a_tool_answers_far_better_than_any_concept_runs_it(question: str, tool: str,
                                                                         arguments: dict[str, Any]) -> None:
    """Session 10 (dev25): a yes/no question with a tool far closer than any concept asks for the tool; "I'd like
    the … but" is a wish, not a view turned down; "layer-2" joins words, it is no minus sign."""
    result = plan_with_context(question)
    assert [call.name for call in result.calls] == [tool], result
    assert {key: result.calls[0].arguments.get(key) for key in arguments} == arguments


@pytest.mark.parametrize(("first", "question", "tool", "arguments"), [
    ("じゃあ普通の折れ線で『自然』の行だけ", "コードちょうだい", "plot_line", {"query": "自然"}),
    ('"The children played in the garden" のヒートマップを2層目で', "gemmaに替えて同じの", "plot_heatmap",
     {"layer": 1, "model": "gemma-270m"}),
    ("line chart of what each word receives in 'The cat sat on the mat'", "now switch to smollm2 for this",
     "plot_line", {"model": "smollm2-135m"}),
    ("load smollm2 please then", "what tokens does it make of 'ChatGPT is helpful'?", "extract_attention",
     {"text": "ChatGPT is helpful"}),
])
def test_follow_ups_of_a_real_session(first: str, question: str, tool: str, arguments: dict[str, Any]) -> None:
    """Session 10 (dev25): 「ちょうだい」 asks as 「ください」 does; 「gemmaに替えて同じの」 is the view shown on gemma;
    a switch "for this" keeps the view; "what tokens does it make of '…'" runs the tokenizer."""
    result = _last_of([first, question])
    assert [call.name for call in result.calls] == [tool], result
    assert {key: result.calls[0].arguments.get(key) for key in arguments} == arguments


@pytest.mark.parametrize(("turns", "tool", "arguments"), [
    (["『彼は医者だ』と『彼女は医者だ』でアテンションに違いってあるのかな", "層8で比べるとどうなる？",
      "『彼女は医者だ』だけのヒートマップも同じ層で見れますか？"], "plot_heatmap",
     {"layer": 8, "text": "彼女は医者だ"}),
    (["『猫が窓から外を見ている』の最終層ってどうなってるんだろう", "ヘッド2だけにするとどうなる？"], "plot_heatmap",
     {"head": 2}),
    (["'I love natural language processing!' の最後の層のヒートマップ", "これを折れ線にしたら読みやすくなるかな"],
     "plot_line", {"layer": -1}),
])
def test_choices_said_to_stay_and_views_wondered_about(turns: list[str], tool: str, arguments: dict[str, Any]) -> None:
    """Session 10 (dev23): 「同じ層で」 keeps the layer even for another view; 「ヘッド2だけにすると」 changes the view
    shown; 「これを折れ線にしたら読みやすくなるかな」 asks to see it."""
    result = _last_of(turns)
    assert [call.name for call in result.calls] == [tool], result
    assert {key: result.calls[0].arguments.get(key) for key in arguments} == arguments


@pytest.mark.parametrize(("turns", "tool", "arguments"), [
    (["explore 'The cat sat on the mat' interactively", "open it at layer 1"], "explore_attention", {"layer": 1}),
    (["「むかしむかし、おじいさんと」の続きを10トークン生成して注意を見せて", "もう10トークン先まで続けてみて"],
     "generation_attention", {"max_new_tokens": 20}),
    (["「猫が魚を食べた」と「魚が猫を食べた」を比べて", "後ろの文だけ全ヘッド並べて"], "plot_heads",
     {"text": "魚が猫を食べた"}),
    (["can I get the line chart version of 'We watched the sunset together' with the special tokens taken out?"],
     "plot_line", {"exclude_special": True}),
])
def test_what_the_twenty_sixth_set_found(turns: list[str], tool: str, arguments: dict[str, Any]) -> None:
    """Session 10 (dev26): "open it at layer 1" goes on with the explorer; 「もう10トークン先まで」 adds ten;
    「後ろの文」 is a comparison's second sentence; "with the special tokens taken out" drops them."""
    result = _last_of(turns)
    assert [call.name for call in result.calls] == [tool], result
    assert {key: result.calls[0].arguments.get(key) for key in arguments} == arguments


@pytest.mark.parametrize(("question", "intent", "detail"), [
    ("Load bert-base-uncased. I need the actual checkpoint from the paper, not a substitute.", "load_model",
     "bert-base-uncased"),
    ("what is rollout actually doing mathematically?", "knowledge", "rollout"),
    ("a warning showed up when I loaded the model. what does it mean??", "knowledge", "paste_the_warning"),
])
def test_ids_before_a_full_stop_concepts_asked_as_doing_and_warnings_unnamed(question: str, intent: str,
                                                                            detail: str) -> None:
    """Session 10 (dev26): a model id ending a sentence is still the id; "what is rollout actually doing?" asks
    about it; "what does it mean??" after a warning only spoken of asks for its text."""
    result = plan_with_context(question)
    assert result.intent == intent, result
    assert detail in (result.calls[0].arguments.get("model") if result.calls else result.knowledge), result


def _last_of(turns: list[str]) -> Plan:
    """The plan of a conversation's last turn, each earlier turn's calls taken as run."""
    from agent.planner import after_turn

    context = Context()
    for question in turns[:-1]:
        planned = plan_with_context(question, context)
        context = after_turn(context, planned, question, ran=bool(planned.calls))
    return plan_with_context(turns[-1], context)


@pytest.mark.parametrize(("question", "layer"), [
    ("第十二層のヒートマップ", 11), ("二十層目のヒートマップ", 19), ("三層目のヒートマップ", 2),
    ("十十層目のヒートマップ", 9),  # (a slip: 「十十」 is no number, and once raised KeyError; 「十層目」 is read)
])
def test_kanji_numbers_are_read_and_a_malformed_one_does_not_crash(question, layer):
    (call,) = plan(question, has_text=False).calls
    assert call.name == "plot_heatmap" and call.arguments["layer"] == layer


@pytest.mark.parametrize(("question", "entries"), [
    # an exception named with what raised it tells which message: explained, not asked to be pasted
    ("outputs.attentions[12] failed with an IndexError", ("index_out_of_range", "sdpa_warning")),
    ("attentions[12]がIndexErrorで落ちた", ("index_out_of_range", "sdpa_warning")),
    # ... a message only spoken of is still asked for
    ("I got an error when loading the model", ("paste_the_warning",)),
    ("エラーが出ました", ("paste_the_warning",)),
])
def test_an_exception_named_tells_which_message(question, entries):
    planned = plan(question, has_text=False)
    assert planned.knowledge == entries and not planned.calls, planned
