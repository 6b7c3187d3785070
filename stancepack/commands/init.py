"""``stancepack init``: a new debate folder in one command."""

from __future__ import annotations

from pathlib import Path

import click

from stancepack.annotate.debate import InitReport, init_debate
from stancepack.commands.articles import column_option, echo_report
from stancepack.commands.gazetteer import min_count_option
from stancepack.ground.terminal import printable


@click.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--proposition",
    required=True,
    help='The proposition actors take stances on, e.g. "Nuclear power should count as a '
    'sustainable investment in the EU taxonomy".',
)
@click.option("--title", default=None, help="Short title of the debate (default: the proposition).")
@click.option(
    "--articles",
    "article_paths",
    multiple=True,
    type=click.Path(exists=True, path_type=Path),
    help="Articles to ingest: .txt, saved pages (.html), folders of them, .csv or .jsonl "
    "corpora (repeatable).",
)
@column_option
@min_count_option
@click.option(
    "--force",
    is_flag=True,
    help="Replace a debate folder init wrote, if none of its files was changed or added since.",
)
def init(
    folder: Path,
    proposition: str,
    title: str | None,
    article_paths: tuple[Path, ...],
    columns: dict[str, str],
    min_count: int,
    force: bool,
) -> None:
    """Start a new debate in FOLDER: its taxonomy, its articles and their actors.

    Writes taxonomy.yaml (generic actor types, stances, relations and mention rules with
    their definitions, the proposition, and a commented form for the debate's roles),
    articles/articles.jsonl (the articles given, ingested) and actors.yaml (the actors
    they name, as `stancepack gazetteer suggest` proposes them, for review). An existing
    folder is never written into; --force replaces only one that init wrote, unchanged.

    Example:

    \b
        stancepack init nuclear --proposition "Nuclear power should count as a
          sustainable investment in the EU taxonomy" --articles corpus.jsonl --articles pages/
    """
    report = init_debate(
        folder,
        proposition,
        title=title,
        article_paths=article_paths,
        columns=columns,
        min_count=min_count,
        force=force,
    )
    if report.ingested is not None:
        echo_report(report.ingested)
    for warning in report.warnings:
        click.echo(printable(f"warning: {warning}"), err=True)
    echo_written(report)


def echo_written(report: InitReport) -> None:
    """What was written, and the commands that come next."""
    debate = report.debate
    click.echo(printable(f"wrote {debate.taxonomy}"))
    if report.ingested is not None:
        click.echo(printable(f"wrote {debate.articles_table} ({report.articles} articles)"))
    if report.actors:
        click.echo(printable(f"wrote {debate.gazetteer} ({report.actors} actors to review)"))
    click.echo("next:")
    click.echo(printable(f"  edit {debate.taxonomy}: write the debate's roles and examples"))
    if report.actors:
        click.echo(printable(f"  review {debate.gazetteer}: names, types and aliases"))
    if report.ingested is None:
        click.echo(printable(f"  put articles (.txt, saved .html pages) into {debate.articles}"))
    click.echo(printable(f"  stancepack schema show --taxonomy {debate.taxonomy}"))
    click.echo(printable(f"  stancepack up --debate {debate.folder}"))
