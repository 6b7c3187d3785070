"""Text that is safe to print on a terminal: control characters shown as escapes.

Titles, outlet names and file names come from the user's files; an ESC or a C1 control
in them would be read by the terminal as a command (colours, cursor moves, a new window
title). What is printed shows them as ``\\x1b``-style escapes instead.
"""

from __future__ import annotations

import re

# C0, DEL and C1: every character of Unicode category Cc.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# The part of them that ``json.dumps(..., ensure_ascii=False)`` leaves unescaped.
JSON_UNESCAPED_CONTROLS = re.compile(r"[\x7f-\x9f]")


def printable(text: str) -> str:
    """``text`` with every control character (tabs and newlines too) as a ``\\xNN`` escape."""
    return CONTROL_CHARACTERS.sub(lambda match: f"\\x{ord(match.group()):02x}", text)


def printable_json(dumped: str) -> str:
    """JSON text (from ``json.dumps(..., ensure_ascii=False)``) with DEL and C1 controls
    as ``\\u00NN`` escapes, which JSON readers decode to the same characters."""
    return JSON_UNESCAPED_CONTROLS.sub(lambda match: f"\\u{ord(match.group()):04x}", dumped)
