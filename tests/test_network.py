"""Discourse networks: statements, the four network types, DNA's normalisations, time ranges
and windows, the three formats read back, and the `stancepack network` command.

The crafted dataset (tests/discourse_data.py) has, per actor, these distinct
concept-qualifier pairs (P = proposition, R = role):

    Alice           P:support P:conditional R:training R:demining   (5 statements)
    Bob             P:oppose R:cyber                                (3; neutral states nothing)
    Carol           P:support P:oppose R:training                   (3)
    Dave            P:oppose P:support                              (2; support undated)
    some ministers  P:open R:demining                               (2)

Alice's third mention has no stance and makes no statement. The expected networks below
are worked out from this table by hand.
"""

from __future__ import annotations

import filecmp
from datetime import date
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest
from click.testing import CliRunner

from stancepack.cli import cli
from stancepack.export.dataset.discourse import read_discourse, statements
from stancepack.export.dataset.network import (
    NetworkRequest,
    Period,
    Windows,
    build_network,
    write_network,
)
from stancepack.export.dataset.package import PackageOptions, package_export
from stancepack.ground.errors import TaxonomyError
from stancepack.schema.taxonomy import load_taxonomy, taxonomy_from_content
from tests.discourse_data import (
    ALICE,
    ARTICLES,
    BOB,
    CAROL,
    DAVE,
    EVE,
    package_articles,
    without_dates,
    without_stances,
)
from tests.helpers import REPO, default_taxonomy_data, write_taxonomy

SEED_EXPORT = REPO / "data" / "exports" / "seed-articles.json"
SEED_DATASET = REPO / "data" / "dataset"


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return package_articles(tmp_path_factory.mktemp("crafted"), ARTICLES)


def run(*args: object):
    return CliRunner().invoke(cli, [str(arg) for arg in args])


def edges(graph: nx.Graph) -> dict[tuple[str, str], float]:
    """(actor, actor) in name order, or (actor, concept) -> weight."""

    def key(u: str, v: str) -> tuple[str, str]:
        return tuple(sorted((u, v), key=lambda n: (graph.nodes[n]["kind"] != "actor", n)))

    return {key(u, v): data["weight"] for u, v, data in graph.edges(data=True)}


# --- Polarity in the taxonomy ----------------------------------------------------------------


def test_the_seed_taxonomy_declares_each_stances_polarity():
    taxonomy = load_taxonomy()
    assert {value: taxonomy.polarity(value) for value in taxonomy.stance_values} == {
        "support": "positive",
        "conditional": "positive",
        "open": "none",
        "oppose": "negative",
        "neutral": "none",
    }


def test_a_taxonomy_without_polarities_loads_with_none(tmp_path):
    data = default_taxonomy_data()
    for stance in data["stances"]:
        del stance["polarity"]
    taxonomy = load_taxonomy(write_taxonomy(tmp_path / "old.yaml", data))
    assert {taxonomy.polarity(value) for value in taxonomy.stance_values} == {"none"}


def test_the_polarity_is_part_of_the_version(tmp_path):
    data = default_taxonomy_data()
    data["stances"][2]["polarity"] = "positive"
    changed = load_taxonomy(write_taxonomy(tmp_path / "changed.yaml", data))
    assert changed.version != load_taxonomy().version
    assert changed.content()["stances"][2]["polarity"] == "positive"


@pytest.mark.parametrize(
    ("vocabulary", "polarity", "message"),
    [
        (
            "stances",
            "favourable",
            "stances[0] (support): polarity: must be one of positive, negative, none "
            "(got 'favourable')",
        ),
        ("roles", "positive", "roles[0] (demining): polarity: only stances have one"),
    ],
)
def test_a_bad_polarity_is_refused(tmp_path, vocabulary, polarity, message):
    data = default_taxonomy_data()
    data[vocabulary][0]["polarity"] = polarity
    path = write_taxonomy(tmp_path / "mine.yaml", data)
    with pytest.raises(TaxonomyError) as caught:
        load_taxonomy(path)
    assert str(caught.value) == f"{path}: {message}"


