"""`attention-sensei lesson`: list, check and take the guided lessons in the terminal.

    lesson --list [--json]        id, titles in both languages, number of steps
    lesson --check FILE...        every problem of each file (exit 2 when any), or that it is valid
    lesson ID|FILE [--lang ja]    take a lesson: each step's explanation, its real tool call (figures are
                                  written and their paths printed), predictions asked as numbered choices
                                  read from stdin (end of input ends the lesson cleanly), graded on the result
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys
from pathlib import Path
from typing import TextIO

from agent.events import ToolFinished
from agent.registry import default_registry
from agent.settings import Settings
from attention_sensei.ask import print_event
from lessons import Lesson, LessonError, Progress, library, read_lesson
from lessons.steps import choice_labels, prediction_text, result_text, run_step, step_text
from lessons.words import say
from prompts import Language

__all__ = ["lesson_command", "take", "PROBLEMS"]

PROBLEMS = 2  # the exit code when a lesson file has problems or no lesson has that id


def lesson_command(args: argparse.Namespace, stdin: TextIO | None = None) -> int:
    if args.check:
        return _check(args.check)
    if args.list or not args.lesson:
        return _list(args.json)
    try:
        lesson = _find(args.lesson)
    except LessonError as error:
        print(error, file=sys.stderr)
        return PROBLEMS
    return take(lesson, args.lang, Settings.from_env(artifacts_dir=args.out), stdin or sys.stdin)


def _check(paths: list[Path]) -> int:
    failed = False
    for path in paths:
        try:
            lesson = read_lesson(path)
        except LessonError as error:
            failed = True
            print(error)
            continue
        print(f"{path}: valid: lesson {lesson.id!r}, {len(lesson.steps)} steps, {lesson.predictions()} predictions")
    return PROBLEMS if failed else 0


def _list(as_json: bool) -> int:
    lessons = [{"id": lesson.id, "title_en": lesson.title["en"], "title_ja": lesson.title["ja"],
                "steps": len(lesson.steps), "predictions": lesson.predictions()} for lesson in library().values()]
    if as_json:
        print(json.dumps({"lessons": lessons}, ensure_ascii=False))
        return 0
    for entry in lessons:
        print(f"{entry['id']:<18} {entry['steps']:>2} steps  {entry['title_en']} / {entry['title_ja']}")
    return 0


def _find(name: str) -> Lesson:
    """A lesson by id, or from a file (a path that ends in .toml)."""
    if name.endswith(".toml"):
        return read_lesson(Path(name))
    lessons = library()
    if name in lessons:
        return lessons[name]
    closest = difflib.get_close_matches(name, lessons, n=1)
    hint = f" (did you mean {closest[0]}?)" if closest else ""
    raise LessonError(name, [f"no lesson has the id {name!r}{hint}; the lessons are {', '.join(lessons)} "
                             "(attention-sensei lesson --list), or give a lesson file ending in .toml"])


def take(lesson: Lesson, language: Language, settings: Settings, stdin: TextIO) -> int:
    """Walk the lesson step by step; every tool call is real, every prediction graded on its result."""
    registry, tools = default_registry(), settings.new_session()
    progress = Progress(lesson)
    for number, step in enumerate(lesson.steps, start=1):
        progress.position = number
        print(f"\n{step_text(lesson, number, language)}\n", flush=True)
        picked = None
        if step.predict is not None:
            picked = _ask(step, language, stdin)
            if picked is None:
                print(f"\n{say('ended', language, number=number, total=len(lesson.steps))}")
                return 0
        finished = None
        for event in run_step(step, registry, tools, language, settings.tool_timeout, f"lesson_{number}"):
            print_event(event)
            if isinstance(event, ToolFinished):
                finished = event
        assert finished is not None, "run_step ends with a ToolFinished"
        print(f"\n{result_text(finished, language)}")
        if picked is not None:
            print(f"\n{progress.check(picked, finished, language)}")
        if step.try_question is not None:
            print(f"\n{say('try', language, question=step.try_question[language])}")
    done = say("done", language, lesson=lesson.title[language], right=progress.right(), asked=len(progress.verdicts))
    print(f"\n{done}")
    return 0


def _ask(step, language: Language, stdin: TextIO) -> int | None:
    """The learner's choice (0-based) read from stdin; None when the input ends."""
    labels = choice_labels(step, language)
    print(prediction_text(step, language))
    for number, label in enumerate(labels, start=1):
        print(f"  {number}. {label}")
    while True:
        print(f"> (1-{len(labels)}) ", end="", flush=True)
        line = stdin.readline()
        if not line:
            print()
            return None
        text = line.strip()
        if text.isdigit() and 1 <= int(text) <= len(labels):
            print(say("picked", language, choice=labels[int(text) - 1]))
            return int(text) - 1
        expected = f"1〜{len(labels)} の番号を入力してください" if language == "ja" else \
            f"type a number from 1 to {len(labels)}"
        print(f"{text!r}: {expected}")
