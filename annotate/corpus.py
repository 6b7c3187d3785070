"""Readers of article corpora: JSON Lines, CSV and saved HTML pages, one small reader each.

A reader turns a file into ``Entry`` values: the article text and metadata as the file
gives them, with the place each came from. Normalising the text and deriving ids is left
to ``stancepack.annotate.articles``, the same for every format.

JSON Lines and CSV corpora hold one article a row, with the fields of ``FIELDS``
(``text`` required); ``columns`` maps a field to another column name (``{"text":
"body"}``). Columns that are no field are left out, with one warning per file. Values
are strings (a JSON ``null`` is an empty value); dates become YYYY-MM-DD.

Saved pages give their article text, title, date, site name, canonical URL and declared
language through trafilatura, which leaves navigation, ads, comments and footers out.
"""

from __future__ import annotations

import csv
import email.utils
import hashlib
import io
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from stancepack.ground.errors import ArticleError
from stancepack.ground.terminal import CONTROL_CHARACTERS

TEXT_FIELD = "text"
METADATA_FIELDS = ("title", "url", "published", "source", "language")
FIELDS = (TEXT_FIELD, *METADATA_FIELDS)
DATE_FIELD = "published"
NO_PAGE_TEXT = "no article text found in the page"
# Written dates read besides ISO 8601 and RFC 2822 ones; numeric day/month orders are
# ambiguous and refused.
WRITTEN_DATE_FORMATS = ("%d %B %Y", "%d %b %Y", "%B %d, %Y", "%b %d, %Y")
DATE_RULE = "YYYY-MM-DD, an ISO 8601 date and time, an RFC 2822 date or '5 March 2024'"
# Dates of a page come from its metadata and markup only, never guessed from its text (a
# copyright line is no publication date).
PAGE_DATE_SEARCH = {"extensive_search": False, "original_date": True}


@dataclass(frozen=True)
class Entry:
    """One article as a corpus gives it, before its text is normalised.

    ``file`` names it in reports (the file name, with the line of a row: ``corpus.csv:4``);
    ``where`` is where errors point (``path: line 4``); ``raw_sha256`` hashes the text as
    given (the page's bytes for HTML)."""

    file: str
    where: str
    text: str
    raw_sha256: str
    title: str = ""
    url: str = ""
    published: str = ""
    source: str = ""
    language: str = ""


@dataclass(frozen=True)
class CorpusRead:
    """The entries of one corpus file, and its warnings."""

    entries: list[Entry]
    warnings: list[str]


def parse_column_map(pairs: Sequence[str]) -> dict[str, str]:
    """``["text=body", "title=headline"]`` -> ``{"text": "body", "title": "headline"}``."""
    columns: dict[str, str] = {}
    for pair in pairs:
        field_name, equals, column = (part.strip() for part in pair.partition("="))
        if not equals or not field_name or not column:
            raise ArticleError(f"{pair!r}: expected FIELD=NAME, e.g. text=body")
        if field_name not in FIELDS:
            raise ArticleError(
                f"{pair!r}: {field_name!r} is not an article field (fields: {', '.join(FIELDS)})"
            )
        if field_name in columns:
            raise ArticleError(f"{pair!r}: {field_name} is mapped twice")
        if column in columns.values():
            raise ArticleError(f"{pair!r}: column {column!r} is mapped twice")
        columns[field_name] = column
    return columns


def column_names(columns: Mapping[str, str]) -> dict[str, str]:
    """Column name -> field, for every field (a field not mapped is read from its name)."""
    return {columns.get(name, name): name for name in FIELDS}


def iso_date(value: str) -> str:
    """YYYY-MM-DD of a date written as ``DATE_RULE`` says (a time zone does not move the
    date); ValueError for anything else."""
    try:
        return datetime.fromisoformat(value).date().isoformat()
    except ValueError:
        pass
    try:
        return email.utils.parsedate_to_datetime(value).date().isoformat()
    except (TypeError, ValueError):
        pass
    for date_format in WRITTEN_DATE_FORMATS:
        try:
            return datetime.strptime(value, date_format).date().isoformat()
        except ValueError:
            continue
    raise ValueError(value)


def entry_of(
    path: Path, where: str, values: Mapping[str, str], *, file: str, raw: bytes | None = None
) -> Entry:
    """An entry from a row's field values (missing fields empty): text required, metadata
    stripped and free of control characters, the date as YYYY-MM-DD."""
    text = values.get(TEXT_FIELD, "")
    if not text.strip():
        raise ArticleError(f"{where}: empty text")
    metadata = {name: values.get(name, "").strip() for name in METADATA_FIELDS}
    for name, value in metadata.items():
        control = CONTROL_CHARACTERS.search(value)
        if control and name != "title":
            raise ArticleError(
                f"{where}: {name} contains the control character U+{ord(control.group()):04X}"
            )
    if metadata[DATE_FIELD]:
        metadata[DATE_FIELD] = _published(where, metadata[DATE_FIELD])
    raw_bytes = text.encode("utf-8") if raw is None else raw
    digest = hashlib.sha256(raw_bytes).hexdigest()
    return Entry(file=file, where=where, text=text, raw_sha256=digest, **metadata)


def _published(where: str, value: str) -> str:
    try:
        return iso_date(value)
    except ValueError:
        raise ArticleError(
            f"{where}: published {value!r} is not a date (give {DATE_RULE})"
        ) from None


# --- JSON Lines ---------------------------------------------------------------------------


