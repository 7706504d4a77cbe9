"""Standalone scripts reproducing the analyses of tools/analyses/api.py with plain transformers + matplotlib.

Like tools/core/codegen.py: each script runs the model, computes the same numbers the plain way, draws
the figure and writes `values.csv` (the tests run the scripts and compare that CSV with ours).
"""

from __future__ import annotations

from tools.core.codegen import _WRITE_CSV, _prelude
from tools.core.figure_text import FigureLanguage, figure_text
from tools.core.models import LoadedModel

__all__ = ["rollout_script", "norms_script", "layer_summary_script", "head_roles_script"]

_STACK = """
attentions = torch.stack(outputs.attentions)[:, 0]  # (layers, heads, query, key)
layers, heads, n, _ = attentions.shape
"""

_ENTROPY = '''

def entropy_bits(maps):
    """Entropy in bits of each row (last dimension); a zero weight adds 0."""
    return -(maps * torch.log2(maps.clamp_min(1e-30))).sum(dim=-1)
'''



def _side_by_side(language: FigureLanguage) -> str:
    return f"""
fig, axes = plt.subplots(1, 2, figsize=(14, 6.5))
for ax, values, name in zip(axes, (left, right), names):
    image = ax.imshow(values.numpy(), cmap="viridis")
    fig.colorbar(image, ax=ax, shrink=0.75)
    ax.set_xticks(range(len(tokens)), tokens, rotation=60, ha="right")
    ax.set_yticks(range(len(tokens)), tokens)
    ax.set_xlabel({figure_text("key_axis", language)!r})
    ax.set_ylabel({figure_text("query_axis", language)!r})
    ax.set_title(name)
"""


def rollout_script(model: LoadedModel, text: str, max_tokens: int, title: str, start_layer: int,
                   names: tuple[str, str] = ("raw: last layer, mean of the heads", "rollout"),
                   language: FigureLanguage = "en") -> str:
    """`names`: the two panels' titles, as the figure has them."""
    body = (
        _prelude(model, text, max_tokens, title)
        + _STACK
        + f"""
# attention rollout (Abnar & Zuidema 2020): per layer, mean over heads, + identity for the residual,
# rows renormalized; then multiply the layers: rollout = A_last @ ... @ A_{start_layer}
eye = torch.eye(n, dtype=torch.float64)
rollout = eye.clone()
for layer in attentions[{start_layer}:].double():  # (heads, query, key)
    mixed = layer.mean(dim=0) + eye  # (query, key)
    mixed = mixed / mixed.sum(dim=-1, keepdim=True)
    rollout = mixed @ rollout
rollout = rollout.float()
left, right = attentions[-1].mean(dim=0), rollout
names = {names!r}
"""
        + _side_by_side(language)
        + f"""fig.suptitle({title!r})
fig.tight_layout()
fig.savefig("rollout.png", dpi=110)
"""
        + _WRITE_CSV
        + """    writer.writerow(["query\\\\key", *tokens])
    for token, row in zip(tokens, rollout.numpy()):
        writer.writerow([token, *(f"{value:.6g}" for value in row)])
"""
    )
    return body


