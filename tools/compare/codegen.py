"""The standalone script reproducing compare_attention with plain transformers + matplotlib.

Like tools/core/codegen.py: the script runs the model(s), aligns, draws the three panels and writes
`values.csv` with the same rows as ours (a:, b:, diff:). The alignment and merge functions are
embedded from tools/compare/align.py and tools/core/words.py, so the numbers are ours by construction.
"""

from __future__ import annotations

import inspect

from tools.compare import align as compare_align
from tools.core.codegen import _WRITE_CSV, _model_dir_line, word_functions
from tools.core.extract import CJK, Extraction

__all__ = ["compare_script"]

_RUN = '''

def attention(model_dir, model_class, text, max_length):
    """Run one model on one text: its token labels, character spans, special flags and (query, key) map."""
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    # eager attention: under transformers 5's default "sdpa" the model returns no attention weights
    model = model_class.from_pretrained(model_dir, attn_implementation="eager")
    model.eval()
    inputs = tokenizer(text, return_tensors="pt", truncation=True, max_length=max_length,
                       return_special_tokens_mask=True, return_offsets_mapping=True)
    special = [bool(flag) for flag in inputs.pop("special_tokens_mask")[0]]
    offsets = [tuple(span) for span in inputs.pop("offset_mapping")[0].tolist()]
    with torch.no_grad():  # no graph is built, so .numpy() needs no .detach()
        outputs = model(**inputs, output_attentions=True)
    attention = outputs.attentions[LAYER][0]  # batch item 0: (heads, query, key)
    matrix = {pick}  # (query, key)
    ids = inputs["input_ids"][0].tolist()
    tokens = []  # labels as attention-sensei shows them: the text a piece covers, specials as they are
    for token_id, piece, (start, end), flag in zip(ids, tokenizer.convert_ids_to_tokens(ids), offsets, special):
        label = piece if flag else tokenizer.decode([token_id])
        if "\\ufffd" in label:  # one byte of a multi-byte character: show the character
            label = text[start:end] or piece
        tokens.append(label if flag else (label.strip() or "␣"))
    return tokens, offsets, special, matrix

'''

_ALIGN_TEXTS = """
# two texts, one model: pair the tokens of the longest matching blocks
pairs = token_pairs(tokens_a, tokens_b)
labels = [tokens_a[i] for i, _ in pairs]
groups_a, groups_b = [[i] for i, _ in pairs], [[j] for _, j in pairs]
"""

_ALIGN_WORDS = """
# one text, two models: merge tokens into words, then join words until both models agree on them
labels, groups_a, groups_b = shared_units(TEXT_A, offsets_a, special_a, offsets_b, special_b)
"""

_FIGURE = """
left = aligned_map(matrix_a, groups_a)  # (unit, unit): rows renormalized over the aligned units
right = aligned_map(matrix_b, groups_b)
difference = right - left  # b − a

fig, axes = plt.subplots(1, 3, figsize=(20, 7))
top = max(float(matrix_a.max()), float(matrix_b.max()))
for ax, values, tokens, name in ((axes[0], matrix_a, tokens_a, "a"), (axes[1], matrix_b, tokens_b, "b")):
    ax.imshow(values.numpy(), cmap="viridis", vmin=0, vmax=top)
    ax.set_xticks(range(len(tokens)), tokens, rotation=60, ha="right")
    ax.set_yticks(range(len(tokens)), tokens)
    ax.set_title(name)
limit = float(difference.abs().max()) or 1e-6
image = axes[2].imshow(difference.numpy(), cmap="RdBu_r", vmin=-limit, vmax=limit)  # white = no change
fig.colorbar(image, ax=axes[2], shrink=0.75, label="b − a")
axes[2].set_xticks(range(len(labels)), labels, rotation=60, ha="right")
axes[2].set_yticks(range(len(labels)), labels)
axes[2].set_title("b − a (aligned, rows renormalized)")
"""


def compare_script(
    mode: str, a: Extraction, b: Extraction, title: str, layer: int, head: int | None, max_tokens: int
) -> str:
    two_models = mode == "two models"
    imports = "import re\nimport unicodedata\n" if two_models else "import difflib\n"
    japanese = "import matplotlib_fontja  # a Japanese font: no tofu boxes\n" if CJK.search(a.text + b.text) else ""
    directories = _model_dir_line(a.model).replace("MODEL_DIR =", "MODEL_DIR_A =")
    if two_models:
        directories += "\n" + _model_dir_line(b.model).replace("MODEL_DIR =", "MODEL_DIR_B =")
    pick = "attention.mean(dim=0)  # mean over the heads" if head is None else f"attention[{head}]"
    functions = (compare_align.shared_units,) if two_models else (compare_align.token_pairs,)
    embedded = (word_functions() if two_models else _plain(compare_align.merge_map)) + "".join(
        _plain(function) for function in (*functions, compare_align.aligned_map)
    )
    text_b = "TEXT_B = TEXT_A\n" if two_models else f"TEXT_B = {b.text!r}\n"
    return (
        f'''"""Reproduces: {title}"""
import csv
{imports}
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
{japanese}import torch
from transformers import AutoModel, AutoModelForCausalLM, AutoTokenizer

{directories}
TEXT_A = {a.text!r}
{text_b}LAYER = {layer}  # -1: the last layer of each model
'''
        + _RUN.replace("{pick}", pick)
        + embedded
        + f"""

tokens_a, offsets_a, special_a, matrix_a = attention(MODEL_DIR_A, {_model_class(a)}, TEXT_A, {_limit(a, max_tokens)})
tokens_b, offsets_b, special_b, matrix_b = attention({"MODEL_DIR_B" if two_models else "MODEL_DIR_A"}, \
{_model_class(b)}, TEXT_B, {_limit(b, max_tokens)})
"""
        + (_ALIGN_WORDS if two_models else _ALIGN_TEXTS)
        + _FIGURE
        + f"""fig.suptitle({title!r})
fig.tight_layout()
fig.savefig("compare.png", dpi=110)
"""
        + _WRITE_CSV
        + """    writer.writerow(["map:query", *labels])
    for name, values in (("a", left), ("b", right), ("diff", difference)):
        for label, row in zip(labels, values.numpy()):
            writer.writerow([f"{name}:{label}", *(f"{value:.6g}" for value in row)])
"""
    )


def _plain(function: object) -> str:
    return f"\n\n{inspect.getsource(function)}"  # type: ignore[arg-type]


def _model_class(extraction: Extraction) -> str:
    return "AutoModelForCausalLM" if extraction.model.architecture == "decoder" else "AutoModel"


def _limit(extraction: Extraction, max_tokens: int) -> int:
    return min(max_tokens, extraction.model.max_tokens)
