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
                        [--lengths 512,2048] [--random-weights DIR] [--device cuda|cpu]

`--random-weights DIR` is for a GPU machine that has PyTorch and transformers but not the packages that ship
our models (the lent machines: nothing can be fetched there, and 64 MiB at most travels with the working
tree). Each model is built from DIR/<alias> (its config.json and tokenizer, as bench/gpu_kit.py packs them)
with random weights: the same layers, heads and vocabulary, so the same kernels on the same shapes, and time
and memory do not depend on the weights' values. `--device cpu` runs the same steps on the CPU to check this
script anywhere (times only; no memory figures). scripts/gpu_check.sh runs it on a lent machine.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
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


def synchronize(device: str) -> None:
    import torch

    if device == "cuda":
        torch.cuda.synchronize()


def median_seconds(work: Callable[[], object], repeat: int, device: str) -> float:
    times = []
    for _ in range(repeat):
        synchronize(device)
        started = time.perf_counter()
        work()
        synchronize(device)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def peak_megabytes(work: Callable[[], object], device: str) -> float | None:
    """The most device memory `work` held at once above what was there before; None on the CPU."""
    import torch

    if device != "cuda":
        return None
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    before = torch.cuda.memory_allocated()
    work()
    torch.cuda.synchronize()
    return round((torch.cuda.max_memory_allocated() - before) / 2**20, 1)


def random_weights_model(alias: str, kit: Path, scratch: Path) -> str:
    """A local model directory for `alias`: kit/<alias>'s config and tokenizer with random weights (seed 0).

    The directory keeps the alias as its name, so a GGUF model's tokenizer loads as our conversion's does.
    """
    import torch
    from transformers import AutoConfig, AutoModel, AutoModelForCausalLM

    from tools.core.models import is_decoder

    target = scratch / alias
    if not any(target.glob("*.safetensors")):
        shutil.copytree(kit / alias, target, dirs_exist_ok=True)
        config = AutoConfig.from_pretrained(target)
        torch.manual_seed(0)
        model = (AutoModelForCausalLM if is_decoder(config) else AutoModel).from_config(config)
        model.save_pretrained(target)
    return str(target)


def measure(name: str, alias: str, length: int, dtype: str, repeat: int, device: str) -> dict[str, object] | None:
    import torch

    from tools.core.extract import extract
    from tools.core.models import get_model
    from tools.core.placement import Placement

    loaded = get_model(name, placement=Placement(device, dtype))
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
        "model": alias, "weights": "embedded" if name == alias else "random", "tokens": seq_len,
        "dtype": loaded.dtype, "device": loaded.device, "layers": loaded.num_layers, "heads": loaded.num_heads,
        "extract_s": round(median_seconds(extraction, repeat, device), 4),
        "bare_s": round(median_seconds(bare, repeat, device), 4),
        "peak_gpu_mb": peak_megabytes(extraction, device),
        "one_layer_mb": round(one_layer, 1),
        "all_layers_mb": round(one_layer * loaded.num_layers, 1),
        "weights_gpu_mb": round(dict(loaded.weights_mb).get(loaded.device, 0.0), 1),
    }


def table(machine: str, rows: list[dict[str, object]]) -> str:
    lines = [f"Extraction on {machine}:", "",
             "| model | weights | tokens | dtype | extract s | bare pass s | peak GPU MB (above weights) "
             "| one layer MB | all layers MB | weights MB |", "|---|---|---|---|---|---|---|---|---|---|"]
    lines += [f"| {r['model']} | {r['weights']} | {r['tokens']} | {r['dtype']} | {r['extract_s']} | {r['bare_s']} "
              f"| {'—' if r['peak_gpu_mb'] is None else r['peak_gpu_mb']} | {r['one_layer_mb']} "
              f"| {r['all_layers_mb']} | {r['weights_gpu_mb']} |" for r in rows]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dtype", default="auto", choices=["auto", "float32", "bfloat16", "float16"])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--models", default=",".join(MODELS), help="comma-separated embedded aliases")
    parser.add_argument("--lengths", default=",".join(map(str, LENGTHS)), help="comma-separated token counts")
    parser.add_argument("--random-weights", type=Path, metavar="DIR",
                        help="build each model from DIR/<alias> with random weights (see above)")
    parser.add_argument("--scratch", type=Path, default=Path("/tmp/attention-sensei-gpu-models"),
                        help="where --random-weights writes the models it builds")
    parser.add_argument("--device", default="cuda", choices=["cuda", "cpu"])
    parser.add_argument("--out", type=Path, default=HERE / "gpu-results.json")
    args = parser.parse_args()
    import torch

    if args.device == "cuda" and not torch.cuda.is_available():
        print(f"skipped: no CUDA GPU here (torch {torch.__version__}, torch.cuda.is_available() is False); "
              "run this on a machine with an NVIDIA GPU and a CUDA build of torch")
        return 0
    machine = (f"{torch.cuda.get_device_name(0)}, torch {torch.__version__}, CUDA {torch.version.cuda}"
               if args.device == "cuda" else f"the CPU ({os.cpu_count()} cores), torch {torch.__version__}")
    aliases = [alias.strip() for alias in args.models.split(",")]
    names = {alias: random_weights_model(alias, args.random_weights, args.scratch) if args.random_weights else alias
             for alias in aliases}
    rows = [row for alias in aliases for length in map(int, args.lengths.split(","))
            if (row := measure(names[alias], alias, length, args.dtype, args.repeat, args.device)) is not None]
    args.out.write_text(json.dumps({"machine": machine, "rows": rows}, indent=1), encoding="utf-8")
    print(table(machine, rows))
    print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
