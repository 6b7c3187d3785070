"""Adjudication rules on small hand-made flattened tables (the contract of
export/validate/flatten.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from stancepack.export.dataset.adjudicate import (
    GROUND_TRUTH,
    MAJORITY,
    SINGLE,
    adjudicate,
    mention_id,
    normalise_relation,
    pool_tasks_by_article,
)
from stancepack.export.validate.flatten import (
    ANNOTATION_COLUMNS,
    ARTICLE_COLUMNS,
    MENTION_COLUMNS,
    RELATION_COLUMNS,
)
from stancepack.schema.taxonomy import load_taxonomy

TAXONOMY = load_taxonomy()
TEXT = "France and NATO and Macron and Poland said things. " * 4

# --- A tiny builder of Flattened-shaped tables --------------------------------------------


@dataclass(frozen=True)
class Tables:
    articles: pd.DataFrame
    annotations: pd.DataFrame
    mentions: pd.DataFrame
    relations: pd.DataFrame


def mark(start, end, actor_type="country", stance="", roles=(), name="", region=None):
    """One span an annotator marked (region id defaults to "r<start>")."""
    return {
        "region_id": region or f"r{start}",
        "start": start,
        "end": end,
        "text": TEXT[start:end],
        "actor_type": actor_type,
        "stance": stance,
        "roles": list(roles),
        "actor_name": name,
    }


def relation(from_region, to_region, label="same_as", direction="right"):
    return {
        "from_region": from_region,
        "to_region": to_region,
        "label": label,
        "direction": direction,
    }


def annotation(
    annotation_id,
    task_id,
    annotator,
    marks=(),
    relations=(),
    *,
    kind="annotation",
    ground_truth=False,
    cancelled=False,
    updated_at="2026-01-01T00:00:00Z",
):
    return {
        "annotation_id": annotation_id,
        "task_id": task_id,
        "annotator": annotator,
        "kind": kind,
        "ground_truth": ground_truth,
        "was_cancelled": cancelled,
        "updated_at": updated_at,
        "marks": list(marks),
        "relations": list(relations),
    }


def flat_tables(*annotations: dict[str, Any], tasks: dict[str, dict[str, str]] | None = None):
    """Flattened-shaped tables: every task named by an annotation (or in ``tasks``) becomes
    an article ``art-<task>`` with TEXT; ``tasks`` may set story_id, source, text, ..."""
    task_ids = sorted({a["task_id"] for a in annotations} | set(tasks or {}))
    articles = []
    for task_id in task_ids:
        extra = (tasks or {}).get(task_id, {})
        text = extra.get("text", TEXT)
        article_id = extra.get("article_id", f"art-{task_id}")
        articles.append(
            {
                "task_id": task_id,
                "article_id": article_id,
                "story_id": extra.get("story_id", article_id),
                "title": extra.get("title", f"Title {task_id}"),
                "source": extra.get("source", "Outlet"),
                "published": extra.get("published", ""),
                "url": extra.get("url", ""),
                "text": text,
                "text_sha256": extra.get("text_sha256", "0" * 64),
            }
        )
    article_of = {row["task_id"]: row["article_id"] for row in articles}
    annotation_rows, mention_rows, relation_rows = [], [], []
    for item in annotations:
        common = {
            "annotation_id": item["annotation_id"],
            "task_id": item["task_id"],
            "article_id": article_of[item["task_id"]],
        }
        annotation_rows.append(
            {
                **common,
                "kind": item["kind"],
                "annotator": item["annotator"],
                "annotator_id": "",
                "model_version": "model-1" if item["kind"] == "prediction" else "",
                "created_at": item["updated_at"],
                "updated_at": item["updated_at"],
                "lead_time": float("nan"),
                "was_cancelled": item["was_cancelled"],
                "ground_truth": item["ground_truth"],
                "n_results": len(item["marks"]),
            }
        )
        if not item["was_cancelled"]:
            mention_rows += [{**common, **m} for m in item["marks"]]
            relation_rows += [{**common, **r} for r in item["relations"]]
    return Tables(
        articles=pd.DataFrame(articles, columns=list(ARTICLE_COLUMNS)),
        annotations=pd.DataFrame(annotation_rows, columns=list(ANNOTATION_COLUMNS)),
        mentions=pd.DataFrame(mention_rows, columns=list(MENTION_COLUMNS)),
        relations=pd.DataFrame(relation_rows, columns=list(RELATION_COLUMNS)),
    )


# --- Helpers over the result ----------------------------------------------------------------


def rows(columns: dict[str, list[Any]]) -> list[dict[str, Any]]:
    names = list(columns)
    return [dict(zip(names, values, strict=True)) for values in zip(*columns.values(), strict=True)]


def by_span(result) -> dict[tuple[int, int, str], dict[str, Any]]:
    return {(r["start"], r["end"], r["actor_type"]): r for r in rows(result.mentions)}


FRANCE = (0, 6)
NATO = (11, 15)
MACRON = (20, 26)
POLAND = (31, 37)


# --- Mentions -----------------------------------------------------------------------------


def test_one_annotator_keeps_everything_as_marked():
    tables = flat_tables(
        annotation(
            "1",
            "t1",
            "ann@example.org",
            [
                mark(*FRANCE, "country", "support", ["training", "demining"], "France"),
                mark(*NATO, "organization", "oppose"),
            ],
        )
    )
    result = adjudicate(tables, TAXONOMY)
    france = by_span(result)[(*FRANCE, "country")]
    assert france == {
        "task_id": "t1",
        "mention_id": mention_id("art-t1", 0, 6, "country"),
        "article_id": "art-t1",
        "start": 0,
        "end": 6,
        "text": "France",
        "actor_type": "country",
        "actor_name": "France",
        "stance": "support",
        "stance_tie": False,
        "stance_votes": 1,
        "roles": ["demining", "training"],  # taxonomy order
        "roles_tied": [],
        "n_annotators": 1,
        "n_marked": 1,
        "mention_tie": False,
        "adjudication": SINGLE,
    }
    assert len(result.mentions["mention_id"]) == 2
    assert result.stats["tasks_single_annotator"] == 1


def three_annotators(*marks_per_annotator, **kwargs):
    return flat_tables(
        *[
            annotation(str(i), "t1", f"a{i}@example.org", marks, **kwargs)
            for i, marks in enumerate(marks_per_annotator, 1)
        ]
    )


def test_majority_keeps_a_mention_two_of_three_marked_and_drops_one_only_one_marked():
    tables = three_annotators(
        [mark(*FRANCE, stance="support"), mark(*POLAND, stance="oppose")],
        [mark(*FRANCE, stance="support")],
        [mark(*FRANCE, stance="oppose"), mark(*NATO, "organization", "open")],
    )
    result = adjudicate(tables, TAXONOMY)
    kept = by_span(result)
    assert list(kept) == [(*FRANCE, "country")]
    france = kept[(*FRANCE, "country")]
    assert (france["n_marked"], france["n_annotators"], france["mention_tie"]) == (3, 3, False)
    assert (france["stance"], france["stance_votes"], france["stance_tie"]) == ("support", 2, False)
    assert france["adjudication"] == MAJORITY
    assert result.stats["mentions_dropped"] == 2


def test_two_of_three_is_a_majority_not_a_tie():
    tables = three_annotators([mark(*FRANCE)], [mark(*FRANCE)], [])
    france = by_span(adjudicate(tables, TAXONOMY))[(*FRANCE, "country")]
    assert (france["n_marked"], france["mention_tie"]) == (2, False)


def test_exactly_half_keeps_the_mention_and_flags_the_tie():
    tables = flat_tables(
        annotation("1", "t1", "a@example.org", [mark(*FRANCE, stance="support")]),
        annotation("2", "t1", "b@example.org", []),
    )
    result = adjudicate(tables, TAXONOMY)
    france = by_span(result)[(*FRANCE, "country")]
    assert (france["n_marked"], france["n_annotators"], france["mention_tie"]) == (1, 2, True)
    assert france["stance"] == "support"
    assert result.stats["mention_ties"] == 1


def test_same_span_with_another_actor_type_is_another_mention():
    tables = flat_tables(
        annotation("1", "t1", "a@example.org", [mark(*FRANCE, "country")]),
        annotation("2", "t1", "b@example.org", [mark(*FRANCE, "group")]),
    )
    kept = by_span(adjudicate(tables, TAXONOMY))
    assert set(kept) == {(*FRANCE, "country"), (*FRANCE, "group")}
    assert all(row["n_marked"] == 1 and row["mention_tie"] for row in kept.values())


def test_a_stance_tie_gives_no_stance_and_is_flagged():
    tables = flat_tables(
        annotation("1", "t1", "a@example.org", [mark(*FRANCE, stance="support")]),
        annotation("2", "t1", "b@example.org", [mark(*FRANCE, stance="oppose")]),
    )
    result = adjudicate(tables, TAXONOMY)
    france = by_span(result)[(*FRANCE, "country")]
    assert (france["stance"], france["stance_tie"], france["stance_votes"]) == ("", True, 1)
    assert result.stats["stance_ties"] == 1


def test_annotators_who_gave_no_stance_do_not_vote():
    tables = three_annotators(
        [mark(*FRANCE, stance="")], [mark(*FRANCE, stance="")], [mark(*FRANCE, stance="open")]
    )
    france = by_span(adjudicate(tables, TAXONOMY))[(*FRANCE, "country")]
    assert (france["stance"], france["stance_votes"], france["stance_tie"]) == ("open", 1, False)


def test_roles_are_kept_by_per_role_majority_and_half_is_a_flagged_tie():
    tables = three_annotators(
        [mark(*FRANCE, roles=["training"])],
        [mark(*FRANCE, roles=["training", "cyber"])],
        [mark(*FRANCE, roles=["cyber", "combat"])],
    )
    france = by_span(adjudicate(tables, TAXONOMY))[(*FRANCE, "country")]
    # training 2/3, cyber 2/3 kept; combat 1/3 dropped.
    assert (france["roles"], france["roles_tied"]) == (["cyber", "training"], [])

    tables = flat_tables(
        annotation("1", "t1", "a@example.org", [mark(*FRANCE, roles=["training", "other"])]),
        annotation("2", "t1", "b@example.org", [mark(*FRANCE, roles=["training"])]),
    )
    france = by_span(adjudicate(tables, TAXONOMY))[(*FRANCE, "country")]
    assert (france["roles"], france["roles_tied"]) == (["training", "other"], ["other"])


def test_roles_count_among_the_annotators_who_marked_the_mention():
    # Three annotators; two marked France, one of them chose training: 1 of 2 -> a tie.
    tables = three_annotators([mark(*FRANCE, roles=["training"])], [mark(*FRANCE)], [])
    france = by_span(adjudicate(tables, TAXONOMY))[(*FRANCE, "country")]
    assert (france["roles"], france["roles_tied"]) == (["training"], ["training"])


def test_actor_name_and_text_take_the_most_frequent_value_ties_alphabetically():
    tables = three_annotators(
        [mark(*MACRON, "person", name="Emmanuel Macron")],
        [mark(*MACRON, "person", name="")],
        [mark(*MACRON, "person", name="E. Macron")],
    )
    macron = by_span(adjudicate(tables, TAXONOMY))[(*MACRON, "person")]
    assert macron["actor_name"] == "E. Macron"  # 1 vote each: alphabetical first


def test_ground_truth_wins_even_against_the_majority():
    truth = annotation(
        "9", "t1", "lead@example.org", [mark(*NATO, "organization", "oppose")], ground_truth=True
    )
    tables = flat_tables(
        *[
            annotation(str(i), "t1", f"a{i}@example.org", [mark(*FRANCE, stance="support")])
            for i in (1, 2)
        ],
        truth,
    )
    result = adjudicate(tables, TAXONOMY)
    kept = by_span(result)
    assert list(kept) == [(*NATO, "organization")]
    nato = kept[(*NATO, "organization")]
    assert (nato["adjudication"], nato["stance"], nato["n_marked"], nato["n_annotators"]) == (
        GROUND_TRUTH,
        "oppose",
        1,
        3,
    )
    assert result.stats["tasks_ground_truth"] == 1


def test_the_latest_of_several_ground_truth_annotations_wins():
    earlier = annotation(
        "2",
        "t1",
        "lead@example.org",
        [mark(*FRANCE, stance="support")],
        ground_truth=True,
        updated_at="2026-01-01T00:00:00Z",
    )
    latest = annotation(
        "1",
        "t1",
        "chief@example.org",
        [mark(*NATO, "organization", "oppose")],
        ground_truth=True,
        updated_at="2026-03-01T00:00:00Z",
    )
    for order in ((earlier, latest), (latest, earlier)):
        kept = by_span(adjudicate(flat_tables(*order), TAXONOMY))
        assert list(kept) == [(*NATO, "organization")]
        assert kept[(*NATO, "organization")]["adjudication"] == GROUND_TRUTH


def test_predictions_and_cancelled_annotations_never_vote():
    tables = flat_tables(
        annotation("1", "t1", "a@example.org", [mark(*FRANCE)]),
        annotation("2", "t1", "b@example.org", [mark(*FRANCE)]),
        annotation("3", "t1", "", [mark(*NATO, "organization")], kind="prediction"),
        annotation("4", "t1", "c@example.org", [mark(*POLAND)], cancelled=True),
    )
    result = adjudicate(tables, TAXONOMY)
    kept = by_span(result)
    assert list(kept) == [(*FRANCE, "country")]
    assert kept[(*FRANCE, "country")]["n_annotators"] == 2
    assert result.annotators_per_task == {"t1": 2}


def test_a_task_with_only_predictions_has_no_adjudicated_mentions():
    tables = flat_tables(
        annotation("p1", "t1", "", [mark(*FRANCE)], kind="prediction"),
        annotation("1", "t2", "a@example.org", [mark(*NATO, "organization")]),
    )
    result = adjudicate(tables, TAXONOMY)
    assert result.mentions["task_id"] == ["t2"]
    assert result.stats["tasks_unannotated"] == 1


def test_each_annotator_votes_once_with_their_latest_annotation():
    tables = flat_tables(
        annotation(
            "1", "t1", "a@example.org", [mark(*NATO, "organization")], updated_at="2026-01-01"
        ),
        annotation("2", "t1", "a@example.org", [mark(*FRANCE)], updated_at="2026-02-01"),
        annotation("3", "t1", "b@example.org", [mark(*FRANCE)]),
    )
    result = adjudicate(tables, TAXONOMY)
    assert list(by_span(result)) == [(*FRANCE, "country")]
    assert result.annotators_per_task == {"t1": 2}


def test_anonymous_annotations_count_as_their_own_annotators():
    tables = flat_tables(
        annotation("1", "t1", "", [mark(*FRANCE)]),
        annotation("2", "t1", "", [mark(*NATO, "organization")]),
    )
    assert adjudicate(tables, TAXONOMY).annotators_per_task == {"t1": 2}


# --- Relations ----------------------------------------------------------------------------


def test_left_relations_become_right_ones_and_bi_ends_are_ordered():
    france, nato = (0, 6, "country"), (11, 15, "organization")
    assert normalise_relation(nato, france, "responds_to", "left") == (
        france,
        nato,
        "responds_to",
        "right",
    )
    assert normalise_relation(nato, france, "", "bi") == (france, nato, "", "bi")
    assert normalise_relation(nato, france, "", "right") == (nato, france, "", "right")


def test_relations_match_across_annotators_after_normalising_direction():
    first = annotation(
        "1",
        "t1",
        "a@example.org",
        [mark(*FRANCE, region="x"), mark(*NATO, "organization", region="y")],
        [relation("y", "x", "responds_to", "right")],
    )
    second = annotation(
        "2",
        "t1",
        "b@example.org",
        [mark(*FRANCE, region="p"), mark(*NATO, "organization", region="q")],
        [relation("p", "q", "responds_to", "left")],  # q -> p, the same relation
    )
    result = adjudicate(flat_tables(first, second), TAXONOMY)
    (row,) = rows(result.relations)
    assert row["from_mention_id"] == mention_id("art-t1", 11, 15, "organization")
    assert row["to_mention_id"] == mention_id("art-t1", 0, 6, "country")
    assert (row["label"], row["direction"], row["n_marked"], row["relation_tie"]) == (
        "responds_to",
        "right",
        2,
        False,
    )


def test_a_relation_drawn_by_one_of_two_annotators_is_kept_and_flagged_as_a_tie():
    both_marks = [mark(*FRANCE, region="f"), mark(*NATO, "organization", region="n")]
    tables = flat_tables(
        annotation("1", "t1", "a@example.org", both_marks, [relation("n", "f", "responds_to")]),
        annotation("2", "t1", "b@example.org", both_marks),
    )
    result = adjudicate(tables, TAXONOMY)
    (row,) = rows(result.relations)
    assert (row["n_marked"], row["n_annotators"], row["relation_tie"]) == (1, 2, True)
    assert row["adjudication"] == MAJORITY
    assert result.stats["relation_ties"] == 1


def test_a_relation_is_dropped_when_one_of_its_mentions_is():
    # Three annotators: all mark France; only annotator 1 marks Macron and links it.
    tables = flat_tables(
        annotation(
            "1",
            "t1",
            "a@example.org",
            [mark(*FRANCE, region="f"), mark(*MACRON, "person", region="m")],
            [relation("m", "f", "speaks_for")],
        ),
        annotation("2", "t1", "b@example.org", [mark(*FRANCE)]),
        annotation("3", "t1", "c@example.org", [mark(*FRANCE)]),
    )
    result = adjudicate(tables, TAXONOMY)
    assert result.relations["relation_id"] == []
    assert result.stats["relations_dropped"] == 1


def test_relations_naming_unknown_regions_are_counted_and_left_out():
    tables = flat_tables(
        annotation("1", "t1", "a@example.org", [mark(*FRANCE, region="f")], [relation("f", "zz")])
    )
    result = adjudicate(tables, TAXONOMY)
    assert result.relations["relation_id"] == []
    assert result.stats["relations_dangling"] == 1


def test_unlabelled_relations_keep_an_empty_label():
    tables = flat_tables(
        annotation(
            "1",
            "t1",
            "a@example.org",
            [mark(*FRANCE, region="f"), mark(*NATO, "organization", region="n")],
            [relation("n", "f", "")],
        )
    )
    (row,) = rows(adjudicate(tables, TAXONOMY).relations)
    assert (row["label"], row["adjudication"]) == ("", SINGLE)


def test_adjudication_is_deterministic_whatever_the_row_order():
    annotations = [
        annotation("1", "t1", "a@example.org", [mark(*FRANCE), mark(*NATO, "organization")]),
        annotation("2", "t1", "b@example.org", [mark(*NATO, "organization"), mark(*FRANCE)]),
        annotation("3", "t2", "a@example.org", [mark(*POLAND)]),
    ]
    first = adjudicate(flat_tables(*annotations), TAXONOMY)
    second = adjudicate(flat_tables(*reversed(annotations)), TAXONOMY)
    assert first == second


def test_tasks_holding_the_same_article_are_pooled_into_the_first():
    same = {"t1": {"article_id": "art-x"}, "t2": {"article_id": "art-x"}}
    tables = flat_tables(
        annotation("1", "t1", "a@example.org", [mark(*FRANCE, stance="support")]),
        annotation("2", "t2", "b@example.org", [mark(*FRANCE, stance="support")]),
        tasks=same,
    )
    pooled = pool_tasks_by_article(tables)
    assert list(pooled.articles["task_id"]) == ["t1"]
    assert list(pooled.annotations["task_id"]) == ["t1", "t1"]
    assert list(pooled.mentions["task_id"]) == ["t1", "t1"]
    assert pooled.pooled == {"t1": ["t2"]}
    result = adjudicate(pooled, TAXONOMY)
    (row,) = rows(result.mentions)
    assert (row["article_id"], row["n_annotators"], row["n_marked"]) == ("art-x", 2, 2)


def test_pooling_leaves_tables_without_duplicates_alone():
    tables = flat_tables(annotation("1", "t1", "a@example.org", [mark(*FRANCE)]))
    pooled = pool_tasks_by_article(tables)
    assert pooled.articles is tables.articles and pooled.pooled == {}
