"""Linking per-region results to their span: each choices result (stance, roles) and text
area (actor name) names a span by its region id and fills that span's mentions row. A
result that names no span, comes from an unknown tag, or adds a second stance or name is
reported; spans left without a stance are reported, and actor names missing from the
annotation come from the gazetteer when one is given."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from stancepack.export.issues import ERROR, WARNING, show_value
from stancepack.export.validate.articles import control_character_issue
from stancepack.export.validate.tables import (
    NAME_COLUMN,
    REGION_COLUMN,
    ROLES_COLUMN,
    STANCE_COLUMN,
    TEXT_COLUMN,
)
from stancepack.export.validate.tasks import AnnotationContext, id_text
from stancepack.ground.terminal import CONTROL_CHARACTERS
from stancepack.schema.fields import ACTOR, ACTOR_NAME, PREDICTION, ROLES, STANCE
from stancepack.schema.gazetteer import Gazetteer, fold

PER_REGION_TAGS = (STANCE, ROLES, ACTOR_NAME)
KNOWN_TAGS = (ACTOR, *PER_REGION_TAGS)
# A role's rank in the taxonomy's order of roles (a span's roles are sorted by it).
RoleRank = Mapping[str, int]


def link_in_place(
    linked: list[tuple[int, dict[str, Any], list[Any] | None]], role_rank: RoleRank
) -> list[tuple[int, dict[str, Any]]]:
    """Fill each span's row from the per-region results that are in order: results that name
    a span read before them (``linked``: index, result, that span's row or None) with one
    stance, roles, or one actor name the row does not have yet. The hot path of linking;
    the other results (index, result) are returned for `attach_per_region`, in order."""
    unranked = len(role_rank)
    later = []
    for index, result, owner in linked:
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
                    dict.fromkeys(choices), key=lambda role: role_rank.get(role, unranked)
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
    return later


def attach_per_region(
    annotation: AnnotationContext,
    index: int,
    result: dict[str, Any],
    spans: dict[str, list[Any]],
    role_rank: RoleRank,
) -> None:
    """Link a per-region result to the span of its region id (in ``spans``), every problem
    with it reported."""
    tag = result.get("from_name")
    order = annotation.order(index)
    raw_id = result.get("id")
    region_id = id_text(raw_id) if raw_id is not None else ""
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
        report_orphan(annotation, tag, value, region_id, order)
    elif tag == STANCE:
        attach_stance(annotation, row, value, region_id, order)
    elif tag == ROLES:
        attach_roles(annotation, row, value, region_id, order, role_rank)
    else:
        attach_actor_name(annotation, row, value, region_id, order)


def report_orphan(
    annotation: AnnotationContext, tag: str, value: dict, region_id: str, order: tuple
) -> None:
    """A per-region result whose region id names no span (or that has none)."""
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


def checked_choices(
    annotation: AnnotationContext, value: dict, tag: str, region_id: str, order: tuple
) -> list[str] | None:
    """The result's choices; None (reported) when they are not a list of strings."""
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


def attach_stance(
    annotation: AnnotationContext, row: list[Any], value: dict, region_id: str, order: tuple
) -> None:
    """The span's stance: the first one given; more than one is reported."""
    choices = checked_choices(annotation, value, STANCE, region_id, order)
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


def attach_roles(
    annotation: AnnotationContext,
    row: list[Any],
    value: dict,
    region_id: str,
    order: tuple,
    role_rank: RoleRank,
) -> None:
    """The span's roles, in the taxonomy's order; a second roles result is reported (and
    its roles kept)."""
    choices = checked_choices(annotation, value, ROLES, region_id, order)
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
    unknown = len(role_rank)
    row[ROLES_COLUMN] = sorted(merged, key=lambda role: role_rank.get(role, unknown))


def attach_actor_name(
    annotation: AnnotationContext, row: list[Any], value: dict, region_id: str, order: tuple
) -> None:
    """The span's canonical actor name: the first one given, stripped; a name that is not
    text, more than one name, or a name with a control character is reported."""
    raw = value.get("text")
    lines = raw if type(raw) is list else [raw]
    names = list(dict.fromkeys(line.strip() for line in lines if type(line) is str))
    names = [name for name in names if name]
    where = {"order": order, "region_id": region_id}
    if any(type(line) is not str for line in lines) and raw is not None:
        reason = "actor name must be text (a list of strings)"
        annotation.issue(
            ERROR, "bad-value", reason, field=ACTOR_NAME, value=show_value(raw), **where
        )
    actor_name = row[NAME_COLUMN]
    if len(names) > 1 or (names and actor_name):
        given = [actor_name, *names] if actor_name else names
        reason = "span has more than one actor name; expected one canonical name"
        annotation.issue(
            ERROR,
            "multiple-actor-names",
            reason,
            field=ACTOR_NAME,
            value=show_value(given),
            **where,
        )
    if names and not actor_name:
        row[NAME_COLUMN] = names[0]
    for name in names:
        if CONTROL_CHARACTERS.search(name):
            annotation.issue(**where, **control_character_issue(ACTOR_NAME, name))


def finish_spans(
    annotation: AnnotationContext,
    spans: dict[str, list[Any]],
    rows: list[list[Any]],
    positions: list[int],
    gazetteer: dict[str, str] | None,
) -> None:
    """Spans without a stance (in annotations: predictions propose no stances), and names
    from the gazetteer (`normalised_gazetteer`) for spans without one."""
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
            row[NAME_COLUMN] = canonical_name(gazetteer, row[TEXT_COLUMN])


def normalised_gazetteer(gazetteer: Gazetteer | Mapping[str, str]) -> dict[str, str]:
    """Folded surface form -> canonical name, from a `Gazetteer` or such a mapping."""
    names = gazetteer.canonical_names() if isinstance(gazetteer, Gazetteer) else gazetteer
    return {surface_key(surface): name for surface, name in names.items()}


def surface_key(surface: str) -> str:
    """Matched as the pre-annotator matches names: accents and typographic quotes folded,
    case kept ("US" is not "us"); runs of white space count as one space."""
    return " ".join(fold(surface).split())


def canonical_name(gazetteer: dict[str, str], text: str) -> str:
    """The canonical name of a span's text in a `normalised_gazetteer`; empty when none."""
    return gazetteer.get(surface_key(text), "")
