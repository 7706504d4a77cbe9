"""Named models offline: the hub decided once and fast, an embedded stand-in said in the learner's language.

Fast: minilm is real; where gemma-270m would stand in, the tiny random Llama answers under its name
(the slow test at the end runs the real gemma through the offline sensei).
"""

from __future__ import annotations

import dataclasses
import re
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from agent.sensei import Sensei
from agent.settings import Settings
from attention_sensei.ask import turn_record
from tools import ModelError, extract_attention, load_model, plot_heatmap, use_session
from tools.core import hub, substitutes
from tools.core.downloads import Downloads
from tools.core.models import EMBEDDED, get_model
from tools.core.notes import render, templates
from tools.core.session import Session

SENTENCE = "I love natural language processing!"
CURRY = "今日はカレーライスを食べました。"
STAND_IN_NOTES = ("model_stand_in", "model_stand_in_refused", "model_unavailable", "hub_unreachable",
                  "hub_offline_setting", "stand_in_same_model", "stand_in_same_vocabulary", "stand_in_encoder",
                  "stand_in_causal", "stand_in_decoder_for_encoder", "shape_differs", "shape_same", "shape_unknown")
# An English sentence: four ASCII words in a row ("Hugging Face Hub" is a name), or an English function word.
ENGLISH = re.compile(r"[A-Za-z]+(?:[ ,]+[A-Za-z]+){3,}|\b(?:the|is|and|not|so|of|to|with|it|was|for|can)\b")


@pytest.fixture
def tiny_gemma(tiny_models, monkeypatch):
    """gemma-270m, as a stand-in, is the tiny random Llama under gemma's name (a real decoder, loaded in 0.1 s)."""
    real = substitutes.get_model
    llama = dataclasses.replace(get_model(str(tiny_models["llama"])), name="gemma-270m")

    def get(name, *args, **kwargs):
        return llama if name == "gemma-270m" else real(name, *args, **kwargs)

    monkeypatch.setattr(substitutes, "get_model", get)
    return llama


def english_in(answer: str, *allowed: str) -> list[str]:
    """The English sentences of a Japanese answer, leaving out code spans and the learner's own words."""
    for text in allowed:
        answer = answer.replace(text, "")
    return ENGLISH.findall(re.sub(r"`[^`]*`", "", answer))


# The hub: decided once per process, within PROBE_SECONDS, never when HF_HUB_OFFLINE says not to.

