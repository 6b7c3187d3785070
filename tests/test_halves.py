"""Checking an export in two halves at once gives the report of one pass.

Each test compares `validate_export` with ``halves_from=0`` (every file that can be cut is
checked in two halves) with the one-pass report, and says whether the second half's work was
used (merged) or dropped (the first half's reader read on), so that each path is known to be
the one taken."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.synth import tasks as synthetic_tasks
from benchmarks.synth import write_export
from stancepack.cli import cli
from stancepack.export.read.stream import plan_split
from stancepack.export.validate import halves
from stancepack.export.validate.report import format_json, format_text
from stancepack.export.validate.run import validate_export
from stancepack.ground.errors import ExportError
from stancepack.schema.taxonomy import load_taxonomy
from tests.test_streaming import REPORTED, generated_export_with_problems

TAXONOMY = load_taxonomy()


class Merges:
    """Counts the second halves merged."""

    def __init__(self) -> None:
        self.count = 0
        self.merge = halves.merge

    def __call__(self, *arguments: object) -> None:
        self.count += 1
        self.merge(*arguments)  # type: ignore[arg-type]


@pytest.fixture
def merges(monkeypatch) -> Merges:
    counter = Merges()
    monkeypatch.setattr(halves, "merge", counter)
    return counter


def outcome(path: Path, chunk_tasks: int = 7, halves_from: int | None = 0) -> tuple:
    """The report (text and JSON), or the refusal."""
    try:
        report = validate_export(
            path, TAXONOMY, chunk_tasks=chunk_tasks, halves_from=halves_from, strict=True
        )
    except ExportError as error:
        return ("refused", str(error))
    return format_text(report), format_json(report)


def assert_same_in_halves(path: Path, chunk_tasks: int = 7) -> tuple:
    one_pass = outcome(path, chunk_tasks, halves_from=None)
    assert outcome(path, chunk_tasks) == one_pass
    return one_pass


def write_tasks(path: Path, tasks: list) -> Path:
    path.write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture
def problems(tmp_path) -> list:
    tasks = json.loads(generated_export_with_problems(tmp_path / "problems.json").read_text())
    tasks[43]["id"] = 9043  # the missing id: see test_a_task_named_by_its_position_...
    return tasks


# --- the second half merged ----------------------------------------------------------------


@pytest.mark.parametrize("chunk_tasks", [1, 7, 60])
def test_an_export_with_problems_in_both_halves_gets_the_one_pass_report(
    tmp_path, problems, merges, chunk_tasks
):
    path = write_tasks(tmp_path / "export.json", problems)
    text, _ = assert_same_in_halves(path, chunk_tasks)
    assert merges.count == 1
    for code in ("duplicate-task-id", "duplicate-annotation-id", "unknown-stance"):
        assert code in text


def test_notes_on_the_file_count_the_tasks_of_both_halves(tmp_path, problems, merges):
    for task in problems[5], problems[52]:
        task["completions"] = task.pop("annotations")  # the pre-1.0 key
    for task in problems[6], problems[53], problems[54]:
        task["predictions"] = [17, 18]  # predictions by id only
    path = write_tasks(tmp_path / "export.json", problems)
    text, _ = assert_same_in_halves(path)
    assert merges.count == 1
    assert "completions' key holds the annotations of 2 tasks" in text
    assert "6 predictions given by id only" in text


def test_a_valid_generated_export_gets_the_one_pass_report(tmp_path, merges):
    path = write_export(tmp_path / "export.json", 300, seed=5)
    text, _ = assert_same_in_halves(path, 64)
    assert text.endswith(": valid\n")
    assert merges.count == 1


@pytest.mark.parametrize("path", REPORTED, ids=lambda path: path.name)
def test_every_fixture_gets_the_one_pass_report(path):
    assert_same_in_halves(path, 1)


def test_a_cut_reached_by_the_standard_scanner_is_taken_too(tmp_path, merges):
    tasks = list(synthetic_tasks(40, seed=2))
    for task in tasks[15:25]:
        task["data"]["phone"] = 10**20  # 21 digits: these batches go to the standard scanner
    path = write_tasks(tmp_path / "export.json", tasks)
    assert plan_split(path) is not None
    assert_same_in_halves(path)
    assert merges.count == 1


# --- the second half dropped: the first half's reader reads on -----------------------------


def test_a_task_named_by_its_position_in_the_second_half_is_read_in_one_pass(
    tmp_path, problems, merges
):
    problems[43]["id"] = ""  # called task-44: a position only a pass from the start knows
    path = write_tasks(tmp_path / "export.json", problems)
    text, _ = assert_same_in_halves(path)
    assert "task-44" in text and merges.count == 0


def test_an_article_with_another_text_in_the_second_half_is_read_in_one_pass(
    tmp_path, problems, merges
):
    problems[50]["data"]["article_id"] = problems[5]["data"]["article_id"]
    path = write_tasks(tmp_path / "export.json", problems)
    text, _ = assert_same_in_halves(path)
    assert "article-text-conflict" in text and merges.count == 0


@pytest.mark.parametrize("same_id", [True, False], ids=["same id", "another id"])
def test_an_article_in_both_halves_is_read_in_one_pass(tmp_path, problems, merges, same_id):
    problems[50]["data"]["text"] = problems[5]["data"]["text"]
    if same_id:
        problems[50]["data"]["article_id"] = problems[5]["data"]["article_id"] = "shared"
    path = write_tasks(tmp_path / "export.json", problems)
    text, _ = assert_same_in_halves(path)
    task = problems[5]["id"]
    warned = "article shared is also in task" if same_id else "the same text as article"
    assert f"{warned} " in text and f"in task {task}" in text and merges.count == 0


def test_an_article_twice_in_the_second_half_is_merged(tmp_path, problems, merges):
    problems[50]["data"]["text"] = problems[55]["data"]["text"]
    problems[50]["data"]["article_id"] = problems[55]["data"]["article_id"]
    path = write_tasks(tmp_path / "export.json", problems)
    text, _ = assert_same_in_halves(path)
    assert "duplicate-article" in text and merges.count == 1


def test_a_cut_guessed_inside_a_nested_object_is_never_taken(tmp_path, merges):
    tasks = list(synthetic_tasks(12, seed=2))
    tasks[6]["data"]["like_tasks"] = [{"id": 5, "data": {}}] * 20000  # the middle of the file
    path = write_tasks(tmp_path / "export.json", tasks)
    split = plan_split(path)
    assert split is not None
    with pytest.raises(json.JSONDecodeError):  # the guess is inside task 7
        json.loads(path.read_bytes()[: split.cut] + b"]")
    assert_same_in_halves(path)
    assert merges.count == 0


# --- refusals ------------------------------------------------------------------------------

REFUSALS = {
    "invalid JSON near the end": lambda data: data[:-30] + b"\x01" + data[-30:],
    "a byte that is not UTF-8 near the end": lambda data: data[:-40] + b"\xff" + data[-40:],
    "a number for a task near the end": lambda data: data[:-1] + b", 7]",
    "invalid JSON in the first half": lambda data: data[:200] + b"\x01" + data[200:],
    "text after the list": lambda data: data + b" x",
}


@pytest.mark.parametrize("corrupt", REFUSALS.values(), ids=list(REFUSALS))
def test_a_refused_file_is_refused_with_the_one_pass_message(tmp_path, corrupt, merges):
    path = write_export(tmp_path / "export.json", 60, seed=4)
    path.write_bytes(corrupt(path.read_bytes()))
    refused = assert_same_in_halves(path)
    assert refused[0] == "refused"
    assert merges.count == 0


@settings(max_examples=40, deadline=None)
@given(
    position=st.floats(min_value=0, max_value=1),
    replacement=st.sampled_from([b"]", b"}", b",", b'"', b"\\", b"\xff", b"1e", b"7", b""]),
    removed=st.integers(min_value=0, max_value=3),
)
def test_any_corruption_gets_the_one_pass_outcome(tmp_path_factory, position, replacement, removed):
    data = json.dumps(list(synthetic_tasks(30, seed=9)), ensure_ascii=False).encode()
    at = int(position * len(data))
    path = tmp_path_factory.mktemp("corrupt") / "export.json"
    path.write_bytes(data[:at] + replacement + data[at + removed :])
    assert_same_in_halves(path, 4)


# --- the command line and failures ---------------------------------------------------------


def test_validate_prints_the_same_with_and_without_one_pass(tmp_path, problems, monkeypatch):
    monkeypatch.setattr(halves, "HALVES_FROM_BYTES", 0)
    path = write_tasks(tmp_path / "export.json", problems)
    runner = CliRunner()
    halved = runner.invoke(cli, ["validate", str(path), "--chunk-tasks", "9"])
    one_pass = runner.invoke(cli, ["validate", str(path), "--chunk-tasks", "9", "--one-pass"])
    assert (halved.exit_code, halved.output) == (one_pass.exit_code, one_pass.output)
    assert halved.exit_code == 1


def test_a_failure_in_the_second_half_is_not_hidden(tmp_path, monkeypatch):
    def broken(*arguments: object) -> None:
        raise ValueError("broken on purpose")

    monkeypatch.setattr(halves, "second_half", broken)
    path = write_export(tmp_path / "export.json", 60, seed=4)
    with pytest.raises(RuntimeError, match="broken on purpose"):
        validate_export(path, TAXONOMY, chunk_tasks=7, halves_from=0)


def test_the_report_names_the_file_as_one_pass_does(tmp_path, monkeypatch, merges):
    write_export(tmp_path / "export.json", 60, seed=4)
    monkeypatch.chdir(tmp_path)
    name = "./export.json"  # a path as typed
    halved = validate_export(name, TAXONOMY, chunk_tasks=7, halves_from=0)
    one_pass = validate_export(name, TAXONOMY, chunk_tasks=7)
    assert halved.source == one_pass.source == "export.json"
    assert merges.count == 1


def test_small_files_and_single_cpus_are_checked_in_one_pass(tmp_path, monkeypatch):
    path = write_export(tmp_path / "export.json", 10)
    assert halves.can_check_in_halves(path, 0)
    assert not halves.can_check_in_halves(path, path.stat().st_size + 1)
    assert not halves.can_check_in_halves(path, None)
    monkeypatch.setattr(halves.os, "sched_getaffinity", lambda pid: {0})
    assert not halves.can_check_in_halves(path, 0)


def check_in_a_daemon(path: Path, answer) -> None:
    answer.put(halves.can_check_in_halves(path, 0))


def test_a_daemon_process_checks_in_one_pass(tmp_path):
    path = write_export(tmp_path / "export.json", 10)
    context = multiprocessing.get_context("fork")
    answer = context.Queue()
    daemon = context.Process(target=check_in_a_daemon, args=(path, answer), daemon=True)
    daemon.start()
    daemon.join()
    assert answer.get(timeout=10) is False


# --- the second process ends with the first -------------------------------------------------


def children_of(parent: int) -> list[int]:
    """The live (not zombie) processes whose parent is ``parent``, from /proc."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # ended meanwhile
        if int(fields[1]) == parent and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found


