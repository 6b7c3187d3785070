"""``stancepack annotators`` (add, list), ``status`` and ``curate``: working as a team."""

from __future__ import annotations

import json
from pathlib import Path

import click

from stancepack.commands.options import format_option, taxonomy_option
from stancepack.commands.project import url_option
from stancepack.commands.server import data_dir_option
from stancepack.ground.terminal import printable

project_option = click.option(
    "--project",
    "project_ref",
    required=True,
    help="The Label Studio project (id or exact title).",
)


@click.group()
def annotators() -> None:
    """Add and list the annotator accounts of the Label Studio organisation.

    Example:

        stancepack annotators add ana@example.org ben@example.org
    """


@annotators.command()
@click.argument("emails", nargs=-1, required=True)
@url_option
@data_dir_option
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Login file to write the new accounts' logins to (default: logins.json in the "
    "data folder). New logins are merged into an existing login file.",
)
def add(
    emails: tuple[str, ...], url: str | None, data_dir: Path | None, output: Path | None
) -> None:
    """Create an account in the organisation for each of EMAILS, with a generated password.

    The logins (e-mail, password, URL) go to a file readable by you only, to hand to each
    annotator; passwords are never printed. An e-mail that has an account already is
    reported and changes nothing.

    Example:

        stancepack annotators add ana@example.org ben@example.org -o team.json
    """
    from stancepack.annotate.team import add_annotators, default_login_file
    from stancepack.ground.labelstudio import server as local
    from stancepack.ground.labelstudio.client import connect, resolve_connection

    connection = resolve_connection(url, data_dir=data_dir)
    client = connect(connection)
    login_file = output or default_login_file(local.resolve_data_dir(data_dir))
    report = add_annotators(client, connection, emails, login_file)
    for member in report.existing:
        click.echo(f"{printable(member.email)}: already a member (id {member.id}), unchanged")
    for email in report.elsewhere:
        click.echo(f"{printable(email)}: has an account on this server already, unchanged")
    for member in report.added:
        click.echo(f"{printable(member.email)}: added (id {member.id})")
    if report.login_file is not None:
        click.echo(
            f"logins of {len(report.added)} new account{'s' if len(report.added) != 1 else ''} "
            f"in {report.login_file} (readable by you only)"
        )


@annotators.command(name="list")
@url_option
@data_dir_option
@format_option("text", "json")
def list_annotators(url: str | None, data_dir: Path | None, output_format: str) -> None:
    """List the organisation's users: e-mail, id, annotations made, last activity.

    Annotations are counted in every project of the organisation, from a snapshot export
    of each (cancelled ones not counted).

    Example:

        stancepack annotators list --format json
    """
    from stancepack.export.dataset.status import annotations_by_user
    from stancepack.ground.labelstudio.client import connect, resolve_connection
    from stancepack.ground.labelstudio.members import organisation_members

    connection = resolve_connection(url, data_dir=data_dir)
    client = connect(connection)
    members = organisation_members(client, connection)
    counts = annotations_by_user(client, connection, data_dir)
    rows = [
        {
            "email": member.email,
            "id": member.id,
            "annotations": counts.get(member.id, 0),
            "last_activity": member.last_activity,
        }
        for member in members
    ]
    if output_format == "json":
        click.echo(json.dumps(rows, indent=2, sort_keys=True))
        return
    width = max([len("e-mail"), *(len(row["email"]) for row in rows)])
    click.echo(f"{'e-mail':<{width}}  {'id':>5}  {'annotations':>11}  last activity")
    for row in rows:
        click.echo(
            f"{printable(row['email']):<{width}}  {row['id']:>5}  {row['annotations']:>11}  "
            f"{row['last_activity'] or '-'}"
        )


@click.command()
@project_option
@url_option
@data_dir_option
@taxonomy_option
@format_option("text", "json")
def status(
    project_ref: str,
    url: str | None,
    data_dir: Path | None,
    taxonomy_path: Path | None,
    output_format: str,
) -> None:
    """Progress of a project: tasks by number of annotations, each annotator's count,
    tasks whose annotators disagree, and the agreement so far.

    Reads one snapshot export of the project (not one request per task). Disagreement
    and agreement follow the adjudication's matching rule (same span, same actor type).

    Example:

        stancepack status --project "seed articles" --format json
    """
    from stancepack.export.dataset.status import project_status, render_status
    from stancepack.ground.labelstudio.client import resolve_connection
    from stancepack.schema.taxonomy import load_taxonomy

    taxonomy = load_taxonomy(taxonomy_path)
    connection = resolve_connection(url, data_dir=data_dir)
    figures = project_status(connection, project_ref, taxonomy, data_dir)
    if output_format == "json":
        click.echo(json.dumps(figures.to_dict(), indent=2, sort_keys=True, ensure_ascii=False))
    else:
        click.echo(render_status(figures), nl=False)


@click.command()
@project_option
@click.option(
    "--curator",
    default=None,
    help="E-mail of the organisation member the curations are made for "
    "(default: the user of the API token).",
)
@url_option
@data_dir_option
@taxonomy_option
def curate(
    project_ref: str,
    curator: str | None,
    url: str | None,
    data_dir: Path | None,
    taxonomy_path: Path | None,
) -> None:
    """Put the adjudicated result of each disputed task into Label Studio for review.

    For every task with two or more annotators who disagree (on spans, stance or roles),
    adds an annotation by the curator, marked ground truth, holding what `stancepack
    package` would publish for it. The curator opens it in the labeling UI, corrects it
    and submits. Tasks with a ground-truth annotation already are left alone (re-running
    adds nothing, a curator's edits are kept); ties are listed for the curator to decide.

    Example:

        stancepack curate --project "seed articles" --curator lead@example.org
    """
    from stancepack.export.dataset.curate import curate_project
    from stancepack.ground.labelstudio.client import connect, resolve_connection
    from stancepack.schema.taxonomy import load_taxonomy

    taxonomy = load_taxonomy(taxonomy_path)
    connection = resolve_connection(url, data_dir=data_dir)
    client = connect(connection)
    report = curate_project(
        client, connection, project_ref, taxonomy, curator=curator, data_dir=data_dir
    )
    click.echo(
        f"curated {len(report.curated)} task{'s' if len(report.curated) != 1 else ''} "
        f"for {printable(report.curator)}; {len(report.already_curated)} already curated, "
        f"{report.agreed} without disagreement; ties left to the curator: {len(report.ties)}"
    )
    for line in report.tie_lines():
        click.echo(f"  {printable(line)}")
