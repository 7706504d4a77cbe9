"""What the LLM reads of a tool result: the result as JSON, shrunk by structure to fit its limit.

Cutting the JSON text would hand the LLM invalid JSON and lose `notes`, which come last and say
the most (another model was used, blocks were pooled). So the result is shrunk where its size is:
the longest list (outside `notes`) keeps its first half, again and again; then the longest string
keeps its beginning; then, if need be, the largest field goes. What was cut is said in the
`shortened` field, by path (`a.b` a key, `a[]` any element of a list), so the LLM can ask for less.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

from agent.events import ToolFinished

__all__ = ["LLM_RESULT_LIMIT", "result_for_llm", "fit"]

LLM_RESULT_LIMIT = 6000  # characters of a tool result sent back to the LLM
_KEPT_WHOLE = ("ok", "notes", "shortened")  # top-level fields cut only when nothing else is left
_SHORTEST_CUT = 80  # characters a cut string keeps at least


def result_for_llm(finished: ToolFinished) -> str:
    """The tool message content: the result as JSON without the script (the UI shows it), at most LLM_RESULT_LIMIT."""
    if not finished.ok:
        return _dumps({"ok": False, "error": finished.error})
    shown = {key: value for key, value in finished.result.items() if key != "code"}
    return _dumps(fit({"ok": True, **shown}, LLM_RESULT_LIMIT))


def fit(result: dict[str, Any], limit: int) -> dict[str, Any]:
    """`result` (JSON-able) shrunk until its JSON has at most `limit` characters; `shortened` says how."""
    size = len(_dumps(result))
    if size <= limit:
        return result
    fitted = copy.deepcopy(result)
    record: dict[str, Any] = {"why": f"the full result has {size:,} characters, more than the {limit:,} sent to "
                                     "you: the lists named here keep their first items and the strings their "
                                     "beginning. Ask for less (one layer, one head, one query token) to see the rest.",
                              "lists": {}, "strings": {}, "dropped": []}
    while len(_dumps({**fitted, "shortened": _compact(record)})) > limit:
        if not _shrink_once(fitted, record):
            break  # nothing left to cut: only the kept-whole fields remain
    fitted["shortened"] = _compact(record)
    return fitted


def _shrink_once(result: dict[str, Any], record: dict[str, Any]) -> bool:
    """Cut the largest thing outside the kept-whole fields (then inside them); False when nothing can be cut."""
    for protected in (True, False):
        places = list(_places(result, "", protected))
        lists = [place for place in places if isinstance(place[2], list) and len(place[2]) > 1]
        if lists:
            path, parent, items, key = max(lists, key=lambda place: len(_dumps(place[2])))
            if all(isinstance(item, list) for item in items) and max(map(len, items)) > len(items):
                # a matrix with more columns than rows: cut every row, not the rows
                for index, row in enumerate(items):
                    if len(row) > 1:
                        _cut_list(items, index, row, f"{path}[]", record)
            else:
                _cut_list(parent, key, items, path, record)
            return True
        strings = [place for place in places if isinstance(place[2], str) and len(place[2]) > _SHORTEST_CUT + 1]
        if strings:
            path, parent, text, key = max(strings, key=lambda place: len(place[2]))
            kept = max(_SHORTEST_CUT, len(text) // 2)
            parent[key] = text[:kept] + "…"
            _note(record["strings"], path, kept, len(text))
            return True
        fields = [place for place in places if isinstance(place[1], dict)]
        if fields:
            path, parent, _, key = max(fields, key=lambda place: len(_dumps(place[2])))
            del parent[key]
            record["dropped"].append(path)
            return True
    return False


def _cut_list(parent: Any, key: Any, items: list[Any], path: str, record: dict[str, Any]) -> None:
    kept = max(1, len(items) // 2)
    parent[key] = items[:kept]
    _note(record["lists"], path, kept, len(items))


def _places(node: Any, path: str, protected: bool) -> Iterator[tuple[str, Any, Any, Any]]:
    """(path, parent, value, key) for every value below `node`; kept-whole fields only when not `protected`."""
    children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in children:
        if protected and not path and key in _KEPT_WHOLE:
            continue
        if not path and key in ("ok", "shortened"):
            continue
        child = f"{path}[]" if isinstance(node, list) else f"{path}.{key}" if path else str(key)
        yield child, node, value, key
        yield from _places(value, child, protected)


def _note(cuts: dict[str, dict[str, int]], path: str, kept: int, total: int) -> None:
    """Remember a cut; paths through lists stand for every element, so keep the fewest kept and the most there were."""
    before = cuts.get(path, {"kept": kept, "of": total})
    cuts[path] = {"kept": min(before["kept"], kept), "of": max(before["of"], total)}


def _compact(record: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in record.items() if value}


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
