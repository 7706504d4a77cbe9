"""Follow-ups resolve against the conversation: the sentence, model, layer, head and choices are kept.

Plan level (no model runs): each turn is planned with the memory the previous turn left, as the
offline sensei does when its calls succeed. Written for the mechanism, not taken from tests/heldout/.
"""

from __future__ import annotations

from typing import Any

import pytest

from agent.cards import cards
from agent.compose import compose
from agent.context import Context
from agent.events import ToolFinished
from agent.model_names import find_models
from agent.naming import named_views
from agent.offline import refused_choices
from agent.planner import Plan, after_turn, plan
from agent.planner_reading import read
from agent.spelling import standard
from tools.core.errors import out_of_range

CAT = "The cat sat on the mat."
CURRY = "今日はカレーライスを食べました。"


def converse(questions: list[str]) -> list[Plan]:
    context, session_text, plans = Context(), None, []
    for question in questions:
        planned = plan(question, context, session_text=session_text)
        plans.append(planned)
        context = after_turn(context, planned, question, ran=bool(planned.calls))  # as agent/offline.py keeps it
        session_text = context.text if planned.calls else session_text
    return plans


def call(planned: Plan) -> tuple[str, dict[str, Any]]:
    assert planned.calls, planned
    return planned.calls[0].name, planned.calls[0].arguments


def test_a_line_chart_of_it_keeps_the_sentence_and_the_special_tokens_dropped() -> None:
    first, second = converse([f"「{CURRY}」のヒートマップを[CLS]なしで", "それを折れ線グラフにして"])
    assert call(first) == ("plot_heatmap", {"layer": -1, "text": CURRY, "exclude_special": True})
    name, arguments = call(second)
    assert name == "plot_line" and arguments.get("exclude_special") is True and "text" not in arguments
    assert any("引き継ぎ" in line for line in second.interpretation)


@pytest.mark.parametrize(("follow_up", "expected"), [
    ("now layer 0", {"layer": 0}),
    ("what about head 3?", {"layer": 2, "head": 3}),
    ("and the last layer", {"layer": -1}),
])
def test_a_bare_follow_up_changes_only_what_it_names(follow_up: str, expected: dict[str, Any]) -> None:
    *_, last = converse([f"Show the heatmap of layer 2 for '{CAT}'", follow_up])
    name, arguments = call(last)
    assert name == "plot_heatmap" and "text" not in arguments
    assert {key: arguments.get(key) for key in expected} == expected


def test_a_concept_question_in_the_middle_runs_no_tool_and_keeps_the_conversation() -> None:
    heatmap, concept, again = converse([f"Show the heatmap of '{CAT}'", "What is an attention sink?",
                                        "show head 5"])
    assert concept.intent == "knowledge" and not concept.calls and "attention_sinks" in concept.knowledge
    name, arguments = call(again)
    assert name == "plot_heatmap" and arguments.get("head") == 5 and "text" not in arguments


def test_a_new_sentence_starts_the_choices_afresh() -> None:
    *_, last = converse([f"Heatmap of layer 1, head 4 for '{CAT}' without [CLS] and [SEP]",
                         "Show the heatmap of 'Dogs bark.'"])
    name, arguments = call(last)
    assert name == "plot_heatmap" and arguments["text"] == "Dogs bark."
    assert arguments["layer"] == -1 and "head" not in arguments and "exclude_special" not in arguments


@pytest.mark.parametrize(("follow_up", "tool"), [
    ("Line chart of layer 1", "plot_line"), ("All heads of layer 2", "plot_heads"),
    ("Heatmap of layer 0", "plot_heatmap"),
    ("「猫」からの折れ線グラフにして", "plot_line"), ("第1層の全ヘッドを並べて", "plot_heads"),
])
def test_a_follow_up_that_names_another_view_gets_it(follow_up: str, tool: str) -> None:
    *_, last = converse([f"Show the heatmap of layer 2 for '{CAT}'", follow_up])
    assert call(last)[0] == tool


@pytest.mark.parametrize("follow_up", ["do it for 'Dogs bark.'", "same for 'Dogs bark.'", "「Dogs bark.」でも"])
def test_a_new_sentence_alone_continues_the_tool_and_keeps_the_expression(follow_up: str) -> None:
    expression = "outputs.attentions[2].mean(dim=1)[0]"
    *_, last = converse([f"What does `{expression}` do?", follow_up])
    name, arguments = call(last)
    assert name == "explain_reduction" and arguments["text"] == "Dogs bark."
    assert arguments["expression"] == expression


@pytest.mark.parametrize(("turned_down", "layer"), [
    ("最終層じゃなくて第1層で", 0), ("not the last layer but layer 1", 1)])
def test_a_layer_turned_down_is_not_drawn(turned_down: str, layer: int) -> None:
    *_, last = converse([f"Compare '{CAT}' with 'The dog sat on the mat.'", turned_down])
    assert [planned.arguments.get("layer") for planned in last.calls] == [layer]


@pytest.mark.parametrize(("first", "concept", "entry"), [
    (f"「{CURRY}」のヘッドの役割を調べて", "シンクヘッドってなに？", "attention_sinks"),
    (f"Show the heatmap of '{CAT}'", "what does a bright column mean?", "heatmap_how_to_read"),
    (f"「{CURRY}」で層ごとの注目の変化をまとめて", "エントロピーが低いってどういう意味？", "attention_entropy"),
])
def test_a_what_is_question_after_a_tool_is_answered_not_run(first: str, concept: str, entry: str) -> None:
    _, asked = converse([first, concept])
    assert asked.intent == "knowledge" and not asked.calls and entry in asked.knowledge, asked


def test_continuing_that_sentence_gives_the_generation_its_prompt() -> None:
    *_, last = converse([f"「{CURRY}」のアテンションを取り出して", "その続きを3トークンだけ生成して"])
    name, arguments = call(last)
    assert name == "generation_attention" and arguments.get("prompt", CURRY) == CURRY
    assert arguments["max_new_tokens"] == 3


def test_a_clause_that_only_qualifies_asks_nothing() -> None:
    """「…はなぜ?BERTなのに」: the second clause names a model but asks for no switch."""
    *_, asked = converse(["cl-tohoku/bert-base-japaneseを使いたい", "「吾輩は猫である。」のヒートマップを見せて",
                          "右上が真っ黒なのはなぜ？BERTなのに"])
    assert asked.intent == "knowledge" and not asked.calls and "causal_mask" in asked.knowledge


@pytest.mark.parametrize("question", ["Load bert-base-uncased, exactly that one, not a substitute",
                                      "bert-base-uncasedを読み込んで。代わりのモデルじゃなくてそれ自体を使いたい"])
def test_asking_for_no_stand_in_loads_strictly(question: str) -> None:
    (planned,) = converse([question])
    assert call(planned) == ("load_model", {"model": "bert-base-uncased", "strict": True})


def test_a_token_count_alone_continues_the_generation() -> None:
    *_, last = converse(["「むかしむかし、」の続きを生成してattentionを見せて", "トークン数を20にして"])
    name, arguments = call(last)
    assert name == "generation_attention" and arguments["max_new_tokens"] == 20


@pytest.mark.parametrize("question", ["compare them", "比較おねがい"])
def test_a_named_tool_with_nothing_to_run_on_asks_back_with_it_first(question: str) -> None:
    (planned,) = converse([question])
    assert planned.intent == "ask_back" and not planned.calls
    assert planned.suggestions[0].label == "tool:compare_attention"


def test_a_token_count_in_english_continues_the_generation() -> None:
    *_, last = converse(["have gemma continue 'Once upon a time' and show the attention", "8 tokens max"])
    name, arguments = call(last)
    assert name == "generation_attention" and arguments["max_new_tokens"] == 8
    assert arguments.get("prompt", "Once upon a time") == "Once upon a time"


@pytest.mark.parametrize("follow_up", ["same comparison but the first layer", "さっきの比較を1層目で"])
def test_the_compared_pair_is_kept_across_a_concept_turn(follow_up: str) -> None:
    *_, last = converse([f"compare minilm, gemma and smollm2 on '{CAT}'",
                         "why does gemma's map fill only the lower triangle?", follow_up])
    name, arguments = call(last)
    assert name == "compare_attention" and arguments["layer"] == 0
    assert (arguments["model"], arguments["model_b"], arguments["model_c"]) == ("minilm", "gemma-270m", "smollm2-135m")


def test_reading_the_difference_map_after_a_comparison_is_a_concept() -> None:
    *_, last = converse([f"compare '{CAT}' with 'The dog sat on the mat.'", "how do I read the difference map?"])
    assert last.intent == "knowledge" and not last.calls


def test_do_it_again_with_another_model_keeps_the_generation() -> None:
    *_, last = converse(["Let the llama model continue 'In the morning I' for 12 tokens and show the attention",
                         "what does each row in that figure mean?", "do it again with gemma"])
    name, arguments = call(last)
    assert name == "generation_attention" and arguments["model"] == "gemma-270m" and arguments["max_new_tokens"] == 12


@pytest.mark.parametrize(("question", "expected"), [
    ("「むかしむかし」の続きを生成して", None), ("それを20トークンまで伸ばして", 20)])
def test_a_longer_generation_in_japanese(question: str, expected: int | None) -> None:
    *_, last = converse(["「むかしむかし」の続きを生成して", question])
    assert call(last)[1].get("max_new_tokens") == expected


def test_a_concept_answer_offers_its_tool_to_a_bare_request_after_it() -> None:
    """「ロールアウトって何?」 then 「実際に描いてみせて」: the view the explanation is about."""
    concept, drawn = converse(["ロールアウトって何？", "実際に描いてみせて。文は \"Cats are cute animals.\""])
    assert concept.intent == "knowledge" and concept.context.offered == "attention_rollout"
    assert call(drawn)[0] == "attention_rollout" and call(drawn)[1]["text"] == "Cats are cute animals."


def test_a_fixed_colour_scale_is_kept_for_the_next_map() -> None:
    first, second = converse([f"heatmap of '{CAT}' with the colour scale fixed 0 to 1", "now layer 0"])
    assert call(first)[1]["color_max"] == 1.0 and call(second)[1]["color_max"] == 1.0


def test_a_pair_written_with_an_arrow_is_query_and_key() -> None:
    *_, last = converse(["layer summary for 'The keys to the cabinet are on the table.'",
                         "track 'are' -> 'keys' across the layers"])
    name, arguments = call(last)
    assert name == "layer_summary" and (arguments["query"], arguments["key"]) == ("are", "keys")
    assert "text" not in arguments  # the conversation's sentence, which the session holds


@pytest.mark.parametrize("question", ["what's an induction head anyway?", "what are Q, K and V?"])
def test_what_is_a_thing_after_a_tool_is_a_concept(question: str) -> None:
    *_, last = converse([f"which heads are previous-token heads in '{CAT}'?", question])
    assert not last.calls, last


def test_the_query_named_after_kueri_wa() -> None:
    *_, last = converse(['"The girl called the police." のヒートマップ', "同じ設定で折れ線、クエリはcalled"])
    assert call(last) == ("plot_line", {**call(last)[1], "query": "called"})


CHASE, BARK = "Cats chase mice.", "Dogs bark at night."
CHASE_JA, BARK_JA = "猫がネズミを追う。", "犬が夜に吠える。"


@pytest.mark.parametrize(("first", "again", "new", "view"), [
    (f"Heatmap of layer 2, head 3 for '{CHASE}'", f"now try '{BARK}'", BARK, (2, 3)),
    (f"「{CHASE_JA}」の第3層ヘッド4のヒートマップ", f"じゃあ「{BARK_JA}」は？", BARK_JA, (2, 4)),
])
def test_only_a_new_sentence_keeps_the_view_and_its_choices(first: str, again: str, new: str,
                                                           view: tuple[int, int]) -> None:
    _, second = converse([first, again])
    name, arguments = call(second)
    assert name == "plot_heatmap" and arguments["text"] == new
    assert (arguments["layer"], arguments["head"]) == view


def test_a_new_sentence_keeps_the_tokens_it_has_and_drops_the_others() -> None:
    big, small, other = converse(["track it → trophy across layers in 'The trophy didn't fit because it was big.'",
                                  "try 'The trophy didn't fit because it was small.'", "now 'Birds sing.'"])
    for planned in (big, small):
        name, arguments = call(planned)
        assert name == "layer_summary" and (arguments["query"], arguments["key"]) == ("it", "trophy")
    assert call(small)[1]["text"].endswith("small.")
    assert not {"query", "key"} & set(call(other)[1])


@pytest.mark.parametrize(("questions", "pair"), [
    ([f"Heatmap of '{CHASE}'", f"now try '{BARK}'", "compare the two"], (CHASE, BARK)),
    ([f"「{CHASE_JA}」のヒートマップ", f"じゃあ「{BARK_JA}」は？", "2つの文を比べて"], (CHASE_JA, BARK_JA)),
])
def test_compare_the_two_compares_the_conversations_last_two_sentences(questions: list[str],
                                                                      pair: tuple[str, str]) -> None:
    *_, compared = converse(questions)
    name, arguments = call(compared)
    assert name == "compare_attention" and (arguments["text_a"], arguments["text_b"]) == pair


def test_back_to_the_first_sentence_analyses_it_again_with_the_view_going_on() -> None:
    *_, back = converse([f"Heatmap of '{CHASE}'", f"now try '{BARK}'", "back to the first sentence, layer 2"])
    assert call(back) == ("plot_heatmap", {"layer": 2, "text": CHASE})


@pytest.mark.parametrize(("first", "more"), [
    ("With gemma, generate 10 new tokens from 'The weather today is' and show the attention", "5 more tokens"),
    ("smollmで \"The best way to learn is\" の続き10トークン", "あと5トークン"),
])
def test_more_tokens_adds_to_the_last_generation(first: str, more: str) -> None:
    _, again = converse([first, more])
    assert call(again)[0] == "generation_attention" and call(again)[1]["max_new_tokens"] == 15


def test_a_switch_with_this_time_or_same_chart_keeps_the_view() -> None:
    *_, again = converse(["'the movie was not good' third layer heatmap", "second head",
                          "without the special tokens this time"])
    assert call(again) == ("plot_heatmap", {"layer": 2, "head": 1, "exclude_special": True})


def test_a_hub_id_keeps_the_case_it_was_written_in() -> None:
    loaded, = converse(["Load TinyLlama/TinyLlama-1.1B-Chat-v1.0"])
    assert call(loaded) == ("load_model", {"model": "TinyLlama/TinyLlama-1.1B-Chat-v1.0"})


@pytest.mark.parametrize(("first", "add"), [
    ("compare minilm and gemma on 'Dogs bark.'", "add smollm2 as a third one"),
    ("minilmとgemmaで\"Dogs bark.\"を比較", "smollm2も追加して3つで"),
])
def test_a_model_added_to_a_comparison_of_two_is_the_third(first: str, add: str) -> None:
    _, added = converse([first, add])
    name, arguments = call(added)
    assert name == "compare_attention"
    assert (arguments["model"], arguments["model_b"], arguments["model_c"]) == ("minilm", "gemma-270m", "smollm2-135m")


def test_the_second_sentence_of_a_comparison_alone_keeps_the_layer() -> None:
    _, alone = converse(["「母が車を買った」と「父が車を売った」を第2層で比べて",
                         "2つ目の文だけヒートマップでお願いします。同じ層で"])
    assert call(alone)[0] == "plot_heatmap" and call(alone)[1]["text"] == "父が車を売った"
    assert call(alone)[1]["layer"] == 1


@pytest.mark.parametrize("again", ["and with dim=0?", "dim=0にしたら？"])
def test_a_bare_dim_after_an_explained_expression_edits_that_expression(again: str) -> None:
    *_, edited = converse(["what does torch.mean(outputs.attentions[2], dim=1)[0] do for 'Cats chase mice.'", again])
    assert call(edited) == ("explain_reduction", {"expression": "torch.mean(outputs.attentions[2], dim=0)[0]"})


@pytest.mark.parametrize(("question", "top"), [
    ("Heatmap for 'Cats chase mice.' with the colour scale capped at 0.5", 0.5),
    ("「山に登った」の層0、色の上限を0.3にしてヒートマップ", 0.3),
    ("heatmap of 'Cats chase mice.' with colour max 1", 1.0),
])
def test_the_colour_scale_top_is_read_as_written(question: str, top: float) -> None:
    planned, = converse([question])
    assert call(planned)[0] == "plot_heatmap" and call(planned)[1]["color_max"] == top


@pytest.mark.parametrize(("follow_up", "layer"), [("第2層だとどうなりますか?", 1),
                                                  ("what would layer 4 look like?", 4)])
def test_a_bare_what_if_about_another_layer_redraws_the_view(follow_up: str, layer: int) -> None:
    """「第2層だとどうなりますか?」 after a figure asks for that figure at the second layer, though it is worded as
    a question."""
    *_, last = converse([f"「{CURRY}」の折れ線グラフを「食べ」から", follow_up])
    name, arguments = call(last)
    assert name == "plot_line" and arguments["layer"] == layer and arguments.get("query") == "食べ"


def test_how_is_that_different_after_a_figure_is_a_concept() -> None:
    *_, last = converse([f"attention rollout of '{CAT}'", "How is that different from the last layer's weights?"])
    assert last.intent == "knowledge" and not last.calls


@pytest.mark.parametrize(("follow_up", "dropped"), [
    ("now without the numbers", "annotate"), ("数値はなしで", "annotate"),
    ("keep [CLS] and [SEP] this time", "exclude_special"), ("やっぱり[CLS]は消さないで", "exclude_special"),
    ("ヘッドは指定しないで", "head"), ("いや、ヘッドじゃなくて層の平均で", "head"),
])
def test_a_choice_turned_off_is_not_kept(follow_up: str, dropped: str) -> None:
    """Session 7 (dev8): "without the numbers", 「[CLS]は消さないで」, 「ヘッドは指定しないで」 after a heatmap that had
    them: the same view, without that choice (the rest is kept)."""
    first, last = converse([f"Heatmap of layer 2, head 3 of '{CAT}' with the numbers in the cells, without [CLS]",
                            follow_up])
    assert {"annotate", "exclude_special", "head"} <= set(call(first)[1])
    name, arguments = call(last)
    assert name == "plot_heatmap" and dropped not in arguments and arguments["layer"] == 2
    assert {"annotate", "exclude_special", "head"} - {dropped} <= set(arguments)


def test_a_head_the_grid_cannot_take_opens_that_heads_own_map() -> None:
    *_, last = converse([f"「{CURRY}」の全ヘッドを並べて", "ヘッド2だけ大きく"])
    assert call(last) == ("plot_heatmap", {"layer": -1, "head": 2})


def test_two_models_after_two_sentences_compare_the_models() -> None:
    *_, last = converse([f"Compare '{CAT}' with 'The dog sat on the mat.'",
                         f"no, not the sentences: '{CAT}' on minilm vs gemma"])
    name, arguments = call(last)
    assert name == "compare_attention" and arguments["model_b"] == "gemma-270m" and "text_b" not in arguments


def test_from_one_word_to_another_is_query_and_key_as_the_sentence_writes_them() -> None:
    *_, last = converse(["how does 'Alice thanked Bob' change across layers, from Bob to Alice?"])
    name, arguments = call(last)
    assert (arguments.get("query"), arguments.get("key")) == ("Bob", "Alice"), arguments


@pytest.mark.parametrize(("follow_up", "layer"), [
    ("one layer up", 3), ("and the next layer?", 3), ("two layers down", 0), ("the previous layer", 1),
    ("じゃあ次の層は?", 3), ("ひとつ前の層で", 1),
])
def test_a_layer_next_to_the_one_shown(follow_up: str, layer: int) -> None:
    """Session 7 (dev9): "one layer up", 「次の層」, 「ひとつ前の層」 count from the layer just shown."""
    *_, last = converse([f"Line chart of layer 2 for '{CAT}' from 'cat'", follow_up])
    name, arguments = call(last)
    assert name == "plot_line" and arguments["layer"] == layer and arguments.get("query") == "cat"


def test_the_layer_before_the_last_and_then_the_next() -> None:
    first, second = converse([f"heatmap of the layer before the last for '{CAT}'", "next layer"])
    assert call(first)[1]["layer"] == -2 and call(second)[1]["layer"] == -1


@pytest.mark.parametrize("question", ["and head 4?", "じゃあ次の層は?", "数値なしで", "now without [CLS]"])
def test_a_follow_up_with_nothing_before_it_asks_back(question: str) -> None:
    """Session 7 (dev9): a follow-up with no conversation before it has no sentence or view to change."""
    (only,) = converse([question])
    assert only.intent == "ask_back" and not only.calls


def test_extra_tokens_add_to_the_generation() -> None:
    *_, last = converse(["generate 10 tokens from 'Once upon a time'", "give it 5 extra tokens"])
    assert call(last) == ("generation_attention", {"prompt": "Once upon a time", "max_new_tokens": 15, "layer": -1})


