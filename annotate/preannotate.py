"""A rule-based pre-annotator: actor spans, canonical names and proposed-role suggestions.

It proposes, as Label Studio prediction results (never stances, never relations):

- actor spans from the gazetteer's names and aliases: longest match, whole words,
  case-sensitive, accents and typographic apostrophes ignored ("Stephane Sejourne" finds
  "Stéphane Séjourné"), with the actor's type and canonical name;
- people not in the gazetteer, from a title and a name ("Spanish Defense Minister
  Margarita Robles", "Kremlin spokesman Dmitry Peskov");
- unnamed officials ("Slovakia's prime minister", "A NATO official") as people without a
  name, and "the Italian government" as the country;
- proposed roles from the keywords the taxonomy's roles declare ("demining",
  "instructors", "front line", ...) in the same sentence as the actor they are said of
  (see ``attach_roles``); none when no role declares keywords.

The language lists (title heads, office titles, unnamed officials, negation cues, ...)
are packaged data (``rules_en.yaml``, see ``annotate.rules``), which a taxonomy can
extend.

A country named only as a place ("troops to Ukraine", "held in Paris"), a country or
organisation used as a modifier ("NATO troops", "US-led") and a name standing alone on
its line (a photo caption) are not proposed.

Spans never overlap: of overlapping candidates the longest wins, then the gazetteer's.
Region ids derive from the offsets, so the same text always gives the same result.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import math
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Generic, NamedTuple, TypeVar

from stancepack.annotate.matcher import Occurrence
from stancepack.annotate.reading import (
    END,
    FIRST,
    Reading,
    SentenceCues,
    reading_matcher,
    sentence_cues,
    within,
    words_matcher,
)
from stancepack.annotate.rules import (
    RoleKeyword,
    Rules,
    group_prefix_start,
    packaged_lists,
    rules_for,
)
from stancepack.ground.errors import TaxonomyError
from stancepack.schema.fields import ACTOR, ACTOR_NAME, ROLES, TEXT
from stancepack.schema.gazetteer import FOLDED_PUNCTUATION, Actor, Gazetteer, fold
from stancepack.schema.taxonomy import Taxonomy

MODEL_NAME = "stancepack-rules"
# Bump when the matching logic changes in a way the rule tables below do not show.
RULES_REVISION = 1

# --- rule tables: data, hashed into the model version ------------------------------------

# The actor type each rule proposes (checked against the taxonomy).
PERSON_RULE_TYPE = "person"
GOVERNMENT_RULE_TYPE = "country"
# Proposed in strict mode when the taxonomy has it.
GROUP_RULE_TYPE = "group"
# Gazetteer types that can stand for a place or a modifier rather than an actor.
PLACE_TYPES = ("country",)
MODIFIER_TYPES = ("country", "organization")
MAX_TITLE_MODIFIERS = 3
MAX_NAME_WORDS = 4
# The packaged language lists (``rules_en.yaml``) that other modules read as they are.
TITLE_HEADS = packaged_lists()["title_heads"]
FUNCTION_WORDS = packaged_lists()["function_words"]
NAME_PARTICLES = packaged_lists()["name_particles"]


def rule_tables(rules: Rules) -> dict[str, Any]:
    """Every table the rules use, as plain data (hashed into the model version)."""
    return {
        "revision": RULES_REVISION,
        "person_rule_type": PERSON_RULE_TYPE,
        "government_rule_type": GOVERNMENT_RULE_TYPE,
        "group_rule_type": GROUP_RULE_TYPE,
        "place_types": PLACE_TYPES,
        "modifier_types": MODIFIER_TYPES,
        "max_title_modifiers": MAX_TITLE_MODIFIERS,
        "max_name_words": MAX_NAME_WORDS,
        "folded_punctuation": FOLDED_PUNCTUATION,
        **rules.tables(),
    }


# --- matching helpers --------------------------------------------------------------------

# The indefinite article before a name ("a NATO official"), in either case.
ARTICLE_LETTERS = "aA"
Payload = TypeVar("Payload")


# --- candidate spans ---------------------------------------------------------------------


class Span(NamedTuple):
    """A proposed actor mention. ``actor`` is set when the gazetteer names it. (A named
    tuple: a text gives dozens of candidates, made much faster than frozen dataclasses.)"""

    start: int
    end: int
    type: str
    name: str
    rule: str
    actor: Actor | None = None
    roles: tuple[str, ...] = ()

    @property
    def region_id(self) -> str:
        return f"r{self.start}_{self.end}"

    def __hash__(self) -> int:
        return hash((self.start, self.end, self.rule, self.name))


# How far before a group head or an unnamed source its quantifier and modifiers may begin.
PREFIX_WINDOW = 100
# Rules whose spans introduce a speaker: kept in strict mode whatever their sentence.
SPEAKER_RULES = ("title", "unnamed")
RULE_PRIORITY = {"gazetteer": 0, "title": 1, "government": 2, "unnamed": 3, "group": 4}


def choose_spans(candidates: Iterable[Span]) -> list[Span]:
    """Non-overlapping spans: longest first, then the gazetteer's, then the earliest (a
    span that a candidate repeats overlaps it, and is left out)."""
    chosen: list[Span] = []  # in text order
    starts: list[int] = []  # their starts
    ranked = sorted(
        candidates, key=lambda s: (s.start - s.end, RULE_PRIORITY[s.rule], s.start, s.name)
    )
    for span in ranked:
        index = bisect.bisect_left(starts, span.start)
        before_free = index == 0 or chosen[index - 1].end <= span.start
        after_free = index == len(chosen) or span.end <= starts[index]
        if before_free and after_free:
            chosen.insert(index, span)
            starts.insert(index, span.start)
    return chosen


class Preannotator:
    """Rule-based actor and role proposals for one gazetteer and taxonomy.

    ``prediction(text)["score"]`` is the fraction of proposed spans whose actor the
    gazetteer names (1.0 when every span is a known actor, lower when spans come only from
    the title and unnamed-official rules; 0.0 when nothing is proposed).

    ``strict`` (the default) applies the codebook's first rule, that a mention is an actor
    that takes or is reported with a position:

    - a name is proposed only in a sentence that reports a position, one holding a word
      of the language's ``position_verbs`` ("said", "warned", "ruled out", "called
      for", ...); names in other sentences (background, history, places) are dropped
      rather than proposed with a low score, since annotators delete every wrong proposal
      by hand;
    - a name followed by a possessive ("Macron's comments", "Russia's efforts") names an
      owner, and a country after an ``object_prepositions`` word ("war with Russia") the
      object of a relation: neither is proposed;
    - groups are proposed ("some European countries", "Baltic ministers"), when the
      taxonomy has the actor type ``group``, and unnamed sources ("a source", "sources").

    ``strict=False`` gives the earlier proposals, kept for comparison."""

    def __init__(self, gazetteer: Gazetteer, taxonomy: Taxonomy, strict: bool = True):
        self.gazetteer = gazetteer
        self.taxonomy = taxonomy
        self.strict = strict
        self._groups_on = strict and GROUP_RULE_TYPE in taxonomy.actor_type_values
        _check_against_taxonomy(gazetteer, taxonomy)
        self.rules = rules_for(taxonomy)
        self._matcher = reading_matcher(self.rules, form_uses(gazetteer))
        people = [a for a in gazetteer.actors if a.type == PERSON_RULE_TYPE]
        self._people = {fold(form): a for a in people for form in a.surface_forms}

    @property
    def model_version(self) -> str:
        """``stancepack-rules-<hash>``: the hash covers the gazetteer and the rule tables."""
        rules = {**rule_tables(self.rules), "strict": self.strict}
        content = {"gazetteer": self.gazetteer.content(), "rules": rules}
        canonical = json.dumps(content, sort_keys=True, ensure_ascii=False)
        return f"{MODEL_NAME}-{hashlib.sha256(canonical.encode('utf-8')).hexdigest()[:12]}"

    def spans(self, text: str) -> list[Span]:
        """The proposed mentions of ``text`` with their suggested roles, in text order."""
        reading = Reading(text, self._matcher)
        mentions = self._mentions(reading)
        return attach_roles(text, mentions, self.taxonomy, self.rules, reading)

    def mentions(self, text: str) -> list[Span]:
        """The proposed mentions of ``text`` without roles, in text order."""
        return self._mentions(Reading(text, self._matcher))

    def _mentions(self, reading: Reading) -> list[Span]:
        text = reading.text
        candidates = self._candidates(reading)
        lines = line_bounds(text)
        spans = [span for span in choose_spans(candidates) if not _is_caption(text, lines, span)]
        return self._in_position_sentences(reading, spans) if self.strict else spans

    def _in_position_sentences(self, reading: Reading, spans: list[Span]) -> list[Span]:
        """The spans of the sentences that report a position (a position verb), of the
        headline (the first line, which states the story without a reporting verb), and
        the spans of titled people and unnamed officials (a title introduces a speaker)."""
        text, sentences = reading.text, reading.sentences
        headline_end = text.find("\n") if "\n" in text else 0
        reported = [start < headline_end for start, _ in sentences]
        starts = [start for start, _ in sentences]
        for verb in reading.words.positions:  # the sentence of each position verb
            index = bisect.bisect_right(starts, verb.start) - 1
            if index >= 0 and verb.end <= sentences[index][1]:
                reported[index] = True
        kept = []
        for span in spans:
            index = bisect.bisect_right(starts, span.start) - 1
            in_reported = index >= 0 and reported[index]
            inside = in_reported and span.end <= sentences[index][1]
            if inside or _is_speaker(reading, span):
                kept.append(span)
        return kept

    def predict(self, text: str) -> list[dict[str, Any]]:
        """Label Studio result items: a span, its canonical name and its proposed roles."""
        return [item for span in self.spans(text) for item in result_items(span, text)]

    def prediction(self, text: str) -> dict[str, Any]:
        """A prediction for Label Studio's task import (``predictions`` list)."""
        spans = self.spans(text)
        known = sum(1 for span in spans if span.actor is not None)
        return {
            "model_version": self.model_version,
            "score": round(known / len(spans), 4) if spans else 0.0,
            "result": [item for span in spans for item in result_items(span, text)],
        }

    # --- the rules --------------------------------------------------------------------

    def _candidates(self, reading: Reading) -> list[Span]:
        """Every rule's spans, overlapping: one pass finds every gazetteer form, and the
        rules look around each occurrence."""
        text, folded, words = reading.text, reading.folded, reading.words
        found, title_heads = reading.forms, reading.title_heads
        return [
            *self._gazetteer_spans(reading, found),
            *self._titled_people(text, folded, title_heads),
            *self._unnamed_officials(text, folded, found),
            *self._governments(folded, found),
            *(self._groups(words.group_heads, folded) if self._groups_on else ()),
            *(self._unnamed_sources(words.sources, folded) if self.strict else ()),
        ]

    def _gazetteer_spans(
        self, reading: Reading, found: list[Occurrence[FormUse]]
    ) -> Iterator[Span]:
        rules, folded, strict = self.rules, reading.folded, self.strict
        for start, end, use in found:
            actor = use.actor
            if actor is None:
                continue
            # the checks that drop a name, the cheapest first
            if strict and folded.startswith("'s", end):
                continue  # "Macron's comments": an owner
            place = actor.type in PLACE_TYPES
            if place and (_is_place_or_object if strict else _is_place)(rules, folded, start):
                continue
            if actor.type in MODIFIER_TYPES and _is_modifier(rules, folded, end):
                continue
            yield Span(start, end, actor.type, actor.name, "gazetteer", actor)

    def _unnamed_sources(self, sources: list[Occurrence[bool]], folded: str) -> Iterator[Span]:
        """ "a source", "a senior official", "sources": people without a name."""
        singular, plural = self.rules.source_prefixes
        for start, end, is_plural in sources:
            window = max(0, start - PREFIX_WINDOW)
            before = (plural if is_plural else singular).search(folded, window, start)
            if before is not None:
                yield Span(before.start(), end, PERSON_RULE_TYPE, "", "unnamed")
            elif is_plural:
                yield Span(start, end, PERSON_RULE_TYPE, "", "unnamed")

    def _groups(self, heads: list[tuple[int, int]], folded: str) -> Iterator[Span]:
        """ "some European countries", "Baltic ministers", "every ally": a group head
        after a quantifier or a modifier (capitalised words that are not function words)."""
        spaces = self.rules.group_prefix_spaces
        for head_start, end in heads:
            window = _after_spaces(folded, max(0, head_start - PREFIX_WINDOW), head_start, spaces)
            window = group_prefix_start(folded, window, head_start, self.rules.group_prefix_words)
            prefix = self.rules.group_prefix.search(folded, window, head_start)
            if prefix is None:
                continue
            start = prefix.start()
            if prefix.group("quantifier") is None:
                words = prefix.group("modifiers").split()
                leading = 0
                while leading < len(words) and words[leading] in self.rules.function_words:
                    start += len(words[leading]) + 1
                    leading += 1
                if leading == len(words):
                    continue
            yield Span(start, end, GROUP_RULE_TYPE, "", "group")

    def _titled_people(
        self, text: str, folded: str, title_heads: list[tuple[int, int]]
    ) -> Iterator[Span]:
        candidates = [Candidate(start, end - start, end, None) for start, end in title_heads]
        for head_start, head_end, _ in leftmost_longest(candidates):
            person = self._person_after(text, folded, head_end)
            if person is not None:
                end, name, actor = person
                start = _title_start(self.rules, folded, head_start)
                yield Span(start, end, PERSON_RULE_TYPE, name, "title", actor)

    def _unnamed_officials(
        self, text: str, folded: str, found: list[Occurrence[FormUse]]
    ) -> Iterator[Span]:
        """ "Slovakia's prime minister", "A NATO official": people without a name (or with
        the name that follows: "France's foreign minister Stéphane Séjourné")."""
        offices = _offices(self.rules, folded, found)
        for start, end in (*offices, *_unnamed(self.rules, folded, found)):
            person = self._person_after(text, folded, end)
            if person is None:
                yield Span(start, end, PERSON_RULE_TYPE, "", "unnamed")
            else:
                person_end, name, actor = person
                yield Span(start, person_end, PERSON_RULE_TYPE, name, "title", actor)

    def _person_after(
        self, text: str, folded: str, position: int
    ) -> tuple[int, str, Actor | None] | None:
        """(end, name, gazetteer actor) of a person's name after a title ending at
        ``position``: two to four capitalised words (particles allowed between them), or
        one word the gazetteer knows as a person."""
        if not folded.startswith(" ", position):
            return None
        start = _skip_spaces(folded, position + 1)
        ends = _name_words(self.rules, folded, start)
        if not ends or (len(ends) == 1 and folded[start : ends[0]] not in self._people):
            return None
        end = ends[-1]
        actor = self._people.get(folded[start:end])
        return end, actor.name if actor else text[start:end], actor

    def _governments(self, folded: str, found: list[Occurrence[FormUse]]) -> Iterator[Span]:
        """ "the Italian government", "the France government": the country."""
        candidates = []
        for start, end, use in found:
            after = self.rules.government_after.match(folded, end) if use.country else None
            if after is not None:
                candidates.append(Candidate(start, end - start, after.end(), use.country))
        for start, end, country in leftmost_longest(candidates):
            yield Span(start, end, GOVERNMENT_RULE_TYPE, country.name, "government", country)


