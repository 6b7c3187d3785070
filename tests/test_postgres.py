"""The local Label Studio on PostgreSQL: ``serve --database`` against a real PostgreSQL 15
cluster, the password given by PGPASSWORD or ~/.pgpass and never shown or stored."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from stancepack.cli import cli
from stancepack.ground.errors import ServerError
from stancepack.ground.labelstudio import database as postgres
from stancepack.ground.labelstudio import server as local
from stancepack.ground.labelstudio.client import connect, local_connection
from tests.conftest import require_label_studio
from tests.helpers import REPO
from tests.postgres import PostgresCluster, PostgresDatabase, postgres_cluster, require_postgres

START_TIMEOUT = "900"
ARTICLES = {
    "kyiv.txt": "NATO said on Monday it would send more air defence systems to Ukraine.\n",
    "paris.txt": "France's president Emmanuel Macron proposed a European security council.\n",
}
PASSWORD_REFUSAL = (
    "Error: Invalid value for '--database': the database URL holds a password, which would "
    "show in the process list and the shell history: remove it and give it in PGPASSWORD "
    "or ~/.pgpass\n"
)


def run(*args: str, env: dict[str, str | None] | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), env=env)


def without_libpq_variables() -> dict[str, str | None]:
    """Unset every libpq login variable of the caller for one CLI run."""
    return dict.fromkeys(postgres.LIBPQ_VARIABLES)


def write_articles(folder: Path) -> Path:
    folder.mkdir()
    for name, text in ARTICLES.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def files_holding(folder: Path, secret: str) -> list[Path]:
    """Every file under ``folder`` whose bytes hold ``secret``."""
    needle = secret.encode()
    return sorted(
        path for path in folder.rglob("*") if path.is_file() and needle in path.read_bytes()
    )


# --- without a cluster ---------------------------------------------------------------------


def test_a_url_with_a_password_is_refused_without_repeating_it(tmp_path):
    data_dir = tmp_path / "ls"
    url = "postgresql://stance:Sup3r-Secret-pw@127.0.0.1:5432/stance"
    result = run("serve", "--background", "--database", url, "--data-dir", str(data_dir))
    assert result.exit_code == 2
    assert result.stderr.endswith(PASSWORD_REFUSAL)
    assert "Sup3r-Secret-pw" not in result.stdout + result.stderr
    assert not data_dir.exists()


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("mysql://stance@127.0.0.1/stance", "must start with postgresql://"),
        ("postgresql://127.0.0.1:5432/stance", "names no user"),
        ("postgresql://stance@127.0.0.1:5432/", "names no database"),
        ("postgresql://stance@127.0.0.1:99999/stance", "names no valid port"),
        ("postgresql://stance@127.0.0.1/stance?sslmode=require", "takes no parameters"),
        ("postgresql://stance@127.0.0.1/a/b", "names an invalid database"),
    ],
)
def test_a_malformed_database_url_is_a_usage_error(tmp_path, url, problem):
    result = run("up", "--database", url, "--data-dir", str(tmp_path / "ls"))
    assert result.exit_code == 2
    assert result.stderr.endswith(
        f"Error: Invalid value for '--database': the database URL {problem}; write it as "
        "postgresql://USER@HOST:PORT/DB\n"
    )
    assert not (tmp_path / "ls").exists()


def test_urls_are_read_with_their_default_port_and_socket_folders():
    assert postgres.parse_database_url("postgres://stance@db.example/stance") == (
        postgres.DatabaseUrl(user="stance", host="db.example", port=5432, name="stance")
    )
    socket = postgres.parse_database_url("postgresql://stance@%2Frun%2Fpostgresql:5433/s")
    assert socket.host == "/run/postgresql"
    assert str(socket) == "postgresql://stance@%2Frun%2Fpostgresql:5433/s"


def test_database_is_only_for_starting(tmp_path):
    url = "postgresql://stance@127.0.0.1:5432/stance"
    result = run("serve", "--stop", "--database", url, "--data-dir", str(tmp_path))
    assert result.exit_code == 2
    assert "--database is for starting a server: --stop and --status use the data" in (
        result.stderr
    )


def test_a_sqlite_data_dir_is_not_moved_to_postgresql(tmp_path):
    (tmp_path / local.DATABASE_FILE).write_bytes(b"")
    url = "postgresql://stance@127.0.0.1:5432/stance"
    result = run("serve", "--background", "--database", url, "--data-dir", str(tmp_path))
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {tmp_path} runs on SQLite (label_studio.sqlite3), not {url}: a data folder "
        "keeps the database of its first start (use another --data-dir for PostgreSQL)\n"
    )
    assert not (tmp_path / postgres.RECORD_FILE).exists()
    assert not (tmp_path / local.CREDENTIALS_FILE).exists()


def test_a_malformed_record_names_its_file(tmp_path):
    (tmp_path / postgres.RECORD_FILE).write_text('{"url": 5}')
    with pytest.raises(ServerError) as raised:
        local.database_for_start(tmp_path, None)
    assert str(raised.value) == f"{tmp_path / 'database.json'}: the database record needs a url"


def test_the_server_gets_label_studios_postgresql_settings_and_no_stray_ones(tmp_path):
    database = postgres.parse_database_url("postgresql://stance@127.0.0.1:5433/corpus")
    credentials = local.new_credentials("http://127.0.0.1:9")
    home = tmp_path / "caller"
    home.mkdir()
    caller = {
        "PATH": "/usr/bin",
        "HOME": str(home),
        "PGPASSWORD": "from-the-caller",
        "POSTGRE_PASSWORD": "stray",
        "POSTGRE_HOST": "stray.example",
        "DJANGO_DB": "sqlite",
        "PGHOST": "stray.example",
    }
    environment = local.server_environment(tmp_path, credentials, caller, database)
    assert {name: environment[name] for name in database.label_studio_settings()} == {
        "DJANGO_DB": "default",
        "POSTGRE_NAME": "corpus",
        "POSTGRE_USER": "stance",
        "POSTGRE_PASSWORD": "",
        "POSTGRE_HOST": "127.0.0.1",
        "POSTGRE_PORT": "5433",
    }
    assert environment["PGPASSWORD"] == "from-the-caller"
    assert "PGHOST" not in environment and "PGPASSFILE" not in environment
    (home / ".pgpass").write_text("*:*:*:*:x\n")
    environment = local.server_environment(tmp_path, credentials, caller, database)
    assert environment["PGPASSFILE"] == str(home / ".pgpass")
    sqlite = local.server_environment(tmp_path, credentials, caller)
    assert not {"DJANGO_DB", "PGPASSWORD", "PGPASSFILE"} & set(sqlite)


# --- a real cluster ------------------------------------------------------------------------


@dataclass
class PostgresServer:
    """A local Label Studio started on a cluster's database, and what the CLI printed."""

    cluster: PostgresCluster
    database: PostgresDatabase
    data_dir: Path
    port: int
    outputs: list[str] = field(default_factory=list)

    def run(self, *args: str, env: dict[str, str | None] | None = None) -> Result:
        """A CLI run with the database's password in PGPASSWORD (unless ``env`` says
        otherwise); its output is kept for the secrets check."""
        result = run(*args, env={**self.database.environment(), **(env or {})})
        self.outputs.append(result.stdout + result.stderr)
        return result