def test_content_recorded_in_a_dataset_gives_back_the_polarities_or_none():
    taxonomy = load_taxonomy()
    rebuilt = taxonomy_from_content(taxonomy.content())
    assert rebuilt.version == taxonomy.version
    old = taxonomy.content()
    for stance in old["stances"]:
        del stance["polarity"]
    assert {taxonomy_from_content(old).polarity(v) for v in taxonomy.stance_values} == {"none"}


# --- Statements and networks of the crafted dataset -------------------------------------------


def test_statements_follow_dna(dataset):
    found = sorted((s.actor, s.concept, s.qualifier) for s in statements(read_discourse(dataset)))
    assert found == sorted(
        [
            (ALICE, "proposition", "support"),
            (ALICE, "role:training", "proposes"),
            (ALICE, "role:demining", "proposes"),
            (ALICE, "proposition", "conditional"),
            (ALICE, "role:training", "proposes"),
            (BOB, "proposition", "oppose"),
            (BOB, "role:cyber", "proposes"),
            (BOB, "proposition", "oppose"),
            (CAROL, "proposition", "support"),
            (CAROL, "role:training", "proposes"),
            (CAROL, "proposition", "oppose"),
            (DAVE, "proposition", "oppose"),
            (DAVE, "proposition", "support"),
            (EVE, "proposition", "open"),
            (EVE, "role:demining", "proposes"),
        ]
    )


def test_congruence_counts_shared_concept_qualifier_pairs(dataset):
    graph = build_network(read_discourse(dataset), "congruence")
    assert sorted(graph.nodes) == sorted([ALICE, BOB, CAROL, DAVE, EVE])
    assert edges(graph) == {
        (ALICE, CAROL): 2,  # support, training
        (ALICE, DAVE): 1,  # support
        (ALICE, EVE): 1,  # demining
        (BOB, CAROL): 1,  # oppose
        (BOB, DAVE): 1,  # oppose
        (CAROL, DAVE): 2,  # support, oppose
    }


def test_conflict_links_positive_and_negative_polarity(dataset):
    graph = build_network(read_discourse(dataset), "conflict")
    # positive: Alice, Carol, Dave; negative: Bob, Carol, Dave; open (none) keeps Eve out
    assert edges(graph) == {
        (ALICE, BOB): 1,
        (ALICE, CAROL): 1,
        (ALICE, DAVE): 1,
        (BOB, CAROL): 1,
        (BOB, DAVE): 1,
        (CAROL, DAVE): 1,
    }
    assert EVE in graph and graph.degree(EVE) == 0


def test_actor_stance_counts_statements(dataset):
    graph = build_network(read_discourse(dataset), "actor-stance")
    assert edges(graph) == {
        (ALICE, "stance:support"): 1,
        (ALICE, "stance:conditional"): 1,
        (BOB, "stance:oppose"): 2,
        (CAROL, "stance:support"): 1,
        (CAROL, "stance:oppose"): 1,
        (DAVE, "stance:oppose"): 1,
        (DAVE, "stance:support"): 1,
        (EVE, "stance:open"): 1,
    }
    assert {data["kind"] for _, _, data in graph.edges(data=True)} == {"stance"}
    assert graph.nodes["stance:oppose"] == {
        "label": "oppose",
        "kind": "stance",
        "statements": 4,
        "polarity": "negative",
    }
    assert "stance:neutral" not in graph


def test_actor_role_counts_statements(dataset):
    graph = build_network(read_discourse(dataset), "actor-role")
    assert edges(graph) == {
        (ALICE, "role:training"): 2,
        (ALICE, "role:demining"): 1,
        (BOB, "role:cyber"): 1,
        (CAROL, "role:training"): 1,
        (EVE, "role:demining"): 1,
    }
    assert {data["kind"] for _, _, data in graph.edges(data=True)} == {"role"}
    assert DAVE not in graph
    assert "role:combat" not in graph  # proposed only by a mention without a stance


