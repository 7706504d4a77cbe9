"""Compare attention: two texts under one model, or one text under two models, with a difference map.

The maps are (query, key) as in tools/core/plumbing.layer_view. Alignment and the restricted,
renormalized maps come from tools/compare/align.py; the figure from tools/compare/plots.py; the
reproducing script from tools/compare/codegen.py.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from tools.compare import codegen as compare_codegen
from tools.compare import plots as compare_plots
from tools.compare.align import Alignment, align_tokens, align_words, aligned_map
from tools.core.errors import ToolError
from tools.core.extract import CJK, Extraction
from tools.core.notes import note
from tools.core.plumbing import View, checked_model_name, layer_view, resolve, save_artifacts
from tools.core.session import current_session
from tools.core.words import merge_map, token_offsets

__all__ = ["compare_attention"]

ALIGNED_SHOWN = 64  # the result lists at most this many aligned units; the CSV has them all
CHANGES_SHOWN = 5

METHOD = (
    "both maps merged onto the aligned units (keys summed, queries averaged), restricted to them and each "
    "row renormalized to sum to 1; difference = b − a; mean_abs_diff over every aligned (query, key) cell"
)


def compare_attention(
    text_a: str,
    text_b: str | None = None,
    layer: int = -1,
    head: int | None = None,
    model: str | None = None,
    model_b: str | None = None,
) -> dict[str, Any]:
    """Compare attention side by side with a difference map: two texts under one model, or one text under two models.

    Give text_b to compare two texts (tokens aligned by matching), or model_b to compare text_a under
    two models (aligned word by word, since their tokenizers differ), not both.

    Args:
        text_a: The (first) sentence.
        text_b: A second sentence, analysed by the same model; omit it to compare two models instead.
        layer: Layer index, 0-based, in both; -1 is the last layer of each model even if their depths differ.
        head: Head index, 0-based, in both; omit to average over all heads.
        model: Model alias, Hugging Face id or local directory for text_a; omit to use the current one.
        model_b: A second model to run text_a through; omit it to compare two texts instead.
    """
    mode = _checked_mode(text_a, text_b, model_b)
    notes: list[dict[str, Any]] = []
    if text_b is not None:  # two texts
        name = _shared_model(text_a, text_b, model, notes)
        a, notes_a = resolve(text_a, name, chooses_model=False)  # a comparison leaves the current model
        b, notes_b = resolve(text_b, name, chooses_model=False)
        alignment = align_tokens(a.tokens, b.tokens)
    else:
        a, notes_a = resolve(text_a, model, chooses_model=False)
        b, notes_b = resolve(text_a, checked_model_name(model_b), chooses_model=False)
        if a.model.name == b.model.name:
            raise ToolError(
                f"model_b is the same model as text_a's ({a.model.name}): name a different one, e.g. "
                f"{'gemma-270m' if a.model.name == 'minilm' else 'minilm'!r}, or give text_b to compare two texts"
            )
        alignment = align_words(text_a, token_offsets(a), a.special, token_offsets(b), b.special)
    notes += [note("compared_side", side="a", note=said) for said in notes_a]
    notes += [note("compared_side", side="b", note=said) for said in notes_b]
    view_a, view_b = layer_view(a, layer, head), layer_view(b, layer, head)
    if not alignment.labels:
        raise ToolError(
            f"no token of text_a lines up with one of text_b ({', '.join(a.tokens)} vs {', '.join(b.tokens)}): "
            "compare texts that share words"
        )
    map_a = aligned_map(view_a.matrix, alignment.groups_a)  # (unit, unit), rows sum to 1
    map_b = aligned_map(view_b.matrix, alignment.groups_b)  # (unit, unit), rows sum to 1
    difference = map_b - map_a  # (unit, unit)
    kept_share = {  # attention that stays on the aligned units before renormalizing, mean over their rows
        "a": round(float(merge_map(view_a.matrix, alignment.groups_a).sum(dim=-1).mean()), 4),
        "b": round(float(merge_map(view_b.matrix, alignment.groups_b).sum(dim=-1).mean()), 4),
    }
    notes += _notes(mode, a, b, alignment, head, kept_share)
    title = _title(mode, view_a, view_b)
    figure = compare_plots.compare_figure(
        (view_a.matrix.numpy(), a.tokens, f"a: {_side_name(mode, a, view_a)}"),
        (view_b.matrix.numpy(), b.tokens, f"b: {_side_name(mode, b, view_b)}"),
        difference.numpy(),
        alignment.labels,
        title,
    )
    code = compare_codegen.compare_script(
        mode, a, b, title.replace("\n", "; "), layer, view_a.head, current_session().max_tokens
    )
    rows = [f"{side}:{label}" for side in ("a", "b", "diff") for label in alignment.labels]
    stacked = torch.cat([map_a, map_b, difference]).numpy()  # (3 * unit, unit)
    return {
        "mode": mode,
        "a": _side(a, view_a),
        "b": _side(b, view_b),
        "title": title,
        "method": METHOD,
        "aligned_count": len(alignment.labels),
        "aligned": [
            {"label": label, "a": group_a, "b": group_b}
            for label, group_a, group_b in list(
                zip(alignment.labels, alignment.groups_a, alignment.groups_b, strict=True)
            )[:ALIGNED_SHOWN]
        ],
        "only_in_a": [{"token": a.tokens[i], "index": i} for i in alignment.only_a],
        "only_in_b": [{"token": b.tokens[i], "index": i} for i in alignment.only_b],
        "only_in_a_tokens": [a.tokens[i] for i in alignment.only_a],
        "only_in_b_tokens": [b.tokens[i] for i in alignment.only_b],
        "head": view_a.head,  # the same index in both
        "largest_changes": _largest_changes(map_a, map_b, difference, alignment.labels),
        "kept_share": kept_share,
        "mean_abs_diff": round(float(difference.abs().mean()), 6),
        "max_abs_diff": round(float(difference.abs().max()), 6),
        **save_artifacts(figure, "compare", rows, alignment.labels, stacked, code, corner="map:query"),
        "notes": notes,
    }


def _checked_mode(text_a: object, text_b: object, model_b: object) -> str:
    if not isinstance(text_a, str) or not text_a.strip():
        raise ToolError(f"text_a must be a non-empty sentence, not {text_a!r}: e.g. 'The cat sat on the mat.'")
    if text_b is not None and model_b is not None:
        raise ToolError(
            f"give text_b (two texts under one model) or model_b (one text under two models), not both: "
            f"got text_b={text_b!r} and model_b={model_b!r}"
        )
    if text_b is None and model_b is None:
        raise ToolError(
            "nothing to compare text_a with: give text_b to compare two texts under one model, "
            "or model_b (e.g. 'gemma-270m') to compare text_a under two models"
        )
    if text_b is not None and (not isinstance(text_b, str) or not text_b.strip()):
        raise ToolError(f"text_b must be a non-empty sentence, not {text_b!r}: e.g. 'The dog sat on the mat.'")
    return "two texts" if text_b is not None else "two models"


def _shared_model(text_a: str, text_b: str, model: str | None, notes: list[dict[str, Any]]) -> str:
    """One model for both texts: the one named, else the current one (gemma-270m if either is Japanese)."""
    if model is not None:
        return checked_model_name(model)
    name = current_session().model_name
    if name == "minilm" and (CJK.search(text_a) or CJK.search(text_b)):
        notes.append(note("both_with_gemma", model="gemma-270m"))
        return "gemma-270m"
    return name


def _side(extraction: Extraction, view: View) -> dict[str, Any]:
    return {
        "model": extraction.model.name,
        "architecture": extraction.model.architecture,
        "text": extraction.text,
        "tokens": extraction.tokens,
        "layer": view.layer,
        "head": view.head,
        "aggregation": "mean over heads" if view.head is None else "one head",
    }


def _side_name(mode: str, extraction: Extraction, view: View) -> str:
    what = f"{extraction.model.name} · layer {view.layer}"
    text = extraction.text if len(extraction.text) <= 40 else extraction.text[:39] + "…"
    return what if mode == "two models" else f"{what} · {text!r}"  # the panel title stays on one line


def _title(mode: str, view_a: View, view_b: View) -> str:
    heads = "mean of heads" if view_a.head is None else f"head {view_a.head}"
    if mode == "two texts":
        return f"{view_a.title}\ntwo texts: b − a on the aligned tokens"
    return f"two models, {heads}: b − a on the aligned words\n{view_a.title} | {view_b.title}"


def _notes(
    mode: str, a: Extraction, b: Extraction, alignment: Alignment, head: int | None, kept_share: dict[str, float]
) -> list[dict[str, Any]]:
    notes = [note("aligned_share", side=side, share=share) for side, share in kept_share.items() if share < 0.9]
    if a.model.architecture != b.model.architecture:
        decoder = a.model.name if a.model.architecture == "decoder" else b.model.name
        encoder = b.model.name if decoder == a.model.name else a.model.name
        notes.append(note("decoder_vs_encoder", decoder=decoder, encoder=encoder))
    if mode == "two models":
        notes.append(note("special_tokens_differ"))
        if head is not None:
            notes.append(note("heads_unrelated", head=head))
    if alignment.only_a or alignment.only_b:
        only_a = [a.tokens[i] for i in alignment.only_a]
        only_b = [b.tokens[i] for i in alignment.only_b]
        notes.append(note("not_aligned", only_a=only_a, only_b=only_b))
    if len(alignment.labels) > ALIGNED_SHOWN:
        notes.append(note("aligned_listed", count=len(alignment.labels), shown=ALIGNED_SHOWN))
    return notes


def _largest_changes(
    map_a: torch.Tensor, map_b: torch.Tensor, difference: torch.Tensor, labels: list[str]
) -> list[dict[str, Any]]:
    flat = difference.abs().flatten().numpy()  # (unit * unit,)
    order = np.argsort(-flat, kind="stable")[:CHANGES_SHOWN]
    count = len(labels)
    return [
        {
            "query": labels[index // count],
            "key": labels[index % count],
            "unit": [int(index // count), int(index % count)],
            "a": round(float(map_a.flatten()[index]), 4),
            "b": round(float(map_b.flatten()[index]), 4),
            "diff": round(float(difference.flatten()[index]), 4),
        }
        for index in order
    ]
