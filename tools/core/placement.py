"""Where a model runs and in which number format: device, dtype, a map across devices, quantization.

    device      auto | cpu | cuda | cuda:N | mps        auto: CUDA, then MPS (Apple GPUs), then the CPU
    dtype       auto | float32 | bfloat16 | float16     auto: float32 on the CPU, bfloat16 on a GPU that
                                                        supports it, else float16
    device_map  None | auto | balanced | sequential     accelerate spreads the layers over every GPU, then
                                                        CPU memory, then disk (`offload_folder`), within
                                                        `max_memory` ({"0": "20GiB", "cpu": "64GiB"})
    quantize    None | 8bit | 4bit                      bitsandbytes weights, on a CUDA GPU only

`Placement()` is auto, the default of the app and the command line (agent/settings.py). The engine's own
default, for a Python caller who names none, is ON_CPU: the CPU in float32, how every model was loaded
before placements existed (and what auto gives on a machine without a GPU). `resolved()` turns "auto" into what
this machine has and refuses what it lacks with a PlacementError that says what was asked, what is
here and how to fix it (with a note, so the app says it in the learner's language). The resolved
placement is half of the model cache's key (tools/core/models.py): one model on two devices, or in two
dtypes, is two entries.

Whatever the placement, the attention we analyse is CPU float32: tools/core/layer_capture.py copies
each layer out of the device as the pass produces it, so a device holds its weights and one layer's
attention at a time (tools/core/pass_memory.py estimates both before a pass).

Once loaded, `input_device(model)` is where a pass's inputs go and `weights_by_device(model)` where its
weights ended up (accelerate's disk offload counted as "disk"): what the load summary reports.

Importing this module imports no torch (agent/settings.py holds a Placement).
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from tools.core.errors import ModelError
from tools.core.notes import note

__all__ = ["Placement", "PlacementError", "ON_CPU", "DEVICES", "DTYPES", "DEVICE_MAPS", "QUANTIZATIONS",
           "parse_max_memory", "available_devices", "input_device", "weights_by_device"]

DEVICES = ("auto", "cpu", "cuda", "mps")  # and cuda:N
DTYPES = ("auto", "float32", "bfloat16", "float16")
DEVICE_MAPS = ("auto", "balanced", "balanced_low_0", "sequential")  # accelerate's strategies
QUANTIZATIONS = ("8bit", "4bit")


class PlacementError(ModelError):
    """A device, dtype, device map or quantization this machine cannot give."""


@dataclass(frozen=True)
class Placement:
    """Where a model is asked to run; `resolved()` is where it will (no "auto" left), the model cache's key."""

    device: str = "auto"
    dtype: str = "auto"
    device_map: str | None = None  # None: the whole model on `device`; else accelerate's strategy
    max_memory: tuple[tuple[str, str], ...] = ()  # (device, size) pairs for device_map: ("0", "20GiB"), ("cpu", "8GB")
    quantize: str | None = None  # "8bit" or "4bit" with bitsandbytes
    offload_folder: str | None = None  # where device_map offloads to disk; None: under the model cache

    def resolved(self) -> Placement:
        """This placement with "auto" replaced by what this machine has.

        Raises:
            PlacementError: a device, dtype, device map or quantization that cannot be had here.
        """
        _check_choice("dtype", self.dtype, DTYPES)
        if self.device_map is not None:
            _check_choice("device_map", self.device_map, DEVICE_MAPS)
        if self.quantize is not None:
            _check_choice("quantize", self.quantize, QUANTIZATIONS)
        device = _resolved_device(self.device)
        dtype = _auto_dtype(device) if self.dtype == "auto" else self.dtype
        _check_dtype(device, dtype)
        if self.quantize is not None:
            _check_quantization(self.quantize, device)
        max_memory = tuple(_checked_entry(str(key), str(size)) for key, size in self.max_memory)
        return replace(self, device=device, dtype=dtype, max_memory=max_memory)

    def describe(self) -> str:
        """A short line for logs and the CLI: `cuda:0, bfloat16, device_map=auto, 4bit`."""
        parts = [self.device, self.dtype]
        if self.device_map:
            parts.append(f"device_map={self.device_map}")
        if self.quantize:
            parts.append(f"{self.quantize} (bitsandbytes)")
        return ", ".join(parts)

    def load_kwargs(self, offload_folder: Path) -> dict[str, Any]:
        """What `from_pretrained` needs for this (resolved) placement, besides the model's own arguments."""
        import torch

        kwargs: dict[str, Any] = {"dtype": getattr(torch, self.dtype)}
        if self.device_map is not None:
            kwargs["device_map"] = self.device_map
            if self.max_memory:
                kwargs["max_memory"] = {_memory_key(key): _size(size) for key, size in self.max_memory}
            folder = Path(self.offload_folder) if self.offload_folder else offload_folder
            folder.mkdir(parents=True, exist_ok=True)
            kwargs["offload_folder"] = str(folder)
        elif self.device != "cpu" or self.quantize is not None:
            kwargs["device_map"] = {"": self.device}  # straight onto the device, never a CPU copy first
        if self.quantize is not None:
            from transformers import BitsAndBytesConfig

            kwargs["quantization_config"] = BitsAndBytesConfig(
                load_in_8bit=self.quantize == "8bit", load_in_4bit=self.quantize == "4bit",
                bnb_4bit_compute_dtype=kwargs["dtype"],
            )
        return kwargs


ON_CPU = Placement("cpu", "float32")  # the engine's default: a Session() or get_model(name) names no placement


