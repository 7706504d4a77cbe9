"""The models a question names: hub ids, our aliases, families and kinds ("a GPT-style model", 「日本語モデル」),
a model told by its shape ("the one with 30 layers") or all three embedded ones.

`find_models` runs on NFKC-normalized text and returns what it found with those words blanked out, as the
other readers of agent/planner_arguments.py do.
"""

from __future__ import annotations

import re

from agent.planner_quotes import ascii_pattern as _ascii
from agent.planner_quotes import blank as _blank

__all__ = ["find_models"]

_ID_EDGE = r"A-Za-z0-9_./-"
# a full stop may end the sentence after an id ("Load bert-base-uncased.")
_ID_END = r"(?![A-Za-z0-9_/-]|\.[A-Za-z0-9])"
_HUB_ID = _ascii(rf"(?<![{_ID_EDGE}])([A-Za-z0-9][\w.-]*/[A-Za-z0-9][\w.-]*[A-Za-z0-9]){_ID_END}")
_BARE_ID = _ascii(
    # (not "a BERT-style model": a kind of model, no id)
    rf"(?<![{_ID_EDGE}])((?:distil)?(?:bert|roberta|albert|electra|deberta|xlm|bart|t5|opt|bloom)"
    rf"-(?!(?:style|like|based|family|type|ish|esque)\b)[\w.-]*[a-z0-9]"
    rf"|(?:distil)?gpt-?2(?:-[a-z]+)?){_ID_END}"
)
# a name we do not know, given as a model ("with zebra-lm-5000", "load the model superbert-xxl", 「kitsune-9000で」):
# passed on as written, so that the tool says which models there are instead of another one being drawn unsaid
_ODD_NAME = r"(?!(?:top|layer|head|step|last|first|next)\b)[a-z]{3,}[a-z0-9]*(?:-[a-z0-9]+)*-(?:[a-z]*\d[a-z0-9]*|x+l)"
_UNKNOWN_ID = _ascii(rf"\b(?:with|on|using|use|load|try|model|to)\s+(?:the\s+)?(?:model\s+)?({_ODD_NAME})(?![\w.-])"
                     rf"|(?<![\w.-])({_ODD_NAME})(?=\s*(?:で|を読|をロード|に切り替|にして))")
# ... unless it starts as a model we know ("gemma-207m" is gemma misspelt: the model words read it)
_MODEL_PREFIX = _ascii(r"(?:gemma|minilm|smollm|llama|bert|gpt|roberta|qwen|mistral|phi|t5)")
_KNOWN_IDS = {"google/gemma-3-270m": "gemma-270m", "sentence-transformers/all-minilm-l6-v2": "minilm", "gpt-2": "gpt2"}
# (pattern, alias, the kind of model a word names, or "" for a model's own name): "gpt", "a decoder",
# 「日本語モデル」 mean the embedded model of that kind, unless a model of that kind is also named by its name
# ("when GPT writes, try it with the llama model": llama; "compare BERT and GPT": minilm and gemma)
_MODEL_WORDS = (
    (_ascii(r"\bmini[- ]?lm\b"
            # (the smallest of the three, 22M parameters: "the smallest model", 「一番小さいモデル」)
            r"|\b(?:the\s+)?(?:smallest|tiniest|lightest)\s+(?:model|one)\b|(?:一番|いちばん)(?:小さい|小さな|軽い)(?:モデル|やつ)"
            r"|最小の(?:モデル|やつ)"), "minilm", ""),
    (_ascii(r"\bbert\b"), "minilm", "bert"),  # (the family's word, for the BERT named: 「日本語BERT…cl-tohoku/bert-…」)
    (_ascii(r"\b(?:small |little |tiny )?english(?:[- ]only)? model|\bencoder(?:[- ]only)? model"
            r"|英語(?:用|向け|専用)?の?(?:小さい|小さな|軽い)?モデル|エンコーダ"), "minilm", "encoder"),
    (_ascii(r"\bgemma(?:[- ]?3)?(?:[- ]?270m)?\b|ジェン?マ"
            # (the maker's: "the google one", 「googleのモデル」)
            r"|\bgoogle(?:'s)?\s+(?:one|model|llm)\b|\bthe\s+google\b|(?:google|グーグル)の(?:モデル|やつ)"),
     "gemma-270m", ""),
    (_ascii(r"\bjapanese model|\bmultilingual model|\bjapanese[- ](?:capable|friendly|ready)(?:\s+(?:one|model))?"
            r"|\b(?:model|one) (?:that|which) (?:can )?(?:actually |really )?"
            r"(?:reads?|understands?|knows?|handles?|speaks?|gets?) japanese"
            r"|日本語(?:が読める|を読める|も読める|を扱える|が扱える|も扱える|に強い|対応の?|用の|の)?モデル"
            r"|日本語(?:が読める|を読める|も読める|を扱える|が扱える|に強い)(?:やつ|の)"), "gemma-270m", "japanese"),
    (_ascii(r"\bgpt[- ]?(?:style|like|type|ish)|gpt(?:系|型|風|っぽい)|\bcausal (?:language )?model|因果(?:言語)?モデル"
            r"|デコーダ|\bdecoder(?:[- ]only)? model|\bgpt\b(?![- ]?\d)"), "gemma-270m", "decoder"),
    (_ascii(r"\bsmol[- ]?lm-?2?(?:[- ]?135m)?(?:[- ]?instruct)?\b"
            r"|\bllama(?:[- ]?(?:style|like|type|family|ish))?(?: model)?\b"
            # (the one of the three with grouped-query attention: "load the one with GQA", 「GQAのやつ」)
            r"|\b(?:one|model)\s+(?:with|that\s+(?:has|uses))\s+(?:grouped[- ]query(?:\s+attention)?|gqa)\b"
            r"|(?:GQA|gqa|グループ化クエリ)(?:の|な|を使う)(?:やつ|モデル)"
            r"|ラマ(?:系|型)?(?:の)?(?:モデル)?|llama(?:系|型)"), "smollm2-135m", ""),
)
_KINDS = {"minilm": {"encoder", "bert"}, "gemma-270m": {"decoder", "japanese"}, "smollm2-135m": {"decoder"}}


