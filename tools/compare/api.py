"""Compare attention: two texts under one model, or one text under two or three models, with difference maps.

The maps are (query, key) as in tools/core/plumbing.layer_view; the sides are a, b and (three models) c.
Alignment and the restricted, renormalized maps come from tools/compare/align.py; the figure from
tools/compare/plots.py; the reproducing script from tools/compare/codegen.py.
"""

from __future__ import annotations

from itertools import combinations
from typing import Any

import numpy as np
import torch

from tools.compare import codegen as compare_codegen
from tools.compare import plots as compare_plots
from tools.compare.align import Alignment, align_tokens, align_words, aligned_map
from tools.core.errors import ToolError
from tools.core.extract import CJK, Extraction
from tools.core.figure_text import FigureLanguage, checked_language, figure_text
from tools.core.models import english_only
from tools.core.notes import note
from tools.core.plumbing import View, checked_model_name, layer_view, resolve, save_artifacts
from tools.core.render_pool import Drawing
from tools.core.session import current_session
from tools.core.words import merge_map, token_offsets

__all__ = ["compare_attention"]

SIDES = ("a", "b", "c")
ALIGNED_SHOWN = 64  # the result lists at most this many aligned units; the CSV has them all
CHANGES_SHOWN = 5

METHOD = (
    "every map merged onto the aligned units (keys summed, queries averaged), restricted to them and each "
    "row renormalized to sum to 1; difference = b − a (and c − a, c − b for three models); mean_abs_diff over "
    "every aligned (query, key) cell"
)


def compare_attention(
    text_a: str,
    text_b: str | None = None,
    layer: int = -1,
    head: int | None = None,
    model: str | None = None,
    model_b: str | None = None,
    model_c: str | None = None,
    language: FigureLanguage = "en",
) -> dict[str, Any]:
    """Compare attention side by side with difference maps: two texts under one model, or one text under 2 or 3 models.

    Give text_b to compare two texts (tokens aligned by matching), or model_b (and model_c) to compare
    text_a under two or three models (aligned word by word, since their tokenizers differ), not both.

    Args:
        text_a: The (first) sentence.
        text_b: A second sentence, analysed by the same model; omit it to compare models instead.
        layer: Layer index, 0-based, in every model; -1 is the last layer of each model even if their depths differ.
        head: Head index, 0-based, in every model; omit to average over all heads.
        model: Model alias, Hugging Face id or local directory for text_a; omit to use the current one.
        model_b: A second model to run text_a through; omit it to compare two texts instead.
        model_c: A third model to run text_a through, with model_b: e.g. minilm, gemma-270m and smollm2-135m
            show an encoder, a decoder and a Llama-style decoder with grouped-query attention side by side.
        language: The learner's language, "en" or "ja": the figure's titles and axis names use it.
    """
    language = checked_language(language)
    mode = _checked_mode(text_a, text_b, model_b, model_c)
    notes: list[dict[str, Any]] = []
    if text_b is not None:  # two texts
        name = _shared_model(text_a, text_b, model, notes)
        resolved = [resolve(text, name, chooses_model=False) for text in (text_a, text_b)]  # leaves the current model
        sides = [extraction for extraction, _ in resolved]
        alignment = align_tokens(sides[0].tokens, sides[1].tokens)
    else:
        names = [model, checked_model_name(model_b), *([] if model_c is None else [checked_model_name(model_c)])]
        resolved = [resolve(text_a, name, chooses_model=False) for name in names]
        sides = [extraction for extraction, _ in resolved]
        _check_distinct(sides)
        alignment = align_words(text_a, *((token_offsets(side), side.special) for side in sides))
    for side, (_, side_notes) in zip(SIDES, resolved, strict=False):
        notes += [note("compared_side", side=side, note=said) for said in side_notes]
    views = [layer_view(extraction, layer, head, language) for extraction in sides]
    if not alignment.labels:
        raise ToolError(
            f"no token of text_a lines up with one of text_b ({', '.join(sides[0].tokens)} vs "
            f"{', '.join(sides[1].tokens)}): compare texts that share words"
        )
    maps = [aligned_map(view.matrix, groups) for view, groups in zip(views, alignment.groups, strict=True)]
    pairs = list(combinations(range(len(sides)), 2))  # (a, b), and (a, c), (b, c) for three models
    differences = [maps[later] - maps[first] for first, later in pairs]  # each (unit, unit)
    kept_share = {  # attention that stays on the aligned units before renormalizing, mean over their rows
        side: round(float(merge_map(view.matrix, groups).sum(dim=-1).mean()), 4)
        for side, view, groups in zip(SIDES, views, alignment.groups, strict=False)
    }
    notes += _notes(mode, sides, alignment, head, kept_share)
    title = _title(mode, views, language)
    figure = Drawing.of(
        compare_plots.compare_figure,
        [(view.matrix.numpy(), extraction.tokens, f"{side}: {_side_name(mode, extraction, view, language)}")
         for side, extraction, view in zip(SIDES, sides, views, strict=False)],
        [(difference.numpy(), _pair_name(pair)) for difference, pair in zip(differences, pairs, strict=True)],
        alignment.labels,
        title,
        language,
    )
    code = compare_codegen.compare_script(
        mode, sides, title.replace("\n", "; "), layer, views[0].head, current_session().max_tokens
    )
    rows = [f"{name}:{label}" for name in (*SIDES[: len(sides)], *_csv_names(pairs)) for label in alignment.labels]
    stacked = torch.cat([*maps, *differences]).numpy()  # ((sides + pairs) * unit, unit)
    profiles = [_side(extraction, view) for extraction, view in zip(sides, views, strict=True)]
    return {
        "mode": mode,
        "two_models": mode == "two models",
        "three_models": mode == "three models",
        **dict(zip(SIDES, profiles, strict=False)),
        "sides": [{"side": side, **profile} for side, profile in zip(SIDES, profiles, strict=False)],
        "title": title,
        "method": METHOD,
        "aligned_count": len(alignment.labels),
        "aligned": [
            {"label": label, **dict(zip(SIDES, groups, strict=False))}
            for label, *groups in list(zip(alignment.labels, *alignment.groups, strict=True))[:ALIGNED_SHOWN]
        ],
        **{f"only_in_{side}": [{"token": extraction.tokens[i], "index": i} for i in only]
           for side, extraction, only in zip(SIDES, sides, alignment.only, strict=False)},
        **{f"only_in_{side}_tokens": [extraction.tokens[i] for i in only]
           for side, extraction, only in zip(SIDES, sides, alignment.only, strict=False)},
        "head": views[0].head,  # the same index in every model
        "largest_changes": _largest_changes(maps[0], maps[1], differences[0], alignment.labels),  # b − a
        "kept_share": kept_share,
        "mean_abs_diff": round(float(differences[0].abs().mean()), 6),  # b − a
        "max_abs_diff": round(float(differences[0].abs().max()), 6),
        "pairs": [
            {"pair": _pair_name(pair), "a": sides[pair[0]].model.name, "b": sides[pair[1]].model.name,
             "mean_abs_diff": round(float(difference.abs().mean()), 6),
             "max_abs_diff": round(float(difference.abs().max()), 6)}
            for pair, difference in zip(pairs, differences, strict=True)
        ],
        **save_artifacts(figure, "compare", rows, alignment.labels, stacked, code, corner="map:query"),
        "notes": notes,
    }


