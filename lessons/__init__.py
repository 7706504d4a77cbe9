"""Guided lessons: learn attention by predicting, then seeing the real numbers.

A lesson is a bilingual TOML file; its name without .toml is its id. The lessons shipped live in
`lessons/library/`; `attention-sensei lesson --check FILE` checks any file and names every problem.

    order = 1                          # place in the list (optional)
    title_en = "..."                   # every text comes in both languages: <field>_en and <field>_ja
    title_ja = "..."
    summary_en = "..."
    summary_ja = "..."

    [arguments]                        # optional: given to every step's tool that takes them,
    model = "minilm"                   # unless the step gives its own
    text = "The cat sat on the mat because it was tired."

    [[step]]                           # one per step, in order
    title_en = "..."
    title_ja = "..."
    text_en = "..."                    # the explanation, Markdown
    text_ja = "..."
    tool = "plot_line"                 # the tool call that demonstrates it (any registered tool)
    arguments = { query = "it" }       # its arguments, checked against the tool's signature
    try_en = "..."                     # optional, both or neither: a question to ask the sensei next
    try_ja = "..."

    [step.predict]                     # optional: asked before the tool runs, graded against its result
    kind = "most_attended"             # lessons/predictions.py lists the kinds and the tool each reads
    choices = ["cat", "mat", "[CLS]"]  # tokens, layers, shapes, numbers or roles; none for yes/no kinds
    question_en = "..."
    question_ja = "..."
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from lessons.lesson_file import LANGUAGES, Lesson, LessonError, Prediction, Step, parse_lesson, read_lesson
from lessons.steps import Progress

__all__ = ["Lesson", "Step", "Prediction", "LessonError", "Progress", "read_lesson", "parse_lesson", "library",
           "read_library", "LIBRARY", "LANGUAGES"]

LIBRARY = Path(__file__).resolve().parent / "library"


def read_library(directory: Path = LIBRARY) -> tuple[dict[str, Lesson], list[LessonError]]:
    """The good lessons of a directory by id, in their order, and the problems of the broken ones."""
    found, broken = [], []
    for path in sorted(directory.glob("*.toml")):
        try:
            found.append(read_lesson(path))
        except LessonError as error:
            broken.append(error)
    return {lesson.id: lesson for lesson in sorted(found, key=lambda lesson: (lesson.order, lesson.id))}, broken


@cache
def library() -> dict[str, Lesson]:
    """The lessons shipped with the app, by id. A broken one is our bug: LessonError."""
    lessons, broken = read_library()
    if broken:
        raise broken[0]
    return lessons
