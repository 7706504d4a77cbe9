"""The attention-sensei command: one JSON object on stdout, clear errors, no tracebacks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    return subprocess.run([sys.executable, "-m", "attention_sensei", *args], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=600)


def test_tool_json_prints_exactly_one_object_with_the_artifacts(tmp_path: Path):
    done = cli("tool", "plot_heatmap", "--args", '{"text": "I love natural language processing!", "layer": -1}',
               "--out", str(tmp_path), "--json")
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout)
    assert set(record) == {"tool", "arguments", "ok", "error", "result", "artifacts"}
    assert record["ok"] and record["error"] is None and record["tool"] == "plot_heatmap"
    assert record["result"]["shape"] == [1, 12, 8, 8]
    assert {Path(p).suffix for p in record["artifacts"]} == {".png", ".svg", ".csv", ".py"}
    assert all(Path(p).parent == tmp_path for p in record["artifacts"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["tool", "plot_heatmap", "--args", '{"text": "hi", "layer": 42}'], "layer 42 is out of range"),
        (["tool", "plot_heatmap", "--args", "{not json"], "--args is not valid JSON"),
        (["tool", "plot_heatmap", "--args", '{"txt": "hi"}'], "unknown argument(s) txt"),
        (["tool", "make_coffee", "--args", "{}"], "unknown tool 'make_coffee'"),
        (["tool", "explain_reduction", "--args", '{"expression": "__import__(\\"os\\")", "text": "hi"}'],
         "not allowed"),
        (["tool", "extract_attention", "--args", '{"text": ""}'], "the text is empty"),
    ],
)
def test_bad_input_is_ok_false_exit_1_and_no_traceback(args, message):
    done = cli(*args, "--json")
    assert done.returncode == 1
    record = json.loads(done.stdout)
    assert record["ok"] is False and message in record["error"]
    assert "Traceback" not in done.stdout + done.stderr


def test_human_output_names_the_files(tmp_path: Path):
    done = cli("tool", "plot_line", "--args", '{"text": "Hello world", "query": 1}', "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert f"wrote {tmp_path}" in done.stdout


def test_human_error_goes_to_stderr():
    done = cli("tool", "plot_heads", "--args", '{"text": "hi", "layer": 9}')
    assert done.returncode == 1
    assert done.stderr.splitlines()[-1].startswith("error: layer 9 is out of range")
    assert "Traceback" not in done.stderr


def test_models_json_lists_the_embedded_models():
    done = cli("models", "--json")
    listing = json.loads(done.stdout)
    assert [entry["alias"] for entry in listing["embedded"]] == ["minilm", "gemma-270m", "smollm2-135m"]


def test_tool_list_names_every_tool():
    done = cli("tool", "--list")
    for name in ("plot_heatmap", "plot_line", "plot_heads", "explain_reduction", "inspect_attention"):
        assert name in done.stdout


def test_a_numpy_chain_from_the_issue_is_explained(tmp_path: Path):
    expression = "outputs.attentions[-1].detach().numpy().squeeze().mean(axis=0)"
    done = cli("tool", "explain_reduction", "--args", json.dumps({"expression": expression, "text": "I love tea"}),
               "--out", str(tmp_path), "--json")
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout)
    assert record["ok"] and record["result"]["steps"][-1]["kind_after"] == "array"
    assert record["result"]["final_shape"] == [5, 5]  # [CLS] i love tea [SEP]


@pytest.mark.parametrize("as_json", [True, False])
def test_an_internal_error_is_ok_false_with_a_clear_message_not_a_traceback(monkeypatch, capsys, tmp_path, as_json):
    from agent.registry import Registry
    from attention_sensei import cli as command

    def broken(self, name, arguments):
        raise TypeError("_mean() got an unexpected keyword argument 'dim'")

    monkeypatch.setattr(Registry, "call", broken)
    code = command.main(["tool", "explain_reduction", "--args", '{"expression": "attention"}', "--out", str(tmp_path),
                         *(["--json"] if as_json else [])])
    out, err = capsys.readouterr()
    expected = ("internal error in explain_reduction: TypeError: _mean() got an unexpected keyword argument 'dim' "
                "(this is a bug in Attention Sensei, not in your input)")
    assert code == 1 and "Traceback" not in out + err
    if as_json:
        record = json.loads(out)
        assert record["ok"] is False and record["error"].startswith(expected) and record["result"] == {}
    else:
        assert err.splitlines()[-1].startswith(f"error: {expected}")
