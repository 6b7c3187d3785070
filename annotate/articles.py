"""Article ingestion: news articles in any supported format to clean, identified records.

Formats, by file name: ``.txt`` articles (the first non-empty line is the title), saved
pages (``.html``, ``.htm``), and corpora of one article a row, ``.csv`` and ``.jsonl``
(read by ``stancepack.annotate.corpus``). Folders are searched for ``.txt`` articles
and saved pages; corpora are read only when named, and a file named ``manifest.csv`` is
always a manifest, never a corpus. A ``.jsonl`` table written by ``articles ingest``
(records with ``article_id`` and ``text_sha256``) is read as written: its ids and story
ids are kept, and a new article near-duplicating one of its records joins that story.

The text an annotator sees is fixed here, once: layout noise removed, newlines normalised,
Unicode NFC, control characters removed. Every offset in every later annotation counts
characters of this text, so it is hashed (``text_sha256``) and the article id derives from
that hash.

Control characters: a NUL byte marks a file as binary and refuses it; the other line
breaks Python knows (vertical tab, form feed, NEL, the Unicode line and paragraph
separators, ...) become newlines; every other C0 control but the tab, DEL and every C1
control are removed from the text, so titles never carry them. Manifest values are typed
by people and must not hold control characters at all: they are refused.

In a folder, every ``.txt``, ``.html`` or ``.htm`` entry that is (or links to) a regular
file is an article, and one that cannot be read stops the ingestion with an error naming
it, as does a broken symbolic link named like an article. Entries that cannot be articles
are skipped with a warning in the report: FIFOs, sockets and devices named like articles,
symbolic links to folders (not followed) and sub-folders that cannot be listed. A folder
named like an article is a sub-folder like any other; the folder a browser saves beside
a page (``page_files`` beside ``page.html``) holds the page's assets and is not searched.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import stat
import unicodedata
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any, BinaryIO

from stancepack.annotate.corpus import (
    NO_PAGE_TEXT,
    Entry,
    json_objects,
    parse_column_map,
    read_csv,
    read_html_page,
    read_json_lines,
)
from stancepack.ground.errors import ArticleError
from stancepack.ground.filereader import kind_of, read_regular_file
from stancepack.ground.terminal import CONTROL_CHARACTERS
from stancepack.schema.near_duplicates import NEAR_DUPLICATE_JACCARD, SHINGLE_WORDS

MANIFEST_NAME = "manifest.csv"
MANIFEST_COLUMNS = ("file", "source", "url", "published", "language")
OPTIONAL_MANIFEST_COLUMNS = ("article_id",)
ARTICLE_SUFFIX = ".txt"
PAGE_SUFFIXES = (".html", ".htm")
CSV_SUFFIX = ".csv"
JSONL_SUFFIX = ".jsonl"
FORMATS_RULE = "articles are .txt, .html, .htm, .csv or .jsonl files, or folders of them"
# A browser saves a page's images and scripts in a folder named after it ("page_files").
PAGE_ASSETS_SUFFIX = "_files"
# Fields that mark a JSON Lines file as a table written by ``articles ingest``.
TABLE_FIELDS = ("article_id", "text_sha256")
ID_HEX_DIGITS = 16
# Ids given in a manifest become parts of file names and URLs downstream.
MANIFEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
MANIFEST_ID_RULE = (
    "must be letters, digits, '.', '_' and '-', starting with a letter or digit "
    "(at most 128 characters)"
)

# Lines that are page furniture of the outlet or aggregator, not part of the article.
NOISE_LINES = (
    re.compile(r"^ARTICLE AD BOX$"),
    re.compile(r"^Read Entire Article$"),
    re.compile(r"^Read the original article on .+$"),
    re.compile(r"^\d+ (?:second|minute|hour|day|week|month|year)s? ago(?: \d+)?$"),
    re.compile(r".*\bSupport us with a one-time donation\b.*"),
    re.compile(r"^(?:Advertisement|ADVERTISEMENT)$"),
)
# Phrases inside a line that are links to the full article elsewhere.
NOISE_PHRASES = (re.compile(r"\s*Read Full Article at \S+?\.?(?=\s|$)"),)

# No-break and figure spaces look like spaces to annotators; make them spaces.
PLAIN_SPACES = str.maketrans({"\u00a0": " ", "\u2007": " ", "\u202f": " "})
# Line breaks other than \n that ``str.splitlines`` knows; \r and \r\n are handled apart.
OTHER_LINE_BREAKS = str.maketrans(dict.fromkeys("\v\f\x1c\x1d\x1e\x85\u2028\u2029", "\n"))
# Control characters removed from article texts: C0 but tab and newline, DEL, C1.
REMOVED_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class ManifestRow:
    """What the manifest says of one file. Empty strings stand for unknown."""

    source: str = ""
    url: str = ""
    published: str = ""
    language: str = ""
    article_id: str = ""


@dataclass(frozen=True)
class Article:
    """One ingested article, as it will be imported as a Label Studio task."""

    article_id: str
    story_id: str
    file: str
    source: str
    url: str
    published: str
    language: str
    title: str
    text: str
    raw_sha256: str
    text_sha256: str

    def to_record(self) -> dict[str, str]:
        return asdict(self)


ARTICLE_FIELDS = [field.name for field in fields(Article)]


@dataclass(frozen=True)
class IngestReport:
    """The articles kept, and what was noticed on the way."""

    articles: list[Article]
    exact_duplicates: list[tuple[str, str]]  # (file dropped, file kept)
    near_duplicates: list[tuple[str, str, float]]  # (file, file, jaccard)
    warnings: list[str] = field(default_factory=list)  # entries skipped, and why


@dataclass(frozen=True)
class ReadOptions:
    """How articles are read: the manifest's rows, the text encoding, the column map."""

    rows: dict[str, ManifestRow] = field(default_factory=dict)
    encoding: str = "utf-8"
    columns: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SourceArticles:
    """The articles of one file; ``as_written`` for a table written by ``articles ingest``,
    whose ids and story ids are kept."""

    articles: list[Article]
    warnings: list[str] = field(default_factory=list)
    as_written: bool = False


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def clean_text(raw: str) -> str:
    """The text annotators see: BOM dropped, \\n newlines, NFC, no-break spaces as plain
    spaces, control characters but tabs removed, layout noise removed."""
    text = unicodedata.normalize("NFC", raw.lstrip("\ufeff")).translate(PLAIN_SPACES)
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(OTHER_LINE_BREAKS)
    text = REMOVED_CONTROLS.sub("", text)
    lines = [_strip_noise_phrases(line).rstrip() for line in text.split("\n")]
    kept = [line for line in lines if not _is_noise_line(line.strip())]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip("\n ")


