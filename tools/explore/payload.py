"""The explorer's data: views of one extraction, bounded in size, for a browser to draw and switch.

An extraction holds (layers, heads, query, key) float32. A *view* is one choice of layer, head (or
the mean of heads), `exclude_special` and `words`, computed by the very functions plot_heatmap uses
(`layer_view`, `without_special`, `merged_into_words`), so its numbers are the heatmap CSV's before
any pooling. A view travels as

    values     (query, key) float32, little-endian, base64   exact: what hover shows
    colours    (query, key) uint8, base64                     byte = round(255 · value / top), top = the
                                                              view's maximum (its own scale, as the PNG)
    top_keys   (query, TOP_KEYS) [key index, weight]           where each token looks most

so one view of 512 tokens is about 1.8 MB of base64 (1 MiB of float32 plus 256 KiB of colour bytes).
The model view's thumbnails are every (layer, head) map pooled to at most `thumb_side` blocks a side
(queries averaged, keys summed, as tools/core/pooling.py does), uint8 on one scale shared by all.

A bundle is the views a page carries: the one asked for first, then the others in the order a
learner is likely to want them, while the encoded size stays under a budget. Nothing here runs a
model: switching layer, head or token reads the extraction the session already holds.
"""

from __future__ import annotations

import base64
import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from tools.core.errors import ToolError
from tools.core.extract import Extraction
from tools.core.plumbing import layer_view
from tools.core.words import token_offsets, word_groups, words_of
from tools.views.api import without_special

__all__ = ["ViewKey", "explorer_view", "view_by_name", "thumbnails", "bundle", "encoded_size", "TOP_KEYS",
           "UPDATE_BUDGET"]

TOP_KEYS = 5
UPDATE_BUDGET = 2_000_000  # bytes of JSON one update may carry (issue #13: at most 2 MB at 512 tokens)
THUMB_BUDGET = 96_000  # bytes of thumbnail pixels, whatever the number of layers × heads
MAX_THUMB_SIDE = 32


@dataclass(frozen=True)
class ViewKey:
    """Which view: `head` None is the mean of heads; `layer` and `head` are non-negative."""

    layer: int
    head: int | None
    exclude_special: bool = False
    words: bool = False

    @property
    def name(self) -> str:
        """The view's key in a bundle, e.g. '5:mean:00' or '0:3:10' (exclude_special, words as 0/1)."""
        head = "mean" if self.head is None else str(self.head)
        return f"{self.layer}:{head}:{int(self.exclude_special)}{int(self.words)}"


KEY_PATTERN = re.compile(r"(\d{1,4}):(mean|\d{1,4}):([01])([01])")


def view_by_name(extraction: Extraction, name: object) -> dict[str, Any]:
    """The view a page asks for by its key ('5:mean:00'), checked against what this extraction holds.

    Words are merged only where they change something (a page asks '…:01' of a text whose every token
    is a word; it gets the token view, which is the same map). Raises ToolError for a malformed key, a
    layer this extraction does not hold, or a head the model does not have.
    """
    found = KEY_PATTERN.fullmatch(name) if isinstance(name, str) else None
    if found is None:
        raise ToolError(f"a view's key is 'layer:head:SW' (e.g. '5:mean:00' or '0:3:10'), not {name!r}")
    layer, head = int(found[1]), None if found[2] == "mean" else int(found[2])
    if layer not in extraction.layer_indices:
        raise ToolError(f"layer {layer} is not held for this text: use one of {list(extraction.layer_indices)}")
    if head is not None and head >= extraction.model.num_heads:
        raise ToolError(f"head {head} is out of range: {extraction.model.name} has {extraction.model.num_heads} "
                        f"heads (use 0..{extraction.model.num_heads - 1}, or 'mean')")
    words = found[4] == "1"
    if words:
        sizes = view_sizes(extraction)
        words = sizes[(False, True)] != sizes[(False, False)]
    return explorer_view(extraction, ViewKey(layer, head, found[3] == "1", words))


