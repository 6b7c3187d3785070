"""The explicit step that rewrites the golden files: it writes and reports, the tests compare."""

from __future__ import annotations

import os

from tests.update_golden import RENDERERS, main, render


def test_update_rewrites_stale_golden_files_and_prints_their_diff(tmp_path, capsys):
    (tmp_path / "codebook.md").write_text("A stale codebook\n", encoding="utf-8")
    assert main(tmp_path) == 0
    for name in RENDERERS:
        assert (tmp_path / name).read_text(encoding="utf-8") == render(name)
    out = capsys.readouterr().out
    assert f"--- {os.path.relpath(tmp_path / 'codebook.md')} (stored)\n" in out
    assert "\n-A stale codebook\n" in out
    for name in sorted(RENDERERS):
        assert f"updated: {os.path.relpath(tmp_path / name)}\n" in out
    assert out.endswith("Review the diff above before committing; the tests were not run.\n")


def test_update_leaves_up_to_date_golden_files_alone(tmp_path, capsys):
    main(tmp_path)
    capsys.readouterr()
    before = {name: (tmp_path / name).stat().st_mtime_ns for name in RENDERERS}
    assert main(tmp_path) == 0
    assert capsys.readouterr().out == "".join(
        f"unchanged: {os.path.relpath(tmp_path / name)}\n" for name in sorted(RENDERERS)
    )
    assert {name: (tmp_path / name).stat().st_mtime_ns for name in RENDERERS} == before
