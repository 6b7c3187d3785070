"""Issue records: one problem found in an export, located and explained for a user.

The reader, the flattening and the pandera checks all report problems as `Issue` records,
so the validation report can list every problem at once, grouped and in file order.
"""

from __future__ import annotations

import dataclasses
import json

ERROR = "error"
WARNING = "warning"
# The report's name for the author of a prediction (see `model_annotator`).
MODEL = "model"

# Issue fields as the JSON report and `Issue.to_record` show them, in this order.
ISSUE_FIELDS = (
    "severity",
    "code",
    "task_id",
    "annotation_id",
    "annotator",
    "region_id",
    "field",
    "value",
    "reason",
)


@dataclasses.dataclass(frozen=True)
class Issue:
    """One problem. Empty strings stand for "not applicable"; ``value`` is None when the
    problem has no single bad value to show. ``order`` places the issue in file order
    (task position, annotation position, result position) and is not part of the record."""

    severity: str
    code: str
    reason: str
    task_id: str = ""
    annotation_id: str = ""
    annotator: str = ""
    region_id: str = ""
    field: str = ""
    value: str | None = None
    order: tuple[int, ...] = dataclasses.field(default=(), compare=False, repr=False)

    def to_record(self) -> dict[str, str | None]:
        return {name: getattr(self, name) for name in ISSUE_FIELDS}


def model_annotator(model_version: str) -> str:
    """Who made a prediction, as the report names it: "model v1", or "model" when the
    prediction has no model version."""
    return f"{MODEL} {model_version}" if model_version else MODEL


def show_value(value: object) -> str:
    """A bad value as the report shows it: strings as they are, other JSON values as JSON."""
    if isinstance(value, str):
        return value
    if type(value) is int:
        return str(value)
    try:
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    except (TypeError, ValueError):
        return repr(value)


def counted(count: int, noun: str) -> str:
    """ "1 task", "2 tasks"."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def type_name(value: object) -> str:
    """The JSON name of a parsed value's type, for messages ("a string", "a list", ...)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__
