"""Discourse networks of a packaged dataset, built as the Discourse Network Analyzer (DNA)
builds them from the statements of its mentions (see ``discourse``: a mention states the
proposition with its stance, neutral excepted, and ``role:<name>`` for each role it
proposes).

Network types (``TYPES``)
    actor-stance  two-mode: actors x stance values; edge weight = statements.
    actor-role    two-mode: actors x roles; edge weight = statements.
    congruence    one-mode: actors who state the same concept with the same qualifier;
                  weight = distinct concept-qualifier pairs both state.
    conflict      one-mode: actors of whom one states a concept with a qualifier of
                  positive polarity and the other with one of negative polarity (each
                  stance's polarity is declared in the taxonomy); weight = concepts in
                  conflict.

Normalisation of one-mode networks (``NORMALIZATIONS``), DNA's equations for one-mode
networks (its manual, "Normalization for One-Mode Networks", and its exporter's
``computeOneModeMatrix``). With x_ijk = 1 when actor i states concept j with qualifier k
(each pair counted once, as above) and a_i = sum_jk x_ijk, the activity of actor i, the
weight w of the pair (i, i') becomes:

    none      w
    average   w / ((a_i + a_i') / 2)
    jaccard   w / (sum_jk x_ijk [x_i'jk = 0] + sum_jk x_i'jk [x_ijk = 0]
                   + sum_jk x_ijk x_i'jk),  i.e. w / |pairs of i or i'|
    cosine    w / (sqrt((sum_jk x_ijk)^2) sqrt((sum_jk x_i'jk)^2)) = w / (a_i a_i')

(DNA's cosine divides by the product of the activities themselves, not of their square
roots.) A zero denominator gives 0. Two-mode networks are never normalised.

Nodes are identified by the actor's name (also their ``label``); actor nodes carry their
actor type (the most frequent one of their mentions), mentions, articles, mentions per
stance and statements; the concept nodes of two-mode networks (``stance:<value>``,
``role:<value>``) carry their kind and statements. Edges carry ``weight`` and, in two-mode
networks, the concept ``kind``. Node attributes count the mentions of the selected articles.

Time: a range (``Period``) keeps the statements of articles published in it (dates
inclusive); a ``Window`` sequence writes one network per window of DAYS days, the first
starting at the range's start (else the first date), the next STEP days later, until the
range's end (else the last date). Articles without a date are counted and reported, and
kept out only when a range or windows are asked for.

Formats: ``graphml`` and ``gexf`` (through networkx) and ``csv`` (a folder with
``nodes.csv`` and ``edges.csv``). Nodes and edges are written in sorted order and no clock
reaches the files: the same dataset gives the same bytes.
"""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import combinations
from pathlib import Path
from typing import TYPE_CHECKING, Any

from stancepack.export.dataset.discourse import (
    NEUTRAL,
    PROPOSITION,
    Discourse,
    DiscourseError,
    Statement,
    is_role,
    read_discourse,
    statements,
)
from stancepack.ground.atomic import atomic_directory, atomic_file
from stancepack.ground.collector import collector_paused
from stancepack.schema.taxonomy import NEGATIVE, POSITIVE, Taxonomy

if TYPE_CHECKING:
    import networkx as nx

ACTOR_STANCE = "actor-stance"
ACTOR_ROLE = "actor-role"
CONGRUENCE = "congruence"
CONFLICT = "conflict"
TYPES = (ACTOR_STANCE, ACTOR_ROLE, CONGRUENCE, CONFLICT)
TWO_MODE = (ACTOR_STANCE, ACTOR_ROLE)

NO_NORMALIZATION = "none"
AVERAGE = "average"
JACCARD = "jaccard"
COSINE = "cosine"
NORMALIZATIONS = (NO_NORMALIZATION, AVERAGE, JACCARD, COSINE)

GRAPHML = "graphml"
GEXF = "gexf"
CSV = "csv"
FORMATS = (GRAPHML, GEXF, CSV)
NODES_FILE = "nodes.csv"
EDGES_FILE = "edges.csv"
WINDOWS_FILE = "windows.csv"
# The kind of output folder a network command writes (recorded in its manifest).
NETWORK_KIND = "network"

STANCE_PREFIX = "stance:"
ACTOR_KIND = "actor"
STANCE_KIND = "stance"
ROLE_KIND = "role"


# --- Nodes ---------------------------------------------------------------------------------


