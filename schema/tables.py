"""pandera models of stancepack's tables. Vocabularies come from the taxonomy.

pandas and pandera are imported here, so import this module only where a table is checked.
"""

from __future__ import annotations

import pandera.pandas as pa
from pandera.typing import Series

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
    file: Series[str] = pa.Field(description="File name the article was read from.")
    source: Series[str] = pa.Field(
        description="Outlet, as the manifest names it; empty if unknown."
    )
    url: Series[str] = pa.Field(description="Source URL; empty if unknown.")
    published: Series[str] = pa.Field(
        str_matches=ISO_DATE_OR_EMPTY, description="Publication date YYYY-MM-DD; empty if unknown."
    )
    language: Series[str] = pa.Field(description="Language code; empty if unknown.")
    title: Series[str] = pa.Field(str_length={"min_value": 1}, description="First non-empty line.")
    text: Series[str] = pa.Field(
        str_length={"min_value": 1},
        description="The text annotators see; offsets count its characters.",
    )
    raw_sha256: Series[str] = pa.Field(
        str_matches=SHA256, description="sha256 of the file's bytes."
    )
    text_sha256: Series[str] = pa.Field(
        str_matches=SHA256, unique=True, description="sha256 of the text (UTF-8)."
    )

    class Config:
        strict = True
        coerce = True