def norms_script(model: LoadedModel, text: str, max_tokens: int, title: str, layer: int, layout: str,
                 names: tuple[str, str] = ("raw attention, mean of the heads", "norm-based, rows as shares"),
                 language: FigureLanguage = "en") -> str:
    """`names`: the two panels' titles, as the figure has them."""
    if layout == "bert":
        modules = (
            f"value_module = model.base_model.encoder.layer[{layer}].attention.self.value\n"
            f"out_module = model.base_model.encoder.layer[{layer}].attention.output.dense"
        )
    else:
        modules = (
            f"value_module = model.base_model.layers[{layer}].self_attn.v_proj\n"
            f"out_module = model.base_model.layers[{layer}].self_attn.o_proj"
        )
    body = (
        _prelude(model, text, max_tokens, title)
        + f"""
# the norm-based view (Kobayashi et al. 2020) needs the value vectors: catch them with a forward hook
{modules}
caught = []
hook = value_module.register_forward_hook(lambda module, args, output: caught.append(output))
with torch.no_grad():
    model(**inputs)
hook.remove()

attention = outputs.attentions[{layer}][0]  # (heads, query, key)
heads, n, _ = attention.shape
head_dim = out_module.in_features // heads
values = caught[0][0].reshape(n, -1, head_dim)  # (key, kv_heads, head_dim)
group = heads // values.shape[1]  # grouped-query attention: query heads per key/value head
w_out = out_module.weight.detach().reshape(-1, heads, head_dim)  # (hidden, heads, head_dim)
with torch.no_grad():
    # f_h(x_j): head h's value of token j through its slice of the output projection
    f = torch.stack([values[:, h // group] @ w_out[:, h].T for h in range(heads)])  # (heads, key, hidden)
    # ‖Σ_h α_hij f_h(x_j)‖ one query row at a time: never (heads, query, key, hidden) in memory
    norms = torch.stack([torch.einsum("hk,hkd->kd", attention[:, i], f).norm(dim=-1) for i in range(n)])
left = attention.mean(dim=0)  # raw weights, mean over heads: rows sum to 1
right = norms / norms.sum(dim=-1, keepdim=True)  # norm-based, rows as shares
names = {names!r}
"""
        + _side_by_side(language)
        + f"""fig.suptitle({title!r})
fig.tight_layout()
fig.savefig("norms.png", dpi=110)
"""
        + _WRITE_CSV
        + """    writer.writerow(["view:query", *tokens])
    for view, matrix in (("raw", left), ("norm", right)):
        for token, row in zip(tokens, matrix.numpy()):
            writer.writerow([f"{view}:{token}", *(f"{value:.6g}" for value in row)])
"""
    )
    return body


def layer_summary_script(
    model: LoadedModel,
    text: str,
    max_tokens: int,
    title: str,
    positions: tuple[int, int] | None,
    pair_name: str,
    sink_position_zero: bool,
    language: FigureLanguage = "en",
) -> str:
    sink = (
        "sink = torch.zeros(n, dtype=torch.bool)\nsink[0] = True  # no special token: position 0\n"
        if sink_position_zero
        else "sink = special  # [CLS], [SEP], <bos>, ...\n"
    )
    body = (
        _prelude(model, text, max_tokens, title)
        + _ENTROPY
        + _STACK
        + sink
        + """
series = {}
series["sink share"] = attentions[..., sink].sum(dim=-1).mean(dim=(1, 2))  # (layers,): mean of heads, queries
entropy = entropy_bits(attentions).mean(dim=-1)  # (layers, heads): mean over queries
series["entropy mean of heads"] = entropy.mean(dim=1)
for head in range(heads):
    series[f"entropy head {head}"] = entropy[:, head]
"""
    )
    if positions is not None:
        body += f"series[{pair_name!r}] = attentions[:, :, {positions[0]}, {positions[1]}].mean(dim=1)  # (layers,)\n"
    body += (
        f"""
panels = 3 if len(series) > heads + 2 else 2
fig, axes = plt.subplots(1, panels, figsize=(5 * panels, 4.2))
axes[0].plot(series["sink share"].numpy(), marker="o")
axes[0].set_title({figure_text("sink_share_axis", language)!r})
axes[1].plot(entropy.numpy(), alpha=0.3)
axes[1].plot(series["entropy mean of heads"].numpy(), marker="o", linewidth=2)
axes[1].set_title({figure_text("entropy_axis", language)!r})
if panels == 3:
    axes[2].plot(list(series.values())[-1].numpy(), marker="o")
    axes[2].set_title({figure_text("pair_axis", language, pair=pair_name)!r})
for ax in axes:
    ax.set_xlabel({figure_text("layer_axis", language)!r})
fig.suptitle({title!r})
fig.tight_layout()
fig.savefig("layers.png", dpi=110)
"""
        + _WRITE_CSV
        + """    writer.writerow(["series\\\\layer", *range(layers)])
    for name, values in series.items():
        writer.writerow([name, *(f"{value:.6g}" for value in values.numpy())])
"""
    )
    return body