@dataclass(frozen=True)
class FormUse:
    """What a (folded) form of the gazetteer stands for, for each rule that looks for it:
    the actor it names, whether it is a country's name ("France's prime minister"), a
    country or organisation or its demonym ("a NATO official", "an Italian diplomat"), and
    the country it names or describes ("the Italian government")."""

    actor: Actor | None = None
    possessor: bool = False
    body: bool = False
    country: Actor | None = None


def form_uses(gazetteer: Gazetteer) -> dict[str, FormUse]:
    """Every folded name, alias and demonym of the gazetteer with what it stands for."""
    actors = gazetteer.actors
    countries = [a for a in actors if a.type == GOVERNMENT_RULE_TYPE]
    bodies = [a for a in actors if a.type in MODIFIER_TYPES]
    names = {fold(form): actor for actor in actors for form in actor.surface_forms}
    possessors = {fold(form) for a in countries for form in a.surface_forms}
    body_forms = {fold(form) for a in bodies for form in (*a.surface_forms, *a.demonyms)}
    country_of = {fold(form): a for a in countries for form in (*a.surface_forms, *a.demonyms)}
    return {
        form: FormUse(names.get(form), form in possessors, form in body_forms, country_of.get(form))
        for form in sorted(names.keys() | body_forms | country_of.keys())
    }