def _is_noise_line(line: str) -> bool:
    return any(pattern.fullmatch(line) for pattern in NOISE_LINES)


def _strip_noise_phrases(line: str) -> str:
    for pattern in NOISE_PHRASES:
        line = pattern.sub("", line)
    return line


def title_of(text: str) -> str:
    """The first non-empty line."""
    return next(line.strip() for line in text.split("\n") if line.strip())


def article_id_of(text: str) -> str:
    return sha256_hex(text.encode("utf-8"))[:ID_HEX_DIGITS]


def decode_article(path: Path, data: bytes, encoding: str) -> str:
    """Decode one file's bytes, refusing empty, binary and wrongly encoded files."""
    if not data.strip():
        raise ArticleError(f"{path}: empty file")
    if b"\x00" in data:
        raise ArticleError(f"{path}: binary file (contains NUL bytes), not a text article")
    try:
        return data.decode(
            "utf-8-sig" if encoding.lower().replace("_", "-") == "utf-8" else encoding
        )
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ArticleError(
            f"{path}: not {encoding} text (line {line}: byte "
            f"0x{data[error.start]:02x} at offset {error.start}); pass --encoding to read it "
            "in its real encoding"
        ) from None
    except LookupError:
        raise ArticleError(f"{path}: unknown encoding {encoding!r}") from None


