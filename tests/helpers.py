"""Small helpers shared by tests."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from stancepack.schema.taxonomy import DEFAULT_TAXONOMY_PATH

REPO = Path(__file__).resolve().parents[1]
SEED_ARTICLES = REPO / "data" / "articles"
SHARED = REPO.parent / "shared"


def default_taxonomy_data() -> dict[str, Any]:
    return copy.deepcopy(yaml.safe_load(DEFAULT_TAXONOMY_PATH.read_text(encoding="utf-8")))


def write_taxonomy(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path