class Candidate(NamedTuple, Generic[Payload]):
    """A rule's match that begins with a gazetteer form: where it starts, the form's
    length, where the match ends, and what the rule keeps of it."""

    start: int
    form_length: int
    end: int
    payload: Payload


def leftmost_longest(candidates: list[Candidate[Payload]]) -> Iterator[tuple[int, int, Payload]]:
    """(start, end, payload) of the matches a left-to-right scan keeps: at each start the
    longest form, none beginning inside the match before (as ``re.finditer`` over an
    alternation of the forms, longest first)."""
    end = 0
    for candidate in sorted(candidates, key=lambda c: (c.start, -c.form_length)):
        if candidate.start >= end:
            end = candidate.end
            yield candidate.start, end, candidate.payload


def _offices(
    rules: Rules, folded: str, found: list[Occurrence[FormUse]]
) -> Iterator[tuple[int, int]]:
    """(start, end) of "Slovakia's prime minister": a country's name, "'s", an office."""
    candidates = []
    for start, end, use in found:
        after = rules.office_after.match(folded, end) if use.possessor else None
        if after is not None:
            candidates.append(Candidate(start, end - start, after.end(), None))
    return ((start, end) for start, end, _ in leftmost_longest(candidates))


def _unnamed(
    rules: Rules, folded: str, found: list[Occurrence[FormUse]]
) -> Iterator[tuple[int, int]]:
    """(start, end) of "A NATO official": "a" or "an", a country or organisation (or its
    demonym), an unnamed official."""
    candidates = []
    for start, end, use in found:
        if not use.body:
            continue
        article = article_before(folded, start)
        after = rules.unnamed_after.match(folded, end) if article is not None else None
        if article is not None and after is not None:
            candidates.append(Candidate(article, end - start, after.end(), None))
    return ((start, end) for start, end, _ in leftmost_longest(candidates))


