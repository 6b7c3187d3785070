"""A marker for tests that need file permissions to be enforced on this process."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest


def permissions_are_enforced() -> bool:
    """False for root (or any process allowed to override file permissions)."""
    with tempfile.TemporaryDirectory() as folder:
        probe = Path(folder) / "probe"
        probe.write_bytes(b"x")
        probe.chmod(0)
        try:
            probe.read_bytes()
        except PermissionError:
            return True
        return False


needs_enforced_permissions = pytest.mark.skipif(
    not permissions_are_enforced(), reason="this process reads files whatever their mode"
)
