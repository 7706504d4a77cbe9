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
    cwd = tmp_path / "cwd"  # beside the session's artifacts (extract_attention saves its script there)
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    with pytest.raises(ToolError) as error:
        explain_reduction(expression)
    assert "not allowed" in str(error.value) or "not valid" in str(error.value) or "out of range" in str(error.value)
    assert list(cwd.iterdir()) == []


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


# --- tensors and numpy arrays: each step knows which it holds ---------------------------------------------


@pytest.mark.parametrize(
    ("expression", "final", "kinds"),
    [
        ("outputs.attentions[-1].detach().numpy().squeeze().mean(axis=0)", [8, 8],
         ["layers", "tensor", "tensor", "array", "array", "array"]),
        ("attention.numpy().squeeze(0).mean(axis=0)", [8, 8], ["array", "array", "array"]),
        ("attention.squeeze(0).mean(dim=0).numpy()", [8, 8], ["tensor", "tensor", "array"]),
        ("attention.numpy()[0].max(axis=-1)", [12, 8], ["array", "array", "array"]),
        ("attention.numpy().sum(axis=-1, keepdims=True)", [1, 12, 8, 1], ["array", "array"]),
        ("attention.sum(dim=-1, keepdims=True)", [1, 12, 8, 1], ["tensor"]),
    ],
)
def test_numpy_chains_keep_each_steps_kind(extracted, expression: str, final, kinds):
    result = explain_reduction(expression)
    assert result["final_shape"] == final
    assert [step["kind_after"] for step in result["steps"]] == kinds


def test_a_numpy_reduction_is_explained_with_axis_and_says_how_torch_differs(extracted):
    steps = explain_reduction("attention.numpy().squeeze().mean(axis=0)")["steps"]
    convert, mean = steps[0], steps[-1]
    assert "axis=" in convert["explanation_en"] and "dim=" in convert["explanation_en"]
    assert "axis=" in convert["explanation_ja"]
    assert "axis 0" in mean["explanation_en"] and "'heads'" in mean["explanation_en"]
    assert "dim=" in mean["explanation_en"] and "axis=" in mean["explanation_ja"]


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("attention.numpy().squeeze().numpy()", "already a numpy array"),
        ("attention.numpy().squeeze(0).mean(dim=0)", "numpy arrays take axis=, not dim=: write .mean(axis=0)"),
        ("attention.numpy().squeeze(dim=0)", "write .squeeze(axis=0)"),
        ("attention.numpy().mean(axis=1, keepdim=True)", "keepdims=True"),
        ("attention.numpy().squeeze(1)", "numpy refuses to squeeze axis 1 ('heads', size 12)"),
        ("torch.mean(attention.numpy(), dim=1)", "torch.mean takes a tensor, not a numpy array"),
        ("attention.numpy().transpose(-2, -1)", "before .numpy()"),
    ],
)
def test_what_numpy_refuses_is_a_clear_message_not_an_internal_error(extracted, expression: str, message: str):
    with pytest.raises(ToolError) as error:
        explain_reduction(expression)
    assert message in str(error.value)


# Method calls that work on a torch tensor, a numpy array, or both: a chain of them either runs in real
# torch/numpy with the shape explain_reduction reports, or fails there and gets a clear ToolError here.
CHAIN = st.lists(st.sampled_from([
    ".numpy()", ".detach()", ".squeeze()", ".squeeze(0)", ".squeeze(1)", ".squeeze(axis=0)", ".mean(dim=0)",
    ".mean(axis=0)", ".sum(axis=-1, keepdims=True)", ".sum(dim=-1, keepdim=True)", ".max(dim=-1)", ".max(axis=-1)",
    "[0]", ".mean(0)",
]), min_size=1, max_size=4)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(CHAIN)
def test_chains_over_tensors_and_arrays_agree_with_torch_and_numpy(extracted, chain: list[str]):
    expression = "attention" + "".join(chain)
    attention = extracted.latest.attentions[-1].unsqueeze(0)  # (batch, heads, query, key), as outputs.attentions[-1]
    try:
        real = eval(expression, {"attention": attention})  # noqa: S307 (this test's own fixed vocabulary)
    except (TypeError, ValueError, AttributeError, IndexError, RuntimeError):
        with pytest.raises(ToolError):
            explain_reduction(expression)
        return
    real = real[0] if isinstance(real, tuple) else real  # max(dim=...) gives (values, indices)
    assert explain_reduction(expression)["final_shape"] == list(real.shape)
