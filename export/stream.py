"""Reading a Label Studio export file task by task, in bounded memory.

`stream_export` hands out the tasks of an export file one at a time. A file whose JSON value
is a list is read in chunks of ``chunk_bytes`` and each task is parsed, by the standard
library's own JSON scanner, as soon as the text holding it has been read: memory holds one
chunk and one task, never the whole file or all its parsed tasks. Any other file (a single
task object, an annotation file, anything refused) is small or wrong and is read whole by
`stancepack.export.reader`.

Streaming changes when a problem is found, never which: a file is refused with exactly the
message `load_export` gives it. When the problem lies after tasks that were already handed
out, the stream stops handing out tasks and reads on to the end of the file, because the
whole-file reader names the first problem in this order: bytes that are not UTF-8 anywhere
in the file, invalid JSON, the first list item that is not a task, a JSON_MIN first record.
"""

from __future__ import annotations

import codecs
import json
import re
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from stancepack.errors import ExportError
from stancepack.export.issues import Issue
from stancepack.export.reader import (
    BOM,
    invalid_json_error,
    is_flat_record,
    json_min_error,
    load_export,
    not_a_task_error,
    not_utf8_error,
    too_deep_error,
)

CHUNK_BYTES = 1 << 22  # 4 MiB of the file at a time
# JSON's own white space (str.isspace() knows more characters).
JSON_SPACE = re.compile(r"[ \t\n\r]*")
# A parse that fails this close to the end of the text read so far may only lack more text:
# a literal, escape or number cut short (the longest, "-Infinity", has 9 characters).
NEAR_END = 16


@dataclass(frozen=True)
class ExportStream:
    """The tasks of an export file, handed out one at a time, and notes on how the file's
    shape was read. ``tasks`` raises `ExportError` where the file turns out not to be a
    full JSON export."""

    source: str
    tasks: Iterator[dict[str, Any]]
    notes: tuple[Issue, ...] = ()


def stream_export(path: str | Path, *, chunk_bytes: int = CHUNK_BYTES) -> ExportStream:
    """The tasks of an export file as a stream; see the module's documentation."""
    location = Path(path)
    source = str(location)
    try:
        handle = location.open("rb")
    except FileNotFoundError:
        raise ExportError(f"{location}: no such file") from None
    except IsADirectoryError:
        raise ExportError(f"{location}: is a folder, not an export file") from None
    except OSError as error:
        raise ExportError(f"{location}: cannot be read ({error.strerror})") from None
    reader = _ListReader(handle, source, max(1, chunk_bytes))
    try:
        is_list = reader.starts_a_list()
    except BaseException:
        handle.close()
        raise
    if not is_list:
        handle.close()
        export = load_export(location)
        return ExportStream(export.source, iter(export.tasks), export.notes)
    return ExportStream(source, reader.tasks())


class _Refusal:
    """The first reason found to refuse the file; a reason of higher rank found later (as
    the whole-file reader would have found it first) replaces it."""

    JSON_MIN, NOT_A_TASK, INVALID_JSON = 1, 2, 3

    def __init__(self) -> None:
        self.rank = 0
        self.error: ExportError | None = None

    def note(self, rank: int, error: ExportError) -> None:
        if rank > self.rank:
            self.rank, self.error = rank, error


