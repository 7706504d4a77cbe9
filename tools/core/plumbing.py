"""What every tool does before and after its own work, shared by every family's api.py.

resolve             the extraction to analyse (text/model given, or the session's latest), with notes
                    (tools/core/notes.py);
                    every layer when they fit under the memory limit, else only the layers asked for
layer_view          one layer's (query, key) map: one head or the mean over heads
checked_index       a layer/head index checked against its range, negatives from the end
token_position      a token given as a 0-based position or as its text
result_header       the fields every result starts with
top_tokens          the most weighted tokens of a (key,) vector
save_artifacts      PNG + SVG + CSV + script of a figure (a Drawing), written under the session's artifacts
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import torch

from tools.core import plots
from tools.core.errors import LimitError, NoTextError, RangeError, TokenError, ToolError, out_of_range
from tools.core.extract import CJK, Extraction, attention_megabytes, extract
from tools.core.figure_text import FigureLanguage, figure_text
from tools.core.models import LoadedModel, english_only
from tools.core.notes import note
from tools.core.render_pool import Drawing, render
from tools.core.session import current_session
from tools.core.substitutes import stand_in_note

__all__ = [
    "View",
    "layer_view",
    "describe_index",
    "checked_index",
    "token_position",
    "result_header",
    "top_tokens",
    "save_artifacts",
    "checked_model_name",
    "resolve",
]


@dataclass(frozen=True)
class View:
    layer: int  # non-negative
    head: int | None  # non-negative, None = mean over heads
    matrix: torch.Tensor  # (query, key)
    title: str


def layer_view(extraction: Extraction, layer: object, head: object, language: FigureLanguage = "en") -> View:
    """One layer's (query, key) map, one head or the mean over heads, titled in `language`."""
    loaded = extraction.model
    index = checked_index(layer, loaded.num_layers, "layer", loaded.name, "layers")
    maps = extraction.layer(index)  # (heads, query, key)
    where = f"{loaded.name} · {figure_text('layer', language, index=describe_index(layer, index))}"
    if head is None:
        mean = figure_text("mean_of_heads", language, count=loaded.num_heads)
        return View(index, None, maps.mean(dim=0), f"{where} · {mean}")  # (query, key)
    head_index = checked_index(head, loaded.num_heads, "head", loaded.name, "heads")
    return View(index, head_index, maps[head_index], f"{where} · {figure_text('head', language, index=head_index)}")


def describe_index(given: object, index: int) -> str:
    return f"{index} (= {given})" if given != index else str(index)


