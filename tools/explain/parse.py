"""Explain a tensor expression over `outputs.attentions` step by step, on the real tensors.

The expression is parsed with `ast`, every node is checked against a whitelist, and only then is
it evaluated node by node (tools/explain/evaluate.py); nothing is ever passed to `eval`. Every value
carries the names of its dimensions, so each step's text is derived from the dimension an operation
removes, keeps or moves:

    outputs.attentions          tuple of one tensor per layer
    outputs.attentions[i]       (batch, heads, query, key)
    torch.stack(...)            (layers, batch, heads, query, key)
"""

from __future__ import annotations

import ast

from tools.core.errors import ExpressionError
from tools.core.extract import Extraction
from tools.explain.evaluate import ALLOWED, KEYWORDS, MAX_CONSTANT, Evaluator, Step, refuse

__all__ = ["Step", "explain_expression", "ALLOWED"]

MAX_LENGTH = 300
MAX_NODES = 80
NAMES = ("outputs", "attentions", "attention", "torch")
_SAFE_NODES = (
    ast.Name,
    ast.Attribute,
    ast.Subscript,
    ast.Call,
    ast.Constant,
    ast.UnaryOp,
    ast.USub,
    ast.Slice,
    ast.Tuple,
    ast.Load,
    ast.keyword,
)


def explain_expression(expression: str, extraction: Extraction) -> list[Step]:
    """Parse, check and evaluate `expression`; return one step per operation."""
    if not isinstance(expression, str) or not expression.strip():
        raise ExpressionError("expression is empty: give one such as torch.mean(outputs.attentions[-1], dim=1)[0]")
    if len(expression) > MAX_LENGTH:
        raise ExpressionError(f"expression has {len(expression)} characters; at most {MAX_LENGTH} are accepted")
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError as error:
        raise ExpressionError(f"expression is not valid Python ({error.msg}). Allowed: {ALLOWED}") from None
    if sum(1 for _ in ast.walk(tree)) > MAX_NODES:
        raise ExpressionError(f"expression is too long: at most {MAX_NODES} syntax nodes")
    _check(tree.body)
    layers = tuple(extraction.attentions[i].unsqueeze(0) for i in range(extraction.model.num_layers))
    evaluator = Evaluator(layers)
    try:
        evaluator.visit(tree.body)
    except (RuntimeError, IndexError) as error:  # torch's own complaint about valid-looking operations
        raise ExpressionError(f"{expression.strip()} fails on these tensors: {error}") from None
    return evaluator.steps


def _check(node: ast.AST) -> None:
    """Refuse any node outside the whitelist before anything is evaluated."""
    for child in ast.walk(node):
        if not isinstance(child, _SAFE_NODES):
            raise refuse(f"a {type(child).__name__} node")
        if isinstance(child, ast.Name) and child.id not in NAMES:
            raise refuse(f"the name {child.id!r}")
        if isinstance(child, ast.Attribute) and child.attr.startswith("_"):
            raise refuse(f"the attribute {child.attr!r}")
        if isinstance(child, ast.Constant):
            value = child.value
            if value is not Ellipsis and not isinstance(value, bool | int | type(None)):
                raise refuse(f"the constant {value!r}")
            if isinstance(value, int) and abs(value) > MAX_CONSTANT:
                raise refuse(f"the number {value} (at most {MAX_CONSTANT})")
        if isinstance(child, ast.UnaryOp) and not isinstance(child.operand, ast.Constant):
            raise refuse("a minus sign on anything but a number")
        if isinstance(child, ast.keyword) and child.arg not in KEYWORDS:
            raise refuse(f"the keyword argument {child.arg!r}")
