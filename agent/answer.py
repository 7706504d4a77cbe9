"""Render a card's answer lines from a tool's structured result, in the learner's language.

A line is a `str.format` template over these fields:

    the result's fields          {model}, {layer}, {a[model]}, {top_received}, ...
    args                         the arguments the tool was called with: {args[layer]}
    view                         "layer 5, mean of 12 heads" / "層 5・12 ヘッドの平均" (from layer, head, shape)
    header                       the model, the text, its tokens and the shape (from model, text, tokens, shape)
    item                         with `each = "field"`: one element of that list

and these format specs, which know the language:

    {x:tokens}    a token list          `[CLS]` `i` `love` …          (at most 24)
    {x:names}     a list of strings     `a`, `b`  /  `a`、`b`         ("none"/"なし" when empty)
    {x:weights}   [{token|key|word, weight}]   `a` 0.4000, `b` 0.3000
    {x:values}    a list of numbers     0.1234 → 0.2345 → …
    {x:head}      a head index or None  head 3 / mean over heads  (ヘッド 3 / ヘッド平均)
    {x:plus}      word pieces           `token` + `##ization`
    {x:shapes}    a step {shape_before, shape_after}   [1, 12, 8, 8] → [12, 8, 8]  (or "→ [..]")
    {x:count}     the length of a list
    {x:term}      a shared term in the language (encoder, decoder, head roles, ...)
    {x:.4f}, {x:+.4f}, ...   the usual number formats

A missing field raises KeyError: a card that names a field its tool does not return is a bug.
"""

from __future__ import annotations

import string
from collections.abc import Sequence
from typing import Any

from agent.cards import AnswerLine
from prompts import Language

__all__ = ["render_lines", "render", "TERMS"]

MAX_TOKENS_SHOWN = 24

TERMS: dict[str, tuple[str, str]] = {
    "encoder": ("encoder, BERT-style", "エンコーダ、BERT系"),
    "decoder": ("decoder, GPT-style causal", "デコーダ、GPT系の因果モデル"),
    "previous": ("previous-token", "直前トークン型"),
    "sink": ("sink/BOS", "シンク型"),
    "self": ("self (diagonal)", "自己型"),
    "broad": ("broad", "広域型"),
    "induction": ("induction-like", "誘導型"),
    "mixed": ("mixed", "混合"),
    "two texts": ("two sentences", "2つの文"),
    "two models": ("two models", "2つのモデル"),
    "eos": ("the end-of-text token", "文末トークン"),
    "length": ("the token limit", "トークン数の上限"),
}


class _Formatter(string.Formatter):
    def __init__(self, language: Language) -> None:
        self.language = language
        self.separator = "、" if language == "ja" else ", "

    def format_field(self, value: Any, format_spec: str) -> str:
        special = getattr(self, f"_spec_{format_spec}", None)
        if special is not None:
            return special(value)
        return super().format_field(value, format_spec)

    def _spec_tokens(self, value: Sequence[str]) -> str:
        shown = " ".join(f"`{token}`" for token in value[:MAX_TOKENS_SHOWN])
        return shown + (" …" if len(value) > MAX_TOKENS_SHOWN else "")

    def _spec_names(self, value: Sequence[str]) -> str:
        if not value:
            return "なし" if self.language == "ja" else "none"
        return self.separator.join(f"`{name}`" for name in value)

    def _spec_weights(self, value: Sequence[dict[str, Any]]) -> str:
        def label(item: dict[str, Any]) -> str:
            return str(next(item[name] for name in ("token", "key", "word", "label") if name in item))

        return self.separator.join(f"`{label(item)}` {item['weight']:.4f}" for item in value)

    def _spec_head(self, value: int | None) -> str:
        if value is None:
            return "ヘッド平均" if self.language == "ja" else "mean over heads"
        return f"ヘッド {value}" if self.language == "ja" else f"head {value}"

    def _spec_plus(self, value: Sequence[str]) -> str:
        return " + ".join(f"`{piece}`" for piece in value)

    def _spec_shapes(self, value: dict[str, Any]) -> str:
        before, after = value.get("shape_before"), value.get("shape_after")
        if before is not None:
            return f"{before} → {after}"
        return f"→ {after}" if after is not None else ""

    def _spec_values(self, value: Sequence[float]) -> str:
        return " → ".join(f"{number:.4f}" for number in value)

    def _spec_count(self, value: Sequence[Any]) -> str:
        return str(len(value))

    def _spec_term(self, value: Any) -> str:
        english, japanese = TERMS.get(str(value), (str(value), str(value)))
        return japanese if self.language == "ja" else english


def render(template: str, fields: dict[str, Any], language: Language) -> str:
    return _Formatter(language).vformat(template, (), fields)


def _truthy(condition: str, fields: dict[str, Any]) -> bool:
    negate = condition.startswith("!")
    name = condition.lstrip("!")
    value = fields.get(name, fields["args"].get(name))
    return not value if negate else bool(value)


def render_lines(lines: Sequence[AnswerLine], result: dict[str, Any], arguments: dict[str, Any],
                 language: Language) -> list[str]:
    """The answer's lines for one tool result."""
    fields = {**result, "args": arguments}
    fields.setdefault("view", _view(result, arguments, language))
    fields.setdefault("header", _header(result, language))
    rendered = []
    for line in lines:
        if line.when and not _truthy(line.when, fields):
            continue
        template = line.template(language)
        if line.each is None:
            rendered.append(render(template, fields, language))
            continue
        items = fields[line.each]
        shown = items[: line.limit] if line.limit else items
        rendered += [render(template, {**fields, "item": item}, language) for item in shown]
    return [line for line in rendered if line.strip()]


def _view(result: dict[str, Any], arguments: dict[str, Any], language: Language) -> str:
    """"layer 5 (= -1), mean of 12 heads" from the layer and head the tool actually used."""
    if "layer" not in result or "shape" not in result:
        return ""
    layer = f"{result['layer']}"
    asked = arguments.get("layer")
    if isinstance(asked, int) and asked != result["layer"]:
        layer += f" (= {asked})"
    if result.get("head") is None:
        heads = result["shape"][1]
        return f"層 {layer}・{heads} ヘッドの平均" if language == "ja" else f"layer {layer}, mean of {heads} heads"
    return f"層 {layer}・ヘッド {result['head']}" if language == "ja" else f"layer {layer}, head {result['head']}"


def _header(result: dict[str, Any], language: Language) -> str:
    if not all(name in result for name in ("model", "text", "tokens", "shape", "architecture")):
        return ""
    fields = {**result, "count": len(result["tokens"])}
    stood_in = bool(result.get("substituted"))  # an embedded model answered for the one asked for
    if language == "ja":
        role = "、**{requested_model}** の代わり" if stood_in else ""
        template = ("**{model}**({architecture:term}" + role + ")で「{text}」を分析しました。"
                    "トークンは {count} 個 {tokens:tokens} です。"
                    "1層分の Attention `outputs.attentions[i]` の形は {shape}(バッチ, ヘッド, クエリ, キー)です。")
    else:
        role = ", standing in for **{requested_model}**" if stood_in else ""
        template = ("**{model}** ({architecture:term}" + role + ") on “{text}”: {count} tokens {tokens:tokens}. "
                    "One layer's attention, `outputs.attentions[i]`, has shape {shape} (batch, heads, query, key).")
    return render(template, fields, language)
