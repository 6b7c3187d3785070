"""Any valid taxonomy gives a working pre-annotator: taxonomies of other debates, none of
whose roles is a role of the seed taxonomy, pre-annotate news texts written for them
(never seen when the rules were written), end to end through ``Preannotator``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from stancepack.annotate.preannotate import Preannotator, Span
from stancepack.schema.base_gazetteer import load_base_gazetteer
from stancepack.schema.gazetteer import load_gazetteer
from stancepack.schema.taxonomy import Taxonomy, load_taxonomy
from tests.helpers import default_taxonomy_data, write_taxonomy


def role(value: str, keywords: list[str], weak: list[str] | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "value": value,
        "definition": f"The {value.replace('_', ' ')} argument.",
        "examples": [f"An example of {value}."],
        "keywords": keywords,
    }
    if weak:
        entry["weak_keywords"] = weak
    return entry


def taxonomy_of(tmp_path: Path, proposition: str, roles: list[dict[str, Any]], **extra: Any):
    data = default_taxonomy_data()
    data.update(name="other-debate", title=proposition, proposition=proposition, roles=roles)
    data.pop("preannotation", None)
    data.update(extra)
    return load_taxonomy(write_taxonomy(tmp_path / "taxonomy.yaml", data))


def proposals(annotator: Preannotator, text: str) -> list[tuple[str, str, str, tuple[str, ...]]]:
    return [described(text, span) for span in annotator.spans(text)]


def described(text: str, span: Span) -> tuple[str, str, str, tuple[str, ...]]:
    return (text[span.start : span.end], span.type, span.name, span.roles)


# --- nuclear power in the EU taxonomy: roles climate, cost, safety -----------------------

NUCLEAR_ROLES = [
    role("climate", ["carbon emissions", "low-carbon", "net zero", "climate targets"]),
    role("cost", ["construction costs", "cost overruns", "electricity prices", "too expensive"]),
    role("safety", ["radioactive waste", "nuclear waste", "safety risk", "accidents"]),
]
NUCLEAR_TEXT = (
    "Austrian Climate Minister Leonore Gewessler said on Tuesday that Austria would take "
    "the European Commission to court, warning that radioactive waste remains a safety "
    "risk for generations.\n"
    "France and Finland argued that nuclear plants are low-carbon and help meet climate "
    "targets.\n"
    "Germany's economy minister said the construction costs were too expensive for "
    "investors, but did not mention accidents.\n"
    "The vote was held in Brussels, and observers in Spain expect a legal challenge."
)


def nuclear_taxonomy(tmp_path: Path) -> Taxonomy:
    return taxonomy_of(
        tmp_path,
        "Nuclear power should count as a sustainable investment in the EU taxonomy",
        NUCLEAR_ROLES,
        preannotation={"office_titles": ["economy minister"]},
    )


def test_a_nuclear_power_taxonomy_pre_annotates_with_its_own_roles(tmp_path):
    taxonomy = nuclear_taxonomy(tmp_path)
    assert not set(taxonomy.role_values) & set(load_taxonomy().role_values)
    annotator = Preannotator(load_base_gazetteer(taxonomy), taxonomy)
    assert proposals(annotator, NUCLEAR_TEXT) == [
        ("Austrian Climate Minister Leonore Gewessler", "person", "Leonore Gewessler", ("safety",)),
        ("Austria", "country", "Austria", ()),
        ("European Commission", "organization", "European Commission", ()),
        ("France", "country", "France", ("climate",)),
        ("Finland", "country", "Finland", ("climate",)),
        ("Germany's economy minister", "person", "", ("cost",)),
    ]


def test_the_taxonomy_s_extension_of_the_language_lists_is_what_finds_the_unnamed_minister(
    tmp_path,
):
    data = default_taxonomy_data()
    data.update(roles=NUCLEAR_ROLES)
    data.pop("preannotation")
    taxonomy = load_taxonomy(write_taxonomy(tmp_path / "plain.yaml", data))
    annotator = Preannotator(load_base_gazetteer(taxonomy), taxonomy)
    surfaces = [surface for surface, *_ in proposals(annotator, NUCLEAR_TEXT)]
    assert not any("economy minister" in surface for surface in surfaces)


# --- private cars in city centres: roles air_quality, congestion, business ----------------

CAR_ROLES = [
    role("air_quality", ["air pollution", "air quality", "nitrogen dioxide", "smog"]),
    role("congestion", ["traffic jams", "gridlock"], weak=["congestion", "traffic"]),
    role("business", ["shopkeepers", "retailers", "footfall"]),
]
CAR_TEXT = (
    "Paris Mayor Anne Hidalgo said the ban would cut air pollution and end the traffic "
    "jams on the quays.\n"
    "Councillor Maria Lopez warned that retailers in the centre would lose footfall.\n"
    "Friends of the Earth called for a ban on diesel cars to fight smog. The group said "
    "congestion was a side issue.\n"
    "A city official said the ban on cars would ease congestion, not hurt shopkeepers."
)
CAR_GAZETTEER = {
    "actors": [
        {"name": "Anne Hidalgo", "type": "person", "aliases": ["Hidalgo"]},
        {"name": "Friends of the Earth", "type": "organization", "aliases": ["FoE"]},
        {"name": "Paris city council", "type": "organization", "aliases": ["city"]},
    ]
}


def test_a_car_ban_taxonomy_with_its_own_title_words_and_cues(tmp_path):
    taxonomy = taxonomy_of(
        tmp_path,
        "Cities should ban private cars from their centres",
        CAR_ROLES,
        preannotation={"title_heads": ["Councillor"], "weak_keyword_cues": ["ban", "cars"]},
    )
    path = tmp_path / "actors.yaml"
    path.write_text(yaml.safe_dump(CAR_GAZETTEER), encoding="utf-8")
    annotator = Preannotator(load_gazetteer(path, taxonomy), taxonomy)
    assert proposals(annotator, CAR_TEXT) == [
        ("Paris Mayor Anne Hidalgo", "person", "Anne Hidalgo", ("air_quality", "congestion")),
        ("Councillor Maria Lopez", "person", "Maria Lopez", ("business",)),
        ("Friends of the Earth", "organization", "Friends of the Earth", ("air_quality",)),
        ("A city official", "person", "", ("congestion",)),
    ]
