"""The basic tools: the models available, loading one, running it on a text and reading its numbers.

Each is a plain typed function whose docstring becomes its JSON schema (first line: what it
does, for the LLM; one `Args:` entry per parameter). Arguments are JSON primitives; results are
small JSON-able dicts that name figures by path and never dump a tensor.

Indices are 0-based like `outputs.attentions[i]`; negative ones count from the end (-1 = last).
Analysis tools take an optional `text` and `model`: given, the text is extracted first (cached);
omitted, the session's latest extraction is used.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from tools.core import codegen
from tools.core.errors import ToolError
from tools.core.gguf_cache import GGUF_MODELS, is_converted
from tools.core.models import EMBEDDED, ModelSpec, cached_models, is_loaded
from tools.core.plumbing import checked_model_name, layer_view, resolve, result_header, save_script
from tools.core.session import current_session
from tools.core.substitutes import stand_in_note

__all__ = ["list_models", "load_model", "extract_attention", "inspect_attention"]

FULL_MATRIX_MAX_TOKENS = 32  # inspect_attention returns the whole matrix only up to this size
ROW_SUM_TOLERANCE = 1e-3  # inspect_attention's rows "sum to 1" within this (its sums are rounded to 6 digits)


def list_models() -> dict[str, Any]:
    """List the attention models available here: the embedded ones and those in the local Hugging Face cache."""
    session = current_session()
    embedded = [_embedded_entry(spec, _first_load_seconds(spec.alias, session.cache_dir)) for spec in EMBEDDED.values()]
    return {
        "current": session.model_name,
        "embedded": embedded,
        "loaded_models": [entry["alias"] for entry in embedded if entry["loaded"]],
        "slow_first_loads": [
            {"alias": entry["alias"], "first_load_seconds": entry["first_load_seconds"]}
            for entry in embedded
            if entry["first_load_seconds"] is not None
        ],
        "cached": cached_models(),
    }


def _first_load_seconds(alias: str, cache_dir: Path) -> int | None:
    """About how long the model's next load takes when it converts a GGUF first; None when it is fast."""
    gguf = GGUF_MODELS.get(alias)
    return None if gguf is None or is_converted(alias, cache_dir) else gguf.convert_seconds


def _embedded_entry(spec: ModelSpec, seconds: int | None) -> dict[str, Any]:
    """One embedded model for list_models; `seconds`: its first load's conversion (None: fast)."""
    return {
        "alias": spec.alias,
        "hf_id": spec.hf_id,
        "architecture": spec.architecture,
        "num_layers": spec.num_layers,
        "num_heads": spec.num_heads,
        "languages": list(spec.languages),
        "note": spec.note,
        "note_ja": spec.note_ja,
        "loaded": is_loaded(spec.alias),
        "first_load": "fast" if seconds is None else f"slow (converted once, ~{seconds} s)",
        "first_load_seconds": seconds,  # None: fast
    }


def load_model(model: str, strict: bool = False) -> dict[str, Any]:
    """Load an attention model and make it the session's current model.

    A Hugging Face model that is neither cached here nor downloadable (no network) is replaced by the
    nearest embedded model, and the result says so (`requested_model`, `model` and a note).

    Args:
        model: An embedded alias ("minilm" for English BERT, "gemma-270m" for Japanese and other
            languages, "smollm2-135m" for a Llama-style English chat model), a Hugging Face id, or a local
            model directory.
        strict: True when the learner wants this exact model and no stand-in: fail instead.
    """
    session = current_session()
    if not isinstance(strict, bool):
        raise ToolError(f"strict must be true or false, not {strict!r}")
    loaded = session.model(checked_model_name(model), strict=strict)
    session.model_name = loaded.requested or loaded.name
    stood_in = stand_in_note(loaded)
    return {**loaded.summary(), **save_script("load", codegen.load_script(loaded)),
            "notes": [stood_in] if stood_in else []}


def extract_attention(text: str, model: str | None = None) -> dict[str, Any]:
    """Run the model on a text and report its tokens, the shape of the attention tensors and sanity checks.

    Args:
        text: The sentence to analyse.
        model: Model alias, Hugging Face id or local directory; default: the session's current model.
    """
    extraction, notes = resolve(text, model)
    summary = extraction.summary()
    checks = summary["checks"]
    causal = checks["expected_causal"]
    return {
        **summary,
        **extraction.model.names(),  # model, requested_model, substituted
        # the checks again at the top, as flags an answer template can test
        "rows_sum_to_one": checks["rows_sum_to_one"],
        "expected_causal": causal,
        "causal_mask_holds": causal and checks["causal_mask"],
        "causal_mask_broken": causal and not checks["causal_mask"],
        **save_script("extract", codegen.extraction_script(extraction.model, extraction.text,
                                                            current_session().max_tokens)),
        "notes": notes,
    }


def inspect_attention(
    layer: int = -1, head: int | None = None, text: str | None = None, model: str | None = None
) -> dict[str, Any]:
    """Show the attention numbers of one layer: the matrix, its row sums and the most attended tokens per query.

    Args:
        layer: Layer index, 0-based; -1 is the last layer.
        head: Head index, 0-based; omit to average over all heads.
        text: The sentence to analyse; omit to use the latest one.
        model: Model alias, Hugging Face id or local directory; omit to use the current one.
    """
    extraction, notes = resolve(text, model, layers=(layer,))
    view = layer_view(extraction, layer, head)
    matrix = view.matrix.numpy()
    top = [
        {
            "query": extraction.tokens[q],
            "top": [
                {"key": extraction.tokens[k], "index": int(k), "weight": round(float(matrix[q, k]), 4)}
                for k in np.argsort(-matrix[q])[:3]
            ],
        }
        for q in range(extraction.seq_len)
    ]
    row_sums = [round(float(s), 6) for s in matrix.sum(axis=1)]  # (query,)
    result: dict[str, Any] = {
        **result_header(extraction, view),
        "row_sums": row_sums,
        "row_sum_min": min(row_sums),
        "row_sum_max": max(row_sums),
        "rows_sum_to_one": all(abs(s - 1) <= ROW_SUM_TOLERANCE for s in row_sums),
        "top_per_query": top,
        "notes": notes,
    }
    if extraction.seq_len <= FULL_MATRIX_MAX_TOKENS:
        result["matrix"] = np.round(matrix, 4).tolist()
    else:
        result["matrix_omitted"] = (
            f"{extraction.seq_len} tokens: the full matrix is in a heatmap's CSV instead "
            "(pooled into blocks above 64 tokens; a line chart from one query keeps every token)"
        )
    return result
