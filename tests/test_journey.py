"""The README journey, from a fresh clone's point of view.

Start the local Label Studio in the background through ``stancepack up``, check the seed
project has five tasks with pre-annotations, validate the committed export, package it
into a temporary folder (files identical to data/dataset/), load every config with
``datasets.load_dataset`` (the counts the README documents), and stop the server leaving
no process behind. Every step runs the installed ``stancepack`` command, as a user would.
tests/test_committed_data.py checks the same committed data without a server.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from stancepack.annotate.projects import find_project
from stancepack.ground.labelstudio import server as local
from stancepack.ground.labelstudio.client import local_connection, make_client
from stancepack.schema.features import CONFIGS
from tests.committed_data import (
    CURATORS,
    DATASET,
    EXPORT,
    different_files,
    documented_counts,
)
from tests.helpers import REPO

pytestmark = [pytest.mark.server, pytest.mark.own_server]

STANCEPACK = Path(sys.executable).with_name("stancepack")
# A first start creates the database (about 30 s on a quiet 2-core machine); leave room for
# a busy CI machine, as the session fixture does.
START_TIMEOUT = "600"


def stancepack(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(STANCEPACK), *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=900
    )


def loaded_counts(dataset: Path, env: dict[str, str]) -> dict[str, dict[str, int]]:
    code = (
        "import json, sys, datasets\n"
        "counts = {c: {s: d.num_rows for s, d in datasets.load_dataset(sys.argv[1], c).items()}"
        f" for c in {CONFIGS!r}}}\n"
        "print(json.dumps(counts))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(dataset)], env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


@pytest.fixture
def user_env(tmp_path: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("LABEL_STUDIO")}
    env.update(HF_HOME=str(tmp_path / "hf"), HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1")
    return env


def test_readme_journey(tmp_path: Path, user_env: dict[str, str]) -> None:
    data_dir = tmp_path / "label-studio"
    port = str(local.free_port())
    try:
        up = ("up", "--data-dir", str(data_dir), "--port", port, "--timeout", START_TIMEOUT)
        first = stancepack(*up, env=user_env)
        assert first.returncode == 0, first.stderr
        assert f"Label Studio: http://127.0.0.1:{port}" in first.stdout
        assert "5 added, 0 already there" in first.stdout
        second = stancepack(*up, env=user_env)
        assert second.returncode == 0, second.stderr
        assert "0 added, 5 already there" in second.stdout

        token = local.read_credentials(local.credentials_path(data_dir)).token
        assert token not in first.stdout + first.stderr + second.stdout + second.stderr

        connection = local_connection(data_dir)
        client = make_client(connection)
        project = find_project(client, connection, "seed articles")
        tasks = list(client.tasks.list(project=project.id, fields="all"))
        assert len(tasks) == 5
        assert all(task.total_predictions == 1 for task in tasks)
        assert all(task.predictions[0].result for task in tasks)
    finally:
        stopped = stancepack("serve", "--stop", "--data-dir", str(data_dir), env=user_env)
    assert stopped.returncode == 0, stopped.stderr
    assert not local.server_status(data_dir).alive

    export = EXPORT.relative_to(REPO).as_posix()
    validated = stancepack("validate", export, env=user_env)
    assert validated.returncode == 0, validated.stdout
    assert validated.stdout.splitlines()[-1].endswith("errors 0, warnings 0: valid")

    packaged = tmp_path / "dataset"
    result = stancepack(
        "package", export, "-o", str(packaged), "--curators", CURATORS, env=user_env
    )
    assert result.returncode == 0, result.stderr
    assert different_files(packaged, DATASET) == []

    assert loaded_counts(packaged, user_env) == documented_counts()
    assert set(documented_counts()) == set(CONFIGS)
