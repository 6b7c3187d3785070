import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from stancepack.cli import cli
from stancepack.ground.errors import TaxonomyError
from stancepack.schema.taxonomy import load_taxonomy, taxonomy_from_content
from tests.helpers import default_taxonomy_data, write_taxonomy


def test_default_taxonomy_has_the_designed_vocabularies():
    taxonomy = load_taxonomy()
    assert taxonomy.proposition == "Western or NATO troops should be deployed to Ukraine"
    assert taxonomy.actor_type_values == ["person", "organization", "country", "group"]
    assert taxonomy.stance_values == ["support", "conditional", "open", "oppose", "neutral"]
    assert taxonomy.role_values == [
        "demining",
        "cyber",
        "weapons_production",
        "training",
        "air_defense",
        "border_security",
        "logistics",
        "combat",
        "other",
    ]
    assert taxonomy.relation_values == ["speaks_for", "responds_to", "same_as"]


def test_version_is_stable_and_changes_with_any_definition(tmp_path):
    data = default_taxonomy_data()
    same = load_taxonomy(write_taxonomy(tmp_path / "same.yaml", data))
    assert same.version == load_taxonomy().version
    data["stances"][0]["definition"] += " Also endorsements in a vote."
    changed = load_taxonomy(write_taxonomy(tmp_path / "changed.yaml", data))
    assert changed.version != same.version
    data = default_taxonomy_data()
    data["roles"][0]["value"] = "mine_clearing"
    relabelled = load_taxonomy(write_taxonomy(tmp_path / "relabelled.yaml", data))
    assert relabelled.version not in {same.version, changed.version}


def test_version_ignores_where_the_file_lives(tmp_path):
    data = default_taxonomy_data()
    first = load_taxonomy(write_taxonomy(tmp_path / "a.yaml", data))
    second = load_taxonomy(write_taxonomy(tmp_path / "b.yaml", data))
    assert first.version == second.version


def _broken(tmp_path, mutate):
    data = default_taxonomy_data()
    mutate(data)
    return write_taxonomy(tmp_path / "mine.yaml", data)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (
            lambda d: d["stances"].append(dict(d["stances"][0])),
            "stances[5]: duplicate value 'support' in stances",
        ),
        (
            lambda d: d["roles"][1].update(value="cyber<ops"),
            "roles[1]: value 'cyber<ops' contains <, which would break the labeling config",
        ),
        (
            lambda d: d["roles"][1].update(value="r&d"),
            "roles[1]: value 'r&d' contains &, which would break the labeling config",
        ),
        (
            lambda d: d["actor_types"][0].update(value='say "x"'),
            'actor_types[0]: value \'say "x"\' contains ", which would break the labeling config',
        ),
        (
            lambda d: d["actor_types"][0].update(value=""),
            "actor_types[0]: value: must be a non-empty string",
        ),
        (
            lambda d: d["actor_types"][2].update(value="Country Name"),
            "actor_types[2]: value 'Country Name' must be lower-case letters, digits and _ "
            "(starting with a letter, at most 40 characters)",
        ),
        (
            lambda d: d["relations"][0].update(definition=" "),
            "relations[0] (speaks_for): definition: must be a non-empty string",
        ),
        (
            lambda d: d["relations"][0].update(examples=[]),
            "relations[0] (speaks_for): examples: must list at least one example",
        ),
        (lambda d: d.update(roles=[]), "roles: must be a non-empty list"),
        (
            lambda d: d["roles"][1].update(keywords=["cyber defence", "demining"]),
            "roles[1] (cyber): keywords: 'demining' is also a keyword of role 'demining'",
        ),
        (
            lambda d: d["roles"][2].update(weak_keywords=["Mine Clearance"]),
            "roles[2] (weapons_production): weak_keywords: 'Mine Clearance' is also a keyword "
            "of role 'demining'",
        ),
        (
            lambda d: d["roles"][0].update(keywords=["demining", ""]),
            "roles[0] (demining): keywords[1]: must be a non-empty string",
        ),
        (
            lambda d: d["roles"][0].update(keywords="demining"),
            "roles[0] (demining): keywords: must be a list of non-empty strings",
        ),
        (
            lambda d: d["roles"][0].update(keywords=["demining", "DEMINING"]),
            "roles[0] (demining): keywords: 'DEMINING' is listed twice",
        ),
        (
            lambda d: d["stances"][0].update(keywords=["back"]),
            "stances[0] (support): keywords: only roles have them",
        ),
        (
            lambda d: d.update(preannotation={"titles": ["Rapporteur"]}),
            "preannotation: unknown list 'titles' (known: title_heads, office_titles, "
            "unnamed_officials, unnamed_sources, government_words, function_words, "
            "name_particles, place_prepositions, object_prepositions, determiners, "
            "modified_nouns, pronouns, personal_pronouns, negation_cues, negation_resets, "
            "weak_keyword_cues, position_verbs, group_quantifiers, group_modifiers, "
            "group_heads)",
        ),
        (
            lambda d: d.update(preannotation=["title_heads"]),
            "preannotation: must be a mapping of lists of words",
        ),
        (
            lambda d: d.update(preannotation={"title_heads": [3]}),
            "preannotation: title_heads[0]: must be a non-empty string",
        ),
        (lambda d: d.update(proposition=""), "proposition: must be a non-empty string"),
        (
            lambda d: d.update(introductions=["roles"]),
            "introductions: must be a mapping of vocabulary names to text",
        ),
        (
            lambda d: d.update(introductions={"role": "Tasks."}),
            "introductions: unknown vocabulary 'role' (known: actor_types, stances, roles, "
            "relations)",
        ),
        (
            lambda d: d.update(introductions={"roles": ["Tasks."]}),
            "introductions: roles: must be a non-empty string",
        ),
        (
            lambda d: d.update(introductions={"stances": " "}),
            "introductions: stances: must be a non-empty string",
        ),
    ],
)
def test_invalid_taxonomy_names_file_entry_and_problem(tmp_path, mutate, message):
    path = _broken(tmp_path, mutate)
    with pytest.raises(TaxonomyError) as caught:
        load_taxonomy(path)
    assert str(caught.value) == f"{path}: {message}"