def checked_index(value: object, count: int, what: str, model_name: str, plural: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise RangeError(f"{what} must be an integer, not {value!r}: use 0..{count - 1}, or -1 for the last")
    if not -count <= value < count:
        raise out_of_range(what, value, model_name, count, plural)
    return value % count


def token_position(value: object, labels: list[str], what: str) -> int:
    """A token given as a 0-based position or as its text (first match, case-insensitive; Japanese text also
    matches the first token it begins, since tokenizers keep particles with words, or the first piece of a word
    the tokenizer cut in several)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return checked_index(value, len(labels), what, "this text", "tokens")
    if isinstance(value, str):
        wanted = value.strip().lower()
        for position, label in enumerate(labels):
            if label.lower() == wanted:
                return position
        if wanted and not wanted.isascii():  # 「自分」 where the tokenizer kept the particle: the token 「自分の」
            for position, label in enumerate(labels):
                if label.lower().lstrip("▁ ").startswith(wanted):
                    return position
            for position in range(len(labels)):  # 「待って」 cut into 「待」「っていた」: the piece it begins with
                pieces = "".join(label.lower().lstrip("▁ ") for label in labels[position:position + len(wanted)])
                if labels[position].strip("▁ ") and pieces.startswith(wanted):
                    return position
        if wanted.lstrip("-").isdigit():
            return checked_index(int(wanted), len(labels), what, "this text", "tokens")
        raise TokenError(f"{what} token {value!r} is not in the text; its tokens are: {', '.join(labels)}")
    raise ToolError(f"{what} must be a token position (integer) or a token's text, not {value!r}")


def result_header(extraction: Extraction, view: View | None) -> dict[str, Any]:
    header: dict[str, Any] = {
        **extraction.model.names(),  # model, requested_model, substituted
        "architecture": extraction.model.architecture,
        "text": extraction.text,
        "tokens": extraction.tokens,
        "shape": extraction.layer_shape,
    }
    if view is not None:
        aggregation = "mean over heads" if view.head is None else "one head"
        header.update(layer=view.layer, head=view.head, aggregation=aggregation)
    return header


def top_tokens(labels: list[str], values: np.ndarray, count: int = 3) -> list[dict[str, Any]]:
    return [
        {"token": labels[i], "index": int(i), "weight": round(float(values[i]), 4)}
        for i in np.argsort(-values, kind="stable")[:count]
    ]


def save_artifacts(
    drawing: Drawing,
    kind: str,
    row_labels: list[str],
    column_labels: list[str],
    values: np.ndarray,
    code: str,
    corner: str = "",
) -> dict[str, Any]:
    """The figure as PNG and SVG (drawn in a worker process when the app runs a pool,
    tools/core/render_pool.py), `values` as CSV (NaN cells empty), the script beside them."""
    session = current_session()
    stem = session.artifact_stem(kind)
    png, svg = render(drawing, stem, session.progress)
    csv_path = plots.write_matrix_csv(stem.with_suffix(".csv"), row_labels, column_labels, values, corner)
    code_path = stem.with_suffix(".py")
    code_path.write_text(code, encoding="utf-8")
    return {
        "artifacts": {"png": str(png), "svg": str(svg), "csv": str(csv_path), "code": str(code_path)},
        "code": code,
    }


def save_script(kind: str, code: str) -> dict[str, Any]:
    """A step's standalone script (no figure), saved beside the session's figures."""
    path = current_session().artifact_stem(kind).with_suffix(".py")
    path.write_text(code, encoding="utf-8")
    return {"artifacts": {"code": str(path)}, "code": code}


def checked_model_name(model: object) -> str:
    if not isinstance(model, str) or not model.strip():
        raise ToolError(f"model must be a non-empty string such as 'minilm' or 'gemma-270m', not {model!r}",
                        fix="model")
    return model.strip()


def resolve(
    text: str | None, model: str | None, layers: Sequence[object] | None = None, chooses_model: bool = True
) -> tuple[Extraction, list[dict[str, Any]]]:
    """The extraction to analyse, and notes (tools/core/notes.py) about choices made on the learner's behalf.

    `layers` are the layers the caller will read (0-based, negatives from the end); None means all.
    Every layer is kept whenever the whole stack fits under the session's max_attention_mb, so that
    follow-up questions on the same text reuse it; only when it does not are just `layers` kept.

    A `model` named here becomes the session's current model, as the learner's choice, unless
    `chooses_model` is False (a comparison names its models for itself only). A hub model this
    machine cannot get is analysed by its embedded stand-in (tools/core/substitutes.py): the
    extraction's model says so (`requested`), the first note says why and what differs, and the
    name asked for stays the current model, so a follow-up is told again.
    """
    session = current_session()
    notes: list[dict[str, Any]] = []
    if text is None:
        if session.latest is None:
            raise NoTextError("no text has been analysed yet: pass `text`, e.g. 'I love natural language processing!'")
        text = session.latest.text
    if not isinstance(text, str):
        raise ToolError(f"text must be a string, not {text!r}")
    name = checked_model_name(model) if model is not None else session.model_name
    if model is None and english_only(name) and CJK.search(text):
        notes.append(note("japanese_with_gemma", model="gemma-270m", current=name))
        name = "gemma-270m"
    loaded = session.model(name, text=text)
    stood_in = stand_in_note(loaded)
    if stood_in is not None:
        notes.append(stood_in)
    wanted = None
    if layers is not None and all(_is_layer(layer, loaded.num_layers) for layer in layers):
        wanted = tuple(sorted({layer % loaded.num_layers for layer in layers}))  # type: ignore[operator]
    # a bad layer is reported by the tool after the text is extracted and remembered for the follow-up
    extraction = session.recall(loaded.name, text, wanted)
    if extraction is None:
        extraction = _extract_what_fits(loaded, text, wanted, notes)
    if extraction.model is not loaded:  # the same weights, recalled or extracted for another name
        extraction = replace(extraction, model=loaded)
    session.remember(extraction)
    if model is not None and chooses_model:
        session.model_name = loaded.requested or loaded.name
    notes.extend(extraction.warnings)
    return extraction, notes


def _is_layer(value: object, count: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and -count <= value < count


def _extract_what_fits(
    loaded: LoadedModel, text: str, wanted: tuple[int, ...] | None, notes: list[dict[str, Any]]
) -> Extraction:
    session = current_session()
    limits = (session.max_tokens, session.max_attention_mb, session.progress)
    try:
        return extract(loaded, text, *limits)
    except LimitError:
        if wanted is None:
            raise
        extraction = extract(loaded, text, *limits, layers=wanted)
        needed = attention_megabytes(loaded, extraction.seq_len)
        notes.append(note(
            "kept_layers_only", num_layers=loaded.num_layers, tokens=extraction.seq_len, needed_mb=needed,
            limit_mb=float(session.max_attention_mb), layers=list(wanted),
        ))
        return extraction
