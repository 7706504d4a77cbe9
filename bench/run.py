"""`make bench`: Attention Sensei against the article's workflow, measured side by side in one run.

Prints a table and writes bench/results.json. Ratios are what count on a noisy shared machine:
each figure is reported beside its reference (the baseline script, the bare forward pass, or a
minimal Gradio app) measured in the same run.

    python bench/run.py [--quick]        # --quick: fewer repetitions, for a smoke test
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import explorer  # bench/explorer.py: the explorer's figures (issue #13); this file runs as a script from bench/

os.environ.setdefault("HF_HUB_OFFLINE", "1")
HERE = Path(__file__).resolve().parent
PYTHON = sys.executable
SENTENCES = [
    f"Sentence number {i} tells a small story about {w}."
    for i, w in enumerate(
        ["cats", "rivers", "bread", "stars", "trains", "music", "rain", "books", "tea", "snow", "maps"]
    )
]


def median_time(work: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def run_process(args: list[str], cwd: Path | None = None) -> float:
    started = time.perf_counter()
    subprocess.run(args, check=True, capture_output=True, cwd=cwd, env=os.environ.copy())
    return time.perf_counter() - started


# --- 1 and 2: the article's script per question, against our warm turn ---------------------------------


def baseline(repeat: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as work:
        seconds = [
            run_process([PYTHON, str(HERE / "article_baseline.py"), SENTENCES[i], "out.png"], Path(work))
            for i in range(repeat)
        ]
    return {"baseline_script_s": statistics.median(seconds)}


def warm_turn(repeat: int) -> dict[str, float]:
    from agent.sensei import Sensei
    from agent.settings import Settings

    with tempfile.TemporaryDirectory() as work:
        sensei = Sensei(Settings(backend="offline", artifacts_dir=Path(work)))
        conversation = sensei.new_conversation()
        list(sensei.turn(conversation, "Show the heatmap of 'a warm-up sentence'"))
        times = []
        for sentence in SENTENCES[: max(repeat, 10)]:
            started = time.perf_counter()
            events = list(sensei.turn(conversation, f"Show the heatmap of '{sentence}'"))
            times.append(time.perf_counter() - started)
            assert events[-1].__class__.__name__ == "FinalAnswer", events[-1]
    return {"warm_turn_s": statistics.median(times)}


# --- 3 and 4: cold start and model loading -----------------------------------------------------------


def cold_start() -> dict[str, float]:
    from gradio_client import Client

    port = _free_port()
    started = time.perf_counter()
    process = subprocess.Popen(
        [PYTHON, "-m", "attention_sensei", "ui", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}/"
        while True:
            try:
                import urllib.request

                urllib.request.urlopen(url, timeout=1).read()
                break
            except OSError:
                time.sleep(0.05)
        served = time.perf_counter() - started
        Client(url, verbose=False).predict("Show the heatmap of 'I love tea'", "en", api_name="/ask")
        answered = time.perf_counter() - started
    finally:
        process.terminate()
        process.wait()
    return {"ui_first_page_s": served, "ui_first_answer_s": answered}


def model_loads() -> dict[str, float]:
    code = (
        "import time,sys; from tools.core.process_tuning import tune_for_serving; tune_for_serving(); "
        "from tools.core.models import get_model; t=time.perf_counter(); get_model(sys.argv[1]); "
        "print(time.perf_counter()-t)"
    )
    out = {}
    for alias in ("minilm", "gemma-270m"):
        done = subprocess.run([PYTHON, "-c", code, alias], check=True, capture_output=True, text=True)
        out[f"load_{alias}_s"] = float(done.stdout.strip().splitlines()[-1])
    # gemma's tokenizer alone, transformers already imported: AutoTokenizer against our direct read.
    tokenizers = """import sys, time
