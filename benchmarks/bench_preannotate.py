"""Benchmark of the pre-annotator's speed on one core (not a test).

Pre-annotates news-length articles (the five seed articles, and synthetic ones made of
their sentences, benchmarks/synth.py) with the seed gazetteer (data/actors.yaml) and the
packaged base gazetteer, and prints articles per second, in the same run, for:

- ``preannotate``: ``Preannotator.spans``, the default pre-annotator with its strict
  rules (gazetteer forms, title heads, role keywords and the other words of the
  lower-cased lists, and cue words found in one pass, ``annotate.reading``);
- ``preannotate-earlier``: the same without the strict rules (``strict=False``);
- ``preannotate-earlier-per-form``: that with one search per gazetteer form
  (``PerFormPreannotator``, the earlier matcher, kept here as the baseline);
- ``mentions``: ``Preannotator.mentions``, the spans without their roles (what role
  keywords cost is the difference with ``preannotate``);
- ``match``: the gazetteer stage alone, folding and lower-casing the text and finding
  every whole-word occurrence of every form in one pass (``LayeredMatcher`` with the
  gazetteer's layer only, as a reading runs it);
- ``match-per-form``: the same with one ``str.find`` loop per form (the earlier way);
- ``regex``: the one-pass baseline: one compiled regex alternation of the same forms
  (whole words, longest first) run over the same texts, nothing else.

Each figure is the best CPU time of ``--repeat`` passes over the whole corpus (the seed
articles several times over, ``MIN_TIMED_ARTICLES``). Ratios compare
each job with ``regex`` (how many times slower) and the one-pass jobs with their per-form
counterparts (how many times faster).

    python -m benchmarks.bench_preannotate --synthetic 500 --repeat 7
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from benchmarks.synth import make_text, seed_sentences
from stancepack.annotate.articles import ingest
from stancepack.annotate.matcher import FormMatcher, Layer, LayeredMatcher, lower, whole_word_at
from stancepack.annotate.preannotate import (
    GOVERNMENT_RULE_TYPE,
    MODIFIER_TYPES,
    PERSON_RULE_TYPE,
    PLACE_TYPES,
    Preannotator,
    Span,
    _is_modifier,
    _is_place,
    form_uses,
)
from stancepack.annotate.reading import Reading
from stancepack.annotate.rules import alternation as _alternation
from stancepack.schema.base_gazetteer import load_base_gazetteer
from stancepack.schema.gazetteer import Actor, Gazetteer, fold, load_gazetteer
from stancepack.schema.taxonomy import Taxonomy, load_taxonomy

REPO = Path(__file__).resolve().parents[1]
SEED_GAZETTEER = REPO / "data" / "actors.yaml"
SEED_ARTICLES = REPO / "data" / "articles"
SYNTHETIC_SEED = 11
# A timed pass goes through the corpus as many times as it takes to cover this many
# articles (the five seed articles are too few to time once).
MIN_TIMED_ARTICLES = 100
JOBS = (
    "preannotate",
    "preannotate-earlier",
    "preannotate-earlier-per-form",
    "mentions",
    "match",
    "match-per-form",
    "regex",
)
# The pre-annotator's speed before one-pass matching (articles per second, one core) and
# the targets: at least 20 times that, and within 3 times of the regex baseline.
EARLIER_ARTICLES_PER_SECOND = 95
TARGET_SPEED_UP = 20
TARGET_REGEX_RATIO = 3


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
        super().__init__(gazetteer, taxonomy, strict=False)
        lists = self.rules.lists
        actors = gazetteer.actors
        names = {fold(form): actor for actor in actors for form in actor.surface_forms}
        self._forms = sorted(names.items(), key=lambda item: (-len(item[0]), item[0]))
        countries = [a for a in actors if a.type == GOVERNMENT_RULE_TYPE]
        country_forms = [fold(f) for a in countries for f in (*a.surface_forms, *a.demonyms)]
        bodies = [a for a in actors if a.type in MODIFIER_TYPES]
        body_forms = [fold(f) for a in bodies for f in (*a.surface_forms, *a.demonyms)]
        possessor = _alternation(fold(f) for a in countries for f in a.surface_forms)
        self._office = re.compile(
            rf"(?<!\w)(?:{possessor})'s (?i:{_alternation(lists['office_titles'])})(?!\w)"
        )
        self._unnamed = re.compile(
            rf"(?<!\w)(?:[Aa]n?) (?:{_alternation(body_forms)}) "
            rf"(?:{_alternation(lists['unnamed_officials'])})(?!\w)"
        )
        self._government = re.compile(
            rf"(?<!\w)(?P<country>{_alternation(country_forms)}) "
            rf"(?:{_alternation(lists['government_words'])})(?!\w)"
        )
        self._title_heads = FormMatcher(self.rules.title_head_forms)
        self._country_of_form = {
            fold(f): a for a in countries for f in (*a.surface_forms, *a.demonyms)
        }

    def _candidates(self, reading: Reading) -> list[Span]:
        text, folded = reading.text, reading.folded
        title_heads = [(start, end) for start, end, _ in self._title_heads.occurrences(folded)]
        return [
            *self._per_form_gazetteer_spans(folded),
            *self._titled_people(text, folded, title_heads),
            *self._per_form_unnamed_officials(text, folded),
            *self._per_form_governments(folded),
        ]

    def _per_form_gazetteer_spans(self, folded: str) -> Iterator[Span]:
        for form, actor in self._forms:
            for start in find_whole_words(folded, form):
                end = start + len(form)
                if actor.type in PLACE_TYPES and _is_place(self.rules, folded, start):
                    continue
                if actor.type in MODIFIER_TYPES and _is_modifier(self.rules, folded, end):
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


# --- the benchmark ---------------------------------------------------------------------


def corpora(synthetic: int) -> dict[str, list[str]]:
    """The seed articles, and ``synthetic`` news-length articles made of their sentences."""
    rng = random.Random(SYNTHETIC_SEED)
    sentences = seed_sentences()
    return {
        "seed": [article.text for article in ingest([SEED_ARTICLES]).articles],
        "synthetic": [make_text(rng, sentences, number)[1] for number in range(synthetic)],
    }


def regex_baseline(forms: list[str]) -> re.Pattern[str]:
    """One compiled alternation of ``forms``, whole words, longest first."""
    return re.compile(rf"(?<!\w)(?:{_alternation(forms)})(?!\w)")


def jobs(gazetteer: Gazetteer, taxonomy: Taxonomy) -> dict[str, Callable[[str], Any]]:
    """What each job does to one article."""
    one_pass = Preannotator(gazetteer, taxonomy)
    earlier = Preannotator(gazetteer, taxonomy, strict=False)
    per_form = PerFormPreannotator(gazetteer, taxonomy)
    uses = form_uses(gazetteer)
    matcher = LayeredMatcher([Layer(uses, cased=True)])
    forms = sorted(uses, key=lambda form: (-len(form), form))
    regex = regex_baseline(forms)
    return {
        "preannotate": one_pass.spans,
        "preannotate-earlier": earlier.spans,
        "preannotate-earlier-per-form": per_form.spans,
        "mentions": one_pass.mentions,
        "match": lambda text: matcher.occurrences(folded := fold(text), lower(folded)),
        "match-per-form": lambda text: per_form_occurrences(forms, fold(text)),
        "regex": lambda text: list(regex.finditer(text)),
    }


def best_seconds(work: dict[str, Callable[[str], Any]], texts: list[str], repeat: int) -> dict:
    """The best CPU time of ``repeat`` passes over ``texts`` for each job (the process's
    own time, so that other work on the machine weighs less), the jobs taken in turn so
    that a busy moment of the machine does not fall on one job only, each pass in another
    order (a job does not always follow the same one)."""
    best = dict.fromkeys(work, float("inf"))
    names = list(work)
    for number in range(repeat):
        shift = number % len(names)
        for name in names[shift:] + names[:shift]:
            job = work[name]
            clock = time.process_time()
            for text in texts:
                job(text)
            best[name] = min(best[name], time.process_time() - clock)
    return best


def measure(
    gazetteers: dict[str, Gazetteer], texts: dict[str, list[str]], repeat: int
) -> list[dict[str, Any]]:
    taxonomy = load_taxonomy()
    rows = []
    for gazetteer_name, gazetteer in gazetteers.items():
        work = jobs(gazetteer, taxonomy)
        forms = len(form_uses(gazetteer))
        for corpus, articles in texts.items():
            check_same_spans(gazetteer, taxonomy, articles)
            timed = articles * -(-MIN_TIMED_ARTICLES // len(articles))
            seconds = best_seconds(work, timed, repeat)
            for job in JOBS:
                rows.append(
                    {
                        "gazetteer": gazetteer_name,
                        "forms": forms,
                        "corpus": corpus,
                        "articles": len(articles),
                        "job": job,
                        "articles_per_second": len(timed) / seconds[job],
                        "times_regex": seconds[job] / seconds["regex"],
                        "per_form_ratio": _per_form_ratio(job, seconds),
                    }
                )
    return rows


def _per_form_ratio(job: str, seconds: dict[str, float]) -> float | None:
    """How many times faster than its per-form counterpart a one-pass job is."""
    counterpart = f"{job}-per-form"
    return seconds[counterpart] / seconds[job] if counterpart in seconds else None


def check_same_spans(gazetteer: Gazetteer, taxonomy: Taxonomy, articles: list[str]) -> None:
    one_pass = Preannotator(gazetteer, taxonomy, strict=False)
    per_form = PerFormPreannotator(gazetteer, taxonomy)
    for number, text in enumerate(articles):
        if one_pass.spans(text) != per_form.spans(text):
            raise SystemExit(f"article {number}: one-pass and per-form proposals differ")


def table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| gazetteer (forms) | articles | job | articles/s | × regex time | × per-form speed |",
        "| --- | --- | --- | ---: | ---: | ---: |",
    ]
    for row in rows:
        ratio = row["per_form_ratio"]
        lines.append(
            f"| {row['gazetteer']} ({row['forms']}) | {row['corpus']} ({row['articles']}) "
            f"| {row['job']} | {row['articles_per_second']:,.0f} | {row['times_regex']:.2f} "
            f"| {'' if ratio is None else f'{ratio:.1f}'} |"
        )
    return "\n".join(lines)


def targets(rows: list[dict[str, Any]]) -> str:
    """Each target on the synthetic articles with the base gazetteer: met or not."""
    found = {
        row["job"]: row
        for row in rows
        if (row["gazetteer"], row["corpus"]) == ("base", "synthetic")
    }
    floor = TARGET_SPEED_UP * EARLIER_ARTICLES_PER_SECOND
    checks = [
        (
            f"preannotate ≥ {TARGET_SPEED_UP} × {EARLIER_ARTICLES_PER_SECOND} articles/s",
            found["preannotate"]["articles_per_second"] >= floor,
        ),
        *(
            (f"{job} ≤ {TARGET_REGEX_RATIO} × regex time", found[job]["times_regex"] <= 3)
            for job in ("preannotate", "match")
        ),
    ]
    return "\n".join(f"- {text}: {'met' if met else 'NOT met'}" for text, met in checks)


def pin_to_one_core() -> str:
    """Run on one CPU (the first this process may use) where the system allows it."""
    if not hasattr(os, "sched_setaffinity"):
        return "not pinned"
    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    return f"pinned to CPU {cpu}"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--synthetic", type=int, default=500, help="Synthetic articles.")
    parser.add_argument("--repeat", type=int, default=5, help="Timed passes per job.")
    args = parser.parse_args()
    pinned = pin_to_one_core()
    gazetteers = {"seed": load_gazetteer(SEED_GAZETTEER), "base": load_base_gazetteer()}
    rows = measure(gazetteers, corpora(args.synthetic), args.repeat)
    print(f"Python {platform.python_version()}, {platform.machine()}, {pinned}")
    print(table(rows))
    print(targets(rows))


if __name__ == "__main__":
    main()
