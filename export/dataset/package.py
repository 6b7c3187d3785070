"""Packaging: validated, flattened annotations to a Hugging Face dataset folder.

``package_export`` validates an export, adjudicates it, measures agreement, assigns splits
and writes, atomically, a folder that ``datasets.load_dataset(DIR, CONFIG)`` reads:

    README.md                                   the dataset card (YAML lists the configs)
    stancepack.json                             the facts the card was written from
    <config>/<split>-00000-of-00001.parquet     one file per config and non-empty split

Features are declared from the taxonomy (``stancepack.schema.features``) and ride in each
parquet file's schema metadata and in the card's ``dataset_info``. No clock (stage timings
aside, which are returned, not written) and no random source reach the files: the same
export gives byte-identical files.

``package_tables`` packages flattened tables already held in memory (from
``validate_export(...).whole_tables()``, or built by hand), with the export's provenance from
``provenance_of``: for the tables of an export file, the same files as ``package_export``.

``rehydrate`` restores article texts into a ``--text standoff`` package from the user's own
copies of the articles, refusing any article whose text hash does not match.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from stancepack import __version__
from stancepack.export.dataset.adjudicate import (
    Adjudicated,
    FlatTables,
    adjudicate,
    columns_of,
    mention_id,
    pool_tasks_by_article,
    select_voters,
    stable_id,
    values_of,
    voter_name,
)
from stancepack.export.dataset.agreement import Agreement, measure_agreement
from stancepack.export.dataset.layout import (
    CARD_FILE,
    FACTS_FILE,
    FACTS_FORMAT,
    FIGURES_FOLDER,
    NO_VALUE,
    parquet_name,
    read_facts,
)
from stancepack.export.dataset.splits import (
    DEFAULT_RATIOS,
    DEFAULT_SEED,
    SPLITS,
    SplitPlan,
    assign_splits,
    listed_splits,
)
from stancepack.ground.atomic import atomic_directory
from stancepack.ground.collector import collector_paused
from stancepack.ground.errors import PackageError
from stancepack.schema.features import (
    CONFIGS,
    Column,
    annotations_config_columns,
    config_columns,
    features_of,
)
from stancepack.schema.fields import ANNOTATION, PREDICTION
from stancepack.schema.taxonomy import Taxonomy, taxonomy_from_content

if TYPE_CHECKING:
    import pandas as pd

    from stancepack.export.validate.checks import ValidationReport

FULL = "full"
STANDOFF = "standoff"
TEXT_MODES = (FULL, STANDOFF)
# The kind of output folder `package` and `rehydrate` write (recorded in its manifest, so
# that --force replaces only a dataset folder stancepack wrote).
DATASET_KIND = "dataset"

Columns = dict[str, list[Any]]
FileHook = Callable[[Path], None]
# Reads the user's copies of the articles (paths, manifest) into text sha256 -> article.
TextReader = Callable[[Sequence[str | Path], str | Path | None], dict[str, Any]]


@dataclass(frozen=True)
class Provenance:
    """Where the annotations come from. Empty strings stand for "not known"."""

    export_file: str  # file name only, never a path of this machine
    export_sha256: str
    project_ids: tuple[str, ...] = ()
    export_time: str = ""
    latest_annotation_time: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "export_file": self.export_file,
            "export_sha256": self.export_sha256,
            "project_ids": list(self.project_ids),
            "export_time": self.export_time,
            "latest_annotation_time": self.latest_annotation_time,
        }


@dataclass(frozen=True)
class PackageOptions:
    """Split ratios (train, validation, test), split seed, text mode (full|standoff), who
    curated and annotated the data, in the curators' words (for the card), and whether the
    dataset carries its figures (``figures/``, shown in the card)."""

    ratios: tuple[float, float, float] = DEFAULT_RATIOS
    seed: int = DEFAULT_SEED
    text: str = FULL
    curators: str = ""
    figures: bool = True


@dataclass(frozen=True)
class Package:
    """Everything a dataset folder holds, before it is written."""

    tables: dict[str, dict[str, Columns]]  # config -> split -> columns (labels as text)
    facts: dict[str, Any]


@dataclass(frozen=True)
class PackageResult:
    path: Path
    files: list[str]
    rows: dict[str, dict[str, int]]
    facts: dict[str, Any]
    seconds: dict[str, float] = field(default_factory=dict)


# --- Provenance ---------------------------------------------------------------------------


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def provenance_of(path: Path, tasks: Sequence[dict[str, Any]], export_time: str = "") -> Provenance:
    """Provenance read from the export file: its hash, project ids, latest annotation time."""
    seen = ProvenanceReader()
    for task in tasks:
        seen.see(task)
    return seen.provenance(path, export_time)


class ProvenanceReader:
    """The project ids and the latest annotation time of tasks, read as they pass."""

    def __init__(self) -> None:
        self.projects: set[str] = set()
        self.latest = ""

    def see(self, task: Any) -> None:
        if not isinstance(task, dict):
            return
        if task.get("project") is not None:
            self.projects.add(str(task["project"]))
        annotations = task.get("annotations") or task.get("completions")
        for annotation in annotations if isinstance(annotations, list) else []:
            if isinstance(annotation, dict):
                time = str(annotation.get("updated_at") or annotation.get("created_at") or "")
                if time > self.latest:
                    self.latest = time

    def passing(self, tasks: Iterator[Any]) -> Iterator[Any]:
        """The tasks, unchanged, each seen on its way."""
        for task in tasks:
            self.see(task)
            yield task

    def provenance(self, path: Path, export_time: str = "") -> Provenance:
        return Provenance(
            export_file=path.name,
            export_sha256=file_sha256(path),
            project_ids=tuple(sorted(self.projects)),
            export_time=export_time,
            latest_annotation_time=self.latest,
        )


# --- Building the tables ------------------------------------------------------------------


def _select(columns: Columns, keep: list[int]) -> Columns:
    """The rows ``keep`` of each column, in that order."""
    if len(keep) < 2:
        return {name: [values[i] for i in keep] for name, values in columns.items()}
    pick = itemgetter(*keep)
    return {name: list(pick(values)) for name, values in columns.items()}


def _order(columns: Columns, keys: Sequence[str]) -> list[int]:
    """Row numbers sorted by the ``keys`` columns (stable)."""
    rows = len(next(iter(columns.values()), []))
    composite = list(zip(*(columns[key] for key in keys), strict=True))
    return sorted(range(rows), key=composite.__getitem__)


def _split_rows(columns: Columns, split_of_article: dict[str, str]) -> dict[str, Columns]:
    by_split: dict[str, list[int]] = {split: [] for split in SPLITS}
    for index, article_id in enumerate(columns["article_id"]):
        by_split[split_of_article[article_id]].append(index)
    return {split: _select(columns, rows) for split, rows in by_split.items()}


def _project(columns: Columns, names: Sequence[str]) -> Columns:
    return {name: columns[name] for name in names}


def pseudonyms(tables: FlatTables) -> dict[str, str]:
    """Annotator -> ``annotator_N``, numbered in the sorted order of the annotators."""
    human = tables.annotations[tables.annotations["kind"] == ANNOTATION]
    names = sorted(
        {
            voter_name(annotator, annotation_id)
            for annotator, annotation_id in zip(
                values_of(human, "annotator"), values_of(human, "annotation_id"), strict=True
            )
        }
    )
    width = max(2, len(str(len(names))))
    return {name: f"annotator_{number:0{width}d}" for number, name in enumerate(names, 1)}


def article_columns(
    tables: FlatTables, adjudicated: Adjudicated, declared: tuple[Column, ...]
) -> Columns:
    """One row per article, sorted by article id; columns as declared: those of the
    flattened articles table as they are, and the counts of annotators and mentions."""
    data: Columns = {
        spec.name: values_of(tables.articles, spec.name)
        for spec in declared
        if spec.name in tables.articles.columns
    }
    mentions_per_task = Counter(adjudicated.mentions["task_id"])
    data["n_annotators"] = [adjudicated.annotators_per_task.get(t, 0) for t in data["task_id"]]
    data["n_mentions"] = [mentions_per_task[t] for t in data["task_id"]]
    projected = _project(data, [item.name for item in declared])
    return _select(projected, _order(data, ["article_id"]))


def raw_relations_by_region(tables: FlatTables) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """(annotation_id, from_region) -> relations drawn from that region, in export order."""
    drawn: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    relations = tables.relations
    for annotation_id, from_region, to_region, label, direction in zip(
        values_of(relations, "annotation_id"),
        values_of(relations, "from_region"),
        values_of(relations, "to_region"),
        values_of(relations, "label"),
        values_of(relations, "direction"),
        strict=True,
    ):
        drawn[(annotation_id, str(from_region))].append(
            {"to_region": str(to_region), "label": str(label or ""), "direction": str(direction)}
        )
    return drawn


# The columns of the annotations config, in the order of a raw-layer row.
ANNOTATION_FIELDS = tuple(column.name for column in annotations_config_columns())
# What the raw layer shows of an annotation: kind, annotator, model version, ground truth.
AnnotationMeta = tuple[str, str, str, bool]


def annotation_columns(tables: FlatTables, names: dict[str, str]) -> Columns:
    """The raw layer: every annotator's and model's mentions, as annotated, with the
    annotators pseudonymised by ``names``."""
    meta = annotation_meta(tables.annotations)
    drawn = raw_relations_by_region(tables)
    mentions = tables.mentions
    marks = zip(
        values_of(mentions, "annotation_id"),
        values_of(mentions, "article_id"),
        values_of(mentions, "region_id"),
        values_of(mentions, "start"),
        values_of(mentions, "end"),
        values_of(mentions, "text"),
        values_of(mentions, "actor_type"),
        values_of(mentions, "actor_name"),
        values_of(mentions, "stance"),
        values_of(mentions, "roles"),
        strict=True,
    )
    rows = [
        raw_mention_row(meta[annotation_id], names, drawn, annotation_id, *mark)
        for annotation_id, *mark in marks
    ]
    rows.sort(key=lambda row: (row[1], row[2], row[3], row[0], row[8], row[9]))
    return columns_of(ANNOTATION_FIELDS, rows)


def annotation_meta(annotations: pd.DataFrame) -> dict[str, AnnotationMeta]:
    """annotation_id -> what the raw layer shows of the annotation."""
    return {
        annotation_id: (kind, annotator, model_version or "", bool(ground_truth))
        for annotation_id, kind, annotator, model_version, ground_truth in zip(
            values_of(annotations, "annotation_id"),
            values_of(annotations, "kind"),
            values_of(annotations, "annotator"),
            values_of(annotations, "model_version"),
            values_of(annotations, "ground_truth"),
            strict=True,
        )
    }


def raw_mention_row(
    meta: AnnotationMeta,
    names: dict[str, str],
    drawn: dict[tuple[str, str], list[dict[str, Any]]],
    annotation_id: str,
    article_id: str,
    region: Any,
    start: Any,
    end: Any,
    text: str,
    actor_type: str,
    name: Any,
    stance: Any,
    roles: Any,
) -> tuple[Any, ...]:
    """One mention of one annotation as a raw-layer row, in ``ANNOTATION_FIELDS`` order,
    its annotator pseudonymised by ``names``."""
    kind, annotator, model_version, ground_truth = meta
    person = names[voter_name(annotator, annotation_id)] if kind == ANNOTATION else ""
    start, end, region = int(start), int(end), str(region)
    return (
        annotation_id,
        article_id,
        kind,
        person,
        model_version,
        ground_truth,
        region,
        mention_id(article_id, start, end, actor_type),
        start,
        end,
        text,
        actor_type,
        name or "",
        stance or "",
        list(roles) if roles is not None else [],
        drawn.get((annotation_id, region), []),
    )


def actor_columns(mentions: Columns, taxonomy: Taxonomy) -> Columns:
    """One row per canonical actor (actor type and name) of the given adjudicated mentions."""
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for index, (actor_type, name, text) in enumerate(
        zip(mentions["actor_type"], mentions["actor_name"], mentions["text"], strict=True)
    ):
        groups[(actor_type, (name or text).strip())].append(index)
    data: Columns = {item.name: [] for item in config_columns(taxonomy)["actors"]}
    for (actor_type, name), rows in sorted(
        groups.items(), key=lambda item: (item[0][1], item[0][0])
    ):
        stances = Counter(mentions["stance"][i] for i in rows)
        articles = sorted({mentions["article_id"][i] for i in rows})
        data["actor_id"].append(stable_id("actor", actor_type, name))
        data["name"].append(name)
        data["actor_type"].append(actor_type)
        data["n_mentions"].append(len(rows))
        data["n_articles"].append(len(articles))
        for value in taxonomy.stance_values:
            data[f"stance_{value}"].append(stances[value])
        data["stance_none"].append(stances[""])
        data["article_ids"].append(articles)
    return data


def build_tables(
    tables: FlatTables,
    taxonomy: Taxonomy,
    adjudicated: Adjudicated,
    plan: SplitPlan,
    names: dict[str, str],
) -> dict[str, dict[str, Columns]]:
    """config -> split -> columns, labels still as text (encoded when written)."""
    columns = config_columns(taxonomy, text=True)
    story_of = dict(
        zip(
            values_of(tables.articles, "article_id"),
            values_of(tables.articles, "story_id"),
            strict=True,
        )
    )
    split_of_article = {article: plan.split_of(story) for article, story in story_of.items()}
    mention_names = [spec.name for spec in columns["mentions"]]
    mentions = adjudicated.mentions
    mentions = _select(mentions, _order(mentions, ["article_id", "start", "end", "actor_type"]))
    relations = adjudicated.relations
    relations = _select(relations, _order(relations, ["article_id", "relation_id"]))
    mention_splits = _split_rows(_project(mentions, mention_names), split_of_article)
    return {
        "mentions": mention_splits,
        "articles": _split_rows(
            article_columns(tables, adjudicated, columns["articles"]), split_of_article
        ),
        "relations": _split_rows(
            _project(relations, [c.name for c in columns["relations"]]), split_of_article
        ),
        "annotations": _split_rows(annotation_columns(tables, names), split_of_article),
        "actors": {split: actor_columns(mention_splits[split], taxonomy) for split in SPLITS},
    }


# --- Facts: what the card says ------------------------------------------------------------


def _rows(columns: Columns) -> int:
    return len(next(iter(columns.values()), []))


def _count_by_split(
    by_split: dict[str, Columns], column: str, values: list[str], *, many: bool = False
) -> dict[str, dict[str, int]]:
    """value -> split -> count; ``many``: the column holds lists of values."""
    counts = {value: dict.fromkeys(SPLITS, 0) for value in [*values, NO_VALUE]}
    for split, columns in by_split.items():
        for cell in columns[column]:
            for value in cell if many else [cell]:
                counts[value or NO_VALUE][split] += 1
    if not many and not any(counts[NO_VALUE].values()):
        del counts[NO_VALUE]
    if many:
        del counts[NO_VALUE]
    return counts


def label_counts(
    built: dict[str, dict[str, Columns]], taxonomy: Taxonomy
) -> dict[str, dict[str, dict[str, dict[str, int]]]]:
    """config -> column -> value -> split -> count, for every labelled column."""
    human_annotations = {
        split: _select(columns, [i for i, kind in enumerate(columns["kind"]) if kind == ANNOTATION])
        for split, columns in built["annotations"].items()
    }
    mention_like = {"mentions": built["mentions"], "annotations": human_annotations}
    counts: dict[str, dict[str, dict[str, dict[str, int]]]] = {}
    for config, by_split in mention_like.items():
        counts[config] = {
            "actor_type": _count_by_split(by_split, "actor_type", taxonomy.actor_type_values),
            "stance": _count_by_split(by_split, "stance", taxonomy.stance_values),
            "roles": _count_by_split(by_split, "roles", taxonomy.role_values, many=True),
        }
    counts["relations"] = {
        "label": _count_by_split(built["relations"], "label", taxonomy.relation_values)
    }
    counts["actors"] = {
        "actor_type": _count_by_split(built["actors"], "actor_type", taxonomy.actor_type_values)
    }
    return counts


def outlets(built: dict[str, dict[str, Columns]]) -> list[dict[str, Any]]:
    rows: dict[str, dict[str, int]] = defaultdict(lambda: {"articles": 0, "mentions": 0})
    for columns in built["articles"].values():
        for source, mentions in zip(columns["source"], columns["n_mentions"], strict=True):
            rows[source or "(unknown)"]["articles"] += 1
            rows[source or "(unknown)"]["mentions"] += mentions
    return [{"source": source, **counts} for source, counts in sorted(rows.items())]


def annotation_process(tables: FlatTables, names: dict[str, str]) -> dict[str, Any]:
    annotations = tables.annotations
    human = annotations[annotations["kind"] == ANNOTATION]
    predictions = annotations[annotations["kind"] == PREDICTION]
    voters = select_voters(annotations)
    per_article = Counter(len(ids) for ids in voters.by_task.values())
    unannotated = len(set(values_of(tables.articles, "task_id")) - set(voters.by_task))
    if unannotated:
        per_article[0] = unannotated
    return {
        "tool": "Label Studio",
        "annotators": len(names),
        "annotations": int((~human["was_cancelled"]).sum()),
        "cancelled_annotations": int(human["was_cancelled"].sum()),
        "ground_truth_annotations": int((human["ground_truth"] & ~human["was_cancelled"]).sum()),
        "predictions": len(predictions),
        "prediction_model_versions": sorted({str(v) for v in predictions["model_version"] if v}),
        "articles_with_predictions": int(predictions["task_id"].nunique()),
        "articles_by_annotator_count": {str(k): v for k, v in sorted(per_article.items())},
    }


def pooled_tasks(tables: FlatTables) -> int:
    pooled = getattr(tables, "pooled", {})
    return sum(len(others) for others in pooled.values())


def build_facts(
    tables: FlatTables,
    taxonomy: Taxonomy,
    built: dict[str, dict[str, Columns]],
    adjudicated: Adjudicated,
    agreement: Agreement,
    plan: SplitPlan,
    names: dict[str, str],
    provenance: Provenance,
    options: PackageOptions,
    validation: dict[str, Any],
) -> dict[str, Any]:
    rows = {config: {split: _rows(built[config][split]) for split in SPLITS} for config in CONFIGS}
    articles_per_split = rows["articles"]
    return {
        "format": FACTS_FORMAT,
        "stancepack_version": __version__,
        "text": options.text,
        "curators": options.curators,
        "taxonomy": {"name": taxonomy.name, "version": taxonomy.version},
        "taxonomy_content": taxonomy.content(),
        "provenance": provenance.to_dict(),
        "validation": validation,
        "splits": {
            "ratios": list(options.ratios),
            "seed": options.seed,
            "stories": plan.story_counts,
            "articles": articles_per_split,
            "fallback": plan.fallback,
        },
        "rows": rows,
        "labels": label_counts(built, taxonomy),
        "outlets": outlets(built),
        "annotation_process": annotation_process(tables, names),
        "adjudication": dict(
            sorted({**adjudicated.stats, "tasks_pooled": pooled_tasks(tables)}.items())
        ),
        "agreement": agreement.renamed(names).to_dict(),
    }


def build_package(
    tables: FlatTables,
    taxonomy: Taxonomy,
    provenance: Provenance,
    options: PackageOptions = PackageOptions(),
    validation: dict[str, Any] | None = None,
    seconds: dict[str, float] | None = None,
) -> Package:
    """Adjudicate, measure agreement, split and count: the package, ready to be written."""
    clock = time.perf_counter()
    pooled = pool_tasks_by_article(tables)
    adjudicated = adjudicate(pooled, taxonomy)
    if seconds is not None:
        seconds["adjudication"] = time.perf_counter() - clock
    clock = time.perf_counter()
    agreement = measure_agreement(pooled, taxonomy)
    if seconds is not None:
        seconds["agreement"] = time.perf_counter() - clock
    clock = time.perf_counter()
    plan = assign_splits(values_of(pooled.articles, "story_id"), options.ratios, options.seed)
    names = pseudonyms(pooled)
    built = build_tables(pooled, taxonomy, adjudicated, plan, names)
    facts = build_facts(
        pooled,
        taxonomy,
        built,
        adjudicated,
        agreement,
        plan,
        names,
        provenance,
        options,
        validation or {},
    )
    if seconds is not None:
        seconds["tables"] = time.perf_counter() - clock
    return Package(tables=built, facts=facts)


# --- Writing ------------------------------------------------------------------------------


def encoders(taxonomy: Taxonomy) -> dict[str, dict[str, int]]:
    return {
        kind: {value: index for index, value in enumerate(values)}
        for kind, values in (
            ("actor_type", taxonomy.actor_type_values),
            ("stance", taxonomy.stance_values),
            ("relation", taxonomy.relation_values),
            ("role_list", taxonomy.role_values),
        )
    }


def _encode_label(value: str, codes: dict[str, int], config: str, column: str) -> int | None:
    if not value:
        return None
    try:
        return codes[value]
    except KeyError:
        raise PackageError(
            f"{config}: {column}: {value!r} is not a value of the taxonomy; "
            "validate the export with the taxonomy it was annotated with"
        ) from None


INT32_RANGE = range(-(2**31), 2**31)


def _check_int32(config: str, name: str, values: list[Any], columns: Columns) -> list[Any]:
    for index, value in enumerate(values):
        if value not in INT32_RANGE:
            where = f" (article {columns['article_id'][index]})" if "article_id" in columns else ""
            raise PackageError(f"{config}: {name}: {value} does not fit int32{where}")
    return values


def encode_columns(
    config: str, columns: Columns, declared: tuple[Column, ...], taxonomy: Taxonomy
) -> dict[str, list[Any]]:
    """Text labels to ClassLabel indices (None for an absent label), in declared order;
    int32 columns are checked to fit."""
    codes = encoders(taxonomy)
    encoded: dict[str, list[Any]] = {}
    for spec in declared:
        name, values = spec.name, columns[spec.name]
        if spec.kind in ("actor_type", "stance", "relation"):
            table = codes[spec.kind]
            encoded[name] = [_encode_label(v, table, config, name) for v in values]
        elif spec.kind == "role_list":
            table = codes["role_list"]
            encoded[name] = [
                [_encode_label(v, table, config, name) for v in roles] for roles in values
            ]
        elif spec.kind == "relation_list":
            table = codes["relation"]
            encoded[name] = [
                [
                    {**item, "label": _encode_label(item["label"], table, config, name)}
                    for item in items
                ]
                for items in values
            ]
        elif spec.kind == "int32":
            encoded[name] = _check_int32(config, name, values, columns)
        else:
            encoded[name] = values
    return encoded


def write_parquet(path: Path, columns: dict[str, list[Any]], features: Any) -> None:
    """One parquet file with the declared features in its schema metadata."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pa.Table.from_pydict(columns, schema=features.arrow_schema)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError) as error:
        raise PackageError(
            f"{path.parent.name}/{path.name}: cannot write a value: {error}"
        ) from None
    path.parent.mkdir(parents=True, exist_ok=True)
    # An empty table gets no row group at all: datasets cannot read a row group of 0 rows.
    with pq.ParquetWriter(path, table.schema, compression="zstd") as writer:
        if table.num_rows:
            writer.write_table(table)


