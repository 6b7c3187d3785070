"""The one-pass matcher of the pre-annotator's reading, and the text forms it works on.

``LayeredMatcher`` finds the forms of several tables in one Aho-Corasick pass over the
outline of a lower-cased text; it must give, layer by layer, exactly what a matcher of
that layer alone (``FormMatcher``, whole words on the folded or lower-cased text) gives.
Hand-made cases pin each rule; random texts over an alphabet of the awkward characters
(case, accents, letters beyond Latin-1, hyphens, underscores, dots, a final sigma) check
the whole.
"""

from __future__ import annotations

import random

import pytest

from stancepack.annotate.matcher import FormMatcher, Layer, LayeredMatcher, lower, word_outline
from stancepack.schema.gazetteer import fold


def occurrences(layers: list[Layer], text: str) -> list[list[tuple[str, object]]]:
    """Each layer's occurrences in ``text`` as (the text matched, value)."""
    folded = fold(text)
    found = LayeredMatcher(layers).occurrences(folded, lower(folded))
    return [[(text[start:end], value) for start, end, value in layer] for layer in found]


# --- lower and word_outline -----------------------------------------------------------------


def test_lower_keeps_one_character_for_one():
    assert lower("NATO İstanbul") == "nato İstanbul"  # "İ" lower-cases to two characters
    assert len(lower("İİ ΣΑΣ")) == len("İİ ΣΑΣ")


def test_lower_gives_a_final_sigma_as_any_sigma_so_a_part_lowers_as_in_its_text():
    assert lower("ΟΔΥΣΣΕΑΣ") == "οδυσσεασ"
    assert lower("ΟΔΥΣΣΕΑΣ ΝΕΟΣ")[:8] == lower("ΟΔΥΣΣΕΑΣ")


def test_the_outline_keeps_latin_1_word_characters_and_spaces_out_the_rest():
    assert word_outline("u.s.-led é_1 ł—x") == " u s  led é_1   x "
    assert len(word_outline("ab—c")) == len("ab—c") + 2


# --- what each layer finds ----------------------------------------------------------------


def test_a_cased_layer_finds_its_forms_with_their_case_only():
    layers = [Layer({"US": "country"}, cased=True)]
    assert occurrences(layers, "Tell us what the US wants; USA.") == [[("US", "country")]]


def test_a_lower_cased_layer_finds_its_forms_in_any_case():
    layers = [Layer({"ruled out": "verb"})]
    found = occurrences(layers, "He RULED OUT troops; Ruled out. ruled-out")
    assert found == [[("RULED OUT", "verb"), ("Ruled out", "verb")]]


def test_forms_are_found_as_whole_words_next_to_any_punctuation():
    layers = [Layer({"NATO": "org", "U.S.": "country"}, cased=True)]
    text = "(NATO) NATOs said—NATO; the U.S. and U S and U.S.A"
    assert occurrences(layers, text) == [[("NATO", "org"), ("NATO", "org"), ("U.S.", "country")]]


def test_a_word_character_beyond_latin_1_next_to_a_form_makes_it_part_of_a_word():
    layers = [Layer({"ukasz": "x", "lodz": "y"})]
    assert occurrences(layers, "Łukasz went to Łodz and to lodz") == [[("lodz", "y")]]


def test_joiners_count_as_part_of_a_word_in_their_layer_only():
    layers = [Layer({"combat": "role"}, joiners="-"), Layer({"no": "negation", "combat": "cue"})]
    found = occurrences(layers, "non-combat roles, no-fly zones, combat")
    assert found == [
        [("combat", "role")],
        [("combat", "cue"), ("no", "negation"), ("combat", "cue")],
    ]


def test_overlapping_forms_are_all_found_in_order_of_their_ends():
    layers = [Layer({"Prime Minister": "title", "Minister": "head"}, cased=True)]
    found = occurrences(layers, "Prime Minister Kallas")
    assert found == [[("Prime Minister", "title"), ("Minister", "head")]]


def test_one_outline_can_hold_forms_of_several_layers_and_cases():
    layers = [Layer({"Us": "cased"}, cased=True), Layer({"us": "lowered"}), Layer({"u.s": "dot"})]
    assert occurrences(layers, "Us and us, u.s") == [
        [("Us", "cased")],
        [("Us", "lowered"), ("us", "lowered")],
        [("u.s", "dot")],
    ]


def test_a_matcher_without_forms_finds_nothing_in_each_layer():
    assert occurrences([Layer({}), Layer({}, cased=True)], "anything") == [[], []]


# --- the same as one matcher per layer, on random texts ------------------------------------

ALPHABET = ["a", "b", "A", "B", " ", " ", "-", "_", ".", "é", "Ł", "ł", "—", "\n", "Σ", "ς", "1"]
PIECES = ["ab", "Ab", "a-b", "a b", "b.", "éa", "Ła", "aΣ", "_a", "AB"]


@pytest.mark.parametrize("seed", range(3))
def test_each_layer_finds_what_a_matcher_of_that_layer_alone_finds(seed):
    rng = random.Random(seed)
    cased = {piece: f"cased {piece}" for piece in rng.sample(PIECES, 6)}
    lowered = {lower(piece): f"lowered {piece}" for piece in rng.sample(PIECES, 6)}
    joined = {lower(piece): f"joined {piece}" for piece in rng.sample(PIECES, 6)}
    layers = [Layer(cased, cased=True), Layer(lowered), Layer(joined, joiners="-")]
    matcher = LayeredMatcher(layers)
    alone = [FormMatcher(cased), FormMatcher(lowered), FormMatcher(joined, joiners="-")]
    for _ in range(3000):
        text = "".join(rng.choice(ALPHABET + PIECES) for _ in range(rng.randint(0, 12)))
        folded = fold(text)
        found = matcher.occurrences(folded, lower(folded))
        expected = [
            alone[0].occurrences(folded),
            alone[1].occurrences(lower(folded)),
            alone[2].occurrences(lower(folded)),
        ]
        assert [sorted(layer) for layer in found] == [sorted(layer) for layer in expected], text


# --- fold -----------------------------------------------------------------------------------


def test_fold_replaces_each_character_as_folding_it_alone_does():
    rng = random.Random(7)
    characters = ["a", "é", "’", "“", "”", "‘", "Ł", "ś", "\ud800", "ﬁ", "—", " ", "Σ"]
    for _ in range(2000):
        text = "".join(rng.choice(characters) for _ in range(rng.randint(0, 10)))
        assert fold(text) == "".join(fold(character) for character in text), repr(text)
    assert fold("Séjourné’s “plan”") == 'Sejourne\'s "plan"'
