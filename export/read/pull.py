"""Pulling a full JSON export of a Label Studio project through label-studio-sdk.

The export is a snapshot made on the server with full prediction objects and annotators
(not ids only), every task and every annotation (cancelled and ground-truth ones too). The
output is claimed first (a staging file beside it, see `stancepack.ground.atomic.atomic_file`),
then the snapshot is made, its download streamed into the staging file, read back as a
stream to check that it is a readable full JSON export, and only then renamed into place.
The snapshot is deleted on the server once downloaded, or when the pull fails after making
it. An existing output is replaced only with ``force``.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from stancepack.ground.atomic import atomic_file
from stancepack.ground.errors import ExportError, LabelStudioError

if TYPE_CHECKING:
    from label_studio_sdk import LabelStudio

    from stancepack.ground.labelstudio.client import Connection

LOG = logging.getLogger("stancepack")
SNAPSHOT_TIMEOUT = 3600.0
DELETE_TIMEOUT = 10.0
POLL_SECONDS = 0.5
CHUNK_BYTES = 1 << 20
SNAPSHOT_TITLE = "stancepack pull"


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
    data_dir: str | Path | None = None,
    force: bool = False,
    progress: Callable[[int], None] | None = None,
    on_total: Callable[[int | None], None] | None = None,
    timeout: float = SNAPSHOT_TIMEOUT,
) -> Pulled:
    """Export project ``project_ref`` (id or exact title) into ``output``.

    ``url`` and ``data_dir`` choose the Label Studio (see `resolve_connection`); an existing
    ``output`` is replaced only with ``force``. ``on_total`` receives the download size when
    the server announces it; ``progress`` the size of each chunk received."""
    from stancepack.ground.labelstudio.client import connect, resolve_connection

    connection = resolve_connection(url, data_dir=data_dir)
    with atomic_file(output, force=force) as stream:
        client = connect(connection)
        project = find_project(client, connection, project_ref)
        with snapshot_of(client, connection, project.id, timeout) as snapshot_id:
            size = download_snapshot(
                client, connection, project.id, snapshot_id, stream, progress, on_total
            )
        stream.flush()
        tasks = count_tasks(Path(stream.name), project.id)
    return Pulled(
        path=Path(output),
        project_id=project.id,
        title=str(project.title or ""),
        tasks=tasks,
        bytes=size,
    )


def find_project(client: LabelStudio, connection: Connection, project_ref: str) -> Any:
    """The one project whose id or exact title is ``project_ref``."""
    from stancepack.ground.labelstudio.client import all_items, retrying

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


@contextlib.contextmanager
def snapshot_of(
    client: LabelStudio, connection: Connection, project_id: int, timeout: float
) -> Iterator[int]:
    """Make a snapshot export of the project on the server and wait until it is complete;
    it is deleted when the block ends, whether the block succeeds or fails."""
    snapshot_id = start_snapshot(client, connection, project_id)
    try:
        wait_for_snapshot(client, connection, project_id, snapshot_id, timeout)
        yield snapshot_id
    finally:
        delete_snapshot(client, connection, project_id, snapshot_id)


def start_snapshot(client: LabelStudio, connection: Connection, project_id: int) -> int:
    """Start a snapshot export on the server with everything a full export holds."""
    from label_studio_sdk.types import (
        LseAnnotationFilterOptionsRequest,
        LseTaskFilterOptionsRequest,
        SerializationOptionRequest,
        SerializationOptionsRequest,
    )

    from stancepack.ground.labelstudio.client import retrying

    in_full = SerializationOptionRequest(only_id=False)
    snapshot = retrying(
        lambda: client.projects.exports.create(
            project_id,
            title=SNAPSHOT_TITLE,
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
        f"export project {project_id}",
    )
    return int(snapshot.id)


def wait_for_snapshot(
    client: LabelStudio, connection: Connection, project_id: int, snapshot_id: int, timeout: float
) -> None:
    """Poll the snapshot until it is complete; its failure or ``timeout`` is an error."""
    from stancepack.ground.labelstudio.client import retrying

    action = f"export project {project_id}"
    deadline = time.monotonic() + timeout
    while True:
        status = retrying(
            lambda: client.projects.exports.get(project_id, snapshot_id), connection, action
        ).status
        if status == "completed":
            return
        if status == "failed":
            raise LabelStudioError(f"Label Studio at {connection.url} failed to {action}")
        if time.monotonic() > deadline:
            raise LabelStudioError(
                f"Label Studio at {connection.url} did not finish the export of project "
                f"{project_id} in {timeout:g} s (export {snapshot_id}, status {status})"
            )
        time.sleep(POLL_SECONDS)


def delete_snapshot(
    client: LabelStudio, connection: Connection, project_id: int, snapshot_id: int
) -> None:
    """Delete the snapshot on the server; a failure is a warning, never the error shown."""
    from stancepack.ground.labelstudio.client import describe

    try:
        client.projects.exports.delete(
            project_id, snapshot_id, request_options={"timeout": DELETE_TIMEOUT}
        )
    except Exception as error:
        reason = describe(error, connection, f"delete export {snapshot_id}")
        LOG.warning("%s of project %s; delete it in Label Studio", reason, project_id)


def download_snapshot(
    client: LabelStudio,
    connection: Connection,
    project_id: int,
    snapshot_id: int,
    stream: IO[bytes],
    progress: Callable[[int], None] | None,
    on_total: Callable[[int | None], None] | None,
) -> int:
    """Write the bytes of a completed snapshot into ``stream`` as they arrive; their count."""
    from stancepack.ground.labelstudio.client import translated_errors

    written = 0
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
            stream.write(chunk)
            written += len(chunk)
            if progress is not None:
                progress(len(chunk))
    if not written:
        raise ExportError(f"Label Studio at {connection.url} sent an empty export")
    return written


def count_tasks(path: Path, project_id: int) -> int:
    """The number of tasks of the downloaded export, read as a stream; an `ExportError` when
    it is not a readable full JSON export."""
    from stancepack.export.read.stream import stream_export

    label = f"the export of project {project_id}"
    try:
        return sum(1 for _ in stream_export(path).tasks)
    except ExportError as error:
        raise ExportError(str(error).replace(str(path), label)) from None


def _announced_size(headers: Any) -> int | None:
    value = headers.get("content-length")
    return int(value) if value and value.isdigit() else None
