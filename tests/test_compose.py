"""The offline answer cites the real values the tools returned, in the question's language.

The tools run for real on the embedded minilm model (6 layers × 12 heads); gemma-270m is left out
because its first conversion takes over a minute.
"""

from __future__ import annotations

import os

os.environ["HF_HUB_OFFLINE"] = "1"

import re  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import pytest  # noqa: E402

import tools  # noqa: E402
from agent.compose import compose, help_text, suggestions  # noqa: E402
from agent.context import Context  # noqa: E402
from agent.events import ToolFinished  # noqa: E402
from agent.phrases import HELP_EXAMPLES, say  # noqa: E402
from agent.planner import Plan, after_turn, plan  # noqa: E402
from agent.registry import default_registry  # noqa: E402
from agent.runner import run_tool  # noqa: E402
from prompts import knowledge  # noqa: E402
from tools import Session, ToolError, use_session  # noqa: E402

NLP = "I love natural language processing!"
SHAPE = "[1, 12, 8, 8]"


@pytest.fixture
def minilm_session(tmp_path: Path) -> Iterator[Session]:
    with use_session(Session(artifacts_dir=tmp_path)) as session:
        yield session


def run(name: str, arguments: dict[str, Any]) -> ToolFinished:
    """Call a real tool and wrap its result the way the runner does."""
    try:
        result = getattr(tools, name)(**arguments)
    except ToolError as error:
        return ToolFinished(call_id="c1", name=name, arguments=arguments, ok=False, error=str(error), summary="",
                            result={"error_fix": error.fix})
    return ToolFinished(call_id="c1", name=name, arguments=arguments, ok=True, error=None, summary="",
                        result=result, artifacts=result.get("artifacts", {}))


def answer(question: str, has_text: bool = False) -> tuple[Plan, list[ToolFinished], str]:
    """Plan, run and compose; `has_text`: a follow-up on the sentence the session analysed last."""
    latest = tools.current_session().latest if has_text else None
    context = Context(text=latest.text, tool="extract_attention") if latest is not None else None
    planned = plan(question, context, session_text=latest.text if latest is not None else None)
    outcomes = [run(call.name, call.arguments) for call in planned.calls]
    return planned, outcomes, compose(planned, outcomes)


def weight(item: dict[str, Any]) -> str:
    return f"{item['weight']:.4f}"


def test_heatmap_answer_cites_the_real_numbers_in_english(minilm_session: Session) -> None:
    _, outcomes, text = answer(f'Show the heatmap of the last layer for "{NLP}"')
    result = outcomes[0].result
    assert outcomes[0].ok and result["model"] == "minilm"
    top = result["top_received"][0]
    assert f"`{top['token']}` {weight(top)}" in text
    assert all(weight(item) in text for item in result["top_received"])
    assert SHAPE in text and "**minilm**" in text and "layer 5 (= -1)" in text and "mean of 12 heads" in text
    assert "PNG, SVG and CSV" in text and "show code" in text
    assert result["code"] not in text  # the UI shows the script; the answer only points to it
    assert "I read “last layer” as layer=-1" in text


def test_heatmap_answer_in_japanese(minilm_session: Session) -> None:
    _, outcomes, text = answer(f"「{NLP}」の最終層のAttentionをヒートマップで、数値入りで見せて")
    result = outcomes[0].result
    assert outcomes[0].arguments == {"layer": -1, "annotate": True, "text": NLP}
    top = result["top_received"][0]
    assert f"`{top['token']}` {weight(top)}" in text
    assert SHAPE in text and "ヒートマップ" in text and "です" in text
    assert "各セルに重みの値を書き込んでいます" in text
    assert "「最終層」は layer=-1(0始まりの添字)と解釈しました。" in text
    assert "PNG・SVG・CSV" in text


def test_no_weight_in_the_answer_is_invented(minilm_session: Session) -> None:
    _, outcomes, text = answer(f"Show the raw values of layer 2 head 4 for '{NLP}'")
    result = outcomes[0].result
    real = {weight(item) for row in result["top_per_query"] for item in row["top"]}
    real |= {f"{value:.4f}" for value in result["row_sums"]}
    printed = set(re.findall(r"\d\.\d{4}", text))
    assert printed and printed <= real
    assert "Every row sums to 1" in text and "layer 2, head 4" in text


