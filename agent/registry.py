"""Tool schemas for the OpenAI API, derived from the tool functions, and argument validation.

One source of truth: a tool's signature and Google-style docstring. `transformers.utils.
get_json_schema` does the parsing; we adapt its output to what the Chat Completions API accepts
(`nullable` becomes a `"null"` type, the `return` entry goes, `required` lists the parameters
without defaults, and unknown arguments are refused).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from transformers.utils import get_json_schema

from tools import TOOLS, ToolError

__all__ = ["ToolSpec", "Registry", "default_registry", "openai_schema", "validate_arguments"]

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
        ToolError: unknown or missing arguments, or a value of the wrong JSON type.
    """
    name = schema["function"]["name"]
    parameters = schema["function"]["parameters"]
    properties: dict[str, Any] = parameters["properties"]
    if not isinstance(arguments, dict):
        raise ToolError(f"{name}: arguments must be a JSON object, not {arguments!r}")
    unknown = sorted(set(arguments) - set(properties))
    if unknown:
        allowed = ", ".join(properties) or "none"
        raise ToolError(f"{name}: unknown argument(s) {', '.join(unknown)}; allowed: {allowed}")
    missing = [p for p in parameters.get("required", []) if p not in arguments]
    if missing:
        raise ToolError(f"{name}: missing required argument(s) {', '.join(missing)}")
    for key, value in arguments.items():
        spec = properties[key]
        types = spec["type"] if isinstance(spec["type"], list) else [spec["type"]]
        if not _matches(value, types):
            raise ToolError(f"{name}: {key} must be {' or '.join(types)}, not {_type_name(value)} {value!r}")
        if "enum" in spec and value not in spec["enum"]:
            raise ToolError(f"{name}: {key} must be one of {spec['enum']}, not {value!r}")


@dataclass(frozen=True)
class ToolSpec:
    name: str
    function: Callable[..., dict[str, Any]]
    schema: dict[str, Any]


class Registry:
    """The tools an agent may call, by name."""

    def __init__(self, functions: list[Callable[..., dict[str, Any]]]) -> None:
        self.tools = {fn.__name__: ToolSpec(fn.__name__, fn, openai_schema(fn)) for fn in functions}

    def names(self) -> list[str]:
        return list(self.tools)

    def openai_tools(self) -> list[dict[str, Any]]:
        return [spec.schema for spec in self.tools.values()]

    def call(self, name: str, arguments: Any) -> dict[str, Any]:
        """Validate and run one tool. ToolError for an unknown tool or bad arguments."""
        spec = self.tools.get(name)
        if spec is None:
            raise ToolError(f"unknown tool {name!r}; available tools: {', '.join(self.tools)}")
        validate_arguments(spec.schema, arguments)
        return spec.function(**arguments)


def default_registry() -> Registry:
    return Registry(TOOLS)