def actor_attributes(discourse: Discourse) -> dict[str, dict[str, Any]]:
    """Node attributes of every actor: type, mentions, articles and mentions per stance."""
    types: dict[str, Counter[str]] = defaultdict(Counter)
    stances: dict[str, Counter[str]] = defaultdict(Counter)
    articles: dict[str, set[str]] = defaultdict(set)
    for mention in discourse.mentions:
        types[mention.actor][mention.actor_type] += 1
        stances[mention.actor][mention.stance] += 1
        articles[mention.actor].add(mention.article_id)
    order = {value: index for index, value in enumerate(discourse.taxonomy.actor_type_values)}
    attributes = {}
    for actor, counts in types.items():
        dominant = min(counts, key=lambda value: (-counts[value], order.get(value, len(order))))
        attributes[actor] = {
            "label": actor,
            "kind": ACTOR_KIND,
            "actor_type": dominant,
            "mentions": sum(counts.values()),
            "articles": len(articles[actor]),
            **{f"stance_{v}": stances[actor][v] for v in discourse.taxonomy.stance_values},
        }
    return attributes


def add_actor_nodes(graph: nx.Graph, discourse: Discourse, used: Sequence[Statement]) -> None:
    attributes = actor_attributes(discourse)
    counts = Counter(s.actor for s in used)
    for actor in sorted(counts):
        graph.add_node(actor, **attributes[actor], statements=counts[actor])


# --- Two-mode networks ---------------------------------------------------------------------


def two_mode_graph(discourse: Discourse, used: Sequence[Statement], kind: str) -> nx.Graph:
    """Actors x concepts (stance values or roles); weight = statements."""
    import networkx as nx

    graph = nx.Graph()
    add_actor_nodes(graph, discourse, used)
    concept_of = stance_concept if kind == STANCE_KIND else role_concept
    weights = Counter((s.actor, concept_of(s)) for s in used)
    per_concept = Counter(concept_of(s) for s in used)
    for concept in sorted(per_concept, key=concept_order(discourse.taxonomy, kind)):
        if concept in graph:
            raise DiscourseError(
                f"{discourse.path}: an actor is named {concept!r}, as a {kind} node is"
            )
        value = concept.split(":", 1)[1]
        extra = {"polarity": discourse.taxonomy.polarity(value)} if kind == STANCE_KIND else {}
        graph.add_node(concept, label=value, kind=kind, statements=per_concept[concept], **extra)
    for (actor, concept), weight in sorted(weights.items()):
        graph.add_edge(actor, concept, weight=weight, kind=kind)
    return graph


def stance_concept(statement: Statement) -> str:
    return STANCE_PREFIX + statement.qualifier


def role_concept(statement: Statement) -> str:
    return statement.concept


def concept_order(taxonomy: Taxonomy, kind: str) -> Any:
    values = taxonomy.stance_values if kind == STANCE_KIND else taxonomy.role_values
    order = {value: index for index, value in enumerate(values)}
    return lambda concept: (order.get(concept.split(":", 1)[1], len(order)), concept)


# --- One-mode networks ---------------------------------------------------------------------


def profiles(used: Iterable[Statement]) -> dict[str, set[tuple[str, str]]]:
    """actor -> the distinct (concept, qualifier) pairs it states (DNA's binary x_i)."""
    pairs: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for statement in used:
        pairs[statement.actor].add((statement.concept, statement.qualifier))
    return pairs


def congruence_weights(profile: dict[str, set[tuple[str, str]]]) -> Counter[tuple[str, str]]:
    """(actor, actor) -> distinct concept-qualifier pairs both state."""
    holders: dict[tuple[str, str], list[str]] = defaultdict(list)
    for actor in sorted(profile):
        for pair in profile[actor]:
            holders[pair].append(actor)
    weights: Counter[tuple[str, str]] = Counter()
    for actors in holders.values():
        weights.update(combinations(actors, 2))
    return weights


def conflict_weights(
    profile: dict[str, set[tuple[str, str]]], taxonomy: Taxonomy
) -> Counter[tuple[str, str]]:
    """(actor, actor) -> concepts one states with a positive, the other with a negative
    qualifier."""
    sides: dict[str, dict[str, set[str]]] = defaultdict(lambda: {POSITIVE: set(), NEGATIVE: set()})
    for actor, pairs in profile.items():
        for concept, qualifier in pairs:
            polarity = taxonomy.polarity(qualifier)
            if polarity in (POSITIVE, NEGATIVE):
                sides[concept][polarity].add(actor)
    weights: Counter[tuple[str, str]] = Counter()
    for side in sides.values():
        opposed = {(min(a, b), max(a, b)) for a in side[POSITIVE] for b in side[NEGATIVE] if a != b}
        weights.update(opposed)
    return weights


