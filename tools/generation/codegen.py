"""The standalone script that reproduces generation_attention with plain transformers + matplotlib.

Like tools/core/codegen.py: the script generates greedily, builds the same ragged (generated, key) map,
draws it and writes `values.csv` with empty cells where a key did not exist yet (the tests run it
and compare that CSV with ours).
"""

from __future__ import annotations

from tools.core.codegen import model_dir_line
from tools.core.extract import CJK
from tools.core.figure_text import FigureLanguage, figure_text
from tools.core.models import LoadedModel

__all__ = ["generation_script"]


def generation_script(
    model: LoadedModel, prompt: str, text_seen: str, max_new_tokens: int, title: str, layer: int, head: int | None,
    language: FigureLanguage = "en",
) -> str:
    """`text_seen` is the prompt plus what was generated: a Japanese font is imported if it (or the title) needs one."""
    japanese = "import matplotlib_fontja  # a Japanese font (IPAexGothic): no tofu boxes\n" if \
        CJK.search(text_seen) or CJK.search(title) else ""
    pick = "attention.mean(dim=0)  # mean over the heads" if head is None else f"attention[{head}]  # head {head}"
    return f'''"""Reproduces: {title}"""
import csv

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
{japanese}import numpy as np
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

{model_dir_line(model)}
PROMPT = {prompt!r}

tokenizer = AutoTokenizer.from_pretrained(MODEL_DIR)
# eager attention: under transformers 5's default "sdpa" the model returns no attention weights
model = AutoModelForCausalLM.from_pretrained(MODEL_DIR, attn_implementation="eager")
model.eval()
inputs = tokenizer(PROMPT, return_tensors="pt")
prompt_len = inputs["input_ids"].shape[1]
with torch.no_grad():
    outputs = model.generate(
        input_ids=inputs["input_ids"],
        attention_mask=inputs["attention_mask"],
        max_new_tokens={max_new_tokens},
        do_sample=False,  # greedy decoding: deterministic
        output_attentions=True,
        return_dict_in_generate=True,
        pad_token_id=tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id,
    )
generated = outputs.sequences[0, prompt_len:].tolist()


def label(token_id):
    text = tokenizer.decode([token_id])
    if "\\ufffd" in text:  # a lone byte of a multi-byte character: show the vocabulary piece
        text = tokenizer.convert_ids_to_tokens(token_id)
    return text.strip() or "␣"


prompt_tokens = [label(i) for i in inputs["input_ids"][0].tolist()]
generated_tokens = [label(i) for i in generated]
key_tokens = prompt_tokens + generated_tokens[:-1]  # every token some generated token attends to

# outputs.attentions[step][layer]: (batch, heads, query, key). Step 0 covers the whole prompt
# (query = prompt_len), every later step only the newest token (query = 1) over all keys so far.
values = np.full((len(generated), len(key_tokens)), np.nan)  # NaN: the key did not exist yet
for step, layers in enumerate(outputs.attentions):
    attention = layers[{layer}][0, :, -1]  # (heads, key): the query that produced generated token `step`
    row = {pick}
    existing = prompt_len + step  # the keys before generated token `step`
    values[step, :existing] = 0.0  # a sliding-window layer may see only the newest keys
    values[step, existing - row.shape[0] : existing] = row.numpy()

fig, ax = plt.subplots(figsize=(12, 5))
cmap = matplotlib.colormaps["viridis"].with_extremes(bad="#e6e6e6")
image = ax.imshow(np.ma.masked_invalid(values), cmap=cmap, aspect="auto")
fig.colorbar(image, ax=ax, label={figure_text("weight", language)!r})
ax.axvline(prompt_len - 0.5, color="#c0392b", linewidth=2)  # prompt | generated
ax.set_xticks(range(len(key_tokens)), key_tokens, rotation=60, ha="right")
ax.set_yticks(range(len(generated_tokens)), generated_tokens)
ax.set_xlabel({figure_text("generation_key_axis", language)!r})
ax.set_ylabel({figure_text("generation_query_axis", language)!r})
ax.set_title({title!r})
fig.tight_layout()
fig.savefig("generation.png", dpi=110)

with open("values.csv", "w", newline="", encoding="utf-8") as handle:
    writer = csv.writer(handle)
    writer.writerow(["generated\\\\key", *key_tokens])
    for token, row in zip(generated_tokens, values):
        writer.writerow([token, *("" if np.isnan(value) else f"{{value:.6g}}" for value in row)])
'''
