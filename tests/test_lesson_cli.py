"""`attention-sensei lesson` (#17): the list, the check of a file, and a lesson taken with choices piped in."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from test_lessons import BROKEN

from lessons import library


def cli(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    return subprocess.run([sys.executable, "-m", "attention_sensei", "lesson", *args], capture_output=True, text=True,
                          env=env, input=stdin, timeout=600)


def test_list_json_gives_each_lesson_with_both_titles_and_its_steps():
    done = cli("--list", "--json")
    assert done.returncode == 0, done.stderr
    listed = json.loads(done.stdout)["lessons"]
    assert [entry["id"] for entry in listed] == list(library())
    for entry in listed:
        lesson = library()[entry["id"]]
        assert entry["title_en"] == lesson.title["en"] and entry["title_ja"] == lesson.title["ja"]
        assert entry["steps"] == len(lesson.steps) and entry["predictions"] == lesson.predictions()


def test_check_names_every_problem_and_exits_2_or_says_valid(tmp_path: Path):
    broken = tmp_path / "broken.toml"
    broken.write_text(BROKEN, encoding="utf-8")
    shipped = Path(__file__).resolve().parent.parent / "lessons" / "library" / "beyond-attention.toml"
    done = cli("--check", str(broken), str(shipped))
    assert done.returncode == 2
    assert f"{broken}: 11 problems:" in done.stdout
    assert "unknown tool 'plot_heatmapp'; did you mean plot_heatmap" in done.stdout
    assert "missing summary_ja (the Japanese summary)" in done.stdout
    assert f"{shipped}: valid: lesson 'beyond-attention', 7 steps, 4 predictions" in done.stdout
    assert "Traceback" not in done.stderr
    assert cli("--check", str(shipped)).returncode == 0


def test_an_unknown_lesson_gets_the_closest_id():
    done = cli("heads-and-layer")
    assert done.returncode == 2
    assert "did you mean heads-and-layers?" in done.stderr and "Traceback" not in done.stderr


def test_a_lesson_taken_in_japanese_with_choices_piped_in(tmp_path: Path):
    lesson = library()["heads-and-layers"]
    # a wrong answer, then not a number and out of range (asked again), then the right ones, then the input ends
    done = cli("heads-and-layers", "--lang", "ja", "--out", str(tmp_path), stdin="1\nx\n9\n1\n1\n")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "ヘッドと層 · ステップ 1/8" in out and "ステップ 5/8" in out
    assert "❌ **今回は外れです。** あなたの予想は直前トークン型です" in out  # head roles: sink heads are the most
    assert "'x': 1〜4 の番号を入力してください" in out and "'9': 1〜4 の番号を入力してください" in out
    assert out.count("✅ **正解です。**") == 2  # "sat" → "cat" in the previous-token head; [CLS] receives the most
    assert "レッスンはステップ 6/8 で終了しました。" in out  # the sixth step's prediction met the end of the input
    written = re.findall(r"wrote (\S+\.png)", done.stderr)
    assert len(written) == 5 and all(Path(path).parent == tmp_path for path in written)  # steps 1-5 drew
    assert "→ plot_line(" in done.stderr and '"language": "ja"' in done.stderr
    assert len(lesson.steps) == 8