def test_line_answer_from_one_token(minilm_session: Session) -> None:
    _, outcomes, text = answer(f"Line chart of the attention from 'love' in \"{NLP}\"")
    result = outcomes[0].result
    assert outcomes[0].arguments["query"] == "love"
    assert "“love” (position 2)" in text
    assert all(f"`{item['token']}` {weight(item)}" in text for item in result["top"])


def test_heads_answer_names_the_extreme_heads(minilm_session: Session) -> None:
    _, outcomes, text = answer(f"「{NLP}」の第0層の全ヘッドを並べて")
    diagonal = outcomes[0].result["self_attention_per_head"]
    high = max(range(len(diagonal)), key=diagonal.__getitem__)
    assert f"ヘッド {high}({diagonal[high]:.4f})" in text
    assert "層 0 の全 12 ヘッド" in text


def test_extract_answer_reports_shape_and_checks(minilm_session: Session) -> None:
    _, outcomes, text = answer(f"What is the shape of the attention for '{NLP}'?")
    checks = outcomes[0].result["checks"]
    assert checks["rows_sum_to_one"]
    assert "tuple of 6 tensors" in text and SHAPE in text and "`eager`" in text
    assert f"{checks['max_row_sum_error']:.1e}" in text
    assert "No causal mask" in text


@pytest.mark.parametrize(("language", "field"), [("en", "explanation_en"), ("ja", "explanation_ja")])
def test_explain_answer_walks_every_step(minilm_session: Session, language: str, field: str) -> None:
    question = {"en": f"What does dim=1 do in '{NLP}'?", "ja": f"「{NLP}」で dim=1 って何?"}[language]
    planned, outcomes, text = answer(question)
    assert planned.language == language
    steps = outcomes[0].result["steps"]
    assert len(steps) == 6
    for step in steps:
        assert step[field] in text
        if step["shape_before"] is not None:
            assert f"{step['shape_before']} → {step['shape_after']}" in text
    assert "[1, 12, 8, 8] → [1, 8, 8]" in text
    assert knowledge()["mean_over_heads"].text(language) in text


def test_list_models_answer(minilm_session: Session) -> None:
    _, _, english = answer("Which models can I use?")
    _, _, japanese = answer("使えるモデルは?")
    for text in (english, japanese):
        assert "**minilm**" in text and "**gemma-270m**" in text and "`google/gemma-3-270m`" in text
    assert "6 layers × 12 heads" in english and "18 層 × 4 ヘッド" in japanese


@pytest.mark.parametrize(("language", "lead"), [("en", "plot_heatmap failed"), ("ja", "plot_heatmap は失敗しました")])
def test_a_failed_call_is_explained_with_what_to_try(minilm_session: Session, language: str, lead: str) -> None:
    question = {"en": f"heatmap of layer 10 for '{NLP}'", "ja": f"「{NLP}」の第10層のヒートマップ"}[language]
    _, outcomes, text = answer(question)
    assert not outcomes[0].ok
    assert lead in text and outcomes[0].error in text
    assert "minilm has 6 layers" in text
    assert ("-1 is the last" in text) if language == "en" else ("-1 は最後" in text)
    assert "PNG" not in text  # no figure was drawn


def test_knowledge_and_tools_together(minilm_session: Session) -> None:
    planned, _, text = answer(f"Why does [CLS] get so much attention? Show the heatmap of '{NLP}'")
    assert "attention_sinks" in planned.knowledge
    assert knowledge()["attention_sinks"].text("en") in text
    assert text.index("Background") < text.index("How I read your question")


@pytest.mark.parametrize("language", ["en", "ja"])
def test_help_text_offers_examples_that_the_planner_understands(language: str) -> None:
    text = help_text(language)
    assert ("did not understand" in text) if language == "en" else ("わかりませんでした" in text)
    assert len(HELP_EXAMPLES[language]) == 3
    for example in HELP_EXAMPLES[language]:
        assert example in text
        understood = plan(example)
        assert understood.intent != "unknown" and understood.calls and understood.language == language


