"""One frozen Settings, built once from the environment and the command line, then passed down."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from tools.core.downloads import Downloads
from tools.core.models import DEFAULT_MODEL, default_cache_dir
from tools.core.placement import Placement

if TYPE_CHECKING:
    from tools import Session

__all__ = ["Settings", "Backend"]

Backend = Literal["auto", "offline", "openai"]
ALLOWED_BY_OPERATOR = "the operator allowed downloads (--allow-downloads)"


@dataclass(frozen=True)
class Settings:
    backend: Backend = "auto"  # auto: openai when OPENAI_API_KEY or OPENAI_BASE_URL is set, else offline
    base_url: str | None = None  # an OpenAI-compatible endpoint; None: the client's default
    api_key: str | None = field(default=None, repr=False)  # never printed, logged or stored
    llm_model: str = "gpt-4o-mini"  # the chat model behind the openai backend
    vision: bool = False  # send plot images to the LLM as image parts
    model: str = DEFAULT_MODEL  # the attention model a session starts with
    cache_dir: Path = field(default_factory=default_cache_dir)  # converted models
    artifacts_dir: Path | None = None  # figures; None: a temporary directory per session
    max_tokens: int = 512  # tokens analysed per text; longer texts are truncated with a warning
    max_attention_mb: float = 1024.0  # refuse a forward pass whose attention weights would need more
    max_artifacts_mb: float = 200.0  # per session; the oldest figures are deleted beyond it
    max_rounds: int = 8  # tool rounds per user turn
    request_timeout: float = 60.0  # seconds per LLM request
    llm_max_tokens: int = 2048  # tokens of one LLM answer (sent as max_tokens); a base model can stream for minutes
    llm_max_seconds: float = 240.0  # one LLM answer in total, streamed or not; then it is cut and the stream closed
    tool_timeout: float = 300.0  # seconds per tool call (the first gemma-270m conversion takes ~75 s)
    allow_downloads: bool = False  # fetch any hub model a tool asks for; False: only those a person named
    strict_models: bool = False  # a hub model this machine cannot get is an error, not analysed by a stand-in
    # where attention models run (tools/core/placement.py); auto: CUDA, then MPS, then CPU, in the dtype that suits it
    device: str = "auto"  # auto | cpu | cuda | cuda:N | mps
    dtype: str = "auto"  # auto | float32 | bfloat16 | float16
    device_map: str | None = None  # None: the whole model on `device`; auto | balanced | sequential: accelerate
    max_memory: tuple[tuple[str, str], ...] = ()  # per device, for device_map: (("0", "20GiB"), ("cpu", "64GiB"))
    offload_folder: Path | None = None  # device_map's disk offload; None: under cache_dir
    quantize: str | None = None  # 8bit | 4bit (bitsandbytes, CUDA only)

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        """Defaults, then the environment, then explicit overrides (None means: not given)."""
        env = os.environ
        values: dict[str, object] = {
            "base_url": env.get("OPENAI_BASE_URL") or None,
            "api_key": env.get("OPENAI_API_KEY") or None,
            "llm_model": env.get("SENSEI_LLM_MODEL") or cls.llm_model,
        }
        values.update({key: value for key, value in overrides.items() if value is not None})
        return cls(**values)  # type: ignore[arg-type]

    def downloads(self) -> Downloads:
        """A new session's download policy: the operator's --allow-downloads and --strict-models, and the model it
        was started with."""
        policy = Downloads(always=ALLOWED_BY_OPERATOR if self.allow_downloads else None, strict=self.strict_models)
        policy.learner_named(self.model)
        return policy

    def placement(self) -> Placement:
        """Where a session's attention models run, as asked (tools/core/placement.py resolves "auto")."""
        return Placement(device=self.device, dtype=self.dtype, device_map=self.device_map, max_memory=self.max_memory,
                         quantize=self.quantize,
                         offload_folder=str(self.offload_folder) if self.offload_folder else None)

    def new_session(self, artifacts_dir: Path | None = None) -> Session:
        """A tool session under this configuration's limits and download policy (the CLI's `tool` command, MCP)."""
        from tools import Session

        return Session(artifacts_dir=artifacts_dir or self.artifacts_dir, cache_dir=self.cache_dir,
                       model_name=self.model, max_tokens=self.max_tokens, max_attention_mb=self.max_attention_mb,
                       max_artifacts_mb=self.max_artifacts_mb, downloads=self.downloads(),
                       placement=self.placement())

    def resolved_backend(self) -> Literal["offline", "openai"]:
        if self.backend != "auto":
            return self.backend
        return "openai" if (self.api_key or self.base_url) else "offline"
