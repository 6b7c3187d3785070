"""Annotations written by hand as anchored spans, turned into Label Studio results.

A YAML file lists, per article file, the mentions an annotator marked: the span text, a
passage of the article that contains it (its anchor, when the span is not unique), the
actor type, stance, roles, canonical name and the relations that start at it. Offsets are
computed from the article text, never typed by hand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stancepack.ground.errors import StancepackError
from stancepack.ground.yamlfile import read_yaml
from stancepack.schema import fields

RELATION_KEYS = ("same_as", "speaks_for", "responds_to")


class AnnotationsError(StancepackError):
    """A file of anchored annotations cannot be read."""


@dataclass(frozen=True)
class Mention:
    id: str
    start: int
    end: int
    text: str
    actor_type: str
    stance: str
    roles: tuple[str, ...]
    name: str


def locate(article_text: str, span: str, anchor: str | None) -> int:
    """Start offset of ``span``: its first whole-word occurrence inside ``anchor``, which
    must occur exactly once in the article (without an anchor, ``span`` must be unique)."""
    passage = anchor if anchor is not None else span
    places = [m.start() for m in re.finditer(re.escape(passage), article_text)]
    if len(places) != 1:
        raise ValueError(f"{passage!r} occurs {len(places)} times, expected exactly once")
    word = re.compile(rf"(?<!\w){re.escape(span)}(?!\w)")
    found = word.search(article_text, places[0], places[0] + len(passage))
    if found is None:
        raise ValueError(f"{span!r} is not a whole-word part of {passage!r}")
    return found.start()


def mentions_of(article_text: str, entries: list[dict[str, Any]]) -> list[Mention]:
    mentions = []
    for entry in entries:
        start = locate(article_text, entry["text"], entry.get("at"))
        mentions.append(
            Mention(
                id=entry["id"],
                start=start,
                end=start + len(entry["text"]),
                text=entry["text"],
                actor_type=entry["type"],
                stance=entry["stance"],
                roles=tuple(entry.get("roles") or ()),
                name=entry.get("name") or "",
            )
        )
    return mentions


def relations_of(entries: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    """(from mention id, to mention id, relation label), in file order."""
    return [
        (entry["id"], entry[label], label)
        for entry in entries
        for label in RELATION_KEYS
        if entry.get(label)
    ]


def result_items(mention: Mention) -> list[dict[str, Any]]:
    """The Label Studio result items of one marked span, as the labeling UI makes them."""
    return fields.span_result(
        mention.id,
        mention.start,
        mention.end,
        mention.text,
        mention.actor_type,
        mention.stance,
        mention.roles,
        mention.name,
    )


def annotation_result(article_text: str, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    result = [
        item for mention in mentions_of(article_text, entries) for item in result_items(mention)
    ]
    result += [
        {
            "type": "relation",
            "from_id": source,
            "to_id": target,
            "direction": fields.RIGHT,
            "labels": [label],
        }
        for source, target, label in relations_of(entries)
    ]
    return result


def load_annotations(path: Path) -> dict[str, list[dict[str, Any]]]:
    """Anchored annotations by article file name (read as strictly as the taxonomy)."""
    data = read_yaml(path, AnnotationsError, "annotations")
    if not isinstance(data, dict):
        raise AnnotationsError(f"{path}: expected a mapping of article file names to mentions")
    return data
