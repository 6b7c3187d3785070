"""Relations of one annotation: each relation result becomes one relations row per label;
an endpoint that is no span of the annotation, a relation of a span to itself and a
relation without a label are reported."""

from __future__ import annotations

from typing import Any

from stancepack.export.issues import ERROR, WARNING, show_value
from stancepack.export.validate.tasks import AnnotationContext, id_text
from stancepack.schema.fields import RIGHT

# The two ends of a relation result, from and to.
RELATION_ENDS = ("from_id", "to_id")
# A relation result without a direction points from its first span to its second.
DEFAULT_DIRECTION = RIGHT


def annotation_relations(
    annotation: AnnotationContext,
    relations: list[tuple[int, dict[str, Any]]],
    spans: dict[str, Any],
) -> tuple[list[tuple[Any, ...]], list[int]]:
    """The relations rows of an annotation's relation results (index, result), one per
    label, and the index of each row's result. The hot path of relations: a relation
    between two of the annotation's spans (``spans``, by region id) with labels is read in
    place; any other goes through `relation_rows`, which reports its problems."""
    task = annotation.task
    head = (annotation.annotation_id, task.task_id, task.article_id)
    rows: list[tuple[Any, ...]] = []
    indexes: list[int] = []
    for index, result in relations:
        from_id, to_id, labels = result.get("from_id"), result.get("to_id"), result.get("labels")
        if (
            type(from_id) is str
            and type(to_id) is str
            and from_id != to_id
            and from_id in spans
            and to_id in spans
            and type(labels) is list
            and labels
        ):
            direction = result.get("direction", DEFAULT_DIRECTION)
            direction = direction if type(direction) is str else show_value(direction)
            for label in labels:
                label = label if type(label) is str else show_value(label)
                rows.append((*head, from_id, to_id, label, direction))
                indexes.append(index)
            continue
        found = relation_rows(annotation, index, result, spans)
        rows += found
        indexes += [index] * len(found)
    return rows, indexes


def relation_rows(
    annotation: AnnotationContext, index: int, result: dict[str, Any], spans: dict[str, Any]
) -> list[tuple[Any, ...]]:
    """The relations rows of a relation result (the ``index``-th of the annotation), one
    per label; ``spans`` are the annotation's spans by region id."""
    order = annotation.order(index)
    from_id, to_id = relation_ends(annotation, result, spans, order)
    labels = relation_labels(annotation, result, f"{from_id}->{to_id}", order)
    direction = result.get("direction", DEFAULT_DIRECTION)
    direction = direction if type(direction) is str else show_value(direction)
    task = annotation.task
    head = (annotation.annotation_id, task.task_id, task.article_id, from_id, to_id)
    return [
        (*head, label if type(label) is str else show_value(label), direction) for label in labels
    ]


def relation_ends(
    annotation: AnnotationContext, result: dict[str, Any], spans: dict[str, Any], order: tuple
) -> tuple[str, str]:
    """The region ids the relation links (empty when missing); an end that is no span and a
    relation of a span to itself are reported."""
    ends = {}
    for key in RELATION_ENDS:
        raw_id = result.get(key)
        ends[key] = id_text(raw_id) if raw_id is not None else ""
    from_id, to_id = ends["from_id"], ends["to_id"]
    region_id = f"{from_id}->{to_id}"
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
    if from_id and from_id == to_id:
        annotation.issue(
            ERROR,
            "self-relation",
            f"relation from region {from_id} to itself; a relation links two spans",
            order=order,
            region_id=region_id,
            field="to_id",
            value=to_id,
        )
    return from_id, to_id


def relation_labels(
    annotation: AnnotationContext, result: dict[str, Any], region_id: str, order: tuple
) -> list[Any]:
    """The relation's labels; one empty label (reported) when it has none."""
    labels = result.get("labels")
    if labels is None or labels == []:
        annotation.issue(
            WARNING,
            "unlabelled-relation",
            "relation has no label",
            order=order,
            region_id=region_id,
            field="label",
        )
        return [""]
    if type(labels) is not list:
        return [show_value(labels)]
    return labels
