"""The view tools: one layer drawn as a heatmap, a line chart or a grid of its heads.

Each is a plain typed function whose docstring becomes its JSON schema (first line: what it
does, for the LLM; one `Args:` entry per parameter). Arguments are JSON primitives; results are
small JSON-able dicts that name figures by path and never dump a tensor.

Indices are 0-based like `outputs.attentions[i]`; negative ones count from the end (-1 = last).
Analysis tools take an optional `text` and `model`: given, the text is extracted first (cached);
omitted, the session's latest extraction is used.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import torch

from tools.core import codegen, plots
from tools.core.color_scale import ColorScale
from tools.core.errors import ToolError
from tools.core.extract import Extraction
from tools.core.figure_text import FigureLanguage, checked_language, figure_text
from tools.core.notes import note
from tools.core.plumbing import (
    View,
    checked_index,
    describe_index,
    layer_view,
    resolve,
    result_header,
    save_artifacts,
    token_position,
    top_tokens,
)
from tools.core.pooling import pool_blocks
from tools.core.render_pool import Drawing
from tools.core.session import current_session
from tools.core.sink import sink_fields
from tools.core.words import WORD_AGGREGATION, words_of

__all__ = ["plot_heatmap", "plot_line", "plot_heads"]


class ShownLayer(NamedTuple):
    """One layer's (query, key) map as a view shows it: the tokens kept, and a title that says which."""

    extraction: Extraction
    notes: list[dict[str, Any]]  # choices made on the learner's behalf (tools/core/notes.py)
    view: View  # the layer and head as extracted, special tokens still in
    matrix: torch.Tensor  # (query, key) as shown, rows sum to 1
    labels: list[str]  # one per row and column
    kept: list[int]  # the token positions shown
    title: str


def shown_layer(text: str | None, model: str | None, layer: int, head: int | None, exclude_special: bool,
                language: FigureLanguage) -> ShownLayer:
    """The map every single-layer view starts from (heatmap, line, plt.plot's lines, 3D)."""
    extraction, notes = resolve(text, model, layers=(layer,))
    view = layer_view(extraction, layer, head, language)
    matrix, labels, title = view.matrix, extraction.tokens, view.title
    kept = list(range(extraction.seq_len))
    if exclude_special:
        matrix, kept = without_special(extraction, matrix)
        labels = [labels[i] for i in kept]
        title += f"\n{figure_text('special_removed', language)}"
    return ShownLayer(extraction, notes, view, matrix, labels, kept, title)


def without_special(extraction: Extraction, matrix: torch.Tensor) -> tuple[torch.Tensor, list[int]]:
    """A (query, key) map without the special tokens, each row renormalized to sum to 1, and the positions kept."""
    keep = torch.tensor([not flag for flag in extraction.special])
    if not keep.any():
        raise ToolError("every token is a special token: nothing is left after exclude_special")
    matrix = matrix[keep][:, keep]
    matrix = matrix / matrix.sum(dim=-1, keepdim=True)  # (query, key), rows sum to 1 again
    return matrix, [i for i, flag in enumerate(keep.tolist()) if flag]


def merged_into_words(
    extraction: Extraction, matrix: torch.Tensor, kept: list[int]
) -> tuple[torch.Tensor, list[str], dict[str, Any]]:
    """A (query, key) map over the tokens at `kept` merged into words, the word labels and the result's word fields."""
    word_view = words_of(extraction, matrix, kept)  # (word, word)
    merged = word_view.merged_words(extraction.tokens)
    fields = {"word_aggregation": WORD_AGGREGATION, "merged_words": merged, "every_token_a_word": not merged}
    return word_view.matrix, word_view.labels, fields


