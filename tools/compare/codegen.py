"""The standalone script reproducing compare_attention with plain transformers + matplotlib.

Like tools/core/codegen.py: the script runs the model(s), aligns, draws the panels and writes
`values.csv` with the same rows as ours (a:, b:, diff:; three models: a:, b:, c:, b-a:, c-a:, c-b:).
The alignment and merge functions are embedded from tools/compare/align.py and tools/core/words.py,
so the numbers are ours by construction.
"""

from __future__ import annotations

import inspect

from tools.compare import align as compare_align
from tools.core.codegen import _WRITE_CSV, model_class, model_dir_line, word_functions
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
# one text, several models: merge tokens into words, then join words until every model agrees on them
labels, {groups} = shared_units(TEXT_A, {sides})
"""

_FIGURE = """
maps = {{{maps}}}  # each (unit, unit): rows renormalized over the aligned units
differences = {{{differences}}}
panels = [(matrix, tokens, name) for name, matrix, tokens in {raw}]
panels += [(values, labels, name) for name, values in differences.items()]

fig, axes = plt.subplots(1, len(panels), figsize=(6.5 * len(panels), 7))
top = max(float(matrix.max()) for matrix, _, _ in panels[:{count}])
limit = max(float(values.abs().max()) for values, _, _ in panels[{count}:]) or 1e-6
for index, (ax, (values, tokens, name)) in enumerate(zip(axes, panels)):
    if index < {count}:
        ax.imshow(values.numpy(), cmap="viridis", vmin=0, vmax=top)
    else:  # a difference, on the aligned units: white = no change
        ax.imshow(values.numpy(), cmap="RdBu_r", vmin=-limit, vmax=limit)
    ax.set_xticks(range(len(tokens)), tokens, rotation=60, ha="right")
    ax.set_yticks(range(len(tokens)), tokens)
    ax.set_title(name)
"""


def compare_script(
    mode: str, sides: list[Extraction], title: str, layer: int, head: int | None, max_tokens: int
) -> str:
    """The script for two texts under one model (two sides, one model) or one text under two or three models."""
    by_model = mode != "two texts"
    names = "abc"[: len(sides)]
    imports = "import re\nimport unicodedata\n" if by_model else "import difflib\n"
    japanese = "import matplotlib_fontja  # a Japanese font: no tofu boxes\n" if CJK.search(title) or any(
        CJK.search(side.text) for side in sides) else ""
    directories = "\n".join(
        model_dir_line(side.model).replace("MODEL_DIR =", f"MODEL_DIR_{name.upper()} =")
        for name, side in zip(names, sides if by_model else sides[:1], strict=False)
    )
    pick = "attention.mean(dim=0)  # mean over the heads" if head is None else f"attention[{head}]"
    functions = (compare_align.shared_units,) if by_model else (compare_align.token_pairs,)
    embedded = (word_functions() if by_model else _plain(compare_align.merge_map)) + "".join(
        _plain(function) for function in (*functions, compare_align.aligned_map)
    )
    text_b = "" if by_model else f"TEXT_B = {sides[1].text!r}\n"
    runs = "".join(
        f"tokens_{name}, offsets_{name}, special_{name}, matrix_{name} = attention("
        f"MODEL_DIR_{name.upper() if by_model else 'A'}, {model_class(side.model)}, "
        f"TEXT_{'A' if by_model else name.upper()}, {_limit(side, max_tokens)})\n"
        for name, side in zip(names, sides, strict=True)
    )
    pairs = [(first, later) for i, first in enumerate(names) for later in names[i + 1 :]]
    differences = ", ".join(
        f'"{"diff" if len(pairs) == 1 else later + "-" + first}": maps["{later}"] - maps["{first}"]'
        for first, later in pairs
    )
    alignment = _ALIGN_TEXTS if not by_model else _ALIGN_WORDS.format(
        groups=", ".join(f"groups_{name}" for name in names),
        sides=", ".join(f"(offsets_{name}, special_{name})" for name in names),
    )
    figure = _FIGURE.format(
        maps=", ".join(f'"{name}": aligned_map(matrix_{name}, groups_{name})' for name in names),
        differences=differences,
        raw="[" + ", ".join(f'("{name}", matrix_{name}, tokens_{name})' for name in names) + "]",
        count=len(names),
    )
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
TEXT_A = {sides[0].text!r}
{text_b}LAYER = {layer}  # -1: the last layer of each model
'''
        + _RUN.replace("{pick}", pick)
        + embedded
        + "\n\n"
        + runs
        + alignment
        + figure
        + f"""fig.suptitle({title!r})
fig.tight_layout()
fig.savefig("compare.png", dpi=110)
"""
        + _WRITE_CSV
        + """    writer.writerow(["map:query", *labels])
    for name, values in (*maps.items(), *differences.items()):
        for label, row in zip(labels, values.numpy()):
            writer.writerow([f"{name}:{label}", *(f"{value:.6g}" for value in row)])
"""
    )


def _plain(function: object) -> str:
    return f"\n\n{inspect.getsource(function)}"  # type: ignore[arg-type]


def _limit(extraction: Extraction, max_tokens: int) -> int:
    return min(max_tokens, extraction.model.max_tokens)