def write_facts(path: Path, facts: dict[str, Any]) -> None:
    # Key order is kept (it is deterministic and meaningful: taxonomy order, split order),
    # so the card renders the same from the facts read back by ``rehydrate``.
    text = json.dumps(facts, indent=2, ensure_ascii=False) + "\n"
    path.write_text(text, encoding="utf-8")


def write_package(
    package: Package,
    taxonomy: Taxonomy,
    folder: Path,
    *,
    on_file_written: FileHook | None = None,
    copy_from: Path | None = None,
    figures: bool = True,
) -> list[str]:
    """Write the package's files into ``folder`` (a staging folder); returns their names.

    ``copy_from``: a package folder whose parquet files for every config but ``articles``,
    and figures, are copied byte for byte instead of written (used by ``rehydrate``).
    ``figures``: draw the dataset's figures from the files written (listed in the facts,
    shown in the card)."""
    from stancepack.export.dataset.card import render_card

    declared = config_columns(taxonomy, text=package.facts["text"] == FULL)
    written: list[str] = []
    for config in CONFIGS:
        features = features_of(declared[config], taxonomy)
        for split in listed_splits(package.facts["rows"][config]):
            name = parquet_name(config, split)
            target = folder / name
            if copy_from is not None and config != "articles":
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(copy_from / name, target)
            else:
                columns = package.tables[config][split]
                encoded = encode_columns(config, columns, declared[config], taxonomy)
                write_parquet(target, encoded, features)
            written.append(name)
            if on_file_written is not None:
                on_file_written(target)
    write_facts(folder / FACTS_FILE, package.facts)
    facts = package.facts
    if copy_from is not None:
        copy_figures(copy_from, folder, facts)
    elif figures:
        facts = {**facts, "figures": draw_figures(folder, taxonomy)}
        write_facts(folder / FACTS_FILE, facts)
    (folder / CARD_FILE).write_text(render_card(facts, taxonomy), encoding="utf-8")
    written += [FACTS_FILE, CARD_FILE, *(entry["file"] for entry in facts.get("figures", []))]
    if on_file_written is not None:
        on_file_written(folder / CARD_FILE)
    return sorted(written)


