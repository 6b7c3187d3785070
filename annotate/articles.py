"""Article ingestion: plain-text news articles to clean, identified records.

The text an annotator sees is fixed here, once: layout noise removed, newlines normalised,
Unicode NFC, control characters removed. Every offset in every later annotation counts
characters of this text, so it is hashed (``text_sha256``) and the article id derives from
that hash.

Control characters: a NUL byte marks a file as binary and refuses it; the other line
breaks Python knows (vertical tab, form feed, NEL, the Unicode line and paragraph
separators, ...) become newlines; every other C0 control but the tab, DEL and every C1
control are removed from the text, so titles never carry them. Manifest values are typed
by people and must not hold control characters at all: they are refused.

In a folder, every ``.txt`` entry that is (or links to) a regular file is an article, and
one that cannot be read stops the ingestion with an error naming it, as does a broken
symbolic link named like an article. Entries that cannot be articles are skipped with a
warning in the report: ``.txt`` FIFOs, sockets and devices, symbolic links to folders
(not followed) and sub-folders that cannot be listed. A folder named like an article is
a sub-folder like any other.
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
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import BinaryIO

from stancepack.errors import ArticleError
from stancepack.filereader import kind_of, read_regular_file
from stancepack.terminal import CONTROL_CHARACTERS

MANIFEST_NAME = "manifest.csv"
MANIFEST_COLUMNS = ("file", "source", "url", "published", "language")
OPTIONAL_MANIFEST_COLUMNS = ("article_id",)
ARTICLE_SUFFIX = ".txt"
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

SHINGLE_WORDS = 5
NEAR_DUPLICATE_JACCARD = 0.5


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
    """The .txt files named, and those inside named folders (sorted, each once), with a
    warning for every entry of those folders that was skipped."""
    files: list[Path] = []
    warnings: list[str] = []
    for path in map(Path, paths):
        if path.is_dir():
            found = _articles_in_folder(path, warnings)
            if not found:
                raise ArticleError(f"{path}: folder has no {ARTICLE_SUFFIX} articles")
            files.extend(found)
        elif os.path.lexists(path):
            files.append(path)  # read_article says why it cannot be read, if it cannot
        else:
            raise ArticleError(f"{path}: no such file or folder")
    return list(dict.fromkeys(files)), warnings


def _articles_in_folder(folder: Path, warnings: list[str]) -> list[Path]:
    """The articles anywhere under ``folder``, sorted; symbolic links to folders are not
    followed."""
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
        for entry in entries:
            path = Path(entry.path)
            if entry.is_dir(follow_symlinks=False):
                pending.append(path)
            elif _is_article_entry(path, warnings):
                found.append(path)
    return sorted(found)


def _is_article_entry(path: Path, warnings: list[str]) -> bool:
    """Whether a folder entry (not itself a folder) is read as an article. Entries that
    cannot be articles are skipped, with a warning when they might have been meant as one."""
    try:
        mode = path.stat().st_mode
    except OSError:  # a broken link: an article if named like one, and reading it fails
        return path.name.endswith(ARTICLE_SUFFIX)
    if stat.S_ISDIR(mode):
        warnings.append(f"{path}: symbolic link to a folder, not followed; skipped")
        return False
    if not path.name.endswith(ARTICLE_SUFFIX):
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


def read_article(path: Path, row: ManifestRow, encoding: str = "utf-8") -> Article:
    data = read_regular_file(path, ArticleError, "article")
    text = clean_text(decode_article(path, data, encoding))
    if not text:
        raise ArticleError(f"{path}: no article text left after removing layout noise")
    article_id = row.article_id or article_id_of(text)
    return Article(
        article_id=article_id,
        story_id=article_id,
        file=path.name,
        source=row.source,
        url=row.url,
        published=row.published,
        language=row.language,
        title=title_of(text),
        text=text,
        raw_sha256=sha256_hex(data),
        text_sha256=sha256_hex(text.encode("utf-8")),
    )


def ingest(
    paths: Sequence[str | Path], manifest: str | Path | None = None, encoding: str = "utf-8"
) -> IngestReport:
    """Read articles, drop exact duplicates, group near-duplicates into stories."""
    files, warnings = find_article_files(paths)
    manifest_path = _manifest_for(paths, Path(manifest) if manifest else None)
    rows = read_manifest(manifest_path) if manifest_path else {}
    _check_manifest_files(manifest_path, rows, files)
    articles = [read_article(path, rows.get(path.name, ManifestRow()), encoding) for path in files]
    kept, exact = _drop_exact_duplicates(articles)
    _check_unique_ids(kept)
    clustered, near = assign_story_ids(kept)
    return IngestReport(
        articles=clustered, exact_duplicates=exact, near_duplicates=near, warnings=warnings
    )


def _check_manifest_files(
    manifest: Path | None, rows: dict[str, ManifestRow], files: list[Path]
) -> None:
    names = {path.name for path in files}
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
    articles: list[Article], threshold: float = NEAR_DUPLICATE_JACCARD
) -> tuple[list[Article], list[tuple[str, str, float]]]:
    """Near-duplicates (word-shingle Jaccard >= threshold) share the story_id of the
    first article of their cluster, so a story never straddles two dataset splits."""
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
    clustered = [
        replace(article, story_id=articles[root(index)].article_id)
        for index, article in enumerate(articles)
    ]
    return clustered, pairs


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
    from stancepack.atomic import atomic_file

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
