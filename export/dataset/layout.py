"""The layout of a dataset folder: the file names and the facts file (stancepack.json)
that records what the package holds."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from stancepack.ground.errors import PackageError

FACTS_FILE = "stancepack.json"
FACTS_FORMAT = 1
CARD_FILE = "README.md"
FIGURES_FOLDER = "figures"
# The value counted, in the facts' label counts, for rows that have none.
NO_VALUE = "(none)"


def parquet_name(config: str, split: str) -> str:
    return f"{config}/{split}-00000-of-00001.parquet"


def read_facts(dataset_dir: Path) -> dict[str, Any]:
    path = dataset_dir / FACTS_FILE
    try:
        facts = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PackageError(f"{dataset_dir}: not a stancepack dataset (no {FACTS_FILE})") from None
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise PackageError(f"{path}: not valid JSON") from None
    if not isinstance(facts, dict) or facts.get("format") != FACTS_FORMAT:
        raise PackageError(f"{path}: not a stancepack {FACTS_FORMAT} facts file")
    return facts
