"""``stancepack project`` (create, sync) and ``stancepack up``: articles into Label Studio."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from stancepack.commands.options import taxonomy_option
from stancepack.commands.server import data_dir_option, database_option, print_login, say
from stancepack.ground.labelstudio import server as local

if TYPE_CHECKING:
    from label_studio_sdk import LabelStudio

    from stancepack.annotate.projects import Predictor, SyncReport
    from stancepack.ground.labelstudio.client import Connection
    from stancepack.ground.labelstudio.database import DatabaseUrl
    from stancepack.schema.taxonomy import Taxonomy

DEFAULT_ARTICLES = Path("data") / "articles"

name_argument = click.argument("name")
articles_argument = click.argument(
    "articles", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path)
)
url_option = click.option(
    "--url",
    default=None,
    help="Label Studio URL (default: LABEL_STUDIO_URL, else the local server). "
    "The API token is read from LABEL_STUDIO_API_KEY, never from an option.",
)
gazetteer_option = click.option(
    "--gazetteer",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Actor gazetteer the pre-annotator uses (default: actors.yaml beside the "
    "--taxonomy file, or data/actors.yaml with the packaged taxonomy, when it exists; "
    "else the packaged base gazetteer of countries and organisations).",
)
no_preannotate_option = click.option(
    "--no-preannotate", is_flag=True, help="Import the tasks without pre-annotations."
)
overlap_option = click.option(
    "--overlap",
    type=click.IntRange(min=1),
    default=None,
    help="Annotators per task: Label Studio's labeling stream gives each task to this many "
    "different annotators (the project's maximum_annotations).",
)
batch_size_option = click.option(
    "--batch-size",
    type=click.IntRange(min=1),
    default=500,
    show_default=True,
    help="Tasks per import request.",
)


@click.group()
def project() -> None:
    """Create and sync Label Studio projects from articles.

    ARTICLES are .txt files or folders of them, or a .jsonl written by
    `stancepack articles ingest`.

    Example:

        stancepack project create "my articles" data/articles
    """


@project.command()
@name_argument
@articles_argument
@url_option
@data_dir_option
@taxonomy_option
@gazetteer_option
@no_preannotate_option
@overlap_option
@batch_size_option
def create(
    name: str,
    articles: tuple[Path, ...],
    url: str | None,
    data_dir: Path | None,
    taxonomy_path: Path | None,
    gazetteer: Path | None,
    no_preannotate: bool,
    overlap: int | None,
    batch_size: int,
) -> None:
    """Create project NAME and import every article as a task, with pre-annotations.

    The project gets the labeling config and the codebook (as instructions) of the
    taxonomy, and the taxonomy version in its description.

    Example:

        stancepack project create "seed articles" data/articles --url http://ls.example.org
    """
    from stancepack.annotate import projects
    from stancepack.ground.labelstudio.client import connect, resolve_connection
    from stancepack.schema.taxonomy import load_taxonomy

    taxonomy = load_taxonomy(taxonomy_path)
    items = projects.read_articles(articles)
    predict = None if no_preannotate else predictor(gazetteer, taxonomy_path, taxonomy)
    connection = resolve_connection(url, data_dir=data_dir)
    client = connect(connection)
    report = projects.create_project(
        client, connection, name, items, taxonomy,
        predict=predict, batch_size=batch_size, on_progress=say,
    )  # fmt: skip
    apply_overlap(client, connection, report, overlap)
    click.echo(
        f"created project {name!r} (id {report.project_id}): {report.added} tasks, "
        f"{report.predictions} pre-annotations"
    )
    click.echo(projects.project_url(connection, report.project_id))


@project.command()
@name_argument
@articles_argument
@click.option(
    "--update-config",
    is_flag=True,
    help="Update the project's labeling config when its taxonomy version differs.",
)
@url_option
@data_dir_option
@taxonomy_option
@gazetteer_option
@no_preannotate_option
@overlap_option
@batch_size_option
def sync(
    name: str,
    articles: tuple[Path, ...],
    update_config: bool,
    url: str | None,
    data_dir: Path | None,
    taxonomy_path: Path | None,
    gazetteer: Path | None,
    no_preannotate: bool,
    overlap: int | None,
    batch_size: int,
) -> None:
    """Add the articles that project NAME does not have yet (by article_id).

    Never duplicates a task: re-run it to finish an interrupted import. Two runs at once
    on the local server take turns (a lock per project in its data folder); on another
    server the tasks present are listed again before each batch. When the project
    was made with another taxonomy version it says so and leaves the labeling config
    alone, unless --update-config.

    Example:

        stancepack project sync "seed articles" articles.jsonl
    """
    from stancepack.annotate import projects
    from stancepack.ground.labelstudio.client import connect, resolve_connection
    from stancepack.schema.taxonomy import load_taxonomy

    taxonomy = load_taxonomy(taxonomy_path)
    items = projects.read_articles(articles)
    predict = None if no_preannotate else predictor(gazetteer, taxonomy_path, taxonomy)
    connection = resolve_connection(url, data_dir=data_dir)
    client = connect(connection)
    report = projects.sync_project(
        client, connection, name, items, taxonomy,
        update_config=update_config, predict=predict, batch_size=batch_size, on_progress=say,
    )  # fmt: skip
    apply_overlap(client, connection, report, overlap)
    warn_taxonomy(report)
    click.echo(
        f"project {name!r} (id {report.project_id}): {report.added} added, "
        f"{report.already_there} already there, {report.predictions} pre-annotations"
    )


def predictor(gazetteer: Path | None, taxonomy_path: Path | None, taxonomy: Taxonomy) -> Predictor:
    """The pre-annotator of the gazetteer the options name (see ``gazetteer_path``),
    saying which one it is."""
    from stancepack.annotate import projects

    path = projects.gazetteer_path(gazetteer, taxonomy_path)
    say(f"pre-annotating with {path or 'the packaged base gazetteer'}")
    return projects.make_predictor(path, taxonomy)


def apply_overlap(
    client: LabelStudio, connection: Connection, report: SyncReport, overlap: int | None
) -> None:
    from stancepack.annotate import projects

    if overlap is not None:
        projects.set_overlap(client, connection, report.project_id, overlap)
        say(f"each task of project {report.project_id} goes to {overlap} annotators")


def warn_taxonomy(report: SyncReport) -> None:
    if report.taxonomy_differs:
        say(
            f"project {report.title!r} was made with taxonomy version "
            f"{report.project_taxonomy or 'unknown'}, the current one is "
            f"{report.current_taxonomy}: its labeling config is unchanged and new tasks get "
            "no pre-annotations (pass --update-config to update it)"
        )


@click.command()
@data_dir_option
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=None,
    help="Port of the local server if it must be started (default: last used, else "
    f"{local.DEFAULT_PORT}).",
)
@database_option
@click.option(
    "--debate",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Debate folder written by `stancepack init`: its taxonomy, articles and actors "
    "make the project, named after the debate's title.",
)
@click.option(
    "--articles",
    "articles_path",
    type=click.Path(path_type=Path),
    default=DEFAULT_ARTICLES,
    show_default=True,
    help="Articles of the seed project (.txt folder or .jsonl).",
)
@gazetteer_option
@taxonomy_option
@overlap_option
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=180.0,
    show_default=True,
    help="Seconds to wait for the local server to answer.",
)
def up(
    data_dir: Path | None,
    port: int | None,
    database: DatabaseUrl | None,
    debate: Path | None,
    articles_path: Path,
    gazetteer: Path | None,
    taxonomy_path: Path | None,
    overlap: int | None,
    timeout: float,
) -> None:
    """Start the local Label Studio and open the seed project: the main job.

    Starts the server in the background unless it runs, creates the project "seed
    articles" from data/articles (or adds the articles it lacks), and prints the URL and
    login. Running it again changes nothing. With --debate, the project of a debate
    folder instead (see `stancepack init`).

    Example:

        stancepack up --debate nuclear
    """
    from stancepack.annotate import projects
    from stancepack.ground.labelstudio.client import connect, local_connection
    from stancepack.schema.taxonomy import load_taxonomy

    sources: list[Path] = [articles_path]
    if debate is not None:
        taxonomy_path, sources = debate_sources(debate)
    taxonomy = load_taxonomy(taxonomy_path)
    title = projects.SEED_PROJECT if debate is None else taxonomy.title
    items = projects.read_articles(sources)
    predict = predictor(gazetteer, taxonomy_path, taxonomy)
    info = local.ensure_running(data_dir, port, timeout=timeout, on_progress=say, database=database)
    if info.already_running:
        say(f"Label Studio is already running (pid {info.pid})")
    connection = local_connection(data_dir)
    client = connect(connection)
    report = projects.create_or_sync_project(
        client, connection, title, items, taxonomy, predict=predict, on_progress=say
    )
    apply_overlap(client, connection, report, overlap)
    warn_taxonomy(report)
    print_login(info)
    click.echo(f"project:      {projects.project_url(connection, report.project_id)}")
    click.echo(
        f"tasks:        {report.added} added, {report.already_there} already there "
        f"({report.title!r})"
    )


def debate_sources(debate: Path) -> tuple[Path, list[Path]]:
    """The taxonomy and article sources of a debate folder, which --debate stands for."""
    from stancepack.annotate.debate import DebateFolder

    ctx = click.get_current_context()
    given = [
        f"--{name.removesuffix('_path')}"
        for name in ("taxonomy_path", "articles_path")
        if ctx.get_parameter_source(name) is click.core.ParameterSource.COMMANDLINE
    ]
    if given:
        raise click.UsageError(f"--debate gives the taxonomy and the articles: drop {given[0]}")
    folder = DebateFolder(debate)
    folder.check()
    return folder.taxonomy, folder.article_sources()
