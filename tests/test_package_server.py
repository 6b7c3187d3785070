"""Round trip through a real Label Studio: annotations created with label-studio-sdk ->
``stancepack package --project`` (pull + validate + package) -> ``datasets.load_dataset``
gives back exactly those annotations, and the adjudicated layer follows the rules."""

from __future__ import annotations

import pytest

from stancepack.annotate import anchored
from stancepack.annotate.labeling_config import build_label_config
from stancepack.schema.features import CONFIGS, config_features
from stancepack.schema.taxonomy import load_taxonomy
from tests.test_package import (
    ARTICLES,
    SEED,
    SEED_MENTIONS,
    SHARED_STORY,
    facts,
    keep_relations,
    load_offline,
    run,
    second_annotator_entries,
)

pytestmark = pytest.mark.server

TAXONOMY = load_taxonomy()
SECOND_EMAIL = "package.annotator@example.org"
MODEL = "seed-model-1"


def task_data(number: int, article) -> dict[str, str]:
    return {
        "text": article.text,
        "title": article.title,
        "source": article.source,
        "published": article.published,
        "url": f"https://example.org/{article.article_id}",
        "article_id": article.article_id,
        "story_id": SHARED_STORY if number in (2, 4) else article.story_id,
    }


@pytest.fixture(scope="module")
def annotated_project(label_studio):
    """A project with the five seed articles: the seed annotations by the admin on all,
    a second user's annotation on article 000, a model prediction on article 002."""
    client = label_studio.client()
    project = client.projects.create(
        title="stancepack package round trip", label_config=build_label_config(TAXONOMY)
    )
    imported = client.projects.import_tasks(
        id=project.id,
        request=[{"data": task_data(n, a)} for n, a in enumerate(ARTICLES, 1)],
        return_task_ids=True,
    )
    task_ids = list(imported.task_ids)
    second = client.users.create(
        username="package-second-annotator", email=SECOND_EMAIL, password="not-a-secret-1234"
    )
    for task_id, article in zip(task_ids, ARTICLES, strict=True):
        entries = SEED[article.file]
        client.annotations.create(
            id=task_id, result=anchored.annotation_result(article.text, entries), lead_time=60.0
        )
    first = ARTICLES[0]
    client.annotations.create(
        id=task_ids[0],
        result=anchored.annotation_result(first.text, second_annotator_entries(SEED[first.file])),
        completed_by=second.id,
        lead_time=45.0,
    )
    third = ARTICLES[2]
    result = anchored.annotation_result(third.text, SEED[third.file])
    regions = [item["id"] for item in result if item.get("from_name") == "actor"][:4]
    predicted = [
        item
        for item in keep_relations(result, False)
        if item["id"] in regions and item["from_name"] in ("actor", "stance")
    ]
    client.predictions.create(task=task_ids[2], model_version=MODEL, score=0.5, result=predicted)
    return project.id


@pytest.fixture(scope="module")
def round_trip(label_studio, annotated_project, tmp_path_factory):
    folder = tmp_path_factory.mktemp("round-trip")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("LABEL_STUDIO_URL", label_studio.url)
        env.setenv("LABEL_STUDIO_API_KEY", label_studio.token)
        result = run(
            "package",
            folder / "export.json",
            "--project",
            str(annotated_project),
            "-o",
            folder / "dataset",
        )
    assert result.exit_code == 0, result.output
    loaded = load_offline(folder / "dataset", folder, CONFIGS)
    return folder, loaded, label_studio.email


def rows_of(loaded, config):
    return [row for part in loaded[config].values() for row in part["rows"]]


def names(features, column, value):
    if isinstance(value, list):
        return [features[column].feature.names[i] for i in value]
    return None if value is None else features[column].names[value]


def test_every_config_loads_with_the_declared_features(round_trip):
    folder, loaded, _ = round_trip
    declared = config_features(TAXONOMY)
    rows = facts(folder / "dataset")["rows"]
    for config in CONFIGS:
        for split, part in loaded[config].items():
            assert part["features"] == declared[config].to_dict()
            assert len(part["rows"]) == rows[config][split]


