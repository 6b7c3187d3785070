"""Actors proposed from a corpus for a person to review (``stancepack gazetteer suggest``).

The proposals, merged across articles into one entry per actor:

- people named after a title ("Defence Secretary John Healey", "Kremlin spokesman Dmitry
  Peskov") or beside a reporting verb ("Rym Momtaz said", "according to Ivo Daalder"):
  the name, each titled form seen, and the surname where the articles also use it alone
  ("Healey said"); a surname two people share is an alias of neither;
- countries and organisations of the base gazetteer that the pre-annotator finds as
  mentions (not only as places or modifiers), with all their forms;
- organisations named by capitalised words around an organisation head ("Ministry of
  Defence", "Labour Party", "European Medicines Agency"), with the acronym in brackets
  after them ("(EMA)");
- other acronyms ("SVR"), as organisations to check.

An entry's count is the number of its mentions in the articles (where forms overlap, the
longest counts once); entries named fewer than ``min_count`` times are left out, the rest
sorted by count. Unnamed officials ("a NATO official") are counted for the record only:
the pre-annotator proposes them without a name, so they are not entries.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

from stancepack.annotate.matcher import FormMatcher
from stancepack.annotate.preannotate import (
    FUNCTION_WORDS,
    NAME_PARTICLES,
    PERSON_RULE_TYPE,
    TITLE_HEADS,
    Candidate,
    Preannotator,
    Span,
    leftmost_longest,
)
from stancepack.annotate.reading import sentence_spans
from stancepack.schema.base_gazetteer import load_base_gazetteer, unambiguous
from stancepack.schema.gazetteer import Gazetteer, GazetteerError, fold
from stancepack.schema.taxonomy import load_taxonomy

ORGANIZATION_TYPE = "organization"
DEFAULT_MIN_COUNT = 1
# Words that make a phrase of capitalised words an organisation's name.
ORGANIZATION_HEADS = (
    "Agency",
    "Alliance",
    "Army",
    "Assembly",
    "Association",
    "Authority",
    "Bank",
    "Board",
    "Bureau",
    "Command",
    "Commission",
    "Committee",
    "Congress",
    "Council",
    "Court",
    "Department",
    "Federation",
    "Forces",
    "Foundation",
    "Fund",
    "Institute",
    "League",
    "Ministry",
    "Movement",
    "Navy",
    "Office",
    "Organisation",
    "Organization",
    "Parliament",
    "Party",
    "Senate",
    "Service",
    "Union",
    "University",
)
# Lower-case words allowed between the capitalised words of a name ("Ministry of Defence").
NAME_CONNECTORS = ("of", "for", "and", "on", "the")
# Capitalised words of dates, which end a name ("the Commission on Monday proposed").
CALENDAR_WORDS = frozenset(
    [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
        "January",
        "February",
        "March",
        "April",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ]
)  # not "May", a name too
JOINED_NAMES = " and the "  # "the Ministry of Defence and the Foreign Office": two names
CAPITALISED = r"[A-Z][A-Za-z]*(?:-[A-Za-z]+)*"
NAME_PHRASE = re.compile(
    rf"(?<![\w'-]){CAPITALISED}(?: (?:(?:{'|'.join(NAME_CONNECTORS)}) )*{CAPITALISED})*(?![\w-])"
)
# Verbs that report what someone said, before or after the speaker's name.
REPORTING_VERBS = (
    "added",
    "argued",
    "claimed",
    "explained",
    "insisted",
    "noted",
    "said",
    "says",
    "stated",
    "stressed",
    "told",
    "warned",
    "wrote",
)
PERSON_NAME = rf"(?P<name>{CAPITALISED}(?: {CAPITALISED}){{1,2}})"
NAME_BEFORE_VERB = re.compile(rf"(?<![\w'-]){PERSON_NAME},? (?:{'|'.join(REPORTING_VERBS)})(?!\w)")
NAME_AFTER_VERB = re.compile(
    rf"(?<!\w)(?:{'|'.join(REPORTING_VERBS)}|according to) {PERSON_NAME}(?![\w'-])"
)
# A one-word institution before a reporting verb ("the Kremlin warned", "the Pentagon
# said") and a one-word news outlet before "reported" ("Politico reported").
ONE_WORD_NAME = r"(?P<name>[A-Z][a-z]+(?:-[A-Z][a-z]+)?)"
INSTITUTION_BEFORE_VERB = re.compile(
    rf"(?<![\w'-])[Tt]he {ONE_WORD_NAME},? (?:{'|'.join(REPORTING_VERBS)})(?!\w)"
)
OUTLET_BEFORE_VERB = re.compile(rf"(?<![\w'-]){ONE_WORD_NAME} (?:reported|reports)(?!\w)")
ACRONYM = r"[A-Z]{2,6}"
ACRONYM_WORD = re.compile(rf"(?<![\w.&-]){ACRONYM}(?![\w.&-])")
ACRONYM_IN_BRACKETS = re.compile(rf" \(({ACRONYM})\)")
ROMAN_NUMERAL = re.compile(r"[IVXLCDM]+")
# Single words of titles ("European Council President Charles Michel" names a council).
TITLE_WORDS = frozenset(word for head in TITLE_HEADS for word in head.split())
# Words that are never part of a person's name: titles and organisation heads.
NOT_PERSON_WORDS = TITLE_WORDS | set(ORGANIZATION_HEADS)
SUGGESTED_FROM = "stancepack gazetteer suggest"
EXAMPLE_CHARACTERS = 160


class SuggestionError(GazetteerError):
    """No actor could be proposed from the articles."""


@dataclass
class Suggestion:
    """One proposed actor: its entry, its mentions in the corpus and an example sentence."""

    name: str
    type: str
    aliases: list[str]
    affiliation: str = ""
    count: int = 0
    example: str = ""

    def entry(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"name": self.name, "type": self.type}
        if self.affiliation:
            entry["affiliation"] = self.affiliation
        entry["aliases"] = self.aliases
        return entry


@dataclass
class Suggestions:
    """The proposed actors (most mentioned first) and the unnamed officials seen."""

    actors: list[Suggestion]
    unnamed: Counter[str] = field(default_factory=Counter)
    articles: int = 0


def suggest_actors(
    texts: Sequence[str], min_count: int = DEFAULT_MIN_COUNT, base: Gazetteer | None = None
) -> Suggestions:
    """The actors the articles ``texts`` name at least ``min_count`` times."""
    base = base or load_base_gazetteer()
    preannotator = Preannotator(base, load_taxonomy())
    found = _Findings()
    for text in texts:
        found.add(text, preannotator.mentions(text))
    actors = _counted(_merged(found, base), texts)
    kept = [actor for actor in actors if actor.count >= min_count]
    if not kept:
        raise SuggestionError(
            f"no actor is named at least {min_count} time{'s' if min_count > 1 else ''} "
            f"in the {len(texts)} article{'s' if len(texts) != 1 else ''}"
        )
    kept.sort(key=lambda actor: (-actor.count, actor.name))
    return Suggestions(actors=kept, unnamed=found.unnamed, articles=len(texts))


@dataclass
class _Findings:
    """What the articles name, before merging: base actors, titled people (name -> forms),
    organisation phrases (phrase -> acronyms in brackets), acronyms, unnamed officials."""

    base_actors: set[str] = field(default_factory=set)
    people: dict[str, dict[str, None]] = field(default_factory=dict)  # by folded name
    phrases: dict[str, set[str]] = field(default_factory=dict)
    acronyms: set[str] = field(default_factory=set)
    unnamed: Counter[str] = field(default_factory=Counter)

    def add_person(self, name: str, surface: str) -> None:
        forms = self.people.setdefault(fold(name), {name: None})
        forms[surface] = None

    def add(self, text: str, mentions: list[Span]) -> None:
        for span in mentions:
            surface = text[span.start : span.end]
            if span.actor is not None and span.type != PERSON_RULE_TYPE:
                self.base_actors.add(span.actor.name)
            elif span.rule == "unnamed":
                self.unnamed[surface] += 1
            elif span.type == PERSON_RULE_TYPE and span.name:
                self.add_person(span.name, surface)
        folded = fold(text)
        for start, end in speakers(folded):
            self.add_person(text[start:end], text[start:end])
        for start, end in (*organization_phrases(folded), *one_word_organizations(folded)):
            bracket = ACRONYM_IN_BRACKETS.match(folded, end)
            acronyms = self.phrases.setdefault(text[start:end], set())
            if bracket is not None:
                acronyms.add(bracket.group(1))
        self.acronyms.update(
            match.group()
            for match in ACRONYM_WORD.finditer(folded)
            if not ROMAN_NUMERAL.fullmatch(match.group()) and not _starts_line(folded, match)
        )


def _starts_line(text: str, match: re.Match[str]) -> bool:
    """A capitalised word opening its line is a dateline or a headline's ("LONDON --")."""
    return match.start() == 0 or text[match.start() - 1] == "\n"


