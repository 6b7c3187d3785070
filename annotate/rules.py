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

from stancepack.annotate.gazetteer import fold
from stancepack.annotate.matcher import FormMatcher
from stancepack.errors import StancepackError
from stancepack.schema.taxonomy import PREANNOTATION_LISTS, Taxonomy
from stancepack.yamlfile import read_yaml

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


def lower(text: str) -> str:
    """``text`` lower-cased, one character for one (offsets keep their meaning)."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


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


def lowered_matcher(words: Iterable[str], joiners: str = "") -> FormMatcher[str]:
    """Whole-word occurrences of ``words`` in folded, lower-cased text."""
    return FormMatcher({lower(fold(word)): word for word in words}, joiners=joiners)


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


def group_pattern(folded: dict[str, list[str]]) -> re.Pattern[str]:
    """A group phrase: an optional quantifier, up to three modifiers (listed ones, or
    capitalised words), a group head; the quantifier and modifiers are named groups."""
    quantifier = alternation(folded["group_quantifiers"])
    modifier = rf"(?:(?i:{alternation(folded['group_modifiers'])})|[A-Z][\w-]*)"
    return re.compile(
        rf"(?<![\w-])(?:(?P<quantifier>(?i:{quantifier})) )?"
        rf"(?P<modifiers>(?:{modifier} ){{0,3}})"
        rf"(?i:{alternation(folded['group_heads'])})(?![\w-])"
    )


def unnamed_source_pattern(folded: dict[str, list[str]]) -> re.Pattern[str]:
    """ "a source", "a senior official", "sources": an ``unnamed_sources`` word after "a"
    or "an" (the named group ``article``), or its plural."""
    modifier = rf"(?:(?:{alternation(folded['group_modifiers'])}) )?"
    heads = alternation(folded["unnamed_sources"])
    return re.compile(
        rf"(?<![\w-])(?:(?P<article>[Aa]n?) {modifier}(?:{heads})|(?i:{modifier}(?:{heads})s))"
        r"(?![\w-])"
    )


class Rules:
    """The language lists merged with a taxonomy's words, the role keywords, and the
    matchers and patterns the pre-annotator builds from them."""

    def __init__(self, taxonomy: Taxonomy):
        self.lists = merged_lists(taxonomy)
        self.keywords = role_keywords(taxonomy)
        lists = self.lists
        folded = {key: [fold(word) for word in words] for key, words in lists.items()}
        self.title_heads = FormMatcher(dict.fromkeys(fold(w) for w in lists["title_heads"]))
        self.office_after = re.compile(rf"'s (?i:{alternation(folded['office_titles'])})(?!\w)")
        self.unnamed_after = re.compile(rf" (?:{alternation(folded['unnamed_officials'])})(?!\w)")
        self.government_after = re.compile(rf" (?:{alternation(folded['government_words'])})(?!\w)")
        self.function_words = frozenset(lists["function_words"])
        self.name_particles = frozenset(lists["name_particles"])
        self.place_before = re.compile(
            rf"(?<!\w)(?:{alternation(folded['place_prepositions'])})"
            rf"(?: (?:{alternation(folded['determiners'])}))? $",
            re.IGNORECASE,
        )
        self.object_before = re.compile(
            rf"(?<!\w)(?:{alternation(folded['object_prepositions'])})"
            rf"(?: (?:{alternation(folded['determiners'])}))? $",
            re.IGNORECASE,
        )
        self.group = group_pattern(folded)
        self.unnamed_source = unnamed_source_pattern(folded)
        self.modified_nouns = frozenset(lists["modified_nouns"])
        self.opening_pronoun = re.compile(
            rf"[\"'“‘]?(?P<pronoun>{alternation(lists['pronouns'])})(?!\w)"
        )
        self.personal_pronouns = frozenset(lists["personal_pronouns"])
        self.role_keywords = FormMatcher(self.keywords, joiners=KEYWORD_JOINERS)
        self.cues = FormMatcher(cue_words(lists))
        self.position_verbs = lowered_matcher(lists["position_verbs"])

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