def view_matrix(extraction: Extraction, key: ViewKey) -> tuple[np.ndarray, list[str], list[list[int]]]:
    """The (query, key) float32 map of a view, its labels, and the token positions behind each label.

    The same steps, in the same order, as plot_heatmap: one layer's head or mean, special tokens
    dropped and rows renormalized, then subwords merged into words.
    """
    view = layer_view(extraction, key.layer, key.head)
    matrix: torch.Tensor = view.matrix  # (query, key)
    kept = list(range(extraction.seq_len))
    if key.exclude_special:
        matrix, kept = without_special(extraction, matrix)
    labels = [extraction.tokens[i] for i in kept]
    groups = [[i] for i in kept]
    if key.words:
        merged = words_of(extraction, matrix, kept)  # what plot_heatmap's merged_into_words returns, with groups
        matrix, labels, groups = merged.matrix, merged.labels, merged.groups
    return matrix.numpy().astype(np.float32, copy=False), labels, groups


def _b64(array: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(array).tobytes()).decode("ascii")


def explorer_view(extraction: Extraction, key: ViewKey) -> dict[str, Any]:
    """One view as JSON-able fields: exact float32 values, 8-bit colours with their scale, top keys per query."""
    values, labels, groups = view_matrix(extraction, key)  # (query, key)
    top = max(float(values.max()), 1e-6)
    colours = np.rint(values / top * 255).clip(0, 255).astype(np.uint8)  # (query, key)
    order = np.argsort(-values, axis=1, kind="stable")[:, :TOP_KEYS]  # (query, TOP_KEYS)
    top_keys = [[[int(j), round(float(values[i, j]), 4)] for j in row] for i, row in enumerate(order)]
    return {
        "key": key.name,
        "layer": key.layer,
        "head": key.head,
        "exclude_special": key.exclude_special,
        "words": key.words,
        "labels": labels,
        "groups": groups,
        "size": len(labels),
        "values": _b64(values.astype("<f4")),
        "colours": _b64(colours),
        "colour_scale": {"bits": 8, "top": top, "rule": "value ≈ byte / 255 × top"},
        "top_keys": top_keys,
    }