def plot_heatmap(
    layer: int = -1,
    head: int | None = None,
    annotate: bool = False,
    exclude_special: bool = False,
    text: str | None = None,
    model: str | None = None,
    words: bool = False,
    color_max: float | None = None,
    language: FigureLanguage = "en",
) -> dict[str, Any]:
    """Draw the query × key attention heatmap of one layer (one head or the mean over heads).

    Writes PNG, SVG and CSV files and returns a script that reproduces the figure.

    Args:
        layer: Layer index, 0-based; -1 is the last layer.
        head: Head index, 0-based; omit to average over all heads.
        annotate: Write each weight in its cell.
        exclude_special: Drop special tokens such as [CLS], [SEP] and <bos>, and renormalize each row to sum to 1.
        text: The sentence to analyse; omit to use the latest one.
        model: Model alias, Hugging Face id or local directory; omit to use the current one.
        words: Merge subword tokens into words (attention received by a word is the sum over its
            pieces, a word's row is the mean of its pieces' rows); Japanese pieces stay as they are.
        color_max: Top of the colour scale, above 0 and at most 1; omit to scale to this map's maximum.
            Give the same value (1.0) to figures whose colours are to be compared (other layers, the heads grid).
        language: The learner's language, "en" or "ja": the title, axis names and colour-scale label use it.
    """
    language = checked_language(language)
    extraction, notes, view, matrix, labels, kept, title = shown_layer(text, model, layer, head, exclude_special,
                                                                       language)
    word_fields: dict[str, Any] = {}
    if words:
        matrix, labels, word_fields = merged_into_words(extraction, matrix, kept)
        title += f"\n{figure_text('word_level', language)}"
    if annotate and len(labels) > 40:
        notes.append(note("too_many_to_annotate", tokens=len(labels)))
    values = matrix.numpy()
    pooled = pool_blocks(values, labels, labels)  # (blocks, blocks); unchanged up to 64 tokens
    if pooled.pooled:
        values, labels = pooled.matrix, pooled.query_labels
        title += f"\n{figure_text('pooled_blocks', language, size=pooled.query_block)}"
        notes.append(pooled.note)
    scale = ColorScale.of(values, color_max)
    figure = Drawing.of(
        plots.heatmap_figure, values, labels, labels, title, annotate=annotate and len(labels) <= 40, language=language,
        scale=scale,
    )
    code = codegen.heatmap_script(
        extraction.model,
        extraction.text,
        current_session().max_tokens,
        title.replace("\n", "; "),
        layer,
        view.head,
        annotate,
        exclude_special,
        words,
        pooled.pooled,
        language,
        scale,
    )
    received = values.mean(axis=0)  # (key,): attention each token receives, averaged over queries
    return {
        **result_header(extraction, view),
        "title": title,
        **scale.fields(),
        "plotted_tokens": labels,
        **word_fields,
        **sink_fields(extraction, view.matrix, exclude_special),
        "top_received": top_tokens(labels, received),
        **save_artifacts(figure, "heatmap", labels, labels, values, code),
        "notes": notes,
    }


def plot_line(
    layer: int = -1,
    head: int | None = None,
    query: int | str | None = None,
    text: str | None = None,
    model: str | None = None,
    words: bool = False,
    exclude_special: bool = False,
    language: FigureLanguage = "en",
) -> dict[str, Any]:
    """Draw a line chart of attention over the tokens: from one query token, or received by each token on average.

    Args:
        layer: Layer index, 0-based; -1 is the last layer.
        head: Head index, 0-based; omit to average over all heads.
        query: The attending token, as a 0-based position or the token's text; omit to plot the
            attention each token receives (mean over queries).
        text: The sentence to analyse; omit to use the latest one.
        model: Model alias, Hugging Face id or local directory; omit to use the current one.
        words: Merge subword tokens into words first (a word receives the sum over its pieces, its
            row is the mean of its pieces' rows); then query is a word's position or text.
        exclude_special: Drop special tokens such as [CLS], [SEP] and <bos>, and renormalize each row to sum to 1.
        language: The learner's language, "en" or "ja": the title and axis names use it.
    """
    language = checked_language(language)
    extraction, notes, view, matrix, labels, kept, title = shown_layer(text, model, layer, head, exclude_special,
                                                                       language)
    word_fields: dict[str, Any] = {}
    if words:
        matrix, labels, word_fields = merged_into_words(extraction, matrix, kept)
        word_fields["words"] = labels
        title += f"\n{figure_text('word_level', language)}"
    position: int | None = None
    shown = view.matrix  # (query, key), special tokens still in: what the sink note measures
    if query is None:
        series = matrix.mean(dim=0).numpy()  # (key,): mean over the queries
        name = figure_text("received_series", language)
        ylabel = figure_text("received_axis", language)
        if extraction.model.architecture == "decoder":
            notes.append(note("causal_received"))
    else:
        position = token_position(query, labels, "query")
        series = matrix[position].numpy()  # (key,): one row
        if not words:
            shown = view.matrix[kept[position]]  # (key,)
        name = figure_text("from_query_series", language, position=position, token=labels[position])
        ylabel = figure_text("from_query_axis", language, token=labels[position])
    title += f"\n{name}"
    figure = Drawing.of(plots.line_figure, {name: series}, labels, title, ylabel, figure_text("token_axis", language))
    code = codegen.line_script(
        extraction.model,
        extraction.text,
        current_session().max_tokens,
        title.replace("\n", "; "),
        layer,
        view.head,
        position,
        name,
        words,
        exclude_special,
        ylabel,
        language,
    )
    return {
        **result_header(extraction, view),
        "title": title,
        "series": name,
        "query_position": position,
        "query_token": None if position is None else labels[position],
        "plotted_tokens": labels,
        **word_fields,
        "values": [round(float(v), 4) for v in series],
        **sink_fields(extraction, shown, exclude_special),
        "top": top_tokens(labels, series),
        **save_artifacts(figure, "line", [name], labels, series[None, :], code),
        "notes": notes,
    }


