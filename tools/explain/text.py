"""The words of `explain_reduction`, in English and Japanese, as templates filled from dimension names.

No step's text is written for a particular expression: each template names the operation and
takes the dimension it acts on ({dim}: its number, {name}: its name, {role}: what it stands for,
{word}: "dim" for a tensor, "axis" for a numpy array).
"""

from __future__ import annotations

__all__ = ["DIM_JA", "say", "dims_en", "dims_ja"]

DIM_JA = {"batch": "バッチ", "heads": "ヘッド", "query": "クエリ", "key": "キー", "layers": "層", "new": "新しい次元"}
ROLE_EN = {
    "batch": "the sentences in the batch; we ran one",
    "heads": "the attention heads",
    "query": "the token that attends",
    "key": "the token attended to",
    "layers": "the layers",
    "new": "a new dimension of size 1",
}
ROLE_JA = {
    "batch": "バッチ内の文。今回は1文",
    "heads": "アテンションヘッド",
    "query": "注目する側のトークン",
    "key": "注目される側のトークン",
    "layers": "層",
    "new": "サイズ1の新しい次元",
}
VERB_EN = {"mean": "averages", "sum": "adds up", "max": "takes the maximum", "min": "takes the minimum"}
VERB_JA = {"mean": "平均します", "sum": "合計します", "max": "最大値を取ります", "min": "最小値を取ります"}

TEMPLATES: dict[str, tuple[str, str]] = {
    "attentions": (
        "outputs.attentions is a tuple of {count} tensors, one per layer",
        "outputs.attentions は層ごとのテンソル {count} 個のタプルです",
    ),
    "shape": ("the shape {shape}: {dims_en}", "形は {shape}:{dims_ja}"),
    "slice_layers": ("keeps layers {kept} of the {count}-layer tuple", "{count} 層のタプルから層 {kept} を残します"),
    "select_layer": (
        "picks layer {layer}{last} from the tuple: one tensor {dims_en}",
        "タプルから層 {layer}{last_ja} を取り出します。1つのテンソル:{dims_ja}",
    ),
    "index": (
        "takes item {items} of dim '{name}' ({role}), which disappears",
        "次元「{name_ja}」({role_ja})の要素 {items} を取り出します。この次元は消えます",
    ),
    "slice": ("slices the tensor; no dimension disappears", "テンソルを切り出します。次元は減りません"),
    "pair": (
        "max/min with dim= returns (values, indices); this takes the {which}",
        "dim= 付きの max/min は (values, indices) の組を返します。ここでは {which} を取ります",
    ),
    "stack": (
        "stacks the {count} layer tensors into one, with a new 'layers' dimension at position {position}: {dims_en}",
        "{count} 層分のテンソルを、位置 {position} に新しい「層」次元を作って1つに積み重ねます:{dims_ja}",
    ),
    "detach": (
        ".detach() returns the same numbers cut off from autograd's graph. Without torch.no_grad(), a model's "
        "attentions require grad and .numpy() refuses them with \"Can't call numpy() on Tensor that requires "
        'grad"; .detach() is the fix',
        ".detach() は同じ値のまま自動微分の計算グラフから切り離します。torch.no_grad() なしではモデルの"
        " Attention は勾配を必要とし、.numpy() が「Can't call numpy() on Tensor that requires grad」で"
        "拒否します。.detach() がその対処です",
    ),
    "cpu": (
        ".cpu() moves the tensor to main memory (it is there already: no change); .numpy() needs that on a GPU",
        ".cpu() はテンソルをメインメモリへ移します(すでにCPU上なので変化なし)。GPU上では .numpy() の前に必要です",
    ),
    "numpy": (
        "converts the tensor into a numpy array of the same shape, e.g. for matplotlib or seaborn; from here "
        "numpy's names apply: axis= instead of dim=, keepdims= instead of keepdim=",
        "テンソルを同じ形の numpy 配列に変換します(matplotlib や seaborn で使うため)。ここからは numpy の書き方で、"
        "dim= ではなく axis=、keepdim= ではなく keepdims= を使います",
    ),
    "numpy_axis": (
        "numpy calls the dimension axis= (torch: dim=) and refuses dim=",
        "numpy では次元を axis= で指定します(torch の dim= は numpy ではエラーです)",
    ),
    "numpy_pair": (
        "numpy calls the dimension axis= (torch: dim=) and returns only the values, where torch's "
        "max/min with dim= return (values, indices)",
        "numpy では次元を axis= で指定し(torch では dim=)、値だけを返します。torch の dim= 付き max/min は "
        "(values, indices) の組を返します",
    ),
    "softmax": (
        "softmax over dim {dim} '{name}': the values along it become positive and sum to 1; the shape stays",
        "次元 {dim}「{name_ja}」に沿って softmax を取ります。値は正になり合計1、形は変わりません",
    ),
    "squeeze": ("removes the size-1 dimension(s) {names}", "サイズ1の次元 {names_ja} を取り除きます"),
    "unsqueeze": (
        "inserts a new dimension of size 1 at position {position}",
        "位置 {position} にサイズ1の新しい次元を挿入します",
    ),
    "transpose": (
        "swaps '{first}' and '{second}': {dims_en}",
        "「{first_ja}」と「{second_ja}」を入れ替えます:{dims_ja}",
    ),
    "permute": ("reorders the dimensions: {dims_en}", "次元を並べ替えます:{dims_ja}"),
    "reduce_all": ("{verb} over every element: a single number", "すべての要素について{verb_ja}。結果は1つの数です"),
    "reduce": (
        "{verb} over {word} {dim}, '{name}' ({role}), which disappears",
        "{word_ja} {dim}「{name_ja}」({role_ja})について{verb_ja}。この次元は消えます",
    ),
    "reduce_keep": (
        "{verb} over {word} {dim}, '{name}' ({role}); {keep}=True keeps it with size 1",
        "{word_ja} {dim}「{name_ja}」({role_ja})について{verb_ja}。{keep}=True なのでサイズ1で残ります",
    ),
    "reduce_pair": (
        "{verb} over dim {dim}, '{name}' ({role}), which disappears; returns (values, indices)",
        "次元 {dim}「{name_ja}」({role_ja})について{verb_ja}。この次元は消え、(values, indices) の組を返します",
    ),
}


def dims_en(dims: tuple[str, ...] | list[str]) -> str:
    return "(" + ", ".join(dims) + ")"


def dims_ja(dims: tuple[str, ...] | list[str]) -> str:
    return "(" + ", ".join(DIM_JA[d] for d in dims) + ")"


def say(key: str, name: str | None = None, dims: tuple[str, ...] | None = None, **fields: object) -> tuple[str, str]:
    """Fill one template in both languages. `name` is a dimension name, `dims` a dimension layout."""
    if name is not None:
        fields.update(name=name, name_ja=DIM_JA[name], role=ROLE_EN[name], role_ja=ROLE_JA[name])
    if dims is not None:
        fields.update(dims_en=dims_en(dims), dims_ja=dims_ja(dims))
    if "word" in fields:  # "dim" (torch) or "axis" (numpy)
        torch_names = fields["word"] == "dim"
        fields.update(word_ja="次元" if torch_names else "軸(axis)", keep="keepdim" if torch_names else "keepdims")
    if "verb" in fields:
        verb = str(fields["verb"])
        fields.update(verb=VERB_EN[verb], verb_ja=VERB_JA[verb])
    en, ja = TEMPLATES[key]
    return en.format(**fields), ja.format(**fields)
