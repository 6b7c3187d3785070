import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from stancepack.annotate.articles import clean_text, ingest, read_jsonl
from stancepack.cli import cli
from stancepack.ground.errors import ArticleError
from tests.helpers import SEED_ARTICLES
from tests.permissions import needs_enforced_permissions

SEED_TITLES = {
    "ABC News": "France again floats idea of sending non-combat troops to Ukraine",
    "RT": "France proposed sending troops to Ukraine, but NATO refused – Politico",
    "The New Voice of Ukraine": (
        "France builds alliance of countries open to possible Western troop deployment in Ukraine"
    ),
    "TROIB News (from RT)": "France might still deploy troops to Ukraine, says minister",
    "AFP (via an aggregator)": (
        "European, U.S. allies taken aback by Macron's comments on troops in Ukraine"
    ),
}


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_seeds_ingest_to_five_articles_with_titles_and_sources():
    articles = ingest([SEED_ARTICLES]).articles
    assert {article.source: article.title for article in articles} == SEED_TITLES
    assert [article.published for article in articles] == ["", "2024-03-04", "", "", ""]
    assert {article.language for article in articles} == {"en"}
    assert all(article.story_id == article.article_id for article in articles)


def test_ids_are_stable_across_runs_and_copies(tmp_path):
    first = [article.article_id for article in ingest([SEED_ARTICLES]).articles]
    copy = tmp_path / "copy"
    shutil.copytree(SEED_ARTICLES, copy)
    second = [article.article_id for article in ingest([copy]).articles]
    assert first == second
    assert len(set(first)) == 5
    assert all(len(article_id) == 16 for article_id in first)


def test_layout_noise_is_removed_and_article_text_kept():
    texts = {article.source: article.text for article in ingest([SEED_ARTICLES]).articles}
    everything = "\n".join(texts.values())
    for noise in (
        "ARTICLE AD BOX",
        "Read Entire Article",
        "Read Full Article at",
        "one-time donation",
        "Read the original article on",
        "8 months ago 5",
    ):
        assert noise not in everything
    assert texts["TROIB News (from RT)"].split("\n")[2] == (
        "President Emmanuel Macron has suggested that the West should consider the possibility "
        "of deploying troops to support Kiev."
    )
    assert texts["AFP (via an aggregator)"].endswith(
        'not out of defiance, pessimism or fear but because it depends on us," said Macron.'
    )
    assert "\u00a0" not in everything and "\r" not in everything


def test_clean_text_normalises_newlines_bom_and_unicode():
    raw = "\ufeffTitle\r\nCafe\u0301 line\rARTICLE AD BOX\n\n\n\nEnd\u00a0word  \n"
    assert clean_text(raw) == "Title\nCafé line\n\nEnd word"


def test_ingest_command_writes_jsonl(tmp_path):
    output = tmp_path / "articles.jsonl"
    result = run("articles", "ingest", str(SEED_ARTICLES), "-o", str(output))
    assert result.exit_code == 0, result.output
    assert result.stdout == f"wrote 5 articles to {output}\n"
    records = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert [record["file"] for record in records] == sorted(
        p.name for p in SEED_ARTICLES.glob("*.txt")
    )
    assert list(records[0]) == [
        "article_id",
        "story_id",
        "file",
        "source",
        "url",
        "published",
        "language",
        "title",
        "text",
        "raw_sha256",
        "text_sha256",
    ]
    assert read_jsonl(output) == ingest([SEED_ARTICLES]).articles


def test_list_command_table_and_json():
    table = run("articles", "list", str(SEED_ARTICLES))
    assert table.exit_code == 0
    lines = table.stdout.splitlines()
    assert lines[0].split() == ["article_id", "source", "published", "chars", "title"]
    assert len(lines) == 6
    assert "2024-03-04" in lines[2]
    listed = json.loads(run("articles", "list", str(SEED_ARTICLES), "--format", "json").stdout)
    assert [row["source"] for row in listed] == list(SEED_TITLES)
    assert set(listed[0]) == {"article_id", "source", "published", "title", "characters"}


def _folder(tmp_path: Path, files: dict[str, bytes]) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return folder


ARTICLE = b"A title\nFrance said troops could go.\n"