def find_article_files(paths: Iterable[str | Path]) -> tuple[list[Path], list[str]]:
    """The files named, and the .txt articles and saved pages inside named folders (sorted,
    each once), with a warning for every entry of those folders that was skipped."""
    files: list[Path] = []
    warnings: list[str] = []
    for path in map(Path, paths):
        if path.is_dir():
            found = articles_in_folder(path, warnings)
            if not found:
                raise ArticleError(
                    f"{path}: folder has no {ARTICLE_SUFFIX} articles or saved "
                    f"{'/'.join(PAGE_SUFFIXES)} pages"
                )
            files.extend(found)
        elif os.path.lexists(path):
            files.append(path)  # read_article says why it cannot be read, if it cannot
        else:
            raise ArticleError(f"{path}: no such file or folder")
    return list(dict.fromkeys(files)), warnings


def articles_in_folder(folder: Path, warnings: list[str]) -> list[Path]:
    """The articles anywhere under ``folder``, sorted; symbolic links to folders and the
    asset folders of saved pages are not followed."""
    found: list[Path] = []
    pending = [folder]
    while pending:
        current = pending.pop()
        try:
            with os.scandir(current) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
        except OSError as problem:
            if current == folder:
                raise ArticleError(f"{folder}: cannot be read ({problem.strerror})") from None
            warnings.append(f"{current}: folder cannot be read ({problem.strerror}); skipped")
            continue
        names = {entry.name for entry in entries}
        for entry in entries:
            path = Path(entry.path)
            if entry.is_dir(follow_symlinks=False):
                if not _is_page_assets(entry.name, names):
                    pending.append(path)
            elif _is_article_entry(path, warnings):
                found.append(path)
    return sorted(found)


def _is_page_assets(name: str, names: set[str]) -> bool:
    """Whether a folder is the assets folder a browser saved beside a page."""
    page = name.removesuffix(PAGE_ASSETS_SUFFIX)
    return page != name and any(page + suffix in names for suffix in PAGE_SUFFIXES)


def _is_article_name(name: str) -> bool:
    return name.endswith(ARTICLE_SUFFIX) or Path(name).suffix.lower() in PAGE_SUFFIXES


def _is_article_entry(path: Path, warnings: list[str]) -> bool:
    """Whether a folder entry (not itself a folder) is read as an article. Entries that
    cannot be articles are skipped, with a warning when they might have been meant as one."""
    try:
        mode = path.stat().st_mode
    except OSError:  # a broken link: an article if named like one, and reading it fails
        return _is_article_name(path.name)
    if stat.S_ISDIR(mode):
        warnings.append(f"{path}: symbolic link to a folder, not followed; skipped")
        return False
    if not _is_article_name(path.name):
        return False
    if not stat.S_ISREG(mode):
        warnings.append(f"{path}: not a regular file ({kind_of(mode)}); skipped")
        return False
    return True


def read_manifest(path: Path) -> dict[str, ManifestRow]:
    """Manifest rows by file name. Unknown or repeated columns, missing or path-like
    ``file`` values, unsafe ``article_id`` values and control characters are refused."""
    data = read_regular_file(path, ArticleError, "manifest")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ArticleError(f"{path}: manifest is not UTF-8 text") from None
    records = _csv_records(path, text)
    _, columns = next(records, (1, []))
    _check_manifest_columns(path, columns)
    rows: dict[str, ManifestRow] = {}
    for line, cells in records:
        if not cells:
            continue
        where = f"{path}: line {line}"
        if len(cells) > len(columns):
            raise ArticleError(f"{where}: {len(cells)} values for {len(columns)} columns")
        values = {column: cell.strip() for column, cell in zip(columns, cells, strict=False)}
        name = _manifest_file_name(values.pop("file", ""), where)
        if name in rows:
            raise ArticleError(f"{where}: {name} is listed twice")
        rows[name] = _manifest_row(values, where)
    return rows


def _csv_records(path: Path, text: str) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells) of each CSV record, the header first."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        for cells in reader:
            yield reader.line_num, cells
    except csv.Error as problem:
        raise ArticleError(f"{path}: line {reader.line_num}: not valid CSV ({problem})") from None


def _manifest_file_name(name: str, where: str) -> str:
    if not name:
        raise ArticleError(f"{where}: empty file name")
    if CONTROL_CHARACTERS.search(name) or "/" in name or "\\" in name or name in {".", ".."}:
        raise ArticleError(f"{where}: file {name!r} must be a file name, not a path")
    return name


