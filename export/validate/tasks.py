"""Reading one task of an export: its id, data and article text (`TaskContext`), its
annotations (or pre-1.0 completions) and predictions, and each annotation's id, annotator
and results (`AnnotationContext`), every problem with them reported as an `Issue` about the
task."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

from stancepack.export.issues import (
    ERROR,
    WARNING,
    Issue,
    model_annotator,
    show_value,
    type_name,
)
from stancepack.export.read.duplicate_keys import TaskWithDuplicateKeys
from stancepack.export.validate.offsets import LARGEST_OFFSET, utf16_index, utf16_to_characters
from stancepack.schema.fields import PREDICTION, TEXT

# Issue codes of tasks named by their position in the file (a task that is not an object, a
# task without an id or with an id that is neither an integer nor a string).
BAD_TASK = "bad-task"
MISSING_TASK_ID = "missing-task-id"
BAD_TASK_ID = "bad-task-id"
NAMED_BY_POSITION = frozenset({BAD_TASK, MISSING_TASK_ID, BAD_TASK_ID})
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
NAN = math.nan


class TaskContext:
    """One task as read: its id, data and text, and where issues about it go (``report``)."""

    task_id: str

    def __init__(self, raw: dict[str, Any], position: int, report: Callable[[Issue], Any]):
        self.report = report
        self.position = position
        self._read_id(raw.get("id"))
        self.data = self._data(raw)
        self.article_id = text_field(self.data, "article_id") or f"task-{self.task_id}"
        self.text, self.text_ok = self._text()
        self._utf16_index: list[int] | None = None

    def issue(self, severity: str, code: str, reason: str, **where: Any) -> None:
        where.setdefault("order", (self.position,))
        self.report(Issue(severity, code, reason, task_id=self.task_id, **where))

    def utf16_to_characters(self, start: int, end: int) -> tuple[int, int] | None:
        """``start``/``end`` read as UTF-16 offsets into the task's text, in characters; None
        when the text has no astral characters or the offsets fall outside it."""
        if self._utf16_index is None:
            self._utf16_index = utf16_index(self.text)
        return utf16_to_characters(self._utf16_index, start, end)

    def _read_id(self, raw_id: Any) -> None:
        """The task's id as text; a missing or unusable id is named by the task's position."""
        if raw_id is not None and raw_id != "" and (type(raw_id) is str or type(raw_id) is int):
            self.task_id = raw_id if type(raw_id) is str else show_value(raw_id)
            return
        self.task_id = f"task-{self.position}"
        if raw_id is None or raw_id == "":
            self.issue(WARNING, MISSING_TASK_ID, f"task has no id; called {self.task_id}")
            return
        reason = (
            f"the id of task {self.position} is {type_name(raw_id)}, not an integer or a "
            f"string; called {self.task_id}"
        )
        self.issue(ERROR, BAD_TASK_ID, reason, field="id", value=show_value(raw_id))

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
        where = {"field": f"data.{TEXT}"}
        if text is None:
            keys = ", ".join(sorted(str(key) for key in self.data)) or "none"
            reason = (
                f"task data has no {TEXT!r} (its keys: {keys}); stancepack needs the article "
                f"text inline in data.{TEXT}"
            )
            self.issue(ERROR, "no-text", reason, **where)
        elif type(text) is not str:
            reason = f"data.{TEXT} is {type_name(text)}, not the article text"
            self.issue(ERROR, "no-text", reason, value=show_value(text), **where)
        else:
            reason = (
                f"data.{TEXT} is a link, not the article text; the text lives behind a URL "
                "that stancepack does not fetch: import tasks with the text inline"
            )
            self.issue(ERROR, "text-is-url", reason, value=text, **where)
        return "", False


class AnnotationContext:
    """One annotation or prediction as read: its id, annotator and results."""

    def __init__(
        self, task: TaskContext, raw: dict[str, Any], kind: str, number: int, sequence: int
    ) -> None:
        self.task = task
        self.kind = kind
        self.sequence = sequence
        self.row = -1  # its row in the annotations table
        self.annotator_id, self.annotator = annotator(raw.get("completed_by"))
        self.model_version = text_field(raw, "model_version")
        self.annotation_id = self._annotation_id(raw.get("id"), number)
        self.results = self._results(raw.get("result"))

    def order(self, index: int = -1) -> tuple[int, int, int]:
        return (self.task.position, self.sequence, index)

    @property
    def who(self) -> str:
        """The annotator as the report names it; a prediction's model version."""
        if self.kind == PREDICTION:
            return model_annotator(self.model_version)
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


def report_duplicate_keys(task: TaskContext, raw: dict[str, Any]) -> None:
    """Keys given more than once in one object of the task (as the reader noted them)."""
    if type(raw) is not dict and isinstance(raw, TaskWithDuplicateKeys):
        for path in raw.duplicate_keys:
            task.issue(
                ERROR,
                "duplicate-key",
                "key given more than once in one object; JSON readers keep only its last "
                "value and drop the others",
                field=path,
            )


def annotation_list(task: TaskContext, raw: dict[str, Any]) -> tuple[list[Any], bool]:
    """The task's annotations, and whether they came under the pre-1.0 'completions' key
    (read when the task has no 'annotations')."""
    pre_1_0 = "annotations" not in raw and "completions" in raw
    annotations = raw.get("completions" if pre_1_0 else "annotations")
    if annotations is None:
        return [], pre_1_0
    if not isinstance(annotations, list):
        task.issue(
            ERROR,
            "bad-annotations",
            f"annotations is {type_name(annotations)}, not a list",
            field="annotations",
        )
        return [], pre_1_0
    return annotations, pre_1_0


def prediction_list(task: TaskContext, raw: dict[str, Any]) -> list[Any]:
    """The task's predictions (full predictions, or ids of predictions not in the file)."""
    predictions = raw.get("predictions") or []
    if not isinstance(predictions, list):
        task.issue(ERROR, "bad-predictions", "predictions must be a list", field="predictions")
        return []
    return predictions


def is_prediction_id(prediction: Any) -> bool:
    """Whether a task's prediction is given by its id alone."""
    return isinstance(prediction, int | str) and not isinstance(prediction, bool)


def annotation_row(annotation: AnnotationContext, raw: dict[str, Any]) -> tuple[Any, ...]:
    """The annotations table's row of an annotation or prediction (``raw``)."""
    task = annotation.task
    return (
        annotation.annotation_id,
        task.task_id,
        task.article_id,
        annotation.kind,
        annotation.annotator,
        annotation.annotator_id,
        annotation.model_version,
        text_field(raw, "created_at"),
        text_field(raw, "updated_at"),
        seconds(raw.get("lead_time")),
        bool(raw.get("was_cancelled", raw.get("skipped", False))),  # skipped: pre-1.0
        bool(raw.get("ground_truth", False)),
        len(annotation.results),
    )


def text_field(data: dict[str, Any], key: str) -> str:
    """``data[key]`` as text; empty when missing."""
    value = data.get(key)
    if value is None:
        return ""
    return value if type(value) is str else show_value(value)


def id_text(raw_id: Any) -> str:
    """A region id as text."""
    return raw_id if type(raw_id) is str else show_value(raw_id)


def seconds(value: Any) -> float:
    """A lead time in seconds; NaN when it is no number."""
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


def annotator(completed_by: Any) -> tuple[str, str]:
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
