"""The pre-annotator's rules as data: the packaged language lists and a taxonomy's words.

``rules_en.yaml`` beside this module holds the language lists (English): title heads,
office titles, unnamed officials, government words, function words, places, modifiers,
pronouns, negation cues and position verbs. A taxonomy adds words to any of them with
its ``preannotation`` mapping and declares the keywords of its roles
(``schema.taxonomy``). ``Rules`` holds the merged lists and the matchers built from them,
once per taxonomy.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from stancepack.annotate.matcher import lower
from stancepack.ground.errors import StancepackError
from stancepack.ground.yamlfile import read_yaml
from stancepack.schema.gazetteer import fold
from stancepack.schema.taxonomy import PREANNOTATION_LISTS, Taxonomy

RULES_PATH = Path(__file__).with_name("rules_en.yaml")
# A hyphen joins the words of a role keyword: "non-combat roles" holds no "combat roles",
# "cyber-attacks" no "cyber" (a cue such as "no" in "no-fly" counts).
KEYWORD_JOINERS = "-"

logger = logging.getLogger("stancepack")


class RulesError(StancepackError):
    """The packaged rules file is missing or malformed."""


@dataclass(frozen=True)
class RoleKeyword:
    """What a (lower-cased) role keyword proposes: its role, and whether it counts in any
    sentence (strong) or only in one that holds a weak-keyword cue."""

    role: str
    strong: bool


@cache
def packaged_lists() -> dict[str, tuple[str, ...]]:
    """The language lists of ``rules_en.yaml``, each checked to be a list of words."""
    raw = read_yaml(RULES_PATH, RulesError, "rules")
    if not isinstance(raw, dict) or sorted(raw) != sorted(PREANNOTATION_LISTS):
        raise RulesError(f"{RULES_PATH}: must map exactly {', '.join(PREANNOTATION_LISTS)}")
    lists = {}
    for key in PREANNOTATION_LISTS:
        words = raw[key]
        if not isinstance(words, list) or not all(isinstance(w, str) and w for w in words):
            raise RulesError(f"{RULES_PATH}: {key}: must be a list of non-empty strings")
        lists[key] = tuple(words)
    return lists


def merged_lists(taxonomy: Taxonomy) -> dict[str, tuple[str, ...]]:
    """The packaged lists with the words the taxonomy adds, each word once."""
    return {
        key: tuple(dict.fromkeys((*words, *taxonomy.preannotation.get(key, ()))))
        for key, words in packaged_lists().items()
    }


def role_keywords(taxonomy: Taxonomy) -> dict[str, RoleKeyword]:
    """Every keyword of the taxonomy's roles, folded and lower-cased, with its role."""
    keywords: dict[str, RoleKeyword] = {}
    for role in taxonomy.roles:
        for strong, key in ((True, "keywords"), (False, "weak_keywords")):
            for word in getattr(role, key, ()):
                keywords.setdefault(lower(fold(word)), RoleKeyword(role.value, strong))
    return keywords


def alternation(words: Iterable[str]) -> str:
    """A regex alternation of literal words, longest first."""
    return "|".join(re.escape(word) for word in sorted(set(words), key=lambda w: (-len(w), w)))


# The lists of words that qualify a role keyword in its sentence.
CUE_LISTS = ("weak_keyword_cues", "negation_cues", "negation_resets")