def draw_figures(folder: Path, taxonomy: Taxonomy) -> list[dict[str, str]]:
    """The figures of the dataset in ``folder``, drawn into its ``figures/``: file names
    (relative to the folder) and the card's sentence for each."""
    from stancepack.export.dataset.figures import write_figures

    drawn = write_figures(folder, folder / FIGURES_FOLDER, taxonomy)
    return [
        {"file": figure.path.relative_to(folder).as_posix(), "description": figure.description}
        for figure in drawn
    ]


def copy_figures(source: Path, folder: Path, facts: dict[str, Any]) -> None:
    for entry in facts.get("figures", []):
        target = folder / entry["file"]
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source / entry["file"], target)


def build_and_write(
    tables: FlatTables,
    taxonomy: Taxonomy,
    folder: Path,
    provenance: Provenance,
    options: PackageOptions,
    validation: dict[str, Any],
    on_file_written: FileHook | None,
) -> tuple[list[str], dict[str, Any], dict[str, float]]:
    """Build the package of validated tables and write it into ``folder``."""
    if options.text not in TEXT_MODES:
        raise PackageError(f"text mode {options.text!r}: expected one of {', '.join(TEXT_MODES)}")
    seconds: dict[str, float] = {}
    with collector_paused():
        package = build_package(tables, taxonomy, provenance, options, validation, seconds)
        clock = time.perf_counter()
        files = write_package(
            package, taxonomy, folder, on_file_written=on_file_written, figures=options.figures
        )
        seconds["writing"] = time.perf_counter() - clock
    return files, package.facts, seconds