def plot_heads(
    layer: int = -1,
    text: str | None = None,
    model: str | None = None,
    color_max: float | None = None,
    language: FigureLanguage = "en",
) -> dict[str, Any]:
    """Draw every head of one layer as a grid of small heatmaps on one colour scale, to compare what the heads do.

    Args:
        layer: Layer index, 0-based; -1 is the last layer.
        text: The sentence to analyse; omit to use the latest one.
        model: Model alias, Hugging Face id or local directory; omit to use the current one.
        color_max: Top of the colour scale, above 0 and at most 1; omit to use the largest weight of any head.
            Give the same value (1.0) to figures whose colours are to be compared (a heatmap, other layers).
        language: The learner's language, "en" or "ja": the title, axis names and colour-scale label use it.
    """
    language = checked_language(language)
    extraction, notes = resolve(text, model, layers=(layer,))
    index = checked_index(layer, extraction.model.num_layers, "layer", extraction.model.name, "layers")
    heads = extraction.layer(index)  # (heads, query, key)
    where = figure_text("layer", language, index=describe_index(layer, index))
    title = f"{extraction.model.name} · {where} · {figure_text('all_heads', language, count=heads.shape[0])}"
    scale = ColorScale.of(heads.numpy(), color_max, maps=heads.shape[0])  # one scale for every head
    figure = Drawing.of(plots.heads_figure, heads.numpy(), extraction.tokens, title, language, scale)
    code = codegen.heads_script(
        extraction.model, extraction.text, current_session().max_tokens, title, layer, language, scale
    )
    seq_len = extraction.seq_len
    row_labels = [f"{head}:{token}" for head in range(heads.shape[0]) for token in extraction.tokens]
    stacked = heads.reshape(-1, seq_len).numpy()  # (heads * query, key)
    saved = save_artifacts(figure, "heads", row_labels, extraction.tokens, stacked, code, corner="head:query")
    diagonal = heads.diagonal(dim1=-2, dim2=-1).mean(dim=-1)  # (heads,): mean weight on self
    per_head = [round(float(v), 4) for v in diagonal]
    most = max(range(len(per_head)), key=per_head.__getitem__)
    least = min(range(len(per_head)), key=per_head.__getitem__)
    return {
        **result_header(extraction, None),
        "layer": index,
        "title": title,
        **scale.fields(),
        "self_attention_per_head": per_head,
        "most_self_attention_head": most,
        "most_self_attention": per_head[most],
        "least_self_attention_head": least,
        "least_self_attention": per_head[least],
        **sink_fields(extraction, heads, excluded=False),
        **saved,
        "notes": notes,
    }
