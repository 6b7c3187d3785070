"""The labeling config generated from the taxonomy: golden file, the SDK's label interface,
hotkeys and colours, user taxonomies, and a real Label Studio server accepting it."""

from __future__ import annotations

import dataclasses
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from label_studio_sdk.label_interface import LabelInterface

from stancepack.annotate.articles import ingest
from stancepack.annotate.labeling_config import (
    ACTOR_TYPE_KEYS,
    CHOICE_KEYS,
    PALETTE,
    assign_hotkeys,
    build_label_config,
    check_label_config,
)
from stancepack.annotate.preannotate import Preannotator
from stancepack.ground.errors import TaxonomyError
from stancepack.schema.fields import ACTOR, ACTOR_NAME, ROLES, STANCE, TEXT
from stancepack.schema.gazetteer import load_gazetteer
from stancepack.schema.taxonomy import Category, load_taxonomy
from tests.helpers import REPO, SEED_ARTICLES, default_taxonomy_data, write_taxonomy
from tests.update_golden import GOLDEN_DIR, mismatch_message

# Single keys the Label Studio editor keeps for itself (u: unselect region; h and r are
# never auto-assigned; b e k m o p v w select image tools).
EDITOR_KEYS = set("behkmopruvw")


def config_tree(config: str) -> ET.Element:
    return ET.fromstring(config)


def control(tree: ET.Element, name: str) -> ET.Element:
    found = [element for element in tree.iter() if element.get("name") == name]
    assert len(found) == 1, name
    return found[0]


def hotkeys(tree: ET.Element) -> list[str]:
    return [element.get("hotkey") for element in tree.iter() if element.get("hotkey")]


def taxonomy_with(tmp_path: Path, **vocabularies: list[str]):
    """The default taxonomy with some vocabularies replaced by the values given."""
    data = default_taxonomy_data()
    for vocabulary, values in vocabularies.items():
        data[vocabulary] = [
            {"value": value, "definition": f"Definition of {value}.", "examples": ["x"]}
            for value in values
        ]
    return load_taxonomy(write_taxonomy(tmp_path / "taxonomy.yaml", data))


def test_config_matches_golden_file():
    config = build_label_config(load_taxonomy())
    stored = (GOLDEN_DIR / "label_config.xml").read_text(encoding="utf-8")
    assert stored == config, mismatch_message("label_config.xml")


def test_config_is_deterministic_and_independent_of_the_file_location(tmp_path):
    packaged = build_label_config(load_taxonomy())
    copy = write_taxonomy(tmp_path / "copy.yaml", default_taxonomy_data())
    assert build_label_config(load_taxonomy()) == packaged
    assert build_label_config(load_taxonomy(copy)) == packaged


def test_sdk_label_interface_accepts_the_config_and_reads_every_vocabulary():
    taxonomy = load_taxonomy()
    interface = LabelInterface(build_label_config(taxonomy))
    interface.validate()
    assert interface.get_control(ACTOR).labels == taxonomy.actor_type_values
    assert interface.get_control(STANCE).labels == taxonomy.stance_values
    assert interface.get_control(ROLES).labels == taxonomy.role_values
    for name in (ACTOR, STANCE, ROLES, ACTOR_NAME):
        assert interface.get_control(name).to_name == [TEXT]
    assert interface.get_object(TEXT).value == "$text"


def test_vocabularies_tag_names_and_per_region_controls():
    taxonomy = load_taxonomy()
    tree = config_tree(build_label_config(taxonomy))
    labels = control(tree, ACTOR)
    assert labels.tag == "Labels"
    assert [label.get("value") for label in labels] == taxonomy.actor_type_values
    assert [r.get("value") for r in tree.find("Relations")] == taxonomy.relation_values
    stance, roles, name = control(tree, STANCE), control(tree, ROLES), control(tree, ACTOR_NAME)
    assert (stance.tag, stance.get("choice"), stance.get("perRegion")) == (
        "Choices",
        "single",
        "true",
    )
    assert (roles.tag, roles.get("choice"), roles.get("perRegion")) == (
        "Choices",
        "multiple",
        "true",
    )
    assert (name.tag, name.get("perRegion"), name.get("required")) == ("TextArea", "true", None)
    assert stance.get("required") == "true"
    assert [c.get("value") for c in stance] == taxonomy.stance_values
    assert [c.get("value") for c in roles] == taxonomy.role_values
    panel = tree.find("View")
    assert panel.attrib == {"visibleWhen": "region-selected", "whenTagName": ACTOR}
    assert {element.get("name") for element in panel.iter() if element.get("name")} == {
        STANCE,
        ROLES,
        ACTOR_NAME,
    }