def article_before(folded: str, start: int) -> int | None:
    r"""Where "a " or "an " (either case, a word of its own) begins when it ends right
    before ``start``, or before a line break there; None when there is none (as the regex
    ``(?<!\w)[Aa]n? $`` searched in the four characters before ``start``)."""
    end = start - 1 if start and folded[start - 1] == "\n" else start
    if end < 2 or folded[end - 1] != " ":
        return None
    if folded[end - 2] in ARTICLE_LETTERS:
        article = end - 2
    elif end >= 3 and folded[end - 2] == "n" and folded[end - 3] in ARTICLE_LETTERS:
        article = end - 3
    else:
        return None
    before = folded[article - 1] if article else " "
    return None if before.isalnum() or before == "_" else article


def _is_speaker(reading: Reading, span: Span) -> bool:
    """A titled person ("French President Emmanuel Macron", by the title rule or a
    gazetteer form with a title) or an unnamed official."""
    if span.rule in SPEAKER_RULES:
        return True
    if span.type != PERSON_RULE_TYPE or span.rule != "gazetteer":
        return False
    return any(span.start <= start and end <= span.end for start, end in reading.title_heads)


def line_bounds(text: str) -> set[tuple[int, int]]:
    """(start, end) of each line of ``text`` that is not blank, without the white space
    around it."""
    bounds = set()
    start = 0
    for line in text.split("\n"):
        stripped = line.lstrip()
        if stripped:
            begin = start + len(line) - len(stripped)
            bounds.add((begin, begin + len(stripped.rstrip())))
        start += len(line) + 1
    return bounds


