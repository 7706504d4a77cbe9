"""The generation_attention tool: let a causal model write, and show where each new token looked.

The engine is tools/generation/engine.py (maps: (generated, heads, key), NaN where a key did not exist
yet), the figure tools/generation/plots.py, the reproducing script tools/generation/codegen.py.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from tools.core.errors import ToolError
from tools.core.extract import CJK
from tools.core.figure_text import FigureLanguage, checked_language, figure_text
from tools.core.models import EMBEDDED, LoadedModel, english_only
from tools.core.notes import note
from tools.core.plumbing import checked_index, checked_model_name, describe_index, save_artifacts, top_tokens
from tools.core.render_pool import Drawing
from tools.core.session import current_session
from tools.core.substitutes import stand_in_note
from tools.generation.codegen import generation_script
from tools.generation.engine import MAX_NEW_TOKENS, Generation, generate_with_attention
from tools.generation.plots import generation_figure

__all__ = ["generation_attention"]

DEFAULT_DECODER = "gemma-270m"


def generation_attention(
    prompt: str,
    max_new_tokens: int = 10,
    layer: int = -1,
    head: int | None = None,
    model: str | None = None,
    language: FigureLanguage = "en",
) -> dict[str, Any]:
    """Let a causal model continue a prompt (greedy decoding) and show where each new token's step looked.

    For every generated token: the attention of the step that produced it over all tokens before it
    (the prompt and the tokens generated so far), as a heatmap with one row per generated token.

    Args:
        prompt: The text the model continues.
        max_new_tokens: How many tokens to generate at most (1..50); generation stops earlier at the end-of-text token.
        layer: Layer index, 0-based; -1 is the last layer.
        head: Head index, 0-based; omit to average over all heads.
        model: A causal (decoder) model: alias, Hugging Face id or local directory; omit to use the current
            model if it is a decoder, else gemma-270m.
        language: The learner's language, "en" or "ja": the figure's title and axis names use it.
    """
    language = checked_language(language)
    if not isinstance(prompt, str) or not prompt.strip():
        raise ToolError(f"prompt must be a non-empty text for the model to continue, e.g. '今日は', not {prompt!r}")
    if isinstance(max_new_tokens, bool) or not isinstance(max_new_tokens, int) or not 1 <= max_new_tokens <= 50:
        raise ToolError(
            f"max_new_tokens must be an integer from 1 to {MAX_NEW_TOKENS}, not {max_new_tokens!r}: "
            "e.g. 10 (each token is one more forward step)"
        )
    notes: list[dict[str, Any]] = []
    loaded = _decoder(model, prompt, notes)
    index = checked_index(layer, loaded.num_layers, "layer", loaded.name, "layers")
    head_index = None if head is None else checked_index(head, loaded.num_heads, "head", loaded.name, "heads")
    session = current_session()
    generation = generate_with_attention(
        loaded, prompt, max_new_tokens, index, session.max_tokens, session.max_attention_mb, session.progress
    )
    maps = generation.maps  # (generated, heads, key)
    matrix = maps.mean(dim=1) if head_index is None else maps[:, head_index]  # (generated, key), NaN kept
    values = matrix.numpy()
    where = f"{loaded.name} · {figure_text('layer', language, index=describe_index(layer, index))}"
    heads = figure_text("mean_of_heads", language, count=loaded.num_heads) if head_index is None else \
        figure_text("head", language, index=head_index)
    title = f"{where} · {heads}\n{figure_text('generation_steps', language, count=len(generation.generated_ids))}"
    _notes(generation, notes)
    figure = Drawing.of(
        generation_figure,
        values, generation.generated_tokens, generation.key_tokens, len(generation.prompt_ids), title, language
    )
    code = generation_script(
        loaded, prompt, prompt + generation.generated_text, max_new_tokens, title.replace("\n", "; "), layer,
        head_index, language,
    )
    saved = save_artifacts(
        figure,
        "generation",
        generation.generated_tokens,
        generation.key_tokens,
        values,
        code,
        corner="generated\\key",
    )
    steps = _steps(generation, values)
    return {
        **loaded.names(),  # model, requested_model, substituted
        "architecture": loaded.architecture,
        "prompt": prompt,
        "prompt_tokens": generation.prompt_tokens,
        "generated_tokens": generation.generated_tokens,
        "generated_text": generation.generated_text,
        "stopped": "eos" if generation.stopped_at_eos else "max_new_tokens",
        "stop_reason": "eos" if generation.stopped_at_eos else "length",
        "decoding": "greedy: the most likely token at every step (deterministic)",
        "layer": index,
        "head": head_index,
        "aggregation": "mean over heads" if head_index is None else "one head",
        "title": title,
        "shape": list(values.shape),
        "layout": "outputs.attentions[step][layer] is (batch, heads, query, key): step 0 covers the whole "
        "prompt (query = prompt tokens), each later step only the newest token (query = 1) over every key so far",
        "step_shapes": generation.step_shapes,
        "steps": steps,
        "mean_prompt_share": round(float(np.mean([step["prompt_share"] for step in steps])), 4),
        **saved,
        "notes": notes,
    }


def _decoder(model: str | None, prompt: str, notes: list[dict[str, Any]]) -> LoadedModel:
    """The model to generate with: the one named, else the current one if causal (and, for a Japanese
    prompt, if it reads Japanese), else gemma-270m."""
    session = current_session()
    if model is None:
        name = session.model_name
        spec = EMBEDDED.get(name)
        if spec is not None and spec.architecture != "decoder":
            notes.append(note("encoder_replaced", model=name, used=DEFAULT_DECODER))
            name = DEFAULT_DECODER
        elif english_only(name) and CJK.search(prompt):
            notes.append(note("japanese_with_gemma", model=DEFAULT_DECODER, current=name))
            name = DEFAULT_DECODER
    else:
        name = checked_model_name(model)
    loaded = session.model(name, text=prompt)
    stood_in = stand_in_note(loaded)
    if stood_in is not None:
        notes.append(stood_in)
    if loaded.architecture != "decoder":
        if model is None:  # a current model given by path or hub id that turned out to be an encoder
            notes.append(note("encoder_replaced", model=loaded.name, used=DEFAULT_DECODER))
            return session.model(DEFAULT_DECODER, text=prompt)
        raise ToolError(
            f"{loaded.name} is an encoder (BERT-style): it reads a whole text at once and cannot generate. "
            f"Use a causal (decoder) model, e.g. model='{DEFAULT_DECODER}', or omit model", fix="model"
        )
    return loaded


def _steps(generation: Generation, values: np.ndarray) -> list[dict[str, Any]]:
    """Per generated token: the query that produced it, its top keys, and its prompt vs generated share."""
    prompt_len = len(generation.prompt_ids)
    keys = generation.key_tokens
    rows = []
    for step, token in enumerate(generation.generated_tokens):
        existing = prompt_len + step
        row = values[step, :existing]  # (key,) over the keys that existed
        rows.append(
            {
                "step": step,
                "token": token,
                "query": keys[existing - 1],  # the token whose output predicted this one
                "keys": existing,
                "top": top_tokens(keys[:existing], row),
                "prompt_share": round(float(row[:prompt_len].sum()), 4),
                "generated_share": round(float(row[prompt_len:].sum()), 4),
            }
        )
    return rows


def _notes(generation: Generation, notes: list[dict[str, Any]]) -> None:
    if generation.stopped_at_eos:
        notes.append(note("stopped_at_eos", count=len(generation.generated_ids)))
    if generation.sliding_window is not None:
        notes.append(note("sliding_window", layer=generation.layer, window=generation.sliding_window))
    notes.append(note("row_is_step"))
    if torch.isnan(generation.maps).any():
        notes.append(note("grey_cells"))