def test_hf_hub_offline_decides_without_trying_the_network(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(hub, "_decided", None)
    monkeypatch.setattr(hub, "probe", lambda *args: pytest.fail("HF_HUB_OFFLINE=1 must not probe the hub"))
    assert hub.reachable() is False and hub.offline_by_setting()


def test_the_hub_is_probed_once_per_process_even_by_concurrent_callers(monkeypatch):
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    monkeypatch.setattr(hub, "_decided", None)
    probes: list[str] = []

    def probe(endpoint: str, seconds: float) -> bool:
        probes.append(endpoint)
        time.sleep(0.2)
        return False

    monkeypatch.setattr(hub, "probe", probe)
    answers: list[bool] = []
    threads = [threading.Thread(target=lambda: answers.append(hub.reachable())) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [False] * 4 and hub.reachable() is False
    assert len(probes) == 1 and hub.PROBE_SECONDS <= 2


@pytest.fixture
def silent_server():
    """An address that accepts a connection and never answers (a firewall's black hole, a hung proxy)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    listener.close()


def test_a_silent_hub_is_given_up_within_the_limit(silent_server):
    started = time.perf_counter()
    assert hub.probe(silent_server, 0.5) is False
    assert time.perf_counter() - started < 1.0


def test_a_hub_that_answers_is_reachable_even_with_an_error_status():
    class Answer(BaseHTTPRequestHandler):
        def do_HEAD(self):  # noqa: N802 (the http.server API)
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Answer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        assert hub.probe(f"http://127.0.0.1:{server.server_port}", 2.0) is True
    finally:
        server.shutdown()
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there: refused at once
    assert hub.probe(f"http://127.0.0.1:{port}", 2.0) is False


# The table: every kind of model the article and learners name.

@pytest.mark.parametrize(("requested", "use", "because"), [
    ("bert-base-uncased", "minilm", "stand_in_same_vocabulary"),
    ("google-bert/bert-large-uncased", "minilm", "stand_in_same_vocabulary"),
    ("bert-base-cased", "minilm", "stand_in_encoder"),
    ("roberta-base", "minilm", "stand_in_encoder"),
    ("distilbert-base-uncased", "minilm", "stand_in_encoder"),
    ("rinna/japanese-gpt2-medium", "gemma-270m", "stand_in_causal"),
    ("gpt2", "gemma-270m", "stand_in_causal"),
    ("openai-community/gpt2-medium", "gemma-270m", "stand_in_causal"),
    ("meta-llama/Llama-3.2-1B", "smollm2-135m", "stand_in_llama_family"),  # English text; tests/test_smollm2.py
    ("cl-tohoku/bert-base-japanese", "gemma-270m", "stand_in_decoder_for_encoder"),
    ("tohoku-nlp/bert-base-japanese-v3", "gemma-270m", "stand_in_decoder_for_encoder"),
    ("rinna/japanese-roberta-base", "gemma-270m", "stand_in_decoder_for_encoder"),
    ("sentence-transformers/all-MiniLM-L6-v2", "minilm", "stand_in_same_model"),
    ("google/gemma-3-270m", "gemma-270m", "stand_in_same_model"),
])
def test_each_kind_of_model_gets_its_nearest_embedded_model(requested, use, because):
    rule = substitutes.rule_for(requested)
    assert rule is not None and (rule.use, rule.because) == (use, because)


@pytest.mark.parametrize("requested", ["nobody/no-such-model", "t5-small", "openai/whisper-tiny"])
def test_an_id_of_no_known_kind_gets_no_stand_in(requested):
    assert substitutes.rule_for(requested) is None


def test_the_table_uses_embedded_models_and_known_notes():
    for rule in substitutes.rules():
        assert rule.use in EMBEDDED and rule.because in templates()


# Through the tools: requested_model and model, the note, the current model.

def test_an_english_bert_is_answered_by_minilm_with_the_same_tokens(session):
    result = extract_attention(SENTENCE, model="bert-base-uncased")
    own = extract_attention(SENTENCE, model="minilm")
    assert (result["model"], result["requested_model"], result["substituted"]) == ("minilm", "bert-base-uncased", True)
    assert (own["model"], own["requested_model"], own["substituted"]) == ("minilm", "minilm", False)
    assert result["tokens"] == own["tokens"] and result["shape"] == own["shape"]
    said = result["notes"][0]
    assert said["key"] == "model_stand_in" and said["values"]["because"]["key"] == "stand_in_same_vocabulary"
    shape = said["values"]["shape"]
    assert shape["key"] == "shape_differs" and (shape["values"]["layers"], shape["values"]["used_layers"]) == (12, 6)
    assert "12 layers × 12 heads, minilm 6 × 12" in said["text"]
    assert not own["notes"]


def test_the_named_model_stays_current_and_a_follow_up_is_told_again(session):
    loaded = load_model("bert-base-uncased")
    assert (loaded["model"], loaded["requested_model"], loaded["num_layers"]) == ("minilm", "bert-base-uncased", 6)
    assert [said["key"] for said in loaded["notes"]] == ["model_stand_in"]
    assert session.model_name == "bert-base-uncased"
    follow_up = plot_heatmap(text=SENTENCE)  # no model named: the current one, still a stand-in
    assert (follow_up["model"], follow_up["requested_model"]) == ("minilm", "bert-base-uncased")
    assert follow_up["notes"][0]["key"] == "model_stand_in"
    plain = plot_heatmap(text=SENTENCE, model="minilm")  # the same extraction, asked for by its own name
    assert (plain["requested_model"], plain["substituted"]) == ("minilm", False)
    assert all(said["key"] != "model_stand_in" for said in plain["notes"])


def test_a_causal_model_is_answered_by_gemma(session, tiny_gemma):
    result = plot_heatmap(text=CURRY, model="rinna/japanese-gpt2-medium")
    assert (result["model"], result["requested_model"], result["architecture"]) == \
        ("gemma-270m", "rinna/japanese-gpt2-medium", "decoder")
    said = result["notes"][0]
    assert said["values"]["because"]["key"] == "stand_in_causal"
    assert (said["values"]["shape"]["values"]["layers"], said["values"]["shape"]["values"]["heads"]) == (24, 16)


def test_a_japanese_bert_is_answered_by_gemma_which_says_what_the_causal_mask_changes(session, tiny_gemma):
    result = extract_attention(CURRY, model="cl-tohoku/bert-base-japanese")
    assert (result["model"], result["requested_model"]) == ("gemma-270m", "cl-tohoku/bert-base-japanese")
    assert result["causal_mask_holds"]  # what the note warns about, in the numbers
    said = result["notes"][0]
    assert said["values"]["because"]["key"] == "stand_in_decoder_for_encoder"
    assert "causal mask" in said["text"] and "0 above the diagonal" in said["text"]
    assert "因果マスク" in render(said, "ja")


def test_a_stand_ins_script_loads_the_asked_for_model_as_what_it_is(session, tiny_gemma):
    """gemma stands in for a Japanese BERT, but the script loads the BERT: as an encoder, with its tokenizer's
    packages named (tests/test_step_scripts.py runs a stand-in's script)."""
    code = load_model("cl-tohoku/bert-base-japanese")["code"]
    assert "MODEL_DIR = 'cl-tohoku/bert-base-japanese'" in code and "AutoModel.from_pretrained(MODEL_DIR" in code
    assert "pip install fugashi unidic-lite" in code and "ran gemma-270m (google/gemma-3-270m)" in code
    rinna = load_model("rinna/japanese-gpt2-medium")["code"]
    assert "MODEL_DIR = 'rinna/japanese-gpt2-medium'" in rinna and "AutoModelForCausalLM.from_pretrained" in rinna
    assert "fugashi" not in rinna


def test_strict_refuses_a_stand_in_in_the_learners_language(tmp_path: Path):
    strict = Session(artifacts_dir=tmp_path, downloads=Downloads(strict=True))
    with use_session(strict), pytest.raises(ModelError) as refused:
        extract_attention(SENTENCE, model="bert-base-uncased")
    said = refused.value.note
    assert said["key"] == "model_stand_in_refused" and str(refused.value) == said["text"]
    assert "strict" in str(refused.value) and "minilm" in str(refused.value)
    assert "代わりのモデルを使わない" in render(said, "ja")
    with use_session(Session(artifacts_dir=tmp_path)):
        with pytest.raises(ModelError, match="stand-ins are turned off"):
            load_model("gpt2", strict=True)  # the tool's own argument, for one call
        assert load_model("bert-base-uncased")["model"] == "minilm"  # not strict otherwise


def test_an_unknown_id_is_a_clear_error_in_seconds_even_when_the_hub_is_silent(session, monkeypatch, silent_server):
    from huggingface_hub import constants

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)  # a network that swallows every request
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    monkeypatch.setattr(hub, "_decided", None)
    monkeypatch.setattr(constants, "ENDPOINT", silent_server)
    started = time.perf_counter()
    with pytest.raises(ModelError) as error:
        load_model("nobody/no-such-model")
    assert time.perf_counter() - started < hub.PROBE_SECONDS + 2
    assert error.value.note["key"] == "model_unavailable"
    assert "nobody/no-such-model is not available offline" in str(error.value)
    assert error.value.note["values"]["hub"]["key"] == "hub_unreachable"
    started = time.perf_counter()  # decided: the next named model does not wait again
    assert load_model("bert-base-uncased")["model"] == "minilm"
    assert time.perf_counter() - started < 1.5


def test_with_the_hub_reachable_or_the_model_cached_nothing_stands_in(session, monkeypatch):
    loads: list[str] = []

    def get(name, *args, **kwargs):
        loads.append(name)
        raise ModelError(f"{name}: loaded as itself")

    monkeypatch.setattr(substitutes, "get_model", get)
    monkeypatch.setattr(hub, "is_cached", lambda repo_id: True)
    with pytest.raises(ModelError, match="loaded as itself"):
        load_model("bert-base-uncased")
    monkeypatch.setattr(hub, "is_cached", lambda repo_id: False)
    monkeypatch.setattr(hub, "reachable", lambda: True)
    with pytest.raises(ModelError, match="loaded as itself"):
        load_model("rinna/japanese-gpt2-medium")
    assert loads == ["bert-base-uncased", "rinna/japanese-gpt2-medium"]


# What the learner reads: every note in both languages, Japanese answers without English sentences.

def test_the_japanese_of_every_stand_in_note_has_no_english_sentence():
    for key in STAND_IN_NOTES:
        japanese = templates()[key]["ja"]
        assert not english_in(japanese, "save_pretrained()"), (key, japanese)


def japanese_turn(question: str, tmp_path: Path, **settings: object) -> dict:
    configured = Settings(backend="offline", artifacts_dir=tmp_path, **settings)
    sensei = Sensei(configured)
    conversation = sensei.new_conversation(tmp_path)
    conversation.tools.downloads = configured.downloads()
    return turn_record(sensei, conversation, question)


def test_a_japanese_question_naming_bert_base_uncased_is_answered_in_japanese(tmp_path: Path):
    record = japanese_turn(f"「{SENTENCE}」をbert-base-uncasedでヒートマップにして", tmp_path)
    step = record["steps"][0]
    assert step["ok"] and step["result"]["model"] == "minilm"
    answer = record["answer"]
    assert "**bert-base-uncased** の代わり" in answer and "語彙も同じ" in answer
    assert step["result"]["notes"][0]["text"] not in answer
    assert not english_in(answer, SENTENCE, "Attention", "PNG・SVG・CSV")


@pytest.mark.parametrize(("question", "strict", "key"), [
    ("「今日は晴れ」をbert-base-uncasedでヒートマップにして", True, "model_stand_in_refused"),
    ("「今日は晴れ」をnobody/no-such-modelでヒートマップにして", False, "model_unavailable"),
])
def test_a_refusal_is_said_in_japanese_and_quickly(question, strict, key, tmp_path: Path):
    started = time.perf_counter()
    record = japanese_turn(question, tmp_path, strict_models=strict)
    assert time.perf_counter() - started < 5
    step = record["steps"][0]
    assert not step["ok"] and step["result"]["error_note"]["key"] == key
    assert step["error"] not in record["answer"]
    assert render(step["result"]["error_note"], "ja") in record["answer"]
    assert not english_in(record["answer"], "save_pretrained()", "Hugging Face Hub")


@pytest.mark.slow
def test_the_articles_rinna_question_gets_gemmas_real_heatmap_in_japanese(tmp_path: Path):
    get_model("gemma-270m")  # converted and cached once: the question is timed after that, as a learner meets it
    started = time.perf_counter()
    record = japanese_turn(f"「{CURRY}」をrinna/japanese-gpt2-mediumでヒートマップにして", tmp_path)
    assert time.perf_counter() - started < 10
    step = record["steps"][0]
    assert step["ok"] and (step["result"]["model"], step["result"]["requested_model"]) == \
        ("gemma-270m", "rinna/japanese-gpt2-medium")
    assert step["result"]["tokens"][:4] == ["<bos>", "今日は", "カレー", "ライス"]
    assert "24 層 × 16 ヘッド" in record["answer"] and "18 層 × 4 ヘッド" in record["answer"]
    assert not english_in(record["answer"], CURRY, "Attention", "PNG・SVG・CSV", "exclude_special=True")
