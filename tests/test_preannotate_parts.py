"""The pre-annotator's quick checks give the answers of the patterns they stand for.

Several rules look at a few characters around a name before (or instead of) searching a
pattern. Each check is compared here with the pattern it stands for, over every position
of many random texts made of the characters and words that matter to it, and pinned on
hand-made cases.
"""

from __future__ import annotations

import random
import re

from stancepack.annotate.matcher import Occurrence
from stancepack.annotate.preannotate import article_before, keyword_sentences
from stancepack.annotate.reading import ABBREVIATION, after_abbreviation
from stancepack.annotate.rules import (
    PREPOSITION_WINDOW,
    RoleKeyword,
    WordAfter,
    group_prefix,
    group_prefix_start,
    group_prefix_words,
    modified_noun_after,
    preposition_before,
    preposition_reach,
)


def random_texts(seed: int, pieces: list[str], count: int, longest: int = 10):
    rng = random.Random(seed)
    for _ in range(count):
        yield "".join(rng.choice(pieces) for _ in range(rng.randint(0, longest)))


def test_the_article_before_a_name_is_what_the_pattern_finds_in_the_four_characters_before():
    pattern = re.compile(r"(?<!\w)[Aa]n? $")
    for text in random_texts(1, list("aAn \nx_."), 30000, longest=8):
        for start in range(len(text) + 1):
            match = pattern.search(text, max(0, start - 4), start)
            assert article_before(text, start) == (match.start() if match else None), (text, start)
    assert article_before("said a NATO official", 7) == 5
    assert article_before("an \nEU diplomat", 4) == 0
    assert article_before("Canada NATO", 7) is None


def test_a_full_stop_after_an_abbreviation_is_what_the_pattern_says():
    pieces = ["Mr", "Sept", "Sep", "U", "S", "s", "t", ".", " ", "\n", "!", "e", "Dr"]
    for text in random_texts(2, pieces, 20000):
        for stop in range(len(text)):
            window = max(0, stop - 5)
            found = ABBREVIATION.search(text, window, stop + 1) is not None
            expected = text[stop] != "\n" and found
            assert after_abbreviation(text, window, stop) == expected, (text, stop)
    assert after_abbreviation("the U.S. said", 0, 7)
    assert not after_abbreviation("with troops. Then", 0, 11)


def test_the_word_after_a_name_is_tried_only_where_the_pattern_can_match():
    rules = [
        WordAfter(" ", ["official", "officials", "source"]),
        WordAfter("'s ", ["prime minister"], True),
    ]
    pieces = [
        " ",
        "official",
        "Official",
        "s",
        "source",
        "'s ",
        "prime ",
        "Prime ",
        "minister",
        "x",
    ]
    for text in random_texts(3, pieces, 20000):
        for end in range(len(text) + 1):
            for rule in rules:
                expected = rule.pattern.match(text, end)
                found = rule.match(text, end)
                assert (found and found.span()) == (expected and expected.span()), (text, end)
    assert WordAfter(" ", ["official"]).match("a NATO official said", 6).end() == 15
    assert WordAfter(" ", ["official"]).match("a NATO officials said", 6) is None


def test_a_modified_noun_after_a_name_is_what_the_two_following_words_say():
    nouns = ("troops", "troop", "aid", "peace-keepers")
    two_words = re.compile(r" (\w+)(?: (\w+))?")
    pattern = modified_noun_after(nouns)
    pieces = ["troops", "troop", "aid", "peace-keepers", "s", "x", " ", " ", "-", "\n", "é", "_"]
    for text in random_texts(4, pieces, 20000, longest=8):
        for end in range(len(text) + 1):
            words = two_words.match(text, end, end + 12)
            expected = words is not None and not set(nouns).isdisjoint(words.groups())
            assert (pattern.match(text, end, end + 12) is not None) == expected, (text, end)
    assert pattern.match("NATO ground troops", 4)
    assert not pattern.match("NATO and its ground troops", 4)
    assert modified_noun_after(("peace-keepers",)).match(" peace-keepers", 0) is None


