"""The Label Studio labeling config, generated from the taxonomy with ``xml.etree``.

One taxonomy makes one config: actor-type ``Labels`` over the article ``Text``; shown only
while an actor region is selected, a single-choice stance, multiple-choice proposed roles
and an optional canonical actor name (all per region); ``Relations`` with the relation
labels; and a header with the article's title, source and date.

Hotkeys and colours are deterministic:

- actor types get the digits ``1 2 ... 9 0`` in taxonomy order;
- stances, then roles, get letters: each value takes the first letter of its own name
  that is free, else the first free letter of ``CHOICE_KEYS`` (letters the Label Studio
  editor does not use for its own shortcuts, such as ``u`` for "unselect region");
- a vocabulary that does not fit its keys (more than ten actor types, or too many stances
  and roles for the free letters) gets no hotkeys at all, rather than some: the config
  stays valid and Label Studio then numbers those buttons itself without collisions;
- colours come from ``PALETTE`` by position (cycling after its last colour).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence

from stancepack.ground.errors import TaxonomyError
from stancepack.schema.fields import (
    ACTOR,
    ACTOR_NAME,
    BYLINE,
    ROLES,
    STANCE,
    TASK_DATA_KEYS,
    TEXT,
)
from stancepack.schema.taxonomy import (
    MAX_VALUE_LENGTH,
    SAFE_VALUE,
    VOCABULARIES,
    Category,
    Taxonomy,
)

ACTOR_TYPE_KEYS = "1234567890"
# Letters free of Label Studio's own single-key shortcuts: u (unselect region), h and r
# (never auto-assigned by the editor) and the image-tool keys b e k m o p v w are left out.
CHOICE_KEYS = "acdfgijlnqstxyz"
# A colour-blind-safe qualitative palette (Okabe-Ito), then Tableau colours.
PALETTE = (
    "#E69F00",
    "#56B4E9",
    "#009E73",
    "#CC79A7",
    "#0072B2",
    "#D55E00",
    "#F0E442",
    "#999999",
    "#8C564B",
    "#17BECF",
)

STANCE_REQUIRED_MESSAGE = "Choose a stance for every actor mention."
ACTOR_NAME_PLACEHOLDER = "Canonical actor name (optional)"


def build_label_config(taxonomy: Taxonomy) -> str:
    """The labeling config XML for ``taxonomy``: deterministic, pretty-printed, validated.

    Raises ``TaxonomyError`` naming the taxonomy when its values cannot make a config that
    Label Studio's label interface accepts."""
    _check_vocabularies(taxonomy)
    root = ET.Element("View")
    _add_header(root)
    _add_actor_labels(root, taxonomy)
    _add_relations(root, taxonomy)
    ET.SubElement(root, "Text", {"name": TEXT, "value": _variable(TEXT)})
    _add_region_controls(root, taxonomy)
    ET.indent(root)
    config = ET.tostring(root, encoding="unicode") + "\n"
    check_label_config(config, taxonomy.source or taxonomy.name)
    return config


def check_label_config(config: str, where: str = "labeling config") -> None:
    """Validate ``config`` with the Label Studio SDK's label interface (imported here only)."""
    from label_studio_sdk.label_interface import LabelInterface

    try:
        LabelInterface(config).validate()
    except Exception as error:  # the SDK raises several unrelated exception types
        message = " ".join(str(error).split()) or type(error).__name__
        raise TaxonomyError(f"{where}: makes an invalid labeling config: {message}") from None


def assign_hotkeys(
    values: Sequence[str], keys: str, taken: Iterable[str] = ()
) -> dict[str, str] | None:
    """One key per value: its first own letter that is free, else the next free key.

    Returns None when ``keys`` cannot give every value a key (then none gets one)."""
    used = set(taken)
    free = [key for key in keys if key not in used]
    assigned: dict[str, str] = {}
    for value in values:
        key = next((c for c in value if c in free), None) or (free[0] if free else None)
        if key is None:
            return None
        assigned[value] = key
        free.remove(key)
    return assigned


def colour(position: int) -> str:
    return PALETTE[position % len(PALETTE)]


