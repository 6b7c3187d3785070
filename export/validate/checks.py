"""The checks of an export's tables: every problem at once, as issue records.

The four flattened tables are checked with the pandera models built from the taxonomy
(lazily, so every failure case is collected) and their failure cases become the same
`Issue` records as the structural problems found while flattening; `ValidationReport` holds
them, and is valid when it has no errors. `stancepack.export.validate.run` reads an export
and applies these checks in one pass, in chunks or in two halves.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, NamedTuple

from stancepack.export.issues import ERROR, WARNING, Issue, model_annotator, show_value
from stancepack.export.validate.flatten import Counts, Flattened
from stancepack.schema.fields import DIRECTIONS, PREDICTION, one_of
from stancepack.schema.taxonomy import Taxonomy

if TYPE_CHECKING:
    import pandas as pd
    import pandera.pandas as pa

TABLES = ("articles", "annotations", "mentions", "relations")


@dataclass(frozen=True)
class ValidationReport:
    """The outcome of validating one export. ``tables`` is None when the export was checked
    in chunks (only the issues and counts were kept)."""

    source: str
    taxonomy: str
    taxonomy_version: str
    issues: tuple[Issue, ...]
    tables: Flattened | None
    strict: bool = False
    counts: Counts = field(default_factory=Counts)

    def whole_tables(self) -> Flattened:
        """The tables; an export checked in chunks kept none."""
        if self.tables is None:
            raise ValueError(f"{self.source} was checked in chunks: no tables were kept")
        return self.tables

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
        summary = {item.name: getattr(self.counts, item.name) for item in fields(Counts)}
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


# -- pandera failure cases as issues --------------------------------------------------------

# The name pandera gives a column's ``unique=True`` check.
UNIQUENESS = "field_uniqueness"
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
    ("relations", "direction", "isin"): (
        "bad-direction",
        f"direction must be {one_of(DIRECTIONS)}",
    ),
    ("annotations", "annotation_id", UNIQUENESS): (
        "duplicate-annotation-id",
        "annotation id used more than once in the export",
    ),
    ("articles", "task_id", UNIQUENESS): (
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


class RankedIssue(NamedTuple):
    """A table issue and where pandera's checks place it: (table, column, check)."""

    issue: Issue
    rank: tuple[int, ...]


def table_schemas(taxonomy: Taxonomy, *, unique: bool = True) -> dict[str, pa.DataFrameSchema]:
    """Table name -> pandera schema of the export models, in report order; without the
    uniqueness checks when not ``unique`` (chunks are checked for them together)."""
    from stancepack.schema.tables import export_models

    schemas = {}
    for name, model in export_models(taxonomy).tables().items():
        schema = model.to_schema()
        if not unique:
            columns = [column for column, spec in schema.columns.items() if spec.unique]
            schema = schema.update_columns({column: {"unique": False} for column in columns})
        schemas[name] = schema
    return schemas


def ranked_table_issues(
    tables: Flattened,
    taxonomy: Taxonomy,
    schemas: dict[str, pa.DataFrameSchema] | None = None,
) -> list[RankedIssue]:
    """Check each table with its pandera schema, lazily; failure cases become issues,
    except where flattening already reported a problem with the same field of the same
    span."""
    import pandera.pandas as pa

    already = {_located(issue) for issue in tables.issues if issue.region_id}
    context = RowContext(tables)
    issues: list[RankedIssue] = []
    for table_rank, (name, schema) in enumerate((schemas or table_schemas(taxonomy)).items()):
        try:
            schema.validate(getattr(tables, name), lazy=True)
        except pa.errors.SchemaErrors as failure:
            ranks = _check_ranks(schema)
            for ranked in _failure_issues(name, failure.failure_cases, context, taxonomy, ranks):
                if name == "mentions" and _located(ranked.issue) in already:
                    continue
                issues.append(ranked._replace(rank=(table_rank, *ranked.rank)))
    return issues


def ordered_table_issues(issues: Iterable[RankedIssue]) -> list[Issue]:
    """The table issues once each (the first of equal ones, as checked), in file order and,
    at one place of the file, in the order pandera checks tables, columns and checks."""
    first: dict[Issue, RankedIssue] = {}
    for ranked in issues:
        first.setdefault(ranked.issue, ranked)
    ordered = sorted(first.values(), key=lambda ranked: (ranked.issue.order, ranked.rank))
    return [ranked.issue for ranked in ordered]


