"""pandera models of stancepack's tables. Vocabularies come from the taxonomy.

pandas and pandera are imported here, so import this module only where a table is checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from stancepack.schema.fields import DIRECTIONS, KINDS, one_of
from stancepack.schema.taxonomy import Taxonomy

HEX_ID = r"^[0-9a-f]{16}$"
SHA256 = r"^[0-9a-f]{64}$"
ISO_DATE_OR_EMPTY = r"^(\d{4}-\d{2}-\d{2})?$"


class Articles(pa.DataFrameModel):
    """Ingested articles: one row per unique article text."""

    article_id: Series[str] = pa.Field(
        unique=True,
        str_length={"min_value": 1},
        description="Stable id: a hash of the text, or the manifest's id.",
    )
    story_id: Series[str] = pa.Field(description="Shared by near-duplicate copies of one story.")
    file: Series[str] = pa.Field(
        description="File name the article was read from (a corpus row: `corpus.csv:4`)."
    )
    source: Series[str] = pa.Field(
        description="Outlet, as the manifest names it; empty if unknown."
    )
    url: Series[str] = pa.Field(description="Source URL; empty if unknown.")
    published: Series[str] = pa.Field(
        str_matches=ISO_DATE_OR_EMPTY, description="Publication date YYYY-MM-DD; empty if unknown."
    )
    language: Series[str] = pa.Field(description="Language code; empty if unknown.")
    title: Series[str] = pa.Field(
        str_length={"min_value": 1},
        description="The title given (corpus column, page title), else the first non-empty line.",
    )
    text: Series[str] = pa.Field(
        str_length={"min_value": 1},
        description="The text annotators see; offsets count its characters.",
    )
    raw_sha256: Series[str] = pa.Field(
        str_matches=SHA256,
        description="sha256 of the file's bytes (of a corpus row: its text as given).",
    )
    text_sha256: Series[str] = pa.Field(
        str_matches=SHA256, unique=True, description="sha256 of the text (UTF-8)."
    )

    class Config:
        strict = True
        coerce = True


# --- Tables flattened from a Label Studio export (stancepack.export.validate.flatten) ----------

# Text columns. The flattened tables are built with exactly the dtypes these models declare
# (text as pandas' Arrow-backed strings), so the models check dtypes instead of coercing:
# coercing, or checking a plain ``str`` column, would visit every value in Python.
Text: TypeAlias = pd.StringDtype


@dataclass(frozen=True)
class ExportModels:
    """The pandera models of the four tables flattened from an export, for one taxonomy."""

    articles: type[pa.DataFrameModel]
    annotations: type[pa.DataFrameModel]
    mentions: type[pa.DataFrameModel]
    relations: type[pa.DataFrameModel]

    def tables(self) -> dict[str, type[pa.DataFrameModel]]:
        """Table name -> model, in report order."""
        return {
            "articles": self.articles,
            "annotations": self.annotations,
            "mentions": self.mentions,
            "relations": self.relations,
        }


_EXPORT_MODELS: dict[str, ExportModels] = {}


def export_models(taxonomy: Taxonomy) -> ExportModels:
    """The export-table models whose vocabulary checks come from ``taxonomy``; built once per
    taxonomy version."""
    models = _EXPORT_MODELS.get(taxonomy.version)
    if models is None:
        models = ExportModels(
            articles=_export_articles_model(),
            annotations=_annotations_model(),
            mentions=_mentions_model(
                taxonomy.actor_type_values, taxonomy.stance_values, taxonomy.role_values
            ),
            relations=_relations_model(taxonomy.relation_values),
        )
        _EXPORT_MODELS[taxonomy.version] = models
    return models


def _export_articles_model() -> type[pa.DataFrameModel]:
    class ExportArticles(pa.DataFrameModel):
        """One row per task of the export: the article the annotators saw."""

        task_id: Series[Text] = pa.Field(
            unique=True, str_length={"min_value": 1}, description="Label Studio task id."
        )
        article_id: Series[Text] = pa.Field(
            str_length={"min_value": 1},
            description="data.article_id, or task-<task_id> when the task has none.",
        )
        story_id: Series[Text] = pa.Field(description="data.story_id, or the article_id.")
        title: Series[Text] = pa.Field(description="data.title; empty if absent.")
        source: Series[Text] = pa.Field(description="data.source; empty if absent.")
        published: Series[Text] = pa.Field(description="data.published; empty if absent.")
        url: Series[Text] = pa.Field(description="data.url; empty if absent.")
        text: Series[Text] = pa.Field(description="data.text: offsets count its characters.")
        text_sha256: Series[Text] = pa.Field(
            str_matches=SHA256, description="sha256 of the text (UTF-8)."
        )

        class Config:
            strict = True
            ordered = True
            coerce = False  # see Text

    return ExportArticles


def _annotations_model() -> type[pa.DataFrameModel]:
    class Annotations(pa.DataFrameModel):
        """One row per annotation or prediction, cancelled and empty ones included."""

        annotation_id: Series[Text] = pa.Field(
            unique=True,
            str_length={"min_value": 1},
            description="Annotation id; prediction-<id> for predictions.",
        )
        task_id: Series[Text] = pa.Field(str_length={"min_value": 1})
        article_id: Series[Text] = pa.Field(str_length={"min_value": 1})
        kind: Series[Text] = pa.Field(isin=list(KINDS), description=f"{one_of(KINDS)}.")
        annotator: Series[Text] = pa.Field(
            description="E-mail when the export has it, else the user id; empty if unknown."
        )
        annotator_id: Series[Text] = pa.Field(description="Label Studio user id; empty if unknown.")
        model_version: Series[Text] = pa.Field(description="Model version of a prediction.")
        created_at: Series[Text] = pa.Field(description="ISO time as in the export, or empty.")
        updated_at: Series[Text] = pa.Field(description="ISO time as in the export, or empty.")
        lead_time: Series[float] = pa.Field(
            nullable=True, description="Seconds spent; NaN if absent."
        )
        was_cancelled: Series[bool] = pa.Field(description="Skipped by the annotator.")
        ground_truth: Series[bool] = pa.Field(description="Marked as ground truth.")
        n_results: Series[int] = pa.Field(ge=0, description="Result items in the annotation.")

        class Config:
            strict = True
            ordered = True
            coerce = False  # see Text

    return Annotations


def _mentions_model(
    actor_types: list[str], stances: list[str], roles: list[str]
) -> type[pa.DataFrameModel]:
    known_roles = frozenset(roles)

    class Mentions(pa.DataFrameModel):
        """One row per actor span per annotation or prediction (not cancelled)."""

        annotation_id: Series[Text] = pa.Field(str_length={"min_value": 1})
        task_id: Series[Text] = pa.Field(str_length={"min_value": 1})
        article_id: Series[Text] = pa.Field(str_length={"min_value": 1})
        region_id: Series[Text] = pa.Field(
            str_length={"min_value": 1}, description="Unique within one annotation."
        )
        start: Series[int] = pa.Field(ge=0, description="First character of the span.")
        end: Series[int] = pa.Field(ge=1, description="One past the last character.")
        text: Series[Text] = pa.Field(description="The span's text: text[start:end].")
        actor_type: Series[Text] = pa.Field(isin=list(actor_types), description="Actor type.")
        stance: Series[Text] = pa.Field(
            isin=["", *stances], description="Stance on the proposition; empty when none."
        )
        roles: Series[object] = pa.Field(description="Proposed roles, in taxonomy order.")
        actor_name: Series[Text] = pa.Field(description="Canonical actor name; empty if none.")

        @pa.check("roles", name="roles_in_taxonomy")
        def roles_in_taxonomy(cls, series: Series[object]) -> Series[bool]:
            return series.map(
                lambda value: isinstance(value, list) and known_roles.issuperset(value)
            )

        @pa.dataframe_check(name="end_after_start")
        def end_after_start(cls, frame: pd.DataFrame) -> Series[bool]:
            return frame["end"] > frame["start"]

        class Config:
            strict = True
            ordered = True
            coerce = False  # see Text

    return Mentions


def _relations_model(relations: list[str]) -> type[pa.DataFrameModel]:
    class Relations(pa.DataFrameModel):
        """One row per relation label between two spans of one annotation."""

        annotation_id: Series[Text] = pa.Field(str_length={"min_value": 1})
        task_id: Series[Text] = pa.Field(str_length={"min_value": 1})
        article_id: Series[Text] = pa.Field(str_length={"min_value": 1})
        from_region: Series[Text] = pa.Field(description="region_id of the source span.")
        to_region: Series[Text] = pa.Field(description="region_id of the target span.")
        label: Series[Text] = pa.Field(
            isin=["", *relations], description="Relation label; empty when unlabelled."
        )
        direction: Series[Text] = pa.Field(
            isin=list(DIRECTIONS), description=f"{one_of(DIRECTIONS)}."
        )

        class Config:
            strict = True
            ordered = True
            coerce = False  # see Text

    return Relations
