"""Property: whatever arguments arrive (an LLM's mistakes, a user's typos), a tool either works or
answers with our clear ToolError; it never crashes with anything else."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agent.registry import default_registry
from tools import Session, ToolError, use_session

REGISTRY = default_registry()
NAMES = sorted(REGISTRY.tools)
PARAMETERS = sorted({p for spec in REGISTRY.tools.values() for p in spec.schema["function"]["parameters"]
                     ["properties"]} | {"bogus"})
VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-10**15, 10**15), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=24), st.sampled_from(["minilm", "I love tea", "love", ".", "/", "~", "../..", "-1", "[CLS]",
                                           "attention.mean(dim=1)", "__import__('os')", "\x00", "🙂"]),
    st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=4), st.integers(), max_size=2),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(name=st.sampled_from(NAMES), arguments=st.dictionaries(st.sampled_from(PARAMETERS), VALUES, max_size=4))
def test_tools_only_ever_fail_with_a_clear_message(tmp_path_factory, name, arguments):
    session = Session(artifacts_dir=tmp_path_factory.mktemp("fuzz"))
    with use_session(session):
        try:
            result = REGISTRY.call(name, arguments)
        except ToolError as error:
            assert str(error).strip()
        else:
            assert isinstance(result, dict)