def normalized(
    weight: int, first: set[tuple[str, str]], second: set[tuple[str, str]], method: str
) -> float | int:
    """DNA's one-mode normalisation of one edge weight (see the module documentation)."""
    if method == NO_NORMALIZATION:
        return weight
    if method == AVERAGE:
        denominator: float = (len(first) + len(second)) / 2
    elif method == JACCARD:
        denominator = len(first | second)
    elif method == COSINE:
        denominator = len(first) * len(second)
    else:
        raise DiscourseError(
            f"normalisation {method!r}: expected one of {', '.join(NORMALIZATIONS)}"
        )
    return weight / denominator if denominator else 0.0


def one_mode_graph(
    discourse: Discourse, used: Sequence[Statement], kind: str, normalization: str
) -> nx.Graph:
    import networkx as nx

    graph = nx.Graph()
    add_actor_nodes(graph, discourse, used)
    profile = profiles(used)
    if kind == CONGRUENCE:
        weights = congruence_weights(profile)
    else:
        weights = conflict_weights(profile, discourse.taxonomy)
    for (first, second), weight in sorted(weights.items()):
        value = normalized(weight, profile[first], profile[second], normalization)
        graph.add_edge(first, second, weight=value)
    return graph


# --- Building ------------------------------------------------------------------------------


def statements_for(kind: str, all_statements: Sequence[Statement]) -> list[Statement]:
    """The statements a network type uses."""
    if kind == ACTOR_STANCE:
        return [s for s in all_statements if s.concept == PROPOSITION]
    if kind == ACTOR_ROLE:
        return [s for s in all_statements if is_role(s)]
    return list(all_statements)


def build_network(
    discourse: Discourse, kind: str, normalization: str = NO_NORMALIZATION
) -> nx.Graph:
    """The network of one type over the discourse's statements, nodes and edges sorted."""
    NetworkRequest(kind, normalization=normalization).check()
    with collector_paused():
        used = statements_for(kind, statements(discourse))
        if kind == ACTOR_STANCE:
            graph = two_mode_graph(discourse, used, STANCE_KIND)
        elif kind == ACTOR_ROLE:
            graph = two_mode_graph(discourse, used, ROLE_KIND)
        else:
            graph = one_mode_graph(discourse, used, kind, normalization)
    graph.graph.update(
        network=kind,
        normalization=normalization,
        taxonomy=discourse.taxonomy.name,
        statements=len(used),
    )
    return graph


def check_buildable(discourse: Discourse, kind: str, where: str) -> None:
    """Refuse a network the discourse cannot give, saying why (``where`` names it)."""
    every = statements(discourse)
    if not every:
        raise DiscourseError(
            f"{where}: no mention has a stance: no statements to build a network from"
        )
    if kind == ACTOR_ROLE and not any(is_role(s) for s in every):
        raise DiscourseError(f"{where}: no mention proposes a role: no actor-role network")
    if kind == ACTOR_STANCE and not any(s.concept == PROPOSITION for s in every):
        raise DiscourseError(f"{where}: every stance is {NEUTRAL}: no actor-stance network")
    taxonomy = discourse.taxonomy
    polarities = {taxonomy.polarity(value) for value in taxonomy.stance_values}
    if kind == CONFLICT and not {POSITIVE, NEGATIVE} <= polarities:
        raise DiscourseError(
            f"{where}: the taxonomy {taxonomy.name} declares no stance of positive and none "
            "of negative polarity: no conflict network (package the dataset with a taxonomy "
            "that declares polarities)"
        )


# --- Time ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """Publication dates to keep, inclusive; None leaves that side open."""

    start: date | None = None
    end: date | None = None

    @property
    def asked(self) -> bool:
        return self.start is not None or self.end is not None

    def describe(self) -> str:
        start = self.start.isoformat() if self.start else "the first date"
        end = self.end.isoformat() if self.end else "the last date"
        return f"articles published from {start} to {end}"


@dataclass(frozen=True)
class Windows:
    """One network per window of ``days`` days, a window starting every ``step`` days."""

    days: int
    step: int


