"""Annotator accounts of a Label Studio organisation, and their one-time login file.

Label Studio 1.23 Community has no API call that sets another user's password: the SDK's
``users.create`` (``POST /api/users/``) makes an account in the organisation that cannot
log in (the password is not one of the fields the server accepts). An account that can
log in is made the way the server's own invitation does it: the admin asks for the
organisation's invitation token (SDK ``organizations.invites.get_invite_link``) and the
account signs up through ``/user/signup/?token=...`` with a generated password. Sign-up
with the invitation token makes the account a member of the organisation, which lets it
annotate every project.

Logins (e-mail, password, URL) go to a JSON file readable by its owner alone; a later
run merges its new logins into it and never replaces an entry. Neither the password nor
the invitation token is ever printed or put into an error message.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from stancepack.ground.atomic import atomic_file
from stancepack.ground.errors import LabelStudioError, OutputError
from stancepack.ground.labelstudio.client import Connection, retrying
from stancepack.ground.labelstudio.members import Member, organisation_members
from stancepack.ground.labelstudio.tokens import redact

if TYPE_CHECKING:
    import httpx
    from label_studio_sdk import LabelStudio

LOGIN_FILE = "logins.json"
LOGIN_FILE_FORMAT = 1
PASSWORD_BYTES = 18  # secrets.token_urlsafe(18): 24 characters
SIGNUP_PATH = "/user/signup/"
LOGIN_PATH = "/user/login/"
TOKEN_PATH = "/api/current-user/token"
CSRF_COOKIE = "csrftoken"
FORM_TIMEOUT = 60.0
# What the sign-up form says when the e-mail has an account already.
ACCOUNT_EXISTS_MARK = "already exists"
EMAIL = re.compile(r"[^@\s]+@[^@\s]+")
FORM_ERROR = re.compile(r'class="[^"]*error[^"]*"[^>]*>\s*([^<]+?)\s*<', re.IGNORECASE)


@dataclass(frozen=True)
class Login:
    """One account's login as the login file holds it; the password never shows in repr."""

    email: str
    password: str = field(repr=False)
    url: str

    def to_dict(self) -> dict[str, str]:
        return {"email": self.email, "password": self.password, "url": self.url}


@dataclass(frozen=True)
class AddReport:
    """What ``add_annotators`` did: accounts made, e-mails that had one, the login file."""

    added: list[Member]
    existing: list[Member]
    elsewhere: list[str]  # e-mails with an account outside the organisation
    login_file: Path | None


def new_password() -> str:
    return secrets.token_urlsafe(PASSWORD_BYTES)


def checked_emails(emails: Iterable[str]) -> list[str]:
    """The e-mails in lower case (as Label Studio keeps them), each once, in given order;
    refuses one that is not an e-mail address."""
    chosen: list[str] = []
    for raw in emails:
        email = raw.strip().lower()
        if not EMAIL.fullmatch(email):
            raise LabelStudioError(f"{raw!r} is not an e-mail address")
        if email not in chosen:
            chosen.append(email)
    return chosen


def default_login_file(data_dir: Path) -> Path:
    return data_dir / LOGIN_FILE


# --- the organisation ---------------------------------------------------------------------


def invitation_token(client: LabelStudio, connection: Connection) -> str:
    """The organisation's invitation token (a secret: never shown)."""
    invite = retrying(
        lambda: client.organizations.invites.get_invite_link(),
        connection,
        "read the organisation's invitation link",
    )
    token = str(getattr(invite, "token", "") or "")
    if not token:
        raise LabelStudioError(
            f"Label Studio at {connection.url} sent no invitation token: annotators cannot "
            "be added to its organisation"
        )
    return token


# --- web forms ----------------------------------------------------------------------------


def _form_client(url: str) -> httpx.Client:
    import httpx

    return httpx.Client(base_url=url, follow_redirects=False, timeout=FORM_TIMEOUT)


def _post_form(
    browser: httpx.Client, path: str, fields: dict[str, str], secrets_: tuple[str, ...]
) -> httpx.Response:
    """GET ``path`` for the CSRF cookie, then POST ``fields`` to it as the form does."""
    import httpx

    url = str(browser.base_url).rstrip("/")
    try:
        browser.get(path)
        csrf = browser.cookies.get(CSRF_COOKIE) or ""
        return browser.post(
            path,
            data={**fields, "csrfmiddlewaretoken": csrf},
            headers={"Referer": url + path},
        )
    except httpx.HTTPError as error:
        detail = redact(str(error), secrets_) or type(error).__name__
        raise LabelStudioError(f"cannot reach Label Studio at {url} ({detail})") from None


class AccountExists(LabelStudioError):
    """The e-mail has an account on the server already."""


