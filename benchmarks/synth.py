"""A generator of realistic synthetic Label Studio full JSON exports, for benchmarks.

Each task is a news-length article (about 2,500 characters, sentences drawn from the seed
articles), with about five actor spans per annotation, each with a per-region stance,
roles on some, a canonical name on some, and relations between spans. About 10% of the
tasks have two annotators and about 3% of the annotations are cancelled. Every span's
offsets and text agree with the article, so a correct validator reports no errors.

    python benchmarks/synth.py 10000 -o /tmp/export-10k.json
"""

from __future__ import annotations

import argparse
import json
import random
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from stancepack.annotate.articles import ingest
from stancepack.schema import fields
from stancepack.schema.taxonomy import Taxonomy, load_taxonomy

REPO = Path(__file__).resolve().parents[1]
ARTICLE_CHARACTERS = 2500
SPANS_PER_ANNOTATION = 5
TWO_ANNOTATORS = 0.10
CANCELLED = 0.03
NAME_WORD = re.compile(r"\b[A-Z][a-z]+(?: [A-Z][a-z]+)*\b")


def seed_sentences() -> list[str]:
    sentences = []
    for article in ingest([REPO / "data" / "articles"]).articles:
        for line in article.text.split("\n")[1:]:
            sentences += [s.strip() for s in re.split(r"(?<=[.!?])\s+", line) if len(s) > 40]
    return sentences


def make_text(rng: random.Random, sentences: list[str], number: int) -> tuple[str, str]:
    title = f"Synthetic article {number}: {rng.choice(sentences)[:60]}"
    body: list[str] = []
    while sum(len(s) + 1 for s in body) < ARTICLE_CHARACTERS:
        body.append(rng.choice(sentences))
    return title, title + "\n" + " ".join(body)


def make_annotation(
    rng: random.Random, text: str, taxonomy: Taxonomy, annotation_id: int, user: int
) -> dict[str, Any]:
    candidates = [m for m in NAME_WORD.finditer(text) if m.start() > 0]
    chosen = sorted(
        rng.sample(candidates, min(len(candidates), SPANS_PER_ANNOTATION)), key=lambda m: m.start()
    )
    result: list[dict[str, Any]] = []
    region_ids = []
    last_end = -1
    for index, match in enumerate(chosen):
        if match.start() < last_end:
            continue
        last_end = match.end()
        region_id = f"r{annotation_id}_{index}"
        region_ids.append(region_id)
        where = {"start": match.start(), "end": match.end(), "text": match.group()}
        result.append(
            fields.result_item(
                region_id,
                fields.ACTOR,
                "labels",
                {**where, "labels": [rng.choice(taxonomy.actor_type_values)]},
            )
        )
        result.append(
            fields.result_item(
                region_id,
                fields.STANCE,
                "choices",
                {**where, "choices": [rng.choice(taxonomy.stance_values)]},
            )
        )
        if rng.random() < 0.4:
            roles = sorted(
                rng.sample(taxonomy.role_values, rng.randint(1, 3)), key=taxonomy.role_values.index
            )
            result.append(
                fields.result_item(region_id, fields.ROLES, "choices", {**where, "choices": roles})
            )
        if rng.random() < 0.3:
            result.append(
                fields.result_item(
                    region_id,
                    fields.ACTOR_NAME,
                    "textarea",
                    {"start": match.start(), "end": match.end(), "text": [match.group()]},
                )
            )
    for source, target in zip(region_ids, region_ids[1:], strict=False):
        if rng.random() < 0.3:
            result.append(
                {
                    "type": "relation",
                    "from_id": source,
                    "to_id": target,
                    "direction": "right",
                    "labels": [rng.choice(taxonomy.relation_values)],
                }
            )
    return {
        "id": annotation_id,
        "completed_by": {"id": user, "email": f"annotator{user}@example.org"},
        "result": result,
        "was_cancelled": rng.random() < CANCELLED,
        "ground_truth": False,
        "created_at": "2026-01-01T00:00:00.000000Z",
        "updated_at": "2026-01-01T00:00:00.000000Z",
        "lead_time": round(rng.uniform(30, 600), 3),
    }


def tasks(count: int, seed: int = 0) -> Iterator[dict[str, Any]]:
    rng = random.Random(seed)
    taxonomy = load_taxonomy()
    sentences = seed_sentences()
    annotation_id = 0
    for number in range(1, count + 1):
        title, text = make_text(rng, sentences, number)
        annotators = 2 if rng.random() < TWO_ANNOTATORS else 1
        annotations = []
        for user in range(1, annotators + 1):
            annotation_id += 1
            annotations.append(make_annotation(rng, text, taxonomy, annotation_id, user))
        yield {
            "id": number,
            "data": {
                fields.TEXT: text,
                "title": title,
                "source": rng.choice(["ABC News", "RT", "AFP", "Reuters"]),
                "published": "2024-03-04",
                "url": "",
                "article_id": f"{number:016x}",
                "story_id": f"{number:016x}",
            },
            "annotations": annotations,
            "predictions": [],
            "drafts": [],
            "project": 1,
            "created_at": "2026-01-01T00:00:00.000000Z",
            "updated_at": "2026-01-01T00:00:00.000000Z",
        }


def write_export(path: str | Path, count: int, seed: int = 0) -> Path:
    """Write ``count`` tasks as one JSON list, streaming (memory stays small)."""
    path = Path(path)
    with path.open("w", encoding="utf-8") as handle:
        handle.write("[")
        for index, task in enumerate(tasks(count, seed)):
            handle.write(("," if index else "") + json.dumps(task, ensure_ascii=False))
        handle.write("]")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("count", type=int)
    parser.add_argument("-o", "--output", required=True)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    write_export(args.output, args.count, args.seed)


if __name__ == "__main__":
    main()
