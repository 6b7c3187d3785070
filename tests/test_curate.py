"""The curation draft is always a valid annotation: alternative spans that two annotators
chose for one actor (tied, overlapping, same label) are not both put in."""

from __future__ import annotations

from stancepack.export.dataset.curate import Tie, without_overlaps


def mention(mention_id, start, end, text, actor_type="person", tie=True):
    return {
        "mention_id": mention_id,
        "start": start,
        "end": end,
        "text": text,
        "actor_type": actor_type,
        "mention_tie": tie,
    }


def relation(source, target, label="same_as"):
    return {"from_mention_id": source, "to_mention_id": target, "label": label}


# "French President Emmanuel Macron said ... France ..." marked two ways by two annotators.
LONG = mention("m-long", 0, 32, "French President Emmanuel Macron")
SHORT = mention("m-short", 17, 32, "Emmanuel Macron")
FRANCE = mention("m-france", 50, 56, "France", "country", tie=False)
NESTED_OTHER_LABEL = mention("m-president", 7, 16, "President", "organization")


def test_of_two_tied_alternative_spans_the_longer_is_drafted_and_the_other_listed():
    kept, linked, ties = without_overlaps(
        "7",
        [SHORT, FRANCE, LONG, NESTED_OTHER_LABEL],
        [relation("m-short", "m-france", "speaks_for"), relation("m-long", "m-france")],
    )
    assert [m["mention_id"] for m in kept] == ["m-long", "m-president", "m-france"]
    assert linked == [relation("m-long", "m-france")]
    assert ties == [
        Tie(
            "7",
            "mention 'Emmanuel Macron' (person, 17-32) overlaps 'French President Emmanuel "
            "Macron' (person, 0-32): left out of the draft",
        )
    ]


def test_a_mention_kept_by_a_majority_wins_over_a_longer_tied_one():
    majority = mention("m-short", 17, 32, "Emmanuel Macron", tie=False)
    kept, _, ties = without_overlaps("7", [LONG, majority], [])
    assert [m["mention_id"] for m in kept] == ["m-short"]
    assert len(ties) == 1 and ties[0].what.startswith("mention 'French President")


def test_adjacent_spans_are_both_drafted():
    left = mention("a", 0, 17, "French President ")
    right = mention("b", 17, 32, "Emmanuel Macron")
    kept, _, ties = without_overlaps("7", [left, right], [])
    assert [m["mention_id"] for m in kept] == ["a", "b"] and ties == []