@pytest.mark.parametrize("request_for_code", ["the code for this figure please", "この図のコードもらえる?"])
def test_asking_for_the_code_of_the_figure_draws_it_again_with_its_script(request_for_code: str) -> None:
    """Session 7 (dev9): every figure comes with its script; asked for "the code for this figure", the answer is
    that figure again (same sentence, layer, query) with its script, beside the explanation of the script."""
    *_, last = converse([f"Line chart of layer 2 for '{CAT}' from 'cat'", request_for_code])
    assert last.demonstrates and "reproduce_code" in last.knowledge
    assert call(last) == ("plot_line", {"layer": 2, "query": "cat"})


@pytest.mark.parametrize("back", ["go back to the first figure", "最初の図に戻って"])
def test_back_to_the_first_figure_restores_its_view_and_choices(back: str) -> None:
    """Session 7 (dev9): the conversation remembers its figures; 'the first figure' is that view again with its
    sentence, layer, head and choices, whatever came after."""
    *_, last = converse([f"heatmap of layer 1, head 2 of '{CAT}' without [CLS]", "now the line chart from 'cat'",
                         "Heatmap of 'Dogs bark.'", back])
    name, arguments = call(last)
    assert name == "plot_heatmap" and arguments["text"] == CAT
    assert (arguments["layer"], arguments["head"], arguments["exclude_special"]) == (1, 2, True)


def test_the_figures_are_saved_with_the_conversation() -> None:
    *_, last = converse([f"heatmap of layer 1 of '{CAT}'", "now the line chart from 'cat'"])
    saved = Context.from_dict(last.context.to_dict())
    assert [view["tool"] for view in saved.views] == ["plot_heatmap", "plot_line"]
    assert saved.views[0]["choices"]["layer"] == 1


def test_a_comparison_of_models_forgets_the_second_sentence_for_the_next_turns() -> None:
    *_, last = converse([f"Compare '{CAT}' with 'The dog sat on the mat.'", f"'{CAT}' on minilm vs gemma instead",
                         "and head 2?"])
    name, arguments = call(last)
    assert name == "compare_attention" and arguments["model_b"] == "gemma-270m" and "text_b" not in arguments


@pytest.mark.parametrize("second", ["ok just the second one as a heatmap", "後の方だけヒートマップで"])
def test_one_of_the_two_compared_sentences_is_taken_on(second: str) -> None:
    """Session 7 (dev12): after comparing two sentences, "just the second one" / 「後の方だけ」 is that sentence."""
    *_, last = converse([f"Compare '{CAT}' with 'The dog sat on the mat.'", second])
    assert call(last)[0] == "plot_heatmap" and call(last)[1]["text"] == "The dog sat on the mat."


@pytest.mark.parametrize("longer", ["longer", "もっと続けて"])
def test_longer_continues_the_generation(longer: str) -> None:
    *_, last = converse(["generate 10 tokens from 'Once upon a time'", longer])
    assert call(last) == ("generation_attention", {"prompt": "Once upon a time", "max_new_tokens": 20, "layer": -1})


@pytest.mark.parametrize(("follow_up", "tool"), [
    ("同じ設定でブラウザで触れるページにして", "explore_attention"), ("ヘッド1の数値", "inspect_attention"),
    ("ヘッドを平均したやつを図にして", "plot_heatmap"),
])
def test_views_named_as_learners_name_them_in_a_conversation(follow_up: str, tool: str) -> None:
    *_, last = converse([f"「{CURRY}」の全ヘッドを並べて", follow_up])
    assert call(last)[0] == tool


@pytest.mark.parametrize("again", ["gemmaでも同じの", "same on smollm2?"])
def test_the_same_with_another_model_redraws_the_view(again: str) -> None:
    *_, last = converse([f"Heatmap of layer 1 for '{CAT}'", again])
    name, arguments = call(last)
    assert name == "plot_heatmap" and arguments["layer"] == 1 and arguments["model"] in ("gemma-270m", "smollm2-135m")


def test_extract_the_attention_is_the_extraction() -> None:
    (only,) = converse(["Could you please extract the attention for 'I bought a new phone'?"])
    assert call(only)[0] == "extract_attention"


def test_the_code_of_a_three_d_figure_is_that_figure_again() -> None:
    *_, last = converse([f"3D bars of layer 1 for '{CAT}'", "can I get the script for that figure?"])
    assert last.demonstrates and call(last) == ("plot_3d", {"layer": 1})


@pytest.mark.parametrize(("follow_up", "expected"), [
    ("k, and for layer zero?", {"layer": 0, "annotate": True}),
    ("数値はもういいです。[CLS]も外して", {"layer": 2, "annotate": None, "exclude_special": True}),
])
def test_what_the_thirteenth_set_found(follow_up: str, expected: dict[str, Any]) -> None:
    """Session 7 (dev13): an index in words ("layer zero"); 「数値はもういいです」 turns the numbers off;
    「[CLS]も外して」 drops the special tokens."""
    *_, last = converse([f"Heatmap of layer 2 for '{CAT}' with the numbers in the cells", follow_up])
    name, arguments = call(last)
    assert name == "plot_heatmap" and {key: arguments.get(key) for key in expected} == expected


def test_back_to_the_first_of_a_view_named_restores_it() -> None:
    *_, last = converse([f"「{CURRY}」のロールアウトを0層から", "3層からにして", "ヒートマップにして",
                         "最初のロールアウトに戻して"])
    assert call(last) == ("attention_rollout", {"start_layer": 0})


def test_a_saved_figure_of_a_tool_no_longer_here_names_nothing() -> None:
    """A session file may hold a figure of a tool that has since gone: going back to a view named skips it."""
    saved = Context.from_dict({"text": CAT, "tool": "plot_heatmap",
                               "views": [{"tool": "gone_tool", "text": CAT, "model": None, "choices": {}}]})
    planned = plan("最初のロールアウトに戻して", saved)
    assert planned.intent in ("attention_rollout", "ask_back", "knowledge")


@pytest.mark.parametrize(("question", "tool", "arguments"), [
    ("For tomorrow's talk, a 'before and after' slide: could you draw the heatmap of 'Birds sing at dawn'?",
     "plot_heatmap", {"text": "Birds sing at dawn"}),
    ("My tutor keeps saying 'look at the heads'. Could you show every head of layer 1 for 'Birds sing at dawn'?",
     "plot_heads", {"text": "Birds sing at dawn", "layer": 1}),
    ("先輩に「派手な図」を頼まれました。「鳥が朝に歌う」のヒートマップをお願いします",
     "plot_heatmap", {"text": "鳥が朝に歌う"}),
    ("記事で「最初のトークンに集まる」と読みました。「鳥が朝に歌う」で確かめられますか？",
     "plot_line", {"text": "鳥が朝に歌う"}),  # (what each token receives shows where attention gathers)
])
def test_a_title_or_words_someone_said_are_not_the_sentence(question: str, tool: str, arguments: dict[str, Any]
                                                             ) -> None:
    """Session 13 (dev31): a quoted title, what someone said, asked for or read stands beside the sentence."""
    name, given = call(converse([question])[-1])
    assert name == tool and {key: given.get(key) for key in arguments} == arguments


@pytest.mark.parametrize("question", [
    "For a report I might paste in 3,000 tokens of text. What goes wrong with inputs that long?",
    "研究で長い文書を丸ごと入れて解析するつもりです。入力が長すぎると何が困るんですか？",
    "A friend averages the heads before plotting. What information is lost when you average over the heads?",
])
def test_a_story_that_ends_in_a_concept_question_is_explained(question: str) -> None:
    """Session 13 (dev31): a story, then a question about a concept; "3,000 tokens" is no count to generate."""
    planned = converse([question])[-1]
    assert planned.intent == "knowledge" and not planned.calls, planned


@pytest.mark.parametrize(("question", "tool", "arguments"), [
    ("Would it be possible to run 'Birds sing at dawn' through minilm, gemma and smollm2 together?",
     "compare_attention", {"model_b": "gemma-270m", "model_c": "smollm2-135m"}),
    ("「鳥が朝に歌う」の3層目を、数値入りのヒートマップにできたりしますか？", "plot_heatmap",
     {"layer": 2, "annotate": True}),
    ("'Birds sing at dawn' を minilm、gemma、smollm2 で並べてもらえますか？", "compare_attention",
     {"model_c": "smollm2-135m"}),
])
def test_polite_requests_are_requests(question: str, tool: str, arguments: dict[str, Any]) -> None:
    """Session 13: "would it be possible to …", 「…にできたりしますか」, 「並べてもらえますか」 ask for the figure."""
    name, given = call(converse([question])[-1])
    assert name == tool and {key: given.get(key) for key in arguments} == arguments


def test_a_third_model_added_to_a_comparison_in_passing() -> None:
    *_, last = converse([f"Compare minilm and gemma on '{CAT}'", "nice. could smollm2 join in too?"])
    assert call(last)[0] == "compare_attention" and call(last)[1].get("model_c") == "smollm2-135m"


def test_the_sentence_of_a_concept_question_is_the_next_figures() -> None:
    """A concept asked about the learner's own sentence: the figure asked next is of that sentence."""
    *_, last = converse(["Does attention usually get sharper in deeper layers, say for 'Rivers run to the sea'?",
                         "show me every head of layer 4 then"])
    assert call(last) == ("plot_heads", {"layer": 4, "text": "Rivers run to the sea"})


def test_more_tokens_after_another_view_goes_on_with_the_generation() -> None:
    *_, last = converse(["Continue 'Once upon a time' for 5 tokens", "where does the last token look, as a line?",
                         "ok, let it generate 5 more"])
    name, arguments = call(last)
    assert name == "generation_attention" and arguments["prompt"] == "Once upon a time"
    assert arguments["max_new_tokens"] == 10


@pytest.mark.parametrize(("follow_up", "expected"), [
    ("<bos>が眩しすぎる。それを除いたものを", {"exclude_special": True}),
    ("[CLS] takes all the colour, could you hide it?", {"exclude_special": True}),
])
def test_a_special_token_named_then_pointed_at_is_dropped(follow_up: str, expected: dict[str, Any]) -> None:
    *_, last = converse([f"Heatmap of layer 2 for '{CAT}'", follow_up])
    name, arguments = call(last)
    assert name == "plot_heatmap" and {key: arguments.get(key) for key in expected} == expected


def test_one_sentence_of_the_pair_keeps_the_comparisons_layer() -> None:
    *_, last = converse(["「猫が好き」と「猫は好き」を比べて", "最初の層で",
                         "「猫は好き」のほうだけ、ヘッドを全部並べて"])
    assert call(last) == ("plot_heads", {"layer": 0, "text": "猫は好き"})


def test_whether_every_head_agrees_is_asked_by_the_heads_grid() -> None:
    *_, last = converse([f"Where does 'cat' look in '{CAT}'?", "and do all the heads of that layer agree on that?"])
    assert call(last)[0] == "plot_heads"


def test_a_view_told_of_is_no_view_asked_for() -> None:
    *_, last = converse([f"What are the tokens and shapes of '{CAT}'?",
                         "OK, the shapes are what I expected. Now I'd like the exact numbers of layer 2."])
    assert call(last)[0] == "inspect_attention" and call(last)[1].get("layer") == 2


def test_the_generation_turned_down_is_not_drawn_again() -> None:
    *_, last = converse(["Continue 'Once upon a time' for 5 tokens",
                         "Forget the generating. Which token of the prompt receives the most attention?"])
    assert call(last)[0] == "plot_line"


@pytest.mark.parametrize(("questions", "entry"), [
    (["My students asked why each new token only ever looks backwards. What do I tell them?"], "causal_mask"),
    (["友達に「行は足すと1なのに列はそうならないのはなんで？」と聞かれました。どう答えればいいですか？"],
     "softmax_rows_sum_to_one"),
    (["In my notes the tokenizer turns 'playing' into 'play' and '##ing'. What do the ## marks mean?"],
     "subword_tokens"),
])
def test_a_question_someone_asked_the_learner_is_answered(questions: list[str], entry: str) -> None:
    """Session 13 (dev31): a question reported or quoted ("he asked why …", 「「…なんで？」と聞かれました」) is what
    the learner asks; a statement of what was seen before it ("the tokenizer turns 'playing' into …") asks
    for nothing."""
    planned = converse(questions)[-1]
    assert planned.intent == "knowledge" and entry in planned.knowledge, planned


def test_a_view_turned_down_is_not_gone_on_with() -> None:
    *_, last = converse(["「吾輩は猫である。」の続きを5トークン生成して",
                         "生成はもういいので、注目をいちばん集めているトークンを折れ線で"])
    assert call(last)[0] == "plot_line"


def test_the_numbers_behind_a_view_are_the_numbers() -> None:
    *_, last = converse([f"Heatmap of layer 1 for '{CAT}'", "could I have the plain numbers behind that heatmap?"])
    assert call(last) == ("inspect_attention", {"layer": 1})


def test_a_heatmaps_layer_is_not_where_the_rollout_starts() -> None:
    """Session 14 (dev33): a choice goes on to another view only as the argument it was set as; 'that layer'
    keeps it."""
    *_, flow = converse([f"Heatmap of '{CAT}' at layer 4", "ok, and the flow through all the layers combined"])
    assert call(flow) == ("attention_rollout", {})
    *_, kept = converse([f"Heatmap of '{CAT}' at layer 4", "the flow through all the layers combined from that layer"])
    assert call(kept) == ("attention_rollout", {"start_layer": 4})


@pytest.mark.parametrize(("questions", "tool"), [
    ([f"all heads of layer 0 for '{CAT}'", "and per head, over the whole model?"], "head_roles"),
    ([f"For '{CAT}', how does each layer's share on [CLS] change with depth?",
      "and the combined flow through all layers?"], "attention_rollout"),
    ([f"「{CURRY}」の最終層、ヘッドを全部並べて", "モデル全体だと、ヘッドごとの役割はどうなってる？"], "head_roles"),
    ([f"「{CURRY}」のヒートマップ", "層が深くなるにつれて、<bos>に集まる割合ってどう変わっていくの？"],
     "layer_summary"),
])
def test_another_view_only_named_in_a_conversation_is_drawn(questions: list[str], tool: str) -> None:
    assert call(converse(questions)[-1])[0] == tool


@pytest.mark.parametrize(("questions", "expected"), [
    ([f"Compare '{CAT}' and 'The dog sat on the rug.' at layer 3", "just the second one by itself"],
     ("plot_heatmap", {"layer": 3, "text": "The dog sat on the rug."})),
    ([f"Heatmap of '{CAT}' with gemma", "line chart from 'cat'", "ok, compare them"], None),
    (["『彼女は笑った』ヒートマップ", "『彼女は泣いた』も", "次は比べて"],
     ("compare_attention", {"layer": -1, "text_a": "彼女は笑った", "text_b": "彼女は泣いた"})),
])
def test_one_side_of_a_pair_and_a_pair_from_the_conversation(questions: list[str], expected: Any) -> None:
    planned = converse(questions)[-1]
    if expected is None:  # one sentence only: which two?
        assert planned.intent == "ask_back", planned
    else:
        assert call(planned) == expected


@pytest.mark.parametrize(("questions", "expected"), [
    ([f"Heatmap of '{CAT}'", "ok use minilm then"], ("load_model", {"model": "minilm"})),
    ([f"「{CURRY}」で「カレー」がどこを見てるか線グラフで", "これ、GPTっぽいモデルだとどうなる？"],
     ("plot_line", {"layer": -1, "model": "gemma-270m"})),
    ([f"Heatmap of '{CAT}'", "switch to gemma for the rest of this"], ("load_model", {"model": "gemma-270m"})),
])
def test_a_model_asked_for_redraws_the_view_unless_it_is_loaded(questions: list[str], expected: Any) -> None:
    name, arguments = call(converse(questions)[-1])
    assert (name, {key: arguments.get(key) for key in expected[1]}) == expected


@pytest.mark.parametrize(("questions", "expected"), [
    (["『昔々あるところに』の続き生成して", "30トークンで", "あと10"],
     ("generation_attention", {"max_new_tokens": 40})),
    ([f"heatmap for '{CAT}'", "merged words"], ("plot_heatmap", {"words": True})),
    (["ひーとまっぷ『電車が遅れた』", "6そう", "へっど2"], ("plot_heatmap", {"layer": 6, "head": 2})),
    (["ヒートマップ『猫が好き』", "layer 3のやつ", "2番目のhead"], ("plot_heatmap", {"layer": 3, "head": 1})),
    (["トークン見せて『東京に登った』", "層12の数値", "それ図にして", "もう1個深いとこ"],
     ("plot_heatmap", {"layer": 13})),
    ([f"line chart '{CAT}' from 'sat'", "avg over all tokens instead, not just one"], ("plot_line", {"query": None})),
    (["層ごとの推移『赤い花が咲いた』", "花→赤い を追って"], ("layer_summary", {"query": "花", "key": "赤い"})),
    ([f"Heatmap of '{CAT}'", "数値も"], ("plot_heatmap", {"annotate": True})),
])
def test_terse_follow_ups(questions: list[str], expected: Any) -> None:
    """Session 14 (dev34): what people type after the first figure."""
    name, arguments = call(converse(questions)[-1])
    assert (name, {key: arguments.get(key) for key in expected[1]}) == expected


@pytest.mark.parametrize(("questions", "expected"), [
    (["What does torch.mean(outputs.attentions[-1], dim=1)[0] do, for 'Coffee keeps me awake'?",
      "draw what the dim=1 version gives"], ("plot_heatmap", {"layer": -1, "head": None})),
    ([f"「{CURRY}」で outputs.attentions[2][0] の形がどうなるか説明して", "それに .mean(dim=0) を付けたら？"],
     ("explain_reduction", {"expression": "outputs.attentions[2][0].mean(dim=0)"})),
    (["What does torch.mean(outputs.attentions[-1], dim=1)[0] do?", "[0]抜いたら？"],
     ("explain_reduction", {"expression": "torch.mean(outputs.attentions[-1], dim=1)"})),
    ([f"Tokens and shapes of '{CAT}'", "the numbers of layer 1 head 3", "as a picture now, same head"],
     ("plot_heatmap", {"layer": 1, "head": 3})),
])
def test_an_expression_edited_or_drawn_and_numbers_drawn(questions: list[str], expected: Any) -> None:
    name, arguments = call(converse(questions)[-1])
    assert (name, {key: arguments.get(key) for key in expected[1]}) == expected


@pytest.mark.parametrize(("questions", "expected"), [
    ([f"Heatmap of '{CAT}' at layer 2", "change 'mat' to 'rug'"],
     ("plot_heatmap", {"text": "The cat sat on the rug.", "layer": 2})),
    ([f"Heatmap of '{CAT}'", "what if it said dog instead of cat?"],
     ("plot_heatmap", {"text": "The dog sat on the mat."})),
    ([f"Heatmap of '{CAT}'", "swap 'cat' and 'mat'"], ("plot_heatmap", {"text": "The mat sat on the cat."})),
    ([f"line chart of '{CAT}' from 'sat'", "what if it ends with 'on the sofa' instead?"],
     ("plot_line", {"text": "The cat sat on the sofa.", "query": "sat"})),
    (["「猫が魚を食べた」のヒートマップ", "「魚」を「肉」に変えて"], ("plot_heatmap", {"text": "猫が肉を食べた"})),
    (["「猫が魚を食べた」のヒートマップ", "「猫」じゃなくて「犬」だったら？"],
     ("plot_heatmap", {"text": "犬が魚を食べた"})),
])
def test_an_edit_of_the_sentence_shown_redraws_the_view_on_it(questions: list[str], expected: Any) -> None:
    """Session 15: 'change X to Y', swaps and new endings rewrite the conversation's sentence."""
    name, arguments = call(converse(questions)[-1])
    assert (name, {key: arguments.get(key) for key in expected[1]}) == expected


RIVER, MONEY = "We sat on the bank of the river.", "The bank raised interest rates."


@pytest.mark.parametrize(("pointer", "text"), [
    ("now the river sentence again", RIVER),
    ("and for the 'river' one?", RIVER),
    ("no wait, the other sentence", RIVER),
    ("the longer one please", RIVER),
    ("the one with 'river', same layer", RIVER),
])
def test_a_sentence_called_by_a_word_of_it_its_length_or_the_other(pointer: str, text: str) -> None:
    *_, last = converse([f"Heatmap of '{RIVER}' at layer 1", f"and '{MONEY}'?", pointer])
    name, arguments = call(last)
    assert (name, arguments.get("text"), arguments.get("layer")) == ("plot_heatmap", text, 1)


