"""Adjudication: from every annotator's mentions and relations to one layer per article.

The rules are stated once, in ``RULES``, which the dataset card prints as a numbered
list: `pool_tasks_by_article` applies the first (the tasks of one article vote together)
and `adjudicate` the others.

Pure functions over the flattened tables; pandas is imported by the caller.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from stancepack.schema.features import ADJUDICATIONS, GROUND_TRUTH, MAJORITY, SINGLE
from stancepack.schema.fields import ANNOTATION, BI, LEFT, RIGHT
from stancepack.schema.taxonomy import Taxonomy

if TYPE_CHECKING:
    import pandas as pd


RULES = (
    "Tasks that hold the same article (same article id; validation has checked that the "
    "texts are the same) are pooled into the first of them: their annotators vote together.",
    "Each annotator of a task votes once, with their latest annotation (by updated_at, then "
    "created_at). Cancelled annotations and model predictions never vote; an annotation "
    "without an annotator counts as its own annotator.",
    "When a task has a non-cancelled annotation marked ground truth, it wins outright (the "
    "latest one if several): its mentions and relations are the article's layer "
    f"(`adjudication` = `{GROUND_TRUTH}`).",
    "Two annotators marked the same mention when they marked the same span (same start and "
    "end offsets) with the same actor type in the same article.",
    "A mention is kept when at least half of the article's annotators marked it. Exactly "
    "half is a tie: the mention is kept and `mention_tie` is true. An article with one "
    f"annotator keeps all of its mentions (`adjudication` = `{SINGLE}`).",
    "Stance: the stance chosen by most of the annotators who marked the mention; annotators "
    "who gave no stance do not vote. A tie between two or more stances gives no stance "
    "(null) and `stance_tie` = true.",
    "Roles: a role is kept when at least half of the annotators who marked the mention chose "
    "it; a role chosen by exactly half is kept and also listed in `roles_tied`.",
    "Actor name and span text: the most frequent non-empty value among the annotators who "
    "marked the mention; ties go to the first in alphabetical order.",
    f"Relations are matched on (from mention, to mention, label, direction): `{LEFT}` "
    f"relations are turned into `{RIGHT}` ones by swapping their ends, and the ends of `{BI}` "
    "relations are "
    "put in offset order. A relation is kept when at least half of the annotators drew it "
    "and both of its mentions were kept; exactly half is flagged `relation_tie`.",
)

MentionKey = tuple[int, int, str]  # (start, end, actor_type)
RelationKey = tuple[MentionKey, MentionKey, str, str]  # (from, to, label, direction)


class FlatTables(Protocol):
    """The flattened export (``stancepack.export.validate.flatten.Flattened`` or any look-alike)."""

    articles: pd.DataFrame
    annotations: pd.DataFrame
    mentions: pd.DataFrame
    relations: pd.DataFrame


@dataclass(frozen=True)
class PooledTables:
    """Flattened tables with one task per article (see ``pool_tasks_by_article``)."""

    articles: pd.DataFrame
    annotations: pd.DataFrame
    mentions: pd.DataFrame
    relations: pd.DataFrame
    pooled: dict[str, list[str]]  # first task id -> the other task ids of its article


@dataclass(frozen=True)
class Mark:
    """One annotator's mark of one mention."""

    voter: str
    region_id: str
    text: str
    stance: str
    roles: tuple[str, ...]
    actor_name: str


@dataclass(frozen=True)
class Voters:
    """Who votes on each task, and the ground-truth annotation of each task that has one."""

    by_task: dict[str, list[str]]  # task_id -> voting annotation ids, ordered by voter
    voter_of: dict[str, str]  # annotation_id -> voter
    ground_truth: dict[str, str]  # task_id -> ground-truth annotation id


@dataclass(frozen=True)
class Adjudicated:
    """The adjudicated layer: mention and relation columns (plain lists), and what happened."""

    mentions: dict[str, list[Any]]
    relations: dict[str, list[Any]]
    annotators_per_task: dict[str, int]
    stats: dict[str, int] = field(default_factory=dict)


def stable_id(*parts: object) -> str:
    """A 16-hex-digit id from the parts' text: the same parts always give the same id."""
    joined = "\x1f".join(map(str, parts))
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:16]


def mention_id(article_id: str, start: int, end: int, actor_type: str) -> str:
    """``stable_id("mention", article_id, start, end, actor_type)``, spelled out for speed."""
    joined = f"mention\x1f{article_id}\x1f{start}\x1f{end}\x1f{actor_type}"
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:16]


