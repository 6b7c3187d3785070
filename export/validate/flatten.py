"""Flattening a Label Studio full JSON export into four tidy tables, one place for all.

`flatten_export` turns tasks into `articles`, `annotations`, `mentions` and `relations`
DataFrames and, on the way, finds every structural problem: result types that are not
text spans, offsets that are not integers, out of range or do not match the text, per-region
stance, roles and actor names that belong to no span, duplicate region ids, dangling
relations, duplicate or overlapping spans, conflicting article texts, missing ids. Each
problem becomes an `Issue`; nothing is dropped silently. Vocabulary checks (labels, stances,
roles, relation labels in the taxonomy) are the pandera models' job
(`stancepack.export.validate.checks`).

The work is plain Python over dicts into row lists, one task at a time (`Flattener`), so a
streaming reader can feed it task by task; each DataFrame is built once at the end, its
text columns through Arrow and its numbers through numpy. `Flattener` puts together the
parts, each in its own module:

- `tasks`: reading one task (ids, data, text, annotations and predictions);
- `articles`: the article row, and one article's texts across tasks;
- `regions`: reading one annotation's results into spans;
- `links`: per-region stance, roles and actor names linked to their span;
- `relations`: relations between spans;
- `offsets`: why a span's offsets do not fit the text;
- `overlaps`: duplicate and overlapping spans;
- `tables`: the tables' columns, and building them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from stancepack.export.issues import ERROR, WARNING, Issue, counted, type_name
from stancepack.export.validate.articles import (
    ARTICLE_TEXT_CONFLICT,
    DUPLICATE_ARTICLE,
    LEGACY_OUTLET,
    ONE_LINE_FIELDS,
    article_row,
    check_article_text,
    check_one_line_fields,
    control_character_issue,
)
from stancepack.export.validate.links import (
    KNOWN_TAGS,
    PER_REGION_TAGS,
    attach_per_region,
    finish_spans,
    link_in_place,
    normalised_gazetteer,
)
from stancepack.export.validate.offsets import LARGEST_OFFSET
from stancepack.export.validate.overlaps import check_overlaps, may_overlap
from stancepack.export.validate.regions import (
    PER_REGION_TYPES,
    RELATION_TYPE,
    SPAN_TYPE,
    read_regions,
)
from stancepack.export.validate.relations import annotation_relations
from stancepack.export.validate.tables import (
    ANNOTATION_COLUMNS,
    ARTICLE_COLUMNS,
    CANCELLED_COLUMN,
    DTYPES,
    MENTION_COLUMNS,
    RELATION_COLUMNS,
    Counts,
    Flattened,
    Positions,
    frame,
)
from stancepack.export.validate.tasks import (
    BAD_TASK,
    BAD_TASK_ID,
    LINK,
    MISSING_TASK_ID,
    NAMED_BY_POSITION,
    TASK_LEVEL_KEYS,
    AnnotationContext,
    TaskContext,
    annotation_list,
    annotation_row,
    is_prediction_id,
    prediction_list,
    report_duplicate_keys,
)
from stancepack.schema.fields import ANNOTATION, PREDICTION
from stancepack.schema.gazetteer import Gazetteer
from stancepack.schema.taxonomy import Taxonomy

__all__ = [
    "ANNOTATION",
    "ANNOTATION_COLUMNS",
    "ARTICLE_COLUMNS",
    "ARTICLE_TEXT_CONFLICT",
    "BAD_TASK",
    "BAD_TASK_ID",
    "DTYPES",
    "DUPLICATE_ARTICLE",
    "KNOWN_TAGS",
    "LARGEST_OFFSET",
    "LEGACY_OUTLET",
    "LINK",
    "MENTION_COLUMNS",
    "MISSING_TASK_ID",
    "NAMED_BY_POSITION",
    "ONE_LINE_FIELDS",
    "PER_REGION_TAGS",
    "PER_REGION_TYPES",
    "PREDICTION",
    "RELATION_COLUMNS",
    "RELATION_TYPE",
    "SPAN_TYPE",
    "TASK_LEVEL_KEYS",
    "AnnotationContext",
    "Counts",
    "Flattened",
    "Flattener",
    "Positions",
    "TaskContext",
    "control_character_issue",
    "flatten_export",
]


def flatten_export(
    tasks: Iterable[Any],
    taxonomy: Taxonomy,
    *,
    fix_utf16_offsets: bool = False,
    gazetteer: Gazetteer | Mapping[str, str] | None = None,
) -> Flattened:
    """Flatten the tasks of a Label Studio full JSON export into tables plus issues.

    ``gazetteer`` (a `Gazetteer`, from ``load_gazetteer(data/actors.yaml)``, or a mapping
    of surface forms to canonical names) fills ``actor_name`` where a span has no
    per-region actor name; without one such names stay empty. ``fix_utf16_offsets`` repairs
    offsets that older Label Studio versions counted in UTF-16 units, reporting each."""
    flattener = Flattener(taxonomy, fix_utf16_offsets=fix_utf16_offsets, gazetteer=gazetteer)
    for task in tasks:
        flattener.add_task(task)
    return flattener.result()


class Flattener:
    """Accumulates the tables' rows one task at a time.

    Each span takes a fast path when everything about it is in order; anything unusual
    goes through the checking path, which reports it."""

    def __init__(
        self,
        taxonomy: Taxonomy,
        *,
        fix_utf16_offsets: bool = False,
        gazetteer: Gazetteer | Mapping[str, str] | None = None,
    ) -> None:
        self.fix_utf16_offsets = fix_utf16_offsets
        self.gazetteer = normalised_gazetteer(gazetteer) if gazetteer else None
        self.role_rank = {role: rank for rank, role in enumerate(taxonomy.role_values)}
        self.article_rows: list[tuple[Any, ...]] = []
        self.annotation_rows: list[tuple[Any, ...]] = []
        self.mention_rows: list[list[Any]] = []
        self.relation_rows: list[tuple[Any, ...]] = []
        self.issues: list[Issue] = []
        self.positions = Positions()
        self.counts = {name: 0 for name in Counts.__dataclass_fields__}
        self.article_texts: dict[str, tuple[str, str]] = {}  # id -> (text hash, task id)
        self.article_hashes: dict[str, tuple[str, str]] = {}  # hash -> (article id, task id)
        self.pre_1_0_tasks = 0
        self.prediction_ids_only = 0

    # -- tasks ---------------------------------------------------------------------------

    def add_task(self, raw: Any) -> None:
        """Flatten one task: its article row, and each annotation and prediction."""
        self.counts["tasks"] += 1
        position = self.counts["tasks"]
        if not isinstance(raw, dict):
            reason = f"task {position} is {type_name(raw)}, not a task object"
            self._issue(ERROR, BAD_TASK, reason, order=(position,), task_id=f"task-{position}")
            return
        task = TaskContext(raw, position, self.issues.append)
        report_duplicate_keys(task, raw)
        self._add_article(task)
        annotations, pre_1_0 = annotation_list(task, raw)
        self.pre_1_0_tasks += pre_1_0
        for number, annotation in enumerate(annotations, 1):
            self._add_annotation(task, annotation, ANNOTATION, number, number)
        for number, prediction in enumerate(prediction_list(task, raw), 1):
            if is_prediction_id(prediction):
                self.prediction_ids_only += 1
                continue
            sequence = len(annotations) + number
            self._add_annotation(task, prediction, PREDICTION, number, sequence)

    def _add_article(self, task: TaskContext) -> None:
        row, digest = article_row(task)
        self.positions.articles.append(task.position)
        self.article_rows.append(row)
        if task.text_ok:
            check_article_text(task, digest, self.article_texts, self.article_hashes)
        check_one_line_fields(task)

    def _add_annotation(
        self, task: TaskContext, raw: Any, kind: str, number: int, sequence: int
    ) -> None:
        if not isinstance(raw, dict):
            task.issue(
                ERROR,
                f"bad-{kind}",
                f"{kind} {number} is {type_name(raw)}, not an object",
                order=(task.position, sequence),
            )
            return
        annotation = AnnotationContext(task, raw, kind, number, sequence)
        annotation.row = len(self.annotation_rows)
        self.positions.annotation_tasks.append(task.position)
        self.positions.annotation_sequences.append(sequence)
        row = annotation_row(annotation, raw)
        self.annotation_rows.append(row)
        self.counts["annotations" if kind == ANNOTATION else "predictions"] += 1
        if row[CANCELLED_COLUMN]:
            self.counts["cancelled"] += 1
        elif annotation.results:
            self._add_results(annotation)
        else:
            self.counts["empty"] += 1
            reason = f"empty {kind}: no results; excluded from the data"
            annotation.issue(WARNING, "no-spans", reason)

    # -- results -------------------------------------------------------------------------

    def _add_results(self, annotation: AnnotationContext) -> None:
        """Spans first (`read_regions`), per-region results linked to their span (in place
        when in order, `link_in_place`, else checked), then relations; checks across the
        annotation's spans last."""
        regions = read_regions(annotation, self.fix_utf16_offsets)
        spans, rows, positions = regions.spans, regions.rows, regions.positions
        if regions.linked:
            for index, result in link_in_place(regions.linked, self.role_rank):
                attach_per_region(annotation, index, result, spans, self.role_rank)
        if regions.relations:
            self._add_relations(annotation, regions.relations, spans)
        self.mention_rows.extend(rows)
        self.positions.mentions.extend(positions)
        self.positions.mention_owners.extend([annotation.row] * len(rows))
        self.counts["spans"] += len(rows)
        if not rows:
            annotation.issue(
                WARNING,
                "no-spans",
                f"{annotation.kind} has {counted(len(annotation.results), 'result')} but no "
                "actor spans",
            )
            return
        finish_spans(annotation, spans, rows, positions, self.gazetteer)
        if may_overlap(rows):
            check_overlaps(annotation, rows, positions, regions.misplaced)

    def _add_relations(
        self,
        annotation: AnnotationContext,
        relations: list[tuple[int, dict[str, Any]]],
        spans: dict[str, list[Any]],
    ) -> None:
        rows, indexes = annotation_relations(annotation, relations, spans)
        self.relation_rows += rows
        self.positions.relations.extend(indexes)
        self.positions.relation_owners.extend([annotation.row] * len(rows))
        self.counts["relations"] += len(rows)

    # -- issues and the result -----------------------------------------------------------

    def _issue(self, severity: str, code: str, reason: str, **where: Any) -> None:
        self.issues.append(Issue(severity, code, reason, **where))

    def file_notes(self) -> list[Issue]:
        """Notes on the file as a whole (pre-1.0 format, predictions by id, no tasks), for
        the tasks added so far."""
        notes = []
        if self.pre_1_0_tasks:
            notes.append(
                Issue(
                    WARNING,
                    "pre-1.0-format",
                    f"the pre-1.0 'completions' key holds the annotations of "
                    f"{counted(self.pre_1_0_tasks, 'task')}; read as annotations",
                    order=(0,),
                )
            )
        if self.prediction_ids_only:
            notes.append(
                Issue(
                    WARNING,
                    "prediction-ids",
                    f"{counted(self.prediction_ids_only, 'prediction')} given by id only, not "
                    "read; a snapshot export (stancepack pull) carries full predictions",
                    order=(0,),
                )
            )
        if not self.counts["tasks"]:
            notes.append(Issue(WARNING, "no-tasks", "the export holds no tasks", order=(0,)))
        return notes

    def result(self) -> Flattened:
        """Build each DataFrame once from the accumulated rows; the issues start with the
        notes on the file as a whole."""
        tables = self.take_rows()
        return replace(tables, issues=(*self.file_notes(), *tables.issues))

    def take_rows(self) -> Flattened:
        """The tables of the tasks added since the last call, and the structural issues
        found in them; the rows are dropped here, while the counts, the task positions and
        the checks across tasks (article texts) go on. ``counts`` are those of all tasks
        added so far."""
        tables = Flattened(
            articles=frame(self.article_rows, ARTICLE_COLUMNS),
            annotations=frame(self.annotation_rows, ANNOTATION_COLUMNS),
            mentions=frame(self.mention_rows, MENTION_COLUMNS),
            relations=frame(self.relation_rows, RELATION_COLUMNS),
            issues=tuple(self.issues),
            counts=Counts(**self.counts),
            positions=self.positions,
        )
        self.article_rows, self.annotation_rows = [], []
        self.mention_rows, self.relation_rows = [], []
        self.issues = []
        self.positions = Positions()
        return tables
