"""Inter-annotator agreement on the human annotations of an export.

- Matched mentions: the same span (start, end) with the same actor type in the same
  article, marked by at least two annotators (the adjudication's matching rule).
- Stance: Krippendorff's alpha (nominal, the ``krippendorff`` package) over matched
  mentions; an annotator who gave no stance to a mention gives no value for it.
- Roles: for each role, Krippendorff's alpha (nominal, present / absent) over matched
  mentions, every annotator who marked the mention giving a value.
- Spans: F1 between each pair of annotators over the articles both annotated, a mention of
  one matching a mention of the other under the matching rule; F1 = 2 * matched /
  (mentions of A + mentions of B). ``overall_span_f1`` pools the counts of all pairs.

Alpha is not defined (``None``, with the reason) when no mention has two values, or when
every value given is the same one. With one annotator per task nothing can be measured.

Ground-truth annotations (a curator's adjudication, or any annotation starred as ground
truth) are not independent judgements: they take no part in the agreement figures.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import asdict, dataclass
from itertools import combinations
from typing import Any

from stancepack.export.dataset.adjudicate import (
    FlatTables,
    Mark,
    MentionKey,
    collect_marks,
    select_voters,
)
from stancepack.schema.taxonomy import Taxonomy

DIGITS = 4
ABSENT, PRESENT = "absent", "present"


@dataclass(frozen=True)
class Alpha:
    """Krippendorff's alpha of one variable, how much data it rests on, or why it is undefined."""

    value: float | None
    units: int  # matched mentions with at least two values
    values: int  # values given on those units
    note: str = ""


@dataclass(frozen=True)
class PairF1:
    """Span-level agreement of two annotators on the articles both annotated."""

    annotator_a: str
    annotator_b: str
    articles: int
    matched: int
    mentions_a: int
    mentions_b: int
    f1: float | None


@dataclass(frozen=True)
class Agreement:
    """Agreement figures of an export, as the card and ``stancepack agreement`` show them."""

    annotators: list[str]
    articles: int
    articles_with_several_annotators: int
    matched_mentions: int
    stance: Alpha
    roles: dict[str, Alpha]
    pairs: list[PairF1]
    overall_span_f1: float | None

    @property
    def measurable(self) -> bool:
        return self.articles_with_several_annotators > 0

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["measurable"] = self.measurable
        return data

    def renamed(self, names: dict[str, str]) -> Agreement:
        """The same figures with annotators renamed (e.g. pseudonymised for publication)."""
        pairs = []
        for pair in self.pairs:
            a, b = (
                names.get(pair.annotator_a, pair.annotator_a),
                names.get(pair.annotator_b, pair.annotator_b),
            )
            first, second = sorted((a, b))
            swapped = (first, second) != (a, b)
            pairs.append(
                PairF1(
                    annotator_a=first,
                    annotator_b=second,
                    articles=pair.articles,
                    matched=pair.matched,
                    mentions_a=pair.mentions_b if swapped else pair.mentions_a,
                    mentions_b=pair.mentions_a if swapped else pair.mentions_b,
                    f1=pair.f1,
                )
            )
        return Agreement(
            annotators=sorted(names.get(name, name) for name in self.annotators),
            articles=self.articles,
            articles_with_several_annotators=self.articles_with_several_annotators,
            matched_mentions=self.matched_mentions,
            stance=self.stance,
            roles=self.roles,
            pairs=sorted(pairs, key=lambda p: (p.annotator_a, p.annotator_b)),
            overall_span_f1=self.overall_span_f1,
        )


def _rounded(value: float) -> float:
    return round(float(value), DIGITS)


def nominal_alpha(units: list[list[str]], domain: list[str]) -> Alpha:
    """Krippendorff's alpha (nominal) of ``units``, each a list of the values coders gave."""
    import krippendorff
    import numpy as np

    pairable = [values for values in units if len(values) >= 2]
    n_values = sum(len(values) for values in pairable)
    if not pairable:
        return Alpha(None, 0, 0, "no matched mention has values from two annotators")
    used = sorted({value for values in pairable for value in values})
    if len(used) == 1:
        return Alpha(
            None,
            len(pairable),
            n_values,
            f"every value given is {used[0]!r}: alpha is undefined without variation",
        )
    index = {value: position for position, value in enumerate(domain)}
    counts = np.zeros((len(pairable), len(domain)), dtype=np.int64)
    for row, values in enumerate(pairable):
        for value in values:
            counts[row, index[value]] += 1
    alpha = krippendorff.alpha(value_counts=counts, level_of_measurement="nominal")
    return Alpha(_rounded(alpha), len(pairable), n_values)


