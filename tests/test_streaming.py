"""Streaming and chunked paths give exactly what the plain path gives.

The plain path reads the whole file (`load_export`, one ``json.loads``) and checks whole
tables. The streaming reader (`stream_export`) parses one task at a time from chunks of the
file, and chunked validation (``chunk_tasks``) checks a few tasks at a time; both must give
the same tasks, the same refusal message, the same report and the same dataset bytes, on
the fixtures and on generated exports (benchmarks/synth.py)."""

from __future__ import annotations

import copy
import json
import tracemalloc
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.synth import tasks as synthetic_tasks
from benchmarks.synth import write_export
from stancepack.cli import cli
from stancepack.export.dataset.package import (
    package_export,
    package_tables,
    provenance_of,
    validation_facts,
)
from stancepack.export.read import stream
from stancepack.export.read.reader import load_export
from stancepack.export.read.stream import boundary_after, stream_export
from stancepack.export.validate.report import format_json, format_text
from stancepack.export.validate.run import validate_export
from stancepack.ground.errors import ExportError
from stancepack.schema.taxonomy import load_taxonomy

FIXTURES = Path(__file__).parent / "fixtures" / "exports"
TAXONOMY = load_taxonomy()
ALL_FIXTURES = sorted(path for path in FIXTURES.iterdir() if not path.name.endswith(".txt"))
CHUNK_SIZES = (1, 2, 7, 64, 1 << 22)
# None: task by task with the standard library's scanner; 1: each guessed boundary ends a
# batch; 1 << 16: the default.
BATCH_SIZES = (None, 1, 1 << 16)


def read_whole(path: Path) -> tuple:
    try:
        export = load_export(path)
    except ExportError as error:
        return ("refused", str(error))
    return ("read", export.source, export.tasks, export.notes)


def read_streamed(path: Path, chunk_bytes: int, batch_bytes: int | None = 1 << 16) -> tuple:
    try:
        export = stream_export(path, chunk_bytes=chunk_bytes, batch_bytes=batch_bytes)
        return ("read", export.source, list(export.tasks), export.notes)
    except ExportError as error:
        return ("refused", str(error))


def assert_read_alike(path: Path, chunk_sizes: tuple[int, ...] = CHUNK_SIZES) -> None:
    whole = read_whole(path)
    for chunk_bytes in chunk_sizes:
        for batch_bytes in BATCH_SIZES:
            streamed = read_streamed(path, chunk_bytes, batch_bytes)
            assert streamed == whole, f"chunks of {chunk_bytes} bytes, batches of {batch_bytes}"


# --- the streaming reader ---------------------------------------------------------------


@pytest.mark.parametrize("path", ALL_FIXTURES, ids=lambda path: path.name)
def test_every_fixture_is_read_or_refused_as_the_whole_file_reader_does(path):
    assert_read_alike(path)


def test_every_truncation_of_an_export_is_refused_with_the_same_message(tmp_path):
    data = (FIXTURES / "valid.json").read_bytes()
    cut = tmp_path / "cut.json"
    for end in range(0, len(data), 3):
        cut.write_bytes(data[:end])
        assert_read_alike(cut, (1, 5, 64, 1 << 22))


@settings(max_examples=150, deadline=None)
@given(
    position=st.floats(min_value=0, max_value=1),
    replacement=st.binary(max_size=3)
    | st.sampled_from([b"]", b"}", b",", b'"', b"\\", b"\n", b"\xe9", b"\xc3", b"1e", b"tru"]),
    removed=st.integers(min_value=0, max_value=3),
    chunk_bytes=st.sampled_from([1, 3, 16, 1 << 22]),
    batch_bytes=st.sampled_from(BATCH_SIZES),
)
def test_any_corruption_is_read_or_refused_as_the_whole_file_reader_does(
    tmp_path_factory, position, replacement, removed, chunk_bytes, batch_bytes
):
    data = (FIXTURES / "valid.json").read_bytes()
    at = int(position * len(data))
    path = tmp_path_factory.mktemp("corrupt") / "export.json"
    path.write_bytes(data[:at] + replacement + data[at + removed :])
    assert read_streamed(path, chunk_bytes, batch_bytes) == read_whole(path)