@pytest.mark.parametrize(("question", "language"), [("nice weather today, isn't it", "en"), ("今日の天気は?", "ja")])
def test_an_unclear_question_is_asked_back_with_concrete_suggestions(question: str, language: str) -> None:
    planned = plan(question)
    text = compose(planned, [])
    assert planned.intent == "ask_back" and not planned.calls
    assert text.startswith(say("ask_back", language))
    suggestions = [line for line in text.splitlines() if line.startswith("- ")]
    assert 2 <= len(suggestions) <= 3
    for line in suggestions:  # each suggestion is a question the sensei understands, in the learner's language
        example = re.search(r"“(.+)”|「(.+)」$", line)
        assert example is not None, line
        asked = example.group(1) or example.group(2)
        assert plan(asked).intent != "ask_back", asked


@pytest.mark.parametrize(("question", "language"), [
    ("hello there, nice weather", "en"), ("thanks!", "en"), ("hmm", "en"), ("ok thank you so much", "en"),
    ("that's it for today, thanks a lot", "en"), ("Thank you, I understand much better", "en"),
    ("こんにちは", "ja"), ("ありがと！", "ja"), ("うーん", "ja"), ("なるほど〜", "ja"), ("ほんまおおきに", "ja"),
    ("ありがとうございました、とても参考になりました", "ja")])
def test_a_greeting_thanks_or_nod_is_asked_what_to_look_at(question: str, language: str) -> None:
    """Nothing is asked: no explanation of the last topic, no nearest tool; the questions the sensei answers
    (after "you're welcome" to thanks)."""
    planned = plan(question)
    text = compose(planned, [])
    assert planned.intent == "ask_back" and planned.small_talk and not planned.calls and not planned.knowledge
    assert text.startswith(say("welcome" if planned.thanked else "ask_what_to_see", language))
    assert planned.thanked == any(word in question.lower() for word in ("thank", "ありがと", "おおきに"))
    assert all(example in text for example in HELP_EXAMPLES[language])



def test_thanks_after_an_explanation_does_not_repeat_it() -> None:
    """A terse reply is read with the question before it ("Macです" after the font question), but thanks is not one."""
    question = "what is an attention sink?"
    context = after_turn(Context(), plan(question), question, ran=False)
    planned = plan("thank you!", context)
    assert planned.intent == "ask_back" and planned.small_talk and not planned.knowledge


# --- the analyses beyond raw attention ----------------------------------------------------------------


def test_rollout_answer_cites_the_rolled_out_tokens(minilm_session: Session) -> None:
    planned, outcomes, text = answer(f"Show the attention rollout of '{NLP}'")
    result = outcomes[0].result
    assert planned.knowledge[0] == "rollout" and outcomes[0].name == "attention_rollout"
    assert "**Attention rollout** of layers 0..5 (6 layers multiplied" in text
    assert all(f"`{item['token']}` {weight(item)}" in text for item in result["top_from_last_query"])
    assert all(weight(item) in text for item in result["raw_top_received"])
    assert "Prefer rollout" in text and "PNG, SVG and CSV" in text


def test_norms_answer_in_japanese_names_the_shrunken_sink(minilm_session: Session) -> None:
    planned, outcomes, text = answer(f"「{NLP}」のノルムに基づくAttentionを見せて")
    result = outcomes[0].result
    cls = result["per_token"][0]
    assert planned.language == "ja" and "norm_based" in planned.knowledge
    assert "**ノルムに基づく見方**" in text and "12 ヘッド分合計" in text
    assert f"「[CLS]」は生の重みでは {cls['raw_share']:.4f} を受けていますが" in text
    assert f"実際の寄与は {cls['norm_share']:.4f} にすぎません" in text
    assert all(weight(item) in text for item in result["top_norm"])
    assert "ノルムの見方を優先" in text


def test_layer_summary_answer_follows_the_pair(minilm_session: Session) -> None:
    _, outcomes, text = answer(f"How does the attention from 'love' to 'processing' change across layers in '{NLP}'?")
    result = outcomes[0].result
    assert outcomes[0].arguments["query"] == "love" and outcomes[0].arguments["key"] == "processing"
    assert "from “love” to “processing” (mean of heads)" in text
    assert " → ".join(f"{v:.4f}" for v in result["pair_per_layer"]) in text
    sink = result["sink_share_per_layer"]
    assert f"is {sink[0]:.4f} in layer 0 and {sink[-1]:.4f} in layer 5" in text
    assert f"would be {result['max_entropy_bits']:.4f} bits" in text


