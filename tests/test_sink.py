"""The sink, said: when special tokens take more than half of a view's attention, the views report
it with the number and the answer offers the view without them, in English and Japanese.

The real views run on the embedded minilm (whose last layer gives [CLS] and [SEP] about 0.6 of the
mean row of the example sentence); the threshold itself is checked on plain tensors.
"""

from __future__ import annotations

import os

os.environ["HF_HUB_OFFLINE"] = "1"

from collections.abc import Iterator  # noqa: E402
from pathlib import Path  # noqa: E402
from types import SimpleNamespace  # noqa: E402

import pytest  # noqa: E402
import torch  # noqa: E402

import tools  # noqa: E402
from agent.compose import compose  # noqa: E402
from agent.events import ToolFinished  # noqa: E402
from agent.planner import plan  # noqa: E402
from tools import Session, use_session  # noqa: E402
from tools.core.sink import SINK_SHARE, sink_fields  # noqa: E402

NLP = "I love natural language processing!"


@pytest.fixture
def minilm_session(tmp_path: Path) -> Iterator[Session]:
    with use_session(Session(artifacts_dir=tmp_path)) as session:
        yield session


def _extraction(special: list[bool]) -> SimpleNamespace:
    return SimpleNamespace(special=special, tokens=[f"t{i}" for i in range(len(special))])


def _rows(first_column: float) -> torch.Tensor:
    """(2, 3) rows that give `first_column` to token 0 and share the rest evenly."""
    rest = (1.0 - first_column) / 2
    return torch.tensor([[first_column, rest, rest]] * 2)


@pytest.mark.parametrize(("share", "heavy"), [(SINK_SHARE, False), (SINK_SHARE + 0.01, True), (0.2, False)])
def test_the_sink_is_heavy_only_above_half_of_the_attention(share: float, heavy: bool) -> None:
    fields = sink_fields(_extraction([True, False, False]), _rows(share), excluded=False)
    assert fields["sink_share"] == pytest.approx(share, abs=1e-4)
    assert fields["sink_heavy"] is heavy and fields["sink_tokens"] == ["t0"]


def test_no_sink_is_reported_without_special_tokens_or_once_they_are_removed() -> None:
    assert sink_fields(_extraction([False, False, False]), _rows(0.9), excluded=False)["sink_heavy"] is False
    assert sink_fields(_extraction([True, False, False]), _rows(0.9), excluded=True)["sink_share"] == 0.0


def test_views_measure_the_sink_on_the_matrix_they_draw(minilm_session: Session) -> None:
    heatmap = tools.plot_heatmap(text=NLP)
    extraction = minilm_session.latest
    mean = extraction.layer(5).mean(dim=0)  # (query, key): the view's matrix
    special = [i for i, flag in enumerate(extraction.special) if flag]
    assert heatmap["sink_share"] == pytest.approx(float(mean[:, special].sum(dim=-1).mean()), abs=1e-4)
    assert heatmap["sink_heavy"] and heatmap["sink_tokens"] == ["[CLS]", "[SEP]"]
    line = tools.plot_line(query="love", text=NLP)
    assert line["sink_share"] == pytest.approx(float(mean[2, special].sum()), abs=1e-4)
    assert tools.plot_heads(text=NLP)["sink_share"] == pytest.approx(
        float(extraction.layer(5)[..., special].sum(dim=-1).mean()), abs=1e-4)
    assert tools.plot_heatmap(text=NLP, exclude_special=True)["sink_heavy"] is False


@pytest.mark.parametrize(("question", "said", "offered"), [
    (f'Show the heatmap of "{NLP}"', "of the attention in this view (more than half)", "exclude_special=True"),
    (f"「{NLP}」のヒートマップを見せて", "(半分以上)", "特殊トークンなしで"),
])
def test_the_answer_says_the_share_and_offers_the_view_without(minilm_session: Session, question: str,
                                                                said: str, offered: str) -> None:
    planned = plan(question)
    result = tools.plot_heatmap(**planned.calls[0].arguments)
    finished = ToolFinished(call_id="c1", name="plot_heatmap", arguments=planned.calls[0].arguments, ok=True,
                            error=None, summary="", result=result, artifacts=result.get("artifacts", {}))
    text = compose(planned, [finished])
    assert f"{result['sink_share']:.0%}" in text and said in text and offered in text
    assert "`[CLS]`" in text and "`[SEP]`" in text