# Fields that one offset problem concerns together.
OFFSET_FIELDS = frozenset({"start", "end", "text"})


def _located(issue: Issue) -> tuple[str, str, str, str]:
    field = "offsets" if issue.field in OFFSET_FIELDS else issue.field
    return (issue.task_id, issue.annotation_id, issue.region_id, field)


def _check_ranks(schema: pa.DataFrameSchema) -> dict[tuple[str, str], tuple[int, int]]:
    """(column, check name) -> (column, check) in the order pandera runs them: each column's
    uniqueness, then its checks, in column order; then the checks across columns ("")."""
    ranks = {}
    for column_rank, (name, column) in enumerate(schema.columns.items()):
        ranks[(name, UNIQUENESS)] = (column_rank, 0)
        for check_rank, check in enumerate(column.checks, 1):
            ranks[(name, check.name)] = (column_rank, check_rank)
    for check_rank, check in enumerate(schema.checks):
        ranks[("", check.name)] = (len(schema.columns), check_rank)
    return ranks


def _failure_issues(
    table: str,
    cases: pd.DataFrame,
    context: RowContext,
    taxonomy: Taxonomy,
    ranks: dict[tuple[str, str], tuple[int, int]],
) -> Iterator[RankedIssue]:
    seen: set[tuple[str, str, int | None]] = set()
    for case in cases.itertuples(index=False):
        check = str(case.check)
        column = str(case.column)
        check_name = check.split("(", 1)[0]
        rank = ranks.get((column, check_name), (len(ranks), 0))
        row = _row_number(case.index)
        if case.schema_context == "DataFrameSchema":
            rank = ranks.get(("", check_name), rank)
            if check == "end_after_start":
                column = "end"
        if (check, column, row) in seen:
            continue
        seen.add((check, column, row))
        code, reason = _failure_reason(table, column, check, taxonomy)
        value = case.failure_case
        if column == "roles" and isinstance(value, list):
            value = [role for role in value if role not in taxonomy.role_values]
        where = context.where(table, row)
        yield RankedIssue(table_issue(where, code, reason, column, show_value(value)), (*rank, 0))


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


class Where(NamedTuple):
    """The place of a table row in the export: its task, annotation and region, and its
    position in the file (as an issue's ``order``)."""

    order: tuple[int, ...] = (0,)
    task_id: str = ""
    annotation_id: str = ""
    annotator: str = ""
    region_id: str = ""


def table_issue(where: Where, code: str, reason: str, column: str, value: str) -> Issue:
    return Issue(
        ERROR,
        code,
        reason,
        task_id=where.task_id,
        annotation_id=where.annotation_id,
        annotator=where.annotator,
        region_id=where.region_id,
        field=column,
        value=value,
        order=where.order,
    )


class RowContext:
    """Locates a row of a flattened table: its own task, annotation, annotator, region."""

    def __init__(self, tables: Flattened) -> None:
        self.tables = tables
        self.positions = tables.positions
        self._annotators: list[str] | None = None

    def annotator(self, row: int) -> str:
        """The annotator of the annotation in row ``row``, as the report names it; for a
        prediction its model version."""
        if self._annotators is None:
            frame = self.tables.annotations
            self._annotators = [
                model_annotator(version) if kind == PREDICTION else who
                for kind, who, version in zip(
                    frame["kind"], frame["annotator"], frame["model_version"], strict=True
                )
            ]
        return self._annotators[row]

    def where(self, table: str, row: int | None) -> Where:
        frame = getattr(self.tables, table)
        if row is None or not 0 <= row < len(frame):
            return Where()
        positions = self.positions
        task_id = str(frame["task_id"].iat[row])
        if table == "articles":
            return Where((positions.articles[row],), task_id)
        if table == "annotations":
            owner, index = row, None
        elif table == "mentions":
            owner, index = positions.mention_owners[row], positions.mentions[row]
        else:
            owner, index = positions.relation_owners[row], positions.relations[row]
        order = (positions.annotation_tasks[owner], positions.annotation_sequences[owner])
        annotation_id = str(frame["annotation_id"].iat[row])
        if index is None:
            return Where(order, task_id, annotation_id, self.annotator(owner))
        if table == "mentions":
            region_id = str(frame["region_id"].iat[row])
        else:
            region_id = f"{frame['from_region'].iat[row]}->{frame['to_region'].iat[row]}"
        return Where((*order, index), task_id, annotation_id, self.annotator(owner), region_id)
