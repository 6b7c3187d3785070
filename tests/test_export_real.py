"""`stancepack validate` on 14 real Label Studio exports from public repositories.

The files live outside the repository (see SOURCES.md in that folder); every one gets a
clean answer: exit 0 or 1 with the specific reasons expected for it, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from stancepack.cli import cli

REAL_EXPORTS = Path(__file__).resolve().parents[2] / "shared" / "real_exports"

pytestmark = pytest.mark.skipif(
    not REAL_EXPORTS.is_dir(), reason="the real exports folder is not here"
)

# File -> issues (code, field, value) the report must contain; every file is invalid for
# the stancepack taxonomy, each for its own reasons.
EXPECTED = {
    "ChristophAlt__labelstudio_converter__test__fixtures__data__labelstudio__data.json": [
        ("unknown-tag", "from_name", "label"),
        ("unknown-actor-type", "actor_type", "DIRECT-QUOTE"),
        ("unknown-relation", "label", "quotee"),
    ],
    "karanheera__AI-Data-Annotation-Tasks__Natural-Language-Processing__Relation-Extraction-RE"
    "__Label-Studio__Manual__annotations__train.json": [
        ("unknown-actor-type", "actor_type", "ORG"),
        ("unknown-relation", "label", "org:founded_by"),
        ("overlapping-span", "start", "18-24"),
    ],
    "irgroup__labelstudio-to-fonduer__example_data__export__export_1.json": [
        ("not-text-span", "start", "/form[1]/div[4]/div[1]/header[1]/div[1]/a[1]/h1[1]/text()[1]"),
        ("unlabelled-relation", "label", None),
    ],
    "irgroup__labelstudio-to-fonduer__examples__data__mails__export.json": [
        ("not-text-span", "type", "hypertextlabels"),
    ],
    "dataiku__kiji-proxy__model__dataset__labelstudio__sample_predictions.json": [
        ("missing-task-id", "", None),
        ("offset-out-of-range", "end", "68-90"),
        ("unknown-actor-type", "actor_type", "Pronoun"),
    ],
    "HumanSignal__label-studio-frontend__examples__named_entity__tasks.json": [
        ("missing-prediction-id", "", None),
        ("unknown-tag", "from_name", "ner"),
    ],
    "HumanSignal__label-studio-frontend__examples__rich_text_plain__annotations__1.json": [
        ("single-task", "", None),
        ("no-text", "data.text", None),
    ],
    "HumanSignal__label-studio-evalme__evalme__tests__test_data__test_old_format.json": [
        ("pre-1.0-format", "", None),
        ("no-text", "data.text", None),
        ("unknown-tag", "from_name", "sentiment"),
    ],
    "NeotomaDB__MetaExtractor__sample_annotation.json": [
        ("annotation-file", "", None),
        (
            "text-is-url",
            "data.text",
            "azure-blob://finding-fossils-labelling-dev/labelling-test/54b4324ce138239d8684a942.txt",
        ),
    ],
    "HealthInformaticsUT__labelstudio-ner-tagger__estnltk_patches__labelstudio__import_data.json": [
        ("duplicate-region-id", "id", "0"),
        ("no-spans", "", None),
    ],
    "HumanSignal__label-studio-sdk__tests__custom__converter__data__test_export_csv__csv_test"
    ".json": [
        ("not-text-span", "type", "rectanglelabels"),
    ],
    "HumanSignal__label-studio-sdk__tests__custom__converter__data__test_export_doclang__data"
    ".json": [
        ("no-text", "data.text", None),
        ("not-text-span", "type", "rectanglelabels"),
        ("unknown-tag", "from_name", "doclang"),
    ],
    "HumanSignal__label-studio__label_studio__tests__data_manager__tasks_annotations_predictions"
    ".json": [
        ("missing-task-id", "", None),
        ("no-data-wrapper", "", None),
        ("unknown-tag", "from_name", "text_class"),
    ],
}
# Files refused as a whole -> the message after "Error: PATH: ".
REFUSED = {
    "Labic-ICMC-USP__multi-annotator-labelstudio-pipeline__labelstudio-export__all_annotations"
    "_export.json": (
        "not a list of tasks but a JSON object with keys base_url, n_projects, project_filter, "
        "projects; expected a Label Studio full JSON export"
    ),
}


def test_every_real_export_has_an_expectation():
    assert {path.name for path in REAL_EXPORTS.glob("*.json")} == set(EXPECTED) | set(REFUSED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_real_export_is_invalid_for_its_own_reasons(name):
    path = REAL_EXPORTS / name
    result = CliRunner().invoke(cli, ["validate", str(path), "--format", "json"])
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    assert report["ok"] is False
    found = {(issue["code"], issue["field"], issue["value"]) for issue in report["issues"]}
    for expected in EXPECTED[name]:
        assert expected in found


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_real_export_text_report_ends_with_the_summary(name):
    result = CliRunner().invoke(cli, ["validate", str(REAL_EXPORTS / name)])
    assert result.exit_code == 1
    assert result.stderr == ""
    assert result.stdout.splitlines()[-1].startswith("summary: tasks ")
    assert result.stdout.splitlines()[-1].endswith(": invalid")


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_real_export_refused_as_a_whole(name):
    path = REAL_EXPORTS / name
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == f"Error: {path}: {REFUSED[name]}\n"


def test_region_ids_reused_by_a_second_annotator_are_not_duplicates():
    name = "ChristophAlt__labelstudio_converter__test__fixtures__data__labelstudio__data.json"
    result = CliRunner().invoke(cli, ["validate", str(REAL_EXPORTS / name), "--format", "json"])
    report = json.loads(result.stdout)
    assert report["summary"]["annotations"] == 4
    assert "duplicate-region-id" not in report["codes"]["error"]


def test_consistent_offsets_of_a_real_export_raise_no_text_problem():
    name = next(name for name in EXPECTED if name.startswith("karanheera"))
    result = CliRunner().invoke(cli, ["validate", str(REAL_EXPORTS / name), "--format", "json"])
    report = json.loads(result.stdout)
    assert report["summary"]["spans"] == 239 and report["summary"]["relations"] == 153
    offsets = {"text-mismatch", "offset-out-of-range", "bad-offset", "empty-span", "utf16-offsets"}
    assert offsets.isdisjoint(report["codes"]["error"])
