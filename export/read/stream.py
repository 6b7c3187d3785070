"""Reading a Label Studio export file task by task, in bounded memory.

`stream_export` hands out the tasks of an export file one at a time. A file whose JSON value
is a list is read in chunks of ``chunk_bytes`` and each task is parsed as soon as the bytes
holding it have been read: memory holds one chunk and one batch of tasks, never the whole
file or all its parsed tasks. Any other file (a single task object, an annotation file,
anything refused) is small or wrong and is read whole by `stancepack.export.read.reader`, unless
it is larger than any single task: then it is refused from its first bytes.

Parsing is the floor of reading an export. The first task is parsed by the standard
library's JSON scanner; the tasks after it in batches of about ``batch_bytes`` bytes by
orjson, several times faster, straight from the file's bytes (orjson checks that they are
UTF-8). Where a batch ends is guessed from the text between tasks (`boundary_after` learns
it from the first task) and proven by the parse: orjson reads ``[`` + the batch + ``]`` only
if the batch is a run of whole JSON values, so a guess that falls inside a task (in a nested
object) fails, and the text from there is decoded and parsed task by task by the standard
scanner until past the failed guess. A batch also goes to the standard scanner where the two
parsers would not give the same values: integers of 19 digits or more (orjson turns those
beyond 64 bits into floats); everything else orjson refuses (NaN, Infinity, lone surrogates,
bytes that are not UTF-8, nesting beyond 1,024 levels) makes the batch fail and go the same
way, and so does a batch in which some object may give a key twice
(`stancepack.export.read.duplicate_keys`: the standard scanner notes which). The tasks, and any
refusal with its line and column, are the same either way; only a task nested between
about 1,000 and 1,024 levels deep, which the standard scanner refuses as too deep, would be
read by orjson.

A large file can be read in two parts at once (`stancepack.export.validate.halves`): `plan_split`
guesses a boundary between tasks near the middle, `stream_part` reads the tasks after it,
and `stream_export` given the `Split` reads the tasks before it. Only that reader can prove
the guess, by reaching it from the start of the file at the end of a task (a batch is cut
there, or the standard scanner reads up to it); there it asks ``decide`` whether to stop.
A guess inside a task is never reached so, and the reader reads on to the end.

Streaming changes when a problem is found, never which: a file is refused with exactly the
message `load_export` gives it. When the problem lies after tasks that were already handed
out, the stream stops handing out tasks and reads on to the end of the file, because the
whole-file reader names the first problem in this order: bytes that are not UTF-8 anywhere
in the file, invalid JSON, the first lone surrogate escape (valid JSON that no UTF-8 text
can hold), the first list item that is not a task, a JSON_MIN first record.
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

import numpy as np
import orjson

from stancepack.export.issues import Issue
from stancepack.export.read.duplicate_keys import (
    NOTING_DECODER,
    may_have_duplicate_keys,
    with_duplicate_keys,
)
from stancepack.export.read.reader import (
    BOM,
    invalid_json_error,
    is_flat_record,
    json_min_error,
    load_export,
    lone_surrogate,
    lone_surrogate_error,
    not_a_task_error,
    not_utf8_error,
    open_export_file,
    refuse_large_not_a_list,
    too_deep_error,
    too_long_integer,
    too_long_integer_error,
)
from stancepack.ground.errors import ExportError

CHUNK_BYTES = 1 << 20  # 1 MiB of the file at a time
# JSON's own white space (str.isspace() knows more characters).
_SPACE = r"[ \t\n\r]*"
JSON_SPACE = re.compile(_SPACE)
BATCH_BYTES = 1 << 16  # about this many bytes of tasks parsed by one call of orjson
# A batch's bytes with every digit made "0", every UTF-8 continuation byte "c" and every line
# break "n" (one pass in C): integers orjson might not read as the standard library does
# (beyond 64 bits, so 19 digits or more) are a run of 19 zeros, the batch's characters are
# its bytes less the continuation bytes, and its line breaks are counted.


def _mark(byte: int) -> int:
    if 0x30 <= byte <= 0x39:
        return ord("0")
    if 0x80 <= byte <= 0xBF:
        return ord("c")
    return ord("n") if byte == 0x0A else ord(" ")


MARKS = bytes(_mark(byte) for byte in range(256))
CONTINUATION, LINE_BREAK = ord("c"), ord("n")
LONG_DIGITS = b"0" * 19
_KEY = r'"(?:[^"\\]|\\.)*"'
# The start of a task: its first key and, when that key's value is an integer, the second.
TASK_HEAD = re.compile(
    rf"{_SPACE}\{{{_SPACE}({_KEY}){_SPACE}:{_SPACE}(?:-?[0-9]+{_SPACE},{_SPACE}({_KEY}){_SPACE}:)?"
)
# A parse that fails this close to the end of the text read so far may only lack more text:
# a literal, escape or number cut short (the longest, "-Infinity", has 9 characters).
NEAR_END = 16


SPLIT_WINDOW = 1 << 22  # bytes searched for a boundary from the middle of a file


@dataclass(frozen=True)
class Split:
    """A guessed boundary between two tasks: ``cut`` is the byte offset just after the
    closing brace of the one before, ``start`` the offset of the one after; ``boundary``
    the pattern it was found with (`boundary_after`)."""

    cut: int
    start: int
    boundary: re.Pattern[bytes]


@dataclass(frozen=True)
class ExportStream:
    """The tasks of an export file, handed out one at a time, and notes on how the file's
    shape was read. ``tasks`` raises `ExportError` where the file turns out not to be a
    full JSON export."""

    source: str
    tasks: Iterator[dict[str, Any]]
    notes: tuple[Issue, ...] = ()


def stream_export(
    path: str | Path,
    *,
    chunk_bytes: int = CHUNK_BYTES,
    batch_bytes: int | None = BATCH_BYTES,
    split: Split | None = None,
    decide: Callable[[], bool] | None = None,
) -> ExportStream:
    """The tasks of an export file as a stream; see the module's documentation.

    ``batch_bytes``: the size of the batches parsed by orjson; None parses every task with
    the standard library's scanner (the same tasks, more slowly). ``split`` and ``decide``:
    where the reader reaches ``split`` as proven, it calls ``decide()`` and, if that says
    so, hands out no more tasks (the rest are another reader's, `stream_part`)."""
    location = Path(path)
    handle = open_export_file(location)
    reader = _ListReader(handle, str(location), max(1, chunk_bytes), batch_bytes)
    reader.split, reader.decide = split, decide
    try:
        is_list = reader.starts_a_list()
        if not is_list:
            refuse_large_not_a_list(handle, str(location))
    except BaseException:
        handle.close()
        raise
    if not is_list:
        handle.close()
        export = load_export(location)
        return ExportStream(export.source, iter(export.tasks), export.notes)
    return ExportStream(str(location), reader.tasks())


def stream_part(
    path: str | Path, split: Split, *, chunk_bytes: int = CHUNK_BYTES
) -> Iterator[dict[str, Any]]:
    """The tasks of an export file from ``split.start`` to the end (the second of two
    parts). Raises `ExportError` for any problem, with no line and column worth reporting:
    a part with a problem is read again, in order, by the reader of the first part."""
    location = Path(path)
    handle = open_export_file(location)
    handle.seek(split.start)
    reader = _ListReader(handle, str(location), max(1, chunk_bytes), BATCH_BYTES)
    reader.byte_offset, reader.boundary = split.start, split.boundary
    return reader.tasks(first_number=2)


def plan_split(path: str | Path) -> Split | None:
    """A guessed boundary between two tasks near the middle of an export file, for reading
    it in two parts; None for a file that is not a list of tasks starting with a key, or
    where no guess is found near the middle."""
    location = Path(path)
    handle = open_export_file(location)
    reader = _ListReader(handle, str(location), CHUNK_BYTES, BATCH_BYTES)
    try:
        if not reader.starts_a_list():
            return None
        next(reader.tasks(), None)  # the first task: the boundary is learned from it
    except ExportError:
        return None
    finally:
        handle.close()
    if reader.boundary is None:
        return None
    middle = location.stat().st_size // 2
    with location.open("rb") as part:
        part.seek(middle)
        window = part.read(SPLIT_WINDOW)
    match = reader.boundary.search(window)
    if match is None:
        return None
    return Split(middle + match.start() + 1, middle + match.end(), reader.boundary)


def boundary_after(first: str) -> re.Pattern[bytes] | None:
    """A pattern for the bytes between two tasks, learned from the text of the first task:
    its closing brace, a comma, and (looked ahead at, so that the match ends where the next
    task starts) the next task's opening brace and first key and, after an integer value,
    its second key. In Label Studio's exports tasks start with ``{"id": N, "annotations":``,
    which annotations and results inside a task do not. None when the first task does not
    start with a key."""
    head = TASK_HEAD.match(first)
    if head is None:
        return None
    space = _SPACE.encode()
    pattern = rb"\{" + space + re.escape(head[1].encode()) + space + b":"
    if head[2] is not None:
        pattern += space + rb"-?[0-9]+" + space + b"," + space + re.escape(head[2].encode())
        pattern += space + b":"
    return re.compile(rb"\}" + space + b"," + space + b"(?=" + pattern + b")")


class _Refusal:
    """The first reason found to refuse the file; a reason of higher rank found later (as
    the whole-file reader would have found it first) replaces it."""

    JSON_MIN, NOT_A_TASK, LONE_SURROGATE, INVALID_JSON = 1, 2, 3, 4

    def __init__(self) -> None:
        self.rank = 0
        self.error: ExportError | None = None

    def note(self, rank: int, error: ExportError) -> None:
        if rank > self.rank:
            self.rank, self.error = rank, error


class _FileText:
    """The text of a binary file, decoded chunk by chunk, with positions as in the whole file.

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
        self.text = ""
        self.cursor = 0
        self.offset = 0
        self.newlines = 0
        self.line_start = 0
        self.pieces: deque[tuple[int, bool]] = deque()
        self.byte_offset = 0  # bytes of the file read so far
        # Bytes read and not decoded yet: the start of a UTF-8 sequence cut by the end of a
        # chunk, or what the batches left to the standard scanner.
        self.pending = b""
        self.file_read = False  # every byte of the file has been read
        self.at_end = False  # ... and decoded into ``text``

    # -- reading text --------------------------------------------------------------------

    def _read(self, size: int) -> bool:
        """Append the bytes pending and about ``size`` more bytes of the file, as text,
        dropping what was used; False when there was nothing more to append."""
        if self.at_end:
            return False
        raw = b"" if self.file_read else self.handle.read(size)
        self.file_read = self.at_end = not raw
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
        return bool(decoded) or not self.at_end

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

    def _undecode(self, position: int) -> bytes:
        """The bytes from ``position`` of the text on; the text held is dropped, as if it had
        not been decoded."""
        self.cursor = position
        self._drop_used()
        rest = self.text
        self.newlines -= rest.count("\n")
        self.text = ""
        self.pieces.clear()
        data, self.pending = rest.encode() + self.pending, b""
        return data

    def _advance(self, marks: bytes) -> None:
        """Count the characters and line breaks of bytes used by a batch."""
        array = np.frombuffer(marks, np.uint8)
        continuations = array == CONTINUATION
        line_breaks = int(np.count_nonzero(array == LINE_BREAK))
        if line_breaks:
            last = marks.rfind(b"n")
            self.line_start = self.offset + last + 1 - int(np.count_nonzero(continuations[:last]))
            self.newlines += line_breaks
        self.offset += len(marks) - int(np.count_nonzero(continuations))

    # -- errors --------------------------------------------------------------------------

    def _line_and_column(self, position: int) -> tuple[int, int]:
        """The line and column of ``position`` of the text held, in the whole file."""
        line = self.newlines - self.text.count("\n", position) + 1
        newline = self.text.rfind("\n", 0, position)
        line_start = self.offset + newline + 1 if newline >= 0 else self.line_start
        return line, self.offset + position - line_start + 1

    def _invalid_json(self, message: str, position: int) -> ExportError:
        """The error `load_export` gives for invalid JSON at ``position`` of the text held;
        reads the rest of the file to see whether only white space follows."""
        line, column = self._line_and_column(position)
        self.cursor = position
        ends_early = self._only_space_follows()
        return invalid_json_error(self.source, message, line, column, ends_early)

    def _too_long_integer(self, position: int) -> ExportError:
        """The error `load_export` gives for the integer too long to read in the value at
        ``position``; reads the rest of the file (for bytes that are not UTF-8)."""
        line, column = self._line_and_column(too_long_integer(self.text, position))
        self.cursor = position
        self._only_space_follows()
        return too_long_integer_error(self.source, line, column)

    def _only_space_follows(self) -> bool:
        """Whether the rest of the file is white space (as str.isspace() counts it), read to
        its end (so that bytes that are not UTF-8 are still found)."""
        blank = True
        while True:
            blank = blank and not self.text[self.cursor :].strip()
            self.cursor = len(self.text)
            if not self._read(self.chunk_bytes):
                return blank


class _ListReader(_FileText):
    """The items of a JSON list, read from a binary file chunk by chunk (`_FileText`): the
    first by the standard library's scanner, the others in batches by orjson where they
    can be (see the module's documentation)."""

    def __init__(
        self, handle: IO[bytes], source: str, chunk_bytes: int, batch_bytes: int | None
    ) -> None:
        super().__init__(handle, source, chunk_bytes)
        self.batch_bytes = batch_bytes
        self.boundary: re.Pattern[bytes] | None = None
        self.scanned_until = 0  # the standard scanner reads the text before this offset
        self.split: Split | None = None
        self.decide: Callable[[], bool] | None = None
        self.stopped_at_split = False
        # The scanner json.loads uses, for one value at a given position of the text.
        decoder: Any = json.JSONDecoder()
        self.scan: Callable[[str, int], tuple[Any, int]] = decoder.scan_once

    # -- the list ------------------------------------------------------------------------

    def starts_a_list(self) -> bool:
        """Whether the file's text starts, after JSON white space, with ``[`` (read as a
        list here); everything else goes to the whole-file reader."""
        position = self._skip_space(0)
        if position < len(self.text) and self.text[position] == "[":
            self.cursor = position + 1
            return True
        return False

    def tasks(self, first_number: int = 1) -> Iterator[dict[str, Any]]:
        """The tasks of the list, in order; raises `ExportError` as `load_export` would.
        ``first_number``: the number of the first task in the list (2 for a second part)."""
        refusal = _Refusal()
        try:
            for number, item in enumerate(self._items(refusal), first_number):
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
        first = self.boundary is None
        while True:
            if self.boundary is not None and self.offset + position >= self.scanned_until:
                yield from self._batches(position)
                if self.stopped_at_split:
                    return
                position = self._skip_space(self.cursor)
            parsed = self._value(position, refusal)
            if parsed is None:
                return
            item, position = parsed
            if first and self.batch_bytes is not None:
                self.boundary = boundary_after(self.text[self.cursor : position])
                first = False
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
            except ValueError:  # an integer too long to convert
                refusal.note(_Refusal.INVALID_JSON, self._too_long_integer(position))
                return None
            else:
                if self.at_end or end < len(self.text) - NEAR_END:
                    self._check_surrogates(position, end, refusal)
                    if may_have_duplicate_keys(self.text, item, position, end):
                        item = with_duplicate_keys(NOTING_DECODER.scan_once(self.text, position)[0])
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

    def _check_surrogates(self, start: int, end: int, refusal: _Refusal) -> None:
        """Note the first lone surrogate escape of the value at ``text[start:end]`` (only
        the standard scanner reads one: orjson refuses a batch that holds it)."""
        if refusal.rank >= _Refusal.LONE_SURROGATE:
            return
        escape = lone_surrogate(self.text, start, end)
        if escape is not None:
            line, column = self._line_and_column(escape)
            shown = self.text[escape : escape + 6]
            refusal.note(
                _Refusal.LONE_SURROGATE, lone_surrogate_error(self.source, shown, line, column)
            )

    # -- batches -------------------------------------------------------------------------

    def _batches(self, position: int) -> Iterator[Any]:
        """The tasks from the one at ``position`` of the text on, parsed by orjson in
        batches straight from the file's bytes, for as long as boundaries are found and
        proven; then the bytes from the next task on are left pending, to be decoded, and the
        text held is empty. Stops at the split when ``decide`` says so."""
        assert self.boundary is not None and self.batch_bytes is not None
        data, start = self._undecode(position), 0
        at = self.byte_offset - len(data)  # the offset of data[0] in the file
        while True:
            if self.split is not None and at + start == self.split.start and self._stop():
                break
            match = self._boundary(data, start)
            while match is None and not self.file_read:
                raw = self.handle.read(max(self.chunk_bytes, len(data) - start))
                self.file_read = not raw
                self.byte_offset += len(raw)
                data, at, start = data[start:] + raw, at + start, 0
                match = self._boundary(data, start)
            if match is None:
                matches = list(self.boundary.finditer(data, start))
                if not matches:
                    break
                match = matches[-1]
            match = self._at_split(data, at, start, match)
            cut = match.start() + 1
            marks = data[start : match.end()].translate(MARKS)
            items = self._parsed(memoryview(data)[start:cut], marks)
            if items is None:
                self.scanned_until = self.offset + cut - start - marks.count(b"c", 0, cut - start)
                break
            self._advance(marks)
            start = match.end()
            yield from items
        self.pending, self.at_end = data[start:], False

    def _at_split(
        self, data: bytes, at: int, start: int, match: re.Match[bytes]
    ) -> re.Match[bytes]:
        """The boundary that ends the next batch: the split's, where the batch would
        otherwise run over it."""
        split = self.split
        if split is None or not at + start < split.start <= at + match.end():
            return match
        own = self.boundary.match(data, split.cut - 1 - at) if self.boundary else None
        return own if own is not None and at + own.end() == split.start else match

    def _stop(self) -> bool:
        """At the split, proven: whether to stop here (``decide``)."""
        self.split, decide = None, self.decide
        self.stopped_at_split = decide is not None and decide()
        return self.stopped_at_split

    def _boundary(self, data: bytes, start: int) -> re.Match[bytes] | None:
        assert self.boundary is not None and self.batch_bytes is not None
        return self.boundary.search(data, start + self.batch_bytes)

    @staticmethod
    def _parsed(batch: memoryview, marks: bytes) -> list[Any] | None:
        """The values of a batch, as the standard scanner would read them; None when orjson
        does not read them or might read them differently."""
        if marks.find(LONG_DIGITS) >= 0:
            return None
        try:
            items: list[Any] = orjson.loads(b"".join((b"[", batch, b"]")))
        except orjson.JSONDecodeError:
            return None
        return None if may_have_duplicate_keys(batch, items) else items
