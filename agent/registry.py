"""Tool schemas for the OpenAI API, derived from the tool functions, and argument validation.

One source of truth: a tool's signature and Google-style docstring. `transformers.utils.
get_json_schema` does the parsing; we adapt its output to what the Chat Completions API accepts
(`nullable` becomes a `"null"` type, the `return` entry goes, `required` lists the parameters
without defaults, and unknown arguments are refused).

The default registry is lazy: it knows the tools by name from `tools.TOOL_FAMILIES`, and a tool's
module is imported and its schema built when the tool is first called or listed. A one-shot
`attention-sensei ask` so imports only the tool it runs.
"""

from __future__ import annotations

import difflib
import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from tools import TOOL_FAMILIES, ToolError, load_tool
from tools.core.imports import TRANSFORMERS_IMPORT

__all__ = ["ToolSpec", "Registry", "default_registry", "openai_schema", "validate_arguments", "argument_problems"]

_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "integer": (int,),
    "number": (int, float),
    "string": (str,),
    "boolean": (bool,),
    "null": (type(None),),
    "object": (dict,),
    "array": (list,),
}


def openai_schema(function: Callable[..., Any]) -> dict[str, Any]:
    """The `{"type": "function", "function": {...}}` entry for one tool function."""
    with TRANSFORMERS_IMPORT:  # transformers is heavy to import (only schemas need it) and lazy: one thread at a time
        from transformers.utils import get_json_schema

    raw = get_json_schema(function)["function"]
    signature = inspect.signature(function)
    properties: dict[str, Any] = {}
    for name, spec in raw["parameters"]["properties"].items():
        spec = dict(spec)
        if spec.pop("nullable", False):
            types = spec["type"] if isinstance(spec["type"], list) else [spec["type"]]
            spec["type"] = [*types, "null"]
        default = signature.parameters[name].default
        if default is not inspect.Parameter.empty and default is not None:
            spec["default"] = default
        properties[name] = spec
    required = [name for name, p in signature.parameters.items() if p.default is inspect.Parameter.empty]
    parameters: dict[str, Any] = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        parameters["required"] = required
    return {
        "type": "function",
        "function": {"name": raw["name"], "description": raw["description"], "parameters": parameters},
    }


def _type_name(value: Any) -> str:
    for name, types in _JSON_TYPES.items():
        if isinstance(value, types) and not (name in ("integer", "number") and isinstance(value, bool)):
            return name
    return type(value).__name__


def _matches(value: Any, types: list[str]) -> bool:
    return _type_name(value) in types or ("number" in types and _type_name(value) == "integer")


def validate_arguments(schema: dict[str, Any], arguments: Any) -> None:
    """Check arguments against a tool's parameter schema.

    Raises:
        ToolError: unknown or missing arguments, or a value of the wrong JSON type (the first problem found).
    """
    problems = argument_problems(schema, arguments)
    if problems:
        raise ToolError(problems[0])


def argument_problems(schema: dict[str, Any], arguments: Any) -> list[str]:
    """Every problem of arguments against a tool's parameter schema, in the order validate_arguments meets them:
    unknown names (with the closest allowed ones), missing required ones, then each value of the wrong type."""
    name = schema["function"]["name"]
    parameters = schema["function"]["parameters"]
    properties: dict[str, Any] = parameters["properties"]
    if not isinstance(arguments, dict):
        return [f"{name}: arguments must be a JSON object, not {arguments!r}"]
    problems = []
    unknown = sorted(set(arguments) - set(properties))
    if unknown:
        allowed = ", ".join(properties) or "none"
        closest = [close for wrong in unknown for close in difflib.get_close_matches(wrong, properties, n=1)]
        hint = f"; did you mean {', '.join(closest)}?" if closest else ""
        problems.append(f"{name}: unknown argument(s) {', '.join(unknown)}; allowed: {allowed}{hint}")
    missing = [p for p in parameters.get("required", []) if p not in arguments]
    if missing:
        problems.append(f"{name}: missing required argument(s) {', '.join(missing)}")
    for key, value in arguments.items():
        spec = properties.get(key)
        if spec is None:
            continue
        types = spec["type"] if isinstance(spec["type"], list) else [spec["type"]]
        if not _matches(value, types):
            problems.append(f"{name}: {key} must be {' or '.join(types)}, not {_type_name(value)} {value!r}")
        elif "enum" in spec and value not in spec["enum"]:
            problems.append(f"{name}: {key} must be one of {spec['enum']}, not {value!r}")
    return problems


ToolFunction = Callable[..., dict[str, Any]]


@dataclass(frozen=True)
class ToolSpec:
    name: str
    function: ToolFunction
    schema: dict[str, Any]


class Registry:
    """The tools an agent may call, by name; each one's schema is built when it is first used."""

    def __init__(self, functions: Iterable[ToolFunction]) -> None:
        by_name = {fn.__name__: fn for fn in functions}
        self._names: list[str] = list(by_name)
        self._load: Callable[[str], ToolFunction] = by_name.__getitem__
        self._specs: dict[str, ToolSpec] = {}

    @classmethod
    def from_names(cls, names: Iterable[str], load: Callable[[str], ToolFunction]) -> Registry:
        """Tools known by name: `load(name)` imports one when it is first called or listed."""
        registry = cls([])
        registry._names, registry._load = list(names), load
        return registry

    def names(self) -> list[str]:
        return list(self._names)

    def spec(self, name: str) -> ToolSpec:
        """One tool's function and schema. ToolError for a name that is not registered."""
        spec = self._specs.get(name)
        if spec is None:
            if name not in self._names:
                raise ToolError(f"unknown tool {name!r}; available tools: {', '.join(self._names)}")
            function = self._load(name)
            # Two threads may build the same spec at once; both results are equal, so no lock is needed.
            spec = self._specs[name] = ToolSpec(name, function, openai_schema(function))
        return spec

    @property
    def tools(self) -> dict[str, ToolSpec]:
        """Every tool's spec, by name (imports every tool)."""
        return {name: self.spec(name) for name in self._names}

    def openai_tools(self) -> list[dict[str, Any]]:
        return [spec.schema for spec in self.tools.values()]

    def filled(self, name: str, arguments: dict[str, Any] | None, **values: Any) -> dict[str, Any] | None:
        """`arguments` plus each of `values` that the tool takes and was not given (the learner's language
        for a figure's words, say); anything else (an unknown tool, broken arguments) is left as it is."""
        if not isinstance(arguments, dict) or name not in self._names:
            return arguments
        takes = inspect.signature(self.spec(name).function).parameters
        return {**arguments, **{key: value for key, value in values.items() if key in takes and key not in arguments}}

    def call(self, name: str, arguments: Any) -> dict[str, Any]:
        """Validate and run one tool. ToolError for an unknown tool or bad arguments."""
        spec = self.spec(name)
        validate_arguments(spec.schema, arguments)
        return spec.function(**arguments)


def default_registry() -> Registry:
    """Every registered tool (tools.TOOL_FAMILIES), none of them imported yet."""
    return Registry.from_names(TOOL_FAMILIES, load_tool)
