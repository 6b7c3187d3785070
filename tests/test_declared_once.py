"""Concepts declared once: the places that use a concept agree with its one declaration."""

from __future__ import annotations

from stancepack.annotate.articles import ARTICLE_FIELDS, Article, assign_story_ids
from stancepack.export.dataset.adjudicate import (
    ADJUDICATED_MENTION_COLUMNS,
    ADJUDICATED_RELATION_COLUMNS,
)
from stancepack.export.dataset.card import collection
from stancepack.export.issues import model_annotator
from stancepack.schema.features import config_columns
from stancepack.schema.fields import DIRECTIONS, KINDS, one_of
from stancepack.schema.near_duplicates import NEAR_DUPLICATE_JACCARD, SHINGLE_WORDS
from stancepack.schema.tables import export_models
from stancepack.schema.taxonomy import load_taxonomy

TAXONOMY = load_taxonomy()


def test_adjudicated_tables_are_the_published_configs_and_their_task():
    published = config_columns(TAXONOMY)
    for config, columns in [
        ("mentions", ADJUDICATED_MENTION_COLUMNS),
        ("relations", ADJUDICATED_RELATION_COLUMNS),
    ]:
        assert columns == ("task_id", *(column.name for column in published[config]))


def test_the_table_models_check_the_declared_kinds_and_directions():
    models = export_models(TAXONOMY)
    kind = models.annotations.to_schema().columns["kind"]
    direction = models.relations.to_schema().columns["direction"]
    assert kind.description == "annotation or prediction."
    assert direction.description == "right, left or bi."
    assert {check.name for check in kind.checks} == {"isin"}
    assert [check.statistics["allowed_values"] for check in direction.checks] == [list(DIRECTIONS)]
    assert [check.statistics["allowed_values"] for check in kind.checks] == [list(KINDS)]


def test_values_as_prose():
    assert one_of(["a"]) == "a"
    assert one_of(["a", "b"]) == "a or b"
    assert one_of(DIRECTIONS) == "right, left or bi"


def test_a_prediction_is_named_by_its_model_version():
    assert model_annotator("v1") == "model v1"
    assert model_annotator("") == "model"


def test_the_card_states_the_near_duplicate_settings_that_ingestion_applies():
    sentence = collection({"outlets": []})
    assert f"word {SHINGLE_WORDS}-gram Jaccard ≥ {NEAR_DUPLICATE_JACCARD})" in sentence
    words = [f"w{number}" for number in range(40)]
    shared = " ".join(words)
    # Two texts of 40 words that differ in their last word share 35 of 37 five-word shingles
    # (Jaccard 35/37); the same pair cut to share half as much falls below the threshold.
    near = [shared, " ".join([*words[:-1], "other"])]
    far = [shared, " ".join([*words[:20], *(f"x{number}" for number in range(20))])]
    for texts, same_story in [(near, True), (far, False)]:
        articles = [
            Article(
                **{**dict.fromkeys(ARTICLE_FIELDS, ""), "article_id": f"a{index}", "text": text}
            )
            for index, text in enumerate(texts)
        ]
        clustered, _pairs = assign_story_ids(articles)
        assert (clustered[0].story_id == clustered[1].story_id) is same_story
