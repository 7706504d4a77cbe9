"""The sensei facade: one Conversation per learner, one `turn()` generator per question.

    Sensei(settings)                  picks the backend (offline, or an OpenAI-compatible LLM)
    sensei.new_conversation()         a learner's own state: messages, memory, current model, latest extraction
    sensei.turn(conv, question)       yields the events of agent/events.py
    sensei.undo(conv)                 takes back the last question and what was remembered of it, never under a
                                      running turn
    conv.to_json() / sensei.restore() a conversation as a JSON-able object, to save and continue later

openai is imported only when the openai backend runs: the offline sensei never pays for it.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent.events import Event, TurnError
from agent.offline import offline_turn
from agent.planner import detect_language
from agent.registry import Registry, default_registry
from agent.settings import Settings
from prompts import system_prompt
from tools import Session

__all__ = ["Sensei", "Conversation", "ConversationBusy", "ConversationFormatError", "MAX_QUESTION_CHARS",
           "SAVED_FORMAT", "SAVED_VERSION", "TAKEOVER_SECONDS"]

MAX_QUESTION_CHARS = 20_000
TAKEOVER_SECONDS = 15.0  # how long a new question waits for a stopped one to wind down
SAVED_FORMAT = "attention-sensei-conversation"
SAVED_VERSION = 1
_ROLES = ("user", "assistant", "tool")


class ConversationFormatError(ValueError):
    """Saved data that is not a conversation this version can continue (the caller's input, not our bug)."""


class ConversationBusy(RuntimeError):
    """The conversation was to be edited while a turn runs (the caller's timing, not our bug): stop it first."""


@dataclass
class _Before:
    """What a question may change, as it was just before it was asked: what `Sensei.undo` puts back."""

    asked: int  # questions in the conversation before this one
    context: dict[str, Any]
    model: str  # the tools session's current model
    latest: tuple[str, str] | None  # (model, text) of its latest extraction, found again in its cache
    model_after: str | None = None  # the current model when the question's turn ended

    @classmethod
    def of(cls, conversation: Conversation) -> _Before:
        latest = conversation.tools.latest
        return cls(sum(m["role"] == "user" for m in conversation.messages), copy.deepcopy(conversation.context),
                   conversation.tools.model_name, (latest.model.name, latest.text) if latest is not None else None)

    def put_back(self, conversation: Conversation) -> None:
        conversation.context.clear()
        conversation.context.update(self.context)
        if conversation.tools.model_name == self.model_after:  # not chosen since, in the settings
            conversation.tools.model_name = self.model
        # None when it has left the cache since: better no latest sentence than the one taken back
        conversation.tools.latest = conversation.tools.recall(*self.latest) if self.latest else None


@dataclass
class Conversation:
    """Everything one learner owns. Nothing here is shared with another conversation."""

    tools: Session
    messages: list[dict[str, Any]] = field(default_factory=list)  # OpenAI format, without the system prompt
    context: dict[str, Any] = field(default_factory=dict)  # JSON-able memory the offline sensei keeps between turns
    lock: threading.Lock = field(default_factory=threading.Lock)  # one turn at a time
    cancel: threading.Event = field(default_factory=threading.Event)  # set to stop the running turn
    before: list[_Before] = field(default_factory=list)  # one per question asked since it was created or restored

    def to_json(self) -> dict[str, Any]:
        """What `Sensei.restore` needs to continue this conversation. Settings (and so any API key) stay out."""
        return {"format": SAVED_FORMAT, "version": SAVED_VERSION, "messages": copy.deepcopy(self.messages),
                "context": copy.deepcopy(self.context), "model": self.tools.model_name}


class Sensei:
    def __init__(self, settings: Settings, client: Any = None, registry: Registry | None = None) -> None:
        self.settings = settings
        self.backend = settings.resolved_backend()
        self.registry = registry or default_registry()
        self._client = client

    @property
    def client(self) -> Any:
        if self._client is None:
            from agent.endpoint import make_client

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
                                          max_artifacts_mb=settings.max_artifacts_mb,
                                          placement=settings.placement()))

    def restore(self, data: Any, artifacts_dir: Path | None = None) -> Conversation:
        """Continue a conversation saved with `Conversation.to_json()`.

        Raises:
            ConversationFormatError: `data` is not a saved conversation of this format and version.
        """
        _check_saved(data)
        conversation = self.new_conversation(artifacts_dir)
        conversation.messages = copy.deepcopy(data["messages"])
        conversation.context = copy.deepcopy(data["context"])
        conversation.tools.model_name = data["model"]
        return conversation

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
        before = _Before.of(conversation)
        try:
            conversation.before.append(before)
            conversation.messages.append({"role": "user", "content": question})
            if self.backend == "offline":
                yield from offline_turn(self.registry, self.settings, conversation.tools, conversation.messages,
                                        cancel, context=conversation.context)
            else:
                from agent.llm import llm_turn

                yield from llm_turn(self.client, self.registry, self.settings, conversation.tools,
                                    conversation.messages, self._system(question, conversation), cancel)
        finally:
            before.model_after = conversation.tools.model_name
            conversation.lock.release()

    def undo(self, conversation: Conversation) -> str | None:
        """Take back the last question: it and everything after it leave the conversation. Returns it, or None.

        Cutting at a question keeps the history valid (every tool call with its result), but only when
        no turn is appending to it at the same time. What the question changed goes back as it was before
        it (the offline sensei's memory, the current model, the latest sentence), so a follow-up reads
        against the questions that remain; for a question asked before the conversation was restored from
        a file, that is unknown, and the memory is forgotten rather than left pointing at it.

        Raises:
            ConversationBusy: a turn is running; stop it first.
        """
        if not conversation.lock.acquire(blocking=False):
            raise ConversationBusy("a question is still being answered: stop it first, then undo")
        try:
            messages = conversation.messages
            asked = [index for index, message in enumerate(messages) if message["role"] == "user"]
            if not asked:
                return None
            question = messages[asked[-1]]["content"]
            del messages[asked[-1]:]
            before = conversation.before
            while before and before[-1].asked >= len(asked):  # left by questions cut from the messages otherwise
                before.pop()
            if before and before[-1].asked == len(asked) - 1:
                before.pop().put_back(conversation)
            else:
                conversation.context.clear()
            return question
        finally:
            conversation.lock.release()

    def stop(self, conversation: Conversation) -> None:
        """Ask the running turn to stop at its next step; the conversation stays consistent."""
        conversation.cancel.set()

    def _system(self, question: str, conversation: Conversation) -> str:
        tools = "\n".join(f"- {name}: {spec.schema['function']['description'].splitlines()[0]}"
                          for name, spec in self.registry.tools.items())
        return system_prompt(detect_language(question), conversation.tools.model_name, tools)