def test_hints_are_the_codebook_definitions():
    taxonomy = load_taxonomy()
    tree = config_tree(build_label_config(taxonomy))
    hints = {
        element.get("value"): element.get("hint") for element in tree.iter() if element.get("hint")
    }
    for vocabulary in ("actor_types", "stances", "roles"):
        for category in getattr(taxonomy, vocabulary):
            assert hints[category.value] == category.definition


def test_header_shows_title_and_byline_from_task_data():
    tree = config_tree(build_label_config(load_taxonomy()))
    headers = [header.get("value") for header in tree.findall("Header")]
    assert headers == ["$title", "$byline"]
    assert tree.find("Text").attrib == {"name": TEXT, "value": "$text"}


def test_hotkeys_are_unique_and_clear_of_label_studio_shortcuts():
    taxonomy = load_taxonomy()
    tree = config_tree(build_label_config(taxonomy))
    keys = hotkeys(tree)
    assert (
        len(keys)
        == len(set(keys))
        == sum(len(taxonomy.values(v)) for v in ("actor_types", "stances", "roles"))
    )
    assert [label.get("hotkey") for label in control(tree, ACTOR)] == list("1234")
    letters = [c.get("hotkey") for c in [*control(tree, STANCE), *control(tree, ROLES)]]
    assert all(len(key) == 1 and key in CHOICE_KEYS for key in letters)
    assert not EDITOR_KEYS & set(CHOICE_KEYS)
    # mnemonic where the value's own letters are free
    stance_keys = {c.get("value"): c.get("hotkey") for c in control(tree, STANCE)}
    assert stance_keys["support"] == "s" and stance_keys["conditional"] == "c"


def test_colours_come_from_the_palette_by_position():
    tree = config_tree(build_label_config(load_taxonomy()))
    assert [label.get("background") for label in control(tree, ACTOR)] == list(PALETTE[:4])
    relations = [relation.get("background") for relation in tree.find("Relations")]
    assert relations == list(PALETTE[:3])


def test_assign_hotkeys_prefers_own_letters_and_never_collides():
    assert assign_hotkeys(["support", "stay", "sit"], "stxyz") == {
        "support": "s",
        "stay": "t",
        "sit": "x",
    }
    assert assign_hotkeys(["alpha"], "ab", taken=["a"]) == {"alpha": "b"}
    assert assign_hotkeys(["a", "b", "c"], "xy") is None
    assert assign_hotkeys([f"t{n}" for n in range(10)], ACTOR_TYPE_KEYS) is not None


def test_a_user_taxonomy_in_another_order_gets_hotkeys_and_colours_in_its_order(tmp_path):
    taxonomy = taxonomy_with(tmp_path, actor_types=["group", "country", "person"])
    config = build_label_config(taxonomy)
    LabelInterface(config).validate()
    labels = control(config_tree(config), ACTOR)
    assert [
        (label.get("value"), label.get("hotkey"), label.get("background")) for label in labels
    ] == [
        ("group", "1", PALETTE[0]),
        ("country", "2", PALETTE[1]),
        ("person", "3", PALETTE[2]),
    ]


def test_more_actor_types_than_digits_get_no_hotkeys_but_a_valid_config(tmp_path):
    types = [f"type_{letter}" for letter in "abcdefghijk"]  # eleven
    taxonomy = taxonomy_with(tmp_path, actor_types=types)
    config = build_label_config(taxonomy)
    LabelInterface(config).validate()
    tree = config_tree(config)
    assert [label.get("hotkey") for label in control(tree, ACTOR)] == [None] * 11
    assert [label.get("background") for label in control(tree, ACTOR)][10] == PALETTE[0]
    assert all(choice.get("hotkey") for choice in control(tree, STANCE))