# The whole-file reader names the first problem in this order: bytes that are not UTF-8,
# invalid JSON, the first item that is not a task, a JSON_MIN record first. A stream finds
# them in file order, so it must read on to the end before refusing.
PRECEDENCE = {
    "invalid JSON before bytes that are not UTF-8": b'[{"id": 1}, {"id" 2}, "\xff"]',
    "a number before invalid JSON": b'[{"id": 1}, 3, {"id": 2}',
    "a number before a number": b'[{"id": 1}, 3, "x"]',
    "a JSON_MIN record before a number": b'[{"annotator": 1, "annotation_id": 2}, 7]',
    "a JSON_MIN record before invalid JSON": b'[{"annotator": 1, "annotation_id": 2}, {]',
    "text after the list": b'[{"id": 1}] [',
    "Unicode space after the list": '[{"id": 1}]\u00a0'.encode(),
    "a byte order mark": b'\xef\xbb\xbf[{"id": 1}, {"id": "\xff"}]',
    "a lone surrogate after a number": b'[{"id": 1}, 3, {"id": "\\udc80"}]',
    "invalid JSON after a lone surrogate": b'[{"id": "\\ud800x"}, {"id": 2}, {]',
    "a lone surrogate in a later batch": b'[{"id": 1}, {"id": 2}, {"id": 3, "t": "\\ud800"}]',
    "a high surrogate before a high one": b'[{"id": 1}, {"id": "\\ud800\\ud83d\\ude00"}]',
    "a lone surrogate in a JSON object": b'{"data": {"text": "\\uDFFF"}}',
    "an integer too long to read after digits in a string": (
        b'[{"id": 1}, {"id": "' + b"5" * 5000 + b'", "n": [1.5, ' + b"5" * 5000 + b"]}, {]"
    ),
    "invalid JSON before an integer too long to read": b'[{"id": 1}, {"id" 2}, ' + b"5" * 5000,
    "an integer too long to read before bytes that are not UTF-8": (
        b'[{"id": 1}, ' + b"5" * 5000 + b', "\xff"]'
    ),
    "a number cut by the end of a chunk": b"[" + b"1" * 40 + b"]",
    "a list nested too deeply": b"[" * 100_000 + b"]" * 100_000,
    "a file that is not a list": b'{"data": {"text": "x"}}',
    "white space only": b" \n\t",
}


@pytest.mark.parametrize("data", PRECEDENCE.values(), ids=list(PRECEDENCE))
def test_problems_found_late_are_named_as_the_whole_file_reader_names_them(tmp_path, data):
    path = tmp_path / "export.json"
    path.write_bytes(data)
    assert_read_alike(path, (1, 4, 1 << 22))


def laid_out(tasks: list, layout: str) -> str:
    """An export's text: one line, indented, or one task per line; with "ascii", every
    character beyond ASCII escaped (otherwise written as UTF-8, so characters and bytes
    differ)."""
    ascii_only = layout.endswith("ascii")
    if layout.startswith("line per task"):
        lines = [json.dumps(task, ensure_ascii=ascii_only) for task in tasks]
        return "[\n" + ",\n".join(lines) + "\n]\n"
    indent = 2 if layout.startswith("indented") else None
    return json.dumps(tasks, indent=indent, ensure_ascii=ascii_only)


LAYOUTS = ["one line, ascii", "one line", "indented", "line per task"]


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("where", [0.3, 0.77, 0.999])
def test_invalid_json_far_into_a_file_is_placed_by_line_and_column(tmp_path, layout, where):
    text = laid_out(list(synthetic_tasks(40, seed=2)), layout)
    at = int(where * len(text))
    path = tmp_path / "export.json"
    path.write_text(text[:at] + "\x01" + text[at:], encoding="utf-8")  # invalid anywhere
    assert read_whole(path)[0] == "refused"
    assert_read_alike(path, (64, 4096, 1 << 22))


