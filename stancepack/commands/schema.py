"""``stancepack schema``: the taxonomy and the codebook."""

from __future__ import annotations

import json
from pathlib import Path

import click

from stancepack.commands.options import force_file_option, format_option, taxonomy_option
from stancepack.ground.atomic import atomic_write_text
from stancepack.schema.codebook import render_html, render_markdown
from stancepack.schema.taxonomy import VOCABULARIES, load_taxonomy


@click.group()
def schema() -> None:
    """Show the taxonomy and render the codebook.

    Example:

        stancepack schema show --format json
    """


@schema.command()
@taxonomy_option
@format_option("text", "json")
def show(taxonomy_path: Path | None, output_format: str) -> None:
    """Show the proposition, the vocabularies and the taxonomy version hash.

    Example:

        stancepack schema show --taxonomy my-debate.yaml --format json
    """
    taxonomy = load_taxonomy(taxonomy_path)
    summary = taxonomy.summary()
    if output_format == "json":
        click.echo(json.dumps(summary, indent=2, ensure_ascii=False))
        return
    click.echo(f"taxonomy:    {summary['name']} (version {summary['version']})")
    click.echo(f"proposition: {summary['proposition']}")
    for vocabulary in VOCABULARIES:
        click.echo(f"{vocabulary + ':':<12} {', '.join(summary[vocabulary])}")


@schema.command()
@taxonomy_option
@format_option("md", "html")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write to this file instead of standard output.",
)
@force_file_option
def codebook(
    taxonomy_path: Path | None, output_format: str, output: Path | None, force: bool
) -> None:
    """Render the annotation codebook as Markdown or HTML.

    Example:

        stancepack schema codebook --format html -o codebook.html
    """
    taxonomy = load_taxonomy(taxonomy_path)
    text = render_markdown(taxonomy) if output_format == "md" else render_html(taxonomy)
    if output is None:
        click.echo(text, nl=False)
    else:
        atomic_write_text(output, text, force=force, inputs={"taxonomy": taxonomy.source})
        click.echo(f"wrote {output}", err=True)
