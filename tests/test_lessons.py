"""Guided lessons (#17): every shipped lesson runs end to end in both languages on the real models, each
prediction graded against the real result (a right and a wrong answer); broken lesson files get every
problem named. Steps run in-process through the sensei's runner, models loaded once per test session."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from agent.events import ToolFinished
from agent.registry import default_registry
from lessons import LessonError, Progress, library, parse_lesson, read_library
from lessons.predictions import KINDS, right_choices
from lessons.steps import choice_labels, prediction_text, result_text, run_step, step_text
from lessons.words import words
from tools import Session

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
GEMMA_LESSONS = {"article"}  # its Japanese steps run gemma-270m (standing in for rinna)


@pytest.fixture(scope="module")
def registry():
    return default_registry()


def walk(lesson_id: str, language: str, registry, directory: Path) -> list[tuple[Any, ToolFinished]]:
    """Run every step of a lesson in one tools session, as the app and the terminal do."""
    lesson = library()[lesson_id]
    tools = Session(artifacts_dir=directory)
    ran = []
    for number, step in enumerate(lesson.steps, start=1):
        events = list(run_step(step, registry, tools, language, 300, f"lesson_{number}"))
        finished = events[-1]
        assert isinstance(finished, ToolFinished)
        assert finished.ok, (lesson_id, number, finished.error)
        ran.append((step, finished))
    return ran


def evidence(kind: str, answer: Any, result: dict[str, Any]) -> str:
    """A number from the tool's raw result that the feedback on `answer` must show, read here independently."""
    if kind in ("most_attended", "most_received"):
        tokens, values = result["plotted_tokens"], result["values"]
        return f"{max(v for t, v in zip(tokens, values, strict=True) if t == answer):.4f}"
    if kind == "sharper_layer":
        return f"{result['entropy_bits_per_layer'][answer]:.2f}"
    if kind == "sink_layer":
        return f"{result['sink_share_per_layer'][answer]:.2f}"
    if kind == "shape":
        return str(result["final_shape"])
    if kind == "token_count":
        return str(len(result["tokens"]))
    if kind == "rows_sum_to_one":
        return f"{result['row_sum_min']:.6f}"
    if kind == "causal_mask":
        return str(len(result["tokens"]))
    if kind == "most_common_role":
        return str(result["counts"][answer])
    if kind == "norm_loses_most":
        same = [item for item in result["per_token"] if item["token"] == answer]
        item = max(same, key=lambda item: item["raw_share"] - item["norm_share"])
        return f"{item['raw_share']:.4f} → {item['norm_share']:.4f}"
    if kind == "rollout_top":
        return f"{result['top_received'][0]['weight']:.4f}"
    raise AssertionError(f"no evidence for {kind}")


def lesson_cases() -> list[Any]:
    return [pytest.param(lesson_id, language, marks=[pytest.mark.slow] if lesson_id in GEMMA_LESSONS else [],
                         id=f"{lesson_id}-{language}")
            for lesson_id in library() for language in ("en", "ja")]


@pytest.mark.parametrize(("lesson_id", "language"), lesson_cases())
def test_every_lesson_runs_and_grades_against_the_real_results(lesson_id, language, registry, tmp_path, request):
    if lesson_id in GEMMA_LESSONS:
        request.getfixturevalue("gemma")  # loaded once per test session, shared through get_model
    lesson = library()[lesson_id]
    progress = Progress(lesson)
    for number, (step, finished) in enumerate(walk(lesson_id, language, registry, tmp_path), start=1):
        progress.position = number
        intro, said = step_text(lesson, number, language), result_text(finished, language)
        assert step.title[language] in intro and said.strip()
        if language == "ja":
            assert JAPANESE.search(intro) and JAPANESE.search(said), (number, said[:200])
        if "png" in finished.artifacts:
            assert Path(finished.artifacts["png"]).read_bytes()[:4] == b"\x89PNG"
        if step.predict is None:
            continue
        assert step.predict.question[language] in prediction_text(step, language)
        assert len(choice_labels(step, language)) == len(step.predict.choices)
        kind, choices = step.predict.kind, step.predict.choices
        right = right_choices(kind, choices, finished.result, finished.arguments)
        wrong = [i for i in range(len(choices)) if i not in right]
        assert right and wrong, (lesson_id, number, "a prediction needs a right and a wrong choice")
        for picked, mark in ((right[0], "✅"), (wrong[0], "❌")):
            feedback = progress.check(picked, finished, language)
            assert feedback.startswith(mark), feedback
            answer = progress.verdicts[number].answer
            assert evidence(kind, answer, finished.result) in feedback, (number, feedback)
            assert evidence(kind, choices[picked], finished.result) in feedback or kind in (
                "shape", "token_count", "rows_sum_to_one", "causal_mask", "rollout_top"), (number, feedback)
    summary = progress.summary(language)
    assert lesson.title[language] in summary and f"{len(lesson.steps)}" in summary


def test_the_library_has_the_three_lessons_in_both_languages():
    lessons = library()
    assert list(lessons) == ["article", "heads-and-layers", "beyond-attention"]
    for lesson in lessons.values():
        assert 6 <= len(lesson.steps) <= 10, lesson.id
        assert lesson.predictions() >= 3, lesson.id
        for step in lesson.steps:
            assert step.title["en"] != step.title["ja"] and step.text["en"] != step.text["ja"]
    assert {step.predict.kind for lesson in lessons.values() for step in lesson.steps if step.predict} == set(KINDS)