class _ListReader:
    """The items of a JSON list, read from a binary file chunk by chunk.

    ``text[cursor:]`` is the part of the file read and not yet used and ``offset`` the
    position of ``text[0]`` in the whole file's text. Positions are reported as in the whole
    file: line breaks are counted in the bytes as they are read (``newlines``), and
    ``line_start`` is where the line of ``text[0]`` starts; ``pieces`` (the end of each piece
    of text read, and whether it holds a line break) spare looking for line breaks in text
    that has none."""

    def __init__(self, handle: IO[bytes], source: str, chunk_bytes: int) -> None:
        self.handle = handle
        self.source = source
        self.chunk_bytes = chunk_bytes
        # The scanner json.loads uses, for one value at a given position of the text.
        decoder: Any = json.JSONDecoder()
        self.scan: Callable[[str, int], tuple[Any, int]] = decoder.scan_once
        self.text = ""
        self.cursor = 0
        self.offset = 0
        self.newlines = 0
        self.line_start = 0
        self.pieces: deque[tuple[int, bool]] = deque()
        self.byte_offset = 0  # bytes of the file read so far
        self.pending = b""  # the start of a UTF-8 sequence cut by the end of a chunk
        self.at_end = False

    # -- reading text --------------------------------------------------------------------

    def _read(self, size: int) -> bool:
        """Append about ``size`` more bytes of the file, as text, dropping what was used;
        False at the end of the file."""
        if self.at_end:
            return False
        raw = self.handle.read(size)
        self.at_end = not raw
        if not self.byte_offset and raw.startswith(BOM):
            raw, self.byte_offset = raw[len(BOM) :], len(BOM)
        data = self.pending + raw if self.pending else raw
        start = self.byte_offset - len(self.pending)
        self.byte_offset += len(raw)
        try:
            decoded, used = codecs.utf_8_decode(data, "strict", self.at_end)
        except UnicodeDecodeError as error:
            self.handle.close()
            raise not_utf8_error(self.source, data[error.start], start + error.start) from None
        self.pending = data[used:]
        line_breaks = data.count(b"\n", 0, used)
        self.newlines += line_breaks
        self._drop_used()
        self.text = self.text + decoded if self.text else decoded
        self.pieces.append((self.offset + len(self.text), line_breaks > 0))
        return not self.at_end

    def _drop_used(self) -> None:
        used = self.cursor
        if not used:
            return
        end = self.offset + used
        pieces = self.pieces
        has_newline = False
        while pieces and pieces[0][0] <= end:
            if pieces.popleft()[1]:
                has_newline = True
        if has_newline or (pieces and pieces[0][1]):
            newline = self.text.rfind("\n", 0, used)
            if newline >= 0:
                self.line_start = self.offset + newline + 1
        self.text = self.text[used:]
        self.offset = end
        self.cursor = 0

    def _more(self) -> bool:
        """Read more of the file: at least a chunk, and as much again as is held, so that
        a task larger than a chunk is re-parsed only a few times."""
        return self._read(max(self.chunk_bytes, len(self.text) - self.cursor))

    def _skip_space(self, position: int) -> int:
        """The position of the next character that is not JSON white space (the end of
        the text only at the end of the file)."""
        while True:
            space = JSON_SPACE.match(self.text, position)
            position = space.end() if space else position
            if position < len(self.text):
                return position
            self.cursor = position
            if not self._more():
                return len(self.text)
            position = self.cursor

    # -- errors --------------------------------------------------------------------------

    def _invalid_json(self, message: str, position: int) -> ExportError:
        """The error `load_export` gives for invalid JSON at ``position`` of the text held;
        reads the rest of the file to see whether only white space follows."""
        line = self.newlines - self.text.count("\n", position) + 1
        newline = self.text.rfind("\n", 0, position)
        line_start = self.offset + newline + 1 if newline >= 0 else self.line_start
        column = self.offset + position - line_start + 1
        self.cursor = position
        ends_early = self._only_space_follows()
        return invalid_json_error(self.source, message, line, column, ends_early)

    def _only_space_follows(self) -> bool:
        """Whether the rest of the file is white space (as str.isspace() counts it), read to
        its end (so that bytes that are not UTF-8 are still found)."""
        blank = True
        while True:
            blank = blank and not self.text[self.cursor :].strip()
            self.cursor = len(self.text)
            if not self._read(self.chunk_bytes):
                return blank

    # -- the list ------------------------------------------------------------------------

    def starts_a_list(self) -> bool:
        """Whether the file's text starts, after JSON white space, with ``[`` (read as a
        list here); everything else goes to the whole-file reader."""
        position = self._skip_space(0)
        if position < len(self.text) and self.text[position] == "[":
            self.cursor = position + 1
            return True
        return False

    def tasks(self) -> Iterator[dict[str, Any]]:
        """The tasks of the list, in order; raises `ExportError` as `load_export` would."""
        refusal = _Refusal()
        try:
            for number, item in enumerate(self._items(refusal), 1):
                if not isinstance(item, dict):
                    refusal.note(_Refusal.NOT_A_TASK, not_a_task_error(self.source, number, item))
                elif number == 1 and is_flat_record(item):
                    refusal.note(_Refusal.JSON_MIN, json_min_error(self.source))
                elif refusal.error is None:
                    yield item
        finally:
            self.handle.close()
        if refusal.error is not None:
            raise refusal.error

    def _items(self, refusal: _Refusal) -> Iterator[Any]:
        """Each value of the list, parsing as the standard library's scanner parses a list;
        stops at invalid JSON, noting it in ``refusal``."""
        position = self._skip_space(self.cursor)
        if position < len(self.text) and self.text[position] == "]":
            self._after_list(position + 1, refusal)
            return
        while True:
            parsed = self._value(position, refusal)
            if parsed is None:
                return
            item, position = parsed
            self.cursor = position
            yield item
            position = self._skip_space(self.cursor)
            character = self.text[position : position + 1]
            if character == "]":
                self._after_list(position + 1, refusal)
                return
            if character != ",":
                refusal.note(
                    _Refusal.INVALID_JSON, self._invalid_json("Expecting ',' delimiter", position)
                )
                return
            self.cursor = position + 1
            position = self._skip_space(self.cursor)

    def _value(self, position: int, refusal: _Refusal) -> tuple[Any, int] | None:
        """The JSON value at ``position`` and the position after it, reading more of the
        file while the text held may cut it short; None (noted in ``refusal``) when the
        JSON is invalid."""
        while True:
            try:
                item, end = self.scan(self.text, position)
            except StopIteration as stop:
                message, at = "Expecting value", stop.value
            except json.JSONDecodeError as error:
                message, at = error.msg, error.pos
            except RecursionError:
                self.handle.close()
                raise too_deep_error(self.source) from None
            else:
                if self.at_end or end < len(self.text) - NEAR_END:
                    return item, end
                message, at = "", end
            cut_short = at >= len(self.text) - NEAR_END or message.startswith("Unterminated")
            if self.at_end or not cut_short:
                refusal.note(_Refusal.INVALID_JSON, self._invalid_json(message, at))
                return None
            self.cursor = position
            self._more()
            position = self.cursor

    def _after_list(self, position: int, refusal: _Refusal) -> None:
        """After the list only white space may follow."""
        self.cursor = position
        position = self._skip_space(position)
        if position < len(self.text):
            refusal.note(_Refusal.INVALID_JSON, self._invalid_json("Extra data", position))
