"""Process-wide tuning (one torch thread per pass, glibc's allocator) belongs to the app's and the CLI's
entry point: importing and using the engine leaves the process as it was, and the load summary says which.

Checked in fresh interpreters, since this test process may have been tuned already.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# glibc's mallopt and malloc_trim are recorded instead of called, whoever looks them up through ctypes.
PLAIN_USE = """
import ctypes, json, sys
import torch

torch.set_num_threads(2)
calls = []
real_cdll = ctypes.CDLL

class Recording:
    def __init__(self, *args, **kwargs):
        self._library = real_cdll(*args, **kwargs)

    def __getattr__(self, name):
        if name in ("mallopt", "malloc_trim"):
            return lambda *args: calls.append(name) or 1
        return getattr(self._library, name)

ctypes.CDLL = Recording
import tools
from tools.core.extract import extract
from tools.core.models import get_model

loaded = get_model(sys.argv[1])
extract(loaded, "the cat sat on the mat")
print(json.dumps({"threads": torch.get_num_threads(), "calls": calls, "process": loaded.summary().get("process")}))
"""


def environment() -> dict[str, str]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    env.pop("OMP_NUM_THREADS", None)  # it would decide the thread count instead of the tuning
    return env


def test_importing_and_using_the_engine_changes_nothing_process_wide(tiny_models):
    done = subprocess.run([sys.executable, "-c", PLAIN_USE, str(tiny_models["bert"])], capture_output=True,
                          text=True, cwd=ROOT, env=environment(), timeout=300)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["threads"] == 2  # as the notebook user set it
    assert report["calls"] == []  # no mallopt on import, no malloc_trim after the load
    assert report["process"]["tuned"] is False and report["process"]["torch_threads"] == 2


def test_the_command_line_tunes_the_process_and_the_load_summary_says_so(tiny_models):
    done = subprocess.run([sys.executable, "-m", "attention_sensei", "tool", "load_model", "--args",
                           json.dumps({"model": str(tiny_models["bert"])}), "--json"],
                          capture_output=True, text=True, cwd=ROOT, env=environment(), timeout=300)
    assert done.returncode == 0, done.stderr
    process = json.loads(done.stdout)["result"]["process"]
    assert process["tuned"] is True and process["torch_threads"] == 1
    assert "malloc_trim" in process["allocator"] or process["allocator"] == "not glibc: left as it was"
