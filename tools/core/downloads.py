"""When a session may fetch a model from the Hugging Face hub.

A model that is neither embedded, a local directory nor already in the local Hugging Face cache has
to be downloaded. A session downloads one only when a person asked for it: the learner named the
model (in a question, the settings or on the command line), or the operator allowed downloads for
every model (`--allow-downloads`, or a Python caller). A name the LLM, or another agent over MCP,
came up with on its own is loaded only from what is already on this machine: a model's say-so never
makes the server fetch a repository.

When a hub model can be had neither way (not cached, and the hub out of reach), an embedded model
stands in for it (tools/core/substitutes.py) unless the policy is `strict`: then that is an error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = ["Downloads", "NAMED_BY_LEARNER"]

NAMED_BY_LEARNER = "the learner named it"
NAMES_KEPT = 256  # the most recent names a person typed; older ones must be named again

# A word that could be a hub id ('gpt2', 'org/name'); ASCII only, so 「bert-base-uncasedで」 gives 'bert-base-uncased'.
_NAME = re.compile(r"[A-Za-z0-9][\w.-]*(?:/[\w.-]+)?", re.ASCII)


@dataclass
class Downloads:
    """Who may make this session download a model; see the module docstring."""

    always: str | None = None  # why every model may be downloaded (e.g. "--allow-downloads"); None: named ones only
    strict: bool = False  # refuse an embedded stand-in for a model this machine cannot get (--strict-models)
    _named: dict[str, None] = field(default_factory=dict)  # lower-case names a person typed, oldest first

    def learner_named(self, text: str) -> None:
        """Remember every model-like name in something a person typed: a question, a setting."""
        for word in _NAME.findall(text or ""):
            name = word.strip(".-").lower()
            self._named.pop(name, None)
            self._named[name] = None
        while len(self._named) > NAMES_KEPT:
            del self._named[next(iter(self._named))]

    def reason(self, name: str) -> str | None:
        """Why this session may download `name`, or None: then it loads only from the local cache."""
        if self.always:
            return self.always
        return NAMED_BY_LEARNER if name.strip().lower() in self._named else None
