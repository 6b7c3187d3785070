"""Validating an export in chunks of tasks, in memory bounded by the chunk.

`check_in_chunks` flattens a stream of tasks ``chunk_tasks`` at a time, checks each chunk's
tables with the pandera schemas and keeps only what the report needs: the issues, the
counts, and what the checks across tasks need, a few values per task: the text hash of each
article id (for conflicting article texts, kept by the `Flattener`) and the ids of tasks and
annotations (for ids used twice, `IdRegister`). The tables of a chunk are dropped once it
is checked. The report is the one the whole tables give: the same issues in the same order.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from stancepack.export.issues import Issue
from stancepack.export.validate.checks import (
    KNOWN_FAILURES,
    TABLES,
    UNIQUENESS,
    RankedIssue,
    RowContext,
    Where,
    _check_ranks,
    ordered_table_issues,
    ranked_table_issues,
    table_issue,
    table_schemas,
)
from stancepack.export.validate.flatten import Counts, Flattened, Flattener
from stancepack.schema.taxonomy import Taxonomy

# Table -> its column of ids that must be unique across the whole export.
UNIQUE_IDS = {"articles": "task_id", "annotations": "annotation_id"}


def check_in_chunks(
    tasks: Iterable[Any], flattener: Flattener, taxonomy: Taxonomy, chunk_tasks: int
) -> tuple[list[Issue], Counts]:
    """The issues (file notes, structural issues, then table issues in report order) and
    the counts of the tasks, checked ``chunk_tasks`` tasks at a time."""
    if chunk_tasks < 1:
        raise ValueError(f"chunk_tasks must be at least 1, not {chunk_tasks}")
    checks = ChunkChecks(taxonomy)
    for tables in chunks_of(tasks, flattener, chunk_tasks):
        checks.add(tables)
    issues = [*flattener.file_notes(), *checks.structural, *checks.finish()]
    return issues, Counts(**flattener.counts)


class ChunkChecks:
    """The checks of each chunk's tables with the pandera schemas, and of ids used twice
    across chunks; the structural issues of the chunks are kept as they come."""

    def __init__(self, taxonomy: Taxonomy) -> None:
        self.taxonomy = taxonomy
        self.schemas = table_schemas(taxonomy, unique=False)
        self.registers = {table: IdRegister(table) for table in UNIQUE_IDS}
        self.structural: list[Issue] = []
        self.table_issues: list[RankedIssue] = []

    def add(self, tables: Flattened) -> None:
        self.structural.extend(tables.issues)
        self.table_issues.extend(ranked_table_issues(tables, self.taxonomy, self.schemas))
        context = RowContext(tables)
        for register in self.registers.values():
            register.add(tables, context)

    def finish(self) -> list[Issue]:
        """The table issues of all chunks and those of ids used twice, in report order."""
        whole = table_schemas(self.taxonomy)
        duplicates = [
            ranked
            for register in self.registers.values()
            for ranked in register.duplicates(self.taxonomy, whole)
        ]
        return ordered_table_issues([*self.table_issues, *duplicates])


def chunks_of(tasks: Iterable[Any], flattener: Flattener, size: int) -> Iterator[Flattened]:
    """The tables of each ``size`` tasks, flattened one task at a time (so only one parsed
    task is held at once)."""
    pending = 0
    for task in tasks:
        flattener.add_task(task)
        pending += 1
        if pending == size:
            yield flattener.take_rows()
            pending = 0
    if pending:
        yield flattener.take_rows()


class IdRegister:
    """The ids of one table's rows across chunks: where each id was first seen, and every
    row of an id seen more than once, to report ids used twice as the uniqueness check of
    the whole table does."""

    def __init__(self, table: str) -> None:
        self.table = table
        self.column = UNIQUE_IDS[table]
        self.first: dict[str, Any] = {}
        self.repeated: dict[str, list[Any]] = {}
        self._annotators: dict[str, str] = {}

    def add(self, tables: Flattened, context: RowContext) -> None:
        frame = getattr(tables, self.table)
        first, repeated = self.first, self.repeated
        places = self._places(tables, context)
        for key, place in zip(frame[self.column].tolist(), places, strict=True):
            earlier = first.setdefault(key, place)
            if earlier is not place:
                repeated.setdefault(key, [earlier]).append(place)

    def _places(self, tables: Flattened, context: RowContext) -> list[Any]:
        """A compact record of each row's place: the task position of an article row; the
        task id, positions and annotator of an annotation row."""
        positions = tables.positions
        if self.table == "articles":
            return positions.articles
        annotators = self._annotators
        return [
            (task_id, task_position, sequence, annotators.setdefault(who, who))
            for task_id, task_position, sequence, who in zip(
                tables.annotations["task_id"].tolist(),
                positions.annotation_tasks,
                positions.annotation_sequences,
                [context.annotator(row) for row in range(len(tables.annotations))],
                strict=True,
            )
        ]

    def merge(self, later: IdRegister, offset: int) -> None:
        """Add the ids of a later part of the export, whose first task follows ``offset``
        tasks, as if they had been added here."""
        first, repeated = self.first, self.repeated
        for key, place in later.first.items():
            for each in later.repeated.get(key, [place]):
                moved = self._moved(each, offset)
                earlier = first.setdefault(key, moved)
                if earlier is not moved:
                    repeated.setdefault(key, [earlier]).append(moved)

    def _moved(self, place: Any, offset: int) -> Any:
        if self.table == "articles":
            return place + offset
        task_id, task_position, sequence, annotator = place
        return (task_id, task_position + offset, sequence, annotator)

    def duplicates(self, taxonomy: Taxonomy, schemas: dict[str, Any]) -> Iterator[RankedIssue]:
        """An issue for every row of an id seen more than once, ranked as the uniqueness
        check of the whole table ranks it."""
        code, reason = KNOWN_FAILURES[(self.table, self.column, UNIQUENESS)]
        table_rank = TABLES.index(self.table)
        rank = (table_rank, *_check_ranks(schemas[self.table])[(self.column, UNIQUENESS)], 0)
        for key, places in self.repeated.items():
            for place in places:
                where = self._where(key, place)
                yield RankedIssue(table_issue(where, code, reason, self.column, key), rank)

    def _where(self, key: str, place: Any) -> Where:
        if self.table == "articles":
            return Where((place,), key)
        task_id, task_position, sequence, annotator = place
        return Where((task_position, sequence), task_id, key, annotator)