def _fails(tmp_path, args, message):
    output = tmp_path / "out.jsonl"
    result = run("articles", "ingest", *args, "-o", str(output))
    assert result.exit_code == 1
    assert result.stderr == f"Error: {message}\n"
    assert not output.exists()
    assert list(tmp_path.glob(".out.jsonl*")) == []


def test_not_utf8_is_named_and_encoding_overrides(tmp_path):
    folder = _folder(tmp_path, {"a.txt": "Titre\nLe ministre a déclaré.\n".encode("latin-1")})
    _fails(
        tmp_path,
        [str(folder)],
        f"{folder / 'a.txt'}: not utf-8 text (line 2: byte 0xe9 at offset 21); "
        "pass --encoding to read it in its real encoding",
    )
    output = tmp_path / "ok.jsonl"
    ok = run("articles", "ingest", str(folder), "--encoding", "latin-1", "-o", str(output))
    assert ok.exit_code == 0
    assert "déclaré" in read_jsonl(output)[0].text


def test_empty_file(tmp_path):
    folder = _folder(tmp_path, {"a.txt": ARTICLE, "b.txt": b" \n\n"})
    _fails(tmp_path, [str(folder)], f"{folder / 'b.txt'}: empty file")


def test_binary_file(tmp_path):
    folder = _folder(tmp_path, {"a.txt": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"})
    _fails(
        tmp_path,
        [str(folder)],
        f"{folder / 'a.txt'}: binary file (contains NUL bytes), not a text article",
    )


def test_folder_without_articles(tmp_path):
    folder = _folder(tmp_path, {"notes.md": b"# not an article"})
    _fails(
        tmp_path, [str(folder)], f"{folder}: folder has no .txt articles or saved .html/.htm pages"
    )


def test_manifest_naming_a_missing_file(tmp_path):
    folder = _folder(tmp_path, {"a.txt": ARTICLE})
    manifest = tmp_path / "manifest.csv"
    manifest.write_text("file,source,url,published,language\nb.txt,AFP,,,en\n", encoding="utf-8")
    _fails(
        tmp_path,
        [str(folder), "--manifest", str(manifest)],
        f"{manifest}: names b.txt, which is not among the articles read",
    )


def test_manifest_with_an_unknown_column(tmp_path):
    folder = _folder(tmp_path, {"a.txt": ARTICLE})
    manifest = tmp_path / "manifest.csv"
    manifest.write_text("file,source,author\na.txt,AFP,Jane\n", encoding="utf-8")
    _fails(
        tmp_path,
        [str(folder), "--manifest", str(manifest)],
        f"{manifest}: unknown column 'author' "
        "(known: file, source, url, published, language, article_id)",
    )


def test_two_files_with_the_same_id(tmp_path):
    folder = _folder(tmp_path, {"a.txt": ARTICLE, "b.txt": b"Other title\nOther text.\n"})
    manifest = folder / "manifest.csv"
    manifest.write_text(
        "file,source,article_id\na.txt,AFP,afp-1\nb.txt,AFP,afp-1\n", encoding="utf-8"
    )
    _fails(
        tmp_path,
        [str(folder)],
        "b.txt: article id afp-1 is already used by a.txt (a different text)",
    )


def test_manifest_in_the_folder_is_used_by_default(tmp_path):
    folder = _folder(tmp_path, {"a.txt": ARTICLE})
    (folder / "manifest.csv").write_text(
        "file,source,url,published,language\na.txt,AFP,https://example.org/a,2024-02-27,en\n",
        encoding="utf-8",
    )
    article = ingest([folder]).articles[0]
    assert (article.source, article.url, article.published) == (
        "AFP",
        "https://example.org/a",
        "2024-02-27",
    )


def test_bad_published_date_is_refused_by_the_articles_model(tmp_path):
    folder = _folder(tmp_path, {"a.txt": ARTICLE})
    (folder / "manifest.csv").write_text("file,published\na.txt,27/02/2024\n", encoding="utf-8")
    _fails(
        tmp_path,
        [str(folder)],
        "a.txt: published: '27/02/2024' fails str_matches('^(\\d{4}-\\d{2}-\\d{2})?$')",
    )


def test_exact_duplicates_are_reported_and_kept_once(tmp_path):
    folder = _folder(tmp_path, {"a.txt": ARTICLE, "b.txt": ARTICLE.replace(b"\n", b"\r\n")})
    output = tmp_path / "out.jsonl"
    result = run("articles", "ingest", str(folder), "-o", str(output))
    assert result.exit_code == 0
    assert result.stderr == "duplicate: b.txt has the same text as a.txt; kept once\n"
    assert [article.file for article in read_jsonl(output)] == ["a.txt"]


WIRE = (
    "Macron refuses to rule out troops\n"
    "French President Emmanuel Macron said on Monday that sending Western ground troops to "
    "Ukraine could not be ruled out, after a conference of European leaders in Paris. "
    "German Chancellor Olaf Scholz said there would be no ground troops from European "
    "countries or NATO. Kremlin spokesman Dmitry Peskov warned of the inevitability of "
    "confrontation between NATO and Russia if troops from the alliance were deployed.\n"
)


def test_near_duplicates_share_a_story_id(tmp_path):
    rewritten = WIRE.replace("on Monday", "late on Monday").replace("Paris.", "Paris, AFP said.")
    other = "Unrelated\nThe weather in Kyiv was cold and the markets were open all week long.\n"
    folder = _folder(
        tmp_path, {"a.txt": WIRE.encode(), "b.txt": rewritten.encode(), "c.txt": other.encode()}
    )
    output = tmp_path / "out.jsonl"
    result = run("articles", "ingest", str(folder), "-o", str(output))
    assert result.exit_code == 0
    assert result.stderr.startswith("near-duplicate: a.txt ~ b.txt (jaccard 0.")
    a, b, c = read_jsonl(output)
    assert a.article_id != b.article_id
    assert a.story_id == b.story_id == a.article_id
    assert c.story_id == c.article_id


@pytest.mark.parametrize("args", [["articles", "ingest", "missing-folder", "-o", "x.jsonl"]])
def test_missing_path_is_a_usage_error(args):
    result = run(*args)
    assert result.exit_code == 2
    assert "does not exist" in result.stderr


def test_manifest_csv_that_is_a_folder(tmp_path):
    folder = _folder(tmp_path, {"a.txt": ARTICLE})
    (folder / "manifest.csv").mkdir()
    _fails(tmp_path, [str(folder)], f"{folder / 'manifest.csv'}: not a regular file (a folder)")


def test_manifest_option_naming_a_folder(tmp_path):
    folder = _folder(tmp_path, {"a.txt": ARTICLE})
    _fails(
        tmp_path,
        [str(folder), "--manifest", str(folder)],
        f"{folder}: not a regular file (a folder)",
    )


def test_manifest_csv_that_is_a_broken_link_is_reported_not_ignored(tmp_path):
    folder = _folder(tmp_path, {"a.txt": ARTICLE})
    (folder / "manifest.csv").symlink_to(tmp_path / "moved.csv")
    _fails(
        tmp_path,
        [str(folder)],
        f"{folder / 'manifest.csv'}: broken symbolic link (its target does not exist)",
    )


def test_article_that_is_a_broken_link(tmp_path):
    folder = _folder(tmp_path, {"a.txt": ARTICLE})
    (folder / "b.txt").symlink_to(tmp_path / "moved.txt")
    _fails(
        tmp_path,
        [str(folder)],
        f"{folder / 'b.txt'}: broken symbolic link (its target does not exist)",
    )


def test_article_named_on_the_command_line_that_is_a_fifo(tmp_path):
    fifo = tmp_path / "a.txt"
    os.mkfifo(fifo)
    _fails(tmp_path, [str(fifo)], f"{fifo}: not a regular file (a FIFO)")


@needs_enforced_permissions
def test_article_and_manifest_without_read_permission(tmp_path):
    folder = _folder(tmp_path, {"a.txt": ARTICLE, "b.txt": b"Other title\nOther text.\n"})
    (folder / "b.txt").chmod(0)
    _fails(tmp_path, [str(folder)], f"{folder / 'b.txt'}: cannot be read (Permission denied)")
    (folder / "b.txt").chmod(0o644)
    manifest = folder / "manifest.csv"
    manifest.write_text("file,source\na.txt,AFP\n", encoding="utf-8")
    manifest.chmod(0)
    _fails(tmp_path, [str(folder)], f"{manifest}: cannot be read (Permission denied)")


@needs_enforced_permissions
def test_folder_without_read_permission(tmp_path):
    folder = _folder(tmp_path, {"a.txt": ARTICLE})
    folder.chmod(0)
    try:
        with pytest.raises(ArticleError) as caught:
            ingest([folder])  # the command line refuses it earlier, as a usage error
    finally:
        folder.chmod(0o755)
    assert str(caught.value) == f"{folder}: cannot be read (Permission denied)"


@needs_enforced_permissions
def test_sub_folder_without_read_permission_is_a_warning(tmp_path):
    folder = _folder(tmp_path, {"a.txt": ARTICLE})
    (folder / "locked").mkdir()
    (folder / "locked" / "b.txt").write_bytes(b"Other title\nOther text.\n")
    (folder / "locked").chmod(0)
    try:
        result = run("articles", "list", str(folder))
    finally:
        (folder / "locked").chmod(0o755)
    assert result.exit_code == 0
    assert result.stderr == (
        f"warning: {folder / 'locked'}: folder cannot be read (Permission denied); skipped\n"
    )
    assert len(result.stdout.splitlines()) == 2


def _manifest_fails(tmp_path, text: str, message: str) -> None:
    folder = _folder(tmp_path, {"a.txt": ARTICLE})
    manifest = folder / "manifest.csv"
    manifest.write_text(text, encoding="utf-8")
    _fails(tmp_path, [str(folder)], f"{manifest}: {message}")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "file,source\n../../etc/passwd,AFP\n",
            "line 2: file '../../etc/passwd' must be a file name, not a path",
        ),
        (
            "file,source\nsub\\a.txt,AFP\n",
            "line 2: file 'sub\\\\a.txt' must be a file name, not a path",
        ),
        ("file,source,source\na.txt,AFP,Reuters\n", "column 'source' appears twice"),
        ("source,file,file\nAFP,a.txt,a.txt\n", "column 'file' appears twice"),
        ("file,source\n\na.txt,AFP,extra\n", "line 3: 3 values for 2 columns"),
        ("file,source\na.txt,AFP\x1b[2J\n", "line 2: source contains the control character U+001B"),
        ("file,source\na.txt,A\x00FP\n", "line 2: source contains the control character U+0000"),
        (
            "file,url\na.txt,https://x.\x85org/\n",
            "line 2: url contains the control character U+0085",
        ),
        (
            "file,source\na.txt," + "x" * 200_000 + "\n",
            "line 2: not valid CSV (field larger than field limit (131072))",
        ),
    ],
)
def test_manifest_values_that_are_refused(tmp_path, text, message):
    _manifest_fails(tmp_path, text, message)


