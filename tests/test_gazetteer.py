"""The packaged base gazetteer: every country (pycountry) and the major international
organisations, loaded and validated as any gazetteer file."""

from __future__ import annotations

from functools import cache

import pycountry
import pytest

from stancepack.annotate.base_gazetteer import (
    BASE_GAZETTEER_SOURCE,
    ORGANIZATIONS_PATH,
    country_name,
    load_base_gazetteer,
    unambiguous,
)
from stancepack.annotate.gazetteer import Gazetteer, GazetteerError, fold
from stancepack.annotate.preannotate import Preannotator
from stancepack.schema.taxonomy import load_taxonomy
from tests.helpers import default_taxonomy_data, write_taxonomy

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
    spans = Preannotator(base(), TAXONOMY).spans(text)
    assert [(text[s.start : s.end], s.name) for s in spans if s.rule == "gazetteer"] == [
        ("NATO", "NATO"),
        ("Federal Republic of Germany", "Germany"),
        ("US", "United States"),
        ("EU", "European Union"),
        ("G7", "G7"),
    ]
    assert ("Germany’s chancellor", "unnamed") in [(text[s.start : s.end], s.rule) for s in spans]