def _manifest_row(values: dict[str, str], where: str) -> ManifestRow:
    for column, value in values.items():
        control = CONTROL_CHARACTERS.search(value)
        if control:
            raise ArticleError(
                f"{where}: {column} contains the control character U+{ord(control.group()):04X}"
            )
    article_id = values.get("article_id", "")
    if article_id and not MANIFEST_ID.fullmatch(article_id):
        raise ArticleError(f"{where}: article_id {article_id!r} {MANIFEST_ID_RULE}")
    return ManifestRow(**values)


def _check_manifest_columns(path: Path, columns: Sequence[str]) -> None:
    allowed = MANIFEST_COLUMNS + OPTIONAL_MANIFEST_COLUMNS
    unknown = [column for column in columns if column not in allowed]
    if unknown:
        raise ArticleError(f"{path}: unknown column {unknown[0]!r} (known: {', '.join(allowed)})")
    repeated = [column for index, column in enumerate(columns) if column in columns[:index]]
    if repeated:
        raise ArticleError(f"{path}: column {repeated[0]!r} appears twice")
    if "file" not in columns:
        raise ArticleError(f"{path}: no 'file' column")


def _manifest_for(paths: Sequence[str | Path], manifest: Path | None) -> Path | None:
    """The manifest given, else a manifest.csv inside the one folder given, if any (a
    broken link named manifest.csv counts, so that it is reported rather than ignored)."""
    if manifest is not None:
        return manifest
    folders = [Path(path) for path in paths if Path(path).is_dir()]
    candidates = [
        folder / MANIFEST_NAME for folder in folders if os.path.lexists(folder / MANIFEST_NAME)
    ]
    return candidates[0] if len(candidates) == 1 else None


def article_of(entry: Entry, row: ManifestRow | None = None) -> Article:
    """An article from what a file gives: its text normalised by ``clean_text``, the id
    from its hash (or the manifest's id), the title given or else the first line; the
    manifest's non-empty values win over the file's own."""
    row = row or ManifestRow()
    text = clean_text(entry.text)
    if not text:
        raise ArticleError(f"{entry.where}: no article text left after removing layout noise")
    article_id = row.article_id or article_id_of(text)
    return Article(
        article_id=article_id,
        story_id=article_id,
        file=entry.file,
        source=row.source or entry.source,
        url=row.url or entry.url,
        published=row.published or entry.published,
        language=row.language or entry.language,
        title=" ".join(clean_text(entry.title).split()) or title_of(text),
        text=text,
        raw_sha256=entry.raw_sha256,
        text_sha256=sha256_hex(text.encode("utf-8")),
    )


def read_article(path: Path, row: ManifestRow, encoding: str = "utf-8") -> Article:
    """One .txt article; its first non-empty line is the title."""
    data = read_regular_file(path, ArticleError, "article")
    text = decode_article(path, data, encoding)
    return article_of(
        Entry(file=path.name, where=str(path), text=text, raw_sha256=sha256_hex(data)), row
    )


def _read_text_file(path: Path, options: ReadOptions) -> SourceArticles:
    row = options.rows.get(path.name, ManifestRow())
    return SourceArticles([read_article(path, row, options.encoding)])


def _read_page(path: Path, options: ReadOptions) -> SourceArticles:
    """A saved page; the text the extractor finds must hold more than layout noise."""
    entry = read_html_page(path, read_regular_file(path, ArticleError, "page"))
    if not clean_text(entry.text):
        raise ArticleError(f"{path}: {NO_PAGE_TEXT}")
    return SourceArticles([article_of(entry, options.rows.get(path.name))])


def _read_csv_corpus(path: Path, options: ReadOptions) -> SourceArticles:
    if path.name == MANIFEST_NAME:
        raise ArticleError(
            f"{path}: a manifest, not a corpus: give the folder of its articles, or "
            f"--manifest {path}"
        )
    text = decode_article(path, read_regular_file(path, ArticleError, "corpus"), options.encoding)
    read = read_csv(path, text, options.columns)
    return SourceArticles([article_of(entry) for entry in read.entries], read.warnings)


