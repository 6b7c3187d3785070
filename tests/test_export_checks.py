"""`stancepack validate` on crafted exports: every check, its exact report lines and exit code.

Each fixture ``tests/fixtures/exports/NAME.json`` has its full text report (without the
header line, which names the file) in ``NAME.report.txt``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from stancepack.cli import cli
from stancepack.export.issues import ERROR
from stancepack.export.validate.report import format_text, issue_line
from stancepack.export.validate.run import validate_export
from stancepack.ground.errors import StancepackError
from stancepack.schema.taxonomy import load_taxonomy
from tests.helpers import default_taxonomy_data, write_taxonomy

FIXTURES = Path(__file__).parent / "fixtures" / "exports"
TAXONOMY = load_taxonomy()
# Fixture -> exit code of `stancepack validate`.
EXIT_CODES = {
    "valid": 0,
    "single-task": 0,
    "annotation-file": 0,
    "pre-1.0": 0,
    "no-ids": 0,
    "no-data-wrapper": 0,
    "prediction-ids": 0,
    "article-conflict": 1,
    "cancelled-and-empty": 1,
    "duplicate-ids": 1,
    "hypertext": 1,
    "image-boxes": 1,
    "offsets": 1,
    "orphans": 1,
    "overlapping-spans": 1,
    "region-ids": 1,
    "relations": 1,
    "text-url": 1,
    "unicode-normalisation": 1,
    "utf16-offsets": 1,
    "vocabulary": 1,
}


def validate(*args: str) -> object:
    return CliRunner().invoke(cli, ["validate", *args])


def header(path: Path, strict: bool = False) -> str:
    suffix = " with --strict" if strict else ""
    return (
        f"{path}: checked against taxonomy {TAXONOMY.name} (version {TAXONOMY.version}){suffix}\n"
    )


def issues_of(name: str, **options: bool) -> list[tuple[str, str, str, str, str | None]]:
    report = validate_export(FIXTURES / f"{name}.json", TAXONOMY, **options)
    return [
        (issue.code, issue.annotation_id, issue.region_id, issue.field, issue.value)
        for issue in report.issues
    ]


def test_every_report_fixture_has_an_exit_code():
    reported = {path.name.removesuffix(".report.txt") for path in FIXTURES.glob("*.report.txt")}
    assert reported == set(EXIT_CODES)


@pytest.mark.parametrize("name", sorted(EXIT_CODES))
def test_report_of_each_fixture(name):
    export = FIXTURES / f"{name}.json"
    result = validate(str(export))
    expected = (FIXTURES / f"{name}.report.txt").read_text(encoding="utf-8")
    assert result.stdout == header(export) + expected
    assert result.stderr == ""
    assert result.exit_code == EXIT_CODES[name]


def test_a_valid_export_reports_nothing_but_its_summary():
    result = validate(str(FIXTURES / "valid.json"))
    assert result.exit_code == 0
    assert result.stdout.splitlines()[1:] == [
        "summary: tasks 2, annotations 4, predictions 1, cancelled 1, empty 0, spans 9, "
        "relations 3, errors 0, warnings 0: valid"
    ]


def test_offsets_integers_in_range_and_matching_text_with_the_reason():
    assert issues_of("offsets") == [
        ("bad-offset", "6001", "o1", "start", "77"),
        ("bad-offset", "6001", "o2", "end", "83.0"),
        ("text-mismatch", "6001", "o3", "text", "Dmitry Peskov"),
        ("empty-span", "6001", "o4", "end", "77-77"),
        ("empty-span", "6001", "o5", "end", "83-77"),
        ("text-mismatch", "6001", "o7", "text", "NATO"),
        ("text-mismatch", "6001", "o8", "text", "Pologne"),
    ]
    reasons = [
        issue.reason for issue in validate_export(FIXTURES / "offsets.json", TAXONOMY).issues
    ]
    assert reasons[2].endswith("the span's text occurs at 152-165")
    assert reasons[5].endswith("they differ only in surrounding whitespace")
    assert reasons[6].endswith("which does not occur in the text at all")


def test_offsets_outside_the_text(tmp_path):
    tasks = json.loads((FIXTURES / "single-task.json").read_text(encoding="utf-8"))
    tasks["annotations"][0]["result"][0]["value"].update(start=300, end=306)
    report = validate_export([tasks], TAXONOMY)
    (issue,) = [issue for issue in report.issues if issue.code == "offset-out-of-range"]
    assert issue_line(issue) == (
        "error offset-out-of-range: task 201, annotation 2001 (alice@example.org), region r1, "
        'end "300-306": offsets 300-306 fall outside the text (0-194)'
    )


def test_unicode_normalisation_is_named_as_the_reason():
    (issue,) = validate_export(FIXTURES / "unicode-normalisation.json", TAXONOMY).issues
    assert issue.code == "text-mismatch"
    assert issue.reason.endswith("they differ only in Unicode normalisation (NFC vs NFD)")


def test_utf16_offsets_are_an_error_that_names_the_fix():
    (first, second) = validate_export(FIXTURES / "utf16-offsets.json", TAXONOMY).issues
    assert (first.code, first.value, second.value) == ("utf16-offsets", "5-11", "44-50")
    assert "in characters they are 3-9; --fix-utf16-offsets repairs this" in first.reason


def test_fix_utf16_offsets_repairs_and_reports_each_repair():
    export = FIXTURES / "utf16-offsets.json"
    result = validate(str(export), "--fix-utf16-offsets")
    assert result.exit_code == 0
    assert result.stdout == header(export) + (
        "task 603:\n"
        "  warning utf16-offsets-fixed: task 603, annotation 6003 (alice@example.org), region u1, "
        'start "5-11": repaired: offsets 5-11 count UTF-16 units (astral characters such as '
        "emoji before the span count twice, as older Label Studio versions did); in characters "
        "they are 3-9\n"
        "  warning utf16-offsets-fixed: task 603, annotation 6003 (alice@example.org), region u2, "
        'start "44-50": repaired: offsets 44-50 count UTF-16 units (astral characters such as '
        "emoji before the span count twice, as older Label Studio versions did); in characters "
        "they are 40-46\n"
        "warnings by code: utf16-offsets-fixed 2\n"
        "summary: tasks 1, annotations 1, predictions 0, cancelled 0, empty 0, spans 2, "
        "relations 0, errors 0, warnings 2: valid\n"
    )
    mentions = validate_export(export, TAXONOMY, fix_utf16_offsets=True).tables.mentions
    assert mentions[["start", "end", "text"]].values.tolist() == [
        [3, 9, "France"],
        [40, 46, "Poland"],
    ]


def test_per_region_choices_must_belong_to_a_span_of_the_same_annotation():
    assert issues_of("orphans") == [
        ("multiple-stances", "6004", "m1", "stance", '["support", "open"]'),
        ("orphan-choice", "6004", "zz", "stance", '["oppose"]'),
        ("orphan-choice", "6004", "", "roles", '["training"]'),
        ("orphan-actor-name", "6004", "zz", "actor_name", '["Nobody"]'),
        ("duplicate-roles", "6004", "m1", "roles", '["cyber"]'),
        ("multiple-stances", "6004", "m2", "stance", '["oppose", "open"]'),
    ]


def test_relations_endpoints_labels_and_directions():
    assert issues_of("relations") == [
        ("dangling-relation", "6005", "r2->r9", "to_id", "r9"),
        ("dangling-relation", "6005", "r1->", "to_id", ""),
        ("unknown-relation", "6005", "r1->r2", "label", "quotes"),
        ("bad-direction", "6005", "r1->r2", "direction", "up"),
        ("unlabelled-relation", "6005", "r1->r2", "label", None),
    ]


def test_region_ids_are_unique_within_an_annotation_but_may_repeat_across():
    issues = issues_of("region-ids")
    assert ("duplicate-region-id", "6006", "r1", "id", "r1") in issues
    assert not [issue for issue in issues if issue[1] == "6007"]


def test_labels_stances_roles_and_tags_outside_the_taxonomy():
    assert issues_of("vocabulary") == [
        ("unknown-actor-type", "6008", "v1", "actor_type", "politician"),
        ("unknown-role", "6008", "v1", "roles", '["peacekeeping"]'),
        ("unknown-stance", "6008", "v2", "stance", "against"),
        ("multiple-labels", "6008", "v3", "actor_type", '["organization", "group"]'),
        ("missing-label", "6008", "v4", "actor_type", "[]"),
        ("unknown-tag", "6008", "v5", "from_name", "label"),
        ("unknown-tag", "6008", "v6", "from_name", "sentiment"),
    ]


def test_vocabularies_come_from_the_taxonomy_given(tmp_path):
    data = default_taxonomy_data()
    data["actor_types"].append(
        {"value": "politician", "definition": "An elected official.", "examples": ["Macron"]}
    )
    data["roles"].append(
        {"value": "peacekeeping", "definition": "Keeping a ceasefire.", "examples": ["Blue"]}
    )
    taxonomy = write_taxonomy(tmp_path / "taxonomy.yaml", data)
    result = validate(str(FIXTURES / "vocabulary.json"), "--taxonomy", str(taxonomy))
    assert result.exit_code == 1
    assert "politician" not in result.stdout and "peacekeeping" not in result.stdout
    assert "unknown-actor-type" not in result.stdout and "unknown-role" not in result.stdout
    assert "unknown-stance" in result.stdout


def test_duplicate_and_overlapping_spans_with_the_same_label():
    assert issues_of("overlapping-spans") == [
        ("overlapping-span", "6009", "d2", "start", "152-165"),
        ("duplicate-span", "6009", "d3", "start", "134-165"),
    ]


def test_adjacent_spans_with_the_same_label_do_not_overlap():
    """0-17 and 17-32 touch without sharing a character; the annotation's real overlap
    (134-165 and 152-165) makes the overlap check look at every span."""
    text = json.loads((FIXTURES / "overlapping-spans.json").read_text(encoding="utf-8"))[0]
    text = text["data"]["text"]
    spans = [("a1", 0, 17), ("a2", 17, 32), ("d1", 134, 165), ("d2", 152, 165)]
    result = [
        {
            "id": region_id,
            "from_name": "actor",
            "to_name": "text",
            "type": "labels",
            "value": {"start": start, "end": end, "text": text[start:end], "labels": ["person"]},
        }
        for region_id, start, end in spans
    ]
    task = {"id": 1, "data": {"text": text}, "annotations": [{"id": 2, "result": result}]}
    report = validate_export([task], TAXONOMY)
    assert [issue_line(issue) for issue in report.issues if issue.severity == ERROR] == [
        'error overlapping-span: task 1, annotation 2, region d2, start "152-165": '
        "overlaps span d1 (134-165) with the same label person"
    ]


def test_the_same_article_with_different_text_in_two_tasks():
    conflict, repeat = validate_export(FIXTURES / "article-conflict.json", TAXONOMY).issues
    assert (conflict.code, conflict.task_id, conflict.value) == (
        "article-text-conflict",
        "610",
        "a1b2c3d4e5f60718",
    )
    assert (repeat.severity, repeat.code, repeat.task_id) == ("warning", "duplicate-article", "611")


def test_cancelled_and_empty_annotations_are_counted_and_kept_out_of_the_data():
    report = validate_export(FIXTURES / "cancelled-and-empty.json", TAXONOMY)
    assert report.summary["cancelled"] == 1 and report.summary["empty"] == 1
    assert report.tables.mentions["annotation_id"].tolist() == ["6016"]
    assert report.tables.annotations["was_cancelled"].tolist() == [True, False, False, False]


def test_strict_turns_missing_stances_and_spans_into_errors():
    export = FIXTURES / "no-ids.json"
    result = validate(str(export), "--strict")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0] == header(export, strict=True).rstrip("\n")
    assert lines[-4] == (
        "  error no-stance: task task-1, annotation task-1-annotation-1 (user 1), region region-3, "
        'stance "": span has no stance (--strict)'
    )
    assert lines[-1].endswith("errors 1, warnings 3: invalid")


def test_strict_on_an_empty_annotation():
    report = validate_export(FIXTURES / "cancelled-and-empty.json", TAXONOMY, strict=True)
    strict = [issue.code for issue in report.issues if issue.reason.endswith("(--strict)")]
    assert strict == ["no-spans", "no-spans", "no-stance"]
    assert report.errors == 4 and report.warnings == 0


def test_json_report_has_the_same_content_as_the_text_report():
    export = FIXTURES / "vocabulary.json"
    result = validate(str(export), "--format", "json")
    assert result.exit_code == 1
    record = json.loads(result.stdout)
    report = validate_export(export, TAXONOMY)
    assert record["ok"] is False and record["strict"] is False
    assert record["source"] == str(export)
    assert record["taxonomy"] == {"name": TAXONOMY.name, "version": TAXONOMY.version}
    assert record["summary"] == report.summary
    assert record["codes"]["error"]["unknown-tag"] == 2
    assert record["issues"] == [issue.to_record() for issue in report.issues]
    assert record["issues"][0] == {
        "severity": "error",
        "code": "unknown-actor-type",
        "task_id": "607",
        "annotation_id": "6008",
        "annotator": "alice@example.org",
        "region_id": "v1",
        "field": "actor_type",
        "value": "politician",
        "reason": f"not an actor type of the taxonomy ({', '.join(TAXONOMY.actor_type_values)})",
    }
    text_lines = [line for line in format_text(report).splitlines() if line.startswith("  ")]
    assert len(text_lines) == len(record["issues"])
    assert list(record) == sorted(record)


def test_json_report_of_a_valid_export():
    result = validate(str(FIXTURES / "valid.json"), "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["issues"] == []


@pytest.mark.parametrize("export", sorted(FIXTURES.glob("*.json")), ids=lambda path: path.name)
def test_every_issue_is_one_line(export):
    """Every fixture gives a report of one-line issues or a one-line refusal; anything
    else (a crash) fails."""
    try:
        report = validate_export(export, TAXONOMY)
    except StancepackError as refusal:
        assert "\n" not in str(refusal) and str(refusal).startswith(f"{export}: ")
        return
    for issue in report.issues:
        assert "\n" not in issue_line(issue)


def test_a_broken_taxonomy_is_an_error_not_a_traceback(tmp_path):
    broken = tmp_path / "taxonomy.yaml"
    broken.write_text("name: [unclosed\n", encoding="utf-8")
    result = validate(str(FIXTURES / "valid.json"), "--taxonomy", str(broken))
    assert result.exit_code == 1
    assert result.stderr == f"Error: {broken}: not valid YAML (line 2, column 1)\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "Missing argument 'EXPORT'."),
        (["missing.json"], "Invalid value for 'EXPORT': File 'missing.json' does not exist."),
        (["valid.json", "--format", "xml"], "'xml' is not one of 'text', 'json'."),
    ],
)
def test_usage_errors(args, message, monkeypatch):
    monkeypatch.chdir(FIXTURES)
    result = validate(*args)
    assert result.exit_code == 2
    assert message in result.stderr


def test_predictions_propose_no_stance_and_are_not_warned_for_it():
    span = {
        "id": "r1",
        "from_name": "actor",
        "to_name": "text",
        "type": "labels",
        "value": {"start": 0, "end": 6, "text": "Macron", "labels": ["person"]},
    }
    task = {
        "id": 1,
        "data": {"text": "Macron said troops could go.", "article_id": "a1"},
        "predictions": [{"id": 7, "model_version": "rules", "result": [span]}],
        "annotations": [{"id": 3, "completed_by": 1, "result": [span]}],
    }
    report = validate_export([task], load_taxonomy())
    assert [(issue.code, issue.annotation_id) for issue in report.issues] == [("no-stance", "3")]
