"""Every figure's `code` is a standalone script that reproduces the tool's numbers."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from test_tools import read_csv

from tools import plot_heads, plot_heatmap, plot_line, plot_matrix_lines

SENTENCE = "I love natural language processing!"


def run_script(code: str, where: Path) -> Path:
    where.mkdir(parents=True, exist_ok=True)
    script = where / "reproduce.py"
    script.write_text(code, encoding="utf-8")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "MPLBACKEND": "Agg"}
    done = subprocess.run([sys.executable, str(script)], cwd=where, env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return where / "values.csv"


def assert_same_numbers(ours: str, theirs: Path) -> None:
    our_columns, our_rows, our_values = read_csv(ours)
    their_columns, their_rows, their_values = read_csv(str(theirs))
    assert their_columns == our_columns and their_rows == our_rows
    assert np.allclose(their_values, our_values, atol=1e-5)


@pytest.mark.parametrize(
    "make",
    [
        lambda: plot_heatmap(text=SENTENCE),
        lambda: plot_heatmap(layer=2, head=7, annotate=True, exclude_special=True, text=SENTENCE),
        lambda: plot_line(query="love", text=SENTENCE),
        lambda: plot_line(layer=0, head=3, text=SENTENCE),
        lambda: plot_line(query="love", exclude_special=True, text=SENTENCE),
        lambda: plot_line(exclude_special=True, words=True, text="Tokenization is fun"),
        lambda: plot_heads(layer=1, text=SENTENCE),
        lambda: plot_matrix_lines(layer=0, head=2, query="love", text=SENTENCE, language="ja"),
    ],
    ids=["heatmap", "heatmap-head-annotated-no-special", "line-query", "line-received", "line-query-no-special",
         "line-received-words-no-special", "heads", "matrix-lines-japanese"],
)
def test_scripts_reproduce_the_csv(session, tmp_path: Path, make):
    result = make()
    code = result["code"]
    ast.parse(code)
    assert 'attn_implementation="eager"' in code and "encode_plus" not in code
    assert Path(result["artifacts"]["code"]).read_text(encoding="utf-8") == code
    assert_same_numbers(result["artifacts"]["csv"], run_script(code, tmp_path / "run"))


def test_script_of_a_local_model_directory(session, tmp_path: Path, tiny_models):
    result = plot_heatmap(text="the cat sat", model=str(tiny_models["llama"]))
    assert "AutoModelForCausalLM" in result["code"]
    assert_same_numbers(result["artifacts"]["csv"], run_script(result["code"], tmp_path / "run"))
