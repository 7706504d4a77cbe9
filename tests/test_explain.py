"""explain_reduction: real shapes, derived words, and nothing outside the whitelist ever runs."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tools import ToolError, explain_reduction

SENTENCE = "I love natural language processing!"
ARTICLE = "torch.mean(outputs.attentions[-1], dim=1)[0].detach().numpy()"


@pytest.fixture
def extracted(session):
    from tools import extract_attention

    extract_attention(SENTENCE)
    return session


def test_the_articles_expression_step_by_step(extracted):
    result = explain_reduction(ARTICLE)
    shapes = [(step["shape_before"], step["shape_after"]) for step in result["steps"]]
    assert shapes == [
        (None, [6, 1, 12, 8, 8]),
        ([6, 1, 12, 8, 8], [1, 12, 8, 8]),
        ([1, 12, 8, 8], [1, 8, 8]),
        ([1, 8, 8], [8, 8]),
        ([8, 8], [8, 8]),
        ([8, 8], [8, 8]),
    ]
    mean, index, detach = result["steps"][2], result["steps"][3], result["steps"][4]
    assert mean["dims_before"] == ["batch", "heads", "query", "key"] and mean["dims_after"] == ["batch", "query", "key"]
    assert "'heads'" in mean["explanation_en"] and "ヘッド" in mean["explanation_ja"]
    assert "'batch'" in index["explanation_en"] and "バッチ" in index["explanation_ja"]
    assert "requires grad" in detach["explanation_en"]
    assert result["final_shape"] == [8, 8]


@pytest.mark.parametrize(
    ("expression", "final"),
    [
        ("torch.stack(outputs.attentions).shape", None),
        ("torch.stack(outputs.attentions)[:, 0].mean(dim=2)", [6, 12, 8]),
        ("attentions[0][0, 3]", [8, 8]),
        ("attention.sum(dim=-1)", [1, 12, 8]),
        ("attention.max(dim=-1).values", [1, 12, 8]),
        ("torch.max(attention, dim=1)[0]", [1, 8, 8]),
        ("attention[0].transpose(-2, -1)", [12, 8, 8]),
        ("attention.permute(0, 1, 3, 2)", [1, 12, 8, 8]),
        ("attention.squeeze(0).unsqueeze(1)", [12, 1, 8, 8]),
        ("attention[0].numpy().mean(axis=0)", [8, 8]),
        ("attention[..., 0]", [1, 12, 8]),
        ("outputs.attentions[1:3]", [2, 1, 12, 8, 8]),
        ("attention.mean(dim=1, keepdim=True)", [1, 1, 8, 8]),
        ("attention.softmax(dim=-1).cpu()", [1, 12, 8, 8]),
    ],
)
def test_supported_operations_track_the_real_shape(extracted, expression: str, final):
    assert explain_reduction(expression)["final_shape"] == final


@pytest.mark.parametrize(
    "expression",
    [
        "__import__('os').system('echo hacked')",
        "().__class__.__subclasses__()",
        "outputs.__class__",
        "lambda: 1",
        "[x for x in outputs.attentions]",
        "{k: 1 for k in 'ab'}",
        "9 ** 9 ** 9",
        "2 ** 10000000",
        "open('/etc/passwd').read()",
        "torch.load('model.bin')",
        "torch.save(attention, 'x')",
        "attention.numpy().tofile('x')",
        "getattr(attention, 'numpy')()",
        "exec('1')",
        "attention if True else 0",
        "(y := attention)",
        "attention.mean(dim=99999999999)",
        "attention[10**100]",
        "f'{attention}'",
        "attention.mean(out=attention)",
    ],
)
def test_anything_outside_the_whitelist_is_refused(extracted, expression: str, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ToolError) as error:
        explain_reduction(expression)
    assert "not allowed" in str(error.value) or "not valid" in str(error.value) or "out of range" in str(error.value)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("", "expression is empty"),
        ("attention.mean(dim=4)", "dim 4 is out of range for a value with 4 dimensions"),
        ("outputs.attentions[6]", "layer 6 is out of range: the model has 6 layers"),
        ("attention[0, 0, 0, 0, 0]", "too many indices"),
        ("attention.numpy().detach()", "not available after .numpy()"),
        ("attention.softmax()", "needs a dimension"),
        ("torch.mean(outputs.attentions)", "pick a layer first"),
        ("x" * 400, "at most 300"),
        ("attention.mean(", "not valid Python"),
    ],
)
def test_mistakes_get_a_clear_message(extracted, expression: str, message: str):
    with pytest.raises(ToolError, match=None) as error:
        explain_reduction(expression)
    assert message in str(error.value)


ATOMS = st.sampled_from(["outputs.attentions", "attention", "attentions", "torch", "outputs", "x", "1", "-1", "None",
                         "True", "'s'", "..."])
SUFFIXES = st.sampled_from(["[0]", "[-1]", "[:, 0]", "[...]", ".mean(dim=1)", ".sum()", ".max(dim=-1)", ".detach()",
                            ".numpy()", ".shape", ".T", ".__class__", "(1)", ".softmax(dim=0)", ".squeeze()",
                            ".transpose(0, 1)", ".permute(1, 0)", "[0][0]", " + 1", ".mean(axis=0)", "[10]"])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(
    st.text(max_size=60),
    st.builds(lambda a, s: a + "".join(s), ATOMS, st.lists(SUFFIXES, max_size=5)),
    st.builds(lambda f, a: f"torch.{f}({a})", st.sampled_from(["mean", "sum", "max", "stack", "load", "eval"]), ATOMS),
))
def test_fuzzed_expressions_only_ever_give_our_clear_errors(extracted, expression: str):
    try:
        result = explain_reduction(expression)
    except ToolError as error:
        assert str(error)
    else:
        assert isinstance(result["steps"], list)
