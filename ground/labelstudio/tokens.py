"""API tokens: cleaned where they come in, hidden in any text that goes out.

A token comes from ``LABEL_STUDIO_API_KEY`` or a credentials file, where a CRLF line end or
a stray space is easy to leave; surrounding whitespace is dropped. A token with other
characters than printable ASCII cannot be sent in an HTTP header and is refused with one
line that names where it came from, never the token itself.

``redact`` replaces a token in a message by ``***``, also when the message shows it
escaped (``b'Token abc\\r'``) or split around a character that was not printable.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from stancepack.ground.errors import LabelStudioError

MASK = "***"
# The pieces of one secret, hidden one by one, read as one mask.
ADJACENT_MASKS = re.compile(r"(?:\*\*\*){2,}")
# Pieces of a token shorter than this are not hidden on their own (they would mask
# ordinary words); a token is 40 characters or more.
SHORTEST_HIDDEN_PIECE = 6


def clean_token(value: str | None, source: str) -> str | None:
    """``value`` without surrounding whitespace; None when nothing is left.

    Refuses a token holding a character that is not printable ASCII, naming ``source``
    (e.g. "LABEL_STUDIO_API_KEY" or the credentials file)."""
    if value is None:
        return None
    token = value.strip()
    if not token:
        return None
    if not (token.isascii() and token.isprintable()):
        raise LabelStudioError(
            f"the API token in {source} holds a character that is not printable ASCII "
            "(an API token is letters, digits and punctuation): copy it again"
        )
    return token


def secret_forms(secret: str) -> list[str]:
    """Every form in which ``secret`` may show in a message, longest first: as it is,
    stripped, escaped as Python shows str and bytes, and its printable pieces."""
    stripped = secret.strip()
    escaped = repr(secret)[1:-1]
    escaped_bytes = repr(secret.encode("utf-8", errors="replace"))[2:-1]
    joined = "".join(c if c.isprintable() and not c.isspace() else "\0" for c in secret)
    pieces = [piece for piece in joined.split("\0") if len(piece) >= SHORTEST_HIDDEN_PIECE]
    forms = {form for form in (secret, stripped, escaped, escaped_bytes, *pieces) if form}
    return sorted(forms, key=lambda form: (-len(form), form))


def redact(text: str, secrets: Iterable[str | None]) -> str:
    """``text`` with every form of each secret replaced by ``***``."""
    for secret in secrets:
        if not secret or not secret.strip():
            continue
        for form in secret_forms(secret):
            text = text.replace(form, MASK)
    return ADJACENT_MASKS.sub(MASK, text)
