"""The labeling UI in a real headless Chromium, against the real Label Studio of the session.

A project is made from the seed articles with the gazetteer's pre-annotations; the browser
logs in through the login form, opens a task, and checks what an annotator sees: the actor
labels, the article text, the headers, the pre-annotated spans, and, once a span is
selected, its stance and role choices. Every vocabulary comes from the taxonomy.
"""

# ruff: noqa: E402 - playwright is imported after the skip that explains its absence
from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("playwright.sync_api", reason="pip install playwright (a dev dependency)")

from playwright.sync_api import Locator, Page, expect

from stancepack.annotate import projects
from stancepack.annotate.articles import Article
from stancepack.schema.fields import ACTOR, ROLES, STANCE
from stancepack.schema.taxonomy import load_taxonomy
from tests.browser import (
    VIEWPORT,
    LoopbackBrowser,
    chromium_missing_reason,
    log_in,
    loopback_browser,
)
from tests.helpers import REPO, SEED_ARTICLES

if (reason := chromium_missing_reason()) is not None:
    pytest.skip(reason, allow_module_level=True)

pytestmark = [pytest.mark.browser, pytest.mark.server]

PROJECT_TITLE = "seed articles (ui)"
GAZETTEER = REPO / "data" / "actors.yaml"
TAXONOMY = load_taxonomy()
ARTICLES = projects.read_articles([SEED_ARTICLES])
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# a blank page of this size compresses to a few kilobytes; a rendered task to far more
NON_TRIVIAL_PNG_BYTES = 50_000

HIGHLIGHTS = ".lsf-richtext .htx-highlight"
HIGHLIGHTED_SPANS_JS = """
els => els.map(e => [Number(e.dataset.start), Number(e.dataset.end), e.dataset.label])
"""
DISTINCT_SPANS_AT_LEAST_JS = """
([selector, n]) => new Set([...document.querySelectorAll(selector)]
    .map(e => e.dataset.start + ':' + e.dataset.end)).size >= n
"""
CHOICES_JS = """
groups => groups.map(g => [...g.querySelectorAll('input')].map(i => [i.name, i.checked]))
"""


@dataclass(frozen=True)
class Region:
    """One pre-annotated actor span and the choices predicted for it."""

    start: int
    end: int
    actor_type: str
    stance: tuple[str, ...]
    roles: tuple[str, ...]


@dataclass(frozen=True)
class SeedTask:
    """One article's task and its pre-annotation."""

    article: Article
    task_id: int
    score: float
    regions: tuple[Region, ...]


@dataclass(frozen=True)
class SeedProject:
    project_id: int
    tasks: dict[str, SeedTask]  # by article id


def as_dict(item: Any) -> dict[str, Any]:
    return item if isinstance(item, dict) else item.model_dump()


def regions_of(prediction: dict[str, Any]) -> tuple[Region, ...]:
    """The prediction's actor spans, in text order, each with its per-region choices."""
    spans = {r["id"]: r["value"] for r in prediction["result"] if r.get("from_name") == ACTOR}
    choices: dict[tuple[str, str], tuple[str, ...]] = {
        (r["id"], r["from_name"]): tuple(r["value"]["choices"])
        for r in prediction["result"]
        if r.get("from_name") in (STANCE, ROLES)
    }
    regions = [
        Region(
            start=value["start"],
            end=value["end"],
            actor_type=value["labels"][0],
            stance=choices.get((region_id, STANCE), ()),
            roles=choices.get((region_id, ROLES), ()),
        )
        for region_id, value in spans.items()
    ]
    return tuple(sorted(regions, key=lambda region: (region.start, region.end)))


def distinctive_sentence(text: str) -> str:
    """The longest line that occurs once in the text."""
    lines = [line.strip() for line in text.splitlines()]
    return max((line for line in lines if text.count(line) == 1), key=len)


def region_with_most_roles(regions: tuple[Region, ...]) -> Region:
    return max(regions, key=lambda region: (len(region.roles), -region.start))


def png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == PNG_SIGNATURE
    width, height = struct.unpack(">II", header[16:24])
    return width, height


@pytest.fixture(scope="module")
def seed_project(label_studio) -> SeedProject:
    """The seed articles in a project of their own, with pre-annotations, by article id."""
    client, connection = label_studio.client(), label_studio.connection()
    predict = projects.make_predictor(GAZETTEER, TAXONOMY)
    report = projects.create_project(
        client, connection, PROJECT_TITLE, ARTICLES, TAXONOMY, predict=predict
    )
    by_id = {article.article_id: article for article in ARTICLES}
    tasks: dict[str, SeedTask] = {}
    for task in client.tasks.list(project=report.project_id, fields="all"):
        (prediction,) = [as_dict(p) for p in task.predictions]
        article = by_id[task.data["article_id"]]
        tasks[article.article_id] = SeedTask(
            article=article,
            task_id=task.id,
            score=prediction["score"],
            regions=regions_of(prediction),
        )
    assert sorted(tasks) == sorted(by_id)
    return SeedProject(project_id=report.project_id, tasks=tasks)


