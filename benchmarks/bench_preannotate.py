"""Benchmark of the pre-annotator's speed on one core (not a test).

Pre-annotates news-length articles (the five seed articles, and synthetic ones made of
their sentences, benchmarks/synth.py) with the seed gazetteer (data/actors.yaml) and the
packaged base gazetteer, and prints articles per second, in the same run, for:

- ``preannotate``: ``Preannotator.spans``, every rule (gazetteer forms found in one pass);
- ``preannotate-per-form``: the same rules with one search per gazetteer form
  (``PerFormPreannotator``, the earlier matcher, kept here as the baseline);
- ``match``: the gazetteer stage alone, folding the text and finding every whole-word
  occurrence of every form in one pass (``FormMatcher``);
- ``match-per-form``: the same with one ``str.find`` loop per form (the earlier way);
- ``regex``: the one-pass baseline: one compiled regex alternation of the same forms
  (whole words, longest first) run over the same texts, nothing else.

Each figure is the best of ``--repeat`` timed passes over the whole corpus. Ratios compare
each job with ``regex`` (how many times slower) and the one-pass jobs with their per-form
counterparts (how many times faster).

    python -m benchmarks.bench_preannotate --synthetic 500 --repeat 5
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from stancepack.annotate.gazetteer import Actor, Gazetteer, fold
from stancepack.annotate.matcher import whole_word_at
from stancepack.annotate.preannotate import (
    GOVERNMENT_RULE_TYPE,
    GOVERNMENT_WORDS,
    MODIFIER_TYPES,
    OFFICE_TITLES,
    PERSON_RULE_TYPE,
    PLACE_TYPES,
    UNNAMED_OFFICIALS,
    Preannotator,
    Span,
    _alternation,
    _is_modifier,
    _is_place,
)
from stancepack.schema.taxonomy import Taxonomy

REPO = Path(__file__).resolve().parents[1]
SEED_GAZETTEER = REPO / "data" / "actors.yaml"
SEED_ARTICLES = REPO / "data" / "articles"
SYNTHETIC_SEED = 11
JOBS = ("preannotate", "preannotate-per-form", "match", "match-per-form", "regex")


# --- the earlier matcher: one search per form (baseline and test oracle) ----------------


def find_whole_words(text: str, form: str) -> Iterator[int]:
    """Start offsets of ``form`` in ``text`` as whole words, one ``str.find`` at a time."""
    start = text.find(form)
    while start != -1:
        if whole_word_at(text, start, start + len(form)):
            yield start
        start = text.find(form, start + 1)


def per_form_occurrences(forms: list[str], folded: str) -> list[tuple[int, int, str]]:
    """Every whole-word occurrence of every form, one search per form."""
    return [
        (start, start + len(form), form)
        for form in forms
        for start in find_whole_words(folded, form)
    ]


class PerFormPreannotator(Preannotator):
    """The pre-annotator with its earlier gazetteer matching: one search per surface form
    and one regex alternation of the forms per rule."""

    def __init__(self, gazetteer: Gazetteer, taxonomy: Taxonomy):
        super().__init__(gazetteer, taxonomy)
        actors = gazetteer.actors
        names = {fold(form): actor for actor in actors for form in actor.surface_forms}
        self._forms = sorted(names.items(), key=lambda item: (-len(item[0]), item[0]))
        countries = [a for a in actors if a.type == GOVERNMENT_RULE_TYPE]
        country_forms = [fold(f) for a in countries for f in (*a.surface_forms, *a.demonyms)]
        bodies = [a for a in actors if a.type in MODIFIER_TYPES]
        body_forms = [fold(f) for a in bodies for f in (*a.surface_forms, *a.demonyms)]
        possessor = _alternation(fold(f) for a in countries for f in a.surface_forms)
        self._office = re.compile(
            rf"(?<!\w)(?:{possessor})'s (?i:{_alternation(OFFICE_TITLES)})(?!\w)"
        )
        self._unnamed = re.compile(
            rf"(?<!\w)(?:[Aa]n?) (?:{_alternation(body_forms)}) "
            rf"(?:{_alternation(UNNAMED_OFFICIALS)})(?!\w)"
        )
        self._government = re.compile(
            rf"(?<!\w)(?P<country>{_alternation(country_forms)}) "
            rf"(?:{_alternation(GOVERNMENT_WORDS)})(?!\w)"
        )
        self._country_of_form = {
            fold(f): a for a in countries for f in (*a.surface_forms, *a.demonyms)
        }

    def _candidates(self, text: str, folded: str) -> list[Span]:
        return [
            *self._per_form_gazetteer_spans(folded),
            *self._titled_people(text, folded),
            *self._per_form_unnamed_officials(text, folded),
            *self._per_form_governments(folded),
        ]

    def _per_form_gazetteer_spans(self, folded: str) -> Iterator[Span]:
        for form, actor in self._forms:
            for start in find_whole_words(folded, form):
                end = start + len(form)
                if actor.type in PLACE_TYPES and _is_place(folded, start):
                    continue
                if actor.type in MODIFIER_TYPES and _is_modifier(folded, end):
                    continue
                yield Span(start, end, actor.type, actor.name, "gazetteer", actor)

    def _per_form_unnamed_officials(self, text: str, folded: str) -> Iterator[Span]:
        for pattern in (self._office, self._unnamed):
            for match in pattern.finditer(folded):
                person = self._person_after(text, folded, match.end())
                if person is None:
                    yield Span(match.start(), match.end(), PERSON_RULE_TYPE, "", "unnamed")
                else:
                    end, name, actor = person
                    yield Span(match.start(), end, PERSON_RULE_TYPE, name, "title", actor)

    def _per_form_governments(self, folded: str) -> Iterator[Span]:
        for match in self._government.finditer(folded):
            country: Actor = self._country_of_form[match.group("country")]
            start, end = match.span()
            yield Span(start, end, GOVERNMENT_RULE_TYPE, country.name, "government", country)
