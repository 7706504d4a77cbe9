"""The guided lessons in the app: a picker, Back / Next, each step's explanation, figure and result in the chat,
and a prediction as radio choices with a Check button that runs the step's tool and grades the guess on the
real result (lessons/steps.py). Progress is kept on the browser session (`UiSession.lesson`) and written in
the Markdown export.

A step's tool runs in the browser session's own tools session, like a sensei turn, so the explorer panel
(refreshed after each lesson event, ui/app.py) shows the step's sentence. Lesson files with problems are not
offered; the panel shows each refused file with the same message as `attention-sensei lesson --check`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import gradio as gr

from agent.events import ToolFinished
from agent.sensei import TAKEOVER_SECONDS
from lessons import LIBRARY, LessonError, Progress, read_library
from lessons.steps import choice_labels, prediction_text, result_text, run_step, step_text
from lessons.words import say
from ui.render import ChatRenderer
from ui.texts import Language

__all__ = ["LessonPanel", "TEXTS"]

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "box": "Guided lessons: predict, then see the real numbers",
        "pick": "Lesson",
        "start": "Start the lesson",
        "back": "◀ Back",
        "next": "Next ▶",
        "check": "Check my prediction",
        "choices": "Your prediction",
        "choose_first": "Pick one of the choices first.",
        "busy": "The previous question or step is still running.",
        "refused": "These lesson files have problems and are not offered (`attention-sensei lesson --check FILE` "
                   "says the same):",
        "none": "No lesson here yet.",
    },
    "ja": {
        "box": "ガイド付きレッスン: 予想してから本物の数値を見る",
        "pick": "レッスン",
        "start": "レッスンを始める",
        "back": "◀ 戻る",
        "next": "次へ ▶",
        "check": "予想を確かめる",
        "choices": "あなたの予想",
        "choose_first": "先に選択肢を1つ選んでください。",
        "busy": "前の質問またはステップをまだ実行中です。",
        "refused": "次のレッスンファイルには問題があるため表示していません(`attention-sensei lesson --check FILE` "
                   "でも同じ内容が出ます):",
        "none": "まだレッスンがありません。",
    },
}

Outputs = tuple[Any, ...]  # chatbot, state, choices, check, back, next, progress


class LessonPanel:
    """The lesson components; `wire` connects them and returns the events that run steps (for Stop and the explorer).

    `new_session()` makes the app's UiSession for a browser that has none yet."""

    def __init__(self, new_session: Callable[[], Any], directory: Path = LIBRARY) -> None:
        self.lessons, refused = read_library(directory)
        self.new_session = new_session
        with gr.Accordion(TEXTS["en"]["box"], open=True, elem_id="lessons") as self.box:
            with gr.Row():
                self.picker = gr.Dropdown(self._titles("en"), value=next(iter(self.lessons), None), scale=3,
                                          label=TEXTS["en"]["pick"], elem_id="lesson-picker")
                self.start = gr.Button(TEXTS["en"]["start"], variant="primary", scale=1, elem_id="lesson-start")
            self.progress = gr.Markdown("", elem_id="lesson-progress")
            self.choices = gr.Radio([], label=TEXTS["en"]["choices"], visible=False, elem_id="lesson-choices")
            with gr.Row():
                self.back = gr.Button(TEXTS["en"]["back"], size="sm", interactive=False, elem_id="lesson-back")
                self.check = gr.Button(TEXTS["en"]["check"], size="sm", variant="primary", visible=False,
                                       elem_id="lesson-check")
                self.next = gr.Button(TEXTS["en"]["next"], size="sm", interactive=False, elem_id="lesson-next")
            self.refused = gr.Markdown(refused_text(refused, "en"), visible=bool(refused), elem_id="lesson-refused")
        self._refused_errors = refused

    def _titles(self, language: Language) -> list[tuple[str, str]]:
        return [(f"{lesson.title[language]} ({len(lesson.steps)})", lesson.id) for lesson in self.lessons.values()]

    def wire(self, state: Any, chatbot: Any, language: Any) -> list[Any]:
        outputs = [chatbot, state, self.choices, self.check, self.back, self.next, self.progress]
        events = [
            self.start.click(self.begin, [self.picker, state, language], outputs, api_visibility="private"),
            self.next.click(self.forward, [state, language], outputs, api_visibility="private"),
            self.back.click(self.backward, [state, language], outputs, api_visibility="private"),
            self.check.click(self.grade, [self.choices, state, language], outputs, api_visibility="private"),
        ]
        labelled = [self.box, self.picker, self.start, self.back, self.next, self.check, self.choices, self.refused]
        language.change(self.relabel, [language], labelled, api_visibility="private")
        return events

    def relabel(self, language: Language) -> list[Any]:
        words = TEXTS[language]
        return [gr.update(label=words["box"]), gr.update(label=words["pick"], choices=self._titles(language)),
                gr.update(value=words["start"]), gr.update(value=words["back"]), gr.update(value=words["next"]),
                gr.update(value=words["check"]), gr.update(label=words["choices"]),
                gr.update(value=refused_text(self._refused_errors, language))]

    # --- the handlers: each holds the browser session's `busy` lock while it changes the chat ------------------

    def begin(self, lesson_id: str | None, state: Any, language: Language) -> Iterator[Outputs]:
        session = state or self.new_session()
        lesson = self.lessons.get(lesson_id or "")
        if lesson is None:
            gr.Warning(TEXTS[language]["none"])
            yield self._outputs(session, language)
            return
        yield from self._locked(session, language, lambda: self._enter(session, Progress(lesson), 1, language))

    def forward(self, state: Any, language: Language) -> Iterator[Outputs]:
        session = state or self.new_session()
        progress: Progress | None = getattr(session, "lesson", None)
        if progress is None:
            yield self._outputs(session, language)
            return
        if progress.position >= len(progress.lesson.steps):
            yield from self._locked(session, language, lambda: self._finish(session, progress, language))
            return
        yield from self._locked(session, language, lambda: self._enter(session, progress, progress.position + 1,
                                                                       language))

    def backward(self, state: Any, language: Language) -> Iterator[Outputs]:
        session = state or self.new_session()
        progress: Progress | None = getattr(session, "lesson", None)
        if progress is None or progress.position <= 1:
            yield self._outputs(session, language)
            return
        yield from self._locked(session, language, lambda: self._enter(session, progress, progress.position - 1,
                                                                       language))

    def grade(self, chosen: str | None, state: Any, language: Language) -> Iterator[Outputs]:
        session = state or self.new_session()
        progress: Progress | None = getattr(session, "lesson", None)
        if progress is None or progress.step.predict is None:
            yield self._outputs(session, language)
            return
        if chosen is None or not str(chosen).isdigit():
            gr.Warning(TEXTS[language]["choose_first"])
            yield self._outputs(session, language, asking=True)
            return
        yield from self._locked(session, language, lambda: self._checked(session, progress, int(chosen), language))

    def _locked(self, session: Any, language: Language, work: Callable[[], Iterator[Outputs]]) -> Iterator[Outputs]:
        """Run `work` holding the session's `busy` lock, as a question does: a running turn is stopped first."""
        session.cancel.set()
        session.cancel = threading.Event()
        if not session.busy.acquire(timeout=TAKEOVER_SECONDS):
            gr.Warning(TEXTS[language]["busy"])
            yield self._outputs(session, language)
            return
        try:
            yield from work()
        finally:
            session.busy.release()

    # --- what each does to the chat ----------------------------------------------------------------------------

    def _enter(self, session: Any, progress: Progress, number: int, language: Language) -> Iterator[Outputs]:
        """Show step `number`: its explanation, then its prediction's choices, or (without one) its real run."""
        session.lesson = progress
        progress.position = number
        step = progress.step
        options = [{"value": step.try_question[language], "label": say("try", language,
                                                                       question=step.try_question[language])}
                   ] if step.try_question is not None else []
        text = f"---\n\n{step_text(progress.lesson, number, language)}"  # a rule: the step starts afresh
        session.history.append(gr.ChatMessage(role="assistant", content=text, options=options))
        if step.predict is not None:
            session.history.append(gr.ChatMessage(role="assistant", content=prediction_text(step, language)))
            yield self._outputs(session, language, asking=True)
            return
        yield self._outputs(session, language)
        yield from self._run(session, progress, language)

    def _checked(self, session: Any, progress: Progress, picked: int, language: Language) -> Iterator[Outputs]:
        labels = choice_labels(progress.step, language)
        session.history.append(gr.ChatMessage(role="user", content=say("picked", language, choice=labels[picked])))
        yield self._outputs(session, language)
        finished = yield from self._run(session, progress, language)
        if finished is not None:
            session.history.append(gr.ChatMessage(role="assistant", content=progress.check(picked, finished,
                                                                                           language)))
        yield self._outputs(session, language)

    def _run(self, session: Any, progress: Progress, language: Language) -> Iterator[Outputs]:
        """The step's real tool call shown as a sensei step (figure, downloads, code), then its result in words;
        returns the ToolFinished."""
        renderer = ChatRenderer(session.history, language)
        finished: ToolFinished | None = None
        call_id = f"lesson_{progress.lesson.id}_{progress.position}_{len(session.history)}"
        for event in run_step(progress.step, session.sensei.registry, session.conversation.tools, language,
                              session.sensei.settings.tool_timeout, call_id):
            renderer.apply(event)
            if isinstance(event, ToolFinished):
                finished = event
            yield self._outputs(session, language)
        if finished is not None:
            session.history.append(gr.ChatMessage(role="assistant", content=result_text(finished, language)))
        return finished

    def _finish(self, session: Any, progress: Progress, language: Language) -> Iterator[Outputs]:
        done = say("done", language, lesson=progress.lesson.title[language], right=progress.right(),
                   asked=len(progress.verdicts))
        session.history.append(gr.ChatMessage(role="assistant", content=done))
        yield self._outputs(session, language, finished=True)

    def _outputs(self, session: Any, language: Language, asking: bool = False, finished: bool = False) -> Outputs:
        progress: Progress | None = getattr(session, "lesson", None)
        if progress is None:
            return (session.history, session, gr.update(visible=False), gr.update(visible=False),
                    gr.update(interactive=False), gr.update(interactive=False), "")
        step = progress.step
        choices = [(label, str(i)) for i, label in enumerate(choice_labels(step, language))] if asking else []
        return (session.history, session,
                gr.update(choices=choices, value=None, visible=asking),
                gr.update(visible=asking),
                gr.update(interactive=progress.position > 1),
                gr.update(interactive=not finished),
                progress.summary(language).split("\n")[0])


def refused_text(refused: list[LessonError], language: Language) -> str:
    """The refused lesson files, each with every problem, as `lesson --check` prints them."""
    if not refused:
        return ""
    return "\n\n".join([TEXTS[language]["refused"], *(f"```\n{error}\n```" for error in refused)])

