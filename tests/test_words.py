"""Word-level views: the merge rule on every tokenizer family, exact aggregation, tools, scripts, bad input."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest
import torch
from test_codegen import assert_same_numbers, run_script
from test_tools import read_csv

from tools import ToolError, plot_heatmap, plot_line
from tools.core.models import get_model
from tools.core.words import merge_map, word_groups, word_labels

SENTENCE = "The unbelievably tokenized sentence."  # minilm: un ##bel ##ie ##va ##bly, token ##ized
WORDS = ["[CLS]", "The", "unbelievably", "tokenized", "sentence", ".", "[SEP]"]
CURRY = "今日はカレーライスを食べました。"
GEMMA_CURRY = ["<bos>", "今日は", "カレー", "ライス", "を食べ", "ました", "。"]


def softmax_rows(n: int, seed: int = 0) -> torch.Tensor:
    return torch.randn(n, n, generator=torch.Generator().manual_seed(seed)).softmax(dim=-1)  # (query, key)


def words_by_rule(text: str, offsets: list[tuple[int, int]], special: list[bool]) -> list[str]:
    groups = word_groups(text, offsets, special)
    return word_labels(text, offsets, groups, ["<special>"] * len(offsets))


# --- known answers -----------------------------------------------------------------------------------------


def test_playing_sums_its_pieces_columns_and_averages_their_rows_exactly():
    text = "playing"  # [CLS] play ##ing [SEP]
    offsets, special = [(0, 0), (0, 4), (4, 7), (0, 0)], [True, False, False, True]
    groups = word_groups(text, offsets, special)
    assert groups == [[0], [1, 2], [3]]
    matrix = torch.tensor(
        [[0.5, 0.2, 0.2, 0.1], [0.1, 0.4, 0.3, 0.2], [0.3, 0.3, 0.2, 0.2], [0.25, 0.25, 0.25, 0.25]]
    )  # (query, key)
    merged = merge_map(matrix, groups)
    expected = torch.tensor(
        [
            [0.5, 0.2 + 0.2, 0.1],
            [(0.1 + 0.3) / 2, (0.4 + 0.3 + 0.3 + 0.2) / 2, (0.2 + 0.2) / 2],
            [0.25, 0.5, 0.25],
        ]
    )
    assert torch.allclose(merged, expected, atol=1e-7)
    assert word_labels(text, offsets, groups, ["[CLS]", "play", "##ing", "[SEP]"]) == ["[CLS]", "playing", "[SEP]"]


def test_rows_still_sum_to_one_after_merging_any_grouping():
    matrix = softmax_rows(9)
    for groups in ([[0], [1, 2, 3], [4], [5, 6], [7, 8]], [[i] for i in range(9)], [list(range(9))]):
        merged = merge_map(matrix, groups)
        assert merged.shape == (len(groups), len(groups))
        assert torch.allclose(merged.sum(dim=-1), torch.ones(len(groups)), atol=1e-6)
    assert torch.equal(merge_map(matrix, [[i] for i in range(9)]), matrix)


def test_sentencepiece_word_starts_and_a_lone_space_piece():
    # gemma: "The cat sat on the mat." → <bos> The ▁cat ▁sat ▁on ▁the ▁mat .
    text = "The cat sat on the mat."
    offsets = [(0, 0), (0, 3), (3, 7), (7, 11), (11, 14), (14, 18), (18, 22), (22, 23)]
    assert words_by_rule(text, offsets, [True] + [False] * 7) == ["<special>", *"The cat sat on the mat .".split()]
    # gemma: "I ate 🍣" → I ▁ate ▁ 🍣: the lone "▁" is the start of the next word, not a word of its own
    assert words_by_rule("I ate 🍣", [(0, 1), (1, 5), (5, 6), (6, 7)], [False] * 4) == ["I", "ate", "🍣"]


def test_japanese_pieces_stay_words_and_byte_pieces_of_one_character_join():
    # gemma's pieces of 今日はカレーライスを食べました。 (character offsets)
    offsets = [(0, 0), (0, 3), (3, 6), (6, 9), (9, 12), (12, 15), (15, 16)]
    assert words_by_rule(CURRY, offsets, [True] + [False] * 6) == ["<special>", *GEMMA_CURRY[1:]]
    # 𠮷 is not in gemma's vocabulary: four byte pieces, all spanning character 0
    text = "𠮷野家で牛丼"
    offsets = [(0, 1)] * 4 + [(1, 2), (2, 3), (3, 4), (4, 5), (5, 6)]
    assert word_groups(text, offsets, [False] * 9) == [[0, 1, 2, 3], [4], [5], [6], [7], [8]]
    assert words_by_rule(text, offsets, [False] * 9) == list(text)


def test_punctuation_is_its_own_word_as_in_berts_pre_tokenizer():
    # gemma: "Don't stop, it's 3.14!" → Don ' t ▁stop , ▁it ' s ▁ 3 . 1 4 !
    text = "Don't stop, it's 3.14!"
    offsets = [(0, 3), (3, 4), (4, 5), (5, 10), (10, 11), (11, 14), (14, 15), (15, 16), (16, 17), (17, 18),
               (18, 19), (19, 20), (20, 21), (21, 22)]  # fmt: skip
    labels = ["Don", "'", "t", "stop", ",", "it", "'", "s", "3", ".", "14", "!"]
    assert words_by_rule(text, offsets, [False] * len(offsets)) == labels


def _byte_level_tokenizer():
    """A GPT-2-style byte-level BPE ("Ġ" pieces) trained here on three lines: nothing downloaded."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=300, initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tokenizer.train_from_iterator(["the cat sat on the mat", "playing football is fun"], trainer=trainer)
    return PreTrainedTokenizerFast(tokenizer_object=tokenizer)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The catalogue is playing football!", ["The", "catalogue", "is", "playing", "football", "!"]),
        ("今日は猫です。", list("今日は猫です。")),  # each character: three byte pieces, one word (CJK)
    ],
)
def test_byte_level_pieces_merge_into_words(text, expected):
    tokenizer = _byte_level_tokenizer()
    encoding = tokenizer(text, return_offsets_mapping=True)
    pieces = tokenizer.convert_ids_to_tokens(encoding["input_ids"])
    assert any(piece.startswith("Ġ") for piece in pieces) or "今" in text
    assert len(pieces) > len(expected)  # there was something to merge
    offsets = [tuple(span) for span in encoding["offset_mapping"]]
    assert words_by_rule(text, offsets, [False] * len(offsets)) == expected


