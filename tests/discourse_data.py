"""A crafted dataset for the network and figure tests: five actors, four articles (three
dates and one without), packaged from a Label Studio export as `stancepack package` does.

    article  published   outlet    mentions (actor: stance [roles])
    a1       2024-03-01  Daily A   Alice: support [training, demining]; Bob: oppose;
                                   Carol: support [training]
    a2       2024-03-05  Daily B   Alice: conditional [training]; Dave: oppose;
                                   Bob: neutral [cyber]
    a3       2024-03-12  Daily A   Carol: oppose; "some ministers" (no name): open
                                   [demining]; Alice: no stance [combat]
    a4       (none)      Weekly C  Dave: support; Bob: oppose

The tests work out every network of it by hand.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from stancepack.annotate import anchored
from stancepack.export.dataset.package import PackageOptions, package_export
from stancepack.schema import fields
from stancepack.schema.taxonomy import Taxonomy, load_taxonomy

ALICE, BOB, CAROL, DAVE, EVE = "Alice", "Bob", "Carol", "Dave", "some ministers"


def mention(
    ident: str, text: str, kind: str, stance: str, roles: list[str], name: str
) -> dict[str, Any]:
    return {"id": ident, "text": text, "type": kind, "stance": stance, "roles": roles, "name": name}


ARTICLES: list[dict[str, Any]] = [
    {
        "title": "A mission is backed",
        "body": "Alice wants trainers and deminers. Bob rejects it. Carol backs training.",
        "source": "Daily A",
        "published": "2024-03-01",
        "mentions": [
            mention("m1", "Alice", "person", "support", ["training", "demining"], "Alice"),
            mention("m2", "Bob", "person", "oppose", [], "Bob"),
            mention("m3", "Carol", "organization", "support", ["training"], "Carol"),
        ],
    },
    {
        "title": "A narrower offer",
        "body": "Alice now limits it to training. Dave says no. Bob reports on cyber help.",
        "source": "Daily B",
        "published": "2024-03-05",
        "mentions": [
            mention("m1", "Alice", "person", "conditional", ["training"], "Alice"),
            mention("m2", "Dave", "country", "oppose", [], "Dave"),
            mention("m3", "Bob", "person", "neutral", ["cyber"], "Bob"),
        ],
    },
    {
        "title": "Second thoughts",
        "body": "Carol turns against it. Then some ministers keep demining open. "
        "Alice talks of combat.",
        "source": "Daily A",
        "published": "2024-03-12",
        "mentions": [
            mention("m1", "Carol", "organization", "oppose", [], "Carol"),
            mention("m2", "some ministers", "group", "open", ["demining"], ""),
            mention("m3", "Alice", "person", "", ["combat"], "Alice"),
        ],
    },
    {
        "title": "Undated roundup",
        "body": "Dave would send troops. Bob still refuses.",
        "source": "Weekly C",
        "published": "",
        "mentions": [
            mention("m1", "Dave", "country", "support", [], "Dave"),
            mention("m2", "Bob", "person", "oppose", [], "Bob"),
        ],
    },
]


def result_of(text: str, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Label Studio result items; a mention with stance "" gets no stance item."""
    result = anchored.annotation_result(text, entries)
    unstanced = {entry["id"] for entry in entries if not entry["stance"]}
    return [
        item
        for item in result
        if not (item.get("id") in unstanced and item.get("from_name") == fields.STANCE)
    ]


def export_tasks(articles: list[dict[str, Any]]) -> list[dict[str, Any]]:
    tasks = []
    for number, article in enumerate(articles, 1):
        text = f"{article['title']}\n{article['body']}"
        annotation = {
            "id": 100 + number,
            "completed_by": {"id": 1, "email": "lead@example.org"},
            "result": result_of(text, article["mentions"]),
            "was_cancelled": False,
            "ground_truth": False,
            "created_at": "2026-11-01T12:00:00.000000Z",
            "updated_at": "2026-11-01T12:30:00.000000Z",
        }
        data = {
            "text": text,
            "title": article["title"],
            "source": article["source"],
            "published": article["published"],
        }
        tasks.append({"id": number, "data": data, "annotations": [annotation], "predictions": []})
    return tasks


def package_articles(
    folder: Path, articles: list[dict[str, Any]], taxonomy: Taxonomy | None = None
) -> Path:
    """Package an export of ``articles`` into ``folder / "dataset"``."""
    folder.mkdir(parents=True, exist_ok=True)
    export = folder / "export.json"
    export.write_text(json.dumps(export_tasks(articles), ensure_ascii=False), encoding="utf-8")
    dataset = folder / "dataset"
    package_export(export, dataset, taxonomy or load_taxonomy(), PackageOptions())
    return dataset


def without_stances(articles: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {**article, "mentions": [{**m, "stance": ""} for m in article["mentions"]]}
        for article in articles
    ]


def without_dates(articles: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**article, "published": ""} for article in articles]