@pytest.fixture(scope="module")
def cluster() -> Iterator[PostgresCluster]:
    require_postgres()
    with postgres_cluster() as running:
        yield running


@pytest.fixture(scope="module")
def server(cluster, tmp_path_factory) -> Iterator[PostgresServer]:
    """One Label Studio on PostgreSQL for the module (the first start migrates a fresh
    database, which takes a while)."""
    require_label_studio()
    database = cluster.create_database("stance", "stance")
    started = PostgresServer(
        cluster, database, tmp_path_factory.mktemp("pg-label-studio"), local.free_port()
    )
    result = started.run(
        "serve", "--background", "--database", database.url, "--data-dir",
        str(started.data_dir), "--port", str(started.port), "--timeout", START_TIMEOUT,
    )  # fmt: skip
    try:
        assert result.exit_code == 0, result.stderr
        yield started
    finally:
        local.stop_server(started.data_dir)


@pytest.mark.postgres
def test_a_wrong_password_is_refused_before_label_studio_starts(cluster, tmp_path):
    database = cluster.create_database("wrong", "wrong")
    data_dir = tmp_path / "ls"
    result = run(
        "serve", "--background", "--database", database.url, "--data-dir", str(data_dir),
        "--port", str(local.free_port()), env={"PGPASSWORD": "not-the-password"},
    )  # fmt: skip
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: cannot connect to {database.url}: ")
    assert result.stderr.endswith('password authentication failed for user "wrong"\n')
    assert "not-the-password" not in result.stdout + result.stderr
    assert not (data_dir / postgres.RECORD_FILE).exists()
    assert not (data_dir / local.PID_FILE).exists()


