"""Catch the attention weights of chosen layers only, with forward hooks on the attention modules.

`output_attentions=True` makes transformers keep every layer's (batch, heads, query, key) tensor
until the pass ends, and our stacked copy then doubles it. Instead we run the pass without it and
copy each wanted layer, as it goes by, out of its attention module's output into one preallocated
(kept layers, heads, query, key) tensor: an eager attention module returns `(attn_output,
attn_weights)` whether or not the weights were asked for, so every layer's own tensor is freed as
soon as its layer is done. Peak memory: the bare pass plus the kept layers, once.

The stack is CPU float32 whatever the model's device and dtype (extract.py allocates it so): each
copy moves one layer off the GPU and widens it from bfloat16/float16 as it goes, so device memory
holds one layer's attention at a time however many layers are kept (tests/test_devices.py measures it).

The attention modules are found the way transformers finds them for `output_attentions`: the
class named under "attentions" in the model's `_can_record_outputs`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import torch

__all__ = ["attention_modules", "captured_layers"]


def attention_modules(base_model: Any, num_layers: int) -> list[Any] | None:
    """The self-attention module of every layer, in layer order; None when they cannot be found."""
    recorded = getattr(type(base_model), "_can_record_outputs", None) or {}
    spec = recorded.get("attentions")
    target = getattr(spec, "target_class", spec)  # a class, or an OutputRecorder holding one
    if getattr(spec, "index", 1) != 1 or not isinstance(target, type):
        return None
    modules = [module for module in base_model.modules() if isinstance(module, target)]
    return modules if len(modules) == num_layers else None


@contextmanager
def captured_layers(modules: list[Any], kept: tuple[int, ...], into: torch.Tensor) -> Iterator[set[int]]:
    """Within the block, every forward pass of `modules[layer]` for a layer in `kept` copies its
    weights of batch item 0 into `into[kept.index(layer)]` (`into` is (kept layers, heads, query,
    key)); the yielded set names the layers caught, so a module that returned no weights shows."""
    caught: set[int] = set()

    def keep(layer: int, slot: int):
        def hook(_module: Any, _inputs: Any, output: Any) -> None:
            weights = output[1] if isinstance(output, tuple) and len(output) > 1 else None
            if weights is not None:
                into[slot] = weights[0]  # (heads, query, key), copied to the stack's device and cast to its dtype
                caught.add(layer)

        return hook

    handles = [modules[layer].register_forward_hook(keep(layer, slot)) for slot, layer in enumerate(kept)]
    try:
        yield caught
    finally:
        for handle in handles:
            handle.remove()
