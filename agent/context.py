"""What the offline sensei remembers of a conversation: the sentence, the model, the view, the latest tool.

Kept as a plain JSON-able dict in `Conversation.context`, so a conversation can be saved to a file
(`attention-sensei ask --session FILE`) and continued later. A follow-up ("now layer 0",
「それを折れ線グラフにして」, "the same sentence with gemma") is read against it: what the new
question does not say is taken from here, and the answer says which choices were kept.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["Context", "KEPT_READINGS", "SENTENCE_FREE", "TEXTS", "VIEWS", "VIEW_CHOICES", "VIEW_FLAGS", "with_text",
           "with_view"]

TEXTS = 6  # sentences remembered for "the first sentence", "compare the two"
VIEWS = 8  # figures remembered for "go back to the first figure", 「2つ目の図に戻って」
# Choices a follow-up keeps when it does not name them (a new sentence starts afresh).
KEPT_READINGS = ("layer", "head", "query", "key", "annotate", "exclude_special", "words", "new_tokens", "sentence_b",
                 "model_b", "model_c", "expression", "color_max")
# ... and those the same tool keeps even for a new sentence ('do it for "Time flies"' after explaining an expression)
SENTENCE_FREE = ("expression",)
# the yes/no choices of a view, read from words ("with the numbers", 「特殊トークンなしで」)
VIEW_FLAGS = ("annotate", "exclude_special", "words")
# ... and those the same view keeps when only the sentence changes ("now try 'X'", 「じゃあ「X」は?」)
VIEW_CHOICES = ("layer", "head", "annotate", "exclude_special", "words", "color_max", "new_tokens")


@dataclass
class Context:
    text: str | None = None  # the latest sentence analysed
    model: str | None = None  # the model named for it; None: the session's current model
    tool: str | None = None  # the latest tool that ran
    choices: dict[str, Any] = field(default_factory=dict)  # reading -> value, for KEPT_READINGS
    question: str | None = None  # the latest question, however answered: a terse reply ("Macです") reads with it
    offered: str | None = None  # the tool a concept answer offered (its entry's tools), until a tool runs
    texts: list[str] = field(default_factory=list)  # the sentences analysed so far, oldest first (at most TEXTS)
    views: list[dict[str, Any]] = field(default_factory=list)  # the figures drawn: tool, text, model, choices
    menu: bool = False  # the last answer listed the views ("How can I visualize it?"): "the second one" picks
    awaits_sentence: bool = False  # the last answer asked for the learner's own sentence: a reply may be only that

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Context:
        data = data or {}
        return cls(text=data.get("text"), model=data.get("model"), tool=data.get("tool"), question=data.get("question"),
                   offered=data.get("offered"), texts=[str(t) for t in list(data.get("texts", []))[-TEXTS:]],
                   choices={k: v for k, v in dict(data.get("choices", {})).items() if k in KEPT_READINGS},
                   views=[_view(v) for v in list(data.get("views", []))[-VIEWS:] if isinstance(v, dict)],
                   menu=bool(data.get("menu", False)), awaits_sentence=bool(data.get("awaits_sentence", False)))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _view(data: dict[str, Any]) -> dict[str, Any]:
    """A remembered figure as read back from a saved conversation: only the known fields."""
    return {"tool": data.get("tool"), "text": data.get("text"), "model": data.get("model"),
            "choices": {k: v for k, v in dict(data.get("choices", {})).items() if k in KEPT_READINGS}}


def with_view(views: list[dict[str, Any]], context: Context) -> list[dict[str, Any]]:
    """The figures drawn so far once `context`'s figure is drawn (past VIEWS, the oldest but the first drop)."""
    view = {"tool": context.tool, "text": context.text, "model": context.model, "choices": dict(context.choices)}
    if views and views[-1] == view:
        return views
    return [*views, view] if len(views) < VIEWS else [views[0], *views[2:], view]


def with_text(texts: list[str], text: str | None) -> list[str]:
    """The sentences analysed so far, in the order they first came, once `text` is analysed (past TEXTS, the
    oldest but the first drop: 'the first sentence' stays the conversation's first)."""
    if text is None or text in texts:
        return texts
    return [*texts, text] if len(texts) < TEXTS else [texts[0], *texts[2:], text]
