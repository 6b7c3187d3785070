"""The actor gazetteer, the rule-based pre-annotator on the seed articles, and the script
that measures it against human annotations.

The expectations on the seed articles come from reading them."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from label_studio_sdk.label_interface import LabelInterface

from benchmarks import eval_preannotator
from benchmarks.bench_preannotate import PerFormPreannotator
from stancepack.annotate.articles import Article, ingest
from stancepack.annotate.labeling_config import build_label_config
from stancepack.annotate.matcher import FormMatcher
from stancepack.annotate.preannotate import (
    Candidate,
    Preannotator,
    Span,
    leftmost_longest,
    role_mentions,
)
from stancepack.annotate.reading import sentence_spans
from stancepack.annotate.rules import Rules
from stancepack.ground.errors import StancepackError, TaxonomyError
from stancepack.schema.fields import ACTOR, ACTOR_NAME, ROLES, STANCE, TEXT
from stancepack.schema.gazetteer import Gazetteer, fold, load_gazetteer
from stancepack.schema.taxonomy import load_taxonomy
from tests.helpers import REPO, SEED_ARTICLES, default_taxonomy_data, write_taxonomy

GAZETTEER = REPO / "data" / "actors.yaml"
TAXONOMY = load_taxonomy()


@cache
def seed_articles() -> dict[str, Article]:
    return {article.file[:3]: article for article in ingest([SEED_ARTICLES]).articles}


@cache
def preannotator() -> Preannotator:
    return Preannotator(load_gazetteer(GAZETTEER), TAXONOMY, strict=False)


def spans_of(number: str) -> tuple[str, list[Span]]:
    text = seed_articles()[number].text
    return text, preannotator().spans(text)


def span_at(number: str, surface: str, anchor: str | None = None) -> Span:
    """The proposed span whose text is ``surface``, inside the unique passage ``anchor``."""
    text, spans = spans_of(number)
    passage = anchor or surface
    assert text.count(passage) == 1, passage
    start = text.index(passage) + passage.index(surface)
    found = [span for span in spans if (span.start, span.end) == (start, start + len(surface))]
    assert found, f"no span {surface!r} at {start} in article {number}"
    return found[0]


def surfaces(number: str) -> list[str]:
    text, spans = spans_of(number)
    return [text[span.start : span.end] for span in spans]


def write_gazetteer(tmp_path: Path, data: Any, name: str = "actors.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def seed_gazetteer_data() -> dict[str, Any]:
    return yaml.safe_load(GAZETTEER.read_text(encoding="utf-8"))


# --- the gazetteer -----------------------------------------------------------------------


def test_seed_gazetteer_loads_with_the_forms_the_articles_use():
    gazetteer = load_gazetteer(GAZETTEER)
    macron = gazetteer.actor("Emmanuel Macron")
    assert macron.type == "person" and macron.affiliation == "France"
    assert {"Macron", "Macon", "French President Emmanuel Macron"} <= set(macron.aliases)
    sejourne = gazetteer.actor("Stéphane Séjourné")
    assert {"Foreign Minister Stéphane Sejourne", "Stephane Sejourne", "Séjourné"} <= set(
        sejourne.aliases
    )
    france = gazetteer.actor("France")
    assert france.type == "country" and "Paris" in france.aliases and france.demonyms == ("French",)
    for capital, country in (("Moscow", "Russia"), ("Kiev", "Ukraine"), ("Warsaw", "Poland")):
        assert gazetteer.canonical_names()[capital] == country
    assert {actor.type for actor in gazetteer.actors} == set(TAXONOMY.actor_type_values)


def test_every_actor_of_the_gazetteer_is_named_in_a_seed_article():
    texts = " ".join(fold(article.text) for article in seed_articles().values())
    unseen = [
        actor.name
        for actor in load_gazetteer(GAZETTEER).actors
        if not any(fold(form) in texts for form in actor.surface_forms)
    ]
    assert unseen == []


def test_gazetteer_version_changes_with_its_content(tmp_path):
    data = seed_gazetteer_data()
    first = load_gazetteer(write_gazetteer(tmp_path, data, "a.yaml"))
    assert first.version == load_gazetteer(GAZETTEER).version
    data["actors"][0]["aliases"].append("La France")
    assert load_gazetteer(write_gazetteer(tmp_path, data, "b.yaml")).version != first.version


ENTRY = {"name": "Kaja Kallas", "type": "person", "aliases": ["Kallas"]}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("actors: [", "not valid YAML (line 1, column 10)"),
        ("- Kallas\n", "expected a mapping with an 'actors' list at the top level"),
        ({"actors": [ENTRY], "people": []}, "unknown top-level key 'people' (known: actors)"),
        ({"actors": []}, "actors: must list at least one actor"),
        ({"actors": ["Kallas"]}, "actors[0]: must be a mapping with name, type and aliases"),
        ({"actors": [{**ENTRY, "name": " "}]}, "actors[0]: name: must be a non-empty string"),
        (
            {"actors": [{**ENTRY, "alias": ["x"]}]},
            "actors[0] (Kaja Kallas): unknown key 'alias' "
            "(known: name, type, affiliation, aliases, demonyms, wikidata)",
        ),
        (
            {"actors": [{"name": "Kaja Kallas", "type": "person"}]},
            "actors[0] (Kaja Kallas): aliases: missing",
        ),
        (
            {"actors": [{**ENTRY, "type": "human"}]},
            "actors[0] (Kaja Kallas): type 'human' is not an actor type of the taxonomy "
            "(person, organization, country, group)",
        ),
        (
            {"actors": [{**ENTRY, "aliases": "Kallas"}]},
            "actors[0] (Kaja Kallas): aliases: must be a list of non-empty strings",
        ),
        (
            {"actors": [{**ENTRY, "aliases": ["Kallas", ""]}]},
            "actors[0] (Kaja Kallas): aliases[1]: must be a non-empty string",
        ),
        (
            {"actors": [{**ENTRY, "aliases": ["Kallas", "Kallas"]}]},
            "actors[0] (Kaja Kallas): aliases: 'Kallas' is listed twice",
        ),
        (
            {"actors": [ENTRY, {"name": "Siim Kallas", "type": "person", "aliases": ["Kallas"]}]},
            "actors[1] (Siim Kallas): 'Kallas' also names actors[0] (Kaja Kallas)",
        ),
        (
            {"actors": [ENTRY, {"name": "Kája Kallas", "type": "person", "aliases": ["K"]}]},
            "actors[1] (Kája Kallas): 'Kája Kallas' also names actors[0] (Kaja Kallas)",
        ),
        (
            {"actors": [{**ENTRY, "affiliation": "Estonia"}]},
            "actors[0] (Kaja Kallas): affiliation 'Estonia' is not the name of an actor in "
            "the gazetteer",
        ),
        (
            {"actors": [{**ENTRY, "demonyms": ["Estonian"]}]},
            "actors[0] (Kaja Kallas): demonyms: only a country has demonyms",
        ),
        (
            {"actors": [{**ENTRY, "wikidata": "42"}]},
            "actors[0] (Kaja Kallas): wikidata '42' must be a Wikidata id such as 'Q42'",
        ),
    ],
)
def test_gazetteer_errors_name_the_file_the_entry_and_the_problem(tmp_path, content, message):
    path = tmp_path / "actors.yaml"
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        write_gazetteer(tmp_path, content)
    with pytest.raises(StancepackError) as caught:
        load_gazetteer(path)
    assert str(caught.value) == f"{path}: {message}"


def test_a_missing_gazetteer_file_is_named(tmp_path):
    with pytest.raises(StancepackError) as caught:
        load_gazetteer(tmp_path / "nope.yaml")
    assert str(caught.value) == f"{tmp_path / 'nope.yaml'}: no such gazetteer file"


# --- spans on the seed articles ----------------------------------------------------------


def test_the_misspelling_macon_is_found_and_named_emmanuel_macron():
    span = span_at("002", "French President Emmanuel Macon")
    assert (span.type, span.name) == ("person", "Emmanuel Macron")


def test_kremlin_spokesman_dmitry_peskov_is_one_person_span():
    for number in ("001", "003", "004"):
        span = span_at(number, "Kremlin spokesman Dmitry Peskov")
        assert (span.type, span.name) == ("person", "Dmitry Peskov")
    assert "Kremlin" not in surfaces("001")  # only inside the person's title there


def test_titles_are_part_of_person_spans_and_accents_do_not_matter():
    assert span_at("000", "Foreign Minister Stéphane Sejourne").name == "Stéphane Séjourné"
    assert span_at("001", "French Foreign Minister Stephane Sejourne").name == "Stéphane Séjourné"
    assert span_at("003", "Former French President Nicolas Sarkozy").name == "Nicolas Sarkozy"
    span = span_at("002", "Lithuanian Defense Minister Arvydas Anušauskas")
    assert span.name == "Arvydas Anušauskas"


def test_a_titled_person_missing_from_the_gazetteer_is_found_by_the_title_rule(tmp_path):
    data = seed_gazetteer_data()
    data["actors"] = [a for a in data["actors"] if a["name"] != "Margarita Robles"]
    annotator = Preannotator(load_gazetteer(write_gazetteer(tmp_path, data)), TAXONOMY)
    text = seed_articles()["003"].text
    surface = "Spanish Defense Minister Margarita Robles"
    start = text.index(surface)
    span = next(s for s in annotator.spans(text) if s.start == start)
    assert (span.end, span.type, span.name, span.rule, span.actor) == (
        start + len(surface),
        "person",
        "Margarita Robles",
        "title",
        None,
    )


def test_unnamed_officials_are_people_without_a_canonical_name():
    for number, surface in (("000", "Slovakia’s prime minister"), ("004", "A NATO official")):
        span = span_at(number, surface)
        assert (span.type, span.name, span.actor) == ("person", "", None)
    text = seed_articles()["000"].text
    items = preannotator().predict(text)
    start = text.index("Slovakia’s prime minister")
    assert [item["from_name"] for item in items if item["value"]["start"] == start] == [ACTOR]


def test_a_national_government_is_its_country():
    span = span_at("004", "Italian government")
    assert (span.type, span.name) == ("country", "Italy")


def test_capitals_stand_for_their_country_but_places_are_not_actors():
    assert span_at("001", "Paris", "Paris would not risk").name == "France"
    assert span_at("004", "Moscow").name == "Russia"
    assert span_at("002", "Warsaw").name == "Poland"
    text, spans = spans_of("002")
    starts = {span.start for span in spans}
    assert text.index("Paris on Feb. 26") not in starts  # "held in Paris"
    assert text.index("Lithuania to meet") not in starts  # "visit to Lithuania"
    assert text.index("Ukraine, including Poland") not in starts  # "troops to Ukraine"


def test_countries_and_organisations_used_as_modifiers_are_not_actors():
    text, spans = spans_of("000")
    starts = {span.start for span in spans}
    assert text.index("NATO troops should") not in starts
    text, spans = spans_of("003")
    assert text.index("US-led") not in {span.start for span in spans}


def test_a_name_alone_on_its_line_is_a_caption_not_a_mention():
    text = seed_articles()["002"].text
    assert "\nStéphane Séjourné\nStéphane Séjourné\n" in text
    assert surfaces("002")[:2] == ["France", "French Foreign Minister Stéphane Séjourné"]


def test_spans_never_overlap_and_their_text_is_the_article_text():
    for article in seed_articles().values():
        items = preannotator().predict(article.text)
        spans = sorted({(i["value"]["start"], i["value"]["end"]) for i in items})
        assert all(
            end <= next_start for (_, end), (next_start, _) in zip(spans, spans[1:], strict=False)
        )
        for item in items:
            value = item["value"]
            if item["type"] != "textarea":
                assert article.text[value["start"] : value["end"]] == value["text"]
            assert item["id"] == f"r{value['start']}_{value['end']}"


# --- roles ---------------------------------------------------------------------------------


def test_demining_in_the_abc_article_is_attached_to_sejourne():
    span = span_at("000", "Foreign Minister Stéphane Sejourne")
    assert span.roles == ("demining", "cyber", "weapons_production")
    others = [s for s in spans_of("000")[1] if s != span]
    assert not any("demining" in s.roles for s in others)


def test_roles_attach_to_the_speaker_in_the_sentence():
    assert span_at("001", "Burkhard", "The troops, Burkhard").roles == (
        "demining",
        "cyber",
        "training",
        "air_defense",
    )
    assert span_at("002", "French Prime Minister Gabriel Attal").roles == (
        "training",
        "air_defense",
        "border_security",
    )
    assert span_at("004", "Macron", "outlined by Macron").roles == (
        "demining",
        "cyber",
        "border_security",
    )
    assert span_at("003", "Macron", "Macron disclosed").roles == ("training",)


def test_coordinated_speakers_share_a_role():
    assert span_at("002", "Estonian Prime Minister Kaja Kallas").roles == ("training",)
    assert span_at("002", "Lithuanian Defense Minister Arvydas Anušauskas").roles == ("training",)


def test_a_pronoun_sentence_gives_its_roles_to_the_last_person_mentioned_before_it():
    # "He repeatedly mentioned mine-clearing operations as a possibility, ..."
    assert span_at("002", "French Foreign Minister Stéphane Séjourné").roles == ("demining",)
    # "He noted that the West should “contemplate training missions in particular.”"
    # The last person outside quotes before it is Haddad, not the quoted President Macron.
    assert span_at("003", "Haddad", "Haddad reiterated").roles == ("training",)
    assert span_at("003", "President Macron").roles == ()
    assert span_at("003", "the West", "noted that the West").roles == ()


def test_roles_ruled_out_or_not_about_troops_are_not_proposed():
    # "not to fight", "no participation ... directly on the front line"
    assert not any("combat" in span.roles for span in spans_of("002")[1])
    # "We are not talking about soldiers on the front line, in combat, ..."
    assert span_at("004", "Rym Momtaz").roles == ()
    # "Ukraine needs weapons, ammunition and air defence." (equipment, not troops)
    assert not any("air_defense" in span.roles for span in spans_of("004")[1])
    # "citing dire shortages in ammunition and weaponry on the front lines"
    assert span_at("001", "Kiev", "Kiev has been").roles == ()


def test_the_title_line_gives_non_combat_roles_to_its_actor():
    assert span_at("000", "France", "France again floats").roles == ("other",)


# --- predictions -----------------------------------------------------------------------------


def test_predictions_never_carry_stances_or_relations():
    for article in seed_articles().values():
        items = preannotator().predict(article.text)
        assert {item["from_name"] for item in items} <= {ACTOR, ACTOR_NAME, ROLES}
        assert not any(item["from_name"] == STANCE for item in items)
        assert not any(item["type"] == "relation" for item in items)


def test_prediction_shapes_follow_label_studio():
    text = seed_articles()["002"].text
    start = text.index("French President Emmanuel Macon")
    end = start + len("French President Emmanuel Macon")
    items = [i for i in preannotator().predict(text) if i["value"]["start"] == start]
    region = f"r{start}_{end}"
    assert items == [
        {
            "id": region,
            "from_name": ACTOR,
            "to_name": TEXT,
            "type": "labels",
            "value": {
                "start": start,
                "end": end,
                "text": "French President Emmanuel Macon",
                "labels": ["person"],
            },
        },
        {
            "id": region,
            "from_name": ACTOR_NAME,
            "to_name": TEXT,
            "type": "textarea",
            "value": {"start": start, "end": end, "text": ["Emmanuel Macron"]},
        },
    ]


def test_predictions_are_valid_for_the_generated_labeling_config():
    interface = LabelInterface(build_label_config(TAXONOMY))
    for article in seed_articles().values():
        prediction = preannotator().prediction(article.text)
        assert interface.validate_prediction(prediction, return_errors=True) == []


def test_the_score_is_the_fraction_of_spans_the_gazetteer_names():
    text = "Slovakia's prime minister met Macron. A NATO official said nothing."
    spans = preannotator().spans(text)
    assert [(s.name, s.actor is not None) for s in spans] == [
        ("", False),
        ("Emmanuel Macron", True),
        ("", False),
    ]
    prediction = preannotator().prediction(text)
    assert prediction["score"] == round(1 / 3, 4)
    assert preannotator().prediction("Nobody here.") == {
        "model_version": preannotator().model_version,
        "score": 0.0,
        "result": [],
    }


def test_predictions_are_deterministic():
    text = seed_articles()["004"].text
    again = Preannotator(load_gazetteer(GAZETTEER), load_taxonomy(), strict=False)
    assert again.model_version == preannotator().model_version
    assert again.prediction(text) == preannotator().prediction(text)
    assert json.dumps(again.predict(text)) == json.dumps(preannotator().predict(text))


def test_model_version_names_the_rules_and_changes_with_the_gazetteer(tmp_path):
    version = preannotator().model_version
    assert version.startswith("stancepack-rules-") and len(version) == len("stancepack-rules-") + 12
    data = seed_gazetteer_data()
    data["actors"][0]["aliases"].append("La France")
    changed = Preannotator(load_gazetteer(write_gazetteer(tmp_path, data)), TAXONOMY, strict=False)
    assert changed.model_version != version


def test_a_taxonomy_without_a_seed_role_gives_a_pre_annotator_without_it(tmp_path):
    data = default_taxonomy_data()
    data["roles"] = [role for role in data["roles"] if role["value"] != "demining"]
    taxonomy = load_taxonomy(write_taxonomy(tmp_path / "taxonomy.yaml", data))
    annotator = Preannotator(load_gazetteer(GAZETTEER, taxonomy), taxonomy)
    text = seed_articles()["000"].text
    roles = {role for span in annotator.spans(text) for role in span.roles}
    assert roles == {"cyber", "weapons_production", "other"}


def test_a_taxonomy_whose_roles_have_no_keywords_proposes_no_roles_and_says_so_once(
    tmp_path, caplog
):
    data = default_taxonomy_data()
    for role in data["roles"]:
        role.pop("keywords", None)
        role.pop("weak_keywords", None)
    path = write_taxonomy(tmp_path / "taxonomy.yaml", data)
    taxonomy = load_taxonomy(path)
    with caplog.at_level("WARNING", logger="stancepack"):
        annotators = [Preannotator(load_gazetteer(GAZETTEER, taxonomy), taxonomy) for _ in "ab"]
    assert [r.getMessage() for r in caplog.records] == [
        f"{path}: no role declares keywords: the pre-annotator proposes no roles"
    ]
    spans = annotators[1].spans(seed_articles()["000"].text)
    assert spans and not any(span.roles for span in spans)


def test_a_gazetteer_type_missing_from_the_taxonomy_is_refused(tmp_path):
    data = default_taxonomy_data()
    data["actor_types"] = [t for t in data["actor_types"] if t["value"] != "group"]
    path = write_taxonomy(tmp_path / "taxonomy.yaml", data)
    gazetteer: Gazetteer = load_gazetteer(GAZETTEER)
    with pytest.raises(TaxonomyError) as caught:
        Preannotator(gazetteer, load_taxonomy(path))
    assert str(caught.value) == (
        f"{GAZETTEER}: NATO member states: type 'group' is not an actor type of the taxonomy "
        f"{path} (person, organization, country)"
    )


def test_sentences_do_not_end_at_initials_or_abbreviations():
    text = "Troops from the U.S. and U.K. are there. On Feb. 29, Attal spoke.\nNext line"
    assert [text[s:e] for s, e in sentence_spans(text)] == [
        "Troops from the U.S. and U.K. are there.",
        "On Feb. 29, Attal spoke.",
        "Next line",
    ]


# --- one-pass matching ----------------------------------------------------------------------


def test_the_matcher_finds_every_whole_word_occurrence_overlapping_ones_too():
    matcher = FormMatcher({"US": "us", "United States": "usa", "States": "states", "NATO": "n"})
    text = "NATOs and US-led United States forces; the USA; States."
    found = sorted(matcher.occurrences(text))
    assert [(text[start:end], value) for start, end, value in found] == [
        ("US", "us"),
        ("United States", "usa"),
        ("States", "states"),
        ("States", "states"),
    ]


def test_a_matcher_without_forms_finds_nothing():
    assert FormMatcher({}).occurrences("United States") == []


def test_rule_matches_are_kept_as_a_regex_scan_keeps_them_longest_form_first():
    candidates = [
        Candidate(start=12, form_length=1, end=13, payload="next"),
        Candidate(start=0, form_length=3, end=10, payload="shorter form"),
        Candidate(start=5, form_length=2, end=7, payload="inside"),
        Candidate(start=0, form_length=8, end=12, payload="longer form"),
    ]
    assert list(leftmost_longest(candidates)) == [(0, 12, "longer form"), (12, 13, "next")]


def test_one_pass_matching_proposes_the_per_form_matchers_spans_on_the_seed_articles():
    per_form = PerFormPreannotator(load_gazetteer(GAZETTEER), TAXONOMY)
    for number, article in sorted(seed_articles().items()):
        spans = preannotator().spans(article.text)
        assert spans, number
        assert spans == per_form.spans(article.text), number


EDGE_CASES = (
    "An Italian diplomat and a NATO official met. Kana NATO official left. anNATO official.\n"
    "France’s foreign minister Stéphane Séjourné said the French government and the United "
    "States government and Ukraine's defence minister agreed.\n"
    "A Ukrainian source said US-led talks in Paris and NATO troops in Kyiv were Russia’s "
    "concern, an American official said.\nMacron\n"
)


def test_one_pass_matching_proposes_the_per_form_matchers_spans_on_edge_cases():
    per_form = PerFormPreannotator(load_gazetteer(GAZETTEER), TAXONOMY)
    spans = preannotator().spans(EDGE_CASES)
    assert {span.rule for span in spans} == {"gazetteer", "title", "unnamed", "government"}
    assert spans == per_form.spans(EDGE_CASES)


ROLE_SENTENCES = (
    "They sent military instructors and training missions to train Ukrainian troops.",
    "Troops would not do demining but mine-clearing, cyber-attacks and front-line combat.",
    "Forces for air defence, air-defenses, logistics in the rear and de-mining.",
)


def test_role_keywords_are_whole_words_in_any_case_a_hyphen_joining_words():
    rules = Rules(TAXONOMY)
    found = [[(s[o : o + 12], role) for o, role in role_mentions(s, rules)] for s in ROLE_SENTENCES]
    assert found == [
        [("military ins", "training"), ("instructors ", "training"), ("training mis", "training"),
         ("train Ukrain", "training")],
        [("mine-clearin", "demining"), ("cyber-attack", "cyber"), ("front-line c", "combat")],
        [("air defence,", "air_defense"), ("air-defenses", "air_defense"),
         ("logistics in", "logistics"), ("in the rear ", "logistics"), ("de-mining.", "demining")],
    ]  # fmt: skip
    assert role_mentions("Non-combat roles, no combat roles for troops.", rules) == [(0, "other")]
    assert role_mentions("We discussed TRAINING and Air Defence.", rules) == []  # weak, no cue


# --- the evaluation script ---------------------------------------------------------------

SMALL_TEXT = (
    "Slovak Prime Minister Robert Fico said no. "
    "Italian government officials met in Paris. "
    "Foreign Minister Stéphane Sejourne proposed demining."
)


def span_item(region: str, text: str, surface: str, label: str, occurrence: int = 0):
    start = text.index(surface) if not occurrence else text.index(surface, occurrence)
    value = {"start": start, "end": start + len(surface), "text": surface, "labels": [label]}
    return {"id": region, "from_name": ACTOR, "to_name": TEXT, "type": "labels", "value": value}


def roles_item(span: dict[str, Any], roles: list[str]) -> dict[str, Any]:
    value = {**span["value"], "choices": roles}
    value.pop("labels")
    return {**span, "from_name": ROLES, "type": "choices", "value": value}


def small_export() -> list[dict[str, Any]]:
    """One task annotated by hand: four human spans against the pre-annotator's three.

    Predicted: "Slovak Prime Minister Robert Fico" (person), "Italian government"
    (country), "Foreign Minister Stéphane Sejourne" (person, demining); "Paris" is a place.
    """
    text = SMALL_TEXT
    fico = span_item("a", text, "Robert Fico", "person")  # shorter than predicted: overlap
    italy = span_item("b", text, "Italian government", "group")  # exact span, other type
    sejourne = span_item("c", text, "Foreign Minister Stéphane Sejourne", "person")  # exact
    paris = span_item("d", text, "Paris", "country")  # not predicted
    result = [fico, italy, sejourne, paris, roles_item(sejourne, ["demining", "training"])]
    cancelled = {"was_cancelled": True, "result": [fico]}
    return [
        {"id": 7, "data": {TEXT: text}, "annotations": [{"result": result}, cancelled]},
    ]


def run_script(tmp_path: Path, tasks: Any, *arguments: str):
    export = tmp_path / "export.json"
    export.write_text(json.dumps(tasks), encoding="utf-8")
    arguments = ("--earlier-rules", *arguments)  # as preannotator() proposes
    return CliRunner().invoke(eval_preannotator.main, [str(export), *arguments])


def test_evaluation_counts_on_a_small_hand_made_export(tmp_path):
    result = run_script(tmp_path, small_export(), "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["tasks"], report["annotations"]) == (1, 1)
    assert report["model_version"] == preannotator().model_version

    def counts(metric):
        return tuple(report[metric][key] for key in ("matched", "predicted", "gold"))

    assert counts("span_exact") == (2, 3, 4)
    assert counts("span_and_type") == (1, 3, 4)
    assert counts("span_overlap") == (3, 3, 4)
    assert counts("roles") == (1, 1, 2)
    assert report["span_exact"]["precision"] == round(2 / 3, 4)
    assert report["span_exact"]["recall"] == 0.5
    assert report["span_exact"]["f1"] == round(2 * (2 / 3) * 0.5 / (2 / 3 + 0.5), 4)
    assert report["roles"] == {
        "matched": 1,
        "predicted": 1,
        "gold": 2,
        "precision": 1.0,
        "recall": 0.5,
        "f1": round(2 / 3, 4),
    }


def test_evaluation_prints_a_table(tmp_path):
    result = run_script(tmp_path, small_export())
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == f"pre-annotator {preannotator().model_version}: 1 tasks, 1 annotations"
    assert lines[2].split() == ["span_exact", "2", "3", "4", "0.667", "0.500", "0.571"]


def test_evaluation_finds_texts_by_article_id(tmp_path):
    article = seed_articles()["000"]
    tasks = [{"data": {"article_id": article.article_id}, "annotations": [{"result": []}]}]
    result = run_script(tmp_path, tasks, "--articles", str(SEED_ARTICLES), "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["span_exact"]["gold"] == 0
    assert report["span_exact"]["predicted"] == len(preannotator().spans(article.text))


@pytest.mark.parametrize(
    ("tasks", "message"),
    [
        ({"id": 1}, "{export}: expected a list of tasks (a full JSON export)"),
        (
            [{"id": 3, "data": {"title": "x"}, "annotations": []}],
            "{export}: task 3: no text in data.text and no article with its article_id "
            "(pass --articles)",
        ),
        (
            [{"id": 3, "data": {TEXT: "x"}, "annotations": []}],
            "{export}: no annotations to compare with",
        ),
    ],
)
def test_evaluation_errors_are_one_line(tmp_path, tasks, message):
    result = run_script(tmp_path, tasks)
    assert result.exit_code == 1
    assert result.stderr == f"Error: {message.format(export=tmp_path / 'export.json')}\n"


def test_evaluation_of_a_file_that_is_not_json(tmp_path):
    export = tmp_path / "export.json"
    export.write_text("{", encoding="utf-8")
    result = CliRunner().invoke(eval_preannotator.main, [str(export)])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {export}: not a JSON export (")
