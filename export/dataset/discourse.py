"""The discourse of a packaged dataset: its mentions and articles, labelled with the
dataset's own taxonomy, and the statements they make, as the Discourse Network Analyzer
(DNA) defines them. Networks (``network``) and figures (``figures``) are built from it.

Every adjudicated mention (``mentions`` config) with a stance gives statements: actor,
concept, qualifier and article. The actor is the mention's ``actor_name``, or its span text
when the name is empty. Concepts:

- ``proposition``, with the mention's stance as qualifier; a mention whose stance is
  ``neutral`` (no position of its own) makes no proposition statement;
- ``role:<name>`` for each role the mention proposes, with the qualifier ``proposes``.

A statement's date is its article's ``published`` date; a value that does not start with
a date ``YYYY-MM-DD`` counts as unknown.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date
from functools import cached_property
from itertools import accumulate
from pathlib import Path
from typing import Any, NamedTuple

from stancepack.export.dataset.layout import parquet_name, read_facts
from stancepack.export.dataset.splits import SPLITS, listed_splits
from stancepack.ground.collector import collector_paused
from stancepack.ground.errors import DiscourseError
from stancepack.schema.taxonomy import Taxonomy, taxonomy_from_content

PROPOSITION = "proposition"
ROLE_PREFIX = "role:"
PROPOSES = "proposes"
NEUTRAL = "neutral"

MENTION_COLUMNS = ("article_id", "text", "actor_type", "actor_name", "stance", "roles")
ARTICLE_COLUMNS = ("article_id", "source", "published")
NO_CODE = -1  # a null label (no stance)


# --- Reading a dataset ---------------------------------------------------------------------


class Mention(NamedTuple):
    """One adjudicated mention, its labels as taxonomy values ("" for no stance)."""

    actor: str
    actor_type: str
    stance: str
    roles: tuple[str, ...]
    article_id: str


@dataclass(frozen=True, slots=True)
class Article:
    article_id: str
    source: str
    published: date | None


class Statement(NamedTuple):
    """DNA's unit: an actor states a concept with a qualifier, in an article."""

    actor: str
    concept: str
    qualifier: str
    article_id: str


@dataclass(frozen=True)
class Discourse:
    """The mentions and articles of a dataset (or of a period of it), with its taxonomy."""

    path: Path
    taxonomy: Taxonomy
    mentions: tuple[Mention, ...]
    articles: dict[str, Article]

    @cached_property
    def statements(self) -> list[Statement]:
        """The statements of every mention, in mention order."""
        with collector_paused():
            return [s for mention in self.mentions for s in statements_of(mention)]

    def dates(self) -> list[date]:
        return sorted({a.published for a in self.articles.values() if a.published is not None})

    def undated(self) -> list[str]:
        """Ids of the articles without a known publication date."""
        return sorted(a.article_id for a in self.articles.values() if a.published is None)

    def within(self, start: date | None, end: date | None) -> Discourse:
        """The mentions of the articles published from ``start`` to ``end`` (inclusive)."""
        kept = {
            key: article
            for key, article in self.articles.items()
            if article.published is not None
            and (start is None or article.published >= start)
            and (end is None or article.published <= end)
        }
        mentions = tuple(m for m in self.mentions if m.article_id in kept)
        return replace(self, mentions=mentions, articles=kept)


