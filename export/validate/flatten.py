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
text columns through Arrow and its numbers through numpy.
"""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from stancepack.export.issues import ERROR, WARNING, Issue, counted, show_value, type_name
from stancepack.export.read.duplicate_keys import TaskWithDuplicateKeys
from stancepack.ground.terminal import CONTROL_CHARACTERS
from stancepack.schema.fields import (
    ACTOR,
    ACTOR_NAME,
    LEGACY_DATA_KEYS,
    OUTLET,
    ROLES,
    STANCE,
    TEXT,
)
from stancepack.schema.gazetteer import Gazetteer, fold
from stancepack.schema.taxonomy import Taxonomy

if TYPE_CHECKING:
    import pandas as pd

# Projects made before the outlet key was renamed keep it under its old name.
LEGACY_OUTLET = next(old for old, new in LEGACY_DATA_KEYS.items() if new == OUTLET)

ARTICLE_COLUMNS = (
    "task_id",
    "article_id",
    "story_id",
    "title",
    "source",
    "published",
    "url",
    "text",
    "text_sha256",
)
ANNOTATION_COLUMNS = (
    "annotation_id",
    "task_id",
    "article_id",
    "kind",
    "annotator",
    "annotator_id",
    "model_version",
    "created_at",
    "updated_at",
    "lead_time",
    "was_cancelled",
    "ground_truth",
    "n_results",
)
MENTION_COLUMNS = (
    "annotation_id",
    "task_id",
    "article_id",
    "region_id",
    "start",
    "end",
    "text",
    "actor_type",
    "stance",
    "roles",
    "actor_name",
)
RELATION_COLUMNS = (
    "annotation_id",
    "task_id",
    "article_id",
    "from_region",
    "to_region",
    "label",
    "direction",
)
# Column dtypes; every column not listed here is text ("str").
DTYPES = {
    "start": "int64",
    "end": "int64",
    "lead_time": "float64",
    "was_cancelled": "bool",
    "ground_truth": "bool",
    "n_results": "int64",
    "roles": "object",
}

ANNOTATION = "annotation"
PREDICTION = "prediction"
# Issue codes of tasks named by their position in the file (a task that is not an object, a
# task without an id or with an id that is neither an integer nor a string).
BAD_TASK = "bad-task"
MISSING_TASK_ID = "missing-task-id"
BAD_TASK_ID = "bad-task-id"
NAMED_BY_POSITION = frozenset({BAD_TASK, MISSING_TASK_ID, BAD_TASK_ID})
# Issue codes of an article with two texts, and of one article in two tasks.
ARTICLE_TEXT_CONFLICT = "article-text-conflict"
DUPLICATE_ARTICLE = "duplicate-article"
# Result types stancepack reads; any other type belongs to another kind of project.
SPAN_TYPE = "labels"
PER_REGION_TYPES = ("choices", "textarea")
RELATION_TYPE = "relation"
PER_REGION_TAGS = (STANCE, ROLES, ACTOR_NAME)
KNOWN_TAGS = (ACTOR, *PER_REGION_TAGS)
# Keys of a task that are not task data (for tasks written without the ``data`` wrapper).
TASK_LEVEL_KEYS = frozenset(
    {
        "id",
        "annotations",
        "completions",
        "predictions",
        "drafts",
        "meta",
        "created_at",
        "updated_at",
        "inner_id",
        "total_annotations",
        "cancelled_annotations",
        "total_predictions",
        "comment_count",
        "unresolved_comment_count",
        "last_comment_updated_at",
        "project",
        "updated_by",
        "file_upload",
        "comment_authors",
        "annotators",
        "is_labeled",
        "overlap",
        "agreement",
    }
)
# A task text that is only a link: the text lives in storage, not in the export.
LINK = re.compile(r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*://|/data/(?:upload|local-files)/)\S*$")
ASTRAL = re.compile("[\U00010000-\U0010ffff]")
# Article fields that are one line of text (as actor names are): a control character is
# never part of them.
ONE_LINE_FIELDS = ("title", OUTLET, LEGACY_OUTLET)
NAN = math.nan
# The largest offset a table holds (int64); offsets beyond it are reported and held as -1.
LARGEST_OFFSET = 2**63 - 1
REGION_COLUMN = MENTION_COLUMNS.index("region_id")
START_COLUMN = MENTION_COLUMNS.index("start")
END_COLUMN = MENTION_COLUMNS.index("end")
TEXT_COLUMN = MENTION_COLUMNS.index("text")
TYPE_COLUMN = MENTION_COLUMNS.index("actor_type")
STANCE_COLUMN = MENTION_COLUMNS.index("stance")
ROLES_COLUMN = MENTION_COLUMNS.index("roles")
NAME_COLUMN = MENTION_COLUMNS.index("actor_name")


@dataclass(frozen=True)
class Counts:
    """What the export holds, for the report's summary."""

    tasks: int = 0
    annotations: int = 0
    predictions: int = 0
    cancelled: int = 0
    empty: int = 0
    spans: int = 0
    relations: int = 0