def _checked_mode(text_a: object, text_b: object, model_b: object, model_c: object) -> str:
    if not isinstance(text_a, str) or not text_a.strip():
        raise ToolError(f"text_a must be a non-empty sentence, not {text_a!r}: e.g. 'The cat sat on the mat.'")
    if text_b is not None and model_b is not None:
        raise ToolError(
            f"give text_b (two texts under one model) or model_b (one text under two models), not both: "
            f"got text_b={text_b!r} and model_b={model_b!r}"
        )
    if model_c is not None and model_b is None:
        raise ToolError(
            f"model_c is the third of three models: give model_b too (e.g. model='minilm', model_b='gemma-270m', "
            f"model_c={model_c!r}), or pass {model_c!r} as model_b to compare two"
        )
    if text_b is None and model_b is None:
        raise ToolError(
            "nothing to compare text_a with: give text_b to compare two texts under one model, "
            "or model_b (e.g. 'gemma-270m') to compare text_a under two models"
        )
    if text_b is not None and (not isinstance(text_b, str) or not text_b.strip()):
        raise ToolError(f"text_b must be a non-empty sentence, not {text_b!r}: e.g. 'The dog sat on the mat.'")
    if text_b is not None:
        return "two texts"
    return "two models" if model_c is None else "three models"


def _check_distinct(sides: list[Extraction]) -> None:
    """One text under several models needs different models (a stand-in counts as the model it runs)."""
    for (first, one), (second, other) in combinations(zip(SIDES, sides, strict=False), 2):
        if one.model.name == other.model.name:
            other_name = "gemma-270m" if one.model.name == "minilm" else "minilm"
            earlier = "text_a's" if first == "a" else f"model_{first}"
            raise ToolError(
                f"model_{second} is the same model as {earlier} ({one.model.name}): name a different one, "
                f"e.g. {other_name!r}, or give text_b to compare two texts"
            )


