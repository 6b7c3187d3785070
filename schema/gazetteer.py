"""The actor gazetteer: canonical actors with their type, affiliation and surface forms.

A YAML file (``data/actors.yaml``) lists ``actors``, each with a canonical ``name``, a
``type`` from the taxonomy's actor types, an optional ``affiliation`` (the name of another
actor of the gazetteer), ``aliases`` (surface forms as articles write them), optional
``demonyms`` (countries only: "French", "Slovak") and an optional Wikidata id. Loading
validates every entry and names the file, the entry and the problem when one is wrong.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path
from typing import Any

from stancepack.ground.errors import StancepackError
from stancepack.ground.yamlfile import read_yaml
from stancepack.schema.taxonomy import Taxonomy, load_taxonomy

ENTRY_KEYS = ("name", "type", "affiliation", "aliases", "demonyms", "wikidata")
REQUIRED_KEYS = ("name", "type", "aliases")
WIKIDATA_ID = re.compile(r"^Q[1-9][0-9]*$")
# Only a country has demonyms ("the Italian government", "Slovak Prime Minister").
DEMONYM_TYPE = "country"
# Typographic characters that match their plain forms.
FOLDED_PUNCTUATION = {"’": "'", "‘": "'", "“": '"', "”": '"'}
# Folding changes no ASCII character.
ASCII_BYTES = bytes(range(0x80))


class GazetteerError(StancepackError):
    """The actor gazetteer is missing, malformed or has an invalid entry."""


@dataclass(frozen=True)
class Actor:
    """One actor: canonical name, type, affiliation and the forms that name it."""

    name: str
    type: str
    affiliation: str
    aliases: tuple[str, ...]
    demonyms: tuple[str, ...] = ()
    wikidata: str = ""

    @property
    def surface_forms(self) -> tuple[str, ...]:
        """The canonical name and every alias, each once, in file order."""
        return tuple(dict.fromkeys((self.name, *self.aliases)))


@dataclass(frozen=True)
class Gazetteer:
    actors: tuple[Actor, ...]
    source: str = ""

    def content(self) -> list[dict[str, Any]]:
        """Every entry as plain data, in file order (the source path excluded)."""
        return [asdict(actor) for actor in self.actors]

    @property
    def version(self) -> str:
        """A stable hash of every entry: changes when any name, alias or field changes."""
        canonical = json.dumps(self.content(), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:12]

    def canonical_names(self) -> dict[str, str]:
        """Every name and alias mapped to its actor's canonical name."""
        return {form: actor.name for actor in self.actors for form in actor.surface_forms}

    def actor(self, name: str) -> Actor:
        """The actor with canonical ``name``; KeyError when there is none."""
        for actor in self.actors:
            if actor.name == name:
                return actor
        raise KeyError(name)


def fold(text: str) -> str:
    """``text`` with accents and typographic quotes removed, one character for one, so
    that offsets into the folded text are offsets into ``text`` ("Séjourné’s" ->
    "Sejourne's"). Names are matched on folded text; case is kept."""
    if text.isascii():
        return text
    # each character that folding changes, replaced everywhere at once (a text holds few
    # distinct ones)
    for character in set(_non_ascii(text)):
        folded = _fold_character(character)
        if folded != character:
            text = text.replace(character, folded)
    return text


def _non_ascii(text: str) -> str:
    """The characters of ``text`` beyond ASCII, in order (its UTF-8 without the ASCII
    bytes: much faster than a regex's scan)."""
    encoded = text.encode("utf-8", "surrogatepass")
    return encoded.translate(None, ASCII_BYTES).decode("utf-8", "surrogatepass")


@cache
def _fold_character(character: str) -> str:
    if character in FOLDED_PUNCTUATION:
        return FOLDED_PUNCTUATION[character]
    base = unicodedata.normalize("NFD", character)[0]
    return base if base.isalpha() else character


def load_gazetteer(path: str | Path, taxonomy: Taxonomy | None = None) -> Gazetteer:
    """Load and validate a gazetteer file against ``taxonomy`` (default: the packaged one)."""
    raw = read_yaml(Path(path), GazetteerError, "gazetteer")
    return gazetteer_from_data(raw, str(path), taxonomy)


