"""``stancepack network`` and ``stancepack plot``: discourse networks and figures of a dataset."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from stancepack.export.dataset.figures import DEFAULT_TOP, KINDS, SUFFIXES, counted
from stancepack.export.dataset.network import FORMATS, NORMALIZATIONS, TYPES

if TYPE_CHECKING:
    from stancepack.export.dataset.network import NetworkResult

force_option = click.option("--force", is_flag=True, help="Replace the output if it exists.")


class DayType(click.ParamType):
    """A calendar date, YYYY-MM-DD."""

    name = "YYYY-MM-DD"

    def convert(self, value: Any, param: Any, ctx: Any) -> date:
        if isinstance(value, date):
            return value
        try:
            return datetime.strptime(str(value), "%Y-%m-%d").date()
        except ValueError:
            self.fail(f"{value!r} is not a date YYYY-MM-DD", param, ctx)


def dataset_argument(function: Any) -> Any:
    return click.argument("dataset", type=click.Path(exists=True, file_okay=False, path_type=Path))(
        function
    )


def undated_line(result: NetworkResult) -> str:
    if not result.undated_articles:
        return ""
    articles = counted(result.undated_articles, "article")
    what = f"{articles} without a date ({counted(result.undated_statements, 'statement')})"
    if result.undated_kept:
        return f"{what}: kept"
    return f"{what}: left out, as a date range or windows were asked for"


def network_line(result: NetworkResult) -> str:
    rows = result.networks
    if len(rows) == 1 and not rows[0]["window"]:
        row = rows[0]
        return (
            f"wrote {result.path}: {result.kind} network, {counted(row['nodes'], 'node')}, "
            f"{counted(row['edges'], 'edge')}, from {counted(row['statements'], 'statement')}"
        )
    return (
        f"wrote {result.path}: {len(rows)} {result.kind} networks, one per window "
        f"(index windows.csv), from {counted(result.statements, 'statement')}"
    )


@click.command()
@dataset_argument
@click.option("--type", "kind", type=click.Choice(TYPES), required=True, help="Network type.")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(FORMATS),
    default="graphml",
    show_default=True,
    help="graphml or gexf (a file), csv (a folder with nodes.csv and edges.csv).",
)
@click.option(
    "-o", "--output", type=click.Path(path_type=Path), required=True, help="File or folder."
)
@click.option(
    "--normalize",
    "normalization",
    type=click.Choice(NORMALIZATIONS),
    default="none",
    show_default=True,
    help="Edge weight normalisation of congruence and conflict networks, as DNA's.",
)
@click.option("--from", "start", type=DayType(), default=None, help="Keep articles from this date.")
@click.option("--to", "end", type=DayType(), default=None, help="Keep articles up to this date.")
@click.option(
    "--window",
    "window_days",
    type=click.IntRange(min=1),
    metavar="DAYS",
    default=None,
    help="One network per window of DAYS days, into the folder -o.",
)
@click.option(
    "--step",
    "step_days",
    type=click.IntRange(min=1),
    metavar="DAYS",
    default=None,
    help="Days between window starts (default: --window, windows side by side).",
)
@force_option
def network(
    dataset: Path,
    kind: str,
    output_format: str,
    output: Path,
    normalization: str,
    start: date | None,
    end: date | None,
    window_days: int | None,
    step_days: int | None,
    force: bool,
) -> None:
    """Write a discourse network of a packaged dataset (DNA's statements and networks).

    Each mention with a stance states the proposition with its stance (neutral states
    nothing) and each role it proposes. Types: actor-stance and actor-role (two-mode,
    weight = statements), congruence (actors sharing a concept and qualifier) and
    conflict (positive against negative polarity). Nodes are actors, by name. Articles
    without a date are kept unless --from, --to or --window is given.

    Example:

        stancepack network dataset --type congruence -o congruence.graphml
    """
    from stancepack.export.dataset.network import NetworkRequest, Period, Windows, write_network

    if step_days is not None and window_days is None:
        raise click.UsageError("--step needs --window")
    windows = Windows(window_days, step_days or window_days) if window_days else None
    request = NetworkRequest(kind, output_format, normalization, Period(start, end), windows)
    result = write_network(dataset, output, request, force=force)
    click.echo(network_line(result))
    if undated_line(result):
        click.echo(undated_line(result), err=True)


def image_path(ctx: click.Context, param: click.Parameter, value: Path) -> Path:
    if value.suffix.lower() not in SUFFIXES:
        raise click.BadParameter(
            f"{value}: name a .png or .svg file (the suffix chooses the format)", ctx, param
        )
    return value


@click.command()
@dataset_argument
@click.option("--kind", type=click.Choice(KINDS), required=True, help="Figure to draw.")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    callback=image_path,
    help="FILE.png or FILE.svg.",
)
@click.option(
    "--top",
    type=click.IntRange(min=1),
    metavar="N",
    default=DEFAULT_TOP,
    show_default=True,
    help="Actors shown (the most active) in actor-roles and network figures.",
)
@force_option
def plot(dataset: Path, kind: str, output: Path, top: int, force: bool) -> None:
    """Draw a figure of a packaged dataset, as PNG or SVG (same dataset, same file).

    Kinds: stance-by-outlet (stacked bars of mentions per stance and outlet),
    actor-roles (heatmap of the most active actors' proposed roles), stance-over-time
    (statements per stance per week or month), network (the congruence network, nodes
    coloured by each actor's most frequent stance).

    Example:

        stancepack plot dataset --kind stance-by-outlet -o stances.png
    """
    from stancepack.export.dataset.figures import write_plot

    figure = write_plot(dataset, output, kind, top=top, force=force)
    click.echo(f"wrote {figure.path}: {figure.description}")
