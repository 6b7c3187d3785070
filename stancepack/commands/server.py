"""``stancepack serve``: start or stop the local Label Studio server."""

from __future__ import annotations

from pathlib import Path

import click

from stancepack.ground.errors import ServerError
from stancepack.ground.labelstudio import database as postgres
from stancepack.ground.labelstudio import server as local


class DatabaseUrlType(click.ParamType):
    """A PostgreSQL URL without password; the refusal never repeats what was given."""

    name = "URL"

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> postgres.DatabaseUrl:
        if isinstance(value, postgres.DatabaseUrl):
            return value
        try:
            return postgres.parse_database_url(str(value))
        except ServerError as error:
            self.fail(str(error), param, ctx)


data_dir_option = click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help=f"Folder of the server's database, log and credentials "
    f"(default: {local.DEFAULT_DATA_DIR}; env {local.DATA_DIR_ENV}).",
)


database_option = click.option(
    "--database",
    type=DatabaseUrlType(),
    default=None,
    help=f"Run Label Studio on this PostgreSQL database instead of SQLite: "
    f"{postgres.URL_FORM}, password in {postgres.PASSWORD_SOURCES} (never in the URL). "
    "The data folder keeps it for later starts.",
)


def say(message: str) -> None:
    click.echo(message, err=True)


def print_login(info: local.ServerInfo) -> None:
    click.echo(f"Label Studio: {info.url}")
    click.echo(f"login:        {info.email}")
    click.echo(f"password:     in {info.credentials_path} (readable by you only)")
    if info.database is not None:
        click.echo(f"database:     {info.database}")


@click.command()
@data_dir_option
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=None,
    help=f"Port on 127.0.0.1 (default: the port used last time, else {local.DEFAULT_PORT}).",
)
@database_option
@click.option("--background", is_flag=True, help="Start detached, recorded in a pid file.")
@click.option("--stop", is_flag=True, help="Stop the server recorded in the pid file.")
@click.option("--status", is_flag=True, help="Tell whether the server runs and answers.")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=local.DEFAULT_TIMEOUT,
    show_default=True,
    help="Seconds to wait for the server to answer /health.",
)
def serve(
    data_dir: Path | None,
    port: int | None,
    database: postgres.DatabaseUrl | None,
    background: bool,
    stop: bool,
    status: bool,
    timeout: float,
) -> None:
    """Start or stop the local Label Studio server (bound to 127.0.0.1).

    The first start creates the database and an admin user with a random password and
    API token, kept in credentials.json in the data folder (readable by you only). The
    token is never printed. Runs in the foreground until Ctrl-C unless --background.
    With --database the server runs on PostgreSQL; the data folder keeps that database
    for later starts, --status and --stop.

    Example:

        stancepack serve --background --port 8080
    """
    if sum((background, stop, status)) > 1:
        raise click.UsageError("use only one of --background, --stop and --status")
    if database is not None and (stop or status):
        raise click.UsageError(
            "--database is for starting a server: --stop and --status use the data folder's"
        )
    if stop:
        stop_command(data_dir)
    elif status:
        status_command(data_dir)
    elif background:
        background_command(data_dir, port, timeout, database)
    else:
        foreground_command(data_dir, port, timeout, database)


def stop_command(data_dir: Path | None) -> None:
    directory = local.resolve_data_dir(data_dir)
    pid = local.stop_server(directory, on_progress=say)
    if pid is None:
        click.echo(f"no Label Studio server is running for {directory}")
    else:
        click.echo(f"stopped Label Studio (pid {pid})")


def status_command(data_dir: Path | None) -> None:
    state = local.server_status(data_dir)
    on = "" if state.database is None else f", database {state.database}"
    if state.running:
        click.echo(f"running: {state.url} (pid {state.pid}, data in {state.data_dir}{on})")
    elif state.alive:
        click.echo(f"starting or not answering: {state.url} (pid {state.pid})")
    elif state.stale_pid:
        click.echo(
            f"not running (data in {state.data_dir}; its {local.PID_FILE} is stale: "
            f"{state.stale_pid})"
        )
    else:
        click.echo(f"not running (data in {state.data_dir})")


def show_log_tail(error: ServerError) -> None:
    """The last lines of the server's log, when it exited during start-up."""
    for line in getattr(error, "log_tail", []):
        say(f"  | {line}")


def background_command(
    data_dir: Path | None,
    port: int | None,
    timeout: float,
    database: postgres.DatabaseUrl | None = None,
) -> None:
    try:
        info = local.ensure_running(
            data_dir, port, timeout=timeout, on_progress=say, database=database
        )
    except ServerError as error:
        show_log_tail(error)
        raise
    if info.already_running:
        say(f"already running (pid {info.pid})")
    else:
        say(
            f"ready in {info.startup_seconds:.1f} s (pid {info.pid}); stop it with: "
            f"{local.stop_hint(info.data_dir)}"
        )
    print_login(info)


def foreground_command(
    data_dir: Path | None,
    port: int | None,
    timeout: float,
    database: postgres.DatabaseUrl | None = None,
) -> None:
    try:
        with local.sigterm_interrupts():
            server = local.start_server(
                data_dir, port, timeout=timeout, on_progress=say, database=database
            )
    except ServerError as error:
        show_log_tail(error)
        raise
    say(f"ready in {server.info.startup_seconds:.1f} s; press Ctrl-C to stop")
    print_login(server.info)
    code = server.wait()
    if not server.stopped_cleanly(code):
        raise ServerError(
            f"Label Studio stopped with exit code {code} (see {server.info.log_path})"
        )
    say("stopped")