@dataclass(frozen=True)
class Positions:
    """Where each row of the tables came from in the file, so that issues found in the
    tables name the row's own task and annotation and sort in file order.

    ``articles``: the task's position in the file, per article row; ``annotation_tasks`` and
    ``annotation_sequences``: the task's position and the annotation's (predictions after
    annotations), per annotation row; ``mentions`` and ``relations``: the result's index in
    its annotation, and ``mention_owners`` and ``relation_owners`` the annotation row it
    belongs to, per mention and relation row."""

    articles: list[int] = field(default_factory=list)
    annotation_tasks: list[int] = field(default_factory=list)
    annotation_sequences: list[int] = field(default_factory=list)
    mentions: list[int] = field(default_factory=list)
    mention_owners: list[int] = field(default_factory=list)
    relations: list[int] = field(default_factory=list)
    relation_owners: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class Flattened:
    """The four tables of an export and the structural issues found while flattening."""

    articles: pd.DataFrame
    annotations: pd.DataFrame
    mentions: pd.DataFrame
    relations: pd.DataFrame
    issues: tuple[Issue, ...] = ()
    counts: Counts = field(default_factory=Counts)
    positions: Positions = field(default_factory=Positions, repr=False, compare=False)


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
        self.gazetteer = _normalised_gazetteer(gazetteer) if gazetteer else None
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
            self._issue(
                ERROR,
                BAD_TASK,
                f"task {position} is {type_name(raw)}, not a task object",
                order=(position,),
                task_id=f"task-{position}",
            )
            return
        task = TaskContext(self, raw, position)
        if type(raw) is not dict and isinstance(raw, TaskWithDuplicateKeys):
            for path in raw.duplicate_keys:
                task.issue(
                    ERROR,
                    "duplicate-key",
                    "key given more than once in one object; JSON readers keep only its last "
                    "value and drop the others",
                    field=path,
                )
        self._add_article(task)
        annotations = self._annotation_list(task, raw)
        for number, annotation in enumerate(annotations, 1):
            self._add_annotation(task, annotation, ANNOTATION, number, number)
        predictions = raw.get("predictions") or []
        if not isinstance(predictions, list):
            task.issue(ERROR, "bad-predictions", "predictions must be a list", field="predictions")
            predictions = []
        for number, prediction in enumerate(predictions, 1):
            if isinstance(prediction, int | str) and not isinstance(prediction, bool):
                self.prediction_ids_only += 1
                continue
            sequence = len(annotations) + number
            self._add_annotation(task, prediction, PREDICTION, number, sequence)

    def _annotation_list(self, task: TaskContext, raw: dict[str, Any]) -> list[Any]:
        if "annotations" in raw:
            annotations = raw["annotations"]
        elif "completions" in raw:
            annotations = raw["completions"]
            self.pre_1_0_tasks += 1
        else:
            return []
        if annotations is None:
            return []
        if not isinstance(annotations, list):
            task.issue(
                ERROR,
                "bad-annotations",
                f"annotations is {type_name(annotations)}, not a list",
                field="annotations",
            )
            return []
        return annotations

    def _add_article(self, task: TaskContext) -> None:
        data = task.data
        digest = hashlib.sha256(task.text.encode("utf-8", "surrogatepass")).hexdigest()
        self.positions.articles.append(task.position)
        self.article_rows.append(
            (
                task.task_id,
                task.article_id,
                _text_field(data, "story_id") or task.article_id,
                _text_field(data, "title"),
                _text_field(data, OUTLET) or _text_field(data, LEGACY_OUTLET),
                _text_field(data, "published"),
                _text_field(data, "url"),
                task.text,
                digest,
            )
        )
        if task.text_ok:
            self._check_article_text(task, digest)
        for key in ONE_LINE_FIELDS:
            value = data.get(key)
            if type(value) is str and CONTROL_CHARACTERS.search(value):
                task.issue(**control_character_issue(f"data.{key}", value))

    def _check_article_text(self, task: TaskContext, digest: str) -> None:
        """An article with two texts is an error; one article in two tasks (the same id or
        the same text) is a warning: it was imported twice (two tasks with one id are
        reported as such)."""
        entry = (digest, task.task_id)
        earlier = self.article_texts.setdefault(task.article_id, entry)
        same_text = self.article_hashes.setdefault(digest, (task.article_id, task.task_id))
        if earlier is entry:
            if same_text[0] != task.article_id and same_text[1] != task.task_id and task.text:
                task.issue(
                    WARNING,
                    DUPLICATE_ARTICLE,
                    f"the same text as article {same_text[0]} in task {same_text[1]}; "
                    "imported twice?",
                    field=f"data.{TEXT}",
                    value=digest[:12],
                )
        elif earlier[0] != digest:
            task.issue(
                ERROR,
                ARTICLE_TEXT_CONFLICT,
                f"article {task.article_id} has a different text in task {earlier[1]} "
                f"(sha256 {earlier[0][:12]} there, {digest[:12]} here)",
                field="article_id",
                value=task.article_id,
            )
        elif earlier[1] != task.task_id:
            task.issue(
                WARNING,
                DUPLICATE_ARTICLE,
                f"article {task.article_id} is also in task {earlier[1]}, with the same text; "
                "imported twice?",
                field="article_id",
                value=task.article_id,
            )

    # -- annotations ---------------------------------------------------------------------

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
        results = annotation.results
        was_cancelled = bool(raw.get("was_cancelled", raw.get("skipped", False)))
        self.annotation_rows.append(
            (
                annotation.annotation_id,
                task.task_id,
                task.article_id,
                kind,
                annotation.annotator,
                annotation.annotator_id,
                annotation.model_version,
                _text_field(raw, "created_at"),
                _text_field(raw, "updated_at"),
                _seconds(raw.get("lead_time")),
                was_cancelled,
                bool(raw.get("ground_truth", False)),
                len(results),
            )
        )
        self.counts["annotations" if kind == ANNOTATION else "predictions"] += 1
        if was_cancelled:
            self.counts["cancelled"] += 1
            return
        if not results:
            self.counts["empty"] += 1
            annotation.issue(
                WARNING, "no-spans", f"empty {kind}: no results; excluded from the data"
            )
            return
        self._add_results(annotation)

    def _add_results(self, annotation: AnnotationContext) -> None:
        """Spans first, per-region results attached to their span, then relations.

        The loop is the hot path of reading an export: a span whose tags, label and offsets
        are in order, and a per-region stance or roles result that follows its span, are
        taken in place; everything else goes to the checking methods."""
        task = annotation.task
        text, text_ok = task.text, task.text_ok
        text_length = len(text)
        head = (annotation.annotation_id, task.task_id, task.article_id)
        spans: dict[str, list[Any]] = {}
        rows: list[list[Any]] = []
        positions: list[int] = []
        misplaced: set[int] = set()  # ids of rows whose offsets are wrong
        later: list[tuple[int, dict[str, Any]]] = []
        relations: list[tuple[int, dict[str, Any]]] = []
        rank, unranked = self.role_rank, len(self.role_rank)
        for index, result in enumerate(annotation.results):
            if type(result) is not dict:
                self._refuse_result(annotation, index, result)
                continue
            result_type = result.get("type")
            if result_type == SPAN_TYPE:
                region_id = result.get("id")
                value = result.get("value")
                if (
                    type(region_id) is str
                    and region_id
                    and region_id not in spans
                    and type(value) is dict
                    and text_ok
                    and result.get("from_name") == ACTOR
                    and result.get("to_name") == TEXT
                ):
                    labels, start, end = value.get("labels"), value.get("start"), value.get("end")
                    if (
                        type(labels) is list
                        and len(labels) == 1
                        and type(start) is int
                        and type(end) is int
                        and 0 <= start < end <= text_length
                        and type(labels[0]) is str
                    ):
                        span_text = text[start:end]
                        if value.get("text", span_text) == span_text:
                            row = [*head, region_id, start, end, span_text, labels[0], "", [], ""]
                            spans[region_id] = row
                            rows.append(row)
                            positions.append(index)
                            continue
                checked, placed = self._checked_span(annotation, index, result, spans)
                if checked is not None:
                    rows.append(checked)
                    positions.append(index)
                    if not placed:
                        misplaced.add(id(checked))
            elif result_type in PER_REGION_TYPES:
                region_id = result.get("id")
                owner = spans.get(region_id) if type(region_id) is str else None
                value = result.get("value")
                if owner is not None and type(value) is dict:
                    tag = result.get("from_name")
                    choices = value.get("choices")
                    if (
                        tag == STANCE
                        and type(choices) is list
                        and len(choices) == 1
                        and type(choices[0]) is str
                        and not owner[STANCE_COLUMN]
                    ):
                        owner[STANCE_COLUMN] = choices[0]
                        continue
                    if (
                        tag == ROLES
                        and type(choices) is list
                        and not owner[ROLES_COLUMN]
                        and all(type(choice) is str for choice in choices)
                    ):
                        owner[ROLES_COLUMN] = sorted(
                            dict.fromkeys(choices), key=lambda role: rank.get(role, unranked)
                        )
                        continue
                    names = value.get("text")
                    if (
                        tag == ACTOR_NAME
                        and type(names) is list
                        and len(names) == 1
                        and type(names[0]) is str
                        and not owner[NAME_COLUMN]
                        and not CONTROL_CHARACTERS.search(names[0].strip())
                    ):
                        owner[NAME_COLUMN] = names[0].strip()
                        continue
                later.append((index, result))
            elif result_type == RELATION_TYPE:
                relations.append((index, result))
            else:
                self._refuse_result(annotation, index, result)
        for index, result in later:
            self._attach_per_region(annotation, index, result, spans)
        for index, result in relations:
            self._add_relation(annotation, index, result, spans)
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
        self._finish_spans(annotation, spans, rows, positions, misplaced)

    def _refuse_result(self, annotation: AnnotationContext, index: int, result: Any) -> None:
        order = annotation.order(index)
        if type(result) is not dict:
            annotation.issue(
                ERROR, "bad-result", f"result is {type_name(result)}, not an object", order=order
            )
            return
        result_type = result.get("type")
        annotation.issue(
            ERROR,
            "not-text-span",
            f"not a text span project: result type {show_value(result_type)!r} "
            f"(stancepack reads {SPAN_TYPE}, choices, textarea and relation results "
            "on a Text tag)",
            order=order,
            region_id=_region_id(result.get("id")) if result.get("id") is not None else "",
            field="type",
            value=show_value(result_type),
        )

    # -- spans: the checking path ---------------------------------------------------------

    def _checked_span(
        self, annotation: AnnotationContext, index: int, result: dict[str, Any], spans: dict
    ) -> tuple[list[Any] | None, bool]:
        """A span row, every problem with the span reported (None when it has no value), and
        whether its offsets place it in the text."""
        order = annotation.order(index)
        region_id = self._span_region_id(annotation, index, result, order)
        value = result.get("value")
        if type(value) is not dict:
            annotation.issue(
                ERROR,
                "bad-value",
                f"span value is {type_name(value)}, not an object",
                order=order,
                region_id=region_id,
                field="value",
            )
            return None, False
        if result.get("from_name") != ACTOR or result.get("to_name") != TEXT:
            self._check_span_tags(annotation, result, region_id, order)
        actor_type = self._actor_type(annotation, value, region_id, order)
        start, end, text, placed = self._span_offsets(annotation, value, region_id, order)
        task = annotation.task
        row: list[Any] = [annotation.annotation_id, task.task_id, task.article_id, region_id]
        row += [_held_offset(start), _held_offset(end), text, actor_type, "", [], ""]
        if region_id in spans:
            annotation.issue(
                ERROR,
                "duplicate-region-id",
                f"region id {region_id} is used by more than one span of this {annotation.kind}"
                "; region ids must be unique within an annotation",
                order=order,
                region_id=region_id,
                field="id",
                value=region_id,
            )
        else:
            spans[region_id] = row
        return row, placed

    def _span_region_id(
        self, annotation: AnnotationContext, index: int, result: dict, order: tuple
    ) -> str:
        raw_id = result.get("id")
        if raw_id is not None and raw_id != "":
            return raw_id if type(raw_id) is str else _region_id(raw_id)
        region_id = f"region-{index + 1}"
        annotation.issue(
            WARNING,
            "missing-region-id",
            f"span has no region id; called {region_id} (its per-region stance, roles and "
            "relations cannot be linked to it)",
            order=order,
            region_id=region_id,
            field="id",
        )
        return region_id

    def _check_span_tags(
        self, annotation: AnnotationContext, result: dict, region_id: str, order: tuple
    ) -> None:
        for key, expected in (("from_name", ACTOR), ("to_name", TEXT)):
            name = result.get(key)
            if name != expected:
                annotation.issue(
                    ERROR,
                    "unknown-tag",
                    f"span {key} {show_value(name)!r} is not the labeling config's "
                    f"{'Labels' if key == 'from_name' else 'Text'} tag {expected!r}",
                    order=order,
                    region_id=region_id,
                    field=key,
                    value=show_value(name),
                )

    def _actor_type(
        self, annotation: AnnotationContext, value: dict, region_id: str, order: tuple
    ) -> str:
        labels = value.get("labels")
        if type(labels) is list and len(labels) == 1 and type(labels[0]) is str:
            return labels[0]
        if type(labels) is not list or not labels:
            annotation.issue(
                ERROR,
                "missing-label",
                "span has no actor type label",
                order=order,
                region_id=region_id,
                field="actor_type",
                value=show_value(labels),
            )
            return ""
        shown = show_value(labels)
        if len(labels) > 1:
            annotation.issue(
                ERROR,
                "multiple-labels",
                f"span has {len(labels)} labels; one actor type per span",
                order=order,
                region_id=region_id,
                field="actor_type",
                value=shown,
            )
        first = labels[0]
        return first if type(first) is str else shown

    def _span_offsets(
        self, annotation: AnnotationContext, value: dict, region_id: str, order: tuple
    ) -> tuple[int, int, str, bool]:
        """start, end, the span's text, and whether the offsets place it in the text."""
        start, end, span_text = value.get("start"), value.get("end"), value.get("text")
        if type(start) is not int or type(end) is not int:
            self._refuse_offsets(annotation, value, region_id, order)
            return -1, -1, span_text if type(span_text) is str else "", False
        task = annotation.task
        if not task.text_ok:
            return start, end, span_text if type(span_text) is str else "", True
        text = task.text
        if type(span_text) is not str:
            span_text = None
        if 0 <= start < end <= len(text):
            sliced = text[start:end]
            if span_text is None or sliced == span_text:
                return start, end, sliced, True
        return self._explain_offsets(annotation, start, end, span_text, region_id, order)

    def _refuse_offsets(
        self, annotation: AnnotationContext, value: dict, region_id: str, order: tuple
    ) -> None:
        start, end = value.get("start"), value.get("end")
        xpath = type(start) is str and start.startswith("/")
        if xpath or "startOffset" in value or "globalOffsets" in value:
            annotation.issue(
                ERROR,
                "not-text-span",
                "not a text span project: a HyperText (HTML) region with XPath start/end; "
                "stancepack reads character offsets into a Text tag",
                order=order,
                region_id=region_id,
                field="start",
                value=show_value(start),
            )
            return
        for name, offset in (("start", start), ("end", end)):
            if type(offset) is not int:
                annotation.issue(
                    ERROR,
                    "bad-offset",
                    f"{name} is {type_name(offset)}, not an integer character offset",
                    order=order,
                    region_id=region_id,
                    field=name,
                    value=show_value(offset),
                )

    def _explain_offsets(
        self,
        annotation: AnnotationContext,
        start: int,
        end: int,
        span_text: str | None,
        region_id: str,
        order: tuple,
    ) -> tuple[int, int, str, bool]:
        """Report offsets that do not fit the text, saying why; repair UTF-16 ones on request."""
        text = annotation.task.text
        shown = f"{start}-{end}"
        where = {"order": order, "region_id": region_id}
        repaired = annotation.task.utf16_to_characters(start, end)
        if repaired is not None and (span_text is None or text[slice(*repaired)] == span_text):
            return self._utf16_offsets(annotation, start, end, repaired, span_text, where)
        if end <= start:
            annotation.issue(
                ERROR,
                "empty-span",
                f"span of zero or negative length ({shown})",
                field="end",
                value=shown,
                **where,
            )
            return start, end, span_text or "", False
        if start < 0 or end > len(text):
            annotation.issue(
                ERROR,
                "offset-out-of-range",
                f"offsets {shown} fall outside the text (0-{len(text)})",
                field="end" if start >= 0 else "start",
                value=shown,
                **where,
            )
            return start, end, span_text or "", False
        assert span_text is not None
        annotation.issue(
            ERROR,
            "text-mismatch",
            _mismatch_reason(text, start, end, span_text),
            field="text",
            value=span_text,
            **where,
        )
        return start, end, span_text, False

    def _utf16_offsets(
        self,
        annotation: AnnotationContext,
        start: int,
        end: int,
        repaired: tuple[int, int],
        span_text: str | None,
        where: dict,
    ) -> tuple[int, int, str, bool]:
        fixed_start, fixed_end = repaired
        counted = (
            f"offsets {start}-{end} count UTF-16 units (astral characters such as emoji "
            "before the span count twice, as older Label Studio versions did); "
            f"in characters they are {fixed_start}-{fixed_end}"
        )
        text = annotation.task.text
        if self.fix_utf16_offsets:
            annotation.issue(
                WARNING,
                "utf16-offsets-fixed",
                f"repaired: {counted}",
                field="start",
                value=f"{start}-{end}",
                **where,
            )
            return fixed_start, fixed_end, text[fixed_start:fixed_end], True
        annotation.issue(
            ERROR,
            "utf16-offsets",
            f"{counted}; --fix-utf16-offsets repairs this",
            field="start",
            value=f"{start}-{end}",
            **where,
        )
        text = span_text if span_text is not None else text[fixed_start:fixed_end]
        return start, end, text, False

    # -- per-region stance, roles and actor name --------------------------------------------

    def _attach_per_region(
        self, annotation: AnnotationContext, index: int, result: dict[str, Any], spans: dict
    ) -> None:
        tag = result.get("from_name")
        order = annotation.order(index)
        raw_id = result.get("id")
        region_id = _region_id(raw_id) if raw_id is not None else ""
        if tag not in PER_REGION_TAGS:
            annotation.issue(
                ERROR,
                "unknown-tag",
                f"{result.get('type')} from {show_value(tag)!r} is not a tag of the labeling "
                f"config ({', '.join(KNOWN_TAGS)})",
                order=order,
                region_id=region_id,
                field="from_name",
                value=show_value(tag),
            )
            return
        value = result.get("value")
        if type(value) is not dict:
            value = {}
        row = spans.get(region_id)
        if row is None:
            self._orphan(annotation, tag, value, region_id, order)
        elif tag == STANCE:
            self._attach_stance(annotation, row, value, region_id, order)
        elif tag == ROLES:
            self._attach_roles(annotation, row, value, region_id, order)
        else:
            self._attach_actor_name(annotation, row, value, region_id, order)

    def _orphan(
        self, annotation: AnnotationContext, tag: str, value: dict, region_id: str, order: tuple
    ) -> None:
        shown = show_value(value.get("text") if tag == ACTOR_NAME else value.get("choices"))
        what = {STANCE: "a stance", ROLES: "roles", ACTOR_NAME: "an actor name"}[tag]
        if region_id:
            reason = f"{what} for region {region_id}, which is no span of this annotation"
        else:
            reason = f"{what} without a region id, not attached to any span"
        annotation.issue(
            ERROR,
            "orphan-actor-name" if tag == ACTOR_NAME else "orphan-choice",
            reason,
            order=order,
            region_id=region_id,
            field=tag,
            value=shown,
        )

    def _choices(
        self, annotation: AnnotationContext, value: dict, tag: str, region_id: str, order: tuple
    ) -> list[str] | None:
        choices = value.get("choices")
        if type(choices) is list and all(type(choice) is str for choice in choices):
            return choices
        annotation.issue(
            ERROR,
            "bad-value",
            f"{tag} choices must be a list of strings",
            order=order,
            region_id=region_id,
            field=tag,
            value=show_value(choices),
        )
        return None

    def _attach_stance(
        self,
        annotation: AnnotationContext,
        row: list[Any],
        value: dict,
        region_id: str,
        order: tuple,
    ) -> None:
        choices = self._choices(annotation, value, STANCE, region_id, order)
        if not choices:
            return
        stance = row[STANCE_COLUMN]
        if len(choices) > 1 or stance:
            given = [stance, *choices] if stance else choices
            annotation.issue(
                ERROR,
                "multiple-stances",
                f"span has {len(given)} stances; at most one stance per span",
                order=order,
                region_id=region_id,
                field=STANCE,
                value=show_value(given),
            )
        if not stance:
            row[STANCE_COLUMN] = choices[0]

    def _attach_roles(
        self,
        annotation: AnnotationContext,
        row: list[Any],
        value: dict,
        region_id: str,
        order: tuple,
    ) -> None:
        choices = self._choices(annotation, value, ROLES, region_id, order)
        if choices is None:
            return
        roles = row[ROLES_COLUMN]
        if roles:
            annotation.issue(
                ERROR,
                "duplicate-roles",
                "span has more than one roles result; expected one with all its roles",
                order=order,
                region_id=region_id,
                field=ROLES,
                value=show_value(choices),
            )
        merged = dict.fromkeys([*roles, *choices])
        rank, unknown = self.role_rank, len(self.role_rank)
        row[ROLES_COLUMN] = sorted(merged, key=lambda role: rank.get(role, unknown))

    def _attach_actor_name(
        self,
        annotation: AnnotationContext,
        row: list[Any],
        value: dict,
        region_id: str,
        order: tuple,
    ) -> None:
        raw = value.get("text")
        lines = raw if type(raw) is list else [raw]
        names = list(dict.fromkeys(line.strip() for line in lines if type(line) is str))
        names = [name for name in names if name]
        if any(type(line) is not str for line in lines) and raw is not None:
            annotation.issue(
                ERROR,
                "bad-value",
                "actor name must be text (a list of strings)",
                order=order,
                region_id=region_id,
                field=ACTOR_NAME,
                value=show_value(raw),
            )
        actor_name = row[NAME_COLUMN]
        if len(names) > 1 or (names and actor_name):
            annotation.issue(
                ERROR,
                "multiple-actor-names",
                "span has more than one actor name; expected one canonical name",
                order=order,
                region_id=region_id,
                field=ACTOR_NAME,
                value=show_value([actor_name, *names] if actor_name else names),
            )
        if names and not actor_name:
            row[NAME_COLUMN] = names[0]
        for name in names:
            if CONTROL_CHARACTERS.search(name):
                annotation.issue(
                    order=order, region_id=region_id, **control_character_issue(ACTOR_NAME, name)
                )

    # -- relations -----------------------------------------------------------------------

    def _add_relation(
        self, annotation: AnnotationContext, index: int, result: dict[str, Any], spans: dict
    ) -> None:
        order = annotation.order(index)
        ends = {}
        for key in ("from_id", "to_id"):
            raw_id = result.get(key)
            ends[key] = _region_id(raw_id) if raw_id is not None else ""
        region_id = f"{ends['from_id']}->{ends['to_id']}"
        for key, end_id in ends.items():
            if end_id not in spans:
                reason = (
                    f"relation endpoint {key} {end_id} is no span of this annotation"
                    if end_id
                    else f"relation has no {key}"
                )
                annotation.issue(
                    ERROR,
                    "dangling-relation",
                    reason,
                    order=order,
                    region_id=region_id,
                    field=key,
                    value=end_id,
                )
        if ends["from_id"] and ends["from_id"] == ends["to_id"]:
            annotation.issue(
                ERROR,
                "self-relation",
                f"relation from region {ends['from_id']} to itself; a relation links two spans",
                order=order,
                region_id=region_id,
                field="to_id",
                value=ends["to_id"],
            )
        labels = result.get("labels")
        if labels is None or labels == []:
            labels = [""]
            annotation.issue(
                WARNING,
                "unlabelled-relation",
                "relation has no label",
                order=order,
                region_id=region_id,
                field="label",
            )
        elif type(labels) is not list:
            labels = [show_value(labels)]
        direction = result.get("direction", "right")
        task = annotation.task
        for label in labels:
            self.relation_rows.append(
                (
                    annotation.annotation_id,
                    task.task_id,
                    task.article_id,
                    ends["from_id"],
                    ends["to_id"],
                    label if type(label) is str else show_value(label),
                    direction if type(direction) is str else show_value(direction),
                )
            )
            self.positions.relations.append(index)
            self.positions.relation_owners.append(annotation.row)
            self.counts["relations"] += 1

    # -- checks across the spans of one annotation ------------------------------------------

    def _finish_spans(
        self,
        annotation: AnnotationContext,
        spans: dict[str, list[Any]],
        rows: list[list[Any]],
        positions: list[int],
        misplaced: set[int],
    ) -> None:
        """Spans without a stance (in annotations: predictions propose no stances); names from
        the gazetteer; duplicate or overlapping spans (among those whose offsets place them
        in the text)."""
        gazetteer = self.gazetteer
        wants_stance = annotation.kind != PREDICTION
        for row, index in zip(rows, positions, strict=True):
            if wants_stance and not row[STANCE_COLUMN] and spans.get(row[REGION_COLUMN]) is row:
                annotation.issue(
                    WARNING,
                    "no-stance",
                    "span has no stance",
                    order=annotation.order(index),
                    region_id=row[REGION_COLUMN],
                    field=STANCE,
                    value="",
                )
            if gazetteer is not None and not row[NAME_COLUMN]:
                row[NAME_COLUMN] = _canonical_name(gazetteer, row[TEXT_COLUMN])
        if _may_overlap(rows):
            self._check_overlaps(annotation, rows, positions, misplaced)

    def _check_overlaps(
        self,
        annotation: AnnotationContext,
        rows: list[list[Any]],
        positions: list[int],
        misplaced: set[int],
    ) -> None:
        """Spans with the same actor type that cover the same characters."""
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
            articles=_frame(self.article_rows, ARTICLE_COLUMNS),
            annotations=_frame(self.annotation_rows, ANNOTATION_COLUMNS),
            mentions=_frame(self.mention_rows, MENTION_COLUMNS),
            relations=_frame(self.relation_rows, RELATION_COLUMNS),
            issues=tuple(self.issues),
            counts=Counts(**self.counts),
            positions=self.positions,
        )
        self.article_rows, self.annotation_rows = [], []
        self.mention_rows, self.relation_rows = [], []
        self.issues = []
        self.positions = Positions()
        return tables


