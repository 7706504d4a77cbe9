"""`attention-sensei ui` refuses to expose the app without a password unless told to."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "attention_sensei", "ui", *args], capture_output=True, text=True,
                          timeout=120, env={**os.environ, "HF_HUB_OFFLINE": "1"})


@pytest.mark.parametrize("args", [["--share"], ["--host", "0.0.0.0"]])
def test_exposing_the_app_needs_auth(args):
    done = run(*args)
    assert done.returncode == 2
    assert "warning: the app will be reachable from other machines" in done.stderr
    assert "needs --auth USER:PASS" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("auth", ["nopassword", ":pw", "user:"])
def test_malformed_auth_is_refused(auth):
    done = run("--auth", auth)
    assert done.returncode == 2 and "--auth must be USER:PASS" in done.stderr
