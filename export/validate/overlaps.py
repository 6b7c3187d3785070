"""Spans of one annotation with the same actor type that cover the same characters: a
duplicate (the same offsets) or an overlap."""

from __future__ import annotations

from typing import Any

from stancepack.export.issues import ERROR
from stancepack.export.validate.tables import END_COLUMN, REGION_COLUMN, START_COLUMN, TYPE_COLUMN
from stancepack.export.validate.tasks import AnnotationContext


def may_overlap(rows: list[list[Any]]) -> bool:
    """False when the spans (mentions rows in result order) follow each other without
    overlapping (the usual case)."""
    reach = -1
    for row in rows:
        if row[START_COLUMN] < reach:
            return True
        reach = max(reach, row[END_COLUMN])
    return False


def check_overlaps(
    annotation: AnnotationContext,
    rows: list[list[Any]],
    positions: list[int],
    misplaced: set[int],
) -> None:
    """Spans with the same actor type that cover the same characters, among those whose
    offsets place them in the text (``misplaced``: the ids of the others' rows);
    ``positions``: each row's index among the annotation's results."""
    ordered = sorted(
        (row[START_COLUMN], row[END_COLUMN], number)
        for number, row in enumerate(rows)
        if id(row) not in misplaced
    )
    widest: dict[str, list[Any]] = {}
    for start, end, number in ordered:
        row = rows[number]
        actor_type = row[TYPE_COLUMN]
        other = widest.get(actor_type)
        if other is not None and start < other[END_COLUMN]:
            same = (other[START_COLUMN], other[END_COLUMN]) == (start, end)
            annotation.issue(
                ERROR,
                "duplicate-span" if same else "overlapping-span",
                f"{'duplicates' if same else 'overlaps'} span {other[REGION_COLUMN]} "
                f"({other[START_COLUMN]}-{other[END_COLUMN]}) with the same label "
                f"{actor_type}",
                order=annotation.order(positions[number]),
                region_id=row[REGION_COLUMN],
                field="start",
                value=f"{start}-{end}",
            )
        if other is None or end > other[END_COLUMN]:
            widest[actor_type] = row