def head_roles_script(model: LoadedModel, text: str, max_tokens: int, title: str, decoder: bool,
                      language: FigureLanguage = "en") -> str:
    body = _prelude(model, text, max_tokens, title) + _ENTROPY + _STACK
    if decoder:
        body += """sink = torch.zeros(n, dtype=torch.bool)
sink[0] = True  # a causal model's sink is its first token
visible = torch.arange(2, n + 1).float()  # query i sees i + 1 keys
"""
    else:
        body += """sink = special  # [CLS], [SEP]
visible = torch.full((n - 1,), float(n))  # every query sees every key
"""
    body += """
rows = torch.arange(1, n)  # queries from position 1 on
scores = {
    "previous": attentions[:, :, rows, rows - 1].mean(dim=-1),  # (layers, heads)
    "sink": attentions[:, :, 1:][..., sink].sum(dim=-1).mean(dim=-1),
    "self": attentions[:, :, rows, rows].mean(dim=-1),
    "broad": (entropy_bits(attentions[:, :, 1:]) / torch.log2(visible)).mean(dim=-1),  # 1 = uniform
}
"""
    if decoder:
        body += """
# induction: a seeded random sequence of 20 ordinary tokens, seen twice after <bos>
generator = torch.Generator().manual_seed(0)
candidates = torch.randint(0, tokenizer.vocab_size, (200,), generator=generator).tolist()
special_ids = set(tokenizer.all_special_ids)
sequence = [token for token in candidates if token not in special_ids][:20]
prefix = [tokenizer.bos_token_id] if tokenizer.bos_token_id is not None else []
with torch.no_grad():
    repeated = model(input_ids=torch.tensor([prefix + sequence + sequence]), output_attentions=True)
repeated = torch.stack(repeated.attentions)[:, 0]  # (layers, heads, query, key)
queries = torch.arange(len(prefix) + 20, len(prefix) + 40)
scores["induction"] = repeated[:, :, queries, queries - 20 + 1].mean(dim=-1)  # the token after the first copy
"""
    role_names = {role: figure_text(f"role_{role}", language)
                  for role in ("previous", "sink", "self", "broad", "induction", "mixed")}
    body += (
        f"""
thresholds = {{"previous": 0.5, "sink": 0.5, "self": 0.5, "broad": 0.85, "induction": 0.3}}
names = list(scores)
table = torch.stack([scores[name] for name in names], dim=-1)  # (layers, heads, roles)
ratio = table / torch.tensor([thresholds[name] for name in names])  # >= 1: the role applies
best = ratio.argmax(dim=-1)  # (layers, heads): the role exceeding its threshold by the largest factor
role = torch.where(ratio.max(dim=-1).values >= 1, best, torch.tensor(len(names)))  # len(names) = "mixed"
fig, ax = plt.subplots(figsize=(8, 5))
ax.imshow(role.numpy(), cmap="tab10", vmin=0, vmax=9)
for layer in range(layers):
    for head in range(heads):
        ax.text(head, layer, f"{{table[layer, head].max():.2f}}", ha="center", va="center", fontsize=7)
ax.set_xlabel({figure_text("head_axis", language)!r})
ax.set_ylabel({figure_text("layer_axis", language)!r})
role_names = {role_names!r}  # the roles as the figure's legend names them
ax.set_title({title!r} + "\\n" + ", ".join(f"{{i}}={{role_names[name]}}" for i, name in enumerate([*names, "mixed"])))
fig.tight_layout()
fig.savefig("roles.png", dpi=110)
"""
        + _WRITE_CSV
        + """    writer.writerow(["layer:head", *names])
    for layer in range(layers):
        for head in range(heads):
            writer.writerow([f"{layer}:{head}", *(f"{value:.6g}" for value in table[layer, head].numpy())])
"""
    )
    return body
