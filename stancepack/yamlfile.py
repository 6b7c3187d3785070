"""Reading the project's YAML files (taxonomy, gazetteer) with one-line errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from stancepack.errors import StancepackError


def read_yaml(path: Path, error: type[StancepackError], kind: str) -> Any:
    """The YAML document in ``path``; raises ``error`` with a message that names the file
    (a ``kind`` file: "taxonomy", "gazetteer") and, for invalid YAML, the place."""
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise error(f"{path}: no such {kind} file") from None
    except UnicodeDecodeError:
        raise error(f"{path}: not UTF-8 text") from None
    except yaml.YAMLError as problem:
        mark = getattr(problem, "problem_mark", None)
        place = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise error(f"{path}: not valid YAML{place}") from None
