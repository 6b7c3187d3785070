"""Why a span's offsets do not fit its article's text: UTF-16 units where characters were
meant (repaired on request), a span of no length, offsets beyond the text, or a text that
differs from the slice only in surrounding whitespace, Unicode normalisation or
compatibility forms, or that sits elsewhere in the text.

Plain functions of the text and the offsets; each diagnosis is the fields of one issue
(severity, code, reason, field, value) and where the span is held in the mentions table."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from stancepack.export.issues import ERROR, WARNING

# The largest offset a table holds (int64); offsets beyond it are reported and held as -1.
LARGEST_OFFSET = 2**63 - 1
# Characters that UTF-16 counts as two units.
ASTRAL = re.compile("[\U00010000-\U0010ffff]")
# A span's start, end and text as the mentions table holds them, and whether its offsets
# place it in the text.
Placement = tuple[int, int, str, bool]


def held_offset(offset: int) -> int:
    """The offset as the mentions table holds it: -1 when int64 cannot hold it."""
    return offset if -LARGEST_OFFSET - 1 <= offset <= LARGEST_OFFSET else -1


def utf16_index(text: str) -> list[int]:
    """UTF-16 offset -> character offset; -1 inside a surrogate pair; empty when the text has
    no astral characters (UTF-16 and character offsets agree)."""
    if not ASTRAL.search(text):
        return []
    index: list[int] = []
    for position, character in enumerate(text):
        index.append(position)
        if ord(character) > 0xFFFF:
            index.append(-1)
    index.append(len(text))
    return index


def utf16_to_characters(index: list[int], start: int, end: int) -> tuple[int, int] | None:
    """``start``/``end`` read as UTF-16 offsets, in characters, through a text's
    `utf16_index`; None when the text has no astral characters or the offsets fall outside
    it or inside a surrogate pair."""
    if not index or not 0 <= start < end < len(index):
        return None
    first, last = index[start], index[end]
    if first < 0 or last < 0:
        return None
    return first, last


def explain_offsets(
    text: str,
    start: int,
    end: int,
    span_text: str | None,
    repaired: tuple[int, int] | None,
    fix_utf16_offsets: bool,
) -> tuple[dict[str, Any], Placement]:
    """The issue of offsets that do not place a span (whose text is ``span_text``, None when
    it gives none) in ``text``, saying why, and the span as held. ``repaired``: the offsets
    read as UTF-16 units, in characters (`utf16_to_characters`)."""
    shown = f"{start}-{end}"
    if repaired is not None and (span_text is None or text[slice(*repaired)] == span_text):
        return utf16_offsets(text, start, end, repaired, span_text, fix_utf16_offsets)
    unplaced = (start, end, span_text or "", False)
    if end <= start:
        reason = f"span of zero or negative length ({shown})"
        return _error("empty-span", reason, "end", shown), unplaced
    if start < 0 or end > len(text):
        reason = f"offsets {shown} fall outside the text (0-{len(text)})"
        field = "end" if start >= 0 else "start"
        return _error("offset-out-of-range", reason, field, shown), unplaced
    assert span_text is not None
    reason = mismatch_reason(text, start, end, span_text)
    return _error("text-mismatch", reason, "text", span_text), (start, end, span_text, False)


def utf16_offsets(
    text: str,
    start: int,
    end: int,
    repaired: tuple[int, int],
    span_text: str | None,
    fix_utf16_offsets: bool,
) -> tuple[dict[str, Any], Placement]:
    """Offsets counted in UTF-16 units: repaired (a warning) or reported (an error)."""
    fixed_start, fixed_end = repaired
    counted = (
        f"offsets {start}-{end} count UTF-16 units (astral characters such as emoji "
        "before the span count twice, as older Label Studio versions did); "
        f"in characters they are {fixed_start}-{fixed_end}"
    )
    shown = f"{start}-{end}"
    if fix_utf16_offsets:
        found = {"severity": WARNING, "code": "utf16-offsets-fixed"}
        found |= {"reason": f"repaired: {counted}", "field": "start", "value": shown}
        return found, (fixed_start, fixed_end, text[fixed_start:fixed_end], True)
    reason = f"{counted}; --fix-utf16-offsets repairs this"
    held = span_text if span_text is not None else text[fixed_start:fixed_end]
    return _error("utf16-offsets", reason, "start", shown), (start, end, held, False)


def mismatch_reason(text: str, start: int, end: int, span_text: str) -> str:
    """Why ``text[start:end]`` is not ``span_text``: surrounding whitespace, Unicode
    normalisation (NFC/NFD), compatibility forms (NFKC), the text elsewhere, or nowhere."""
    sliced = text[start:end]
    found = f"text[{start}:{end}] is {sliced!r}, not the span's text"
    if sliced.strip() == span_text.strip():
        return f"{found}: they differ only in surrounding whitespace"
    if unicodedata.normalize("NFC", sliced) == unicodedata.normalize("NFC", span_text):
        return f"{found}: they differ only in Unicode normalisation (NFC vs NFD)"
    if unicodedata.normalize("NFKC", sliced) == unicodedata.normalize("NFKC", span_text):
        return f"{found}: they differ only in Unicode compatibility forms (NFKC)"
    elsewhere = text.find(span_text)
    if elsewhere >= 0:
        return f"{found}; the span's text occurs at {elsewhere}-{elsewhere + len(span_text)}"
    return f"{found}, which does not occur in the text at all"


def _error(code: str, reason: str, field: str, value: str) -> dict[str, Any]:
    return {"severity": ERROR, "code": code, "reason": reason, "field": field, "value": value}
