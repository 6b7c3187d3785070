"""Flattening exports into the four tables: the shared contract with the packaging code."""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path

import pandas as pd
import pytest

from stancepack.export.read.reader import load_export
from stancepack.export.validate.flatten import (
    ANNOTATION_COLUMNS,
    ARTICLE_COLUMNS,
    MENTION_COLUMNS,
    RELATION_COLUMNS,
    Flattener,
    flatten_export,
)
from stancepack.schema.gazetteer import load_gazetteer
from stancepack.schema.tables import export_models
from stancepack.schema.taxonomy import load_taxonomy
from tests.helpers import REPO, default_taxonomy_data, write_taxonomy

FIXTURES = Path(__file__).parent / "fixtures" / "exports"
TAXONOMY = load_taxonomy()
TEXT = "text"  # pandas 3 string dtype
CONTRACT_DTYPES = {
    "articles": dict.fromkeys(ARTICLE_COLUMNS, TEXT),
    "annotations": {
        **dict.fromkeys(ANNOTATION_COLUMNS, TEXT),
        "lead_time": "float64",
        "was_cancelled": "bool",
        "ground_truth": "bool",
        "n_results": "int64",
    },
    "mentions": {**dict.fromkeys(MENTION_COLUMNS, TEXT), "start": "int64", "end": "int64"}
    | {"roles": "object"},
    "relations": dict.fromkeys(RELATION_COLUMNS, TEXT),
}


def dtype_names(frame: pd.DataFrame) -> dict[str, str]:
    return {
        name: TEXT if isinstance(dtype, pd.StringDtype) else str(dtype)
        for name, dtype in frame.dtypes.items()
    }


def valid_tables():
    return flatten_export(load_export(FIXTURES / "valid.json").tasks, TAXONOMY)


def records(frame: pd.DataFrame) -> list[dict]:
    return [dict(row) for row in frame.to_dict("records")]


def test_contract_columns_match_the_pandera_models():
    models = export_models(TAXONOMY)
    for name, model in models.tables().items():
        assert tuple(model.to_schema().columns) == tuple(CONTRACT_DTYPES[name])


@pytest.mark.parametrize("name", list(CONTRACT_DTYPES))
def test_columns_and_dtypes_as_the_contract_says(name):
    frame = getattr(valid_tables(), name)
    assert dtype_names(frame) == CONTRACT_DTYPES[name]


@pytest.mark.parametrize("name", list(CONTRACT_DTYPES))
def test_empty_frames_still_carry_columns_and_dtypes(name):
    tables = flatten_export([], TAXONOMY)
    frame = getattr(tables, name)
    assert len(frame) == 0
    assert dtype_names(frame) == CONTRACT_DTYPES[name]
    assert [issue.code for issue in tables.issues] == ["no-tasks"]


def test_articles_one_row_per_task():
    articles = valid_tables().articles
    assert records(articles.drop(columns=["text", "text_sha256"])) == [
        {
            "task_id": "101",
            "article_id": "a1b2c3d4e5f60718",
            "story_id": "a1b2c3d4e5f60718",
            "title": "Macron does not rule out troops",
            "source": "Example News",
            "published": "2024-02-27",
            "url": "https://example.org/macron-troops",
        },
        {
            "task_id": "102",
            "article_id": "0f1e2d3c4b5a6978",
            "story_id": "0f1e2d3c4b5a6978",
            "title": "France and Poland",
            "source": "Example Wire",
            "published": "2024-02-28",
            "url": "",
        },
    ]
    tasks = load_export(FIXTURES / "valid.json").tasks
    assert articles["text"].tolist() == [task["data"]["text"] for task in tasks]
    assert articles["text_sha256"].str.len().tolist() == [64, 64]


def test_annotations_and_predictions_one_row_each():
    annotations = valid_tables().annotations
    rows = records(annotations.drop(columns=["created_at", "updated_at", "article_id"]))
    assert rows == [
        {
            "annotation_id": "1001",
            "task_id": "101",
            "kind": "annotation",
            "annotator": "alice@example.org",
            "annotator_id": "1",
            "model_version": "",
            "lead_time": 95.5,
            "was_cancelled": False,
            "ground_truth": False,
            "n_results": 12,
        },
        {
            "annotation_id": "1002",
            "task_id": "101",
            "kind": "annotation",
            "annotator": "2",
            "annotator_id": "2",
            "model_version": "",
            "lead_time": 40.0,
            "was_cancelled": False,
            "ground_truth": True,
            "n_results": 6,
        },
        {
            "annotation_id": "1003",
            "task_id": "101",
            "kind": "annotation",
            "annotator": "bob@example.org",
            "annotator_id": "3",
            "model_version": "",
            "lead_time": 95.5,
            "was_cancelled": True,
            "ground_truth": False,
            "n_results": 0,
        },
        {
            "annotation_id": "prediction-7",
            "task_id": "101",
            "kind": "prediction",
            "annotator": "",
            "annotator_id": "",
            "model_version": "gazetteer-v1",
            "lead_time": rows[3]["lead_time"],
            "was_cancelled": False,
            "ground_truth": False,
            "n_results": 2,
        },
        {
            "annotation_id": "1004",
            "task_id": "102",
            "kind": "annotation",
            "annotator": "alice@example.org",
            "annotator_id": "1",
            "model_version": "",
            "lead_time": 12.0,
            "was_cancelled": False,
            "ground_truth": False,
            "n_results": 5,
        },
    ]
    assert math.isnan(rows[3]["lead_time"])
    assert annotations["created_at"].tolist()[0] == "2024-03-01T10:00:00.000000Z"


