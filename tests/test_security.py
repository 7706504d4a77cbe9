"""What the app promises about code execution, files and secrets (see SECURITY.md)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import torch
from tiny_models import minilm_dir
from transformers import BertConfig
from ui_server import running_app

from tools import ModelError
from tools.core.gguf_cache import STALE_AFTER_SECONDS, remove_stale_conversions
from tools.core.models import get_model


class Payload:
    """A pickle that runs a command when fully unpickled."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_a_pickle_checkpoint_is_never_fully_unpickled(tmp_path: Path):
    model_dir, marker = tmp_path / "evil-model", tmp_path / "pwned"
    model_dir.mkdir()
    BertConfig(vocab_size=30522, hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
               intermediate_size=64).save_pretrained(model_dir)
    for name in ("tokenizer.json", "tokenizer_config.json", "vocab.txt", "special_tokens_map.json"):
        (model_dir / name).write_bytes((minilm_dir() / name).read_bytes())
    torch.save({"embeddings.word_embeddings.weight": Payload(marker)}, model_dir / "pytorch_model.bin")
    with pytest.raises(ModelError, match="refused unopened"):
        get_model(str(model_dir))
    assert not marker.exists()


def test_the_app_serves_figures_but_not_other_files(tmp_path: Path):
    with running_app(tmp_path / "artifacts") as url:
        for path in ("/etc/passwd", str(Path(__file__).resolve()), str(tmp_path / "artifacts" / ".." / "x")):
            with pytest.raises(urllib.error.HTTPError) as error:
                urllib.request.urlopen(f"{url}gradio_api/file={path}", timeout=10)
            assert error.value.code in (403, 404)


def test_a_killed_conversion_leaves_no_cache_and_its_leftovers_are_cleaned(tmp_path: Path):
    script = ("from pathlib import Path; from tools.core.gguf_cache import convert_gguf; "
              f"convert_gguf('gemma-270m', Path({str(tmp_path / 'gemma-270m')!r}))")
    process = subprocess.Popen([sys.executable, "-c", script], env={**os.environ, "HF_HUB_OFFLINE": "1"})
    deadline = time.time() + 60
    while not list(tmp_path.glob(".converting-*/*.gguf")) and time.time() < deadline:
        time.sleep(0.2)
    time.sleep(2)  # mid-way through converting the tokenizer
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert not (tmp_path / "gemma-270m").exists()  # no half-written model that a next start would trust
    leftovers = list(tmp_path.glob(".converting-*"))
    assert leftovers
    assert remove_stale_conversions(tmp_path) == []  # a recent one may still be running elsewhere
    old = time.time() - STALE_AFTER_SECONDS - 60
    for work in leftovers:
        os.utime(work, (old, old))
    assert sorted(remove_stale_conversions(tmp_path)) == sorted(leftovers)
    assert list(tmp_path.iterdir()) == []