class TaskContext:
    """One task as read: its id, data and text, and where issues about it go."""

    def __init__(self, flattener: Flattener, raw: dict[str, Any], position: int) -> None:
        self.flattener = flattener
        self.position = position
        raw_id = raw.get("id")
        if raw_id is None or raw_id == "":
            self.task_id = f"task-{position}"
            self.issue(WARNING, MISSING_TASK_ID, f"task has no id; called {self.task_id}")
        elif type(raw_id) is str or type(raw_id) is int:
            self.task_id = raw_id if type(raw_id) is str else show_value(raw_id)
        else:
            self.task_id = f"task-{position}"
            self.issue(
                ERROR,
                BAD_TASK_ID,
                f"the id of task {position} is {type_name(raw_id)}, not an integer or a "
                f"string; called {self.task_id}",
                field="id",
                value=show_value(raw_id),
            )
        self.data = self._data(raw)
        self.article_id = _text_field(self.data, "article_id") or f"task-{self.task_id}"
        self.text, self.text_ok = self._text()
        self._utf16_index: list[int] | None = None

    def issue(self, severity: str, code: str, reason: str, **where: Any) -> None:
        where.setdefault("order", (self.position,))
        self.flattener._issue(severity, code, reason, task_id=self.task_id, **where)

    def _data(self, raw: dict[str, Any]) -> dict[str, Any]:
        data = raw.get("data")
        if type(data) is dict:
            return data
        if "data" in raw:
            self.issue(ERROR, "bad-data", f"task data is {type_name(data)}, not an object")
            return {}
        flat = {key: value for key, value in raw.items() if key not in TASK_LEVEL_KEYS}
        if flat:
            self.issue(
                WARNING,
                "no-data-wrapper",
                f"task has no 'data' object; read its keys {', '.join(sorted(flat))} as data",
            )
        return flat

    def _text(self) -> tuple[str, bool]:
        text = self.data.get(TEXT)
        if type(text) is str and not LINK.match(text):
            return text, True
        if text is None:
            keys = ", ".join(sorted(str(key) for key in self.data)) or "none"
            self.issue(
                ERROR,
                "no-text",
                f"task data has no {TEXT!r} (its keys: {keys}); stancepack needs the article "
                f"text inline in data.{TEXT}",
                field=f"data.{TEXT}",
            )
        elif type(text) is not str:
            self.issue(
                ERROR,
                "no-text",
                f"data.{TEXT} is {type_name(text)}, not the article text",
                field=f"data.{TEXT}",
                value=show_value(text),
            )
        else:
            self.issue(
                ERROR,
                "text-is-url",
                f"data.{TEXT} is a link, not the article text; the text lives behind a URL "
                "that stancepack does not fetch: import tasks with the text inline",
                field=f"data.{TEXT}",
                value=text,
            )
        return "", False

    def utf16_to_characters(self, start: int, end: int) -> tuple[int, int] | None:
        """``start``/``end`` read as UTF-16 offsets, in characters; None when the text has no
        astral characters or the offsets fall outside it."""
        if self._utf16_index is None:
            self._utf16_index = _utf16_index(self.text) if ASTRAL.search(self.text) else []
        index = self._utf16_index
        if not index or not 0 <= start < end < len(index):
            return None
        first, last = index[start], index[end]
        if first < 0 or last < 0:
            return None
        return first, last


