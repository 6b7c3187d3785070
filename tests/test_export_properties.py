"""Property tests: random valid annotations flatten and validate clean, and each single
corruption of one is caught with the right code."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stancepack.export.validate.run import validate_export
from stancepack.schema import fields
from stancepack.schema.taxonomy import load_taxonomy

TAXONOMY = load_taxonomy()
# Words with accents, combining marks, emoji and flags (astral characters).
WORDS = st.sampled_from(
    ["Macron", "NATO", "Poland", "Séjourné", "Kyiv", "troops", "said", "the",
     "\U0001f1fa\U0001f1e6", "\U0001f600", "Anušauskas", "ministers", "« open »", "a\u0301b"]
)  # fmt: skip
PROPERTY_SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@st.composite
def annotated_tasks(draw: st.DrawFn) -> dict[str, Any]:
    """One task: a text of random words, some of them actor spans with a stance, roles,
    perhaps a name, and relations between spans; one or two annotators."""
    words = draw(st.lists(WORDS, min_size=3, max_size=30))
    marked = draw(st.lists(st.booleans(), min_size=len(words), max_size=len(words)))
    if not any(marked):
        marked[0] = True
    text, spans = "", []
    for word, is_span in zip(words, marked, strict=True):
        if text:
            text += " "
        start = len(text)
        text += word
        if is_span:
            spans.append((start, start + len(word), word))
    annotations = []
    for annotator in range(1, draw(st.integers(1, 2)) + 1):
        result = []
        for number, (start, end, word) in enumerate(spans):
            region_id = f"r{number}"  # the same ids in both annotations: that is normal
            where = {"start": start, "end": end, "text": word}
            actor_type = draw(st.sampled_from(TAXONOMY.actor_type_values))
            stance = draw(st.sampled_from(TAXONOMY.stance_values))
            roles = draw(st.lists(st.sampled_from(TAXONOMY.role_values), unique=True, max_size=3))
            result.append(_result(region_id, fields.ACTOR, "labels", where, labels=[actor_type]))
            result.append(_result(region_id, fields.STANCE, "choices", where, choices=[stance]))
            if roles:
                result.append(_result(region_id, fields.ROLES, "choices", where, choices=roles))
            if draw(st.booleans()):
                name = {"start": start, "end": end, "text": [word.upper()]}
                result.append(_result(region_id, fields.ACTOR_NAME, "textarea", name))
        for _ in range(draw(st.integers(0, 3)) if len(spans) > 1 else 0):
            source, target = draw(
                st.lists(st.integers(0, len(spans) - 1), min_size=2, max_size=2, unique=True)
            )
            result.append(
                {
                    "type": "relation",
                    "from_id": f"r{source}",
                    "to_id": f"r{target}",
                    "direction": draw(st.sampled_from(["right", "left", "bi"])),
                    "labels": [draw(st.sampled_from(TAXONOMY.relation_values))],
                }
            )
        annotations.append(
            {
                "id": annotator,
                "completed_by": {"id": annotator, "email": f"a{annotator}@example.org"},
                "result": result,
                "was_cancelled": False,
                "ground_truth": False,
                "lead_time": 10.0,
            }
        )
    return {"id": 1, "data": {fields.TEXT: text, "article_id": "a1"}, "annotations": annotations}


def _result(region_id: str, tag: str, kind: str, value: dict, **extra: Any) -> dict[str, Any]:
    return {
        "id": region_id,
        "from_name": tag,
        "to_name": fields.TEXT,
        "type": kind,
        "value": {**value, **extra},
    }


@PROPERTY_SETTINGS
@given(annotated_tasks())
def test_random_valid_annotations_flatten_and_validate_clean(task):
    report = validate_export([task], TAXONOMY)
    assert report.issues == ()
    assert report.ok
    text = task["data"][fields.TEXT]
    mentions = report.tables.mentions
    spans = [r for a in task["annotations"] for r in a["result"] if r["type"] == "labels"]
    assert len(mentions) == len(spans)
    for row, span in zip(mentions.itertuples(), spans, strict=True):
        assert (row.start, row.end, row.region_id) == (
            span["value"]["start"],
            span["value"]["end"],
            span["id"],
        )
        assert text[row.start : row.end] == row.text == span["value"]["text"]
        assert row.actor_type == span["value"]["labels"][0]
        assert row.stance in TAXONOMY.stance_values
        assert row.roles == sorted(row.roles, key=TAXONOMY.role_values.index)
    relations = [r for a in task["annotations"] for r in a["result"] if r["type"] == "relation"]
    assert len(report.tables.relations) == len(relations)


# -- single corruptions ---------------------------------------------------------------------


def _spans(task: dict) -> list[dict]:
    return [r for r in task["annotations"][0]["result"] if r["type"] == "labels"]


def _per_region(task: dict, tag: str) -> list[dict]:
    return [r for r in task["annotations"][0]["result"] if r.get("from_name") == tag]


def _end_beyond_text(task: dict) -> None:
    _spans(task)[0]["value"]["end"] = len(task["data"][fields.TEXT]) + 5


def _start_as_text(task: dict) -> None:
    value = _spans(task)[0]["value"]
    value["start"] = str(value["start"])


def _wrong_span_text(task: dict) -> None:
    _spans(task)[0]["value"]["text"] += "x"


def _zero_length(task: dict) -> None:
    value = _spans(task)[0]["value"]
    value["end"] = value["start"]


def _unknown_label(task: dict) -> None:
    _spans(task)[0]["value"]["labels"] = ["politician"]


def _unknown_stance(task: dict) -> None:
    _per_region(task, fields.STANCE)[0]["value"]["choices"] = ["maybe"]


def _unknown_role(task: dict) -> None:
    task["annotations"][0]["result"].append(
        _result(_spans(task)[0]["id"], fields.ROLES, "choices", {}, choices=["peacekeeping"])
    )
    for roles in _per_region(task, fields.ROLES)[:-1]:
        if roles["id"] == _spans(task)[0]["id"]:
            task["annotations"][0]["result"].remove(roles)


def _orphan_stance(task: dict) -> None:
    _per_region(task, fields.STANCE)[0]["id"] = "nowhere"


def _second_stance(task: dict) -> None:
    stance = copy.deepcopy(_per_region(task, fields.STANCE)[0])
    task["annotations"][0]["result"].append(stance)


def _duplicate_region_id(task: dict) -> None:
    task["annotations"][0]["result"].append(
        _result(_spans(task)[0]["id"], fields.ACTOR, "labels", _spans(task)[-1]["value"])
    )


def _dangling_relation(task: dict) -> None:
    first = _spans(task)[0]["id"]
    task["annotations"][0]["result"].append(
        {"type": "relation", "from_id": first, "to_id": "nowhere", "labels": ["same_as"]}
    )


def _unknown_relation(task: dict) -> None:
    spans = _spans(task)
    first, last = spans[0]["id"], spans[-1]["id"]  # the same span when there is one
    task["annotations"][0]["result"].append(
        {"type": "relation", "from_id": first, "to_id": last, "labels": ["quotes"]}
    )


def _duplicate_span(task: dict) -> None:
    span = copy.deepcopy(_spans(task)[0])
    span["id"] = "copy"
    stance = _result("copy", fields.STANCE, "choices", {}, choices=["open"])
    task["annotations"][0]["result"] += [span, stance]


def _image_box(task: dict) -> None:
    task["annotations"][0]["result"].append(
        {"id": "b", "type": "rectanglelabels", "value": {"x": 1, "rectanglelabels": ["Car"]}}
    )


def _same_article_other_text(task: dict) -> None:
    other = copy.deepcopy(task)
    other["id"] = 2
    other["data"][fields.TEXT] += " changed"
    for annotation in other["annotations"]:
        annotation["id"] += 100
    task["other"] = other


# corruption -> (expected error code, other error codes it may bring along)
CORRUPTIONS: dict[Callable[[dict], None], tuple[str, set[str]]] = {
    _end_beyond_text: ("offset-out-of-range", set()),
    _start_as_text: ("bad-offset", set()),
    _wrong_span_text: ("text-mismatch", set()),
    _zero_length: ("empty-span", set()),
    _unknown_label: ("unknown-actor-type", set()),
    _unknown_stance: ("unknown-stance", set()),
    _unknown_role: ("unknown-role", set()),
    _orphan_stance: ("orphan-choice", set()),
    _second_stance: ("multiple-stances", set()),
    _duplicate_region_id: ("duplicate-region-id", {"duplicate-span", "overlapping-span"}),
    _dangling_relation: ("dangling-relation", set()),
    _unknown_relation: ("unknown-relation", {"self-relation"}),
    _duplicate_span: ("duplicate-span", set()),
    _image_box: ("not-text-span", set()),
    _same_article_other_text: ("article-text-conflict", set()),
}


@pytest.mark.parametrize("corrupt", list(CORRUPTIONS), ids=lambda c: c.__name__.strip("_"))
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(task=annotated_tasks())
def test_each_single_corruption_is_caught_with_its_code(corrupt, task):
    code, companions = CORRUPTIONS[corrupt]
    corrupt(task)
    tasks = [task, task.pop("other")] if "other" in task else [task]
    report = validate_export(tasks, TAXONOMY)
    errors = {issue.code for issue in report.issues if issue.severity == "error"}
    assert not report.ok
    assert code in errors
    assert errors <= {code} | companions


# -- anything at all: issues, never an exception ---------------------------------------------

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-3, 300)
    | st.floats(allow_nan=False)
    | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=8,
)
RESULT_KEYS = [
    "id",
    "type",
    "from_name",
    "to_name",
    "value",
    "from_id",
    "to_id",
    "labels",
    "direction",
]
PLAUSIBLE = {
    "type": st.sampled_from(["labels", "choices", "textarea", "relation", "rectanglelabels"]),
    "from_name": st.sampled_from(
        [fields.ACTOR, fields.STANCE, fields.ROLES, fields.ACTOR_NAME, "x"]
    ),
    "id": st.sampled_from(["r1", "r2", 0, 1, None]) | JSON_VALUES,
    "value": st.fixed_dictionaries(
        {},
        optional={
            "start": st.integers(-2, 40) | JSON_VALUES,
            "end": st.integers(-2, 40) | JSON_VALUES,
            "text": st.text(max_size=6) | JSON_VALUES,
            "labels": st.lists(st.sampled_from(TAXONOMY.actor_type_values), max_size=2)
            | JSON_VALUES,
            "choices": st.lists(st.sampled_from(TAXONOMY.stance_values), max_size=2) | JSON_VALUES,
        },
    )
    | JSON_VALUES,
}
RESULTS = st.one_of(
    st.fixed_dictionaries(
        {}, optional={key: PLAUSIBLE.get(key, JSON_VALUES) for key in RESULT_KEYS}
    ),
    JSON_VALUES,
)
ANNOTATIONS = st.fixed_dictionaries(
    {},
    optional={
        "id": JSON_VALUES,
        "completed_by": JSON_VALUES,
        "result": st.lists(RESULTS, max_size=6) | JSON_VALUES,
        "was_cancelled": JSON_VALUES,
        "lead_time": JSON_VALUES,
    },
)
TASKS = st.fixed_dictionaries(
    {},
    optional={
        "id": JSON_VALUES,
        "data": st.fixed_dictionaries(
            {}, optional={fields.TEXT: st.text(max_size=40) | JSON_VALUES}
        )
        | JSON_VALUES,
        "annotations": st.lists(ANNOTATIONS, max_size=3) | JSON_VALUES,
        "predictions": st.lists(ANNOTATIONS | st.integers(), max_size=2) | JSON_VALUES,
    },
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tasks=st.lists(TASKS | JSON_VALUES, max_size=3), strict=st.booleans())
def test_any_json_gives_a_report_never_an_exception(tasks, strict):
    report = validate_export(tasks, TAXONOMY, strict=strict, fix_utf16_offsets=strict)
    assert report.summary["tasks"] == len(tasks)
    for issue in report.issues:
        assert issue.severity in ("error", "warning") and issue.code and issue.reason