def package_tables(
    tables: FlatTables,
    taxonomy: Taxonomy,
    out_dir: str | Path,
    provenance: Provenance,
    options: PackageOptions = PackageOptions(),
    *,
    force: bool = False,
    validation: dict[str, Any] | None = None,
    on_file_written: FileHook | None = None,
) -> PackageResult:
    """Package already validated, flattened tables into ``out_dir``, atomically."""
    inputs = {"taxonomy": taxonomy.source or None}
    with atomic_directory(out_dir, force, kind=DATASET_KIND, inputs=inputs) as staging:
        files, facts, seconds = build_and_write(
            tables, taxonomy, staging, provenance, options, validation or {}, on_file_written
        )
    return PackageResult(Path(out_dir), files, facts["rows"], facts, seconds)


def validate_file(
    path: str | Path, taxonomy: Taxonomy, *, strict: bool = False, fix_utf16_offsets: bool = False
) -> tuple[ValidationReport, Provenance]:
    """Read an export file once, as a stream: its validation report (as
    ``validate_export(path)`` gives it, with the tables) and its provenance."""
    from stancepack.export.read.stream import stream_export
    from stancepack.export.validate.run import validate_export

    export = stream_export(path)
    seen = ProvenanceReader()
    report = validate_export(
        replace(export, tasks=seen.passing(export.tasks)),
        taxonomy,
        strict=strict,
        fix_utf16_offsets=fix_utf16_offsets,
    )
    return report, seen.provenance(Path(path))


