"""Figures of a packaged dataset: stances per outlet, actors' roles, stances over time and the
congruence network.

Each figure has a function that prepares its data from the dataset (``stance_by_outlet``,
``actor_roles``, ``stance_over_time``, ``network_view``) and one that draws it with
matplotlib's Agg canvas, outside pyplot. Files are deterministic: a fixed size and
resolution, a seeded network layout, a fixed SVG hash salt and no date or software in the
PNG and SVG metadata, so the same dataset gives the same bytes (with the same matplotlib).

Stance colours follow each stance's polarity: blues for positive, reds for negative, greys
for none, in taxonomy order. Long names are shortened to ``LABEL_CHARACTERS`` characters.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from stancepack.export.dataset.discourse import (
    NEUTRAL,
    PROPOSITION,
    Discourse,
    DiscourseError,
    is_role,
    read_discourse,
    statements,
)
from stancepack.export.dataset.network import CONGRUENCE, build_network
from stancepack.ground.atomic import atomic_file
from stancepack.ground.collector import collector_paused
from stancepack.schema.taxonomy import NEGATIVE, NO_POLARITY, POSITIVE, Taxonomy

if TYPE_CHECKING:
    import networkx as nx
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure as MplFigure

STANCE_BY_OUTLET = "stance-by-outlet"
ACTOR_ROLES = "actor-roles"
STANCE_OVER_TIME = "stance-over-time"
NETWORK = "network"
KINDS = (STANCE_BY_OUTLET, ACTOR_ROLES, STANCE_OVER_TIME, NETWORK)
SUFFIXES = (".png", ".svg")
FIGURES_FORMAT = "png"
DEFAULT_TOP = 20

SIZE_INCHES = (10.0, 6.0)
DPI = 100  # 1000 x 600 pixels
LABEL_CHARACTERS = 28
LAYOUT_SEED = 0
SVG_HASH_SALT = "stancepack"
PNG_METADATA: dict[str, str | None] = {"Software": None}
SVG_METADATA: dict[str, str | None] = {"Date": None, "Creator": None}
UNKNOWN_OUTLET = "(unknown outlet)"
WEEKLY_UP_TO_DAYS = 183  # a longer span of dates is counted per month

PALETTES = {
    POSITIVE: ("#2166ac", "#67a9cf", "#a6cee3", "#1f78b4"),
    NEGATIVE: ("#b2182b", "#ef8a62", "#d6604d", "#f4a582"),
    NO_POLARITY: ("#7f7f7f", "#bdbdbd", "#525252", "#d9d9d9"),
}


@dataclass(frozen=True)
class Figure:
    """A figure written: its path and one sentence saying what it shows."""

    path: Path
    description: str

    @property
    def file(self) -> str:
        return self.path.name


@dataclass(frozen=True)
class Counts:
    """A table of counts: ``values[r][c]`` for row label ``rows[r]``, column ``columns[c]``."""

    rows: list[str]
    columns: list[str]
    values: list[list[int]]
    note: str = ""

    @property
    def total(self) -> int:
        return sum(map(sum, self.values))

    def cell(self, row: str, column: str) -> int:
        return self.values[self.rows.index(row)][self.columns.index(column)]


def counted(number: int, noun: str) -> str:
    """``1 statement``, ``2 statements``: a count with its noun."""
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def shorten(label: str, limit: int = LABEL_CHARACTERS) -> str:
    """``label``, cut to ``limit`` characters with an ellipsis when longer."""
    label = " ".join(label.split())
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def stance_colours(taxonomy: Taxonomy) -> dict[str, str]:
    """A colour per stance value: its polarity's palette, in taxonomy order."""
    used: Counter[str] = Counter()
    colours = {}
    for value in taxonomy.stance_values:
        polarity = taxonomy.polarity(value)
        palette = PALETTES.get(polarity, PALETTES[NO_POLARITY])
        colours[value] = palette[used[polarity] % len(palette)]
        used[polarity] += 1
    return colours


# --- The data of each figure ---------------------------------------------------------------