def _is_caption(text: str, lines: set[tuple[int, int]], span: Span) -> bool:
    """``is_caption``, from the bounds of the lines of ``text`` (``line_bounds``) when the
    span holds no line break and begins and ends with no white space: then it stands
    alone on its line exactly when it has the bounds of its line."""
    start, end = span.start, span.end
    if end <= start or text[start].isspace() or text[end - 1].isspace():
        return is_caption(text, span)
    if text.find("\n", start, end) != -1:
        return is_caption(text, span)
    return (start, end) in lines


def is_caption(text: str, span: Span) -> bool:
    """A name standing alone on its line (a photo caption) is not a mention."""
    line_start = text.rfind("\n", 0, span.start) + 1
    line_end = text.find("\n", span.end)
    line = text[line_start : len(text) if line_end == -1 else line_end]
    return line.strip() == text[span.start : span.end]


def _check_against_taxonomy(gazetteer: Gazetteer, taxonomy: Taxonomy) -> None:
    where = taxonomy.source or taxonomy.name
    types = taxonomy.actor_type_values
    for actor in gazetteer.actors:
        if actor.type not in types:
            raise TaxonomyError(
                f"{gazetteer.source}: {actor.name}: type {actor.type!r} is not an actor type "
                f"of the taxonomy {where} ({', '.join(types)})"
            )
    for rule_type in (PERSON_RULE_TYPE, GOVERNMENT_RULE_TYPE):
        if rule_type not in types:
            raise TaxonomyError(
                f"{where}: the pre-annotator proposes actor type {rule_type!r}, which is not "
                f"an actor type of the taxonomy ({', '.join(types)})"
            )