def sign_up(url: str, token: str, email: str, password: str) -> None:
    """Make an account through the organisation's invitation link."""
    path = f"{SIGNUP_PATH}?token={token}"
    with _form_client(url) as browser:
        answer = _post_form(
            browser, path, {"email": email, "password": password}, (token, password)
        )
    if answer.status_code in (301, 302, 303):
        return
    if answer.status_code == 200 and ACCOUNT_EXISTS_MARK in answer.text:
        raise AccountExists(f"{email} has an account on {url} already")
    if answer.status_code == 403:
        raise LabelStudioError(
            f"Label Studio at {url} refused the invitation link when signing up {email} "
            "(HTTP 403): was the organisation's invitation link reset meanwhile?"
        )
    reason = _form_error(answer.text) or f"HTTP {answer.status_code}"
    raise LabelStudioError(
        f"Label Studio at {url} refused to sign up {email}: {redact(reason, (token, password))}"
    )


def _form_error(page: str) -> str:
    found = FORM_ERROR.search(page)
    return " ".join(found.group(1).split()) if found else ""


def log_in(url: str, email: str, password: str) -> httpx.Client:
    """A web session of the account (its cookies), as the login form gives it."""
    browser = _form_client(url)
    answer = _post_form(browser, LOGIN_PATH, {"email": email, "password": password}, (password,))
    if answer.status_code not in (301, 302, 303):
        browser.close()
        raise LabelStudioError(f"Label Studio at {url} refused the login of {email}")
    return browser


def user_token(url: str, email: str, password: str) -> str:
    """The account's own API token: log in, then ``GET /api/current-user/token``."""
    browser = log_in(url, email, password)
    try:
        answer = browser.get(TOKEN_PATH)
    finally:
        browser.close()
    token = answer.json().get("token") if answer.status_code == 200 else None
    if not isinstance(token, str) or not token:
        raise LabelStudioError(
            f"Label Studio at {url} gave no API token to {email} (HTTP {answer.status_code})"
        )
    return token


# --- the login file -----------------------------------------------------------------------


def read_logins(path: Path) -> list[Login]:
    """The logins of a login file; an absent file holds none."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise OutputError(
            f"{path}: not a login file stancepack wrote ({type(error).__name__}); "
            "pass another -o FILE"
        ) from None
    entries = data.get("logins") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not all(_is_login(entry) for entry in entries):
        raise OutputError(f"{path}: not a login file stancepack wrote; pass another -o FILE")
    return [Login(entry["email"], entry["password"], entry["url"]) for entry in entries]


def _is_login(entry: Any) -> bool:
    return isinstance(entry, dict) and all(
        isinstance(entry.get(key), str) for key in ("email", "password", "url")
    )


def render_logins(logins: Iterable[Login]) -> bytes:
    ordered = sorted(logins, key=lambda login: (login.url, login.email))
    data = {"format": LOGIN_FILE_FORMAT, "logins": [login.to_dict() for login in ordered]}
    return (json.dumps(data, indent=2, sort_keys=True) + "\n").encode("utf-8")


def refuse_stale_entries(path: Path, logins: list[Login], url: str, emails: list[str]) -> None:
    """Refuse to add an account the login file already has a login for (at this URL)."""
    listed = sorted({login.email for login in logins if login.url == url} & set(emails))
    if listed:
        raise OutputError(
            f"{path} already holds a login for {listed[0]} at {url}, which has no account "
            "there: remove that entry or pass another -o FILE (nothing was changed)"
        )


# --- adding annotators --------------------------------------------------------------------


def add_annotators(
    client: LabelStudio,
    connection: Connection,
    emails: Iterable[str],
    login_file: Path,
    *,
    make_password: Callable[[], str] = new_password,
) -> AddReport:
    """Give each e-mail an account in the organisation, with a generated password, and
    merge the new logins into ``login_file`` (0600). An e-mail that has an account already
    changes nothing. Accounts made before a failure keep their logins in the file."""
    wanted = checked_emails(emails)
    members = {member.email: member for member in organisation_members(client, connection)}
    existing = [members[email] for email in wanted if email in members]
    new = [email for email in wanted if email not in members]
    if not new:
        return AddReport(added=[], existing=existing, elsewhere=[], login_file=None)
    previous = read_logins(login_file)
    refuse_stale_entries(login_file, previous, connection.url, new)
    token = invitation_token(client, connection)
    login_file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    made: list[Login] = []
    elsewhere: list[str] = []
    failure: BaseException | None = None
    with atomic_file(login_file, force=True, secret=True) as stream:
        for email in new:
            password = make_password()
            try:
                sign_up(connection.url, token, email, password)
            except AccountExists:
                elsewhere.append(email)
                continue
            except BaseException as error:  # keep the logins of the accounts made so far
                failure = error
                break
            made.append(Login(email=email, password=password, url=connection.url))
        stream.write(render_logins([*previous, *made]))
    if failure is not None:
        raise failure
    return AddReport(
        added=_members_of(client, connection, [login.email for login in made]),
        existing=existing,
        elsewhere=elsewhere,
        login_file=login_file if made else None,
    )


def _members_of(client: LabelStudio, connection: Connection, emails: list[str]) -> list[Member]:
    """The members with these e-mails; an account missing from the organisation is an error."""
    members = {member.email: member for member in organisation_members(client, connection)}
    missing = [email for email in emails if email not in members]
    if missing:
        raise LabelStudioError(
            f"{missing[0]} signed up at {connection.url} but is not a member of the API "
            "token's organisation"
        )
    return [members[email] for email in emails]
