"""Validating a Label Studio export: every problem at once, as issue records.

`validate_export` reads (when given a path) and flattens an export, then checks the four
tables with the pandera models built from the taxonomy (lazily, so every failure case is
collected) and turns their failure cases into the same `Issue` records as the structural
problems found while flattening. The report is valid when it has no errors.
"""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from stancepack.annotate.gazetteer import Gazetteer
from stancepack.export.flatten import PREDICTION, Counts, Flattened, flatten_export
from stancepack.export.issues import ERROR, WARNING, Issue, show_value
from stancepack.export.reader import load_export
from stancepack.schema.taxonomy import Taxonomy

if TYPE_CHECKING:
    import pandas as pd

# Warnings that --strict turns into errors.
STRICT_CODES = frozenset({"no-stance", "no-spans"})


@dataclass(frozen=True)
class ValidationReport:
    """The outcome of validating one export."""

    source: str
    taxonomy: str
    taxonomy_version: str
    issues: tuple[Issue, ...]
    tables: Flattened
    strict: bool = False

    @property
    def errors(self) -> int:
        return sum(1 for issue in self.issues if issue.severity == ERROR)

    @property
    def warnings(self) -> int:
        return sum(1 for issue in self.issues if issue.severity == WARNING)

    @property
    def ok(self) -> bool:
        return self.errors == 0

    @property
    def summary(self) -> dict[str, int]:
        """tasks, annotations, predictions, cancelled, empty, spans, relations, errors,
        warnings."""
        counts = self.tables.counts
        summary = {item.name: getattr(counts, item.name) for item in fields(Counts)}
        summary["errors"] = self.errors
        summary["warnings"] = self.warnings
        return summary

    @property
    def codes(self) -> dict[str, dict[str, int]]:
        """Issue counts by severity and code, codes sorted."""
        counted = Counter((issue.severity, issue.code) for issue in self.issues)
        return {
            severity: {
                code: count for (level, code), count in sorted(counted.items()) if level == severity
            }
            for severity in (ERROR, WARNING)
        }


def validate_export(
    path_or_tasks: str | Path | Iterable[Any],
    taxonomy: Taxonomy,
    *,
    strict: bool = False,
    fix_utf16_offsets: bool = False,
    gazetteer: Gazetteer | Mapping[str, str] | None = None,
) -> ValidationReport:
    """Validate an export file (or its already-read tasks) against ``taxonomy``.

    Raises `ExportError` when a file cannot be read as a full JSON export; every problem
    inside the export is an issue of the report."""
    with _collector_paused():
        if isinstance(path_or_tasks, str | Path):
            export = load_export(path_or_tasks)
            source, notes = export.source, export.notes
            tasks: Iterable[Any] = _handed_out(export.tasks)
            del export
        else:
            source, tasks, notes = "tasks", path_or_tasks, ()
        tables = flatten_export(
            tasks, taxonomy, fix_utf16_offsets=fix_utf16_offsets, gazetteer=gazetteer
        )
        issues = [*notes, *tables.issues, *_table_issues(tables, taxonomy)]
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
    )


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Reading an export creates millions of objects that all live until the end; the
    cyclic garbage collector would walk them again and again for nothing."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _handed_out(tasks: list[Any]) -> Iterator[Any]:
    """The tasks in order, each dropped from the (file's own) list once handed out, so a
    parsed task is freed as soon as it is flattened."""
    tasks.reverse()
    while tasks:
        yield tasks.pop()


def _strict(issue: Issue) -> Issue:
    if issue.severity == WARNING and issue.code in STRICT_CODES:
        return replace(issue, severity=ERROR, reason=f"{issue.reason} (--strict)")
    return issue


# -- pandera failure cases as issues --------------------------------------------------------

# (table, column, check name) -> (code, reason); the reason may use {vocabulary}.
KNOWN_FAILURES = {
    ("mentions", "actor_type", "isin"): (
        "unknown-actor-type",
        "not an actor type of the taxonomy ({vocabulary})",
    ),
    ("mentions", "stance", "isin"): (
        "unknown-stance",
        "not a stance of the taxonomy ({vocabulary})",
    ),
    ("mentions", "roles", "roles_in_taxonomy"): (
        "unknown-role",
        "not a role of the taxonomy ({vocabulary})",
    ),
    ("relations", "label", "isin"): (
        "unknown-relation",
        "not a relation of the taxonomy ({vocabulary})",
    ),
    ("relations", "direction", "isin"): ("bad-direction", "direction must be right, left or bi"),
    ("annotations", "annotation_id", "field_uniqueness"): (
        "duplicate-annotation-id",
        "annotation id used more than once in the export",
    ),
    ("articles", "task_id", "field_uniqueness"): (
        "duplicate-task-id",
        "task id used by more than one task of the export",
    ),
}
VOCABULARY_OF = {
    ("mentions", "actor_type"): "actor_type_values",
    ("mentions", "stance"): "stance_values",
    ("mentions", "roles"): "role_values",
    ("relations", "label"): "relation_values",
}


