"""Real Label Studio exports found in the wild, made with other labeling configs: ``package``
and ``agreement`` refuse each with the validation report and one ``Error:`` line, never a
traceback, and write nothing."""

from pathlib import Path

import pytest
from click.testing import CliRunner

from stancepack.cli import cli

REAL_EXPORTS = Path(__file__).resolve().parents[2] / "shared" / "real_exports"
FILES = sorted(REAL_EXPORTS.glob("*.json")) if REAL_EXPORTS.is_dir() else []


@pytest.mark.skipif(not FILES, reason="no real exports beside the repository")
@pytest.mark.parametrize("export", FILES, ids=lambda path: path.name[:40])
def test_a_foreign_export_is_refused_cleanly(export, tmp_path):
    result = CliRunner().invoke(cli, ["package", str(export), "-o", str(tmp_path / "dataset")])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    last = result.stderr.splitlines()[-1]
    assert last.startswith(f"Error: {export}: ")
    assert "invalid export" in last or "not a list of tasks" in last, last
    assert "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []

    result = CliRunner().invoke(cli, ["agreement", str(export)])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1].startswith(f"Error: {export}: ")
    assert result.stdout == ""
