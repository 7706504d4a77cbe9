"""The placement options of `tool`, `ask`, `chat` and `ui`: where attention models run.

    --device auto|cpu|cuda|cuda:N|mps      auto: CUDA, then MPS, then the CPU
    --dtype auto|float32|bfloat16|float16   auto: float32 on the CPU, bfloat16 on a GPU that supports it, else float16
    --device-map auto|balanced|sequential   a model larger than one device: accelerate places its layers over
                                            every GPU, then CPU memory, then disk
    --max-memory 0=20GiB,cpu=64GiB          what the device map may use on each device
    --offload-folder DIR                    where it offloads to disk (default: under the model cache)
    --quantize 8bit|4bit                    bitsandbytes weights (CUDA only)

A placement this machine cannot give (cuda on a machine without a GPU) is refused before anything
loads, with what was asked, what is here and how to fix it, and exit status 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

__all__ = ["add_device_options", "device_settings", "refuse_placement", "REFUSED"]

REFUSED = 2  # the exit status of a placement this machine cannot give (as for a bad --session file)


def add_device_options(parser: argparse.ArgumentParser) -> None:
    from tools.core.placement import DEVICE_MAPS, DTYPES, QUANTIZATIONS

    parser.add_argument("--device", type=_device, default="auto", metavar="{auto,cpu,cuda,cuda:N,mps}",
                        help="where attention models run (default auto: CUDA, then MPS, then the CPU)")
    parser.add_argument("--dtype", choices=DTYPES, default="auto",
                        help="the weights' number format (default auto: float32 on the CPU, bfloat16 on a GPU that "
                             "supports it, else float16); attention always comes back as float32")
    parser.add_argument("--device-map", choices=DEVICE_MAPS,
                        help="spread a model too large for one device over every GPU, then CPU memory, then disk "
                             "(accelerate); default: the whole model on --device")
    parser.add_argument("--max-memory", type=_max_memory, metavar="DEVICE=SIZE,...",
                        help="with --device-map: what it may use per device, e.g. 0=20GiB,1=20GiB,cpu=64GiB")
    parser.add_argument("--offload-folder", type=Path, metavar="DIR",
                        help="with --device-map: where layers that fit nowhere else go (default: under the cache)")
    parser.add_argument("--quantize", choices=QUANTIZATIONS,
                        help="load the weights quantized by bitsandbytes (needs a CUDA GPU and bitsandbytes)")


def device_settings(args: argparse.Namespace) -> dict[str, Any]:
    """The Settings fields these options set (None: not given)."""
    return {"device": getattr(args, "device", None), "dtype": getattr(args, "dtype", None),
            "device_map": getattr(args, "device_map", None), "max_memory": getattr(args, "max_memory", None),
            "offload_folder": getattr(args, "offload_folder", None), "quantize": getattr(args, "quantize", None)}


def refuse_placement(args: argparse.Namespace) -> int | None:
    """REFUSED, after saying why, when this machine cannot give the placement asked for; else None.
    With --json the reason is the "error" of the command's usual one object."""
    from tools.core.placement import Placement, PlacementError

    if not hasattr(args, "device"):  # a command without these options (models), or none given yet
        return None
    settings = device_settings(args)
    try:
        Placement(**{key: str(value) if isinstance(value, Path) else value
                     for key, value in settings.items() if value is not None}).resolved()
    except PlacementError as error:
        if getattr(args, "json", False):
            record = {**_JSON_RECORDS.get(args.command, {}), "error": str(error)}
            if "tool" in record:
                record["tool"] = args.name
            print(json.dumps(record, ensure_ascii=False))
        else:
            print(f"error: {error}", file=sys.stderr)
        return REFUSED
    return None


# The one object `tool --json` and `ask --json` print, as each prints it when it fails
_JSON_RECORDS: dict[str, dict[str, Any]] = {
    "tool": {"tool": None, "arguments": None, "ok": False, "result": {}, "artifacts": []},
    "ask": {"answer": "", "steps": [], "artifacts": []},
}


def _device(text: str) -> str:
    device = text.strip().lower()
    kind, _, index = device.partition(":")
    if device in ("auto", "cpu", "cuda", "mps") or (kind == "cuda" and index.isdigit()):
        return device
    raise argparse.ArgumentTypeError(f"expected auto, cpu, cuda, cuda:N or mps, not {text!r}")


def _max_memory(text: str) -> tuple[tuple[str, str], ...]:
    from tools.core.placement import PlacementError, parse_max_memory

    try:
        return parse_max_memory(text)
    except PlacementError as error:
        raise argparse.ArgumentTypeError(str(error)) from error
