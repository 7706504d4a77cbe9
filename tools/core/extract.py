"""One forward pass with attention weights, and what we check about them.

Canonical layout, named once: an extraction keeps every layer stacked as

    attentions: (layers, heads, query, key)

which is `torch.stack(outputs.attentions)[:, 0]`: transformers returns one tensor per layer of
shape (batch, heads, query, key) and we run a batch of one. A row (fixed query) is how the query
token distributes its attention over the keys; with a plain softmax it sums to 1.

Whatever the model's device and dtype, `attentions` is CPU float32: the hooks copy each layer out of
the device as the pass produces it (tools/core/layer_capture.py), and the inputs go to the model's device.

A long text may keep only some layers (`extract(..., layers=(5,))`): then `attentions` is
(kept layers, heads, query, key), `kept_layers` names them, and `layer(i)` is the way to read layer i.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any

import torch

from tools.core.errors import LimitError, NoTextError, RangeError, ToolError, out_of_range
from tools.core.jobs import heavy_job
from tools.core.layer_capture import attention_modules, captured_layers
from tools.core.library_warnings import captured_library_warnings
from tools.core.models import LoadedModel, Progress
from tools.core.notes import note
from tools.core.pass_memory import attention_megabytes, device_free_megabytes, estimate_pass

__all__ = ["Extraction", "extract", "display_tokens", "DIMS", "CJK", "attention_megabytes", "row_sum_tolerance"]

DIMS = ("layers", "heads", "query", "key")
CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uff66-\uff9f]")
ROW_SUM_TOLERANCE = 1e-4  # in float32; a half-precision model's rows are only as exact as its format

DEFAULT_MAX_ATTENTION_MB = 1024  # refuse a forward pass whose attention weights would need more


@dataclass(frozen=True)
class Extraction:
    """The attention of one text under one model."""

    model: LoadedModel
    text: str
    input_ids: list[int]
    tokens: list[str]  # display strings, faithful to the text
    special: list[bool]  # True for [CLS], [SEP], <bos>, ...
    attentions: torch.Tensor  # (layers, heads, query, key), float32; only the kept layers if kept_layers is set
    truncated: bool
    warnings: list[dict[str, Any]] = field(default_factory=list)  # notes (tools/core/notes.py)
    timings_ms: dict[str, float] = field(default_factory=dict)
    kept_layers: tuple[int, ...] | None = None  # None: every layer; else the layers in `attentions`, ascending

    @property
    def seq_len(self) -> int:
        return len(self.tokens)

    @property
    def layer_indices(self) -> tuple[int, ...]:
        """The (non-negative) layers this extraction holds."""
        return tuple(range(self.model.num_layers)) if self.kept_layers is None else self.kept_layers

    @property
    def complete(self) -> bool:
        return self.kept_layers is None

    def has_layers(self, layers: tuple[int, ...] | None) -> bool:
        """Whether every layer in `layers` (non-negative; None = all) is held."""
        return self.complete or (layers is not None and set(layers) <= set(self.layer_indices))

    def layer(self, index: int) -> torch.Tensor:
        """One layer's maps (heads, query, key); `index` 0-based, negative from the end.

        Raises:
            ToolError: a layer out of range, or one this partial extraction did not keep.
        """
        (wanted,) = _checked_layers(self.model, (index,))
        if self.kept_layers is None:
            return self.attentions[wanted]
        if wanted not in self.kept_layers:
            raise ToolError(
                f"layer {wanted} was not kept: this {self.seq_len}-token text was extracted with only layer(s) "
                f"{', '.join(map(str, self.kept_layers))} to stay under the memory limit; analyse it again asking "
                f"for layer {wanted}"
            )
        return self.attentions[self.kept_layers.index(wanted)]

    @property
    def layer_shape(self) -> list[int]:
        """The shape of one `outputs.attentions[i]`: (batch, heads, query, key)."""
        return [1, self.model.num_heads, self.seq_len, self.seq_len]

    def checks(self) -> dict[str, Any]:
        row_sums = self.attentions.sum(dim=-1)  # (layers, heads, query)
        error = float((row_sums - 1).abs().max())
        tolerance = row_sum_tolerance(self.model.dtype)
        upper = torch.triu(torch.ones(self.seq_len, self.seq_len, dtype=torch.bool), diagonal=1)
        above_diagonal = float(self.attentions[..., upper].abs().max()) if self.seq_len > 1 else 0.0
        return {
            "rows_sum_to_one": error <= tolerance,
            "max_row_sum_error": error,
            "row_sum_tolerance": tolerance,
            "causal_mask": above_diagonal == 0.0,
            "max_weight_above_diagonal": above_diagonal,
            "expected_causal": self.model.architecture == "decoder",
        }

    def summary(self) -> dict[str, Any]:
        return {
            "model": self.model.name,
            "architecture": self.model.architecture,
            "attn_implementation": self.model.attn_implementation,
            "text": self.text,
            "tokens": self.tokens,
            "special": self.special,
            "num_layers": self.model.num_layers,
            "num_heads": self.model.num_heads,
            "seq_len": self.seq_len,
            "shape": self.layer_shape,
            "num_tensors": self.model.num_layers,
            "kept_layers": list(self.layer_indices),
            "layout": "outputs.attentions is a tuple of num_tensors tensors, one per layer, "
            "each (batch, heads, query, key)",
            "checks": self.checks(),
            "truncated": self.truncated,
            "warnings": self.warnings,
            "timings_ms": self.timings_ms,
        }


def row_sum_tolerance(dtype: str) -> float:
    """How far from 1 a row of weights computed in `dtype` may sum: 1e-4 in float32; in bfloat16 and
    float16 the probabilities are rounded to the format (relative error ≤ eps / 2 each), so their sum
    is off by up to eps / 2: we allow eps (bfloat16 2**-7, float16 2**-10)."""
    import torch

    return max(ROW_SUM_TOLERANCE, torch.finfo(getattr(torch, dtype, torch.float32)).eps)


def extract(
    model: LoadedModel,
    text: str,
    max_tokens: int = 512,
    max_attention_mb: float = DEFAULT_MAX_ATTENTION_MB,
    progress: Progress | None = None,
    layers: tuple[int, ...] | None = None,
) -> Extraction:
    """Tokenize `text`, run one forward pass with attentions and keep them all, or only `layers`.

    The pass waits its turn in the heavy-job queue, reporting its place through `progress`. Hooks
    on the attention modules copy each kept layer into one stack as the pass goes (tools/core/layer_capture.py),
    so the weights are held once; with `layers` (0-based, negatives from the end) the other layers'
    weights are freed as their layer ends, and the memory estimate counts only the kept layers.

    Raises:
        ToolError: empty text, or a layer out of range.
        LimitError: a text too long to tokenize sensibly, or attention weights over the memory limit.
    """
    if not text or not text.strip():
        raise NoTextError("the text is empty: give a sentence to analyse, e.g. 'I love natural language processing!'")
    kept = None if layers is None else _checked_layers(model, layers)
    limit = min(max_tokens, model.max_tokens)
    if len(text) > 50 * limit:
        raise LimitError(
            f"the text has {len(text):,} characters; at most {50 * limit:,} are accepted "
            f"(attention is shown for at most {limit} tokens): shorten it"
        )
    started = time.perf_counter()
    encoding = model.tokenizer(
        text,
        return_tensors="pt",
        return_offsets_mapping=True,
        return_special_tokens_mask=True,
        truncation=True,
        max_length=limit,
    )
    full_length = len(model.tokenizer(text, add_special_tokens=True, verbose=False)["input_ids"])
    seq_len = int(encoding["input_ids"].shape[1])
    _check_memory(model, seq_len, kept, max_attention_mb)
    tokenized = time.perf_counter()
    inputs = {"input_ids": encoding["input_ids"], "attention_mask": encoding["attention_mask"]}
    # Only what this thread's pass warns is captured (tools/core/library_warnings.py), never another session's.
    with heavy_job(progress, "forward pass", model), captured_library_warnings() as captured, torch.inference_mode():
        queued = time.perf_counter()
        attentions = _forward(model, inputs, kept)  # (layers or kept layers, heads, query, key)
    forwarded = time.perf_counter()
    ids = encoding["input_ids"][0].tolist()
    messages = [note("library_warning", message=message) for message in captured]
    if full_length > limit:
        messages.append(note("truncated", tokens=full_length, limit=limit))
    return Extraction(
        model=model,
        text=text,
        input_ids=ids,
        tokens=display_tokens(model.tokenizer, text, ids, encoding["offset_mapping"][0].tolist()),
        special=[bool(flag) for flag in encoding["special_tokens_mask"][0].tolist()],
        attentions=attentions,
        truncated=full_length > limit,
        warnings=messages,
        timings_ms={
            "tokenize": round((tokenized - started) * 1000, 1),
            "queue": round((queued - tokenized) * 1000, 1),
            "forward": round((forwarded - queued) * 1000, 1),
        },
        kept_layers=kept,
    )


def _checked_layers(model: LoadedModel, layers: tuple[int, ...]) -> tuple[int, ...]:
    count = model.num_layers
    for layer in layers:
        if isinstance(layer, bool) or not isinstance(layer, int) or not -count <= layer < count:
            if isinstance(layer, int) and not isinstance(layer, bool):
                raise out_of_range("layer", layer, model.name, count, "layers")
            raise RangeError(f"layer must be an integer, not {layer!r}: use 0..{count - 1}, or -1 for the last")
    if not layers:
        raise ToolError("layers is empty: name at least one layer to keep, or pass None to keep them all")
    return tuple(sorted({layer % count for layer in layers}))


def _check_memory(model: LoadedModel, seq_len: int, kept: tuple[int, ...] | None, max_attention_mb: float) -> None:
    estimate = estimate_pass(model, seq_len, None if kept is None else len(kept))
    if estimate.device is not None:
        _check_device_memory(model, seq_len, estimate.device, estimate.layers_on_device_mb, estimate.weights_mb)
    needed = estimate.host_mb
    if needed <= max_attention_mb:
        return
    twice = "" if estimate.device is not None else ", twice"
    if kept is None:
        what = f"{model.num_layers} layers × {model.num_heads} heads × {seq_len}² × 4 bytes{twice}"
        one_layer = attention_megabytes(model, seq_len, 1)
        hint = f"; a view of one layer needs about {one_layer:,.0f} MB" if one_layer <= max_attention_mb else ""
    else:
        what = f"layer(s) {', '.join(map(str, kept))} × {model.num_heads} heads × {seq_len}² × 4 bytes{twice}"
        hint = ""
    raise LimitError(
        f"{seq_len} tokens would need about {needed:,.0f} MB for the attention weights of {model.name} "
        f"({what}); the limit is {max_attention_mb:,.0f} MB. Shorten the text or lower max_tokens{hint}."
    )


def _check_device_memory(model: LoadedModel, seq_len: int, device: str, needed: float, weights: float) -> None:
    free = device_free_megabytes(device)
    if free is None or needed <= free:
        return
    raise LimitError(
        f"{seq_len} tokens would need about {needed:,.0f} MB of {device}'s memory for one layer's attention of "
        f"{model.name} ({model.num_heads} heads × {seq_len}² scores and probabilities), but only {free:,.0f} MB "
        f"are free there (its weights take {weights:,.0f} MB). Shorten the text, or load the model with a device "
        "map that leaves room (--device-map auto --max-memory), or in a smaller dtype."
    )


def _forward(model: LoadedModel, inputs: dict[str, torch.Tensor], kept: tuple[int, ...] | None) -> torch.Tensor:
    """The pass itself: the kept layers (None = all) copied by hooks into one stacked CPU float32 tensor;
    for a module layout the hooks do not know, or modules that return no weights unless asked, every
    layer through `output_attentions` instead."""
    wanted = tuple(range(model.num_layers)) if kept is None else kept
    inputs = {name: tensor.to(model.device) for name, tensor in inputs.items()}
    modules = attention_modules(model.base_model, model.num_layers)
    if modules is not None:
        seq_len = int(inputs["input_ids"].shape[1])
        stacked = torch.empty((len(wanted), model.num_heads, seq_len, seq_len), dtype=torch.float32, device="cpu")
        with captured_layers(modules, wanted, stacked) as caught:
            model.base_model(**inputs)
        if len(caught) == len(wanted):
            return stacked  # (kept layers, heads, query, key)
        del stacked
    outputs = model.base_model(**inputs, output_attentions=True)  # keeps all, then drops (no memory saved)
    if not outputs.attentions or outputs.attentions[0] is None:
        raise _no_weights(model)
    layers = list(outputs.attentions)
    del outputs  # so that each layer is freed as soon as it is copied
    layers = [layers[index] for index in wanted]
    return _stack_freeing(layers)  # (layers, heads, query, key)


def _no_weights(model: LoadedModel) -> ToolError:
    return ToolError(
        f"{model.name} returned no attention weights (implementation {model.attn_implementation!r}); "
        "load it with attn_implementation='eager'"
    )


def _stack_freeing(layers: list[torch.Tensor]) -> torch.Tensor:
    """Stack the per-layer (batch, heads, query, key) tensors into (layers, heads, query, key),
    releasing each layer once copied so that peak memory stays near one copy, not two."""
    stacked = torch.empty((len(layers), *layers[0].shape[1:]), dtype=torch.float32, device="cpu")
    for index in range(len(layers)):
        stacked[index] = layers[index][0]
        layers[index] = None  # type: ignore[call-overload]  # drop our reference: the layer is freed now
    return stacked


def display_tokens(tokenizer: Any, text: str, ids: list[int], offsets: list[list[int]]) -> list[str]:
    """Readable labels: the vocabulary piece for WordPiece (`i`, `##ing`), the decoded piece for
    sentencepiece/byte-level vocabularies (no `▁`, `Ġ` or byte garbage), special tokens as is."""
    special_ids = set(tokenizer.all_special_ids)
    pieces = tokenizer.convert_ids_to_tokens(ids)
    labels = []
    for token_id, piece, (start, end) in zip(ids, pieces, offsets, strict=True):
        if token_id in special_ids:
            labels.append(piece)
            continue
        label = tokenizer.decode([token_id])
        if "\ufffd" in label:  # a byte of a multi-byte character: show the text it covers
            label = text[start:end] or piece
        labels.append(label.strip() or "␣")
    return labels
