"""Figures: the data each figure draws (counts worked out by hand on the crafted dataset and
recounted from the seed dataset's parquet files), the files (size, SVG root, the same bytes
on a re-run) and the `stancepack plot` command."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from PIL import Image

from stancepack.annotate import anchored
from stancepack.cli import cli
from stancepack.export.dataset.discourse import read_discourse
from stancepack.export.dataset.figures import (
    KINDS,
    LABEL_CHARACTERS,
    actor_roles,
    network_view,
    next_period,
    shorten,
    stance_by_outlet,
    stance_over_time,
    write_figures,
    write_plot,
)
from tests.discourse_data import (
    ALICE,
    ARTICLES,
    BOB,
    CAROL,
    EVE,
    package_articles,
    without_dates,
)
from tests.helpers import REPO

SEED_DATASET = REPO / "data" / "dataset"
PIXELS = (1000, 600)
SVG_SIZE = ("720pt", "432pt")


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return package_articles(tmp_path_factory.mktemp("crafted"), ARTICLES)


def run(*args: object):
    return CliRunner().invoke(cli, [str(arg) for arg in args])


# --- The data of each figure -----------------------------------------------------------------


def test_stance_by_outlet_counts_mentions_per_outlet_and_stance(dataset):
    counts = stance_by_outlet(read_discourse(dataset))
    assert counts.rows == ["Daily A", "Daily B", "Weekly C"]
    assert counts.columns == ["support", "conditional", "open", "oppose", "neutral"]
    assert counts.values == [
        [2, 0, 1, 2, 0],  # a1: Alice, Carol support, Bob oppose; a3: Carol oppose, open
        [0, 1, 0, 1, 1],  # a2: Alice conditional, Dave oppose, Bob neutral
        [1, 0, 0, 1, 0],  # a4: Dave support, Bob oppose
    ]


def seed_tables(config: str) -> pd.DataFrame:
    return pd.concat(
        pd.read_parquet(path) for path in sorted((SEED_DATASET / config).glob("*.parquet"))
    )


def test_stance_by_outlet_of_the_seed_dataset_recounts_its_mentions():
    discourse = read_discourse(SEED_DATASET)
    counts = stance_by_outlet(discourse)
    mentions = seed_tables("mentions").merge(seed_tables("articles"), on="article_id")
    mentions = mentions[mentions["stance"].notna()]
    stances = discourse.taxonomy.stance_values
    for outlet, group in mentions.groupby("source"):
        recounted = group["stance"].astype(int).value_counts()
        for index, stance in enumerate(stances):
            assert counts.cell(outlet, stance) == recounted.get(index, 0), (outlet, stance)
    # every mention of the curated layer has a stance: one per line of the curator's file
    curated = anchored.load_annotations(REPO / "data" / "curated_annotations.yaml")
    assert counts.total == len(mentions) == sum(len(entries) for entries in curated.values())


def test_actor_roles_counts_role_statements_of_the_top_actors(dataset):
    counts = actor_roles(read_discourse(dataset), top=2)
    assert counts.rows == [ALICE, BOB]  # 3 role statements, then 1 (Bob before Carol)
    assert counts.cell(ALICE, "training") == 2
    assert counts.cell(ALICE, "demining") == 1
    assert counts.cell(BOB, "cyber") == 1
    assert counts.cell(ALICE, "combat") == 0  # proposed by a mention without a stance
    assert counts.total == 4
    assert counts.note == "2 more actors with roles not shown"
    everyone = actor_roles(read_discourse(dataset))
    assert everyone.rows == [ALICE, BOB, CAROL, EVE] and everyone.note == ""


def test_stance_over_time_counts_statements_per_week(dataset):
    counts = stance_over_time(read_discourse(dataset))
    assert counts.rows == ["week of 2024-02-26", "week of 2024-03-04", "week of 2024-03-11"]
    assert counts.columns == ["support", "conditional", "open", "oppose"]
    assert counts.values == [
        [2, 0, 0, 1],  # a1 (Friday 1 March): Alice, Carol support; Bob oppose
        [0, 1, 0, 1],  # a2: Alice conditional, Dave oppose (Bob neutral states nothing)
        [0, 0, 1, 1],  # a3: open, Carol oppose
    ]
    assert counts.note == "2 statements of articles without a date not shown"


def test_months_roll_over_the_year():
    assert next_period(date(2024, 12, 1), weekly=False) == date(2025, 1, 1)
    assert next_period(date(2024, 1, 1), weekly=False) == date(2024, 2, 1)


def test_stance_over_time_counts_per_month_over_long_spans(tmp_path):
    articles = [
        {**ARTICLES[0], "published": "2024-01-15"},
        {**ARTICLES[1], "published": "2024-09-02"},
    ]
    counts = stance_over_time(read_discourse(package_articles(tmp_path, articles)))
    assert counts.rows[0] == "2024-01" and counts.rows[-1] == "2024-09" and len(counts.rows) == 9
    assert counts.values[0] == [2, 0, 0, 1] and counts.values[-1] == [0, 1, 0, 1]
    assert sum(map(sum, counts.values[1:-1])) == 0


def test_network_view_keeps_the_most_active_actors_and_their_dominant_stance(dataset):
    view = network_view(read_discourse(dataset), top=3)
    assert sorted(view.graph.nodes) == [ALICE, BOB, CAROL]  # 5, 3, 3 statements
    assert {(u, v): d["weight"] for u, v, d in view.graph.edges(data=True)} == {
        (ALICE, CAROL): 2,
        (BOB, CAROL): 1,
    }
    # Alice: support 1, conditional 1 (a tie: the earlier stance); Carol: support 1, oppose 1
    assert view.dominant == {ALICE: "support", BOB: "oppose", CAROL: "support"}
    assert view.positions == network_view(read_discourse(dataset), top=3).positions


def test_long_labels_are_shortened():
    name = "Other countries within the US-led military alliance"
    assert shorten(name) == "Other countries within the…"
    assert len(shorten(name)) <= LABEL_CHARACTERS
    assert shorten("NATO") == "NATO"


# --- Files -----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_png_figures_have_the_fixed_size_and_the_same_bytes_twice(dataset, tmp_path, kind):
    first, second = tmp_path / "first.png", tmp_path / "second.png"
    for path in (first, second):
        write_plot(dataset, path, kind)
    with Image.open(first) as image:
        assert image.size == PIXELS
        assert "Software" not in image.info
    assert first.read_bytes() == second.read_bytes()


@pytest.mark.parametrize("kind", KINDS)
def test_svg_figures_have_an_svg_root_no_date_and_the_same_bytes_twice(dataset, tmp_path, kind):
    first, second = tmp_path / "first.svg", tmp_path / "second.svg"
    for path in (first, second):
        write_plot(dataset, path, kind)
    root = ET.parse(first).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert (root.get("width"), root.get("height")) == SVG_SIZE
    text = first.read_text(encoding="utf-8")
    assert "<dc:date>" not in text and "Matplotlib v" not in text
    assert first.read_bytes() == second.read_bytes()


def test_write_figures_writes_every_figure_with_a_sentence(dataset, tmp_path):
    figures = write_figures(dataset, tmp_path / "figures", read_discourse(dataset).taxonomy)
    assert [figure.file for figure in figures] == [f"{kind}.png" for kind in KINDS]
    assert all((tmp_path / "figures" / figure.file).is_file() for figure in figures)
    assert figures[0].description == (
        "Actor mentions by adjudicated stance, per outlet (3 outlets, 10 mentions with a stance)."
    )
    assert figures[2].description == (
        "Statements on the proposition per stance and week of publication (7 statements of "
        "dated articles; 2 statements of articles without a date not shown)."
    )


def test_write_figures_leaves_out_what_the_data_cannot_show(tmp_path):
    dataset = package_articles(tmp_path / "data", without_dates(ARTICLES))
    taxonomy = read_discourse(dataset).taxonomy
    figures = write_figures(dataset, tmp_path / "figures", taxonomy)
    assert [figure.file for figure in figures] == [
        "stance-by-outlet.png",
        "actor-roles.png",
        "network.png",
    ]


# --- The command -----------------------------------------------------------------------------


def test_plot_command_reports_the_figure(dataset, tmp_path):
    out = tmp_path / "roles.png"
    result = run("plot", dataset, "--kind", "actor-roles", "-o", out, "--top", "2")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        f"wrote {out}: Roles proposed by the actors with the most role statements "
        "(2 actors, 4 statements), one cell per actor and role.\n"
    )


def test_plot_refuses_an_existing_file_without_force(dataset, tmp_path):
    out = tmp_path / "figure.svg"
    out.write_text("mine")
    result = run("plot", dataset, "--kind", "network", "-o", out)
    assert result.exit_code == 1
    assert result.stderr == f"Error: {out}: exists (pass --force to replace it)\n"
    assert out.read_text() == "mine"
    assert run("plot", dataset, "--kind", "network", "-o", out, "--force").exit_code == 0
    assert out.read_text().startswith("<?xml")


def test_plot_over_time_of_a_dataset_without_dates_is_refused(tmp_path):
    dataset = package_articles(tmp_path / "data", without_dates(ARTICLES))
    out = tmp_path / "time.png"
    result = run("plot", dataset, "--kind", "stance-over-time", "-o", out)
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {dataset}: no statement on the proposition is in an article with a date: "
        "no stance-over-time figure\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]


def test_plot_needs_a_png_or_svg_name(dataset, tmp_path):
    result = run("plot", dataset, "--kind", "network", "-o", tmp_path / "figure.pdf")
    assert result.exit_code == 2
    assert "name a .png or .svg file (the suffix chooses the format)" in result.stderr
    assert not any(tmp_path.iterdir())
