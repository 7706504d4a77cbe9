"""Attention while a causal model writes: greedy generation, and where each new token looked.

`model.generate(..., output_attentions=True, return_dict_in_generate=True)` returns
`outputs.attentions[step][layer]` of shape (batch, heads, query, key): step 0 covers the whole prompt
(query = prompt tokens), each later step only the newest token (query = 1) over every key so far
(the KV cache holds the rest). Generated token t is produced by step t, whose last query row is

    row t: (heads, key) over keys 0 .. prompt + t - 1   (every token before generated token t)

These rows are ragged; we store one layer as

    maps: (generated, heads, key)   key = prompt + generated - 1, NaN where the key did not exist yet

The same row is what a single forward pass over prompt + generated gives at query prompt + t - 1
(the tests check this to 1e-4). On a GPU the prompt goes to the model's device and each step's row
comes back to the CPU as float32 (`maps` is CPU float32 whatever the model's placement).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

from tools.core.errors import LimitError, ToolError
from tools.core.extract import display_tokens
from tools.core.jobs import heavy_job
from tools.core.models import LoadedModel, Progress

__all__ = ["Generation", "generate_with_attention", "generation_megabytes", "token_label", "MAX_NEW_TOKENS"]

MAX_NEW_TOKENS = 50


@dataclass(frozen=True)
class Generation:
    model: LoadedModel
    prompt: str
    prompt_ids: list[int]
    prompt_tokens: list[str]
    generated_ids: list[int]
    generated_tokens: list[str]
    generated_text: str
    stopped_at_eos: bool
    layer: int  # non-negative
    maps: torch.Tensor  # (generated, heads, key), NaN where the key did not exist yet
    step_shapes: list[list[int]]  # outputs.attentions[step][layer].shape for every step
    sliding_window: int | None  # keys seen per step when the layer's cache kept fewer than all

    @property
    def key_tokens(self) -> list[str]:
        """Every token that some generated token attends to: the prompt, then all but the last generated."""
        return self.prompt_tokens + self.generated_tokens[:-1]


def token_label(tokenizer: Any, token_id: int) -> str:
    """A generated token's label: its decoded text, or its vocabulary piece when that is a lone byte."""
    text = tokenizer.decode([token_id])
    if "\ufffd" in text:
        text = tokenizer.convert_ids_to_tokens(token_id)
    return text.strip() or "␣"


def generation_megabytes(model: LoadedModel, prompt_len: int, new_tokens: int) -> float:
    """What `generate` holds for output_attentions: every layer, prompt² for step 0, then one row per step."""
    cells = prompt_len * prompt_len + sum(prompt_len + step for step in range(1, new_tokens))
    return model.num_layers * model.num_heads * cells * 4 / 2**20