def test_mentions_one_row_per_span_with_stance_roles_and_name():
    mentions = valid_tables().mentions
    assert records(mentions.drop(columns=["task_id", "article_id"])) == [
        {
            "annotation_id": "1001",
            "region_id": "r1",
            "start": 17,
            "end": 32,
            "text": "Emmanuel Macron",
            "actor_type": "person",
            "stance": "support",
            "roles": ["demining", "training"],  # taxonomy order, not the order given
            "actor_name": "Emmanuel Macron",
        },
        {
            "annotation_id": "1001",
            "region_id": "r2",
            "start": 77,
            "end": 83,
            "text": "Poland",
            "actor_type": "country",
            "stance": "oppose",
            "roles": [],
            "actor_name": "",
        },
        {
            "annotation_id": "1001",
            "region_id": "r3",
            "start": 107,
            "end": 111,
            "text": "NATO",
            "actor_type": "organization",
            "stance": "oppose",
            "roles": [],
            "actor_name": "North Atlantic Treaty Organization",
        },
        {
            "annotation_id": "1001",
            "region_id": "r4",
            "start": 134,
            "end": 165,
            "text": "Kremlin spokesman Dmitry Peskov",
            "actor_type": "person",
            "stance": "oppose",
            "roles": [],
            "actor_name": "",
        },
        {
            "annotation_id": "1002",
            "region_id": "r1",
            "start": 17,
            "end": 32,
            "text": "Emmanuel Macron",
            "actor_type": "person",
            "stance": "support",
            "roles": ["training"],
            "actor_name": "",
        },
        {
            "annotation_id": "1002",
            "region_id": "r2",
            "start": 77,
            "end": 83,
            "text": "Poland",
            "actor_type": "country",
            "stance": "oppose",
            "roles": [],
            "actor_name": "",
        },
        {
            "annotation_id": "prediction-7",
            "region_id": "p1",
            "start": 77,
            "end": 83,
            "text": "Poland",
            "actor_type": "country",
            "stance": "oppose",
            "roles": [],
            "actor_name": "",
        },
        {
            "annotation_id": "1004",
            "region_id": "f1",
            "start": 3,
            "end": 9,
            "text": "France",
            "actor_type": "country",
            "stance": "open",
            "roles": [],
            "actor_name": "",
        },
        {
            "annotation_id": "1004",
            "region_id": "f2",
            "start": 40,
            "end": 46,
            "text": "Poland",
            "actor_type": "country",
            "stance": "oppose",
            "roles": [],
            "actor_name": "",
        },
    ]


def test_offsets_count_characters_even_after_emoji():
    tables = valid_tables()
    text = tables.articles["text"].tolist()[1]
    for row in tables.mentions[tables.mentions["task_id"] == "102"].itertuples():
        assert text[row.start : row.end] == row.text


def test_relations_one_row_per_relation_label():
    relations = valid_tables().relations
    assert records(relations.drop(columns=["article_id"])) == [
        {
            "annotation_id": "1001",
            "task_id": "101",
            "from_region": "r4",
            "to_region": "r1",
            "label": "responds_to",
            "direction": "right",
        },
        {
            "annotation_id": "1002",
            "task_id": "101",
            "from_region": "r2",
            "to_region": "r1",
            "label": "responds_to",
            "direction": "left",
        },
        {
            "annotation_id": "1004",
            "task_id": "102",
            "from_region": "f2",
            "to_region": "f1",
            "label": "responds_to",
            "direction": "bi",
        },
    ]