@dataclass(frozen=True)
class Window:
    start: date
    end: date  # inclusive

    @property
    def name(self) -> str:
        return self.start.isoformat()


def select_period(discourse: Discourse, period: Period, windowed: bool) -> Discourse:
    """The discourse of the period; all of it (undated articles too) when no time is asked."""
    if period.start and period.end and period.start > period.end:
        raise DiscourseError(
            f"--from {period.start.isoformat()} is after --to {period.end.isoformat()}"
        )
    if not period.asked and not windowed:
        return discourse
    if not discourse.dates():
        raise DiscourseError(
            f"{discourse.path}: no article has a publication date: a date range or time "
            "windows need dates"
        )
    return discourse.within(period.start, period.end)


def window_spans(discourse: Discourse, period: Period, windows: Windows) -> list[Window]:
    """Windows from the period's start (else the first date) to its end (else the last)."""
    dates = discourse.dates()
    first = period.start or (dates[0] if dates else None)
    last = period.end or (dates[-1] if dates else None)
    spans: list[Window] = []
    if first is None or last is None:
        return spans
    start = first
    while start <= last:
        end = start + timedelta(days=windows.days - 1)
        spans.append(Window(start, min(end, period.end) if period.end else end))
        start += timedelta(days=windows.step)
    return spans


# --- Writing -------------------------------------------------------------------------------


def graphml_bytes(graph: nx.Graph) -> bytes:
    import networkx as nx

    buffer = io.BytesIO()
    nx.write_graphml_xml(graph, buffer)
    return buffer.getvalue()


def gexf_bytes(graph: nx.Graph) -> bytes:
    """GEXF 1.2 without the writing date networkx would stamp into its ``meta``."""
    from networkx.readwrite.gexf import GEXFWriter

    writer = GEXFWriter(version="1.2draft")
    meta = writer.xml.find("meta")
    if meta is not None:
        meta.attrib.pop("lastmodifieddate", None)
    writer.add_graph(graph)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def csv_bytes(header: Sequence[str], rows: Iterable[dict[str, Any]]) -> bytes:
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=list(header), lineterminator="\n", restval="")
    writer.writeheader()
    writer.writerows(rows)
    return text.getvalue().encode("utf-8")


def columns_in_order(records: Iterable[dict[str, Any]], first: Sequence[str]) -> list[str]:
    header = list(first)
    for record in records:
        header += [key for key in record if key not in header]
    return header


def csv_tables(graph: nx.Graph) -> dict[str, bytes]:
    """``nodes.csv`` (id and attributes) and ``edges.csv`` (source, target, attributes)."""
    nodes = [{"id": node, **data} for node, data in graph.nodes(data=True)]
    edges = [{"source": u, "target": v, **data} for u, v, data in graph.edges(data=True)]
    return {
        NODES_FILE: csv_bytes(columns_in_order(nodes, ("id",)), nodes),
        EDGES_FILE: csv_bytes(columns_in_order(edges, ("source", "target")), edges),
    }


def network_files(graph: nx.Graph, fmt: str, stem: str) -> dict[str, bytes]:
    """Relative file name -> bytes of one network in one format."""
    if fmt == GRAPHML:
        return {f"{stem}.graphml": graphml_bytes(graph)}
    if fmt == GEXF:
        return {f"{stem}.gexf": gexf_bytes(graph)}
    if fmt == CSV:
        prefix = f"{stem}/" if stem else ""
        return {prefix + name: data for name, data in csv_tables(graph).items()}
    raise DiscourseError(f"format {fmt!r}: expected one of {', '.join(FORMATS)}")


def write_files(folder: Path, files: dict[str, bytes]) -> None:
    for name, data in files.items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


@dataclass(frozen=True)
class NetworkRequest:
    """Which network to build and how: type, format, normalisation, range and windows."""

    kind: str
    fmt: str = GRAPHML
    normalization: str = NO_NORMALIZATION
    period: Period = Period()
    windows: Windows | None = None

    def check(self) -> None:
        for value, choices, what in (
            (self.kind, TYPES, "network type"),
            (self.fmt, FORMATS, "format"),
            (self.normalization, NORMALIZATIONS, "normalisation"),
        ):
            if value not in choices:
                raise DiscourseError(f"{what} {value!r}: expected one of {', '.join(choices)}")
        if self.normalization != NO_NORMALIZATION and self.kind in TWO_MODE:
            raise DiscourseError(
                f"--normalize {self.normalization}: only one-mode networks "
                f"({CONGRUENCE}, {CONFLICT}) are normalised"
            )
        if self.windows is not None and (self.windows.days < 1 or self.windows.step < 1):
            raise DiscourseError("--window and --step must be at least 1 day")


