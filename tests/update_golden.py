"""Rewrite the golden files in tests/golden/ from the packaged taxonomy and print what changed.

The golden-file tests only compare; this step only writes, and it runs no test. After an
intended change to the taxonomy, the codebook or the labeling config, run it from the
repository root and review the diff it prints (and ``git diff tests/golden``):

    python -m tests.update_golden
"""

from __future__ import annotations

import difflib
import os
import sys
from collections.abc import Callable
from pathlib import Path

from stancepack.annotate.labeling_config import build_label_config
from stancepack.schema.codebook import render_html, render_markdown
from stancepack.schema.taxonomy import Taxonomy, load_taxonomy

GOLDEN_DIR = Path(__file__).parent / "golden"
UPDATE_COMMAND = "python -m tests.update_golden"

RENDERERS: dict[str, Callable[[Taxonomy], str]] = {
    "codebook.md": render_markdown,
    "codebook.html": render_html,
    "label_config.xml": build_label_config,
}


def render(name: str) -> str:
    """The current text of the golden file ``name``, rendered from the packaged taxonomy."""
    return RENDERERS[name](load_taxonomy())


def mismatch_message(name: str) -> str:
    """What a golden-file test says when ``name`` differs from what the code renders."""
    return (
        f"tests/golden/{name} differs from what the code renders; if the change is intended, "
        f"run `{UPDATE_COMMAND}` from the repository root and review the diff it prints"
    )


def shown(path: Path) -> str:
    """``path`` as printed: relative to the current folder."""
    return os.path.relpath(path)


def golden_diff(path: Path, old: str, new: str) -> str:
    """A unified diff from the stored golden text to the rendered one."""
    lines = difflib.unified_diff(
        old.splitlines(keepends=True),
        new.splitlines(keepends=True),
        fromfile=f"{shown(path)} (stored)",
        tofile=f"{shown(path)} (rendered)",
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def update_golden(golden_dir: Path = GOLDEN_DIR) -> dict[str, str]:
    """Write every golden file whose stored text differs from the rendered one; return the
    diff of each file written, by name (an empty dict when every file was up to date)."""
    golden_dir.mkdir(parents=True, exist_ok=True)
    changed: dict[str, str] = {}
    for name in sorted(RENDERERS):
        path = golden_dir / name
        new = render(name)
        old = path.read_text(encoding="utf-8") if path.exists() else ""
        if old != new:
            path.write_text(new, encoding="utf-8")
            changed[name] = golden_diff(path, old, new)
    return changed


def main(golden_dir: Path = GOLDEN_DIR) -> int:
    """Update the golden files, print each diff and the names written; always exit 0."""
    changed = update_golden(golden_dir)
    for diff in changed.values():
        sys.stdout.write(diff)
    for name in sorted(RENDERERS):
        print(f"{'updated' if name in changed else 'unchanged'}: {shown(golden_dir / name)}")
    if changed:
        print("Review the diff above before committing; the tests were not run.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
