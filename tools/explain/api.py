"""The explain_reduction tool: what a reduction expression does to the shapes, on the real tensors.

It is a plain typed function whose docstring becomes its JSON schema (first line: what it
does, for the LLM; one `Args:` entry per parameter). Arguments are JSON primitives; results are
small JSON-able dicts that name figures by path and never dump a tensor.

Indices are 0-based like `outputs.attentions[i]`; negative ones count from the end (-1 = last).
Analysis tools take an optional `text` and `model`: given, the text is extracted first (cached);
omitted, the session's latest extraction is used.
"""

from __future__ import annotations

from typing import Any

from tools.core.plumbing import resolve, result_header
from tools.explain.parse import explain_expression

__all__ = ["explain_reduction"]


def explain_reduction(expression: str, text: str | None = None, model: str | None = None) -> dict[str, Any]:
    """Explain step by step, on the real tensors, what a reduction expression does to the shapes.

    For example torch.mean(outputs.attentions[-1], dim=1)[0].detach().numpy(). Nothing is executed
    beyond a whitelist of indexing and reductions.

    Args:
        expression: A Python expression over outputs.attentions (or attentions, attention) using
            indexing, .mean/.sum/.max/.min/.softmax/.detach/.numpy/.cpu/.squeeze/.unsqueeze/.transpose/
            .permute or torch.mean/sum/max/stack.
        text: The sentence to analyse; omit to use the latest one.
        model: Model alias, Hugging Face id or local directory; omit to use the current one.
    """
    extraction, notes = resolve(text, model)
    steps = explain_expression(expression, extraction)
    final_shape = steps[-1].shape_after if steps else None
    return {
        **result_header(extraction, None),
        "expression": expression,
        "steps": [{"number": number, **step.as_dict()} for number, step in enumerate(steps, start=1)],
        "final_shape": final_shape,
        "final_is_number": final_shape == [],  # a 0-d tensor; final_shape None: no tensor at all (e.g. a .shape)
        "notes": notes,
    }
