"""The pre-annotator proposes on the seed articles (and a few texts of edge cases) exactly
what it proposed before the taxonomy declared the role keywords and the language rules
became a packaged data file: the predictions recorded then, with the seed gazetteer and
with the base gazetteer, are the expected output."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import pytest

from stancepack.annotate.articles import ingest
from stancepack.annotate.preannotate import Preannotator
from stancepack.schema.base_gazetteer import load_base_gazetteer
from stancepack.schema.gazetteer import Gazetteer, load_gazetteer
from stancepack.schema.taxonomy import load_taxonomy
from tests.helpers import REPO, SEED_ARTICLES

RECORDED = REPO / "tests" / "fixtures" / "preannotate" / "seed_predictions.json"


@cache
def recorded() -> dict[str, Any]:
    return json.loads(RECORDED.read_text(encoding="utf-8"))


def texts() -> dict[str, str]:
    articles = {article.file: article.text for article in ingest([SEED_ARTICLES]).articles}
    return {**articles, **recorded()["texts"]}


def gazetteer(name: str) -> Gazetteer:
    return (
        load_gazetteer(REPO / "data" / "actors.yaml") if name == "seed" else load_base_gazetteer()
    )


@pytest.mark.parametrize("gazetteer_name", ["seed", "base"])
def test_the_predictions_recorded_on_the_seed_articles_are_unchanged(gazetteer_name):
    annotator = Preannotator(gazetteer(gazetteer_name), load_taxonomy(), strict=False)
    expected = recorded()["predictions"][gazetteer_name]
    assert sorted(expected) == sorted(texts())
    for name, text in sorted(texts().items()):
        assert annotator.predict(text) == expected[name], name