@pytest.mark.parametrize(("questions", "expected"), [
    (["「猫が魚を食べた。」のヒートマップ", "3層目にして", "あ、違う、層じゃなくてヘッドのほう。3番目のヘッド"],
     ("plot_heatmap", {"layer": -1, "head": 2})),
    ([f"line chart of '{CAT}' from 'sat'", "is this the last layer? try the 2nd layer"],
     ("plot_line", {"layer": 1, "query": "sat"})),
    ([f"rollout of '{CAT}'", "skip the first 2 layers in that"], ("attention_rollout", {"start_layer": 2})),
    ([f"「{CURRY}」のロールアウト", "最初の層は入れずに、3から"], ("attention_rollout", {"start_layer": 3})),
    ([f"Heatmap of '{CAT}' at head 3", "いや、やっぱりヘッド3だけじゃなくて平均のほうで"],
     ("plot_heatmap", {"head": None})),
    (["what models do you have?", "minilmにして"], ("load_model", {"model": "minilm"})),
    ([f"line chart of '{CAT}' from 'cat'", "how does cat to mat change going deeper"],
     ("layer_summary", {"query": "cat", "key": "mat"})),
])
def test_corrections_and_choices_said_in_passing(questions: list[str], expected: Any) -> None:
    """Session 15 (dev36): a confused learner corrects a choice, skips layers, names a pair without quotes."""
    name, arguments = call(converse(questions)[-1])
    assert (name, {key: arguments.get(key) for key in expected[1]}) == expected


@pytest.mark.parametrize("puzzled", [
    "so each line is a word?? or a layer? im lost",
    "shapeの4つの数字、それぞれ何なのかさっぱり…",
    "あれ、ヘッドが9個ある。さっき4つだったのに",
    "does that norm view take the MLP into account too?",
])
def test_a_learner_puzzled_by_what_was_shown_gets_an_explanation(puzzled: str) -> None:
    *_, last = converse([f"Heatmap of '{CAT}'", puzzled])
    assert last.intent == "knowledge" and not last.calls and last.knowledge


def test_show_me_that_after_an_explanation_shows_what_was_explained() -> None:
    *_, explained, shown = converse([f"Heatmap of '{CAT}' at layer 3",
                                     "what is the norm-based view and how is it different from the weights?",
                                     "show me that for this sentence then"])
    assert explained.intent == "knowledge"
    assert call(shown)[0] == "attention_norms"


@pytest.mark.parametrize(("questions", "expected"), [
    (["which models do you have?", "which of them is the llama-style one?", "fine, load that one"],
     ("load_model", {"model": "smollm2-135m"})),
    (["使えるモデルを教えて", "日本語がわかるのはどれ？", "じゃあそれ読み込んで"],
     ("load_model", {"model": "gemma-270m"})),
    ([f"rollout of '{CAT}'", "why do the first layers matter?", "start it at the second layer then"],
     ("attention_rollout", {"start_layer": 1})),
    ([f"Heatmap of '{CAT}' at layer 1", "how much does [SEP] receive in every layer?"], ("layer_summary", {})),
    ([f"「{CURRY}」の12層のヘッド全部", "ヘッド3が縦に光ってるけど、これってどういうこと", "そのヘッドだけ大きく"],
     ("plot_heatmap", {"layer": 12, "head": 3})),
    ([f"「{CURRY}」のひーとまっぷ", "値も"], ("plot_heatmap", {"annotate": True})),
    ([f"「{CURRY}」のヒートマップ", "なんで左の列が明るいの", "じゃあそれ抜きで"],
     ("plot_heatmap", {"exclude_special": True})),
    ([f"「{CURRY}」のヒートマップ", "立体にしたらどないなる？"], ("plot_3d", {})),
    (["「この映画はとても面白かった。」の最終層の数値", "最後を『つまらなかった。』に変えて"],
     ("inspect_attention", {"text": "この映画はとてもつまらなかった。", "layer": -1})),
])
def test_pointing_back_in_session_16(questions: list[str], expected: Any) -> None:
    """Session 16 (dev36, dev40–43): a model, head or token spoken of before; hiragana loanwords; Kansai; endings."""
    name, arguments = call(converse(questions)[-1])
    assert (name, {key: arguments.get(key) for key in expected[1]}) == expected


@pytest.mark.parametrize(("question", "expected"), [
    ("Show me the tokens and the shapes for this one:\nAll roads lead to Rome.",
     ("extract_attention", {"text": "All roads lead to Rome."})),
    ("Here is my sentence:\nThe kettle whistled loudly.\nNow the heatmap of its first layer.",
     ("plot_heatmap", {"text": "The kettle whistled loudly.", "layer": 0})),
    ("line chart from the last token of 'The kettle whistled loudly.'", ("plot_line", {"query": -1})),
    ("「明日は晴れるやろか」のヒートマップを見せて", ("plot_heatmap", {"text": "明日は晴れるやろか"})),
    ("the numbers only, no picture, all heads averaged, for 'The kettle whistled loudly.'",
     ("inspect_attention", {"text": "The kettle whistled loudly."})),
    ("could smollm2 continue 'Once upon a time' and show me where it looks?",
     ("generation_attention", {"prompt": "Once upon a time", "model": "smollm2-135m"})),
])
def test_literals_read_in_session_16(question: str, expected: Any) -> None:
    name, arguments = call(converse([question])[-1])
    assert (name, {key: arguments.get(key) for key in expected[1]}) == expected


def test_a_claim_checked_on_a_sentence_given_runs_it() -> None:
    claim = "they say deep layers stare at the first token. is that true for 'The kettle whistled loudly.'?"
    planned = converse([claim])
    assert planned[-1].calls and call(planned[-1])[1].get("text") == "The kettle whistled loudly."


@pytest.mark.parametrize("question", [
    "If I swapped 'cat' for 'dog' in 'The cat sat on the mat.', would the row of 'sat' change? Asking conceptually.",
    "「猫が魚を食べた。」の『魚』を『肉』にしても『猫が』の行は変わらないですよね？図はいらないので理由を教えてください",
    "生成のとき、前のトークンも見られるのはなんで？",
])
def test_only_the_idea_asked_is_explained(question: str) -> None:
    *_, last = converse([question])
    assert last.intent == "knowledge" and not last.calls


@pytest.mark.parametrize(("questions", "expected"), [
    (["Could you switch over to the llama-style model, smollm2?"], ("load_model", {"model": "smollm2-135m"})),
    (["continue 'The weather today is' for 12 tokens", "and can gemma do the same?"],
     ("generation_attention", {"model": "gemma-270m"})),
    ([f"line chart of where 'sat' looks in '{CAT}'", "how does sat -> mat develop over all the layers?"],
     ("layer_summary", {"query": "sat", "key": "mat"})),
    (["minilm and gemma on 'The kettle whistled loudly.', how different are the two?"],
     ("compare_attention", {"text_a": "The kettle whistled loudly."})),
])
def test_later_in_session_16(questions: list[str], expected: Any) -> None:
    name, arguments = call(converse(questions)[-1])
    assert (name, {key: arguments.get(key) for key in expected[1]}) == expected


@pytest.mark.parametrize("question", ["what's the second panel?", "what are those bright squares on the left?"])
def test_a_part_of_the_figure_shown_is_asked_about_not_redrawn(question: str) -> None:
    *_, last = converse([f"compare '{CAT}' with 'The dog sat on the mat.'", question])
    assert not last.calls


@pytest.mark.parametrize(("question", "entry"), [
    ("I got a warning while running my own sentence, can I still trust the numbers?", "paste_the_warning"),
    ("自分の文で動かしたら警告が出たけど、この図は信じていい？", "paste_the_warning"),
    ("UserWarning: Glyph 12356 (\\N{HIRAGANA LETTER I}) missing from font(s) DejaVu Sans.\nラベルが四角になっちゃう",
     "japanese_font_tofu"),
    ("why does every row in the last layer pile onto the first word?", "attention_sinks"),
    ("so what is an induction head, exactly?", "heads_differ"),
    ("インダクションヘッドって何ですか", "heads_differ"),
])
def test_the_concept_asked_in_session_17_is_the_one_explained(question: str, entry: str) -> None:
    """Session 17: a warning spoken of (not pasted) asks for it, even with 'my own sentence' or 「警告が出」 said; the
    line beside a pasted warning is the learner's words, not a sentence to analyse, and keeps the answer Japanese."""
    *_, last = converse([question])
    assert (last.intent, last.knowledge[:1], last.calls) == ("knowledge", (entry,), ())
    assert last.language == ("ja" if any(ord(ch) > 0x3000 for ch in question) else "en")


@pytest.mark.parametrize(("question", "fact"), [
    ("does a BERT heatmap have an empty triangle too?", "encoder"),
    ("BERTでも右上は空白になるの？", "エンコーダ"),
    ("so what is an induction head, exactly?", "induction"),
    ("インダクションヘッドって何ですか", "誘導ヘッド"),
])
def test_the_explanation_says_what_was_asked(question: str, fact: str) -> None:
    """The entry chosen answers the question itself: an encoder has no empty triangle; what an induction head is."""
    *_, last = converse([question])
    assert fact in compose(last, [])


@pytest.mark.parametrize(("question", "expected"), [
    ("For 'Birds sing at dawn' on gemma, is the first token a special one?",
     ("extract_attention", {"text": "Birds sing at dawn", "model": "gemma-270m"})),
    ("Is everything above the diagonal zero in gemma's map of 'Birds sing at dawn'? Give me the actual values.",
     ("inspect_attention", {"text": "Birds sing at dawn", "model": "gemma-270m"})),
])
def test_a_yes_no_question_on_a_given_sentence_runs_it(question: str, expected: Any) -> None:
    """What it is asked of said first ("For '…' on gemma, is …?"), and "give me the values" asked after a yes/no."""
    name, arguments = call(converse([question])[-1])
    assert (name, {key: arguments.get(key) for key in expected[1]}) == expected


@pytest.mark.parametrize(("question", "phrase"), [
    ("not the tangle plt.plot gave me, just the line from 'sat' in 'The cat sat.'", "tangle plt.plot gave me"),
    ("plt.plotで出た何本もの線じゃなくて、'sat'からの一本だけ", "plt.plotで出た何本もの線"),
])
def test_a_view_turned_down_is_read_whole_and_names_nothing(question: str, phrase: str) -> None:
    """A dot inside a name ("plt.plot") and 「何本もの」 do not cut the phrase turned down, and a word in it that is
    one slip from a view's name ("tangle", "tangled") names nothing."""
    reading = read(question)
    assert reading.turned_down == [phrase]
    assert "plot_matrix_lines" not in {card.tool for card in named_views(list(cards().values()), reading)}


@pytest.mark.parametrize(("refused_what", "value", "kept"), [("layer", 30, {"head": 4}), ("head", 14, {"layer": 3})])
def test_a_choice_refused_is_dropped_and_the_others_are_kept(refused_what: str, value: int, kept: dict) -> None:
    """'heatmap of layer 30 head 4' refused for its layer: 'argh, layer 5' keeps head 4 (and the other way round)."""
    question = f"heatmap of layer {3 if refused_what == 'head' else 30} head {4 if refused_what == 'layer' else 14}" \
               f" for '{CAT}'"
    planned = plan(question, Context())
    error = out_of_range(refused_what, value, "minilm", 6 if refused_what == "layer" else 12, f"{refused_what}s")
    failed = ToolFinished("call_1", "plot_heatmap", planned.calls[0].arguments, False, str(error), str(error),
                          {"error_fix": error.fix, "error_note": error.note})
    assert refused_choices([failed]) == {refused_what}
    context = after_turn(Context(), planned, question, ran=False, refused=refused_choices([failed]))
    assert context.choices == kept and context.text == CAT and context.tool == "plot_heatmap"
    fixed = plan(f"argh, {refused_what} 2", context, session_text=None)
    assert call(fixed) == ("plot_heatmap", {**kept, refused_what: 2, "text": CAT})
    alone = plan("right, 2 then", context, session_text=None)  # a number alone: the choice refused
    assert call(alone) == ("plot_heatmap", {**kept, refused_what: 2, "text": CAT})


def test_a_question_about_a_line_is_not_one_about_a_warning() -> None:
    """'wht does the line mean' is one typo from 'what does this warning mean': an entry that asks for a message
    answers only a question that speaks of one, or of code that stopped working ("it doesnt work :(")."""
    *_, last = converse([f"heatmap of '{CAT}'", "as a line from cat", "wht does the line mean"])
    assert last.intent == "knowledge" and "paste_the_warning" not in last.knowledge
    for question in ("it doesnt work :(", "なんか赤い文字がいっぱい出たんだけど大丈夫？"):
        assert converse([question])[-1].knowledge == ("paste_the_warning",)


@pytest.mark.parametrize("question", ["What is meaning of dim=1 in torch.mean of attention? I am confusing.",
                                      "ヘッド方向ではなくdim=0で平均してしまうと、何がまずいのですか？"])
def test_a_term_asked_about_is_explained_and_shown(question: str) -> None:
    """A bare term ("dim=1") asked about, not only with 'why': the concept, with the expression run to show it."""
    *_, last = converse([question])
    assert last.demonstrates and "mean_over_heads" in last.knowledge and call(last)[0] == "explain_reduction"


@pytest.mark.parametrize(("questions", "expected"), [
    ([f"heatmap of '{CAT}' at layer 30", "right, 5 then"], ("plot_heatmap", {"layer": 5})),
    ([f"line chart of what each token receives in '{CAT}' in the seventh layer", "oh it only has six. the sixth then"],
     ("plot_line", {"layer": 5})),
    ([f"「{CURRY}」のヒートマップをヘッド4で", "じゃあ3で"], ("plot_heatmap", {"head": 3})),
    (["let gemma continue 'The weather today is' for 100 tokens", "ugh, max 50? ok 50"],
     ("generation_attention", {"max_new_tokens": 50})),
])
def test_a_number_alone_is_the_choice_the_question_before_numbered(questions: list[str], expected: Any) -> None:
    name, arguments = call(converse(questions)[-1])
    assert (name, {key: arguments.get(key) for key in expected[1]}) == expected


@pytest.mark.parametrize(("question", "expected"), [
    ("heatmap of 'She read the letter twice.' with zebra-lm-5000, layer 2", ("plot_heatmap", "zebra-lm-5000")),
    ("load the model superbert-xxl", ("load_model", "superbert-xxl")),
    ("kitsune-9000で「猫が鳴いた」のヒートマップ", ("plot_heatmap", "kitsune-9000")),
])
def test_a_model_we_do_not_know_is_passed_on_so_the_tool_says_so(question: str, expected: Any) -> None:
    """Not another model drawn unsaid: the tool refuses the unknown name and lists the models there are."""
    name, arguments = call(converse([question])[-1])
    assert (name, arguments.get("model")) == expected


def test_top_3_or_a_misspelt_gemma_is_no_unknown_model() -> None:
    assert find_models("with top-3 tokens")[0] == []
    assert find_models("load gemma-207m")[0] == [("gemma-270m", "gemma")]


@pytest.mark.parametrize("question", [f"tag each head of the model with its role for '{CAT}'",
                                      f"「{CURRY}」で、全部のヘッドがそれぞれ何を見る係なのか調べて"])
def test_the_role_table_outranks_the_grid_its_words_also_name(question: str) -> None:
    """"each head" names the grid of heads too; said beside the roles, the role table is meant."""
    assert call(converse([question])[-1])[0] == "head_roles"


def test_the_grid_of_one_layer_stays_the_grid_beside_a_word_on_roles() -> None:
    """A layer given is one the role table cannot take: 'every head of layer 2' is still the grid."""
    question = f"they say heads have different roles. show every head of layer 2 side by side for '{CAT}'"
    assert call(converse([question])[-1]) == ("plot_heads", {"layer": 2, "text": CAT})


def test_a_view_named_as_the_form_wins_over_one_named_as_what_to_draw() -> None:
    *_, last = converse([f"the line from 'cat' in '{CAT}'", "now the whole matrix as a heatmap"])
    assert call(last)[0] == "plot_heatmap"


@pytest.mark.parametrize("question", ["is a heatmap's bright diagonal, in general, just each token looking at itself?",
                                      "What exactly makes a head count as a sink head?",
                                      "一般的に、ヒートマップの対角線が明るいのは自分自身を見ているから？",
                                      "ノルムで見ると何が変わるの？重みだけを見るのと比べて"])
def test_how_things_usually_are_is_explained_not_drawn(question: str) -> None:
    assert converse([question])[-1].intent == "knowledge"


@pytest.mark.parametrize("questions", [
    ["my notebook printed a huge scary message when I plotted the heatmap, what now"],
    [f"heatmap of '{CAT}'", "I ran that code on my laptop and got a warning, is it bad?"],
    ["ヒートマップを描いたら警告が出たけど、どうすればいい？"],
    # a failure of the learner's own run, told without its message
    [f"heatmap of '{CAT}'", "copied it into my notebook and matplotlib complained"],
    ["the 3D code from the article gives me an error in my notebook"],
    ["The script you gave me crashes when I run it at home. Why?"],
    [f"「{CURRY}」のヒートマップ", "家のPCで同じのやったら途中で落ちた"],
    ["うちの環境だとsns.heatmapのとこで例外出る"],
    # a message that no entry names, or one that stopped the run
    [f"line chart of '{CAT}'", "fixed the labels and now matplotlib is yelling at me about something else"],
    ["ヒートマップのとこでエラーで止まった…"],
    [f"「{CURRY}」のヒートマップ", "直したら今度はmatplotlibがなんか怒ってくる…"]])
def test_a_message_spoken_of_but_not_pasted_asks_for_its_text(questions: list[str]) -> None:
    """Whatever view it came from (not the view the code drew): the message's words say what went wrong."""
    last = converse(questions)[-1]
    assert not last.calls and last.knowledge == ("paste_the_warning",)


@pytest.mark.parametrize("edit", ["dim=1じゃなくてdim=0なら？", "and with dim=0 rather than dim=1?",
                                  "not dim=1 but dim=0"])
def test_an_expression_edited_by_what_it_is_not(edit: str) -> None:
    *_, last = converse(["walk me through torch.mean(outputs.attentions[-1], dim=1)[0]", edit])
    assert call(last) == ("explain_reduction", {"expression": "torch.mean(outputs.attentions[-1], dim=0)[0]"})


def test_a_token_named_with_where_it_looks_is_the_query_not_the_sentence() -> None:
    *_, last = converse([f"「{CURRY}」のヒートマップ", "層3で『カレー』がどこ見てるか"])
    assert call(last) == ("plot_line", {"layer": 3, "query": "カレー"})


def test_that_layer_is_a_layer_a_summary_across_layers_cannot_take() -> None:
    *_, last = converse([f"heatmap of '{CAT}' at layer 1", "who does 'cat' look at most in that layer?"])
    assert call(last)[0] == "plot_line"


@pytest.mark.parametrize("follow_up", ["is that also the case in layer 0?", "does that still hold in layer 0?"])
def test_whether_it_holds_at_another_layer_redraws_the_view_there(follow_up: str) -> None:
    *_, last = converse([f"heatmap of '{CAT}' at layer 3", "why is the diagonal bright?", follow_up])
    assert call(last) == ("plot_heatmap", {"layer": 0})


@pytest.mark.parametrize("question", [f"「{CURRY}」で、最初のトークンをいちばん見ている層はどの層が多い？",
                                      f"「{CURRY}」で<bos>への注目がいちばん強い層ってどれ？"])
def test_which_layer_is_asked_of_the_summary_across_layers(question: str) -> None:
    assert call(converse([question])[-1])[0] == "layer_summary"


@pytest.mark.parametrize(("question", "expected"), [
    (f"one curve per token on the same axes for '{CAT}', please", "plot_matrix_lines"),
    (f"「{CURRY}」で、単語ごとに1本ずつ線を引いて重ねたグラフ", "plot_matrix_lines"),
    (f"「{CURRY}」の2層目を描いて", "plot_heatmap"),
])
def test_views_described_without_their_names(question: str, expected: str) -> None:
    assert call(converse([question])[-1])[0] == expected


@pytest.mark.parametrize(("question", "top"), [(f"heatmap of '{CAT}' with the colour scale pinned to 0..1", 1.0),
                                               (f"every head of layer 2 for '{CAT}', on a fixed 0 to 1 scale", 1.0)])
def test_a_scale_pinned_to_zero_and_one(question: str, top: float) -> None:
    assert call(converse([question])[-1])[1].get("color_max") == top


@pytest.mark.parametrize("question", ["そのふたつ比べてみて", "ok so how do they compare?"])
def test_a_comparison_of_nothing_asks_what_to_compare(question: str) -> None:
    assert converse([question])[-1].intent == "ask_back"


@pytest.mark.parametrize("question", ["previous-token head vs sink head, whats the difference in plain words",
                                      "in a sentence or two, what does rollout add over one layer?"])
def test_words_asked_for_are_words(question: str) -> None:
    assert converse([question])[-1].intent == "knowledge"


@pytest.mark.parametrize("follow_up", ["would smollm2 see it differently?", "minilmだとまた違うのかな"])
def test_whether_another_model_sees_it_otherwise_is_that_view_on_it(follow_up: str) -> None:
    *_, last = converse([f"where does 'cat' look in '{CAT}'?", follow_up])
    assert call(last)[0] == "plot_line" and call(last)[1].get("model") in ("smollm2-135m", "minilm")