def test_roles_carry_their_keywords_and_the_taxonomy_its_rule_words(tmp_path):
    taxonomy = load_taxonomy()
    demining = taxonomy.roles[0]
    assert demining.value == "demining"
    assert {"demining", "de-mining", "mine-clearing", "mine clearance"} <= set(demining.keywords)
    assert "troops" in taxonomy.preannotation["weak_keyword_cues"]
    data = default_taxonomy_data()
    data["preannotation"]["title_heads"] = ["Rapporteur"]
    changed = load_taxonomy(write_taxonomy(tmp_path / "t.yaml", data))
    assert changed.preannotation["title_heads"] == ("Rapporteur",)
    assert changed.version != taxonomy.version
    assert taxonomy_from_content(changed.content()) == replace(changed, source="")


def test_introductions_are_content_only_when_declared(tmp_path):
    taxonomy = load_taxonomy()
    assert taxonomy.content()["introductions"] == {"roles": taxonomy.introductions["roles"]}
    assert taxonomy_from_content(taxonomy.content()) == replace(taxonomy, source="")
    data = default_taxonomy_data()
    data["introductions"]["roles"] += " Also tasks at sea."
    changed = load_taxonomy(write_taxonomy(tmp_path / "changed.yaml", data))
    assert changed.version != taxonomy.version
    del data["introductions"]
    undeclared = load_taxonomy(write_taxonomy(tmp_path / "undeclared.yaml", data))
    assert "introductions" not in undeclared.content()
    assert undeclared.version not in {taxonomy.version, changed.version}
    assert taxonomy_from_content(undeclared.content()) == replace(undeclared, source="")


