"""A team's own debate, end to end on a real local Label Studio, with the README's commands.

``init`` with a proposition that is not the seed's, a JSON Lines corpus and a saved page;
the team writes its roles (climate, cost, safety) into the taxonomy; ``gazetteer
suggest`` proposes the actors again after articles are added; ``up --debate`` makes the
project with pre-annotations of the debate's actors and roles; an annotator accepts them
and gives each mention the stance its article reports (the stances of the invented
actors of tests/fixtures/debate/); ``pull``, ``validate``, ``package``, and
``datasets.load_dataset`` on the package."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from stancepack.annotate.projects import find_project
from stancepack.cli import cli
from tests.debate import CORPUS, PAGE, PROPOSITION, ROLES, TITLE, article_titles, write_roles
from tests.helpers import REPO

pytestmark = pytest.mark.server

# What each invented actor says of the proposition in the articles of the tests (read
# there): the Commission's commissioner and France for, Austria, Luxembourg, Germany and
# the critics they quote against; every other mention only reported.
STANCES = {
    "Maria Lindqvist": "support",
    "Claire Dubois": "support",
    "France": "support",
    "Lena Hartmann": "oppose",
    "Austria": "oppose",
    "Luxembourg": "oppose",
    "Paul Weber": "oppose",
    "Jonas Keller": "oppose",
    "Germany": "oppose",
    "Tom Ahern": "oppose",
}
NEUTRAL = "neutral"


# Options whose values are this machine's (the articles' and the server's paths).
LOCAL_OPTIONS = ("--articles", "--data-dir")


def run(*args: object, ran: list[list[str]] | None = None):
    command = [str(arg) for arg in args]
    result = CliRunner().invoke(cli, command)
    assert result.exit_code == 0, result.output
    if ran is not None:
        ran.append(command)
    return result


def without_local_options(command: list[str]) -> list[str]:
    kept: list[str] = []
    for word in command:
        if kept and kept[-1] in LOCAL_OPTIONS:
            kept.pop()
        else:
            kept.append(word)
    return kept


def readme_commands() -> list[list[str]]:
    """The stancepack commands of the README's "Your own debate" block."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = readme.split("<!-- own-debate -->", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    lines = block.replace("\\\n", " ").splitlines()
    return [shlex.split(line)[1:] for line in lines if line.startswith("stancepack ")]


def accepted(prediction: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The pre-annotation an annotator accepts, with a stance on every mention."""
    names = {
        item["id"]: item["value"]["text"][0] for item in prediction if item["type"] == "textarea"
    }
    result = [dict(item) for item in prediction]
    for item in prediction:
        if item["from_name"] != "actor":
            continue
        span = {key: item["value"][key] for key in ("start", "end", "text")}
        stance = STANCES.get(names.get(item["id"], ""), NEUTRAL)
        result.append(
            {
                **item,
                "from_name": "stance",
                "type": "choices",
                "value": {**span, "choices": [stance]},
            }
        )
    return result


def load_configs(dataset: Path, tmp_path: Path) -> dict[str, Any]:
    """What datasets.load_dataset reads of each config, in a fresh offline process."""
    code = (
        "import json, sys, datasets\n"
        "out = {}\n"
        "for config in ('articles', 'mentions'):\n"
        "    loaded = datasets.load_dataset(sys.argv[1], config)\n"
        "    rows = [row for split in loaded.values() for row in split]\n"
        "    features = next(iter(loaded.values())).features\n"
        "    out[config] = {'rows': rows, 'features': features.to_dict()}\n"
        "print(json.dumps(out, default=str))\n"
    )
    env = {
        **os.environ,
        "HF_HOME": str(tmp_path / "hf"),
        "HF_HUB_OFFLINE": "1",
        "HF_DATASETS_OFFLINE": "1",
    }
    done = subprocess.run(
        [sys.executable, "-c", code, str(dataset)], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def test_a_new_debate_end_to_end(label_studio, tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("STANCEPACK_TAXONOMY", raising=False)
    data_dir = str(label_studio.data_dir)

    ran: list[list[str]] = []
    run("init", "nuclear", "--proposition", PROPOSITION, "--title", TITLE,
        "--articles", CORPUS, "--articles", PAGE, ran=ran)  # fmt: skip
    write_roles(Path("nuclear/taxonomy.yaml"))
    run("schema", "show", "--taxonomy", "nuclear/taxonomy.yaml", ran=ran)
    suggest = ("gazetteer", "suggest", "nuclear/articles/articles.jsonl")
    run(*suggest, "-o", "nuclear/actors.yaml", "--force", ran=ran)
    up = run("up", "--debate", "nuclear", "--data-dir", data_dir, ran=ran)
    assert "4 added, 0 already there" in up.stdout
    assert "pre-annotating with nuclear/actors.yaml" in up.stderr

    client = label_studio.client()
    project = find_project(client, label_studio.connection(), TITLE)
    assert project is not None
    tasks = list(client.tasks.list(project=project.id, fields="all"))
    assert len(tasks) == 4
    proposed_roles: set[str] = set()
    spans = 0
    for task in tasks:
        prediction = task.predictions[0].result
        proposed_roles.update(
            role for item in prediction if item["from_name"] == "roles"
            for role in item["value"]["choices"]
        )  # fmt: skip
        result = accepted(prediction)
        spans += sum(item["from_name"] == "actor" for item in result)
        client.annotations.create(id=task.id, result=result, lead_time=30.0)
    assert proposed_roles == {role["value"] for role in ROLES}

    run("pull", "--project", TITLE, "-o", "export.json", "--data-dir", data_dir, ran=ran)
    validated = run("validate", "export.json", "--taxonomy", "nuclear/taxonomy.yaml", ran=ran)
    assert validated.stdout.splitlines()[-1] == (
        f"summary: tasks 4, annotations 4, predictions 4, cancelled 0, empty 0, "
        f"spans {2 * spans}, relations 0, errors 0, warnings 0: valid"
    )  # the predictions' spans, and as many accepted
    run("package", "export.json", "--taxonomy", "nuclear/taxonomy.yaml", "-o", "dataset/", ran=ran)
    assert [without_local_options(command) for command in ran] == [
        without_local_options(command) for command in readme_commands()
    ]  # the README's commands are the ones this walk runs

    loaded = load_configs(tmp_path / "dataset", tmp_path)
    titles = [row["title"] for row in loaded["articles"]["rows"]]
    assert sorted(titles) == sorted(article_titles())
    mentions = loaded["mentions"]["rows"]
    assert len(mentions) == spans
    features = loaded["mentions"]["features"]
    assert features["roles"]["feature"]["names"] == [*(role["value"] for role in ROLES), "other"]
    stance_names = features["stance"]["names"]
    stances = {(row["actor_name"], stance_names[row["stance"]]) for row in mentions}
    assert ("Lena Hartmann", "oppose") in stances
    assert ("Maria Lindqvist", "support") in stances
