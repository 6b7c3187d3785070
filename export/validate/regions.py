"""Reading one annotation's results into regions: each actor span becomes a mentions row,
checked (its region id, tags, label and offsets), while per-region results and relations
are set aside for linking, and results of any other kind are refused."""

from __future__ import annotations

from typing import Any

from stancepack.export.issues import ERROR, WARNING, show_value, type_name
from stancepack.export.validate.offsets import Placement, explain_offsets, held_offset
from stancepack.export.validate.tasks import AnnotationContext, id_text
from stancepack.schema.fields import ACTOR, TEXT

# Result types stancepack reads; any other type belongs to another kind of project.
SPAN_TYPE = "labels"
PER_REGION_TYPES = ("choices", "textarea")
RELATION_TYPE = "relation"


class Regions:
    """The spans read from one annotation's results, and the results that refer to them."""

    __slots__ = ("spans", "rows", "positions", "misplaced", "linked", "relations")

    def __init__(self) -> None:
        # region id -> its mentions row (the first span of that id)
        self.spans: dict[str, list[Any]] = {}
        # the mentions rows in the order of the results, and each one's index among them
        self.rows: list[list[Any]] = []
        self.positions: list[int] = []
        # ids of the rows whose offsets do not place them in the text
        self.misplaced: set[int] = set()
        # per-region results (index, result, the row of the span their id named when read)
        self.linked: list[tuple[int, dict[str, Any], list[Any] | None]] = []
        # relation results (index, result)
        self.relations: list[tuple[int, dict[str, Any]]] = []


def read_regions(annotation: AnnotationContext, fix_utf16_offsets: bool = False) -> Regions:
    """The spans of an annotation's results, and its per-region and relation results. The
    hot path of reading an export: a span whose tags, label and offsets are in order is
    taken in place; any other span goes through `add_checked_span`, which reports it."""
    task = annotation.task
    text, text_ok = task.text, task.text_ok
    text_length = len(text)
    head = (annotation.annotation_id, task.task_id, task.article_id)
    regions = Regions()
    spans, rows, positions, linked = regions.spans, regions.rows, regions.positions, regions.linked
    for index, result in enumerate(annotation.results):
        result_type = result.get("type") if type(result) is dict else None
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
            add_checked_span(annotation, index, result, regions, fix_utf16_offsets)
        elif result_type in PER_REGION_TYPES:
            region_id = result.get("id")
            linked.append((index, result, spans.get(region_id) if type(region_id) is str else None))
        elif result_type == RELATION_TYPE:
            regions.relations.append((index, result))
        else:  # of another type, or no object
            refuse_result(annotation, index, result)
    return regions


def refuse_result(annotation: AnnotationContext, index: int, result: Any) -> None:
    """A result that is no object, or of a type stancepack does not read."""
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
        region_id=id_text(result.get("id")) if result.get("id") is not None else "",
        field="type",
        value=show_value(result_type),
    )


# -- spans: the checking path -------------------------------------------------------------


def add_checked_span(
    annotation: AnnotationContext,
    index: int,
    result: dict[str, Any],
    regions: Regions,
    fix_utf16_offsets: bool = False,
) -> None:
    """Add a span that is not in order to ``regions``, every problem with it reported."""
    row, placed = checked_span(annotation, index, result, regions.spans, fix_utf16_offsets)
    if row is not None:
        regions.rows.append(row)
        regions.positions.append(index)
        if not placed:
            regions.misplaced.add(id(row))


def checked_span(
    annotation: AnnotationContext,
    index: int,
    result: dict[str, Any],
    spans: dict[str, list[Any]],
    fix_utf16_offsets: bool = False,
) -> tuple[list[Any] | None, bool]:
    """A span row, every problem with the span reported (None when it has no value), and
    whether its offsets place it in the text; the row joins ``spans`` unless its region id
    is taken."""
    order = annotation.order(index)
    region_id = span_region_id(annotation, index, result, order)
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
        check_span_tags(annotation, result, region_id, order)
    actor_type = span_actor_type(annotation, value, region_id, order)
    offsets = span_offsets(annotation, value, region_id, order, fix_utf16_offsets)
    start, end, text, placed = offsets
    task = annotation.task
    row: list[Any] = [annotation.annotation_id, task.task_id, task.article_id, region_id]
    row += [held_offset(start), held_offset(end), text, actor_type, "", [], ""]
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


def span_region_id(
    annotation: AnnotationContext, index: int, result: dict[str, Any], order: tuple
) -> str:
    """The span's region id as text; a span without one is named by its index."""
    raw_id = result.get("id")
    if raw_id is not None and raw_id != "":
        return raw_id if type(raw_id) is str else id_text(raw_id)
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


def check_span_tags(
    annotation: AnnotationContext, result: dict[str, Any], region_id: str, order: tuple
) -> None:
    """A span from another tag than the labeling config's Labels, or on another than its Text."""
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


def span_actor_type(
    annotation: AnnotationContext, value: dict[str, Any], region_id: str, order: tuple
) -> str:
    """The span's one label, its actor type; a span without one or with several is reported."""
    labels = value.get("labels")
    if type(labels) is list and len(labels) == 1 and type(labels[0]) is str:
        return labels[0]
    where = {"order": order, "region_id": region_id, "field": "actor_type"}
    if type(labels) is not list or not labels:
        reason = "span has no actor type label"
        annotation.issue(ERROR, "missing-label", reason, value=show_value(labels), **where)
        return ""
    shown = show_value(labels)
    if len(labels) > 1:
        reason = f"span has {len(labels)} labels; one actor type per span"
        annotation.issue(ERROR, "multiple-labels", reason, value=shown, **where)
    first = labels[0]
    return first if type(first) is str else shown


def span_offsets(
    annotation: AnnotationContext,
    value: dict[str, Any],
    region_id: str,
    order: tuple,
    fix_utf16_offsets: bool = False,
) -> Placement:
    """start, end, the span's text, and whether the offsets place it in the text; offsets
    that do not are reported with the reason (`explain_offsets`)."""
    start, end, span_text = value.get("start"), value.get("end"), value.get("text")
    if type(start) is not int or type(end) is not int:
        refuse_offsets(annotation, value, region_id, order)
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
    repaired = task.utf16_to_characters(start, end)
    found, placement = explain_offsets(text, start, end, span_text, repaired, fix_utf16_offsets)
    annotation.issue(order=order, region_id=region_id, **found)
    return placement


def refuse_offsets(
    annotation: AnnotationContext, value: dict[str, Any], region_id: str, order: tuple
) -> None:
    """Offsets that are not integers: an HTML region's XPaths, or values of another type."""
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
