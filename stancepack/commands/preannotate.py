"""``stancepack preannotate``: articles into a Label Studio import file with pre-annotations."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from stancepack.commands.options import force_file_option, taxonomy_option
from stancepack.commands.project import articles_argument, gazetteer_option, predictor
from stancepack.ground.atomic import atomic_file
from stancepack.ground.terminal import printable


@click.command()
@articles_argument
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Label Studio import file (JSON) to write.",
)
@taxonomy_option
@gazetteer_option
@force_file_option
def preannotate(
    articles: tuple[Path, ...],
    output: Path,
    taxonomy_path: Path | None,
    gazetteer: Path | None,
    force: bool,
) -> None:
    """Pre-annotate ARTICLES into a Label Studio import file.

    Writes a JSON list of tasks, each with the `data` that `project create` imports and
    the rule-based pre-annotator's `predictions` (actor spans, canonical names, proposed
    roles), for Label Studio's import (the Import button, or the API of any server).
    ARTICLES are .txt files or folders of them, or a .jsonl written by `stancepack
    articles ingest`. The file is written atomically; a progress bar shows on stderr.

    Example:

        stancepack preannotate data/articles -o tasks.json
    """
    from stancepack.annotate import projects
    from stancepack.schema.taxonomy import load_taxonomy

    inputs = [("articles", path) for path in articles]
    inputs += [
        (name, path)
        for name, path in (("taxonomy", taxonomy_path), ("gazetteer", gazetteer))
        if path
    ]
    with atomic_file(output, force=force, inputs=inputs) as stream:
        taxonomy = load_taxonomy(taxonomy_path)
        items = projects.read_articles(articles)
        predict = predictor(gazetteer, taxonomy_path, taxonomy)
        stream.write(b"[")
        predicted = 0
        bar = click.progressbar(items, label="pre-annotating", file=sys.stderr)
        with bar as progress:
            for index, article in enumerate(progress):
                task = projects.task_for(article, predict(article))
                predicted += "predictions" in task
                text = json.dumps(task, ensure_ascii=False, sort_keys=True)
                stream.write(f"{',' if index else ''}\n{text}".encode())
        stream.write(b"\n]\n")
    click.echo(
        printable(f"wrote {len(items)} tasks ({predicted} with pre-annotations) to {output}")
    )
