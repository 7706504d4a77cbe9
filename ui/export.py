"""Export a conversation as one self-contained Markdown file: a lesson handout with figures and code.

Figures are embedded as data URIs so the file travels alone. Only what the chat shows is written:
the settings (and so the API key) are never part of it. Only figures inside the browser session's own
artifacts directory are embedded: an image link to any other file (which an LLM can write into its
answer) is left out, so a handout never carries another learner's figure or any other file of the server.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from ui.render import IMAGE_PATTERN
from ui.texts import Language

__all__ = ["export_markdown"]

HEADINGS = {"en": ("# Attention Sensei — lesson handout", "**You:**"),
            "ja": ("# Attention 先生 — 授業用資料", "**質問:**")}


def export_markdown(history: list[Any], language: Language, directory: Path, lesson: str = "") -> str:
    """The handout of `history`; figures are embedded only from `directory`, the session's own artifacts.
    `lesson`: the guided lesson's progress (Markdown), written under the heading."""
    heading, you = HEADINGS[language]
    parts = [heading, lesson] if lesson else [heading]
    for message in history:
        role = _get(message, "role")
        content = _get(message, "content")
        metadata = _get(message, "metadata") or {}
        found = IMAGE_PATTERN.match(content) if isinstance(content, str) else None
        if role == "user":
            parts.append(f"---\n\n{you} {content}")
        elif found is not None:
            image = _own_png(found["path"], directory)
            if image is not None:
                parts.append(_embed(image))
        elif metadata.get("title"):
            parts.append(f"<details><summary>{metadata['title']}</summary>\n\n{content}\n\n</details>")
        elif isinstance(content, str) and not content.startswith("⬇️"):  # download links point at the server
            parts.append(content)
    return "\n\n".join(parts) + "\n"


def _get(message: Any, key: str) -> Any:
    return message.get(key) if isinstance(message, dict) else getattr(message, key, None)


def _own_png(quoted: str, directory: Path) -> Path | None:
    """The PNG a figure message links to (as ui.render.image_markdown writes it), if it lies in `directory`."""
    path = Path(unquote(quoted)).resolve()  # '..' and links resolved: where the bytes really are
    inside = path.is_relative_to(directory.resolve())
    return path if inside and path.suffix == ".png" and path.is_file() else None


def _embed(path: Path) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f"![{path.stem}](data:image/png;base64,{data})"
