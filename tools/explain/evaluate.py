"""The evaluator behind explain_reduction: an already-checked expression, evaluated node by node.

Every value carries the names of its dimensions (`Value.dims`), so each `Step`'s text is derived
from the dimension an operation removes, keeps or moves. tools/explain/parse.py parses the expression
and checks it against the whitelist below before anything here runs.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any

import torch

from tools.core.errors import ExpressionError, RangeError
from tools.explain.text import DIM_JA, dims_en, say

__all__ = ["Step", "Value", "Evaluator", "refuse", "ALLOWED", "KEYWORDS", "MAX_CONSTANT"]

MAX_CONSTANT = 1000
LAYER_DIMS = ("batch", "heads", "query", "key")
METHODS = {
    "mean",
    "sum",
    "max",
    "min",
    "softmax",
    "detach",
    "numpy",
    "cpu",
    "squeeze",
    "unsqueeze",
    "transpose",
    "permute",
}
TORCH_FUNCTIONS = {"mean", "sum", "max", "min", "stack"}
KEYWORDS = {"dim", "keepdim", "axis", "keepdims"}
# Methods a numpy array lacks (after .numpy()), and what to say instead.
NOT_ON_ARRAYS = {
    "detach": "it has no .detach() and needs none",
    "cpu": "it has no .cpu() and needs none",
    "numpy": "it has no .numpy() and needs none",
    "softmax": "numpy arrays have no .softmax(): call it before .numpy()",
    "unsqueeze": "numpy arrays have no .unsqueeze(): call it before .numpy()",
    "transpose": "numpy's .transpose(*axes) takes the whole new order, like torch's .permute(): "
                 "call .transpose(-2, -1) before .numpy()",
    "permute": "numpy arrays have no .permute() (their .transpose(*axes) does that): call it before .numpy()",
}
ALLOWED = (
    "the names outputs, attentions, attention (= outputs.attentions[-1]) and torch; indexing with integers, "
    "slices and ...; the methods ."
    + ", .".join(sorted(METHODS))
    + "; torch."
    + ", torch.".join(sorted(TORCH_FUNCTIONS))
    + "; the keywords dim, keepdim (axis, keepdims after .numpy()); .shape"
)


@dataclass(frozen=True)
class Step:
    expression: str
    operation: str
    shape_before: list[int] | None
    shape_after: list[int] | None
    dims_before: list[str]
    dims_after: list[str]
    kind_after: str  # what the step leaves: "tensor", "array" (numpy), "layers" (the tuple), "pair", "shape"
    en: str
    ja: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "expression": self.expression,
            "operation": self.operation,
            "shape_before": self.shape_before,
            "shape_after": self.shape_after,
            "dims_before": self.dims_before,
            "dims_after": self.dims_after,
            "kind_after": self.kind_after,
            "explanation_en": self.en,
            "explanation_ja": self.ja,
        }


@dataclass(frozen=True)
class Value:
    obj: Any  # a tensor, the tuple of layer tensors, a numpy array, a (values, indices) pair, or a shape
    dims: tuple[str, ...]
    kind: str  # "outputs" | "torch" | "layers" | "tensor" | "array" | "pair" | "shape"

    @property
    def shape(self) -> list[int] | None:
        if self.kind == "layers":
            return [len(self.obj), *self.obj[0].shape]
        if self.kind in ("tensor", "array"):
            return list(self.obj.shape)
        if self.kind == "pair":
            return list(self.obj[0].shape)
        return None


def refuse(what: str) -> ExpressionError:
    return ExpressionError(f"{what} is not allowed in explain_reduction. Nothing was executed. Allowed: {ALLOWED}")


class Evaluator:
    def __init__(self, layers: tuple[torch.Tensor, ...]) -> None:
        self.layers = layers
        self.steps: list[Step] = []

    def visit(self, node: ast.AST) -> Any:
        if isinstance(node, ast.Name):
            return self._name(node.id)
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.UnaryOp):
            return -self.visit(node.operand)
        if isinstance(node, ast.Tuple):
            return tuple(self._slice(item) if isinstance(item, ast.Slice) else self.visit(item) for item in node.elts)
        if isinstance(node, ast.Slice):
            return self._slice(node)
        if isinstance(node, ast.Attribute):
            return self._attribute(node)
        if isinstance(node, ast.Subscript):
            return self._subscript(node)
        if isinstance(node, ast.Call):
            return self._call(node)
        raise refuse(f"a {type(node).__name__} node")

    def _record(self, node: ast.AST, operation: str, before: Value, after: Value, text: tuple[str, str]) -> Value:
        self.steps.append(
            Step(
                expression=ast.unparse(node),
                operation=operation,
                shape_before=before.shape,
                shape_after=after.shape,
                dims_before=list(before.dims),
                dims_after=list(after.dims),
                kind_after=after.kind,
                en=text[0],
                ja=text[1],
            )
        )
        return after

    def _name(self, name: str) -> Value:
        if name in ("outputs", "torch"):
            return Value(None, (), name)
        if name == "attentions":
            return Value(self.layers, ("layers", *LAYER_DIMS), "layers")
        return Value(self.layers[-1], LAYER_DIMS, "tensor")  # attention = outputs.attentions[-1]

    def _operand(self, node: ast.AST) -> Value:
        """Visit a node that must be a value (not a bare number) because something acts on it."""
        value = self.visit(node)
        if not isinstance(value, Value):
            raise refuse(f"acting on the constant {ast.unparse(node)}")
        return value

    def _attribute(self, node: ast.Attribute) -> Value:
        base = self._operand(node.value)
        if base.kind == "outputs" and node.attr == "attentions":
            after = Value(self.layers, ("layers", *LAYER_DIMS), "layers")
            return self._record(node, "attribute", base, after, say("attentions", count=len(self.layers)))
        if base.kind == "pair" and node.attr in ("values", "indices"):
            return self._pick_pair(node, base, 0 if node.attr == "values" else 1)
        if base.kind in ("tensor", "array", "layers") and node.attr == "shape":
            shape = tuple(base.shape or [])
            return self._record(
                node, "shape", base, Value(shape, (), "shape"), say("shape", dims=base.dims, shape=shape)
            )
        raise refuse(f"the attribute .{node.attr} here")

    def _slice(self, node: ast.Slice) -> slice:
        parts = [None if part is None else self.visit(part) for part in (node.lower, node.upper, node.step)]
        if not all(part is None or isinstance(part, int) and not isinstance(part, bool) for part in parts):
            raise refuse("a slice bound that is not an integer")
        return slice(*parts)

    def _subscript(self, node: ast.Subscript) -> Value:
        base = self._operand(node.value)
        index = self.visit(node.slice)
        if base.kind == "pair" and index in (0, 1) and not isinstance(index, bool):
            return self._pick_pair(node, base, index)
        if base.kind == "layers":
            return self._index_layers(node, base, index)
        if base.kind in ("tensor", "array"):
            return self._index_tensor(node, base, index)
        raise refuse("indexing this value")

    def _index_layers(self, node: ast.AST, base: Value, index: Any) -> Value:
        count = len(base.obj)
        if isinstance(index, slice):
            chosen = base.obj[index]
            if not chosen:
                raise ExpressionError(f"{ast.unparse(node)} selects no layer: there are {count} layers")
            kept = list(range(count))[index]
            return self._record(
                node,
                "slice layers",
                base,
                Value(chosen, base.dims, "layers"),
                say("slice_layers", kept=kept, count=count),
            )
        if not isinstance(index, int) or isinstance(index, bool):
            raise refuse("indexing the layer tuple with anything but an integer or a slice")
        if not -count <= index < count:
            raise RangeError(
                f"layer {index} is out of range: the model has {count} layers (use 0..{count - 1}, or -1 for the last)"
            )
        last = index % count == count - 1
        text = say(
            "select_layer",
            dims=LAYER_DIMS,
            layer=index % count,
            last=" (the last)" if last else "",
            last_ja="(最終層)" if last else "",
        )
        return self._record(node, "select layer", base, Value(base.obj[index], LAYER_DIMS, "tensor"), text)

    def _index_tensor(self, node: ast.AST, base: Value, index: Any) -> Value:
        items = index if isinstance(index, tuple) else (index,)
        if not all(item is Ellipsis or isinstance(item, int | slice) and not isinstance(item, bool) for item in items):
            raise refuse("indexing a tensor with anything but integers, slices and ...")
        dims, removed = _dims_after_index(base.dims, items)
        try:
            result = base.obj[index]
        except IndexError as error:
            raise ExpressionError(f"{ast.unparse(node)}: {error} (the shape is {tuple(base.shape or [])})") from None
        texts = [say("index", name=name, items=item) for name, item in removed] or [say("slice")]
        text = ("; ".join(en for en, _ in texts), "".join(ja for _, ja in texts))
        return self._record(node, "index", base, Value(result, dims, base.kind), text)

    def _pick_pair(self, node: ast.AST, base: Value, which: int) -> Value:
        name = ("values", "indices")[which]
        return self._record(
            node, f"take {name}", base, Value(base.obj[which], base.dims, "tensor"), say("pair", which=name)
        )

    def _call(self, node: ast.Call) -> Value:
        if not isinstance(node.func, ast.Attribute):
            raise refuse("calling anything but a whitelisted method or torch function")
        owner = self._operand(node.func.value)
        name = node.func.attr
        args = [self.visit(arg) for arg in node.args]
        kwargs = {kw.arg: self.visit(kw.value) for kw in node.keywords}
        if owner.kind == "torch":
            if name not in TORCH_FUNCTIONS:
                raise refuse(f"torch.{name}")
            if not args or not isinstance(args[0], Value):
                raise ExpressionError(f"torch.{name} needs a tensor as its first argument")
            target, args = args[0], args[1:]
            if name == "stack":
                return self._stack(node, target, args, kwargs)
            if target.kind == "array":
                raise ExpressionError(f"torch.{name} takes a tensor, not a numpy array: call torch.{name} before "
                                f".numpy(), or use the array's own .{name}(axis=...)")
            if target.kind != "tensor":
                raise ExpressionError(f"torch.{name} needs one tensor; pick a layer first, e.g. outputs.attentions[-1]")
        elif owner.kind in ("tensor", "array"):
            if name not in METHODS:
                raise refuse(f"the method .{name}()")
            target = owner
        else:
            raise refuse(f"calling .{name}() on this value")
        if any(isinstance(value, Value) for value in [*args, *kwargs.values()]):
            raise refuse("passing a tensor as a second argument")
        return self._method(node, target, name, args, kwargs)

    def _stack(self, node: ast.AST, target: Value, args: list[Any], kwargs: dict[str, Any]) -> Value:
        if target.kind != "layers":
            raise ExpressionError("torch.stack here expects the layer tuple, e.g. torch.stack(outputs.attentions)")
        dim = kwargs.get("dim", args[0] if args else 0)
        size = len(LAYER_DIMS) + 1
        if not isinstance(dim, int) or isinstance(dim, bool) or not -size <= dim < size:
            raise ExpressionError(f"torch.stack: dim must be an integer in -{size}..{size - 1}, not {dim!r}")
        position = dim % size
        dims = (*LAYER_DIMS[:position], "layers", *LAYER_DIMS[position:])
        result = torch.stack(target.obj, dim=dim)
        return self._record(
            node,
            "stack",
            target,
            Value(result, dims, "tensor"),
            say("stack", dims=dims, count=len(target.obj), position=position),
        )

    def _method(self, node: ast.AST, target: Value, name: str, args: list[Any], kwargs: dict[str, Any]) -> Value:
        dims = target.dims
        if target.kind == "array":
            _check_numpy_call(name, kwargs)
        if name in ("detach", "cpu"):
            return self._record(node, name, target, Value(getattr(target.obj, name)(), dims, "tensor"), say(name))
        if name == "numpy":
            return self._record(node, name, target, Value(target.obj.detach().numpy(), dims, "array"), say(name))
        if name in ("mean", "sum", "max", "min"):
            return self._reduce(node, target, name, args, kwargs)
        if name == "softmax":
            dim = self._dim(args, kwargs, dims, required=True)
            return self._record(
                node,
                name,
                target,
                Value(target.obj.softmax(dim=dim), dims, "tensor"),
                say("softmax", name=dims[dim], dim=dim),
            )
        if name == "squeeze":
            dim = self._dim(args, kwargs, dims, required=False)
            shape = target.shape or []
            if target.kind == "array" and dim is not None and shape[dim] != 1:
                raise ExpressionError(
                    f"numpy refuses to squeeze axis {dim} ('{dims[dim]}', size {shape[dim]}): an array's "
                    f".squeeze(axis) needs a size-1 axis (a tensor's .squeeze(dim) leaves a larger one as it is); "
                    "name a size-1 axis, or none to drop them all"
                )
            gone = [i for i, size in enumerate(shape) if size == 1 and dim in (None, i)]
            kept = tuple(d for i, d in enumerate(dims) if i not in gone)
            result = target.obj.squeeze() if dim is None else target.obj.squeeze(dim)
            names = ", ".join(f"'{dims[i]}'" for i in gone) or "(none)"
            names_ja = "・".join(f"「{DIM_JA[dims[i]]}」" for i in gone) or "(なし)"
            return self._record(
                node, name, target, Value(result, kept, target.kind), say("squeeze", names=names, names_ja=names_ja)
            )
        if name == "unsqueeze":
            dim = kwargs.get("dim", args[0] if args else None)
            if not isinstance(dim, int) or isinstance(dim, bool) or not -len(dims) - 1 <= dim <= len(dims):
                raise ExpressionError(f"unsqueeze needs dim in -{len(dims) + 1}..{len(dims)}, not {dim!r}")
            position = dim % (len(dims) + 1)
            grown = (*dims[:position], "new", *dims[position:])
            return self._record(
                node,
                name,
                target,
                Value(target.obj.unsqueeze(dim), grown, "tensor"),
                say("unsqueeze", position=position),
            )
        if name == "transpose":
            if len(args) != 2 or kwargs:
                raise ExpressionError("transpose takes two dimension numbers, e.g. .transpose(-2, -1)")
            first, second = (self._dim([arg], {}, dims, required=True) for arg in args)
            order = list(dims)
            order[first], order[second] = order[second], order[first]
            text = say(
                "transpose",
                dims=tuple(order),
                first=dims[first],
                second=dims[second],
                first_ja=DIM_JA[dims[first]],
                second_ja=DIM_JA[dims[second]],
            )
            return self._record(
                node, name, target, Value(target.obj.transpose(first, second), tuple(order), "tensor"), text
            )
        if not dims:
            raise ExpressionError("permute needs a tensor with dimensions; this value is a single number")
        if kwargs or sorted(a % len(dims) if isinstance(a, int) else -1 for a in args) != list(range(len(dims))):
            raise ExpressionError(f"permute needs each of the {len(dims)} dimensions once, e.g. .permute(0, 1, 3, 2)")
        order = tuple(dims[a] for a in args)
        return self._record(
            node, name, target, Value(target.obj.permute(*args), order, "tensor"), say("permute", dims=order)
        )

    def _reduce(self, node: ast.AST, target: Value, name: str, args: list[Any], kwargs: dict[str, Any]) -> Value:
        dims = target.dims
        if "keepdim" in kwargs and "keepdims" in kwargs:
            raise ExpressionError("give keepdim (or keepdims) once, e.g. keepdim=True")
        keepdim = kwargs.get("keepdim", kwargs.get("keepdims", False))
        if not isinstance(keepdim, bool):
            raise ExpressionError(f"keepdim must be True or False, not {keepdim!r}")
        dim = self._dim(args, kwargs, dims, required=False)
        if dim is None:
            if "keepdim" in kwargs or "keepdims" in kwargs:
                raise ExpressionError(f"keepdim needs a dimension to keep, e.g. .{name}(dim=1, keepdim=True)")
            value = getattr(target.obj, name)()
            return self._record(node, name, target, Value(value, (), target.kind), say("reduce_all", verb=name))
        is_array = target.kind == "array"
        options = {"axis": dim, "keepdims": keepdim} if is_array else {"dim": dim, "keepdim": keepdim}
        value = getattr(target.obj, name)(**options)
        kept = dims if keepdim else dims[:dim] + dims[dim + 1 :]
        if name in ("max", "min") and not is_array:
            return self._record(
                node,
                name,
                target,
                Value(tuple(value), kept, "pair"),
                say("reduce_pair", name=dims[dim], verb=name, dim=dim),
            )
        template = "reduce_keep" if keepdim else "reduce"
        text = say(template, name=dims[dim], verb=name, dim=dim, word="axis" if is_array else "dim")
        if is_array:  # what numpy does differently, said where the learner meets it
            numpy_text = say("numpy_pair" if name in ("max", "min") else "numpy_axis")
            text = (f"{text[0]}; {numpy_text[0]}", f"{text[1]}。{numpy_text[1]}")
        return self._record(node, name, target, Value(value, kept, target.kind), text)

    def _dim(self, args: list[Any], kwargs: dict[str, Any], dims: tuple[str, ...], required: bool) -> int | None:
        given = [kwargs[key] for key in ("dim", "axis") if key in kwargs] + args[:1]
        if len(args) > 1 or len(given) > 1:
            raise ExpressionError("give one dimension, e.g. dim=1")
        if not given:
            if required:
                raise ExpressionError("this operation needs a dimension, e.g. dim=-1")
            return None
        dim = given[0]
        if not isinstance(dim, int) or isinstance(dim, bool):
            raise ExpressionError(f"dim must be an integer, not {dim!r}")
        if not -len(dims) <= dim < len(dims):
            raise RangeError(
                f"dim {dim} is out of range for a value with {len(dims)} dimensions "
                f"{dims_en(dims)}: use 0..{len(dims) - 1} or a negative index"
            )
        return dim % len(dims)


def _check_numpy_call(name: str, kwargs: dict[str, Any]) -> None:
    """Refuse, as numpy would, what only a tensor accepts: its own methods, dim= and keepdim=."""
    if name in NOT_ON_ARRAYS:
        raise ExpressionError(f".{name}() is not available after .numpy(): the value is already a numpy array; "
                        f"{NOT_ON_ARRAYS[name]}")
    if "dim" in kwargs:
        rest = "".join(f", {key}={value!r}" for key, value in kwargs.items() if key != "dim")
        raise ExpressionError(f"numpy arrays take axis=, not dim=: write .{name}(axis={kwargs['dim']!r}{rest}) "
                        "(after .numpy() the value is a numpy array; a torch tensor accepts either)")
    if "keepdim" in kwargs:
        raise ExpressionError(f"numpy arrays take keepdims=, not keepdim=: write keepdims={kwargs['keepdim']!r} "
                        "(after .numpy() the value is a numpy array; a torch tensor accepts either)")


def _dims_after_index(dims: tuple[str, ...], items: tuple[Any, ...]) -> tuple[tuple[str, ...], list[tuple[str, int]]]:
    """The dimensions left after indexing, and the (dimension, item) pairs that an integer removed."""
    if sum(item is Ellipsis for item in items) > 1:
        raise ExpressionError("an index can hold ... only once")
    explicit = [item for item in items if item is not Ellipsis]
    if len(explicit) > len(dims):
        raise ExpressionError(f"too many indices: the value has {len(dims)} dimensions {dims_en(dims)}")
    if Ellipsis in items:
        split = items.index(Ellipsis)
        items = (*items[:split], *([slice(None)] * (len(dims) - len(explicit))), *items[split + 1 :])
    removed = [(d, item) for d, item in zip(dims, items, strict=False) if isinstance(item, int)]
    kept = [d for d, item in zip(dims, items, strict=False) if not isinstance(item, int)]
    return (*kept, *dims[len(items) :]), removed
