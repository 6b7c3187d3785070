"""One text as the pre-annotator's rules read it.

A ``Reading`` holds a text folded (``schema.gazetteer.fold``) and lower-cased
(``matcher.lower``), its sentences, and where the words the rules look for occur, all
found in one pass over the lower-cased text (``reading_matcher``): the gazetteer's forms
and the title heads with their case, the words of the lower-cased lists (role keywords,
group heads, unnamed sources, position verbs) and the cue words that qualify a role
keyword in its sentence (negations, resets, weak-keyword cues).
"""

from __future__ import annotations

import bisect
import re
import string
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from operator import attrgetter, itemgetter
from typing import Any, NamedTuple

from stancepack.annotate.matcher import Layer, LayeredMatcher, Occurrence, lower
from stancepack.annotate.rules import (
    CUE_LISTS,
    KEYWORD_JOINERS,
    LoweredWord,
    RoleKeyword,
    Rules,
)
from stancepack.schema.gazetteer import fold

# --- sentences ---------------------------------------------------------------------------

# A line break, or . ! ? (and closing quotes or brackets) before a capital or a digit;
# written to begin with one of ``SENTENCE_END_CHARACTERS``, where it is tried.
FULL_STOPS = ".!?"
SENTENCE_END_CHARACTERS = f"{FULL_STOPS}\n"
SENTENCE_END = re.compile(
    rf"[{SENTENCE_END_CHARACTERS}](?:(?<=\n)|(?<=[{FULL_STOPS}])[\"'”’)\]]*(?=\s+[\"'“‘(]?[A-Z0-9]))"
)
# Abbreviations whose full stop ends no sentence, besides initials ("U.S.").
ABBREVIATIONS = (
    *("Mr", "Mrs", "Ms", "Dr", "Gen", "St"),
    *("Jan", "Feb", "Mar", "Apr", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec"),
)
ABBREVIATION = re.compile(rf"(?:\b[A-Z]\.|\b(?:{'|'.join(ABBREVIATIONS)})\.)$")
# The longest abbreviation, its full stop included.
ABBREVIATION_LENGTH = max(len(abbreviation) for abbreviation in ABBREVIATIONS) + 1
# The characters an abbreviation ends with, before its full stop.
ABBREVIATION_LAST = frozenset(string.ascii_uppercase).union(a[-1] for a in ABBREVIATIONS)


def _sentence_ends(text: str) -> Iterator[re.Match[str]]:
    """The matches of ``SENTENCE_END`` in ``text``, in order (as ``finditer``): the pattern
    tried where one of the characters it begins with is (found by ``str.find``, much faster
    than the regex engine's scan); a match holds no other such character, so none
    overlap."""
    positions = []
    for character in SENTENCE_END_CHARACTERS:
        position = text.find(character)
        while position != -1:
            positions.append(position)
            position = text.find(character, position + 1)
    for position in sorted(positions):
        match = SENTENCE_END.match(text, position)
        if match is not None:
            yield match


def after_abbreviation(text: str, window: int, stop: int) -> bool:
    """True when the full stop at ``stop`` ends an abbreviation or an initial that begins
    after ``window`` (the pattern searched only where its last letter is)."""
    if text[stop] != "." or text[stop - 1 : stop] not in ABBREVIATION_LAST:
        return False
    return ABBREVIATION.search(text, window, stop + 1) is not None


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence: split at line breaks and at . ! ? before a capital,
    except after initials and common abbreviations ("U.S.", "Feb.")."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _sentence_ends(text):
        stop = match.start()
        if after_abbreviation(text, max(start, stop - ABBREVIATION_LENGTH), stop):
            continue
        spans.append((start, match.end()))
        start = match.end()
    spans.append((start, len(text)))
    trimmed = []
    for start, end in spans:  # without the white space around each
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end > start:
            trimmed.append((start, end))
    return trimmed


# --- the words of a text, in one pass ----------------------------------------------------

# The layers of a reading's matcher, in order: the gazetteer's forms (with their case),
# the title heads (with their case), the words of the lower-cased lists, the cue words.
FORMS, TITLE_HEADS, WORDS, CUES = range(4)


def reading_matcher(rules: Rules, forms: Mapping[str, Any]) -> LayeredMatcher:
    """The matcher of a reading: ``forms`` (folded gazetteer forms and their values) and
    the words of ``rules``, as the layers ``FORMS``, ``TITLE_HEADS``, ``WORDS``, ``CUES``."""
    return LayeredMatcher(
        [
            Layer(forms, cased=True),
            Layer(rules.title_head_forms, cased=True),
            Layer(rules.word_forms, joiners=KEYWORD_JOINERS),
            Layer(rules.cue_forms),
        ]
    )


@cache
def words_matcher(rules: Rules) -> LayeredMatcher:
    """The matcher of a reading with no gazetteer forms (built once for ``rules``)."""
    return reading_matcher(rules, {})


@dataclass(frozen=True)
class LoweredHits:
    """Where the words of the lower-cased lists occur in one text: role keywords (in
    text order, the longest first at one start), group heads, unnamed sources (with
    whether plural) and position verbs."""

    keywords: list[Occurrence[RoleKeyword]]
    group_heads: list[tuple[int, int]]
    sources: list[Occurrence[bool]]
    positions: list[Occurrence[LoweredWord]]

    @classmethod
    def of(cls, found: list[Occurrence[LoweredWord]]) -> LoweredHits:
        """The words of the ``WORDS`` layer's occurrences, sorted by kind."""
        keywords: list[Occurrence[RoleKeyword]] = []
        heads: list[tuple[int, int]] = []
        sources: list[Occurrence[bool]] = []
        positions: list[Occurrence[LoweredWord]] = []
        for occurrence in sorted(found):
            start, end, word = occurrence
            if word.keyword is not None:
                keywords.append(Occurrence(start, end, word.keyword))
            if word.group_head:
                heads.append((start, end))
            if word.source_plural is not None:
                sources.append(Occurrence(start, end, word.source_plural))
            if word.position:
                positions.append(occurrence)
        keywords.sort(key=lambda keyword: (keyword.start, -keyword.end))
        return cls(keywords, heads, sources, positions)


class Reading:
    """One text as the rules read it: folded, lower-cased, the occurrences of the
    gazetteer's forms (``forms``, in order of their ends), the title heads (``(start,
    end)``), the words of the lower-cased lists (``words``), the cue words (``cues``, in
    text order), and its sentences (found when first asked for)."""

    def __init__(self, text: str, matcher: LayeredMatcher):
        self.text = text
        self.folded = fold(text)
        self.lowered = lower(self.folded)
        found = matcher.occurrences(self.folded, self.lowered)
        self.forms: list[Occurrence[Any]] = found[FORMS]
        self.title_heads = [(start, end) for start, end, _ in found[TITLE_HEADS]]
        self.words = LoweredHits.of(found[WORDS])
        self.cues: list[Occurrence[tuple[str, ...]]] = sorted(found[CUES])
        self._sentences: list[tuple[int, int]] | None = None

    @property
    def sentences(self) -> list[tuple[int, int]]:
        if self._sentences is None:
            self._sentences = sentence_spans(self.text)
        return self._sentences


# The end of a span or an occurrence, and the first item of a pair.
END, FIRST = attrgetter("end"), itemgetter(0)


def within(places: Sequence[Any], start: int, end: int) -> list[Any]:
    """The items of ``places`` (tuples that begin with a start, with an ``end``, in text
    order) that lie inside ``start:end``."""
    # a tuple whose first item is a start comes before each place that starts there
    first = bisect.bisect_left(places, (start,))
    last = bisect.bisect_left(places, (end,))
    return [place for place in places[first:last] if place.end <= end]


# --- the cues of a sentence --------------------------------------------------------------


class SentenceCues(NamedTuple):
    """The words of one sentence that qualify its role keywords (offsets in the text):
    whether it holds a weak-keyword cue, and each negation cue and negation reset."""

    cued: bool
    negations: list[Occurrence[str]]
    resets: list[Occurrence[str]]


def sentence_cues(reading: Reading, start: int, end: int) -> SentenceCues:
    """The cues of the sentence ``start:end`` of a text."""
    places: dict[str, list[Occurrence[str]]] = {key: [] for key in CUE_LISTS}
    for cue_start, cue_end, kinds in within(reading.cues, start, end):
        for kind in kinds:
            places[kind].append(Occurrence(cue_start, cue_end, kind))
    return SentenceCues(
        bool(places["weak_keyword_cues"]),
        sorted(places["negation_cues"]),
        sorted(places["negation_resets"]),
    )