def stance_by_outlet(discourse: Discourse) -> Counts:
    """Mentions per outlet (rows, by name) and adjudicated stance (columns, taxonomy order)."""
    stances = discourse.taxonomy.stance_values
    counts: Counter[tuple[str, str]] = Counter()
    for mention in discourse.mentions:
        if mention.stance:
            article = discourse.articles.get(mention.article_id)
            outlet = article.source if article and article.source else UNKNOWN_OUTLET
            counts[outlet, mention.stance] += 1
    outlets = sorted({outlet for outlet, _ in counts})
    values = [[counts[outlet, stance] for stance in stances] for outlet in outlets]
    return Counts(outlets, list(stances), values)


def actor_roles(discourse: Discourse, top: int = DEFAULT_TOP) -> Counts:
    """Role statements of the ``top`` actors with most of them (rows) per role (columns)."""
    roles = discourse.taxonomy.role_values
    counts: Counter[tuple[str, str]] = Counter()
    per_actor: Counter[str] = Counter()
    for statement in statements(discourse):
        if is_role(statement):
            counts[statement.actor, statement.concept.split(":", 1)[1]] += 1
            per_actor[statement.actor] += 1
    actors = sorted(per_actor, key=lambda actor: (-per_actor[actor], actor))[:top]
    values = [[counts[actor, role] for role in roles] for actor in actors]
    left = len(per_actor) - len(actors)
    note = f"{counted(left, 'more actor')} with roles not shown" if left > 0 else ""
    return Counts(actors, list(roles), values, note)


def period_start(day: date, weekly: bool) -> date:
    return day - timedelta(days=day.weekday()) if weekly else day.replace(day=1)