def test_manifest_article_id_must_be_a_safe_name(tmp_path):
    _manifest_fails(
        tmp_path,
        "file,source,article_id\na.txt,AFP,../../etc/passwd\n",
        "line 2: article_id '../../etc/passwd' must be letters, digits, '.', '_' and '-', "
        "starting with a letter or digit (at most 128 characters)",
    )
    (tmp_path / "in" / "manifest.csv").write_text(
        "file,article_id\na.txt,AFP_2024-02.27\n", "utf-8"
    )
    assert ingest([tmp_path / "in"]).articles[0].article_id == "AFP_2024-02.27"


def test_control_characters_are_removed_from_texts_and_titles():
    raw = "Ti\x1b[2Jtle\x07 \x7fone\x9b\nBody\x85more\x0cend\u2028x\x0bz\ttab\x00\n"
    assert clean_text(raw) == "Ti[2Jtle one\nBody\nmore\nend\nx\nz\ttab"


def test_list_prints_no_terminal_control_characters(tmp_path):
    folder = _folder(
        tmp_path,
        {"a.txt": "Bad \x1b]0;owned\x07title \u009b31m\nText.\n".encode(), "b\x1b[2J.txt": ARTICLE},
    )
    for fmt in ("table", "json"):
        result = run("articles", "list", str(folder), "--format", fmt)
        assert result.exit_code == 0
        assert not re.search(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]", result.stdout)
    titles = [row["title"] for row in json.loads(result.stdout)]
    assert titles == ["Bad ]0;ownedtitle 31m", "A title"]