def _read_jsonl_file(path: Path, options: ReadOptions) -> SourceArticles:
    """A JSON Lines corpus, or a table written by ``articles ingest`` (read as written)."""
    text = decode_article(path, read_regular_file(path, ArticleError, "corpus"), options.encoding)
    objects = list(json_objects(path, text))
    if objects and all(name in objects[0][1] for name in TABLE_FIELDS):
        return SourceArticles(_table_articles(path, objects), as_written=True)
    read = read_json_lines(path, objects, options.columns)
    return SourceArticles([article_of(entry) for entry in read.entries], read.warnings)


def _table_articles(path: Path, objects: list[tuple[int, dict[str, Any]]]) -> list[Article]:
    articles = []
    for number, record in objects:
        try:
            articles.append(Article(**record))
        except TypeError as error:
            raise ArticleError(f"{path}: line {number}: not an article record ({error})") from None
    return articles


SOURCE_READERS = {
    ARTICLE_SUFFIX: _read_text_file,
    **dict.fromkeys(PAGE_SUFFIXES, _read_page),
    CSV_SUFFIX: _read_csv_corpus,
    JSONL_SUFFIX: _read_jsonl_file,
}


def read_source(path: Path, options: ReadOptions) -> SourceArticles:
    """The articles of one file, read by the reader of its format (its name's suffix)."""
    suffix = path.suffix.lower()
    reader = SOURCE_READERS.get(suffix)
    if reader is None:
        raise ArticleError(f"{path}: unknown format {suffix or '(no extension)'}; {FORMATS_RULE}")
    return reader(path, options)


def ingest(
    paths: Sequence[str | Path],
    manifest: str | Path | None = None,
    encoding: str = "utf-8",
    columns: Mapping[str, str] | Sequence[str] | None = None,
) -> IngestReport:
    """Read articles of every format, drop exact duplicates, group near-duplicates into
    stories. ``columns`` maps fields to the column names of CSV and JSON Lines corpora
    (``{"text": "body"}`` or ``["text=body"]``)."""
    pairs = [f"{k}={v}" for k, v in columns.items()] if isinstance(columns, Mapping) else columns
    column_map = parse_column_map(pairs or ())
    files, warnings = find_article_files(paths)
    manifest_path = _manifest_for(paths, Path(manifest) if manifest else None)
    rows = read_manifest(manifest_path) if manifest_path else {}
    _check_manifest_files(manifest_path, rows, files)
    options = ReadOptions(rows=rows, encoding=encoding, columns=column_map)
    articles: list[Article] = []
    as_written: set[int] = set()
    for path in files:
        source = read_source(path, options)
        articles.extend(source.articles)
        warnings.extend(source.warnings)
        if source.as_written:
            as_written.update(map(id, source.articles))
    kept, exact = _drop_exact_duplicates(articles)
    _check_unique_ids(kept)
    written = {index for index, article in enumerate(kept) if id(article) in as_written}
    clustered, near = assign_story_ids(kept, written=written)
    return IngestReport(
        articles=clustered, exact_duplicates=exact, near_duplicates=near, warnings=warnings
    )


def _check_manifest_files(
    manifest: Path | None, rows: dict[str, ManifestRow], files: list[Path]
) -> None:
    names = {path.name for path in files if _is_article_name(path.name)}
    missing = sorted(name for name in rows if name not in names)
    if missing:
        raise ArticleError(f"{manifest}: names {missing[0]}, which is not among the articles read")


def _drop_exact_duplicates(articles: list[Article]) -> tuple[list[Article], list[tuple[str, str]]]:
    kept: dict[str, Article] = {}
    dropped: list[tuple[str, str]] = []
    for article in articles:
        first = kept.get(article.text_sha256)
        if first is None:
            kept[article.text_sha256] = article
        else:
            dropped.append((article.file, first.file))
    return list(kept.values()), dropped


def _check_unique_ids(articles: list[Article]) -> None:
    owners: dict[str, str] = {}
    for article in articles:
        if article.article_id in owners:
            raise ArticleError(
                f"{article.file}: article id {article.article_id} is already used by "
                f"{owners[article.article_id]} (a different text)"
            )
        owners[article.article_id] = article.file


def shingles(text: str, size: int = SHINGLE_WORDS) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text.lower())
    return {tuple(words[i : i + size]) for i in range(max(len(words) - size + 1, 1))}