from transformers import AutoTokenizer
from tools.core.gguf_cache import converted_tokenizer
from tools.core.models import get_model
from pathlib import Path
source = Path(get_model("gemma-270m").source)
t = time.perf_counter(); AutoTokenizer.from_pretrained(source); auto = time.perf_counter() - t
t = time.perf_counter(); converted_tokenizer(source); ours = time.perf_counter() - t
print(auto, ours)"""
    done = subprocess.run([PYTHON, "-c", tokenizers], check=True, capture_output=True, text=True)
    auto, ours = map(float, done.stdout.strip().splitlines()[-1].split())
    out["gemma_tokenizer_auto_s"], out["gemma_tokenizer_ours_s"] = auto, ours
    return out


# --- 5: scaling with sequence length -----------------------------------------------------------------


def scaling(lengths: list[int], repeat: int) -> dict[str, float]:
    import torch

    from tools import Session, plot_heads, plot_heatmap, plot_line, use_session
    from tools.core.extract import extract
    from tools.core.models import get_model

    out = {}
    for alias in ("minilm", "gemma-270m"):
        loaded = get_model(alias)
        for length in lengths:
            text = "word " * (length + 8)
            encoding = loaded.tokenizer(text, return_tensors="pt", truncation=True, max_length=length)

            def bare(loaded: object = loaded, encoding: object = encoding) -> None:
                with torch.inference_mode():
                    loaded.base_model(**encoding, output_attentions=True)

            out[f"{alias}_{length}_forward_s"] = median_time(bare, repeat)
            out[f"{alias}_{length}_extract_s"] = median_time(
                lambda loaded=loaded, text=text, length=length: extract(loaded, text, length), repeat
            )
            with (
                tempfile.TemporaryDirectory() as work,
                use_session(Session(artifacts_dir=Path(work), max_tokens=length)),
            ):
                plot_heatmap(text=text, model=alias)  # extraction cached; only the plots are timed
                for name, tool in (("heatmap", plot_heatmap), ("line", plot_line), ("heads", plot_heads)):
                    out[f"{alias}_{length}_{name}_s"] = median_time(lambda t=tool: t(), repeat)
    return out


def peak_memory(alias: str, length: int, mode: str) -> float:
    """Peak RSS growth (MB) of one pass in a fresh process: 'bare' forward with attentions, or 'ours'.

    The peak is reset after the model loaded (writing 5 to /proc/self/clear_refs resets VmHWM), so
    it is the pass's own peak, not the loading's."""
    code = f"""
import torch
from tools.core.models import get_model
from tools.core.extract import extract
def status(key):
    for line in open("/proc/self/status"):
        if line.startswith(key):
            return int(line.split()[1]) / 1024
from tools.core.process_tuning import tune_for_serving
tune_for_serving()  # the app's memory policy, in both modes
loaded = get_model({alias!r})
text = "word " * {length + 8}
enc = loaded.tokenizer(text, return_tensors="pt", truncation=True, max_length={length})
with torch.inference_mode():
    loaded.base_model(**loaded.tokenizer("warm", return_tensors="pt"), output_attentions=True)
before = status("VmRSS:")
open("/proc/self/clear_refs", "w").write("5")
if {mode!r} == "bare":
    with torch.inference_mode():
        out = loaded.base_model(**enc, output_attentions=True)
else:
    out = extract(loaded, text, {length})
