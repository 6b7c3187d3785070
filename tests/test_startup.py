"""Start-up: each command imports only the heavy libraries it needs.

``stancepack --help`` imports none (tests/test_cli.py); ``stancepack validate`` needs pandas,
pandera and pyarrow for its checks, never Hugging Face datasets or the Label Studio SDK."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures" / "exports"
NEVER_FOR_VALIDATE = ("datasets", "label_studio_sdk", "huggingface_hub", "requests", "krippendorff")


def imported_by(*arguments: str) -> set[str]:
    """The top-level modules loaded by ``stancepack ARGUMENTS`` in a fresh interpreter."""
    code = (
        "import sys\n"
        "from stancepack.cli import main\n"
        "sys.argv = ['stancepack', *sys.argv[1:]]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('MODULES=' + ','.join(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, *arguments], capture_output=True, text=True, check=True
    )
    line = done.stdout.strip().splitlines()[-1]
    assert line.startswith("MODULES=")
    return set(line.removeprefix("MODULES=").split(","))


def test_validate_imports_neither_datasets_nor_the_label_studio_sdk():
    modules = imported_by("validate", str(FIXTURES / "valid.json"))
    assert {"pandas", "pandera"} <= modules  # it did check the export
    assert modules.isdisjoint(NEVER_FOR_VALIDATE), modules & set(NEVER_FOR_VALIDATE)


def test_validate_help_imports_no_heavy_library():
    modules = imported_by("validate", "--help")
    assert modules.isdisjoint({"pandas", "pandera", "pyarrow", "numpy", *NEVER_FOR_VALIDATE})
