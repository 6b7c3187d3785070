"""Make the seed dataset in data/: two annotation passes, a curation, the export, the package.

Three files of judgements, each written by reading the articles with the codebook:

- ``seed_annotations.yaml``: the maintainers' first pass;
- ``second_pass_annotations.yaml``: a second pass, blind to the first (made from the
  articles and the codebook only);
- ``curated_annotations.yaml``: the curator's decisions on the disagreements, made by
  reading both passes, the articles and the codebook.

Against the local server and its "seed articles" project (started by ``stancepack up``),
this script

1. gives each pass and the curator an account of its own (``stancepack annotators add``;
   the logins go to the data folder's logins.json);
2. enters each pass as its annotator's annotation (skipped where that annotator has one);
3. runs ``stancepack curate``: the adjudicated result of every task whose passes disagree
   becomes the curator's ground-truth annotation;
4. replaces each curation by the curator's decisions, through the curator's own API token,
   as the curator editing the draft in the labeling UI does;
5. pulls the full JSON export into data/exports/ and packages it into data/dataset/.

Every step can be re-run: nothing is entered twice.

    stancepack up --data-dir DIR && STANCEPACK_DATA_DIR=DIR python data/make_seed_dataset.py
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from stancepack.annotate.anchored import annotation_result, load_annotations
from stancepack.schema import fields

HERE = Path(__file__).resolve().parent
ANNOTATIONS = HERE / "seed_annotations.yaml"
SECOND_PASS = HERE / "second_pass_annotations.yaml"
CURATED = HERE / "curated_annotations.yaml"
EXPORT = HERE / "exports" / "seed-articles.json"
DATASET = HERE / "dataset"
PROJECT = "seed articles"
# Who made each file of judgements (their Label Studio accounts).
FIRST_ANNOTATOR = "first.pass@stancepack.example.org"
SECOND_ANNOTATOR = "second.pass@stancepack.example.org"
CURATOR = "curator@stancepack.example.org"
PASSES = ((FIRST_ANNOTATOR, ANNOTATIONS), (SECOND_ANNOTATOR, SECOND_PASS))
CURATORS = (
    "the stancepack project maintainers: two annotation passes, the second blind to the "
    "first, and a curation of their disagreements by a third maintainer"
)


def article_files() -> dict[str, str]:
    """article_id -> file name of the seed articles."""
    from stancepack.annotate.articles import ingest

    return {article.article_id: article.file for article in ingest([HERE / "articles"]).articles}


def project_tasks(client: Any, project_id: int) -> list[Any]:
    return list(client.tasks.list(project=project_id, fields="all"))


def annotators_of(task: Any) -> set[int]:
    return {annotation["completed_by"] for annotation in task.annotations or []}


def enter_pass(client: Any, project_id: int, user_id: int, path: Path) -> tuple[int, int]:
    """Enter the pass in ``path`` as the annotation of ``user_id`` on every task where that
    annotator has none. Returns (entered, already there)."""
    by_file = load_annotations(path)
    files = article_files()
    entered = skipped = 0
    for task in project_tasks(client, project_id):
        if user_id in annotators_of(task):
            skipped += 1
            continue
        entries = by_file[files[task.data["article_id"]]]
        result = annotation_result(task.data[fields.TEXT], entries)
        client.annotations.create(
            id=task.id, result=result, was_cancelled=False, completed_by=user_id
        )
        entered += 1
    return entered, skipped


def apply_curator_decisions(curator_client: Any, project_id: int, curator_id: int) -> int:
    """Replace the result of each of the curator's ground-truth annotations by the curator's
    decisions for its article. Returns how many curations were updated."""
    by_file = load_annotations(CURATED)
    files = article_files()
    updated = 0
    for task in project_tasks(curator_client, project_id):
        for annotation in task.annotations or []:
            if annotation["completed_by"] != curator_id or not annotation["ground_truth"]:
                continue
            entries = by_file[files[task.data["article_id"]]]
            result = annotation_result(task.data[fields.TEXT], entries)
            curator_client.annotations.update(id=annotation["id"], result=result)
            updated += 1
    return updated


def accounts(client: Any, connection: Any, data_dir: Path) -> dict[str, Any]:
    """The members for both passes and the curator, made when missing."""
    from stancepack.annotate import team
    from stancepack.ground.labelstudio.members import organisation_members

    emails = [FIRST_ANNOTATOR, SECOND_ANNOTATOR, CURATOR]
    team.add_annotators(client, connection, emails, team.default_login_file(data_dir))
    members = {member.email: member for member in organisation_members(client, connection)}
    return {email: members[email] for email in emails}


def curator_client(connection: Any, data_dir: Path) -> Any:
    """An SDK client with the curator's own API token (from the logins file)."""
    from stancepack.annotate import team
    from stancepack.ground.labelstudio.client import Connection, make_client

    logins = {login.email: login for login in team.read_logins(team.default_login_file(data_dir))}
    login = logins[CURATOR]
    token = team.user_token(connection.url, login.email, login.password)
    return make_client(Connection(url=connection.url, api_key=token, source="curator login"))


def run_cli(*args: str) -> int:
    from click.testing import CliRunner

    from stancepack.cli import cli

    outcome = CliRunner().invoke(cli, list(args))
    print(outcome.output, end="")  # standard output and error, as the command wrote them
    return outcome.exit_code


def main() -> int:
    from stancepack.annotate.projects import find_project
    from stancepack.ground.labelstudio import server as local
    from stancepack.ground.labelstudio.client import connect, resolve_connection

    data_dir = local.resolve_data_dir(None)
    connection = resolve_connection()
    client = connect(connection)
    project = find_project(client, connection, PROJECT)
    if project is None:
        print(f"no project {PROJECT!r}: run `stancepack up` first", file=sys.stderr)
        return 1
    members = accounts(client, connection, data_dir)
    for email, path in PASSES:
        entered, skipped = enter_pass(client, project.id, members[email].id, path)
        print(f"{path.name}: {entered} annotations entered, {skipped} already there")
    code = run_cli("curate", "--project", PROJECT, "--curator", CURATOR)
    if code:
        return code
    updated = apply_curator_decisions(
        curator_client(connection, data_dir), project.id, members[CURATOR].id
    )
    print(f"{CURATED.name}: {updated} curations hold the curator's decisions")
    code = run_cli("pull", "--project", PROJECT, "-o", str(EXPORT), "--force")
    if code:
        return code
    return run_cli("package", str(EXPORT), "-o", str(DATASET), "--force", "--curators", CURATORS)


if __name__ == "__main__":
    sys.exit(main())
