"""The four tables of a flattened export: their columns and dtypes, what the export holds
(`Counts`), where each row came from (`Positions`), and building each DataFrame once from
row lists (text through Arrow, numbers through numpy)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from stancepack.export.issues import Issue

if TYPE_CHECKING:
    import pandas as pd

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
CANCELLED_COLUMN = ANNOTATION_COLUMNS.index("was_cancelled")
# Where each field sits in a mentions row (a list, filled in place while linking).
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


def frame(rows: list[Any], names: tuple[str, ...]) -> pd.DataFrame:
    """A DataFrame of ``rows`` (tuples or lists in the order of ``names``), each column of
    its declared dtype."""
    import pandas as pd

    columns = list(zip(*rows, strict=True)) if rows else [()] * len(names)
    return pd.DataFrame(
        {
            name: column(values, DTYPES.get(name, "str"))
            for name, values in zip(names, columns, strict=True)
        }
    )


def column(values: tuple[Any, ...], dtype: str) -> pd.Series:
    """One column, converted the fast way: text through Arrow, numbers through numpy."""
    import numpy as np
    import pandas as pd

    if dtype == "str":
        import pyarrow as pa

        return pd.Series(pa.array(values, pa.large_string()), dtype="str")
    if dtype == "object":
        return pd.Series(values, dtype=object)
    return pd.Series(np.fromiter(values, dtype=dtype, count=len(values)))
