"""The committed seed data holds together, with no server: the export holds the two
annotation passes and the curator's decisions as data/make_seed_dataset.py enters them,
packaging it gives data/dataset/ byte for byte, and the README's seed tables give the
dataset's figures.

When one of these fails after a change to the annotations, the taxonomy or the packaging,
rebuild the seed data with data/make_seed_dataset.py and update the README's tables."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from click.testing import CliRunner

from stancepack.annotate import anchored
from stancepack.annotate.articles import ingest
from stancepack.cli import cli
from stancepack.export.read.reader import load_export
from stancepack.export.validate.flatten import ANNOTATION, Flattened, flatten_export
from stancepack.schema.taxonomy import load_taxonomy
from tests.committed_data import (
    ALL_OUTLETS,
    CURATORS,
    DATASET,
    EXPORT,
    JUDGEMENTS,
    dataset_counts,
    different_files,
    documented_counts,
    documented_outlets,
    documented_raw_layer,
    outlet_figures,
    raw_layer,
)
from tests.helpers import SEED_ARTICLES

Span = tuple[int, int]


def seed_marks(text: str, entries: list[dict[str, Any]]) -> tuple[set[tuple], set[tuple]]:
    """(mentions, relations) of one article's seed annotations, located in ``text``; each
    relation starts at the mention that names it, drawn left to right."""
    mentions = anchored.mentions_of(text, entries)
    span_of = {m.id: (m.start, m.end) for m in mentions}
    return (
        {
            (m.start, m.end, m.text, m.actor_type, m.stance, tuple(sorted(m.roles)), m.name)
            for m in mentions
        },
        {
            (span_of[source], span_of[target], label, "right")
            for source, target, label in anchored.relations_of(entries)
        },
    )


def exported_marks(flat: Flattened, annotation_id: str) -> tuple[set[tuple], set[tuple]]:
    """(mentions, relations) of one annotation of the flattened export."""
    mentions = flat.mentions[flat.mentions["annotation_id"] == annotation_id]
    span_of: dict[str, Span] = {}
    marks = set()
    for row in mentions.to_dict("records"):
        span_of[row["region_id"]] = (row["start"], row["end"])
        roles = tuple(sorted(row["roles"] or ()))
        marks.add(
            (
                row["start"],
                row["end"],
                row["text"],
                row["actor_type"],
                row["stance"],
                roles,
                row["actor_name"],
            )
        )
    relations = flat.relations[flat.relations["annotation_id"] == annotation_id]
    drawn = {
        (span_of[row["from_region"]], span_of[row["to_region"]], row["label"], row["direction"])
        for row in relations.to_dict("records")
    }
    return marks, drawn


def test_the_committed_export_holds_each_file_of_judgements_by_its_annotator():
    """Both annotation passes and the curator's decisions, each as its own account's
    annotation of every article."""
    flat = flatten_export(load_export(EXPORT).tasks, load_taxonomy())
    humans = flat.annotations[
        (flat.annotations["kind"] == ANNOTATION) & ~flat.annotations["was_cancelled"]
    ]
    annotation_of = {
        (article_id, annotator): annotation_id
        for article_id, annotator, annotation_id in zip(
            humans["article_id"], humans["annotator"], humans["annotation_id"], strict=True
        )
    }
    assert len(annotation_of) == len(humans), "an annotator annotated an article twice"
    assert set(annotator for _, annotator in annotation_of) == {who for who, _ in JUDGEMENTS}
    text_of = dict(zip(flat.articles["article_id"], flat.articles["text"], strict=True))
    differences = []
    for annotator, path in JUDGEMENTS:
        judged = anchored.load_annotations(path)
        for article in ingest([SEED_ARTICLES]).articles:
            expected = seed_marks(text_of[article.article_id], judged[article.file])
            exported = exported_marks(flat, annotation_of[article.article_id, annotator])
            for what, want, got in zip(("mention", "relation"), expected, exported, strict=True):
                differences += [
                    f"{path.name}, {article.file}: {what} only in the YAML: {m}"
                    for m in sorted(want - got)
                ]
                differences += [
                    f"{path.name}, {article.file}: {what} only in the export: {m}"
                    for m in sorted(got - want)
                ]
    assert not differences, f"{EXPORT.name} differs:\n" + "\n".join(differences)


def test_packaging_the_committed_export_gives_the_committed_dataset(tmp_path: Path):
    packaged = tmp_path / "dataset"
    result = CliRunner().invoke(
        cli, ["package", str(EXPORT), "-o", str(packaged), "--curators", CURATORS]
    )
    assert result.exit_code == 0, result.output
    assert different_files(packaged, DATASET) == [], "rebuild with data/make_seed_dataset.py"


def test_the_readme_rows_per_config_and_split_are_the_committed_dataset_rows():
    assert documented_counts() == dataset_counts(DATASET)


def test_the_readme_outlet_table_gives_the_committed_dataset_figures():
    columns, documented = documented_outlets()
    assert columns == ["mentions", "actors", *load_taxonomy().stance_values]
    assert ALL_OUTLETS in documented
    assert documented == outlet_figures(DATASET)


def test_the_readme_says_how_many_marks_the_raw_layer_holds():
    assert documented_raw_layer() == raw_layer(DATASET)
