"""Curation: the adjudicated result of each disputed task, put into Label Studio for review.

For every task whose annotators disagree (see `stancepack.export.dataset.status.find_disputes`),
the adjudicated layer that ``stancepack package`` would publish for it (the rules in
`stancepack.export.dataset.adjudicate`) becomes an annotation by the curator, marked ground truth.
The curator finds it as their own annotation in the labeling UI, corrects it and submits;
``package`` then follows it ("a ground-truth annotation wins").

- A task that has a ground-truth annotation already (an earlier curation, edited or not,
  or anyone's ground truth) is left alone: re-running adds nothing and never overwrites
  the curator's work.
- Ties (a mention marked by exactly half, a tie between stances, a role chosen by exactly
  half, a relation drawn by exactly half) are put in as the rules decide them and listed,
  for the curator to settle.
- Tasks are adjudicated one by one, each with its own annotators.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from stancepack.export.dataset.adjudicate import adjudicate, select_voters
from stancepack.export.dataset.status import (
    curated_tasks,
    find_disputes,
    project_snapshot,
    without_ground_truth,
)
from stancepack.ground.errors import LabelStudioError
from stancepack.schema import fields
from stancepack.schema.taxonomy import Taxonomy

if TYPE_CHECKING:
    from label_studio_sdk import LabelStudio

    from stancepack.export.dataset.adjudicate import FlatTables
    from stancepack.ground.labelstudio.client import Connection

Columns = dict[str, list[Any]]


@dataclass(frozen=True)
class Tie:
    """A decision the rules could not make with a majority, for the curator."""

    task_id: str
    what: str


@dataclass
class CurationReport:
    curator: str
    curated: list[str] = field(default_factory=list)  # task ids
    already_curated: list[str] = field(default_factory=list)
    agreed: int = 0  # tasks with two or more annotators who agree
    ties: list[Tie] = field(default_factory=list)

    def tie_lines(self) -> list[str]:
        return [f"task {tie.task_id}: {tie.what}" for tie in self.ties]


@dataclass(frozen=True)
class Curator:
    id: int
    email: str


def find_curator(client: LabelStudio, connection: Connection, email: str | None) -> Curator:
    """The organisation member ``email``, or the user of the API token."""
    from stancepack.ground.labelstudio.client import retrying
    from stancepack.ground.labelstudio.members import organisation_members

    if email is None:
        me = retrying(lambda: client.users.whoami(), connection, "identify the API token's user")
        return Curator(int(me.id), str(me.email or ""))
    wanted = email.strip().lower()
    for member in organisation_members(client, connection):
        if member.email == wanted:
            return Curator(member.id, member.email)
    raise LabelStudioError(
        f"no user {email!r} in the organisation at {connection.url}: add the curator with "
        "`stancepack annotators add` first"
    )


# --- Label Studio results of an adjudicated task -------------------------------------------


def mention_items(mention: dict[str, Any]) -> list[dict[str, Any]]:
    """The result items of one adjudicated mention (region id: its mention id)."""
    return fields.span_result(
        mention["mention_id"],
        mention["start"],
        mention["end"],
        mention["text"],
        mention["actor_type"],
        mention["stance"] or "",
        mention["roles"] or (),
        mention["actor_name"] or "",
    )


def relation_item(relation: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "relation",
        "from_id": relation["from_mention_id"],
        "to_id": relation["to_mention_id"],
        "direction": relation["direction"],
        "labels": [relation["label"]] if relation["label"] else [],
    }


def rows_by_task(columns: Columns) -> dict[str, list[dict[str, Any]]]:
    names = list(columns)
    grouped: dict[str, list[dict[str, Any]]] = {}
    for values in zip(*(columns[name] for name in names), strict=True):
        row = dict(zip(names, values, strict=True))
        grouped.setdefault(str(row["task_id"]), []).append(row)
    return grouped


def task_result(mentions: list[dict[str, Any]], relations: list[dict[str, Any]]) -> list[Any]:
    result = [item for mention in mentions for item in mention_items(mention)]
    return result + [relation_item(relation) for relation in relations]


def ties_of(
    task_id: str, mentions: list[dict[str, Any]], relations: list[dict[str, Any]]
) -> list[Tie]:
    ties = []
    for mention in mentions:
        span = span_of(mention)
        if mention["mention_tie"]:
            ties.append(Tie(task_id, f"mention {span} marked by half of the annotators"))
        if mention["stance_tie"]:
            ties.append(Tie(task_id, f"stance of {span} tied: left empty"))
        for role in mention["roles_tied"]:
            ties.append(Tie(task_id, f"role {role} of {span} chosen by half: kept"))
    for relation in relations:
        if relation["relation_tie"]:
            ties.append(Tie(task_id, f"relation {relation['label']} drawn by half: kept"))
    return ties


def span_of(mention: dict[str, Any]) -> str:
    return f"{mention['text']!r} ({mention['actor_type']}, {mention['start']}-{mention['end']})"


def overlaps(one: dict[str, Any], other: dict[str, Any]) -> bool:
    """Two spans with the same label that share a character (validation refuses them)."""
    return (
        one["actor_type"] == other["actor_type"]
        and one["start"] < other["end"]
        and other["start"] < one["end"]
    )


def without_overlaps(
    task_id: str, mentions: list[dict[str, Any]], relations: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[Tie]]:
    """The draft's mentions and relations with no two spans of one label overlapping:
    annotators who marked one actor with different spans leave tied alternatives, and a
    mention kept by a majority (then the longer, then the earlier one) is kept; each one
    left out, and the relations at it, are listed for the curator."""
    ranked = sorted(
        mentions, key=lambda m: (bool(m["mention_tie"]), m["start"] - m["end"], m["start"])
    )
    kept: list[dict[str, Any]] = []
    ties = []
    for mention in ranked:
        clash = next((other for other in kept if overlaps(mention, other)), None)
        if clash is None:
            kept.append(mention)
        else:
            ties.append(
                Tie(
                    task_id,
                    f"mention {span_of(mention)} overlaps {span_of(clash)}: left out of the draft",
                )
            )
    ids = {mention["mention_id"] for mention in kept}
    linked = [r for r in relations if {r["from_mention_id"], r["to_mention_id"]} <= ids]
    kept.sort(key=lambda m: (m["start"], m["end"], m["actor_type"]))
    return kept, linked, ties


# --- curating a project -------------------------------------------------------------------


def plan_curation(
    tables: FlatTables, taxonomy: Taxonomy
) -> tuple[dict[str, list[Any]], list[Tie], list[str], int]:
    """(task id -> result to put in, ties, tasks curated already, tasks agreed on)."""
    disputes = find_disputes(tables)
    curated = curated_tasks(tables)
    open_tasks = sorted(
        (dispute.task_id for dispute in disputes if dispute.task_id not in curated), key=_task_order
    )
    adjudicated = adjudicate(tables, taxonomy)
    mentions = rows_by_task(adjudicated.mentions)
    relations = rows_by_task(adjudicated.relations)
    results: dict[str, list[Any]] = {}
    ties: list[Tie] = []
    for task_id in open_tasks:
        task_mentions, task_relations, left_out = without_overlaps(
            task_id, mentions.get(task_id, []), relations.get(task_id, [])
        )
        results[task_id] = task_result(task_mentions, task_relations)
        ties += ties_of(task_id, task_mentions, task_relations) + left_out
    voters = select_voters(without_ground_truth(tables)).by_task
    several = sum(1 for annotation_ids in voters.values() if len(annotation_ids) >= 2)
    already = sorted({dispute.task_id for dispute in disputes} & curated, key=_task_order)
    return results, ties, already, several - len(disputes)


def _task_order(task_id: str) -> tuple[int, str]:
    return (int(task_id), "") if task_id.isdigit() else (0, task_id)


def curate_project(
    client: LabelStudio,
    connection: Connection,
    project_ref: str,
    taxonomy: Taxonomy,
    *,
    curator: str | None = None,
    data_dir: str | Path | None = None,
) -> CurationReport:
    """Put the adjudicated result of every disputed, uncurated task of the project into
    Label Studio as a ground-truth annotation by the curator."""
    from stancepack.export.dataset.package import refuse_invalid, validate_file
    from stancepack.ground.labelstudio.client import retrying

    chosen = find_curator(client, connection, curator)
    with project_snapshot(connection, project_ref, data_dir) as (_, path):
        report, _ = validate_file(path, taxonomy)
    refuse_invalid(report, "nothing was curated")
    results, ties, already, agreed = plan_curation(report.whole_tables(), taxonomy)
    done = CurationReport(curator=chosen.email, already_curated=already, agreed=agreed, ties=ties)
    for task_id in sorted(results, key=_task_order):
        retrying(
            lambda task_id=task_id: client.annotations.create(
                id=int(task_id),
                result=results[task_id],
                completed_by=chosen.id,
                ground_truth=True,
                lead_time=0.0,
            ),
            connection,
            f"put the curation of task {task_id} into Label Studio",
            attempts=1,
        )
        done.curated.append(task_id)
    return done