def _shared_model(text_a: str, text_b: str, model: str | None, notes: list[dict[str, Any]]) -> str:
    """One model for both texts: the one named, else the current one (gemma-270m if either is Japanese and the
    current one reads English only)."""
    if model is not None:
        return checked_model_name(model)
    name = current_session().model_name
    if english_only(name) and (CJK.search(text_a) or CJK.search(text_b)):
        notes.append(note("both_with_gemma", model="gemma-270m", current=name))
        return "gemma-270m"
    return name


def _side(extraction: Extraction, view: View) -> dict[str, Any]:
    """One side's model, text and view, and what tells models apart in its map: how many key/value heads
    its query heads share, the share of attention on the sink (special tokens, else the first token), and on
    later tokens (0 under a causal mask)."""
    loaded, matrix = extraction.model, view.matrix  # (query, key)
    sink = [i for i, flag in enumerate(extraction.special) if flag] or [0]
    return {
        "model": loaded.name,
        "architecture": loaded.architecture,
        "text": extraction.text,
        "tokens": extraction.tokens,
        "layer": view.layer,
        "head": view.head,
        "aggregation": "mean over heads" if view.head is None else "one head",
        "num_layers": loaded.num_layers,
        "num_heads": loaded.num_heads,
        "num_kv_heads": loaded.num_kv_heads,
        "sink_tokens": [extraction.tokens[i] for i in sink],
        "sink_share": round(float(matrix[:, sink].sum(dim=-1).mean()), 4),  # mean over the queries
        "later_share": round(float(torch.triu(matrix, diagonal=1).sum(dim=-1).mean()), 4),
    }


def _side_name(mode: str, extraction: Extraction, view: View, language: FigureLanguage) -> str:
    what = f"{extraction.model.name} · {figure_text('layer', language, index=view.layer)}"
    text = extraction.text if len(extraction.text) <= 40 else extraction.text[:39] + "…"
    return what if mode != "two texts" else f"{what} · {text!r}"  # the panel title stays on one line


def _pair_name(pair: tuple[int, int]) -> str:
    return f"{SIDES[pair[1]]} − {SIDES[pair[0]]}"


def _csv_names(pairs: list[tuple[int, int]]) -> list[str]:
    """The CSV's row prefix of each difference: `diff` for the one of two sides, `b-a`, `c-a`, `c-b` for three."""
    return ["diff"] if len(pairs) == 1 else [f"{SIDES[later]}-{SIDES[first]}" for first, later in pairs]


def _title(mode: str, views: list[View], language: FigureLanguage) -> str:
    head = views[0].head
    heads = figure_text("heads_mean", language) if head is None else figure_text("head", language, index=head)
    if mode == "two texts":
        return f"{views[0].title}\n{figure_text('two_texts_title', language)}"
    if mode == "two models":
        return f"{figure_text('two_models_title', language, heads=heads)}\n{views[0].title} | {views[1].title}"
    return f"{figure_text('three_models_title', language, heads=heads)}\n" + " | ".join(view.title for view in views)


def _notes(
    mode: str, sides: list[Extraction], alignment: Alignment, head: int | None, kept_share: dict[str, float]
) -> list[dict[str, Any]]:
    notes = [note("aligned_share", side=side, share=share) for side, share in kept_share.items() if share < 0.9]
    encoders = [side.model.name for side in sides if side.model.architecture == "encoder"]
    if encoders:
        notes += [note("decoder_vs_encoder", decoder=side.model.name, encoder=encoders[0])
                  for side in sides if side.model.architecture == "decoder"]
    if mode != "two texts":
        notes.append(note("special_tokens_differ"))
        notes += [note("grouped_query", model=side.model.name, heads=side.model.num_heads,
                       kv_heads=side.model.num_kv_heads, group=side.model.num_heads // side.model.num_kv_heads)
                  for side in sides if side.model.num_kv_heads < side.model.num_heads]
        if head is not None:
            notes.append(note("heads_unrelated", head=head))
    if any(alignment.only):
        left_out = [[side.tokens[i] for i in only] for side, only in zip(sides, alignment.only, strict=True)]
        if len(sides) == 2:
            notes.append(note("not_aligned", only_a=left_out[0], only_b=left_out[1]))
        else:
            notes.append(note("not_aligned_three", only_a=left_out[0], only_b=left_out[1], only_c=left_out[2]))
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
