"""Notes are data: every key a tool uses has an English and a Japanese template whose placeholders
are exactly the values the tool gives, and a note renders in either language from its key alone."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from tools.core.notes import (
    NoteTemplateError,
    note,
    read_templates,
    render,
    template_fields,
    templates,
)

TOOLS = Path(__file__).resolve().parent.parent / "tools"


def note_calls() -> list[tuple[str, str, set[str]]]:
    """Every `note("key", name=...)` call in the engine: (where, key, the value names it passes)."""
    calls = []
    for path in sorted(TOOLS.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "note":
                where = f"{path.relative_to(TOOLS)}:{node.lineno}"
                if not (node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
                    raise AssertionError(f"{where}: a note's key must be a literal, so this test can check it")
                if any(keyword.arg is None for keyword in node.keywords):
                    raise AssertionError(f"{where}: pass a note's values by name (no **values), so they can be checked")
                calls.append((where, node.args[0].value, {keyword.arg for keyword in node.keywords if keyword.arg}))
    return calls


def test_the_scan_finds_the_notes_of_every_family():
    families = {where.split("/")[0] for where, _, _ in note_calls()}
    assert families >= {"core", "views", "analyses", "compare", "generation"}


def test_no_tool_adds_a_sentence_as_a_note():
    # a note written as a string could not be rendered in the learner's language
    for path in sorted(TOOLS.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "append" \
                    and isinstance(node.func.value, ast.Name) and "note" in node.func.value.id:
                for argument in node.args:
                    is_text = isinstance(argument, ast.JoinedStr) or (
                        isinstance(argument, ast.Constant) and isinstance(argument.value, str))
                    assert not is_text, f"{path.relative_to(TOOLS)}:{node.lineno}: use note(key, **values)"


def test_every_key_used_has_both_languages_and_exactly_the_values_given():
    for where, key, given in note_calls():
        assert key in templates(), f"{where}: note {key!r} has no template in any notes.toml"
        for language in ("en", "ja"):
            assert template_fields(templates()[key][language]) == given, f"{where}: {key} ({language})"


def test_every_template_is_used():
    used = {key for _, key, _ in note_calls()}
    assert set(templates()) - used == set()


def test_a_note_carries_its_key_its_values_and_its_english_text_as_json():
    said = note("too_many_to_annotate", tokens=52)
    assert said == {
        "key": "too_many_to_annotate",
        "values": {"tokens": 52},
        "text": "52 tokens are too many to write a value in each cell; values left out",
    }
    assert json.loads(json.dumps(said)) == said
    assert render(said, "ja") == "52 トークンはセルに値を書き込むには多すぎるため、値は省きました。"


def test_rendering_reads_the_key_and_values_never_the_text():
    said = {**note("causal_received"), "text": "anything"}
    assert render(said, "en").startswith("causal model: early tokens")


def test_lists_are_joined_per_language_and_an_empty_one_says_none():
    said = note("not_aligned", only_a=["cat", "sat"], only_b=[])
    assert said["text"] == "not aligned, so not in the difference: a: cat, sat; b: none"
    assert render(said, "ja") == "対応が取れず差に含めなかったトークン:a は cat、sat、b は なし。"


def test_a_note_inside_a_note_renders_in_the_same_language():
    said = note("compared_side", side="b", note=note("japanese_with_gemma", model="gemma-270m", current="minilm"))
    assert said["text"] == "b: minilm knows English only, so this Japanese/CJK text was analysed with gemma-270m"
    assert render(said, "ja") == "b:minilm は英語専用のため、この日本語の文は gemma-270m で分析しました。"


def test_format_specs_apply_to_the_values():
    said = note("aligned_share", side="a", share=0.4567)
    assert said["text"].startswith("a: only 46% of the attention") and "46%" in render(said, "ja")


@pytest.mark.parametrize(("call", "error", "message"), [
    (lambda: note("no_such_note"), KeyError, "no note template 'no_such_note'"),
    (lambda: note("too_many_to_annotate"), KeyError, "tokens"),
    (lambda: note("too_many_to_annotate", tokens=object()), TypeError, "not JSON serializable"),
    (lambda: render(note("causal_received"), "fr"), ValueError, "language must be one of"),
    (lambda: render("causal model: early tokens ...", "ja"), TypeError, "a note is a dict made by"),
])
def test_our_mistakes_raise(call, error, message):
    with pytest.raises(error, match=message):
        call()


@pytest.mark.parametrize(("text", "message"), [
    ('[a]\nen = "x"\n', r"\[a\] needs exactly a non-empty en and ja"),
    ('[a]\nen = "x"\nja = ""\n', r"\[a\] needs exactly a non-empty en and ja"),
    ('[a]\nen = "{n} x"\nja = "{m} x"\n', r"en reads \['n'\] but ja reads \['m'\]"),
    ("[a\n", "Expected"),
])
def test_a_malformed_notes_file_is_refused(tmp_path: Path, text: str, message: str):
    path = tmp_path / "notes.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(NoteTemplateError, match=message):
        read_templates([path])


def test_a_key_defined_twice_is_refused(tmp_path: Path):
    for name in ("one", "two"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "notes.toml").write_text('[a]\nen = "x"\nja = "y"\n', encoding="utf-8")
    with pytest.raises(NoteTemplateError, match="defined in .*one.* and again in .*two"):
        read_templates([tmp_path / "one" / "notes.toml", tmp_path / "two" / "notes.toml"])
