"""The taxonomy: the proposition, actor types, stances, roles and relations, loaded from data.

Every vocabulary in stancepack comes from one `Taxonomy` object, loaded from a YAML file
(the packaged default, or a user's own with ``--taxonomy FILE``). Loading validates the
file and names the file, the entry and the problem when something is wrong.

Each stance declares a ``polarity`` towards the proposition: ``positive``, ``negative`` or
``none``. Discourse networks read it to tell which stances are in conflict. A stance that
declares no polarity (a taxonomy file written before polarities existed) gets ``none``;
the polarity is part of the taxonomy's content, hence of its version.

Each role may declare the words that propose it to the pre-annotator: ``keywords``
(literal surface forms, matched as whole words whatever their case; spell out each
spelling: "demining", "de-mining", "mine clearance") and ``weak_keywords`` (forms that
propose the role only in a sentence holding one of the ``weak_keyword_cues``). No form
belongs to two roles. A taxonomy whose roles declare no keywords is valid: the
pre-annotator then proposes no roles.

An optional top-level ``preannotation`` mapping adds words to the pre-annotator's
packaged language lists (``PREANNOTATION_LISTS``: title heads, unnamed officials,
government words, negation cues, ...), e.g. ``preannotation: {title_heads: [Rapporteur]}``,
and lists the debate's ``weak_keyword_cues``.

An optional top-level ``introductions`` mapping gives the codebook's introduction to a
vocabulary's section, by vocabulary name, e.g. ``introductions: {roles: Tasks the actor
proposes.}``; a section not listed gets the codebook's generic introduction. A taxonomy
that declares no introductions has the version it had before introductions existed.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from stancepack.ground.errors import TaxonomyError
from stancepack.ground.yamlfile import read_yaml

DEFAULT_TAXONOMY_PATH = Path(__file__).with_name("taxonomy.yaml")

VOCABULARIES = ("actor_types", "stances", "roles", "relations")

# Values become XML attribute values in the labeling config, parquet ClassLabel names and
# column values: keep them to a plain, portable alphabet.
SAFE_VALUE = re.compile(r"^[a-z][a-z0-9_]*$")
MAX_VALUE_LENGTH = 40

POSITIVE = "positive"
NEGATIVE = "negative"
NO_POLARITY = "none"
POLARITIES = (POSITIVE, NEGATIVE, NO_POLARITY)

# The role keys that list the words proposing a role.
KEYWORD_KEYS = ("keywords", "weak_keywords")
# The lists of the pre-annotator's language rules a taxonomy may add words to (its
# ``preannotation`` mapping); the packaged rules file declares each of them.
PREANNOTATION_LISTS = (
    "title_heads",
    "office_titles",
    "unnamed_officials",
    "unnamed_sources",
    "government_words",
    "function_words",
    "name_particles",
    "place_prepositions",
    "object_prepositions",
    "determiners",
    "modified_nouns",
    "pronouns",
    "personal_pronouns",
    "negation_cues",
    "negation_resets",
    "weak_keyword_cues",
    "position_verbs",
    "group_quantifiers",
    "group_modifiers",
    "group_heads",
)


@dataclass(frozen=True)
class Category:
    """One value of a vocabulary, with its codebook definition and quoted examples."""

    value: str
    definition: str
    examples: tuple[str, ...]


@dataclass(frozen=True)
class Stance(Category):
    """A stance value, with its polarity towards the proposition (one of ``POLARITIES``)."""

    polarity: str = NO_POLARITY


@dataclass(frozen=True)
class Role(Category):
    """A role value, with the words that propose it to the pre-annotator."""

    keywords: tuple[str, ...] = ()
    weak_keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class Taxonomy:
    """The proposition being judged and the four vocabularies annotators use."""

    name: str
    title: str
    proposition: str
    mention_rules: tuple[str, ...]
    actor_types: tuple[Category, ...]
    stances: tuple[Stance, ...]
    roles: tuple[Category, ...]
    relations: tuple[Category, ...]
    preannotation: dict[str, tuple[str, ...]] = field(default_factory=dict, hash=False)
    introductions: dict[str, str] = field(default_factory=dict, hash=False)
    source: str = ""

    def values(self, vocabulary: str) -> list[str]:
        """The values of one vocabulary (``actor_types``, ``stances``, ...), in file order."""
        return [category.value for category in getattr(self, vocabulary)]

    def polarity(self, stance: str) -> str:
        """The polarity of a stance value (``none`` for a value the taxonomy does not list)."""
        for category in self.stances:
            if category.value == stance:
                return getattr(category, "polarity", NO_POLARITY)
        return NO_POLARITY

    @property
    def actor_type_values(self) -> list[str]:
        return self.values("actor_types")

    @property
    def stance_values(self) -> list[str]:
        return self.values("stances")

    @property
    def role_values(self) -> list[str]:
        return self.values("roles")

    @property
    def relation_values(self) -> list[str]:
        return self.values("relations")

    def content(self) -> dict[str, Any]:
        """Everything that defines the taxonomy, as plain data (the source path excluded, and
        the introductions when it declares none)."""
        data = asdict(self)
        data.pop("source")
        if not self.introductions:
            data.pop("introductions")
        return data

    @property
    def version(self) -> str:
        """A stable hash of every label and definition: changes when any of them changes."""
        canonical = json.dumps(self.content(), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:12]

    def summary(self) -> dict[str, Any]:
        """The vocabularies and version, as ``stancepack schema show --format json`` prints them."""
        return {
            "name": self.name,
            "proposition": self.proposition,
            "version": self.version,
            **{vocabulary: self.values(vocabulary) for vocabulary in VOCABULARIES},
        }


def taxonomy_from_content(content: dict[str, Any]) -> Taxonomy:
    """Rebuild a Taxonomy from ``Taxonomy.content()`` (as a dataset's facts store it).

    Content recorded before stances had a polarity gives every stance ``none``; before
    roles had keywords, every role has none; without introductions, the taxonomy declares
    none."""
    vocabularies: dict[str, Any] = {
        name: tuple(
            Category(item["value"], item["definition"], tuple(item["examples"]))
            for item in content[name]
        )
        for name in VOCABULARIES
    }
    vocabularies["stances"] = tuple(
        Stance(
            item["value"],
            item["definition"],
            tuple(item["examples"]),
            item.get("polarity", NO_POLARITY),
        )
        for item in content["stances"]
    )
    vocabularies["roles"] = tuple(
        Role(
            item["value"],
            item["definition"],
            tuple(item["examples"]),
            *(tuple(item.get(key, ())) for key in KEYWORD_KEYS),
        )
        for item in content["roles"]
    )
    return Taxonomy(
        name=content["name"],
        title=content["title"],
        proposition=content["proposition"],
        mention_rules=tuple(content["mention_rules"]),
        preannotation={
            key: tuple(words) for key, words in content.get("preannotation", {}).items()
        },
        introductions=dict(content.get("introductions", {})),
        **vocabularies,
    )


def load_taxonomy(path: str | Path | None = None) -> Taxonomy:
    """Load and validate a taxonomy file; the packaged default when ``path`` is None."""
    if path is None:
        return _default_taxonomy()
    return _load(Path(path))


@cache
def _default_taxonomy() -> Taxonomy:
    return _load(DEFAULT_TAXONOMY_PATH)


def _load(path: Path) -> Taxonomy:
    raw = read_yaml(path, TaxonomyError, "taxonomy")
    where = str(path)
    if not isinstance(raw, dict):
        raise TaxonomyError(f"{where}: expected a mapping at the top level")
    vocabularies: dict[str, Any] = {name: _categories(raw, name, where) for name in VOCABULARIES}
    _check_keywords_unique(vocabularies["roles"], where)
    return Taxonomy(
        name=_text(raw, "name", where),
        title=_text(raw, "title", where),
        proposition=_text(raw, "proposition", where),
        mention_rules=tuple(_text_list(raw, "mention_rules", where)),
        preannotation=_preannotation(raw.get("preannotation"), where),
        introductions=_introductions(raw.get("introductions"), where),
        source=where,
        **vocabularies,
    )


def _text(raw: dict[str, Any], key: str, where: str) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        raise TaxonomyError(f"{where}: {key}: must be a non-empty string")
    return value.strip()


def _text_list(raw: dict[str, Any], key: str, where: str) -> list[str]:
    items = raw.get(key)
    if not isinstance(items, list) or not items:
        raise TaxonomyError(f"{where}: {key}: must be a non-empty list")
    texts = []
    for index, item in enumerate(items):
        if not isinstance(item, str) or not item.strip():
            raise TaxonomyError(f"{where}: {key}[{index}]: must be a non-empty string")
        texts.append(item.strip())
    return texts


def _categories(raw: dict[str, Any], vocabulary: str, where: str) -> tuple[Category, ...]:
    """The entries of one vocabulary; stances carry their polarity."""
    entries = raw.get(vocabulary)
    if not isinstance(entries, list) or not entries:
        raise TaxonomyError(f"{where}: {vocabulary}: must be a non-empty list")
    categories: list[Category] = []
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        entry_name = f"{vocabulary}[{index}]"
        category = _category(entry, f"{where}: {entry_name}")
        if vocabulary == "stances":
            category = _stance(category, entry, f"{where}: {entry_name}")
        elif "polarity" in entry:
            raise TaxonomyError(
                f"{where}: {entry_name} ({category.value}): polarity: only stances have one"
            )
        if vocabulary == "roles":
            category = _role(category, entry, f"{where}: {entry_name}")
        elif any(key in entry for key in KEYWORD_KEYS):
            key = next(key for key in KEYWORD_KEYS if key in entry)
            raise TaxonomyError(
                f"{where}: {entry_name} ({category.value}): {key}: only roles have them"
            )
        if category.value in seen:
            raise TaxonomyError(
                f"{where}: {entry_name}: duplicate value {category.value!r} in {vocabulary}"
            )
        seen.add(category.value)
        categories.append(category)
    return tuple(categories)


def _category(entry: Any, where: str) -> Category:
    if not isinstance(entry, dict):
        raise TaxonomyError(f"{where}: must be a mapping with value, definition, examples")
    value = entry.get("value")
    if not isinstance(value, str) or not value.strip():
        raise TaxonomyError(f"{where}: value: must be a non-empty string")
    _check_safe_value(value, where)
    definition = entry.get("definition")
    if not isinstance(definition, str) or not definition.strip():
        raise TaxonomyError(f"{where} ({value}): definition: must be a non-empty string")
    examples = entry.get("examples")
    if not isinstance(examples, list) or not examples:
        raise TaxonomyError(f"{where} ({value}): examples: must list at least one example")
    if not all(isinstance(example, str) and example.strip() for example in examples):
        raise TaxonomyError(f"{where} ({value}): examples: every example must be non-empty text")
    return Category(
        value=value,
        definition=definition.strip(),
        examples=tuple(example.strip() for example in examples),
    )


def _stance(category: Category, entry: dict[str, Any], where: str) -> Stance:
    polarity = entry.get("polarity", NO_POLARITY)
    if polarity not in POLARITIES:
        raise TaxonomyError(
            f"{where} ({category.value}): polarity: must be one of {', '.join(POLARITIES)} "
            f"(got {polarity!r})"
        )
    return Stance(category.value, category.definition, category.examples, polarity)


def _role(category: Category, entry: dict[str, Any], where: str) -> Role:
    lists = (
        _words(entry.get(key, []), f"{where} ({category.value}): {key}") for key in KEYWORD_KEYS
    )
    return Role(category.value, category.definition, category.examples, *lists)


def _words(value: Any, where: str) -> tuple[str, ...]:
    """A list of words or phrases, each once (whatever its case), spaces normalised."""
    if not isinstance(value, list):
        raise TaxonomyError(f"{where}: must be a list of non-empty strings")
    words: list[str] = []
    for index, item in enumerate(value):
        if not isinstance(item, str) or not item.strip():
            raise TaxonomyError(f"{where}[{index}]: must be a non-empty string")
        word = " ".join(item.split())
        if word.casefold() in (seen.casefold() for seen in words):
            raise TaxonomyError(f"{where}: {word!r} is listed twice")
        words.append(word)
    return tuple(words)


def _check_keywords_unique(roles: tuple[Category, ...], where: str) -> None:
    """No keyword (strong or weak, whatever its case) proposes two roles."""
    owner: dict[str, str] = {}
    for index, role in enumerate(roles):
        for key in KEYWORD_KEYS:
            for word in getattr(role, key, ()):
                first = owner.setdefault(word.casefold(), role.value)
                if first != role.value:
                    raise TaxonomyError(
                        f"{where}: roles[{index}] ({role.value}): {key}: {word!r} is also a "
                        f"keyword of role {first!r}"
                    )


def _known_mapping(
    value: Any, where: str, shape: str, item: str, known: tuple[str, ...]
) -> dict[Any, Any]:
    """``value`` as a mapping whose keys are all ``known`` (``{}`` when it is absent); a
    ``TaxonomyError`` naming ``where`` when it is no mapping (it ``must be {shape}``) or
    has another key (an unknown ``item``)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise TaxonomyError(f"{where}: must be {shape}")
    unknown = sorted(str(key) for key in value if key not in known)
    if unknown:
        raise TaxonomyError(f"{where}: unknown {item} {unknown[0]!r} (known: {', '.join(known)})")
    return value


def _preannotation(value: Any, where: str) -> dict[str, tuple[str, ...]]:
    """The words a taxonomy adds to the pre-annotator's language lists."""
    where = f"{where}: preannotation"
    lists = _known_mapping(value, where, "a mapping of lists of words", "list", PREANNOTATION_LISTS)
    return {
        key: _words(lists[key], f"{where}: {key}") for key in PREANNOTATION_LISTS if key in lists
    }


def _introductions(value: Any, where: str) -> dict[str, str]:
    """The codebook introductions a taxonomy declares, by vocabulary, in vocabulary order."""
    where = f"{where}: introductions"
    shape = "a mapping of vocabulary names to text"
    texts = _known_mapping(value, where, shape, "vocabulary", VOCABULARIES)
    return {
        vocabulary: _text(texts, vocabulary, where)
        for vocabulary in VOCABULARIES
        if vocabulary in texts
    }


def _check_safe_value(value: str, where: str) -> None:
    unsafe = sorted({character for character in value if character in "<>&\"'"})
    if unsafe:
        shown = " ".join(unsafe)
        raise TaxonomyError(
            f"{where}: value {value!r} contains {shown}, which would break the labeling config"
        )
    if len(value) > MAX_VALUE_LENGTH or not SAFE_VALUE.match(value):
        raise TaxonomyError(
            f"{where}: value {value!r} must be lower-case letters, digits and _ "
            f"(starting with a letter, at most {MAX_VALUE_LENGTH} characters)"
        )
