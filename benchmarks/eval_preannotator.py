"""Precision, recall and F1 of the rule-based pre-annotator against human annotations.

Reads a Label Studio full JSON export (the human annotations), runs the pre-annotator on
each task's text and compares, over every non-cancelled annotation:

- actor mentions: exact span (same start and end), exact span and actor type, and
  overlap (one-to-one, each proposal matched to the human span it overlaps most);
- proposed roles: (span, role) pairs, the spans matched exactly.

Counts are summed over annotations (a task with two annotators counts twice).

    python benchmarks/eval_preannotator.py export.json --gazetteer data/actors.yaml
    python benchmarks/eval_preannotator.py export.json --articles data/articles --format json
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from stancepack.errors import StancepackError

REPO = Path(__file__).resolve().parents[1]
DEFAULT_GAZETTEER = REPO / "data" / "actors.yaml"
METRICS = ("span_exact", "span_and_type", "span_overlap", "roles")
Mention = tuple[int, int, str]  # start, end, actor type
RolePair = tuple[int, int, str]  # start, end, role


class EvaluationError(StancepackError):
    """The export cannot be evaluated."""


@dataclass(frozen=True)
class Annotated:
    """One annotation of one task: the text, the human mentions and their roles."""

    task: str
    text: str
    mentions: list[Mention]
    roles: set[RolePair]


@dataclass
class Count:
    matched: int = 0
    predicted: int = 0
    gold: int = 0

    def add(self, matched: int, predicted: int, gold: int) -> None:
        self.matched += matched
        self.predicted += predicted
        self.gold += gold

    def scores(self) -> dict[str, float | int]:
        precision = self.matched / self.predicted if self.predicted else 0.0
        recall = self.matched / self.gold if self.gold else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return {
            "matched": self.matched,
            "predicted": self.predicted,
            "gold": self.gold,
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "f1": round(f1, 4),
        }


# --- reading the export ------------------------------------------------------------------


def read_tasks(path: Path) -> list[dict[str, Any]]:
    try:
        tasks = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise EvaluationError(f"{path}: no such export file") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise EvaluationError(f"{path}: not a JSON export ({error})") from None
    if not isinstance(tasks, list) or not all(isinstance(task, dict) for task in tasks):
        raise EvaluationError(f"{path}: expected a list of tasks (a full JSON export)")
    return tasks


def annotated_tasks(
    tasks: list[dict[str, Any]], texts: dict[str, str], where: str
) -> list[Annotated]:
    """Every non-cancelled annotation with its task's text."""
    from stancepack.schema.fields import TEXT

    annotated = []
    for index, task in enumerate(tasks):
        name = f"task {task.get('id', index)}"
        data: dict[str, Any] = task["data"] if isinstance(task.get("data"), dict) else task
        text = data.get(TEXT) or texts.get(str(data.get("article_id", "")))
        if not isinstance(text, str) or not text:
            raise EvaluationError(
                f"{where}: {name}: no text in data.{TEXT} and no article with its article_id "
                "(pass --articles)"
            )
        for annotation in task.get("annotations", task.get("completions", [])) or []:
            if annotation.get("was_cancelled") or annotation.get("skipped"):
                continue
            mentions, roles = mentions_and_roles(annotation.get("result") or [])
            annotated.append(Annotated(name, text, mentions, roles))
    return annotated


def mentions_and_roles(result: Iterable[dict[str, Any]]) -> tuple[list[Mention], set[RolePair]]:
    """Actor spans (start, end, type) and (start, end, role) pairs of one result list."""
    from stancepack.schema.fields import ACTOR, ROLES

    mentions: list[Mention] = []
    roles: set[RolePair] = set()
    for item in result:
        value = item.get("value") or {}
        if "start" not in value or "end" not in value:
            continue
        start, end = int(value["start"]), int(value["end"])
        if item.get("from_name") == ACTOR:
            for label in value.get("labels") or []:
                mentions.append((start, end, label))
        elif item.get("from_name") == ROLES:
            roles.update((start, end, role) for role in value.get("choices") or [])
    return sorted(set(mentions)), roles


# --- matching ----------------------------------------------------------------------------