@pytest.mark.postgres
def test_no_password_at_all_says_where_to_give_it(cluster, tmp_path):
    database = cluster.create_database("nopassword", "nopassword")
    home = tmp_path / "home"
    home.mkdir()
    result = run(
        "serve", "--background", "--database", database.url, "--data-dir", str(tmp_path / "ls"),
        env={**without_libpq_variables(), "HOME": str(home)},
    )  # fmt: skip
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: cannot connect to {database.url}: ")
    assert result.stderr.endswith(
        "no password supplied (give the password in PGPASSWORD or ~/.pgpass)\n"
    )


@pytest.mark.postgres
def test_a_pgpass_readable_by_others_is_ignored(cluster, tmp_path):
    database = cluster.create_database("openfile", "openfile")
    home = tmp_path / "home"
    home.mkdir()
    pgpass = home / ".pgpass"
    pgpass.write_text(database.pgpass_line())
    pgpass.chmod(0o644)
    result = run(
        "serve", "--background", "--database", database.url, "--data-dir", str(tmp_path / "ls"),
        env={**without_libpq_variables(), "HOME": str(home)},
    )  # fmt: skip
    assert result.exit_code == 1
    assert result.stderr.endswith(
        "no password supplied (give the password in PGPASSWORD or ~/.pgpass)\n"
    )
    assert database.password not in result.stdout + result.stderr


@pytest.mark.server
@pytest.mark.own_server
@pytest.mark.postgres
def test_label_studio_runs_on_postgresql(server, tmp_path):
    database, data_dir = server.database, server.data_dir
    url = f"http://127.0.0.1:{server.port}"
    assert server.outputs[0].count(f"database:     {database.url}\n") == 1
    assert local.MIGRATION_NOTE_POSTGRESQL in server.outputs[0]
    assert json.loads((data_dir / postgres.RECORD_FILE).read_text()) == {"url": database.url}
    assert stat.S_IMODE((data_dir / postgres.RECORD_FILE).stat().st_mode) == 0o600
    assert not (data_dir / local.DATABASE_FILE).exists()

    # the admin user and the fixed token work
    client = connect(local_connection(data_dir))
    assert client.users.whoami().email == local.DEFAULT_EMAIL

    # a project lands in PostgreSQL
    articles = write_articles(tmp_path / "articles")
    created = server.run(
        "project", "create", "on postgres", str(articles), "--data-dir", str(data_dir),
        "--no-preannotate",
    )  # fmt: skip
    assert created.exit_code == 0, created.stderr
    rows = database.psql(
        "SELECT p.title, count(t.id) FROM project p JOIN task t ON t.project_id = p.id "
        "GROUP BY p.title"
    )
    assert rows == f"on postgres|{len(ARTICLES)}\n"
    assert database.psql("SELECT email FROM htx_user") == f"{local.DEFAULT_EMAIL}\n"

    status = server.run("serve", "--status", "--data-dir", str(data_dir))
    pid = local.read_pid(data_dir)
    assert status.stdout == (
        f"running: {url} (pid {pid}, data in {data_dir}, database {database.url})\n"
    )
    again = server.run("up", "--data-dir", str(data_dir), "--database", database.url,
                       "--articles", str(articles), "--gazetteer",
                       str(REPO / "data" / "actors.yaml"))  # fmt: skip
    assert again.exit_code == 0, again.stderr
    assert f"Label Studio is already running (pid {pid})" in again.stderr
    assert "seed articles" in database.psql("SELECT title FROM project ORDER BY id")