def speakers(folded: str) -> list[tuple[int, int]]:
    """(start, end) of the names of two or three capitalised words that a reporting verb
    follows or precedes ("Rym Momtaz said", "Ivo Daalder, wrote", "said Ivo Daalder",
    "according to Ivo Daalder"), neither titles nor organisations."""
    found = []
    for pattern in (NAME_BEFORE_VERB, NAME_AFTER_VERB):
        for match in pattern.finditer(folded):
            words = match.group("name").split(" ")
            if any(word in FUNCTION_WORDS or word in NOT_PERSON_WORDS for word in words):
                continue
            found.append(match.span("name"))
    return found


def one_word_organizations(folded: str) -> list[tuple[int, int]]:
    """(start, end) of one-word institutions and outlets that report or speak ("the
    Kremlin warned", "Politico reported"), neither function words nor titles."""
    found = []
    for pattern in (INSTITUTION_BEFORE_VERB, OUTLET_BEFORE_VERB):
        for match in pattern.finditer(folded):
            name = match.group("name")
            if name not in FUNCTION_WORDS and name not in NOT_PERSON_WORDS:
                found.append(match.span("name"))
    return found


def organization_phrases(folded: str) -> list[tuple[int, int]]:
    """(start, end) of each name of capitalised words with an organisation head: without
    leading function words ("The"), cut before a title ("European Council President
    Charles Michel" -> "European Council"), two names joined by "and the" apart."""
    found = []
    for match in NAME_PHRASE.finditer(folded):
        start = match.start()
        for part in match.group().split(JOINED_NAMES):
            phrase = _organization_name(part.split(" "))
            if phrase:
                offset = part.index(phrase)
                found.append((start + offset, start + offset + len(phrase)))
            start += len(part) + len(JOINED_NAMES)
    return found


