"""A conversation kept in a file (`--session FILE`): read to continue it, written back after each turn.

The file is what `Conversation.to_json()` returns: messages, the offline sensei's memory and the
current model; never a setting, so never an API key. A file we cannot continue (unreadable, not
JSON, another format or version) is refused and left exactly as it was: we only ever write a file
we read as ours, or a new one. Writes go to a temporary file beside it, then replace it in one
rename, so an interrupted write leaves the old conversation whole.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from agent.sensei import SAVED_FORMAT, SAVED_VERSION, Conversation, ConversationFormatError, Sensei

__all__ = ["ConversationFileError", "open_conversation", "save_conversation"]

_FIX = "It was left unchanged. To start a new conversation, give a new file name, e.g. --session lesson2.json"


class ConversationFileError(Exception):
    """A --session file that cannot be continued, or cannot be written; the message says how to fix it."""


def open_conversation(sensei: Sensei, path: Path, artifacts_dir: Path | None = None) -> Conversation:
    """The conversation saved in `path`, or a new one when there is no such file.

    Raises:
        ConversationFileError: the file exists but is not a conversation this version can continue.
    """
    if not path.exists():
        return sensei.new_conversation(artifacts_dir)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ConversationFileError(f"{path} is not a saved conversation: it is not UTF-8 text. {_FIX}") from None
    except OSError as error:
        raise ConversationFileError(f"cannot read {path}: {error.strerror or error}. {_FIX}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ConversationFileError(
            f"{path} is not a saved conversation: it is not JSON ({error.msg} at line {error.lineno}); expected "
            f'an object {{"format": "{SAVED_FORMAT}", "version": {SAVED_VERSION}, ...}} written by attention-sensei. '
            f"{_FIX}") from None
    try:
        return sensei.restore(data, artifacts_dir)
    except ConversationFormatError as error:
        raise ConversationFileError(f"{path} cannot be continued: {error}. {_FIX}") from None


def save_conversation(path: Path, conversation: Conversation) -> None:
    """Write the conversation to `path` (readable by its owner only), replacing it in one rename.

    Raises:
        ConversationFileError: the file or its directory cannot be written.
    """
    text = json.dumps(conversation.to_json(), ensure_ascii=False, indent=1)
    temporary: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(text + "\n")
        os.replace(temporary, path)
        temporary = None
    except OSError as error:
        raise ConversationFileError(f"could not save the conversation to {path}: {error.strerror or error}; "
                                    "give a --session path in a directory you can write") from None
    finally:
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)