def _check_vocabularies(taxonomy: Taxonomy) -> None:
    where = taxonomy.source or taxonomy.name
    for vocabulary in VOCABULARIES:
        values = taxonomy.values(vocabulary)
        if not values:
            raise TaxonomyError(f"{where}: {vocabulary}: must be a non-empty list")
        for value in values:
            if len(value) > MAX_VALUE_LENGTH or not SAFE_VALUE.match(value):
                raise TaxonomyError(
                    f"{where}: {vocabulary}: value {value!r} must be lower-case letters, "
                    f"digits and _ (starting with a letter, at most {MAX_VALUE_LENGTH} "
                    "characters)"
                )
        duplicates = sorted({value for value in values if values.count(value) > 1})
        if duplicates:
            raise TaxonomyError(f"{where}: {vocabulary}: duplicate value {duplicates[0]!r}")


def _variable(key: str) -> str:
    """``$key`` for a task data key declared in ``TASK_DATA_KEYS``."""
    if key not in TASK_DATA_KEYS:
        raise AssertionError(f"{key!r} is not a task data key")
    return f"${key}"


def _add_header(root: ET.Element) -> None:
    ET.SubElement(root, "Header", {"value": _variable("title"), "size": "3"})
    ET.SubElement(root, "Header", {"value": _variable(BYLINE), "size": "5"})


def _add_actor_labels(root: ET.Element, taxonomy: Taxonomy) -> None:
    hotkeys = assign_hotkeys(taxonomy.actor_type_values, ACTOR_TYPE_KEYS) or {}
    labels = ET.SubElement(root, "Labels", {"name": ACTOR, "toName": TEXT, "showInline": "true"})
    for position, category in enumerate(taxonomy.actor_types):
        attributes = {"value": category.value, "background": colour(position)}
        attributes.update(_hotkey(hotkeys, category))
        attributes["hint"] = category.definition
        ET.SubElement(labels, "Label", attributes)


def _add_relations(root: ET.Element, taxonomy: Taxonomy) -> None:
    relations = ET.SubElement(root, "Relations")
    for position, value in enumerate(taxonomy.relation_values):
        ET.SubElement(relations, "Relation", {"value": value, "background": colour(position)})


def _add_region_controls(root: ET.Element, taxonomy: Taxonomy) -> None:
    """Stance, roles and actor name: per region, visible while an actor region is selected."""
    stance_keys = assign_hotkeys(taxonomy.stance_values, CHOICE_KEYS) or {}
    role_keys = assign_hotkeys(taxonomy.role_values, CHOICE_KEYS, stance_keys.values()) or {}
    panel = ET.SubElement(root, "View", {"visibleWhen": "region-selected", "whenTagName": ACTOR})
    ET.SubElement(panel, "Header", {"value": "Stance of this actor", "size": "5"})
    stance = _per_region_choices(panel, STANCE, "single")
    stance.set("required", "true")
    stance.set("requiredMessage", STANCE_REQUIRED_MESSAGE)
    _add_choices(stance, taxonomy.stances, stance_keys)
    ET.SubElement(panel, "Header", {"value": "Roles this actor proposes", "size": "5"})
    _add_choices(_per_region_choices(panel, ROLES, "multiple"), taxonomy.roles, role_keys)
    ET.SubElement(panel, "Header", {"value": "Actor name", "size": "5"})
    ET.SubElement(
        panel,
        "TextArea",
        {
            "name": ACTOR_NAME,
            "toName": TEXT,
            "perRegion": "true",
            "editable": "true",
            "maxSubmissions": "1",
            "rows": "1",
            "placeholder": ACTOR_NAME_PLACEHOLDER,
        },
    )


def _per_region_choices(parent: ET.Element, name: str, choice: str) -> ET.Element:
    attributes = {"name": name, "toName": TEXT, "perRegion": "true", "choice": choice}
    return ET.SubElement(parent, "Choices", {**attributes, "showInline": "true"})


def _add_choices(choices: ET.Element, categories: tuple[Category, ...], keys: dict[str, str]):
    for category in categories:
        attributes = {"value": category.value, **_hotkey(keys, category)}
        attributes["hint"] = category.definition
        ET.SubElement(choices, "Choice", attributes)


def _hotkey(keys: dict[str, str], category: Category) -> dict[str, str]:
    return {"hotkey": keys[category.value]} if category.value in keys else {}