def test_a_task_larger_than_a_chunk_is_read(tmp_path):
    path = write_export(tmp_path / "export.json", 3)
    assert read_streamed(path, 16) == read_whole(path)


# --- batches parsed by orjson -------------------------------------------------------------


def test_the_boundary_between_tasks_is_learned_from_the_first_task():
    boundary = boundary_after('\n  {"id": 1, "annotations": [{"id": 7, "completed_by": 1}]}')
    assert boundary is not None
    found = boundary.search(b'}]}, {"id": 2, "annotations": [')
    assert found is not None and (found.start(), found.end()) == (2, 5)  # up to the next task
    assert boundary.search(b'}\n  ,\n  {\n    "id": -3,\n    "annotations": [') is not None
    assert boundary.search(b'}, {"id": 8, "completed_by": 1}') is None  # an annotation
    assert boundary.search(b'}, {"id": "m2", "annotations": ') is None  # not an integer id
    by_data = boundary_after('{"data": {"text": "x"}}')
    assert by_data is not None and by_data.search(b'}, {"data": {') is not None
    assert boundary_after("{}") is None


class CountingLoads:
    def __init__(self) -> None:
        self.calls = 0
        self.loads = orjson.loads

    def __call__(self, data: bytes) -> object:
        self.calls += 1
        return self.loads(data)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_tasks_after_the_first_are_parsed_in_batches(tmp_path, monkeypatch, layout):
    path = tmp_path / "export.json"
    path.write_text(laid_out(list(synthetic_tasks(300, seed=3)), layout), encoding="utf-8")
    loads = CountingLoads()
    monkeypatch.setattr(stream.orjson, "loads", loads)
    assert read_streamed(path, 1 << 20) == read_whole(path)
    assert 0 < loads.calls < 300 / 5, loads.calls


def trap_task(number: int, text: str, **fields: object) -> dict:
    return {"id": number, "annotations": [], "data": {"text": text, **fields}}


# Tasks that a batch must not get wrong: boundaries guessed inside a string or a nested
# object (the parse disproves them), and values orjson refuses or reads differently.
TRAPS = {
    "a boundary inside a string": [trap_task(2, 'x}, {"id": 3, "annotations": [] y')],
    "a boundary inside a nested object": [
        trap_task(2, "x", nested=[{"id": 1, "annotations": 2}, {"id": 3, "annotations": 4}])
    ],
    "integers beyond 64 bits": [
        trap_task(2, "x", big=2**70, small=-(2**63) - 1, edge=2**64 - 1),
        {"id": 10**25, "annotations": []},
    ],
    "nineteen digits in a string only": [trap_task(2, "call 1234567890123456789012")],
    "NaN and infinities": [trap_task(2, "x", a=float("nan"), b=float("inf"), c=-float("inf"))],
    "a surrogate pair as escapes": [trap_task(2, "x\U0001f600y \\ud800")],
    "numbers beyond a double": [],  # written below: 1e400 has no Python literal
}


@pytest.mark.parametrize("traps", TRAPS.values(), ids=list(TRAPS))
@pytest.mark.parametrize("indent", [None, 2], ids=["one line", "indented"])
def test_tasks_a_batch_could_get_wrong_are_read_as_the_whole_file_reader_reads_them(
    tmp_path, traps, indent
):
    tasks = [trap_task(1, "first"), *traps, trap_task(90, "last"), trap_task(91, "after")]
    text = json.dumps(tasks, indent=indent)  # the pair as escapes, then a backslash and "ud800"
    if not traps:
        text = text.replace('"last"', '"last", "huge": 1e400, "tiny": -1E+999')
    path = tmp_path / "export.json"
    path.write_text(text, encoding="utf-8")
    assert read_whole(path)[0] == "read"
    assert_read_alike(path, (1, 64, 1 << 20))


def duplicate_keys_of(tasks: list) -> list:
    return [getattr(task, "duplicate_keys", ()) for task in tasks]


