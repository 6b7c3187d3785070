"""Reading export files: the shapes accepted, and everything refused with one clear line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from stancepack.cli import cli
from stancepack.export.read.reader import load_export, parse_export
from stancepack.ground.errors import ExportError

FIXTURES = Path(__file__).parent / "fixtures" / "exports"
FULL_EXPORT_HINT = (
    "get a full JSON export instead: stancepack pull --project ID -o export.json, "
    "or Export > JSON in Label Studio"
)
LOST = (
    "it has already dropped the relations and cut per-region stance, roles and actor names "
    "loose from their spans"
)
# Fixture -> the message after "Error: PATH: ".
REFUSED = {
    "empty.json": "empty file; expected a Label Studio full JSON export (a list of tasks)",
    "invalid.json": (
        "invalid JSON at line 2, column 34: Expecting property name enclosed in double quotes"
    ),
    "truncated.json": (
        "invalid JSON at line 27, column 15: Expecting value; the file ends before the JSON "
        "does (truncated?)"
    ),
    "not-a-list.json": (
        "the JSON value is a string, not a list of tasks; expected a Label Studio full JSON export"
    ),
    "list-of-numbers.json": (
        "item 1 of the list is a number, not a task object; expected a list of tasks"
    ),
    "object-not-task.json": (
        "not a list of tasks but a JSON object with keys base_url, projects; expected a Label "
        "Studio full JSON export"
    ),
    "json-min.json": (
        "a JSON_MIN export (flat records with annotator and annotation_id), not a full JSON "
        f"export: {LOST}; {FULL_EXPORT_HINT}"
    ),
    "export.csv": f"a CSV export, not a full JSON export: {LOST}; {FULL_EXPORT_HINT}",
    "export.conll": (
        "a CoNLL 2003 export, not a full JSON export: it keeps only BIO tags, without relations "
        f"or per-region stance, roles and actor names; {FULL_EXPORT_HINT}"
    ),
    "not-utf8.json": (
        "not UTF-8 text (byte 0xe9 at offset 31); Label Studio exports are UTF-8 JSON"
    ),
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_refused_inputs_get_one_line_and_exit_code_1(name):
    path = FIXTURES / name
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == f"Error: {path}: {REFUSED[name]}\n"


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_the_library_raises_export_error_with_the_same_message(name):
    path = FIXTURES / name
    with pytest.raises(ExportError) as raised:
        load_export(path)
    assert str(raised.value) == f"{path}: {REFUSED[name]}"


@pytest.mark.parametrize("output_format", ["text", "json"])
def test_refused_inputs_in_either_format(output_format):
    path = FIXTURES / "json-min.json"
    result = CliRunner().invoke(cli, ["validate", str(path), "--format", output_format])
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.startswith(f"Error: {path}: a JSON_MIN export")


def test_a_tsv_export_is_refused():
    with pytest.raises(ExportError, match=r"^x.tsv: a TSV export, not a full JSON export"):
        parse_export(b"annotation_id\tannotator\tid\n1\ta@b.org\t3\n", "x.tsv")


def test_a_list_of_tasks_is_read_as_it_is():
    tasks = load_export(FIXTURES / "valid.json").tasks
    assert [task["id"] for task in tasks] == [101, 102]
    assert load_export(FIXTURES / "valid.json").notes == ()


def test_a_single_task_object_is_read_as_a_list_of_one():
    export = load_export(FIXTURES / "single-task.json")
    assert [task["id"] for task in export.tasks] == [201]
    assert [note.code for note in export.notes] == ["single-task"]


def test_an_annotation_with_its_task_nested_is_read_as_one_task():
    export = load_export(FIXTURES / "annotation-file.json")
    (task,) = export.tasks
    assert task["id"] == 701
    assert [annotation["id"] for annotation in task["annotations"]] == [7001]
    assert "task" not in task["annotations"][0]
    assert [note.code for note in export.notes] == ["annotation-file"]


def test_an_empty_list_is_an_export_without_tasks():
    assert parse_export(b"[]", "x.json").tasks == []


def test_a_byte_order_mark_is_accepted():
    assert parse_export(b"\xef\xbb\xbf[]", "x.json").tasks == []


def test_whitespace_only_is_an_empty_file():
    with pytest.raises(ExportError, match=r"^x.json: empty file"):
        parse_export(b" \n\t\n", "x.json")


def test_json_nested_too_deeply_is_refused():
    with pytest.raises(ExportError, match=r"^x.json: JSON nested too deeply"):
        parse_export(b"[" * 200_000 + b"]" * 200_000, "x.json")


def test_a_missing_file_and_a_folder(tmp_path):
    with pytest.raises(ExportError, match=r": no such file$"):
        load_export(tmp_path / "missing.json")
    with pytest.raises(ExportError, match=r": is a folder, not an export file$"):
        load_export(tmp_path)


def test_a_folder_is_a_usage_error_of_the_command(tmp_path):
    result = CliRunner().invoke(cli, ["validate", str(tmp_path)])
    assert result.exit_code == 2
    assert "is a directory" in result.stderr


def test_validate_writes_nothing(tmp_path):
    export = tmp_path / "export.json"
    export.write_text(json.dumps([{"id": 1, "data": {"text": "x"}}]), encoding="utf-8")
    CliRunner().invoke(cli, ["validate", str(export)])
    assert sorted(path.name for path in tmp_path.iterdir()) == ["export.json"]


@settings(max_examples=200, deadline=None)
@given(
    data=st.binary(max_size=60)
    | st.text(alphabet='[]{}",:0123456789 abnultrefs\n\t-').map(str.encode)
)
def test_any_bytes_are_read_or_refused_with_an_export_error(data):
    try:
        export = parse_export(data, "x.json")
    except ExportError as error:
        assert str(error).startswith("x.json: ") and "\n" not in str(error)
    else:
        assert isinstance(export.tasks, list)