def test_a_relation_with_two_labels_gives_two_rows_and_one_without_a_label_one():
    tasks = load_export(FIXTURES / "valid.json").tasks
    result = tasks[0]["annotations"][0]["result"]
    result[-1]["labels"] = ["responds_to", "same_as"]
    result.append({"type": "relation", "from_id": "r2", "to_id": "r3", "labels": []})
    relations = flatten_export(tasks, TAXONOMY).relations
    rows = relations[relations["annotation_id"] == "1001"]
    assert rows[["from_region", "label", "direction"]].values.tolist() == [
        ["r4", "responds_to", "right"],
        ["r4", "same_as", "right"],
        ["r2", "", "right"],
    ]


def test_the_valid_tables_pass_their_pandera_models():
    tables = valid_tables()
    for name, model in export_models(TAXONOMY).tables().items():
        model.validate(getattr(tables, name), lazy=True)
    assert tables.issues == ()


def test_models_are_built_once_per_taxonomy_version(tmp_path):
    assert export_models(TAXONOMY) is export_models(load_taxonomy())
    data = default_taxonomy_data()
    data["relations"][0]["definition"] += " Changed."
    other = load_taxonomy(write_taxonomy(tmp_path / "t.yaml", data))
    assert export_models(other) is not export_models(TAXONOMY)


def test_annotators_from_every_completed_by_shape():
    base = json.loads((FIXTURES / "single-task.json").read_text(encoding="utf-8"))
    shapes = [
        ({"id": 4, "email": "carol@example.org"}, "carol@example.org", "4"),
        ({"id": 5, "email": ""}, "5", "5"),
        (6, "6", "6"),
        ("dave@example.org", "dave@example.org", ""),
        (None, "", ""),
    ]
    tasks = []
    for number, (completed_by, _, _) in enumerate(shapes, 1):
        task = copy.deepcopy(base)
        task["id"] = number
        task["annotations"][0]["id"] = 100 + number
        task["annotations"][0]["completed_by"] = completed_by
        tasks.append(task)
    annotations = flatten_export(tasks, TAXONOMY).annotations
    assert annotations[["annotator", "annotator_id"]].values.tolist() == [
        [annotator, user_id] for _, annotator, user_id in shapes
    ]


def test_missing_ids_are_made_up_and_reported():
    tables = flatten_export(load_export(FIXTURES / "no-ids.json").tasks, TAXONOMY)
    assert tables.articles["task_id"].tolist() == ["task-1"]
    assert tables.articles["article_id"].tolist() == ["task-task-1"]
    assert tables.annotations["annotation_id"].tolist() == ["task-1-annotation-1"]
    assert tables.mentions[["region_id", "stance"]].values.tolist() == [
        ["0", "oppose"],  # an integer region id, its stance linked by the same integer
        ["region-3", ""],
    ]
    codes = [issue.code for issue in tables.issues]
    assert codes == ["missing-task-id", "missing-annotation-id", "missing-region-id", "no-stance"]


def test_predictions_without_ids_and_given_by_id_only():
    tasks = load_export(FIXTURES / "valid.json").tasks
    del tasks[0]["predictions"][0]["id"]
    tasks[1]["predictions"] = [3, 4]
    tables = flatten_export(tasks, TAXONOMY)
    assert "101-prediction-1" in tables.annotations["annotation_id"].tolist()
    notes = [issue.reason for issue in tables.issues if issue.code == "prediction-ids"]
    assert notes == [
        "2 predictions given by id only, not read; a snapshot export (stancepack pull) carries "
        "full predictions"
    ]


def test_pre_1_0_completions_and_skipped():
    tables = flatten_export(load_export(FIXTURES / "pre-1.0.json").tasks, TAXONOMY)
    assert tables.annotations[["annotation_id", "was_cancelled"]].values.tolist() == [
        ["3001", False],
        ["3002", True],
    ]
    assert tables.counts.cancelled == 1


def test_pre_1_0_nested_result_lists_are_read():
    task = load_export(FIXTURES / "single-task.json").tasks[0]
    task["annotations"][0]["result"] = [task["annotations"][0]["result"]]
    tables = flatten_export([task], TAXONOMY)
    assert tables.mentions[["region_id", "stance"]].values.tolist() == [["r1", "oppose"]]


def test_a_task_without_the_data_wrapper():
    tables = flatten_export(load_export(FIXTURES / "no-data-wrapper.json").tasks, TAXONOMY)
    assert tables.articles[["title", "article_id"]].values.tolist() == [["Flat task", "task-401"]]
    assert tables.mentions["text"].tolist() == ["Poland"]


def test_gazetteer_fills_actor_names_only_where_the_annotator_gave_none():
    gazetteer = load_gazetteer(REPO / "data" / "actors.yaml", TAXONOMY)
    tables = flatten_export(
        load_export(FIXTURES / "valid.json").tasks, TAXONOMY, gazetteer=gazetteer
    )
    names = dict(zip(tables.mentions["region_id"], tables.mentions["actor_name"], strict=False))
    assert names["r4"] == "Dmitry Peskov"  # "Kremlin spokesman Dmitry Peskov" is an alias
    assert names["r3"] == "North Atlantic Treaty Organization"  # the annotator's own
    assert names["r2"] == "Poland"