@pytest.mark.parametrize("language", ["en", "ja"])
def test_head_roles_answer_names_the_previous_token_head(minilm_session: Session, language: str) -> None:
    question = {"en": f"What are the head roles for '{NLP}'?", "ja": f"「{NLP}」のヘッドの役割を教えて"}[language]
    _, outcomes, text = answer(question)
    best = outcomes[0].result["strongest"]["previous"]
    assert (best["layer"], best["head"]) == (0, 2)
    if language == "en":
        assert f"strongest previous-token: layer 0, head 2 (score {best['score']:.4f})" in text
        assert "72 heads (6 layers × 12 heads)" in text
    else:
        assert f"直前トークン型 が最も強いのは層 0・ヘッド 2(スコア {best['score']:.4f})" in text
        assert "6 層 × 12 ヘッド、計 72 ヘッド" in text


def test_an_unsupported_norms_call_is_explained(minilm_session: Session) -> None:
    outcome = ToolFinished(call_id="c1", name="attention_norms", arguments={}, ok=False, summary="",
                           error="the norm-based view does not support this architecture (GPT2Model)")
    text = compose(plan("Show the norm-based view", Context(text=NLP), session_text=NLP), [outcome])
    assert "attention_norms failed" in text and "GPT2Model" in text


def test_word_level_heatmap_answer_names_the_merged_pieces_in_english(minilm_session: Session) -> None:
    _, outcomes, text = answer('Word-level heatmap of "Tokenization splits unbelievable words."')
    result = outcomes[0].result
    assert outcomes[0].arguments["words"] is True and result["merged_words"]
    first = result["merged_words"][0]
    assert f"`{first['word']}` = " + " + ".join(f"`{piece}`" for piece in first["pieces"]) in text
    assert "sum of its pieces' columns" in text and "mean of its pieces' rows" in text
    assert all(weight(item) in text for item in result["top_received"])


def test_word_level_line_answer_in_japanese_names_the_word(minilm_session: Session) -> None:
    answer('Heatmap of "Tokenization splits unbelievable words."')
    _, outcomes, text = answer("サブワードをまとめて「splits」からの折れ線グラフ", has_text=True)
    result = outcomes[0].result
    assert outcomes[0].arguments == {"layer": -1, "query": "splits", "words": True}
    assert "`splits`" in text and "単語単位" in text and "断片の行の平均" in text
    assert result["words"][0] == "[CLS]" and "Tokenization" in result["words"]


def test_comparison_of_two_sentences_cites_the_real_differences_in_english(minilm_session: Session) -> None:
    _, outcomes, text = answer('Compare "The cat sat on the mat." and "The dog sat on the mat."')
    result = outcomes[0].result
    assert outcomes[0].name == "compare_attention" and outcomes[0].ok and result["mode"] == "two texts"
    assert "only in a: `cat`; only in b: `dog`" in text and f"{result['aligned_count']} positions align" in text
    change = result["largest_changes"][0]
    pair = f"`{change['query']}`→`{change['key']}`"
    assert f"{pair} {change['a']:.4f} → {change['b']:.4f} ({change['diff']:+.4f})" in text
    assert f"Mean absolute difference {result['mean_abs_diff']:.4f}" in text and "red means b attends more" in text
    assert "Note: not aligned, so not in the difference: a: cat; b: dog" in text


def test_comparison_answer_in_japanese(minilm_session: Session) -> None:
    _, outcomes, text = answer("「The cat sat on the mat.」と「The dog sat on the mat.」のアテンションを比較して")
    result = outcomes[0].result
    assert outcomes[0].arguments == {"text_a": "The cat sat on the mat.", "text_b": "The dog sat on the mat.",
                                     "layer": -1}
    assert "**比較**(**minilm**・層 5・ヘッド平均)" in text and "a だけにあるのは `cat`" in text
    assert f"差の絶対値の平均は {result['mean_abs_diff']:.4f}" in text
    assert "対応が取れず差に含めなかったトークン:a は cat、b は dog。" in text