def _organization_name(words: list[str]) -> str:
    """The organisation's name among ``words`` (cut before a title or a date), or ""."""
    while words and words[0] in FUNCTION_WORDS:
        words = words[1:]
    ends = [
        index for index, word in enumerate(words) if word in TITLE_WORDS or word in CALENDAR_WORDS
    ]
    words = words[: ends[0]] if ends else words
    while words and words[-1] in NAME_CONNECTORS:
        words = words[:-1]
    capitalised = [word for word in words if word[0].isupper()]
    if len(capitalised) < 2 or not any(word in ORGANIZATION_HEADS for word in words):
        return ""
    return " ".join(words)


def _merged(found: _Findings, base: Gazetteer) -> list[Suggestion]:
    """One suggestion per actor: base actors first, then people, organisation names and
    acronyms; one whose name is a form of an earlier one is that one."""
    named = _base_actors_named(found, base)
    proposed = [
        *(
            Suggestion(a.name, a.type, list(a.surface_forms), a.affiliation)
            for a in base.actors
            if a.name in named
        ),
        *(_person(forms) for _, forms in sorted(found.people.items())),
        *(
            Suggestion(phrase, ORGANIZATION_TYPE, [phrase, *sorted(acronyms)])
            for phrase, acronyms in sorted(found.phrases.items())
        ),
        *(Suggestion(acronym, ORGANIZATION_TYPE, [acronym]) for acronym in sorted(found.acronyms)),
    ]
    kept: list[Suggestion] = []
    seen: set[str] = set()
    for suggestion in proposed:
        if fold(suggestion.name) not in seen:
            kept.append(suggestion)
            seen.update(fold(form) for form in suggestion.aliases)
    return _without_unknown_affiliations(_without_others_names(kept))


def _base_actors_named(found: _Findings, base: Gazetteer) -> set[str]:
    """The base actors the pre-annotator proposed, and those another rule found by one
    of their names ("the United States said", "EU" in "EU troops")."""
    actor_of_form = {fold(form): a.name for a in base.actors for form in a.surface_forms}
    others = [*(next(iter(forms)) for forms in found.people.values())]
    others += [*found.phrases, *found.acronyms]
    return found.base_actors | {
        actor_of_form[fold(form)] for form in others if fold(form) in actor_of_form
    }


def _person(forms: dict[str, None]) -> Suggestion:
    name = next(iter(forms))  # as the articles first spell it
    aliases = _one_spelling_each([*forms, *_surname(name)])
    return Suggestion(name, PERSON_RULE_TYPE, aliases)


