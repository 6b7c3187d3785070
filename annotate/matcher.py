"""Every whole-word occurrence of many surface forms, found in one pass over a text.

A ``FormMatcher`` holds an Aho-Corasick automaton (``pyahocorasick``) of the forms, each
with a value (the actor it names, or what a rule needs to know about it). Matching is
exact: texts and forms are folded by the caller beforehand (see ``gazetteer.fold``), so
case is kept and offsets in the folded text are offsets in the original text. Characters
given as ``joiners`` (e.g. "-") also count as part of a word at a form's edges.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Generic, NamedTuple, TypeVar

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


def whole_word_at(text: str, start: int, end: int, joiners: str = "") -> bool:
    """True when ``text[start:end]`` is not part of a longer word (a character of
    ``joiners`` next to it counts as part of the word)."""
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return not _is_word_character(before, joiners) and not _is_word_character(after, joiners)


def _is_word_character(character: str, joiners: str = "") -> bool:
    return character.isalnum() or character == "_" or character in joiners