@pytest.mark.parametrize("wish", ["それをヒートマップで見てみたいな", "数字も表で見られたら嬉しいです"])
def test_a_wish_to_see_is_a_request(wish: str) -> None:
    *_, last = converse([f"「{CURRY}」の最後の層の注目を取り出して", wish])
    assert last.calls


@pytest.mark.parametrize(("questions", "intent"), [
    ([f"heatmap of '{CAT}'", "It complained that layer 6 doesn't exist for this sentence. Layer 5, head 3 then."],
     "plot_heatmap"),
    (["In every heatmap I make, the [CLS] column is bright yellow. Is my code broken or is that normal?"],
     "knowledge")])
def test_what_went_wrong_told_in_words_is_answered(questions: list[str], intent: str) -> None:
    assert converse(questions)[-1].intent == intent


@pytest.mark.parametrize(("question", "tool"), [
    (f"draw the one line for 'cat' in '{CAT}'", "plot_line"),
    (f"draw the one-line-per-key-column chart for '{CAT}' at layer 3", "plot_matrix_lines"),
    (f"「{CURRY}」の「食べ」の1本だけ描いて", "plot_line")])
def test_a_name_inside_a_longer_name_of_another_view_names_nothing(question: str, tool: str) -> None:
    assert call(converse([question])[-1])[0] == tool


def test_a_quoted_word_said_to_attend_is_the_query_not_a_term() -> None:
    question = "In 'The animal didn't cross the street because it was tired', what is 'it' attending to?"
    name, arguments = call(converse([question])[-1])
    assert name == "plot_line" and arguments["query"] == "it" and arguments["text"].endswith("because it was tired")


@pytest.mark.parametrize(("question", "layer"), [(f"「{CURRY}」の一番浅い層のヒートマップ", 0),
                                                 (f"heatmap of '{CAT}' in the shallowest layer", 0),
                                                 (f"「{CURRY}」の一番深い層のヒートマップ", -1)])
def test_the_shallowest_and_deepest_layer(question: str, layer: int) -> None:
    assert call(converse([question])[-1])[1]["layer"] == layer


@pytest.mark.parametrize("question", ["「The sun rises in the east」を3つのモデルで比べてみたい",
                                      "compare 'The sun rises in the east' on the three models"])
def test_the_three_models_are_the_built_in_ones(question: str) -> None:
    name, arguments = call(converse([question])[-1])
    assert name == "compare_attention"
    assert (arguments["model"], arguments["model_b"], arguments["model_c"]) == ("minilm", "gemma-270m", "smollm2-135m")


def test_what_a_model_has_no_token_of_is_no_switch() -> None:
    *_, last = converse([f"heatmap of '{CAT}' with smollm2", "where is smollm's sink if it has no bos token?"])
    assert last.intent == "knowledge" and "attention_sinks" in last.knowledge


def test_a_comparison_of_the_sentences_drawn_keeps_their_layer_and_one_of_them_leaves_it() -> None:
    *_, compared, first, deeper = converse([f"heatmap of '{CAT}' layer 3 without [CLS] and [SEP]",
                                            "do the same with 'The dog barked'", "compare those two",
                                            "back to the first sentence, head 2", "one layer deeper"])
    assert call(compared) == ("compare_attention", {"text_a": CAT, "text_b": "The dog barked", "layer": 3})
    assert call(first) == ("plot_heatmap", {"text": CAT, "layer": 3, "head": 2, "exclude_special": True})
    assert call(deeper)[1] == {"layer": 4, "head": 2, "exclude_special": True}


@pytest.mark.parametrize(("step", "head"), [("nxt head", 3), ("つぎのへっど", 3), ("そのつぎ", 3)])
def test_the_next_head_as_typed(step: str, head: int) -> None:
    *_, last = converse([f"「{CURRY}」のヒートマップ、ヘッド2", step])
    assert call(last)[1].get("head") == head


@pytest.mark.parametrize(("step", "layer"), [("もう一個深く", 4), ("and the one right before it", 2)])
def test_a_layer_step_as_said(step: str, layer: int) -> None:
    *_, last = converse([f"heatmap of '{CAT}' at layer 3", step])
    assert call(last)[1].get("layer") == layer


def test_a_limit_told_in_its_own_words_is_explained() -> None:
    last = converse(["max_new_tokensは1から50までですって怒られた。なんで50までなの？"])[-1]
    assert last.intent == "knowledge" and "paste_the_warning" not in last.knowledge


@pytest.mark.parametrize("question", ["うーん、よくわからん", "んー、なんもわからん", "i don't get it",
                                      "something is off with my plot"])
def test_only_lost_with_nothing_before_is_asked_what_they_look_at(question: str) -> None:
    assert converse([question])[-1].intent == "ask_back"


def test_there_being_no_cls_in_a_model_drops_nothing() -> None:
    *_, last = converse([f"heatmap of '{CAT}' on smollm2, layer 20",
                         "there is no [CLS] in this model, so why does the first word get everything?"])
    assert last.intent == "knowledge" and not last.calls


def test_asking_whether_one_can_hover_and_click_opens_the_explorer() -> None:
    *_, last = converse([f"heatmap of '{CAT}', layer 2, head 7", "can I hover over it and click tokens myself?"])
    assert call(last) == ("explore_attention", {"layer": 2, "head": 7})


def test_the_english_one_and_the_view_wanted_for_another_sentence_too() -> None:
    *_, japanese, english, compared = converse(["heatmap of 'I ate curry yesterday' with the numbers in the cells",
                                                "日本語でも見たい。『昨日カレーを食べた』で", "英語の方に戻して",
                                                "gemmaと比べて"])
    assert call(japanese) == ("plot_heatmap", {"layer": -1, "text": "昨日カレーを食べた", "annotate": True})
    assert call(english) == ("plot_heatmap", {"layer": -1, "text": "I ate curry yesterday", "annotate": True})
    assert call(compared)[1]["text_a"] == "I ate curry yesterday"


@pytest.mark.parametrize("question", ["show me the code for that", "それのコード見せて"])
def test_the_code_of_an_extraction_is_the_extraction_again(question: str) -> None:
    *_, last = converse([f"tokens and shapes of '{CAT}'", question])
    assert call(last)[0] == "extract_attention"


@pytest.mark.parametrize("question", ["日本語だとトークンの切れ方が変なのはどうして？『を食べ』みたいなやつ"])
def test_an_example_cited_in_a_why_question_is_no_sentence_to_run(question: str) -> None:
    last = converse([question])[-1]
    assert last.intent == "knowledge" and "japanese_tokenization" in last.knowledge


@pytest.mark.parametrize("question", ["I want to see the triangle for 'Snow covered the mountain road' on gemma",
                                      "「父は毎朝コーヒーを飲む」で三角形になってるとこ見たい"])
def test_the_triangle_of_the_mask_on_a_sentence_is_its_heatmap(question: str) -> None:
    assert call(converse([question])[-1])[0] == "plot_heatmap"


@pytest.mark.parametrize("questions", [["whats a previous-token head? someone mentioned it"],
                                       [f"head roles for '{CAT}'", "you keep saying sink head, what is that"]])
def test_what_a_kind_of_head_is_is_explained(questions: list[str]) -> None:
    last = converse(questions)[-1]
    assert last.intent == "knowledge" and "heads_differ" in last.knowledge


def test_whats_with_a_special_token_asks_why_and_keeps_nothing() -> None:
    *_, last = converse([f"heatmap of '{CAT}'", "what's with the [SEP] column lighting up"])
    assert last.intent == "knowledge" and "attention_sinks" in last.knowledge


def test_the_row_of_one_word_only_is_its_line() -> None:
    *_, last = converse(["heatmap of 'I love natural language processing!'", "loveの行だけ拡大して見たい"])
    assert call(last) == ("plot_line", {"layer": -1, "query": "love"})


@pytest.mark.parametrize(("questions", "entry"), [
    ([f"「{CURRY}」のヒートマップ", "自分のノートブックやと日本語が全部□になるんやけど"], "japanese_font_tofu"),
    ([f"3D view of '{CAT}'", "looks cool but i can't read anything behind the tall bars"], "why_not_3d")])
def test_a_symptom_told_in_words_gets_its_entry(questions: list[str], entry: str) -> None:
    last = converse(questions)[-1]
    assert last.intent == "knowledge" and entry in last.knowledge


@pytest.mark.parametrize(("follow_up", "tool"), [("ok forget it, now as lines", "plot_line"),
                                                  ("now the matrix as lines like plt.plot does", "plot_matrix_lines")])
def test_as_lines_is_the_line_chart_and_the_matrix_as_lines_is_plt_plot(follow_up: str, tool: str) -> None:
    *_, last = converse([f"heatmap of '{CAT}', layer 0", follow_up])
    assert call(last) == (tool, {"layer": 0})


@pytest.mark.parametrize("follow_up", ["同じ設定で、静止画のヒートマップもいただけますか",
                                       "じゃあ普通の画像のヒートマップでいいや"])
def test_a_view_asked_for_politely_or_settled_for_is_drawn(follow_up: str) -> None:
    *_, last = converse([f"「{CURRY}」をヘッド3でインタラクティブに開いて", follow_up])
    assert call(last)[0] == "plot_heatmap" and call(last)[1].get("head") == 3


def test_an_english_sentence_after_bun_wa_and_before_de() -> None:
    last = converse(["各ヘッドが何係なのか一覧にしてほしい。文は The quick brown fox jumps over the lazy dog で"])[-1]
    assert call(last) == ("head_roles", {"text": "The quick brown fox jumps over the lazy dog"})


@pytest.mark.parametrize("question", ["hmm so what am I actually seeing here", "so what does this figure show?"])
def test_what_the_figure_shown_shows_is_how_to_read_it(question: str) -> None:
    *_, last = converse([f"heatmap of '{CAT}'", question])
    assert last.intent == "knowledge" and not last.calls and "heatmap_how_to_read" in last.knowledge


@pytest.mark.parametrize("questions", [
    ["can you make the one my professor showed in class, but in blue"],
    [f"heatmap of '{CAT}'", "and the picture I uploaded earlier, does it match yours?"],
    ["redo the heatmap from before this chat, the llama one"],
    [f"「{CURRY}」のヒートマップ", "さっき友達から送られてきた図と比べて、どこが違う？"],
    ["先輩のスライドの図ってどのヘッドだと思う？"],
    ["別のタブで送った文のヒートマップ、もう一回"]])
def test_a_figure_this_chat_never_drew_asks_for_its_sentence(questions: list[str]) -> None:
    """Someone's figure, an upload or another tab: nothing of it reaches the sensei, which asks what it showed."""
    last = converse(questions)[-1]
    assert not last.calls and last.knowledge == ("figure_from_elsewhere",)
    language = "ja" if any("\u3040" <= ch <= "\u30ff" for ch in questions[-1]) else "en"
    assert ("文と" if language == "ja" else "its sentence") in compose(last, [])


@pytest.mark.parametrize("question", [
    f"my professor's heatmap of '{CAT}', can you draw it at layer 2?",  # its sentence is given: drawn
    "my teacher said attention is not explanation. is that true?",  # no figure of theirs
    "my advisor's heatmap has a bright diagonal, why is that?",  # a why about what it shows: explained
    "先生が言ってたロールアウトって何？"])
def test_a_figure_of_someone_else_spoken_of_with_what_to_do_is_no_ask_back(question: str) -> None:
    assert converse([question])[-1].knowledge != ("figure_from_elsewhere",)


@pytest.mark.parametrize("questions", [
    [f"heatmap of '{CAT}'", "i cant tell the shades apart, can u write the actual numbers inside the squares"],
    [f"heatmap of '{CAT}' at layer 1", "numbers please"],
    [f"「{CURRY}」のヒートマップ", "数値を各マスに表示していただけますか"]])
def test_numbers_asked_into_the_squares_annotate_the_map(questions: list[str]) -> None:
    tool, arguments = call(converse(questions)[-1])
    assert tool == "plot_heatmap" and arguments.get("annotate") is True


@pytest.mark.parametrize(("question", "model"), [
    ("load the one with 30 layers", "smollm2-135m"), ("switch to the 18-layer model", "gemma-270m"),
    ("18層あるモデルに切り替えといて", "gemma-270m"), ("30層×9ヘッドのモデルで読み込んで", "smollm2-135m"),
    ("switch to the model with 12 heads", "minilm")])
def test_a_model_told_by_its_layers_or_heads_is_that_model(question: str, model: str) -> None:
    """A count that fits one embedded model names it; it is no layer to draw (the 18 of 「18層ある」)."""
    tool, arguments = call(converse([question])[-1])
    assert tool == "load_model" and arguments == {"model": model}
    assert find_models("the 12-layer model")[0] == []  # no embedded model has 12 layers: none is guessed


@pytest.mark.parametrize(("step", "head"), [("one head back", 4), ("ok, a head up", 6), ("back one head please", 4),
                                            ("ヘッドをひとつ戻して", 4), ("ヘッドを2つ進めて", 7)])
def test_a_head_stepped_to_is_counted_from_the_head_shown(step: str, head: int) -> None:
    *_, last = converse([f"heatmap of '{CAT}' at layer 1, head 5", step])
    assert call(last) == ("plot_heatmap", {"layer": 1, "head": head})


def test_heads_added_up_are_no_step() -> None:
    *_, last = converse([f"heatmap of '{CAT}' at layer 1, head 5", "what if I added the 12 heads up instead?"])
    assert all(planned.arguments.get("head") != 6 for planned in last.calls)  # (the 12 heads summed: an idea)


def test_a_count_of_layers_is_no_layer_but_the_ordinal_after_it_is() -> None:
    *_, last = converse([f"「{CURRY}」のヒートマップ、数値入りで", "あ、18層しかないのか。じゃあ18層目で"])
    assert call(last) == ("plot_heatmap", {"layer": 17, "annotate": True})


def test_a_japanese_sentence_after_a_request_and_a_colon_is_the_sentence() -> None:
    tool, arguments = call(converse(["３層目のattentionのheatmap見たい：猫が窓の外を見ている"])[-1])
    assert (tool, arguments["text"], arguments["layer"]) == ("plot_heatmap", "猫が窓の外を見ている", 2)


@pytest.mark.parametrize(("questions", "expected"), [
    (["「猫がかわいい」のトークンとshapeを見せて", "ほなgemmaで"],
     ("extract_attention", {"text": "猫がかわいい", "model": "gemma-270m"})),
    ([f"「{CURRY}」のヒートマップ", "3そう目で"], ("plot_heatmap", {"layer": 2}))])
def test_kansai_and_kana_typed_words_are_read_in_their_standard_form(questions: list[str], expected: Any) -> None:
    assert call(converse(questions)[-1]) == expected


@pytest.mark.parametrize("question", ["Is 3D plot useful for attention? my senpai says heatmap is enough",
                                      "３Ｄにしたら見やすくなったりします？", "折れ線グラフって意味あるの?"])
def test_whether_a_view_is_worth_drawing_is_answered_in_words(question: str) -> None:
    planned = converse([question])[-1]
    assert not planned.calls and planned.knowledge


def test_a_view_asked_for_in_the_form_of_a_wonder_is_still_drawn() -> None:
    *_, last = converse([f"「{CURRY}」のヒートマップ、3層目", "立体にしたらどうなる？"])
    assert call(last) == ("plot_3d", {"layer": 2})


@pytest.mark.parametrize(("follow_up", "query"), [("make the line on the right the one from 'cat'", "cat"),
                                                  ("右の線は「sat」からにして", "sat")])
def test_a_part_of_the_figure_shown_said_by_where_it_is_keeps_the_figure(follow_up: str, query: str) -> None:
    """plt.plot's figure has two panels; its right panel, the one row that was meant, is no line chart of its own."""
    *_, last = converse([f"show what plt.plot(attention) really draws for '{CAT}'", follow_up])
    assert call(last) == ("plot_matrix_lines", {"layer": -1, "query": query})


def test_the_one_line_asked_for_by_itself_after_the_tangle_is_the_line_chart() -> None:
    *_, last = converse([f"show what plt.plot(attention) really draws for '{CAT}'",
                         "ok just give me the one line for 'cat' then"])
    assert call(last)[0] == "plot_line"


@pytest.mark.parametrize(("questions", "tool"), [
    ([f"heatmap of '{CAT}' at layer 2", "which token gets the most attention overall in layer 2?"], "plot_line"),
    ([f"「{CURRY}」のヒートマップ", "この中でいちばん注目されてる単語ってどれ？"], "plot_line"),
    ([f"For '{CAT}', which tokens get the most attention in layer 1? numbers please, no plot"], "inspect_attention")])
def test_the_most_attended_token_is_measured_as_a_line_or_in_numbers(questions: list[str], tool: str) -> None:
    assert call(converse(questions)[-1])[0] == tool


@pytest.mark.parametrize(("follow_up", "expected"), [("もう1個上", {"layer": 2}), ("もう一つ下", {"layer": 0}),
                                                     ("数字いれて", {"layer": 1, "annotate": True}),
                                                     ("数字もいれて", {"layer": 1, "annotate": True})])
def test_casual_japanese_follow_ups_step_the_layer_or_write_the_numbers(follow_up: str, expected: Any) -> None:
    *_, last = converse([f"「{CURRY}」のヒートマップ、2層目", follow_up])
    assert call(last) == ("plot_heatmap", expected)


@pytest.mark.parametrize("follow_up", ["head 3 in all of them", "the last layer of each", "それぞれヘッド0だけで"])
def test_a_follow_up_pointing_at_each_thing_compared_keeps_the_comparison(follow_up: str) -> None:
    *_, last = converse([f"compare '{CAT}' on minilm and gemma", follow_up])
    assert call(last)[0] == "compare_attention"


@pytest.mark.parametrize("questions", [
    [f"heatmap of '{CAT}', heads averaged", "doesnt averaging hide stuff though?"],
    [f"heatmap of '{CAT}'", "wait the colours arent comparable are they?"],
    [f"「{CURRY}」のヒートマップ、<bos>抜きで", "抜いたあとの数字って本物なん？"],
    [f"「{CURRY}」のヒートマップ", "これって普通？どのマスも左端の列ばっかり光ってる"]])
def test_a_question_in_any_form_about_the_figure_shown_is_explained_not_asked_back(questions: list[str]) -> None:
    """A tag question, a negative one, a Kansai 「なん？」: a question after a figure gets its closest concept."""
    last = converse(questions)[-1]
    assert last.intent == "knowledge" and last.knowledge and not last.calls


@pytest.mark.parametrize(("questions", "expected"), [
    ([f"line chart from 'cat' in '{CAT}', layer 1", "same but with CLS and SEP removed"],
     ("plot_line", {"layer": 1, "query": "cat", "exclude_special": True})),
    ([f"「{CURRY}」の最終層ヒートマップ特殊トークンなしで", '英語でも: "I asked ChatGPT and it answered"'],
     ("plot_heatmap", {"layer": -1, "text": "I asked ChatGPT and it answered", "exclude_special": True})),
    ([f"heads of layer 2 for '{CAT}'", "exclude_specialつけてヒートマップで、同じ層"],
     ("plot_heatmap", {"layer": 2, "exclude_special": True}))])
def test_dropping_the_special_tokens_is_read_and_kept_as_learners_word_it(questions: list[str], expected: Any) -> None:
    assert call(converse(questions)[-1]) == expected


def test_a_question_about_a_choice_the_view_already_has_changes_nothing() -> None:
    *_, last = converse(["heatmap of 'The photographer's unforgettable snapshots went viral', merged into whole words",
                         "how do you merge the pieces, add them or average them?"])
    assert not last.calls and "word_level" in last.knowledge


@pytest.mark.parametrize("question", ["why is the third square from the left so dark",
                                      "which head is the weird one in row 2"])
def test_one_spot_of_a_figure_with_nothing_drawn_asks_back(question: str) -> None:
    assert converse([question])[-1].intent == "ask_back"


def test_one_spot_of_the_figure_shown_is_explained() -> None:
    *_, last = converse([f"heatmap of '{CAT}'", "why is the third square from the left so dark?"])
    assert last.intent != "ask_back"


def test_what_averaging_hides_is_the_mean_over_heads() -> None:
    *_, last = converse([f"heatmap of '{CAT}', heads averaged", "doesnt averaging hide stuff though?"])
    assert last.knowledge[:1] == ("mean_over_heads",)


