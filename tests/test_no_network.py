"""No outbound traffic on its own: no telemetry, and no model fetched from the hub on an LLM's say-so."""

from __future__ import annotations

import argparse
import socket
import time
from pathlib import Path

import pytest
from fake_llm import FakeClient, text_reply, tool_reply
from ui_server import running_app

from agent.sensei import Sensei
from agent.settings import ALLOWED_BY_OPERATOR, Settings
from attention_sensei.ask import start_conversation, turn_record
from tools import ModelError, load_model, use_session

LOCAL = {"127.0.0.1", "localhost", "::1", "0.0.0.0"}


def test_a_plainly_started_app_resolves_no_outside_host(tmp_path: Path, monkeypatch):
    monkeypatch.delenv("GRADIO_ANALYTICS_ENABLED", raising=False)  # the default a user gets
    resolved: list[str] = []
    original = socket.getaddrinfo

    def record(host, *args, **kwargs):
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name not in LOCAL:
            resolved.append(name)
            raise socket.gaierror(f"no network in this test: {name}")
        return original(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", record)
    with running_app(tmp_path / "artifacts"):
        time.sleep(2)  # launch analytics and the version check run in background threads
    assert resolved == []


INVENTED = "gpt-3.5-turbo-0613-1"  # a model id an LLM really made up
NAMED = "someorg/tiny-bert"


@pytest.fixture
def hub(monkeypatch) -> list[tuple[str, bool]]:
    """Every attempt to load a hub model, as (id, local_files_only); none reaches a network."""
    import transformers

    from tools.core import hub as hub_reach

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)  # as on a server with a network
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    monkeypatch.setattr(hub_reach, "_decided", True)  # the hub answered this process's one probe
    attempts: list[tuple[str, bool]] = []

    def from_pretrained(source, *args, **kwargs):
        attempts.append((str(source), kwargs.get("local_files_only")))
        raise OSError(f"{source} is not in the local cache (and this test has no network)")

    monkeypatch.setattr(transformers.AutoConfig, "from_pretrained", from_pretrained)
    return attempts


def llm_turn(question: str, model: str, tmp_path: Path, **settings: object) -> tuple[list[dict], FakeClient]:
    """One CLI turn in which the LLM calls load_model(model); the steps it recorded."""
    client = FakeClient(tool_reply(("c1", "load_model", {"model": model})), text_reply("Done."))
    sensei = Sensei(Settings(backend="openai", api_key="sk-test", artifacts_dir=tmp_path, **settings),
                    client=client)
    conversation = start_conversation(sensei, argparse.Namespace(session=None, out=tmp_path, model=None))
    record = turn_record(sensei, conversation, question)
    client.assert_used_up()
    return record["steps"], client


def test_a_model_the_llm_invents_is_only_looked_up_locally(hub, tmp_path: Path):
    steps, _ = llm_turn("Which model would suit a long text?", INVENTED, tmp_path)
    assert hub == [(INVENTED, True)]
    assert not steps[0]["ok"] and "was not downloaded" in steps[0]["error"]
    assert "came from the LLM or agent, not the learner" in steps[0]["error"]
    assert "--allow-downloads" in steps[0]["error"]


def test_a_model_the_learner_names_may_be_fetched(hub, tmp_path: Path):
    llm_turn(f"Show the heatmap of 'I love tea' with {NAMED}, please", NAMED, tmp_path)
    llm_turn(f"「{NAMED.upper()}」で見せて", NAMED, tmp_path)  # in Japanese, in another case
    assert hub == [(NAMED, False), (NAMED, False)]


def test_allow_downloads_lets_any_model_be_fetched_and_the_progress_says_why(hub, tmp_path: Path):
    session = Settings(allow_downloads=True, artifacts_dir=tmp_path).new_session()
    said: list[str] = []
    session.progress = lambda fraction, message: said.append(message)
    with use_session(session), pytest.raises(ModelError, match="not available offline"):
        load_model(INVENTED)
    assert hub == [(INVENTED, False)]
    assert f"loading {INVENTED} (downloaded from the hub if missing: {ALLOWED_BY_OPERATOR})" in said


def test_the_app_fetches_what_the_learner_named_in_the_settings_or_a_question(hub, tmp_path: Path):
    from ui.app import _apply_settings, _ask, _new_session

    settings = Settings(backend="offline", artifacts_dir=tmp_path)
    state, _ = _apply_settings(settings, "offline", "", "", "", NAMED, _new_session(settings), "en")
    calls = [("c1", "load_model", {"model": NAMED}), ("c2", "load_model", {"model": "other/model"}),
             ("c3", "load_model", {"model": INVENTED})]
    client = FakeClient(tool_reply(*calls), text_reply("Done."))
    state.sensei = Sensei(Settings(backend="openai", api_key="sk-test"), client=client)
    for _ in _ask(settings, "Show the heatmap of 'I love tea' with other/model", state, "en"):
        pass
    client.assert_used_up()
    assert hub == [(NAMED, False), ("other/model", False), (INVENTED, True)]


def test_a_python_caller_is_the_learner(hub):
    with pytest.raises(ModelError):
        load_model(INVENTED)  # the default session: whoever calls the tool from Python named the model
    assert hub == [(INVENTED, False)]
