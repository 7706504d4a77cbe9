"""Undo takes back what the sensei remembered of a question, not only its messages.

The offline sensei keeps the conversation's sentence, model, view and choices (agent/context.py), the
tools session keeps its current model and its latest extraction; a follow-up after an undo must read
against the turns that remain.
"""

from __future__ import annotations

import copy

from agent.events import ToolFinished
from agent.sensei import Sensei
from agent.settings import Settings

CAT = "The cat sat on the mat."
DOGS = "Dogs bark at the mailman."


def finished(events: list) -> list[ToolFinished]:
    return [event for event in events if isinstance(event, ToolFinished)]


def test_a_follow_up_after_undo_reads_against_the_remaining_turns(tmp_path):
    sensei = Sensei(Settings(backend="offline", model="minilm"))
    conversation = sensei.new_conversation(tmp_path)
    list(sensei.turn(conversation, f"Show the heatmap of '{CAT}', layer 2"))
    remembered, model = copy.deepcopy(conversation.context), conversation.tools.model_name
    taken_back = f"a line chart of '{DOGS}' from 'bark' with bert-base-uncased"  # minilm stands in for it
    list(sensei.turn(conversation, taken_back))
    assert conversation.tools.model_name == "bert-base-uncased"  # a model named for an analysis is chosen

    assert sensei.undo(conversation) == taken_back
    assert conversation.context == remembered and conversation.tools.model_name == model
    assert conversation.tools.latest is not None and conversation.tools.latest.text == CAT

    [step] = finished(list(sensei.turn(conversation, "now head 3")))
    assert (step.name, step.ok, step.result["text"], step.result["model"]) == ("plot_heatmap", True, CAT, "minilm")
    assert step.arguments.get("layer") == 2


def test_undo_leaves_a_model_chosen_in_the_settings_since(tmp_path):
    sensei = Sensei(Settings(backend="offline", model="minilm"))
    conversation = sensei.new_conversation(tmp_path)
    list(sensei.turn(conversation, f"Show the heatmap of '{CAT}' with bert-base-uncased"))
    conversation.tools.model_name = "gemma-270m"  # the learner's choice in the settings, after the question
    sensei.undo(conversation)
    assert conversation.tools.model_name == "gemma-270m" and conversation.context == {}


def test_undo_of_a_question_asked_before_a_restore_forgets_rather_than_points_at_it(tmp_path):
    sensei = Sensei(Settings(backend="offline", model="minilm"))
    conversation = sensei.new_conversation(tmp_path)
    list(sensei.turn(conversation, f"Show the heatmap of '{DOGS}'"))
    restored = sensei.restore(conversation.to_json(), tmp_path)  # what it remembered before is not saved
    assert restored.context["text"] == DOGS
    assert sensei.undo(restored) == f"Show the heatmap of '{DOGS}'"
    assert DOGS not in str(restored.context)
