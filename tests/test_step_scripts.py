"""Code for every step (#12): load_model and extract_attention return a standalone script, like the
plots; run here as a learner would, the scripts load the same model and give the same tokens (ids)
and attention shapes as the tool's result."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import tools
from tools import Session, use_session


@pytest.fixture
def session(tmp_path: Path) -> Iterator[Session]:
    with use_session(Session(artifacts_dir=tmp_path / "artifacts")) as active:
        yield active


def run_script(path: str, cwd: Path) -> str:
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    done = subprocess.run([sys.executable, path], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_load_model_returns_a_script_that_loads_the_same_model(session: Session, tmp_path: Path) -> None:
    result = tools.load_model("minilm")
    assert Path(result["artifacts"]["code"]).read_text(encoding="utf-8") == result["code"]
    assert 'attn_implementation="eager"' in result["code"]
    printed = json.loads(run_script(result["artifacts"]["code"], tmp_path).strip().splitlines()[-1])
    assert printed == {"num_layers": result["num_layers"], "num_heads": result["num_heads"],
                       "attn_implementation": "eager"}


def _check_extraction_script(session: Session, tmp_path: Path, text: str, model: str) -> None:
    result = tools.extract_attention(text=text, model=model)
    extraction = session.latest
    printed = run_script(result["artifacts"]["code"], tmp_path)
    saved = json.loads((tmp_path / "tokens_and_shapes.json").read_text(encoding="utf-8"))
    assert saved["input_ids"] == extraction.input_ids
    assert len(saved["tokens"]) == len(result["tokens"]) == result["seq_len"]
    assert saved["shapes"] == [result["shape"]] * result["num_tensors"]
    assert "rows sum to 1: True" in printed
    assert "encode_plus" not in result["code"].replace("replaces encode_plus", "")


def test_extract_attention_returns_a_script_with_the_same_tokens_and_shapes(session: Session,
                                                                            tmp_path: Path) -> None:
    _check_extraction_script(session, tmp_path, "I love natural language processing!", "minilm")


@pytest.mark.slow
def test_the_extraction_script_of_gemma_on_japanese_agrees(session: Session, tmp_path: Path) -> None:
    _check_extraction_script(session, tmp_path, "今日はカレーライスを食べました。", "gemma-270m")


def test_the_answer_points_to_the_script_in_both_languages(session: Session) -> None:
    from agent.compose import compose
    from agent.events import ToolFinished
    from agent.planner import plan

    for question, said in (('Extract the attention of "I love cats"', "show code"),
                           ("「I love cats」のAttentionを取り出して", "コードを表示")):
        planned = plan(question)
        result = tools.extract_attention(**planned.calls[0].arguments)
        finished = ToolFinished(call_id="c1", name="extract_attention", arguments=planned.calls[0].arguments,
                                ok=True, error=None, summary="", result=result, artifacts=result["artifacts"])
        assert said in compose(planned, [finished])