def _without_others_names(suggestions: list[Suggestion]) -> list[Suggestion]:
    """No alias is another suggestion's name."""
    owner = {fold(suggestion.name): suggestion for suggestion in suggestions}
    for suggestion in suggestions:
        suggestion.aliases = [
            form for form in suggestion.aliases if owner.get(fold(form), suggestion) is suggestion
        ]
    return suggestions


def _one_spelling_each(forms: Iterable[str]) -> list[str]:
    """``forms`` without those that differ from an earlier one only by accents or quotes
    (they match the same text)."""
    kept: dict[str, str] = {}
    for form in forms:
        kept.setdefault(fold(form), form)
    return list(kept.values())


def _surname(name: str) -> list[str]:
    words = name.split()
    if len(words) < 2 or words[-1] in NAME_PARTICLES:
        return []
    return [words[-1]]


def _without_unknown_affiliations(suggestions: list[Suggestion]) -> list[Suggestion]:
    """An affiliation names another entry of the file, or none."""
    names = {suggestion.name for suggestion in suggestions}
    for suggestion in suggestions:
        if suggestion.affiliation not in names:
            suggestion.affiliation = ""
    return suggestions


def _counted(suggestions: list[Suggestion], texts: Sequence[str]) -> list[Suggestion]:
    """``suggestions`` with their mentions counted and a first example each, forms shared
    by two of them removed from both (ambiguous), and surnames that the articles never
    use alone removed."""
    entries = unambiguous([s.entry() for s in suggestions], SUGGESTED_FROM)
    for suggestion, entry in zip(suggestions, entries, strict=True):
        suggestion.aliases = entry["aliases"]
    forms = {fold(form): (index, form) for index, s in enumerate(suggestions) for form in s.aliases}
    matcher = FormMatcher(forms)
    used: set[str] = set()
    for text in texts:
        occurrences = matcher.occurrences(fold(text))
        candidates = [
            Candidate(start, end - start, end, value) for start, end, value in occurrences
        ]
        for start, _, (index, form) in leftmost_longest(candidates):
            suggestion = suggestions[index]
            suggestion.count += 1
            suggestion.example = suggestion.example or _sentence_at(text, start)
            used.add(form)
    for suggestion in suggestions:
        if suggestion.type == PERSON_RULE_TYPE:
            surnames = set(_surname(suggestion.name)) - used
            suggestion.aliases = [form for form in suggestion.aliases if form not in surnames]
    return suggestions


def _sentence_at(text: str, position: int) -> str:
    """The sentence around ``position``, shortened to ``EXAMPLE_CHARACTERS``."""
    for start, end in sentence_spans(text):
        if start <= position < end:
            sentence = " ".join(text[start:end].split())
            if len(sentence) <= EXAMPLE_CHARACTERS:
                return sentence
            return sentence[: EXAMPLE_CHARACTERS - 1].rstrip() + "…"
    return ""


# --- the gazetteer file ----------------------------------------------------------------


def render_suggestions(suggestions: Suggestions) -> str:
    """A gazetteer file: each entry with its count and example sentence as comments."""
    lines = [
        f"# Actors proposed by `{SUGGESTED_FROM}` from {suggestions.articles} articles, most",
        "# mentioned first. Review each entry (name, type, aliases) before use: merge",
        "# spellings of one actor, delete what is not an actor, set the right types.",
    ]
    if suggestions.unnamed:
        lines += ["#", "# Unnamed officials seen (the pre-annotator proposes them without a name):"]
        lines += [f"#   {form} ({count})" for form, count in sorted_counts(suggestions.unnamed)]
    lines += ["", "actors:"]
    for actor in suggestions.actors:
        lines.append(_comment(f"{actor.count} mention{'s' if actor.count != 1 else ''}"))
        lines.append(_comment(f"e.g. {actor.example}"))
        lines.append(_yaml_item(actor.entry()))
    return "\n".join(lines) + "\n"


def sorted_counts(counts: Counter[str]) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def _comment(text: str) -> str:
    return "  # " + " ".join(text.split())


def _yaml_item(entry: dict[str, Any]) -> str:
    dumped = yaml.safe_dump(
        [entry], allow_unicode=True, sort_keys=False, default_flow_style=None, width=88
    )
    return "\n".join(f"  {line}" for line in dumped.rstrip("\n").split("\n"))