def test_actor_nodes_carry_type_mentions_articles_and_stance_counts(dataset):
    graph = build_network(read_discourse(dataset), "congruence")
    assert graph.nodes[ALICE] == {
        "label": ALICE,
        "kind": "actor",
        "actor_type": "person",
        "mentions": 3,
        "articles": 3,
        "stance_support": 1,
        "stance_conditional": 1,
        "stance_open": 0,
        "stance_oppose": 0,
        "stance_neutral": 0,
        "statements": 5,
    }
    assert graph.nodes[EVE]["actor_type"] == "group"
    assert graph.nodes[BOB]["stance_neutral"] == 1


@pytest.mark.parametrize(
    ("normalization", "expected"),
    [
        ("none", 2),
        # Alice states 4 pairs, Carol 3; together 5; both: 2
        ("average", 2 / ((4 + 3) / 2)),
        ("jaccard", 2 / 5),
        ("cosine", 2 / (4 * 3)),
    ],
)
def test_normalisations_as_dna_defines_them(dataset, normalization, expected):
    graph = build_network(read_discourse(dataset), "congruence", normalization)
    assert graph.edges[ALICE, CAROL]["weight"] == pytest.approx(expected)


def test_conflict_is_normalised_by_the_same_activities(dataset):
    graph = build_network(read_discourse(dataset), "conflict", "jaccard")
    # Bob {P:oppose, R:cyber}, Dave {P:oppose, P:support}: union of 3 pairs
    assert graph.edges[BOB, DAVE]["weight"] == pytest.approx(1 / 3)


# --- Time ------------------------------------------------------------------------------------


def test_a_date_range_keeps_the_articles_published_in_it(dataset):
    discourse = read_discourse(dataset).within(date(2024, 3, 1), date(2024, 3, 5))
    assert edges(build_network(discourse, "congruence")) == {(ALICE, CAROL): 2, (BOB, DAVE): 1}


def test_windows_write_one_network_each_and_an_index(dataset, tmp_path):
    out = tmp_path / "windows"
    request = NetworkRequest("congruence", "graphml", windows=Windows(7, 7))
    result = write_network(dataset, out, request)
    index = pd.read_csv(out / "windows.csv", dtype=str)
    assert index[["window", "start", "end", "path", "statements", "edges"]].values.tolist() == [
        ["2024-03-01", "2024-03-01", "2024-03-07", "2024-03-01.graphml", "10", "2"],
        ["2024-03-08", "2024-03-08", "2024-03-14", "2024-03-08.graphml", "3", "0"],
    ]
    first = nx.read_graphml(out / "2024-03-01.graphml")
    assert edges(first) == {(ALICE, CAROL): 2, (BOB, DAVE): 1}
    second = nx.read_graphml(out / "2024-03-08.graphml")
    assert sorted(second.nodes) == [CAROL, EVE]
    assert (result.undated_articles, result.undated_statements) == (1, 2)
    assert not result.undated_kept


def test_overlapping_windows_start_every_step_days(dataset, tmp_path):
    out = tmp_path / "windows"
    write_network(dataset, out, NetworkRequest("congruence", "csv", windows=Windows(10, 4)))
    index = pd.read_csv(out / "windows.csv", dtype=str)
    assert index[["start", "end", "articles"]].values.tolist() == [
        ["2024-03-01", "2024-03-10", "2"],
        ["2024-03-05", "2024-03-14", "2"],
        ["2024-03-09", "2024-03-18", "1"],
    ]
    middle = pd.read_csv(out / "2024-03-05" / "edges.csv")
    assert middle.values.tolist() == [[CAROL, DAVE, 1]]  # oppose (a3, a2)


