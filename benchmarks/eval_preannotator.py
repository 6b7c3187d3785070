"""Precision, recall and F1 of the rule-based pre-annotator against human annotations.

Reads a Label Studio full JSON export (the human annotations), runs the pre-annotator on
each task's text and compares, over every non-cancelled annotation:

- actor mentions: exact span (same start and end), exact span and actor type, and
  overlap (one-to-one, each proposal matched to the human span it overlaps most);
- proposed roles: (span, role) pairs, the spans matched exactly.

Counts are summed over annotations (a task with two annotators counts twice).

    python benchmarks/eval_preannotator.py export.json --gazetteer data/actors.yaml
    python benchmarks/eval_preannotator.py export.json --articles data/articles --format json

With ``--seed``, it measures against the seed annotations (data/seed_annotations.yaml, the
articles of data/articles) instead, at the level annotators care about, for two
gazetteers: (a) the hand-built seed gazetteer and (b) the gazetteer ``stancepack gazetteer
suggest`` proposes from the seed articles, without edits:

- actor recall: the share of annotated actors (the mentions of one article joined by
  same_as, or sharing a canonical name) with at least one proposed span overlapping one
  of their mentions;
- span precision: the share of proposed spans that overlap an annotated mention.

    python -m benchmarks.eval_preannotator --seed
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from stancepack.ground.errors import StancepackError

REPO = Path(__file__).resolve().parents[1]
DEFAULT_GAZETTEER = REPO / "data" / "actors.yaml"
SEED_ANNOTATIONS = REPO / "data" / "seed_annotations.yaml"
SEED_ARTICLES = REPO / "data" / "articles"
# The targets with a suggested gazetteer.
TARGET_ACTOR_RECALL = 0.85
TARGET_SPAN_PRECISION = 0.65
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


# --- actors of the seed annotations --------------------------------------------------------


@dataclass(frozen=True)
class SeedArticle:
    """One annotated seed article: its text and its actors, each a list of mention spans."""

    file: str
    text: str
    actors: list[list[tuple[int, int]]]


def seed_articles(annotations: Path, folder: Path) -> list[SeedArticle]:
    """The annotated articles of ``annotations`` with the texts of ``folder``."""
    from stancepack.annotate.anchored import load_annotations, mentions_of, relations_of
    from stancepack.annotate.articles import ingest

    texts = {article.file: article.text for article in ingest([folder]).articles}
    found = []
    for file, entries in sorted(load_annotations(annotations).items()):
        mentions = mentions_of(texts[file], entries)
        same = [(a, b) for a, b, label in relations_of(entries) if label == "same_as"]
        found.append(SeedArticle(file, texts[file], actor_groups(mentions, same)))
    return found


def actor_groups(
    mentions: list[Any], same_as: list[tuple[str, str]]
) -> list[list[tuple[int, int]]]:
    """The mention spans of each actor: mentions joined by same_as or a shared name."""
    parent = {mention.id: mention.id for mention in mentions}

    def root(mention_id: str) -> str:
        while parent[mention_id] != mention_id:
            mention_id = parent[mention_id]
        return mention_id

    named: dict[str, str] = {}
    links = list(same_as)
    for mention in mentions:
        if mention.name:
            links.append((mention.id, named.setdefault(mention.name, mention.id)))
    for first, second in links:
        parent[root(first)] = root(second)
    groups: dict[str, list[tuple[int, int]]] = {}
    for mention in mentions:
        groups.setdefault(root(mention.id), []).append((mention.start, mention.end))
    return list(groups.values())


def overlaps(span: tuple[int, int], spans: Iterable[tuple[int, int]]) -> bool:
    return any(min(span[1], end) > max(span[0], start) for start, end in spans)


def actor_scores(articles: list[SeedArticle], preannotator: Any) -> dict[str, Any]:
    """Actor recall and span precision of ``preannotator`` on the annotated articles."""
    actors = found_actors = proposed = kept = 0
    for article in articles:
        spans = [(span.start, span.end) for span in preannotator.spans(article.text)]
        mentions = [mention for actor in article.actors for mention in actor]
        actors += len(article.actors)
        found_actors += sum(
            any(overlaps(mention, spans) for mention in actor) for actor in article.actors
        )
        proposed += len(spans)
        kept += sum(overlaps(span, mentions) for span in spans)
    return {
        "actors": actors,
        "actors_found": found_actors,
        "actor_recall": round(found_actors / actors, 4) if actors else 0.0,
        "proposed_spans": proposed,
        "spans_on_mentions": kept,
        "span_precision": round(kept / proposed, 4) if proposed else 0.0,
    }


def suggested_gazetteer(folder: Path, taxonomy: Any) -> Any:
    """The gazetteer ``stancepack gazetteer suggest`` writes for the articles of
    ``folder`` (default minimum count), read back as the file it writes."""
    import yaml

    from stancepack.annotate.articles import ingest
    from stancepack.annotate.suggest import render_suggestions, suggest_actors
    from stancepack.schema.gazetteer import gazetteer_from_data

    texts = [article.text for article in ingest([folder]).articles]
    rendered = render_suggestions(suggest_actors(texts))
    return gazetteer_from_data(yaml.safe_load(rendered), "suggested gazetteer", taxonomy)


def seed_report(annotations: Path = SEED_ANNOTATIONS, folder: Path = SEED_ARTICLES) -> dict:
    """Actor recall and span precision with (a) the seed gazetteer and (b) a suggested
    one, each with the earlier rules and with the strict ones (the default)."""
    from stancepack.annotate.preannotate import Preannotator
    from stancepack.schema.gazetteer import load_gazetteer
    from stancepack.schema.taxonomy import load_taxonomy

    taxonomy = load_taxonomy()
    articles = seed_articles(annotations, folder)
    gazetteers = {
        "seed": load_gazetteer(DEFAULT_GAZETTEER, taxonomy),
        "suggested": suggested_gazetteer(folder, taxonomy),
    }
    return {
        f"{name} gazetteer, {label}": actor_scores(
            articles, Preannotator(gazetteer, taxonomy, strict=strict)
        )
        for name, gazetteer in gazetteers.items()
        for label, strict in (("earlier rules", False), ("strict rules", True))
    }


def format_seed_report(report: dict[str, dict[str, Any]]) -> str:
    lines = [
        f"{'gazetteer, proposals':<40} {'actors':>6} {'found':>5} {'recall':>6} "
        f"{'spans':>5} {'on mentions':>11} {'precision':>9}"
    ]
    for name, row in report.items():
        lines.append(
            f"{name:<40} {row['actors']:>6} {row['actors_found']:>5} {row['actor_recall']:>6.3f} "
            f"{row['proposed_spans']:>5} {row['spans_on_mentions']:>11} "
            f"{row['span_precision']:>9.3f}"
        )
    return "\n".join(lines)


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
@click.argument("export", type=click.Path(dir_okay=False, path_type=Path), required=False)
@click.option(
    "--seed",
    is_flag=True,
    help="Actor recall and span precision on the seed annotations (no EXPORT).",
)
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
@click.option(
    "--earlier-rules",
    is_flag=True,
    help="Evaluate the pre-annotator without its strict rules (Preannotator(strict=False)).",
)
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text")
def main(
    export: Path | None,
    seed: bool,
    gazetteer: Path,
    taxonomy_path: Path | None,
    articles: Path | None,
    earlier_rules: bool,
    output_format: str,
) -> None:
    """Precision and recall of the pre-annotator against a Label Studio export.

    Example:

        python benchmarks/eval_preannotator.py export.json --format json
    """
    from stancepack.annotate.preannotate import Preannotator
    from stancepack.schema.gazetteer import load_gazetteer
    from stancepack.schema.taxonomy import load_taxonomy

    if seed:
        seeds = seed_report()
        click.echo(
            json.dumps(seeds, indent=2) if output_format == "json" else format_seed_report(seeds)
        )
        return
    if export is None:
        raise click.UsageError("name an EXPORT, or pass --seed")
    try:
        taxonomy = load_taxonomy(taxonomy_path)
        preannotator = Preannotator(
            load_gazetteer(gazetteer, taxonomy), taxonomy, strict=not earlier_rules
        )
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
