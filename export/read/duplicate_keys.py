"""Objects that give a key twice, found in the export's JSON text.

JSON readers (the standard library's, orjson) keep the last value of a key given twice in one
object and drop the others without a word: a task whose ``"annotations"`` list is followed by
a second, empty ``"annotations"`` loses its annotations. The readers of
`stancepack.export.read.reader` and `stancepack.export.read.stream` hand out such a task as a
`TaskWithDuplicateKeys`, which names each key given twice by its path in the task, and the
flattening reports them.

Finding them costs a parse that builds every object from its list of pairs, several times
slower than a plain parse, so it is done only where a cheap count says a key may be given
twice (`may_have_duplicate_keys`): every key in a JSON text is followed by a colon, and so is
every key of the parsed value written back by orjson; only colons inside strings are in both
(written back as they are, except the escaped ``\\u003a``, counted apart), so a text with more
colons than its value written back, counting its escaped ones, gives some key twice.
"""

from __future__ import annotations

import json
import re
from typing import Any

import numpy as np
import orjson

COLON, BACKSLASH, U = ord(":"), ord("\\"), ord("u")
ESCAPED_COLON = re.compile(r"\\u003[aA]")


class TaskWithDuplicateKeys(dict[str, Any]):
    """A task in which some object gives a key twice (its last value kept): the path of
    each such key in the task, as ``annotations[0].result``, in ``duplicate_keys``."""

    duplicate_keys: tuple[str, ...] = ()


class _ObjectWithDuplicateKeys(dict[str, Any]):
    """An object of the parsed value that gave the keys ``duplicates`` more than once."""

    duplicates: tuple[str, ...] = ()


def may_have_duplicate_keys(
    text: str | bytes | memoryview, value: Any, start: int = 0, end: int = -1
) -> bool:
    """Whether ``text[start:end]`` (all of it by default), the JSON text of the parsed
    ``value``, may give a key twice in one object (never False when it does)."""
    stop = len(text) if end < 0 else end
    try:
        written = orjson.dumps(value)
    except (orjson.JSONEncodeError, TypeError):  # integers beyond 64 bits, deep nesting
        return True
    if isinstance(text, str):
        colons = text.count(":", start, stop) + len(ESCAPED_COLON.findall(text, start, stop))
    else:
        colons = _colons(np.frombuffer(text, np.uint8, stop - start, start))
    return colons > _colons(np.frombuffer(written, np.uint8), escaped=False)


def _colons(text: np.ndarray, escaped: bool = True) -> int:
    """The colons of a JSON text's bytes and, if ``escaped``, its escaped colons (``\\u003a``,
    ``\\u003A``) and the few other escapes that look the same with the case bit set."""
    count = int(np.count_nonzero(text == COLON))
    if not escaped:
        return count
    escapes = np.flatnonzero(text[:-5] == BACKSLASH)
    escapes = escapes[text[escapes + 1] == U]  # most escapes are \n or \"
    for shift, byte in enumerate(b"003a", 2):
        escapes = escapes[(text[escapes + shift] | 0x20) == byte]
    return count + len(escapes)


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    value = dict(pairs)
    if len(value) == len(pairs):
        return value
    seen: set[str] = set()
    duplicates: dict[str, None] = {}
    for key, _ in pairs:
        if key in seen:
            duplicates[key] = None
        seen.add(key)
    marked = _ObjectWithDuplicateKeys(value)
    marked.duplicates = tuple(duplicates)
    return marked


# A JSON decoder whose objects note the keys they give twice.
NOTING_DECODER = json.JSONDecoder(object_pairs_hook=_object)


def with_duplicate_keys(value: Any) -> Any:
    """A value parsed by `NOTING_DECODER` as the plain readers give it, except that an object
    with duplicate keys inside it (or of its own) is a `TaskWithDuplicateKeys`."""
    paths: list[str] = []
    root = [value]
    pending: list[tuple[Any, Any, str]] = [(root, 0, "")]
    while pending:
        parent, key, path = pending.pop()
        item = parent[key]
        if isinstance(item, dict):
            if type(item) is _ObjectWithDuplicateKeys:
                paths.extend(_joined(path, duplicate) for duplicate in item.duplicates)
                item = parent[key] = dict(item)
            children = [(item, name, _joined(path, name)) for name in item]
        elif isinstance(item, list):
            children = [(item, index, f"{path}[{index}]") for index in range(len(item))]
        else:
            continue
        pending.extend(reversed(children))
    if not paths or not isinstance(root[0], dict):
        return root[0]
    task = TaskWithDuplicateKeys(root[0])
    task.duplicate_keys = tuple(paths)
    return task


def _joined(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def moved_into(task: dict[str, Any], paths: tuple[str, ...]) -> dict[str, Any]:
    """``task`` noting the duplicate keys ``paths`` (none: ``task`` as it is)."""
    if not paths:
        return task
    marked = TaskWithDuplicateKeys(task)
    marked.duplicate_keys = paths
    return marked
