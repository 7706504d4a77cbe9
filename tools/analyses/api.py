"""Analyses beyond raw attention, as tool functions with the same contract as tools/basics/api.py.

    attention_rollout   attention followed through all layers (Abnar & Zuidema 2020)
    attention_norms     ‖α · f(x)‖ instead of α alone (Kobayashi et al. 2020)
    layer_summary       sink share, entropy and one query → key weight across depth
    head_roles          a role and a score for every (layer, head)

Attentions are (layers, heads, query, key) as in tools/core/extract.py; the arithmetic is in
tools/analyses/math.py, the figures in tools/analyses/plots.py, the scripts in tools/analyses/codegen.py.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from tools.analyses import codegen, plots
from tools.analyses import math as analysis_math
from tools.core.errors import ToolError
from tools.core.figure_text import FigureLanguage, checked_language, figure_text
from tools.core.jobs import heavy_job
from tools.core.notes import note
from tools.core.plumbing import (
    checked_index,
    describe_index,
    resolve,
    result_header,
    save_artifacts,
    token_position,
    top_tokens,
)
from tools.core.render_pool import Drawing
from tools.core.session import current_session
from tools.core.value_hooks import capture_values

__all__ = ["attention_rollout", "attention_norms", "layer_summary", "head_roles"]


def attention_rollout(
    start_layer: int = 0, text: str | None = None, model: str | None = None, language: FigureLanguage = "en"
) -> dict[str, Any]:
    """Follow attention through all layers with attention rollout, beside the raw last-layer map.

    Each layer's heads are averaged, the identity is added for the residual connection, rows are
    renormalized, and the layers are multiplied from start_layer to the last (Abnar & Zuidema 2020).

    Args:
        start_layer: First layer to include, 0-based; -1 means only the last layer.
        text: The sentence to analyse; omit to use the latest one.
        model: Model alias, Hugging Face id or local directory; omit to use the current one.
        language: The learner's language, "en" or "ja": the figure's title and axis names use it.
    """
    language = checked_language(language)
    extraction, notes = resolve(text, model)
    loaded, labels = extraction.model, extraction.tokens
    start = checked_index(start_layer, loaded.num_layers, "start_layer", loaded.name, "layers")
    rolled = analysis_math.rollout(extraction.attentions, start)  # (query, key)
    raw = extraction.attentions[-1].mean(dim=0)  # (query, key)
    upper = float(torch.triu(rolled, diagonal=1).abs().max()) if extraction.seq_len > 1 else 0.0
    last = loaded.num_layers - 1
    title = f"{loaded.name} · {figure_text('rollout_title', language, start=start, last=last)}"
    names = (figure_text("raw_last_layer", language, layer=last, count=loaded.num_heads),
             figure_text("rollout_from", language, start=start))
    figure = Drawing.of(plots.side_by_side_figure, raw.numpy(), rolled.numpy(), labels, names, title, language)
    code = codegen.rollout_script(loaded, extraction.text, current_session().max_tokens, title, start, names,
                                  language)
    result: dict[str, Any] = {
        **result_header(extraction, None),
        "start_layer": start,
        "layers_used": loaded.num_layers - start,
        "last_layer": loaded.num_layers - 1,
        "last_token": labels[-1],
        "title": title,
        "method": "per layer: mean over heads, + identity, rows renormalized; rollout = A_last · … · A_start",
        "rows_sum_to_one": bool(torch.allclose(rolled.sum(dim=-1), torch.ones(extraction.seq_len), atol=1e-4)),
        "top_from_last_query": top_tokens(labels, rolled[-1].numpy()),
        "top_received": top_tokens(labels, rolled.mean(dim=0).numpy()),
        "raw_top_received": top_tokens(labels, raw.mean(dim=0).numpy()),
        **save_artifacts(figure, "rollout", labels, labels, rolled.numpy(), code, corner="query\\key"),
        "notes": notes,
    }
    if loaded.architecture == "decoder":
        result["max_weight_above_diagonal"] = upper
        result["lower_triangular"] = upper == 0.0
    return result


def attention_norms(
    layer: int = -1, text: str | None = None, model: str | None = None, language: FigureLanguage = "en"
) -> dict[str, Any]:
    """Weigh attention by what each token passes on: the norm-based view ‖α·f(x)‖ beside the raw weights.

    f(x_j) is token j's value vector after the output projection (Kobayashi et al. 2020); supported for
    BERT-style encoders and Llama/Gemma-style decoders, grouped-query attention included.

    Args:
        layer: Layer index, 0-based; -1 is the last layer.
        text: The sentence to analyse; omit to use the latest one.
        model: Model alias, Hugging Face id or local directory; omit to use the current one.
        language: The learner's language, "en" or "ja": the figure's title and axis names use it.
    """
    language = checked_language(language)
    extraction, notes = resolve(text, model, layers=(layer,))
    loaded, labels = extraction.model, extraction.tokens
    index = checked_index(layer, loaded.num_layers, "layer", loaded.name, "layers")
    captured = capture_values(loaded, extraction.input_ids, index, current_session().progress)
    attention = extraction.layer(index)  # (heads, query, key)
    norms = analysis_math.norm_contributions(attention, captured.values, captured.w_out)
    raw_share = attention.mean(dim=0)  # (query, key), rows sum to 1
    norm_share = norms.summed / norms.summed.sum(dim=-1, keepdim=True)  # (query, key), rows sum to 1
    raw_column, norm_column = raw_share.mean(dim=0).numpy(), norm_share.mean(dim=0).numpy()  # (key,)
    where = figure_text("layer", language, index=describe_index(layer, index))
    title = f"{loaded.name} · {where} · {figure_text('norms_title', language)}"
    names = (figure_text("raw_alpha", language, count=loaded.num_heads), figure_text("norm_shares", language))
    figure = Drawing.of(plots.side_by_side_figure, raw_share.numpy(), norm_share.numpy(), labels, names, title,
                        language)
    code = codegen.norms_script(loaded, extraction.text, current_session().max_tokens, title, index, captured.layout,
                                names, language)
    rows = [f"raw:{token}" for token in labels] + [f"norm:{token}" for token in labels]
    stacked = np.concatenate([raw_share.numpy(), norm_share.numpy()])  # (2 * query, key)
    per_token = [
        {
            "token": token,
            "index": i,
            "raw_share": round(float(raw_column[i]), 4),
            "norm_share": round(float(norm_column[i]), 4),
            "value_norm": round(float(norms.value_norms[:, i].mean()), 4),
        }
        for i, token in enumerate(labels)
    ]
    return {
        **result_header(extraction, None),
        "layer": index,
        "title": title,
        "method": "norm[i, j] = ‖Σ_h α_hij f_h(x_j)‖ with f_h(x) = (x W_V + b_V)_h W_O[:, h]^T; "
        "each row divided by its sum to give shares",
        "per_token": per_token,
        "top_raw": top_tokens(labels, raw_column),
        "top_norm": top_tokens(labels, norm_column),
        **_most_shrunk(per_token),
        **save_artifacts(figure, "norms", rows, labels, stacked, code, corner="view:query"),
        "notes": notes,
    }


def layer_summary(
    query: int | str | None = None,
    key: int | str | None = None,
    text: str | None = None,
    model: str | None = None,
    language: FigureLanguage = "en",
) -> dict[str, Any]:
    """Draw line charts across layers: attention on special/sink tokens, entropy per head, and one query → key.

    Args:
        query: The attending token, as a 0-based position or the token's text; give it with key to follow
            the attention from query to key across layers.
        key: The attended token, as a 0-based position or the token's text.
        text: The sentence to analyse; omit to use the latest one.
        model: Model alias, Hugging Face id or local directory; omit to use the current one.
        language: The learner's language, "en" or "ja": the figure's title and axis names use it.
    """
    language = checked_language(language)
    extraction, notes = resolve(text, model)
    loaded, labels, attentions = extraction.model, extraction.tokens, extraction.attentions
    if (query is None) != (key is None):
        raise ToolError(
            "give both query and key (positions or token texts) to follow one pair across layers, "
            f"or neither; got query={query!r}, key={key!r}"
        )
    sink = _sink_mask(extraction, notes)
    sink_share = attentions[..., sink].sum(dim=-1).mean(dim=(1, 2))  # (layers,): mean over heads and queries
    entropy = analysis_math.row_entropy_bits(attentions).mean(dim=-1)  # (layers, heads): mean over queries
    series = {"sink share": sink_share.numpy(), "entropy mean of heads": entropy.mean(dim=1).numpy()}
    series |= {f"entropy head {h}": entropy[:, h].numpy() for h in range(loaded.num_heads)}
    pair_name, pair, positions = "", None, None
    if query is not None and key is not None:
        positions = (token_position(query, labels, "query"), token_position(key, labels, "key"))
        pair = attentions[:, :, positions[0], positions[1]].mean(dim=1).numpy()  # (layers,): mean over heads
        pair_name = f"{labels[positions[0]]}→{labels[positions[1]]}"
        series[pair_name] = pair
    title = f"{loaded.name} · {figure_text('across_layers', language, count=loaded.num_layers)}"
    figure = Drawing.of(plots.layer_summary_figure, sink_share.numpy(), entropy.numpy(), pair, pair_name, title,
                        language)
    code = codegen.layer_summary_script(
        loaded,
        extraction.text,
        current_session().max_tokens,
        title,
        positions,
        pair_name,
        sink_position_zero=not any(extraction.special),
        language=language,
    )
    sink_tokens = [labels[i] for i in np.flatnonzero(sink.numpy())]
    sink_per_layer, entropy_per_layer = _rounded(sink_share), _rounded(entropy.mean(dim=1))
    result: dict[str, Any] = {
        **result_header(extraction, None),
        "title": title,
        "sink_tokens": sink_tokens,
        "sink_names": list(dict.fromkeys(sink_tokens)),  # each token once, for the answer
        "sink_share_per_layer": sink_per_layer,
        "entropy_bits_per_layer": entropy_per_layer,
        **_layer_extremes(sink_per_layer, entropy_per_layer),
        "entropy_bits_per_layer_and_head": [_rounded(row) for row in entropy],
        "max_entropy_bits": round(float(np.log2(extraction.seq_len)), 4),
        **save_artifacts(
            figure,
            "layers",
            list(series),
            [str(i) for i in range(loaded.num_layers)],
            np.stack(list(series.values())),
            code,
            corner="series\\layer",
        ),
        "notes": notes,
    }
    if pair is not None and positions is not None:
        pair_per_layer = [round(float(v), 4) for v in pair]
        result.update(
            query=positions[0],
            key=positions[1],
            query_token=labels[positions[0]],
            key_token=labels[positions[1]],
            pair=pair_name,
            pair_per_layer=pair_per_layer,
            pair_best_layer=int(np.argmax(pair_per_layer)),
        )
    return result


def head_roles(text: str | None = None, model: str | None = None, language: FigureLanguage = "en") -> dict[str, Any]:
    """Tag every head as previous-token, sink, self, broad or induction-like, with a score, as a layer × head grid.

    Induction scores (decoders only) come from a seeded random token sequence seen twice, not from the text.

    Args:
        text: The sentence to analyse; omit to use the latest one.
        model: Model alias, Hugging Face id or local directory; omit to use the current one.
        language: The learner's language, "en" or "ja": the figure's title and axis names use it.
    """
    language = checked_language(language)
    extraction, notes = resolve(text, model)
    loaded = extraction.model
    decoder = loaded.architecture == "decoder"
    sink = torch.zeros(extraction.seq_len, dtype=torch.bool)
    if decoder or not any(extraction.special):
        sink[0] = True
    else:
        sink = torch.tensor(extraction.special)
    scores = analysis_math.head_role_scores(extraction.attentions, sink, causal=decoder)
    if decoder:
        scores["induction"] = _induction(loaded)
    roles = analysis_math.assign_roles(scores)
    names = list(scores)
    grid = np.array([[score for _, score in row] for row in roles])  # (layers, heads)
    shape = figure_text("head_roles_title", language, layers=loaded.num_layers, heads=loaded.num_heads)
    title = f"{loaded.name} · {shape}"
    figure = Drawing.of(plots.head_roles_figure, [[role for role, _ in row] for row in roles], grid, title, language)
    code = codegen.head_roles_script(loaded, extraction.text, current_session().max_tokens, title, decoder, language)
    rows = [f"{layer}:{head}" for layer in range(loaded.num_layers) for head in range(loaded.num_heads)]
    table = torch.stack([scores[name] for name in names], dim=-1).reshape(len(rows), len(names))  # (L*H, roles)
    tagged = [
        {"layer": layer, "head": head, "role": role, "score": round(score, 4)}
        for layer, row in enumerate(roles)
        for head, (role, score) in enumerate(row)
    ]
    counts = {name: sum(item["role"] == name for item in tagged) for name in (*names, "mixed")}
    strongest = {
        name: max(tagged, key=lambda item, n=name: float(scores[n][item["layer"], item["head"]])) for name in names
    }
    strongest_scores = {
        name: {
            "layer": item["layer"],
            "head": item["head"],
            "score": round(float(scores[name][item["layer"], item["head"]]), 4),
        }
        for name, item in strongest.items()
    }
    thresholds = {name: analysis_math.ROLE_THRESHOLDS[name] for name in names}
    return {
        **result_header(extraction, None),
        "title": title,
        "num_layers": loaded.num_layers,
        "thresholds": thresholds,
        "role_thresholds": [{"role": name, "threshold": value} for name, value in thresholds.items()],
        "rule": "a head takes, among the roles whose score reaches its threshold, the one with the largest "
        "score / threshold, else 'mixed'; scores are means over the queries from position 1 on",
        "sink_tokens": [extraction.tokens[i] for i in np.flatnonzero(sink.numpy())],
        "counts": counts,
        "role_counts": [{"role": name, "count": count} for name, count in counts.items() if count],  # roles found
        "strongest": strongest_scores,
        "strongest_heads": [{"role": name, **best} for name, best in strongest_scores.items() if counts[name]],
        "heads": tagged,
        **save_artifacts(figure, "roles", rows, names, table.numpy(), code, corner="layer:head"),
        "notes": notes,
    }


# --- helpers -------------------------------------------------------------------------------------------


def _most_shrunk(per_token: list[dict[str, Any]]) -> dict[str, Any]:
    """The token whose share drops most from raw to norm, and the mean value norm; nothing when none drops."""
    shrunk = max(per_token, key=lambda item: item["raw_share"] - item["norm_share"])
    if shrunk["raw_share"] <= shrunk["norm_share"]:
        return {}
    mean_norm = sum(item["value_norm"] for item in per_token) / len(per_token)
    return {"most_shrunk": dict(shrunk), "mean_value_norm": round(mean_norm, 4)}


def _layer_extremes(sink_share: list[float], entropy: list[float]) -> dict[str, Any]:
    """Where the sink share peaks and the mean entropy is lowest and highest (the first layer on ties)."""
    peak, low, high = int(np.argmax(sink_share)), int(np.argmin(entropy)), int(np.argmax(entropy))
    return {
        "num_layers": len(sink_share),
        "last_layer": len(sink_share) - 1,
        "first_sink_share": sink_share[0],
        "last_sink_share": sink_share[-1],
        "peak_sink_layer": peak,
        "peak_sink_share": sink_share[peak],
        "lowest_entropy_layer": low,
        "lowest_entropy_bits": entropy[low],
        "highest_entropy_layer": high,
        "highest_entropy_bits": entropy[high],
    }


def _rounded(values: torch.Tensor) -> list[float]:
    return [round(float(v), 4) for v in values]


def _sink_mask(extraction: Any, notes: list[dict[str, Any]]) -> torch.Tensor:
    """The special tokens ([CLS], [SEP], <bos>); position 0 when the tokenizer added none."""
    if any(extraction.special):
        return torch.tensor(extraction.special)
    notes.append(note("no_special_sink"))
    mask = torch.zeros(extraction.seq_len, dtype=torch.bool)
    mask[0] = True
    return mask


def _induction(loaded: Any) -> torch.Tensor:
    """Induction scores (layers, heads) on the seeded repeated random sequence."""
    ids, offset = random_repeated_ids(loaded.tokenizer)
    progress = current_session().progress
    with heavy_job(progress, "forward pass on a repeated random sequence", loaded), torch.inference_mode():
        outputs = loaded.base_model(input_ids=torch.tensor([ids], device=loaded.device), output_attentions=True)
    # layer by layer: under a device map the layers' tensors sit on different devices
    attentions = torch.stack([layer[0].float().cpu() for layer in outputs.attentions])  # (layers, heads, query, key)
    return analysis_math.induction_scores(attentions, offset)


def random_repeated_ids(tokenizer: Any, seed: int = 0) -> tuple[list[int], int]:
    """[<bos>] + r + r for a seeded random r of INDUCTION_PERIOD ordinary tokens; returns (ids, offset)."""
    generator = torch.Generator().manual_seed(seed)
    special = set(tokenizer.all_special_ids)
    period = analysis_math.INDUCTION_PERIOD
    candidates = torch.randint(0, tokenizer.vocab_size, (10 * period,), generator=generator).tolist()
    sequence = [token for token in candidates if token not in special][:period]
    prefix = [tokenizer.bos_token_id] if tokenizer.bos_token_id is not None else []
    return prefix + sequence + sequence, len(prefix)