def validation_facts(report: ValidationReport) -> dict[str, Any]:
    return {
        "strict": report.strict,
        "warnings": report.warnings,
        "warning_codes": report.codes["warning"],
    }


def refuse_invalid(report: ValidationReport, consequence: str = "nothing was written") -> None:
    """Raise when the export has errors, saying what did not happen because of them."""
    if not report.ok:
        errors = f"{report.errors} error{'s' if report.errors != 1 else ''}"
        raise PackageError(f"{report.source}: invalid export ({errors}); {consequence}")


def package_export(
    export_path: str | Path,
    out_dir: str | Path,
    taxonomy: Taxonomy,
    options: PackageOptions = PackageOptions(),
    *,
    strict: bool = False,
    fix_utf16_offsets: bool = False,
    force: bool = False,
    export_time: str = "",
    on_report: Callable[[ValidationReport], None] | None = None,
    on_file_written: FileHook | None = None,
) -> PackageResult:
    """Validate an export file and package it into ``out_dir``, atomically.

    ``out_dir`` is claimed first (refused when not empty, unless ``force``), so nothing is
    read in vain; ``on_report`` sees the validation report before an invalid export is
    refused; ``export_time`` is recorded when the caller knows it (a fresh pull)."""
    inputs = {"export": export_path, "taxonomy": taxonomy.source or None}
    with atomic_directory(out_dir, force, kind=DATASET_KIND, inputs=inputs) as staging:
        clock = time.perf_counter()
        report, provenance = validate_file(
            export_path, taxonomy, strict=strict, fix_utf16_offsets=fix_utf16_offsets
        )
        validation_seconds = time.perf_counter() - clock
        if on_report is not None:
            on_report(report)
        refuse_invalid(report)
        if export_time:
            provenance = replace(provenance, export_time=export_time)
        files, facts, seconds = build_and_write(
            report.whole_tables(),
            taxonomy,
            staging,
            provenance,
            options,
            validation_facts(report),
            on_file_written,
        )
    seconds = {"validation": validation_seconds, **seconds}
    return PackageResult(Path(out_dir), files, facts["rows"], facts, seconds)