@pytest.mark.parametrize(
    "text",
    ["The unbelievably tokenized sentence.", "Don't stop: it's 3.14 dollars ($), isn't it?", "Tokenization  rocks\n"],
)
def test_on_english_the_rule_matches_berts_own_word_ids(text):
    tokenizer = get_model("minilm").tokenizer
    encoding = tokenizer(text, return_offsets_mapping=True, return_special_tokens_mask=True)
    offsets = [tuple(span) for span in encoding["offset_mapping"]]
    groups = word_groups(text, offsets, [bool(flag) for flag in encoding["special_tokens_mask"]])
    word_ids = encoding.word_ids()
    expected: list[list[int]] = []
    for position, word in enumerate(word_ids):
        if word is not None and position > 0 and word_ids[position - 1] == word:
            expected[-1].append(position)
        else:
            expected.append([position])
    assert groups == expected


# --- the tools --------------------------------------------------------------------------------------------


def test_heatmap_in_words_equals_a_direct_transformers_computation(session):
    result = plot_heatmap(text=SENTENCE, words=True)
    columns, rows, values = read_csv(result["artifacts"]["csv"])
    assert columns == rows == result["plotted_tokens"] == WORDS
    loaded = get_model("minilm")
    inputs = loaded.tokenizer(SENTENCE, return_tensors="pt")
    with torch.no_grad():
        outputs = loaded.model(**inputs, output_attentions=True)
    tokens = outputs.attentions[-1][0].mean(dim=0)  # (query, key)
    groups = [[0], [1], [2, 3, 4, 5, 6], [7, 8], [9], [10], [11]]
    direct = torch.stack([tokens[:, g].sum(dim=1) for g in groups], dim=1)  # (query, word)
    direct = torch.stack([direct[g].mean(dim=0) for g in groups])  # (word, word)
    assert np.allclose(values, direct.numpy(), atol=1e-5)
    assert np.allclose(values.sum(axis=1), 1.0, atol=1e-5)
    assert "queries averaged" in result["title"] and "summed" in result["word_aggregation"]
    assert result["merged_words"] == [
        {"word": "unbelievably", "pieces": ["un", "##bel", "##ie", "##va", "##bly"]},
        {"word": "tokenized", "pieces": ["token", "##ized"]},
    ]