def relation_id(from_mention: str, to_mention: str, label: str, direction: str) -> str:
    return stable_id("relation", from_mention, to_mention, label, direction)


def values_of(frame: pd.DataFrame, name: str) -> list[Any]:
    """A column as a plain list (iterating a list is much faster than a pandas Series)."""
    return frame[name].tolist()


def article_of_task(tables: FlatTables) -> dict[str, str]:
    """task_id -> the article_id of its article."""
    return dict(
        zip(
            values_of(tables.articles, "task_id"),
            values_of(tables.articles, "article_id"),
            strict=True,
        )
    )


def voter_name(annotator: str, annotation_id: str) -> str:
    """Who an annotation votes for: its annotator, or the annotation itself if anonymous."""
    return annotator if annotator else f"annotation {annotation_id}"


def select_voters(annotations: pd.DataFrame) -> Voters:
    """The voting annotation of every annotator on every task, and ground-truth choices."""
    human = annotations[(annotations["kind"] == ANNOTATION) & ~annotations["was_cancelled"]]
    latest: dict[tuple[str, str], tuple[str, str, str]] = {}
    ground: dict[str, tuple[str, str, str]] = {}
    rows = zip(
        values_of(human, "annotation_id"),
        values_of(human, "task_id"),
        values_of(human, "annotator"),
        values_of(human, "updated_at"),
        values_of(human, "created_at"),
        values_of(human, "ground_truth"),
        strict=True,
    )
    for annotation_id, task_id, annotator, updated, created, is_ground_truth in rows:
        order = (str(updated), str(created), str(annotation_id))
        key = (task_id, voter_name(annotator, annotation_id))
        if key not in latest or order > latest[key]:
            latest[key] = order
        if is_ground_truth and (task_id not in ground or order > ground[task_id]):
            ground[task_id] = order
    by_task: dict[str, list[str]] = defaultdict(list)
    voter_of: dict[str, str] = {}
    for (task_id, voter), order in sorted(latest.items()):
        by_task[task_id].append(order[2])
        voter_of[order[2]] = voter
    ground_truth = {task_id: order[2] for task_id, order in ground.items()}
    return Voters(by_task=dict(by_task), voter_of=voter_of, ground_truth=ground_truth)


def _as_roles(value: Any) -> tuple[str, ...]:
    if value is None or isinstance(value, float):
        return ()
    return tuple(str(role) for role in value)