def test_role_keywords_go_to_the_sentences_that_hold_them_whole():
    sentences = [(0, 10), (12, 30), (31, 40)]
    training, combat, cut = (RoleKeyword(role, True) for role in ("training", "combat", "cut"))
    keywords = [
        Occurrence(2, 6, training),
        Occurrence(14, 18, combat),
        Occurrence(14, 16, training),
        Occurrence(28, 33, cut),  # across two sentences: in neither
        Occurrence(35, 39, combat),
    ]
    assert list(keyword_sentences(sentences, keywords)) == [
        (0, 10, [keywords[0]]),
        (12, 30, [keywords[1], keywords[2]]),
        (31, 40, [keywords[4]]),
    ]
    assert list(keyword_sentences(sentences, [])) == []


def test_a_preposition_is_searched_as_far_back_as_its_longest_match_reaches():
    taxonomy_lists = {
        "place_prepositions": ["to", "in", "against"],
        "object_prepositions": ["with", "between"],
        "determiners": ["the"],
    }
    rules = {
        key: (
            re.compile(rf"(?<!\w)(?:{'|'.join(words)})(?: (?:the))? $", re.IGNORECASE),
            preposition_reach(taxonomy_lists, key),
        )
        for key, words in taxonomy_lists.items()
        if key != "determiners"
    }
    assert rules["place_prepositions"][1] == len("against the \n")
    pieces = ["to", "in", "against", "with", "between", "the", "The", " ", " ", "\n", "x", "_"]
    for text in random_texts(5, pieces, 20000, longest=8):
        for start in range(len(text) + 1):
            for pattern, reach in rules.values():
                wide = pattern.search(text, max(0, start - PREPOSITION_WINDOW), start)
                near = pattern.search(text, max(0, start - reach), start)
                assert (near and near.span()) == (wide and wide.span()), (text, start)


def test_a_group_prefix_is_searched_from_the_last_word_that_cannot_be_part_of_one():
    lists = {
        "group_quantifiers": ["some", "dozens of", "all"],
        "group_modifiers": ["key", "non-EU", "senior"],
    }
    pattern = group_prefix(lists)
    listed = group_prefix_words(lists)
    assert listed == {"some", "dozens", "of", "all", "key", "non-eu", "senior"}
    pieces = ["some", "Some", "dozens", "of", "all", "key", "non-EU", "Baltic", "the", "NATO's"]
    pieces += [" ", " ", " ", "(", "\n", "-", "x", "é", "ſenior", "KEY"]
    for text in random_texts(6, pieces, 20000, longest=9):
        head = len(text)
        for window in range(head + 1):
            wide = pattern.search(text, window, head)
            near = pattern.search(text, group_prefix_start(text, window, head, listed), head)
            assert (near and near.span()) == (wide and wide.span()), (text, window)
    text = "said that some key European countries"
    assert group_prefix_start(text, 0, text.index("countries"), listed) == text.index("that")
    assert group_prefix_start(text, 0, text.index("countries"), None) == 0


def test_one_search_for_either_preposition_finds_what_the_two_searches_find():
    lists = {
        "place_prepositions": ["to", "in"],
        "object_prepositions": ["with", "next to"],
        "determiners": ["the"],
    }
    places = preposition_before(lists, "place_prepositions")
    objects = preposition_before(lists, "object_prepositions")
    either = preposition_before(lists, "place_prepositions", "object_prepositions")
    reach = preposition_reach(lists, "place_prepositions", "object_prepositions")
    assert reach == len("next to the \n")
    pieces = ["to", "in", "with", "next", "the", "The", " ", " ", "\n", "x", "_"]
    for text in random_texts(7, pieces, 20000, longest=8):
        for start in range(len(text) + 1):
            window = max(0, start - PREPOSITION_WINDOW)
            apart = any(p.search(text, window, start) for p in (places, objects))
            found = either.search(text, max(0, start - reach), start) is not None
            assert found == apart, (text, start)
