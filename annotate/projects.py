"""Label Studio projects made from articles: create, and sync without duplicates.

A project gets the labeling config built from the taxonomy, the codebook as its labeling
instructions, and the taxonomy version hash in its description. Every article becomes one
task whose ``data`` has the keys of ``schema.fields.TASK_DATA_KEYS``, with the
pre-annotator's predictions. ``sync_project`` adds only articles whose ``article_id`` is not
in the project yet, so it can be re-run after an interrupted import to finish it.

Two runs that add to one project at once must not both add everything: on the local server
each run holds the project's lock (a file in the data directory) while it looks and adds;
on any other server the article ids present are listed again before each import batch.

Functions take an SDK client and a ``Connection`` (for messages and retries) and return
counts and ids as data; they raise ``LabelStudioError`` and ``ArticleError``.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from stancepack.annotate.articles import Article, ingest
from stancepack.annotate.debate import DEBATE_GAZETTEER
from stancepack.ground.errors import ArticleError, LabelStudioError
from stancepack.ground.labelstudio.client import Connection, all_items, retrying
from stancepack.schema.fields import BYLINE, OUTLET, TASK_DATA_KEYS
from stancepack.schema.taxonomy import Taxonomy

if TYPE_CHECKING:
    from label_studio_sdk import LabelStudio

    from stancepack.schema.gazetteer import Gazetteer

SEED_PROJECT = "seed articles"
BATCH_SIZE = 500
LIST_PAGE_SIZE = 1000
VERSION_PATTERN = re.compile(r"taxonomy version: ([0-9a-f]{12})\b")
# The lock file of a project in the local server's data directory: the prefix and the
# first hex digits of the SHA-256 of its title.
LOCK_PREFIX = "project-"
LOCK_SUFFIX = ".lock"
LOCK_NAME_DIGITS = 16

Predictor = Callable[[Article], list[dict[str, Any]]]
Progress = Callable[[str], None]


@dataclass(frozen=True)
class SyncReport:
    """What a create or sync did."""

    project_id: int
    title: str
    created: bool
    added: int
    already_there: int
    predictions: int
    project_taxonomy: str | None
    current_taxonomy: str
    config_updated: bool = False

    @property
    def taxonomy_differs(self) -> bool:
        return self.project_taxonomy != self.current_taxonomy and not self.config_updated


def _quiet(message: str) -> None:
    """The default progress callback: say nothing."""


# --- articles and tasks ---------------------------------------------------------------------


def read_articles(paths: Sequence[str | Path]) -> list[Article]:
    """Articles of every format ``articles ingest`` reads (.txt files, saved pages, folders
    of them, .csv and .jsonl corpora, and tables ``articles ingest`` wrote, read as written),
    each article_id once (a repeated id must be the same text)."""
    for path in map(Path, paths):
        if not os.path.lexists(path):
            raise ArticleError(f"{path}: no such file")
    articles = ingest(paths).articles
    if not articles:
        raise ArticleError(f"{', '.join(map(str, paths))}: no articles")
    return unique_articles(articles)


def unique_articles(articles: Sequence[Article]) -> list[Article]:
    kept: dict[str, Article] = {}
    for article in articles:
        first = kept.setdefault(article.article_id, article)
        if first.text_sha256 != article.text_sha256:
            raise ArticleError(
                f"{article.file}: article id {article.article_id} is already used by "
                f"{first.file} (a different text)"
            )
    return list(kept.values())


def byline(article: Article) -> str:
    """Outlet and date as the labeling page shows them ("RT · 2024-03-04", or "RT")."""
    return " · ".join(part for part in (article.source, article.published) if part)


def task_data(article: Article) -> dict[str, str]:
    """The task's ``data``: the keys of ``TASK_DATA_KEYS``, in that order."""
    values = {
        **{key: getattr(article, key) for key in TASK_DATA_KEYS if hasattr(article, key)},
        OUTLET: article.source,
        BYLINE: byline(article),
    }
    return {key: values[key] for key in TASK_DATA_KEYS}


def task_for(article: Article, predictions: Sequence[dict[str, Any]] = ()) -> dict[str, Any]:
    """One Label Studio task: the article's data and its pre-annotations, if any."""
    task: dict[str, Any] = {"data": task_data(article)}
    if predictions:
        task["predictions"] = list(predictions)
    return task