def test_windows_within_a_range_start_at_the_range(dataset, tmp_path):
    out = tmp_path / "windows"
    request = NetworkRequest(
        "actor-stance",
        "gexf",
        period=Period(date(2024, 3, 4), date(2024, 3, 12)),
        windows=Windows(5, 5),
    )
    write_network(dataset, out, request)
    index = pd.read_csv(out / "windows.csv", dtype=str)
    assert index[["start", "end", "statements"]].values.tolist() == [
        ["2024-03-04", "2024-03-08", "2"],
        ["2024-03-09", "2024-03-12", "2"],  # the last window ends with the range
    ]


# --- Formats ---------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["actor-stance", "congruence"])
@pytest.mark.parametrize(("fmt", "read"), [("graphml", nx.read_graphml), ("gexf", nx.read_gexf)])
def test_graph_files_read_back_with_networkx(dataset, tmp_path, kind, fmt, read):
    expected = build_network(read_discourse(dataset), kind)
    path = tmp_path / f"network.{fmt}"
    write_network(dataset, path, NetworkRequest(kind, fmt))
    back = read(path)
    assert sorted(back.nodes) == sorted(expected.nodes)
    assert edges(back) == edges(expected)
    for node, data in expected.nodes(data=True):
        assert back.nodes[node] == data
    for u, v, data in expected.edges(data=True):
        found = dict(back.edges[u, v])
        if fmt == "gexf":  # GEXF numbers its edges and reads weights as floats
            assert found.pop("id").isdigit()
            data = {**data, "weight": float(data["weight"])}
        assert found == data
    assert path.read_bytes().count(b"lastmodifieddate") == 0


def test_csv_folder_reads_back_with_pandas(dataset, tmp_path):
    expected = build_network(read_discourse(dataset), "actor-role")
    out = tmp_path / "csv"
    write_network(dataset, out, NetworkRequest("actor-role", "csv"))
    nodes = pd.read_csv(out / "nodes.csv")
    edge_rows = pd.read_csv(out / "edges.csv")
    assert nodes["id"].tolist() == list(expected.nodes)
    assert nodes.set_index("id").loc[ALICE, "mentions"] == 3
    assert nodes.set_index("id").loc["role:training", "kind"] == "role"
    assert edge_rows.columns.tolist() == ["source", "target", "weight", "kind"]
    assert {(r.source, r.target): r.weight for r in edge_rows.itertuples()} == edges(expected)


@pytest.mark.parametrize("fmt", ["graphml", "gexf", "csv"])
def test_the_same_dataset_gives_the_same_bytes(dataset, tmp_path, fmt):
    first, second = tmp_path / f"first.{fmt}", tmp_path / f"second.{fmt}"
    for path in (first, second):
        write_network(dataset, path, NetworkRequest("congruence", fmt, "average"))
    if fmt == "csv":
        assert not filecmp.dircmp(first, second).diff_files
        assert sorted(p.name for p in first.iterdir()) == sorted(p.name for p in second.iterdir())
    else:
        assert first.read_bytes() == second.read_bytes()


# --- The command -----------------------------------------------------------------------------


def test_network_command_reports_what_it_wrote(dataset, tmp_path):
    out = tmp_path / "congruence.graphml"
    result = run("network", dataset, "--type", "congruence", "-o", out)
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        f"wrote {out}: congruence network, 5 nodes, 6 edges, from 15 statements\n"
    )
    assert result.stderr == "1 article without a date (2 statements): kept\n"


def test_network_command_with_a_range_leaves_undated_articles_out(dataset, tmp_path):
    out = tmp_path / "range.gexf"
    result = run(
        "network", dataset, "--type", "conflict", "--format", "gexf", "-o", out,
        "--from", "2024-03-01", "--to", "2024-03-05",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        f"wrote {out}: conflict network, 4 nodes, 4 edges, from 10 statements\n"
    )
    assert result.stderr == (
        "1 article without a date (2 statements): left out, as a date range or windows were "
        "asked for\n"
    )
    # positive: Alice, Carol (a1); negative: Bob (a1), Dave (a2)
    assert edges(nx.read_gexf(out)) == {
        (ALICE, BOB): 1.0,
        (ALICE, DAVE): 1.0,
        (BOB, CAROL): 1.0,
        (CAROL, DAVE): 1.0,
    }