def test_words_after_excluding_special_tokens(session):
    result = plot_heatmap(text=SENTENCE, words=True, exclude_special=True, head=2)
    columns, rows, values = read_csv(result["artifacts"]["csv"])
    assert columns == WORDS[1:-1]
    assert np.allclose(values.sum(axis=1), 1.0, atol=1e-5)


def test_line_in_words_matches_word_labels_and_positions(session):
    result = plot_line(text=SENTENCE, words=True, query="unbelievably")
    assert result["words"] == WORDS and len(result["values"]) == len(WORDS)
    heatmap = plot_heatmap(words=True)
    _, _, values = read_csv(heatmap["artifacts"]["csv"])
    assert np.allclose(result["values"], values[2], atol=1e-4)
    assert plot_line(words=True, query=2)["values"] == result["values"]
    received = plot_line(words=True)
    assert np.allclose(received["values"], values.mean(axis=0), atol=1e-4)


def test_words_on_a_tiny_decoder_keep_the_causal_mask(session, tiny_models):
    result = plot_heatmap(text="unbelievably tokenized", words=True, model=str(tiny_models["llama"]))
    _, _, values = read_csv(result["artifacts"]["csv"])
    assert np.allclose(values.sum(axis=1), 1.0, atol=1e-5)
    assert np.abs(np.triu(values, k=1)).max() == 0  # merging contiguous words keeps it lower-triangular


@pytest.mark.parametrize(
    "make",
    [
        lambda: plot_heatmap(text=SENTENCE, words=True),
        lambda: plot_heatmap(text=SENTENCE, words=True, exclude_special=True, annotate=True, layer=1, head=4),
        lambda: plot_line(text=SENTENCE, words=True, query="tokenized"),
        lambda: plot_line(text=SENTENCE, words=True, layer=0),
    ],
    ids=["heatmap", "heatmap-no-special", "line-query", "line-received"],
)
def test_scripts_merge_words_like_we_do(session, tmp_path: Path, make):
    result = make()
    ast.parse(result["code"])
    assert "def word_groups(" in result["code"]
    assert_same_numbers(result["artifacts"]["csv"], run_script(result["code"], tmp_path / "run"))


def test_script_of_a_tiny_model_in_words(session, tmp_path: Path, tiny_models):
    result = plot_heatmap(text="unbelievably tokenized", words=True, model=str(tiny_models["bert"]))
    assert_same_numbers(result["artifacts"]["csv"], run_script(result["code"], tmp_path / "run"))


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: plot_line(text=SENTENCE, words=True, query="##bel"), "query token '##bel' is not in the text"),
        (lambda: plot_line(text=SENTENCE, words=True, query=7), "query 7 is out of range"),
        (lambda: plot_heatmap(text=SENTENCE, words=True, layer=6), "layer 6 is out of range: minilm has 6 layers"),
    ],
)
def test_bad_input_in_words_gets_a_clear_message(session, call, message):
    with pytest.raises(ToolError) as error:
        call()
    assert message in str(error.value)


# --- gemma-270m (slow) --------------------------------------------------------------------------------------


@pytest.mark.slow
def test_gemma_japanese_pieces_are_already_words(session):
    words = plot_heatmap(text=CURRY, model="gemma-270m", words=True)
    tokens = plot_heatmap(text=CURRY, model="gemma-270m")
    assert words["plotted_tokens"] == tokens["plotted_tokens"] == GEMMA_CURRY and words["merged_words"] == []
    assert np.allclose(read_csv(words["artifacts"]["csv"])[2], read_csv(tokens["artifacts"]["csv"])[2])


@pytest.mark.slow
def test_gemma_english_words_and_the_script(session, tmp_path: Path):
    result = plot_line(text="明日は unbelievably 楽しい playing day!", model="gemma-270m", words=True, query="playing")
    assert result["words"][0] == "<bos>" and "unbelievably" in result["words"] and "!" in result["words"]
    assert "import matplotlib_fontja" in result["code"]
    assert_same_numbers(result["artifacts"]["csv"], run_script(result["code"], tmp_path / "run"))