@pytest.mark.parametrize(("question", "expected"), [
    ("can you plot every head of layer 2 for The dog chased the ball across the yard",
     ("plot_heads", {"layer": 2, "text": "The dog chased the ball across the yard"})),
    ("print the actual weights for head 5 in layer 0, sentence is Dogs chase cats",
     ("inspect_attention", {"layer": 0, "head": 5, "text": "Dogs chase cats"})),
    ("heatmap pls: She sold seashells by the seashore",
     ("plot_heatmap", {"layer": -1, "text": "She sold seashells by the seashore"})),
    ("ヘッド一覧を最後の層で、文は電車が遅れて会議に間に合わなかった",
     ("plot_heads", {"layer": -1, "text": "電車が遅れて会議に間に合わなかった"})),
    ("先生が生徒に本を渡した。のノルムベースのやつ、レイヤー5で出せる？",
     ("attention_norms", {"layer": 5, "text": "先生が生徒に本を渡した。"})),
    ("むかしむかしあるところに　の続きを20トークン書かせて、そのときどこ見てたか",
     ("generation_attention", {"layer": -1, "prompt": "むかしむかしあるところに", "max_new_tokens": 20})),
    ("｢私はラーメンが好きです｣の最後の層、ヘッド全部ならべて",
     ("plot_heads", {"layer": -1, "text": "私はラーメンが好きです"})),
    ("恐れ入りますが、'Knowledge is power.' の注意重みをテンソルの形も含めて取り出していただけますか",
     ("extract_attention", {"text": "Knowledge is power."}))])
def test_a_sentence_typed_without_quotes_where_learners_put_it_is_found(question: str, expected: Any) -> None:
    """Closing the request after "for" or "sentence is" (opening with a capital), after "pls:", after 「文は」 at the
    end, opening it before 「。の」 or a space; half-width brackets; a courtesy opening a request asks nothing."""
    assert call(converse([question])[-1]) == expected


@pytest.mark.parametrize("question", [
    "Do early and late layers of BERT tend to look at different kinds of things?",
    "I'm preparing a talk for Thursday and want to get it right. Why do we divide by the square root of d_k?",
    "show the heatmap for Japanese text please"])
def test_capitalised_words_closing_a_question_are_no_sentence(question: str) -> None:
    plan = converse([question])[-1]
    assert not plan.calls or plan.calls[0].arguments.get("text") in (None, "I love natural language processing!")


@pytest.mark.parametrize("questions", [
    [f"heatmap of '{CAT}' please, layer 1", "why the first column is so bright? almost all rows go there"],
    [f"「{CURRY}」の第1層のヘッドを全部並べて", "ヘッドごとにこんなに違うの何で？"]])
def test_a_why_after_a_figure_is_explained_even_when_what_they_saw_sounds_like_a_request(questions: list[str]) -> None:
    """What they saw, said after a why, asks for nothing; 「…の何で？」 closing a question asks why."""
    last = converse(questions)[-1]
    assert last.intent == "knowledge" and not last.calls


@pytest.mark.parametrize("question", ["すみません、先生の授業スライドにあったヒートマップと同じのが見たいです",
                                      "社内で別途作成した図とは傾向が異なるようなのですが"])
def test_a_figure_from_slides_or_made_elsewhere_asks_for_its_sentence(question: str) -> None:
    assert converse([question])[-1].knowledge == ("figure_from_elsewhere",)


@pytest.mark.parametrize("follow_up", ["nice. can i have the code for that one", "nice, code please",
                                       "ありがとう、コードもください"])
def test_a_nod_before_asking_for_the_code_gets_the_figure_shown_with_its_code(follow_up: str) -> None:
    *_, last = converse([f"heatmap of '{CAT}'", follow_up])
    assert call(last) == ("plot_heatmap", {"layer": -1}) and last.knowledge == ("reproduce_code",)


def test_a_sentence_after_a_colon_ends_where_the_request_goes_on() -> None:
    question = "For my slide I need a line chart of which word 'bank' looks at. sentence: She sat on the bank of the " \
               "river. last layer"
    assert call(converse([question])[-1]) == ("plot_line", {"layer": -1, "text": "She sat on the bank of the river.",
                                                            "query": "bank"})


def test_going_on_from_before_is_no_generation() -> None:
    """「さっきの続きで」 goes on with the conversation; only a text's continuation (「…の続きを」) is generated."""
    *_, last = converse([f"「{CURRY}」の第1層のヘッドを全部並べて",
                         "ありがとうございます。じゃあさっきの続きで、最後の層も並べてください"])
    assert call(last) == ("plot_heads", {"layer": -1})


@pytest.mark.parametrize("follow_up", ["ok go back to the plt.plot picture but for layer 0",
                                       "さっきのplt.plotのやつに戻して層1で"])
def test_plt_plot_alone_names_the_matrix_as_lines(follow_up: str) -> None:
    *_, last = converse([f"show what plt.plot(attention) draws for '{CAT}'", f"line chart from 'cat' in '{CAT}'",
                         follow_up])
    assert last.calls[0].name == "plot_matrix_lines"


@pytest.mark.parametrize(("questions", "model"), [
    ([f"heatmap of '{CAT}', last layer", "same on gemma", "and smollm2", "back to the first model, head 3 only"],
     "minilm"),
    ([f"「{CURRY}」のヒートマップ", "smollm2で 'The dog runs'", "最初のモデルに戻して、ヘッド1だけ"], "gemma-270m"),
    ([f"heatmap of '{CAT}' on smollm2", "now gemma", "the original model again"], "smollm2-135m")])
def test_the_first_model_is_the_one_the_first_figure_ran_on(questions: list[str], model: str) -> None:
    assert converse(questions)[-1].calls[0].arguments["model"] == model


def test_a_view_named_with_a_figure_from_elsewhere_draws_the_sentence_given_next() -> None:
    first, last = converse(["すみません、先生の授業スライドにあったヒートマップと同じのが見たいです",
                            "文は「私は昨日新しい靴を買った。」で、たしか3層目の平均だったと思います"])
    assert first.knowledge == ("figure_from_elsewhere",)
    assert call(last) == ("plot_heatmap", {"layer": 2, "text": "私は昨日新しい靴を買った。"})


@pytest.mark.parametrize("question", [f"show the heads of the first layer for '{CAT}'",
                                      f"the layer 0 grid for '{CAT}' please"])
def test_the_heads_of_an_ordinal_layer_and_a_layer_grid_name_the_heads_grid(question: str) -> None:
    assert call(converse([question])[-1]) == ("plot_heads", {"layer": 0, "text": CAT})


def test_whether_a_view_is_worth_it_said_after_it_is_explained() -> None:
    *_, last = converse([f"3d plot of '{CAT}'", "honestly i can't read anything in it. is 3d ever useful for this"])
    assert last.intent == "knowledge" and last.knowledge[:1] == ("why_not_3d",)


@pytest.mark.parametrize(("follow_up", "expected"), [
    ("すうじいれて", ("plot_heatmap", {"layer": -1, "annotate": True})),
    ("こーどちょうだい", ("plot_heatmap", {"layer": -1})),
    ("おれせんのやつで", ("plot_line", {"layer": -1}))])
def test_request_words_typed_in_hiragana_are_read(follow_up: str, expected: Any) -> None:
    assert call(converse([f"「{CURRY}」のヒートマップ", follow_up])[-1]) == expected


def test_how_a_special_token_changes_across_layers_of_a_sentence_is_run_on_it() -> None:
    question = "how does the attention on [CLS] change from layer 0 to layer 5 for 'The sun rises in the east'"
    plan = converse([question])[-1]
    assert plan.calls and all(c.arguments["text"] == "The sun rises in the east" for c in plan.calls)


def test_can_you_output_that_too_asks_for_it() -> None:
    *_, last = converse([f"「{CURRY}」の第1層のヘッドを全部並べて", "各ヘッドの役割も出せますか"])
    assert last.calls[0].name == "head_roles"


@pytest.mark.parametrize(("questions", "entry"), [
    (["line chart from 'it' in 'The trophy did not fit in the suitcase because it was too big'",
      "the students will ask if this means the model knows it refers to the trophy. does it?"],
     "attention_is_not_explanation"),
    ([f"heatmap of '{CAT}', heads averaged", "so the mean(0) there is over the heads right, not the batch?"],
     None)])
def test_a_question_about_the_figure_shown_gets_a_concept_even_when_far(questions: list[str],
                                                                       entry: str | None) -> None:
    last = converse(questions)[-1]
    assert last.intent == "knowledge" and (entry is None or last.knowledge[:1] == (entry,))


def test_a_screenshot_offered_asks_what_looked_wrong() -> None:
    plan = converse(["スクショ送るんで、これのどこがおかしいか見てもらえます？"])[-1]
    assert plan.knowledge == ("figure_from_elsewhere",)


def test_a_sentence_given_is_not_for_a_tool_that_reads_none() -> None:
    plan = converse(["show me one on 'The meeting starts at noon' with the small llama-ish model"])[-1]
    assert plan.calls and plan.calls[0].name not in ("list_models", "load_model")


@pytest.mark.parametrize(("questions", "expected"), [
    (["last lyr hm 'The pilot landed the plane safely'"],
     ("plot_heatmap", {"layer": -1, "text": "The pilot landed the plane safely"})),
    (["all 12 hds of lyr 0 in one grid, 'the cat sat on the mat'"],
     ("plot_heads", {"layer": 0, "text": "the cat sat on the mat"})),
    (["diff 'The cat chased the mouse' vs 'The mouse chased the cat', lyr 3", "hd 0 only"],
     ("compare_attention", {"layer": 3, "head": 0, "text_a": "The cat chased the mouse",
                            "text_b": "The mouse chased the cat"}))])
def test_short_forms_of_a_hurried_engineer_are_read_in_full(questions: list[str], expected: Any) -> None:
    assert call(converse(questions)[-1]) == expected


def test_hm_opening_a_thought_is_no_heatmap() -> None:
    *_, last = converse([f"line chart from 'it' in '{CAT}'", "hm the first word gets a huge spike, why?"])
    assert last.intent == "knowledge" and not last.calls


@pytest.mark.parametrize(("question", "expected"), [
    ("toks + attn shapes: The quick brown fox jumps over the lazy dog",
     ("extract_attention", {"text": "The quick brown fox jumps over the lazy dog"})),
    ("rollout from lyr 2 onward -- Birds fly south in winter",
     ("attention_rollout", {"text": "Birds fly south in winter", "start_layer": 2}))])
def test_a_sentence_after_a_colon_or_dash_closing_a_request_is_found(question: str, expected: Any) -> None:
    assert call(converse([question])[-1]) == expected


def test_what_they_saw_after_a_colon_is_no_sentence() -> None:
    plan = converse(["why do I get this in my plot: The labels are shifted by one"])[-1]
    assert not plan.calls


@pytest.mark.parametrize("question", ["Sorry if this is a dumb question but what even is 'attention' in a transformer?",
                                      "yo whats a 'head' in attention",
                                      "In plain English, what's an 'attention sink'?"])
def test_a_quoted_word_of_the_field_asked_about_is_a_term_not_a_sentence(question: str) -> None:
    plan = converse([question])[-1]
    assert plan.intent == "knowledge" and not plan.calls


@pytest.mark.parametrize("follow_up", ["Can you hide those special ones so I can see the real words?",
                                       "Could you then draw it again without those bracket words?"])
def test_special_tokens_as_beginners_call_them_are_dropped(follow_up: str) -> None:
    *_, last = converse([f"heatmap of '{CAT}'", follow_up])
    assert call(last) == ("plot_heatmap", {"layer": -1, "exclude_special": True})


def test_a_token_asked_about_after_a_comparison_is_that_tokens_line() -> None:
    *_, last = converse(["compare 'The chef tasted the soup' with 'The critic tasted the soup'",
                         "in the first one, what does 'tasted' look at?"])
    assert call(last) == ("plot_line", {"layer": -1, "text": "The chef tasted the soup", "query": "tasted"})


@pytest.mark.parametrize(("question", "expected"), [
    ('can you show me the colorful grid thing for "I love natural language processing!"',
     ("plot_heatmap", {"layer": -1, "text": "I love natural language processing!"})),
    ("which word gets looked at the most in: my grandma bakes bread every sunday morning",
     ("plot_line", {"layer": -1, "text": "my grandma bakes bread every sunday morning"}))])
def test_a_beginners_names_and_a_sentence_after_in_colon(question: str, expected: Any) -> None:
    assert call(converse([question])[-1]) == expected


def test_a_figure_a_friend_posted_asks_for_its_sentence() -> None:
    plan = converse(["友達がインスタに上げてたアテンションの図のほうがきれいだったんだけど、あれ何の図かわかる？"])[-1]
    assert plan.knowledge == ("figure_from_elsewhere",)


def test_kansai_yanakute_turns_a_choice_down() -> None:
    *_, last = converse([f"「{CURRY}」の最後の層のヒートマップ",
                         "最後の層やなくて、まんなかへんの層も見れる？9層目とか"])
    assert call(last) == ("plot_heatmap", {"layer": 8})


def test_a_quoted_phrase_not_understood_is_a_term() -> None:
    *_, last = converse([f"「{CURRY}」のヒートマップ", "その「ヘッドを平均する」というのがよく分かりません。"])
    assert last.intent == "knowledge" and not last.calls


@pytest.mark.parametrize(("follow_up", "head"), [
    ("the third one looks like a diagonal line, can you make that one big?", 2),
    ("2番目のやつを大きくしてください", 1)])
def test_a_panel_of_the_heads_grid_told_by_its_place_is_that_head(follow_up: str, head: int) -> None:
    *_, last = converse([f"all heads of layer 0 for '{CAT}'", follow_up])
    assert call(last) == ("plot_heatmap", {"layer": 0, "head": head})


@pytest.mark.parametrize(("questions", "expected"), [
    (["『昔々あるところに』から15tok生成、各stepのattn"],
     ("generation_attention", {"layer": -1, "prompt": "昔々あるところに", "max_new_tokens": 15})),
    ([f"「{CURRY}」の最終層ヒートマップ", "特殊tok抜きで"], ("plot_heatmap", {"layer": -1, "exclude_special": True}))])
def test_short_forms_beside_japanese_are_read_in_japanese(questions: list[str], expected: Any) -> None:
    assert call(converse(questions)[-1]) == expected


@pytest.mark.parametrize(("follow_up", "expected"), [
    ("words instead of word pieces pls", ("plot_heatmap", {"layer": -1, "words": True})),
    ("same w/o specials", ("plot_heatmap", {"layer": -1, "exclude_special": True}))])
def test_whole_words_and_no_specials_as_typed_in_a_hurry(follow_up: str, expected: Any) -> None:
    assert call(converse([f"heatmap of '{CAT}'", follow_up])[-1]) == expected


def test_whether_a_change_changes_the_result_is_seen_by_drawing_it() -> None:
    *_, last = converse([f"line chart from 'cat' in '{CAT}'", "[CLS] と [SEP] を除いた場合も同じ結果でしょうか？"])
    assert call(last) == ("plot_line", {"layer": -1, "query": "cat", "exclude_special": True})


@pytest.mark.parametrize("question", [
    "my coworker made one of these for the same text and hers looks totally different",
    "my son says his heatmap from last week looked nothing like this",
    "My daughter sent me a photo of a chart like this. What does it say?",
    "別のサイトで見たアテンションの図がよくわからなくて…これってどういう意味ですか？"])
def test_a_figure_someone_else_made_asks_for_its_sentence(question: str) -> None:
    assert plan(question).knowledge == ("figure_from_elsewhere",) and not plan(question).calls


@pytest.mark.parametrize(("follow_up", "count"), [("make it write more, like 20", 20),
                                                  ("もっと長く書かせて 25こくらい", 25)])
def test_a_count_said_after_asking_for_more_is_the_length(follow_up: str, count: int) -> None:
    *_, last = converse(["continue 'The dragon woke up' and show where it looked", follow_up])
    assert call(last)[0] == "generation_attention" and call(last)[1]["max_new_tokens"] == count


@pytest.mark.parametrize("follow_up", ["so what's 'sat' looking at the most in there?", "『sat』は何を一番見てるの？"])
def test_where_one_token_looks_is_its_line_not_a_pair_across_layers(follow_up: str) -> None:
    *_, last = converse([f"heatmap of '{CAT}', layer 4", follow_up])
    assert call(last)[0] == "plot_line" and call(last)[1]["query"] == "sat"


@pytest.mark.parametrize(("questions", "expected"), [
    (["can you make a heatmap of my sentence?", "Every student passed the exam except Tom."],
     ("plot_heatmap", {"layer": -1, "text": "Every student passed the exam except Tom."})),
    (["自分の文で折れ線グラフ作りたいんですけど", "明日は雨が降るらしい"],
     ("plot_line", {"layer": -1, "text": "明日は雨が降るらしい"}))])
def test_a_sentence_sent_alone_after_the_sensei_asked_for_it_is_drawn_as_asked(questions: list[str],
                                                                              expected: Any) -> None:
    first, last = converse(questions)
    assert first.intent == "ask_back" and first.needs_sentence
    assert call(last) == expected


@pytest.mark.parametrize("reply", ["thanks, what can you do?", "ok", "ヒートマップって何？"])
def test_a_reply_that_is_no_sentence_is_not_taken_as_one(reply: str) -> None:
    *_, last = converse(["can you make a heatmap of my sentence?", reply])
    assert not any(call.arguments.get("text") == reply for call in last.calls)


@pytest.mark.parametrize(("asked", "reply", "head", "said"), [
    ("can I see one of those bigger?", "9", 9, "Which head"),
    ("どれか一個を大きく見たいな", "11", 11, "どのヘッド"),
    ("could you blow up one of them on its own", "the third", 2, "Which head")])
def test_one_panel_of_the_grid_unsaid_asks_which_head_and_the_number_sent_is_it(asked: str, reply: str, head: int,
                                                                                said: str) -> None:
    _, which, last = converse([f"all heads of layer 1 for '{CAT}'", asked, reply])
    assert which.intent == "ask_back" and said in compose(which, [])
    assert call(last) == ("plot_heatmap", {"layer": 1, "head": head})


def test_every_one_of_the_panels_is_no_panel_to_ask_about() -> None:
    *_, last = converse([f"all heads of layer 1 for '{CAT}'",
                         "why is the upper-right half of every one of those maps empty?"])
    assert last.intent == "knowledge"


@pytest.mark.parametrize("undo", ["hmm go back to how it was, I liked it better", "undo that please",
                                  "やっぱり元に戻して"])
def test_going_back_to_how_it_was_is_the_figure_before(undo: str) -> None:
    *_, last = converse([f"heatmap of '{CAT}', layer 3 head 2", "same but with the values in each cell", undo])
    assert call(last) == ("plot_heatmap", {"layer": 3, "head": 2})


@pytest.mark.parametrize(("question", "text"), [
    ("'The dog chased the ball.' -- show the tokens", "The dog chased the ball."),
    ("with a different sentence: 'My sister bought a red bicycle.' what are the tokens",
     "My sister bought a red bicycle."),
    ("「雨が降ってきたので傘を買いました」のトークンおしえて", "雨が降ってきたので傘を買いました")])
def test_the_tokens_of_a_sentence_are_its_extraction(question: str, text: str) -> None:
    assert call(plan(question))[0] == "extract_attention" and call(plan(question))[1]["text"] == text


@pytest.mark.parametrize(("question", "model"), [
    ("the post only ever uses bert. do 'I love natural language processing!' on gemma instead, heatmap of layer 5",
     "gemma-270m"),
    ("the blog used bert, but try the llama-style smollm2 on 'Birds sing at dawn', heatmap of layer 2",
     "smollm2-135m")])
def test_the_model_the_post_used_beside_another_is_not_run(question: str, model: str) -> None:
    name, arguments = call(plan(question))
    assert name == "plot_heatmap" and arguments["model"] == model


def test_averaging_the_heads_the_way_the_post_did_draws_the_mean() -> None:
    *_, last = converse([f"heatmap of '{CAT}', layer 3 head 2",
                         "now average all the heads like he did with torch.mean"])
    assert call(last) == ("plot_heatmap", {"layer": 3})


@pytest.mark.parametrize("follow_up", ["now the average over all twelve heads", "average them all together"])
def test_the_mean_of_the_heads_after_the_grid_is_one_map(follow_up: str) -> None:
    *_, last = converse([f"all heads of layer 1 for '{CAT}'", follow_up])
    assert call(last) == ("plot_heatmap", {"layer": 1})


def test_a_warning_seen_when_opening_a_file_is_asked_for() -> None:
    *_, last = converse([f"interactive explorer for '{CAT}'",
                         "I got a warning when I opened the html file in my browser"])
    assert last.intent == "knowledge" and not last.calls and "paste" in compose(last, []).lower()


@pytest.mark.parametrize(("questions", "entry"), [
    (["gen 10 toks from 'The capital of Japan is', attn per step", "why are the rows ragged"], "generation_attention"),
    (["「むかしむかし、おじいさんが」の続き書かせてみてや　どこ見て書いたかも", "なんで1行ずつ長さちゃうん"],
     "generation_attention")])
def test_a_why_about_the_figure_just_shown_is_answered_by_that_views_concept(questions: list[str], entry: str) -> None:
    *_, last = converse(questions)
    assert last.intent == "knowledge" and last.knowledge[0] == entry


@pytest.mark.parametrize(("follow_up", "expected"), [
    ("sorry, layer 1 not 0", ("plot_line", {"layer": 1, "query": "sat"})),
    ("ugh typo, meant layer 3", ("plot_line", {"layer": 3, "query": "sat"})),
    ("いや、1層目じゃなくて最後の層だったかも。最後ので", ("plot_line", {"layer": -1, "query": "sat"}))])