def batches(items: Sequence[Article], size: int) -> Iterator[Sequence[Article]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --- the project ----------------------------------------------------------------------------


def project_description(taxonomy: Taxonomy) -> str:
    return (
        f"Made by stancepack from the taxonomy {taxonomy.name!r}. "
        f"taxonomy version: {taxonomy.version}"
    )


def taxonomy_version_of(description: str | None) -> str | None:
    """The taxonomy version hash written into a project's description, if any."""
    found = VERSION_PATTERN.search(description or "")
    return found.group(1) if found else None


def project_settings(taxonomy: Taxonomy) -> dict[str, Any]:
    """Labeling config, instructions and description, all derived from the taxonomy."""
    from stancepack.annotate.labeling_config import build_label_config
    from stancepack.schema.codebook import render_html

    return {
        "label_config": build_label_config(taxonomy),
        "expert_instruction": render_html(taxonomy),
        "show_instruction": True,
        "description": project_description(taxonomy),
    }


def find_project(client: LabelStudio, connection: Connection, title: str) -> Any | None:
    """The project with exactly this title, or None; several are refused."""
    projects = retrying(
        lambda: all_items(client.projects.list(title=title, page_size=100), connection, "projects"),
        connection,
        f"list projects titled {title!r}",
    )
    named = sorted((p for p in projects if p.title == title), key=lambda p: p.id)
    if len(named) > 1:
        ids = ", ".join(str(p.id) for p in named)
        raise LabelStudioError(
            f"{len(named)} projects at {connection.url} are titled {title!r} (ids {ids}); "
            "rename all but one"
        )
    return named[0] if named else None


def set_overlap(client: LabelStudio, connection: Connection, project_id: int, overlap: int) -> None:
    """Each task of the project is to be annotated by ``overlap`` different annotators:
    Label Studio's ``maximum_annotations``, which its labeling stream honours (a task goes
    to no annotator who did it, and to nobody once it has that many annotations)."""
    retrying(
        lambda: client.projects.update(id=project_id, maximum_annotations=overlap),
        connection,
        f"set the overlap of project {project_id}",
    )


def project_url(connection: Connection, project_id: int) -> str:
    return f"{connection.url}/projects/{project_id}/data"


def create_project(
    client: LabelStudio,
    connection: Connection,
    title: str,
    articles: Sequence[Article],
    taxonomy: Taxonomy,
    *,
    predict: Predictor | None = None,
    batch_size: int = BATCH_SIZE,
    on_progress: Progress = _quiet,
) -> SyncReport:
    """Create the project and import every article as a task, with pre-annotations."""
    with project_lock(connection, title, on_progress):
        return _create_project(
            client, connection, title, articles, taxonomy, predict, batch_size, on_progress
        )


def _create_project(
    client: LabelStudio,
    connection: Connection,
    title: str,
    articles: Sequence[Article],
    taxonomy: Taxonomy,
    predict: Predictor | None,
    batch_size: int,
    on_progress: Progress,
) -> SyncReport:
    existing = find_project(client, connection, title)
    if existing is not None:
        raise LabelStudioError(
            f"project {title!r} already exists at {connection.url} (id {existing.id}); "
            "add articles to it with: stancepack project sync"
        )
    settings = project_settings(taxonomy)

    def create_once() -> Any:
        # after a transient failure the project may exist already: never make two
        made = find_project(client, connection, title)
        return made if made is not None else client.projects.create(title=title, **settings)

    project = retrying(create_once, connection, f"create project {title!r}")
    on_progress(f"created project {title!r} (id {project.id})")
    imported = import_articles(
        client, connection, project.id, list(articles), predict, batch_size, on_progress
    )
    return SyncReport(
        project_id=project.id,
        title=title,
        created=True,
        added=imported.added,
        already_there=imported.already_there,
        predictions=imported.predictions,
        project_taxonomy=taxonomy.version,
        current_taxonomy=taxonomy.version,
    )


def sync_project(
    client: LabelStudio,
    connection: Connection,
    title: str,
    articles: Sequence[Article],
    taxonomy: Taxonomy,
    *,
    update_config: bool = False,
    predict: Predictor | None = None,
    batch_size: int = BATCH_SIZE,
    on_progress: Progress = _quiet,
) -> SyncReport:
    """Add the articles not in the project yet; never duplicates a task.

    When the project was made with another taxonomy version its labeling config is left
    alone (and no pre-annotations are added, they would not fit it) unless
    ``update_config``; then Label Studio's own check runs first and its refusal (labels
    still used by annotations) is raised as it says it."""
    with project_lock(connection, title, on_progress):
        return _sync_project(
            client, connection, title, articles, taxonomy,
            update_config, predict, batch_size, on_progress,
        )  # fmt: skip


def create_or_sync_project(
    client: LabelStudio,
    connection: Connection,
    title: str,
    articles: Sequence[Article],
    taxonomy: Taxonomy,
    *,
    predict: Predictor | None = None,
    on_progress: Progress = _quiet,
) -> SyncReport:
    """Create the project from the articles, or add those it lacks when it exists."""
    with project_lock(connection, title, on_progress):
        if find_project(client, connection, title) is None:
            return _create_project(
                client, connection, title, articles, taxonomy, predict, BATCH_SIZE, on_progress
            )
        return _sync_project(
            client, connection, title, articles, taxonomy,
            False, predict, BATCH_SIZE, on_progress,
        )  # fmt: skip


def _sync_project(
    client: LabelStudio,
    connection: Connection,
    title: str,
    articles: Sequence[Article],
    taxonomy: Taxonomy,
    update_config: bool,
    predict: Predictor | None,
    batch_size: int,
    on_progress: Progress,
) -> SyncReport:
    project = find_project(client, connection, title)
    if project is None:
        raise LabelStudioError(
            f"no project {title!r} at {connection.url}; make it with: stancepack project create"
        )
    project_version = taxonomy_version_of(project.description)
    updated = False
    if project_version != taxonomy.version and update_config:
        update_project_config(client, connection, project.id, taxonomy)
        on_progress(f"updated the labeling config of {title!r} to taxonomy {taxonomy.version}")
        updated = True
    fits = project_version == taxonomy.version or updated
    present = existing_article_ids(client, connection, project.id)
    missing = [article for article in articles if article.article_id not in present]
    imported = import_articles(
        client, connection, project.id, missing, predict if fits else None, batch_size, on_progress
    )
    return SyncReport(
        project_id=project.id,
        title=title,
        created=False,
        added=imported.added,
        already_there=len(articles) - len(missing) + imported.already_there,
        predictions=imported.predictions,
        project_taxonomy=project_version,
        current_taxonomy=taxonomy.version,
        config_updated=updated,
    )


def update_project_config(
    client: LabelStudio, connection: Connection, project_id: int, taxonomy: Taxonomy
) -> None:
    """Validate the new config with Label Studio's strict check, then save it.

    (Label Studio 1.23 saves a config through PATCH even when annotations use labels it
    drops; its /validate/ endpoint, the one its own UI calls first, refuses them.)"""
    settings = project_settings(taxonomy)
    retrying(
        lambda: client.projects.validate_label_config(
            id=project_id, label_config=settings["label_config"]
        ),
        connection,
        f"accept the new labeling config for project {project_id}",
    )
    retrying(
        lambda: client.projects.update(id=project_id, **settings),
        connection,
        f"update project {project_id}",
    )


# --- tasks ----------------------------------------------------------------------------------


def list_article_ids(client: LabelStudio, connection: Connection, project_id: int) -> set[str]:
    """The article_id of every task of the project (one listing, no retries)."""
    pages: Any = client.tasks.list(project=project_id, include="id,data", page_size=LIST_PAGE_SIZE)
    return {
        str(task.data["article_id"])
        for task in all_items(pages, connection, f"tasks of project {project_id}")
        if isinstance(task.data, dict) and task.data.get("article_id")
    }


def existing_article_ids(client: LabelStudio, connection: Connection, project_id: int) -> set[str]:
    return retrying(
        lambda: list_article_ids(client, connection, project_id),
        connection,
        f"list the tasks of project {project_id}",
    )


@dataclass(frozen=True)
class Imported:
    """What ``import_articles`` did: tasks and predictions added, and articles another run
    had added meanwhile (found by the listing before a batch)."""

    added: int
    predictions: int
    already_there: int


def import_articles(
    client: LabelStudio,
    connection: Connection,
    project_id: int,
    articles: Sequence[Article],
    predict: Predictor | None,
    batch_size: int = BATCH_SIZE,
    on_progress: Progress = _quiet,
) -> Imported:
    """Import articles as tasks in batches.

    Without the local server's lock, the article ids present are listed again before
    every batch after the first, and articles another run added meanwhile are skipped."""
    if batch_size < 1:
        raise LabelStudioError(f"batch size must be at least 1, not {batch_size}")
    added = predictions = skipped = 0
    for index, batch in enumerate(batches(articles, batch_size)):
        if index and connection.data_dir is None:
            present = existing_article_ids(client, connection, project_id)
            pending = [article for article in batch if article.article_id not in present]
            skipped += len(batch) - len(pending)
            batch = pending
        tasks = [task_for(article, predict(article) if predict else ()) for article in batch]
        batch_added, batch_predictions = import_batch(client, connection, project_id, tasks)
        added += batch_added
        predictions += batch_predictions
        on_progress(f"imported {added} of {len(articles)} tasks")
    return Imported(added=added, predictions=predictions, already_there=skipped)


@contextlib.contextmanager
def project_lock(connection: Connection, title: str, on_progress: Progress) -> Iterator[None]:
    """Hold the lock of project ``title`` of the local server (a file in its data
    directory), waiting for another run that holds it; no lock for other servers."""
    try:
        import fcntl
    except ImportError:  # not POSIX: the listing before each batch is the guard
        fcntl = None  # type: ignore[assignment]
    if connection.data_dir is None or fcntl is None:
        yield
        return
    path = lock_path(connection.data_dir, title)
    handle = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            on_progress(f"waiting for another run that is adding tasks to project {title!r}")
            fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)


