"""Hugging Face ``datasets`` features of every published config, declared from the taxonomy.

Each config's columns are declared once here, with a one-line description that the dataset
card prints. Vocabularies become ``ClassLabel`` names in taxonomy order; an absent value
(no stance, an unlabelled relation) is a null ``ClassLabel`` value (``None`` after
``load_dataset``). Offsets are int32, ids are strings.

``datasets`` is imported inside the functions, so importing this module stays cheap.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from stancepack.schema.fields import BI, LEFT, RIGHT, one_of
from stancepack.schema.taxonomy import Taxonomy

if TYPE_CHECKING:
    from datasets import Features

CONFIGS = ("mentions", "articles", "relations", "annotations", "actors")
DEFAULT_CONFIG = "mentions"
# The values of the ``adjudication`` column: the rule that decided an article's layer.
SINGLE = "single_annotator"
MAJORITY = "majority"
GROUND_TRUTH = "ground_truth"
ADJUDICATIONS = (SINGLE, MAJORITY, GROUND_TRUTH)


@dataclass(frozen=True)
class Column:
    """One column of a config: its name, its kind and what it means."""

    name: str
    kind: str  # string | int32 | bool | float32 | actor_type | stance | role_list | ...
    description: str


# Columns that several configs share, with the same meaning.
START = Column("start", "int32", "Start offset in the article text, in characters.")
END = Column("end", "int32", "End offset (exclusive), in characters.")
N_ANNOTATORS = Column("n_annotators", "int32", "Human annotators (annotations) of the article.")
ADJUDICATION = Column("adjudication", "string", f"{one_of(ADJUDICATIONS)}.")


def _columns_mentions() -> tuple[Column, ...]:
    return (
        Column("mention_id", "string", "Stable id: hash of article_id, start, end and actor_type."),
        Column("article_id", "string", "The article the mention is in."),
        START,
        END,
        Column("text", "string", "The marked span as annotators saw it."),
        Column("actor_type", "actor_type", "What kind of actor the span names."),
        Column("actor_name", "string", "Canonical actor name given by annotators; empty if none."),
        Column("stance", "stance", "Adjudicated stance; null when none was given or on a tie."),
        Column("stance_tie", "bool", "True when two or more stances tied for most votes."),
        Column("stance_votes", "int32", "Annotators whose stance is the adjudicated one."),
        Column("roles", "role_list", "Proposed roles kept by per-role majority."),
        Column("roles_tied", "role_list", "Roles chosen by exactly half (kept, flagged)."),
        N_ANNOTATORS,
        Column("n_marked", "int32", "Annotators who marked this span with this actor type."),
        Column("mention_tie", "bool", "True when exactly half of the annotators marked it."),
        ADJUDICATION,
    )


def _columns_articles(text: bool) -> tuple[Column, ...]:
    columns: tuple[Column, ...] = (
        Column("article_id", "string", "Stable article id."),
        Column("story_id", "string", "Shared by near-duplicate copies of one story."),
        Column("task_id", "string", "Label Studio task id in the export."),
        Column("title", "string", "Headline (first line of the text)."),
        Column("source", "string", "Outlet; empty if unknown."),
        Column("published", "string", "Publication date YYYY-MM-DD; empty if unknown."),
        Column("url", "string", "Source URL; empty if unknown."),
        Column("text_sha256", "string", "sha256 of the UTF-8 article text; offsets count it."),
        N_ANNOTATORS,
        Column("n_mentions", "int32", "Adjudicated actor mentions in the article."),
    )
    if text:
        columns += (Column("text", "string", "The article text annotators saw."),)
    return columns


def _columns_relations() -> tuple[Column, ...]:
    return (
        Column(
            "relation_id", "string", "Stable id: hash of the two mention ids, label, direction."
        ),
        Column("article_id", "string", "The article both mentions are in."),
        Column("from_mention_id", "string", "Mention the relation starts from."),
        Column("to_mention_id", "string", "Mention the relation points to."),
        Column("label", "relation", "Relation label; null when the relation has no label."),
        Column(
            "direction", "string", f"{RIGHT} (from -> to) or {BI}; {LEFT} is turned into {RIGHT}."
        ),
        N_ANNOTATORS,
        Column("n_marked", "int32", "Annotators who drew this relation."),
        Column("relation_tie", "bool", "True when exactly half of the annotators drew it."),
        ADJUDICATION,
    )


def annotations_config_columns() -> tuple[Column, ...]:
    """The columns of the annotations config (the same for every taxonomy)."""
    return (
        Column("annotation_id", "string", "Label Studio annotation id (prediction-<id> if any)."),
        Column("article_id", "string", "The article annotated."),
        Column("kind", "string", "annotation (a person) or prediction (a model)."),
        Column("annotator", "string", "Pseudonymous annotator (annotator_N); empty for models."),
        Column("model_version", "string", "Model version of a prediction; empty otherwise."),
        Column("ground_truth", "bool", "The annotation is marked ground truth."),
        Column("region_id", "string", "Region id inside the annotation."),
        Column("mention_id", "string", "Same hash as mentions.mention_id, to join the layers."),
        START,
        END,
        Column("text", "string", "The marked span."),
        Column("actor_type", "actor_type", "Actor type this annotator chose."),
        Column("actor_name", "string", "Canonical name this annotator wrote; empty if none."),
        Column("stance", "stance", "Stance this annotator chose; null when none."),
        Column("roles", "role_list", "Roles this annotator chose."),
        Column("relations", "relation_list", "Relations this annotator drew from this region."),
    )


def _columns_actors(taxonomy: Taxonomy) -> tuple[Column, ...]:
    stance_columns = tuple(
        Column(f"stance_{value}", "int32", f"Adjudicated mentions with stance {value}.")
        for value in taxonomy.stance_values
    )
    return (
        Column("actor_id", "string", "Stable id: hash of actor_type and name."),
        Column("name", "string", "Canonical name: actor_name, else the span text."),
        Column("actor_type", "actor_type", "Actor type of its mentions."),
        Column("n_mentions", "int32", "Adjudicated mentions of the actor in this split."),
        Column("n_articles", "int32", "Articles that mention it in this split."),
        *stance_columns,
        Column("stance_none", "int32", "Mentions with no adjudicated stance."),
        Column("article_ids", "string_list", "Articles that mention it, sorted."),
    )


def config_columns(taxonomy: Taxonomy, *, text: bool = True) -> dict[str, tuple[Column, ...]]:
    """The columns of every config, in published order. ``text=False``: standoff articles."""
    return {
        "mentions": _columns_mentions(),
        "articles": _columns_articles(text),
        "relations": _columns_relations(),
        "annotations": annotations_config_columns(),
        "actors": _columns_actors(taxonomy),
    }


def _feature(kind: str, taxonomy: Taxonomy) -> Any:
    from datasets import ClassLabel, List, Value

    labels = {
        "actor_type": taxonomy.actor_type_values,
        "stance": taxonomy.stance_values,
        "relation": taxonomy.relation_values,
    }
    if kind in labels:
        return ClassLabel(names=labels[kind])
    if kind == "role_list":
        return List(ClassLabel(names=taxonomy.role_values))
    if kind == "string_list":
        return List(Value("string"))
    if kind == "relation_list":
        return List(
            {
                "to_region": Value("string"),
                "label": ClassLabel(names=taxonomy.relation_values),
                "direction": Value("string"),
            }
        )
    return Value(kind)


def features_of(columns: tuple[Column, ...], taxonomy: Taxonomy) -> Features:
    from datasets import Features

    return Features({column.name: _feature(column.kind, taxonomy) for column in columns})


def config_features(taxonomy: Taxonomy, *, text: bool = True) -> dict[str, Features]:
    """``datasets.Features`` of every config, declared (never inferred from data)."""
    return {
        config: features_of(columns, taxonomy)
        for config, columns in config_columns(taxonomy, text=text).items()
    }
