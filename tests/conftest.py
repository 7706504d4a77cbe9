"""Shared test set-up: no hub access, one model cache for the run, a fresh session per test."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))  # tests import helpers such as llm_stub

# Model hubs are unreachable here and on CI: fail fast instead of waiting on the network.
os.environ["HF_HUB_OFFLINE"] = "1"
# One cache for converted models, kept between local runs (fresh on CI, where gemma converts once).
os.environ.setdefault("ATTENTION_SENSEI_CACHE", str(ROOT / ".cache" / "attention-sensei"))

from tools import Session, use_session  # noqa: E402  (after the environment is set)


@pytest.fixture
def session(tmp_path: Path):
    """A fresh session writing its figures under tmp_path, active for the test."""
    with use_session(Session(artifacts_dir=tmp_path / "artifacts")) as active:
        yield active


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Tiny random BERT and Llama models saved as local directories (no download)."""
    from tiny_models import build_tiny_models

    return build_tiny_models(tmp_path_factory.mktemp("tiny"))


@pytest.fixture(scope="session")
def smollm2():
    """smollm2-135m, loaded once per test session (converted once into ATTENTION_SENSEI_CACHE, ~30 s, then ~3 s).

    get_model keeps it for the process too, so tools that load it by name share this copy."""
    from tools.core.models import get_model

    return get_model("smollm2-135m")


@pytest.fixture(scope="session")
def gemma():
    """gemma-270m, loaded once per test session (converted once into ATTENTION_SENSEI_CACHE, ~75 s, then ~3 s).

    get_model keeps it for the process too, so the tools and the sensei share this copy."""
    from tools.core.models import get_model

    return get_model("gemma-270m")


# Debian's Chromium, driven by Playwright for the browser tests (REFERENCE.md): one browser per test module.
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "install Debian's chromium (make setup does it as root)"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()