def parse_max_memory(text: str) -> tuple[tuple[str, str], ...]:
    """`0=20GiB,1=20GiB,cpu=64GiB` as (device, size) pairs.

    Raises:
        PlacementError: a pair that is not DEVICE=SIZE, a device that is neither a GPU number, cpu nor mps,
            or a size accelerate cannot read.
    """
    pairs = []
    for item in filter(None, (part.strip() for part in text.split(","))):
        key, sep, size = (part.strip() for part in item.partition("="))
        if not sep:
            raise PlacementError(f"max_memory entry {item!r} is not DEVICE=SIZE: expected a GPU number, cpu or mps, "
                                 "then a size, e.g. '0=20GiB,cpu=64GiB'")
        pairs.append(_checked_entry(key, size))
    return tuple(pairs)


def _checked_entry(key: str, size: str) -> tuple[str, str]:
    from accelerate.utils import convert_file_size_to_int

    key, size = key.strip().lower(), size.strip()
    if not (key.isdigit() or key in ("cpu", "mps")):
        raise PlacementError(f"max_memory names device {key!r}: expected a GPU number (0, 1, ...), cpu or mps, "
                             "e.g. '0=20GiB,cpu=64GiB'")
    try:
        convert_file_size_to_int(_size(size))
    except ValueError as error:
        raise PlacementError(f"max_memory size {size!r} for {key} is not a size: write it like 20GiB, "
                             "500MB or a number of bytes") from error
    return key, size


def _size(size: str) -> int | str:
    """A size as accelerate reads it: a number of bytes as an int, else the string ("20GiB")."""
    return int(size) if size.isdigit() else size


def available_devices() -> list[str]:
    """What this machine has, for messages: cpu, then each CUDA GPU with its name, then mps."""
    import torch

    found = ["cpu"]
    if torch.cuda.is_available():
        found += [f"cuda:{index} ({torch.cuda.get_device_name(index)})" for index in range(torch.cuda.device_count())]
    if _mps_available():
        found.append("mps")
    return found


def input_device(model: Any) -> str:
    """Where the input ids go: the device of the token embeddings. Under a device map that offloaded them
    to disk their weights are on "meta" and accelerate's hooks move the inputs: the CPU is then right."""
    device = model.get_input_embeddings().weight.device
    return "cpu" if device.type == "meta" else str(device)


def weights_by_device(model: Any) -> tuple[tuple[str, float], ...]:
    """Megabytes of parameters on each device, in the order first met. accelerate leaves the parameters it
    offloads on "meta" between passes, kept in CPU memory or on disk: the device map says which."""
    device_map = getattr(model, "hf_device_map", None) or {}
    sizes: dict[str, float] = {}
    for name, parameter in model.named_parameters():
        device = _offloaded_to(name, device_map) if parameter.device.type == "meta" else str(parameter.device)
        sizes[device] = sizes.get(device, 0.0) + parameter.numel() * parameter.element_size() / 2**20
    return tuple(sizes.items())


def _offloaded_to(parameter: str, device_map: dict[str, Any]) -> str:
    """"cpu" or "disk": where the device map put the module holding `parameter` (its longest matching prefix)."""
    owners = [module for module in device_map if module == "" or parameter.startswith(module + ".")]
    placed = device_map[max(owners, key=len)] if owners else "disk"
    return "cpu" if placed == "cpu" else "disk"


def _check_choice(what: str, value: object, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise PlacementError(f"{what} {value!r} is not one of {', '.join(allowed)}: pick one of those")


def _resolved_device(device: str) -> str:
    import torch

    device = (device or "auto").strip().lower()
    if device == "auto":
        return "cuda:0" if torch.cuda.is_available() else "mps" if _mps_available() else "cpu"
    if device == "cpu":
        return "cpu"
    if device == "mps":
        if not _mps_available():
            raise _unavailable(device)
        return "mps"
    kind, _, index = device.partition(":")
    if kind != "cuda" or not (index == "" or index.isdigit()):
        raise PlacementError(f"device {device!r} is not one of auto, cpu, cuda, cuda:N or mps: pick one of those")
    if not torch.cuda.is_available() or int(index or 0) >= torch.cuda.device_count():
        raise _unavailable(device)
    return f"cuda:{int(index or 0)}"


def _unavailable(device: str) -> PlacementError:
    import torch

    said = note("device_unavailable", requested=device, available=available_devices(), torch=torch.__version__)
    return PlacementError(said["text"], note=said)


def _mps_available() -> bool:
    import torch

    return bool(getattr(torch.backends, "mps", None)) and torch.backends.mps.is_available()


def _auto_dtype(device: str) -> str:
    if device == "cpu":
        return "float32"
    return "bfloat16" if _supports_bfloat16(device) else "float16"


def _supports_bfloat16(device: str) -> bool:
    import torch

    if device.startswith("cuda"):
        return torch.cuda.is_bf16_supported(including_emulation=False)
    try:  # MPS gained bfloat16 with macOS 14: ask the device itself
        torch.ones(1, dtype=torch.bfloat16, device=device)
    except (RuntimeError, TypeError):
        return False
    return True


def _check_dtype(device: str, dtype: str) -> None:
    if dtype == "bfloat16" and device != "cpu" and not _supports_bfloat16(device):
        said = note("dtype_unsupported", dtype=dtype, device=device)
        raise PlacementError(said["text"], note=said)


def _check_quantization(quantize: str, device: str) -> None:
    if importlib.util.find_spec("bitsandbytes") is None:
        said = note("quantize_needs_bitsandbytes", quantize=quantize)
        raise PlacementError(said["text"], note=said)
    if not device.startswith("cuda"):
        said = note("quantize_needs_cuda", quantize=quantize, available=available_devices())
        raise PlacementError(said["text"], note=said)


def _memory_key(key: str) -> int | str:
    return int(key) if key.isdigit() else key
