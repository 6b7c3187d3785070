"""Reading a Label Studio export file into a list of task dicts.

Only a full JSON export keeps relations and the link between a span and its per-region
stance, roles and actor name. This module reads such a file, accepts the file-level shapes
seen in the wild (a single task object, an annotation file with its task nested under
``task``), and refuses, with a message that says why and what to do instead, what is not a
full JSON export: JSON_MIN, CSV, CoNLL, invalid or truncated JSON, JSON with lone surrogate
escapes, an empty file, a JSON value that is not a list of tasks. Shapes inside a task
(pre-1.0 ``completions``, tasks without ``id`` or without a ``data`` wrapper, ...) are read
task by task by `stancepack.export.validate.flatten`.
"""

from __future__ import annotations

import json
import os
import re
import stat
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from stancepack.export.issues import WARNING, Issue, type_name
from stancepack.export.read.duplicate_keys import (
    NOTING_DECODER,
    TaskWithDuplicateKeys,
    may_have_duplicate_keys,
    moved_into,
    with_duplicate_keys,
)
from stancepack.ground.errors import ExportError

# Keys of which a task object has at least one.
TASK_KEYS = ("data", "annotations", "completions", "predictions")
# Keys of a JSON_MIN / CSV record that a task never has at its top level.
FLAT_EXPORT_KEYS = ("annotation_id", "annotator")
BOM = b"\xef\xbb\xbf"
# A file that is not a list holds one task (or one annotation with its task) and is read
# whole; one larger than this is refused unread, from its first bytes.
LARGEST_NOT_A_LIST = 64 << 20
HEAD_BYTES = 1 << 16
# Kinds of files that are not regular files, as messages name them.
NOT_REGULAR = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)
FULL_EXPORT_HINT = (
    "get a full JSON export instead: stancepack pull --project ID -o export.json, "
    "or Export > JSON in Label Studio"
)
# A \\u escape of a UTF-16 surrogate (after a run of backslashes: the escape is real when
# the run is odd), and the escape of a low surrogate that completes a high one.
SURROGATE_ESCAPE = re.compile(r"(\\+)u[dD][89a-fA-F][0-9a-fA-F]{2}")
LOW_SURROGATE_ESCAPE = re.compile(r"\\u[dD][c-fC-F][0-9a-fA-F]{2}")
# A JSON string or, outside strings, an integer (not a fraction or exponent): where the
# standard library's parser refuses one of more digits than Python converts.
STRING_OR_INTEGER = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|(?<![0-9])-?([0-9]++)(?![.eE])')
LOST_IN_FLAT_EXPORTS = (
    "it has already dropped the relations and cut per-region stance, roles and "
    "actor names loose from their spans"
)


@dataclass(frozen=True)
class ExportFile:
    """The tasks of an export file, and notes on how the file's shape was read."""

    source: str
    tasks: list[dict[str, Any]]
    notes: tuple[Issue, ...] = ()


def load_export(path: str | Path) -> ExportFile:
    """Read a Label Studio full JSON export file whole: its tasks (``.tasks``, a list of
    dicts) plus notes on file shapes that were accepted. Raises `ExportError` with a
    one-line message for anything that is not one."""
    location = Path(path)
    with open_export_file(location) as handle:
        data = handle.read()
    return parse_export(data, str(location))