def test_gazetteer_names_match_folded_but_not_case_folded():
    task = load_export(FIXTURES / "single-task.json").tasks[0]
    task["data"]["text"] = "Sejourne said so, and us too."
    spans = [("s", 0, 8, "Sejourne"), ("u", 22, 24, "us")]
    task["annotations"][0]["result"] = [
        {
            "id": region_id,
            "from_name": "actor",
            "to_name": "text",
            "type": "labels",
            "value": {"start": start, "end": end, "text": text, "labels": ["person"]},
        }
        for region_id, start, end, text in spans
    ]
    gazetteer = {"Stéphane Séjourné": "Stéphane Séjourné", "Séjourné": "Stéphane Séjourné"}
    gazetteer["US"] = "United States"
    tables = flatten_export([task], TAXONOMY, gazetteer=gazetteer)
    assert tables.mentions["actor_name"].tolist() == ["Stéphane Séjourné", ""]


def test_without_a_gazetteer_actor_names_stay_empty():
    mentions = valid_tables().mentions
    assert set(mentions["actor_name"]) == {
        "",
        "Emmanuel Macron",
        "North Atlantic Treaty Organization",
    }


def test_flattening_task_by_task_gives_the_same_tables():
    tasks = load_export(FIXTURES / "valid.json").tasks
    flattener = Flattener(TAXONOMY)
    for task in tasks:
        flattener.add_task(task)
    streamed, whole = flattener.result(), flatten_export(tasks, TAXONOMY)
    for name in CONTRACT_DTYPES:
        pd.testing.assert_frame_equal(getattr(streamed, name), getattr(whole, name))


def test_flattening_does_not_change_the_tasks():
    tasks = load_export(FIXTURES / "orphans.json").tasks
    before = copy.deepcopy(tasks)
    flatten_export(tasks, TAXONOMY, fix_utf16_offsets=True)
    assert tasks == before


def test_anything_that_is_not_a_task_is_an_issue_not_a_crash():
    tables = flatten_export([None, 3, {"id": 9, "data": "text", "annotations": {}}], TAXONOMY)
    assert [(issue.code, issue.task_id) for issue in tables.issues] == [
        ("bad-task", "task-1"),
        ("bad-task", "task-2"),
        ("bad-data", "9"),
        ("no-text", "9"),
        ("bad-annotations", "9"),
    ]


@pytest.mark.parametrize(
    ("result", "code"),
    [
        ("a string", "bad-result"),
        ([{"type": "labels", "id": "r1", "value": "x"}], "bad-value"),
        ([None], "bad-result"),
        ([{"type": "relation"}], "dangling-relation"),
        ([{"type": "choices", "from_name": "stance", "id": "r1", "value": None}], "orphan-choice"),
        ([{"type": "textarea", "from_name": "actor_name", "id": 5}], "orphan-actor-name"),
    ],
)
def test_malformed_results_are_issues(result, code):
    task = load_export(FIXTURES / "single-task.json").tasks[0]
    task["annotations"][0]["result"] = result
    tables = flatten_export([task], TAXONOMY)
    assert code in [issue.code for issue in tables.issues]


def test_lead_time_as_text_or_missing():
    task = load_export(FIXTURES / "single-task.json").tasks[0]
    second = copy.deepcopy(task)
    task["annotations"][0]["lead_time"] = "12.5"
    second["id"], second["annotations"][0]["id"] = 202, 2002
    del second["annotations"][0]["lead_time"]
    lead_times = flatten_export([task, second], TAXONOMY).annotations["lead_time"].tolist()
    assert lead_times[0] == 12.5 and math.isnan(lead_times[1])


def test_roles_of_equal_length_stay_lists():
    task = load_export(FIXTURES / "single-task.json").tasks[0]
    result = task["annotations"][0]["result"]
    result.append({**result[1], "from_name": "roles", "value": {"choices": ["training"]}})
    mentions = flatten_export([task, {**task, "id": 9}], TAXONOMY).mentions
    assert mentions["roles"].tolist() == [["training"], ["training"]]


@pytest.mark.parametrize("key", ["outlet", "source"])
def test_the_outlet_is_read_from_outlet_or_the_legacy_source_key(key):
    task = {"id": 1, "data": {"text": "Macron spoke.", "article_id": "a1", key: "AFP"}}
    tables = flatten_export([task], load_taxonomy())
    assert tables.articles["source"].tolist() == ["AFP"]
