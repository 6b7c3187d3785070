"""The committed seed data and what the README says about it: paths, the packaging options
data/make_seed_dataset.py uses, the README's seed tables, and the committed dataset's figures
(read from its parquet files, no server and no ``datasets`` needed)."""

from __future__ import annotations

import filecmp
import importlib.util
import re
from collections import Counter
from pathlib import Path
from types import ModuleType
from typing import Any

import pyarrow.parquet as pq

from stancepack.schema.features import CONFIGS, config_features
from stancepack.schema.taxonomy import load_taxonomy
from tests.helpers import REPO

SPLITS = ("train", "validation", "test")
SEED_TABLE_MARKER = "<!-- seed-table -->"
ALL_OUTLETS = "all"
RAW_LAYER = re.compile(
    r"the (?P<annotation>\d+) annotated mentions and the (?P<prediction>\d+) mentions the\s+"
    r"pre-annotator proposed"
)


def seed_dataset_script() -> ModuleType:
    """data/make_seed_dataset.py, imported: the one place that says how the seed data is made."""
    path = REPO / "data" / "make_seed_dataset.py"
    spec = importlib.util.spec_from_file_location("make_seed_dataset", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SEED_SCRIPT = seed_dataset_script()
ANNOTATIONS: Path = SEED_SCRIPT.ANNOTATIONS
EXPORT: Path = SEED_SCRIPT.EXPORT
DATASET: Path = SEED_SCRIPT.DATASET
CURATORS: str = SEED_SCRIPT.CURATORS
# (annotator, file of judgements): both passes and the curator's decisions.
JUDGEMENTS: list[tuple[str, Path]] = [
    *SEED_SCRIPT.PASSES,
    (SEED_SCRIPT.CURATOR, SEED_SCRIPT.CURATED),
]


def different_files(left: Path, right: Path) -> list[str]:
    """Relative paths that differ in content, or exist on one side only."""
    names = sorted(
        {p.relative_to(left).as_posix() for p in left.rglob("*") if p.is_file()}
        | {p.relative_to(right).as_posix() for p in right.rglob("*") if p.is_file()}
    )
    return [
        name
        for name in names
        if not ((left / name).is_file() and (right / name).is_file())
        or not filecmp.cmp(left / name, right / name, shallow=False)
    ]


# --- What the README says ---------------------------------------------------------------------


def seed_section() -> str:
    """The README's text after the seed-table marker, up to the next heading."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    return readme.split(SEED_TABLE_MARKER, 1)[1].split("\n#", 1)[0]


def markdown_tables(text: str) -> list[list[list[str]]]:
    """Every Markdown table in ``text``: its rows (header first) as lists of cells, without
    the separator row."""
    tables: list[list[list[str]]] = []
    previous_was_table = False
    for line in text.splitlines():
        is_table = line.lstrip().startswith("|")
        if is_table:
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            if not previous_was_table:
                tables.append([])
            if not all(re.fullmatch(r":?-+:?", cell) for cell in cells):
                tables[-1].append(cells)
        previous_was_table = is_table
    return tables


def documented_counts() -> dict[str, dict[str, int]]:
    """Rows per config and split, from the README's first seed table."""
    header, *rows = markdown_tables(seed_section())[0]
    assert header == ["config", *SPLITS], header
    return {cells[0]: dict(zip(SPLITS, map(int, cells[1:]), strict=True)) for cells in rows}


def documented_outlets() -> tuple[list[str], dict[str, dict[str, int]]]:
    """(column names, figures by outlet) from the README's per-outlet table."""
    header, *rows = markdown_tables(seed_section())[1]
    assert header[0] == "outlet", header
    columns = header[1:]
    return columns, {
        cells[0]: dict(zip(columns, map(int, cells[1:]), strict=True)) for cells in rows
    }


def documented_raw_layer() -> dict[str, int]:
    """Rows of the annotations config by kind, as the README's sentence gives them."""
    found = RAW_LAYER.search(seed_section())
    assert found is not None, "the README no longer says what the annotations config holds"
    return {kind: int(count) for kind, count in found.groupdict().items()}


# --- What the dataset holds -------------------------------------------------------------------


def split_files(dataset: Path, config: str, split: str) -> list[Path]:
    return sorted((dataset / config).glob(f"{split}-*.parquet"))


def dataset_counts(dataset: Path) -> dict[str, dict[str, int]]:
    """Rows per config and split, from the parquet files' metadata."""
    return {
        config: {
            split: sum(
                pq.ParquetFile(path).metadata.num_rows
                for path in split_files(dataset, config, split)
            )
            for split in SPLITS
        }
        for config in CONFIGS
    }


def config_rows(dataset: Path, config: str) -> list[dict[str, Any]]:
    """Every row of a config, all splits, as plain dicts."""
    return [
        row
        for split in SPLITS
        for path in split_files(dataset, config, split)
        for row in pq.read_table(path).to_pylist()
    ]


def outlet_figures(dataset: Path) -> dict[str, dict[str, int]]:
    """Mentions, distinct actors (canonical name, else span text) and mentions per stance, by
    outlet and for all outlets together."""
    stance_names = config_features(load_taxonomy())["mentions"]["stance"].names
    outlet_of = {row["article_id"]: row["source"] for row in config_rows(dataset, "articles")}
    mentions: Counter[str] = Counter()
    actors: dict[str, set[str]] = {}
    stances: dict[str, Counter[str]] = {}
    for row in config_rows(dataset, "mentions"):
        actor = row["actor_name"] or row["text"]
        stance = None if row["stance"] is None else stance_names[row["stance"]]
        for outlet in (outlet_of[row["article_id"]], ALL_OUTLETS):
            mentions[outlet] += 1
            actors.setdefault(outlet, set()).add(actor)
            stances.setdefault(outlet, Counter())[stance] += 1
    return {
        outlet: {
            "mentions": mentions[outlet],
            "actors": len(actors[outlet]),
            **{name: stances[outlet][name] for name in stance_names},
        }
        for outlet in mentions
    }


def raw_layer(dataset: Path) -> dict[str, int]:
    """Rows of the annotations config by kind."""
    return dict(Counter(row["kind"] for row in config_rows(dataset, "annotations")))
