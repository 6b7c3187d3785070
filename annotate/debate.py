"""A debate folder: a team's own debate, as ``stancepack init`` writes it.

    DIR/taxonomy.yaml          the proposition, the vocabularies and the codebook
    DIR/actors.yaml            the actors the articles name, for review (gazetteer suggest)
    DIR/articles/articles.jsonl  the articles given, ingested
    DIR/stancepack-files.json  what init wrote, with each file's sha256

The project commands find the gazetteer beside the taxonomy, so ``--taxonomy
DIR/taxonomy.yaml`` (or ``stancepack up --debate DIR``) is all they need. Articles added
later go into ``DIR/articles/`` as .txt files or saved pages.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from stancepack.annotate.articles import (
    IngestReport,
    articles_in_folder,
    ingest,
    validate_articles,
    write_records,
)
from stancepack.ground.atomic import atomic_directory
from stancepack.ground.errors import ArticleError
from stancepack.schema.new_debate import new_taxonomy_text
from stancepack.schema.taxonomy import load_taxonomy

DEBATE_KIND = "debate"
DEBATE_TAXONOMY = "taxonomy.yaml"
DEBATE_GAZETTEER = "actors.yaml"
DEBATE_ARTICLES = "articles"
ARTICLES_TABLE = "articles.jsonl"


@dataclass(frozen=True)
class DebateFolder:
    """The files of a debate folder."""

    folder: Path

    @property
    def taxonomy(self) -> Path:
        return self.folder / DEBATE_TAXONOMY

    @property
    def gazetteer(self) -> Path:
        return self.folder / DEBATE_GAZETTEER

    @property
    def articles(self) -> Path:
        return self.folder / DEBATE_ARTICLES

    @property
    def articles_table(self) -> Path:
        return self.articles / ARTICLES_TABLE

    def check(self) -> None:
        """Refuse a folder that is not a debate folder (no taxonomy.yaml)."""
        if not self.folder.is_dir():
            raise ArticleError(f"{self.folder}: no such debate folder (make one with init)")
        if not self.taxonomy.is_file():
            raise ArticleError(
                f"{self.folder}: not a debate folder: it has no {DEBATE_TAXONOMY} "
                "(make one with stancepack init)"
            )

    def article_sources(self) -> list[Path]:
        """What the debate's articles are read from: the ingested table, and the folder
        itself when articles were put there as .txt files or saved pages."""
        sources = [self.articles_table] if self.articles_table.is_file() else []
        if self.articles.is_dir() and articles_in_folder(self.articles, warnings=[]):
            sources.append(self.articles)
        if not sources:
            raise ArticleError(
                f"{self.articles}: no articles yet: put .txt files or saved pages there, "
                "or give them to init with --articles"
            )
        return sources


@dataclass
class InitReport:
    """What ``init_debate`` wrote: the folder, the articles read, the actors proposed."""

    debate: DebateFolder
    ingested: IngestReport | None = None
    actors: int = 0
    warnings: list[str] = field(default_factory=list)

    @property
    def articles(self) -> int:
        return 0 if self.ingested is None else len(self.ingested.articles)


def init_debate(
    folder: str | Path,
    proposition: str,
    *,
    title: str | None = None,
    article_paths: Sequence[str | Path] = (),
    columns: Mapping[str, str] | None = None,
    min_count: int | None = None,
    force: bool = False,
) -> InitReport:
    """Write a debate folder for ``proposition``: its taxonomy, and with articles their
    ingested table and the actors they name. Written into a staging folder and renamed
    into place; ``force`` replaces only a debate folder init wrote, unchanged since.
    ``min_count``: the fewest mentions of a proposed actor (None: gazetteer suggest's)."""
    target = Path(folder)
    inputs = [("articles", path) for path in article_paths]
    with atomic_directory(target, force, kind=DEBATE_KIND, inputs=inputs, editable=True) as stage:
        staged = DebateFolder(stage)
        staged.taxonomy.write_text(
            new_taxonomy_text(proposition, title or proposition, target.resolve().name),
            encoding="utf-8",
        )
        load_taxonomy(staged.taxonomy)  # the template and the values given make a valid one
        staged.articles.mkdir()
        report = InitReport(debate=DebateFolder(target))
        if article_paths:
            write_articles(staged, article_paths, columns, report)
            write_actors(staged, min_count, report)
    return report


def write_articles(
    staged: DebateFolder,
    article_paths: Sequence[str | Path],
    columns: Mapping[str, str] | None,
    report: InitReport,
) -> None:
    ingested = ingest(article_paths, columns=columns)
    if not ingested.articles:
        raise ArticleError(f"{', '.join(map(str, article_paths))}: no articles")
    validate_articles(ingested.articles)
    with open(staged.articles_table, "wb") as stream:
        write_records(stream, ingested.articles)
    report.ingested = ingested


def write_actors(staged: DebateFolder, min_count: int | None, report: InitReport) -> None:
    """The gazetteer ``gazetteer suggest`` proposes from the articles; none, with a
    warning, when no actor is named often enough."""
    from stancepack.annotate.suggest import SuggestionError, render_suggestions, suggest_actors

    assert report.ingested is not None
    texts = [article.text for article in report.ingested.articles]
    try:
        suggestions = (
            suggest_actors(texts) if min_count is None else suggest_actors(texts, min_count)
        )
    except SuggestionError as error:
        report.warnings.append(f"no {DEBATE_GAZETTEER} written: {error}")
        return
    staged.gazetteer.write_text(render_suggestions(suggestions), encoding="utf-8")
    report.actors = len(suggestions.actors)