def test_too_many_roles_for_the_letters_drop_only_the_role_hotkeys(tmp_path):
    roles = [f"role_{number}" for number in range(12)]  # 5 stances + 12 roles > 15 letters
    taxonomy = taxonomy_with(tmp_path, roles=roles)
    tree = config_tree(build_label_config(taxonomy))
    assert [choice.get("hotkey") for choice in control(tree, ROLES)] == [None] * 12
    assert all(choice.get("hotkey") for choice in control(tree, STANCE))
    assert len(hotkeys(tree)) == len(set(hotkeys(tree))) == 4 + 5


def test_text_from_the_taxonomy_is_escaped(tmp_path):
    data = default_taxonomy_data()
    data["stances"][0]["definition"] = 'Backs <b>troops</b> & "more"'
    taxonomy = load_taxonomy(write_taxonomy(tmp_path / "taxonomy.yaml", data))
    config = build_label_config(taxonomy)
    LabelInterface(config).validate()
    assert 'hint="Backs &lt;b&gt;troops&lt;/b&gt; &amp; &quot;more&quot;"' in config
    assert control(config_tree(config), STANCE)[0].get("hint") == 'Backs <b>troops</b> & "more"'


def test_a_taxonomy_value_that_cannot_be_a_label_is_refused():
    taxonomy = load_taxonomy()
    bad = dataclasses.replace(
        taxonomy,
        source="my-debate.yaml",
        stances=(*taxonomy.stances, Category("Strong Support", "Definition.", ("x",))),
    )
    with pytest.raises(TaxonomyError) as caught:
        build_label_config(bad)
    assert str(caught.value) == (
        "my-debate.yaml: stances: value 'Strong Support' must be lower-case letters, digits "
        "and _ (starting with a letter, at most 40 characters)"
    )


def test_a_duplicate_value_is_refused():
    taxonomy = load_taxonomy()
    bad = dataclasses.replace(
        taxonomy, source="my-debate.yaml", relations=(*taxonomy.relations, taxonomy.relations[0])
    )
    with pytest.raises(TaxonomyError) as caught:
        build_label_config(bad)
    assert str(caught.value) == "my-debate.yaml: relations: duplicate value 'speaks_for'"


def test_a_config_the_sdk_rejects_is_reported_with_its_reason():
    with pytest.raises(TaxonomyError) as caught:
        check_label_config(
            '<View><Labels name="a" toName="missing"><Label value="x"/></Labels></View>',
            "my-debate.yaml",
        )
    assert str(caught.value) == (
        "my-debate.yaml: makes an invalid labeling config: "
        "toName=\"missing\" not found in names: ['a']"
    )


def test_no_xml_is_built_by_string_concatenation():
    source = (REPO / "annotate" / "labeling_config.py").read_text(encoding="utf-8")
    assert not re.search(r"""["']<\w""", source)


@pytest.mark.server
def test_a_real_label_studio_accepts_the_config_and_the_pre_annotations(label_studio):
    taxonomy = load_taxonomy()
    config = build_label_config(taxonomy)
    client = label_studio.client()
    project = client.projects.create(title="stancepack labeling config", label_config=config)
    try:
        stored = client.projects.get(project.id)
        assert ET.canonicalize(stored.label_config) == ET.canonicalize(config)
        interface = stored.get_label_interface()
        assert interface.get_control(ACTOR).labels == taxonomy.actor_type_values
        preannotator = Preannotator(load_gazetteer(REPO / "data" / "actors.yaml"), taxonomy)
        article = ingest([SEED_ARTICLES]).articles[0]
        prediction = preannotator.prediction(article.text)
        imported = client.projects.import_tasks(
            id=project.id,
            request=[
                {
                    "data": {
                        TEXT: article.text,
                        "title": article.title,
                        "source": article.source,
                        "published": article.published,
                    },
                    "predictions": [prediction],
                }
            ],
            return_task_ids=True,
        )
        (task_id,) = imported.task_ids
        stored_predictions = list(client.predictions.list(task=task_id))
        assert len(stored_predictions) == 1
        stored_prediction = stored_predictions[0]
        assert stored_prediction.model_version == preannotator.model_version
        assert stored_prediction.score == pytest.approx(prediction["score"])
        assert stored_prediction.result == prediction["result"]
    finally:
        client.projects.delete(project.id)
