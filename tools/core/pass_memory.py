"""The memory one forward pass with attention needs, estimated before it runs, for each memory it uses.

    host (CPU) memory    the attention kept for analysis, float32: kept layers · heads · n² · 4 bytes
    device memory        the weights already there, plus one layer's attention while the layer runs:
                         heads · n² scores, then probabilities (float32 inside the softmax), freed as the
                         hooks copy the layer to the host (tools/core/layer_capture.py)

On the CPU the two are one memory and the estimate stays the upper bound it always was: the kept
layers twice (the hooks hold them once; a module layout they do not know falls back to
`output_attentions`, per-layer tensors plus our stack). On a GPU the host part is the kept layers
once (the per-layer tensors stay on the device), and the device part is checked against the memory
the device has free, so a pass that cannot fit is refused before it starts, not in the middle with
CUDA's out-of-memory error. A layout the hooks do not know keeps every layer on the device.
"""

from __future__ import annotations

from dataclasses import dataclass

from tools.core.layer_capture import attention_modules
from tools.core.models import LoadedModel

__all__ = ["PassMemory", "attention_megabytes", "estimate_pass", "device_free_megabytes"]

FLOAT32 = 4  # bytes


@dataclass(frozen=True)
class PassMemory:
    """What a pass over `seq_len` tokens needs, in MB (2**20 bytes)."""

    host_mb: float  # CPU memory for the attention kept (what max_attention_mb limits)
    device: str | None  # the GPU the weights live on; None: the model runs in CPU memory
    weights_mb: float  # weights on that device (0 on the CPU: they are loaded already)
    layers_on_device_mb: float  # attention on the device at the peak: one layer (every layer without the hooks)

    @property
    def device_mb(self) -> float:
        """Device memory at the pass's peak: the weights and the attention it holds there."""
        return self.weights_mb + self.layers_on_device_mb


def attention_megabytes(model: LoadedModel, seq_len: int, layers: int | None = None) -> float:
    """The CPU estimate: kept layers · heads · n² · 4 bytes, twice (an upper bound, see above).
    `layers`: how many are kept; None = all."""
    kept = model.num_layers if layers is None else layers
    return 2 * _layer_megabytes(model, seq_len) * kept


def estimate_pass(model: LoadedModel, seq_len: int, layers: int | None = None) -> PassMemory:
    """The memory a pass keeping `layers` layers (None = all) needs, split by where it lives."""
    if not model.accelerated:
        return PassMemory(attention_megabytes(model, seq_len, layers), None, 0.0, 0.0)
    kept = model.num_layers if layers is None else layers
    one_layer = _layer_megabytes(model, seq_len)
    hooked = attention_modules(model.base_model, model.num_layers) is not None
    device, weights = max(((d, mb) for d, mb in model.weights_mb if d not in ("cpu", "disk")), key=lambda x: x[1])
    on_device = 2 * one_layer if hooked else model.num_layers * one_layer + one_layer  # scores + probabilities
    return PassMemory(kept * one_layer, device, weights, on_device)


def device_free_megabytes(device: str) -> float | None:
    """Free memory on a CUDA device now, in MB; None where torch cannot say (MPS, CPU)."""
    import torch

    if not device.startswith("cuda"):
        return None
    free, _total = torch.cuda.mem_get_info(torch.device(device))
    return free / 2**20


def _layer_megabytes(model: LoadedModel, seq_len: int) -> float:
    return model.num_heads * seq_len * seq_len * FLOAT32 / 2**20