def test_file_names_with_control_characters_are_printed_escaped(tmp_path):
    folder = _folder(tmp_path, {"a.txt": ARTICLE, "b\x1b[2J.txt": ARTICLE})
    os.mkfifo(folder / "c\x1b]0;x\x07.txt")
    output = tmp_path / "out.jsonl"
    result = run("articles", "ingest", str(folder), "-o", str(output))
    assert result.exit_code == 0
    assert result.stderr.splitlines() == [
        f"warning: {folder}/c\\x1b]0;x\\x07.txt: not a regular file (a FIFO); skipped",
        "duplicate: b\\x1b[2J.txt has the same text as a.txt; kept once",
    ]


def test_fifos_and_linked_folders_in_a_folder_are_skipped_with_a_warning(tmp_path):
    folder = _folder(tmp_path, {"a.txt": ARTICLE})
    os.mkfifo(folder / "b.txt")
    os.mkfifo(folder / "notes.md")  # not named like an article: not looked at
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "c.txt").write_bytes(b"Other title\nOther text.\n")
    (folder / "more").symlink_to(elsewhere)
    (folder / "d.txt").mkdir()  # a folder named like an article is read as a folder
    (folder / "d.txt" / "e.txt").write_bytes(b"Third title\nThird text.\n")
    output = tmp_path / "out.jsonl"
    command = [str(Path(sys.executable).with_name("stancepack")), "articles", "ingest"]
    result = subprocess.run(
        [*command, str(folder), "-o", str(output)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == [
        f"warning: {folder / 'b.txt'}: not a regular file (a FIFO); skipped",
        f"warning: {folder / 'more'}: symbolic link to a folder, not followed; skipped",
    ]
    assert [article.file for article in read_jsonl(output)] == ["a.txt", "e.txt"]


def test_an_existing_output_is_replaced_only_with_force(tmp_path):
    folder = _folder(tmp_path, {"a.txt": ARTICLE})
    output = tmp_path / "out.jsonl"
    output.write_bytes(b"earlier\n")
    (folder / "b.txt").write_bytes(b"")  # the output is refused before any article is read
    refused = run("articles", "ingest", str(folder), "-o", str(output))
    assert (refused.exit_code, refused.stdout) == (1, "")
    assert refused.stderr == f"Error: {output}: exists (pass --force to replace it)\n"
    assert output.read_bytes() == b"earlier\n"
    (folder / "b.txt").unlink()
    replaced = run("articles", "ingest", str(folder), "-o", str(output), "--force")
    assert replaced.exit_code == 0
    assert [article.file for article in read_jsonl(output)] == ["a.txt"]


@pytest.mark.parametrize(
    ("output_of", "message"),
    [
        (
            lambda folder, manifest: folder / "a.txt",
            "{output}: the output is the articles {folder}/a.txt",
        ),
        (
            lambda folder, manifest: folder / "out.jsonl",
            "{output}: the output lies inside the articles {folder}",
        ),
        (lambda folder, manifest: manifest, "{output}: the output is the manifest {manifest}"),
    ],
)
def test_an_input_is_never_the_output_even_with_force(tmp_path, output_of, message):
    folder = _folder(tmp_path, {"a.txt": ARTICLE})
    manifest = tmp_path / "manifest.csv"
    manifest.write_text("file,source\na.txt,AFP\n", encoding="utf-8")
    output = output_of(folder, manifest)
    inputs = [str(folder / "a.txt") if output.name == "a.txt" else str(folder)]
    before = {path: path.read_bytes() for path in tmp_path.rglob("*") if path.is_file()}
    result = run(
        "articles", "ingest", *inputs, "--manifest", str(manifest), "-o", str(output), "--force"
    )
    assert result.exit_code == 1
    suffix = "; choose an output outside the inputs"
    expected = message.format(output=output, folder=folder, manifest=manifest)
    assert result.stderr == f"Error: {expected}{suffix}\n"
    assert {path: path.read_bytes() for path in tmp_path.rglob("*") if path.is_file()} == before