def _check_saved(data: Any) -> None:
    """Raise ConversationFormatError unless `data` has the shape `Conversation.to_json` writes."""
    expected = f'{{"format": "{SAVED_FORMAT}", "version": {SAVED_VERSION}, "messages": [...], "context": {{...}}, ' \
               '"model": "..."}'
    if not isinstance(data, dict):
        raise ConversationFormatError(f"expected a JSON object {expected}, not {type(data).__name__}")
    if data.get("format") != SAVED_FORMAT:
        raise ConversationFormatError(f"expected format {SAVED_FORMAT!r}, not {data.get('format')!r}: "
                                      "this is not a saved attention-sensei conversation")
    if data.get("version") != SAVED_VERSION:
        raise ConversationFormatError(f"expected version {SAVED_VERSION}, not {data.get('version')!r}: "
                                      "this attention-sensei cannot continue it")
    messages = data.get("messages")
    if not isinstance(messages, list):
        raise ConversationFormatError(f"expected messages to be a list, not {type(messages).__name__}")
    for number, message in enumerate(messages, start=1):
        if not isinstance(message, dict) or message.get("role") not in _ROLES:
            raise ConversationFormatError(f"message {number} is not a chat message: expected an object whose "
                                          f"role is one of {', '.join(_ROLES)}, not {message!r:.80}")
        if not isinstance(message.get("content"), str | None):
            raise ConversationFormatError(f"message {number}: expected text content, not "
                                          f"{type(message.get('content')).__name__}")
    if not isinstance(data.get("context"), dict):
        raise ConversationFormatError(f"expected context to be an object, not {type(data.get('context')).__name__}")
    if not isinstance(data.get("model"), str) or not data["model"].strip():
        raise ConversationFormatError(f"expected model to be a model name such as 'minilm', not {data.get('model')!r}")