def read_config(
    dataset_dir: Path, facts: dict[str, Any], config: str, columns: Sequence[str]
) -> Any:
    """The named columns of one config, all splits in order, as one pyarrow table."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    tables = []
    for split in SPLITS:
        if split not in listed_splits(facts["rows"][config]):
            continue
        path = dataset_dir / parquet_name(config, split)
        try:
            tables.append(pq.read_table(path, columns=list(columns)))
        except FileNotFoundError:
            raise DiscourseError(
                f"{dataset_dir}: {parquet_name(config, split)} is missing"
            ) from None
        except (KeyError, pa.ArrowInvalid) as error:
            raise DiscourseError(
                f"{path}: cannot read columns {', '.join(columns)}: {error}"
            ) from None
    if not tables:
        return pa.table({name: pa.array([], pa.string()) for name in columns})
    return pa.concat_tables(tables)


def parse_date(value: str | None) -> date | None:
    """The date a ``published`` value starts with (``YYYY-MM-DD``), or None."""
    try:
        return date.fromisoformat((value or "")[:10])
    except ValueError:
        return None


def decoder(values: list[str], codes: Iterable[int], what: str, where: Path) -> dict[int, str]:
    """Label of each code found (``""`` for ``NO_CODE``), refusing a code outside the
    taxonomy."""
    table = {NO_CODE: ""}
    for code in set(codes) - {NO_CODE}:
        if not 0 <= code < len(values):
            raise DiscourseError(f"{where}: mentions: {what} {code} is not a value of the taxonomy")
        table[code] = values[code]
    return table


def texts(column: Any) -> list[str | None]:
    """A string column as Python strings (through pandas: ten times faster than pyarrow's
    ``to_pylist`` on large columns)."""
    return column.to_pandas().tolist()


def codes(column: Any) -> list[int]:
    """A label column as Python ints, ``NO_CODE`` for null."""
    import pyarrow.compute as pc

    return pc.fill_null(column, NO_CODE).to_numpy().tolist()


def code_lists(column: Any) -> tuple[list[int], list[int]]:
    """A list-of-labels column as its codes, flattened, and the length of each list."""
    import pyarrow.compute as pc

    array = column.combine_chunks()
    lengths = pc.fill_null(array.value_lengths(), 0).to_numpy().tolist()
    return array.flatten().to_numpy().tolist(), lengths


def read_mentions(dataset_dir: Path, facts: dict[str, Any], taxonomy: Taxonomy) -> list[Mention]:
    table = read_config(dataset_dir, facts, "mentions", MENTION_COLUMNS)
    if not table.num_rows:
        return []
    actor_types, stance_codes = codes(table["actor_type"]), codes(table["stance"])
    types = decoder(taxonomy.actor_type_values, actor_types, "actor_type", dataset_dir)
    stances = decoder(taxonomy.stance_values, stance_codes, "stance", dataset_dir)
    flat, lengths = code_lists(table["roles"])
    roles = decoder(taxonomy.role_values, flat, "roles", dataset_dir)
    role_labels = [roles[code] for code in flat]
    starts = list(accumulate(lengths, initial=0))
    rows = zip(
        texts(table["article_id"]),
        texts(table["text"]),
        texts(table["actor_name"]),
        actor_types,
        stance_codes,
        starts,
        lengths,
        strict=False,  # starts has one more item
    )
    return [
        Mention(
            (name or "").strip() or (text or "").strip(),
            types[actor_type],
            stances[stance],
            tuple(role_labels[start : start + length]) if length else (),
            article_id,
        )
        for article_id, text, name, actor_type, stance, start, length in rows
    ]


def read_discourse(dataset_dir: str | Path) -> Discourse:
    """The mentions and articles of a packaged dataset, labelled with its own taxonomy."""
    path = Path(dataset_dir)
    facts = read_facts(path)
    taxonomy = taxonomy_from_content(facts["taxonomy_content"])
    rows = read_config(path, facts, "articles", ARTICLE_COLUMNS).to_pydict()
    articles = {
        article_id: Article(article_id, source or "", parse_date(published))
        for article_id, source, published in zip(
            rows["article_id"], rows["source"], rows["published"], strict=True
        )
    }
    with collector_paused():
        mentions = read_mentions(path, facts, taxonomy)
    return Discourse(path, taxonomy, tuple(mentions), articles)


# --- Statements ----------------------------------------------------------------------------


def statements_of(mention: Mention) -> Iterator[Statement]:
    """The statements one mention makes (none without a stance)."""
    if not mention.stance or not mention.actor:
        return
    if mention.stance != NEUTRAL:
        yield Statement(mention.actor, PROPOSITION, mention.stance, mention.article_id)
    for role in mention.roles:
        yield Statement(mention.actor, ROLE_PREFIX + role, PROPOSES, mention.article_id)


def statements(discourse: Discourse) -> list[Statement]:
    return discourse.statements


def is_role(statement: Statement) -> bool:
    return statement.concept.startswith(ROLE_PREFIX)
