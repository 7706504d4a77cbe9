"""Word-level views: subword tokens merged into words, and attention maps merged with them.

Which tokens form a word is read from the text itself, through each token's character span
(the fast tokenizer's `offset_mapping`), so one rule serves every tokenizer family:

    WordPiece        un ##bel ##ie ##va ##bly     no space between the spans: one word
    sentencepiece    The ▁cat ▁sat                "▁" spans start with the space: a new word each
    byte-level       ĠThe Ġcat, or 3 byte pieces   "Ġ" likewise; pieces of one character always join
    Japanese         今日は カレー ライス を食べ   no spaces: each piece stays a word (see below)

Japanese and Chinese have no spaces, and finding their words needs a dictionary we do not have;
gemma's pieces are already word-like (今日は, カレー, を食べ), so a piece holding a CJK character
is its own word. Special tokens ([CLS], [SEP], <bos>) are always their own word, and so is a
piece made only of punctuation (`!`, `。`, `,`), as BERT's pre-tokenizer does.

A map over tokens, (query, key), becomes a map over words, (word, word):

    keys summed      attention a query gives a word is the total given to its pieces
    queries averaged a word's row is the mean of its pieces' rows

so every row still sums to 1. `word_groups`, `word_labels` and `merge_map` are plain Python and
torch: the reproducing scripts embed their source, so their numbers are ours by construction.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import torch

from tools.core.extract import Extraction

__all__ = [
    "WORD_AGGREGATION",
    "WordView",
    "word_groups",
    "word_labels",
    "merge_map",
    "token_offsets",
    "words_of",
]

WORD_AGGREGATION = "words: keys summed over a word's pieces, queries averaged (rows still sum to 1)"

CJK = re.compile(
    r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff66-\uff9f\U00020000-\U0003134f]"
)


def is_punctuation(piece: str) -> bool:
    """True for a piece made only of punctuation or symbols, such as `!`, `。`, `,` or `$`."""
    stripped = piece.strip()
    return bool(stripped) and all(unicodedata.category(char)[0] in "PS" for char in stripped)


def continues_word(text: str, previous: tuple[int, int], current: tuple[int, int]) -> bool:
    """Whether the token spanning `current` belongs to the word of the token spanning `previous`."""
    (previous_start, previous_end), (start, end) = previous, current
    if start < previous_end:
        return True  # the spans overlap: byte pieces of one multi-byte character
    before, piece = text[previous_start:previous_end], text[previous_end:end]  # piece includes any gap
    if before.isspace():
        return True  # a lone "▁"/"Ġ" piece: the space that starts this word
    if piece[:1].isspace():
        return False  # a space in front: a new word (sentencepiece "▁", byte-level "Ġ", WordPiece gap)
    if CJK.search(before) or CJK.search(piece):
        return False  # no spaces in Japanese/Chinese: each piece is a word
    if is_punctuation(before) or is_punctuation(piece):
        return False
    return True  # glued to the previous piece: WordPiece "##", sentencepiece/byte-level without a space


def word_groups(text: str, offsets: list[tuple[int, int]], special: list[bool]) -> list[list[int]]:
    """Token positions grouped into words, in order; every position is in exactly one group."""
    groups: list[list[int]] = []
    previous = None  # span of the previous ordinary token; None after a special or empty one
    for position, ((start, end), is_special) in enumerate(zip(offsets, special, strict=True)):
        if is_special or start == end:
            groups.append([position])
            previous = None
            continue
        if previous is not None and continues_word(text, previous, (start, end)):
            groups[-1].append(position)
        else:
            groups.append([position])
        previous = (start, end)
    return groups


def word_labels(text: str, offsets: list[tuple[int, int]], groups: list[list[int]], tokens: list[str]) -> list[str]:
    """A word's label is the text it covers; a special or empty-span token keeps its token label."""
    labels = []
    for group in groups:
        start, end = offsets[group[0]][0], offsets[group[-1]][1]
        labels.append((text[start:end].strip() or "␣") if end > start else tokens[group[0]])
    return labels


def merge_map(matrix: torch.Tensor, groups: list[list[int]]) -> torch.Tensor:
    """(query, key) over tokens → (word, word): keys summed within a word, queries averaged."""
    columns = torch.stack([matrix[:, group].sum(dim=1) for group in groups], dim=1)  # (query, word)
    return torch.stack([columns[group].mean(dim=0) for group in groups])  # (word, word)


@dataclass(frozen=True)
class WordView:
    """A (word, word) map and where its words came from."""

    matrix: torch.Tensor  # (word, word), rows sum to 1 when the token rows did
    labels: list[str]  # one per word
    groups: list[list[int]]  # token positions (into the extraction) of each word

    def merged_words(self, tokens: list[str]) -> list[dict[str, object]]:
        """The words made of more than one token, with their pieces: small enough for a result."""
        return [
            {"word": label, "pieces": [tokens[i] for i in group]}
            for label, group in zip(self.labels, self.groups, strict=True)
            if len(group) > 1
        ]


def token_offsets(extraction: Extraction) -> list[tuple[int, int]]:
    """The character span of every token of the extraction, from the fast tokenizer.

    The extraction keeps no offsets, so the text is tokenized again the same way (same length
    limit: the extraction's own length) and checked to give the same ids.
    """
    encoding = extraction.model.tokenizer(
        extraction.text, return_offsets_mapping=True, truncation=True, max_length=extraction.seq_len
    )
    if encoding["input_ids"] != extraction.input_ids:
        raise RuntimeError(f"re-tokenizing {extraction.text!r} for word offsets gave different ids than the extraction")
    return [(int(start), int(end)) for start, end in encoding["offset_mapping"]]


def words_of(extraction: Extraction, matrix: torch.Tensor, kept: list[int] | None = None) -> WordView:
    """Merge a (query, key) map over the tokens at positions `kept` (default: all) into words."""
    kept = list(range(extraction.seq_len)) if kept is None else kept
    all_offsets = token_offsets(extraction)
    offsets = [all_offsets[i] for i in kept]
    special = [extraction.special[i] for i in kept]
    groups = word_groups(extraction.text, offsets, special)
    labels = word_labels(extraction.text, offsets, groups, [extraction.tokens[i] for i in kept])
    return WordView(merge_map(matrix, groups), labels, [[kept[i] for i in group] for group in groups])
