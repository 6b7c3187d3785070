"""Pulling a full JSON export of a Label Studio project through label-studio-sdk.

The export is a snapshot made on the server with full prediction objects and annotators
(not ids only), every task and every annotation (cancelled and ground-truth ones too). The
download is streamed, checked to be a readable full JSON export, and only then written,
atomically.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from stancepack.atomic import atomic_write_bytes
from stancepack.errors import ExportError, LabelStudioError
from stancepack.export.reader import parse_export

if TYPE_CHECKING:
    from label_studio_sdk import LabelStudio

    from stancepack.annotate.client import Connection

SNAPSHOT_TIMEOUT = 3600.0
POLL_SECONDS = 0.5
CHUNK_BYTES = 1 << 20


@dataclass(frozen=True)
class Pulled:
    """What `pull_export` wrote."""

    path: Path
    project_id: int
    title: str
    tasks: int
    bytes: int


def pull_export(
    project_ref: str,
    output: str | Path,
    *,
    url: str | None = None,
    progress: Callable[[int], None] | None = None,
    on_total: Callable[[int | None], None] | None = None,
    timeout: float = SNAPSHOT_TIMEOUT,
) -> Pulled:
    """Export project ``project_ref`` (id or exact title) into ``output``.

    ``on_total`` receives the download size when the server announces it; ``progress`` the
    size of each chunk received."""
    from stancepack.annotate.client import connect, resolve_connection

    connection = resolve_connection(url)
    client = connect(connection)
    project = find_project(client, connection, project_ref)
    snapshot_id = create_snapshot(client, connection, project.id, timeout)
    data = download_snapshot(client, connection, project.id, snapshot_id, progress, on_total)
    export = parse_export(data, f"the export of project {project.id}")
    path = atomic_write_bytes(output, data)
    return Pulled(
        path=path,
        project_id=project.id,
        title=str(project.title or ""),
        tasks=len(export.tasks),
        bytes=len(data),
    )


def find_project(client: LabelStudio, connection: Connection, project_ref: str) -> Any:
    """The one project whose id or exact title is ``project_ref``."""
    from stancepack.annotate.client import all_items, retrying

    reference = project_ref.strip()
    projects = retrying(
        lambda: all_items(client.projects.list(page_size=100), connection, "projects"),
        connection,
        "list projects",
    )
    if reference.isdigit():
        by_id = [project for project in projects if project.id == int(reference)]
        if by_id:
            return by_id[0]
    named = [project for project in projects if project.title == reference]
    if len(named) == 1:
        return named[0]
    if len(named) > 1:
        ids = ", ".join(str(project.id) for project in sorted(named, key=lambda p: p.id))
        raise LabelStudioError(
            f"{len(named)} projects at {connection.url} are titled {reference!r} (ids {ids}); "
            "pass --project with the id"
        )
    raise LabelStudioError(f"no project {reference!r} at {connection.url} (by id or title)")


def create_snapshot(
    client: LabelStudio, connection: Connection, project_id: int, timeout: float
) -> int:
    """Start a snapshot export on the server and wait until it is complete."""
    from label_studio_sdk.types import (
        LseAnnotationFilterOptionsRequest,
        LseTaskFilterOptionsRequest,
        SerializationOptionRequest,
        SerializationOptionsRequest,
    )

    from stancepack.annotate.client import retrying

    in_full = SerializationOptionRequest(only_id=False)
    action = f"export project {project_id}"
    snapshot = retrying(
        lambda: client.projects.exports.create(
            project_id,
            title="stancepack pull",
            # predictions and annotators as objects, not ids
            serialization_options=SerializationOptionsRequest(
                predictions=in_full, annotations_completed_by=in_full
            ),
            # every annotation: usual, ground truth and cancelled ones; every task
            annotation_filter_options=LseAnnotationFilterOptionsRequest(
                usual=True, ground_truth=True, skipped=True
            ),
            task_filter_options=LseTaskFilterOptionsRequest(only_with_annotations=False),
        ),
        connection,
        action,
    )
    snapshot_id = snapshot.id
    deadline = time.monotonic() + timeout
    status = snapshot.status
    while status != "completed":
        if status == "failed":
            raise LabelStudioError(f"Label Studio at {connection.url} failed to {action}")
        if time.monotonic() > deadline:
            raise LabelStudioError(
                f"Label Studio at {connection.url} did not finish the export of project "
                f"{project_id} in {timeout:g} s (export {snapshot_id}, status {status})"
            )
        time.sleep(POLL_SECONDS)
        status = retrying(
            lambda: client.projects.exports.get(project_id, snapshot_id), connection, action
        ).status
    return int(snapshot_id)


def download_snapshot(
    client: LabelStudio,
    connection: Connection,
    project_id: int,
    snapshot_id: int,
    progress: Callable[[int], None] | None,
    on_total: Callable[[int | None], None] | None,
) -> bytes:
    """The bytes of a completed snapshot, read in chunks."""
    from stancepack.annotate.client import translated_errors

    chunks: list[bytes] = []
    with (
        translated_errors(connection, f"download the export of project {project_id}"),
        client.projects.exports.with_raw_response.download(
            project_id,
            snapshot_id,
            export_type="JSON",
            request_options={"chunk_size": CHUNK_BYTES},
        ) as response,
    ):
        if on_total is not None:
            on_total(_announced_size(response.response.headers))
        for chunk in response.data:
            chunks.append(chunk)
            if progress is not None:
                progress(len(chunk))
    data = b"".join(chunks)
    if not data:
        raise ExportError(f"Label Studio at {connection.url} sent an empty export")
    return data


def _announced_size(headers: Any) -> int | None:
    value = headers.get("content-length")
    return int(value) if value and value.isdigit() else None