def test_a_correction_of_the_number_keeps_the_view(follow_up: str, expected: Any) -> None:
    *_, last = converse([f"where does 'sat' look in '{CAT}', layer 0", follow_up])
    assert call(last) == expected


@pytest.mark.parametrize("follow_up", ["hm no put it back to tokens, I want to see the pieces after all",
                                       "やっぱりまとめないほうで"])
def test_the_pieces_again_after_whole_words_undo_the_merge(follow_up: str) -> None:
    *_, last = converse([f"heatmap of '{CAT}' in whole words", follow_up])
    assert call(last) == ("plot_heatmap", {"layer": -1})


def test_the_same_way_for_another_sentence_keeps_the_view() -> None:
    *_, last = converse([f"「{CURRY}」の8層目のヘッド3のヒートマップ", "同じやり方で「犬が庭で骨をかじっている。」も"])
    assert call(last) == ("plot_heatmap", {"layer": 7, "head": 3, "text": "犬が庭で骨をかじっている。"})


def test_a_word_sent_again_after_a_typo_corrects_the_sentence() -> None:
    *_, last = converse(["tokens and shape for 'The quick brown fox jumsp over the lazy dog'", "ugh typo. 'jumps'"])
    assert call(last) == ("extract_attention", {"text": "The quick brown fox jumps over the lazy dog"})


def test_a_sentence_corrected_keeps_the_view() -> None:
    *_, last = converse(["「今日は会社に行きました」のトークンを見せて", "ごめん、『今日は会社を休みました』だった"])
    assert call(last) == ("extract_attention", {"text": "今日は会社を休みました"})


@pytest.mark.parametrize("follow_up", ["ごめん、satじゃなくてmat", "not sat, mat"])
def test_the_token_shown_turned_down_gives_way_to_the_word_beside_it(follow_up: str) -> None:
    *_, last = converse([f"line chart from 'sat' in '{CAT}'", follow_up])
    assert call(last) == ("plot_line", {"layer": -1, "query": "mat"})


@pytest.mark.parametrize(("question", "expected"), [
    ("For a 'how does ChatGPT write' session: let gemma continue 'The weather today is', 12 tokens",
     ("generation_attention", "prompt", "The weather today is")),
    ("「よくある失敗」のスライドを作っています。\"I love natural language processing!\" で plt.plot(attention) が"
     "描くものを出して",
     ("plot_matrix_lines", "text", "I love natural language processing!")),
    ("「3Dはやめた方がいい」って話をする前に、「犬が公園を走り回る」を3Dの棒グラフで出してください",
     ("plot_3d", "text", "犬が公園を走り回る"))])
def test_a_quoted_title_or_line_to_say_is_no_sentence(question: str, expected: tuple[str, str, str]) -> None:
    name, argument, value = expected
    assert call(plan(question))[0] == name and call(plan(question))[1][argument] == value


@pytest.mark.parametrize("question", [
    "My co-presenter's heatmap has a bright stripe down the left side - which layer and head was that?",
    "hmm the colours look different from the slide I got from last year's course, why is that",
    "去年の資料の図と色の出方が違う気がするんですけど、なんでですか"])
def test_a_figure_from_elsewhere_said_to_differ_asks_what_it_showed_even_asked_why(question: str) -> None:
    *_, last = converse([f"heatmap of '{CAT}'", question])
    assert last.knowledge == ("figure_from_elsewhere",) and not last.calls


@pytest.mark.parametrize("follow_up", ["please pin the colour scale to 0-1", "色の幅を0から1に固定してください"])
def test_a_colour_scale_pinned_to_zero_one_is_fixed(follow_up: str) -> None:
    *_, last = converse([f"heatmap of '{CAT}', layer 2", follow_up])
    assert call(last) == ("plot_heatmap", {"layer": 2, "color_max": 1.0})


def test_a_model_asked_to_finish_a_prompt_generates() -> None:
    name, arguments = call(plan("Could SmolLM2 finish this for me: 'My favourite thing about winter is' - "
                                "20 new tokens, with the attention of every step?"))
    assert name == "generation_attention" and arguments["max_new_tokens"] == 20
    assert arguments["prompt"] == "My favourite thing about winter is" and arguments["model"] == "smollm2-135m"


def test_whether_the_model_can_write_a_language_is_a_question() -> None:
    assert not plan("can it write Japanese?").calls


def test_more_tokens_like_a_count_is_the_length() -> None:
    *_, last = converse(["continue 'The meeting was moved to' and show the attention", "more tokens, like 25"])
    assert call(last)[1]["max_new_tokens"] == 25


@pytest.mark.parametrize(("questions", "expected"), [
    ([f"heatmap of '{CAT}'", "ok try this one instead: My sister bought a new bike yesterday."],
     ("plot_heatmap", {"layer": -1, "text": "My sister bought a new bike yesterday."})),
    (["３層目のヒートマップ：鳥が朝早くから鳴いている"],
     ("plot_heatmap", {"layer": 2, "text": "鳥が朝早くから鳴いている"}))])
def test_a_sentence_after_a_colon_that_closes_a_request(questions: list[str], expected: Any) -> None:
    assert call(converse(questions)[-1]) == expected


def test_do_a_count_of_tokens_is_a_request() -> None:
    *_, last = converse(["generate 15 tokens from 'The capital of France is' and show where each new token looked",
                         "do 30 tokens instead"])
    assert call(last)[0] == "generation_attention" and call(last)[1]["max_new_tokens"] == 30


def test_w_before_numbers_is_with() -> None:
    *_, last = converse([f"all heads of layer 0 for '{CAT}'", "head 2 by itself pls w numbers"])
    assert call(last) == ("plot_heatmap", {"layer": 0, "head": 2, "annotate": True})


@pytest.mark.parametrize(("questions", "expected"), [
    ([f"line chart from 'sat' in '{CAT}'", "why does it peak there?", "thank you! last: the code for the sat one"],
     ("plot_line", {"layer": -1, "query": "sat"})),
    (["「駅で傘をなくしてしまった。」の『傘』の折れ線", "この縦軸の値って全部足すと1になるの？",
      "助かった 最後に傘の線のコード"],
     ("plot_line", {"layer": -1, "query": "傘"}))])
def test_the_code_of_a_figure_told_by_a_word_of_its_sentence_draws_it_again(questions: list[str],
                                                                            expected: Any) -> None:
    assert call(converse(questions)[-1]) == expected


@pytest.mark.parametrize(("question", "latest", "pair"), [
    ("how does 'is' attending to 'key' change from layer to layer?", "The key to the cabinets is on the table",
     ("is", "key")),
    ("「兄」から「パン」で", "パンを買ったのは兄です", ("兄", "パン"))])
def test_a_quoted_token_after_to_or_after_a_quoted_from_is_the_key(question: str, latest: str,
                                                                   pair: tuple[str, str]) -> None:
    reading = read(question, latest)
    assert (reading.query, reading.key) == pair


@pytest.mark.parametrize("question", [
    "inspect L0H2 'I saw a saw that saw wood'",
    "Please show me the number of attention weight, layer 2 head 5, for 'I drink coffee in morning'",
    "「ご飯を食べてから宿題をする」の最終層の5番目のヘッドの数字",
    "「雨が降ってきた」のレイヤー4の値を表示して、ヘッドは平均で"])
def test_the_numbers_of_a_head_asked_in_plain_words_are_printed(question: str) -> None:
    assert call(plan(question))[0] == "inspect_attention"


def test_what_a_number_shown_means_is_no_request_for_numbers() -> None:
    *_, last = converse([f"heatmap of '{CAT}'", "抜いたあとの数字って本物なん？"])
    assert not last.calls


@pytest.mark.parametrize("question", ["勉強会で「マルチヘッド」を30秒で説明したいです。押さえるべきポイントは？",
                                      "生徒に「そもそもアテンションとは何か」をやさしく説明するなら、どう言えばよいでしょう。"])
def test_a_quoted_term_to_explain_is_explained(question: str) -> None:
    assert plan(question).intent == "knowledge"


def test_the_same_figure_for_the_next_sentence_keeps_the_view() -> None:
    *_, last = converse([f"「{CURRY}」のヒートマップ", "次に「子どもたちが公園で遊んでいる」で同じ図を"])
    assert call(last) == ("plot_heatmap", {"layer": -1, "text": "子どもたちが公園で遊んでいる"})


def test_a_number_after_a_comma_stands_for_the_choice_before() -> None:
    *_, last = converse(["generate 15 tokens from 'The capital of France is' and show where each new token looked",
                         "now 60 tokens", "fine, the max then, 50"])
    assert call(last)[0] == "generation_attention" and call(last)[1]["max_new_tokens"] == 50


def test_the_llama_ish_one_picked_from_the_list_is_loaded() -> None:
    *_, last = converse(["which of the models can i pick from in here?", "the llama-ish one"])
    assert call(last) == ("load_model", {"model": "smollm2-135m"})


@pytest.mark.parametrize(("question", "expected"), [
    ("「雨が降った」のヘッドぜんぶならべて", "plot_heads"),
    ("could you let the model finish this? 'Once upon a time'", "generation_attention"),
    ("the coloured squares picture for 'Birds fly south', layer 2", "plot_heatmap"),
    ("for 'Birds fly south' I'd like a point per layer, from the first to the last", "layer_summary"),
    ("”Birds fly south” ヒートマップ", "plot_heatmap"),
    ("「鳥が南へ飛ぶ」の形を出して", "extract_attention")])
def test_views_described_in_the_learners_words_are_read(question: str, expected: str) -> None:
    assert call(plan(question))[0] == expected


@pytest.mark.parametrize(("question", "arguments"), [
    ("「鳥が南へ飛ぶ」のヒートマップ、最終相で", {"layer": -1}),
    ("「鳥が南へ飛ぶ」のヒートマップ、ヘッドをアベレージしたやつで", {"layer": -1}),
    ("「鳥が南へ飛ぶ」のヒートマップ、カラースケールを1.0でフィックスして", {"layer": -1, "color_max": 1.0}),
    ("「鳥が南へ飛ぶ」のヒートマップを数字いりで", {"layer": -1, "annotate": True})])
def test_japanese_slips_and_loanwords_are_read_as_meant(question: str, arguments: dict[str, Any]) -> None:
    assert call(plan(question)) == ("plot_heatmap", {"text": "鳥が南へ飛ぶ", **arguments})


@pytest.mark.parametrize("question", ["I'd like to compare two sentences", "2つの文を比べたいんだけど"])
def test_a_comparison_wanted_with_nothing_to_compare_asks_which(question: str) -> None:
    assert plan(question).intent == "ask_back"


def test_what_is_asked_of_comparisons_is_still_explained() -> None:
    assert plan("in a comparison of two sentences, what do the blue cells mean?").intent == "knowledge"


@pytest.mark.parametrize(("questions", "query"), [
    (["「猫が魚を食べた」のヒートマップ", "じゃあ魚がどこを見てるか折れ線で"], "魚"),
    (["「猫が魚を食べた」のヒートマップ", "猫からの折れ線にして"], "猫")])
def test_an_unquoted_piece_of_a_japanese_sentence_is_the_query(questions: list[str], query: str) -> None:
    assert call(converse(questions)[-1]) == ("plot_line", {"layer": -1, "query": query})


def test_a_question_of_the_layer_shown_names_no_summary() -> None:
    *_, last = converse([f"where does 'cat' look in '{CAT}'", "which layer is this? can i get layer 2 instead"])
    assert call(last) == ("plot_line", {"layer": 2, "query": "cat"})


@pytest.mark.parametrize("follow_up", ["just that one line on its own, bigger please", "その一本だけ大きくして"])
def test_one_part_of_plt_plots_figure_asked_alone_is_the_line_chart(follow_up: str) -> None:
    *_, last = converse([f"what does plt.plot(attention) draw for '{CAT}'",
                         "make the line on the right the one for 'cat'", follow_up])
    assert call(last) == ("plot_line", {"layer": -1, "query": "cat"})


def test_have_it_start_at_keeps_the_explorer() -> None:
    *_, last = converse([f"open the interactive explorer for '{CAT}'", "have it start at layer 2, head 5"])
    assert call(last) == ("explore_attention", {"layer": 2, "head": 5})


def test_two_layers_to_compare_are_each_drawn() -> None:
    calls = plan("「猫が魚を食べた」の最初の層と最後の層を、色の基準をそろえて比べたい").calls
    assert [(c.name, c.arguments["layer"], c.arguments.get("color_max")) for c in calls] == \
        [("plot_heatmap", 0, 1.0), ("plot_heatmap", -1, 1.0)]


@pytest.mark.parametrize("question", ["自分の文でやってみたい！「猫が魚を食べた」でお願いします",
                                      "can I try it on my own sentence? 'The cat ate the fish'"])
def test_a_sentence_sent_only_to_be_tried_gets_the_usual_view(question: str) -> None:
    assert call(plan(question))[0] == "plot_heatmap"


@pytest.mark.parametrize("question", ["no idea where to start, just show me something", "とりあえずなんか見せて"])
def test_show_me_something_is_a_first_look(question: str) -> None:
    assert call(plan(question))[0] == "plot_heatmap"


@pytest.mark.parametrize("question", ["thanks! now the code please", "ありがとう、最後にコードもほしい"])
def test_thanks_with_a_request_is_the_request(question: str) -> None:
    planned = converse([f"heatmap of '{CAT}'", question])[-1]
    assert planned.calls and not planned.small_talk


@pytest.mark.parametrize("question", ["じゃあ層18を指定したらエラーになる？",
                                      "what's the difference between a 'sink' head and a 'broad' head?"])
def test_a_supposed_error_or_a_kind_of_head_is_a_concept(question: str) -> None:
    planned = converse(["gemma-270mは何層あるの?" if "層18" in question else f"heatmap of '{CAT}'", question])[-1]
    assert planned.intent == "knowledge" and not planned.calls


@pytest.mark.parametrize(("question", "entry"), [
    ("what is an attention head, in simple words?", "multi_head_attention"),
    ("ヘッドって結局なんなの?", "multi_head_attention"),
    ("the short bars at the back are hidden, why?", "why_not_3d")])
def test_what_a_head_is_and_why_bars_hide_are_their_own_concepts(question: str, entry: str) -> None:
    *_, last = converse([f"3d bars of '{CAT}'", question]) if "bars" in question else [plan(question)]
    assert last.knowledge[0] == entry


@pytest.mark.parametrize("question", ["gemmaの図、左下しか色がないんやけど、これ壊れてるんちゃうん？",
                                      "立体のほうがヒートマップより見やすいんですか？"])
def test_a_judgement_asked_in_kansai_or_by_comparison_is_explained(question: str) -> None:
    planned = plan(question)
    assert planned.intent == "knowledge" and not planned.calls


@pytest.mark.parametrize(("question", "query"), [
    ("which word does bank look at most in 'She sat on the bank of the river'?", "bank"),
    ("so in 'I am not happy', where does happy look?", "happy"),
    ("the sentence is 'My brother fixed the car himself' and the word is himself", "himself"),
    ("line for which in 'The book which I borrowed was boring'", "which")])
def test_an_unquoted_word_of_the_sentence_is_the_query(question: str, query: str) -> None:
    assert call(plan(question)) == ("plot_line", {**call(plan(question))[1], "query": query})


def test_a_word_alone_after_a_line_is_the_next_query_and_a_sentence_keeps_the_old_one() -> None:
    first, new_sentence, other_word = converse(["where does 'never' look in 'He never eats breakfast'",
                                                "and in 'She never drinks coffee'?", "and coffee?"])
    assert call(new_sentence)[1]["query"] == "never"
    assert call(other_word) == ("plot_line", {"layer": -1, "query": "coffee"})


@pytest.mark.parametrize(("question", "layer", "head"), [("english version 'The coffee is too hot to drink.'", 2, 3),
                                                          ("英語版『The coffee is too hot to drink.』でも", 2, 3)])
def test_naming_which_language_a_new_sentence_is_in_keeps_the_view(question: str, layer: int, head: int) -> None:
    *_, last = converse(["heatmap of layer 2 head 3 for 'The tea is warm.'", question])
    assert call(last) == ("plot_heatmap", {"layer": layer, "head": head, "text": "The coffee is too hot to drink."})


@pytest.mark.parametrize(("turns", "tool"), [
    ([f"「{CURRY}」のヒートマップ", "ほかのヘッドも"], "plot_heads"),
    (["「今日の晩ごはんは」に続けて10トークン生成して", "倍で"], "generation_attention"),
    ([f"compare '{CAT}' and 'The dog sat on the log.'", "just the 2nd one"], "plot_heatmap")])
def test_short_follow_ups_of_the_seventy_fourth_set(turns: list[str], tool: str) -> None:
    last = converse(turns)[-1]
    assert call(last)[0] == tool
    assert last.calls[0].arguments.get("max_new_tokens", 20) == 20
    assert last.calls[0].arguments.get("text", "The dog sat on the log.") == "The dog sat on the log."


@pytest.mark.parametrize("turns", [[f"heatmap of '{CAT}'", "?"], [f"「{CURRY}」の折れ線", "？"],
                                   ["what does this word attend to?"], ["この名前がどこから注目されてるのか見たい"]])
def test_a_bare_question_mark_or_an_unsaid_word_asks_back(turns: list[str]) -> None:
    last = converse(turns)[-1]
    assert last.intent == "ask_back" and not last.calls


@pytest.mark.parametrize(("question", "entry"), [
    ("previous-token head = ?", "heads_differ"), ("sinkって？", "attention_sinks"), ("eagerってなに", "eager_vs_sdpa"),
    ("whats gqa", "multi_head_attention"),
    ("さっき言ってた因果マスクってもう一回説明してもらえます？", "causal_mask")])
def test_a_term_asked_alone_or_again_is_explained(question: str, entry: str) -> None:
    planned = plan(question)
    assert planned.intent == "knowledge" and planned.knowledge[0] == entry


@pytest.mark.parametrize("question", ["weird, when I switch like you said my cell gives a different error now",
                                      ".cpu().numpy() にしたら今度は別のエラーになりました",
                                      "the page shows some error in my browser now"])
def test_a_new_error_only_spoken_of_asks_for_its_text(question: str) -> None:
    *_, last = converse([f"heatmap of '{CAT}'", question])
    assert not last.calls and last.knowledge == ("paste_the_warning",)


@pytest.mark.parametrize("question", ["my prof had a slide where one head was a perfect diagonal, can you pull it up",
                                      "A classmate's table for this sentence has different values. Which is right?",
                                      "先輩にもろた図とぜんぜんちゃうねんけど、どっちが正しいん？"])
def test_a_figure_or_table_from_someone_else_asks_what_it_showed(question: str) -> None:
    *_, last = converse([f"heatmap of '{CAT}'", question])
    assert not last.calls and last.knowledge == ("figure_from_elsewhere",)


@pytest.mark.parametrize("question", [
    "earlier you mentioned the norm view. in short, what does it add over the plain weights?",
    "back when we started you drew 'Birds sing' as 3D bars. why were some hidden?", "hm it mostly goes to [SEP]?? why"])
def test_what_was_done_before_told_of_or_a_closing_why_asks_about_it(question: str) -> None:
    *_, last = converse([f"where does 'it' look in '{CAT}'", question])
    assert last.intent == "knowledge" and not last.calls


@pytest.mark.parametrize("question", ["「桜が咲いた」の先頭の層のヘッドを全部並べた図を、0から1の色の範囲でください"])
def test_the_first_layer_and_a_fixed_colour_range_in_japanese(question: str) -> None:
    assert call(plan(question)) == ("plot_heads", {"layer": 0, "text": "桜が咲いた", "color_max": 1.0})


@pytest.mark.parametrize(("question", "layer"), [("and the last", -1), ("what about the first?", 0)])
def test_the_last_or_the_first_alone_after_a_figure_is_its_layer(question: str, layer: int) -> None:
    *_, last = converse(["where does 'never' look in 'He never eats breakfast', layer 2", question])
    assert call(last) == ("plot_line", {"layer": layer, "query": "never"})


# --- session 25: sets 85–92 (teachers, offers taken up, numbers, long messages, decoders, odd tokens, one change
# at a time, second thoughts) ---------------------------------------------------------------------------------


@pytest.mark.parametrize("question", [
    "Why is the top right half of gemma's heatmap always empty? I need a simple way to say it to first-years.",
    "GPT系のヒートマップが三角形になる理由、簡単に説明できるようにしておきたい",
    "a student will 100% ask why every row adds up to 1. whats the short answer",
    "[CLS]の列だけ真っ赤になるの、生徒に絶対聞かれると思うんですけど、なんて答えたらいい？"])
def test_the_words_to_pass_on_are_an_explanation_even_when_a_view_is_named(question: str) -> None:
    planned = plan(question)
    assert planned.intent == "knowledge" and not planned.calls