def _f1(matched: int, mentions_a: int, mentions_b: int) -> float | None:
    total = mentions_a + mentions_b
    return _rounded(2 * matched / total) if total else None


def pair_f1s(
    marks_by_task: dict[str, dict[str, set[MentionKey]]],
) -> tuple[list[PairF1], float | None]:
    """Span F1 of each pair of annotators, and F1 over the pooled counts of all pairs."""
    totals: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for by_voter in marks_by_task.values():
        for a, b in combinations(sorted(by_voter), 2):
            counts = totals[(a, b)]
            counts[0] += 1
            counts[1] += len(by_voter[a] & by_voter[b])
            counts[2] += len(by_voter[a])
            counts[3] += len(by_voter[b])
    pairs = [
        PairF1(a, b, articles, matched, n_a, n_b, _f1(matched, n_a, n_b))
        for (a, b), (articles, matched, n_a, n_b) in sorted(totals.items())
    ]
    pooled = [sum(pair_counts[i] for pair_counts in totals.values()) for i in range(1, 4)]
    return pairs, _f1(*pooled) if pairs else None


def measure_agreement(tables: FlatTables, taxonomy: Taxonomy) -> Agreement:
    """Agreement of the human annotators of ``tables`` (see the module docstring)."""
    annotations = tables.annotations
    voters = select_voters(annotations[~annotations["ground_truth"].astype(bool)])
    marks = collect_marks(tables.mentions, voters.voter_of)
    by_task: dict[str, dict[str, set[MentionKey]]] = {}
    matched_units: list[list[Mark]] = []
    for task_id in sorted(voters.by_task):
        annotation_ids = voters.by_task[task_id]
        if len(annotation_ids) < 2:
            continue
        by_voter = {
            voters.voter_of[annotation_id]: set(marks.get(annotation_id, {}))
            for annotation_id in annotation_ids
        }
        by_task[task_id] = by_voter
        units: dict[MentionKey, list[Mark]] = defaultdict(list)
        for annotation_id in annotation_ids:
            for key, mark in marks.get(annotation_id, {}).items():
                units[key].append(mark)
        matched_units.extend(units[key] for key in sorted(units) if len(units[key]) >= 2)
    stance_units = [[mark.stance for mark in unit if mark.stance] for unit in matched_units]
    roles = {
        role: nominal_alpha(
            [
                [PRESENT if role in mark.roles else ABSENT for mark in unit]
                for unit in matched_units
            ],
            [ABSENT, PRESENT],
        )
        for role in taxonomy.role_values
    }
    pairs, overall = pair_f1s(by_task)
    return Agreement(
        annotators=sorted(set(voters.voter_of.values())),
        articles=len(voters.by_task),
        articles_with_several_annotators=len(by_task),
        matched_mentions=len(matched_units),
        stance=nominal_alpha(stance_units, taxonomy.stance_values),
        roles=roles,
        pairs=pairs,
        overall_span_f1=overall,
    )


def _shown(value: float | None) -> str:
    return "undefined" if value is None or math.isnan(value) else f"{value:.{DIGITS}f}"


def render_text(agreement: Agreement) -> str:
    """The figures as plain text, one per line (what ``stancepack agreement`` prints)."""
    lines = [
        f"annotators: {len(agreement.annotators)}",
        f"articles annotated: {agreement.articles}",
        f"articles with two or more annotators: {agreement.articles_with_several_annotators}",
    ]
    if not agreement.measurable:
        lines.append("agreement: not measurable (one annotator per article)")
        return "\n".join(lines) + "\n"
    lines.append(f"matched mentions: {agreement.matched_mentions}")
    lines.append(f"span F1 (all pairs): {_shown(agreement.overall_span_f1)}")
    for pair in agreement.pairs:
        lines.append(
            f"span F1 {pair.annotator_a} ~ {pair.annotator_b}: {_shown(pair.f1)} "
            f"({pair.matched} matched of {pair.mentions_a} + {pair.mentions_b}, "
            f"{pair.articles} articles)"
        )
    lines.append(_alpha_line("stance", agreement.stance))
    for role, alpha in agreement.roles.items():
        lines.append(_alpha_line(f"role {role}", alpha))
    return "\n".join(lines) + "\n"


def _alpha_line(name: str, alpha: Alpha) -> str:
    text = f"alpha {name}: {_shown(alpha.value)} ({alpha.units} mentions, {alpha.values} values)"
    return f"{text}; {alpha.note}" if alpha.note else text
