"""Benchmark of importing articles with pre-annotations into a local Label Studio (not a test).

Makes COUNT synthetic news-length articles (sentences of the seed articles, fixed random
seed), pre-annotates them with the rule-based pre-annotator, and imports them twice into
the same local server, in the same run:

1. with stancepack: ``create_project`` (batches of ``--batch-size``, safe retries), then a
   ``sync_project`` of the same articles (lists the project, adds nothing);
2. raw: ONE ``POST /api/projects/ID/import`` of exactly the same task list (data and
   predictions), into a second project with the same labeling config.

It prints tasks per second and the ratio of stancepack's import time to the raw request's,
as JSON. Pre-annotating is timed on its own (it is the same work for both).

By default a server is started in a temporary data directory on a free port and stopped
at the end; ``--data-dir`` uses (or starts) the server of that directory instead.

    python -m benchmarks.bench_import 10000
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.synth import seed_sentences
from stancepack.annotate import projects
from stancepack.annotate.articles import Article, article_id_of, sha256_hex, title_of
from stancepack.ground.labelstudio import server as local
from stancepack.ground.labelstudio.client import connect, local_connection
from stancepack.schema.taxonomy import load_taxonomy

REPO = Path(__file__).resolve().parents[1]
GAZETTEER = REPO / "data" / "actors.yaml"
ARTICLE_CHARACTERS = 2500
RAW_TIMEOUT = 3600.0


def synthetic_articles(count: int, seed: int = 7) -> list[Article]:
    """``count`` distinct articles of about 2,500 characters made of seed sentences."""
    sentences = seed_sentences()
    chooser = random.Random(seed)
    articles = []
    for number in range(count):
        lines = [f"Synthetic report {number}: troops to Ukraine"]
        while sum(len(line) for line in lines) < ARTICLE_CHARACTERS:
            lines.append(chooser.choice(sentences))
        text = "\n\n".join(lines)
        article_id = article_id_of(text)
        articles.append(
            Article(
                article_id=article_id,
                story_id=article_id,
                file=f"synthetic-{number:05d}.txt",
                source="synthetic",
                url="",
                published="2025-01-01",
                language="en",
                title=title_of(text),
                text=text,
                raw_sha256=sha256_hex(text.encode("utf-8")),
                text_sha256=sha256_hex(text.encode("utf-8")),
            )
        )
    return articles


def timed(call: Any) -> tuple[Any, float]:
    clock = time.perf_counter()
    result = call()
    return result, time.perf_counter() - clock


def raw_import(connection: Any, project_id: int, tasks: list[dict[str, Any]]) -> tuple[int, float]:
    """One plain HTTP request with the whole payload: (tasks created, seconds)."""
    import httpx

    def post() -> httpx.Response:
        return httpx.post(
            f"{connection.url}/api/projects/{project_id}/import",
            headers={"Authorization": f"Token {connection.api_key}"},
            json=tasks,
            timeout=RAW_TIMEOUT,
        )

    response, seconds = timed(post)
    response.raise_for_status()
    return int(response.json()["task_count"]), seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("count", type=int, nargs="?", default=10_000)
    parser.add_argument("--batch-size", type=int, default=projects.BATCH_SIZE)
    parser.add_argument("--data-dir", type=Path, default=None, help="Use this server's folder.")
    args = parser.parse_args()

    taxonomy = load_taxonomy()
    articles = synthetic_articles(args.count)
    predict = projects.make_predictor(GAZETTEER, taxonomy)
    predictions, predict_seconds = timed(lambda: {a.article_id: predict(a) for a in articles})
    tasks = [projects.task_for(a, predictions[a.article_id]) for a in articles]
    payload_megabytes = len(json.dumps(tasks).encode("utf-8")) / 1e6

    temporary = None if args.data_dir else Path(tempfile.mkdtemp(prefix="bench-import-"))
    data_dir = args.data_dir or temporary
    info, start_seconds = timed(
        lambda: local.ensure_running(data_dir, None if args.data_dir else local.free_port())
    )
    try:
        connection = local_connection(data_dir)
        client = connect(connection)
        stamp = time.strftime("%H%M%S")
        report, import_seconds = timed(
            lambda: projects.create_project(
                client, connection, f"bench stancepack {stamp}", articles, taxonomy,
                predict=lambda article: predictions[article.article_id],
                batch_size=args.batch_size,
            )
        )  # fmt: skip
        resync, sync_seconds = timed(
            lambda: projects.sync_project(
                client, connection, f"bench stancepack {stamp}", articles, taxonomy
            )
        )
        raw_project = client.projects.create(
            title=f"bench raw {stamp}", **projects.project_settings(taxonomy)
        )
        raw_count, raw_seconds = raw_import(connection, raw_project.id, tasks)
        result = {
            "articles": args.count,
            "batch_size": args.batch_size,
            "payload_megabytes": round(payload_megabytes, 1),
            "prediction_result_items": sum(len(p[0]["result"]) for p in predictions.values() if p),
            "server_start_seconds": round(start_seconds, 1),
            "server_already_running": info.already_running,
            "preannotate_seconds": round(predict_seconds, 1),
            "stancepack_import_seconds": round(import_seconds, 1),
            "stancepack_tasks_per_second": round(report.added / import_seconds),
            "stancepack_predictions": report.predictions,
            "stancepack_end_to_end_tasks_per_second": round(
                report.added / (import_seconds + predict_seconds)
            ),
            "raw_one_request_seconds": round(raw_seconds, 1),
            "raw_tasks_per_second": round(raw_count / raw_seconds),
            "ratio_stancepack_to_raw": round(import_seconds / raw_seconds, 2),
            "resync_seconds": round(sync_seconds, 1),
            "resync_added": resync.added,
            "resync_already_there": resync.already_there,
        }
        print(json.dumps(result, indent=2))
    finally:
        if temporary is not None:
            local.stop_server(temporary)
            shutil.rmtree(temporary, ignore_errors=True)


if __name__ == "__main__":
    main()
