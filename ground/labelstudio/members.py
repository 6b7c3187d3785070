"""The users of a Label Studio organisation, read through the API token's connection."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from stancepack.ground.labelstudio.client import Connection, retrying

if TYPE_CHECKING:
    from label_studio_sdk import LabelStudio


@dataclass(frozen=True)
class Member:
    """A user of the organisation."""

    id: int
    email: str
    last_activity: str


def organisation_members(client: LabelStudio, connection: Connection) -> list[Member]:
    """Every user of the API token's organisation, by id."""
    users = retrying(lambda: client.users.list(), connection, "list the users")
    members = [
        Member(
            id=int(user.id),
            email=str(user.email or "").lower(),
            last_activity=_timestamp(user.last_activity),
        )
        for user in users
        if user.id is not None
    ]
    return sorted(members, key=lambda member: member.id)


def _timestamp(value: Any) -> str:
    if value is None:
        return ""
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return text.replace("+00:00", "Z")