def test_network_command_writes_windows(dataset, tmp_path):
    out = tmp_path / "weekly"
    result = run("network", dataset, "--type", "actor-role", "--window", "7", "-o", out)
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        f"wrote {out}: 2 actor-role networks, one per window (index windows.csv), "
        "from 6 statements\n"
    )
    assert sorted(p.name for p in out.iterdir()) == [
        "2024-03-01.graphml",
        "2024-03-08.graphml",
        "stancepack-files.json",
        "windows.csv",
    ]


def test_an_existing_output_is_replaced_only_with_force(dataset, tmp_path):
    out = tmp_path / "network.graphml"
    out.write_text("mine")
    refused = run("network", dataset, "--type", "congruence", "-o", out)
    assert refused.exit_code == 1
    assert refused.stderr == f"Error: {out}: exists (pass --force to replace it)\n"
    assert out.read_text() == "mine"
    forced = run("network", dataset, "--type", "congruence", "-o", out, "--force")
    assert forced.exit_code == 0, forced.output
    assert nx.read_graphml(out).number_of_edges() == 6


def test_an_existing_folder_is_refused_without_force(dataset, tmp_path):
    out = tmp_path / "csv"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    result = run("network", dataset, "--type", "congruence", "--format", "csv", "-o", out)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {out}: folder is not empty")
    assert [p.name for p in out.iterdir()] == ["notes.txt"]


def nothing_written(folder: Path, expected: set[str]) -> bool:
    return {p.name for p in folder.iterdir()} == expected


def test_a_dataset_without_stances_is_refused(tmp_path):
    dataset = package_articles(tmp_path / "data", without_stances(ARTICLES))
    out = tmp_path / "network.graphml"
    result = run("network", dataset, "--type", "congruence", "-o", out)
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {dataset}: no mention has a stance: no statements to build a network from\n"
    )
    assert nothing_written(tmp_path, {"data"})


def test_windows_of_a_dataset_without_dates_are_refused(tmp_path):
    dataset = package_articles(tmp_path / "data", without_dates(ARTICLES))
    out = tmp_path / "windows"
    result = run("network", dataset, "--type", "congruence", "--window", "7", "-o", out)
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {dataset}: no article has a publication date: a date range or time windows "
        "need dates\n"
    )
    assert nothing_written(tmp_path, {"data"})


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("--type", "congruence", "--from", "2024-03-10", "--to", "2024-03-01"),
            "--from 2024-03-10 is after --to 2024-03-01",
        ),
        (
            ("--type", "congruence", "--from", "2025-01-01"),
            "{dataset} (articles published from 2025-01-01 to the last date): no mention has "
            "a stance: no statements to build a network from",
        ),
        (
            ("--type", "actor-role", "--normalize", "jaccard"),
            "--normalize jaccard: only one-mode networks (congruence, conflict) are normalised",
        ),
    ],
)
def test_requests_the_dataset_cannot_answer_are_refused(dataset, tmp_path, args, message):
    out = tmp_path / "network.graphml"
    result = run("network", dataset, *args, "-o", out)
    assert result.exit_code == 1
    assert result.stderr == f"Error: {message.format(dataset=dataset)}\n"
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--step", "3"), "--step needs --window"),
        (("--from", "1 March"), "Invalid value for '--from': '1 March' is not a date YYYY-MM-DD"),
        (("--window", "0"), "Invalid value for '--window'"),
    ],
)
def test_bad_options_are_usage_errors(dataset, tmp_path, args, message):
    result = run("network", dataset, "--type", "congruence", "-o", tmp_path / "n.graphml", *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert not any(tmp_path.iterdir())


def test_conflict_needs_a_taxonomy_with_polarities(tmp_path):
    data = default_taxonomy_data()
    for stance in data["stances"]:
        del stance["polarity"]
    taxonomy = load_taxonomy(write_taxonomy(tmp_path / "old.yaml", data))
    dataset = package_articles(tmp_path / "data", ARTICLES, taxonomy)
    result = run("network", dataset, "--type", "conflict", "-o", tmp_path / "c.graphml")
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {dataset}: the taxonomy western-troops-ukraine declares no stance of positive "
        "and none of negative polarity: no conflict network (package the dataset with a "
        "taxonomy that declares polarities)\n"
    )
    assert not (tmp_path / "c.graphml").exists()