@pytest.mark.parametrize("layout", LAYOUTS)
def test_keys_given_twice_are_noted_as_the_whole_file_reader_notes_them(tmp_path, layout):
    tasks = list(synthetic_tasks(120, seed=4))
    marked = (0, 1, 70, 119)  # the first task, a batch's first and last tasks
    for number in marked:
        tasks[number]["data"]["mark"] = "MARK"
    text = laid_out(tasks, layout).replace(
        '"mark": "MARK"', '"mark": 0, "m": {"a": 1, "a": 2}, "mark": 1'
    )
    path = tmp_path / "export.json"
    path.write_text(text, encoding="utf-8")
    whole = duplicate_keys_of(load_export(path).tasks)
    assert [number for number, keys in enumerate(whole) if keys] == list(marked)
    assert {keys for keys in whole if keys} == {("data.mark", "data.m.a")}
    for chunk_bytes in (64, 1 << 20):
        for batch_bytes in BATCH_SIZES:
            streamed = stream_export(path, chunk_bytes=chunk_bytes, batch_bytes=batch_bytes)
            assert duplicate_keys_of(list(streamed.tasks)) == whole


def peak_bytes_streaming(path: Path, **options) -> int:
    tracemalloc.start()
    try:
        count = sum(1 for _ in stream_export(path, chunk_bytes=1 << 16, **options).tasks)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == len(json.loads(path.read_bytes()))
    return peak


@pytest.mark.parametrize("batch_bytes", [None, 1 << 16], ids=["task by task", "in batches"])
def test_streaming_holds_one_chunk_and_one_batch_not_the_file(tmp_path, batch_bytes):
    small = write_export(tmp_path / "small.json", 1500)  # about 9 MB
    large = write_export(tmp_path / "large.json", 6000)  # about 37 MB
    peaks = [peak_bytes_streaming(path, batch_bytes=batch_bytes) for path in (small, large)]
    # A chunk of 64 KiB, a batch of 64 K characters and its tasks parsed: about 2 MB, and
    # no more for a file four times as large.
    assert max(peaks) < 3 << 20, peaks
    assert peaks[1] < peaks[0] * 1.25, peaks


# --- reports: plain, streamed and chunked -------------------------------------------------

REPORTED = sorted(
    path
    for path in FIXTURES.glob("*.json")
    if read_whole(path)[0] == "read"  # refused files are compared above
)


def reports(path: Path, chunk_tasks: int | None = None, **options) -> tuple[str, str]:
    export = load_export(path) if chunk_tasks == -1 else path
    report = validate_export(
        export, TAXONOMY, chunk_tasks=None if chunk_tasks == -1 else chunk_tasks, **options
    )
    return format_text(report), format_json(report)


@pytest.mark.parametrize("path", REPORTED, ids=lambda path: path.name)
@pytest.mark.parametrize("strict", [False, True], ids=["default", "strict"])
def test_every_fixture_gets_the_same_report_streamed_and_in_chunks(path, strict):
    options = {"strict": strict, "fix_utf16_offsets": strict}
    plain = reports(path, -1, **options)
    assert reports(path, None, **options) == plain
    for chunk_tasks in (1, 2, 3):
        assert reports(path, chunk_tasks, **options) == plain, f"chunks of {chunk_tasks} tasks"


def generated_export_with_problems(path: Path) -> Path:
    """60 synthetic tasks with problems across chunks: ids used twice, an article with two
    texts, unknown labels, a dangling relation, offsets out of range, a missing id."""
    tasks = list(synthetic_tasks(60, seed=3))
    first_annotation = tasks[2]["annotations"][0]["id"]
    tasks[10]["id"] = tasks[44]["id"] = tasks[3]["id"]
    for task in tasks[20], *tasks[45:50]:
        task["annotations"][0]["id"] = first_annotation
    tasks[21]["data"]["article_id"] = tasks[1]["data"]["article_id"]
    tasks[30]["annotations"][0]["result"][0]["value"]["labels"] = ["Alien"]
    tasks[31]["annotations"][0]["result"][1]["value"]["choices"] = ["maybe"]
    dangling = {"type": "relation", "from_id": "nope", "to_id": "x", "labels": ["bogus"]}
    tasks[32]["annotations"][0]["result"].append({**dangling, "direction": "up"})
    tasks[33]["annotations"][0]["result"][0]["value"]["end"] = 10**6
    tasks[34]["annotations"].append(copy.deepcopy(tasks[34]["annotations"][0]))
    tasks[35]["annotations"][0]["completed_by"] = 7
    tasks[36]["data"] = "text"
    result = tasks[41]["annotations"][0]["result"]
    tasks[41]["predictions"] = [{"id": 3, "model_version": "v1", "result": result}]
    tasks[42]["predictions"] = [{"id": 3, "model_version": "v2", "result": []}]
    tasks[43]["id"] = ""
    path.write_text(json.dumps(tasks), encoding="utf-8")
    return path


