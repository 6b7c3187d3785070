"""``stancepack package``, ``agreement`` and ``rehydrate``: the Hugging Face dataset."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from stancepack.commands.options import format_option, taxonomy_option
from stancepack.commands.server import data_dir_option

if TYPE_CHECKING:
    from stancepack.export.validate.checks import ValidationReport


class RatiosType(click.ParamType):
    """``train,validation,test`` ratios: three non-negative numbers that sum to 1."""

    name = "TRAIN,VAL,TEST"

    def convert(self, value: Any, param: Any, ctx: Any) -> tuple[float, float, float]:
        if isinstance(value, tuple):
            return value
        from stancepack.export.dataset.splits import parse_ratios

        try:
            return parse_ratios(str(value))
        except ValueError as error:
            self.fail(str(error), param, ctx)


output_dir_option = click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder to write the dataset to (refused if it exists and is not empty, or if it "
    "is, holds or lies inside an input).",
)
force_option = click.option(
    "--force",
    is_flag=True,
    help="Replace the output folder when it holds only what an earlier run of this command "
    "wrote there (listed in its stancepack-files.json); anything else is refused, never deleted.",
)


def rows_line(rows: dict[str, dict[str, int]]) -> str:
    parts = []
    for config, by_split in rows.items():
        splits = ", ".join(f"{split} {count}" for split, count in by_split.items() if count)
        parts.append(f"{config} {sum(by_split.values())}" + (f" ({splits})" if splits else ""))
    return "; ".join(parts)


def pull_first(
    project_ref: str, export: Path, url: str | None, data_dir: Path | None, force: bool
) -> str:
    """Pull a full export of the project into ``export``; returns the export time (UTC)."""
    from stancepack.export.read.pull import pull_export

    pulled = pull_export(project_ref, export, url=url, data_dir=data_dir, force=force)
    click.echo(
        f"pulled project {pulled.project_id} ({pulled.title}): {pulled.tasks} tasks "
        f"into {pulled.path}",
        err=True,
    )
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@click.command()
@click.argument("export", type=click.Path(dir_okay=False, path_type=Path))
@output_dir_option
@taxonomy_option
@click.option(
    "--splits",
    "ratios",
    type=RatiosType(),
    default="0.8,0.1,0.1",
    show_default=True,
    help="Train, validation and test ratios (per story), summing to 1.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the split order.")
@click.option(
    "--text",
    "text_mode",
    type=click.Choice(["full", "standoff"]),
    default="full",
    show_default=True,
    help="standoff: publish offsets, text hashes and URLs, not the article texts.",
)
@force_option
@click.option("--strict", is_flag=True, help="Validate with --strict (see stancepack validate).")
@click.option(
    "--fix-utf16-offsets",
    is_flag=True,
    help="Repair offsets counted in UTF-16 units by older Label Studio versions.",
)
@click.option(
    "--project",
    "project_ref",
    default=None,
    help="Pull this Label Studio project (id or title) into EXPORT first (an existing EXPORT "
    "is replaced only with --force).",
)
@click.option(
    "--url", default=None, help="Label Studio URL for --project (default: the local server)."
)
@data_dir_option
@click.option(
    "--no-figures",
    is_flag=True,
    help="Leave out the dataset's figures (figures/, shown in the card).",
)
@click.option(
    "--curators",
    default="",
    help="Who curated and annotated the data, for the card (e.g. 'the project maintainers').",
)
def package(
    export: Path,
    output: Path,
    taxonomy_path: Path | None,
    ratios: tuple[float, float, float],
    seed: int,
    text_mode: str,
    force: bool,
    strict: bool,
    fix_utf16_offsets: bool,
    project_ref: str | None,
    url: str | None,
    data_dir: Path | None,
    no_figures: bool,
    curators: str,
) -> None:
    """Package a validated export as a Hugging Face dataset folder.

    Validates EXPORT first and refuses it when it has errors (the report is shown;
    warnings are listed and allowed). Writes parquet files per config and split and a
    dataset card (README.md) that datasets.load_dataset(DIR, CONFIG) reads offline, and
    the dataset's figures (figures/, shown in the card; --no-figures leaves them out).
    Configs: mentions (default), articles, relations, annotations, actors.

    Example:

        stancepack package export.json -o dataset --splits 0.8,0.1,0.1 --seed 0
    """
    from stancepack.export.dataset.package import PackageOptions, package_export
    from stancepack.export.validate.report import format_text
    from stancepack.schema.taxonomy import load_taxonomy

    def show_report(report: ValidationReport) -> None:
        if report.issues:
            click.echo(format_text(report), err=True, nl=False)

    taxonomy = load_taxonomy(taxonomy_path)
    export_time = pull_first(project_ref, export, url, data_dir, force) if project_ref else ""
    result = package_export(
        export,
        output,
        taxonomy,
        PackageOptions(
            ratios=ratios, seed=seed, text=text_mode, curators=curators, figures=not no_figures
        ),
        strict=strict,
        fix_utf16_offsets=fix_utf16_offsets,
        force=force,
        export_time=export_time,
        on_report=show_report,
    )
    click.echo(f"wrote {result.path}: {rows_line(result.rows)}")


@click.command()
@click.argument("export", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@taxonomy_option
@format_option("text", "json")
def agreement(export: Path, taxonomy_path: Path | None, output_format: str) -> None:
    """Inter-annotator agreement of an export: the figures the dataset card gives.

    Krippendorff's alpha for stance and for each role on mentions marked by two or more
    annotators (same span, same actor type), and span F1 between each pair of annotators.
    Annotators are shown by their Label Studio identity (the card uses pseudonyms).

    Example:

        stancepack agreement export.json --format json
    """
    from stancepack.export.dataset.agreement import measure_agreement, render_text
    from stancepack.export.dataset.package import refuse_invalid, validate_file
    from stancepack.export.validate.report import format_text
    from stancepack.schema.taxonomy import load_taxonomy

    taxonomy = load_taxonomy(taxonomy_path)
    report, _ = validate_file(export, taxonomy)
    if not report.ok:
        click.echo(format_text(report), err=True, nl=False)
    refuse_invalid(report, "agreement not measured")
    figures = measure_agreement(report.whole_tables(), taxonomy)
    if output_format == "json":
        click.echo(json.dumps(figures.to_dict(), indent=2, sort_keys=True, ensure_ascii=False))
    else:
        click.echo(render_text(figures), nl=False)


@click.command()
@click.argument("dataset", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--articles",
    "article_paths",
    multiple=True,
    required=True,
    type=click.Path(exists=True, path_type=Path),
    help="Your copies of the articles: .txt files or folders (repeatable).",
)
@click.option(
    "--manifest",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Manifest CSV of the articles (default: manifest.csv in the folder).",
)
@output_dir_option
@force_option
def rehydrate(
    dataset: Path,
    article_paths: tuple[Path, ...],
    manifest: Path | None,
    output: Path,
    force: bool,
) -> None:
    """Restore the article texts into a dataset packaged with --text standoff.

    Reads your copies of the articles as `stancepack articles ingest` does, matches them
    by the sha256 of their text, and refuses any article whose text no copy matches
    (offsets would not fit). The result is the dataset --text full would have given.

    Example:

        stancepack rehydrate dataset --articles my-articles/ -o dataset-full
    """
    from stancepack.export.dataset.package import rehydrate as rehydrate_dataset

    result = rehydrate_dataset(
        dataset,
        article_paths,
        output,
        read_texts=texts_by_hash,
        manifest=manifest,
        force=force,
    )
    articles = sum(result.rows["articles"].values())
    click.echo(f"wrote {result.path}: {articles} articles with their texts")


def texts_by_hash(
    article_paths: Sequence[str | Path], manifest: str | Path | None
) -> dict[str, Any]:
    """The user's articles, read with ``stancepack articles ingest``, by text sha256."""
    from stancepack.annotate.articles import ingest

    report = ingest(list(article_paths), manifest=manifest)
    for warning in report.warnings:
        logging.getLogger("stancepack").warning(warning)
    return {article.text_sha256: article for article in report.articles}