def json_objects(path: Path, text: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) of each non-blank line; a line that is not a JSON object is
    refused. Lines end at \\n only: JSON strings may hold other line separators."""
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as problem:
            raise ArticleError(
                f"{path}: line {number}: not valid JSON ({problem.msg} at column {problem.colno})"
            ) from None
        if not isinstance(value, dict):
            raise ArticleError(f"{path}: line {number}: not a JSON object ({json_kind(value)})")
        yield number, value


def read_json_lines(
    path: Path, objects: Sequence[tuple[int, dict[str, Any]]], columns: Mapping[str, str]
) -> CorpusRead:
    """The entries of a JSON Lines corpus, one per object."""
    fields_by_name = column_names(columns)
    entries = []
    unknown: dict[str, None] = {}
    for number, record in objects:
        where = f"{path}: line {number}"
        text_key = columns.get(TEXT_FIELD, TEXT_FIELD)
        if text_key not in record:
            raise ArticleError(f"{where}: no {text_key!r} field")
        values = {}
        for key, value in record.items():
            if key not in fields_by_name:
                unknown.setdefault(key)
            else:
                values[fields_by_name[key]] = _json_string(where, key, value)
        entries.append(entry_of(path, where, values, file=f"{path.name}:{number}"))
    return CorpusRead(entries, _left_out_warning(path, unknown, "fields"))


def _json_string(where: str, key: str, value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ArticleError(f"{where}: {key} must be a string, not {json_kind(value)}")
    return value


def json_kind(value: Any) -> str:
    """What a JSON value is, in words ("an array", "a number", ...)."""
    if isinstance(value, bool):
        return "true or false"
    kinds = ((str, "a string"), (list, "an array"), (dict, "an object"), (type(None), "null"))
    return next((name for kind, name in kinds if isinstance(value, kind)), "a number")


def _left_out_warning(path: Path, unknown: Mapping[str, None], kind: str) -> list[str]:
    if not unknown:
        return []
    names = ", ".join(repr(name) for name in unknown)
    return [
        f"{path}: {kind} left out, not article fields: {names} "
        f"(read one as a field with --column FIELD=NAME)"
    ]


# --- CSV ----------------------------------------------------------------------------------


def csv_records(path: Path, text: str) -> list[tuple[int, list[str]]]:
    """(first line, cells) of each non-blank CSV record, the header first; a malformed
    record (a quote not closed, text after a closing quote) is refused. A cell may be as
    long as the file (the csv module's default limit, 128 KiB, is lifted meanwhile)."""
    limit = csv.field_size_limit(len(text) + 1)
    try:
        return list(_csv_records(path, text))
    finally:
        csv.field_size_limit(limit)


def _csv_records(path: Path, text: str) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    first_line = 1
    try:
        for cells in reader:
            if cells:
                yield first_line, cells
            first_line = reader.line_num + 1
    except csv.Error as problem:
        raise ArticleError(f"{path}: line {first_line}: not valid CSV ({problem})") from None


def read_csv(path: Path, text: str, columns: Mapping[str, str]) -> CorpusRead:
    """The entries of a CSV corpus: a header row, then one article a record."""
    records = iter(csv_records(path, text))
    _, header = next(records, (1, []))
    header = [name.strip() for name in header]
    fields_by_name = column_names(columns)
    _check_csv_header(path, header, columns.get(TEXT_FIELD, TEXT_FIELD))
    entries = []
    for line, cells in records:
        where = f"{path}: line {line}"
        if len(cells) > len(header):
            raise ArticleError(f"{where}: {len(cells)} values for {len(header)} columns")
        values = {
            fields_by_name[name]: cell
            for name, cell in zip(header, cells, strict=False)
            if name in fields_by_name
        }
        entries.append(entry_of(path, where, values, file=f"{path.name}:{line}"))
    if not entries:
        raise ArticleError(f"{path}: no rows after the header")
    unknown = dict.fromkeys(name for name in header if name not in fields_by_name)
    return CorpusRead(entries, _left_out_warning(path, unknown, "columns"))


def _check_csv_header(path: Path, header: Sequence[str], text_column: str) -> None:
    if text_column not in header:
        raise ArticleError(
            f"{path}: no {text_column!r} column (columns: {', '.join(header)}; "
            f"name the text column with --column text=NAME)"
        )
    repeated = [name for index, name in enumerate(header) if name in header[:index]]
    if repeated:
        raise ArticleError(f"{path}: column {repeated[0]!r} appears twice")


# --- saved HTML pages ---------------------------------------------------------------------


def read_html_page(path: Path, data: bytes) -> Entry:
    """The article of a saved page: its main text, title, date, site name, canonical URL
    and the language its ``<html lang>`` declares; the page decoded as it declares."""
    import trafilatura
    from trafilatura.utils import load_html

    tree = load_html(data) if data.strip() else None
    if tree is None:
        raise ArticleError(f"{path}: empty file")
    language = (tree.getroottree().getroot().get("lang") or "").strip()
    document = trafilatura.bare_extraction(
        tree,
        with_metadata=True,
        include_comments=False,
        favor_precision=True,
        date_extraction_params=PAGE_DATE_SEARCH,
    )
    text = getattr(document, "text", None) or ""
    if not text.strip():
        raise ArticleError(f"{path}: {NO_PAGE_TEXT}")
    values = {
        TEXT_FIELD: text,
        "title": getattr(document, "title", None) or "",
        "url": getattr(document, "url", None) or "",
        "published": getattr(document, "date", None) or "",
        "source": getattr(document, "sitename", None) or "",
        "language": language,
    }
    return entry_of(path, str(path), values, file=path.name, raw=data)
