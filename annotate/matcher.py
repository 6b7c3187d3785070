"""Every whole-word occurrence of many surface forms, found in one pass over a text.

A ``FormMatcher`` holds an Aho-Corasick automaton (``pyahocorasick``) of the forms, each
with a value (the actor it names, or what a rule needs to know about it). Matching is
exact: texts and forms are folded by the caller beforehand (see ``gazetteer.fold``), so
case is kept and offsets in the folded text are offsets in the original text. Characters
given as ``joiners`` (e.g. "-") also count as part of a word at a form's edges.

A ``LayeredMatcher`` finds the forms of several such tables ("layers") in one pass over
a lower-cased text (``lower``): the forms of a layer given in lower case, and those of a
``cased`` layer with their case (found in lower case, kept where the text has that case).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Generic, NamedTuple, TypeVar

import ahocorasick

Value = TypeVar("Value")


class Occurrence(NamedTuple, Generic[Value]):
    """One whole-word occurrence of a form: ``text[start:end]`` and the form's value."""

    start: int
    end: int
    value: Value


class FormMatcher(Generic[Value]):
    """Whole-word occurrences of the forms of ``forms`` (form -> value) in a text."""

    def __init__(self, forms: Mapping[str, Value], joiners: str = ""):
        self._joiners = joiners
        self._automaton = ahocorasick.Automaton()
        for form, value in forms.items():
            if form:
                self._automaton.add_word(form, (len(form), value))
        self._empty = len(self._automaton) == 0
        if not self._empty:
            self._automaton.make_automaton()

    def occurrences(self, text: str) -> list[Occurrence[Value]]:
        """Every occurrence of every form as whole words, overlapping ones included, in
        order of their ends."""
        if self._empty:
            return []
        found: list[Occurrence[Value]] = []
        joiners, size = self._joiners, len(text)
        # whole_word_at, inlined, and Occurrence built as the tuple it is: this loop runs
        # for every hit, inside words too
        append, occurrence = found.append, tuple.__new__
        for last, (length, value) in self._automaton.iter(text):
            end = last + 1
            start = end - length
            if start:
                before = text[start - 1]
                if before.isalnum() or before == "_" or before in joiners:
                    continue
            if end < size:
                after = text[end]
                if after.isalnum() or after == "_" or after in joiners:
                    continue
            append(occurrence(Occurrence, (start, end, value)))
        return found


def lower(text: str) -> str:
    """``text`` lower-cased, one character for one (offsets keep their meaning), each
    character on its own: a character whose lower case is longer stays as it is, and a
    final sigma is lower-cased as any other sigma (so a text's lower case is the lower case
    of its parts)."""
    lowered = text.lower()
    if len(lowered) != len(text):
        lowered = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    return lowered.replace("ς", "σ") if "ς" in lowered else lowered


class Layer(NamedTuple):
    """One table of a ``LayeredMatcher``: forms and their values, the characters that
    count as part of a word at a form's edges, and whether the forms keep their case."""

    forms: Mapping[str, Any]
    joiners: str = ""
    cased: bool = False


LATIN_1_LAST = "\xff"
# Each byte of Latin-1 as ``word_outline`` gives it: a word character (``str.isalnum`` or
# "_") as it is, anything else as a space.
_OUTLINE = bytes(b if chr(b).isalnum() or b == ord("_") else ord(" ") for b in range(256))


def word_outline(text: str) -> str:
    """``text`` between two spaces, with a space for every character that is not a word
    character (and every character beyond Latin-1, whatever it is): one character for one,
    so that a whole word of a text is a whole word of its outline, found with the spaces
    around it."""
    padded = f" {text} ".encode("latin-1", "replace")
    return padded.translate(_OUTLINE).decode("latin-1")


# What the automaton holds for one outline of forms (``word_outline``): for each form with
# that outline, its layer, the layer's joiners, whether it keeps its case, the form to
# check the text against (None when the outline tells it) and its value.
_Entry = tuple[int, str, bool, str | None, Any]


def _tells_itself(form: str) -> bool:
    """True when a lower-cased ``form`` is the only text with its outline: every character
    of it a word character of Latin-1 (see ``word_outline``)."""
    return " " not in form and word_outline(form) == f" {form} "


class LayeredMatcher:
    """Whole-word occurrences of the forms of each layer, found in one pass.

    The automaton holds the outlines of the forms (``word_outline``) and runs over the
    outline of the lower-cased text: a match there begins and ends with the spaces around a
    whole word, so matches inside words are never made, and a match is then checked on the
    text itself where the outline does not tell it all (a form with its case, or with
    characters other than word characters of Latin-1; a word character beyond Latin-1
    next to it)."""

    def __init__(self, layers: Sequence[Layer]):
        self._layers = len(layers)
        entries: dict[str, list[_Entry]] = {}
        for index, layer in enumerate(layers):
            for form, value in layer.forms.items():
                if form:
                    key = word_outline(lower(form) if layer.cased else form)
                    check = None if not layer.cased and _tells_itself(form) else form
                    entry = (index, layer.joiners, layer.cased, check, value)
                    entries.setdefault(key, []).append(entry)
        self._automaton = ahocorasick.Automaton()
        for key, found in entries.items():
            self._automaton.add_word(key, (len(key) - 1, tuple(found)))
        if entries:
            self._automaton.make_automaton()

    def occurrences(self, text: str, lowered: str) -> list[list[Occurrence[Any]]]:
        """For each layer, the occurrences of its forms as whole words in ``text`` (its
        lower case ``lowered``, see ``lower``), overlapping ones included, in order of
        their ends."""
        found: list[list[Occurrence[Any]]] = [[] for _ in range(self._layers)]
        if not len(self._automaton):
            return found
        padded = f" {lowered} "  # as the outline: ``padded[i + 1]`` is ``lowered[i]``
        occurrence = tuple.__new__
        for last, (length, entries) in self._automaton.iter(word_outline(lowered)):
            # ``last`` is the outline's space after the match: ``lowered[last - 1]``
            start, end = last - length, last - 1
            before, after = padded[start], padded[last]
            # beyond Latin-1, the outline has a space for a word character too
            if (before > LATIN_1_LAST and before.isalnum()) or (
                after > LATIN_1_LAST and after.isalnum()
            ):
                continue
            for layer, joiners, cased, check, value in entries:
                if joiners and (before in joiners or after in joiners):
                    continue
                if check is None or (text if cased else lowered).startswith(check, start):
                    found[layer].append(occurrence(Occurrence, (start, end, value)))
        return found


def whole_word_at(text: str, start: int, end: int, joiners: str = "") -> bool:
    """True when ``text[start:end]`` is not part of a longer word (a character of
    ``joiners`` next to it counts as part of the word)."""
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return not _is_word_character(before, joiners) and not _is_word_character(after, joiners)


def _is_word_character(character: str, joiners: str = "") -> bool:
    return character.isalnum() or character == "_" or character in joiners