def thumb_side(layers: int, heads: int, tokens: int) -> int:
    """Blocks a side of each thumbnail: at most MAX_THUMB_SIDE, and all of them within THUMB_BUDGET bytes."""
    fits = math.isqrt(max(1, THUMB_BUDGET // max(1, layers * heads)))
    return max(1, min(MAX_THUMB_SIDE, fits, tokens))


def thumbnails(extraction: Extraction, exclude_special: bool = False) -> dict[str, Any]:
    """Every kept (layer, head) map pooled to `thumb_side` blocks a side, uint8 on one shared scale.

    Queries are averaged and keys summed within a block, as tools/core/pooling.py does, so a
    thumbnail's rows still sum to 1; with `exclude_special` the special tokens are dropped and the
    rows renormalized first, as in the views. Words are not merged here: a thumbnail is too small to tell.
    """
    maps = extraction.attentions  # (kept layers, heads, query, key)
    if exclude_special:
        keep = torch.tensor([not flag for flag in extraction.special])
        if not keep.any():
            raise ToolError("every token is a special token: nothing is left after exclude_special")
        maps = maps[:, :, keep][:, :, :, keep]
        maps = maps / maps.sum(dim=-1, keepdim=True)  # rows sum to 1 again
    layers, heads, tokens, _ = maps.shape
    side = thumb_side(layers, heads, tokens)
    size = math.ceil(tokens / side)
    blocks = math.ceil(tokens / size)
    padding = blocks * size - tokens  # the last block may be shorter: zeros fill it, its own count divides
    padded = torch.nn.functional.pad(maps, (0, padding, 0, padding)) if padding else maps  # (…, blocks·size, …)
    summed = padded.reshape(layers, heads, blocks, size, blocks, size).sum(dim=(3, 5))  # (layers, heads, rows, cols)
    counts = torch.full((blocks,), float(size))
    counts[-1] = tokens - size * (blocks - 1)
    pooled = (summed / counts[:, None]).numpy()  # queries averaged within a block, keys summed
    top = max(float(pooled.max()), 1e-6)
    pixels = np.rint(pooled / top * 255).clip(0, 255).astype(np.uint8)
    return {
        "layers": list(extraction.layer_indices),
        "heads": heads,
        "side": blocks,
        "block": size,
        "exclude_special": exclude_special,
        "pixels": _b64(pixels),  # (kept layers, heads, side, side)
        "colour_scale": {"bits": 8, "top": top, "rule": "value ≈ byte / 255 × top, shared by every thumbnail"},
    }


def _candidates(extraction: Extraction, first: ViewKey) -> Iterator[ViewKey]:
    """Every view a page may carry, the likeliest wanted first: the one asked for, with the other switches;
    the mean of every layer; every head of its layer; every head of every layer; then the same with the
    other switches."""
    layers = extraction.layer_indices
    heads = range(extraction.model.num_heads)
    switches = [(first.exclude_special, first.words)]
    switches += [pair for pair in ((False, False), (True, False), (False, True), (True, True)) if pair != switches[0]]
    yield first
    for exclude_special, words in switches[1:]:
        yield ViewKey(first.layer, first.head, exclude_special, words)
    for exclude_special, words in switches:
        yield from (ViewKey(layer, None, exclude_special, words) for layer in layers)
        yield from (ViewKey(first.layer, head, exclude_special, words) for head in heads)
        yield from (ViewKey(layer, head, exclude_special, words) for layer in layers for head in heads)


def encoded_size(value: Any) -> int:
    """Bytes of `value` as the compact UTF-8 JSON a page or an update carries."""
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def bundle(extraction: Extraction, first: ViewKey, budget: int = UPDATE_BUDGET) -> dict[str, Any]:
    """The views of `extraction` a page carries, `first` always, then others while the whole stays under `budget`.

    Also the tokens, the model's shape and the thumbnails (with `first`'s exclude_special). Views left
    out are listed by count: the page says which are missing instead of drawing nothing.
    """
    meta = {
        "model": extraction.model.name,
        "architecture": extraction.model.architecture,
        "text": extraction.text,
        "tokens": extraction.tokens,
        "special": extraction.special,
        "num_layers": extraction.model.num_layers,
        "num_heads": extraction.model.num_heads,
        "kept_layers": list(extraction.layer_indices),
        "truncated": extraction.truncated,
    }
    result: dict[str, Any] = {"meta": meta, "first": first.name, "thumbnails": thumbnails(extraction,
                                                                                         first.exclude_special)}
    result["views"] = {first.name: explorer_view(extraction, first)}
    used = encoded_size(result)
    if used > budget:
        raise ToolError(f"one view of these {extraction.seq_len} tokens needs {used:,} bytes, over the "
                        f"{budget:,}-byte budget: shorten the text")
    sizes = view_sizes(extraction)
    meta["words_change_nothing"] = sizes[(False, True)] == sizes[(False, False)]
    seen = {first}
    skipped = 0
    for key in _candidates(extraction, first):
        if key in seen or (key.words and meta["words_change_nothing"]):  # a word view equal to its token view
            continue
        seen.add(key)
        cells = sizes[(key.exclude_special, key.words)] ** 2
        if used + cells * 5 * 4 // 3 > budget:  # its base64 values and colours alone would not fit
            skipped += 1
            continue
        view = explorer_view(extraction, key)
        size = encoded_size({key.name: view}) + 1  # with the comma between views
        if used + size > budget:
            skipped += 1
            continue
        result["views"][key.name] = view
        used += size
    result["views_left_out"] = skipped
    return result


def view_sizes(extraction: Extraction) -> dict[tuple[bool, bool], int]:
    """How many rows a view has for each (exclude_special, words): tokens, tokens less the special ones, words."""
    offsets = token_offsets(extraction)
    sizes = {}
    for exclude_special in (False, True):
        kept = [i for i, flag in enumerate(extraction.special) if not (exclude_special and flag)]
        sizes[(exclude_special, False)] = len(kept)
        groups = word_groups(extraction.text, [offsets[i] for i in kept], [extraction.special[i] for i in kept])
        sizes[(exclude_special, True)] = len(groups)
    return sizes