@pytest.mark.server
@pytest.mark.own_server
@pytest.mark.postgres
def test_another_database_for_the_same_data_dir_is_refused(server):
    other = server.cluster.create_database("other", "other")
    data_dir = server.data_dir
    for command in ("serve --background", "up"):
        result = server.run(*command.split(), "--database", other.url, "--data-dir",
                            str(data_dir))  # fmt: skip
        assert result.exit_code == 1
        assert result.stderr.endswith(
            f"Error: {data_dir} runs on the database {server.database.url}, not {other.url}: "
            "a data folder keeps the database of its first start (use another --data-dir "
            "for another database)\n"
        )
    assert json.loads((data_dir / postgres.RECORD_FILE).read_text()) == {"url": server.database.url}
    assert other.psql("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == "0\n"


@pytest.mark.server
@pytest.mark.own_server
@pytest.mark.postgres
def test_a_database_holding_another_label_studio_needs_its_data_dir(server, tmp_path):
    try:
        result = server.run(
            "serve", "--background", "--database", server.database.url,
            "--data-dir", str(tmp_path / "new"), "--port", str(local.free_port()),
        )  # fmt: skip
    finally:
        local.stop_server(tmp_path / "new")
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {server.database.url} already holds a Label Studio that {tmp_path / 'new'} "
        "did not start (no credentials.json); use an empty database, or connect to its "
        "server with --url and LABEL_STUDIO_API_KEY\n"
    )
    assert not (tmp_path / "new" / postgres.RECORD_FILE).exists()


@pytest.mark.server
@pytest.mark.own_server
@pytest.mark.postgres
def test_stop_then_restart_from_the_record_with_a_pgpass(server, tmp_path):
    data_dir, database = server.data_dir, server.database
    stopped = server.run("serve", "--stop", "--data-dir", str(data_dir))
    pid = stopped.stdout.removeprefix("stopped Label Studio (pid ").removesuffix(")\n")
    assert stopped.exit_code == 0 and pid.isdigit(), stopped.stdout
    assert not local.is_server_process(int(pid), data_dir)
    assert "on postgres" in database.psql("SELECT title FROM project")

    home = tmp_path / "home"
    home.mkdir()
    (home / ".pgpass").write_text(database.pgpass_line())
    (home / ".pgpass").chmod(0o600)
    restarted = server.run(
        "serve", "--background", "--data-dir", str(data_dir), "--timeout", START_TIMEOUT,
        env={**without_libpq_variables(), "HOME": str(home)},
    )  # fmt: skip
    assert restarted.exit_code == 0, restarted.stderr
    assert f"database:     {database.url}\n" in restarted.stdout
    environ = Path(f"/proc/{local.read_pid(data_dir)}/environ").read_bytes().split(b"\0")
    assert f"PGPASSFILE={home / '.pgpass'}".encode() in environ
    assert not any(entry.startswith(b"PGPASSWORD=") for entry in environ)
    client = connect(local_connection(data_dir))
    titles = {project.title for project in client.projects.list()}
    assert "on postgres" in titles


@pytest.mark.server
@pytest.mark.own_server
@pytest.mark.postgres
def test_no_password_in_any_output_log_or_file(server):
    """Every CLI output of the module so far (at least the start), the log and every file
    of the data folder."""
    assert server.outputs
    for output in server.outputs:
        assert server.database.password not in output
    assert files_holding(server.data_dir, server.database.password) == []
    assert (server.data_dir / local.LOG_FILE).stat().st_size > 0
    assert os.environ.get("PGPASSWORD") != server.database.password
