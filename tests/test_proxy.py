"""Several app processes behind a sticky-session proxy (scripts/proxy.sh, Debian's haproxy), as README's
"More than one process, more than one machine" runs them: two `attention-sensei ui` processes sharing one
model cache, the proxy in front, and two real browsers. Each browser keeps its own conversation (a
follow-up that depends on its first question answers about that question), and all of a browser's
requests reach one process, a different one for each browser."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
from test_ui_browser import ask, open_page
from ui_server import free_port

ROOT = Path(__file__).resolve().parent.parent
HAPROXY = shutil.which("haproxy") or "/usr/sbin/haproxy"
WAIT = 120_000  # ms

pytestmark = [
    pytest.mark.skipif(not Path(HAPROXY).exists(),
                       reason="haproxy is not installed: apt-get install haproxy (make system does it as root)"),
    pytest.mark.slow,  # three processes to start besides the browsers: ~30 s on two idle cores
]


def _served(url: str, process: subprocess.Popen, what: str, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{what} did not start (exit code {process.poll()})") from None
            time.sleep(0.1)


@contextmanager
def _running(command: list[str], log: Path, environment: dict[str, str]) -> Iterator[subprocess.Popen]:
    with log.open("w") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, cwd=ROOT, env=environment)
        try:
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture(scope="module")
def behind_proxy(tmp_path_factory: pytest.TempPathFactory):
    """Two app processes (each with its own figures' directory, one shared model cache) behind the proxy:
    yields the proxy's URL, its log and each process's figures' directory."""
    work = tmp_path_factory.mktemp("proxy")
    ports = [free_port(), free_port()]
    with ExitStack() as stack:
        apps, roots = [], []
        for number, port in enumerate(ports, start=1):
            temporary = work / f"app{number}"
            temporary.mkdir()
            environment = {**os.environ, "TMPDIR": str(temporary)}  # its figures go under its own TMPDIR
            command = [sys.executable, "-m", "attention_sensei", "ui", "--port", str(port), "--backend", "offline"]
            apps.append(stack.enter_context(_running(command, work / f"app{number}.log", environment)))
            roots.append(temporary)
        for port, app in zip(ports, apps, strict=True):  # started side by side, waited for in turn
            _served(f"http://127.0.0.1:{port}/", app, f"the app on port {port}")
        listen = free_port()
        log = work / "proxy.log"
        proxy = stack.enter_context(_running(
            ["sh", str(ROOT / "scripts" / "proxy.sh"), f"127.0.0.1:{listen}", *(f"127.0.0.1:{port}" for port in ports)],
            log, {**os.environ, "PROXY_LOG_HEADER": "X-Learner"},
        ))
        _served(f"http://127.0.0.1:{listen}/", proxy, "the proxy")
        yield f"http://127.0.0.1:{listen}/", log, roots


def _open(browser, url: str, learner: str):
    return open_page(browser, url, headers={"X-Learner": learner})  # the proxy's log names the learner


def _answered(page, step: str) -> str:
    page.wait_for_selector(f"#chat >> text={step} ✓", timeout=WAIT)
    page.wait_for_function("!document.querySelector('#chat .pending')", timeout=WAIT)
    page.wait_for_function("[...document.querySelectorAll('#chat img')].every(i => i.complete && i.naturalWidth > 0)",
                           timeout=WAIT)  # every figure fetched through the proxy, from the process that drew it
    return page.locator("#chat").inner_text()


def test_each_browser_keeps_its_own_conversation_on_its_own_process(browser, behind_proxy):
    url, log, roots = behind_proxy
    first, second = _open(browser, url, "first"), _open(browser, url, "second")
    sentences = {"first": "Cats chase mice.", "second": "Rain falls softly."}
    for page, who in ((first, "first"), (second, "second")):
        ask(page, f'Show the heatmap of "{sentences[who]}"')
    for page in (first, second):
        _answered(page, "plot_heatmap")
    for page in (first, second):
        ask(page, "Now show it as a line chart")  # answered about the sentence this browser asked about
    charts = {who: _answered(page, "plot_line").split("plot_line")[-1] for page, who in ((first, "first"),
                                                                                      (second, "second"))}
    for who, chart in charts.items():
        other = sentences["second" if who == "first" else "first"]
        assert sentences[who] in chart and other not in chart, f"{who} browser's follow-up: {chart[:300]}"
    requests = [json.loads(line) for line in log.read_text().splitlines() if line.startswith('{"who"')]
    servers = {who: {r["server"] for r in requests if r["who"] == who} for who in sentences}
    assert len(servers["first"]) == 1 and len(servers["second"]) == 1, servers  # sticky
    assert servers["first"] != servers["second"], "both browsers were sent to one process"
    refused = [r for r in requests if r["who"] in sentences and r["status"] >= 400]
    assert not refused, refused
    for page, who in ((first, "first"), (second, "second")):
        figures = [link.get_attribute("href") for link in page.locator("#chat a:has(img)").all()]
        process = int(next(iter(servers[who])).removeprefix("app"))  # scripts/proxy.sh names them app1, app2
        assert len(figures) == 2 and all(str(roots[process - 1]) in href for href in figures), figures
    first.context.close()
    second.context.close()