def test_a_generated_export_with_problems_gets_the_same_report_in_any_chunks(tmp_path):
    path = generated_export_with_problems(tmp_path / "export.json")
    plain = reports(path, -1)
    codes = validate_export(path, TAXONOMY).codes["error"]
    assert {"duplicate-task-id", "duplicate-annotation-id", "article-text-conflict"} <= set(codes)
    assert {"unknown-actor-type", "unknown-stance", "unknown-relation", "bad-direction"} <= set(
        codes
    )
    assert reports(path, None) == plain
    for chunk_tasks in (1, 2, 3, 7, 16, 59, 60, 61):
        assert reports(path, chunk_tasks) == plain, f"chunks of {chunk_tasks} tasks"


def test_a_valid_generated_export_gets_the_same_report_in_chunks(tmp_path):
    path = write_export(tmp_path / "export.json", 400, seed=11)
    plain = reports(path, -1)
    assert plain[0].endswith(": valid\n")
    assert reports(path, None) == plain
    assert reports(path, 64) == plain


def test_a_report_checked_in_chunks_keeps_no_tables():
    report = validate_export(FIXTURES / "valid.json", TAXONOMY, chunk_tasks=1)
    assert report.tables is None
    with pytest.raises(ValueError, match="checked in chunks"):
        report.whole_tables()


def test_chunks_of_no_task_are_refused():
    with pytest.raises(ValueError, match="chunk_tasks must be at least 1, not 0"):
        validate_export(FIXTURES / "valid.json", TAXONOMY, chunk_tasks=0)


# --- the command ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["valid", "vocabulary", "duplicate-ids"])
def test_validate_in_chunks_prints_what_it_prints_at_once(name):
    path = str(FIXTURES / f"{name}.json")
    whole = CliRunner().invoke(cli, ["validate", path, "--chunk-tasks", "1000000"])
    chunked = CliRunner().invoke(cli, ["validate", path, "--chunk-tasks", "1"])
    assert (chunked.exit_code, chunked.stdout) == (whole.exit_code, whole.stdout)


def test_chunks_of_no_task_are_a_usage_error():
    path = str(FIXTURES / "valid.json")
    result = CliRunner().invoke(cli, ["validate", path, "--chunk-tasks", "0"])
    assert result.exit_code == 2
    assert "Invalid value for '--chunk-tasks': 0 is not in the range x>=1." in result.stderr


# --- packages: the same bytes -----------------------------------------------------------------


def package_the_plain_way(path: Path, out: Path) -> None:
    """Read the whole file, validate the tasks, package the tables."""
    export = load_export(path)
    report = validate_export(export, TAXONOMY)
    assert report.ok
    provenance = provenance_of(path, export.tasks)
    package_tables(
        report.whole_tables(), TAXONOMY, out, provenance, validation=validation_facts(report)
    )


def folder_bytes(folder: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.mark.parametrize("name", ["valid.json", "generated"])
def test_package_gives_the_bytes_of_the_plain_path(tmp_path, name):
    path = FIXTURES / name if name != "generated" else write_export(tmp_path / "x.json", 300)
    package_the_plain_way(path, tmp_path / "plain")
    package_export(path, tmp_path / "streamed", TAXONOMY)
    plain, streamed = folder_bytes(tmp_path / "plain"), folder_bytes(tmp_path / "streamed")
    assert len(plain) > 5
    assert streamed == plain