class AnnotationContext:
    """One annotation or prediction as read: its id, annotator and results."""

    def __init__(
        self, task: TaskContext, raw: dict[str, Any], kind: str, number: int, sequence: int
    ) -> None:
        self.task = task
        self.kind = kind
        self.sequence = sequence
        self.row = -1  # its row in the annotations table
        self.annotator_id, self.annotator = _annotator(raw.get("completed_by"))
        self.model_version = _text_field(raw, "model_version")
        self.annotation_id = self._annotation_id(raw.get("id"), number)
        self.results = self._results(raw.get("result"))

    def order(self, index: int = -1) -> tuple[int, int, int]:
        return (self.task.position, self.sequence, index)

    @property
    def who(self) -> str:
        """The annotator as the report names it; a prediction's model version."""
        if self.kind == PREDICTION:
            return f"model {self.model_version}" if self.model_version else "model"
        return self.annotator

    def issue(self, severity: str, code: str, reason: str, **where: Any) -> None:
        where.setdefault("order", self.order())
        self.task.issue(
            severity,
            code,
            reason,
            annotation_id=self.annotation_id,
            annotator=self.who,
            **where,
        )

    def _annotation_id(self, raw_id: Any, number: int) -> str:
        if raw_id is None or raw_id == "":
            annotation_id = f"{self.task.task_id}-{self.kind}-{number}"
            self.task.issue(
                WARNING,
                f"missing-{self.kind}-id",
                f"{self.kind} {number} has no id; called {annotation_id}",
                order=self.order(),
                annotation_id=annotation_id,
                annotator=self.who,
            )
            return annotation_id
        shown = raw_id if type(raw_id) is str else show_value(raw_id)
        return f"prediction-{shown}" if self.kind == PREDICTION else shown

    def _results(self, raw: Any) -> list[Any]:
        if raw is None:
            return []
        if type(raw) is not list:
            self.issue(ERROR, "bad-result", f"result is {type_name(raw)}, not a list")
            return []
        if raw and all(type(item) is list for item in raw):
            # Pre-1.0 files (e.g. label-studio-evalme's) nest the result list once more.
            return [item for group in raw for item in group]
        return raw