def _after_spaces(text: str, window: int, end: int, spaces: int) -> int:
    """Where a search for a prefix of at most ``spaces`` spaces ending at ``end`` may
    begin: after the space before those (``window`` when ``text[window:end]`` holds no
    more)."""
    for _ in range(spaces + 1):
        end = text.rfind(" ", window, end)
        if end == -1:
            return window
    return end + 1


def _skip_spaces(text: str, position: int) -> int:
    while position < len(text) and text[position] == " ":
        position += 1
    return position


NAME_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*(?:'[^\W\d_]{2,})?")


def _name_words(rules: Rules, text: str, start: int) -> list[int]:
    """Ends of the capitalised words of a name beginning at ``start``."""
    ends: list[int] = []
    position = start
    while len(ends) < MAX_NAME_WORDS:
        match = NAME_WORD.match(text, position)
        if match is None:
            break
        word, end = match.group(), match.end()
        if ends and word in rules.name_particles:
            position = _skip_spaces(text, end)
            following = NAME_WORD.match(text, position)
            if following is None or not following.group()[0].isupper():
                break
            continue
        if not word[0].isupper() or word in rules.function_words or word.endswith("'s"):
            break
        ends.append(end)
        if not text.startswith(" ", end):
            break
        position = end + 1
    return ends


# How far before a title's head (or its last modifier) the word before it is looked for.
WORD_BEFORE_WINDOW = 40
# "Former" before a title, with the space after it.
FORMER_BEFORE = ("Former ", "former ")
FORMER_LENGTH = len(FORMER_BEFORE[0])


def _title_start(rules: Rules, text: str, head_start: int) -> int:
    """Where a title begins: capitalised modifiers before its head, and "Former"."""
    start = head_start
    for _ in range(MAX_TITLE_MODIFIERS):
        word = _word_before(text, max(0, start - WORD_BEFORE_WINDOW), start)
        if word is None:
            break
        if not word[0].isupper() or word in rules.function_words:
            break
        if not word.isalpha() and not NAME_WORD.fullmatch(word):  # letters alone make one
            break
        start -= len(word) + 1
    if start >= FORMER_LENGTH and text[start - FORMER_LENGTH : start] in FORMER_BEFORE:
        return start - FORMER_LENGTH
    return start


def _word_before(text: str, window: int, end: int) -> str | None:
    """The word (no white space in it) that ``text[window:end]`` ends with, followed by
    one space (and a line break): "Minister" in "... Defense Minister "; None when there
    is none (cut at ``window``)."""
    if text.startswith(" ", end - 1) and end - 1 >= window:
        last = end - 1
    elif text.startswith(" \n", end - 2) and end - 2 >= window:
        last = end - 2
    else:
        return None
    chunk = text[max(window, text.rfind(" ", window, last) + 1) : last]
    if not chunk or chunk[-1].isspace():
        return None
    return chunk.split()[-1]


def _is_place(rules: Rules, folded: str, start: int) -> bool:
    """A country right after "to", "in", "for" ... ("to the United States" too)."""
    return _preposition_before(rules.place_before, rules.place_reach, folded, start)


def _is_place_or_object(rules: Rules, folded: str, start: int) -> bool:
    """``_is_place``, or a country as the object of a relation ("war with Russia"): one
    search for either preposition (strict mode drops the name in both cases)."""
    pattern, reach = rules.place_or_object_before, rules.place_or_object_reach
    return _preposition_before(pattern, reach, folded, start)


def _preposition_before(pattern: re.Pattern[str], reach: int, folded: str, start: int) -> bool:
    """A match of a ``rules.preposition_before`` pattern ending right before ``start``,
    searched ``reach`` characters back."""
    return pattern.search(folded, max(0, start - reach), start) is not None


HYPHENATED = re.compile(r"-[^\W\d_]")
# How far after a name the noun it modifies may end.
MODIFIED_WINDOW = 40


def _is_modifier(rules: Rules, folded: str, end: int) -> bool:
    """A country or organisation joined to a noun: "US-led", "NATO troops"."""
    if folded.startswith("-", end):
        return HYPHENATED.match(folded, end, end + 2) is not None
    if not folded.startswith(" ", end):
        return False  # no word follows (the pattern begins with a space)
    return rules.modified_noun_after.match(folded, end, end + MODIFIED_WINDOW) is not None


# --- roles -------------------------------------------------------------------------------

COORDINATION = re.compile(r"\s*(?:,|,? and)\s*")


def sentence_roles(
    keywords: list[Occurrence[RoleKeyword]], cues: SentenceCues, start: int
) -> list[tuple[int, str]]:
    """(offset in the text, role) of each role keyword of a sentence beginning at
    ``start`` that counts: not negated earlier in its sentence (unless "but", "however",
    ... comes between) and, for a weak keyword, in a sentence that holds a weak-keyword
    cue. Of the keywords beginning at one place, the longest that counts."""
    found: dict[int, str] = {}
    for position, _, keyword in keywords:
        if position in found or not (keyword.strong or cues.cued):
            continue
        found[position] = "" if _negated(cues, start, position) else keyword.role
    return sorted((position, role) for position, role in found.items() if role)


def role_mentions(sentence: str, rules: Rules) -> list[tuple[int, str]]:
    """(offset, role) of each role keyword that counts in ``sentence`` (one sentence)."""
    reading = Reading(sentence, words_matcher(rules))
    cues = sentence_cues(reading, 0, len(sentence))
    return sentence_roles(reading.words.keywords, cues, 0)


def keyword_sentences(
    sentences: list[tuple[int, int]], keywords: list[Occurrence[RoleKeyword]]
) -> Iterator[tuple[int, int, list[Occurrence[RoleKeyword]]]]:
    """(start, end, keywords) of each of ``sentences`` that holds role keywords
    (``keywords`` in text order), in text order."""
    inside: dict[int, list[Occurrence[RoleKeyword]]] = {}
    for keyword in keywords:
        index = bisect.bisect_right(sentences, (keyword.start, math.inf)) - 1
        if index >= 0 and keyword.end <= sentences[index][1]:
            inside.setdefault(index, []).append(keyword)
    for index, found in inside.items():
        start, end = sentences[index]
        yield start, end, found


def _negated(cues: SentenceCues, sentence_start: int, position: int) -> bool:
    """A negation cue between the sentence's start and ``position``, and no reset after
    the last such cue."""
    if not cues.negations:
        return False
    negations = [cue.end for cue in within(cues.negations, sentence_start, position)]
    if not negations:
        return False
    resets = [cue.start for cue in within(cues.resets, sentence_start, position)]
    return not resets or max(resets) < max(negations)


def attach_roles(
    text: str,
    spans: list[Span],
    taxonomy: Taxonomy,
    rules: Rules,
    reading: Reading | None = None,
) -> list[Span]:
    """Each role keyword goes to the actor it is said of:

    1. candidates are the spans of the keyword's sentence, except a country, organisation
       or group directly followed by a possessive ("Ukraine's air defenses" names an owner);
    2. the nearest person before the keyword in its sentence; else, when the sentence
       opens with "He" or "She", the last person mentioned outside quotes before the
       sentence (the codebook puts a pronoun's roles on the last mention of its actor),
       and nobody for other pronouns; else the nearest candidate before the keyword; else
       the first candidate after it (attribution after a quote);
    3. candidates joined to the chosen one by "and" or a comma, of its type, share it.

    ``spans`` do not overlap and are in text order.
    """
    reading = reading or Reading(text, words_matcher(rules))
    keywords = reading.words.keywords
    if not keywords:
        return [_with_roles(s, set(), ()) for s in spans]
    roles: dict[tuple[int, int], set[str]] = {}
    antecedents = Antecedents(text, spans)
    folded = reading.folded  # a possessive: "'s" there
    for start, end, inside_keywords in keyword_sentences(reading.sentences, keywords):
        inside = within(spans, start, end)
        candidates = [
            s for s in inside if s.type == PERSON_RULE_TYPE or not folded.startswith("'s", s.end)
        ]
        pronoun = rules.opening_pronoun.match(text, start, end)
        if not candidates and not pronoun:
            continue  # nobody in or before the sentence to give its roles to
        cues = sentence_cues(reading, start, end)
        for position, role in sentence_roles(inside_keywords, cues, start):
            speakers = _speakers(rules, text, position, candidates, pronoun)
            if speakers is None:  # the pronoun's antecedent
                speakers = antecedents.before(start)
            for span in speakers:
                roles.setdefault((span.start, span.end), set()).add(role)
    order = taxonomy.role_values
    return [
        s if (found := roles.get((s.start, s.end))) is None else _with_roles(s, found, order)
        for s in spans
    ]


def _with_roles(span: Span, roles: set[str], order: Sequence[str]) -> Span:
    ordered = tuple(role for role in order if role in roles)
    if ordered == span.roles:
        return span
    return Span(span.start, span.end, span.type, span.name, span.rule, span.actor, ordered)


QUOTED = re.compile(r"“[^”]*”")


def quoted_ranges(text: str) -> list[tuple[int, int]]:
    """(start, end) of each passage between typographic double quotes “...”."""
    return [(m.start(), m.end()) for m in QUOTED.finditer(text)]


def _inside(span: Span, ranges: list[tuple[int, int]]) -> bool:
    """True when ``span`` lies inside one of ``ranges`` (in text order, not overlapping)."""
    index = bisect.bisect_right(ranges, span.start, key=FIRST) - 1
    return index >= 0 and span.end <= ranges[index][1]


class Antecedents:
    """The people of a text's spans mentioned outside quotes (found when first asked for):
    the last one before a sentence is who a personal pronoun opening it stands for."""

    def __init__(self, text: str, spans: list[Span]):
        self._text = text
        self._spans = spans
        self._people: list[Span] | None = None

    def before(self, start: int) -> list[Span]:
        """The last such person before ``start``, or none."""
        if self._people is None:
            quoted = quoted_ranges(self._text)
            people = [s for s in self._spans if s.type == PERSON_RULE_TYPE]
            self._people = [s for s in people if not _inside(s, quoted)]
        index = bisect.bisect_right(self._people, start, key=END)
        return self._people[index - 1 : index] if index else []


def _speakers(
    rules: Rules,
    text: str,
    position: int,
    candidates: list[Span],
    pronoun: re.Match[str] | None,
) -> list[Span] | None:
    """Who a role keyword at ``position`` is said of, among the ``candidates`` of its
    sentence (``pronoun``: the pronoun that opens it); None for the antecedent of its
    personal pronoun."""
    before = [s for s in candidates if s.end <= position]
    people = [s for s in before if s.type == PERSON_RULE_TYPE]
    if people:
        return _coordinated(text, people[-1], candidates)
    if pronoun:
        return None if pronoun.group("pronoun") in rules.personal_pronouns else []
    after = [s for s in candidates if s.start >= position]
    if before or after:
        return _coordinated(text, before[-1] if before else after[0], candidates)
    return []


def _coordinated(text: str, chosen: Span, candidates: list[Span]) -> list[Span]:
    """``chosen`` and the candidates of its type joined to it by "and" or commas."""
    same_type = [s for s in candidates if s.type == chosen.type]
    index = same_type.index(chosen)
    group = [chosen]
    for step in (-1, 1):
        current = index
        while 0 <= current + step < len(same_type):
            left, right = sorted(
                (same_type[current], same_type[current + step]), key=lambda s: s.start
            )
            if not COORDINATION.fullmatch(text[left.end : right.start]):
                break
            current += step
            group.append(same_type[current])
    return group


# --- Label Studio results ----------------------------------------------------------------


def result_items(span: Span, text: str) -> list[dict[str, Any]]:
    """The items Label Studio's UI makes for one region: span, actor name, roles."""
    where = {"start": span.start, "end": span.end}
    surface = text[span.start : span.end]
    items = [
        _item(span, ACTOR, "labels", {**where, "text": surface, "labels": [span.type]}),
    ]
    if span.name:
        items.append(_item(span, ACTOR_NAME, "textarea", {**where, "text": [span.name]}))
    if span.roles:
        items.append(
            _item(span, ROLES, "choices", {**where, "text": surface, "choices": list(span.roles)})
        )
    return items


def _item(span: Span, from_name: str, kind: str, value: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": span.region_id,
        "from_name": from_name,
        "to_name": TEXT,
        "type": kind,
        "value": value,
    }