@pytest.mark.parametrize(("question", "layer"), [
    ("Layer 2 of 'My sister bought a red bicycle yesterday' please... no wait, make that layer 4", 4),
    ("『昨日は雨が降ったので一日中家にいた』の３層目…いや、やっぱり最後の層で見せてください", -1),
    ('i already drew layer 0 of "My brother plays the guitar every night". now the same map for the second layer', 1),
    ("「駅前の本屋で漫画を買った」のヒートマップ、さっきはレイヤー5やったけど今度はレイヤー10で見たいねん", 10)])
def test_a_value_taken_back_or_already_seen_gives_way_to_the_one_after_it(question: str, layer: int) -> None:
    planned = plan(question)
    assert call(planned)[1]["layer"] == layer and len(planned.calls) == 1


@pytest.mark.parametrize(("question", "head", "tokens"), [
    ("head 3 of layer 0 for 'The nurse thanked the doctor'. oh wait, wrong head, I meant head 2", 2, None),
    ("『むかしむかし、あるところに』の続きを15トークン生成して…いや多いな、8トークンでいいや", None, 8)])
def test_second_thoughts_on_a_head_or_a_length(question: str, head: int | None, tokens: int | None) -> None:
    arguments = call(plan(question))[1]
    assert arguments.get("head") == head and arguments.get("max_new_tokens") == tokens


@pytest.mark.parametrize("question", [
    'My advisor keeps saying pronouns "look back" at their antecedents. Show where \'she\' looks in '
    '"Maria told her brother that she would call him later"',
    'My professor wants numbers because in her words "colours lie". Print the values of "A small dog barked"',
    'Our topic is "how chatbots read". Show the heatmap of "Students love short quizzes."',
    "文化祭で「AIの頭の中」みたいなポスターを作ります。『みんなで作った展示を見に来てね』の最終層を3Dで描いて"])
def test_a_quote_someone_holds_or_a_title_is_not_the_sentence(question: str) -> None:
    text = call(plan(question))[1]["text"]
    assert text in {"Maria told her brother that she would call him later", "A small dog barked",
                    "Students love short quizzes.", "みんなで作った展示を見に来てね"}


@pytest.mark.parametrize("question", [
    "I thought 3D would look way cooler on my poster. Is there a real reason 3D plots are worse for attention?",
    "ブログではいつも最終層をヘッドで平均した図を一枚だけ描いていました。ヘッドで平均すると何が見えなくなるんでしょうか？",
    "I wanted a line chart of where 'it' goes but forget the chart for now: what does a line with a query show?",
    "ヒートマップ出してもらおうと思ったけどやめた。それより、gemmaの図ってなんで右上が全部空っぽなの？"])
def test_what_was_thought_done_or_taken_back_asks_nothing_beside_the_question(question: str) -> None:
    planned = plan(question)
    assert planned.intent == "knowledge" and not planned.calls


@pytest.mark.parametrize("question", [
    "What does torch.mean(outputs.attentions[-1], dim=1)[0] actually do? After that draw what it gives for 'Dogs bark'",
    "torch.mean(outputs.attentions[-1], dim=1)[0] が何をしてるのか、形も含めて説明して。そのあと図にもしてほしい"])
def test_an_expression_explained_first_when_the_figure_comes_after(question: str) -> None:
    assert call(plan(question))[0] == "explain_reduction"


@pytest.mark.parametrize("question", [
    "a colleague did something similar last year and her picture had much brighter colours, why would that be?",
    "my coworker says the heatmap he showed in his class looked totally different from this. why?",
    "隣のクラスの先生が見せてた図はもっと赤っぽかったんやけど、なんでやろ",
    "知り合いの先生が使ってる3D図はもっと見やすかったけどなぁ"])
def test_a_figure_from_elsewhere_said_to_differ_asks_what_it_showed(question: str) -> None:
    *_, last = converse([f"heatmap of '{CAT}'", question])
    assert not last.calls and last.knowledge == ("figure_from_elsewhere",)


@pytest.mark.parametrize(("first", "pick", "then", "tools"), [
    ("how can I visualize attention?", "the second one, for 'My brother plays guitar every night.'",
     "ok now the third one", ("plot_line", "plot_heads")),
    ("Attention を見える形にするには、どんな方法がありますか?", "2つ目のやつ、「私は毎朝パンを食べる。」で",
     "3つ目のもお願いします", ("plot_line", "plot_heads"))])
def test_the_menu_of_views_is_picked_from_by_place(first: str, pick: str, then: str, tools: tuple[str, str]) -> None:
    _, picked, after = converse([first, pick, then])
    assert (call(picked)[0], call(after)[0]) == tools


def test_the_second_one_after_two_sentences_is_still_the_sentence() -> None:
    *_, last = converse(["how can I visualize attention?", f"compare '{CAT}' and 'The dog sat on the log.'",
                         "just the 2nd one"])
    assert call(last)[1].get("text", "The dog sat on the log.") == "The dog sat on the log."


@pytest.mark.parametrize(("question", "tool"), [
    ("compute the attention entropy of every head for 'Students who study late often sleep in'", "layer_summary"),
    ("各ヘッドのエントロピーを出して「犬が走る」", "layer_summary"),
    ("top 3 tokens the last token looks at in 'She poured the milk into the glass'", "inspect_attention"),
    ("『母が駅まで迎えに来た』の層0ヘッド3、各トークンの上位3つください", "inspect_attention")])
def test_entropy_per_head_and_the_top_keys_name_their_tools(question: str, tool: str) -> None:
    assert call(plan(question))[0] == tool


@pytest.mark.parametrize(("turns", "asks"), [
    ([f"heatmap of '{CAT}' layer 2", "try another sentence then"], True),
    ([f"「{CURRY}」の折れ線、「食べ」から", "ほかのトークンからのも見たい"], True),
    (["「今日の晩ごはんは」に続けて10トークン生成して", "もう一回やったら違う文になる？"], False)])
def test_another_sentence_or_word_with_none_given_asks_which(turns: list[str], asks: bool) -> None:
    last = converse(turns)[-1]
    assert (last.intent == "ask_back") == asks and not last.calls


def test_the_sentence_given_after_that_keeps_the_view_and_its_layer() -> None:
    *_, last = converse([f"heatmap of '{CAT}'", "the layer, make it 2", "try another sentence then",
                         "'The dog sat on the rug'"])
    assert call(last) == ("plot_heatmap", {"layer": 2, "text": "The dog sat on the rug"})


@pytest.mark.parametrize(("question", "query", "key"), [
    ("show me where the '!' looks in 'I love natural language processing!' in the last layer", "!", None),
    ("where does [CLS] look in 'The movie was surprisingly good', layer 5?", "[CLS]", None),
    ("follow movie -> [CLS] through the layers in 'The movie was surprisingly good'", "movie", "[CLS]")])
def test_a_special_token_or_a_punctuation_mark_is_a_token(question: str, query: str, key: str | None) -> None:
    arguments = call(plan(question))[1]
    assert arguments["query"] == query and arguments.get("key") == key


@pytest.mark.parametrize(("turns", "tool"), [
    (["continue 'In the morning I usually' for 100 tokens", "why is there a cap at all?", "fine, 50"],
     "generation_attention"),
    (["where does 'it' look in 'The dog didn't eat because it was sick'", "I need the code for that one"], "plot_line"),
    (["「東京は日本の首都です。」のトークン", "ほな、ヘッドの役割を判定するやつ頼むわ"], "head_roles"),
    ([f"tokens of '{CAT}'", "go on then, tag which head does what"], "head_roles")])
def test_a_nod_a_request_or_the_code_of_the_figure_shown_runs_it(turns: list[str], tool: str) -> None:
    assert call(converse(turns)[-1])[0] == tool


@pytest.mark.parametrize("question", ["what is the norm view actually measuring",
                                      "forget it. what's the 0.5 in the rollout formula for?",
                                      "why do commas and full stops get such big weights in heatmaps?"])
def test_what_a_method_measures_or_what_a_part_is_for_is_explained(question: str) -> None:
    *_, last = converse([f"norms for '{CAT}' layer 3", question])
    assert last.intent == "knowledge" and not last.calls


# --- session 26: sets 93–100 (metaphors, stepping through layers and heads, choosing models, quoting the sensei back,
# hesitant learners, sentences that look like requests, younger learners, second-language writers) ------------------


@pytest.mark.parametrize("turns", [
    [f"heatmap of '{CAT}'", "you wrote 'the upper-right triangle is zero by design'. What design?"],
    [f"rollout of '{CAT}'", "you wrote '0.5 * A + 0.5 * I'. what's the I?"],
    [f"heatmap of '{CAT}' layer 2 head 5", "you wrote 'each row adds up to 1'. why is that?"],
    [f"「{CURRY}」のヒートマップ", "前の答えに出てきた『因果マスク』って、なに？"],
    [f"「{CURRY}」のヒートマップ", "『行が見る側、列が見られる側』で合ってる？"]])
def test_the_senseis_words_quoted_back_are_asked_about_not_analysed(turns: list[str]) -> None:
    last = converse(turns)[-1]
    assert last.intent == "knowledge" and not last.calls


@pytest.mark.parametrize(("turns", "tool", "expected"), [
    ([f"heatmap of '{CAT}'", "you wrote 'layer 0 looks at neighbours'. ok, show me layer 0 without [CLS] and [SEP]"],
     "plot_heatmap", {"layer": 0, "exclude_special": True}),
    ([f"「{CURRY}」のヒートマップ", "『ヘッドごとに役割が違う』って説明だったので、最終層の全ヘッドを並べて"],
     "plot_heads", {"layer": -1})])
def test_a_request_beside_the_senseis_words_keeps_the_sentence(turns: list[str], tool: str,
                                                                 expected: dict[str, Any]) -> None:
    name, arguments = call(converse(turns)[-1])
    assert name == tool and "text" not in arguments and expected.items() <= arguments.items()


def test_the_check_mentioned_on_a_quoted_sentence_analyses_it() -> None:
    name, arguments = call(plan("ok show me the norm-based check you mentioned on 'The nurse helped the doctor.'"))
    assert name == "attention_norms" and arguments["text"] == "The nurse helped the doctor."


@pytest.mark.parametrize(("turns", "expected"), [
    ([f"heatmap of '{CAT}' layer 2 head 5", "and 7"], {"layer": 2, "head": 7}),
    ([f"heatmap of '{CAT}' layer 2 head 5", "that was 5, now 6"], {"layer": 2, "head": 6}),
    ([f"heatmap of '{CAT}' layer 2", "skip to the last"], {"layer": -1}),
    ([f"「{CURRY}」のヒートマップ、層3", "最後まで飛ばして"], {"layer": -1}),
    ([f"heatmap of '{CAT}' layer 0", "layer 3", "go back to the first one we saw"], {"layer": 0}),
    ([f"heatmap of '{CAT}' layer 0", "layer 1", "nxet"], {"layer": 2})])
def test_stepping_through_layers_and_heads(turns: list[str], expected: dict[str, Any]) -> None:
    name, arguments = call(converse(turns)[-1])
    assert name == "plot_heatmap" and expected.items() <= arguments.items()


def test_a_decimal_is_no_number_alone() -> None:
    *_, last = converse([f"numbers for '{CAT}' layer 1", "do the rows really add up to 1? some look like 0.9999"])
    assert "head" not in (last.calls[0].arguments if last.calls else {})


@pytest.mark.parametrize(("question", "layer", "head"), [
    (f"numbers for layer zero, head eleven of '{CAT}'", 0, 11),
    (f"For '{CAT}', go through the heatmaps of every layer one by one, starting from the very first.", 0, None),
    (f"「{CURRY}」を1層ずつ順番に見ていきたいです。まず層0のヒートマップから", 0, None)])
def test_numbers_in_words_and_a_pace_are_read_as_written(question: str, layer: int, head: int | None) -> None:
    arguments = call(plan(question))[1]
    assert arguments["layer"] == layer and arguments.get("head") == head


@pytest.mark.parametrize(("question", "expected"), [
    ("switch to the google one pls", {"model": "gemma-270m"}),
    ("googleのモデルに切り替えて", {"model": "gemma-270m"}),
    ("一番小さいモデルで \"Birds sing in the morning.\" のトークン見せて", {"model": "minilm"}),
    ("Run 'A small bird landed.' through BERT, the google model and the Llama one side by side",
     {"model": "minilm", "model_b": "gemma-270m", "model_c": "smollm2-135m"})])
def test_models_named_by_maker_or_size(question: str, expected: dict[str, Any]) -> None:
    assert expected.items() <= call(plan(question))[1].items()


@pytest.mark.parametrize(("question", "tool", "expected"), [
    ("In 'Why is the sky so dark at night?', what does 'why' attend to most?", "plot_line",
     {"text": "Why is the sky so dark at night?", "query": "why"}),
    ("「見せて」と「見せてください」を比べて", "compare_attention", {"text_a": "見せて", "text_b": "見せてください"}),
    ("「これは何ですか」と「これは何ですか？」のアテンションを比べて", "compare_attention",
     {"text_a": "これは何ですか", "text_b": "これは何ですか？"}),
    ("attention norms for the sentence Nobody told me why", "attention_norms", {"text": "Nobody told me why"}),
    ("ロールアウトおねがいします：説明してもらえますか", "attention_rollout", {"text": "説明してもらえますか"})])
def test_sentences_that_look_like_requests_are_analysed(question: str, tool: str, expected: dict[str, Any]) -> None:
    name, arguments = call(plan(question))
    assert name == tool and expected.items() <= arguments.items()


@pytest.mark.parametrize("question", ["Show me the heatmap of this sentence:", "これのヒートマップ見せて"])
def test_a_sentence_announced_and_not_given_is_asked_for(question: str) -> None:
    planned = plan(question)
    assert planned.intent == "ask_back" and not planned.calls


@pytest.mark.parametrize(("turns", "expected"), [
    ([f"heatmap of '{CAT}'", "numbers inside pls"], {"annotate": True}),
    ([f"heatmap of '{CAT}'", "forget it, just put the numbers in"], {"annotate": True}),
    ([f"「{CURRY}」のヒートマップ", "値いりで"], {"annotate": True}),
    ([f"「{CURRY}」のヒートマップ、層3", "<bos>を けして、もう いちど おねがいします"],
     {"exclude_special": True, "layer": 3}),
    (["what are a query and a key, in plain words?", "ok now show me that on an actual sentence: 'The dog barked'"],
     {"text": "The dog barked"}),
    (["クエリとキーって要するに何と何？", "じゃあ実際の文で見せて。『先生が生徒をほめた』"],
     {"text": "先生が生徒をほめた"})])
def test_terse_second_language_and_hedged_requests_keep_to_the_heatmap(turns: list[str],
                                                                      expected: dict[str, Any]) -> None:
    name, arguments = call(converse(turns)[-1])
    assert name == "plot_heatmap" and expected.items() <= arguments.items()


@pytest.mark.parametrize(("turns", "tool"), [
    ([f"where does 'cat' look in '{CAT}'", "sorry, could that be the first layer instead? if that's possible"],
     "plot_line"),
    (["compare 'The bank was closed' and 'The river bank was muddy'",
      "ok. maybe layer 1 instead of the last one? if ok"], "compare_attention"),
    (["what does torch.mean(outputs.attentions[-1], dim=1)[0] give for 'Time flies like an arrow.'",
      "same expression on gemma"], "explain_reduction"),
    (["continue 'Once upon a time there was' and show the attention", "Please more 5 token."],
     "generation_attention")])
def test_a_hedged_or_terse_follow_up_goes_on_with_the_view_shown(turns: list[str], tool: str) -> None:
    assert call(converse(turns)[-1])[0] == tool


@pytest.mark.parametrize("question", ["hmm, I'm not sure what else to ask, sorry",
                                      "すみません、えっと…なんて聞けばいいのか…"])
def test_not_knowing_what_to_ask_is_asked_back(question: str) -> None:
    last = converse([f"heatmap of '{CAT}'", question])[-1]
    assert last.intent == "ask_back" and not last.calls


# --- session 27: nods, bare terms, words of a sentence never given, scale and numbers as written -----------------

@pytest.mark.parametrize("reply", ["ok got it, cheers", "thanks, that's it for now", "なるほど、安心しました",
                                   "了解、あとで入れてみます", "that makes sense, thanks"])
def test_a_nod_after_an_answer_asks_nothing(reply: str) -> None:
    last = converse(["what is an attention sink?", reply])[-1]
    assert last.intent == "ask_back" and not last.calls and not last.knowledge


@pytest.mark.parametrize(("term", "entry"), [("kobayashi?", "norm_based"), ("ノルム…？", "norm_based"),
                                             ("エントロピーって", "attention_entropy"), ("rollout?", "rollout"),
                                             ("sink tokens?", "attention_sinks"), ("induction??", "heads_differ")])
def test_a_bare_term_after_a_figure_is_explained(term: str, entry: str) -> None:
    last = converse([f"heatmap of '{CAT}', layer 3", term])[-1]
    assert last.intent == "knowledge" and not last.calls and last.knowledge[0] == entry


@pytest.mark.parametrize(("term", "tool"), [("heatmap?", "plot_heatmap"), ("3d?", "plot_3d")])
def test_a_bare_form_of_the_figure_redraws_it(term: str, tool: str) -> None:
    assert call(converse([f"line chart of '{CAT}', layer 3", term])[-1])[0] == tool


@pytest.mark.parametrize(("turns", "expected"), [
    (["what does 'it' look at most?", "'The dog dropped the ball because it was tired'"],
     {"text": "The dog dropped the ball because it was tired", "query": "it"}),
    (["what does 'it' look at most?", "The dog dropped the ball because it was tired"],
     {"text": "The dog dropped the ball because it was tired", "query": "it"}),
    (["この文の『それ』って何を見てるの？", "『鍵を机に置いたけど、それが見つからない。』です"],
     {"text": "鍵を机に置いたけど、それが見つからない。"})])
def test_a_word_asked_about_before_its_sentence_waits_for_it(turns: list[str], expected: dict[str, Any]) -> None:
    first, last = converse(turns)
    assert first.intent == "ask_back" and first.needs_sentence and not first.calls
    name, arguments = call(last)
    assert name == "plot_line" and expected.items() <= arguments.items()


@pytest.mark.parametrize("question", ["what does [CLS] attend to?",
                                      "Draw a line chart of the attention from 'love' in layer 2",
                                      "if 'it' attends strongly to 'dog', does that mean the model understood it?",
                                      "why does every row of the attention matrix add up to exactly one?"])
def test_a_special_token_or_a_concept_question_needs_no_sentence(question: str) -> None:
    assert plan(question).intent != "ask_back"


@pytest.mark.parametrize(("question", "expected"), [
    ("smollm2, layer 27, head 4, colour max 0.3, heatmap of: Every morning the baker opens at six",
     {"color_max": 0.3, "layer": 27, "head": 4}),
    ("全ヘッドを並べて見たい：層１０、gemma、色の範囲は0から0.5で固定、文「窓を開けると冷たい風が入ってきた」",
     {"color_max": 0.5, "layer": 10}),
    ("ひーとまっぷ おねがい 「おにぎりを三つ食べた」 れいやー３ へっど１ すうちいり", {"annotate": True, "head": 1}),
    (f"heatmap of '{CAT}', layer 5 head 3, numbers on", {"annotate": True}),
    ("この文の『の』がどこ見てるか折れ線で：駅の近くにある店", {"text": "駅の近くにある店", "query": "の"})])
def test_choices_written_in_one_message_are_all_read(question: str, expected: dict[str, Any]) -> None:
    assert expected.items() <= call(plan(question))[1].items()


@pytest.mark.parametrize(("follow_up", "expected"), [("heads grid, same 0-1 scale", {"color_max": 1.0}),
                                                     ("fix the top of the scale at 0.3", {"color_max": 0.3}),
                                                     ("そのままヒートマップにして。数値も", {"annotate": True})])
def test_scale_and_numbers_said_in_a_follow_up(follow_up: str, expected: dict[str, Any]) -> None:
    assert expected.items() <= call(converse([f"heatmap of '{CAT}', layer 3", follow_up])[-1])[1].items()


@pytest.mark.parametrize("question", ["Into how many tokens does minilm chop the word 'unbelievably'?",
                                      "Does the word 'unbelievably' stay one token or get chopped into pieces?"])
def test_a_word_whose_tokens_are_asked_is_the_text(question: str) -> None:
    name, arguments = call(plan(question))
    assert name == "extract_attention" and arguments["text"] == "unbelievably"


def test_a_layer_asked_with_a_question_mark_redraws() -> None:
    name, arguments = call(converse([f"heatmap of '{CAT}', layer 0", "last layer?"])[-1])
    assert name == "plot_heatmap" and arguments["layer"] == -1


