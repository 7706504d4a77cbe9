"""A session: one learner's current model, latest extraction and artifacts directory.

Tool functions find the active session through a context variable, so their signatures stay the
plain JSON arguments the LLM sees. The agent activates its own session around every tool call; a
Python or CLI user gets a process-wide default session.

Progress belongs to a call, not to the session: a session outlives its calls, and a call the runner
gave up (a timeout, Stop) may still be running when the next one starts. So the runner never stores
its callback on the session; it activates the session with `use_session(session, progress=report)`,
and `session.progress` read in that context (the call's worker thread) is that call's callback.
Elsewhere it is the session's own, as given to `Session(progress=...)` or assigned.
"""

from __future__ import annotations

import contextvars
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tools.core.downloads import Downloads
from tools.core.extract import Extraction
from tools.core.models import DEFAULT_MODEL, LoadedModel, Progress, default_cache_dir
from tools.core.placement import ON_CPU, Placement, PlacementError
from tools.core.substitutes import model_or_stand_in

__all__ = ["Session", "current_session", "use_session"]

EXTRACTIONS_KEPT = 8


class _CallProgress:
    """`Session.progress`: the callback of the call running in this context for this session (set by
    `use_session(..., progress=...)`), else the session's own. A dataclass field of descriptor type."""

    def __set_name__(self, owner: type, name: str) -> None:
        self._own = f"_own_{name}"

    def __get__(self, session: Session | None, owner: type | None = None) -> Progress | None:
        if session is None:
            return None  # the field's default
        call = _call_progress.get()
        if call is not None and call[0] is session:
            return call[1]
        return session.__dict__.get(self._own)

    def __set__(self, session: Session, progress: Progress | None) -> None:
        session.__dict__[self._own] = progress


@dataclass
class Session:
    """Mutable per-learner state. Nothing in it is shared with other sessions."""

    artifacts_dir: Path | None = None  # None: a temporary directory made on the first figure
    cache_dir: Path = field(default_factory=default_cache_dir)
    model_name: str = DEFAULT_MODEL  # the current model: only an explicit choice changes it (see remember)
    max_tokens: int = 512
    max_attention_mb: float = 1024.0  # refuse a forward pass whose attention weights need more
    max_artifacts_mb: float = 200.0  # the oldest figures go once the directory holds more
    downloads: Downloads = field(default_factory=Downloads)  # by default only what a person named is fetched
    placement: Placement = ON_CPU  # where its models run: device, dtype, device map (the app's and CLI's: auto)
    progress: _CallProgress = _CallProgress()  # Progress | None: this call's callback, else the session's own
    latest: Extraction | None = None
    _extractions: OrderedDict[tuple[str, str], Extraction] = field(default_factory=OrderedDict)
    _counter: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def model(self, name: str, strict: bool = False, text: str | None = None) -> LoadedModel:
        """The model `name` (loaded once per process), fetched from the hub only when `downloads` allows it;
        an embedded model stands in for a hub model this machine cannot get, unless `strict` or the policy's.
        `text`, what the model will read, may decide the stand-in (Japanese text needs one that reads it)."""
        return model_or_stand_in(name, self.cache_dir, self.progress, self.downloads.reason(name),
                                 strict=strict or self.downloads.strict, text=text, placement=self.placement)

    def remember(self, extraction: Extraction) -> None:
        """Keep an extraction for follow-ups and make it the latest; the current model stays as it is.

        Only an explicit choice changes `model_name` (load_model, a model named for one analysis, the app's
        or the CLI's setting): never a comparison's other model, nor gemma standing in for Japanese text.
        """
        key = (extraction.model.name, extraction.text)
        with self._lock:
            self._extractions[key] = extraction
            self._extractions.move_to_end(key)
            while len(self._extractions) > EXTRACTIONS_KEPT:
                self._extractions.popitem(last=False)
            self.latest = extraction

    def recall(self, model_name: str, text: str, layers: tuple[int, ...] | None = None) -> Extraction | None:
        """The cached extraction of this text, if it holds `layers` (non-negative; None = every layer)."""
        with self._lock:
            extraction = self._extractions.get((model_name, text))
        if extraction is None or not extraction.has_layers(layers) or not self._placed_here(extraction):
            return None
        return extraction

    def _placed_here(self, extraction: Extraction) -> bool:
        """Whether `extraction` ran where this session's models run now (its placement can change in the app)."""
        try:
            return extraction.model.placement == self.placement.resolved()
        except PlacementError:
            return False

    def artifact_stem(self, kind: str) -> Path:
        """A fresh path prefix for one figure's files, e.g. .../003-heatmap."""
        with self._lock:
            if self.artifacts_dir is None:
                self.artifacts_dir = Path(tempfile.mkdtemp(prefix="attention-sensei-"))
            self._counter += 1
            number = self._counter
        self.artifacts_dir.mkdir(parents=True, exist_ok=True)
        self._prune(self.artifacts_dir)
        return self.artifacts_dir / f"{number:03d}-{kind}"

    def _prune(self, directory: Path) -> None:
        """Keep the artifacts directory under its cap by deleting the oldest files first."""
        files = sorted((p for p in directory.iterdir() if p.is_file()), key=lambda p: p.stat().st_mtime)
        total = sum(p.stat().st_size for p in files)
        cap = self.max_artifacts_mb * 2**20
        for path in files:
            if total <= cap:
                break
            total -= path.stat().st_size
            path.unlink(missing_ok=True)


_default = Session(downloads=Downloads(always="a Python caller asked for it"))  # the caller is the learner
_current: contextvars.ContextVar[Session | None] = contextvars.ContextVar("attention_sensei_session", default=None)
_call_progress: contextvars.ContextVar[tuple[Session, Progress] | None] = contextvars.ContextVar(
    "attention_sensei_call_progress", default=None
)


def current_session() -> Session:
    return _current.get() or _default


@contextmanager
def use_session(session: Session, progress: Progress | None = None) -> Iterator[Session]:
    """Make `session` the active one in this context; with `progress`, as the callback of the call
    running here (read as `session.progress`), without storing it on the session."""
    token = _current.set(session)
    reporting = _call_progress.set((session, progress)) if progress is not None else None
    try:
        yield session
    finally:
        if reporting is not None:
            _call_progress.reset(reporting)
        _current.reset(token)