def is_running(pid: int) -> bool:
    """Whether ``pid`` is a live process (a zombie has ended)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return False
    return fields[0] != "Z"


def wait_for(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


@pytest.fixture(scope="module")
def large_export(tmp_path_factory) -> Path:
    """An export large enough to be checked in halves (about 37 MB)."""
    path = write_export(tmp_path_factory.mktemp("large") / "export.json", 6000, seed=7)
    assert path.stat().st_size >= halves.HALVES_FROM_BYTES
    return path


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or len(os.sched_getaffinity(0)) < 2,
    reason="halves are checked at once on Linux with two CPUs",
)
@pytest.mark.parametrize("signal_number", [signal.SIGKILL, signal.SIGTERM], ids=["KILL", "TERM"])
def test_the_second_process_dies_with_the_first(large_export, signal_number):
    command = [sys.executable, "-m", "stancepack.cli", "validate", str(large_export)]
    first = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    second = None
    try:
        assert wait_for(lambda: children_of(first.pid), 60), "no second process started"
        (second,) = children_of(first.pid)
        first.send_signal(signal_number)
        assert first.wait(timeout=10) != 0
        assert wait_for(lambda: not is_running(second), 5), "the second process lives on"
    finally:
        first.kill()
        first.wait()
        if second is not None and is_running(second):
            os.kill(second, signal.SIGKILL)