def open_export_file(location: Path) -> IO[bytes]:
    """The export file, open for reading bytes; `ExportError` when it cannot be opened or
    is not a regular file (opened without waiting, so a named pipe is refused at once)."""
    try:
        descriptor = os.open(location, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise ExportError(f"{location}: no such file") from None
    except IsADirectoryError:
        raise ExportError(f"{location}: is a folder, not an export file") from None
    except OSError as error:
        raise ExportError(f"{location}: cannot be read ({error.strerror})") from None
    try:
        _refuse_not_regular(location, os.fstat(descriptor).st_mode)
        os.set_blocking(descriptor, True)
    except BaseException:
        os.close(descriptor)
        raise
    return os.fdopen(descriptor, "rb")


def _refuse_not_regular(location: Path, mode: int) -> None:
    if stat.S_ISDIR(mode):
        raise ExportError(f"{location}: is a folder, not an export file")
    for is_kind, kind in NOT_REGULAR:
        if is_kind(mode):
            raise ExportError(f"{location}: is {kind}, not an export file")


def refuse_large_not_a_list(handle: IO[bytes], source: str) -> None:
    """Refuse the open export file ``handle`` when it is larger than `LARGEST_NOT_A_LIST`
    (its JSON value is not a list): named as a CSV or CoNLL export by its first line, or as
    too large to be one task."""
    size = os.fstat(handle.fileno()).st_size
    if size <= LARGEST_NOT_A_LIST:
        return
    handle.seek(0)
    head = handle.read(HEAD_BYTES).removeprefix(BOM).decode("utf-8", "replace")
    _refuse_text_formats(head, source)
    raise ExportError(
        f"{source}: not a list of tasks, and too large to be one task ({size} bytes, more than "
        f"{LARGEST_NOT_A_LIST}); expected a Label Studio full JSON export"
    )


def parse_export(data: bytes, source: str = "export") -> ExportFile:
    """Read the bytes of an export file; ``source`` names it in messages."""
    text = _decode(data, source)
    if not text.strip():
        raise ExportError(
            f"{source}: empty file; expected a Label Studio full JSON export (a list of tasks)"
        )
    _refuse_text_formats(text, source)
    value = _parse_json(text, source)
    surrogate = lone_surrogate(text)
    if surrogate is not None:
        line, column = line_and_column(text, surrogate)
        raise lone_surrogate_error(source, text[surrogate : surrogate + 6], line, column)
    if may_have_duplicate_keys(text, value):
        value = _noting_duplicate_keys(text)
    return tasks_from_json(value, source)


def _noting_duplicate_keys(text: str) -> Any:
    """The JSON value of ``text``, each task (or the object) that gives a key twice a
    `TaskWithDuplicateKeys`."""
    value = NOTING_DECODER.decode(text)
    if isinstance(value, list):
        return [with_duplicate_keys(item) for item in value]
    return with_duplicate_keys(value)


def tasks_from_json(value: Any, source: str = "export") -> ExportFile:
    """The tasks of a parsed JSON export, accepting the root shapes seen in the wild."""
    if isinstance(value, list):
        _check_task_list(value, source)
        return ExportFile(source, value)
    if isinstance(value, dict):
        return _tasks_from_object(value, source)
    raise ExportError(
        f"{source}: the JSON value is {type_name(value)}, not a list of tasks; "
        "expected a Label Studio full JSON export"
    )


def _decode(data: bytes, source: str) -> str:
    start = len(BOM) if data.startswith(BOM) else 0
    try:
        return data[start:].decode("utf-8")
    except UnicodeDecodeError as error:
        offset = start + error.start
        raise not_utf8_error(source, data[offset], offset) from None


def not_utf8_error(source: str, byte: int, offset: int) -> ExportError:
    """The file is not UTF-8: ``byte`` at ``offset`` (counted in bytes from the file's
    start) is the first that is not."""
    return ExportError(
        f"{source}: not UTF-8 text (byte 0x{byte:02x} at offset {offset}); "
        "Label Studio exports are UTF-8 JSON"
    )


def invalid_json_error(
    source: str, message: str, line: int, column: int, ends_early: bool
) -> ExportError:
    """The JSON is invalid at ``line``, ``column``; ``ends_early``: only white space
    follows the position, so the file probably stops short."""
    hint = "; the file ends before the JSON does (truncated?)" if ends_early else ""
    return ExportError(f"{source}: invalid JSON at line {line}, column {column}: {message}{hint}")


def lone_surrogate(text: str, start: int = 0, end: int | None = None) -> int | None:
    """The position of the first escape of a lone UTF-16 surrogate (``\\udc80``, or a high
    surrogate not followed by a low one) in the valid JSON ``text[start:end]``; None when
    there is none. The standard library's parser reads such an escape as a character that
    no UTF-8 text can hold."""
    stop = len(text) if end is None else end
    if text.find("\\u", start, stop) < 0:
        return None
    position = start
    while True:
        found = SURROGATE_ESCAPE.search(text, position, stop)
        if found is None:
            return None
        position = found.end()
        if len(found.group(1)) % 2 == 0:  # an escaped backslash, then the letter u
            continue
        escape = position - 6
        if text[escape + 3] in "cdefCDEF":
            return escape
        low = LOW_SURROGATE_ESCAPE.match(text, position, stop)
        if low is None:
            return escape
        position = low.end()


def line_and_column(text: str, position: int) -> tuple[int, int]:
    """The line and column (from 1, in characters) of ``position`` in ``text``."""
    return text.count("\n", 0, position) + 1, position - text.rfind("\n", 0, position)


def lone_surrogate_error(source: str, escape: str, line: int, column: int) -> ExportError:
    return ExportError(
        f"{source}: lone surrogate escape {escape} at line {line}, column {column}: half of "
        "a UTF-16 pair, not a character; fix the text where the export was made"
    )


def not_a_task_error(source: str, position: int, item: Any) -> ExportError:
    return ExportError(
        f"{source}: item {position} of the list is {type_name(item)}, not a task "
        "object; expected a list of tasks"
    )


def json_min_error(source: str) -> ExportError:
    return ExportError(
        f"{source}: a JSON_MIN export (flat records with annotator and annotation_id), "
        f"not a full JSON export: {LOST_IN_FLAT_EXPORTS}; {FULL_EXPORT_HINT}"
    )


def _refuse_text_formats(text: str, source: str) -> None:
    """Refuse CoNLL and CSV/TSV exports before trying to read them as JSON."""
    head = text.lstrip()
    if head[:1] in ("[", "{"):
        return
    if head.startswith("-DOCSTART-"):
        raise ExportError(
            f"{source}: a CoNLL 2003 export, not a full JSON export: it keeps only BIO tags, "
            f"without relations or per-region stance, roles and actor names; {FULL_EXPORT_HINT}"
        )
    first_line = head.split("\n", 1)[0]
    header = {cell.strip().strip('"') for cell in first_line.replace("\t", ",").split(",")}
    if len(header) > 1 and header.intersection(FLAT_EXPORT_KEYS):
        kind = "TSV" if "\t" in first_line else "CSV"
        raise ExportError(
            f"{source}: a {kind} export, not a full JSON export: {LOST_IN_FLAT_EXPORTS}; "
            f"{FULL_EXPORT_HINT}"
        )


def _parse_json(text: str, source: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        ends_early = error.pos >= len(text.rstrip())
        raise invalid_json_error(source, error.msg, error.lineno, error.colno, ends_early) from None
    except RecursionError:
        raise too_deep_error(source) from None
    except ValueError:  # an integer too long to convert
        line, column = line_and_column(text, too_long_integer(text))
        raise too_long_integer_error(source, line, column) from None


def too_long_integer(text: str, start: int = 0) -> int:
    """The position of the first integer in the JSON ``text[start:]`` (``start`` outside
    any string) that has more digits than Python converts; the end of the text if none."""
    limit = sys.get_int_max_str_digits()
    for token in STRING_OR_INTEGER.finditer(text, start):
        digits = token.group(1)
        if digits is not None and limit and len(digits) > limit:
            return token.start()
    return len(text)


def too_long_integer_error(source: str, line: int, column: int) -> ExportError:
    return ExportError(
        f"{source}: an integer of more than {sys.get_int_max_str_digits()} digits at line "
        f"{line}, column {column}, too long to read; Label Studio exports hold no such number"
    )


def too_deep_error(source: str) -> ExportError:
    return ExportError(f"{source}: JSON nested too deeply to be a Label Studio export")


def _check_task_list(items: list[Any], source: str) -> None:
    for position, item in enumerate(items, 1):
        if not isinstance(item, dict):
            raise not_a_task_error(source, position, item)
    if items and is_flat_record(items[0]):
        raise json_min_error(source)


def is_flat_record(item: dict[str, Any]) -> bool:
    """A JSON_MIN or CSV record: annotator keys, none of a task's."""
    has_task_keys = any(key in item for key in TASK_KEYS)
    return not has_task_keys and any(key in item for key in FLAT_EXPORT_KEYS)


def _paths_in_nested_task(value: dict[str, Any]) -> tuple[str, ...]:
    """The paths of duplicate keys of an annotation file, as paths in the task read from it."""
    if not isinstance(value, TaskWithDuplicateKeys):
        return ()
    return tuple(
        path.removeprefix("task.") if path.startswith("task.") else f"annotations[0].{path}"
        for path in value.duplicate_keys
    )


def _tasks_from_object(value: dict[str, Any], source: str) -> ExportFile:
    if any(key in value for key in TASK_KEYS):
        note = Issue(
            WARNING,
            "single-task",
            "the file holds one task object, not a list of tasks; read as a list of one task",
        )
        return ExportFile(source, [value], (note,))
    if isinstance(value.get("task"), dict) and "result" in value:
        annotation = {key: item for key, item in value.items() if key != "task"}
        task = moved_into(
            {**value["task"], "annotations": [annotation]}, _paths_in_nested_task(value)
        )
        note = Issue(
            WARNING,
            "annotation-file",
            "the file holds one annotation with its task nested under 'task' (a target "
            "storage file), not a list of tasks; read as one task",
        )
        return ExportFile(source, [task], (note,))
    keys = ", ".join(sorted(str(key) for key in value)) or "none"
    raise ExportError(
        f"{source}: not a list of tasks but a JSON object with keys {keys}; "
        "expected a Label Studio full JSON export"
    )
