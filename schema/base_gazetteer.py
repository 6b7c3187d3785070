"""The packaged base gazetteer: every country and the major international organisations.

It is built when loaded, from data installed with the package, and validated as any
gazetteer file is (``gazetteer_from_data``):

- countries: every country of ISO 3166-1 as the installed ``pycountry`` lists it, with
  pycountry's short name, official name and common name as its names. The inverted list
  forms of ISO ("Korea, Republic of", "Virgin Islands, British") are left out: news never
  write them. The canonical name is pycountry's common name, else its short name.
- ``NEWS_NAMES`` (below, written by hand): the canonical name where news use another than
  ISO's ("Russia" for "Russian Federation") and the forms news write that no library lists
  ("US", "U.S.", "Britain", "Turkey", "Ivory Coast", "DRC").
- organisations: ``organizations.yaml`` beside this module (written by hand).

Neither pycountry nor country_converter has demonyms or capitals, so no country here has
them ("the Italian government", "Paris would not risk" need a gazetteer that lists them);
country_converter's short names differ from pycountry's names only where ``NEWS_NAMES``
already gives the news name.

A form that would name two actors (accents and quotes folded) is ambiguous and is dropped
from both; two actors with the same canonical name are an error.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import asdict
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

import pycountry

from stancepack.schema.gazetteer import (
    Actor,
    Gazetteer,
    GazetteerError,
    fold,
    gazetteer_from_data,
    load_gazetteer,
)
from stancepack.schema.taxonomy import Taxonomy

ORGANIZATIONS_PATH = Path(__file__).with_name("organizations.yaml")
BASE_GAZETTEER_SOURCE = "the packaged base gazetteer"
COUNTRY_TYPE = "country"
# "Korea, Republic of", "Palestine, State of", "Virgin Islands, British": the part after
# the comma has "of" or is one word ("Bonaire, Sint Eustatius and Saba" is a name).
INVERTED_ISO_NAME = re.compile(r", (?:.*\bof\b.*|\S+)$")


class NewsName(NamedTuple):
    """The canonical name news use ("" keeps ISO's) and forms no library lists."""

    name: str = ""
    aliases: tuple[str, ...] = ()


# By ISO 3166-1 alpha-2 code.
NEWS_NAMES = {
    "AE": NewsName(aliases=("UAE",)),
    "BN": NewsName(name="Brunei", aliases=("Brunei",)),
    "CC": NewsName(aliases=("Cocos Islands",)),
    "CD": NewsName(name="Democratic Republic of the Congo", aliases=("DR Congo", "DRC")),
    "CG": NewsName(name="Republic of the Congo"),
    "CI": NewsName(aliases=("Ivory Coast",)),
    "CV": NewsName(aliases=("Cape Verde",)),
    "FK": NewsName(name="Falkland Islands", aliases=("Falklands",)),
    "GB": NewsName(aliases=("UK", "U.K.", "Britain", "Great Britain")),
    "MF": NewsName(name="Saint Martin"),
    "MM": NewsName(aliases=("Burma",)),
    "PS": NewsName(name="Palestine", aliases=("State of Palestine",)),
    "RU": NewsName(name="Russia"),
    "SX": NewsName(name="Sint Maarten"),
    "TL": NewsName(aliases=("East Timor",)),
    "TR": NewsName(aliases=("Turkey",)),
    "US": NewsName(aliases=("US", "U.S.", "USA", "U.S.A.")),
    "VA": NewsName(name="Vatican City", aliases=("Vatican", "Holy See")),
    "VI": NewsName(aliases=("US Virgin Islands", "U.S. Virgin Islands")),
}


def load_base_gazetteer(taxonomy: Taxonomy | None = None) -> Gazetteer:
    """Every country and the major international organisations, validated against
    ``taxonomy`` (default: the packaged one)."""
    organizations = load_gazetteer(ORGANIZATIONS_PATH, taxonomy)
    entries = [*country_entries(), *(entry_of(actor) for actor in organizations.actors)]
    return gazetteer_from_data({"actors": unambiguous(entries)}, BASE_GAZETTEER_SOURCE, taxonomy)


@cache
def country_entries() -> tuple[dict[str, Any], ...]:
    """A gazetteer entry for each ISO 3166-1 country, by canonical name."""
    entries = (_country_entry(country) for country in pycountry.countries)
    return tuple(sorted(entries, key=lambda entry: entry["name"]))


def _country_entry(country: Any) -> dict[str, Any]:
    canonical = country_name(country)
    news = NEWS_NAMES.get(country.alpha_2, NewsName())
    forms = dict.fromkeys((canonical, *_iso_names(country), *news.aliases))
    return {"name": canonical, "type": COUNTRY_TYPE, "aliases": list(forms)}


def country_name(country: Any) -> str:
    """The canonical name of a pycountry country record."""
    news = NEWS_NAMES.get(country.alpha_2, NewsName())
    fallback = [*_iso_names(country), _attribute(country, "name")]
    return news.name or _attribute(country, "common_name") or fallback[0]


def _iso_names(country: Any) -> list[str]:
    """pycountry's names of ``country`` as news could write them (inverted forms left out)."""
    names = (_attribute(country, key) for key in ("name", "official_name", "common_name"))
    return [name for name in names if name and not INVERTED_ISO_NAME.search(name)]


def _attribute(country: Any, key: str) -> str:
    """A name of pycountry's record, without the article some begin with ("the State of
    Palestine")."""
    value = getattr(country, key, None) or ""
    return value.removeprefix("the ")


def entry_of(actor: Actor) -> dict[str, Any]:
    """The gazetteer file entry of ``actor`` (empty fields left out)."""
    return {
        key: list(value) if isinstance(value, tuple) else value
        for key, value in asdict(actor).items()
        if value
    }


def unambiguous(
    entries: list[dict[str, Any]], where: str = BASE_GAZETTEER_SOURCE
) -> list[dict[str, Any]]:
    """``entries`` (read from ``where``) without the forms that name more than one of them."""
    owners: dict[str, set[str]] = defaultdict(set)
    for entry in entries:
        for form in (*entry["aliases"], *entry.get("demonyms", ())):
            owners[fold(form)].add(entry["name"])
    shared = {form for form, names in owners.items() if len(names) > 1}
    for entry in entries:
        if fold(entry["name"]) in shared:
            raise GazetteerError(f"{where}: {entry['name']!r} is the name of more than one actor")
    return [_without_forms(entry, shared) for entry in entries]


def _without_forms(entry: dict[str, Any], forms: set[str]) -> dict[str, Any]:
    kept = dict(entry)
    for key in ("aliases", "demonyms"):
        if key in entry:
            kept[key] = [form for form in entry[key] if fold(form) not in forms]
    return kept
