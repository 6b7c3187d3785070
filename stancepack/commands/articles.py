"""``stancepack articles``: ingest and list news articles."""

from __future__ import annotations

import json
from pathlib import Path

import click

from stancepack.annotate.articles import IngestReport, ingest, validate_articles, write_records
from stancepack.annotate.corpus import FIELDS, parse_column_map
from stancepack.commands.options import force_file_option, format_option
from stancepack.ground.atomic import atomic_file
from stancepack.ground.errors import ArticleError
from stancepack.ground.terminal import printable, printable_json

paths_argument = click.argument(
    "paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path)
)
manifest_option = click.option(
    "--manifest",
    type=click.Path(path_type=Path),
    default=None,
    help="CSV with file, source, url, published, language (default: manifest.csv in the folder).",
)
encoding_option = click.option(
    "--encoding",
    default="utf-8",
    show_default=True,
    help="Text encoding of .txt, .csv and .jsonl files (saved pages declare their own).",
)


def _column_map(
    ctx: click.Context, param: click.Parameter, pairs: tuple[str, ...]
) -> dict[str, str]:
    try:
        return parse_column_map(pairs)
    except ArticleError as problem:
        raise click.BadParameter(str(problem)) from None


column_option = click.option(
    "--column",
    "columns",
    multiple=True,
    metavar="FIELD=NAME",
    callback=_column_map,
    help=(
        f"Read a field ({', '.join(FIELDS)}) of .csv and .jsonl corpora from another "
        "column, e.g. text=body (repeatable)."
    ),
)


@click.group()
def articles() -> None:
    """Ingest and list news articles.

    Example:

        stancepack articles ingest data/articles -o articles.jsonl
    """


@articles.command("ingest")
@paths_argument
@manifest_option
@encoding_option
@column_option
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="JSON Lines file to write, one article per line.",
)
@force_file_option
def ingest_command(
    paths: tuple[Path, ...],
    manifest: Path | None,
    encoding: str,
    columns: dict[str, str],
    output: Path,
    force: bool,
) -> None:
    """Read articles into a JSON Lines table: .txt files, saved pages (.html, .htm),
    folders of them, and corpora of one article a row (.csv, .jsonl).

    Corpora have a text column and optional title, url, published, source and language
    columns (other columns are left out with a warning). Text and metadata of saved pages
    are extracted without the page's navigation, ads and comments. A .txt article's title
    is its first line. Layout noise is removed; ids derive from a hash of the text. Exact
    duplicates are kept once, near-duplicates share a story_id. The output is written
    atomically: an interrupted run leaves any earlier output as it was.

    Example:

        stancepack articles ingest corpus.csv --column text=body -o articles.jsonl
    """
    inputs = [("articles", path) for path in paths] + [("manifest", manifest)]
    with atomic_file(output, force=force, inputs=inputs) as stream:
        report = ingest(paths, manifest=manifest, encoding=encoding, columns=columns)
        validate_articles(report.articles)
        echo_report(report)
        write_records(stream, report.articles)
    click.echo(printable(f"wrote {len(report.articles)} articles to {output}"))


def echo_report(report: IngestReport) -> None:
    """Print the skipped entries, duplicates and near-duplicates on stderr."""
    echo_warnings(report)
    for dropped, kept in report.exact_duplicates:
        click.echo(
            printable(f"duplicate: {dropped} has the same text as {kept}; kept once"), err=True
        )
    for left, right, similarity in report.near_duplicates:
        click.echo(
            printable(f"near-duplicate: {left} ~ {right} (jaccard {similarity}); same story_id"),
            err=True,
        )


@articles.command("list")
@paths_argument
@manifest_option
@encoding_option
@column_option
@format_option("table", "json")
def list_command(
    paths: tuple[Path, ...],
    manifest: Path | None,
    encoding: str,
    columns: dict[str, str],
    output_format: str,
) -> None:
    """List articles: id, source, published date, title and length in characters.

    Example:

        stancepack articles list data/articles --format json
    """
    report = ingest(paths, manifest=manifest, encoding=encoding, columns=columns)
    echo_warnings(report)
    rows = [
        {
            "article_id": a.article_id,
            "source": a.source,
            "published": a.published,
            "title": a.title,
            "characters": len(a.text),
        }
        for a in report.articles
    ]
    if output_format == "json":
        click.echo(printable_json(json.dumps(rows, indent=2, ensure_ascii=False)))
        return
    click.echo(f"{'article_id':<16}  {'source':<24}  {'published':<10}  {'chars':>6}  title")
    for row in rows:
        click.echo(
            printable(
                f"{row['article_id']:<16}  {row['source'][:24]:<24}  {row['published']:<10}  "
                f"{row['characters']:>6}  {row['title']}"
            )
        )


def echo_warnings(report: IngestReport) -> None:
    """Print each entry the ingestion skipped, and why, on stderr."""
    for warning in report.warnings:
        click.echo(printable(f"warning: {warning}"), err=True)
