"""The offline sensei's words for comparisons and generation-time attention, in English and Japanese.

(English, Japanese) `str.format` templates, merged into agent/phrases.PHRASES; the "prefer_*"
sentences condense the knowledge entries compare_attention and generation_attention.
"""

from __future__ import annotations

__all__ = ["COMPARISON_PHRASES", "COMPARISON_NOTES_JA"]

COMPARISON_PHRASES: dict[str, tuple[str, str]] = {
    "compare_two_texts": (
        "**Comparison** under **{model}** (layer {layer}, {view}): a = “{text_a}” ({count_a} tokens), "
        "b = “{text_b}” ({count_b} tokens). {aligned} positions align; only in a: {only_a}; only in b: {only_b}.",
        "**比較**(**{model}**・層 {layer}・{view}):a =「{text_a}」({count_a} トークン)、"
        "b =「{text_b}」({count_b} トークン)。対応が取れた位置は {aligned} 個で、a だけにあるのは {only_a}、"
        "b だけにあるのは {only_b} です。",
    ),
    "compare_two_models": (
        "**Comparison** of **{model_a}** (layer {layer_a}) and **{model_b}** (layer {layer_b}) on “{text}”: "
        "{tokens_a} and {tokens_b} tokens, {aligned} words align.",
        "**比較**:「{text}」を **{model_a}**(層 {layer_a})と **{model_b}**(層 {layer_b})で読ませました。"
        "トークンは {tokens_a} 個と {tokens_b} 個で、単語単位で {aligned} 個が対応しました。",
    ),
    "compare_changes": (
        "Largest changes b − a (both maps restricted to the aligned positions, rows renormalized): {changes}. "
        "Mean absolute difference {mean}, largest {max}.",
        "差 b − a が大きい所(両方のマップを対応する位置に絞り、行を正規化し直した後):{changes}。"
        "差の絶対値の平均は {mean}、最大は {max} です。",
    ),
    "compare_change": ("`{query}`→`{target}` {a} → {b} ({diff})", "`{query}`→`{target}` {a} → {b}({diff})"),
    "prefer_compare": (
        "In the third panel red means b attends more, blue less. A difference means most when only one thing "
        "changed; weights on tokens that are not aligned (often sinks) were left out, see the notes.",
        "3 枚目の図では、赤は b の方が強く、青は弱く注目している所です。差に意味があるのは一つのことだけを"
        "変えたときです。対応しないトークン(シンクが多い)への重みは除いてあります。注記を見てください。",
    ),
    "generation": (
        "**Generation** with **{model}** (layer {layer}, {view}), greedy decoding: the prompt “{prompt}” "
        "({prompt_count} tokens) continued with {count} tokens: “{generated}”{stopped}.",
        "**生成**(**{model}**・層 {layer}・{view}、貪欲法):プロンプト「{prompt}」({prompt_count} トークン)の"
        "続きとして {count} トークン「{generated}」を生成しました{stopped}。",
    ),
    "generation_stopped_eos": (" (it stopped at the end-of-text token)", "(終端トークンで止まりました)"),
    "generation_steps": (
        "Where each new token's step looked (top keys):",
        "新しいトークンごとに、そのステップが注目した先(上位のキー):",
    ),
    "generation_step": (
        "- `{token}` (predicted from `{query}`, {keys} keys): {top}; prompt {prompt_share}, "
        "generated {generated_share}",
        "- `{token}`(`{query}` から予測、キー {keys} 個):{top}。プロンプトへ {prompt_share}、生成部分へ "
        "{generated_share}",
    ),
    "generation_share": (
        "On average {share} of each step's attention went to the prompt. Rows are ragged: step t sees the "
        "prompt's {prompt_count} keys plus the t tokens generated before it; the empty cells did not exist yet.",
        "各ステップの注目のうち、平均 {share} がプロンプトに向かいました。行の長さは一定ではありません。"
        "ステップ t が見るのはプロンプトの {prompt_count} 個のキーと、それまでに生成した t 個のトークンだけで、"
        "空白のマスはまだ存在しなかった位置です。",
    ),
    "prefer_generation": (
        "A row shows where the model read from while predicting that token, not why it chose it; weight on "
        "<bos> is usually a sink.",
        "各行は、そのトークンを予測するときにモデルがどこから情報を読んだかを示すもので、選んだ理由ではありません。"
        "<bos> への重みはたいていシンクです。",
    ),
}

