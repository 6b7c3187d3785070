"""``stancepack package``, ``agreement`` and ``rehydrate`` on exports built from the seed
articles and the maintainers' seed annotations, read back with ``datasets.load_dataset``
offline in a separate process (as a researcher would)."""

from __future__ import annotations

import copy
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from stancepack.annotate import anchored
from stancepack.annotate.articles import ingest
from stancepack.cli import cli
from stancepack.export.dataset.agreement import measure_agreement
from stancepack.export.dataset.figures import KINDS as FIGURE_KINDS
from stancepack.export.dataset.package import (
    PackageOptions,
    Provenance,
    package_export,
    package_tables,
)
from stancepack.export.validate.run import validate_export
from stancepack.ground.errors import PackageError
from stancepack.schema.features import CONFIGS, config_features
from stancepack.schema.taxonomy import load_taxonomy
from tests.helpers import REPO, SEED_ARTICLES

TAXONOMY = load_taxonomy()
ARTICLES = ingest([SEED_ARTICLES]).articles
SEED = anchored.load_annotations(REPO / "data" / "seed_annotations.yaml")
SEED_MENTIONS = sum(len(entries) for entries in SEED.values())  # 111
LEAD = {"id": 1, "email": "lead@example.org"}
SECOND = {"id": 2, "email": "second@example.org"}
SHARED_STORY = "shared-story"  # articles 001 (RT) and 003 (TROIB, from RT) form one story


# --- Building exports -----------------------------------------------------------------------


