"""Value vectors of one layer, caught with a forward hook, for the norm-based view.

`outputs.attentions` holds only the weights α; the norm-based view also needs what each token passes
on: its value projection and the output projection that maps the heads back to the hidden size.
Supported layouts (others get a ToolError naming these):

    BERT-style            encoder.layer[i].attention.self.value,  encoder.layer[i].attention.output.dense
    Llama/Gemma-style     layers[i].self_attn.v_proj,             layers[i].self_attn.o_proj

Both come back as CPU float32 whatever the model's placement: the values are copied off the device as
the hook catches them, and the output projection's weight is read in the plain form the maths needs,
onloaded first when accelerate offloaded it (device_map) and dequantized when bitsandbytes packed it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import torch

from tools.core.errors import ToolError
from tools.core.jobs import heavy_job
from tools.core.models import LoadedModel, Progress

__all__ = ["LayerValues", "capture_values", "SUPPORTED"]

SUPPORTED = "BERT-style encoders (encoder.layer[i].attention) and Llama/Gemma-style decoders (layers[i].self_attn)"


@dataclass(frozen=True)
class LayerValues:
    values: torch.Tensor  # (key, kv_heads, head_dim): v(x_j) = x_j W_V + b_V
    w_out: torch.Tensor  # (hidden, heads * head_dim): the output projection's weight
    layout: str  # "bert" or "llama"


def _projections(base: Any, layer: int) -> tuple[Any, Any, str]:
    encoder = getattr(base, "encoder", None)
    if encoder is not None and hasattr(encoder, "layer"):
        attention = encoder.layer[layer].attention
        if hasattr(attention, "self") and hasattr(attention.self, "value") and hasattr(attention, "output"):
            return attention.self.value, attention.output.dense, "bert"
    layers = getattr(base, "layers", None)
    if layers is not None:
        attention = getattr(layers[layer], "self_attn", None)
        if attention is not None and hasattr(attention, "v_proj") and hasattr(attention, "o_proj"):
            return attention.v_proj, attention.o_proj, "llama"
    raise ToolError(
        f"the norm-based view does not support this architecture ({type(base).__name__}): it needs the value "
        f"and output projections, found only in {SUPPORTED}. Use minilm or gemma-270m.", fix="model"
    )


def capture_values(
    model: LoadedModel, input_ids: list[int], layer: int, progress: Progress | None = None
) -> LayerValues:
    """Run `input_ids` through the model once and keep the value projection of `layer` (0-based)."""
    value_module, out_module, layout = _projections(model.base_model, layer)
    num_heads = model.num_heads
    head_dim = out_module.in_features // num_heads
    caught: list[torch.Tensor] = []
    mine = threading.get_ident()

    def keep(_module: Any, _inputs: Any, output: torch.Tensor) -> None:
        if threading.get_ident() == mine:  # the model is shared: another session's pass is not ours
            caught.append(output.detach())

    # the hook goes on only once this call holds the forward-pass slot, and only for this thread's pass
    with heavy_job(progress, "forward pass for the value vectors", model), torch.inference_mode():
        handle = value_module.register_forward_hook(keep)
        try:
            model.base_model(input_ids=torch.tensor([input_ids], device=model.device))
        finally:
            handle.remove()
    values = caught[0][0].float().cpu()  # (key, kv_heads * head_dim)
    kv_heads = values.shape[-1] // head_dim
    if num_heads % kv_heads:
        raise ToolError(f"{num_heads} query heads cannot share {kv_heads} key/value heads evenly")
    return LayerValues(values.reshape(len(input_ids), kv_heads, head_dim), _plain_weight(out_module), layout)


def _plain_weight(module: Any) -> torch.Tensor:
    """`module.weight` as a CPU float32 (out, in) matrix: onloaded while we read it if accelerate offloaded it
    (its parameters sit on "meta" between passes), dequantized if bitsandbytes packed it (8-bit or 4-bit)."""
    from accelerate.utils import align_module_device

    with align_module_device(module):
        weight = module.weight
        if type(weight).__name__ in ("Int8Params", "Params4bit"):
            from transformers.integrations.bitsandbytes import dequantize_bnb_weight

            weight = dequantize_bnb_weight(weight, getattr(module, "state", None))
        return weight.detach().float().cpu()
