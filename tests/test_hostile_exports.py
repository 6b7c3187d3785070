"""Exports crafted to break stancepack: each gets one clear line (a report line or a
refusal with exit code 1), never a traceback, a hang or memory without bound."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from hashlib import sha256
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from markdown_it import MarkdownIt

from stancepack.cli import cli
from stancepack.export.dataset.card import code
from stancepack.export.validate.report import format_text
from stancepack.export.validate.run import validate_export
from stancepack.ground.terminal import CONTROL_CHARACTERS
from stancepack.schema.taxonomy import load_taxonomy

TAXONOMY = load_taxonomy()
TEXT = "French President Emmanuel Macron said Western troops could not be ruled out."
REFUSED = "half of a UTF-16 pair, not a character; fix the text where the export was made"


def span(region_id: str, start: int, end: int, label: str = "person") -> dict[str, Any]:
    return {
        "id": region_id,
        "from_name": "actor",
        "to_name": "text",
        "type": "labels",
        "value": {"start": start, "end": end, "text": TEXT[start:end], "labels": [label]},
    }


def stance(region_id: str, choice: str = "support") -> dict[str, Any]:
    return {
        "id": region_id,
        "from_name": "stance",
        "to_name": "text",
        "type": "choices",
        "value": {"choices": [choice]},
    }


def task(task_id: Any = 1, **data: Any) -> dict[str, Any]:
    """A valid task: one annotation with one span (Emmanuel Macron) and its stance."""
    return {
        "id": task_id,
        "data": {"text": TEXT, "article_id": f"article-{task_id}", "title": "Troops", **data},
        "annotations": [
            {
                "id": 100 + (task_id if type(task_id) is int else 0),
                "completed_by": {"id": 1, "email": "alice@example.org"},
                "result": [span("r1", 17, 32), stance("r1")],
            }
        ],
    }


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(arg) for arg in args])


def command_line(command: str, export: Path, tmp_path: Path) -> list[str | Path]:
    """``stancepack COMMAND EXPORT`` (package: into ``tmp_path / "dataset"``)."""
    if command == "package":
        return [command, export, "-o", tmp_path / "dataset"]
    return [command, export]


# --- lone surrogate escapes ---------------------------------------------------------------

# Where a lone surrogate is written: a placeholder in a valid export and its replacement.
SURROGATES = {
    "in a title": ('"Troops"', '"Troops \\udc80"'),
    "in the text": ("said Western", "said \\ud800Western"),
    "in a key": ('"title"', '"ti\\uDC80tle"'),
    "in a region id": ('"r1"', '"r\\udfff"'),
    "in an e-mail": ("alice@", "alice\\udbff@"),
}


@pytest.mark.parametrize("command", ["validate", "package", "agreement"])
@pytest.mark.parametrize(("placeholder", "surrogate"), SURROGATES.values(), ids=list(SURROGATES))
def test_a_lone_surrogate_escape_is_refused_with_its_place(
    tmp_path, command, placeholder, surrogate
):
    good = json.dumps([task(1), task(2)], indent=1)
    text = good.replace(placeholder, surrogate, 1)
    export = tmp_path / "export.json"
    export.write_text(text, encoding="utf-8")
    at = text.index("\\u", text.index(surrogate))
    line, column = text.count("\n", 0, at) + 1, at - text.rfind("\n", 0, at)
    escape = text[at : at + 6]
    result = run(*command_line(command, export, tmp_path))
    assert result.stderr == (
        f"Error: {export}: lone surrogate escape {escape} at line {line}, column {column}: "
        f"{REFUSED}\n"
    )
    assert result.exit_code == 1
    assert not (tmp_path / "dataset").exists()


def test_surrogate_pairs_and_escaped_backslashes_are_no_lone_surrogates(tmp_path):
    export = tmp_path / "export.json"
    export.write_text(
        json.dumps([task(1, note="\U0001f600 \\udc80 \\\\ud800"), task(2)]), encoding="utf-8"
    )
    assert '"\\ud83d\\ude00 \\\\udc80 \\\\\\\\ud800"' in export.read_text(encoding="utf-8")
    result = run("validate", export)
    assert result.exit_code == 0, result.output


# --- numbers beyond any offset --------------------------------------------------------------


def with_offsets(start: int, end: int) -> dict[str, Any]:
    absurd = task(1)
    absurd["annotations"][0]["result"][0]["value"].update(start=start, end=end)
    return absurd


def error_lines(result: Result) -> list[str]:
    return [line.strip() for line in result.stdout.splitlines() if line.startswith("  error ")]


WHERE = "task 1, annotation 101 (alice@example.org), region r1"
ABSURD_OFFSETS = {
    "start 2**63": (
        2**63,
        32,
        f'error empty-span: {WHERE}, end "{2**63}-32": span of zero or negative length '
        f"({2**63}-32)",
    ),
    "end 2**63": (
        17,
        2**63,
        f'error offset-out-of-range: {WHERE}, end "17-{2**63}": offsets 17-{2**63} fall '
        f"outside the text (0-{len(TEXT)})",
    ),
    "end 10**30": (
        17,
        10**30,
        f'error offset-out-of-range: {WHERE}, end "17-{10**30}": offsets 17-{10**30} fall '
        f"outside the text (0-{len(TEXT)})",
    ),
    "start below -2**63": (
        -(2**63) - 1,
        32,
        f'error offset-out-of-range: {WHERE}, start "{-(2**63) - 1}-32": offsets '
        f"{-(2**63) - 1}-32 fall outside the text (0-{len(TEXT)})",
    ),
}


@pytest.mark.parametrize(
    ("start", "end", "line"), ABSURD_OFFSETS.values(), ids=list(ABSURD_OFFSETS)
)
@pytest.mark.parametrize("first", [True, False], ids=["first task", "later task"])
def test_offsets_beyond_64_bits_are_an_issue(tmp_path, start, end, line, first):
    tasks = [with_offsets(start, end), task(2)] if first else [task(2), with_offsets(start, end)]
    export = tmp_path / "export.json"
    export.write_text(json.dumps(tasks), encoding="utf-8")
    result = run("validate", export)
    assert error_lines(result) == [line]
    assert result.exit_code == 1


def test_package_refuses_absurd_offsets_with_its_report(tmp_path):
    export = tmp_path / "export.json"
    export.write_text(json.dumps([with_offsets(17, 2**64)]), encoding="utf-8")
    result = run("package", export, "-o", tmp_path / "dataset")
    assert result.stderr.splitlines()[-1] == (
        f"Error: {export}: invalid export (1 error); nothing was written"
    )
    assert result.exit_code == 1
    assert not (tmp_path / "dataset").exists()


def test_a_lead_time_beyond_any_float_is_no_crash(tmp_path):
    absurd = task(1)
    absurd["annotations"][0]["lead_time"] = 10**400
    export = tmp_path / "export.json"
    export.write_text(json.dumps([absurd]), encoding="utf-8")
    result = run("validate", export)
    assert result.stdout.splitlines()[-1].endswith("errors 0, warnings 0: valid")
    assert result.exit_code == 0


@pytest.mark.parametrize("command", ["validate", "package", "agreement"])
@pytest.mark.parametrize("position", [0, 2], ids=["first task", "later task"])
def test_an_integer_too_long_to_read_is_refused_with_its_place(tmp_path, command, position):
    tasks = [task(1), task(2), task(3)]
    tasks[position]["data"]["views"] = "HUGE"
    text = json.dumps(tasks, indent=1).replace('"HUGE"', "-" + "7" * 5000)
    export = tmp_path / "export.json"
    export.write_text(text, encoding="utf-8")
    at = text.index("-777")
    line, column = text.count("\n", 0, at) + 1, at - text.rfind("\n", 0, at)
    result = run(*command_line(command, export, tmp_path))
    assert result.stderr == (
        f"Error: {export}: an integer of more than 4300 digits at line {line}, column {column}, "
        "too long to read; Label Studio exports hold no such number\n"
    )
    assert result.exit_code == 1
    assert not (tmp_path / "dataset").exists()


# --- accepted before, now reported --------------------------------------------------------


def relation(from_id: str, to_id: str) -> dict[str, Any]:
    return {
        "from_id": from_id,
        "to_id": to_id,
        "type": "relation",
        "direction": "right",
        "labels": ["speaks_for"],
    }


def validated(tmp_path: Path, tasks: list[dict[str, Any]]) -> Result:
    export = tmp_path / "export.json"
    export.write_text(json.dumps(tasks), encoding="utf-8")
    return run("validate", export)


def test_a_relation_from_a_region_to_itself_is_an_error(tmp_path):
    looped = task(1)
    looped["annotations"][0]["result"] += [span("r2", 0, 16, "group"), stance("r2")]
    looped["annotations"][0]["result"] += [relation("r1", "r2"), relation("r1", "r1")]
    result = validated(tmp_path, [looped])
    assert error_lines(result) == [
        'error self-relation: task 1, annotation 101 (alice@example.org), region r1->r1, to_id "r1"'
        ": relation from region r1 to itself; a relation links two spans"
    ]
    assert result.exit_code == 1


# A task id, how the report shows it, and its kind.
BAD_TASK_IDS = {
    "an object": ({"n": 1}, '"{\\"n\\": 1}"', "an object"),
    "a list": ([1, 2], "[1, 2]", "a list"),
    "a float": (1.5, '"1.5"', "a number"),
    "a boolean": (True, '"true"', "a boolean"),
}


@pytest.mark.parametrize(("raw_id", "shown", "kind"), BAD_TASK_IDS.values(), ids=list(BAD_TASK_IDS))
def test_a_task_id_that_is_no_integer_or_string_is_an_error_naming_its_position(
    tmp_path, raw_id, shown, kind
):
    odd = task(2)
    odd["id"] = raw_id
    result = validated(tmp_path, [task(1), odd])
    assert error_lines(result) == [
        f"error bad-task-id: task task-2, id {shown}: the id of task 2 is {kind}, not an "
        "integer or a string; called task-2"
    ]
    assert result.exit_code == 1


def actor_name(region_id: str, *names: str) -> dict[str, Any]:
    return {
        "id": region_id,
        "from_name": "actor_name",
        "to_name": "text",
        "type": "textarea",
        "value": {"text": list(names)},
    }


CONTROL = (
    "it must be one line of printable text (a control character can hide or rewrite text "
    "where it is shown)"
)


def test_control_characters_in_titles_outlets_and_actor_names_are_errors(tmp_path):
    titled = task(1, title="Troops\x00 ruled out", outlet="\x1b[2JNews")
    named = task(2, source="Old\tKey")
    named["annotations"][0]["result"].append(actor_name("r1", " Emmanuel\x07Macron\n"))
    result = validated(tmp_path, [titled, named, task(3, title="Fine title")])
    where = "task 2, annotation 102 (alice@example.org), region r1"
    assert error_lines(result) == [
        'error control-character: task 1, data.title "Troops\\u0000 ruled out": data.title '
        f"holds the control character U+0000; {CONTROL}",
        'error control-character: task 1, data.outlet "\\u001b[2JNews": data.outlet holds the '
        f"control character U+001B; {CONTROL}",
        'error control-character: task 2, data.source "Old\\tKey": data.source holds the '
        f"control character U+0009; {CONTROL}",
        f'error control-character: {where}, actor_name "Emmanuel\\u0007Macron": actor_name '
        f"holds the control character U+0007; {CONTROL}",
    ]
    assert result.exit_code == 1


def test_control_characters_in_ids_and_values_are_shown_escaped(tmp_path):
    odd = task("1\n\x1b[31m")
    odd["annotations"][0]["result"][1]["value"]["choices"] = ["\x1b]0;pwned\x07"]
    export = tmp_path / "export.json"
    export.write_text(json.dumps([odd]), encoding="utf-8")
    report = format_text(validate_export(export, TAXONOMY))
    stances = ", ".join(TAXONOMY.stance_values)
    assert report.splitlines()[1:3] == [
        "task 1\\n\\u001b[31m:",
        "  error unknown-stance: task 1\\n\\u001b[31m, annotation 100 (alice@example.org), "
        f'region r1, stance "\\u001b]0;pwned\\u0007": not a stance of the taxonomy ({stances})',
    ]
    assert not CONTROL_CHARACTERS.search(report.replace("\n", ""))


# --- files that are no export files ----------------------------------------------------------

# One `stancepack` run as the only child, with at most 2 GiB of address space and 20
# seconds: prints its largest resident memory in KiB.
MEASURED_RUN = (
    "import resource, subprocess, sys\n"
    "def limit(): resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))\n"
    "run = subprocess.run(sys.argv[1:], capture_output=True, text=True, timeout=20,"
    " preexec_fn=limit)\n"
    "sys.stderr.write(run.stderr)\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    "sys.exit(run.returncode)\n"
)


def stancepack_run(*args: str | Path) -> tuple[subprocess.CompletedProcess[str], int]:
    """A real `stancepack` process, with a time limit: its outcome and peak memory in MiB."""
    command = [sys.executable, "-c", MEASURED_RUN, sys.executable, "-m", "stancepack.cli"]
    done = subprocess.run([*command, *map(str, args)], capture_output=True, text=True, timeout=60)
    return done, int(done.stdout.split()[-1]) // 1024


@pytest.mark.parametrize("command", ["validate", "package", "agreement"])
def test_a_named_pipe_is_refused_at_once(tmp_path, command):
    fifo = tmp_path / "export.json"
    os.mkfifo(fifo)
    done, _ = stancepack_run(*command_line(command, fifo, tmp_path))
    assert done.stderr == f"Error: {fifo}: is a named pipe (FIFO), not an export file\n"
    assert done.returncode == 1
    assert not (tmp_path / "dataset").exists()


def test_a_device_is_refused_at_once():
    done, megabytes = stancepack_run("validate", "/dev/zero")
    assert done.stderr == "Error: /dev/zero: is a character device, not an export file\n"
    assert done.returncode == 1
    assert megabytes < 400


def sparse_zeros(path: Path, size: int) -> Path:
    """A file of ``size`` zero bytes that takes no room on disk."""
    with path.open("wb") as file:
        file.truncate(size)
    return path


def test_a_huge_file_that_is_no_list_is_refused_in_bounded_memory(tmp_path):
    zeros = sparse_zeros(tmp_path / "export.json", 3 << 30)
    done, megabytes = stancepack_run("validate", zeros)
    assert done.stderr == (
        f"Error: {zeros}: not a list of tasks, and too large to be one task (3221225472 bytes, "
        "more than 67108864); expected a Label Studio full JSON export\n"
    )
    assert done.returncode == 1
    assert megabytes < 400


def test_a_huge_csv_export_is_named_from_its_first_line(tmp_path):
    csv = sparse_zeros(tmp_path / "export.csv", 100 << 20)
    with csv.open("r+b") as file:
        file.write(b"id,annotator,annotation_id,actor\n")
    result = run("validate", csv)
    assert result.stderr.startswith(f"Error: {csv}: a CSV export, not a full JSON export: ")
    assert result.exit_code == 1


# --- one article in two tasks ---------------------------------------------------------------


def warning_lines(result: Result) -> list[str]:
    return [line.strip() for line in result.stdout.splitlines() if line.startswith("  warning ")]


def test_an_article_imported_twice_is_a_warning(tmp_path):
    again = task(3, article_id="article-1")  # the first task's article, under a new task id
    renamed = task(4, article_id="article-9")  # its text again, under another article id
    result = validated(tmp_path, [task(1), task(2, article_id="article-1"), again, renamed])
    digest = sha256(TEXT.encode()).hexdigest()[:12]
    assert warning_lines(result) == [
        'warning duplicate-article: task 2, article_id "article-1": article article-1 is also '
        "in task 1, with the same text; imported twice?",
        'warning duplicate-article: task 3, article_id "article-1": article article-1 is also '
        "in task 1, with the same text; imported twice?",
        f'warning duplicate-article: task 4, data.text "{digest}": the same text as article '
        "article-1 in task 1; imported twice?",
    ]
    assert result.stdout.splitlines()[-1].endswith("errors 0, warnings 3: valid")
    assert result.exit_code == 0


# --- a key given twice ------------------------------------------------------------------------

DUPLICATE = (
    "key given more than once in one object; JSON readers keep only its last value and drop "
    "the others"
)


def export_of(tmp_path: Path, texts: list[str]) -> Path:
    """An export of the tasks written as ``texts``."""
    export = tmp_path / "export.json"
    export.write_text("[" + ", ".join(texts) + "]", encoding="utf-8")
    return export


# Where a key is given twice: the text replaced, and the key's path in its task.
DUPLICATES = {
    "annotations emptied": (
        '"annotations": [',
        '"annotations": [], "annotations": [',
        "annotations",
    ),
    "a result emptied": ('"result": [', '"result": [], "result": [', "annotations[0].result"),
    "a start given twice": (
        '"start": 17',
        '"start": 3, "start": 17',
        "annotations[0].result[0].value.start",
    ),
    "text given twice": ('"text": "French', '"text": "", "text": "French', "data.text"),
}


@pytest.mark.parametrize(("old", "new", "path"), DUPLICATES.values(), ids=list(DUPLICATES))
@pytest.mark.parametrize("position", [0, 1, 40], ids=["first task", "second task", "41st task"])
def test_a_key_given_twice_is_an_error_naming_task_and_key(tmp_path, old, new, path, position):
    texts = [json.dumps(task(number)) for number in range(1, 61)]
    texts[position] = texts[position].replace(old, new, 1)
    result = run("validate", export_of(tmp_path, texts))
    assert [line for line in error_lines(result) if "duplicate-key" in line] == [
        f"error duplicate-key: task {position + 1}, {path}: {DUPLICATE}"
    ]
    assert result.exit_code == 1


def test_an_escaped_colon_hides_no_key_given_twice(tmp_path):
    """The count of colons that finds a key given twice also counts colons written as
    escapes in strings (orjson writes them back as colons)."""
    texts = [json.dumps(task(number)) for number in range(1, 61)]
    texts[30] = texts[30].replace('"annotations": [', '"annotations": [], "annotations": [')
    texts[31] = texts[31].replace('"Troops"', '"Troops\\u003a \\u003A"')
    result = run("validate", export_of(tmp_path, texts))
    assert [line for line in error_lines(result) if "duplicate-key" in line] == [
        f"error duplicate-key: task 31, annotations: {DUPLICATE}"
    ]


def test_a_key_given_twice_in_a_single_task_file(tmp_path):
    export = tmp_path / "export.json"
    single = json.dumps(task(7)).replace('"id": 7', '"id": 7, "id": 8')
    export.write_text(single, encoding="utf-8")
    result = run("validate", export)
    assert error_lines(result) == [f"error duplicate-key: task 8, id: {DUPLICATE}"]
    assert result.exit_code == 1


def test_a_key_given_twice_in_an_annotation_file(tmp_path):
    annotation = task(7)["annotations"][0]
    nested = {**annotation, "task": {"id": 7, "data": {"text": TEXT}}}
    text = json.dumps(nested).replace('"id": 7', '"id": 6, "id": 7')
    text = text.replace(
        '"completed_by"', '"was_cancelled": true, "was_cancelled": false, "completed_by"'
    )
    export = tmp_path / "export.json"
    export.write_text(text, encoding="utf-8")
    result = run("validate", export)
    assert error_lines(result) == [
        f"error duplicate-key: task 7, annotations[0].was_cancelled: {DUPLICATE}",
        f"error duplicate-key: task 7, id: {DUPLICATE}",
    ]


# --- the dataset card ---------------------------------------------------------------------------

HOSTILE_OUTLET = "Evil <!-- News"
LIVE_HTML = '<img src=x onerror="alert(1)">'
HOSTILE_CURATORS = f"Ann {LIVE_HTML} [me](javascript:alert(2)) <!-- and *the rest*\n# Not a heading"


def test_outlet_names_and_curators_are_inert_in_the_card(tmp_path):
    tasks = [task(1, outlet=HOSTILE_OUTLET), task(2, outlet=LIVE_HTML), task(3, outlet="Plain")]
    for number, each in enumerate(tasks):
        each["data"]["text"] = f"{TEXT} ({number})"
    export = tmp_path / "export.json"
    export.write_text(json.dumps(tasks), encoding="utf-8")
    result = run("package", export, "-o", tmp_path / "dataset", "--curators", HOSTILE_CURATORS)
    assert result.exit_code == 0, result.output
    card = (tmp_path / "dataset" / "README.md").read_text(encoding="utf-8")
    assert "| Evil &lt;!-- News | 1 | 1 |" in card
    assert '| &lt;img src=x onerror="alert(1)"&gt; | 1 | 1 |' in card
    curators = (
        'Ann &lt;img src=x onerror="alert(1)"&gt; \\[me\\](javascript:alert(2)) &lt;!-- and '
        "\\*the rest\\* # Not a heading"
    )
    assert f"- **Curated by:** {curators}\n" in card
    assert f"Annotated by {curators}. " in card
    assert "<img" not in card
    page = MarkdownIt("commonmark").enable("table").render(card)
    # the only images are the dataset's own figures
    images = re.findall(r"<img [^>]*>", page)
    assert images and all(
        re.fullmatch(r'<img src="figures/[a-z-]+\.png" alt="[^"<>]*" />', i) for i in images
    )
    assert "onerror" not in "".join(images) and 'href="javascript' not in page
    assert "<td>Evil &lt;!-- News</td>" in page and "<td>Plain</td>" in page
    assert "<h4>Who are the source data producers?</h4>" in page
    assert "<h1>Not a heading" not in page


@pytest.mark.parametrize(
    ("value", "shown"),
    [("v1", "v1"), ("a`b <b>c</b>", "a`b &lt;b&gt;c&lt;/b&gt;"), ("`x``", "`x``")],
)
def test_values_quoted_as_code_stay_one_code_span(value, shown):
    assert MarkdownIt().renderInline(f"model {code(value)} ok") == f"model <code>{shown}</code> ok"