def cue_words(lists: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    """Every word of the cue lists (``CUE_LISTS``), lower-cased, with the lists it is in."""
    cues: dict[str, tuple[str, ...]] = {}
    for key in CUE_LISTS:
        for word in lists[key]:
            form = lower(fold(word))
            cues[form] = (*cues.get(form, ()), key)
    return cues


# How many modifiers a group head may have before it ("some key European countries").
GROUP_MODIFIERS = 3


def group_prefix(folded: dict[str, list[str]]) -> re.Pattern[str]:
    """What comes before a group head, up to it (search it in a window ending at the
    head): an optional quantifier and up to three modifiers (listed ones, or capitalised
    words), as the named groups ``quantifier`` and ``modifiers``."""
    quantifier = alternation(folded["group_quantifiers"])
    modifier = rf"(?:(?i:{alternation(folded['group_modifiers'])})|[A-Z][\w-]*)"
    return re.compile(
        rf"(?<![\w-])(?:(?P<quantifier>(?i:{quantifier})) )?"
        rf"(?P<modifiers>(?:{modifier} ){{0,{GROUP_MODIFIERS}}})\Z"
    )


def group_prefix_spaces(folded: dict[str, list[str]]) -> int:
    """The most spaces a group prefix (``group_prefix``) can hold: each of its words is
    followed by one, and a listed quantifier or modifier may hold spaces of its own."""
    quantifier = max((word.count(" ") for word in folded["group_quantifiers"]), default=0)
    modifier = max((word.count(" ") for word in folded["group_modifiers"]), default=0)
    return quantifier + 1 + GROUP_MODIFIERS * (modifier + 1)


def group_prefix_words(folded: dict[str, list[str]]) -> frozenset[str] | None:
    """The words (lower-cased) that the listed quantifiers and modifiers of a group
    prefix are made of; None when one is not ASCII (then a text's lower case does not
    tell what the pattern, ignoring case, matches)."""
    words = [*folded["group_quantifiers"], *folded["group_modifiers"]]
    if not all(word.isascii() for word in words):
        return None
    return frozenset(part for word in words for part in lower(word).split(" "))


def group_prefix_start(
    text: str, window: int, head_start: int, listed: frozenset[str] | None
) -> int:
    """Where a search for a group prefix (``group_prefix``) ending at ``head_start`` may
    begin, ``window`` at the earliest: a match is made of whole words (its first may begin
    inside one) each followed by one space, so none reaches back past a word that can be
    no part of one: neither capitalised (an ASCII capital first) nor one of the words of
    the listed quantifiers and modifiers (``listed``, see ``group_prefix_words``)."""
    position = head_start
    while listed is not None and position > window and text[position - 1] == " ":
        begin = max(window, text.rfind(" ", window, position - 1) + 1)
        word = text[begin : position - 1]
        capital = word[:1].isupper()
        if not (capital or not word.isascii() or lower(word) in listed):
            return begin
        position = begin
    return position if listed is not None else window


def source_prefixes(folded: dict[str, list[str]]) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """What comes before an unnamed source, up to it: "a" or "an" and an optional group
    modifier before the singular ("a senior official"); an optional modifier before the
    plural ("senior officials")."""
    modifier = alternation(folded["group_modifiers"])
    return (
        re.compile(rf"(?<![\w-])[Aa]n? (?:(?:{modifier}) )?\Z"),
        re.compile(rf"(?<![\w-])(?i:{modifier}) \Z"),
    )


def modified_noun_after(nouns: tuple[str, ...]) -> re.Pattern[str]:
    """A modified noun as the first or second word after a name, each word after one space
    ("NATO troops", "NATO ground troops"): the words of ``nouns`` that are single words."""
    words = [noun for noun in nouns if re.fullmatch(r"\w+", noun)]
    if not words:
        return re.compile(r"(?!)")  # nothing
    return re.compile(rf" (?:\w+ )?(?:{alternation(words)})(?!\w)")


# How far before a country's name the preposition that makes it a place or an object
# ("troops to Ukraine", "war with Russia") may begin.
PREPOSITION_WINDOW = 20


def preposition_before(folded: dict[str, list[str]], *keys: str) -> re.Pattern[str]:
    """A word of the lists ``keys`` and an optional determiner right before a name, each
    followed by a space ("troops to Ukraine", "war with the United States"), in either
    case: search it in the text before the name (``preposition_reach``)."""
    words = [word for key in keys for word in folded[key]]
    return re.compile(
        rf"(?<!\w)(?:{alternation(words)})(?: (?:{alternation(folded['determiners'])}))? $",
        re.IGNORECASE,
    )


def preposition_reach(folded: dict[str, list[str]], *keys: str) -> int:
    """How far before a name ``preposition_before`` (for the lists ``keys``) is searched:
    ``PREPOSITION_WINDOW``, or less when no match can be that long (a word of the lists,
    a space, a determiner and a space, and the line break that the pattern's end may come
    before)."""
    determiner = max((len(word) + 1 for word in folded["determiners"]), default=0)
    words = [len(word) for key in keys for word in folded[key]]
    return min(PREPOSITION_WINDOW, max(words, default=0) + determiner + 2)


def source_forms(folded: dict[str, list[str]]) -> dict[str, bool]:
    """Each unnamed-source word, lower-cased, and its plural, with whether it is plural."""
    singular = [lower(word) for word in folded["unnamed_sources"]]
    return {**dict.fromkeys(singular, False), **{f"{word}s": True for word in singular}}


@dataclass(frozen=True)
class LoweredWord:
    """What a folded, lower-cased word or phrase is to the rules: a role keyword, a group
    head, an unnamed source (``source_plural`` False or True; None when it is not one),
    a position verb."""

    keyword: RoleKeyword | None = None
    group_head: bool = False
    source_plural: bool | None = None
    position: bool = False


def lowered_words(
    keywords: dict[str, RoleKeyword],
    lists: dict[str, tuple[str, ...]],
    folded: dict[str, list[str]],
) -> dict[str, LoweredWord]:
    """Every word the rules look for in lower-cased text, found in one pass."""
    fields: dict[str, dict[str, Any]] = {}
    for form, keyword in keywords.items():
        fields.setdefault(form, {})["keyword"] = keyword
    for word in lists["group_heads"]:
        fields.setdefault(lower(fold(word)), {})["group_head"] = True
    for form, plural in source_forms(folded).items():
        fields.setdefault(form, {})["source_plural"] = plural
    for word in lists["position_verbs"]:
        fields.setdefault(lower(fold(word)), {})["position"] = True
    return {form: LoweredWord(**fields[form]) for form in sorted(fields)}


class WordAfter:
    """What follows a name in some rules: ``prefix`` and then a whole word of ``words``
    ("'s prime minister", " official", " government"). ``match`` tries the pattern only
    where the text goes on with the prefix (and, in the words' case, one of them), which
    rules out most names much faster than the pattern."""

    def __init__(self, prefix: str, words: list[str], ignore_case: bool = False):
        listed = alternation(words)
        self.pattern = re.compile(
            rf"{re.escape(prefix)}(?:{f'(?i:{listed})' if ignore_case else listed})(?!\w)"
        )
        self._prefix = prefix
        self._words = None if ignore_case else tuple(words)

    def match(self, text: str, end: int) -> re.Match[str] | None:
        """The pattern's match at ``end`` of ``text``, or None."""
        if not text.startswith(self._prefix, end):
            return None
        if self._words is not None and not text.startswith(self._words, end + len(self._prefix)):
            return None
        return self.pattern.match(text, end)


class Rules:
    """The language lists merged with a taxonomy's words, the role keywords, and the
    matchers and patterns the pre-annotator builds from them."""

    def __init__(self, taxonomy: Taxonomy):
        self.lists = merged_lists(taxonomy)
        self.keywords = role_keywords(taxonomy)
        lists = self.lists
        folded = {key: [fold(word) for word in words] for key, words in lists.items()}
        # the forms the rules find in a text (``annotate.reading``): title heads (with
        # their case), the words of the lower-cased lists, cue words
        self.title_head_forms = dict.fromkeys(fold(word) for word in lists["title_heads"])
        self.office_after = WordAfter("'s ", folded["office_titles"], ignore_case=True)
        self.unnamed_after = WordAfter(" ", folded["unnamed_officials"])
        self.government_after = WordAfter(" ", folded["government_words"])
        self.function_words = frozenset(lists["function_words"])
        self.name_particles = frozenset(lists["name_particles"])
        places, objects = "place_prepositions", "object_prepositions"
        self.place_before = preposition_before(folded, places)
        self.place_reach = preposition_reach(folded, places)
        self.place_or_object_before = preposition_before(folded, places, objects)
        self.place_or_object_reach = preposition_reach(folded, places, objects)
        self.group_prefix = group_prefix(folded)
        self.group_prefix_spaces = group_prefix_spaces(folded)
        self.group_prefix_words = group_prefix_words(folded)
        self.source_prefixes = source_prefixes(folded)
        self.modified_noun_after = modified_noun_after(lists["modified_nouns"])
        self.opening_pronoun = re.compile(
            rf"[\"'“‘]?(?P<pronoun>{alternation(lists['pronouns'])})(?!\w)"
        )
        self.personal_pronouns = frozenset(lists["personal_pronouns"])
        self.word_forms = lowered_words(self.keywords, lists, folded)
        self.cue_forms = cue_words(lists)

    def tables(self) -> dict[str, Any]:
        """The lists and keywords as plain data (hashed into the model version)."""
        keywords = {form: [k.role, k.strong] for form, k in sorted(self.keywords.items())}
        return {**self.lists, "role_keywords": keywords}

    def check_roles(self, taxonomy: Taxonomy) -> None:
        """Say once (a warning) when the taxonomy gives no role a keyword."""
        if not self.keywords:
            where = taxonomy.source or taxonomy.name
            logger.warning(
                "%s: no role declares keywords: the pre-annotator proposes no roles", where
            )


@cache
def rules_for(taxonomy: Taxonomy) -> Rules:
    """The rules of ``taxonomy``, built once for each taxonomy."""
    rules = Rules(taxonomy)
    rules.check_roles(taxonomy)
    return rules
