"""``stancepack gazetteer``: propose the actors of a corpus as a gazetteer file."""

from __future__ import annotations

from pathlib import Path

import click

from stancepack.annotate.articles import ingest
from stancepack.annotate.suggest import DEFAULT_MIN_COUNT, render_suggestions, suggest_actors
from stancepack.commands.articles import echo_warnings
from stancepack.commands.options import force_file_option
from stancepack.ground.atomic import atomic_file
from stancepack.ground.terminal import printable

min_count_option = click.option(
    "--min-count",
    type=click.IntRange(min=1),
    default=DEFAULT_MIN_COUNT,
    show_default=True,
    help="Leave out actors named fewer times in the articles.",
)


@click.group()
def gazetteer() -> None:
    """Propose the actors of a corpus as a gazetteer file.

    Example:

        stancepack gazetteer suggest data/articles -o actors.yaml
    """


@gazetteer.command("suggest")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Gazetteer YAML file to write.",
)
@min_count_option
@force_file_option
def suggest(paths: tuple[Path, ...], output: Path, min_count: int, force: bool) -> None:
    """Propose the actors the articles name, for a person to review.

    Titled people ("Defence Secretary John Healey") and people beside a reporting verb
    ("Rym Momtaz said"), countries and international organisations of the base
    gazetteer, organisations named with a head word (Ministry, Council, Party, Agency,
    ...) and acronyms: one entry per actor with its forms, most mentioned first, each
    entry's count and an example sentence as comments. The file is a gazetteer that
    --gazetteer accepts as it is; it is written atomically.

    Example:

        stancepack gazetteer suggest data/articles -o actors.yaml --min-count 2
    """
    inputs = [("articles", path) for path in paths]
    with atomic_file(output, force=force, inputs=inputs) as stream:
        report = ingest(paths)
        echo_warnings(report)
        suggestions = suggest_actors([article.text for article in report.articles], min_count)
        stream.write(render_suggestions(suggestions).encode("utf-8"))
    click.echo(printable(f"wrote {len(suggestions.actors)} actors to {output}"))