def _kinds(model: str) -> set[str]:
    """The kinds a model named is of: the embedded ones' own, and "bert" for a BERT hub id."""
    return _KINDS.get(model, set()) | ({"bert"} if "bert" in model.lower() else set())


# "all three built-in models", 「内蔵の3つのモデル全部」: every embedded model, in the README's order
_ALL_EMBEDDED = _ascii(r"\b(?:all\s+)?(?:the\s+)?(?:three|3)\s+(?:of\s+the\s+|of\s+your\s+)?"
                       r"(?:built[- ]?in\s+|embedded\s+|bundled\s+|local\s+)?models\b"
                       r"|(?:3|三)つの(?:内蔵)?モデル(?:全部|すべて|全て|(?=で))"
                       r"|内蔵(?:の)?(?:3|三)つ(?:の)?モデル")
_EMBEDDED = ("minilm", "gemma-270m", "smollm2-135m")
# an embedded model told by its depth or width: "the one with 30 layers", "the 18-layer model", 「18層あるモデル」,
# 「30層×9ヘッドのモデル」 (a count that names a model, not a layer)
_BY_SHAPE = _ascii(r"\b(?:the\s+)?(?P<layers>\d+)[- ]layers?\s+(?:model|one|decoder|encoder|version)\b"
                   r"|\b(?:model|one)\s+(?:with|that\s+has)\s+(?:(?P<layers2>\d+)\s+layers|(?P<heads>\d+)\s+heads)\b"
                   r"|(?P<layers3>\d+)層(?:\s*[×x]\s*(?P<heads2>\d+)\s*ヘッド)?(?:ある|もある|の)?(?:モデル|やつ)")


def _by_shape(match: re.Match[str]) -> str | None:
    """The one embedded model with the layers (and heads) the words give, if just one has them."""
    from tools.core.models import EMBEDDED  # (the specs only: no model is loaded)

    layers = match.group("layers") or match.group("layers2") or match.group("layers3")
    heads = match.group("heads") or match.group("heads2")
    fits = [alias for alias, spec in EMBEDDED.items()
            if (layers is None or spec.num_layers == int(layers)) and (heads is None or spec.num_heads == int(heads))]
    return fits[0] if len(fits) == 1 else None


def find_models(text: str) -> tuple[list[tuple[str, str]], str]:
    """Models named in the text, in order: (what to pass as `model`, the words that named it)."""
    found: list[tuple[int, str, str]] = []
    for pattern in (_HUB_ID, _BARE_ID):
        for match in pattern.finditer(text):
            name = match.group(1)
            if pattern is _HUB_ID and not _looks_like_hub_id(name):
                continue
            found.append((match.start(), _KNOWN_IDS.get(name.lower(), name), name))
            text = _blank(text, match.start(), match.end())
    for match in _UNKNOWN_ID.finditer(text):
        name = match.group(1) or match.group(2)
        if not _MODEL_PREFIX.match(name):
            found.append((match.start(), name, name))
            text = _blank(text, *match.span(1 if match.group(1) else 2))
    for match in _BY_SHAPE.finditer(text):
        model = _by_shape(match)
        if model is not None:
            found.append((match.start(), model, match.group(0)))
            text = _blank(text, match.start(), match.end())
    for match in _ALL_EMBEDDED.finditer(text):
        found += [(match.start() + place, model, match.group(0)) for place, model in enumerate(_EMBEDDED)]
        text = _blank(text, match.start(), match.end())
    kinds: list[tuple[int, str, str, str]] = []
    for pattern, model, kind in _MODEL_WORDS:
        for match in pattern.finditer(text):
            if kind:
                kinds.append((match.start(), model, match.group(0), kind))
            else:
                found.append((match.start(), model, match.group(0)))
        text = pattern.sub(lambda m: " " * len(m.group(0)), text)
    named_kinds = set().union(*(_kinds(model) for _, model, _ in found))
    found += [(start, model, phrase) for start, model, phrase, kind in kinds if kind not in named_kinds]
    # a model stands where it is named by its own name when it is ("encoder vs decoder vs llama: minilm, gemma-270m
    # and smollm2-135m" lists smollm2 third), else where it is first described
    placed: dict[str, tuple[bool, int, str]] = {}
    for start, model, phrase in found:
        own_name = re.sub(r"[\s-]", "", phrase.lower())[:5] in model.lower().replace("-", "")  # "smollm2", "gemma 3"
        place = (not own_name, start, phrase)
        placed[model] = min(placed.get(model, place), place)
    return [(model, phrase) for model, (_, _, phrase) in sorted(placed.items(), key=lambda item: item[1][1])], text


def _looks_like_hub_id(name: str) -> bool:
    org, model = name.split("/", 1)
    if not re.search(r"[A-Za-z]", name):  # ("10/10 explanation", "3/4 of the heads": a score, a fraction)
        return False
    return bool(re.search(r"[-_.\d]", model) or re.search(r"[-_\d]", org))