def candidate_pairs(
    sets: list[set[tuple[str, ...]]], max_postings: int = 50
) -> dict[tuple[int, int], int]:
    """Pairs of articles sharing at least one shingle, with the count of shared shingles.

    An inverted index keeps this near-linear; shingles shared by more than
    ``max_postings`` articles are boilerplate and do not propose pairs."""
    postings: dict[tuple[str, ...], list[int]] = {}
    for index, shingle_set in enumerate(sets):
        for shingle in shingle_set:
            postings.setdefault(shingle, []).append(index)
    shared: dict[tuple[int, int], int] = {}
    for members in postings.values():
        if 1 < len(members) <= max_postings:
            for position, i in enumerate(members):
                for j in members[position + 1 :]:
                    shared[(i, j)] = shared.get((i, j), 0) + 1
    return shared


def assign_story_ids(
    articles: list[Article],
    threshold: float = NEAR_DUPLICATE_JACCARD,
    written: Collection[int] = (),
) -> tuple[list[Article], list[tuple[str, str, float]]]:
    """Near-duplicates (word-shingle Jaccard >= threshold; see `schema.near_duplicates`)
    share the story_id of the first article of their cluster, so a story never straddles
    two dataset splits.

    The articles at the ``written`` indices (read from a table ``articles ingest`` wrote)
    keep their story ids, and a cluster holding one takes the story id of the first."""
    sets = [shingles(article.text) for article in articles]
    parent = list(range(len(articles)))

    def root(index: int) -> int:
        while parent[index] != index:
            parent[index] = parent[parent[index]]
            index = parent[index]
        return index

    pairs = []
    for (i, j), common in sorted(candidate_pairs(sets).items()):
        similarity = common / len(sets[i] | sets[j])
        if similarity >= threshold:
            pairs.append((articles[i].file, articles[j].file, round(similarity, 3)))
            first, second = sorted((root(i), root(j)))
            parent[second] = first
    stories = _story_of_clusters(articles, [root(index) for index in range(len(articles))], written)
    clustered = [
        article if index in written else replace(article, story_id=stories[root(index)])
        for index, article in enumerate(articles)
    ]
    return clustered, pairs


def _story_of_clusters(
    articles: list[Article], roots: list[int], written: Collection[int]
) -> dict[int, str]:
    """Cluster root -> story id: that of the cluster's first written article, else the
    root article's id."""
    stories: dict[int, str] = {}
    for index, root in enumerate(roots):
        if index in written and root not in stories:
            stories[root] = articles[index].story_id
    for root in roots:
        stories.setdefault(root, articles[root].article_id)
    return stories


def validate_articles(articles: list[Article]) -> None:
    """Check the article table with the pandera ``Articles`` model."""
    import pandas as pd
    import pandera.errors

    from stancepack.schema.tables import Articles

    frame = pd.DataFrame([article.to_record() for article in articles], columns=ARTICLE_FIELDS)
    try:
        Articles.validate(frame, lazy=True)
    except pandera.errors.SchemaErrors as errors:
        first = errors.failure_cases.iloc[0]
        row = frame.iloc[int(first["index"])] if first["index"] is not None else None
        where = f"{row['file']}: " if row is not None else ""
        raise ArticleError(
            f"{where}{first['column']}: {first['failure_case']!r} fails {first['check']}"
        ) from None


def write_records(stream: BinaryIO, articles: Iterable[Article]) -> None:
    """Write articles to a binary stream as UTF-8 JSON Lines, keys in a fixed order."""
    for article in articles:
        stream.write(json.dumps(article.to_record(), ensure_ascii=False).encode("utf-8"))
        stream.write(b"\n")


def write_jsonl(path: str | Path, articles: list[Article]) -> Path:
    """Write articles as JSON Lines, atomically (an existing file is replaced)."""
    from stancepack.ground.atomic import atomic_file

    with atomic_file(path, force=True) as stream:
        write_records(stream, articles)
    return Path(path)


def read_jsonl(path: str | Path) -> list[Article]:
    """Read articles written by ``write_jsonl``."""
    articles = []
    with Path(path).open(encoding="utf-8") as handle:
        for line_number, line in enumerate(handle, start=1):
            try:
                articles.append(Article(**json.loads(line)))
            except (ValueError, TypeError) as error:
                raise ArticleError(
                    f"{path}: line {line_number}: not an article record ({error})"
                ) from None
    return articles
