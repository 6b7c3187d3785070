"""Progress of a team on a project, from one snapshot export.

- Tasks by number of annotations: non-cancelled human annotations that are not ground
  truth (a curation is not one more annotator's work).
- Per annotator: annotations made, cancelled ones, and ground-truth ones (curations).
- Disputes: tasks with two or more annotators (ground-truth annotations left out) who
  disagree. Under the adjudication's matching rule (same span, same actor type) they
  disagree on spans when one marked a mention another did not, on stance when the
  annotators who marked a mention gave it different stances (none counts as a value),
  on roles when they gave it different sets of roles.
- Agreement: the figures of ``stancepack agreement`` (`measure_agreement`).

The project is read through one snapshot export, pulled as ``stancepack pull`` does into a
temporary file and read as a stream: never one request per task.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from stancepack.export.dataset.adjudicate import (
    FlatTables,
    Mark,
    MentionKey,
    collect_marks,
    select_voters,
    values_of,
)
from stancepack.export.dataset.agreement import Agreement, measure_agreement, render_text
from stancepack.schema.fields import ANNOTATION
from stancepack.schema.taxonomy import Taxonomy

if TYPE_CHECKING:
    import pandas as pd
    from label_studio_sdk import LabelStudio

    from stancepack.export.read.pull import Pulled
    from stancepack.ground.labelstudio.client import Connection

SNAPSHOT_FILE = "snapshot.json"
DISPUTE_KINDS = ("spans", "stance", "roles")


@dataclass(frozen=True)
class Dispute:
    """What the annotators of one task disagree on."""

    task_id: str
    annotators: int
    spans: bool
    stance: bool
    roles: bool

    @property
    def kinds(self) -> list[str]:
        return [kind for kind in DISPUTE_KINDS if getattr(self, kind)]


@dataclass(frozen=True)
class AnnotatorCounts:
    annotations: int = 0
    cancelled: int = 0
    ground_truth: int = 0


@dataclass(frozen=True)
class Status:
    """The progress figures of one project."""

    project_id: int
    title: str
    tasks: int
    tasks_by_annotations: dict[int, int]
    tasks_curated: int
    annotators: dict[str, AnnotatorCounts]
    disputes: list[Dispute]
    agreement: Agreement
    validation_errors: int

    def to_dict(self) -> dict[str, Any]:
        kinds = Counter(kind for dispute in self.disputes for kind in dispute.kinds)
        return {
            "project_id": self.project_id,
            "title": self.title,
            "tasks": self.tasks,
            "tasks_by_annotations": {
                str(n): count for n, count in self.tasks_by_annotations.items()
            },
            "tasks_curated": self.tasks_curated,
            "annotators": {name: asdict(counts) for name, counts in self.annotators.items()},
            "disputed_tasks": len(self.disputes),
            "disputes_by_kind": {kind: kinds[kind] for kind in DISPUTE_KINDS},
            "disputes": [{**asdict(dispute), "kinds": dispute.kinds} for dispute in self.disputes],
            "agreement": self.agreement.to_dict(),
            "validation_errors": self.validation_errors,
        }


# --- reading a project through a snapshot -------------------------------------------------


@contextmanager
def project_snapshot(
    connection: Connection, project_ref: str, data_dir: str | Path | None = None
) -> Iterator[tuple[Pulled, Path]]:
    """A full snapshot export of the project, pulled into a temporary file (from the
    server of ``connection``; ``data_dir`` names the local server's folder when it is
    not the default one)."""
    from stancepack.export.read.pull import pull_export

    with tempfile.TemporaryDirectory(prefix="stancepack-") as folder:
        path = Path(folder) / SNAPSHOT_FILE
        pulled = pull_export(project_ref, path, url=connection.url, data_dir=data_dir)
        yield pulled, path


def annotations_by_user(
    client: LabelStudio, connection: Connection, data_dir: str | Path | None = None
) -> Counter[int]:
    """Non-cancelled annotations per user id, over every project the token can see."""
    from stancepack.export.read.stream import stream_export
    from stancepack.ground.labelstudio.client import all_items, retrying

    projects = retrying(
        lambda: all_items(client.projects.list(page_size=100), connection, "projects"),
        connection,
        "list projects",
    )
    counts: Counter[int] = Counter()
    for project in projects:
        with project_snapshot(connection, str(project.id), data_dir) as (_, path):
            for task in stream_export(path).tasks:
                counts.update(_annotators_of(task))
    return counts


def _annotators_of(task: dict[str, Any]) -> Iterator[int]:
    for annotation in task.get("annotations") or []:
        if annotation.get("was_cancelled"):
            continue
        who = annotation.get("completed_by")
        who = who.get("id") if isinstance(who, dict) else who
        if isinstance(who, int) and not isinstance(who, bool):
            yield who


def project_status(
    connection: Connection,
    project_ref: str,
    taxonomy: Taxonomy,
    data_dir: str | Path | None = None,
) -> Status:
    """The progress figures of project ``project_ref`` (id or exact title)."""
    from stancepack.export.dataset.package import validate_file

    with project_snapshot(connection, project_ref, data_dir) as (pulled, path):
        report, _ = validate_file(path, taxonomy)
    return status_of(
        report.whole_tables(),
        taxonomy,
        project_id=pulled.project_id,
        title=pulled.title,
        validation_errors=report.errors,
    )


# --- figures from the flattened tables ----------------------------------------------------


def human_annotations(tables: FlatTables) -> pd.DataFrame:
    annotations = tables.annotations
    return annotations[annotations["kind"] == ANNOTATION]


def without_ground_truth(tables: FlatTables) -> pd.DataFrame:
    """The non-cancelled human annotations that are not marked ground truth."""
    human = human_annotations(tables)
    return human[~human["was_cancelled"] & ~human["ground_truth"]]


def tasks_by_annotation_count(tables: FlatTables) -> dict[int, int]:
    """Number of annotations -> number of tasks with that many, from 0 to the most."""
    per_task = Counter(values_of(without_ground_truth(tables), "task_id"))
    counts = Counter(per_task.get(task_id, 0) for task_id in values_of(tables.articles, "task_id"))
    return {n: counts[n] for n in range(max(counts, default=0) + 1)}


def annotator_counts(tables: FlatTables) -> dict[str, AnnotatorCounts]:
    """Annotations, cancelled ones and ground-truth ones of each annotator, by name."""
    rows = zip(
        values_of(human_annotations(tables), "annotator"),
        values_of(human_annotations(tables), "was_cancelled"),
        values_of(human_annotations(tables), "ground_truth"),
        strict=True,
    )
    made: Counter[str] = Counter()
    cancelled: Counter[str] = Counter()
    ground: Counter[str] = Counter()
    for annotator, was_cancelled, is_ground_truth in rows:
        name = annotator or "(unknown)"
        made[name] += 0 if was_cancelled else 1
        cancelled[name] += 1 if was_cancelled else 0
        ground[name] += 1 if is_ground_truth and not was_cancelled else 0
    return {
        name: AnnotatorCounts(made[name], cancelled[name], ground[name])
        for name in sorted(made | cancelled)
    }


def curated_tasks(tables: FlatTables) -> set[str]:
    """Tasks with a non-cancelled ground-truth annotation."""
    human = human_annotations(tables)
    chosen = human[human["ground_truth"] & ~human["was_cancelled"]]
    return set(values_of(chosen, "task_id"))


def find_disputes(tables: FlatTables) -> list[Dispute]:
    """Tasks whose annotators (two or more, ground truth left out) disagree, by task id."""
    voters = select_voters(without_ground_truth(tables))
    marks = collect_marks(tables.mentions, voters.voter_of)
    disputes = []
    for task_id in sorted(voters.by_task):
        annotation_ids = voters.by_task[task_id]
        if len(annotation_ids) < 2:
            continue
        dispute = _dispute(task_id, [marks.get(a, {}) for a in annotation_ids])
        if dispute.kinds:
            disputes.append(dispute)
    return disputes


def _dispute(task_id: str, by_voter: list[dict[MentionKey, Mark]]) -> Dispute:
    keys = [set(marks) for marks in by_voter]
    stance = roles = False
    for key in set().union(*keys):
        marked = [marks[key] for marks in by_voter if key in marks]
        if len(marked) < 2:
            continue
        stance = stance or len({mark.stance for mark in marked}) > 1
        roles = roles or len({frozenset(mark.roles) for mark in marked}) > 1
    spans = any(other != keys[0] for other in keys[1:])
    return Dispute(task_id, len(by_voter), spans, stance, roles)


def status_of(
    tables: FlatTables,
    taxonomy: Taxonomy,
    *,
    project_id: int = 0,
    title: str = "",
    validation_errors: int = 0,
) -> Status:
    return Status(
        project_id=project_id,
        title=title,
        tasks=len(tables.articles),
        tasks_by_annotations=tasks_by_annotation_count(tables),
        tasks_curated=len(curated_tasks(tables)),
        annotators=annotator_counts(tables),
        disputes=find_disputes(tables),
        agreement=measure_agreement(tables, taxonomy),
        validation_errors=validation_errors,
    )


def render_status(status: Status) -> str:
    """The figures as plain text (what ``stancepack status`` prints)."""
    data = status.to_dict()
    lines = [
        f"project: {status.title} (id {status.project_id})",
        f"tasks: {status.tasks}",
        *(
            f"tasks with {n} annotation{'s' if n != 1 else ''}: {count}"
            for n, count in status.tasks_by_annotations.items()
        ),
        f"tasks curated (ground truth): {status.tasks_curated}",
    ]
    for name, counts in status.annotators.items():
        lines.append(
            f"annotator {name}: {counts.annotations} annotations, {counts.cancelled} cancelled"
            + (f", {counts.ground_truth} ground truth" if counts.ground_truth else "")
        )
    kinds = ", ".join(f"{kind} {count}" for kind, count in data["disputes_by_kind"].items())
    lines.append(f"tasks whose annotators disagree: {len(status.disputes)} ({kinds})")
    if status.validation_errors:
        lines.append(f"validation errors in the export: {status.validation_errors}")
    return "\n".join(lines) + "\n" + render_text(status.agreement)
