"""Agreement figures against values worked out by hand on small cases."""

import json
from dataclasses import replace

import pandas as pd
import pytest

from stancepack.export.dataset.agreement import Alpha, measure_agreement, nominal_alpha, render_text
from stancepack.schema.taxonomy import load_taxonomy
from tests.test_adjudicate import FRANCE, MACRON, NATO, POLAND, annotation, flat_tables, mark

TAXONOMY = load_taxonomy()
GERMANY = (40, 46)  # any span: offsets are all that matching looks at
BERLIN = (50, 56)


def two_annotator_case():
    """Two annotators, two articles.

    Article t1: A marks France (support, training), NATO (oppose), Macron (support,
    training); B marks France (support, training), NATO (oppose), Macron (oppose), Poland.
    Article t2: A marks Germany (neutral) and Berlin; B marks Germany (neutral) and NATO.
    Matched (same span, same type, both annotators): France, NATO, Macron, Germany = 4.
    """
    a = "a@example.org"
    b = "b@example.org"
    return flat_tables(
        annotation(
            "1",
            "t1",
            a,
            [
                mark(*FRANCE, stance="support", roles=["training"]),
                mark(*NATO, "organization", "oppose"),
                mark(*MACRON, "person", "support", roles=["training"]),
            ],
        ),
        annotation(
            "2",
            "t1",
            b,
            [
                mark(*FRANCE, stance="support", roles=["training"]),
                mark(*NATO, "organization", "oppose"),
                mark(*MACRON, "person", "oppose"),
                mark(*POLAND),
            ],
        ),
        annotation("3", "t2", a, [mark(*GERMANY, stance="neutral"), mark(*BERLIN)]),
        annotation("4", "t2", b, [mark(*GERMANY, stance="neutral"), mark(*NATO, "organization")]),
    )


def test_stance_alpha_by_hand():
    # Matched stances: (support, support), (oppose, oppose), (support, oppose),
    # (neutral, neutral); Berlin/Poland/NATO-in-t2 are marked once and do not count.
    # Coincidences (each unit of 2 values adds both ordered pairs with weight 1/(2-1)):
    # o[s,s] = 2, o[o,o] = 2, o[n,n] = 2, o[s,o] = o[o,s] = 1; n = 8 values.
    # n_support = 3, n_oppose = 3, n_neutral = 2.
    # D_o = (o[s,o] + o[o,s]) / n = 2 / 8 = 0.25
    # D_e = (n^2 - sum n_c^2) / (n (n - 1)) = (64 - 9 - 9 - 4) / 56 = 42 / 56 = 0.75
    # alpha = 1 - D_o / D_e = 1 - 1/3 = 0.6667
    figures = measure_agreement(two_annotator_case(), TAXONOMY)
    assert figures.stance == Alpha(0.6667, units=4, values=8)
    assert figures.matched_mentions == 4


def test_role_alpha_by_hand():
    # training, over the 4 matched mentions: France (present, present), NATO (absent,
    # absent), Macron (present, absent), Germany (absent, absent). n = 8 values;
    # n_present = 3, n_absent = 5. D_o = 2 / 8 = 0.25;
    # D_e = (64 - 9 - 25) / 56 = 30 / 56 = 0.535714; alpha = 1 - 0.25 / 0.535714 = 0.5333
    figures = measure_agreement(two_annotator_case(), TAXONOMY)
    assert figures.roles["training"] == Alpha(0.5333, units=4, values=8)


def test_a_role_nobody_chose_has_no_alpha_and_says_why():
    figures = measure_agreement(two_annotator_case(), TAXONOMY)
    assert figures.roles["combat"] == Alpha(
        None, 4, 8, "every value given is 'absent': alpha is undefined without variation"
    )


def test_span_f1_by_hand():
    # A marks 3 + 2 = 5 mentions, B marks 4 + 2 = 6; 4 match. F1 = 2 * 4 / (5 + 6) = 0.7273
    figures = measure_agreement(two_annotator_case(), TAXONOMY)
    (pair,) = figures.pairs
    assert (pair.annotator_a, pair.annotator_b) == ("a@example.org", "b@example.org")
    assert (pair.articles, pair.matched, pair.mentions_a, pair.mentions_b) == (2, 4, 5, 6)
    assert pair.f1 == 0.7273
    assert figures.overall_span_f1 == 0.7273