print(status("VmHWM:") - before)
"""
    done = subprocess.run([PYTHON, "-c", code], check=True, capture_output=True, text=True)
    return float(done.stdout.strip().splitlines()[-1])


# --- the browser, and concurrency --------------------------------------------------------------------


def browser_turns(repeat: int) -> dict[str, float]:
    import gradio as gr
    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(HERE.parent / "tests"))
    from ui_server import running_app

    image = HERE / "floor.png"
    if not image.exists():
        subprocess.run([PYTHON, str(HERE / "article_baseline.py"), "floor", str(image)], check=True)

    def answer(message: str, history: list) -> object:
        return gr.Image(str(image))

    floor = gr.ChatInterface(answer, chatbot=gr.Chatbot(elem_id="chat"), textbox=gr.Textbox(elem_id="question"))
    port = _free_port()
    floor.launch(server_port=port, prevent_thread_lock=True, quiet=True, allowed_paths=[str(HERE)])
    args = [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ]
    out = {}
    try:
        with tempfile.TemporaryDirectory() as work, running_app(Path(work)) as ours, sync_playwright() as play:
            browser = play.chromium.launch(executable_path="/usr/bin/chromium", args=args)
            for name, url in (("floor", f"http://127.0.0.1:{port}/"), ("ours", ours)):
                page = browser.new_page()
                page.goto(url)
                page.wait_for_selector("#question textarea")
                times = []
                for turn in range(repeat + 1):
                    count = page.locator("#chat img").count()
                    page.fill("#question textarea", f"Show the heatmap of '{SENTENCES[turn % len(SENTENCES)]}'")
                    started = time.perf_counter()
                    page.press("#question textarea", "Enter")
                    page.wait_for_function(f"document.querySelectorAll('#chat img').length > {count}", timeout=120_000)
                    if turn:  # the first is the warm-up
                        times.append(time.perf_counter() - started)
                out[f"browser_{name}_turn_s"] = statistics.median(times)
                page.close()
            browser.close()
    finally:
        floor.close()
    return out


LEARNER = """
import json, sys, time, urllib.request, uuid

url, first, turns, sentences = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), json.loads(sys.argv[4])
session = uuid.uuid4().hex  # one conversation over the turns, as in a browser's tab


