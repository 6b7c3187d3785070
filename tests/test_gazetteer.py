"""The packaged base gazetteer (every country from pycountry, the major international
organisations), and the gazetteer proposed from a corpus by `stancepack gazetteer suggest`."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from functools import cache

import pycountry
import pytest
from click.testing import CliRunner

from stancepack.annotate.articles import ingest
from stancepack.annotate.preannotate import Preannotator
from stancepack.annotate.suggest import (
    SuggestionError,
    organization_phrases,
    render_suggestions,
    suggest_actors,
)
from stancepack.cli import TERMINATED_EXIT, cli
from stancepack.schema.base_gazetteer import (
    BASE_GAZETTEER_SOURCE,
    ORGANIZATIONS_PATH,
    country_name,
    load_base_gazetteer,
    unambiguous,
)
from stancepack.schema.gazetteer import Gazetteer, GazetteerError, fold, load_gazetteer
from stancepack.schema.taxonomy import load_taxonomy
from tests.helpers import SEED_ARTICLES, default_taxonomy_data, write_taxonomy

TAXONOMY = load_taxonomy()


@cache
def base() -> Gazetteer:
    return load_base_gazetteer()


def forms_of(name: str) -> set[str]:
    return set(base().actor(name).surface_forms)


def test_every_iso_3166_country_is_a_country_of_the_base_gazetteer():
    countries = sorted(actor.name for actor in base().actors if actor.type == "country")
    assert countries == sorted(country_name(record) for record in pycountry.countries)
    assert len(countries) == len(pycountry.countries) >= 249


def test_countries_have_the_names_pycountry_gives_and_the_forms_news_write():
    assert forms_of("Germany") == {"Germany", "Federal Republic of Germany"}
    assert {"Russia", "Russian Federation"} <= forms_of("Russia")
    assert {"United States of America", "US", "U.S.", "USA"} <= forms_of("United States")
    assert {"United Kingdom", "UK", "U.K.", "Britain"} <= forms_of("United Kingdom")
    assert {"Iran", "Islamic Republic of Iran"} <= forms_of("Iran")
    assert {"Democratic Republic of the Congo", "DRC"} <= forms_of(
        "Democratic Republic of the Congo"
    )
    assert "Congo" in forms_of("Republic of the Congo")


def test_iso_list_forms_that_news_never_write_are_left_out():
    forms = {form for actor in base().actors for form in actor.surface_forms}
    assert (
        not {"Korea, Republic of", "Iran, Islamic Republic of", "Virgin Islands, British"} & forms
    )
    assert "South Korea" in forms and "British Virgin Islands" in forms
    assert "Bonaire, Sint Eustatius and Saba" in forms  # a comma inside a name stays


def test_major_international_organisations_are_there_with_their_acronyms():
    assert {"NATO", "North Atlantic Treaty Organization"} <= forms_of("NATO")
    assert {"EU", "European Union"} <= forms_of("European Union")
    assert {"UN", "U.N.", "United Nations"} <= forms_of("United Nations")
    assert {"G20", "G-20"} <= forms_of("G20")
    assert {"OSCE", "WHO", "IMF", "World Bank", "G7", "African Union", "ASEAN"} <= set(
        base().canonical_names()
    )
    commission = base().actor("European Commission")
    assert (commission.type, commission.affiliation) == ("organization", "European Union")


def test_the_base_gazetteer_has_only_the_default_taxonomys_types_and_no_shared_form():
    assert {actor.type for actor in base().actors} == {"country", "organization"}
    forms = [fold(form) for actor in base().actors for form in actor.surface_forms]
    assert len(forms) == len(set(forms))
    assert base().source == BASE_GAZETTEER_SOURCE


def test_a_form_that_names_two_actors_is_dropped_from_both():
    entries = [
        {"name": "Georgia", "type": "country", "aliases": ["Georgia", "GE"]},
        {"name": "General Electric", "type": "organization", "aliases": ["GE"]},
    ]
    assert unambiguous(entries) == [
        {"name": "Georgia", "type": "country", "aliases": ["Georgia"]},
        {"name": "General Electric", "type": "organization", "aliases": []},
    ]


def test_two_actors_with_one_name_are_an_error():
    entries = [
        {"name": "Congo", "type": "country", "aliases": ["Congo"]},
        {"name": "DRC", "type": "country", "aliases": ["DRC", "Congo"]},
    ]
    with pytest.raises(GazetteerError) as caught:
        unambiguous(entries)
    assert str(caught.value) == (
        "the packaged base gazetteer: 'Congo' is the name of more than one actor"
    )


def test_a_taxonomy_without_the_organisation_type_names_the_organisations_file(tmp_path):
    data = default_taxonomy_data()
    data["actor_types"] = [t for t in data["actor_types"] if t["value"] != "organization"]
    taxonomy = load_taxonomy(write_taxonomy(tmp_path / "taxonomy.yaml", data))
    with pytest.raises(GazetteerError) as caught:
        load_base_gazetteer(taxonomy)
    assert str(caught.value) == (
        f"{ORGANIZATIONS_PATH}: actors[0] (United Nations): type 'organization' is not an "
        "actor type of the taxonomy (person, country, group)"
    )


def test_the_pre_annotator_proposes_base_gazetteer_actors():
    text = (
        "Germany’s chancellor met NATO leaders.\n"
        "The Federal Republic of Germany and the US said the EU should act, the G7 agreed."
    )
    spans = Preannotator(base(), TAXONOMY, strict=False).spans(text)
    assert [(text[s.start : s.end], s.name) for s in spans if s.rule == "gazetteer"] == [
        ("NATO", "NATO"),
        ("Federal Republic of Germany", "Germany"),
        ("US", "United States"),
        ("EU", "European Union"),
        ("G7", "G7"),
    ]
    assert ("Germany’s chancellor", "unnamed") in [(text[s.start : s.end], s.rule) for s in spans]


# --- gazetteer suggest -------------------------------------------------------------------

CORPUS = (
    "Healey warns Moscow\n"
    "Defence Secretary John Healey said on Monday that Britain would act. Healey added that "
    "NATO should lead.",
    "Starmer meets allies\n"
    "Prime Minister Keir Starmer spoke. Keir Starmer said the Ministry of Defence (MOD) "
    "agrees. Starmer also met the Conservative Party.",
    "Talks end\nStarmer said NATO would meet. The SVR said nothing. Prime Minister Keir "
    "Starmer left.",
)


def entries(suggested) -> list[tuple[str, str, list[str], int]]:
    return [(a.name, a.type, a.aliases, a.count) for a in suggested.actors]


def test_suggested_actors_merge_their_forms_across_articles_most_mentioned_first():
    assert entries(suggest_actors(CORPUS)) == [
        (
            "Keir Starmer",
            "person",
            ["Keir Starmer", "Prime Minister Keir Starmer", "Starmer"],
            6,
        ),
        ("John Healey", "person", ["John Healey", "Defence Secretary John Healey", "Healey"], 3),
        ("Ministry of Defence", "organization", ["Ministry of Defence", "MOD"], 2),
        ("NATO", "organization", list(base().actor("NATO").aliases), 2),
        ("Conservative Party", "organization", ["Conservative Party"], 1),
        ("SVR", "organization", ["SVR"], 1),
        ("United Kingdom", "country", list(base().actor("United Kingdom").aliases), 1),
    ]


def test_each_suggestion_has_an_example_sentence():
    actors = {actor.name: actor for actor in suggest_actors(CORPUS).actors}
    assert actors["John Healey"].example == "Healey warns Moscow"
    assert actors["SVR"].example == "The SVR said nothing."


def test_actors_named_fewer_times_than_the_minimum_are_left_out():
    names = [actor.name for actor in suggest_actors(CORPUS, min_count=2).actors]
    assert names == ["Keir Starmer", "John Healey", "Ministry of Defence", "NATO"]


def test_a_surname_the_articles_never_use_alone_is_not_an_alias():
    (actor,) = suggest_actors(["Kremlin spokesman Dmitry Peskov said no."]).actors
    assert actor.aliases == ["Dmitry Peskov", "Kremlin spokesman Dmitry Peskov"]


def test_organisation_names_are_capitalised_words_around_a_head_and_stop_at_a_title():
    text = (
        "The European Council President Charles Michel met the Ministry of Defence of the "
        "Netherlands and the Labour Party. The Big Event of the Year ended."
    )
    assert [text[start:end] for start, end in organization_phrases(fold(text))] == [
        "European Council",
        "Ministry of Defence of the Netherlands",
        "Labour Party",
    ]


def test_an_organisation_name_ends_before_a_date():
    text = "The European Commission on Monday proposed it. The Council in March agreed."
    assert [text[start:end] for start, end in organization_phrases(fold(text))] == [
        "European Commission",
    ]


def test_a_capitalised_dateline_is_not_an_acronym():
    suggested = suggest_actors(["LONDON -- The UN said the IAEA will visit."])
    assert [actor.name for actor in suggested.actors] == [
        "International Atomic Energy Agency",
        "United Nations",
    ]


def test_people_named_beside_a_reporting_verb_are_suggested():
    suggested = suggest_actors(
        [
            "Rym Momtaz said the plan was risky. Ivo Daalder, wrote that it was bold. The "
            "Foreign Office said no, according to Marine Le Pen. On Monday Paris said yes."
        ]
    )
    assert [(actor.name, actor.type) for actor in suggested.actors] == [
        ("Foreign Office", "organization"),
        ("Ivo Daalder", "person"),
        ("Marine Le Pen", "person"),
        ("Rym Momtaz", "person"),
    ]


def test_a_surname_two_people_share_is_an_alias_of_neither():
    suggested = suggest_actors(
        ["Prime Minister Keir Starmer met Defence Secretary Jane Starmer. Starmer said no."]
    )
    assert [(actor.name, actor.aliases) for actor in suggested.actors] == [
        ("Jane Starmer", ["Jane Starmer", "Defence Secretary Jane Starmer"]),
        ("Keir Starmer", ["Keir Starmer", "Prime Minister Keir Starmer"]),
    ]


def test_a_base_gazetteer_name_found_by_another_rule_is_the_base_actor():
    suggested = suggest_actors(
        ["The plan, said United States officials. EU troops and the Foreign Office said no."]
    )
    assert [(actor.name, actor.type, actor.aliases) for actor in suggested.actors] == [
        ("European Union", "organization", list(base().actor("European Union").aliases)),
        ("Foreign Office", "organization", ["Foreign Office"]),
        ("United States", "country", list(base().actor("United States").aliases)),
    ]


def test_no_actor_in_the_articles_is_an_error():
    with pytest.raises(SuggestionError) as caught:
        suggest_actors(["it rained all day.", "nobody came."])
    assert str(caught.value) == "no actor is named at least 1 time in the 2 articles"


def test_the_suggested_file_is_a_gazetteer_with_counts_and_examples_as_comments(tmp_path):
    path = tmp_path / "actors.yaml"
    path.write_text(render_suggestions(suggest_actors(CORPUS)), encoding="utf-8")
    loaded = load_gazetteer(path)
    assert loaded.actor("Keir Starmer").aliases == (
        "Keir Starmer",
        "Prime Minister Keir Starmer",
        "Starmer",
    )
    text = path.read_text(encoding="utf-8")
    assert "  # 6 mentions\n  # e.g. Starmer meets allies\n  - name: Keir Starmer\n" in text


def write_articles(folder, texts=CORPUS):
    folder.mkdir()
    for number, text in enumerate(texts):
        (folder / f"{number:03d}.txt").write_text(text + "\n", encoding="utf-8")
    return folder


def run(*args: object):
    return CliRunner().invoke(cli, [str(arg) for arg in args])


def test_gazetteer_suggest_writes_a_file_that_the_pre_annotator_accepts(tmp_path):
    output = tmp_path / "actors.yaml"
    result = run("gazetteer", "suggest", SEED_ARTICLES, "-o", output)
    assert result.exit_code == 0, result.output
    suggested = load_gazetteer(output)
    assert result.output == f"wrote {len(suggested.actors)} actors to {output}\n"
    assert suggested.actor("Emmanuel Macron").type == "person"
    assert "Macron" in suggested.actor("Emmanuel Macron").aliases
    text = next(iter(ingest([SEED_ARTICLES]).articles)).text
    assert Preannotator(suggested, TAXONOMY).spans(text)


def test_gazetteer_suggest_keeps_actors_named_at_least_min_count_times(tmp_path):
    output = tmp_path / "actors.yaml"
    articles = write_articles(tmp_path / "articles")
    result = run("gazetteer", "suggest", articles, "-o", output, "--min-count", "3")
    assert result.exit_code == 0, result.output
    assert [actor.name for actor in load_gazetteer(output).actors] == [
        "Keir Starmer",
        "John Healey",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--min-count", "0"), "Invalid value for '--min-count': 0 is not in the range x>=1."),
        (("--min-count", "x"), "Invalid value for '--min-count': 'x' is not a valid integer"),
    ],
)
def test_gazetteer_suggest_refuses_a_bad_minimum(tmp_path, args, message):
    output = tmp_path / "actors.yaml"
    result = run("gazetteer", "suggest", write_articles(tmp_path / "a"), "-o", output, *args)
    assert result.exit_code == 2 and message in result.output
    assert not output.exists()


def test_gazetteer_suggest_without_actors_writes_nothing(tmp_path):
    output = tmp_path / "actors.yaml"
    articles = write_articles(tmp_path / "articles", ("Rain\nit rained all day.",))
    result = run("gazetteer", "suggest", articles, "-o", output)
    assert result.exit_code == 1
    assert result.output == "Error: no actor is named at least 1 time in the 1 article\n"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["articles"]


def test_gazetteer_suggest_replaces_an_output_only_with_force(tmp_path):
    output = tmp_path / "actors.yaml"
    output.write_text("mine\n", encoding="utf-8")
    articles = write_articles(tmp_path / "articles")
    result = run("gazetteer", "suggest", articles, "-o", output)
    assert result.exit_code == 1
    assert result.output == f"Error: {output}: exists (pass --force to replace it)\n"
    assert output.read_text(encoding="utf-8") == "mine\n"
    assert run("gazetteer", "suggest", articles, "-o", output, "--force").exit_code == 0
    assert load_gazetteer(output).actors[0].name == "Keir Starmer"


def test_gazetteer_suggest_refuses_an_output_inside_its_articles(tmp_path):
    articles = write_articles(tmp_path / "articles")
    output = articles / "actors.yaml"
    result = run("gazetteer", "suggest", articles, "-o", output)
    assert result.exit_code == 1
    assert result.output == (
        f"Error: {output}: the output lies inside the articles {articles}; "
        "choose an output outside the inputs\n"
    )
    assert not output.exists()


# The command line as `stancepack` runs it (its main(), which turns SIGTERM into an exit).
STANCEPACK = [sys.executable, "-m", "stancepack.cli"]


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_mid_suggest_leaves_the_earlier_file_and_no_debris(tmp_path, signum):
    article = " ".join(CORPUS).replace("\n", " ")
    articles = write_articles(
        tmp_path / "articles", [f"Article {n}\n{n} {article}" for n in range(2000)]
    )
    output = tmp_path / "actors.yaml"
    output.write_text("mine\n", encoding="utf-8")
    command = [*STANCEPACK, "gazetteer", "suggest", str(articles), "-o", str(output), "--force"]
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not list(tmp_path.glob(".actors.yaml.stancepack-*")):
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "no staging file appeared"
        time.sleep(0.02)
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == {signal.SIGINT: 1, signal.SIGTERM: TERMINATED_EXIT}[signum]
    assert "Traceback" not in stderr
    assert output.read_text(encoding="utf-8") == "mine\n"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["actors.yaml", "articles"]
