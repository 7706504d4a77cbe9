"""plot_matrix_lines: what `plt.plot(attention)` draws from a (query, key) matrix, beside the line that was meant.

The article this app follows drew its attention with `plt.plot(attention)` on the 2-D matrix.
matplotlib draws one line per *column* of a 2-D array, so an 8-token sentence gives 8 lines: line j
is key j's column, the attention key j receives from each query, plotted against the query
position. What the author wanted, where one token looks, is one *row*: `plt.plot(attention[i])`,
plotted against the key position, summing to 1. This tool draws both, side by side, from the same
matrix, and returns the numbers that tie them together: the row's highest point is also a point of
one of the many lines (the weight of query i on key j is line j at x = i).

Shapes: the matrix is (query, key); the left panel holds `key` lines of `query` points each
(matrix[:, j]), the right panel one line of `key` points (matrix[i, :]).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib import colormaps
from matplotlib.figure import Figure

from tools.core import codegen, plots
from tools.core.extract import Extraction
from tools.core.figure_text import FigureLanguage, checked_language, figure_template, figure_text
from tools.core.plumbing import result_header, save_artifacts, token_position, top_tokens
from tools.core.render_pool import Drawing
from tools.core.session import current_session
from tools.core.sink import sink_fields
from tools.views.api import shown_layer

__all__ = ["plot_matrix_lines", "matrix_lines_figure", "MAX_LEGEND"]

MAX_LEGEND = 20  # lines named in a legend; beyond, values.csv names them
MANY_COLOURS = colormaps["tab20"].colors  # matplotlib's own cycle repeats after 10 colours


def plot_matrix_lines(
    layer: int = -1,
    head: int | None = None,
    query: int | str | None = None,
    exclude_special: bool = False,
    text: str | None = None,
    model: str | None = None,
    language: FigureLanguage = "en",
) -> dict[str, Any]:
    """Draw what `plt.plot(attention)` draws from a 2-D matrix (a line per key column) beside one query's row.

    The left panel is the article's chart: matplotlib draws each column of a 2-D array as a line, so
    every key token gets a line plotted over the query positions. The right panel is the line that was
    meant: one query token's row, over the key tokens, summing to 1. Writes PNG, SVG and CSV (one row
    per line drawn) and returns a script that reproduces both panels.

    Args:
        layer: Layer index, 0-based; -1 is the last layer.
        head: Head index, 0-based; omit to average over all heads.
        query: The query token of the single line, as a 0-based position or the token's text; omit for
            the first token that is not a special token.
        exclude_special: Drop special tokens such as [CLS], [SEP] and <bos>, and renormalize each row to sum to 1.
        text: The sentence to analyse; omit to use the latest one.
        model: Model alias, Hugging Face id or local directory; omit to use the current one.
        language: The learner's language, "en" or "ja": the titles, axis names and line names use it.
    """
    language = checked_language(language)
    extraction, notes, view, matrix, labels, kept, title = shown_layer(text, model, layer, head, exclude_special,
                                                                       language)
    values = matrix.numpy()  # (query, key)
    position = _query_position(query, labels, [extraction.special[i] for i in kept])
    line_names = [figure_text("column_line", language, position=j, token=token) for j, token in enumerate(labels)]
    row_name = figure_text("row_panel", language, position=position, token=labels[position])
    figure = Drawing.of(matrix_lines_figure, values, labels, position, line_names, title, language)
    code = _script(extraction, title.replace("\n", "; "), layer, view.head, position, exclude_special, language)
    row = values[position]  # (key,): where the query looks
    key = int(np.argmax(row))
    columns = values.sum(axis=0)  # (key,): a column sums over the queries, to no fixed total
    lines = np.vstack([values.T, row[None, :]])  # (key + 1, position): each line drawn, as plotted
    return {
        **result_header(extraction, view),
        "title": title,
        "plotted_tokens": labels,
        "line_count": len(labels),
        "lines": line_names,
        "query_position": position,
        "query_token": labels[position],
        "row": [round(float(v), 4) for v in row],
        "row_sum": round(float(row.sum()), 4),
        "min_column_sum": round(float(columns.min()), 4),
        "max_column_sum": round(float(columns.max()), 4),
        "shared_point": {"query": labels[position], "key": labels[key], "key_position": key,
                         "weight": round(float(row[key]), 4)},
        "top": top_tokens(labels, row),
        **sink_fields(extraction, view.matrix[kept[position]], exclude_special),
        **save_artifacts(figure, "matrix_lines", [*line_names, row_name], labels, lines, code,
                         corner=figure_text("csv_corner", language)),
        "notes": notes,
    }


def _query_position(query: int | str | None, labels: list[str], special: list[bool]) -> int:
    """The query of the single line: the one asked for, else the first token that is not special."""
    if query is not None:
        return token_position(query, labels, "query")
    return next((i for i, flag in enumerate(special) if not flag), 0)


def matrix_lines_figure(
    matrix: np.ndarray,
    labels: list[str],
    query: int,
    line_names: list[str],
    title: str,
    language: FigureLanguage = "en",
) -> Figure:
    """Left: `plt.plot(matrix)`, one line per column over the row index. Right: `plt.plot(matrix[query])`.

    `matrix` is (query, key) with the same tokens on both axes; `line_names` name the columns' lines.
    """
    count = len(labels)
    family = plots.font_family()
    width = float(np.clip(0.55 * count + 8, 11, 22))
    fig = Figure(figsize=(width, 5.6), layout="constrained")
    left, right = fig.subplots(1, 2, sharey=True)
    if count > 10:  # matplotlib's own cycle repeats after 10 colours: 20 distinct ones keep the legend readable
        left.set_prop_cycle(color=MANY_COLOURS)
    positions = np.arange(count)
    for column, name in enumerate(line_names):
        left.plot(positions, matrix[:, column], marker="o", markersize=3, linewidth=1.2, label=name)  # (query,)
    if count <= MAX_LEGEND:
        left.legend(prop={"family": family, "size": 8}, ncols=2 if count > 10 else 1, loc="best")
        left_title = figure_text("columns_panel", language, count=count)
    else:
        left_title = figure_text("columns_panel", language, count=count) + "\n" + figure_text(
            "legend_left_out", language, count=count)
    left.set_title(left_title, family=family, fontsize=10)
    left.set_xlabel(figure_text("query_position_axis", language), family=family)
    left.set_ylabel(figure_text("weight", language), family=family)
    right.plot(positions, matrix[query], marker="o", markersize=4, color="black")  # (key,)
    key = int(np.argmax(matrix[query]))
    shared = f"attention[{query}, {key}] = {matrix[query, key]:.2f}"  # one number, on both panels
    for ax, x in ((left, query), (right, key)):
        ax.plot([x], [matrix[query, key]], marker="o", markersize=11, markerfacecolor="none", color="red")
        ax.annotate(shared, (x, matrix[query, key]), xytext=(8, 8), textcoords="offset points", color="red",
                    fontsize=9)
    right.set_title(figure_text("row_panel", language, position=query, token=labels[query]), family=family,
                    fontsize=10)
    right.set_xlabel(figure_text("key_position_axis", language), family=family)
    for ax in (left, right):
        plots._set_ticks(ax, labels, "x")
        ax.set_xlim(-0.5, count - 0.5)
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
    fig.suptitle(title, family=family, fontsize=plots.TITLE_SIZE)
    return fig


def _script(
    extraction: Extraction,
    title: str,
    layer: int,
    head: int | None,
    query: int,
    exclude_special: bool,
    language: FigureLanguage,
) -> str:
    """A standalone script: the article's `plt.plot(values)` beside `plt.plot(values[query])`, and values.csv."""
    body = codegen._prelude(extraction.model, extraction.text, current_session().max_tokens, title)
    body += codegen._selection(layer, head)
    if exclude_special:
        body += codegen._EXCLUDE_SPECIAL
    words = {key: figure_text(key, language) for key in ("query_position_axis", "key_position_axis", "weight",
                                                         "csv_corner")}
    line_name, right_title = figure_template("column_line", language), figure_template("row_panel", language)
    left_title = f"{figure_template('columns_panel', language)!r}.format(count=len(tokens))"
    left_out = f"{figure_template('legend_left_out', language)!r}.format(count=len(tokens))"
    body += f"""
values = matrix.numpy()  # (query, key)
QUERY = {query}  # the query token of the single line
names = [{line_name!r}.format(position=j, token=token) for j, token in enumerate(tokens)]
row_name = {right_title!r}.format(position=QUERY, token=tokens[QUERY])

fig, (left, right) = plt.subplots(1, 2, sharey=True, figsize=(max(11, min(22, 0.55 * len(tokens) + 8)), 5.6),
                                  layout="constrained")
if len(tokens) > 10:
    left.set_prop_cycle(color=plt.cm.tab20.colors)
# what the article did: a 2-D array draws one line per COLUMN, so each key token gets a line,
# plotted against the row index, which is the query token
left.plot(values, marker="o", markersize=3, linewidth=1.2, label=names)
if len(tokens) <= {MAX_LEGEND}:
    left.legend(fontsize=8, ncols=2 if len(tokens) > 10 else 1, loc="best")
    left.set_title({left_title}, fontsize=10)
else:
    left.set_title({left_title} + "\\n" + {left_out}, fontsize=10)
left.set_xlabel({words["query_position_axis"]!r})
left.set_ylabel({words["weight"]!r})
# what was meant: one query's row, where that token looks; it sums to 1
right.plot(values[QUERY], marker="o", markersize=4, color="black")
right.set_title(row_name, fontsize=10)
right.set_xlabel({words["key_position_axis"]!r})
for ax in (left, right):
    ax.set_xticks(range(len(tokens)), tokens, rotation=60, ha="right")
    ax.set_xlim(-0.5, len(tokens) - 0.5)
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
KEY = int(values[QUERY].argmax())  # the row's highest point is a point of the key's line on the left too
for ax, x in ((left, QUERY), (right, KEY)):
    ax.plot([x], [values[QUERY, KEY]], marker="o", markersize=11, markerfacecolor="none", color="red")
    ax.annotate(f"attention[{{QUERY}}, {{KEY}}] = {{values[QUERY, KEY]:.2f}}", (x, values[QUERY, KEY]),
                xytext=(8, 8), textcoords="offset points", color="red", fontsize=9)
fig.suptitle({title!r})
fig.savefig("matrix_lines.png", dpi=110)
""" + codegen._WRITE_CSV + f"""    writer.writerow([{words["csv_corner"]!r}, *tokens])
    for name, line in zip([*names, row_name], [*values.T, values[QUERY]]):  # each line drawn, as plotted
        writer.writerow([name, *(f"{{value:.6g}}" for value in line)])
"""
    return body

