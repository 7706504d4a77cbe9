"""The offline sensei's answer: Markdown, in the question's language, built only from real tool results.

    compose(plan, outcomes)   one paragraph per tool call, rendered from the tool's card (or its error
                              and what to try), then the figure downloads, the knowledge entries and
                              how the question was read; or, when the plan asks back, the nearest
                              things the sensei can do, each with a question to ask for it
    suggestions(plan)         the questions the answer offers to ask next (a menu entry's views), which the
                              app shows as buttons; each is also written in the answer
    help_text(language)       "I did not understand" with example questions
    outcome_text(outcome, l)  one tool call in words (a lesson step shows its result with it too)

Generic: the words for a tool's result are its card's answer lines (agent/answer.py renders
them) and its notes, each rendered from its key and values (tools/core/notes.py); every number
printed comes from a tool result.
"""

from __future__ import annotations

import re

from agent.answer import render_lines
from agent.cards import cards, views
from agent.events import ToolFinished
from agent.phrases import HELP_EXAMPLES, error_hint, say
from agent.planner import Plan
from prompts import Entry, Language, knowledge
from tools.core.notes import render as render_note

__all__ = ["compose", "suggestions", "help_text", "outcome_text"]


def compose(plan: Plan, outcomes: list[ToolFinished]) -> str:
    """The final answer to a planned question, citing the values the tools returned."""
    language = plan.language
    if plan.intent == "ask_back":
        return _ask_back(plan, language)
    parts = [outcome_text(outcome, language) for outcome in outcomes]
    if any(o.ok and o.name in cards() and cards()[o.name].figure for o in outcomes):
        parts.append(say("downloads", language))
    entries = [_entry_text(knowledge()[entry_id], language) for entry_id in plan.knowledge if entry_id in knowledge()]
    if entries:
        title = [say("knowledge_title", language)] if outcomes else []
        parts.append("\n\n".join([*title, *entries]))
    if plan.interpretation:
        parts.append("\n".join([say("interpretation_title", language), *(f"- {line}" for line in plan.interpretation)]))
    return "\n\n".join(part for part in parts if part)


def help_text(language: Language, opening: str = "help") -> str:
    """Say plainly that the question was not understood (or, to a greeting or thanks, ask what to look at), with
    example questions that work."""
    examples = "\n".join(f"- {example}" for example in HELP_EXAMPLES[language])
    return f"{say(opening, language)}\n\n{examples}"


def suggestions(plan: Plan) -> tuple[str, ...]:
    """The questions the answer to `plan` offers to ask next: every view's, when it explains a menu entry."""
    if plan.intent == "ask_back" or not plan.lists_the_views():
        return ()
    return tuple(question for _, question in _views(plan.language))


def _views(language: Language) -> list[tuple[str, str]]:
    """Every view the cards draw, in registration order: (what it shows, the question that asks for it)."""
    return [(card.description[language], card.showcase[0][language] if card.showcase else card.examples[language][0])
            for card in views()]


def _entry_text(entry: Entry, language: Language) -> str:
    """An entry's answer; a menu entry ("How can I visualize it?") goes on with every view, each with its question."""
    if not entry.menu:
        return entry.text(language)
    lines = [say("suggest_tool", language, description=description, example=question)
             for description, question in _views(language)]
    return "\n".join([entry.text(language), "", *lines])


def _ask_back(plan: Plan, language: Language) -> str:
    """Not sure what was asked: offer the nearest tools and topics, each with a question that asks for it."""
    if plan.small_talk:  # the nearest to "thanks!" mean nothing: the questions that show what the sensei does
        return help_text(language, "welcome" if plan.thanked else "ask_what_to_see")
    if plan.needs_head:
        return say("ask_head", language)
    lines = []
    for match in plan.suggestions:
        if match.kind == "tool":
            card = cards()[match.name]
            lines.append(say("suggest_tool", language, description=card.description[language],
                             example=card.examples[language][0]))
        elif match.name in knowledge():
            entry = knowledge()[match.name]
            examples = entry.examples_ja if language == "ja" else entry.examples_en
            if examples:
                lines.append(say("suggest_topic", language, example=examples[0]))
    if plan.needs_sentence:  # (with no suggestion: the sentence alone, for the view shown)
        return "\n".join([say("ask_sentence", language), *([say("ask_back_also", language), *lines] if lines else [])])
    if not lines:
        return help_text(language)
    return "\n".join([say("ask_back", language), *lines])


def outcome_text(outcome: ToolFinished, language: Language) -> str:
    """One tool call in words: its card's answer lines and its notes, or its error and what to try next."""
    if not outcome.ok:
        error = outcome.error or "unknown error"
        said = outcome.result.get("error_note")  # the error as a note: then in the learner's language
        shown = render_note(said, language) if said else error
        fix = outcome.result.get("error_fix", "rephrase")  # what to try, by the kind of mistake (tools/core/errors.py)
        return f"{say('failed', language, tool=outcome.name, error=shown)}\n\n{error_hint(fix, language)}"
    card = cards().get(outcome.name)
    if card is None or not card.answer:
        return outcome.summary
    lines = render_lines(card.answer, outcome.result, outcome.arguments or {}, language)
    # a note is rendered from its key and values (tools/core/notes.py), never from its English text
    lines += [say("notes", language, text=render_note(said, language)) for said in outcome.result.get("notes", [])]
    return _paragraphs(lines)


def _paragraphs(lines: list[str]) -> str:
    """Markdown: each line its own paragraph, except that the items of a list stay together."""
    text = ""
    for line in lines:
        both_items = _is_item(line) and text and _is_item(text.rsplit("\n", 1)[-1])
        text += ("\n" if both_items else "\n\n" if text else "") + line
    return text


def _is_item(line: str) -> bool:
    return line.startswith("- ") or bool(re.match(r"\d+\. ", line))
