"""The team round trip on PostgreSQL: the tests of tests/test_team.py (annotators added and
added again, overlap honoured for two real users taking tasks from the labeling stream,
status figures, curation that is idempotent and keeps the curator's edit, pull and package
following the ground truth, no secret in any output) run against a local Label Studio whose
database is a real PostgreSQL 15 cluster instead of SQLite."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from stancepack.ground.labelstudio import server as local
from stancepack.ground.labelstudio.database import parse_database_url
from tests.conftest import LabelStudioServer, require_label_studio
from tests.postgres import postgres_cluster, require_postgres
from tests.test_team import *  # noqa: F403 (the same tests, collected here again)
from tests.test_team import team_project  # noqa: F401 (their module fixture)

pytestmark = [pytest.mark.own_server, pytest.mark.postgres]

START_TIMEOUT = 900.0


@pytest.fixture(scope="module")
def label_studio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabelStudioServer]:
    """A local Label Studio on a fresh PostgreSQL database, for this module's tests."""
    require_postgres()
    require_label_studio()
    with postgres_cluster() as cluster, pytest.MonkeyPatch.context() as env:
        database = cluster.create_database("team", "team")
        for name, value in database.environment().items():
            env.setenv(name, value)
        data_dir = tmp_path_factory.mktemp("pg-team")
        port = local.free_port()
        info = local.ensure_running(
            data_dir, port, timeout=START_TIMEOUT, database=parse_database_url(database.url)
        )
        try:
            yield LabelStudioServer.started(info, data_dir, port)
        finally:
            local.stop_server(data_dir)


def test_the_server_of_this_module_runs_on_postgresql(label_studio):
    record = (label_studio.data_dir / "database.json").read_text(encoding="utf-8")
    assert "postgresql://team@" in record
