"""Each part of flattening on its own, on tiny hand-written tasks and results: reading one
task, reading one annotation's results into regions, linking per-region results to their
span, relations, offset diagnosis, overlaps, the article checks and the tables."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from stancepack.export.issues import ERROR, WARNING, Issue
from stancepack.export.validate.articles import (
    ARTICLE_TEXT_CONFLICT,
    DUPLICATE_ARTICLE,
    article_row,
    check_article_text,
    check_one_line_fields,
)
from stancepack.export.validate.links import (
    attach_per_region,
    canonical_name,
    finish_spans,
    link_in_place,
    normalised_gazetteer,
)
from stancepack.export.validate.offsets import (
    explain_offsets,
    held_offset,
    mismatch_reason,
    utf16_index,
    utf16_to_characters,
)
from stancepack.export.validate.overlaps import check_overlaps, may_overlap
from stancepack.export.validate.regions import read_regions
from stancepack.export.validate.relations import annotation_relations, relation_rows
from stancepack.export.validate.tables import MENTION_COLUMNS, frame
from stancepack.export.validate.tasks import (
    BAD_TASK_ID,
    MISSING_TASK_ID,
    AnnotationContext,
    TaskContext,
    annotation_list,
    annotation_row,
    annotator,
    is_prediction_id,
    prediction_list,
)

TEXT = "Macron met Scholz in Paris."  # Macron 0-6, Scholz 11-17, Paris 21-26
RANK = {"speaker": 0, "target": 1}


def read_task(raw: dict[str, Any], position: int = 1) -> tuple[TaskContext, list[Issue]]:
    issues: list[Issue] = []
    return TaskContext(raw, position, issues.append), issues


def annotation_of(
    results: list[Any], kind: str = "annotation", text: str = TEXT
) -> tuple[AnnotationContext, list[Issue]]:
    task, issues = read_task({"id": 5, "data": {"text": text, "article_id": "a"}}, position=2)
    raw = {"id": 40, "completed_by": 3, "result": results}
    return AnnotationContext(task, raw, kind, 1, 1), issues


def span(region_id: Any, start: Any, end: Any, text: str | None, label: str = "PER") -> dict:
    value: dict[str, Any] = {"start": start, "end": end, "labels": [label]}
    if text is not None:
        value["text"] = text
    return {
        "id": region_id,
        "type": "labels",
        "from_name": "actor",
        "to_name": "text",
        "value": value,
    }


def choice(region_id: str, tag: str, choices: list[str]) -> dict:
    return {"id": region_id, "type": "choices", "from_name": tag, "value": {"choices": choices}}


def relation(from_id: Any, to_id: Any, labels: Any = None) -> dict:
    result = {"type": "relation", "from_id": from_id, "to_id": to_id}
    if labels is not None:
        result["labels"] = labels
    return result


def codes(issues: list[Issue]) -> list[str]:
    return [issue.code for issue in issues]


# -- reading one task ------------------------------------------------------------------------


def test_a_task_in_order_is_read_without_issues():
    task, issues = read_task({"id": 7, "data": {"text": "Hi", "article_id": "a1"}}, 3)
    assert (task.task_id, task.article_id, task.text, task.text_ok) == ("7", "a1", "Hi", True)
    assert issues == []


def test_a_task_without_id_is_named_by_its_position():
    task, issues = read_task({"data": {"text": "Hi"}}, 3)
    assert (task.task_id, task.article_id) == ("task-3", "task-task-3")
    assert [(i.code, i.task_id, i.order) for i in issues] == [(MISSING_TASK_ID, "task-3", (3,))]


def test_a_task_whose_id_is_a_list_is_named_by_its_position():
    task, issues = read_task({"id": [1], "data": {"text": "Hi"}}, 4)
    assert task.task_id == "task-4"
    assert [(i.code, i.field, i.value) for i in issues] == [(BAD_TASK_ID, "id", "[1]")]


def test_a_task_without_data_wrapper_reads_its_other_keys_as_data():
    task, issues = read_task({"id": 1, "text": "Hi", "title": "T", "meta": {}})
    assert task.data == {"text": "Hi", "title": "T"}
    assert issues[0].code == "no-data-wrapper"
    assert issues[0].reason.endswith("read its keys text, title as data")


@pytest.mark.parametrize(
    ("data", "code"),
    [({"text": "https://example.org/a.txt"}, "text-is-url"), ({"title": "T"}, "no-text")],
)
def test_a_task_without_inline_text_has_none(data, code):
    task, issues = read_task({"id": 1, "data": data})
    assert (task.text, task.text_ok) == ("", False)
    assert codes(issues) == [code]


def test_pre_1_0_completions_are_the_annotations():
    task, issues = read_task({"id": 1, "data": {"text": "Hi"}})
    assert annotation_list(task, {"completions": [{"id": 1}]}) == ([{"id": 1}], True)
    assert annotation_list(task, {"annotations": [], "completions": [{"id": 1}]}) == ([], False)
    assert annotation_list(task, {"annotations": None}) == ([], False)
    assert annotation_list(task, {"annotations": {"id": 1}}) == ([], False)
    assert codes(issues) == ["bad-annotations"]


def test_predictions_given_by_id_are_told_apart():
    task, issues = read_task({"id": 1, "data": {"text": "Hi"}})
    predictions = prediction_list(task, {"predictions": [5, "p7", True, {"id": 1}]})
    assert [is_prediction_id(p) for p in predictions] == [True, True, False, False]
    assert prediction_list(task, {"predictions": "p7"}) == []
    assert codes(issues) == ["bad-predictions"]


def test_a_prediction_is_named_by_its_id_and_model():
    task, _ = read_task({"id": 1, "data": {"text": "Hi"}})
    raw = {"id": 9, "model_version": "v2", "result": [[{"a": 1}], [{"b": 2}]]}
    prediction = AnnotationContext(task, raw, "prediction", 1, 3)
    assert (prediction.annotation_id, prediction.who) == ("prediction-9", "model v2")
    assert prediction.results == [{"a": 1}, {"b": 2}]  # a pre-1.0 nested list, unnested
    assert prediction.order(4) == (1, 3, 4)


def test_an_annotation_without_id_is_named_by_its_task_and_number():
    task, issues = read_task({"id": 7, "data": {"text": "Hi"}})
    annotation = AnnotationContext(task, {"completed_by": 2, "result": []}, "annotation", 2, 2)
    assert annotation.annotation_id == "7-annotation-2"
    assert [(i.code, i.annotation_id, i.annotator) for i in issues] == [
        ("missing-annotation-id", "7-annotation-2", "2")
    ]


def test_the_annotation_row():
    task, _ = read_task({"id": 7, "data": {"text": "Hi", "article_id": "a"}})
    raw = {"id": 1, "completed_by": {"id": 4, "email": "e@x.org"}, "lead_time": "2.5"}
    raw |= {"skipped": True, "result": [{}], "created_at": "2024-01-02"}
    row = annotation_row(AnnotationContext(task, raw, "annotation", 1, 1), raw)
    expected = ("1", "7", "a", "annotation", "e@x.org", "4", "", "2024-01-02", "", 2.5)
    assert row == (*expected, True, False, 1)  # skipped is cancelled; one result


@pytest.mark.parametrize(
    ("completed_by", "expected"),
    [({"id": 4}, ("4", "4")), (12, ("12", "12")), ("x@y.org", ("", "x@y.org")), (None, ("", ""))],
)
def test_the_annotator(completed_by, expected):
    assert annotator(completed_by) == expected


# -- articles ----------------------------------------------------------------------------------


def test_the_article_row_and_its_text_hash():
    task, _ = read_task({"id": 7, "data": {"text": "Hi", "title": "T", "outlet": "O"}})
    row, digest = article_row(task)
    assert digest == hashlib.sha256(b"Hi").hexdigest()
    assert row == ("7", "task-7", "task-7", "T", "O", "", "", "Hi", digest)


def test_one_article_across_tasks():
    texts: dict[str, tuple[str, str]] = {}
    hashes: dict[str, tuple[str, str]] = {}
    found = []
    for task_id, article_id, text in [(1, "a", "One"), (2, "a", "Two"), (3, "b", "One")]:
        task, issues = read_task({"id": task_id, "data": {"text": text, "article_id": article_id}})
        check_article_text(task, article_row(task)[1], texts, hashes)
        found += [(issue.task_id, issue.code, issue.severity) for issue in issues]
    assert found == [("2", ARTICLE_TEXT_CONFLICT, ERROR), ("3", DUPLICATE_ARTICLE, WARNING)]


def test_a_control_character_in_a_title():
    task, issues = read_task({"id": 1, "data": {"text": "Hi", "title": "A\x1b[2JB"}})
    check_one_line_fields(task)
    assert [(i.code, i.field) for i in issues] == [("control-character", "data.title")]
    assert "U+001B" in issues[0].reason


# -- reading one annotation's results into regions ---------------------------------------------


def test_results_are_read_into_spans_and_set_aside_for_linking():
    stance = choice("r1", "stance", ["support"])
    link = relation("r1", "r2", ["talks_to"])
    results = [span("r1", 0, 6, "Macron"), stance, span("r2", 11, 17, "Scholtz"), link]
    results += [{"type": "rectanglelabels", "id": "x"}, 5]
    annotation, issues = annotation_of(results)
    regions = read_regions(annotation)
    head = ["40", "5", "a"]
    macron = [*head, "r1", 0, 6, "Macron", "PER", "", [], ""]
    scholz = [*head, "r2", 11, 17, "Scholtz", "PER", "", [], ""]
    assert regions.rows == [macron, scholz]
    assert regions.positions == [0, 2]
    assert regions.spans == {"r1": macron, "r2": scholz}
    assert regions.misplaced == {id(regions.rows[1])}
    assert regions.linked == [(1, stance, macron)]
    assert regions.relations == [(3, link)]
    assert [(i.code, i.order[2]) for i in issues] == [
        ("text-mismatch", 2),
        ("not-text-span", 4),
        ("bad-result", 5),
    ]


def test_a_per_region_result_before_its_span_names_no_span_yet():
    stance = choice("r1", "stance", ["support"])
    annotation, _ = annotation_of([stance, span("r1", 0, 6, "Macron")])
    assert read_regions(annotation).linked == [(0, stance, None)]


def test_a_span_without_region_id_or_with_a_taken_one():
    results = [span("r1", 0, 6, None), span(None, 11, 17, None), span("r1", 21, 26, None)]
    annotation, issues = annotation_of(results)
    regions = read_regions(annotation)
    assert [row[3] for row in regions.rows] == ["r1", "region-2", "r1"]
    assert list(regions.spans) == ["r1", "region-2"]
    assert codes(issues) == ["missing-region-id", "duplicate-region-id"]


def test_a_span_with_offsets_in_utf16_units_is_repaired_on_request():
    text = "\U0001f600 Macron"  # UTF-16: the emoji counts twice, Macron is 3-9
    for fix, expected in [
        (False, (3, 9, "Macron", "utf16-offsets")),
        (True, (2, 8, "Macron", "utf16-offsets-fixed")),
    ]:
        annotation, issues = annotation_of([span("r1", 3, 9, "Macron")], text=text)
        row = read_regions(annotation, fix).rows[0]
        assert (row[4], row[5], row[6], issues[0].code) == expected


# -- linking per-region results to their span ----------------------------------------------------


def mention(region_id: str = "r1", stance: str = "", name: str = "") -> list[Any]:
    return ["40", "5", "a", region_id, 0, 6, "Macron", "PER", stance, [], name]


def test_results_in_order_are_linked_in_place():
    row = mention()
    roles = choice("r1", "roles", ["target", "speaker", "target"])
    name = {"id": "r1", "type": "textarea", "from_name": "actor_name", "value": {"text": [" M "]}}
    second = choice("r1", "stance", ["oppose"])
    linked = [(1, choice("r1", "stance", ["support"]), row), (2, roles, row), (3, name, row)]
    later = link_in_place([*linked, (4, second, row), (5, roles, None)], RANK)
    assert row == [
        "40",
        "5",
        "a",
        "r1",
        0,
        6,
        "Macron",
        "PER",
        "support",
        ["speaker", "target"],
        "M",
    ]
    assert later == [(4, second), (5, roles)]


def test_a_second_stance_is_reported_and_the_first_kept():
    row = mention(stance="support")
    annotation, issues = annotation_of([])
    attach_per_region(annotation, 4, choice("r1", "stance", ["oppose"]), {"r1": row}, RANK)
    assert row[MENTION_COLUMNS.index("stance")] == "support"
    assert [(i.code, i.value, i.order[2]) for i in issues] == [
        ("multiple-stances", '["support", "oppose"]', 4)
    ]


def test_a_second_roles_result_is_reported_and_merged():
    row = mention()
    row[MENTION_COLUMNS.index("roles")] = ["target"]
    annotation, issues = annotation_of([])
    attach_per_region(annotation, 1, choice("r1", "roles", ["speaker"]), {"r1": row}, RANK)
    assert row[MENTION_COLUMNS.index("roles")] == ["speaker", "target"]
    assert codes(issues) == ["duplicate-roles"]


def test_results_that_name_no_span_or_come_from_an_unknown_tag():
    annotation, issues = annotation_of([])
    attach_per_region(annotation, 0, choice("zz", "stance", ["support"]), {}, RANK)
    attach_per_region(annotation, 1, choice("r1", "mood", ["calm"]), {"r1": mention()}, RANK)
    assert [(i.code, i.field) for i in issues] == [
        ("orphan-choice", "stance"),
        ("unknown-tag", "from_name"),
    ]
    assert issues[0].reason == "a stance for region zz, which is no span of this annotation"


def test_spans_without_stance_and_names_from_the_gazetteer():
    gazetteer = normalised_gazetteer({"Emmanuel  Macron": "Emmanuel Macron", "Macron": "E. M."})
    assert canonical_name(gazetteer, "Emmanuel Macron") == "Emmanuel Macron"
    for kind, expected in [("annotation", ["no-stance"]), ("prediction", [])]:
        row = mention()
        annotation, issues = annotation_of([], kind=kind)
        finish_spans(annotation, {"r1": row}, [row], [0], gazetteer)
        assert (codes(issues), row[MENTION_COLUMNS.index("actor_name")]) == (expected, "E. M.")


# -- relations ----------------------------------------------------------------------------------


def test_a_relation_has_one_row_per_label():
    annotation, issues = annotation_of([])
    rows = relation_rows(annotation, 3, relation("r1", "r2", ["a", "b"]), {"r1": [], "r2": []})
    assert rows == [
        ("40", "5", "a", "r1", "r2", "a", "right"),
        ("40", "5", "a", "r1", "r2", "b", "right"),
    ]
    assert issues == []


def test_the_relations_of_an_annotation_and_the_index_of_each_row():
    annotation, issues = annotation_of([])
    left = relation("r1", "r2", ["a", "b"]) | {"direction": "left"}
    relations = [(3, left), (4, relation("r2", "r9", ["c"]))]
    rows, indexes = annotation_relations(annotation, relations, {"r1": [], "r2": []})
    assert rows == [
        ("40", "5", "a", "r1", "r2", "a", "left"),
        ("40", "5", "a", "r1", "r2", "b", "left"),
        ("40", "5", "a", "r2", "r9", "c", "right"),
    ]
    assert indexes == [3, 3, 4]
    assert [(i.code, i.field, i.order[2]) for i in issues] == [("dangling-relation", "to_id", 4)]


def test_a_relation_without_label_to_itself_and_dangling():
    annotation, issues = annotation_of([])
    rows = relation_rows(annotation, 3, relation("r1", "r1") | {"direction": "bi"}, {})
    assert rows == [("40", "5", "a", "r1", "r1", "", "bi")]
    assert [(i.code, i.field, i.region_id) for i in issues] == [
        ("dangling-relation", "from_id", "r1->r1"),
        ("dangling-relation", "to_id", "r1->r1"),
        ("self-relation", "to_id", "r1->r1"),
        ("unlabelled-relation", "label", "r1->r1"),
    ]


# -- offset diagnosis -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "end", "span_text", "why"),
    [
        ("Hello world", 5, " Hello ", ": they differ only in surrounding whitespace"),
        (
            "Caf\u00e9 noir",
            4,
            "Cafe\u0301",
            ": they differ only in Unicode normalisation (NFC vs NFD)",
        ),
        ("\ufb01ne day", 3, "fine", ": they differ only in Unicode compatibility forms (NFKC)"),
        ("abcd bcd", 4, "bcd ", "; the span's text occurs at 1-5"),
        ("abcd", 4, "xyzw", ", which does not occur in the text at all"),
    ],
)
def test_why_a_span_text_differs_from_its_slice(text, end, span_text, why):
    reason = mismatch_reason(text, 0, end, span_text)
    assert reason == f"text[0:{end}] is {text[:end]!r}, not the span's text{why}"


def test_utf16_offsets_in_characters():
    index = utf16_index("a\U0001f600b")
    assert index == [0, 1, -1, 2, 3]
    assert utf16_to_characters(index, 3, 4) == (2, 3)
    assert utf16_to_characters(index, 2, 4) is None  # inside the surrogate pair
    assert utf16_index("ab") == []
    assert utf16_to_characters([], 0, 1) is None


def test_offsets_counted_in_utf16_units():
    text = "a\U0001f600b"
    found, held = explain_offsets(text, 3, 4, "b", (2, 3), fix_utf16_offsets=False)
    assert (found["severity"], found["code"], found["value"], held) == (
        ERROR,
        "utf16-offsets",
        "3-4",
        (3, 4, "b", False),
    )
    found, held = explain_offsets(text, 3, 4, "b", (2, 3), fix_utf16_offsets=True)
    assert (found["severity"], found["code"], held) == (
        WARNING,
        "utf16-offsets-fixed",
        (2, 3, "b", True),
    )


@pytest.mark.parametrize(
    ("start", "end", "code", "field"),
    [
        (2, 2, "empty-span", "end"),
        (1, 9, "offset-out-of-range", "end"),
        (-1, 2, "offset-out-of-range", "start"),
    ],
)
def test_offsets_that_place_no_span(start, end, code, field):
    found, held = explain_offsets("abc", start, end, None, None, fix_utf16_offsets=False)
    assert (found["code"], found["field"], found["value"]) == (code, field, f"{start}-{end}")
    assert held == (start, end, "", False)


def test_offsets_beyond_int64_are_held_as_minus_one():
    assert (held_offset(2**63), held_offset(-(2**63)), held_offset(5)) == (-1, -(2**63), 5)


# -- overlaps ------------------------------------------------------------------------------


def test_duplicate_and_overlapping_spans_of_one_type():
    rows = [
        mention("r1")[:4] + [0, 6, "Macron", "PER", "", [], ""],
        mention("r2")[:4] + [0, 6, "Macron", "PER", "", [], ""],
        mention("r3")[:4] + [3, 10, "ron met", "PER", "", [], ""],
        mention("r4")[:4] + [3, 10, "ron met", "ORG", "", [], ""],
        mention("r5")[:4] + [4, 5, "o", "PER", "", [], ""],
    ]
    assert may_overlap(rows) and not may_overlap([rows[0], rows[4][:4] + [6, 9] + rows[4][6:]])
    annotation, issues = annotation_of([])
    check_overlaps(annotation, rows, [0, 1, 2, 3, 4], misplaced={id(rows[4])})
    assert [(i.code, i.region_id, i.value) for i in issues] == [
        ("duplicate-span", "r2", "0-6"),
        ("overlapping-span", "r3", "3-10"),
    ]


# -- tables -----------------------------------------------------------------------------------


def test_a_table_from_rows_has_its_declared_dtypes():
    table = frame([mention(), mention("r2")], MENTION_COLUMNS)
    assert list(table.columns) == list(MENTION_COLUMNS)
    assert (str(table["start"].dtype), str(table["roles"].dtype)) == ("int64", "object")
    assert list(table["region_id"]) == ["r1", "r2"]
    assert len(frame([], MENTION_COLUMNS).columns) == len(MENTION_COLUMNS)