@pytest.fixture(scope="module")
def browser(label_studio) -> Iterator[LoopbackBrowser]:
    """A headless Chromium logged in to the session's server as its admin."""
    with loopback_browser(label_studio.url) as session:
        page = session.context.new_page()
        log_in(page, label_studio.email, label_studio.password)
        page.close()
        yield session


@pytest.fixture
def page(browser: LoopbackBrowser) -> Iterator[Page]:
    page = browser.context.new_page()
    try:
        yield page
    finally:
        page.close()


def open_task(page: Page, project: SeedProject, article: Article) -> SeedTask:
    """Open the article's task in the data manager; wait until its pre-annotation is drawn."""
    seed = project.tasks[article.article_id]
    page.goto(f"/projects/{project.project_id}/data?task={seed.task_id}")
    expect(page.locator(".lsf-labels .lsf-label").first).to_be_visible()
    distinct = len({(region.start, region.end) for region in seed.regions})
    page.wait_for_function(DISTINCT_SPANS_AT_LEAST_JS, arg=[HIGHLIGHTS, distinct])
    return seed


def choice_groups(page: Page) -> Locator:
    return page.locator(".lsf-choices")


def choice(page: Page, value: str) -> Locator:
    return choice_groups(page).locator(f"label:has(input[name='{value}'])")


def test_a_task_shows_labels_text_preannotations_and_per_region_choices(
    page, browser, seed_project, tmp_path
):
    article = ARTICLES[0]
    seed = open_task(page, seed_project, article)

    # the actor labels, in taxonomy order, each on screen
    labels = page.locator(".lsf-labels .lsf-label__text")
    expect(labels).to_have_text(list(TAXONOMY.actor_type_values))
    for value in TAXONOMY.actor_type_values:
        expect(page.locator(".lsf-labels").get_by_text(value, exact=True)).to_be_visible()

    # the title header and the whole article text, character for character
    expect(page.get_by_role("heading", name=article.title, exact=True)).to_be_visible()
    text = page.locator(".lsf-richtext")
    expect(text.get_by_text(distinctive_sentence(article.text))).to_be_visible()
    assert text.inner_text() == article.text

    # the pre-annotation: its tab with the prediction's score, and every span highlighted
    expect(page.locator(".lsf-annotation-button", has_text=f"{seed.score:.2%}")).to_be_visible()
    highlighted = page.locator(HIGHLIGHTS).evaluate_all(HIGHLIGHTED_SPANS_JS)
    drawn = {(start, end, label.split(":", 1)[1]) for start, end, label in highlighted}
    assert drawn == {(r.start, r.end, r.actor_type) for r in seed.regions}

    # the stance and role choices show only once a region is selected
    groups = choice_groups(page)
    expect(groups).to_have_count(2)
    expect(groups.first).to_be_hidden()
    region = region_with_most_roles(seed.regions)
    span = page.locator(f'{HIGHLIGHTS}[data-start="{region.start}"][data-end="{region.end}"]')
    span.first.click()
    for value in (*TAXONOMY.stance_values, *TAXONOMY.role_values):
        expect(choice(page, value)).to_be_visible()
    shown = groups.evaluate_all(CHOICES_JS)
    assert [[name for name, _ in group] for group in shown] == [
        list(TAXONOMY.stance_values),
        list(TAXONOMY.role_values),
    ]
    # ... ticked as the pre-annotation says for that region
    ticked = [{name for name, checked in group if checked} for group in shown]
    assert region.roles
    assert ticked == [set(region.stance), set(region.roles)]

    groups.first.scroll_into_view_if_needed()
    screenshot = tmp_path / "task.png"
    page.screenshot(path=screenshot, full_page=True)
    width, height = png_size(screenshot)
    assert width == VIEWPORT["width"] and height >= VIEWPORT["height"]
    assert screenshot.stat().st_size > NON_TRIVIAL_PNG_BYTES

    assert browser.outside_requests() == []


def test_the_second_header_shows_the_source_and_the_date(page, seed_project):
    # Label Studio's editor overwrites a task data key named "source" with the whole task
    # as JSON (TaskStore.dataObj): the outlet travels as "outlet", shown in "byline".
    dated = next(a for a in ARTICLES if a.source and a.published)
    open_task(page, seed_project, dated)
    expect(page.get_by_role("heading", name=dated.title, exact=True)).to_be_visible()
    headings = page.locator(".lsf-main-view__annotation").get_by_role("heading")
    assert f"{dated.source} · {dated.published}" in headings.all_inner_texts()