@pytest.mark.parametrize(("turns", "tool"), [
    (["line chart 'I love sunny days'", "why did my own plt.plot give like 6 lines", "show that"], "plot_matrix_lines"),
    (["『夏はスイカがおいしい』の折れ線グラフ", "plt.plot(attention)だと線がいっぱい出るのはなんで？",
      "それ見せて"], "plot_matrix_lines"),
    (["「コーヒーを飲みに行こう」のトークン", "「こーひーをのみにいこう」のトークンも",
      "2つ並べてヒートマップで比べて"], "compare_attention")])
def test_show_that_and_the_two_side_by_side_go_on_with_what_was_shown(turns: list[str], tool: str) -> None:
    assert call(converse(turns)[-1])[0] == tool


@pytest.mark.parametrize("question", [
    "my colab figure also looks different from yours, why?",
    "my friend got a totally different map for that sentence on her laptop",
    "something else is off in her plot too but I can't put my finger on it",
    "what about the one in my textbook",
    "the figure in the paper I'm reading looked nothing like this",
    "I saw a nicer 3D one in a tutorial video yesterday, can you make it like that?",
    "my boss says the grid he made last week looks nothing like this one"])
def test_a_figure_made_elsewhere_is_asked_about_first(question: str) -> None:
    last = converse([f"heatmap of '{CAT}'", question])[-1]
    assert not last.calls and last.knowledge == ("figure_from_elsewhere",)


@pytest.mark.parametrize("question", ["why cant the first の see 車",
                                      "Why does gemma glue the particle onto the verb, like を食べ? That's not how "
                                      "Japanese grammar splits words."])
def test_an_english_question_around_a_japanese_word_is_no_sentence(question: str) -> None:
    assert not plan(question).calls
    assert call(plan("Why is the sky blue? のヒートマップ"))[1]["text"] == "Why is the sky blue?"


@pytest.mark.parametrize(("question", "tool", "expected"), [
    ("gemmaで「社長はもうお帰りになりましたか」の第5層を全部のヘッド並べて", "plot_heads",
     {"text": "社長はもうお帰りになりましたか", "layer": 4}),
    ("「元気ですか」の第2層を見せて", "plot_heatmap", {"text": "元気ですか", "layer": 1}),
    ("In 象は鼻が長い, plot where 長い is looking, as a line chart, layer 5.", "plot_line",
     {"text": "象は鼻が長い", "layer": 5}),
    ("Can you tag the head roles for 駅の前に新しいパン屋ができました? I want to know which heads are just sinks.",
     "head_roles", {"text": "駅の前に新しいパン屋ができました"})])
def test_a_japanese_sentence_that_asks_or_stands_in_english_is_analysed(question: str, tool: str,
                                                                        expected: dict[str, Any]) -> None:
    name, arguments = call(plan(question))
    assert name == tool and expected.items() <= arguments.items()


def test_a_japanese_word_in_an_english_question_is_no_sentence() -> None:
    assert not plan("why is いらっしゃった broken into several pieces?").calls


@pytest.mark.parametrize("turns", [
    ["heatmap of 'Bees carry pollen between flowers', layer 2 head 3", "is that a prev-token head or not"],
    ["「弟は毎朝六時に起きる。」のヘッドを全部並べて", "この中に、直前のトークンを見るヘッドってありますか？"],
    ["「夕方から雨が強くなるらしい。」の第3層ヘッド1", "これprev-tokenヘッド？"]])
def test_whether_a_head_shown_has_a_role_is_run(turns: list[str]) -> None:
    name, arguments = call(converse(turns)[-1])
    assert name == "head_roles"


def test_what_a_role_is_stays_an_explanation() -> None:
    last = converse(["heatmap of 'Bees carry pollen', layer 2", "what is a prev-token head?"])[-1]
    assert last.intent == "knowledge" and not last.calls


@pytest.mark.parametrize(("question", "tool", "expected"), [
    ('Sentence (no quotes): She said yes before he finished asking\nModel: smollm2-135m\nLayer: 14\nHead: 3\n'
     'View: line chart from "yes"', "plot_line",
     {"text": "She said yes before he finished asking", "layer": 14, "head": 3, "query": "yes"}),
    ("gemma-270m / 層12 / ヘッド0 / 折れ線 / クエリ「鍵」 / 文：玄関の鍵をどこに置いたか忘れた", "plot_line",
     {"text": "玄関の鍵をどこに置いたか忘れた", "query": "鍵", "layer": 12, "head": 0}),
    ("The surgeon thanked the nurse after the long operation\n^ heatmap it. L3 H2. minilm. no cls/sep.",
     "plot_heatmap", {"text": "The surgeon thanked the nurse after the long operation", "layer": 3, "head": 2,
                      "exclude_special": True})])
def test_a_message_laid_out_as_fields_is_read(question: str, tool: str, expected: dict[str, Any]) -> None:
    name, arguments = call(plan(question))
    assert name == tool and expected.items() <= arguments.items()


# --- session 28: phone slips, numbers of layers and heads, prompts carried, pasted code, claims, names ------------

@pytest.mark.parametrize(("question", "expected"), [
    ("raw nums pls layer 1 had 4 'she reads books at night'", {"layer": 1, "head": 4}),
    ("all the hds of lyr 2 had 9 for 'snow covered the quiet town'", {"layer": 2}),
    ("「今日は雨がふった」の３総目のヒ-トマップ見せて", {"layer": 2, "text": "今日は雨がふった"}),
    ("「明日はたぶん晴れる」のレイヤ-5のへっど全部ならべて", {"layer": 5}),
    ("「花が一斉に咲いた」の数値入りヒートマップ　特種トークンぬきで", {"annotate": True, "exclude_special": True}),
    ("same sentence on mini lm vs gemma pls  'the bank was closed on monday'", {"model": "minilm",
                                                                                "model_b": "gemma-270m"})])
def test_slips_of_a_phone_keyboard_are_read_through(question: str, expected: dict[str, Any]) -> None:
    assert expected.items() <= call(plan(question))[1].items()


@pytest.mark.parametrize("question", ["I thought BERT-base had 12", "i had 2 questions about the heatmap",
                                      "see you later 3 days from now", "thanks, 10/10 explanation"])
def test_words_like_the_slips_are_left_alone(question: str) -> None:
    reading = read(standard(question))
    assert not reading.heads and not reading.layers and ("10/10", "10/10") not in reading.models


@pytest.mark.parametrize(("follow_up", "expected"), [
    ("最後のヘッドだけ", {"layer": 17, "head": -1}), ("and layer 15, 9th head", {"layer": 15, "head": 8}),
    ("now the second to last", {"layer": -2}), ("the second to last head", {"head": -2})])
def test_last_and_second_to_last_are_read_as_places(follow_up: str, expected: dict[str, Any]) -> None:
    first = f"heatmap of '{CAT}'" if follow_up.isascii() else "「兄は毎晩10時に寝る」のヒートマップ、第18層"
    assert expected.items() <= call(converse([first, follow_up])[-1])[1].items()


@pytest.mark.parametrize(("turns", "expected"), [
    (["heatmap of 'We met at the station at noon' with the colour scale fixed from 0 to 0.5"], 0.5),
    ([f"heads of layer 0 for '{CAT}'", "put the colour bar on 0 to 1 so I can compare with other layers"], 1.0),
    (["「子どもたちが公園で2時間遊んだ」の第3層の全ヘッド、色の上限0.4", "第１６層も同じスケールで"], 0.4),
    ([f"heads of layer 0 for '{CAT}', colour max 0.3", "heads of layer 2, same colour scale"], 0.3)])
def test_a_colour_range_as_written_and_the_same_scale_as_before(turns: list[str], expected: float) -> None:
    name, arguments = call(converse(turns)[-1])
    assert name != "compare_attention" and arguments["color_max"] == expected


def test_an_unfinished_sentence_analysed_is_the_prompt_continued() -> None:
    prompt = "The recipe needs two eggs and a cup of"
    turns = converse([f"what tokens does gemma make from '{prompt}'?", "now let it finish the sentence, 6 tokens",
                      "back to the generation, 10 tokens this time, layer 12"])
    for last, tokens in ((turns[1], 6), (turns[2], 10)):
        name, arguments = call(last)
        assert name == "generation_attention" and arguments["prompt"] == prompt
        assert arguments["max_new_tokens"] == tokens


@pytest.mark.parametrize(("question", "tool", "expected"), [
    ('inputs = tokenizer("今朝は駅まで走った。", return_tensors="pt")\nout = model(**inputs, output_attentions=True)\n'
     "plt.imshow(out.attentions[4][0, 2].detach())\nこれと同じ図をここで見たいです",
     "plot_heatmap", {"text": "今朝は駅まで走った。", "layer": 4, "head": 2}),
    ('my cell:\nattention = outputs.attentions[3][0].mean(0)\nax = plt.figure().add_subplot(projection="3d")\n'
     'ax.bar3d(xs, ys, zs, 0.5, 0.5, attention.flatten())\ndo this for "Cold water wakes you up"',
     "plot_3d", {"text": "Cold water wakes you up", "layer": 3})])
def test_pasted_code_asked_for_on_a_sentence_draws_its_view(question: str, tool: str,
                                                            expected: dict[str, Any]) -> None:
    name, arguments = call(plan(question))
    assert name == tool and expected.items() <= arguments.items()


def test_an_expression_asked_about_is_still_explained() -> None:
    question = "bertvizに渡す前に outputs.attentions[3][0, 1] で切り出してるんですが、これで何が残ります？"
    assert call(plan(question))[0] == "explain_reduction"


@pytest.mark.parametrize(("question", "expected"), [
    ("「このヘッドは主語を見てる」って友達が言ってたんだけど、『犬が庭でボールを追いかけた』の４層目ヘッド１で本当か見たい",
     ("plot_heatmap", {"text": "犬が庭でボールを追いかけた", "layer": 3, "head": 1})),
    ('「Llama系のモデルは最初の単語に注意を捨ててる」って聞いたんですが、smollmで '
     '"My friend found a wallet on the bus." を見て確かめたい',
     ("plot_heatmap", {"text": "My friend found a wallet on the bus.", "model": "smollm2-135m"}))])
def test_a_claim_someone_made_is_no_sentence(question: str, expected: tuple[str, dict[str, Any]]) -> None:
    name, arguments = call(plan(question))
    assert name == expected[0] and expected[1].items() <= arguments.items()


def test_a_claim_someone_made_is_read_with_the_question() -> None:
    last = plan("「最終層がいちばん意味のある層」って参考書に書いてあったけど、一般的にそうなの？")
    assert last.intent == "knowledge" and last.knowledge[0] == "layers_differ"


@pytest.mark.parametrize(("turns", "expected"), [
    ([f"heatmap of '{CAT}'", "heatmap without the sink tokens then"], ("plot_heatmap", {"exclude_special": True})),
    ([f"heatmap of '{CAT}', layer 3", "raw heatmap same layer, w/o special"],
     ("plot_heatmap", {"exclude_special": True, "layer": 3})),
    (["load the one with grouped-query attention"], ("load_model", {"model": "smollm2-135m"})),
    (["GQAのやつ読み込んで"], ("load_model", {"model": "smollm2-135m"})),
    (["Plot the norm-weighted attention for 'She poured the coffee.'"], ("attention_norms", {})),
    (["「雨が止んだので散歩に出かけた。」のヒートマップ", "それ、全層ぶんまとめて一枚に"], ("attention_rollout", {})),
    ([f"heatmap of '{CAT}', layer 5", "ok roll that up over all layers"], ("attention_rollout", {}))])
def test_views_and_models_named_in_the_learners_words(turns: list[str], expected: tuple[str, dict[str, Any]]) -> None:
    name, arguments = call(converse(turns)[-1])
    assert name == expected[0] and expected[1].items() <= arguments.items()


@pytest.mark.parametrize(("turns", "expected"), [
    (['plot attentions[3] head 7 for "The train leaves at 9:45 tomorrow morning."'],
     ("plot_heatmap", {"layer": 3, "head": 7})),
    ([f"heatmap of '{CAT}', head 7", "cool, same thing for attentions[-1]"], ("plot_heatmap", {"layer": -1})),
    ([f"heatmap of '{CAT}'", "what does attentions[-1] hold?"], ("explain_reduction", {}))])
def test_an_expression_that_only_picks_a_layer(turns: list[str], expected: tuple[str, dict[str, Any]]) -> None:
    name, arguments = call(converse(turns)[-1])
    assert name == expected[0] and expected[1].items() <= arguments.items()


# --- session 29: concepts then shown, figures from elsewhere, own sentences, English words in Japanese, partings ----

def test_a_generation_asked_in_a_hurry() -> None:
    first, second = converse(["yo can u make gemma write smth after 'my cat keeps knocking things off the'",
                              "ok generate again but 30 tokns"])
    assert call(first) == ("generation_attention", {"layer": -1, "prompt": "my cat keeps knocking things off the",
                                                    "model": "gemma-270m"})
    name, arguments = call(second)
    assert name == "generation_attention" and arguments["max_new_tokens"] == 30


@pytest.mark.parametrize(("turns", "tools"), [
    (["ロールアウトって何ですか？授業で聞いたけどよくわからなくて", "実際にやってみせてください。文は何でもいいです"],
     {"attention_rollout"}),
    (["people keep saying 'attention heads'. what is a head?", "can I see them? any sentence is ok"],
     {"plot_heads", "head_roles"})])
def test_a_concept_explained_then_shown(turns: list[str], tools: set[str]) -> None:
    explained, shown = converse(turns)
    assert explained.intent == "knowledge" and call(shown)[0] in tools


@pytest.mark.parametrize("question", [
    "my lab mate has a plot of head 9 from his own code that looks totally different, can you compare it with yours?",
    "can you compare this with Figure 3 of the Kobayashi paper?",
    "how does it compare with what I had open in my other tab?",
    "I'll send you a screenshot of my own numbers so you can compare",
    "これ、前にゼミで先輩が見せてくれた図とも比べたいです"])
def test_a_figure_from_elsewhere_is_asked_about_even_in_a_comparison(question: str) -> None:
    last = converse(["『猫が魚を食べた』と『猫は魚を食べた』のアテンションを比べて", question])[-1]
    assert not last.calls and last.knowledge == ("figure_from_elsewhere",)


def test_a_person_of_the_sentences_names_a_sentence_not_a_figure() -> None:
    last = converse(["heatmap of 'Yesterday my sister baked a chocolate cake.'",
                     "now 'Today my brother baked a chocolate cake.'", "compare the sister one with the Today one"])[-1]
    name, arguments = call(last)
    assert name == "compare_attention"
    assert {arguments["text_a"], arguments["text_b"]} == {"Yesterday my sister baked a chocolate cake.",
                                                          "Today my brother baked a chocolate cake."}


@pytest.mark.parametrize(("question", "color_max"), [
    ("先輩のスライドと揃えたいから色の上限を0.5にして", 0.5),
    ("can you pin that bar to 0..1 so it matches my other slide", 1.0)])
def test_a_change_made_to_match_a_slide_is_made(question: str, color_max: float) -> None:
    name, arguments = call(converse([f"heatmap of '{CAT}', layer 5, head 3", question])[-1])
    assert name == "plot_heatmap" and arguments["color_max"] == color_max and arguments["head"] == 3


def test_my_own_sentence_in_a_conversation_is_asked_for_then_drawn_in_the_view_shown() -> None:
    _, asked, drawn, parting = converse([f"the line chart of '{CAT}' please", "can I use my own sentence?",
                                         "Tom gave Anna a book", "That's all I needed for today, thanks a lot."])
    assert asked.intent == "ask_back" and asked.needs_sentence
    assert compose(asked, []).startswith("Which sentence?")
    assert call(drawn) == ("plot_line", {"layer": -1, "text": "Tom gave Anna a book"})
    assert parting.intent == "ask_back" and not parting.calls


@pytest.mark.parametrize(("question", "reading", "value"), [
    ("heatmapのlayerを1にして", "layers", [(1, "層を1")]), ("じゃあ最終layerのhead 11", "layers", [(-1, "最終層")]),
    ("wordsでまとめて同じline", "words", True), ("それをheatmapにして、数値もcellに入れて", "annotate", True),
    ("『今日の天気は』の続きをgenerateして。max_new_tokensは８", "new_tokens", 8),
    ("special tokensなしで", "exclude_special", True), ("layer 1で", "layers", [(1, "layer 1")])])
def test_english_words_inside_japanese_are_read(question: str, reading: str, value: Any) -> None:
    assert getattr(read(standard(question), CAT), reading) == value


def test_an_english_view_name_inside_japanese_is_that_view() -> None:
    assert call(plan("「私は彼が来ると思った」のlayer summaryを見せて"))[0] == "layer_summary"


@pytest.mark.parametrize("question", ["自分のnotebookで『東京は雨です』をheatmapにしたら、ラベルが全部□になった",
                                      "ヒートマップの軸ラベルが全部□になります…"])
def test_boxes_for_japanese_are_the_font(question: str) -> None:
    answered = plan(question)
    assert not answered.calls and answered.knowledge[0] == "japanese_font_tofu"


@pytest.mark.parametrize(("question", "small_talk"), [
    ("大変参考になりました。また改めてご相談させてください。", True),
    ("Brilliant, that's all I need for the talk. Thanks a lot!", True), ("よろしくお願いします", True),
    ("Hmm. Not sure what to try next.", True), ("can you make it look nicer?", False), ("もっといい感じにして", False)])
def test_a_parting_or_a_vague_wish_after_a_figure_asks_what_next(question: str, small_talk: bool) -> None:
    last = converse([f"heatmap of '{CAT}'", question])[-1]
    assert last.intent == "ask_back" and not last.calls and last.small_talk == small_talk


def test_a_third_model_added_in_japanese_and_the_same_settings_for_the_heads() -> None:
    _, added, heads = converse(["『今日は晴れ』をminilmとgemmaで比べて", "smollmも並べて", "同じ設定でヘッド一覧も"])
    assert call(added)[1]["model_c"] == "smollm2-135m"
    assert call(heads)[0] == "plot_heads"


def test_a_tool_offered_that_needs_an_expression_gives_way_to_the_one_asked() -> None:
    last = converse(["IndexError: index 4 is out of bounds for dimension 1 with size 4",
                     "このアプリのモデル、それぞれ何層何ヘッドか一覧で見せて"])[-1]
    assert call(last)[0] == "list_models"


def test_why_of_their_own_chart_is_answered_without_their_sentence() -> None:
    answered = plan("why are there 8 lines on my plt.plot chart when my sentence only has 6 words?")
    assert answered.intent != "ask_back" and "plt_plot_2d_lines" in answered.knowledge


def test_slips_in_words_and_a_sentence_spoken_of_before_a_quote() -> None:
    assert read(standard("the last layre, same head"), CAT).layers == [(-1, "last layer")]
    question = "なるほど、列ごとに1本なんですね。では本来描きたかった「umbrellas」の行の折れ線だけをお願いします。"
    spoken = read(standard(question), "Students often forget their umbrellas")
    assert spoken.sentences == [] and spoken.query == "umbrellas"


@pytest.mark.parametrize(("turns", "text"), [
    (["In the blog the author did plt.plot(attention) and got a mess of lines. Why so many lines?",
      "show me what it actually drew, on 'A quiet morning makes me happy.'"], "A quiet morning makes me happy."),
    (["plt.plot(attn)したら線がいっぱい出たのはなんで？",
      "「姉は昨日新しい靴を買いに行った。」で、それが実際に何を描いてるのか見せて"],
     "姉は昨日新しい靴を買いに行った。")])
def test_what_plt_plot_really_drew_is_that_view_on_the_new_sentence(turns: list[str], text: str) -> None:
    assert call(converse(turns)[-1]) == ("plot_matrix_lines", {"layer": -1, "text": text})


def test_put_back_after_a_word_on_the_figure_puts_the_special_tokens_back_and_without_them_again() -> None:
    *_, back, again = converse(["heatmap of 'I left my keys on the kitchen table' without special tokens",
                                "Why did all the other values get bigger once they were gone?",
                                "put them back and show the whole heatmap instead",
                                "and the heatmap without them, to compare"])
    name, arguments = call(back)
    assert name == "plot_heatmap" and not arguments.get("exclude_special")
    assert call(again)[1]["exclude_special"] is True


def test_a_japanese_sentence_after_kore_de_and_a_colon() -> None:
    reading = read(standard("試しにこれで：駅前に新しいパン屋ができたので、今朝は少し早起きした。"))
    assert reading.sentences == ["駅前に新しいパン屋ができたので、今朝は少し早起きした。"]


@pytest.mark.parametrize(("question", "entry"), [
    ("what actually differs between minilm, gemma and smollm under the hood? encoder vs decoder, heads", "bert_vs_gpt"),
    ("encoderとdecoderってattentionの形がどう違うの？BERTとGPTで", "bert_vs_gpt")])
def test_how_models_differ_asked_in_words_is_explained(question: str, entry: str) -> None:
    answered = plan(question)
    assert not answered.calls and entry in answered.knowledge


def test_how_models_differ_asked_to_see_is_compared() -> None:
    assert call(plan("minilmとgemmaでどう違うか見せて"))[0] == "compare_attention"