@pytest.mark.parametrize(
    ("question", "language"),
    [("Show the attention during generation for 'hello world', 3 new tokens", "en"),
     ("「hello world」の続きを3トークン生成するときのアテンションを見せて", "ja")],
)
def test_generation_answer_lists_each_new_token_with_its_real_weights(
    minilm_session: Session, tiny_models: dict[str, Path], question: str, language: str
) -> None:
    planned = plan(question)
    assert planned.calls[0].arguments["max_new_tokens"] == 3 and planned.calls[0].arguments["prompt"] == "hello world"
    outcomes = [run(c.name, {**c.arguments, "model": str(tiny_models["llama"])}) for c in planned.calls]
    result = outcomes[0].result
    assert outcomes[0].ok, outcomes[0].error
    text = compose(planned, outcomes)
    for step in result["steps"]:
        top = step["top"][0]
        assert f"`{step['token']}`" in text and f"`{top['token']}` {top['weight']:.4f}" in text
    assert f"{result['mean_prompt_share']:.4f}" in text
    assert ("貪欲法" if language == "ja" else "greedy decoding") in text


LONG = " ".join(["Attention lets every token look at every other token, and a heatmap shows where it looks."] * 30)


@pytest.mark.parametrize(("question", "marker"), [
    (f'Show the heatmap of "{LONG}"', "blocks of consecutive tokens were pooled (queries by 8, keys by 8)"),
    (f"「{LONG}」のヒートマップを見せて", "連続するトークンをブロックにまとめました(クエリは 8 個ずつ"),
])
def test_a_512_token_paragraph_gets_a_pooled_heatmap_and_says_so(minilm_session: Session, question: str,
                                                                   marker: str) -> None:
    _, outcomes, text = answer(question)
    result = outcomes[0].result
    assert outcomes[0].ok and len(result["tokens"]) == 512 and len(result["plotted_tokens"]) == 64
    assert "blocks of 8 tokens" in result["title"] and marker in text
    assert result["plotted_tokens"][1].startswith("8–15 ")


@pytest.mark.parametrize("question", ["How can I visualize attention?", "Attentionを可視化する方法を教えてください"])
def test_how_to_visualize_gets_the_menu_of_views_each_with_its_question(question: str) -> None:
    """#12: the ways to look at attention, not a heatmap straight away; every view the cards draw is listed."""
    planned = plan(question)
    assert planned.calls == () and "ways_to_visualize" in planned.knowledge
    text = compose(planned, [])
    from agent.cards import cards

    language = planned.language
    offered = suggestions(planned)  # the app's buttons: the same questions, in the answer's order
    views = [card for card in cards().values() if card.figure]
    assert len(offered) == len(views) and [q for q in offered if q in text] == list(offered)
    for card in views:
        assert card.description[language] in text, card.tool
        shown = card.showcase[0][language] if card.showcase else card.examples[language][0]
        assert shown in text and shown in offered, card.tool
    assert suggestions(plan("Show the heatmap of 'I love tea'")) == ()  # only a menu offers buttons


@pytest.mark.parametrize(("name", "arguments", "fix", "hint"), [
    ("plot_heatmap", {"text": NLP, "layer": 10}, "range", "-1 is the last"),
    ("plot_heatmap", {"text": ""}, "text", "Put the sentence in quotes"),
    ("plot_line", {"text": NLP, "query": "banana"}, "token", "Pick one of the tokens listed"),
    ("explain_reduction", {"expression": "os.system('ls')", "text": NLP}, "expression", "outputs.attentions"),
    ("plot_heatmap", {"text": NLP, "model": "no-such-org/no-such-model"}, "model", "which models can I use"),
    ("generation_attention", {"prompt": "Hello", "model": "minilm"}, "model", "which models can I use"),
])
def test_what_to_try_follows_the_kind_of_mistake_not_its_wording(
        minilm_session: Session, name: str, arguments: dict[str, Any], fix: str, hint: str) -> None:
    """The tool names the kind of mistake (ToolError.fix); the answer's advice is chosen by it, never by
    searching the English message (which says 'model' in a range error and 'index' in many)."""
    (outcome,) = [event for event in run_tool(default_registry(), minilm_session, "c1", name, arguments, 120.0)
                  if isinstance(event, ToolFinished)]
    assert not outcome.ok and outcome.result["error_fix"] == fix
    text = compose(plan(f"{name} please"), [outcome])
    assert hint in text
