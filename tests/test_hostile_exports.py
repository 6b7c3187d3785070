"""Exports crafted to break stancepack: each gets one clear line (a report line or a
refusal with exit code 1), never a traceback, a hang or memory without bound."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from stancepack.cli import cli

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