def gazetteer_from_data(raw: Any, where: str, taxonomy: Taxonomy | None = None) -> Gazetteer:
    """Validate gazetteer data (the content of a gazetteer file) read from ``where``."""
    taxonomy = taxonomy or load_taxonomy()
    if not isinstance(raw, dict) or not isinstance(raw.get("actors"), list):
        raise GazetteerError(f"{where}: expected a mapping with an 'actors' list at the top level")
    unknown = sorted(key for key in raw if key != "actors")
    if unknown:
        raise GazetteerError(f"{where}: unknown top-level key {unknown[0]!r} (known: actors)")
    if not raw["actors"]:
        raise GazetteerError(f"{where}: actors: must list at least one actor")
    actors = tuple(
        _actor(entry, f"{where}: actors[{index}]", taxonomy)
        for index, entry in enumerate(raw["actors"])
    )
    _check_unique_forms(actors, where)
    _check_affiliations(actors, where)
    return Gazetteer(actors=actors, source=where)


def _actor(entry: Any, where: str, taxonomy: Taxonomy) -> Actor:
    if not isinstance(entry, dict):
        raise GazetteerError(f"{where}: must be a mapping with name, type and aliases")
    name = _text(entry.get("name"), f"{where}: name")
    where = f"{where} ({name})"
    unknown = sorted(key for key in entry if key not in ENTRY_KEYS)
    if unknown:
        raise GazetteerError(
            f"{where}: unknown key {unknown[0]!r} (known: {', '.join(ENTRY_KEYS)})"
        )
    missing = [key for key in REQUIRED_KEYS if key not in entry]
    if missing:
        raise GazetteerError(f"{where}: {missing[0]}: missing")
    actor_type = _actor_type(entry["type"], where, taxonomy)
    demonyms = _text_list(entry.get("demonyms", []), f"{where}: demonyms", allow_empty=True)
    if demonyms and actor_type != DEMONYM_TYPE:
        raise GazetteerError(f"{where}: demonyms: only a {DEMONYM_TYPE} has demonyms")
    return Actor(
        name=name,
        type=actor_type,
        affiliation=_optional_text(entry.get("affiliation"), f"{where}: affiliation"),
        aliases=_text_list(entry["aliases"], f"{where}: aliases", allow_empty=False),
        demonyms=demonyms,
        wikidata=_wikidata(entry.get("wikidata"), where),
    )


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise GazetteerError(f"{where}: must be a non-empty string")
    return unicodedata.normalize("NFC", " ".join(value.split()))


def _optional_text(value: Any, where: str) -> str:
    return "" if value is None else _text(value, where)


def _text_list(value: Any, where: str, allow_empty: bool) -> tuple[str, ...]:
    if not isinstance(value, list) or (not value and not allow_empty):
        raise GazetteerError(f"{where}: must be a list of non-empty strings")
    texts = [_text(item, f"{where}[{index}]") for index, item in enumerate(value)]
    repeated = [text for index, text in enumerate(texts) if text in texts[:index]]
    if repeated:
        raise GazetteerError(f"{where}: {repeated[0]!r} is listed twice")
    return tuple(texts)


def _actor_type(value: Any, where: str, taxonomy: Taxonomy) -> str:
    types = taxonomy.actor_type_values
    if value not in types:
        raise GazetteerError(
            f"{where}: type {value!r} is not an actor type of the taxonomy ({', '.join(types)})"
        )
    return str(value)


def _wikidata(value: Any, where: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str) or not WIKIDATA_ID.match(value):
        raise GazetteerError(f"{where}: wikidata {value!r} must be a Wikidata id such as 'Q42'")
    return value


def _check_unique_forms(actors: tuple[Actor, ...], where: str) -> None:
    """A name, alias or demonym names one actor only (accents and quotes aside)."""
    owners: dict[str, tuple[int, Actor]] = {}
    for index, actor in enumerate(actors):
        for form in (*actor.surface_forms, *actor.demonyms):
            first = owners.setdefault(fold(form), (index, actor))
            if first[1] is not actor:
                raise GazetteerError(
                    f"{where}: actors[{index}] ({actor.name}): {form!r} also names "
                    f"actors[{first[0]}] ({first[1].name})"
                )


def _check_affiliations(actors: tuple[Actor, ...], where: str) -> None:
    names = {actor.name for actor in actors}
    for index, actor in enumerate(actors):
        if actor.affiliation and actor.affiliation not in names:
            raise GazetteerError(
                f"{where}: actors[{index}] ({actor.name}): affiliation {actor.affiliation!r} "
                "is not the name of an actor in the gazetteer"
            )