def test_a_dataset_of_another_debate_uses_its_own_taxonomy(tmp_path):
    data = default_taxonomy_data()
    data["name"] = "another-debate"
    data["stances"] = [
        {**data["stances"][3], "value": "against", "polarity": "negative"},
        {**data["stances"][0], "value": "for", "polarity": "positive"},
    ]
    taxonomy = load_taxonomy(write_taxonomy(tmp_path / "other.yaml", data))
    articles = [
        {
            **article,
            "mentions": [
                {**m, "stance": {"oppose": "against", "support": "for"}.get(m["stance"], "")}
                for m in article["mentions"]
            ],
        }
        for article in ARTICLES
    ]
    dataset = package_articles(tmp_path / "data", articles, taxonomy)
    graph = build_network(read_discourse(dataset), "conflict")
    # for: Alice (a1), Carol (a1), Dave (a4); against: Bob, Dave (a2), Carol (a3)
    assert edges(graph) == {
        (ALICE, BOB): 1,
        (ALICE, CAROL): 1,
        (ALICE, DAVE): 1,
        (BOB, CAROL): 1,
        (BOB, DAVE): 1,
        (CAROL, DAVE): 1,
    }
    assert graph.graph["taxonomy"] == "another-debate"


# --- The seed dataset ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed export packaged with the current taxonomy: the mentions of data/dataset."""
    out = tmp_path_factory.mktemp("seed") / "dataset"
    package_export(SEED_EXPORT, out, load_taxonomy(), PackageOptions())
    for split in ("train", "validation", "test"):
        name = f"mentions/{split}-00000-of-00001.parquet"
        assert (out / name).read_bytes() == (SEED_DATASET / name).read_bytes()
    return out


@pytest.mark.parametrize(
    ("kind", "pair", "weight"),
    [
        # both only oppose (seed annotations: RT m23, m24; AFP m15, m16)
        ("congruence", ("Olaf Scholz", "Dmitry Peskov"), 1),
        # both conditional, both propose training (TROIB m16, m17)
        ("congruence", ("Kaja Kallas", "Arvydas Anušauskas"), 2),
        # Macron calls for doing everything necessary (support); Scholz opposes
        ("conflict", ("Emmanuel Macron", "Olaf Scholz"), 1),
        # Scholz and Peskov agree: no conflict
        ("conflict", ("Olaf Scholz", "Dmitry Peskov"), None),
        # Kallas is conditional, Peskov opposes
        ("conflict", ("Kaja Kallas", "Dmitry Peskov"), 1),
    ],
)
def test_seed_dataset_pairs(seed, kind, pair, weight):
    graph = build_network(read_discourse(seed), kind)
    found = graph.get_edge_data(*pair)
    assert (found or {}).get("weight") == weight


def test_every_network_type_is_written_in_every_format_for_the_seed(seed, tmp_path):
    for kind in ("actor-stance", "actor-role", "congruence", "conflict"):
        for fmt in ("graphml", "gexf", "csv"):
            out = tmp_path / f"{kind}.{fmt}"
            result = write_network(seed, out, NetworkRequest(kind, fmt))
            assert result.networks[0]["nodes"] > 0
            assert (result.undated_articles, result.undated_kept) == (4, True)