def _frame(rows: list[Any], names: tuple[str, ...]) -> pd.DataFrame:
    import pandas as pd

    columns = list(zip(*rows, strict=True)) if rows else [()] * len(names)
    return pd.DataFrame(
        {
            name: _column(values, DTYPES.get(name, "str"))
            for name, values in zip(names, columns, strict=True)
        }
    )


def _column(values: tuple[Any, ...], dtype: str) -> pd.Series:
    """One column, converted the fast way: text through Arrow, numbers through numpy."""
    import numpy as np
    import pandas as pd

    if dtype == "str":
        import pyarrow as pa

        return pd.Series(pa.array(values, pa.large_string()), dtype="str")
    if dtype == "object":
        return pd.Series(values, dtype=object)
    return pd.Series(np.fromiter(values, dtype=dtype, count=len(values)))


def _may_overlap(rows: list[list[Any]]) -> bool:
    """False when the spans follow each other without overlapping (the usual case)."""
    reach = -1
    for row in rows:
        if row[START_COLUMN] < reach:
            return True
        reach = max(reach, row[END_COLUMN])
    return False


def _text_field(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    if value is None:
        return ""
    return value if type(value) is str else show_value(value)


def _region_id(raw_id: Any) -> str:
    return raw_id if type(raw_id) is str else show_value(raw_id)


def control_character_issue(field: str, value: str) -> dict[str, Any]:
    """The severity, code, reason, field and value of an issue for ``value``, one line of
    text that holds a control character."""
    found = CONTROL_CHARACTERS.search(value)
    assert found is not None
    return {
        "severity": ERROR,
        "code": "control-character",
        "reason": f"{field} holds the control character U+{ord(found.group()):04X}; it must be "
        "one line of printable text (a control character can hide or rewrite text where it "
        "is shown)",
        "field": field,
        "value": value,
    }


def _held_offset(offset: int) -> int:
    return offset if -LARGEST_OFFSET - 1 <= offset <= LARGEST_OFFSET else -1


def _seconds(value: Any) -> float:
    if type(value) is float:
        return value
    if type(value) is int:
        return float(value) if abs(value) <= LARGEST_OFFSET else NAN
    if type(value) is str:
        try:
            return float(value)
        except ValueError:
            return NAN
    return NAN


def _annotator(completed_by: Any) -> tuple[str, str]:
    """(user id, annotator): the e-mail when the export has it, else the user id as text."""
    if completed_by is None or type(completed_by) is bool:
        return "", ""
    if type(completed_by) is dict:
        raw_id = completed_by.get("id")
        user_id = "" if raw_id is None else show_value(raw_id)
        email = completed_by.get("email")
        return user_id, email if type(email) is str and email else user_id
    shown = show_value(completed_by)
    if "@" in shown:
        return "", shown
    return shown, shown


def _utf16_index(text: str) -> list[int]:
    """UTF-16 offset -> character offset; -1 inside a surrogate pair."""
    index: list[int] = []
    for position, character in enumerate(text):
        index.append(position)
        if ord(character) > 0xFFFF:
            index.append(-1)
    index.append(len(text))
    return index


def _mismatch_reason(text: str, start: int, end: int, span_text: str) -> str:
    sliced = text[start:end]
    found = f"text[{start}:{end}] is {sliced!r}, not the span's text"
    if sliced.strip() == span_text.strip():
        return f"{found}: they differ only in surrounding whitespace"
    if unicodedata.normalize("NFC", sliced) == unicodedata.normalize("NFC", span_text):
        return f"{found}: they differ only in Unicode normalisation (NFC vs NFD)"
    if unicodedata.normalize("NFKC", sliced) == unicodedata.normalize("NFKC", span_text):
        return f"{found}: they differ only in Unicode compatibility forms (NFKC)"
    elsewhere = text.find(span_text)
    if elsewhere >= 0:
        return f"{found}; the span's text occurs at {elsewhere}-{elsewhere + len(span_text)}"
    return f"{found}, which does not occur in the text at all"


def _normalised_gazetteer(gazetteer: Gazetteer | Mapping[str, str]) -> dict[str, str]:
    """Folded surface form -> canonical name, from a `Gazetteer` or such a mapping."""
    names = gazetteer.canonical_names() if isinstance(gazetteer, Gazetteer) else gazetteer
    return {_surface_key(surface): name for surface, name in names.items()}


def _surface_key(surface: str) -> str:
    """Matched as the pre-annotator matches names: accents and typographic quotes folded,
    case kept ("US" is not "us"); runs of white space count as one space."""
    return " ".join(fold(surface).split())


def _canonical_name(gazetteer: dict[str, str], text: str) -> str:
    return gazetteer.get(_surface_key(text), "")