def test_three_annotators_give_three_pairs_and_pooled_f1():
    # a: France, NATO; b: France; c: NATO.
    # a~b: 1 matched, 2 + 1 -> 2/3 = 0.6667; a~c: 1, 2 + 1 -> 0.6667; b~c: 0, 1 + 1 -> 0.
    # Pooled: 2 * (1 + 1 + 0) / ((2+1) + (2+1) + (1+1)) = 4 / 8 = 0.5
    tables = flat_tables(
        annotation("1", "t1", "a", [mark(*FRANCE), mark(*NATO, "organization")]),
        annotation("2", "t1", "b", [mark(*FRANCE)]),
        annotation("3", "t1", "c", [mark(*NATO, "organization")]),
    )
    figures = measure_agreement(tables, TAXONOMY)
    assert [(p.annotator_a, p.annotator_b, p.f1) for p in figures.pairs] == [
        ("a", "b", 0.6667),
        ("a", "c", 0.6667),
        ("b", "c", 0.0),
    ]
    assert figures.overall_span_f1 == 0.5


def test_alpha_with_a_missing_value_and_three_coders():
    # Unit 1: (support, support, oppose) -> each ordered pair weighs 1/(3-1) = 0.5:
    #   o[s,s] += 2 * 0.5 = 1; o[s,o] += 2 * 0.5 = 1; o[o,s] += 1.
    # Unit 2: (oppose, oppose) -> o[o,o] += 2. n = 5; n_s = 2, n_o = 3.
    # D_o = 2 / 5 = 0.4; D_e = (25 - 4 - 9) / 20 = 0.6; alpha = 1 - 0.4 / 0.6 = 0.3333
    alpha = nominal_alpha(
        [["support", "support", "oppose"], ["oppose", "oppose"], ["open"]], TAXONOMY.stance_values
    )
    assert alpha == Alpha(0.3333, units=2, values=5)


def test_one_annotator_per_article_is_not_measurable():
    tables = flat_tables(
        annotation("1", "t1", "a@example.org", [mark(*FRANCE, stance="support")]),
        annotation("2", "t2", "b@example.org", [mark(*NATO, "organization", "oppose")]),
    )
    figures = measure_agreement(tables, TAXONOMY)
    assert not figures.measurable
    assert figures.pairs == [] and figures.overall_span_f1 is None
    assert figures.stance == Alpha(None, 0, 0, "no matched mention has values from two annotators")
    assert render_text(figures) == (
        "annotators: 2\n"
        "articles annotated: 2\n"
        "articles with two or more annotators: 0\n"
        "agreement: not measurable (one annotator per article)\n"
    )


def test_render_text_lists_every_figure():
    text = render_text(measure_agreement(two_annotator_case(), TAXONOMY))
    lines = text.splitlines()
    assert lines[:7] == [
        "annotators: 2",
        "articles annotated: 2",
        "articles with two or more annotators: 2",
        "matched mentions: 4",
        "span F1 (all pairs): 0.7273",
        "span F1 a@example.org ~ b@example.org: 0.7273 (4 matched of 5 + 6, 2 articles)",
        "alpha stance: 0.6667 (4 mentions, 8 values)",
    ]
    assert "alpha role training: 0.5333 (4 mentions, 8 values)" in lines
    assert len(lines) == 7 + len(TAXONOMY.role_values)


def test_figures_survive_json_and_renaming():
    figures = measure_agreement(two_annotator_case(), TAXONOMY)
    renamed = figures.renamed({"a@example.org": "annotator_02", "b@example.org": "annotator_01"})
    (pair,) = renamed.pairs
    # Renaming swaps the pair into sorted order, with the counts following the names.
    assert (pair.annotator_a, pair.mentions_a, pair.mentions_b) == ("annotator_01", 6, 5)
    data = json.loads(json.dumps(renamed.to_dict()))
    assert data["measurable"] is True
    assert data["stance"]["value"] == pytest.approx(0.6667)


def test_a_ground_truth_curation_takes_no_part_in_agreement():
    """A curator's ground-truth annotation agreeing with annotator B would raise the stance
    alpha if it counted as a third annotator; the figures stay those of A and B."""
    plain = two_annotator_case()
    curated = two_annotator_case()
    curation = flat_tables(
        annotation(
            "9",
            "t1",
            "curator@example.org",
            [
                mark(*FRANCE, stance="support", roles=["training"]),
                mark(*NATO, "organization", "oppose"),
                mark(*MACRON, "person", "oppose"),
            ],
            ground_truth=True,
        )
    )
    curated = replace(
        curated,
        annotations=pd.concat([curated.annotations, curation.annotations], ignore_index=True),
        mentions=pd.concat([curated.mentions, curation.mentions], ignore_index=True),
    )
    expected = measure_agreement(plain, TAXONOMY)
    assert measure_agreement(curated, TAXONOMY) == expected
    assert expected.stance == Alpha(0.6667, units=4, values=8)