def ask(question):
    # Gradio's HTTP API: post the inputs (the conversation's gr.State stays on the server, under the session),
    # then read the event stream until the answer is complete
    body = json.dumps({"data": [question, "en"], "session_hash": session}).encode()
    posted = urllib.request.Request(f"{url}gradio_api/call/ask", body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(posted) as reply:
        event_id = json.load(reply)["event_id"]
    event = None
    with urllib.request.urlopen(f"{url}gradio_api/call/ask/{event_id}") as stream:
        for line in stream:
            if line.startswith(b"event:"):
                event = line[6:].strip().decode()
            elif line.startswith(b"data:") and event == "complete":
                return json.loads(line[5:])
            elif line.startswith(b"data:") and event == "error":
                raise RuntimeError(line[5:].strip().decode())
    raise RuntimeError(f"the event stream ended before the answer (last event: {event})")


print("ready", flush=True)
sys.stdin.readline()
latencies, errors, cpu = [], [], time.process_time()
for turn in range(turns):
    started = time.perf_counter()
    try:
        ask(f"Show the heatmap of '{sentences[(first + turn) % len(sentences)]}'")
    except Exception as error:  # counted, reported
        errors.append(repr(error))
    latencies.append(time.perf_counter() - started)
print(json.dumps({"latencies": latencies, "errors": errors, "cpu": time.process_time() - cpu}))
"""


def concurrency(sessions: list[int], per_session: int, workers: int = 1) -> dict[str, float]:
    """N learners asking at once, each waiting for its answer before asking again (a closed loop).

    As with real browsers, every learner is a process of its own and the app runs as
    `attention-sensei ui --workers W` does; they share only the machine's cores. A learner speaks Gradio's
    HTTP API with the standard library (LEARNER), ~0.004 s of CPU a turn where gradio_client took ~0.08 s:
    a class's browsers run on other machines, so what the learners take of these cores is the benchmark's
    own cost, kept small so that the cores measured are the server's. The CPU time per turn of
    the app and of the learners gives the floor any scheduler could reach (see floor_ratio). With W > 1
    the figures are drawn in W worker processes: their CPU time is reported apart from the app's own
    process, whose interpreter lock is what one process cannot scale past. Keys of a run with W > 1
    start with `workers_W_`."""
    from gradio_client import Client

    prefix = f"workers_{workers}_" if workers > 1 else ""
    out: dict[str, float] = {"cores": float(os.cpu_count() or 1)}
    with _app_process(workers) as (url, process):
        Client(url, verbose=False).predict("Heatmap of 'warm up'", "en", api_name="/ask")
        if workers > 1:  # the pool starts in the background: measured once every worker has drawn
            _wait_for_workers(process.pid, workers)
            for sentence in SENTENCES[: 2 * workers]:  # each worker's first figures, off the clock
                Client(url, verbose=False).predict(f"Heatmap of '{sentence}'", "en", api_name="/ask")
        for count in [1, *sessions]:
            learners = [
                subprocess.Popen(
                    [PYTHON, "-c", LEARNER, url, str(i), str(per_session), json.dumps(SENTENCES)],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    text=True,
                )
                for i in range(count)
            ]
            for learner in learners:  # all connected before the clock starts
                learner.stdout.readline()
            app_cpu, workers_cpu = _cpu_seconds(process.pid), _descendants_cpu_seconds(process.pid)
            started = time.perf_counter()
            for learner in learners:
                learner.stdin.write("go\n")
                learner.stdin.flush()
            reports = [json.loads(learner.communicate()[0].strip().splitlines()[-1]) for learner in learners]
            wall = time.perf_counter() - started
            latencies = sorted(latency for report in reports for latency in report["latencies"])
            turns = len(latencies)
            key = f"{prefix}sessions_{count}"
            out[f"{key}_p95_s"] = latencies[max(0, int(0.95 * turns) - 1)]
            out[f"{key}_mean_s"] = statistics.mean(latencies)
            out[f"{key}_throughput_per_s"] = turns / wall
            out[f"{key}_errors"] = float(sum(len(report["errors"]) for report in reports))
            out[f"{key}_app_cpu_per_turn_s"] = (_cpu_seconds(process.pid) - app_cpu) / turns
            out[f"{key}_workers_cpu_per_turn_s"] = (_descendants_cpu_seconds(process.pid) - workers_cpu) / turns
            out[f"{key}_clients_cpu_per_turn_s"] = sum(report["cpu"] for report in reports) / turns
    return out


def _wait_for_workers(pid: int, workers: int, timeout: float = 120) -> None:
    """Until the app's drawing processes are up (the forkserver and `workers` workers under it)."""
    deadline = time.monotonic() + timeout
    while len(_descendants(pid)) < workers + 1:
        if time.monotonic() > deadline:
            raise RuntimeError(f"the app did not start {workers} drawing processes")
        time.sleep(0.1)


@contextmanager
def _app_process(workers: int = 1) -> Iterator[tuple[str, subprocess.Popen]]:
    port = _free_port()
    command = [PYTHON, "-m", "attention_sensei", "ui", "--port", str(port), "--backend", "offline",
               "--workers", str(workers)]
    with tempfile.TemporaryDirectory() as work:  # the app's figures go under TMPDIR
        environment = {**os.environ, "TMPDIR": work}
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=environment)
        try:
            url = f"http://127.0.0.1:{port}/"
            deadline = time.monotonic() + 120
            while True:
                try:
                    urllib.request.urlopen(url, timeout=1).read()
                    break
                except OSError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError("the app did not start") from None
                    time.sleep(0.05)
            yield url, process
        finally:
            process.terminate()
            process.wait()


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its threads, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _descendants(pid: int) -> list[int]:
    """Every process under `pid` (children, their children, ...), from /proc."""
    parents: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rpartition(")")[2].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        parents.setdefault(parent, []).append(int(stat.parent.name))
    found, frontier = [], [pid]
    while frontier:
        children = parents.get(frontier.pop(), [])
        found += children
        frontier += children
    return found


