"""The knowledge base: every entry complete in both languages, its example questions, its tools, and the
message fragments that let a pasted error or warning select exactly one entry."""

from __future__ import annotations

import tomllib
from collections import Counter
from importlib import resources

import pytest

from prompts import Entry, knowledge, parse_knowledge
from tools import TOOLS

ENTRIES = list(knowledge().values())
IDS = [entry.id for entry in ENTRIES]


def _raw_entries() -> list[dict]:
    """The [[entry]] tables as written, before the loader lower-cases or checks anything."""
    return tomllib.loads(resources.files("prompts").joinpath("knowledge.toml").read_text(encoding="utf-8"))["entry"]


def _selected_by(message: str) -> set[str]:
    """The entries one of whose fragments occurs in a pasted message."""
    text = message.lower()
    return {entry.id for entry in ENTRIES if any(fragment in text for fragment in entry.messages)}


def test_ids_are_unique_in_the_file() -> None:
    repeated = [eid for eid, n in Counter(item["id"] for item in _raw_entries()).items() if n > 1]
    assert repeated == []
    assert len(knowledge()) == len(_raw_entries())


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_entry_has_both_texts(entry: Entry) -> None:
    assert entry.text("en") and entry.text("ja")
    assert entry.text("en") != entry.text("ja")


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_entry_has_5_to_16_distinct_examples_per_language(entry: Entry) -> None:
    # Entries are chosen by their examples' meaning (agent/meaning.py), so a concept asked in
    # several ways needs several; more than 16 would outvote the tools' cards on shared words. An entry only a
    # literal read reaches has none, so that its meaning never draws a question to it.
    if entry.literal:
        assert entry.examples() == ()
        return
    for language in ("en", "ja"):
        examples = entry.examples(language)
        assert 5 <= len(examples) <= 16, (language, len(examples))
        assert len({e.strip().lower() for e in examples}) == len(examples), language
    assert entry.examples() == entry.examples_en + entry.examples_ja


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_japanese_examples_are_written_in_japanese(entry: Entry) -> None:
    for example in entry.examples_ja:
        assert any("\u3040" <= ch <= "\u30ff" or "\u4e00" <= ch <= "\u9fff" for ch in example), example


def test_no_example_question_is_shared_by_two_entries() -> None:
    owners = Counter(e.strip().lower() for entry in ENTRIES for e in entry.examples())
    assert [e for e, n in owners.items() if n > 1] == []


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_tools_are_registered_tools(entry: Entry) -> None:
    assert set(entry.tools) <= {fn.__name__ for fn in TOOLS}


@pytest.mark.parametrize("item", _raw_entries(), ids=[item["id"] for item in _raw_entries()])
def test_message_fragments_are_written_lowercase(item: dict) -> None:
    for fragment in item.get("messages", []):
        assert fragment == fragment.lower() and fragment.strip() == fragment, fragment


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_message_fragments_appear_in_the_entry(entry: Entry) -> None:
    own_words = "\n".join((entry.en, entry.ja, *entry.examples())).lower()
    for fragment in entry.messages:
        assert fragment in own_words, fragment


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_examples_hold_no_other_entrys_message(entry: Entry) -> None:
    """A pasted message among an entry's examples must not select a different entry."""
    for example in entry.examples():
        assert _selected_by(example) <= {entry.id}, example


def test_the_error_entries_are_keyed_by_messages_and_the_paste_entry_by_none() -> None:
    for eid in ("unused_weights_warning", "sdpa_warning", "encode_plus_removed", "requires_grad_numpy",
                "japanese_font_tofu"):
        assert knowledge()[eid].messages, eid
    assert knowledge()["paste_the_warning"].messages == ()
    assert all(_selected_by(e) == set() for e in knowledge()["paste_the_warning"].examples())


_LOAD_REPORT = """\
BertModel LOAD REPORT from: bert-base-uncased
Key                                        | Status     |  |
-------------------------------------------+------------+--+-
cls.predictions.bias                       | UNEXPECTED |  |
cls.predictions.transform.dense.weight     | UNEXPECTED |  |
cls.seq_relationship.weight                | UNEXPECTED |  |

Notes:
- UNEXPECTED:	can be ignored when loading from different task/architecture; not ok if you expect identical arch."""