def lock_path(data_dir: Path, title: str) -> Path:
    """The lock file of project ``title`` in the local server's data directory."""
    digest = hashlib.sha256(title.encode("utf-8")).hexdigest()[:LOCK_NAME_DIGITS]
    return data_dir / f"{LOCK_PREFIX}{digest}{LOCK_SUFFIX}"


def import_batch(
    client: LabelStudio, connection: Connection, project_id: int, tasks: list[dict[str, Any]]
) -> tuple[int, int]:
    """One import request, retried safely: before a retry the project is listed again and
    tasks that an earlier, seemingly failed attempt did import are not sent twice."""
    pending = tasks
    retry = False

    def attempt() -> tuple[int, int]:
        nonlocal pending, retry
        if retry:
            present = list_article_ids(client, connection, project_id)
            pending = [task for task in pending if task["data"]["article_id"] not in present]
        retry = True
        if not pending:
            return 0, 0
        answer = client.projects.import_tasks(id=project_id, request=cast(Any, pending))
        return int(answer.task_count or 0), imported_predictions(answer)

    task_total, prediction_total = retrying(
        attempt, connection, f"import {len(tasks)} tasks into project {project_id}"
    )
    # tasks imported by an attempt that seemed to fail are counted too
    return len(tasks) - len(pending) + task_total, prediction_total


