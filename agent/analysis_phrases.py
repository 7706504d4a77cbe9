"""The offline sensei's words for the analyses beyond raw attention (rollout, norms, layers, head roles).

(English, Japanese) `str.format` templates, merged into agent/phrases.PHRASES; the "prefer_*"
sentences condense the knowledge entries rollout, norm_based and attention_is_not_explanation.
"""

from __future__ import annotations

__all__ = ["ANALYSIS_PHRASES"]

ANALYSIS_PHRASES: dict[str, tuple[str, str]] = {
    # --- how the question was read (the planner) ---
    "rollout_start": (
        "The rollout multiplies the layers from layer {layer} (start_layer={layer}, 0-based) to the last.",
        "ロールアウトは層 {layer}(start_layer={layer}、0始まり)から最終層までを掛け合わせます。",
    ),
    "pair_phrase": (
        "Besides the summary, I follow the attention from “{query}” to “{target}” through every layer.",
        "まとめに加えて、「{query}」から「{target}」への注目を全層にわたって追いました。",
    ),
    "pair_missing": (
        "To follow one pair across layers, name both tokens, e.g. from 'it' to 'cat'; I drew the summary only.",
        "1組のトークンを層ごとに追うには、「それ」から「猫」へのように両方を指定してください。今回はまとめだけ描きました。",
    ),
    "roles_induction": (
        "Roles are scored on your sentence; induction heads (causal models only) on a seeded random token "
        "sequence repeated twice.",
        "役割はこの文で採点しました。誘導ヘッド(因果モデルのみ)は、乱数で作ったトークン列を2回繰り返した入力で採点します。",
    ),
    "compare_texts": (
        "I compare the two sentences under the same model: maps side by side, then the difference b − a "
        "where their tokens align.",
        "二つの文を同じモデルで比べます。マップを並べ、トークンが対応する所で差 b − a を描きます。",
    ),
    "compare_models": (
        "I compare {model} and {model_b} on the same sentence; their tokenizers differ, so the difference is "
        "taken word by word.",
        "同じ文を {model} と {model_b} で比べます。トークナイザが違うので、差は単語単位で取ります。",
    ),
    "generation_tokens": (
        "The model writes up to {count} new tokens (max_new_tokens={count}), always taking the most probable one.",
        "モデルに最大 {count} トークン(max_new_tokens={count})を、常に最も確率の高いトークンを選んで生成させます。",
    ),
    # --- the answer (the composer) ---
    "words_merged": (
        "Word level: {count} word(s) were made of several pieces ({merged}). A word's column is the sum of its "
        "pieces' columns (the attention it receives) and its row the mean of its pieces' rows, so every row "
        "still sums to 1.",
        "単語単位: {count} 語が複数の断片からできていました({merged})。単語の列は断片の列の和(受け取る注意の合計)、"
        "行は断片の行の平均なので、各行の和は 1 のままです。",
    ),
    "words_none": (
        "Word level: every token of this text is already a whole word, so the word view equals the token view.",
        "単語単位: この文のトークンはすべてすでに一語なので、単語単位の図はトークン単位の図と同じです。",
    ),
    "rollout": (
        "**Attention rollout** of layers {start}..{last} ({count} layers multiplied; in each, the heads are "
        "averaged, the identity is added for the residual connection and the rows are renormalized).",
        "**アテンション・ロールアウト**(層 {start}〜{last} の {count} 層を掛け合わせ。各層でヘッドを平均し、"
        "残差接続を表す単位行列を足し、行を正規化し直しています)。",
    ),
    "rollout_last": (
        "The last position “{token}” gathers its input mostly from {top}.",
        "最後の位置「{token}」に集まった情報の出どころは、主に {top} です。",
    ),
    "rollout_received": (
        "Averaged over all positions the rollout credits {top}; the raw last layer alone credited {raw}.",
        "全位置で平均すると、ロールアウトでは {top}、生の最終層だけでは {raw} が上位です。",
    ),
    "rollout_causal": (
        "Causal check: the rollout stays lower-triangular (largest value above the diagonal {value}), so no "
        "position draws on a later token.",
        "因果の確認:ロールアウトも下三角のままで(対角より上の最大値 {value})、後ろのトークンから情報は来ていません。",
    ),
    "prefer_rollout": (
        "Prefer rollout to ask which input tokens ended up in a position after all layers. It assumes tokens mix "
        "only linearly through attention and ignores value sizes and MLPs, so read it as a rough map.",
        "ロールアウトは「全層を通ったあと、この位置にどの入力トークンの情報が集まったか」を知りたいときに向いています。"
        "アテンションで線形に混ざるとだけ仮定し、"
        "バリューの大きさや MLP を無視しているので、大まかな地図として読みましょう。",
    ),
    "norms": (
        "**Norm-based view** of layer {layer}: each weight α is multiplied by the length of what the token passes "
        "on, ‖α·f(x)‖ (Kobayashi et al. 2020), summed over the {heads} heads and shown as shares of each row.",
        "層 {layer} の**ノルムに基づく見方**:各重み α に、そのトークンが渡すベクトルの長さを掛けた ‖α·f(x)‖"
        "(小林ら 2020)を {heads} ヘッド分合計し、各行の割合にしています。",
    ),
    "norms_top": (
        "Raw attention (column mean) goes most to {raw}; by norm the largest contributions come from {norm}.",
        "生の重み(列の平均)で上位なのは {raw}、ノルムで見た実際の寄与の上位は {norm} です。",
    ),
    "norms_shrink": (
        "“{token}” receives {raw} of the raw attention but contributes only {norm}: its transformed value vector "
        "is short ({value_norm}, against {mean_norm} on average).",
        "「{token}」は生の重みでは {raw} を受けていますが、実際の寄与は {norm} にすぎません。変換後のバリューベクトルが"
        "短いためです({value_norm}、平均は {mean_norm})。",
    ),
    "prefer_norms": (
        "Prefer the norm-based view when sinks dominate the heatmap and you want to know what a token really added "
        "to this layer's output. Neither view is an explanation of the prediction: both cover only the attention "
        "part of one layer, not the residual stream or the MLP.",
        "シンクがヒートマップを支配していて、トークンが層の出力に実際どれだけ加えたかを知りたいときは、ノルムの見方を"
        "優先しましょう。どちらも予測の説明そのものではなく、"
        "1層のアテンション部分だけを扱い、残差や MLP は含みません。",
    ),
    "layers": (
        "**Across {layers} layers**: the share of attention on {sinks} is {first} in layer 0 and {last} in layer "
        "{last_layer}, highest in layer {peak} ({peak_value}).",
        "**{layers} 層にわたる推移**:{sinks} への注目の割合は、層 0 で {first}、層 {last_layer} で {last}、"
        "最大は層 {peak}({peak_value})です。",
    ),
    "layers_entropy": (
        "Mean entropy is lowest in layer {low_layer} ({low} bits, most focused) and highest in layer {high_layer} "
        "({high} bits, most spread); uniform attention over these {count} tokens would be {max} bits.",
        "平均エントロピーは層 {low_layer} が最小({low} ビット、最も集中)、層 {high_layer} が最大({high} ビット、"
        "最も広い)です。{count} トークンに均等に注目すると {max} ビットになります。",
    ),
    "layers_pair": (
        "Attention from “{query}” to “{target}” (mean of heads), layer by layer: {values}; strongest in layer {best}.",
        "「{query}」から「{target}」への注目(ヘッド平均)の層ごとの値:{values}。最大は層 {best} です。",
    ),
    "prefer_layers": (
        "Read one layer's heatmap against this summary: a layer dominated by sinks or with very low entropy is a "
        "special case, not the whole model; rollout combines the layers instead of comparing them.",
        "1つの層のヒートマップは、このまとめと照らして読みましょう。シンクに支配された層やエントロピーが極端に低い層は"
        "特殊な場合で、モデル全体ではありません。層を比べるのではなく合成したいときはロールアウトを使います。",
    ),
    "roles": (
        "**Head roles** of all {count} heads ({layers} layers × {heads} heads): {counts}.",
        "**ヘッドの役割**({layers} 層 × {heads} ヘッド、計 {count} ヘッド):{counts}。",
    ),
    "roles_rule": (
        "A head takes the role whose score reaches its threshold ({thresholds}); if several do, the one that "
        "exceeds its threshold by the largest factor; otherwise it is “mixed”.",
        "スコアがしきい値({thresholds})に届いた役割をそのヘッドの役割とし、複数あればしきい値を最も大きな倍率で"
        "超えたものを選び、どれにも届かなければ「混合」としました。",
    ),
    "roles_strongest": (
        "- strongest {role}: layer {layer}, head {head} (score {score})",
        "- {role} が最も強いのは層 {layer}・ヘッド {head}(スコア {score})",
    ),
    "prefer_roles": (
        "A role describes a pattern on this input, not a proven function; zoom in with plot_heatmap(layer=…, "
        "head=…) and try other sentences before trusting it.",
        "役割はこの入力でのパターンであって、機能が証明されたわけではありません。plot_heatmap(layer=…, head=…) で"
        "拡大し、別の文でも確かめましょう。",
    ),
}