def second_annotator_entries(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The second annotator of article 000: the lead's mentions but the last, and another
    stance (oppose) on the second mention (the lead said open)."""
    changed = copy.deepcopy(entries[:-1])
    changed[1]["stance"] = "oppose"
    return changed


def export_tasks(
    *, second_annotator: bool = True, prediction: bool = True, relations: bool = True
) -> list[dict[str, Any]]:
    """A Label Studio full JSON export of the five seed articles, with the seed annotations
    (by lead@example.org); a second annotator on article 000; a model prediction on
    article 002; articles 001 and 003 in one story."""
    tasks = []
    for number, article in enumerate(ARTICLES, 1):
        entries = SEED[article.file]
        result = keep_relations(anchored.annotation_result(article.text, entries), relations)
        annotations = [annotation(100 + number, LEAD, result)]
        if second_annotator and number == 1:
            second = anchored.annotation_result(article.text, second_annotator_entries(entries))
            annotations.append(annotation(200 + number, SECOND, keep_relations(second, relations)))
        predictions = []
        if prediction and number == 3:
            regions = [item["id"] for item in result if item.get("from_name") == "actor"][:4]
            spans = [
                item
                for item in result
                if item.get("id") in regions and item["from_name"] in ("actor", "stance")
            ]
            predictions.append(
                {"id": 900, "model_version": "seed-model-1", "score": 0.5, "result": spans}
            )
        story = SHARED_STORY if number in (2, 4) else article.story_id
        tasks.append(
            {
                "id": number,
                "data": {
                    "text": article.text,
                    "title": article.title,
                    "source": article.source,
                    "published": article.published,
                    "url": f"https://example.org/{article.article_id}",
                    "article_id": article.article_id,
                    "story_id": story,
                },
                "annotations": annotations,
                "predictions": predictions,
                "project": 7,
                "created_at": "2026-11-01T10:00:00.000000Z",
                "updated_at": "2026-11-02T10:00:00.000000Z",
            }
        )
    return tasks


def keep_relations(result: list[dict[str, Any]], relations: bool) -> list[dict[str, Any]]:
    return result if relations else [item for item in result if item["type"] != "relation"]


def annotation(annotation_id: int, who: dict[str, Any], result: list[dict[str, Any]]):
    return {
        "id": annotation_id,
        "completed_by": who,
        "result": result,
        "was_cancelled": False,
        "ground_truth": False,
        "created_at": f"2026-11-0{1 + annotation_id % 2}T12:00:00.000000Z",
        "updated_at": f"2026-11-0{1 + annotation_id % 2}T12:30:00.000000Z",
        "lead_time": 60.0,
    }


def write_export(path: Path, tasks: list[dict[str, Any]]) -> Path:
    path.write_text(json.dumps(tasks, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


@pytest.fixture
def export(tmp_path: Path) -> Path:
    return write_export(tmp_path / "export.json", export_tasks())


def run(*args: str):
    return CliRunner().invoke(cli, [str(arg) for arg in args])


# --- Reading a package back, offline, in a fresh process --------------------------------------

LOADER = """
import json, sys
import datasets
datasets.disable_progress_bars()
folder, mode, configs = sys.argv[1], sys.argv[2], sys.argv[3].split(",")
out = {}
for config in configs:
    if mode == "builder":
        builder = datasets.load_dataset_builder(folder, config)
        out[config] = {"features": builder.info.features.to_dict()}
        continue
    name = None if config == "-" else config  # "-": no config name, the default one
    loaded = datasets.load_dataset(folder, name, streaming=mode == "streaming")
    out[config] = {
        split: {"features": part.features.to_dict(), "rows": list(part)}
        for split, part in loaded.items()
    }
print(json.dumps(out))
"""


def load_offline(folder: Path, tmp_path: Path, configs=CONFIGS, mode: str = "load") -> dict:
    """``datasets.load_dataset(folder, config)`` for each config, with no network and a
    private cache: HF_HUB_OFFLINE=1, HF_DATASETS_OFFLINE=1, HF_HOME in tmp_path."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path / "home"),
        "HF_HOME": str(tmp_path / "hf-home"),
        "HF_HUB_OFFLINE": "1",
        "HF_DATASETS_OFFLINE": "1",
        "HF_HUB_DISABLE_TELEMETRY": "1",
    }
    done = subprocess.run(
        [sys.executable, "-c", LOADER, str(folder), mode, ",".join(configs)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def file_bytes(folder: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def facts(folder: Path) -> dict[str, Any]:
    return json.loads((folder / "stancepack.json").read_text(encoding="utf-8"))


def label(config_features, column: str, index):
    return None if index is None else config_features[column].names[index]


# --- The package, loaded ----------------------------------------------------------------------


@pytest.fixture
def packaged(export: Path, tmp_path: Path) -> Path:
    result = run("package", export, "-o", tmp_path / "dataset")
    assert result.exit_code == 0, result.output
    return tmp_path / "dataset"


def test_package_reports_what_it_wrote(export, tmp_path):
    result = run("package", export, "-o", tmp_path / "dataset")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""  # a clean export: no validation report
    assert result.stdout == (
        f"wrote {tmp_path / 'dataset'}: "
        "mentions 111 (train 48, validation 50, test 13); "
        "articles 5 (train 2, validation 2, test 1); "
        "relations 73 (train 23, validation 42, test 8); "
        "annotations 127 (train 52, validation 50, test 25); "
        "actors 70 (train 36, validation 26, test 8)\n"
    )


def test_every_config_loads_offline_with_its_declared_features_and_row_counts(packaged, tmp_path):
    loaded = load_offline(packaged, tmp_path)
    declared = config_features(TAXONOMY)
    rows = facts(packaged)["rows"]
    for config in CONFIGS:
        assert set(loaded[config]) == {"train", "validation", "test"}, config
        for split, part in loaded[config].items():
            assert part["features"] == declared[config].to_dict(), (config, split)
            assert len(part["rows"]) == rows[config][split] > 0, (config, split)
    assert sum(rows["mentions"].values()) == SEED_MENTIONS


def test_without_a_config_name_load_dataset_reads_mentions(packaged, tmp_path):
    loaded = load_offline(packaged, tmp_path, ["-"])["-"]
    mentions = config_features(TAXONOMY)["mentions"].to_dict()
    assert {split: part["features"] for split, part in loaded.items()} == {
        split: mentions for split in ("train", "validation", "test")
    }


def test_mentions_give_back_the_seed_annotations(packaged, tmp_path):
    loaded = load_offline(packaged, tmp_path, ["mentions"])["mentions"]
    features = config_features(TAXONOMY)["mentions"]
    got = {
        (row["article_id"], row["start"], row["end"]): row
        for part in loaded.values()
        for row in part["rows"]
    }
    for article in ARTICLES:
        for mention in anchored.mentions_of(article.text, SEED[article.file]):
            row = got[(article.article_id, mention.start, mention.end)]
            assert row["text"] == mention.text == article.text[mention.start : mention.end]
            assert label(features, "actor_type", row["actor_type"]) == mention.actor_type
            assert row["actor_name"] == mention.name
            roles = [features["roles"].feature.names[i] for i in row["roles"]]
            assert roles == [role for role in TAXONOMY.role_values if role in mention.roles]
            if article.file.startswith("000") and mention.id == "m2":
                continue  # the two annotators disagree: see the next test
            assert label(features, "stance", row["stance"]) == mention.stance


def test_the_two_annotator_article_follows_the_adjudication_rules(packaged, tmp_path):
    loaded = load_offline(packaged, tmp_path, ["mentions"])["mentions"]
    first = ARTICLES[0]
    mentions = {m.id: m for m in anchored.mentions_of(first.text, SEED[first.file])}
    rows = {
        (row["start"], row["end"]): row
        for part in loaded.values()
        for row in part["rows"]
        if row["article_id"] == first.article_id
    }
    assert len(rows) == len(mentions) == 13
    assert {row["n_annotators"] for row in rows.values()} == {2}
    assert {row["adjudication"] for row in rows.values()} == {"majority"}
    # m13: only the lead marked it: exactly half, kept and flagged.
    last = rows[(mentions["m13"].start, mentions["m13"].end)]
    assert (last["n_marked"], last["mention_tie"]) == (1, True)
    # m2: open (lead) against oppose (second): a stance tie, no stance.
    second = rows[(mentions["m2"].start, mentions["m2"].end)]
    assert (second["stance"], second["stance_tie"], second["stance_votes"]) == (None, True, 1)
    # m1: both agree.
    one = rows[(mentions["m1"].start, mentions["m1"].end)]
    assert (one["n_marked"], one["mention_tie"], one["stance_tie"], one["stance_votes"]) == (
        2,
        False,
        False,
        2,
    )


def test_the_annotations_config_keeps_every_mark_of_every_annotator_and_model(packaged, tmp_path):
    loaded = load_offline(packaged, tmp_path, ["annotations"])["annotations"]
    rows = [row for part in loaded.values() for row in part["rows"]]
    by_who = {}
    for row in rows:
        key = (row["kind"], row["annotator"], row["model_version"])
        by_who[key] = by_who.get(key, 0) + 1
    assert by_who == {
        ("annotation", "annotator_01", ""): SEED_MENTIONS,  # lead@example.org
        ("annotation", "annotator_02", ""): 12,  # second@example.org
        ("prediction", "", "seed-model-1"): 4,
    }
    assert not any("@" in json.dumps(row) for row in rows)
    # Relations ride on the region they start from, as drawn.
    drawn = sum(len(row["relations"]) for row in rows if row["annotator"] == "annotator_01")
    assert drawn == sum(len(anchored.relations_of(entries)) for entries in SEED.values())


def test_a_story_cluster_stays_in_one_split(packaged, tmp_path):
    loaded = load_offline(packaged, tmp_path, ["articles"])["articles"]
    split_of = {row["article_id"]: split for split, part in loaded.items() for row in part["rows"]}
    assert split_of[ARTICLES[1].article_id] == split_of[ARTICLES[3].article_id]
    stories = {row["story_id"] for part in loaded.values() for row in part["rows"]}
    assert len(stories) == 4


def test_articles_carry_text_and_metadata(packaged, tmp_path):
    loaded = load_offline(packaged, tmp_path, ["articles"])["articles"]
    rows = {row["article_id"]: row for part in loaded.values() for row in part["rows"]}
    for article in ARTICLES:
        row = rows[article.article_id]
        assert row["text"] == article.text
        assert row["text_sha256"] == article.text_sha256
        assert (row["title"], row["source"]) == (article.title, article.source)
        assert row["url"] == f"https://example.org/{article.article_id}"
    assert rows[ARTICLES[0].article_id]["n_annotators"] == 2


# --- Determinism and safety -------------------------------------------------------------------


CLI = "import sys; from stancepack.cli import cli; cli(sys.argv[1:])"


def test_packaging_the_same_export_twice_gives_identical_bytes(export, tmp_path):
    """Twice, in two processes with different string hash seeds (so no set order leaks)."""
    for name, seed in (("one", "1"), ("two", "2")):
        done = subprocess.run(
            [sys.executable, "-c", CLI, "package", str(export), "-o", name],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
    one, two = file_bytes(tmp_path / "one"), file_bytes(tmp_path / "two")
    assert sorted(one) == sorted(
        [
            "README.md",
            *(f"figures/{kind}.png" for kind in FIGURE_KINDS),
            *[
                f"{config}/{split}-00000-of-00001.parquet"
                for config in sorted(CONFIGS)
                for split in ("test", "train", "validation")
            ],
            "stancepack-files.json",
            "stancepack.json",
        ]
    )
    assert one == two


def test_a_non_empty_output_folder_is_refused_without_force(export, tmp_path):
    target = tmp_path / "dataset"
    target.mkdir()
    (target / "notes.txt").write_text("mine", encoding="utf-8")
    result = run("package", export, "-o", target)
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {target}: folder is not empty (pass --force to replace a dataset folder "
        "that stancepack wrote)\n"
    )
    assert file_bytes(target) == {"notes.txt": b"mine"}

    result = run("package", export, "-o", target, "--force")
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {target}: not a dataset folder written by stancepack (no "
        "stancepack-files.json of one); --force replaces only such a folder\n"
    )
    assert file_bytes(target) == {"notes.txt": b"mine"}


def leftovers(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir() if path.name.startswith("."))


def test_an_interruption_leaves_the_earlier_dataset_untouched(export, tmp_path):
    target = tmp_path / "dataset"
    assert run("package", export, "-o", target).exit_code == 0
    before = file_bytes(target)
    changed = export_tasks(second_annotator=False)
    write_export(export, changed)
    written = []

    def interrupt_after_three_files(path: Path) -> None:
        written.append(path)
        if len(written) == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        package_export(
            export, target, TAXONOMY, force=True, on_file_written=interrupt_after_three_files
        )
    assert file_bytes(target) == before
    assert leftovers(tmp_path) == []


def test_a_value_that_cannot_be_written_fails_cleanly_and_leaves_the_earlier_dataset(
    packaged, tmp_path
):
    from tests.test_adjudicate import annotation as made
    from tests.test_adjudicate import flat_tables, mark

    before = file_bytes(packaged)
    huge = 2**31  # does not fit the declared int32 offsets
    tables = flat_tables(made("1", "t1", "a@example.org", [mark(huge, huge + 5)]))
    with pytest.raises(PackageError) as error:
        package_tables(tables, TAXONOMY, packaged, Provenance("x.json", "0" * 64), force=True)
    assert str(error.value) == "mentions: start: 2147483648 does not fit int32 (article art-t1)"
    assert file_bytes(packaged) == before
    assert leftovers(tmp_path) == []


def test_an_invalid_export_is_refused_with_its_report(tmp_path):
    tasks = export_tasks()
    for item in tasks[0]["annotations"][0]["result"]:
        if item["from_name"] == "stance":
            item["value"]["choices"] = ["maybe"]
            break
    export = write_export(tmp_path / "export.json", tasks)
    result = run("package", export, "-o", tmp_path / "dataset")
    assert result.exit_code == 1
    assert "error unknown-stance" in result.stderr
    assert "summary: " in result.stderr and ": invalid\n" in result.stderr
    assert result.stderr.endswith(
        f"Error: {export}: invalid export (1 error); nothing was written\n"
    )
    assert result.stdout == ""
    assert not (tmp_path / "dataset").exists()
    assert leftovers(tmp_path) == []


def test_warnings_are_listed_and_allowed_unless_strict(tmp_path):
    tasks = export_tasks()
    tasks[4]["annotations"][0]["result"] = [
        item for item in tasks[4]["annotations"][0]["result"] if item.get("from_name") != "stance"
    ]
    export = write_export(tmp_path / "export.json", tasks)
    result = run("package", export, "-o", tmp_path / "lenient")
    assert result.exit_code == 0, result.output
    assert "warning no-stance" in result.stderr
    assert result.stdout.startswith(f"wrote {tmp_path / 'lenient'}: ")

    result = run("package", export, "-o", tmp_path / "strict", "--strict")
    assert result.exit_code == 1
    assert "error no-stance" in result.stderr
    assert result.stderr.endswith("errors); nothing was written\n")
    assert not (tmp_path / "strict").exists()


def test_a_missing_export_is_an_error(tmp_path):
    result = run("package", tmp_path / "nope.json", "-o", tmp_path / "dataset")
    assert result.exit_code == 1
    assert result.stderr == f"Error: {tmp_path / 'nope.json'}: no such file\n"


@pytest.mark.parametrize(
    ("splits", "message"),
    [
        ("0.8,0.2", "expected three numbers for train,validation,test; got '0.8,0.2'"),
        ("0.9,0.1,0.1", "ratios must sum to 1; '0.9,0.1,0.1' sums to 1.1"),
        ("1,-1,1", "ratios must be non-negative numbers; got '1,-1,1'"),
    ],
)
def test_bad_split_ratios_are_a_usage_error(export, tmp_path, splits, message):
    result = run("package", export, "-o", tmp_path / "dataset", "--splits", splits)
    assert result.exit_code == 2
    assert result.stderr.endswith(f"Error: Invalid value for '--splits': {message}\n")


def test_ratios_and_seed_are_applied_and_recorded(export, tmp_path):
    result = run("package", export, "-o", tmp_path / "d", "--splits", "1,0,0", "--seed", "5")
    assert result.exit_code == 0, result.output
    recorded = facts(tmp_path / "d")
    assert recorded["splits"]["ratios"] == [1.0, 0.0, 0.0] and recorded["splits"]["seed"] == 5
    assert recorded["rows"]["articles"] == {"train": 5, "validation": 0, "test": 0}
    loaded = load_offline(tmp_path / "d", tmp_path, ["articles"])["articles"]
    assert list(loaded) == ["train"]


# --- Standoff and rehydration -----------------------------------------------------------------


def test_standoff_publishes_no_text_and_rehydrate_restores_the_full_package(export, tmp_path):
    assert run("package", export, "-o", tmp_path / "full").exit_code == 0
    assert run("package", export, "-o", tmp_path / "standoff", "--text", "standoff").exit_code == 0
    loaded = load_offline(tmp_path / "standoff", tmp_path, ["articles"])["articles"]
    standoff_features = config_features(TAXONOMY, text=False)["articles"]
    for part in loaded.values():
        assert part["features"] == standoff_features.to_dict()
        assert all("text" not in row and row["url"] and row["text_sha256"] for row in part["rows"])
    texts = {article.text for article in ARTICLES}
    card = (tmp_path / "standoff" / "README.md").read_text(encoding="utf-8")
    assert "Article texts are **not** included (standoff release)" in card
    assert "The article texts belong to their publishers and are not included" in card
    assert not any(text[:200] in card for text in texts)
    for path in (tmp_path / "standoff").rglob("*.parquet"):
        assert not any(text[200:400].encode() in path.read_bytes() for text in texts)

    result = run(
        "rehydrate", tmp_path / "standoff", "--articles", SEED_ARTICLES, "-o", tmp_path / "again"
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == f"wrote {tmp_path / 'again'}: 5 articles with their texts\n"
    assert file_bytes(tmp_path / "again") == file_bytes(tmp_path / "full")


@pytest.fixture
def standoff(export, tmp_path) -> Path:
    assert run("package", export, "-o", tmp_path / "standoff", "--text", "standoff").exit_code == 0
    return tmp_path / "standoff"


def test_rehydrate_refuses_an_article_whose_text_differs(standoff, tmp_path):
    copies = tmp_path / "copies"
    shutil.copytree(SEED_ARTICLES, copies)
    changed = copies / ARTICLES[2].file
    changed.write_text(changed.read_text(encoding="utf-8") + "\nA sentence more.", encoding="utf-8")
    new_sha = ingest([copies]).articles[2].text_sha256
    result = run("rehydrate", standoff, "--articles", copies, "-o", tmp_path / "out")
    assert result.exit_code == 1
    article = ARTICLES[2]
    assert result.stderr == (
        f"Error: {standoff}: article {article.article_id} ({article.title}): none of the "
        f"articles given has its text (sha256 {article.text_sha256[:12]})\n"
    )
    assert new_sha != article.text_sha256
    assert not (tmp_path / "out").exists()


def test_rehydrate_names_the_copy_when_a_manifest_id_matches_but_the_text_does_not(
    standoff, tmp_path
):
    copies = tmp_path / "copies"
    shutil.copytree(SEED_ARTICLES, copies)
    article = ARTICLES[0]
    manifest = copies / "manifest.csv"
    lines = manifest.read_text(encoding="utf-8").splitlines()
    lines[0] += ",article_id"
    lines[1:] = [
        line + ("," + article.article_id if i == 0 else ",") for i, line in enumerate(lines[1:])
    ]
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    target = copies / article.file
    target.write_text(
        target.read_text(encoding="utf-8").replace("France", "Frankreich", 1), encoding="utf-8"
    )
    copy_sha = ingest([copies]).articles[0].text_sha256
    result = run("rehydrate", standoff, "--articles", copies, "-o", tmp_path / "out")
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {standoff}: article {article.article_id} ({article.title}): your copy "
        f"{article.file} has a different text (sha256 {copy_sha[:12]}, annotated text "
        f"{article.text_sha256[:12]}); offsets would not match\n"
    )


def test_rehydrate_refuses_a_missing_article(standoff, tmp_path):
    copies = tmp_path / "copies"
    copies.mkdir()
    for article in ARTICLES[1:]:
        shutil.copy(SEED_ARTICLES / article.file, copies / article.file)
    result = run("rehydrate", standoff, "--articles", copies, "-o", tmp_path / "out")
    assert result.exit_code == 1
    article = ARTICLES[0]
    assert result.stderr == (
        f"Error: {standoff}: article {article.article_id} ({article.title}): none of the "
        f"articles given has its text (sha256 {article.text_sha256[:12]})\n"
    )


def test_rehydrate_refuses_a_package_that_has_its_texts(packaged, tmp_path):
    result = run("rehydrate", packaged, "--articles", SEED_ARTICLES, "-o", tmp_path / "out")
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {packaged}: already holds the article texts (packaged with --text full)\n"
    )


def test_rehydrate_refuses_a_folder_that_is_not_a_dataset(tmp_path):
    (tmp_path / "empty").mkdir()
    result = run("rehydrate", tmp_path / "empty", "--articles", SEED_ARTICLES, "-o", tmp_path / "o")
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {tmp_path / 'empty'}: not a stancepack dataset (no stancepack.json)\n"
    )


# --- The card ----------------------------------------------------------------------------------

# Template fields a packager cannot know: they keep the template's placeholder.
UNKNOWABLE = (
    "- **Curated by:**",
    "- **Funded by [optional]:**",
    "- **Shared by [optional]:**",
    "- **Repository:**",
    "- **Paper [optional]:**",
    "- **Demo [optional]:**",
)
UNKNOWABLE_SECTIONS = (
    "**BibTeX:**",
    "**APA:**",
    "## Dataset Card Authors",
    "## Dataset Card Contact",
)


def placeholders_outside_the_unknowable(card: str) -> list[str]:
    found = []
    lines = card.splitlines()
    for number, line in enumerate(lines):
        if "[More Information Needed]" not in line:
            continue
        if line.startswith(UNKNOWABLE):
            continue
        previous = next(
            (
                lines[i]
                for i in range(number - 1, -1, -1)
                if lines[i].strip() and not lines[i].startswith("<!--")
            ),
            "",
        )
        if previous.startswith(UNKNOWABLE_SECTIONS):
            continue
        found.append(line)
    return found


def test_the_card_is_filled_where_the_answer_is_known(packaged, export):
    card = (packaged / "README.md").read_text(encoding="utf-8")
    assert placeholders_outside_the_unknowable(card) == []
    sha = hashlib.sha256(export.read_bytes()).hexdigest()
    for expected in (
        f"| export sha256 | `{sha}` |",
        "| export file | `export.json` |",
        "| Label Studio project | 7 |",
        "| export time | not recorded in the export |",
        "| latest annotation change | 2026-11-02T12:30:00.000000Z |",
        f"| taxonomy | `{TAXONOMY.name}` version `{TAXONOMY.version}` |",
        "#### Codebook: Western or NATO troops to Ukraine",
        "| `conditional` | The actor supports a deployment only for limited",
        "| ABC News | 1 | 13 |",
        "| TROIB News (from RT) | 1 | 25 |",
        "`mentions.stance`:",
        "The article texts belong to their publishers",
        "Pre-annotation: the export holds 1 model prediction (model versions `seed-model-1`) "
        "on 1 article;",
        "Articles by number of annotators: 4 articles with 1 annotator, 1 article with 2 "
        "annotators.",
        "Measured on the 1 article with two or more annotators; 12 mentions marked by at least",
    ):
        assert expected in card, expected
    assert str(REPO) not in card and "/tmp" not in card


def test_the_card_names_the_curators_when_told(export, tmp_path):
    out = tmp_path / "named"
    curators = "the project maintainers, in one annotation pass"
    assert run("package", export, "-o", out, "--curators", curators).exit_code == 0
    card = (out / "README.md").read_text(encoding="utf-8")
    assert f"- **Curated by:** {curators}" in card
    assert f"Annotated by {curators}. " in card
    assert facts(out)["curators"] == curators


def test_the_card_yaml_lists_configs_with_mentions_as_default(packaged):
    from huggingface_hub import DatasetCard

    card = DatasetCard.load(packaged / "README.md")
    configs = card.data.configs
    assert [c["config_name"] for c in configs] == list(CONFIGS)
    assert [c.get("default", False) for c in configs] == [True, False, False, False, False]
    assert configs[0]["data_files"] == [
        {"split": split, "path": f"mentions/{split}-*.parquet"}
        for split in ("train", "validation", "test")
    ]
    assert [info["config_name"] for info in card.data.dataset_info] == list(CONFIGS)


def test_agreement_figures_in_the_card_are_those_of_stancepack_agreement(packaged, export):
    card = (packaged / "README.md").read_text(encoding="utf-8")
    result = run("agreement", export, "--format", "json")
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    assert figures["measurable"] is True
    assert f"| stance | {figures['stance']['value']:.4f} | 12 |" in card
    for role, alpha in figures["roles"].items():
        shown = "undefined" if alpha["value"] is None else f"{alpha['value']:.4f}"
        assert f"| role `{role}` | {shown} | {alpha['units']} |" in card
    (pair,) = figures["pairs"]
    assert (pair["annotator_a"], pair["annotator_b"]) == ("lead@example.org", "second@example.org")
    assert f"| annotator_01 | annotator_02 | 1 | 12 | 13 | 12 | {pair['f1']:.4f} |" in card
    # 12 matched of 13 + 12: F1 = 24 / 25
    assert pair["f1"] == 0.96


def test_agreement_text_output(export):
    result = run("agreement", export)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[:6] == [
        "annotators: 2",
        "articles annotated: 5",
        "articles with two or more annotators: 1",
        "matched mentions: 12",
        "span F1 (all pairs): 0.9600",
        "span F1 lead@example.org ~ second@example.org: 0.9600 (12 matched of 13 + 12, 1 articles)",
    ]


def test_with_one_annotator_per_article_the_card_says_agreement_was_not_measured(tmp_path):
    export = write_export(tmp_path / "export.json", export_tasks(second_annotator=False))
    assert run("package", export, "-o", tmp_path / "d").exit_code == 0
    card = (tmp_path / "d" / "README.md").read_text(encoding="utf-8")
    assert (
        "Inter-annotator agreement could not be measured: every article was annotated by one "
        "annotator only, so no mention was marked twice. No agreement figure is given." in card
    )
    assert "Krippendorff's alpha |" not in card
    assert "One annotator per article: the labels were not cross-checked" in card
    result = run("agreement", export)
    assert result.stdout.endswith("agreement: not measurable (one annotator per article)\n")


def test_an_export_without_relations_still_has_a_relations_config_with_features(tmp_path):
    export = write_export(tmp_path / "export.json", export_tasks(relations=False))
    assert run("package", export, "-o", tmp_path / "d").exit_code == 0
    folder = tmp_path / "d"
    assert facts(folder)["rows"]["relations"] == {"train": 0, "validation": 0, "test": 0}
    declared = config_features(TAXONOMY)["relations"].to_dict()
    built = load_offline(folder, tmp_path, ["relations"], mode="builder")["relations"]
    assert built["features"] == declared
    streamed = load_offline(folder, tmp_path, ["relations"], mode="streaming")["relations"]
    assert streamed == {"train": {"features": declared, "rows": []}}
    card = (folder / "README.md").read_text(encoding="utf-8")
    assert "These configs have no rows at all: `relations`." in card


def test_package_export_times_its_stages(export, tmp_path):
    result = package_export(export, tmp_path / "d", TAXONOMY, PackageOptions(seed=3))
    assert set(result.seconds) == {"validation", "adjudication", "agreement", "tables", "writing"}
    assert result.facts["splits"]["seed"] == 3


def test_the_validation_report_and_the_package_agree_on_counts(export, tmp_path):
    report = validate_export(export, TAXONOMY)
    result = package_export(export, tmp_path / "d", TAXONOMY)
    assert sum(result.rows["annotations"].values()) == report.summary["spans"]
    figures = measure_agreement(report.tables, TAXONOMY)
    assert result.facts["agreement"]["stance"] == {
        "value": figures.stance.value,
        "units": figures.stance.units,
        "values": figures.stance.values,
        "note": figures.stance.note,
    }


def test_a_second_task_of_the_same_article_is_pooled_into_the_first(export, tmp_path):
    """The second annotator's work in a duplicate task of article 000 gives the same data
    as the same work in the article's own task."""
    tasks = export_tasks()
    duplicate = copy.deepcopy(tasks[0])
    duplicate["id"] = 6
    duplicate["annotations"] = [tasks[0]["annotations"].pop()]
    write_export(tmp_path / "pooled.json", [*tasks, duplicate])
    assert run("package", export, "-o", tmp_path / "together").exit_code == 0
    result = run("package", tmp_path / "pooled.json", "-o", tmp_path / "pooled")
    assert result.exit_code == 0, result.output
    together, pooled = file_bytes(tmp_path / "together"), file_bytes(tmp_path / "pooled")
    parquet = sorted(name for name in together if name.endswith(".parquet"))
    assert [pooled[name] for name in parquet] == [together[name] for name in parquet]
    assert facts(tmp_path / "pooled")["adjudication"]["tasks_pooled"] == 1
    assert facts(tmp_path / "together")["adjudication"]["tasks_pooled"] == 0


def test_agreement_refuses_an_invalid_export(tmp_path):
    tasks = export_tasks()
    tasks[0]["annotations"][0]["result"][0]["value"]["labels"] = ["martian"]
    export = write_export(tmp_path / "export.json", tasks)
    result = run("agreement", export)
    assert result.exit_code == 1
    assert "error unknown-actor-type" in result.stderr
    assert result.stderr.endswith(
        f"Error: {export}: invalid export (1 error); agreement not measured\n"
    )


def test_utf16_offsets_are_refused_or_repaired_on_request(tmp_path):
    """Article 001 with a flag emoji (two astral characters: 4 UTF-16 units, 2 code
    points) in front, and offsets counted in UTF-16 units, as old Label Studio did."""
    tasks = export_tasks()
    task = tasks[1]
    prefix = "\U0001f1fa\U0001f1e6 "  # 3 code points, 5 UTF-16 units
    task["data"]["text"] = prefix + task["data"]["text"]
    for item in task["annotations"][0]["result"]:
        if "value" in item:
            item["value"]["start"] += 5
            item["value"]["end"] += 5
    export = write_export(tmp_path / "export.json", tasks)
    result = run("package", export, "-o", tmp_path / "refused")
    assert result.exit_code == 1
    assert result.stderr.endswith("nothing was written\n")

    result = run("package", export, "-o", tmp_path / "d", "--fix-utf16-offsets")
    assert result.exit_code == 0, result.output
    loaded = load_offline(tmp_path / "d", tmp_path, ["mentions"])["mentions"]
    article = ARTICLES[1]
    starts = sorted(
        row["start"]
        for part in loaded.values()
        for row in part["rows"]
        if row["article_id"] == article.article_id
    )
    expected = sorted(m.start + 3 for m in anchored.mentions_of(article.text, SEED[article.file]))
    assert starts == expected


def test_the_card_shows_each_figure_with_its_sentence(packaged):
    written = facts(packaged)["figures"]
    assert [entry["file"] for entry in written] == [f"figures/{kind}.png" for kind in FIGURE_KINDS]
    card = (packaged / "README.md").read_text(encoding="utf-8")
    assert "### Figures" in card
    for entry in written:
        assert (packaged / entry["file"]).read_bytes().startswith(b"\x89PNG")
        assert f"]({entry['file']})\n\n{entry['description']}" in card
    assert "stancepack network PATH_OR_REPO --type congruence" in card


def test_no_figures_leaves_them_out_of_the_folder_and_the_card(export, tmp_path):
    result = run("package", export, "-o", tmp_path / "plain", "--no-figures")
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "plain" / "figures").exists()
    assert "figures" not in facts(tmp_path / "plain")
    assert "### Figures" not in (tmp_path / "plain" / "README.md").read_text(encoding="utf-8")


def test_the_card_says_how_many_articles_were_curated(tmp_path):
    tasks = export_tasks()
    tasks[0]["annotations"][0]["ground_truth"] = True
    export = write_export(tmp_path / "export.json", tasks)
    assert run("package", export, "-o", tmp_path / "dataset").exit_code == 0
    card = (tmp_path / "dataset" / "README.md").read_text(encoding="utf-8")
    assert "Curation: 1 article was curated: a ground-truth annotation" in card
    assert facts(tmp_path / "dataset")["adjudication"]["tasks_ground_truth"] == 1