def _descendants_cpu_seconds(pid: int) -> float:
    """CPU time of the processes under `pid` now running (the drawing pool's forkserver and workers)."""
    total = 0.0
    for child in _descendants(pid):
        try:
            total += _cpu_seconds(child)
        except OSError:  # ended meanwhile
            continue
    return total


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", help="run the one step of that name (e.g. 'workers'), print its JSON")
    parser.add_argument("--workers", type=int, help="drawing processes of the 'workers' step (default: as the app)")
    args = parser.parse_args()
    from tools.core.process_tuning import tune_for_serving
    from tools.core.render_pool import default_workers

    tune_for_serving()  # measured in this process as the app runs: one torch thread, glibc tuned
    repeat = 3 if args.quick else 10
    per_learner = 2 if args.quick else 3
    workers = args.workers or max(2, default_workers())
    results: dict[str, float] = {"workers": float(workers)}
    steps = [
        ("baseline", lambda: baseline(3)),
        ("warm turn", lambda: warm_turn(repeat)),
        ("model loads", model_loads),
        ("cold start", cold_start),
        ("scaling", lambda: scaling([8, 32, 128, 512], 3)),
        (
            "peak memory",
            lambda: {
                f"{m}_512_peak_{k}_mb": peak_memory(m, 512, k)
                for m in ("minilm", "gemma-270m")
                for k in ("bare", "ours")
            },
        ),
        ("browser", lambda: browser_turns(3 if args.quick else 5)),
        ("concurrency", lambda: concurrency([4, 8], per_learner)),
        # 8 learners again, the figures drawn by `workers` processes: against the 8-learner run just above
        # (measured here first when the step runs alone, `--only workers`, so the ratio is of one run)
        ("workers", lambda: {**({} if "sessions_8_throughput_per_s" in results else concurrency([8], per_learner)),
                             **concurrency([8], per_learner, workers)}),
        ("explorer", lambda: explorer.explorer_figures(3 if args.quick else 8)),  # issue #13: bench/explorer.py
    ]
    for name, step in steps:
        if args.only and name != args.only:
            continue
        started = time.perf_counter()
        results.update(step())
        print(f"[{time.perf_counter() - started:6.1f} s] {name}", file=sys.stderr, flush=True)
    if args.only:
        print(json.dumps(results, indent=1))
        return 0
    results["max_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    (HERE / "results.json").write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    print(table(results))
    return 0


def floor_ratio(r: dict[str, float], count: int, cores: float | None = None) -> float:
    """The least p95 / single-session p95 any scheduler could reach: `count` turns always in flight,
    each needing the app's and the learners' CPU time per turn, on all the machine's cores. With
    cores=1, the app's time alone: the floor of one Python process, whose interpreter lock lets it
    run Python on one core at a time."""
    app = r[f"sessions_{count}_app_cpu_per_turn_s"]
    if cores == 1:
        return count * app / r["sessions_1_p95_s"]
    per_turn = app + r[f"sessions_{count}_clients_cpu_per_turn_s"]
    return count * per_turn / r["cores"] / r["sessions_1_p95_s"]


def workers_row(r: dict[str, float], count: int) -> tuple[str, float, str]:
    """Turns per second of `count` learners with the figures drawn by the worker pool, against one process."""
    workers = int(r["workers"])
    key, alone = f"workers_{workers}_sessions_{count}", f"sessions_{count}"
    gain = r[f"{key}_throughput_per_s"] / r[f"{alone}_throughput_per_s"]
    return (
        f"{count} sessions, {workers} drawing workers: turns/s",
        r[f"{key}_throughput_per_s"],
        f"{gain:.2f}× the {r[f'{alone}_throughput_per_s']:.1f} turns/s of --workers 1 (target ≥ 1.6× with 2 workers "
        f"on 2 cores); CPU per turn: app process {r[f'{key}_app_cpu_per_turn_s']:.3f} s (was "
        f"{r[f'{alone}_app_cpu_per_turn_s']:.3f} s), workers {r[f'{key}_workers_cpu_per_turn_s']:.3f} s, learners "
        f"{r[f'{key}_clients_cpu_per_turn_s']:.3f} s; p95 {r[f'{key}_p95_s']:.2f} s; {r[f'{key}_errors']:.0f} errors",
    )


def table(r: dict[str, float]) -> str:
    base = r["baseline_script_s"]
    rows = [
        ("article script, fresh process", base, "1.0× (reference)"),
        ("warm heatmap turn, in process", r["warm_turn_s"], f"{base / r['warm_turn_s']:.1f}× faster (target ≥ 30×)"),
        (
            "warm turn in the browser",
            r["browser_ours_turn_s"],
            f"{r['browser_ours_turn_s'] / r['browser_floor_turn_s']:.2f}× the Gradio floor of "
            f"{r['browser_floor_turn_s']:.2f} s (target ≤ 1.3×); {base / r['browser_ours_turn_s']:.1f}× faster than "
            "the script (target ≥ 10×)",
        ),
        (
            "app: first page / first answer",
            r["ui_first_page_s"],
            f"first answer at {r['ui_first_answer_s']:.1f} s (target ≤ 10 s)",
        ),
        ("load minilm (fresh process)", r["load_minilm_s"], ""),
        ("load gemma-270m (cached)", r["load_gemma-270m_s"], "target ≤ 5 s"),
        (
            "  of which its tokenizer",
            r["gemma_tokenizer_ours_s"],
            f"AutoTokenizer on the same directory: {r['gemma_tokenizer_auto_s']:.2f} s "
            f"({r['gemma_tokenizer_auto_s'] / r['gemma_tokenizer_ours_s']:.1f}× slower)",
        ),
    ]
    for alias in ("minilm", "gemma-270m"):
        for n in (8, 32, 128, 512):
            forward, ours = r[f"{alias}_{n}_forward_s"], r[f"{alias}_{n}_extract_s"]
            rows.append(
                (
                    f"{alias} n={n}: extraction",
                    ours,
                    f"{ours / forward:.2f}× the bare forward pass "
                    f"(target ≤ 1.3×); heatmap {r[f'{alias}_{n}_heatmap_s']:.2f} s, line "
                    f"{r[f'{alias}_{n}_line_s']:.2f} s, heads {r[f'{alias}_{n}_heads_s']:.2f} s",
                )
            )
        bare, ours = r[f"{alias}_512_peak_bare_mb"], r[f"{alias}_512_peak_ours_mb"]
        rows.append(
            (
                f"{alias} n=512: peak memory (MB)",
                ours,
                f"{ours / max(bare, 1):.2f}× the bare pass's {bare:.0f} MB (target ≤ 1.5×)",
            )
        )
    single = r["sessions_1_p95_s"]
    rows.append(
        (
            "1 session: p95",
            single,
            f"app CPU {r['sessions_1_app_cpu_per_turn_s']:.2f} s/turn, clients "
            f"{r['sessions_1_clients_cpu_per_turn_s']:.2f} s/turn; "
            f"{r['sessions_1_throughput_per_s']:.1f} turns/s",
        )
    )
    for count in (4, 8):
        p95 = r[f"sessions_{count}_p95_s"]
        rows.append(
            (
                f"{count} sessions at once: p95",
                p95,
                f"{p95 / single:.1f}× one session (target ≤ 3×; CPU floor {floor_ratio(r, count):.1f}× on "
                f"{r['cores']:.0f} cores, {floor_ratio(r, count, 1):.1f}× for one Python process); "
                f"{r[f'sessions_{count}_throughput_per_s']:.1f} turns/s; {r[f'sessions_{count}_errors']:.0f} errors",
            )
        )
    rows.append(workers_row(r, 8))
    if "explorer_128_server_median_ms" in r:
        rows += explorer.table_rows(r)
    width = max(len(name) for name, _, _ in rows)
    return "\n".join(f"{name:<{width}}  {value:8.3f}  {note}" for name, value, note in rows)


if __name__ == "__main__":
    raise SystemExit(main())
