"""``stancepack pull`` and ``stancepack validate``: get a full JSON export, check it."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from stancepack.commands.options import force_file_option, format_option, taxonomy_option
from stancepack.commands.server import data_dir_option

# Tasks checked at a time by `stancepack validate` (about 30 MB of a typical export).
CHUNK_TASKS = 5_000


@click.command()
@click.argument("export", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@taxonomy_option
@format_option("text", "json")
@click.option(
    "--strict",
    is_flag=True,
    help="Spans without a stance and annotations without spans are errors.",
)
@click.option(
    "--fix-utf16-offsets",
    is_flag=True,
    help="Repair offsets counted in UTF-16 units by older Label Studio versions (each repair "
    "is reported).",
)
@click.option(
    "--chunk-tasks",
    type=click.IntRange(min=1),
    default=CHUNK_TASKS,
    show_default=True,
    help="Check this many tasks at a time; memory grows with this number, not with the export.",
)
@click.option(
    "--one-pass",
    is_flag=True,
    help="Check a large export in one pass, on one CPU (by default its two halves are "
    "checked at once on Linux with two CPUs; the report is the same).",
)
@click.pass_context
def validate(
    ctx: click.Context,
    export: Path,
    taxonomy_path: Path | None,
    output_format: str,
    strict: bool,
    fix_utf16_offsets: bool,
    chunk_tasks: int,
    one_pass: bool,
) -> None:
    """Check a Label Studio full JSON export against the taxonomy.

    Reports every problem at once, one line each (task, annotation, annotator, region,
    field, bad value, reason), then a summary. Exit code 0 when valid (warnings allowed),
    1 when invalid.

    Exports of any size: the file is read as a stream, one task at a time, and checked
    --chunk-tasks tasks at a time, keeping only the problems found and a few values per
    task (ids, article text hashes) for the checks across tasks. The report is the same
    for any chunk size; smaller chunks use less memory and take a little longer. A large
    export is cut in two halves, checked at once on Linux with two CPUs (unless
    --one-pass).

    Example:

        stancepack validate export.json --format json
    """
    from stancepack.export.validate.halves import HALVES_FROM_BYTES
    from stancepack.export.validate.report import format_json, format_text
    from stancepack.export.validate.run import validate_export
    from stancepack.schema.taxonomy import load_taxonomy

    taxonomy = load_taxonomy(taxonomy_path)
    report = validate_export(
        export,
        taxonomy,
        strict=strict,
        fix_utf16_offsets=fix_utf16_offsets,
        chunk_tasks=chunk_tasks,
        halves_from=None if one_pass else HALVES_FROM_BYTES,
    )
    text = format_json(report) if output_format == "json" else format_text(report)
    click.echo(text, nl=False)
    if not report.ok:
        ctx.exit(1)


@click.command()
@click.option(
    "--project",
    "project_ref",
    required=True,
    help="Project id, or its exact title.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="JSON file to write the export to.",
)
@click.option(
    "--url",
    default=None,
    help="Label Studio URL (default: LABEL_STUDIO_URL, or the local server).",
)
@data_dir_option
@force_file_option
def pull(
    project_ref: str, output: Path, url: str | None, data_dir: Path | None, force: bool
) -> None:
    """Download a full JSON export of a Label Studio project, with full predictions.

    The export is a snapshot made on the server, streamed into a staging file beside the
    output, checked to be a readable export and only then renamed into place; the
    snapshot is deleted on the server afterwards. An existing output file is replaced
    only with --force; an interrupted pull leaves no partial file.

    Example:

        stancepack pull --project "seed articles" -o export.json
    """
    from stancepack.export.read.pull import pull_export

    progress = DownloadProgress()
    try:
        outcome = pull_export(
            project_ref, output, url=url, data_dir=data_dir, force=force,
            progress=progress.advance, on_total=progress.start,
        )  # fmt: skip
    finally:
        progress.finish()
    click.echo(
        f"wrote {outcome.path}: project {outcome.project_id} ({outcome.title}), "
        f"{outcome.tasks} tasks, {outcome.bytes} bytes"
    )


class DownloadProgress:
    """Bytes received so far, on standard error; redrawn in place on a terminal."""

    def __init__(self) -> None:
        self.total: int | None = None
        self.received = 0
        self.started = False
        self.interactive = sys.stderr.isatty()

    def start(self, total: int | None) -> None:
        self.total, self.started = total, True
        self._show()

    def advance(self, size: int) -> None:
        self.received += size
        if self.interactive:
            self._show()

    def finish(self) -> None:
        if self.started:
            if not self.interactive:
                self._show()
            click.echo("", err=True)

    def _show(self) -> None:
        shown = f"downloading export: {_megabytes(self.received)}"
        if self.total:
            percent = 100 * self.received // self.total
            shown += f" of {_megabytes(self.total)} ({percent}%)"
        prefix = "\r" if self.interactive else ""
        click.echo(prefix + shown, err=True, nl=not self.interactive)


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"
