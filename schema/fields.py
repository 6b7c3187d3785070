"""Names shared by the labeling config, the tasks and the export reader, declared once.

The labeling config's tag names become ``from_name``/``to_name`` in every annotation
result; the task data keys become ``data`` of every task. Both sides read them from here,
and the result items of one marked span are built here, as the labeling UI makes them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

# <Text name=TEXT value="$text"/>: the tag name and the task data key of the article text.
TEXT = "text"
# <Labels name=ACTOR toName=TEXT>: actor-type spans.
ACTOR = "actor"
# Per-region <Choices name=STANCE perRegion="true" choice="single">.
STANCE = "stance"
# Per-region <Choices name=ROLES perRegion="true" choice="multiple">.
ROLES = "roles"
# Per-region <TextArea name=ACTOR_NAME perRegion="true">: canonical actor name.
ACTOR_NAME = "actor_name"

# Keys of each task's ``data``, in this order. The outlet is ``outlet``, never ``source``:
# Label Studio's editor overwrites a task data key named ``source`` with the whole task
# (as JSON) on the labeling page. ``byline`` is for display only: outlet and date.
OUTLET = "outlet"
BYLINE = "byline"
TASK_DATA_KEYS = (
    "text",
    "title",
    OUTLET,
    "published",
    "url",
    "article_id",
    "story_id",
    BYLINE,
)
# Keys that older projects used, read as their current name.
LEGACY_DATA_KEYS = {"source": OUTLET}

# What a task's result set is: a person's annotation or a model's prediction.
ANNOTATION = "annotation"
PREDICTION = "prediction"
KINDS = (ANNOTATION, PREDICTION)
# A relation's direction between its two regions: from -> to, to -> from, both ways.
RIGHT = "right"
LEFT = "left"
BI = "bi"
DIRECTIONS = (RIGHT, LEFT, BI)


def one_of(values: Iterable[str]) -> str:
    """Values as prose: "right, left or bi"."""
    *others, last = values
    return f"{', '.join(others)} or {last}" if others else last


def result_item(region_id: str, from_name: str, kind: str, value: dict[str, Any]) -> dict[str, Any]:
    """One item of an annotation's result, on the article text."""
    return {
        "id": region_id,
        "from_name": from_name,
        "to_name": TEXT,
        "type": kind,
        "origin": "manual",
        "value": value,
    }


def span_result(
    region_id: str,
    start: int,
    end: int,
    text: str,
    actor_type: str,
    stance: str = "",
    roles: Iterable[str] = (),
    name: str = "",
) -> list[dict[str, Any]]:
    """The result items of one marked span: its actor type, and its stance, roles and
    canonical name when it has them (all sharing the span's region id)."""
    where = {"start": start, "end": end}
    spanned = {**where, "text": text}
    items = [result_item(region_id, ACTOR, "labels", {**spanned, "labels": [actor_type]})]
    if stance:
        items.append(result_item(region_id, STANCE, "choices", {**spanned, "choices": [stance]}))
    if roles := list(roles):
        items.append(result_item(region_id, ROLES, "choices", {**spanned, "choices": roles}))
    if name:
        items.append(result_item(region_id, ACTOR_NAME, "textarea", {**where, "text": [name]}))
    return items