@dataclass(frozen=True)
class NetworkResult:
    """What was written: one row per network (per window, when windows were asked for),
    and the articles without a date, with their statements, and whether they were kept."""

    path: Path
    kind: str
    networks: list[dict[str, Any]]
    undated_articles: int
    undated_statements: int
    undated_kept: bool

    @property
    def statements(self) -> int:
        return sum(row["statements"] for row in self.networks)


INDEX_COLUMNS = ("window", "start", "end", "path", "articles", "statements", "nodes", "edges")


def summary_row(
    graph: nx.Graph, part: Discourse, path: str, window: Window | None
) -> dict[str, Any]:
    return {
        "window": window.name if window else "",
        "start": window.start.isoformat() if window else "",
        "end": window.end.isoformat() if window else "",
        "path": path,
        "articles": len({m.article_id for m in part.mentions}),
        "statements": graph.graph["statements"],
        "nodes": graph.number_of_nodes(),
        "edges": graph.number_of_edges(),
    }


def prepared(dataset_dir: Path, request: NetworkRequest) -> tuple[Discourse, Discourse]:
    """The whole discourse and the part the request keeps, checked to give the network."""
    request.check()
    whole = read_discourse(dataset_dir)
    check_buildable(whole, request.kind, str(whole.path))
    windowed = request.windows is not None
    selected = select_period(whole, request.period, windowed)
    if request.period.asked or windowed:
        check_buildable(selected, request.kind, f"{whole.path} ({request.period.describe()})")
    return whole, selected


def write_network(
    dataset_dir: str | Path, output: str | Path, request: NetworkRequest, *, force: bool = False
) -> NetworkResult:
    """Build the requested network of a packaged dataset and write it to ``output``.

    One network in graphml or gexf is a file; in csv, or one per time window, a folder
    (``windows.csv`` indexes the windows). The output is claimed first, written whole or
    not at all, and replaced only with ``force``."""
    dataset, target = Path(dataset_dir), Path(output)
    inputs = {"dataset": dataset}
    with collector_paused():
        if request.windows is None and request.fmt != CSV:
            with atomic_file(target, force=force, inputs=inputs) as stream:
                whole, selected = prepared(dataset, request)
                graph = build_network(selected, request.kind, request.normalization)
                stream.write(next(iter(network_files(graph, request.fmt, "network").values())))
            rows = [summary_row(graph, selected, target.name, None)]
        else:
            with atomic_directory(target, force, kind=NETWORK_KIND, inputs=inputs) as staging:
                whole, selected = prepared(dataset, request)
                rows = write_folder(staging, selected, request)
        undated_articles, undated_statements = undated_counts(whole, request.kind)
    return NetworkResult(
        path=target,
        kind=request.kind,
        networks=rows,
        undated_articles=undated_articles,
        undated_statements=undated_statements,
        undated_kept=not request.period.asked and request.windows is None,
    )


def undated_counts(whole: Discourse, kind: str) -> tuple[int, int]:
    """Articles without a date, and the statements of this network type they hold."""
    undated = set(whole.undated())
    used = statements_for(kind, statements(whole))
    return len(undated), sum(1 for s in used if s.article_id in undated)


def write_folder(
    staging: Path, selected: Discourse, request: NetworkRequest
) -> list[dict[str, Any]]:
    """A csv network, or one network per window and their index, into ``staging``."""
    if request.windows is None:
        graph = build_network(selected, request.kind, request.normalization)
        write_files(staging, network_files(graph, CSV, ""))
        return [summary_row(graph, selected, ".", None)]
    rows = []
    for window in window_spans(selected, request.period, request.windows):
        part = selected.within(window.start, window.end)
        graph = build_network(part, request.kind, request.normalization)
        graph.graph.update(start=window.start.isoformat(), end=window.end.isoformat())
        files = network_files(graph, request.fmt, window.name)
        write_files(staging, files)
        path = window.name if request.fmt == CSV else next(iter(files))
        rows.append(summary_row(graph, part, path, window))
    write_files(staging, {WINDOWS_FILE: csv_bytes(INDEX_COLUMNS, rows)})
    return rows