def test_the_raw_layer_gives_back_exactly_the_annotations_made(round_trip):
    _, loaded, admin_email = round_trip
    features = config_features(TAXONOMY)["annotations"]
    pseudonym = dict(
        zip(sorted([admin_email, SECOND_EMAIL]), ["annotator_01", "annotator_02"], strict=True)
    )
    got: dict[str, set] = {}
    for row in rows_of(loaded, "annotations"):
        who = row["annotator"] or f"model {row['model_version']}"
        got.setdefault(who, set()).add(
            (
                row["article_id"],
                row["region_id"],
                row["start"],
                row["end"],
                row["text"],
                names(features, "actor_type", row["actor_type"]),
                names(features, "stance", row["stance"]),
                tuple(names(features, "roles", row["roles"])),
                row["actor_name"],
                tuple(
                    sorted(
                        (r["to_region"], features["relations"].feature["label"].names[r["label"]])
                        for r in row["relations"]
                    )
                ),
            )
        )

    lead = set().union(*(expected_marks(a, SEED[a.file]) for a in ARTICLES))
    first = ARTICLES[0]
    second = expected_marks(first, second_annotator_entries(SEED[first.file]))
    third = ARTICLES[2]
    regions = [m.id for m in anchored.mentions_of(third.text, SEED[third.file])][:4]
    model = expected_marks(third, SEED[third.file], regions=regions, stance_only=True)
    assert got == {
        pseudonym[admin_email]: lead,
        pseudonym[SECOND_EMAIL]: second,
        f"model {MODEL}": model,
    }
    assert len(lead) == SEED_MENTIONS and len(model) == 4


def expected_marks(article, entries, *, regions=None, stance_only=False):
    """What the raw layer should hold for one annotation made from seed ``entries``;
    ``stance_only``: a prediction that carries spans and stances, no roles, names or
    relations."""
    links = [] if stance_only else anchored.relations_of(entries)
    return {
        (
            article.article_id,
            m.id,
            m.start,
            m.end,
            m.text,
            m.actor_type,
            m.stance,
            () if stance_only else tuple(r for r in TAXONOMY.role_values if r in m.roles),
            "" if stance_only else m.name,
            tuple(sorted((target, label) for source, target, label in links if source == m.id)),
        )
        for m in anchored.mentions_of(article.text, entries)
        if regions is None or m.id in regions
    }


def test_the_adjudicated_layer_follows_the_rules_on_the_two_annotator_article(round_trip):
    _, loaded, _ = round_trip
    features = config_features(TAXONOMY)["mentions"]
    first = ARTICLES[0]
    mentions = {m.id: m for m in anchored.mentions_of(first.text, SEED[first.file])}
    rows = {
        (row["start"], row["end"]): row
        for row in rows_of(loaded, "mentions")
        if row["article_id"] == first.article_id
    }
    assert len(rows) == 13
    tie = rows[(mentions["m13"].start, mentions["m13"].end)]
    assert (tie["n_marked"], tie["n_annotators"], tie["mention_tie"]) == (1, 2, True)
    split = rows[(mentions["m2"].start, mentions["m2"].end)]
    assert (split["stance"], split["stance_tie"]) == (None, True)
    agreed = rows[(mentions["m4"].start, mentions["m4"].end)]
    assert names(features, "stance", agreed["stance"]) == mentions["m4"].stance
    assert names(features, "roles", agreed["roles"]) == ["demining", "cyber", "weapons_production"]
    assert (agreed["n_marked"], agreed["stance_votes"], agreed["adjudication"]) == (
        2,
        2,
        "majority",
    )
    assert sum(len(part["rows"]) for part in loaded["mentions"].values()) == SEED_MENTIONS


def test_the_card_records_the_project_and_the_pull_time(round_trip, annotated_project):
    folder, _, _ = round_trip
    recorded = facts(folder / "dataset")["provenance"]
    assert recorded["project_ids"] == [str(annotated_project)]
    assert recorded["export_time"].endswith("Z") and len(recorded["export_time"]) == 20
    card = (folder / "dataset" / "README.md").read_text(encoding="utf-8")
    assert f"| Label Studio project | {annotated_project} |" in card
    assert f"| export time | {recorded['export_time']} |" in card
