"""Make the seed dataset in data/: enter the maintainers' annotations, export, package.

The annotations are judgements written in data/seed_annotations.yaml by reading each
article with the codebook. This script locates each marked span in the article text as
Label Studio holds it, enters the annotation through label-studio-sdk as the maintainer's
own result (one per task, skipped when the task already has one), pulls the full JSON
export into data/exports/ and packages it into data/dataset/.

Run it after `stancepack up` (which starts the local server and the "seed articles"
project):

    python data/make_seed_dataset.py
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from stancepack.annotate.anchored import annotation_result, load_annotations
from stancepack.schema import fields

HERE = Path(__file__).resolve().parent
ANNOTATIONS = HERE / "seed_annotations.yaml"
EXPORT = HERE / "exports" / "seed-articles.json"
DATASET = HERE / "dataset"
PROJECT = "seed articles"
CURATORS = "the stancepack project maintainers, in one annotation pass (no agreement figure)"


def enter_annotations(client: Any, project_id: int) -> tuple[int, int]:
    """Create the maintainer's annotation on every seed task that has none yet.
    Returns (entered, already there)."""
    from stancepack.annotate.articles import ingest

    by_file = load_annotations(ANNOTATIONS)
    files = {article.article_id: article.file for article in ingest([HERE / "articles"]).articles}
    entered = skipped = 0
    for task in client.tasks.list(project=project_id, fields="all"):
        if task.total_annotations:
            skipped += 1
            continue
        entries = by_file[files[task.data["article_id"]]]
        result = annotation_result(task.data[fields.TEXT], entries)
        client.annotations.create(id=task.id, result=result, was_cancelled=False)
        entered += 1
    return entered, skipped


def main() -> int:
    from click.testing import CliRunner

    from stancepack.annotate.client import connect, resolve_connection
    from stancepack.annotate.projects import find_project
    from stancepack.cli import cli

    connection = resolve_connection()
    client = connect(connection)
    project = find_project(client, connection, PROJECT)
    if project is None:
        print(f"no project {PROJECT!r}: run `stancepack up` first", file=sys.stderr)
        return 1
    entered, skipped = enter_annotations(client, project.id)
    print(f"annotations entered: {entered}, already there: {skipped}")
    runner = CliRunner()
    for args in (
        ["pull", "--project", PROJECT, "-o", str(EXPORT)],
        ["package", str(EXPORT), "-o", str(DATASET), "--force", "--curators", CURATORS],
    ):
        outcome = runner.invoke(cli, args)
        print(outcome.output, end="")
        if outcome.exit_code:
            return outcome.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