def test_unreadable_taxonomy_files(tmp_path):
    missing = tmp_path / "missing.yaml"
    with pytest.raises(TaxonomyError, match=r"missing.yaml: no such taxonomy file$"):
        load_taxonomy(missing)
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: [unclosed\n", encoding="utf-8")
    with pytest.raises(TaxonomyError, match=r"bad.yaml: not valid YAML \(line 2, column 1\)$"):
        load_taxonomy(bad)
    listed = tmp_path / "list.yaml"
    listed.write_text("- a\n- b\n", encoding="utf-8")
    with pytest.raises(TaxonomyError, match=r"list.yaml: expected a mapping at the top level$"):
        load_taxonomy(listed)


def test_schema_show_json_lists_vocabularies_and_version():
    result = CliRunner().invoke(cli, ["schema", "show", "--format", "json"])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    taxonomy = load_taxonomy()
    assert shown == {
        "name": "western-troops-ukraine",
        "proposition": taxonomy.proposition,
        "version": taxonomy.version,
        "actor_types": taxonomy.actor_type_values,
        "stances": taxonomy.stance_values,
        "roles": taxonomy.role_values,
        "relations": taxonomy.relation_values,
    }


def test_schema_show_text():
    result = CliRunner().invoke(cli, ["schema", "show"])
    assert result.exit_code == 0
    version = load_taxonomy().version
    assert result.stdout.splitlines() == [
        f"taxonomy:    western-troops-ukraine (version {version})",
        "proposition: Western or NATO troops should be deployed to Ukraine",
        "actor_types: person, organization, country, group",
        "stances:     support, conditional, open, oppose, neutral",
        "roles:       demining, cyber, weapons_production, training, air_defense, "
        "border_security, logistics, combat, other",
        "relations:   speaks_for, responds_to, same_as",
    ]


def test_schema_show_with_a_bad_taxonomy_exits_1_with_one_line(tmp_path):
    path = _broken(tmp_path, lambda d: d["roles"].append(dict(d["roles"][0])))
    result = CliRunner().invoke(cli, ["schema", "show", "--taxonomy", str(path)])
    assert result.exit_code == 1
    assert result.stderr == f"Error: {path}: roles[9]: duplicate value 'demining' in roles\n"
    assert result.stdout == ""


def test_user_taxonomy_for_another_debate(tmp_path):
    data = default_taxonomy_data()
    data["name"] = "nuclear-power"
    data["proposition"] = "Germany should restart its nuclear power plants"
    data["roles"] = [
        {
            "value": "energy_supply",
            "definition": "Keeping the lights on.",
            "examples": ["The plants would cover the winter peak."],
        }
    ]
    path = write_taxonomy(tmp_path / "nuclear.yaml", data)
    result = CliRunner().invoke(
        cli, ["schema", "show", "--taxonomy", str(path), "--format", "json"]
    )
    assert result.exit_code == 0
    assert json.loads(result.stdout)["roles"] == ["energy_supply"]


def _show(path):
    return CliRunner().invoke(cli, ["schema", "show", "--taxonomy", str(path)])


def _refused_by_schema_show(path, message):
    result = _show(path)
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == f"Error: {path}: {message}\n"


def test_taxonomy_nested_thousands_of_levels_deep(tmp_path):
    deep = tmp_path / "deep.yaml"
    deep.write_text("name: " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    _refused_by_schema_show(deep, "line 1: nested deeper than 100 levels")
    block = tmp_path / "block.yaml"
    block.write_text("".join("  " * level + "- \n" for level in range(3000)), encoding="utf-8")
    _refused_by_schema_show(block, "line 101: nested deeper than 100 levels")


def _default_taxonomy_lines():
    from stancepack.schema.taxonomy import DEFAULT_TAXONOMY_PATH

    return DEFAULT_TAXONOMY_PATH.read_text(encoding="utf-8").splitlines(keepends=True)


def test_duplicate_keys_in_the_taxonomy_are_refused_with_their_line(tmp_path):
    lines = _default_taxonomy_lines()
    first_name = next(n for n, line in enumerate(lines, 1) if line.startswith("name:"))
    top = tmp_path / "top.yaml"
    top.write_text("".join(lines) + "name: another-debate\n", encoding="utf-8")
    _refused_by_schema_show(
        top, f"line {len(lines) + 1}: duplicate key 'name' (first on line {first_name})"
    )
    definition = next(n for n, line in enumerate(lines) if "  definition:" in line)
    lines.insert(definition + 1, lines[definition].replace("definition: ", "definition: Not "))
    nested = tmp_path / "nested.yaml"
    nested.write_text("".join(lines), encoding="utf-8")
    _refused_by_schema_show(
        nested,
        f"line {definition + 2}: duplicate key 'definition' (first on line {definition + 1})",
    )


def test_duplicate_keys_in_flow_mappings_are_refused_but_merges_may_override(tmp_path):
    flow = tmp_path / "flow.yaml"
    flow.write_text("name: {a: 1, a: 2}\n", encoding="utf-8")
    _refused_by_schema_show(flow, "line 1: duplicate key 'a' (first on line 1)")
    path = write_taxonomy(tmp_path / "merged.yaml", default_taxonomy_data())
    text = path.read_text(encoding="utf-8").replace(
        "name: western-troops-ukraine\n",
        "x-defaults: &defaults {name: placeholder}\n<<: *defaults\nname: western-troops-ukraine\n",
    )
    path.write_text(text, encoding="utf-8")
    assert load_taxonomy(path).name == "western-troops-ukraine"


def test_yaml_bombs_and_self_containing_aliases_are_refused(tmp_path):
    laughs = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level, name in enumerate("bcdefgh"):
        previous = "abcdefgh"[level]
        laughs.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]")
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text("\n".join(laughs) + "\n", encoding="utf-8")
    _refused_by_schema_show(bomb, "line 7: aliases expand to more than 1000000 values")
    loop = tmp_path / "loop.yaml"
    loop.write_text("name: &a [1, *a]\n", encoding="utf-8")
    _refused_by_schema_show(loop, "line 1: alias *a refers to a value that contains it")


def test_python_tags_are_refused_and_never_run(tmp_path):
    marker = tmp_path / "ran"
    path = tmp_path / "tagged.yaml"
    path.write_text(f'name: !!python/object/apply:os.system ["touch {marker}"]\n', "utf-8")
    _refused_by_schema_show(path, "line 1: tag !!python/object/apply:os.system is not allowed")
    assert not marker.exists()


def test_taxonomy_that_is_a_folder_or_a_fifo(tmp_path):
    folder = tmp_path / "taxonomy.yaml"
    folder.mkdir()
    with pytest.raises(TaxonomyError) as caught:
        load_taxonomy(folder)
    assert str(caught.value) == f"{folder}: not a regular file (a folder)"
    fifo = tmp_path / "fifo.yaml"
    os.mkfifo(fifo)
    stancepack = Path(sys.executable).with_name("stancepack")
    result = subprocess.run(
        [str(stancepack), "schema", "show", "--taxonomy", str(fifo)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == f"Error: {fifo}: not a regular file (a FIFO)\n"
