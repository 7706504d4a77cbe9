"""Resource limits: attention memory estimated before the pass, one heavy job at a time with a
visible place in line, and a capped artifacts directory."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from tools import LimitError, Session, plot_heatmap, use_session
from tools.core.extract import attention_megabytes, extract
from tools.core.jobs import JobQueue
from tools.core.models import get_model


def test_the_memory_estimate_refuses_before_the_forward_pass():
    loaded = get_model("minilm")
    assert attention_megabytes(loaded, 512) == pytest.approx(2 * 6 * 12 * 512 * 512 * 4 / 2**20)
    with pytest.raises(LimitError) as error:
        extract(loaded, "word " * 300, max_attention_mb=10)
    message = str(error.value)
    assert "302 tokens would need about 50 MB" in message and "the limit is 10 MB" in message
    assert "6 layers × 12 heads" in message


def test_heavy_jobs_run_one_at_a_time_and_waiters_see_their_place():
    queue = JobQueue(slots=1)
    running, peak, reports = [0], [0], []
    lock = threading.Lock()

    def job(name: str) -> None:
        with queue.job(lambda fraction, message: reports.append((name, message)), "forward pass"):
            with lock:
                running[0] += 1
                peak[0] = max(peak[0], running[0])
            time.sleep(0.1)
            with lock:
                running[0] -= 1

    threads = [threading.Thread(target=job, args=(f"job{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
        time.sleep(0.01)
    for thread in threads:
        thread.join()
    assert peak[0] == 1 and queue.busy() == 0
    assert ("job3", "forward pass: waiting, 3 job(s) ahead in the queue") in reports


def test_the_artifacts_directory_is_capped(tmp_path: Path):
    session = Session(artifacts_dir=tmp_path, max_artifacts_mb=0.05)  # ~50 kB: a figure or two
    with use_session(session):
        for _ in range(5):
            plot_heatmap(text="I love natural language processing!")
    total = sum(p.stat().st_size for p in tmp_path.iterdir())
    names = sorted(p.name for p in tmp_path.iterdir())
    assert total < 0.05 * 2**20 + 200_000  # the newest figure is never deleted, even if it alone is larger
    assert names[-1].startswith("005-heatmap") and not any(name.startswith("001-") for name in names)


def test_the_tool_command_has_the_apps_limits(tmp_path: Path, monkeypatch, capsys):
    import json

    from agent.settings import Settings
    from attention_sensei.cli import main

    monkeypatch.setattr(Settings, "from_env", classmethod(lambda cls, **overrides: cls(max_attention_mb=0.01)))
    code = main(["tool", "extract_attention", "--args", '{"text": "I love natural language processing!"}',
                 "--out", str(tmp_path), "--json"])
    record = json.loads(capsys.readouterr().out)
    assert code == 1 and not record["ok"] and "the limit is 0 MB" in record["error"]
