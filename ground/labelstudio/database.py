"""PostgreSQL for the local Label Studio: the database URL, the settings Label Studio reads
for it, and a check that the database can be reached before the server starts.

A database is named by a URL without password, ``postgresql://USER@HOST:PORT/DB``. The
password never travels in the URL, an option or a file stancepack writes: libpq (inside
Label Studio, and in the check here) reads it from ``PGPASSWORD`` or from the password file
(``~/.pgpass``, or the file ``PGPASSFILE`` names, ignored by libpq unless only its owner can
read it). Label Studio is given an empty ``POSTGRE_PASSWORD``, so that Django passes no
password and libpq looks for it there.

Functions here return data and raise ``ServerError``.
"""

from __future__ import annotations

import json
import os
import pwd
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from stancepack.ground.errors import ServerError

SCHEME = "postgresql"
SCHEMES = (SCHEME, "postgres")
DEFAULT_PORT = 5432
URL_FORM = "postgresql://USER@HOST:PORT/DB"
PASSWORD_SOURCES = "PGPASSWORD or ~/.pgpass"
# The data directory's record of the database its Label Studio runs on (no password).
RECORD_FILE = "database.json"
# What Label Studio 1.23 reads (core/settings/base.py, DATABASES_ALL['postgresql']).
LABEL_STUDIO_DATABASE = "default"
# libpq's variables for logging in that reach the server from the caller's environment.
LIBPQ_VARIABLES = (
    "PGPASSWORD",
    "PGPASSFILE",
    "PGSSLMODE",
    "PGSSLROOTCERT",
    "PGSSLCERT",
    "PGSSLKEY",
    "PGCONNECT_TIMEOUT",
)
PASSWORD_FILE_NAME = ".pgpass"
# A table every Label Studio database has (its users), whatever its version.
LABEL_STUDIO_TABLE = "htx_user"
CONNECT_TIMEOUT_SECONDS = 10
NO_PASSWORD_MARK = "no password supplied"
INSTALL_HINT = "pip install 'stancepack[server]'"


@dataclass(frozen=True)
class DatabaseUrl:
    """A PostgreSQL database: role, host (a name, an address or a socket folder), port,
    database name."""

    user: str
    host: str
    port: int
    name: str

    def __str__(self) -> str:
        host = quote(self.host, safe="") if self.host.startswith("/") else self.host
        if ":" in host:
            host = f"[{host}]"
        user, name = quote(self.user, safe=""), quote(self.name, safe="")
        return f"{SCHEME}://{user}@{host}:{self.port}/{name}"

    def label_studio_settings(self) -> dict[str, str]:
        """The environment that puts Label Studio on this database, password left to libpq."""
        return {
            "DJANGO_DB": LABEL_STUDIO_DATABASE,
            "POSTGRE_NAME": self.name,
            "POSTGRE_USER": self.user,
            "POSTGRE_PASSWORD": "",
            "POSTGRE_HOST": self.host,
            "POSTGRE_PORT": str(self.port),
        }


def _refuse(problem: str) -> ServerError:
    return ServerError(f"the database URL {problem}; write it as {URL_FORM}")


def parse_database_url(text: str) -> DatabaseUrl:
    """The database a URL names; refuses a URL holding a password, never repeating it."""
    try:
        parts = urlsplit(text.strip())
    except ValueError:
        raise _refuse("cannot be read") from None
    if parts.password is not None:
        raise ServerError(
            "the database URL holds a password, which would show in the process list and "
            f"the shell history: remove it and give it in {PASSWORD_SOURCES}"
        )
    try:
        port = DEFAULT_PORT if parts.port is None else parts.port
    except ValueError:
        port = 0
    if port == 0:
        raise _refuse("names no valid port")
    if parts.scheme not in SCHEMES:
        raise _refuse(f"must start with {SCHEME}://")
    if parts.query or parts.fragment:
        raise _refuse("takes no parameters")
    user, host = unquote(parts.username or ""), unquote(parts.hostname or "")
    name = unquote(parts.path.removeprefix("/"))
    for value, what in ((user, "user"), (host, "host"), (name, "database")):
        if not value:
            raise _refuse(f"names no {what}")
        if not value.isprintable() or (what != "host" and "/" in value):
            raise _refuse(f"names an invalid {what}")
    return DatabaseUrl(user=user, host=host, port=port, name=name)


# --- the record in the data directory ------------------------------------------------------


def record_path(data_dir: Path) -> Path:
    return data_dir / RECORD_FILE


def record_text(database: DatabaseUrl) -> str:
    return json.dumps({"url": str(database)}, indent=2, sort_keys=True) + "\n"


def read_record(data_dir: Path) -> DatabaseUrl | None:
    """The database recorded in the data directory; None when it runs on SQLite."""
    path = record_path(data_dir)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError, ValueError) as error:
        reason = type(error).__name__
        raise ServerError(f"{path}: cannot read the database record ({reason})") from None
    url = data.get("url") if isinstance(data, dict) else None
    if not isinstance(url, str):
        raise ServerError(f"{path}: the database record needs a url")
    try:
        return parse_database_url(url)
    except ServerError as error:
        raise ServerError(f"{path}: {error}") from None


# --- logging in ----------------------------------------------------------------------------


def password_file(source: Mapping[str, str]) -> Path | None:
    """The caller's password file, when it exists: PGPASSFILE, else ~/.pgpass."""
    if source.get("PGPASSFILE"):
        return Path(source["PGPASSFILE"]).expanduser().absolute()
    home = source.get("HOME") or pwd.getpwuid(os.getuid()).pw_dir
    path = Path(home) / PASSWORD_FILE_NAME
    return path if path.is_file() else None


def libpq_environment(source: Mapping[str, str]) -> dict[str, str]:
    """The caller's libpq variables for logging in, and the password file named by its
    full path (the server runs with a HOME of its own)."""
    passed = {name: source[name] for name in LIBPQ_VARIABLES if source.get(name)}
    found = password_file(source)
    if found is not None:
        passed["PGPASSFILE"] = str(found)
    return passed


def _connection_failure(database: DatabaseUrl, error: Exception) -> ServerError:
    reason = " ".join(line.strip() for line in str(error).splitlines() if line.strip())
    hint = f" (give the password in {PASSWORD_SOURCES})" if NO_PASSWORD_MARK in reason else ""
    return ServerError(f"cannot connect to {database}: {reason or type(error).__name__}{hint}")


def holds_label_studio(database: DatabaseUrl, environment: Mapping[str, str]) -> bool:
    """Log in to the database as Label Studio will; True when it already holds a Label
    Studio. Refuses a database that cannot be reached or logged in to."""
    try:
        import psycopg
        from psycopg.conninfo import make_conninfo
    except ImportError:
        raise ServerError(
            f"psycopg (PostgreSQL for Label Studio) is not installed: {INSTALL_HINT}"
        ) from None
    login: dict[str, str | int | None] = {
        "host": database.host,
        "port": database.port,
        "user": database.user,
        "dbname": database.name,
        "connect_timeout": CONNECT_TIMEOUT_SECONDS,
        "password": environment.get("PGPASSWORD"),
        "passfile": environment.get("PGPASSFILE"),
    }
    try:
        with psycopg.connect(make_conninfo("", **login)) as connection:
            row = connection.execute(
                "SELECT to_regclass(%s) IS NOT NULL", (LABEL_STUDIO_TABLE,)
            ).fetchone()
    except psycopg.Error as error:
        raise _connection_failure(database, error) from None
    return bool(row and row[0])
