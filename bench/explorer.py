"""The explorer's figures for `make bench` (issue #13), each beside its reference measured in the same run.

    python bench/explorer.py [--quick]     # prints the figures as JSON; bench/run.py calls `explorer_figures`

- server work of a layer or head switch at 128 tokens: the view read from the extraction and encoded as the
  JSON that goes on the wire (what the app's server function does), median and worst over the switches;
- in Chromium, at 128 tokens, in the real app: from the selector's change to the redrawn view (the canvas
  says which view it drew, then one animation frame), for views the page holds and for views the app sends;
  against the floor, a minimal Gradio app whose radio swaps a static heatmap PNG of the same 128 tokens
  (plot_heatmap's own figure), from the change to the new image loaded; both timed inside the browser;
- at 512 tokens (minilm, a real model): the first render of the explorer, from picking the sentence in the
  panel's menu to the drawn heatmap (no forward pass: the extraction is the session's), and the bytes of each
  update on the wire (the frame's page; each view the app sends).
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parent / "tests"))

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync"]
WORDS = "the cat sat on a mat and looked at every dog in the warm garden while birds sang".split()
TEXT_128 = " ".join(WORDS[i % len(WORDS)] for i in range(126))  # 126 words of one token each, + [CLS] and [SEP]
TEXT_512 = "The cat sat on the mat and looked at the dog because it was tired. " * 50  # cut to 512 tokens

# Change a selector inside the frame and time it until the canvas has drawn `want` and one frame has passed.
SWITCH = """async ([selector, value, want]) => {
  const canvas = document.querySelector("#heatmap");
  const control = document.querySelector(selector);
  const started = performance.now();
  control.value = value;
  control.dispatchEvent(new Event("change"));
  while (canvas.dataset.key !== want) await new Promise((done) => setTimeout(done, 1));
  await new Promise((done) => requestAnimationFrame(() => done()));
  return performance.now() - started;
}"""

# The floor's switch: click a radio, wait for the image to be replaced and loaded, then one frame.
SWAP = """async (index) => {
  const image = () => document.querySelector("#figure img");
  const before = image() && image().src;
  const started = performance.now();
  document.querySelectorAll("#layer input")[index].click();
  for (;;) {
    const now = image();
    if (now && now.src !== before && now.complete && now.naturalWidth > 0) break;
    await new Promise((done) => setTimeout(done, 1));
  }
  await new Promise((done) => requestAnimationFrame(() => done()));
  return performance.now() - started;
}"""


def server_work(repeat: int) -> dict[str, float]:
    from tools import Session, plot_heatmap, use_session
    from tools.explore.payload import encoded_size, view_by_name

    with tempfile.TemporaryDirectory() as work, use_session(Session(artifacts_dir=Path(work))) as session:
        plot_heatmap(text=TEXT_128)
        extraction = session.latest
        keys = [f"{layer}:mean:00" for layer in range(6)] + [f"2:{head}:00" for head in range(12)]
        times = []
        for _ in range(repeat):
            for key in keys:
                started = time.perf_counter()
                encoded_size({"key": key, "view": view_by_name(extraction, key)})
                times.append(time.perf_counter() - started)
    return {"explorer_128_tokens": float(extraction.seq_len),
            "explorer_128_server_median_ms": 1000 * statistics.median(times),
            "explorer_128_server_max_ms": 1000 * max(times)}


def floor_app(pngs: list[str]):
    """A minimal Gradio app: a radio of layers and the static heatmap PNG of the chosen one."""
    import gradio as gr

    with gr.Blocks(analytics_enabled=False) as floor:
        layer = gr.Radio([str(i) for i in range(len(pngs))], value="0", elem_id="layer")
        figure = gr.Image(pngs[0], elem_id="figure", type="filepath")
        layer.change(lambda chosen: pngs[int(chosen)], layer, figure)
    return floor


def browser(repeat: int) -> dict[str, float]:
    from playwright.sync_api import sync_playwright
    from ui_server import free_port, running_app

    from tools import Session, plot_heatmap, use_session

    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as work:
        with use_session(Session(artifacts_dir=Path(work) / "pngs")):
            pngs = [plot_heatmap(layer=layer, text=TEXT_128)["artifacts"]["png"] for layer in range(6)]
        floor = floor_app(pngs)
        port = free_port()
        floor.launch(server_port=port, prevent_thread_lock=True, quiet=True, allowed_paths=[str(Path(work))])
        try:
            with running_app(Path(work) / "app") as url, sync_playwright() as play:
                chromium = play.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
                page = chromium.new_page(viewport={"width": 1400, "height": 1300})
                page.goto(f"http://127.0.0.1:{port}/")
                page.wait_for_selector("#figure img")
                swaps = [page.evaluate(SWAP, 1 + turn % 5) for turn in range(repeat + 1)][1:]  # the first warms up
                out["explorer_floor_image_swap_ms"] = statistics.median(swaps)
                page.close()
                out.update(app_switches(chromium, url, repeat))
                chromium.close()
        finally:
            floor.close()
    out["explorer_128_switch_vs_floor"] = out["explorer_128_switch_server_ms"] / out["explorer_floor_image_swap_ms"]
    return out


def app_switches(chromium, url: str, repeat: int) -> dict[str, float]:
    """Layer and head switches at 128 tokens in the app, then the 512-token render and update sizes."""
    from ui_server import ask_in_page as ask

    page = chromium.new_page(viewport={"width": 1400, "height": 1300})
    updates: list[int] = []
    page.on("response", lambda response: updates.append(len(response.body()))
            if "/component_server" in response.url else None)
    page.goto(url)
    ask(page, f'Show the heatmap of "{TEXT_128}"', 180_000)
    frame = page.wait_for_selector("#explorer-frame", timeout=120_000).content_frame()
    frame.wait_for_selector('#heatmap[data-key="5:mean:00"]')
    local = [frame.evaluate(SWITCH, ["#layer", str(layer), f"{layer}:mean:00"]) for layer in (4, 3, 2, 1, 0)]
    frame.evaluate(SWITCH, ["#layer", "2", "2:mean:00"])
    served = []  # heads of layer 2 are not in the page at 128 tokens: each one comes from the app
    for head in range(min(12, repeat + 1)):
        served.append(frame.evaluate(SWITCH, ["#head", str(head), f"2:{head}:00"]))
    out = {"explorer_128_switch_local_ms": statistics.median(local),
           "explorer_128_switch_server_ms": statistics.median(served[1:]),
           "explorer_128_update_max_bytes": float(max(updates))}
    ask(page, f'Show the heatmap of "{TEXT_512}"', 180_000)
    frame = page.wait_for_selector("#explorer-frame", timeout=180_000).content_frame()
    frame.wait_for_selector('#heatmap[data-key="5:mean:00"]', timeout=60_000)
    long_frame = page.get_attribute("#explorer-frame", "data-token")
    ask(page, 'Show the heatmap of "I love tea"')
    page.wait_for_function("(shown) => document.querySelector('#explorer-frame').dataset.token !== shown",
                           arg=long_frame, timeout=60_000)
    frame = page.wait_for_selector("#explorer-frame").content_frame()
    frame.wait_for_selector("#heatmap[data-key]")
    page.click("#explorer-pick input")
    option = page.get_by_role("option", name=TEXT_512[:20], exact=False)
    updates.clear()
    started = time.perf_counter()
    option.click()  # no forward pass: the session holds the extraction
    page.wait_for_function("(shown) => document.querySelector('#explorer-frame').dataset.token === shown",
                           arg=long_frame, timeout=60_000)
    frame = page.wait_for_selector("#explorer-frame").content_frame()
    frame.wait_for_selector('#heatmap[data-key="5:mean:00"]', timeout=60_000)
    out["explorer_512_first_render_s"] = time.perf_counter() - started
    out["explorer_512_frame_bytes"] = float(page.evaluate(
        "new TextEncoder().encode(document.querySelector('#explorer-frame').srcdoc).length"))
    out["explorer_512_page_bytes"] = float(max(updates))  # the views the page starts with, sent by the app
    for layer, head in [(0, "mean"), (3, "mean"), (3, "7"), (1, "2")]:
        frame.select_option("#layer", str(layer))
        frame.select_option("#head", head)
        frame.wait_for_selector(f'#heatmap[data-key="{layer}:{head}:00"]', timeout=60_000)
    out["explorer_512_update_max_bytes"] = float(max(updates))  # the first views and each switch
    page.close()
    return out


def explorer_figures(repeat: int = 5) -> dict[str, float]:
    """Every explorer figure, for bench/run.py."""
    results = server_work(repeat)
    results.update(browser(repeat))
    return results


def table_rows(r: dict[str, float]) -> list[tuple[str, float, str]]:
    """The explorer's rows of bench/run.py's table: (measure, value, against and target)."""
    return [
        ("explorer: layer/head switch, server work, 128 tokens (ms)", r["explorer_128_server_median_ms"],
         f"worst {r['explorer_128_server_max_ms']:.1f} ms (target ≤ 100 ms)"),
        ("explorer: switch in Chromium, view the app sends (ms)", r["explorer_128_switch_server_ms"],
         f"{r['explorer_128_switch_vs_floor']:.2f}× Gradio swapping a static PNG "
         f"({r['explorer_floor_image_swap_ms']:.0f} ms; target ≤ 2×); a view the page holds: "
         f"{r['explorer_128_switch_local_ms']:.0f} ms"),
        ("explorer: first render at 512 tokens (s)", r["explorer_512_first_render_s"], "target ≤ 1.5 s"),
        ("explorer: largest update at 512 tokens (MB)", r["explorer_512_update_max_bytes"] / 1e6,
         f"the page's first views: {r['explorer_512_page_bytes'] / 1e6:.2f} MB, its frame "
         f"{r['explorer_512_frame_bytes'] / 1e3:.0f} KB (target ≤ 2 MB each)"),
    ]


if __name__ == "__main__":
    import os

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from tools.core.process_tuning import tune_for_serving

    tune_for_serving()  # as the app's entry point does
    figures = explorer_figures(3 if "--quick" in sys.argv else 8)
    print(json.dumps(figures, indent=1))
    for name, value, against in table_rows(figures):
        print(f"{name:62s} {value:10.3f}  {against}")
