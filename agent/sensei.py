"""The sensei facade: one Conversation per learner, one `turn()` generator per question.

    Sensei(settings)            picks the backend (offline, or an OpenAI-compatible LLM)
    sensei.new_conversation()   a learner's own state: messages, current model, latest extraction
    sensei.turn(conv, question) yields the events of agent/events.py
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent.events import Event, TurnError
from agent.llm import llm_turn, make_client
from agent.offline import offline_turn
from agent.planner import detect_language
from agent.registry import Registry, default_registry
from agent.settings import Settings
from prompts import system_prompt
from tools import Session

__all__ = ["Sensei", "Conversation", "MAX_QUESTION_CHARS"]

MAX_QUESTION_CHARS = 20_000
TAKEOVER_SECONDS = 15.0  # how long a new question waits for a stopped one to wind down


@dataclass
class Conversation:
    """Everything one learner owns. Nothing here is shared with another conversation."""

    tools: Session
    messages: list[dict[str, Any]] = field(default_factory=list)  # OpenAI format, without the system prompt
    lock: threading.Lock = field(default_factory=threading.Lock)  # one turn at a time
    cancel: threading.Event = field(default_factory=threading.Event)  # set to stop the running turn


class Sensei:
    def __init__(self, settings: Settings, client: Any = None, registry: Registry | None = None) -> None:
        self.settings = settings
        self.backend = settings.resolved_backend()
        self.registry = registry or default_registry()
        self._client = client

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = make_client(self.settings)
        return self._client

    def describe(self) -> str:
        if self.backend == "offline":
            return "offline sensei (built in: no key, no network)"
        return f"LLM {self.settings.llm_model} at {self.settings.base_url or 'https://api.openai.com/v1'}"

    def new_conversation(self, artifacts_dir: Path | None = None) -> Conversation:
        settings = self.settings
        return Conversation(tools=Session(artifacts_dir=artifacts_dir or settings.artifacts_dir,
                                          cache_dir=settings.cache_dir, model_name=settings.model,
                                          max_tokens=settings.max_tokens,
                                          max_attention_mb=settings.max_attention_mb,
                                          max_artifacts_mb=settings.max_artifacts_mb))

    def turn(self, conversation: Conversation, question: str, cancel: threading.Event | None = None
             ) -> Iterator[Event]:
        question = (question or "").strip()
        if not question:
            yield TurnError("the question is empty: ask something, e.g. "
                            "\"Show the heatmap of 'I love natural language processing!'\"")
            return
        if len(question) > MAX_QUESTION_CHARS:
            yield TurnError(f"the question has {len(question):,} characters; at most {MAX_QUESTION_CHARS:,} "
                            "are accepted. Shorten it.")
            return
        if not conversation.lock.acquire(blocking=False):
            conversation.cancel.set()  # a new question replaces the one still running
            if not conversation.lock.acquire(timeout=TAKEOVER_SECONDS):
                yield TurnError("the previous question is still being answered; wait a moment and ask again")
                return
        conversation.cancel = cancel = cancel or threading.Event()
        try:
            conversation.messages.append({"role": "user", "content": question})
            if self.backend == "offline":
                yield from offline_turn(self.registry, self.settings, conversation.tools, conversation.messages,
                                        cancel)
            else:
                yield from llm_turn(self.client, self.registry, self.settings, conversation.tools,
                                    conversation.messages, self._system(question, conversation), cancel)
        finally:
            conversation.lock.release()

    def stop(self, conversation: Conversation) -> None:
        """Ask the running turn to stop at its next step; the conversation stays consistent."""
        conversation.cancel.set()

    def _system(self, question: str, conversation: Conversation) -> str:
        tools = "\n".join(f"- {name}: {spec.schema['function']['description'].splitlines()[0]}"
                          for name, spec in self.registry.tools.items())
        return system_prompt(detect_language(question), conversation.tools.model_name, tools)