def generate_with_attention(
    model: LoadedModel,
    prompt: str,
    max_new_tokens: int,
    layer: int,
    max_tokens: int = 512,
    max_attention_mb: float = 1024.0,
    progress: Progress | None = None,
) -> Generation:
    """Greedy-decode up to `max_new_tokens` after `prompt` and keep `layer`'s attention of every step.

    Raises:
        LimitError: a prompt over max_tokens, past the model's positions, or attention over the memory limit.
    """
    encoding = model.tokenizer(prompt, return_tensors="pt", return_offsets_mapping=True)
    prompt_len = int(encoding["input_ids"].shape[1])
    _check_limits(model, prompt_len, max_new_tokens, max_tokens, max_attention_mb)
    eos = _eos_ids(model)
    with heavy_job(progress, "generation", model), torch.inference_mode():
        outputs = model.model.generate(
            input_ids=encoding["input_ids"].to(model.device),
            attention_mask=encoding["attention_mask"].to(model.device),
            max_new_tokens=max_new_tokens,
            do_sample=False,  # greedy: the argmax at every step, so the same prompt gives the same tokens
            output_attentions=True,
            return_dict_in_generate=True,
            pad_token_id=model.tokenizer.pad_token_id if model.tokenizer.pad_token_id is not None else min(eos),
            streamer=_ProgressStreamer(progress, max_new_tokens),
        )
    generated = outputs.sequences[0, prompt_len:].cpu().tolist()
    if not outputs.attentions or outputs.attentions[0][layer] is None:
        raise ToolError(f"{model.name} returned no attention weights during generation; load it with eager attention")
    steps = [step[layer][0].float().cpu() for step in outputs.attentions]  # each (heads, query, key)
    del outputs  # the other layers go now
    maps, window = _ragged_rows(steps, prompt_len)  # (generated, heads, key)
    ids = encoding["input_ids"][0].tolist()
    return Generation(
        model=model,
        prompt=prompt,
        prompt_ids=ids,
        prompt_tokens=display_tokens(model.tokenizer, prompt, ids, encoding["offset_mapping"][0].tolist()),
        generated_ids=generated,
        generated_tokens=[token_label(model.tokenizer, token) for token in generated],
        generated_text=model.tokenizer.decode(generated, skip_special_tokens=True),
        stopped_at_eos=bool(generated) and generated[-1] in eos,
        layer=layer,
        maps=maps,
        step_shapes=[[1, *step.shape] for step in steps],
        sliding_window=window,
    )


def _ragged_rows(steps: list[torch.Tensor], prompt_len: int) -> tuple[torch.Tensor, int | None]:
    """Each step's last query row (heads, seen keys), placed in a (generated, heads, key) NaN-filled tensor."""
    count, heads = len(steps), steps[0].shape[0]
    maps = torch.full((count, heads, prompt_len + count - 1), float("nan"))
    window = None
    for step, attention in enumerate(steps):
        row = attention[:, -1]  # (heads, seen keys): the query that produces generated token `step`
        existing = prompt_len + step  # keys before generated token `step`
        seen = row.shape[-1]
        if seen < existing:  # a sliding-window cache kept only the newest keys; the older ones got 0
            window = seen
        maps[step, :, :existing] = 0.0
        maps[step, :, existing - seen : existing] = row
    return maps, window


def _eos_ids(model: LoadedModel) -> set[int]:
    configured = model.model.generation_config.eos_token_id
    ids = set(configured if isinstance(configured, list) else [configured] if configured is not None else [])
    if model.tokenizer.eos_token_id is not None:
        ids.add(model.tokenizer.eos_token_id)
    return ids or {0}


def _check_limits(model: LoadedModel, prompt_len: int, new_tokens: int, max_tokens: int, max_mb: float) -> None:
    if prompt_len > max_tokens:
        raise LimitError(
            f"the prompt has {prompt_len} tokens; at most {max_tokens} are accepted for generation: shorten it"
        )
    if prompt_len + new_tokens > model.max_tokens:
        raise LimitError(
            f"{prompt_len} prompt tokens + {new_tokens} new ones exceed the {model.max_tokens} positions of "
            f"{model.name}: shorten the prompt or lower max_new_tokens"
        )
    needed = generation_megabytes(model, prompt_len, new_tokens)
    if needed > max_mb:
        raise LimitError(
            f"generating {new_tokens} tokens after {prompt_len} prompt tokens would hold about {needed:,.0f} MB of "
            f"attention weights ({model.num_layers} layers × {model.num_heads} heads); the limit is {max_mb:,.0f} MB. "
            "Shorten the prompt or lower max_new_tokens."
        )


class _ProgressStreamer:
    """`generate` hands a streamer the prompt, then every new token: we report each as progress."""

    def __init__(self, progress: Progress | None, total: int) -> None:
        self.progress, self.total, self.done, self.prompt_seen = progress, total, 0, False

    def put(self, value: torch.Tensor) -> None:
        if not self.prompt_seen:
            self.prompt_seen = True
            return
        self.done += 1
        if self.progress is not None:
            self.progress(self.done / self.total, f"generating: token {self.done} of at most {self.total}")

    def end(self) -> None:
        pass
