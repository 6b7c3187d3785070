"""The taxonomy of a new debate: its name, title and proposition over the generic
vocabularies of ``new_debate.yaml`` (actor types, stances, relations, the mention rules,
the generic ``other`` role and the commented form of the debate's own roles)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from stancepack.ground.errors import TaxonomyError

NEW_DEBATE_VOCABULARIES = Path(__file__).with_name("new_debate.yaml")
DEFAULT_DEBATE_NAME = "debate"
NAME_SEPARATORS = re.compile(r"[^a-z0-9]+")


def debate_name(text: str) -> str:
    """A name for the taxonomy: ``text`` in lower-case letters and digits joined by '-'."""
    return NAME_SEPARATORS.sub("-", text.casefold()).strip("-") or DEFAULT_DEBATE_NAME


def one_line(value: str, what: str) -> str:
    """``value`` with its spaces normalised; refused when empty or holding control
    characters (a line break included)."""
    if any(ord(character) < 32 or ord(character) == 127 for character in value):
        raise TaxonomyError(f"{what}: must be one line of text without control characters")
    text = " ".join(value.split())
    if not text:
        raise TaxonomyError(f"{what}: must not be empty")
    return text


def new_taxonomy_text(proposition: str, title: str, name: str) -> str:
    """The taxonomy.yaml of a new debate, with comments saying what to write."""
    stated = one_line(proposition, "proposition")
    header = yaml.safe_dump(
        {"name": debate_name(name), "title": one_line(title, "title"), "proposition": stated},
        allow_unicode=True,
        sort_keys=False,
        width=1_000_000,
    )
    return "\n".join([*taxonomy_preamble(), header, vocabularies_text()])


def taxonomy_preamble() -> list[str]:
    return [
        "# The taxonomy and codebook of this debate, written by `stancepack init`. Everything",
        "# stancepack makes for the debate derives from it: the labeling config, the checks of",
        "# the export, the dataset's features and its card. Write the debate's roles (see the",
        "# form under `roles`), review the definitions, replace the examples with sentences of",
        "# your articles, and check the file with `stancepack schema show --taxonomy FILE`.",
    ]


def vocabularies_text() -> str:
    """``new_debate.yaml`` without its leading comment (which speaks of the template)."""
    lines = NEW_DEBATE_VOCABULARIES.read_text(encoding="utf-8").splitlines()
    first = next(index for index, line in enumerate(lines) if line and not line.startswith("#"))
    return "\n".join(lines[first:]) + "\n"
