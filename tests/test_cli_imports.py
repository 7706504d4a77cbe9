"""A one-shot `ask` imports only what it uses: no openai, gradio or pandas, and only the tool it runs.

Checked in a fresh interpreter, since this test process has imported everything already.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import json, sys
import attention_sensei.ask, attention_sensei.chat, attention_sensei.cli
from agent.sensei import Sensei
from agent.settings import Settings

def loaded(*names):
    return sorted(name for name in names if name in sys.modules)

sensei = Sensei(Settings(backend="offline"))
report = {"at_start": loaded("openai", "gradio", "pandas", "matplotlib", "tools.views", "tools.generation")}
sensei.registry.spec("plot_heatmap")
report["after_one_tool"] = loaded("tools.views", "tools.basics", "tools.explain", "tools.analyses", "tools.compare",
                                  "tools.generation", "openai", "gradio", "pandas")
print(json.dumps(report))
"""


def test_the_offline_sensei_imports_no_openai_gradio_or_unused_tool():
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, cwd=ROOT, timeout=300,
                          env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["at_start"] == []  # no LLM client, no web UI, no figure code before a tool runs
    assert report["after_one_tool"] == ["tools.views"]  # the registry imported plot_heatmap's family only


def test_tools_resolves_its_names_on_first_use():
    import tools

    assert tools.plot_heatmap.__module__ == "tools.views.api"
    assert [fn.__name__ for fn in tools.TOOLS] == list(tools.TOOL_FAMILIES)
    assert set(tools.__all__) <= set(dir(tools))
    with pytest.raises(AttributeError, match="plot_heatmapp"):
        tools.plot_heatmapp  # noqa: B018