def _table_issues(tables: Flattened, taxonomy: Taxonomy) -> list[Issue]:
    """Check each table with its pandera model, lazily; failure cases become issues, once
    each, except where flattening already reported a problem with the same field of the
    same span."""
    import pandera.pandas as pa

    from stancepack.schema.tables import export_models

    already = {_located(issue) for issue in tables.issues if issue.region_id}
    context = _RowContext(tables)
    issues: list[Issue] = []
    for name, model in export_models(taxonomy).tables().items():
        try:
            model.validate(getattr(tables, name), lazy=True)
        except pa.errors.SchemaErrors as failure:
            for issue in _failure_issues(name, failure.failure_cases, context, taxonomy):
                if name == "mentions" and _located(issue) in already:
                    continue
                issues.append(issue)
    return list(dict.fromkeys(issues))


# Fields that one offset problem concerns together.
OFFSET_FIELDS = frozenset({"start", "end", "text"})


def _located(issue: Issue) -> tuple[str, str, str, str]:
    field = "offsets" if issue.field in OFFSET_FIELDS else issue.field
    return (issue.task_id, issue.annotation_id, issue.region_id, field)


def _failure_issues(
    table: str, cases: pd.DataFrame, context: _RowContext, taxonomy: Taxonomy
) -> Iterator[Issue]:
    seen: set[tuple[str, str, int | None]] = set()
    for case in cases.itertuples(index=False):
        check = str(case.check)
        column = str(case.column)
        row = _row_number(case.index)
        if case.schema_context == "DataFrameSchema" and check == "end_after_start":
            column = "end"
        if (check, column, row) in seen:
            continue
        seen.add((check, column, row))
        code, reason = _failure_reason(table, column, check, taxonomy)
        value = case.failure_case
        if column == "roles" and isinstance(value, list):
            value = [role for role in value if role not in taxonomy.role_values]
        yield context.issue(table, row, code, reason, column, show_value(value))


def _row_number(index: Any) -> int | None:
    try:
        return int(index)
    except (TypeError, ValueError):
        return None


def _failure_reason(table: str, column: str, check: str, taxonomy: Taxonomy) -> tuple[str, str]:
    check_name = check.split("(", 1)[0]
    known = KNOWN_FAILURES.get((table, column, check_name))
    if known is None:
        return "table-check", f"{table}.{column} fails the check {check}"
    code, reason = known
    vocabulary = VOCABULARY_OF.get((table, column))
    if vocabulary:
        reason = reason.format(vocabulary=", ".join(getattr(taxonomy, vocabulary)))
    return code, reason


class _RowContext:
    """Locates a row of a flattened table: its task, annotation, annotator, region."""

    def __init__(self, tables: Flattened) -> None:
        self.tables = tables
        self.positions = tables.positions
        self._annotators: dict[str, str] | None = None

    def annotator(self, annotation_id: str) -> str:
        if self._annotators is None:
            frame = self.tables.annotations
            self._annotators = {
                str(annotation_id): (
                    (f"model {version}" if version else "model") if kind == PREDICTION else who
                )
                for annotation_id, kind, who, version in zip(
                    frame["annotation_id"],
                    frame["kind"],
                    frame["annotator"],
                    frame["model_version"],
                    strict=True,
                )
            }
        return self._annotators.get(annotation_id, "")

    def issue(
        self, table: str, row: int | None, code: str, reason: str, column: str, value: str
    ) -> Issue:
        frame = getattr(self.tables, table)
        if row is None or not 0 <= row < len(frame):
            return Issue(ERROR, code, reason, field=column, value=value, order=(0,))
        record = frame.iloc[row]
        task_id = str(record["task_id"])
        task_position = self.positions.tasks.get(task_id, 0)
        if table == "articles":
            return Issue(
                ERROR,
                code,
                reason,
                task_id=task_id,
                field=column,
                value=value,
                order=(task_position,),
            )
        annotation_id = str(record["annotation_id"])
        sequence = self.positions.annotations.get(annotation_id, 0)
        if table == "annotations":
            return Issue(
                ERROR,
                code,
                reason,
                task_id=task_id,
                annotation_id=annotation_id,
                annotator=self.annotator(annotation_id),
                field=column,
                value=value,
                order=(task_position, sequence),
            )
        if table == "mentions":
            region_id = str(record["region_id"])
            index = self.positions.mentions[row]
        else:
            region_id = f"{record['from_region']}->{record['to_region']}"
            index = self.positions.relations[row]
        return Issue(
            ERROR,
            code,
            reason,
            task_id=task_id,
            annotation_id=annotation_id,
            annotator=self.annotator(annotation_id),
            region_id=region_id,
            field=column,
            value=value,
            order=(task_position, sequence, index),
        )
