"""Taking a lesson: a step's words, its real tool call, the grading of its prediction, and the progress.

The terminal (attention_sensei/lesson.py) and the app (ui/lessons.py) both go through here: a step's
tool runs through the sensei's own runner (agent/runner.py: validated, timed, with progress, in the
learner's tools session), so its events are the ones the chat and the CLI already show.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from agent.compose import outcome_text
from agent.events import ToolFinished, ToolProgress, ToolStarted
from agent.registry import Registry
from agent.runner import run_tool
from lessons.lesson_file import Lesson, Step
from lessons.predictions import GradingError, Verdict, grade
from lessons.words import choice_label, say, verdict_text
from prompts import Language
from tools import Session

__all__ = ["run_step", "step_text", "prediction_text", "choice_labels", "result_text", "Progress", "GradingError"]


def run_step(step: Step, registry: Registry, session: Session, language: Language, timeout: float, call_id: str
             ) -> Iterator[ToolStarted | ToolProgress | ToolFinished]:
    """The step's tool call, as events: started, progress, then exactly one ToolFinished."""
    arguments = registry.filled(step.tool, step.arguments, language=language)  # figures speak the learner's language
    yield ToolStarted(call_id, step.tool, arguments)
    yield from run_tool(registry, session, call_id, step.tool, arguments, timeout)


def step_text(lesson: Lesson, number: int, language: Language) -> str:
    """The step's heading and explanation (number is 1-based)."""
    step = lesson.steps[number - 1]
    heading = say("step", language, lesson=lesson.title[language], number=number, total=len(lesson.steps),
                  title=step.title[language])
    return f"{heading}\n\n{step.text[language]}"


def prediction_text(step: Step, language: Language) -> str:
    assert step.predict is not None, "only a step with a prediction asks one"
    return say("predict", language, question=step.predict.question[language])


def choice_labels(step: Step, language: Language) -> list[str]:
    assert step.predict is not None, "only a step with a prediction has choices"
    return [choice_label(step.predict.kind, value, language) for value in step.predict.choices]


def result_text(finished: ToolFinished, language: Language) -> str:
    """What the step's tool found, in words: its card's answer lines and notes (or its error and what to try)."""
    return outcome_text(finished, language)


@dataclass
class Progress:
    """One learner's way through one lesson: where they are and what they predicted (app and terminal)."""

    lesson: Lesson
    position: int = 1  # the step shown, 1-based
    verdicts: dict[int, Verdict] = field(default_factory=dict)  # by step number
    problems: dict[int, str] = field(default_factory=dict)  # a step whose tool failed or could not be graded

    @property
    def step(self) -> Step:
        return self.lesson.steps[self.position - 1]

    def check(self, picked: int, finished: ToolFinished, language: Language) -> str:
        """Grade choice number `picked` (0-based) of the current step against its real result; the feedback."""
        step = self.step
        assert step.predict is not None, "only a step with a prediction is checked"
        if not finished.ok:
            self.problems[self.position] = finished.error or ""
            return result_text(finished, language)
        try:
            verdict = grade(step.predict.kind, step.predict.choices, picked, finished.result, finished.arguments or {})
        except GradingError as error:
            self.problems[self.position] = str(error)
            return f"⚠️ {error}"
        self.verdicts[self.position] = verdict
        return verdict_text(verdict, language)

    def right(self) -> int:
        return sum(verdict.correct for verdict in self.verdicts.values())

    def summary(self, language: Language) -> str:
        """Markdown: the lesson, the step reached and each prediction with its verdict (the export carries it)."""
        lines = [say("progress", language, lesson=self.lesson.title[language], number=self.position,
                     total=len(self.lesson.steps), right=self.right(), asked=len(self.verdicts))]
        for number, verdict in sorted(self.verdicts.items()):
            mark = say("right" if verdict.correct else "wrong", language)
            lines.append(say("progress_line", language, number=number,
                             title=self.lesson.steps[number - 1].title[language],
                             picked=choice_label(verdict.kind, verdict.picked, language), verdict=mark))
        return "\n".join(lines)
