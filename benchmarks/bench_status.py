"""Benchmark of the team figures on a large export (not a test).

Writes a full JSON export of COUNT synthetic tasks, each annotated by two annotators who
mark four country mentions (each one left out one time in ten) with a random stance
(fixed seed), and times, on it: reading and validating the file (what ``stancepack
status`` and ``curate`` do with the snapshot they pull), the status figures, and the
curation plan. Prints the timings as JSON. The snapshot export on the server comes on
top (9-14 s for 10,000 tasks, see docs/label-studio.md).

    python -m benchmarks.bench_status 10000
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from pathlib import Path
from typing import Any

from stancepack.export.dataset.curate import plan_curation
from stancepack.export.dataset.package import validate_file
from stancepack.export.dataset.status import status_of
from stancepack.schema import fields
from stancepack.schema.taxonomy import load_taxonomy

TEXT = "France and Germany discussed sending troops while Poland and Italy waited. " * 5
SPANS = ("France", "Germany", "Poland", "Italy")
STANCES = ("support", "oppose")
ANNOTATORS = 2
LEFT_OUT = 0.1


def marks(rng: random.Random) -> list[dict[str, Any]]:
    result = []
    for number, span in enumerate(SPANS):
        if rng.random() < LEFT_OUT:
            continue
        start = TEXT.index(span)
        where = {"start": start, "end": start + len(span), "text": span}
        common = {"id": f"r{number}", "to_name": fields.TEXT}
        result.append(
            {**common, "from_name": fields.ACTOR, "type": "labels",
             "value": {**where, "labels": ["country"]}}
        )  # fmt: skip
        result.append(
            {**common, "from_name": fields.STANCE, "type": "choices",
             "value": {**where, "choices": [rng.choice(STANCES)]}}
        )  # fmt: skip
    return result


def task(number: int, rng: random.Random) -> dict[str, Any]:
    annotations = [
        {"id": ANNOTATORS * number + who,
         "completed_by": {"id": who + 2, "email": f"a{who}@example.org"},
         "was_cancelled": False, "ground_truth": False, "lead_time": 3.0,
         "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z",
         "result": marks(rng)}
        for who in range(ANNOTATORS)
    ]  # fmt: skip
    data = {
        fields.TEXT: TEXT,
        "title": f"Article {number}",
        fields.OUTLET: "Example News",
        "published": "2026-01-01",
        "url": f"https://example.org/{number}",
        "article_id": f"a{number}",
        "story_id": f"a{number}",
    }
    return {"id": number + 1, "data": data, "annotations": annotations, "predictions": []}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", type=int, nargs="?", default=10_000)
    count = parser.parse_args().count
    rng = random.Random(0)
    taxonomy = load_taxonomy()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "export.json"
        path.write_text(json.dumps([task(n, rng) for n in range(count)]), encoding="utf-8")
        clock = time.perf_counter()
        report, _ = validate_file(path, taxonomy)
        read = time.perf_counter()
        status = status_of(report.whole_tables(), taxonomy)
        figures = time.perf_counter()
        plan_curation(report.whole_tables(), taxonomy)
        planned = time.perf_counter()
        size = path.stat().st_size
    print(
        json.dumps(
            {
                "tasks": count,
                "bytes": size,
                "validation_errors": report.errors,
                "disputed_tasks": len(status.disputes),
                "read_and_validate_seconds": round(read - clock, 2),
                "status_seconds": round(figures - read, 2),
                "curation_plan_seconds": round(planned - figures, 2),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