def overlap_matches(predicted: list[Mention], gold: list[Mention]) -> int:
    """One-to-one matches of overlapping spans, largest overlaps first."""
    pairs = sorted(
        (
            (min(p[1], g[1]) - max(p[0], g[0]), i, j)
            for i, p in enumerate(predicted)
            for j, g in enumerate(gold)
            if min(p[1], g[1]) > max(p[0], g[0])
        ),
        key=lambda pair: (-pair[0], pair[1], pair[2]),
    )
    used_predicted: set[int] = set()
    used_gold: set[int] = set()
    for _, i, j in pairs:
        if i not in used_predicted and j not in used_gold:
            used_predicted.add(i)
            used_gold.add(j)
    return len(used_predicted)


def evaluate(annotated: list[Annotated], preannotator: Any) -> dict[str, Any]:
    """Counts and scores of every metric, summed over the annotations."""
    counts = {metric: Count() for metric in METRICS}
    predictions: dict[str, tuple[list[Mention], set[RolePair]]] = {}
    for annotation in annotated:
        if annotation.text not in predictions:
            predictions[annotation.text] = mentions_and_roles(preannotator.predict(annotation.text))
        predicted, predicted_roles = predictions[annotation.text]
        gold = annotation.mentions
        spans = {(start, end) for start, end, _ in predicted}
        gold_spans = {(start, end) for start, end, _ in gold}
        counts["span_exact"].add(len(spans & gold_spans), len(spans), len(gold_spans))
        counts["span_and_type"].add(len(set(predicted) & set(gold)), len(predicted), len(gold))
        counts["span_overlap"].add(overlap_matches(predicted, gold), len(predicted), len(gold))
        counts["roles"].add(
            len(predicted_roles & annotation.roles), len(predicted_roles), len(annotation.roles)
        )
    return {
        "model_version": preannotator.model_version,
        "tasks": len({annotation.task for annotation in annotated}),
        "annotations": len(annotated),
        **{metric: counts[metric].scores() for metric in METRICS},
    }


def format_report(report: dict[str, Any]) -> str:
    lines = [
        f"pre-annotator {report['model_version']}: {report['tasks']} tasks, "
        f"{report['annotations']} annotations",
        f"{'metric':<14} {'matched':>7} {'predicted':>9} {'gold':>5} "
        f"{'precision':>9} {'recall':>6} {'f1':>6}",
    ]
    for metric in METRICS:
        row = report[metric]
        lines.append(
            f"{metric:<14} {row['matched']:>7} {row['predicted']:>9} {row['gold']:>5} "
            f"{row['precision']:>9.3f} {row['recall']:>6.3f} {row['f1']:>6.3f}"
        )
    return "\n".join(lines)


def article_texts(folder: Path | None) -> dict[str, str]:
    if folder is None:
        return {}
    from stancepack.annotate.articles import ingest

    return {article.article_id: article.text for article in ingest([folder]).articles}


@click.command()
@click.argument("export", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--gazetteer",
    type=click.Path(dir_okay=False, path_type=Path),
    default=DEFAULT_GAZETTEER,
    show_default=True,
    help="Actor gazetteer of the pre-annotator.",
)
@click.option(
    "--taxonomy",
    "taxonomy_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Taxonomy YAML file (default: the packaged taxonomy).",
)
@click.option(
    "--articles",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="Article folder, for exports whose tasks carry an article_id but no text.",
)
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text")
def main(
    export: Path,
    gazetteer: Path,
    taxonomy_path: Path | None,
    articles: Path | None,
    output_format: str,
) -> None:
    """Precision and recall of the pre-annotator against a Label Studio export.

    Example:

        python benchmarks/eval_preannotator.py export.json --format json
    """
    from stancepack.annotate.gazetteer import load_gazetteer
    from stancepack.annotate.preannotate import Preannotator
    from stancepack.schema.taxonomy import load_taxonomy

    try:
        taxonomy = load_taxonomy(taxonomy_path)
        preannotator = Preannotator(load_gazetteer(gazetteer, taxonomy), taxonomy)
        annotated = annotated_tasks(read_tasks(export), article_texts(articles), str(export))
        if not annotated:
            raise EvaluationError(f"{export}: no annotations to compare with")
        report = evaluate(annotated, preannotator)
    except StancepackError as error:
        raise click.ClickException(str(error)) from None
    if output_format == "json":
        click.echo(json.dumps(report, indent=2, sort_keys=True))
    else:
        click.echo(format_report(report))


if __name__ == "__main__":
    sys.exit(main())
