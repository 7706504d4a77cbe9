"""Extraction on a CUDA GPU: time and peak device memory for the embedded models at 512 and 2,048 tokens.

For each model and length it measures, in one run on one machine:

    extract_s        median seconds of `extract` (tokenize, the pass, every layer copied to the CPU as float32)
    bare_s           median seconds of the bare forward pass on the GPU (no attention kept): the reference
    peak_gpu_mb      the most GPU memory the extraction held at once, above the weights already there
    one_layer_mb     one layer's attention in float32 (heads × n² × 4 bytes): the peak should be ~2 of these
                     (scores, then probabilities), however many layers are kept
    all_layers_mb    every layer's attention, what `output_attentions=True` would hold on the GPU at the end
    weights_gpu_mb   the weights on the GPU

Without a CUDA GPU it says so and exits 0 (nothing to measure). Writes bench/gpu-results.json and prints a
Markdown table for bench/RESULTS.md, with the machine named.

    python bench/gpu.py [--dtype auto|float32|bfloat16|float16] [--repeat 5] [--models minilm,gemma-270m]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

LENGTHS = (512, 2048)
MODELS = ("minilm", "gemma-270m", "smollm2-135m")


def median_seconds(work: Callable[[], object], repeat: int) -> float:
    import torch

    times = []
    for _ in range(repeat):
        torch.cuda.synchronize()
        started = time.perf_counter()
        work()
        torch.cuda.synchronize()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def peak_megabytes(work: Callable[[], object]) -> float:
    import torch

    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    before = torch.cuda.memory_allocated()
    work()
    torch.cuda.synchronize()
    return (torch.cuda.max_memory_allocated() - before) / 2**20


def measure(alias: str, length: int, dtype: str, repeat: int) -> dict[str, object] | None:
    import torch

    from tools.core.extract import extract
    from tools.core.models import get_model
    from tools.core.placement import Placement

    loaded = get_model(alias, placement=Placement("cuda", dtype))
    if length > loaded.max_tokens:
        return None  # minilm has 512 positions
    text = "word " * (length + 8)
    inputs = {key: value.to(loaded.device) for key, value in
              loaded.tokenizer(text, return_tensors="pt", truncation=True, max_length=length).items()}
    seq_len = int(inputs["input_ids"].shape[1])

    def extraction() -> object:
        return extract(loaded, text, max_tokens=length, max_attention_mb=1e9)

    def bare() -> None:
        with torch.inference_mode():
            loaded.base_model(**inputs)

    extraction()  # warm-up: kernels, caches
    one_layer = loaded.num_heads * seq_len * seq_len * 4 / 2**20
    return {
        "model": alias, "tokens": seq_len, "dtype": loaded.dtype, "device": loaded.device,
        "layers": loaded.num_layers, "heads": loaded.num_heads,
        "extract_s": round(median_seconds(extraction, repeat), 4),
        "bare_s": round(median_seconds(bare, repeat), 4),
        "peak_gpu_mb": round(peak_megabytes(extraction), 1),
        "one_layer_mb": round(one_layer, 1),
        "all_layers_mb": round(one_layer * loaded.num_layers, 1),
        "weights_gpu_mb": round(dict(loaded.weights_mb).get(loaded.device, 0.0), 1),
    }


def table(machine: str, rows: list[dict[str, object]]) -> str:
    lines = [f"GPU extraction on {machine}:", "",
             "| model | tokens | dtype | extract s | bare pass s | peak GPU MB (above weights) | one layer MB | "
             "all layers MB | weights MB |", "|---|---|---|---|---|---|---|---|---|"]
    lines += [f"| {r['model']} | {r['tokens']} | {r['dtype']} | {r['extract_s']} | {r['bare_s']} | {r['peak_gpu_mb']} "
              f"| {r['one_layer_mb']} | {r['all_layers_mb']} | {r['weights_gpu_mb']} |" for r in rows]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dtype", default="auto", choices=["auto", "float32", "bfloat16", "float16"])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--models", default=",".join(MODELS), help="comma-separated embedded aliases")
    parser.add_argument("--out", type=Path, default=HERE / "gpu-results.json")
    args = parser.parse_args()
    import torch

    if not torch.cuda.is_available():
        print(f"skipped: no CUDA GPU here (torch {torch.__version__}, torch.cuda.is_available() is False); "
              "run this on a machine with an NVIDIA GPU and a CUDA build of torch")
        return 0
    machine = f"{torch.cuda.get_device_name(0)}, torch {torch.__version__}, CUDA {torch.version.cuda}"
    rows = [row for alias in args.models.split(",") for length in LENGTHS
            if (row := measure(alias.strip(), length, args.dtype, args.repeat)) is not None]
    args.out.write_text(json.dumps({"machine": machine, "rows": rows}, indent=1), encoding="utf-8")
    print(table(machine, rows))
    print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
