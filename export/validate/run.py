"""Validating a Label Studio export: the entry point that reads it and chooses how to check it.

`validate_export` reads an export file as a stream (`stancepack.export.read.stream`: the
parsed file is never held whole), flattens it and checks its tables
(`stancepack.export.validate.checks`) in one pass; with ``chunk_tasks`` that many tasks at
a time (`stancepack.export.validate.chunks`), and a large file in two halves at once
(`stancepack.export.validate.halves`). The report is the same in every case.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeAlias

from stancepack.export.issues import ERROR, WARNING, Issue
from stancepack.export.read.reader import ExportFile
from stancepack.export.read.stream import ExportStream, stream_export
from stancepack.export.validate.checks import (
    ValidationReport,
    ordered_table_issues,
    ranked_table_issues,
)
from stancepack.export.validate.chunks import check_in_chunks
from stancepack.export.validate.flatten import Counts, Flattened, Flattener
from stancepack.export.validate.halves import FlattenOptions, can_check_in_halves, check_in_halves
from stancepack.ground.collector import collector_paused
from stancepack.schema.gazetteer import Gazetteer
from stancepack.schema.taxonomy import Taxonomy

# Warnings that --strict turns into errors.
STRICT_CODES = frozenset({"no-stance", "no-spans"})

Export: TypeAlias = str | Path | ExportFile | ExportStream | Iterable[Any]


def validate_export(
    export: Export,
    taxonomy: Taxonomy,
    *,
    strict: bool = False,
    fix_utf16_offsets: bool = False,
    gazetteer: Gazetteer | Mapping[str, str] | None = None,
    chunk_tasks: int | None = None,
    halves_from: int | None = None,
) -> ValidationReport:
    """Validate an export against ``taxonomy``: a file (streamed), an export already read
    (`load_export`, `stream_export`) or its tasks.

    ``chunk_tasks``: check that many tasks at a time and keep only issues, counts and a few
    values per task, so that memory is bounded by the chunk, not the file; the report then
    has no tables. ``halves_from``:
    with ``chunk_tasks``, check a file of at least that many bytes in two halves at once on
    Linux with two CPUs (`stancepack.export.validate.halves`; None: in one pass). Raises
    `ExportError` when a file cannot be read as a full JSON export; every problem inside
    the export is an issue of the report; the report is the same in any case."""
    with collector_paused():
        halved, path = None, None
        if chunk_tasks is not None and isinstance(export, str | Path):
            path = Path(export)
            halved = _checked_in_halves(
                path, taxonomy, chunk_tasks, halves_from, fix_utf16_offsets, gazetteer
            )
        if halved is not None:
            source, tables = str(path), None
            issues, counts = halved
        else:
            flattener = Flattener(
                taxonomy, fix_utf16_offsets=fix_utf16_offsets, gazetteer=gazetteer
            )
            source, issues, counts, tables = _checked_in_one_pass(
                export, flattener, taxonomy, chunk_tasks
            )
    if strict:
        issues = [_strict(issue) for issue in issues]
    issues.sort(key=lambda issue: issue.order)
    return ValidationReport(
        source=source,
        taxonomy=taxonomy.name,
        taxonomy_version=taxonomy.version,
        issues=tuple(issues),
        tables=tables,
        strict=strict,
        counts=counts,
    )


def _checked_in_one_pass(
    export: Export, flattener: Flattener, taxonomy: Taxonomy, chunk_tasks: int | None
) -> tuple[str, list[Issue], Counts, Flattened | None]:
    """The source, issues, counts and (unless checked in chunks) tables of an export."""
    source, notes, tasks = _opened(export)
    if chunk_tasks is not None:
        found, counts = check_in_chunks(tasks, flattener, taxonomy, chunk_tasks)
        return source, [*notes, *found], counts, None
    for task in tasks:
        flattener.add_task(task)
    tables = flattener.result()
    found = [*tables.issues, *ordered_table_issues(ranked_table_issues(tables, taxonomy))]
    return source, [*notes, *found], tables.counts, tables


def _checked_in_halves(
    path: Path,
    taxonomy: Taxonomy,
    chunk_tasks: int,
    halves_from: int | None,
    fix_utf16_offsets: bool,
    gazetteer: Gazetteer | Mapping[str, str] | None,
) -> tuple[list[Issue], Counts] | None:
    if not can_check_in_halves(path, halves_from):
        return None
    options = FlattenOptions(fix_utf16_offsets=fix_utf16_offsets, gazetteer=gazetteer)
    return check_in_halves(path, taxonomy, chunk_tasks, options)


def _opened(export: Export) -> tuple[str, tuple[Issue, ...], Iterator[Any]]:
    """Where the tasks come from, the reader's notes on the file, and the tasks."""
    if isinstance(export, str | Path):
        export = stream_export(export)
    if isinstance(export, ExportStream):
        return export.source, export.notes, export.tasks
    if isinstance(export, ExportFile):
        return export.source, export.notes, iter(export.tasks)
    return "tasks", (), iter(export)


def _strict(issue: Issue) -> Issue:
    if issue.severity == WARNING and issue.code in STRICT_CODES:
        return replace(issue, severity=ERROR, reason=f"{issue.reason} (--strict)")
    return issue
