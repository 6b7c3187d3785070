"""Splits: deterministic, per story, ratios honoured, a documented fallback for tiny corpora."""

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stancepack.export.dataset.splits import (
    SPLITS,
    assign_splits,
    listed_splits,
    parse_ratios,
    split_sizes,
    story_order_key,
)


@pytest.mark.parametrize(
    ("text", "ratios"),
    [
        ("0.8,0.1,0.1", (0.8, 0.1, 0.1)),
        (" 1 , 0 , 0 ", (1.0, 0.0, 0.0)),
        ("0.5,0.5,0", (0.5, 0.5, 0)),
    ],
)
def test_parse_ratios(text, ratios):
    assert parse_ratios(text) == ratios


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0.8,0.2", "expected three numbers for train,validation,test; got '0.8,0.2'"),
        ("a,b,c", "expected three numbers for train,validation,test; got 'a,b,c'"),
        ("1.2,-0.1,-0.1", "ratios must be non-negative numbers; got '1.2,-0.1,-0.1'"),
        ("nan,0,0", "ratios must be non-negative numbers; got 'nan,0,0'"),
        ("0.8,0.1,0.2", "ratios must sum to 1; '0.8,0.1,0.2' sums to 1.1"),
    ],
)
def test_parse_ratios_refuses_bad_input(text, message):
    with pytest.raises(ValueError) as error:
        parse_ratios(text)
    assert str(error.value) == message


@pytest.mark.parametrize(
    ("stories", "ratios", "sizes"),
    [
        (100, (0.8, 0.1, 0.1), (80, 10, 10)),
        (10, (0.8, 0.1, 0.1), (8, 1, 1)),
        # 4 + 0.5 + 0.5: the one story left over goes to validation (first of the ties),
        # then test needs one story, taken from train.
        (5, (0.8, 0.1, 0.1), (3, 1, 1)),
        (3, (0.8, 0.1, 0.1), (1, 1, 1)),
        (5, (1.0, 0.0, 0.0), (5, 0, 0)),
        (3, (0.5, 0.5, 0.0), (2, 1, 0)),
        (7, (0.6, 0.2, 0.2), (4, 2, 1)),  # 4.2, 1.4, 1.4: the one left goes to validation
    ],
)
def test_split_sizes(stories, ratios, sizes):
    assert split_sizes(stories, ratios) == sizes


def test_too_few_stories_all_go_to_train_and_the_plan_says_why():
    plan = assign_splits(["s1", "s2"], (0.8, 0.1, 0.1), seed=0)
    assert set(plan.assignment.values()) == {"train"}
    assert plan.story_counts == {"train": 2, "validation": 0, "test": 0}
    assert plan.fallback == "2 stories cannot fill 3 non-empty splits, so every article is in train"


def test_enough_stories_fill_every_split_without_fallback():
    plan = assign_splits([f"s{i}" for i in range(5)], (0.8, 0.1, 0.1), seed=0)
    assert plan.fallback == ""
    assert plan.story_counts == {"train": 3, "validation": 1, "test": 1}


def test_assignment_follows_the_seeded_hash_order():
    stories = ["alpha", "beta", "gamma", "delta", "epsilon"]
    plan = assign_splits(stories, (0.6, 0.2, 0.2), seed=7)
    ordered = sorted(stories, key=lambda story: story_order_key(story, 7))
    assert [plan.split_of(story) for story in ordered] == [
        "train",
        "train",
        "train",
        "validation",
        "test",
    ]


def test_order_key_is_sha256_of_seed_and_story():
    assert story_order_key("abc", 3) == hashlib.sha256(b"3:abc").hexdigest()


def test_same_input_in_any_order_gives_the_same_assignment():
    stories = [f"story-{i}" for i in range(50)]
    first = assign_splits(stories, seed=1)
    second = assign_splits(list(reversed(stories)) + stories[:10], seed=1)
    assert first == second


def test_the_seed_changes_the_assignment():
    stories = [f"story-{i}" for i in range(50)]
    assert assign_splits(stories, seed=1).assignment != assign_splits(stories, seed=2).assignment


def test_listed_splits_leave_out_empty_ones_but_keep_train_for_an_empty_config():
    assert listed_splits({"train": 3, "validation": 0, "test": 1}) == ["train", "test"]
    assert listed_splits({"train": 0, "validation": 0, "test": 0}) == ["train"]


ratios_strategy = st.sampled_from(
    [(0.8, 0.1, 0.1), (0.7, 0.15, 0.15), (1.0, 0.0, 0.0), (0.5, 0.5, 0.0), (0.34, 0.33, 0.33)]
)


@given(n=st.integers(min_value=0, max_value=500), ratios=ratios_strategy)
def test_sizes_add_up_and_fill_every_positive_split(n, ratios):
    sizes = split_sizes(n, ratios)
    assert sum(sizes) == n
    if n >= sum(1 for ratio in ratios if ratio > 0):
        assert all(size >= 1 for size, ratio in zip(sizes, ratios, strict=True) if ratio > 0)
    assert all(size == 0 for size, ratio in zip(sizes, ratios, strict=True) if ratio == 0)
    # Never more than one story (plus the minimum-one rule) away from n * ratio.
    assert all(abs(size - n * ratio) <= 2 for size, ratio in zip(sizes, ratios, strict=True))


@given(stories=st.lists(st.text(min_size=1, max_size=8), max_size=60), seed=st.integers(0, 9))
def test_every_story_gets_exactly_one_split(stories, seed):
    plan = assign_splits(stories, seed=seed)
    assert set(plan.assignment) == set(stories)
    assert set(plan.assignment.values()) <= set(SPLITS)
    assert sum(plan.story_counts.values()) == len(set(stories))