def test_every_feedback_template_exists_in_both_languages():
    table = words()
    for key in (*KINDS, "step", "predict", "right", "wrong", "progress", "done", "try"):
        assert set(table[key]) == {"en", "ja"}, key


BROKEN = """
title_en = "Broken"
titel_ja = "壊れた"
summary_en = "A lesson with many mistakes."

[arguments]
text = "The cat sat on the mat."

[[step]]
title_en = "One"
text_en = "Only English."
text_ja = "日本語も。"
tool = "plot_heatmapp"

[[step]]
title_en = "Two"
title_ja = "二"
text_en = "A line."
text_ja = "折れ線。"
tool = "plot_line"
arguments = { layr = 2, head = "x" }

[step.predict]
kind = "most_attended"
choices = ["cat"]
question_en = "Which?"

[[step]]
title_en = "Three"
title_ja = "三"
text_en = "Shapes."
text_ja = "形。"
tool = "extract_attention"

[step.predict]
kind = "shapes"
question_en = "Which shape?"
question_ja = "どの形?"
"""


def test_a_broken_lesson_gets_every_problem_named(registry):
    with pytest.raises(LessonError) as caught:
        parse_lesson(BROKEN, "broken", "broken.toml", registry)
    message = str(caught.value)
    expected = [
        "the lesson: unknown field 'titel_ja'; did you mean title_ja?",
        "the lesson: missing title_ja",
        "the lesson: missing summary_ja (the Japanese summary)",
        "step 1 ('One'): missing title_ja",
        "step 1 ('One'): unknown tool 'plot_heatmapp'; did you mean plot_heatmap",
        "step 2 ('Two'): plot_line: unknown argument(s) layr; allowed: layer,",
        "did you mean layer?",
        "step 2 ('Two'): plot_line: head must be integer or null, not string 'x'",
        "step 2 ('Two'), prediction: missing question_ja",
        "most_attended reads one query's row: give the step's plot_line the argument query",
        "choices must list at least two tokens, not ['cat']",
        "step 3 ('Three'), prediction: unknown kind 'shapes'; did you mean shape?",
    ]
    for part in expected:
        assert part in message, part
    assert message.startswith(f"broken.toml: {len(caught.value.problems)} problems:")
    assert len(caught.value.problems) == 11


@pytest.mark.parametrize(("source", "part"), [
    ("not toml [", "not valid TOML"),
    ('title_en = "a"\ntitle_ja = "あ"\nsummary_en = "s"\nsummary_ja = "す"\n', "the lesson has no steps"),
    ('title_en = "a"\ntitle_ja = "あ"\nsummary_en = "s"\nsummary_ja = "す"\n[[step]]\ntitle_en = "x"\n'
     'title_ja = "x"\ntext_en = "x"\ntext_ja = "x"\ntool = "plot_heads"\n[step.predict]\nkind = "most_attended"\n'
     'choices = ["a", "b"]\nquestion_en = "q"\nquestion_ja = "q"\n',
     "a most_attended prediction is graded from plot_line's result, but the step runs plot_heads"),
    ('title_en = "a"\ntitle_ja = "あ"\nsummary_en = "s"\nsummary_ja = "す"\n[[step]]\ntitle_en = "x"\n'
     'title_ja = "x"\ntext_en = "x"\ntext_ja = "x"\ntool = "inspect_attention"\n[step.predict]\n'
     'kind = "rows_sum_to_one"\nchoices = ["yes", "no"]\nquestion_en = "q"\nquestion_ja = "q"\n',
     "rows_sum_to_one is answered yes or no: leave choices out"),
    ('title_en = "a"\ntitle_ja = "あ"\nsummary_en = "s"\nsummary_ja = "す"\n[[step]]\ntitle_en = "x"\n'
     'title_ja = "x"\ntext_en = "x"\ntext_ja = "x"\ntool = "layer_summary"\n[step.predict]\n'
     'kind = "sharper_layer"\nchoices = [0, "last"]\nquestion_en = "q"\nquestion_ja = "q"\n',
     "sharper_layer choices must be layer indices (whole numbers, -1 the last); not 'last'"),
])
def test_each_kind_of_mistake_is_said(source, part, registry):
    with pytest.raises(LessonError) as caught:
        parse_lesson(source, "bad", "bad.toml", registry)
    assert part in str(caught.value)


def test_a_directory_with_a_broken_lesson_keeps_the_good_ones(tmp_path):
    good = Path(library()["heads-and-layers"].id + ".toml")
    source = (Path(__file__).resolve().parent.parent / "lessons" / "library" / good).read_text(encoding="utf-8")
    (tmp_path / "good.toml").write_text(source, encoding="utf-8")
    (tmp_path / "Bad Name.toml").write_text(BROKEN, encoding="utf-8")
    lessons, broken = read_library(tmp_path)
    assert list(lessons) == ["good"]
    assert len(broken) == 1 and "the file name 'Bad Name' is the lesson's id" in str(broken[0])
