"""Tool schemas derived from the functions match the snapshot, and arguments are validated."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from agent.registry import Registry, default_registry, openai_schema, validate_arguments
from tools import TOOLS, ToolError

SNAPSHOT = Path(__file__).parent / "snapshots" / "tool_schemas.json"


def test_schemas_match_the_snapshot():
    """Every snapshotted tool keeps its schema and its place in the order; none disappears.

    A tool registered since the snapshot passes until UPDATE_SNAPSHOTS=1 takes it in: adding a tool
    touches only its own files and the registration line (its own tests check its schema).
    """
    schemas = default_registry().openai_tools()
    if os.environ.get("UPDATE_SNAPSHOTS"):
        SNAPSHOT.write_text(json.dumps(schemas, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    pinned = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    names = {schema["function"]["name"] for schema in pinned}
    assert [schema for schema in schemas if schema["function"]["name"] in names] == pinned


def test_every_tool_has_a_described_parameter_list_the_api_accepts():
    for function in TOOLS:
        schema = openai_schema(function)
        params = schema["function"]["parameters"]
        assert schema["function"]["description"][0].isupper()
        assert params["type"] == "object" and params["additionalProperties"] is False
        for name, spec in params["properties"].items():
            assert spec["description"], (function.__name__, name)
            assert "nullable" not in spec and "return" not in schema["function"]


def test_nullable_parameters_become_null_types_and_required_lists_the_rest():
    schema = openai_schema(TOOLS[TOOLS.index(next(f for f in TOOLS if f.__name__ == "explain_reduction"))])
    params = schema["function"]["parameters"]
    assert params["required"] == ["expression"]
    assert params["properties"]["text"]["type"] == ["string", "null"]


@pytest.mark.parametrize(
    ("name", "arguments", "message"),
    [
        ("plot_heatmap", {"layer": "last"}, "plot_heatmap: layer must be integer, not string 'last'"),
        ("plot_heatmap", {"colour": "red"}, "unknown argument(s) colour; allowed: layer, head"),
        ("plot_heatmap", {"annotate": 1}, "annotate must be boolean, not integer 1"),
        ("plot_heatmap", {"layer": True}, "layer must be integer, not boolean True"),
        ("explain_reduction", {}, "missing required argument(s) expression"),
        ("plot_line", {"query": 1.5}, "query must be integer or string or null, not number 1.5"),
        ("plot_heatmap", [1, 2], "arguments must be a JSON object"),
        ("no_such_tool", {}, "unknown tool 'no_such_tool'; available tools: list_models, load_model"),
    ],
)
def test_bad_arguments_are_refused_with_what_was_expected(name, arguments, message):
    with pytest.raises(ToolError) as error:
        default_registry().call(name, arguments)
    assert message in str(error.value)


def test_null_is_accepted_where_the_schema_allows_it():
    schema = openai_schema(next(f for f in TOOLS if f.__name__ == "plot_heatmap"))
    validate_arguments(schema, {"head": None, "text": None, "layer": -1})


def test_registry_calls_the_function():
    def echo(word: str) -> dict:
        """Echo a word.

        Args:
            word: The word.
        """
        return {"word": word}

    assert Registry([echo]).call("echo", {"word": "hi"}) == {"word": "hi"}
