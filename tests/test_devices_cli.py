"""The placement options on the command line (`--device`, `--dtype`, `--device-map`, `--max-memory`) and in
the app's settings (issue #15): a device this machine lacks is refused with the reason, never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import torch

CUDA = torch.cuda.is_available()
no_cuda_here = pytest.mark.skipif(CUDA, reason="this machine has a CUDA GPU: the refusal cannot be seen here")

TEXT = "the cat sat on the mat and looked at the dog while the bird sang"


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    return subprocess.run([sys.executable, "-m", "attention_sensei", *args], capture_output=True, text=True, env=env,
                          timeout=600)


@no_cuda_here
@pytest.mark.parametrize("command", [["tool", "load_model", "--args", '{"model": "minilm"}'], ["ask", "hello"]])
def test_cli_refuses_cuda_here_with_the_reason_and_exit_status_2(command):
    done = cli(*command, "--device", "cuda")
    assert done.returncode == 2
    assert done.stderr.startswith("error: device cuda is not available here: this machine has cpu")
    assert "Traceback" not in done.stdout + done.stderr
    as_json = cli(*command, "--device", "cuda", "--json")
    record = json.loads(as_json.stdout)
    assert as_json.returncode == 2 and "device cuda is not available" in record["error"]


def test_cli_loads_and_extracts_in_bfloat16_on_the_cpu(tiny_models):
    model = str(tiny_models["bert"])
    loaded = cli("tool", "load_model", "--args", json.dumps({"model": model}), "--device", "cpu", "--dtype",
                 "bfloat16", "--json")
    assert loaded.returncode == 0, loaded.stderr
    result = json.loads(loaded.stdout)["result"]
    assert (result["device"], result["dtype"], result["attention_dtype"]) == ("cpu", "bfloat16", "float32")
    extracted = cli("tool", "extract_attention", "--args", json.dumps({"text": TEXT, "model": model}),
                    "--device", "cpu", "--dtype", "bfloat16", "--json")
    record = json.loads(extracted.stdout)
    assert extracted.returncode == 0 and record["ok"] and record["result"]["rows_sum_to_one"]


def test_cli_refuses_a_bad_max_memory_before_loading_anything():
    done = cli("tool", "load_model", "--args", '{"model": "minilm"}', "--device-map", "auto", "--max-memory",
               "cpu=lots")
    assert done.returncode == 2 and "max_memory size 'lots' for cpu is not a size" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    pytest.importorskip("gradio", reason="gradio is not installed (scripts/gpu_check.sh runs these tests on a GPU "
                        "machine that has the model stack but not the app's)")
    from ui_server import running_app

    with running_app(tmp_path_factory.mktemp("ui")) as address:
        yield address


def test_the_apps_settings_take_the_device_and_dtype(app_url):
    from gradio_client import Client
    from ui_server import message_text

    client = Client(app_url, verbose=False)
    status = client.predict("offline", "", "gpt-4o-mini", "", "minilm", "en", "cpu", "bfloat16",
                            api_name="/apply_settings")
    assert "attention model minilm, on cpu in bfloat16" in status
    history, _ = client.predict("Load minilm", "en", api_name="/ask")
    assert "It lives on `cpu` in bfloat16" in message_text(history[-1])


@no_cuda_here
def test_the_apps_settings_refuse_cuda_here_in_the_learners_language(app_url):
    from gradio_client import Client

    client = Client(app_url, verbose=False)
    english = client.predict("offline", "", "gpt-4o-mini", "", "minilm", "en", "cuda", "auto",
                             api_name="/apply_settings")
    assert english.startswith("Settings not applied: device cuda is not available here")
    japanese = client.predict("offline", "", "gpt-4o-mini", "", "minilm", "ja", "cuda", "auto",
                              api_name="/apply_settings")
    assert japanese.startswith("設定を反映しませんでした: デバイス cuda はこのマシンでは使えません")
    unchanged = client.predict("offline", "", "gpt-4o-mini", "", "minilm", "en", api_name="/apply_settings")
    assert "on cpu in float32" in unchanged  # the refused device changed nothing
