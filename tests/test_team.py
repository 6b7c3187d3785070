"""Working as a team on the real Label Studio of the session: annotator accounts made by
``stancepack annotators add``, two of them taking tasks from the labeling stream as
themselves on a project with two annotations per task, ``stancepack status`` figures,
``stancepack curate`` (idempotent, a curator's edit kept) and ``stancepack package``
following the curation. No password or token shows in any output."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import httpx
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from stancepack.annotate import projects, team
from stancepack.annotate.labeling_config import build_label_config
from stancepack.cli import cli
from stancepack.export.dataset.adjudicate import adjudicate
from stancepack.export.dataset.curate import plan_curation
from stancepack.export.dataset.package import validate_file
from stancepack.export.dataset.status import find_disputes
from stancepack.ground.labelstudio import server as local
from stancepack.ground.labelstudio.members import Member, organisation_members
from stancepack.schema import fields
from stancepack.schema.taxonomy import load_taxonomy

server = pytest.mark.server

TAXONOMY = load_taxonomy()
OVERLAP = 2
ANNOTATOR_A = "ana.team@example.org"
ANNOTATOR_B = "ben.team@example.org"
CURATOR = "cleo.team@example.org"
# What each annotator marks in each article: (span, stance, roles) per mention.
PLAN = {
    "agree": {
        ANNOTATOR_A: [("France", "support", ())],
        ANNOTATOR_B: [("France", "support", ())],
    },
    "stance": {
        ANNOTATOR_A: [("France", "support", ())],
        ANNOTATOR_B: [("France", "oppose", ())],
    },
    "spans": {
        ANNOTATOR_A: [("France", "support", ())],
        ANNOTATOR_B: [("France", "support", ()), ("Germany", "oppose", ())],
    },
    "roles": {
        ANNOTATOR_A: [("France", "support", ("training",))],
        ANNOTATOR_B: [("France", "support", ("training", "demining"))],
    },
}
OUTPUTS: list[str] = []  # every output of the commands run here, checked for secrets
SECRETS: set[str] = set()


def run(label_studio, *args: object, env: bool = True):
    """``stancepack ARGS`` against the session's server (URL and token in the environment
    unless ``env`` is false); the output is kept for the secrets check."""
    variables = (
        {"LABEL_STUDIO_URL": label_studio.url, "LABEL_STUDIO_API_KEY": label_studio.token}
        if env
        else {"LABEL_STUDIO_URL": None, "LABEL_STUDIO_API_KEY": None}
    )
    result = CliRunner(env=variables).invoke(cli, [str(arg) for arg in args])
    OUTPUTS.append(result.output + result.stderr)
    return result


def members_of(label_studio) -> dict[str, Member]:
    members = organisation_members(label_studio.client(), label_studio.connection())
    return {member.email: member for member in members}


def logins_of(path: Path) -> dict[str, team.Login]:
    return {login.email: login for login in team.read_logins(path)}


def article_text(name: str) -> str:
    return f"Article {name}\n\nFrance and Germany discussed sending troops ({name})."


def task_data(name: str) -> dict[str, str]:
    return {
        fields.TEXT: article_text(name),
        "title": f"Article {name}",
        fields.OUTLET: "Example News",
        "published": "2026-01-01",
        "url": f"https://example.org/{name}",
        "article_id": f"team-{name}",
        "story_id": f"team-{name}",
    }


def result_of(text: str, marks: list[tuple[str, str, tuple[str, ...]]]) -> list[dict]:
    result = []
    for number, (span, stance, roles) in enumerate(marks):
        start = text.index(span)
        where = {"start": start, "end": start + len(span), "text": span}
        region = f"r{number}"

        def item(name: str, kind: str, value: dict, region: str = region) -> dict:
            return {
                "id": region,
                "from_name": name,
                "to_name": fields.TEXT,
                "type": kind,
                "value": value,
            }

        result.append(item(fields.ACTOR, "labels", {**where, "labels": ["country"]}))
        result.append(item(fields.STANCE, "choices", {**where, "choices": [stance]}))
        if roles:
            result.append(item(fields.ROLES, "choices", {**where, "choices": list(roles)}))
    return result


def api(label_studio_url: str, token: str) -> httpx.Client:
    return httpx.Client(
        base_url=label_studio_url, headers={"Authorization": f"Token {token}"}, timeout=120
    )


# --- annotators ---------------------------------------------------------------------------


@server
def test_sdk_users_create_makes_an_account_that_cannot_log_in(label_studio):
    """Why accounts are made through the invitation link: the password given to
    ``users.create`` is not kept by Label Studio 1.23 Community."""
    client = label_studio.client()
    password = team.new_password()
    client.users.create(username="sdk-made", email="sdk.made@example.org", password=password)
    with pytest.raises(Exception, match="refused the login of sdk.made@example.org"):
        team.log_in(label_studio.url, "sdk.made@example.org", password)


@server
def test_annotators_add_makes_members_who_can_log_in(label_studio, tmp_path):
    logins = tmp_path / "logins.json"
    emails = ["add.one@example.org", "Add.Two@Example.org"]
    result = run(label_studio, "annotators", "add", *emails, "-o", logins)
    assert result.exit_code == 0, result.output
    members = members_of(label_studio)
    one, two = members["add.one@example.org"], members["add.two@example.org"]
    assert result.output == (
        f"add.one@example.org: added (id {one.id})\n"
        f"add.two@example.org: added (id {two.id})\n"
        f"logins of 2 new accounts in {logins} (readable by you only)\n"
    )
    assert stat.S_IMODE(logins.stat().st_mode) == 0o600
    saved = logins_of(logins)
    assert sorted(saved) == ["add.one@example.org", "add.two@example.org"]
    for login in saved.values():
        assert login.url == label_studio.url
        SECRETS.add(login.password)
        token = team.user_token(login.url, login.email, login.password)
        SECRETS.add(token)
        with api(label_studio.url, token) as session:
            assert session.get("/api/current-user/whoami").json()["email"] == login.email

    again = run(label_studio, "annotators", "add", "add.two@example.org", "-o", logins)
    assert again.exit_code == 0
    assert again.output == f"add.two@example.org: already a member (id {two.id}), unchanged\n"
    assert logins_of(logins) == saved

    more = run(label_studio, "annotators", "add", "add.three@example.org", "-o", logins)
    assert more.exit_code == 0, more.output
    merged = logins_of(logins)
    assert sorted(merged) == sorted([*saved, "add.three@example.org"])
    assert all(merged[email] == saved[email] for email in saved)
    SECRETS.add(merged["add.three@example.org"].password)


@server
def test_annotators_add_writes_the_data_dir_login_file_by_default(label_studio):
    result = run(
        label_studio,
        "annotators",
        "add",
        "default.file@example.org",
        "--data-dir",
        label_studio.data_dir,
        env=False,
    )
    assert result.exit_code == 0, result.output
    path = label_studio.data_dir / team.LOGIN_FILE
    assert f"in {path} (readable by you only)" in result.output
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    SECRETS.update(login.password for login in team.read_logins(path))


@server
def test_annotators_add_refuses_what_is_not_an_email(label_studio, tmp_path):
    logins = tmp_path / "logins.json"
    result = run(
        label_studio, "annotators", "add", "ok.mail@example.org", "not-a-mail", "-o", logins
    )
    assert result.exit_code == 1
    assert result.stderr == "Error: 'not-a-mail' is not an e-mail address\n"
    assert not logins.exists()
    emails = set(members_of(label_studio))
    assert "ok.mail@example.org" not in emails


@server
def test_annotators_add_refuses_a_file_that_is_not_a_login_file(label_studio, tmp_path):
    other = tmp_path / "notes.json"
    other.write_text('{"mine": true}\n')
    result = run(label_studio, "annotators", "add", "not.made@example.org", "-o", other)
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {other}: not a login file stancepack wrote; pass another -o FILE\n"
    )
    assert other.read_text() == '{"mine": true}\n'
    emails = set(members_of(label_studio))
    assert "not.made@example.org" not in emails


@server
def test_annotators_add_refuses_to_replace_a_login_in_the_file(label_studio, tmp_path):
    logins = tmp_path / "logins.json"
    stale = team.Login("stale.entry@example.org", "kept-password", label_studio.url)
    logins.write_bytes(team.render_logins([stale]))
    before = logins.read_bytes()
    result = run(label_studio, "annotators", "add", "stale.entry@example.org", "-o", logins)
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {logins} already holds a login for stale.entry@example.org at "
        f"{label_studio.url}, which has no account there: remove that entry or pass another "
        "-o FILE (nothing was changed)\n"
    )
    assert logins.read_bytes() == before


@server
def test_annotators_list_shows_members_and_their_annotations(label_studio, tmp_path):
    logins = tmp_path / "logins.json"
    assert run(label_studio, "annotators", "add", "lister@example.org", "-o", logins).exit_code == 0
    login = logins_of(logins)["lister@example.org"]
    SECRETS.add(login.password)
    client = label_studio.client()
    project = client.projects.create(title="team list", label_config=build_label_config(TAXONOMY))
    imported = client.projects.import_tasks(
        id=project.id, request=[{"data": task_data("list")}], return_task_ids=True
    )
    token = team.user_token(label_studio.url, login.email, login.password)
    SECRETS.add(token)
    with api(label_studio.url, token) as session:
        answer = session.post(
            f"/api/tasks/{imported.task_ids[0]}/annotations/",
            json={"result": result_of(article_text("list"), PLAN["agree"][ANNOTATOR_A])},
        )
        assert answer.status_code == 201
    result = run(label_studio, "annotators", "list", "--format", "json")
    assert result.exit_code == 0, result.output
    rows = {row["email"]: row for row in json.loads(result.output)}
    assert rows["lister@example.org"]["annotations"] == 1
    assert rows["lister@example.org"]["last_activity"]
    assert rows["lister@example.org"]["id"] == members_of(label_studio)[login.email].id
    text = run(label_studio, "annotators", "list")
    assert text.output.splitlines()[0].split() == [
        "e-mail",
        "id",
        "annotations",
        "last",
        "activity",
    ]
    assert any(
        line.split()[:3] == ["lister@example.org", str(rows["lister@example.org"]["id"]), "1"]
        for line in text.output.splitlines()
    )


# --- overlap: two annotators, each task annotated twice ----------------------------------


def take_tasks(label_studio, project_id: int, token: str, email: str, limit: int) -> list[int]:
    """Up to ``limit`` tasks taken from the labeling stream and annotated as the user of
    ``token`` (as PLAN says); the ids taken."""
    taken = []
    with api(label_studio.url, token) as session:
        for _ in range(limit):
            answer = session.get(f"/api/projects/{project_id}/next")
            if answer.status_code == 404:
                break
            assert answer.status_code == 200, answer.text
            task = answer.json()
            name = task["data"]["title"].removeprefix("Article ")
            marks = PLAN[name][email]
            created = session.post(
                f"/api/tasks/{task['id']}/annotations/",
                json={"result": result_of(task["data"][fields.TEXT], marks), "lead_time": 5.0},
            )
            assert created.status_code == 201, created.text
            taken.append(task["id"])
    return taken


@pytest.fixture(scope="module")
def team_project(label_studio, tmp_path_factory):
    """A project with maximum_annotations = 2 whose tasks two real annotators took from
    the labeling stream as themselves; then a cancelled annotation and a new task."""
    folder = tmp_path_factory.mktemp("team")
    logins_path = folder / "logins.json"
    added = run(
        label_studio, "annotators", "add", ANNOTATOR_A, ANNOTATOR_B, CURATOR, "-o", logins_path
    )
    assert added.exit_code == 0, added.output
    logins = logins_of(logins_path)
    tokens = {}
    for email, login in logins.items():
        SECRETS.add(login.password)
        tokens[email] = team.user_token(label_studio.url, email, login.password)
        SECRETS.add(tokens[email])
    client = label_studio.client()
    project = client.projects.create(
        title="team overlap", label_config=build_label_config(TAXONOMY)
    )
    projects.set_overlap(client, label_studio.connection(), project.id, OVERLAP)
    client.projects.import_tasks(
        id=project.id, request=[{"data": task_data(name)} for name in PLAN]
    )
    taken = {
        ANNOTATOR_A: take_tasks(label_studio, project.id, tokens[ANNOTATOR_A], ANNOTATOR_A, 2),
        ANNOTATOR_B: take_tasks(label_studio, project.id, tokens[ANNOTATOR_B], ANNOTATOR_B, 3),
    }
    for _ in range(2):
        for email in (ANNOTATOR_A, ANNOTATOR_B):
            taken[email] += take_tasks(label_studio, project.id, tokens[email], email, 10)
    nobody_else = take_tasks(label_studio, project.id, tokens[CURATOR], CURATOR, 1)
    return {
        "project": project,
        "logins": logins,
        "tokens": tokens,
        "taken": taken,
        "nobody_else": nobody_else,
        "folder": folder,
    }


def annotations_by_task(label_studio, project_id: int) -> dict[int, list[dict]]:
    tasks = label_studio.client().projects.exports.as_json(project_id)
    return {task["id"]: task["annotations"] for task in tasks}


@server
def test_each_task_gets_exactly_two_annotations_from_two_people(label_studio, team_project):
    project = team_project["project"]
    by_task = annotations_by_task(label_studio, project.id)
    assert len(by_task) == len(PLAN)
    for task_annotations in by_task.values():
        people = [annotation["completed_by"] for annotation in task_annotations]
        assert len(people) == OVERLAP
        assert len(set(people)) == OVERLAP
    taken = team_project["taken"]
    assert sorted(taken[ANNOTATOR_A]) == sorted(by_task)
    assert sorted(taken[ANNOTATOR_B]) == sorted(by_task)
    assert team_project["nobody_else"] == []


# --- status -------------------------------------------------------------------------------


@server
def test_status_figures_are_what_the_team_did(label_studio, team_project):
    project = team_project["project"]
    client = label_studio.client()
    first_task = min(annotations_by_task(label_studio, project.id))
    client.annotations.create(id=first_task, result=[], was_cancelled=True)
    client.projects.import_tasks(id=project.id, request=[{"data": task_data("untouched")}])
    admin = client.users.whoami().email

    result = run(label_studio, "status", "--project", "team overlap", "--format", "json")
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert figures["tasks"] == len(PLAN) + 1
    assert figures["tasks_by_annotations"] == {"0": 1, "1": 0, "2": len(PLAN)}
    assert figures["annotators"] == {
        ANNOTATOR_A: {"annotations": 4, "cancelled": 0, "ground_truth": 0},
        ANNOTATOR_B: {"annotations": 4, "cancelled": 0, "ground_truth": 0},
        admin: {"annotations": 0, "cancelled": 1, "ground_truth": 0},
    }
    assert figures["disputed_tasks"] == 3
    assert figures["disputes_by_kind"] == {"spans": 1, "stance": 1, "roles": 1}
    assert figures["tasks_curated"] == 0

    export = team_project["folder"] / "status-export.json"
    pulled = run(label_studio, "pull", "--project", "team overlap", "-o", export)
    assert pulled.exit_code == 0, pulled.output
    agreement = run(label_studio, "agreement", export, "--format", "json")
    assert figures["agreement"] == json.loads(agreement.output)
    assert figures["agreement"]["articles_with_several_annotators"] == len(PLAN)

    text = run(label_studio, "status", "--project", "team overlap")
    assert text.exit_code == 0
    assert "tasks with 2 annotations: 4\n" in text.output
    assert "tasks whose annotators disagree: 3 (spans 1, stance 1, roles 1)\n" in text.output
    assert f"annotator {admin}: 0 annotations, 1 cancelled\n" in text.output
    assert "alpha stance:" in text.output


@server
def test_status_of_an_unknown_project_is_one_line(label_studio):
    result = run(label_studio, "status", "--project", "no such project")
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: no project 'no such project' at {label_studio.url} (by id or title)\n"
    )


# --- curate -------------------------------------------------------------------------------


def ground_truths(label_studio, project_id: int) -> dict[int, list[dict]]:
    return {
        task_id: [a for a in annotations if a["ground_truth"]]
        for task_id, annotations in annotations_by_task(label_studio, project_id).items()
    }


@server
def test_curate_puts_adjudications_in_once_and_keeps_the_curators_edit(label_studio, team_project):
    project = team_project["project"]
    curator_id = members_of(label_studio)[CURATOR].id
    first = run(label_studio, "curate", "--project", "team overlap", "--curator", CURATOR)
    assert first.exit_code == 0, first.output
    tasks = label_studio.client().projects.exports.as_json(project.id)
    task_of = {task["data"]["title"].removeprefix("Article "): task["id"] for task in tasks}

    def where(name: str, span: str) -> str:
        start = article_text(name).index(span)
        return f"'{span}' (country, {start}-{start + len(span)})"

    assert first.stdout == (
        f"curated 3 tasks for {CURATOR}; 0 already curated, 1 without disagreement; "
        "ties left to the curator: 3\n"
        f"  task {task_of['stance']}: stance of {where('stance', 'France')} tied: left empty\n"
        f"  task {task_of['spans']}: mention {where('spans', 'Germany')} marked by half of "
        "the annotators\n"
        f"  task {task_of['roles']}: role demining of {where('roles', 'France')} chosen by "
        "half: kept\n"
    )
    curated = {task: gt for task, gt in ground_truths(label_studio, project.id).items() if gt}
    assert len(curated) == 3
    assert all(len(gt) == 1 and gt[0]["completed_by"] == curator_id for gt in curated.values())

    stance_task = task_of["stance"]
    curation = curated[stance_task][0]
    assert [item["from_name"] for item in curation["result"]] == [fields.ACTOR]
    edited = result_of(article_text("stance"), [("France", "oppose", ())])
    with api(label_studio.url, team_project["tokens"][CURATOR]) as session:
        answer = session.patch(f"/api/annotations/{curation['id']}/", json={"result": edited})
        assert answer.status_code == 200, answer.text

    again = run(label_studio, "curate", "--project", "team overlap", "--curator", CURATOR)
    assert again.exit_code == 0, again.output
    assert again.stdout == (
        f"curated 0 tasks for {CURATOR}; 3 already curated, 1 without disagreement; "
        "ties left to the curator: 0\n"
    )
    after = {task: gt for task, gt in ground_truths(label_studio, project.id).items() if gt}
    assert sorted(after) == sorted(curated)
    assert all(len(gt) == 1 for gt in after.values())
    assert after[stance_task][0]["result"] == edited

    export = team_project["folder"] / "curated-export.json"
    dataset = team_project["folder"] / "dataset"
    assert run(label_studio, "pull", "--project", "team overlap", "-o", export).exit_code == 0
    packaged = run(label_studio, "package", export, "-o", dataset)
    assert packaged.exit_code == 0, packaged.output
    mentions = [
        row
        for path in sorted((dataset / "mentions").glob("*.parquet"))
        for row in pq.read_table(path).to_pylist()
    ]
    by_article = {}
    for row in mentions:
        by_article.setdefault(row["article_id"], []).append(row)
    stance_rows = by_article["team-stance"]
    assert [
        (r["text"], TAXONOMY.stance_values[r["stance"]], r["adjudication"]) for r in stance_rows
    ] == [("France", "oppose", "ground_truth")]
    assert sorted(r["text"] for r in by_article["team-spans"]) == ["France", "Germany"]
    assert {r["adjudication"] for r in by_article["team-agree"]} == {"majority"}

    status = run(label_studio, "status", "--project", "team overlap", "--format", "json")
    figures = json.loads(status.output)
    assert figures["tasks_curated"] == 3
    assert figures["annotators"][CURATOR] == {"annotations": 3, "cancelled": 0, "ground_truth": 3}
    assert figures["tasks_by_annotations"] == {"0": 1, "1": 0, "2": len(PLAN)}


@server
def test_curate_for_an_unknown_curator_is_refused(label_studio, team_project):
    result = run(
        label_studio, "curate", "--project", "team overlap", "--curator", "nobody@example.org"
    )
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: no user 'nobody@example.org' in the organisation at {label_studio.url}: add "
        "the curator with `stancepack annotators add` first\n"
    )


# --- secrets ------------------------------------------------------------------------------


@server
def test_no_password_or_token_in_any_output(label_studio):
    """Nothing the commands printed holds a password or token; the server's log holds no
    password and no API token (only the invitation token, in the sign-up requests' URLs)."""
    client = label_studio.client()
    invitation = client.organizations.invites.get_invite_link().token
    secrets = {*SECRETS, label_studio.token, label_studio.password}
    assert len(OUTPUTS) > 10 and len(SECRETS) > 5
    for output in OUTPUTS:
        for secret in (*secrets, invitation):
            assert secret not in output
    server_log = (label_studio.data_dir / local.LOG_FILE).read_text(errors="replace")
    assert "/user/signup/" in server_log
    for secret in secrets:
        assert secret not in server_log


# --- curation and disputes, on export files ------------------------------------------------

ROUND_TRIP_TEXT = "Round trip\n\nFrance answered Germany while Poland waited for troops."


def marks_result(text: str, marks: list[tuple], relations: list[tuple] = ()) -> list[dict]:
    """Result items for (span, stance, roles, name) marks and (from span, to span, label,
    direction) relations, the region of a span numbered by its place in ``marks``."""
    result = result_of(text, [(span, stance, roles) for span, stance, roles, _ in marks])
    regions = {mark[0]: f"r{number}" for number, mark in enumerate(marks)}
    for (span, _, _, name), region in zip(marks, regions.values(), strict=True):
        if name:
            start = text.index(span)
            value = {"start": start, "end": start + len(span), "text": [name]}
            result.append(
                {"id": region, "from_name": fields.ACTOR_NAME, "to_name": fields.TEXT,
                 "type": "textarea", "value": value}
            )  # fmt: skip
    for from_span, to_span, label, direction in relations:
        result.append(
            {"type": "relation", "from_id": regions[from_span], "to_id": regions[to_span],
             "direction": direction, "labels": [label]}
        )  # fmt: skip
    return result


def annotation_record(number: int, annotation: dict) -> dict:
    stamp = f"2026-01-0{number}T00:00:00Z"
    return {
        "id": number,
        "completed_by": {"id": 10 + number, "email": f"u{number}@example.org"},
        "was_cancelled": False,
        "ground_truth": False,
        "lead_time": 1.0,
        "created_at": stamp,
        "updated_at": stamp,
        **annotation,
    }


def export_file(path: Path, annotations: list[dict]) -> Path:
    task = {
        "id": 1,
        "data": {**task_data("round"), fields.TEXT: ROUND_TRIP_TEXT},
        "annotations": [annotation_record(n, a) for n, a in enumerate(annotations, 1)],
        "predictions": [],
    }
    path.write_text(json.dumps([task]), encoding="utf-8")
    return path


def tables_of(path: Path):
    report, _ = validate_file(path, TAXONOMY)
    assert report.ok, [issue.reason for issue in report.issues]
    return report.whole_tables()


def layer(tables) -> tuple[list, list]:
    """The adjudicated mentions and relations, without the columns that say how."""
    adjudicated = adjudicate(tables, TAXONOMY)
    mention_keys = ("mention_id", "start", "end", "text", "actor_type", "actor_name", "stance")
    relation_keys = ("from_mention_id", "to_mention_id", "label", "direction")
    columns = [adjudicated.mentions[key] for key in mention_keys]
    roles = [tuple(value) for value in adjudicated.mentions["roles"]]
    mentions = sorted(zip(*columns, roles, strict=True))
    relations = sorted(zip(*(adjudicated.relations[key] for key in relation_keys), strict=True))
    return mentions, relations


def test_a_curation_holds_exactly_what_package_publishes_for_the_task(tmp_path):
    voters = [
        {"result": marks_result(
            ROUND_TRIP_TEXT,
            [("France", "support", ("training",), "France"), ("Germany", "oppose", (), "")],
            [("France", "Germany", "responds_to", "right"),
             ("Germany", "France", "same_as", "bi")])},
        {"result": marks_result(
            ROUND_TRIP_TEXT,
            [("France", "support", ("training", "demining"), "France"),
             ("Germany", "open", (), "")],
            [("Germany", "France", "responds_to", "left")])},
        {"result": marks_result(
            ROUND_TRIP_TEXT,
            [("France", "oppose", ("training",), ""), ("Germany", "oppose", (), ""),
             ("Poland", "neutral", (), "")],
            [("France", "Germany", "same_as", "bi")])},
    ]  # fmt: skip
    tables = tables_of(export_file(tmp_path / "voters.json", voters))
    results, ties, already, agreed = plan_curation(tables, TAXONOMY)
    assert sorted(results) == ["1"] and ties == [] and already == [] and agreed == 0
    curation = {"result": results["1"], "ground_truth": True}
    curated = tables_of(export_file(tmp_path / "curated.json", [*voters, curation]))
    assert set(adjudicate(curated, TAXONOMY).mentions["adjudication"]) == {"ground_truth"}
    before, after = layer(tables), layer(curated)
    assert after == before
    assert len(before[0]) == 2 and [relation[2:] for relation in before[1]] == [
        ("responds_to", "right"),
        ("same_as", "bi"),
    ]


def test_disputes_leave_out_ground_truth_and_count_a_missing_stance(tmp_path):
    france = [("France", "support", (), "")]
    marked = result_of(ROUND_TRIP_TEXT, [("France", "support", ())])
    no_stance = [item for item in marked if item["from_name"] != fields.STANCE]
    agreeing = [{"result": marks_result(ROUND_TRIP_TEXT, france)}] * 2
    with_truth = [*agreeing, {"result": no_stance, "ground_truth": True}]
    assert find_disputes(tables_of(export_file(tmp_path / "truth.json", with_truth))) == []
    missing = [agreeing[0], {"result": no_stance}]
    disputes = find_disputes(tables_of(export_file(tmp_path / "missing.json", missing)))
    assert [(d.task_id, d.kinds) for d in disputes] == [("1", ["stance"])]


@server
def test_project_create_and_sync_overlap_set_the_annotators_per_task(label_studio, tmp_path):
    articles = tmp_path / "articles"
    articles.mkdir()
    (articles / "one.txt").write_text(
        "Overlap test\n\nFrance said it would send trainers.", encoding="utf-8"
    )
    created = run(
        label_studio, "project", "create", "overlap cli", articles, "--no-preannotate",
        "--overlap", "2",
    )  # fmt: skip
    assert created.exit_code == 0, created.output
    assert "goes to 2 annotators" in created.stderr
    client = label_studio.client()
    found = [p for p in client.projects.list() if p.title == "overlap cli"]
    assert len(found) == 1 and found[0].maximum_annotations == 2
    synced = run(label_studio, "project", "sync", "overlap cli", articles, "--overlap", "3")
    assert synced.exit_code == 0, synced.output
    assert client.projects.get(id=found[0].id).maximum_annotations == 3
