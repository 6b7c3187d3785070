"""``stancepack init``: a new debate folder in one command, and what runs on it.

The folder's taxonomy is valid as written (the generic vocabularies of
schema/new_debate.yaml with the proposition given), its articles are the ones given,
ingested, and its actors.yaml is what ``gazetteer suggest`` proposes from them, byte for
byte. An existing folder is never written into; ``--force`` replaces only a debate folder
init wrote, unchanged since. Bad input gets one line and writes nothing."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from stancepack.annotate.debate import DebateFolder
from stancepack.cli import cli
from stancepack.ground.errors import ArticleError
from stancepack.schema.codebook import SECTIONS
from stancepack.schema.gazetteer import load_gazetteer
from stancepack.schema.new_debate import NEW_DEBATE_VOCABULARIES
from stancepack.schema.taxonomy import load_taxonomy
from tests.debate import (
    CORPUS,
    PAGE,
    PROPOSITION,
    ROLES,
    TITLE,
    article_titles,
    write_roles,
)

GENERIC_ROLES_INTRODUCTION = {vocabulary: intro for vocabulary, _, intro in SECTIONS}["roles"]


def run(*args: object):
    return CliRunner().invoke(cli, [str(arg) for arg in args])


def init(folder: Path, *args: object):
    return run("init", folder, "--proposition", PROPOSITION, *args)


@pytest.fixture
def debate(tmp_path: Path) -> DebateFolder:
    result = init(tmp_path / "nuclear", "--title", TITLE, "--articles", CORPUS, "--articles", PAGE)
    assert result.exit_code == 0, result.output
    return DebateFolder(tmp_path / "nuclear")


def leftovers(folder: Path) -> list[str]:
    return sorted(entry.name for entry in folder.iterdir())


def test_init_writes_a_valid_taxonomy_of_the_proposition(debate: DebateFolder):
    taxonomy = load_taxonomy(debate.taxonomy)
    generic = yaml.safe_load(NEW_DEBATE_VOCABULARIES.read_text("utf-8"))
    assert (taxonomy.name, taxonomy.title, taxonomy.proposition) == (
        "nuclear",
        TITLE,
        PROPOSITION,
    )
    for vocabulary in ("actor_types", "stances", "roles", "relations"):
        expected = [entry["value"] for entry in generic[vocabulary]]
        assert [category.value for category in getattr(taxonomy, vocabulary)] == expected
    assert taxonomy.role_values == ["other"]
    assert "# - value: climate" in debate.taxonomy.read_text("utf-8")  # the form of a role


def test_init_s_taxonomy_passes_schema_show_with_the_generic_introductions(
    debate: DebateFolder,
):
    shown = run("schema", "show", "--taxonomy", debate.taxonomy)
    assert shown.exit_code == 0, shown.output
    assert load_taxonomy(debate.taxonomy).introductions == {}
    codebook = run("schema", "codebook", "--taxonomy", debate.taxonomy)
    assert codebook.exit_code == 0, codebook.output
    assert f"\n{GENERIC_ROLES_INTRODUCTION}\n" in codebook.stdout
    assert "Ukraine" not in codebook.stdout


def test_the_introductions_form_uncommented_opens_the_codebook_s_section(
    debate: DebateFolder,
):
    text = debate.taxonomy.read_text("utf-8")
    form = re.search(r"^# introductions:\n(?:#   .*\n)+", text, re.MULTILINE)
    assert form is not None
    uncommented = "".join(line.removeprefix("# ") for line in form[0].splitlines(keepends=True))
    debate.taxonomy.write_text(text.replace(form[0], uncommented), "utf-8")
    introduction = load_taxonomy(debate.taxonomy).introductions["roles"]
    codebook = run("schema", "codebook", "--taxonomy", debate.taxonomy)
    assert codebook.exit_code == 0, codebook.output
    assert f"\n### Proposed roles\n\n{introduction}\n" in codebook.stdout


def test_init_ingests_the_articles_given(debate: DebateFolder):
    records = [json.loads(line) for line in debate.articles_table.read_text("utf-8").splitlines()]
    assert [record["title"] for record in records] == article_titles()
    page = records[-1]
    assert (page["source"], page["published"]) == ("Example Daily", "2026-01-20")
    assert page["url"] == "https://daily.example.org/europe/france-germany-nuclear-label"
    for noise in ("Advertisement", "Subscribe now", "Most read", "Cookie settings"):
        assert noise not in page["text"]
    assert "Environment Minister Jonas Keller said Germany could not support" in page["text"]


def test_init_proposes_the_actors_gazetteer_suggest_proposes(debate: DebateFolder, tmp_path: Path):
    suggested = tmp_path / "suggested.yaml"
    result = run("gazetteer", "suggest", CORPUS, PAGE, "-o", suggested)
    assert result.exit_code == 0, result.output
    assert debate.gazetteer.read_bytes() == suggested.read_bytes()
    gazetteer = load_gazetteer(debate.gazetteer, load_taxonomy(debate.taxonomy))
    names = {actor.name for actor in gazetteer.actors}
    assert {"Lena Hartmann", "Maria Lindqvist", "Austria", "European Commission"} <= names


def test_init_prints_what_it_wrote_and_the_next_commands(tmp_path: Path):
    result = init(tmp_path / "nuclear", "--articles", CORPUS)
    assert result.exit_code == 0, result.output
    assert "'section'" in result.stderr  # the unknown column, left out with a warning
    folder = tmp_path / "nuclear"
    assert result.stdout.splitlines()[:3] == [
        f"wrote {folder / 'taxonomy.yaml'}",
        f"wrote {folder / 'articles' / 'articles.jsonl'} (3 articles)",
        f"wrote {folder / 'actors.yaml'} ({len(yaml.safe_load((folder / 'actors.yaml').read_text('utf-8'))['actors'])} actors to review)",  # noqa: E501
    ]
    assert result.stdout.splitlines()[-1] == f"  stancepack up --debate {folder}"


def test_the_debate_runs_with_its_own_roles(debate: DebateFolder, tmp_path: Path):
    write_roles(debate.taxonomy)
    shown = run("schema", "show", "--taxonomy", debate.taxonomy)
    assert shown.exit_code == 0, shown.output
    assert "roles:       climate, cost, safety, other" in shown.stdout
    tasks = tmp_path / "tasks.json"
    result = run("preannotate", debate.articles_table, "--taxonomy", debate.taxonomy, "-o", tasks)
    assert result.exit_code == 0, result.output
    assert f"pre-annotating with {debate.gazetteer}" in result.stderr
    proposed = {
        role
        for task in json.loads(tasks.read_text("utf-8"))
        for prediction in task["predictions"]
        for item in prediction["result"]
        if item["from_name"] == "roles"
        for role in item["value"]["choices"]
    }
    assert proposed == {role["value"] for role in ROLES}


def test_an_existing_folder_is_never_written_into(tmp_path: Path):
    folder = tmp_path / "nuclear"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine", "utf-8")
    refused = init(folder)
    assert refused.exit_code == 1
    assert refused.output == (
        f"Error: {folder}: folder is not empty (pass --force to replace a debate folder "
        "that stancepack wrote)\n"
    )
    forced = init(folder, "--force")
    assert forced.exit_code == 1
    assert "not a debate folder written by stancepack" in forced.output
    assert leftovers(folder) == ["notes.txt"]
    assert (folder / "notes.txt").read_text("utf-8") == "mine"


def test_force_replaces_an_unchanged_debate_folder_only(tmp_path: Path):
    folder = tmp_path / "nuclear"
    assert init(folder).exit_code == 0
    again = run("init", folder, "--proposition", "Another proposition", "--force")
    assert again.exit_code == 0, again.output
    assert load_taxonomy(folder / "taxonomy.yaml").proposition == "Another proposition"

    write_roles(folder / "taxonomy.yaml")
    edited = (folder / "taxonomy.yaml").read_bytes()
    refused = init(folder, "--force")
    assert refused.exit_code == 1
    assert refused.output == (
        f"Error: {folder}: taxonomy.yaml was changed since stancepack wrote it; --force "
        "replaces only what it wrote, unchanged\n"
    )
    assert (folder / "taxonomy.yaml").read_bytes() == edited

    (folder / "taxonomy.yaml").write_bytes(b"")
    os.remove(folder / "taxonomy.yaml")
    (folder / "articles" / "extra.txt").write_text("An article of the team.\n", "utf-8")
    added = init(folder, "--force")
    assert added.exit_code == 1
    assert "holds articles/extra.txt, which stancepack did not write" in added.output
    assert (folder / "articles" / "extra.txt").exists()


@pytest.mark.parametrize(
    ("proposition", "message"),
    [
        ("  ", "Error: proposition: must not be empty\n"),
        (
            "first line\nsecond line",
            "Error: proposition: must be one line of text without control characters\n",
        ),  # fmt: skip
    ],
)
def test_a_bad_proposition_writes_nothing(tmp_path: Path, proposition: str, message: str):
    result = run("init", tmp_path / "nuclear", "--proposition", proposition)
    assert (result.exit_code, result.output) == (1, message)
    assert leftovers(tmp_path) == []


def test_bad_articles_write_nothing(tmp_path: Path):
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text('{"title": "A title", "body": "A text."}\n', "utf-8")
    result = init(tmp_path / "nuclear", "--articles", corpus)
    assert (result.exit_code, result.output) == (1, f"Error: {corpus}: line 1: no 'text' field\n")
    assert leftovers(tmp_path) == ["corpus.jsonl"]


def test_a_folder_inside_the_articles_is_refused(tmp_path: Path):
    articles = tmp_path / "articles"
    articles.mkdir()
    (articles / "one.txt").write_text("A title\n\nA text.\n", "utf-8")
    result = init(articles / "nuclear", "--articles", articles)
    assert result.exit_code == 1
    assert "the output lies inside the articles" in result.output
    assert leftovers(articles) == ["one.txt"]


def test_without_articles_the_folder_waits_for_them(tmp_path: Path):
    folder = tmp_path / "nuclear"
    result = init(folder)
    assert result.exit_code == 0, result.output
    assert leftovers(folder) == ["articles", "stancepack-files.json", "taxonomy.yaml"]
    assert f"  put articles (.txt, saved .html pages) into {folder / 'articles'}" in result.stdout
    debate = DebateFolder(folder)
    with pytest.raises(ArticleError, match="no articles yet"):
        debate.article_sources()
    (debate.articles / "one.txt").write_text("A title\n\nA text.\n", "utf-8")
    assert debate.article_sources() == [debate.articles]


def test_up_takes_a_debate_folder_and_nothing_it_gives(debate: DebateFolder, tmp_path: Path):
    both = run("up", "--debate", debate.folder, "--taxonomy", debate.taxonomy)
    assert both.exit_code == 2
    assert "Error: --debate gives the taxonomy and the articles: drop --taxonomy" in both.output
    articles = run("up", "--debate", debate.folder, "--articles", debate.articles)
    assert articles.exit_code == 2
    assert "drop --articles" in articles.output
    plain = tmp_path / "plain"
    plain.mkdir()
    refused = run("up", "--debate", plain)
    assert (refused.exit_code, refused.output) == (
        1,
        f"Error: {plain}: not a debate folder: it has no taxonomy.yaml (make one with "
        "stancepack init)\n",
    )


def test_up_refuses_a_missing_debate_folder(tmp_path: Path):
    missing = tmp_path / "missing"
    result = run("up", "--debate", missing)
    assert (result.exit_code, result.output) == (
        1,
        f"Error: {missing}: no such debate folder (make one with init)\n",
    )
    assert not missing.exists()
