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
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from stancepack.annotate.projects import find_project
from stancepack.cli import cli
from tests.debate import CORPUS, PAGE, PROPOSITION, ROLES, TITLE, article_titles, write_roles

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


def run(*args: object, env: dict[str, str] | None = None):
    result = CliRunner(env=env).invoke(cli, [str(arg) for arg in args])
    assert result.exit_code == 0, result.output
    return result


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

    run("init", "nuclear", "--proposition", PROPOSITION, "--title", TITLE,
        "--articles", CORPUS, "--articles", PAGE)  # fmt: skip
    write_roles(Path("nuclear/taxonomy.yaml"))
    run("schema", "show", "--taxonomy", "nuclear/taxonomy.yaml")
    suggest = ("gazetteer", "suggest", "nuclear/articles/articles.jsonl", "--min-count", "2")
    run(*suggest, "-o", "nuclear/actors.yaml", "--force")
    up = run("up", "--debate", "nuclear", "--data-dir", data_dir)
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

    run("pull", "--project", TITLE, "-o", "export.json", "--data-dir", data_dir)
    validated = run("validate", "export.json", "--taxonomy", "nuclear/taxonomy.yaml")
    assert validated.stdout.splitlines()[-1] == (
        f"summary: tasks 4, annotations 4, predictions 4, cancelled 0, empty 0, "
        f"spans {2 * spans}, relations 0, errors 0, warnings 0: valid"
    )  # the predictions' spans, and as many accepted
    run("package", "export.json", "--taxonomy", "nuclear/taxonomy.yaml", "-o", "dataset")

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
