"""Translate the sensei's events into Gradio chat messages; nothing else happens here.

A tool call is a collapsible step (pending → done, with its duration, arguments and summary);
a figure follows it as an inline image, a line of download links and a collapsed "show code". An answer that
offers questions to ask next (the menu of views) shows each as a button under it (Gradio's message options:
the chatbot's `option_select` asks the question, ui/app.py).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

import gradio as gr

from agent.events import Event, FinalAnswer, TextDelta, ToolFinished, ToolProgress, ToolStarted, TurnError
from tools.core.notes import render as render_note
from ui.texts import Language, t

__all__ = ["ChatRenderer", "file_url", "image_markdown", "IMAGE_PATTERN"]


def file_url(path: str | Path) -> str:
    """The URL Gradio serves an allowed file under."""
    return f"/gradio_api/file={quote(Path(path).as_posix(), safe='/')}"


def image_markdown(path: str | Path, title: str) -> str:
    """An inline figure that opens full size (in a new tab) on click."""
    url = file_url(path)
    alt = re.sub(r"[\[\]\n]", " ", title)
    return f"[![{alt}]({url})]({url})"


IMAGE_PATTERN = re.compile(r"^\[!\[(?P<alt>[^\]]*)\]\(/gradio_api/file=(?P<path>[^)\s]+)\)\]")


class ChatRenderer:
    """Keeps the chat history (a list of gr.ChatMessage) in step with one turn's events."""

    def __init__(self, history: list[Any], language: Language) -> None:
        self.history = history
        self.language = language
        self._steps: dict[str, gr.ChatMessage] = {}
        self._answer: gr.ChatMessage | None = None

    def apply(self, event: Event) -> None:
        if isinstance(event, ToolStarted):
            self._answer = None  # text after this step starts a new bubble
            self._start(event)
        elif isinstance(event, ToolProgress):
            step = self._steps.get(event.call_id)
            if step is not None:
                step.metadata["log"] = f"{event.fraction:.0%} · {event.message}"
        elif isinstance(event, ToolFinished):
            self._finish(event)
        elif isinstance(event, TextDelta):
            self._text(event.text)
        elif isinstance(event, FinalAnswer):
            if self._answer is None and event.text:
                self._text(event.text)
            if self._answer is not None and event.suggestions:
                self._answer.options = [{"value": question, "label": question} for question in event.suggestions]
        elif isinstance(event, TurnError):
            self.history.append(gr.ChatMessage(role="assistant", content=f"⚠️ {event.message}"))

    def _start(self, event: ToolStarted) -> None:
        arguments = json.dumps(event.arguments, ensure_ascii=False, indent=1) if event.arguments is not None \
            else t("invalid_arguments", self.language)
        step = gr.ChatMessage(
            role="assistant",
            content=f"```json\n{arguments}\n```",
            metadata={"title": f"🔧 {event.name}", "status": "pending", "id": event.call_id},
        )
        self._steps[event.call_id] = step
        self.history.append(step)

    def _finish(self, event: ToolFinished) -> None:
        step = self._steps.get(event.call_id)
        if step is None:
            return
        step.metadata.update(status="done", duration=round(event.seconds, 2))
        step.metadata.pop("log", None)
        if event.ok:
            step.metadata["title"] = f"🔧 {event.name} ✓"
            notes = event.result.get("notes") or []  # each rendered from its key, in the learner's language
            extra = "".join(f"\n\n⚠️ {render_note(note, self.language)}" for note in notes)
            step.content = f"{step.content}\n\n{event.summary}{extra}"
            self._figure(event)
        else:
            step.metadata["title"] = f"🔧 {event.name} ✗"
            said = event.result.get("error_note")  # the error as a note: then in the learner's language
            step.content = f"{step.content}\n\n❌ {render_note(said, self.language) if said else event.error}"

    def _figure(self, event: ToolFinished) -> None:
        """A figure inline; then the downloads and the script (a step with no figure, such as extraction,
        has only its script)."""
        artifacts = event.artifacts
        if not artifacts:
            return
        if "png" in artifacts:
            title = str(event.result.get("title", event.name)).replace("\n", " · ")
            self.history.append(gr.ChatMessage(role="assistant", content=image_markdown(artifacts["png"], title)))
        links = " · ".join(f"[{kind.upper() if kind != 'code' else t('script', self.language)}]"
                           f"({file_url(path)})" for kind, path in artifacts.items())
        self.history.append(gr.ChatMessage(role="assistant", content=f"⬇️ {t('downloads', self.language)}: {links}"))
        code = event.result.get("code")
        if code:
            self.history.append(gr.ChatMessage(
                role="assistant", content=f"```python\n{code}\n```",
                metadata={"title": f"📄 {t('show_code', self.language)}", "status": "done"},
            ))

    def _text(self, text: str) -> None:
        if self._answer is None:
            self._answer = gr.ChatMessage(role="assistant", content="")
            self.history.append(self._answer)
        self._answer.content = f"{self._answer.content}{text}"