def next_period(start: date, weekly: bool) -> date:
    if weekly:
        return start + timedelta(days=7)
    return date(start.year + start.month // 12, start.month % 12 + 1, 1)


def stance_over_time(discourse: Discourse) -> Counts:
    """Proposition statements per period (rows: weeks from Monday, or months when the dates
    span more than ``WEEKLY_UP_TO_DAYS`` days) and stance (columns; neutral states none)."""
    stances = [value for value in discourse.taxonomy.stance_values if value != NEUTRAL]
    dated: Counter[tuple[date, str]] = Counter()
    undated = 0
    days = discourse.dates()
    weekly = bool(days) and (days[-1] - days[0]).days <= WEEKLY_UP_TO_DAYS
    for statement in statements(discourse):
        if statement.concept != PROPOSITION:
            continue
        published = discourse.articles[statement.article_id].published
        if published is None:
            undated += 1
        else:
            dated[period_start(published, weekly), statement.qualifier] += 1
    periods = []
    if dated:
        current, last = min(p for p, _ in dated), max(p for p, _ in dated)
        while current <= last:
            periods.append(current)
            current = next_period(current, weekly)
    values = [[dated[period, stance] for stance in stances] for period in periods]
    rows = [f"week of {p.isoformat()}" if weekly else p.strftime("%Y-%m") for p in periods]
    note = (
        f"{counted(undated, 'statement')} of articles without a date not shown" if undated else ""
    )
    return Counts(rows, stances, values, note)


@dataclass(frozen=True)
class NetworkView:
    """The congruence network of the most active actors, with each one's dominant stance."""

    graph: nx.Graph
    dominant: dict[str, str]  # actor -> most frequent stance of its statements ("" if none)
    positions: dict[str, tuple[float, float]]


def dominant_stances(discourse: Discourse) -> dict[str, str]:
    """Each actor's most frequent proposition stance (ties: the earlier in the taxonomy)."""
    order = {value: index for index, value in enumerate(discourse.taxonomy.stance_values)}
    counts: dict[str, Counter[str]] = {}
    for statement in statements(discourse):
        if statement.concept == PROPOSITION:
            counts.setdefault(statement.actor, Counter())[statement.qualifier] += 1
    return {
        actor: min(stances, key=lambda value: (-stances[value], order.get(value, len(order))))
        for actor, stances in counts.items()
    }


def network_view(discourse: Discourse, top: int = DEFAULT_TOP) -> NetworkView:
    """The congruence network among the ``top`` actors with most statements, laid out with a
    fixed seed."""
    import networkx as nx

    whole = build_network(discourse, CONGRUENCE)
    ranked = sorted(whole.nodes, key=lambda n: (-whole.nodes[n]["statements"], n))[:top]
    graph = nx.Graph()
    graph.add_nodes_from((node, whole.nodes[node]) for node in sorted(ranked))
    # each edge once, its ends in name order, so that the drawing order never depends on
    # the order edges were found in
    ends = {(min(u, v), max(u, v)): data for u, v, data in whole.subgraph(ranked).edges(data=True)}
    graph.add_edges_from((u, v, ends[u, v]) for u, v in sorted(ends))
    layout = nx.spring_layout(graph, seed=LAYOUT_SEED, weight="weight")
    positions = {node: (float(x), float(y)) for node, (x, y) in layout.items()}
    dominant = dominant_stances(discourse)
    return NetworkView(graph, {node: dominant.get(node, "") for node in graph}, positions)


# --- Drawing -------------------------------------------------------------------------------


def new_figure(title: str) -> tuple[MplFigure, Axes]:
    """A figure of the fixed size on an Agg canvas (no pyplot, no global state)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure as MplFigure

    figure = MplFigure(figsize=SIZE_INCHES, dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.set_title(title, loc="left", fontsize=13)
    return figure, axes


def add_note(axes: Axes, note: str) -> None:
    if note:
        axes.annotate(
            note,
            xy=(0, 0),
            xycoords="figure fraction",
            xytext=(6, 6),
            textcoords="offset points",
            fontsize=8,
            color="#555555",
        )


def stacked_bars(axes: Axes, counts: Counts, colours: dict[str, str], horizontal: bool) -> None:
    """One bar per row of ``counts``, stacked by column, with the row's total at its end."""
    from matplotlib.ticker import MaxNLocator

    positions = list(range(len(counts.rows)))
    base = [0] * len(counts.rows)
    for index, column in enumerate(counts.columns):
        sizes = [row[index] for row in counts.values]
        if not any(sizes):
            continue
        style: dict[str, Any] = {
            "color": colours[column],
            "label": column,
            "edgecolor": "white",
            "linewidth": 0.5,
        }
        if horizontal:
            axes.barh(positions, sizes, left=base, **style)
        else:
            axes.bar(positions, sizes, bottom=base, **style)
        base = [b + s for b, s in zip(base, sizes, strict=True)]
    for position, total in zip(positions, base, strict=True):
        xy = (total, position) if horizontal else (position, total)
        va, ha = ("center", "left") if horizontal else ("bottom", "center")
        axes.annotate(f" {total}", xy, fontsize=8, color="#333333", va=va, ha=ha)
    axes.legend(title="stance", loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
    (axes.xaxis if horizontal else axes.yaxis).set_major_locator(MaxNLocator(integer=True))
    room = max(base, default=0) * 1.08 or 1  # room for the totals
    axes.set_xlim(0, room) if horizontal else axes.set_ylim(0, room)


def draw_stance_by_outlet(counts: Counts, taxonomy: Taxonomy) -> MplFigure:
    figure, axes = new_figure("Mentions by stance, per outlet")
    stacked_bars(axes, counts, stance_colours(taxonomy), horizontal=True)
    axes.set_yticks(range(len(counts.rows)), [shorten(row) for row in counts.rows])
    axes.invert_yaxis()
    axes.set_xlabel("actor mentions with an adjudicated stance")
    axes.spines[["top", "right"]].set_visible(False)
    add_note(axes, counts.note)
    return figure


def draw_actor_roles(counts: Counts, taxonomy: Taxonomy) -> MplFigure:
    figure, axes = new_figure("Roles proposed, per actor (statements)")
    highest = max(max(row) for row in counts.values)
    axes.imshow(counts.values, cmap="Blues", aspect="auto", vmin=0, vmax=highest)
    for r, row in enumerate(counts.values):
        for c, value in enumerate(row):
            if value:
                colour = "white" if value > highest / 2 else "#1a1a1a"
                axes.text(c, r, str(value), ha="center", va="center", fontsize=8, color=colour)
    axes.set_xticks(range(len(counts.columns)), [shorten(c) for c in counts.columns])
    axes.tick_params(axis="x", labelrotation=30)
    for label in axes.get_xticklabels():
        label.set_horizontalalignment("right")
    axes.set_yticks(range(len(counts.rows)), [shorten(row) for row in counts.rows])
    axes.tick_params(length=0, labelsize=8)
    add_note(axes, counts.note)
    return figure


def draw_stance_over_time(counts: Counts, taxonomy: Taxonomy) -> MplFigure:
    figure, axes = new_figure("Statements by stance over time")
    stacked_bars(axes, counts, stance_colours(taxonomy), horizontal=False)
    every = max(1, len(counts.rows) // 24)
    shown = [row if index % every == 0 else "" for index, row in enumerate(counts.rows)]
    axes.set_xticks(range(len(counts.rows)), shown)
    axes.tick_params(axis="x", labelrotation=45 if len(counts.rows) > 6 else 0, labelsize=8)
    axes.set_ylabel("statements on the proposition")
    axes.spines[["top", "right"]].set_visible(False)
    add_note(axes, counts.note)
    return figure


def node_sizes(view: NetworkView) -> dict[str, float]:
    """Marker areas (points squared) growing with each actor's statements."""
    counts = {node: view.graph.nodes[node]["statements"] for node in view.graph}
    most = max(counts.values(), default=1)
    return {node: 80 + 520 * count / most for node, count in counts.items()}


def label_nodes(axes: Axes, view: NetworkView, sizes: dict[str, float]) -> None:
    """Each actor's (shortened) name just below its marker, on a light box."""
    for node, area in sizes.items():
        axes.annotate(
            shorten(node, 22),
            view.positions[node],
            xytext=(0, -(area**0.5) / 2 - 2),
            textcoords="offset points",
            ha="center",
            va="top",
            fontsize=8,
            bbox={
                "boxstyle": "round,pad=0.1",
                "facecolor": "white",
                "edgecolor": "none",
                "alpha": 0.75,
            },
        )


def stance_legend(axes: Axes, values: list[str], colours: dict[str, str]) -> None:
    from matplotlib.lines import Line2D

    handles = [
        Line2D(
            [],
            [],
            marker="o",
            linestyle="",
            markersize=8,
            markerfacecolor=colours[value],
            markeredgecolor="#333333",
            label=value,
        )
        for value in values
    ]
    axes.legend(
        handles=handles,
        title="most frequent stance",
        loc="upper left",
        bbox_to_anchor=(1.01, 1),
        frameon=False,
    )


def draw_network(view: NetworkView, taxonomy: Taxonomy) -> MplFigure:
    import networkx as nx

    figure, axes = new_figure("Congruence network of the most active actors")
    colours = stance_colours(taxonomy)
    graph, sizes = view.graph, node_sizes(view)
    weights = [data["weight"] for _, _, data in graph.edges(data=True)]
    heaviest = max(weights, default=1)
    nx.draw_networkx_edges(
        graph,
        view.positions,
        ax=axes,
        edge_color="#9e9e9e",
        alpha=0.5,
        width=[0.5 + 3.0 * weight / heaviest for weight in weights],
    )
    nx.draw_networkx_nodes(
        graph,
        view.positions,
        nodelist=list(sizes),
        ax=axes,
        edgecolors="#333333",
        linewidths=0.6,
        node_size=list(sizes.values()),
        node_color=[colours.get(view.dominant[node], "#ffffff") for node in sizes],
    )
    label_nodes(axes, view, sizes)
    shown = [value for value in taxonomy.stance_values if value in view.dominant.values()]
    stance_legend(axes, shown, colours)
    axes.set_axis_off()
    axes.margins(0.08)
    return figure


# --- Figures of a dataset ------------------------------------------------------------------


@dataclass(frozen=True)
class Drawn:
    figure: MplFigure
    description: str


def plot_stance_by_outlet(discourse: Discourse, top: int) -> Drawn | None:
    counts = stance_by_outlet(discourse)
    if not counts.total:
        return None
    return Drawn(
        draw_stance_by_outlet(counts, discourse.taxonomy),
        f"Actor mentions by adjudicated stance, per outlet ({counted(len(counts.rows), 'outlet')}, "
        f"{counted(counts.total, 'mention')} with a stance).",
    )


def plot_actor_roles(discourse: Discourse, top: int) -> Drawn | None:
    counts = actor_roles(discourse, top)
    if not counts.total:
        return None
    return Drawn(
        draw_actor_roles(counts, discourse.taxonomy),
        f"Roles proposed by the actors with the most role statements "
        f"({counted(len(counts.rows), 'actor')}, {counted(counts.total, 'statement')}), one cell "
        "per actor and role.",
    )


def plot_stance_over_time(discourse: Discourse, top: int) -> Drawn | None:
    counts = stance_over_time(discourse)
    if not counts.total:
        return None
    unit = "week" if counts.rows[0].startswith("week") else "month"
    left_out = f"; {counts.note}" if counts.note else ""
    return Drawn(
        draw_stance_over_time(counts, discourse.taxonomy),
        f"Statements on the proposition per stance and {unit} of publication "
        f"({counted(counts.total, 'statement')} of dated articles{left_out}).",
    )


def plot_network(discourse: Discourse, top: int) -> Drawn | None:
    if not statements(discourse):
        return None
    view = network_view(discourse, top)
    return Drawn(
        draw_network(view, discourse.taxonomy),
        f"Congruence network of the actors with the most statements "
        f"({counted(view.graph.number_of_nodes(), 'actor')}): linked when they state the same "
        "stance or propose the same role, coloured by their most frequent stance.",
    )


PLOTTERS: dict[str, Callable[[Discourse, int], Drawn | None]] = {
    STANCE_BY_OUTLET: plot_stance_by_outlet,
    ACTOR_ROLES: plot_actor_roles,
    STANCE_OVER_TIME: plot_stance_over_time,
    NETWORK: plot_network,
}
NOTHING_TO_PLOT = {
    STANCE_BY_OUTLET: "no mention has a stance",
    ACTOR_ROLES: "no mention with a stance proposes a role",
    STANCE_OVER_TIME: "no statement on the proposition is in an article with a date",
    NETWORK: "no mention has a stance",
}


def drawn(discourse: Discourse, kind: str, top: int) -> Drawn | None:
    """The figure of one kind, drawn with matplotlib's default style; None without data."""
    import matplotlib.style

    if kind not in PLOTTERS:
        raise DiscourseError(f"figure kind {kind!r}: expected one of {', '.join(KINDS)}")
    with matplotlib.style.context("default"), collector_paused():
        return PLOTTERS[kind](discourse, top)


def image_bytes(figure: MplFigure, fmt: str) -> bytes:
    """PNG or SVG bytes, without dates or software versions, SVG ids from a fixed salt."""
    import matplotlib
    import matplotlib.style

    buffer = io.BytesIO()
    metadata = SVG_METADATA if fmt == "svg" else PNG_METADATA
    with (
        matplotlib.style.context("default"),
        matplotlib.rc_context({"svg.hashsalt": SVG_HASH_SALT}),
    ):
        figure.savefig(buffer, format=fmt, dpi=DPI, metadata=metadata)
    return buffer.getvalue()


def write_plot(
    dataset_dir: str | Path,
    output: str | Path,
    kind: str,
    *,
    top: int = DEFAULT_TOP,
    force: bool = False,
) -> Figure:
    """Draw one figure of a packaged dataset into ``output`` (.png or .svg)."""
    target = Path(output)
    fmt = target.suffix.lower().lstrip(".")
    if f".{fmt}" not in SUFFIXES:
        raise DiscourseError(f"{target}: name a .png or .svg file")
    with atomic_file(target, force=force, inputs={"dataset": Path(dataset_dir)}) as stream:
        discourse = read_discourse(dataset_dir)
        result = drawn(discourse, kind, top)
        if result is None:
            raise DiscourseError(f"{discourse.path}: {NOTHING_TO_PLOT[kind]}: no {kind} figure")
        stream.write(image_bytes(result.figure, fmt))
    return Figure(target, result.description)


def write_figures(
    dataset_dir: Path, out_dir: Path, taxonomy: Taxonomy, top: int = DEFAULT_TOP
) -> list[Figure]:
    """Every figure the dataset has data for, as ``<kind>.png`` in ``out_dir`` (a folder
    being written, as the dataset's staging folder): the figures and their sentences."""
    discourse = replace(read_discourse(dataset_dir), taxonomy=taxonomy)
    out_dir.mkdir(parents=True, exist_ok=True)
    figures = []
    for kind in KINDS:
        result = drawn(discourse, kind, top)
        if result is None:
            continue
        path = out_dir / f"{kind}.{FIGURES_FORMAT}"
        path.write_bytes(image_bytes(result.figure, FIGURES_FORMAT))
        figures.append(Figure(path, result.description))
    return figures
