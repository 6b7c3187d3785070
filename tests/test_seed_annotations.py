"""The seed judgements (both annotation passes and the curator's decisions) are well-formed:
every span is found exactly where the YAML says, no two spans overlap, every label is in the
taxonomy, every relation points at a mention, every person name is the article's own."""

import unicodedata

import pytest

from stancepack.annotate import anchored as anchored
from stancepack.annotate.articles import ingest
from stancepack.schema.taxonomy import load_taxonomy
from tests.helpers import REPO, SEED_ARTICLES

ARTICLES = {article.file: article for article in ingest([SEED_ARTICLES]).articles}
ANNOTATIONS = anchored.load_annotations(REPO / "data" / "seed_annotations.yaml")
JUDGEMENT_FILES = (
    "seed_annotations.yaml",
    "second_pass_annotations.yaml",
    "curated_annotations.yaml",
)
JUDGEMENTS = {name: anchored.load_annotations(REPO / "data" / name) for name in JUDGEMENT_FILES}
CASES = [(name, file_name) for name in JUDGEMENT_FILES for file_name in sorted(ARTICLES)]


@pytest.mark.parametrize("name", JUDGEMENT_FILES)
def test_every_seed_article_is_annotated(name):
    assert sorted(JUDGEMENTS[name]) == sorted(ARTICLES)


@pytest.mark.parametrize(("name", "file_name"), CASES)
def test_mentions_locate_and_use_the_taxonomy(name, file_name):
    taxonomy = load_taxonomy()
    text = ARTICLES[file_name].text
    entries = JUDGEMENTS[name][file_name]
    mentions = anchored.mentions_of(text, entries)
    assert len({m.id for m in mentions}) == len(mentions)
    spans = sorted((m.start, m.end) for m in mentions)
    assert all(left[1] <= right[0] for left, right in zip(spans, spans[1:], strict=False)), (
        "overlapping spans"
    )
    for mention in mentions:
        assert text[mention.start : mention.end] == mention.text
        assert mention.actor_type in taxonomy.actor_type_values
        assert mention.stance in taxonomy.stance_values
        assert set(mention.roles) <= set(taxonomy.role_values)
    ids = {m.id for m in mentions}
    for source, target, label in anchored.relations_of(entries):
        assert label in taxonomy.relation_values
        assert {source, target} <= ids and source != target


def folded(text: str) -> str:
    """``text`` in lower case without accents ("Séjourné" and "Sejourne" compare equal)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).lower()


@pytest.mark.parametrize(("name", "file_name"), CASES)
def test_person_names_are_given_by_their_own_article(name, file_name):
    """Mention rule 4: the name box holds a name the article gives, never outside knowledge."""
    text = ARTICLES[file_name].text
    article = folded(text)
    for mention in anchored.mentions_of(text, JUDGEMENTS[name][file_name]):
        if mention.actor_type == "person" and mention.name:
            surname = mention.name.split()[-1]
            assert folded(surname) in article, (mention.id, mention.text, mention.name)


def test_locate_refuses_ambiguous_or_missing_anchors():
    text = "Macron said yes. Macron said no."
    with pytest.raises(ValueError, match="occurs 2 times"):
        anchored.locate(text, "Macron", None)
    assert anchored.locate(text, "Macron", "Macron said no") == 17
    with pytest.raises(ValueError, match="not a whole-word part"):
        anchored.locate(text, "Macro", "Macron said no")


def test_result_items_follow_the_labeling_ui_shapes():
    text = ARTICLES["004_2d615c015c570a87.txt"].text
    result = anchored.annotation_result(text, ANNOTATIONS["004_2d615c015c570a87.txt"])
    kinds = {(item.get("from_name"), item["type"]) for item in result}
    assert kinds == {
        ("actor", "labels"),
        ("stance", "choices"),
        ("roles", "choices"),
        ("actor_name", "textarea"),
        (None, "relation"),
    }
    names = [item for item in result if item.get("from_name") == "actor_name"]
    assert all(isinstance(item["value"]["text"], list) for item in names)