# --- Rehydration --------------------------------------------------------------------------


def read_articles(dataset_dir: Path, facts: dict[str, Any]) -> dict[str, Columns]:
    """split -> article columns of a package, as written (labels are not involved)."""
    import pyarrow.parquet as pq

    by_split: dict[str, Columns] = {}
    for split in SPLITS:
        if split not in listed_splits(facts["rows"]["articles"]):
            continue
        path = dataset_dir / parquet_name("articles", split)
        try:
            by_split[split] = pq.read_table(path).to_pydict()
        except FileNotFoundError:
            raise PackageError(
                f"{dataset_dir}: {parquet_name('articles', split)} is missing"
            ) from None
    return by_split


def restore_texts(
    by_split: dict[str, Columns], copies: dict[str, Any], where: str
) -> dict[str, Columns]:
    """Add the ``text`` column, refusing an article whose text no copy matches."""
    by_id = {article.article_id: article for article in copies.values()}
    restored = {}
    for split, columns in by_split.items():
        texts = []
        for article_id, title, digest in zip(
            columns["article_id"], columns["title"], columns["text_sha256"], strict=True
        ):
            copy = copies.get(digest)
            if copy is None:
                other = by_id.get(article_id)
                if other is not None:
                    raise PackageError(
                        f"{where}: article {article_id} ({title}): your copy "
                        f"{other.file} has a different text (sha256 {other.text_sha256[:12]}, "
                        f"annotated text {digest[:12]}); offsets would not match"
                    )
                raise PackageError(
                    f"{where}: article {article_id} ({title}): none of the articles given has "
                    f"its text (sha256 {digest[:12]})"
                )
            texts.append(copy.text)
        restored[split] = {**columns, "text": texts}
    return restored