def pool_tasks_by_article(tables: FlatTables) -> PooledTables:
    """One task per article: annotations of a later task holding an article already seen
    move to the article's first task (in export order)."""
    first_task: dict[str, str] = {}
    moved: dict[str, str] = {}
    for task_id, article_id in zip(
        values_of(tables.articles, "task_id"), values_of(tables.articles, "article_id"), strict=True
    ):
        if article_id in first_task:
            moved[task_id] = first_task[article_id]
        else:
            first_task[article_id] = task_id
    pooled: dict[str, list[str]] = defaultdict(list)
    for task_id, first in moved.items():
        pooled[first].append(task_id)
    if not moved:
        return PooledTables(
            tables.articles, tables.annotations, tables.mentions, tables.relations, {}
        )

    def retargeted(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.assign(task_id=frame["task_id"].replace(moved))

    articles = tables.articles[~tables.articles["task_id"].isin(list(moved))].reset_index(drop=True)
    return PooledTables(
        articles=articles,
        annotations=retargeted(tables.annotations),
        mentions=retargeted(tables.mentions),
        relations=retargeted(tables.relations),
        pooled=dict(pooled),
    )


def collect_marks(
    mentions: pd.DataFrame, wanted: dict[str, str]
) -> dict[str, dict[MentionKey, Mark]]:
    """annotation_id -> mention key -> mark, for the annotations in ``wanted``
    (annotation_id -> voter). A key marked twice in one annotation counts once (first)."""
    marks: dict[str, dict[MentionKey, Mark]] = defaultdict(dict)
    rows = zip(
        values_of(mentions, "annotation_id"),
        values_of(mentions, "region_id"),
        values_of(mentions, "start"),
        values_of(mentions, "end"),
        values_of(mentions, "text"),
        values_of(mentions, "actor_type"),
        values_of(mentions, "stance"),
        values_of(mentions, "roles"),
        values_of(mentions, "actor_name"),
        strict=True,
    )
    for annotation_id, region, start, end, text, actor_type, stance, roles, name in rows:
        voter = wanted.get(annotation_id)
        if voter is None:
            continue
        key = (int(start), int(end), str(actor_type))
        if key not in marks[annotation_id]:
            marks[annotation_id][key] = Mark(
                voter=voter,
                region_id=str(region),
                text=str(text),
                stance=str(stance or ""),
                roles=_as_roles(roles),
                actor_name=str(name or ""),
            )
    return marks


def most_frequent(values: Iterable[str]) -> tuple[str, int, bool]:
    """(winner, votes, tie) over non-empty values; ("", 0, False) when there are none."""
    values = list(values)
    if len(values) == 1:
        return (values[0], 1, False) if values[0] else ("", 0, False)
    counts = Counter(value for value in values if value)
    if not counts:
        return "", 0, False
    top = max(counts.values())
    winners = sorted(value for value, count in counts.items() if count == top)
    return winners[0], top, len(winners) > 1


def adjudicate_stance(marks: list[Mark]) -> tuple[str, int, bool]:
    """(stance or "", votes for it, tie). A tie between stances gives no stance."""
    stance, votes, tie = most_frequent(mark.stance for mark in marks)
    return ("", votes, True) if tie else (stance, votes, False)


def adjudicate_roles(marks: list[Mark], role_order: list[str]) -> tuple[list[str], list[str]]:
    """(kept roles, tied roles), in taxonomy order: kept when at least half chose it."""
    if len(marks) == 1:
        chosen = set(marks[0].roles)
        return [role for role in role_order if role in chosen], []
    counts = Counter(role for mark in marks for role in set(mark.roles))
    kept = [role for role in role_order if 2 * counts[role] >= len(marks) and counts[role]]
    tied = [role for role in kept if 2 * counts[role] == len(marks)]
    return kept, tied


class MentionRow(NamedTuple):
    """One row of the adjudicated mentions table."""

    task_id: str
    mention_id: str
    article_id: str
    start: int
    end: int
    text: str
    actor_type: str
    actor_name: str
    stance: str
    stance_tie: bool
    stance_votes: int
    roles: list[str]
    roles_tied: list[str]
    n_annotators: int
    n_marked: int
    mention_tie: bool
    adjudication: str


class RelationRow(NamedTuple):
    """One row of the adjudicated relations table."""

    task_id: str
    relation_id: str
    article_id: str
    from_mention_id: str
    to_mention_id: str
    label: str
    direction: str
    n_annotators: int
    n_marked: int
    relation_tie: bool
    adjudication: str


# The columns of the adjudicated tables: the published mentions and relations configs
# (`stancepack.schema.features`) and the task each row came from.
ADJUDICATED_MENTION_COLUMNS = MentionRow._fields
ADJUDICATED_RELATION_COLUMNS = RelationRow._fields


def columns_of(names: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> dict[str, list[Any]]:
    """Rows (tuples in ``names`` order) as columns."""
    if not rows:
        return {name: [] for name in names}
    return {name: list(values) for name, values in zip(names, zip(*rows, strict=True), strict=True)}


def _rule_of(task_id: str, voters: Voters) -> str:
    if task_id in voters.ground_truth:
        return GROUND_TRUTH
    return SINGLE if len(voters.by_task.get(task_id, [])) == 1 else MAJORITY


def _kept_mention_keys(
    task_id: str,
    by_key: dict[MentionKey, list[Mark]],
    marks: dict[str, dict[MentionKey, Mark]],
    voters: Voters,
) -> list[MentionKey]:
    if task_id in voters.ground_truth:
        return sorted(marks.get(voters.ground_truth[task_id], {}))
    n_voters = len(voters.by_task[task_id])
    return sorted(key for key, votes in by_key.items() if 2 * len(votes) >= n_voters)


def adjudicate_mentions(
    tables: FlatTables, taxonomy: Taxonomy, voters: Voters
) -> tuple[dict[str, list[Any]], Counter[str]]:
    """Adjudicated mention columns and counts of events."""
    wanted = dict(voters.voter_of)
    for annotation_id in voters.ground_truth.values():
        wanted.setdefault(annotation_id, "ground truth")
    marks = collect_marks(tables.mentions, wanted)
    article_of = article_of_task(tables)
    rows: list[MentionRow] = []
    events: Counter[str] = Counter()
    role_rank = {role: rank for rank, role in enumerate(taxonomy.role_values)}
    for task_id in sorted(voters.by_task):
        if _rule_of(task_id, voters) == SINGLE:
            single = marks.get(voters.by_task[task_id][0], {})
            rows.extend(_single_rows(task_id, article_of[task_id], single, role_rank))
            continue
        task = task_marks(task_id, article_of[task_id], marks, voters)
        kept = _kept_mention_keys(task_id, task.by_key, marks, voters)
        events["mentions_dropped"] += len(set(task.by_key) - set(kept))
        rows.extend(_voted_row(task, key, taxonomy, events) for key in kept)
    return columns_of(ADJUDICATED_MENTION_COLUMNS, rows), events


@dataclass(frozen=True)
class TaskMarks:
    """The marks of one task with several voters (or a ground truth), by mention key."""

    task_id: str
    article_id: str
    by_key: dict[MentionKey, list[Mark]]
    ground: dict[MentionKey, Mark]  # the ground-truth annotation's marks, if any
    rule: str
    n_voters: int


def task_marks(
    task_id: str, article_id: str, marks: dict[str, dict[MentionKey, Mark]], voters: Voters
) -> TaskMarks:
    """The voters' marks of one task, gathered by mention key."""
    by_key: dict[MentionKey, list[Mark]] = defaultdict(list)
    for annotation_id in voters.by_task[task_id]:
        for key, mark in marks.get(annotation_id, {}).items():
            by_key[key].append(mark)
    return TaskMarks(
        task_id=task_id,
        article_id=article_id,
        by_key=by_key,
        ground=marks.get(voters.ground_truth.get(task_id, ""), {}),
        rule=_rule_of(task_id, voters),
        n_voters=len(voters.by_task[task_id]),
    )


def _voted_row(
    task: TaskMarks, key: MentionKey, taxonomy: Taxonomy, events: Counter[str]
) -> MentionRow:
    """The adjudicated row of one kept mention of a task with several voters (or a ground
    truth); its ties are counted in ``events``."""
    votes = task.by_key.get(key, [])
    deciding = [task.ground[key]] if task.rule == GROUND_TRUTH else votes
    stance, stance_votes, stance_tie = adjudicate_stance(deciding)
    roles, roles_tied = adjudicate_roles(deciding, taxonomy.role_values)
    mention_tie = task.rule == MAJORITY and 2 * len(votes) == task.n_voters
    events["mention_ties"] += mention_tie
    events["stance_ties"] += stance_tie
    events["roles_tied"] += len(roles_tied)
    start, end, actor_type = key
    return MentionRow(
        task_id=task.task_id,
        mention_id=mention_id(task.article_id, start, end, actor_type),
        article_id=task.article_id,
        start=start,
        end=end,
        text=most_frequent(mark.text for mark in deciding)[0],
        actor_type=actor_type,
        actor_name=most_frequent(mark.actor_name for mark in deciding)[0],
        stance=stance,
        stance_tie=stance_tie,
        stance_votes=stance_votes,
        roles=roles,
        roles_tied=roles_tied,
        n_annotators=task.n_voters,
        n_marked=len(votes),
        mention_tie=mention_tie,
        adjudication=task.rule,
    )


def _single_rows(
    task_id: str, article_id: str, marks: dict[MentionKey, Mark], role_rank: dict[str, int]
) -> list[MentionRow]:
    """Mention rows of a task with one annotator: every mark as marked (the rules give the
    same result; this is the fast path for the common case)."""
    rows: list[MentionRow] = []
    for key in sorted(marks):
        mark = marks[key]
        start, end, actor_type = key
        roles = sorted((r for r in set(mark.roles) if r in role_rank), key=role_rank.__getitem__)
        rows.append(
            MentionRow(
                task_id=task_id,
                mention_id=mention_id(article_id, start, end, actor_type),
                article_id=article_id,
                start=start,
                end=end,
                text=mark.text,
                actor_type=actor_type,
                actor_name=mark.actor_name,
                stance=mark.stance,
                stance_tie=False,
                stance_votes=1 if mark.stance else 0,
                roles=roles,
                roles_tied=[],
                n_annotators=1,
                n_marked=1,
                mention_tie=False,
                adjudication=SINGLE,
            )
        )
    return rows


def _region_keys(mentions: pd.DataFrame, wanted: set[str]) -> dict[tuple[str, str], MentionKey]:
    keys: dict[tuple[str, str], MentionKey] = {}
    rows = zip(
        values_of(mentions, "annotation_id"),
        values_of(mentions, "region_id"),
        values_of(mentions, "start"),
        values_of(mentions, "end"),
        values_of(mentions, "actor_type"),
        strict=True,
    )
    for annotation_id, region, start, end, actor_type in rows:
        if annotation_id in wanted:
            keys.setdefault((annotation_id, str(region)), (int(start), int(end), str(actor_type)))
    return keys


def normalise_relation(
    from_key: MentionKey, to_key: MentionKey, label: str, direction: str
) -> RelationKey:
    """``left`` becomes ``right`` with its ends swapped; ``bi`` ends go in offset order."""
    if direction == LEFT:
        return to_key, from_key, label, RIGHT
    if direction == BI:
        first, second = sorted((from_key, to_key))
        return first, second, label, BI
    return from_key, to_key, label, RIGHT


def collect_relation_votes(
    tables: FlatTables, annotation_ids: set[str]
) -> tuple[dict[str, set[RelationKey]], int]:
    """annotation_id -> its normalised relations, and how many relations named an unknown
    region (they cannot be placed and are left out)."""
    regions = _region_keys(tables.mentions, annotation_ids)
    drawn: dict[str, set[RelationKey]] = defaultdict(set)
    dangling = 0
    relations = tables.relations
    rows = zip(
        values_of(relations, "annotation_id"),
        values_of(relations, "from_region"),
        values_of(relations, "to_region"),
        values_of(relations, "label"),
        values_of(relations, "direction"),
        strict=True,
    )
    for annotation_id, from_region, to_region, label, direction in rows:
        if annotation_id not in annotation_ids:
            continue
        from_key = regions.get((annotation_id, str(from_region)))
        to_key = regions.get((annotation_id, str(to_region)))
        if from_key is None or to_key is None:
            dangling += 1
            continue
        key = normalise_relation(from_key, to_key, str(label or ""), str(direction))
        drawn[annotation_id].add(key)
    return drawn, dangling


def adjudicate_relations(
    tables: FlatTables, voters: Voters
) -> tuple[dict[str, list[Any]], Counter[str]]:
    """Adjudicated relation columns and counts of events. Both mentions of a kept relation
    are kept: whoever drew a relation marked both of its spans."""
    annotation_ids = set(voters.voter_of) | set(voters.ground_truth.values())
    drawn, dangling = collect_relation_votes(tables, annotation_ids)
    article_of = article_of_task(tables)
    rows: list[RelationRow] = []
    events: Counter[str] = Counter({"relations_dangling": dangling})
    for task_id in sorted(voters.by_task):
        votes: Counter[RelationKey] = Counter()
        for annotation_id in voters.by_task[task_id]:
            votes.update(drawn.get(annotation_id, set()))
        n_voters = len(voters.by_task[task_id])
        rule = _rule_of(task_id, voters)
        if rule == GROUND_TRUTH:
            candidates = sorted(drawn.get(voters.ground_truth[task_id], set()))
        else:
            candidates = sorted(key for key, count in votes.items() if 2 * count >= n_voters)
        events["relations_dropped"] += len(set(votes) - set(candidates))
        article_id = article_of[task_id]
        for key in candidates:
            from_key, to_key, label, direction = key
            from_id = mention_id(article_id, *from_key)
            to_id = mention_id(article_id, *to_key)
            tie = rule == MAJORITY and 2 * votes[key] == n_voters
            events["relation_ties"] += tie
            rows.append(
                RelationRow(
                    task_id=task_id,
                    relation_id=relation_id(from_id, to_id, label, direction),
                    article_id=article_id,
                    from_mention_id=from_id,
                    to_mention_id=to_id,
                    label=label,
                    direction=direction,
                    n_annotators=n_voters,
                    n_marked=votes[key],
                    relation_tie=tie,
                    adjudication=rule,
                )
            )
    return columns_of(ADJUDICATED_RELATION_COLUMNS, rows), events


def adjudicate(tables: FlatTables, taxonomy: Taxonomy) -> Adjudicated:
    """The adjudicated mentions and relations of every task that has a human annotation."""
    voters = select_voters(tables.annotations)
    mentions, mention_events = adjudicate_mentions(tables, taxonomy, voters)
    relations, relation_events = adjudicate_relations(tables, voters)
    rules = Counter(_rule_of(task_id, voters) for task_id in voters.by_task)
    stats = {
        **{f"tasks_{rule}": rules[rule] for rule in ADJUDICATIONS},
        "tasks_unannotated": len(set(values_of(tables.articles, "task_id")) - set(voters.by_task)),
        **{key: int(value) for key, value in (mention_events + relation_events).items()},
    }
    for key in (
        "mentions_dropped",
        "mention_ties",
        "stance_ties",
        "roles_tied",
        "relations_dropped",
        "relations_dangling",
        "relation_ties",
    ):
        stats.setdefault(key, 0)
    return Adjudicated(
        mentions=mentions,
        relations=relations,
        annotators_per_task={task: len(ids) for task, ids in voters.by_task.items()},
        stats=dict(sorted(stats.items())),
    )