def imported_predictions(answer: Any) -> int:
    """The prediction count of an import answer (Label Studio 1.23 calls it
    ``prediction_count``; the SDK's model declares ``predictions_count``)."""
    for name in ("prediction_count", "predictions_count"):
        value = getattr(answer, name, None)
        if value is not None:
            return int(value)
    return 0


# --- pre-annotations ------------------------------------------------------------------------

# The seed debate's folder in a clone of the repository: the packaged taxonomy's debate.
SEED_DEBATE_FOLDER = Path("data")


def gazetteer_path(gazetteer: Path | None, taxonomy_path: Path | None) -> Path | None:
    """The gazetteer file project commands pre-annotate with, in order: ``gazetteer`` when
    given; the debate folder's actors.yaml (the folder of ``taxonomy_path``, or, with the
    packaged taxonomy, the seed debate folder data/ of a clone) when it exists; else None,
    which stands for the packaged base gazetteer."""
    if gazetteer is not None:
        return gazetteer
    folder = SEED_DEBATE_FOLDER if taxonomy_path is None else Path(taxonomy_path).parent
    beside = folder / DEBATE_GAZETTEER
    return beside if beside.is_file() else None


def load_project_gazetteer(path: str | Path | None, taxonomy: Taxonomy) -> Gazetteer:
    """The gazetteer file ``path``, or the packaged base gazetteer when it is None."""
    from stancepack.schema.base_gazetteer import load_base_gazetteer
    from stancepack.schema.gazetteer import load_gazetteer

    return load_base_gazetteer(taxonomy) if path is None else load_gazetteer(path, taxonomy)


def make_predictor(gazetteer_path: str | Path | None, taxonomy: Taxonomy) -> Predictor:
    """Pre-annotations of the rule-based pre-annotator with the gazetteer file
    ``gazetteer_path`` (the packaged base gazetteer when None): one prediction per article,
    none when it proposes nothing."""
    from stancepack.annotate.preannotate import Preannotator

    annotator = Preannotator(load_project_gazetteer(gazetteer_path, taxonomy), taxonomy)

    def predict(article: Article) -> list[dict[str, Any]]:
        prediction = annotator.prediction(article.text)
        return [prediction] if prediction["result"] else []

    return predict