PASTED = [
    ("Some weights of the model checkpoint at bert-base-uncased were not used when initializing BertModel: "
     "['cls.predictions.transform.dense.weight', 'cls.seq_relationship.bias', 'cls.predictions.bias', "
     "'cls.predictions.transform.LayerNorm.weight', 'cls.seq_relationship.weight']\n"
     "- This IS expected if you are initializing BertModel from the checkpoint of a model trained on another task "
     "or with another architecture (e.g. initializing a BertForSequenceClassification model from a "
     "BertForPreTraining model).\n"
     "- This IS NOT expected if you are initializing BertModel from the checkpoint of a model that you expect to be "
     "exactly identical (initializing a BertForSequenceClassification model from a BertForSequenceClassification "
     "model).", "unused_weights_warning"),
    ("Some weights of BertForSequenceClassification were not initialized from the model checkpoint at "
     "bert-base-uncased and are newly initialized: ['classifier.bias', 'classifier.weight']\n"
     "You should probably TRAIN this model on a down-stream task to be able to use it for predictions and "
     "inference.", "unused_weights_warning"),
    (_LOAD_REPORT, "unused_weights_warning"),
    ("[transformers] `sdpa` attention does not support `output_attentions=True`. Please set your attention to "
     "`eager` if you want any of these features.", "sdpa_warning"),
    ("`GPT2SdpaAttention` is used but `torch.nn.functional.scaled_dot_product_attention` does not support "
     "`output_attentions=True` or `head_mask`. Falling back to the manual attention implementation, but specifying "
     "the manual implementation will be required from Transformers version v5.0.0 onwards. This warning can be "
     'removed using the argument `attn_implementation="eager"` when loading the model.', "sdpa_warning"),
    ('Traceback (most recent call last):\n  File "<stdin>", line 1, in <module>\n'
     "AttributeError: BertTokenizer has no attribute encode_plus", "encode_plus_removed"),
    ("AttributeError: 'BertTokenizerFast' object has no attribute 'batch_encode_plus'", "encode_plus_removed"),
    ("RuntimeError: Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.",
     "requires_grad_numpy"),
    ("TypeError: can't convert cuda:0 device type tensor to numpy. Use Tensor.cpu() to copy the tensor to host "
     "memory first.", "requires_grad_numpy"),
    ("/usr/lib/python3/dist-packages/IPython/core/pylabtools.py:170: UserWarning: Glyph 12354 "
     "(\\N{HIRAGANA LETTER A}) missing from font(s) DejaVu Sans.\n  fig.canvas.print_figure(bytes_io, **kw)",
     "japanese_font_tofu"),
    ("UserWarning: Glyph 20170 missing from current font.\n  font.set_text(s, 0.0, flags=flags)",
     "japanese_font_tofu"),
    ("findfont: Font family ['MS Gothic'] not found. Falling back to DejaVu Sans.", "japanese_font_tofu"),
    ("WARNING:matplotlib.font_manager:findfont: Font family 'MS Gothic' not found.", "japanese_font_tofu"),
    ("torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB", None),
]


@pytest.mark.parametrize(("message", "expected"), PASTED, ids=[f"{e}-{i}" for i, (_, e) in enumerate(PASTED)])
def test_a_pasted_message_selects_exactly_its_entry(message: str, expected: str | None) -> None:
    assert _selected_by(message) == ({expected} if expected else set())


# --- the loader's checks ---------------------------------------------------------------------------

_ONE = '[[entry]]\nid = "a"\nen = "English"\nja = "日本語"\n'


def test_loader_reads_a_minimal_entry_with_empty_lists() -> None:
    entry = parse_knowledge(_ONE)["a"]
    assert (entry.keywords_en, entry.examples(), entry.messages, entry.tools) == ((), (), (), ())


def test_loader_lowercases_keywords_and_messages() -> None:
    entry = parse_knowledge(_ONE + 'keywords_en = ["Eager"]\nmessages = ["Glyph"]\n')["a"]
    assert (entry.keywords_en, entry.messages) == (("eager",), ("glyph",))


def test_loader_rejects_a_repeated_id() -> None:
    with pytest.raises(ValueError, match=r"entry 2 repeats the id 'a'"):
        parse_knowledge(_ONE + _ONE)


@pytest.mark.parametrize(("source", "field"), [
    (_ONE.replace('en = "English"\n', ""), "en"),
    (_ONE.replace('ja = "日本語"\n', ""), "ja"),
    (_ONE.replace('ja = "日本語"', 'ja = """\n  \n"""'), "ja"),
])
def test_loader_rejects_an_entry_without_both_texts(source: str, field: str) -> None:
    with pytest.raises(ValueError, match=rf"entry 1 \('a'\): expected a non-empty string '{field}'"):
        parse_knowledge(source)


def test_loader_rejects_a_misspelt_field() -> None:
    with pytest.raises(ValueError, match=r"unknown field 'example_en'"):
        parse_knowledge(_ONE + 'example_en = ["What is attention?"]\n')


def test_knowledge_is_loaded_once() -> None:
    assert knowledge() is knowledge()


def test_loader_reads_a_showcase_in_both_languages() -> None:
    entry = parse_knowledge(_ONE + 'showcase_en = "What is attention?"\nshowcase_ja = "Attentionとは?"\n')["a"]
    assert (entry.showcase("en"), entry.showcase("ja")) == ("What is attention?", "Attentionとは?")
    assert parse_knowledge(_ONE)["a"].showcase("ja") == ""


def test_loader_rejects_a_showcase_in_one_language() -> None:
    with pytest.raises(ValueError, match=r"entry 1 \('a'\): expected both showcase_en and showcase_ja"):
        parse_knowledge(_ONE + 'showcase_en = "What is attention?"\n')