# tools' English notes on comparisons, generation and long texts, as (regular expression, Japanese template)
COMPARISON_NOTES_JA: tuple[tuple[str, str], ...] = (
    (r"minilm knows English only, so both texts were analysed with (\S+)",
     "minilm は英語専用のため、二つの文はどちらも {0} で分析しました。"),
    (r"(\w+): only (\d+%) of the attention stays on the aligned units",
     "{0}:注目のうち対応する位置に残るのは {1} だけです(残りは除いたトークン、多くは [CLS] や <bos> のシンクへ)。"
     "行を正規化し直すと残りが拡大されます。"),
    (r"(\S+) is a decoder: a token attends only to itself and earlier tokens.*?; (\S+) is an encoder",
     "{0} はデコーダで、各トークンは自分とそれより前しか見ません(因果マスク)。そのため上三角は 0 です。"
     "{1} は両方向を見るエンコーダなので、対角より上の差はマスクによるもので、意味によるものではありません。"),
    (r"special tokens \(\[CLS\], \[SEP\], <bos>\) differ between the models",
     "特殊トークン([CLS]・[SEP]・<bos>)はモデルごとに違うので、差からは除きました。"),
    (r"head (\d+) of one model and head \d+ of another are unrelated",
     "一方のモデルのヘッド {0} ともう一方のヘッド {0} は無関係です。まずヘッド平均で比べましょう。"),
    (r"not aligned, so not in the difference: a: (.*); b: (.*)$",
     "対応が取れず差に含めなかったトークン:a は {0}、b は {1}。"),
    (r"generation stopped at the end-of-text token after (\d+) token",
     "{0} トークン生成したところで終端トークンが出たので、生成を止めました。"),
    (r"the current model (\S+) is an encoder and cannot generate: (\S+) was used",
     "現在のモデル {0} はエンコーダで文を生成できないため、{1} を使いました。"),
    (r"row t is the last query of generation step t",
     "行 t は生成ステップ t の最後のクエリ(生成トークン t の直前のトークン)です。プロンプト+生成文を一度に"
     "順伝播しても、その位置で同じ行が得られます。"),
    (r"grey cells \(empty in the CSV\)",
     "灰色のマス(CSV では空欄)は、そのトークンを生成した時点ではまだ存在しなかったキーです。"),
    (r"(\d+) × (\d+) tokens are too many cells to read, so blocks of consecutive tokens were pooled "
     r"\(queries by (\d+), keys by (\d+)\)",
     "{0} × {1} トークンはマスが多すぎて読めないため、連続するトークンをブロックにまとめました(クエリは {2} 個ずつ、"
     "キーは {3} 個ずつ)。マスの値はブロック内のクエリについての平均、キーについての和なので、各行の和は 1 のままです。"
     "ラベルはブロックの位置と最初のトークンです。"),
    (r"all (\d+) layers of these (\d+) tokens would need about ([\d,]+) MB \(limit ([\d,]+) MB\), "
     r"so only layer ([\d, ]+) was kept",
     "この {1} トークンの全 {0} 層には約 {2} MB 必要で上限({3} MB)を超えるため、層 {4} だけを残しました。"
     "全層を読むツール(ロールアウト、層ごとの推移、ヘッドの役割、explain_reduction)はこの文を扱えません。"),
    (r"layer (\d+) is a sliding-window layer: each step saw only the newest (\d+) keys",
     "層 {0} はスライディングウィンドウ層で、各ステップは新しい {1} 個のキーしか見ません。"
     "古いキーは 0 として数えます。"),
)