def rehydrate(
    dataset_dir: str | Path,
    article_paths: Sequence[str | Path],
    out_dir: str | Path,
    *,
    read_texts: TextReader,
    manifest: str | Path | None = None,
    force: bool = False,
    on_file_written: FileHook | None = None,
) -> PackageResult:
    """Restore article texts into a standoff package; the result equals a full package.

    ``read_texts(article_paths, manifest)`` reads the user's articles, by text sha256 (each
    with ``article_id``, ``file``, ``text_sha256`` and ``text``); it is called once the
    dataset folder has been checked."""
    source = Path(dataset_dir)
    facts = read_facts(source)
    if facts.get("text") != STANDOFF:
        raise PackageError(f"{source}: already holds the article texts (packaged with --text full)")
    inputs = [
        ("standoff dataset", source),
        *(("articles", path) for path in article_paths),
        ("manifest", manifest),
    ]
    with atomic_directory(out_dir, force, kind=DATASET_KIND, inputs=inputs) as staging:
        taxonomy = taxonomy_from_content(facts["taxonomy_content"])
        if taxonomy.version != facts["taxonomy"]["version"]:
            raise PackageError(
                f"{source / FACTS_FILE}: taxonomy content does not match its version"
            )
        articles = restore_texts(
            read_articles(source, facts), read_texts(article_paths, manifest), str(source)
        )
        full_facts = {**facts, "text": FULL}
        empty: Columns = {spec.name: [] for spec in config_columns(taxonomy)["articles"]}
        tables = {"articles": {split: articles.get(split, empty) for split in SPLITS}}
        package = Package(tables=tables, facts=full_facts)
        files = write_package(
            package, taxonomy, staging, on_file_written=on_file_written, copy_from=source
        )
    return PackageResult(Path(out_dir), files, full_facts["rows"], full_facts)
