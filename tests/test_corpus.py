"""Corpora in every format: CSV, JSON Lines and saved HTML pages, read like .txt articles."""

import hashlib
import json

import pytest
from click.testing import CliRunner

from stancepack.annotate.articles import (
    article_id_of,
    clean_text,
    ingest,
    read_jsonl,
    write_jsonl,
)
from stancepack.annotate.corpus import iso_date
from stancepack.cli import cli
from stancepack.ground.errors import ArticleError
from tests.helpers import SEED_ARTICLES

BODY = (
    "Le ministre said on Monday that troops could go to Ukraine.\r\n"
    "Berlin rejected\u00a0the idea within hours.\n"
)
WIRE = (
    "The French president said on Monday that sending Western troops to Ukraine could not "
    "be ruled out, a remark that drew swift denials from several allied capitals across "
    "Europe and a call for calm from the alliance."
)
WIRE_COPY = WIRE.replace("a call for calm", "an appeal for calm")

PAGE = """<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<title>Ministers split over troops for Ukraine | The Daily Example</title>
<meta property="og:site_name" content="The Daily Example">
<meta property="og:title" content="Ministers split over troops for Ukraine">
<meta property="article:published_time" content="2024-03-05T23:30:00-05:00">
<link rel="canonical" href="https://news.example.org/world/ministers-split">
</head>
<body>
<header><nav><ul>
<li><a href="/">Home</a></li><li><a href="/world">World</a></li>
<li><a href="/subscribe">Subscribe now and save half</a></li>
</ul></nav></header>
<div class="ad-box" id="ad-top">Buy the Example Phone today, only 99 euros</div>
<main><article>
<h1>Ministers split over troops for Ukraine</h1>
<p class="byline">By Jane Reporter</p>
<p>The French president said on Monday that sending Western troops to Ukraine could not
be ruled out, a remark that drew swift denials from several allied capitals.</p>
<p>German Chancellor Olaf Scholz rejected the idea within hours, telling reporters in
Berlin that no soldiers would be sent by European states or NATO members.</p>
<p>Poland's foreign minister said his government was open to discussing training
missions, while Czech officials proposed buying artillery shells instead.</p>
<p>Analysts in Brussels warned that the public disagreement risked undermining the
alliance's message of unity ahead of the summit in Washington.</p>
</article></main>
<aside class="related"><h2>Most read</h2><ul>
<li><a href="/a">Celebrity chef opens a new restaurant</a></li>
<li><a href="/b">Ten tips for a better garden</a></li>
</ul></aside>
<section id="comments" class="comments"><h2>Comments</h2>
<div class="comment"><p>Reader123: This is outrageous, nobody listens to anyone!</p></div>
<div class="comment"><p>PeaceLover: We need diplomacy, write to your MP today.</p></div>
</section>
<footer><p>Copyright 2019 The Daily Example. All rights reserved.</p>
<a href="/privacy">Privacy policy</a></footer>
</body>
</html>
"""
PAGE_NOISE = (
    "Home",
    "Subscribe",
    "Example Phone",
    "Jane Reporter",
    "Celebrity chef",
    "Reader123",
    "diplomacy",
    "All rights reserved",
    "Privacy",
)
NO_ARTICLE_PAGE = """<html><head><title>Home | Site</title>
<meta property="og:site_name" content="Site"></head><body>
<header><nav><a href="/">Home</a> <a href="/world">World</a> <a href="/about">About</a></nav>
</header><div class="ad">ADVERTISEMENT</div>
<section class="comments"><div class="comment">First!</div></section>
<footer>Copyright 2024 Site</footer></body></html>
"""
DATE_RULE = "YYYY-MM-DD, an ISO 8601 date and time, an RFC 2822 date or '5 March 2024'"


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def _ingest(tmp_path, *args: str) -> tuple[list, str]:
    output = tmp_path / "out.jsonl"
    result = run("articles", "ingest", *args, "-o", str(output), "--force")
    assert result.exit_code == 0, result.output
    return read_jsonl(output), result.stderr


def _fails(tmp_path, args, message, code=1):
    output = tmp_path / "out.jsonl"
    result = run("articles", "ingest", *map(str, args), "-o", str(output))
    assert (result.exit_code, result.stderr.splitlines()[-1]) == (code, message)
    assert not output.exists()
    assert list(tmp_path.glob(".out.jsonl*")) == []


def _write(path, text: str):
    path.write_text(text, encoding="utf-8", newline="")
    return path


def _jsonl(path, *records):
    return _write(path, "".join(json.dumps(record) + "\n" for record in records))


# --- CSV and JSON Lines ---------------------------------------------------------------------


def test_csv_corpus_gives_every_field_and_the_normalised_text(tmp_path):
    corpus = _write(
        tmp_path / "corpus.csv",
        "text,title,url,published,source,language\r\n"
        f'"{BODY}",  Troops? ,https://example.org/a,2024-03-05T23:30:00-05:00,RT,fr\r\n',
    )
    [article], _ = _ingest(tmp_path, str(corpus))
    text = clean_text(BODY)
    assert text == "Le ministre said on Monday that troops could go to Ukraine.\n" + (
        "Berlin rejected the idea within hours."
    )
    assert (article.article_id, article.story_id, article.text) == (article_id_of(text),) * 2 + (
        text,
    )
    assert article.to_record() | {"article_id": "", "story_id": "", "text_sha256": ""} == {
        "article_id": "",
        "story_id": "",
        "file": "corpus.csv:2",
        "source": "RT",
        "url": "https://example.org/a",
        "published": "2024-03-05",
        "language": "fr",
        "title": "Troops?",
        "text": text,
        "raw_sha256": hashlib.sha256(BODY.encode()).hexdigest(),
        "text_sha256": "",
    }


def test_jsonl_corpus_with_mapped_columns_and_one_warning_for_unknown_ones(tmp_path):
    corpus = _jsonl(
        tmp_path / "feed.jsonl",
        {"body": BODY, "headline": "Troops", "author": "A", "published": "5 March 2024"},
        {"body": WIRE, "headline": None, "author": "B", "tags": ["x"]},
    )
    first, second = ingest([corpus], columns=["text=body", "title=headline"]).articles
    assert (first.title, first.published, first.file) == ("Troops", "2024-03-05", "feed.jsonl:1")
    assert (second.title, second.published, second.file) == (WIRE, "", "feed.jsonl:2")
    result = run(
        "articles", "list", str(corpus), "--column", "text=body", "--column", "title=headline"
    )
    assert result.exit_code == 0
    assert result.stderr == (
        f"warning: {corpus}: fields left out, not article fields: 'author', 'tags' "
        "(read one as a field with --column FIELD=NAME)\n"
    )


def test_a_csv_cell_may_hold_an_article_longer_than_the_csv_modules_limit(tmp_path):
    long_text = " ".join(f"word{index}" for index in range(40_000))
    corpus = _write(tmp_path / "long.csv", f"text\n{long_text}\n")
    [article] = ingest([corpus]).articles
    assert len(article.text) == len(long_text) > 131_072


def test_a_column_named_like_a_field_but_mapped_away_is_left_out(tmp_path):
    corpus = _write(tmp_path / "c.csv", "text,body\nignored,The real text.\n")
    [article], stderr = _ingest(tmp_path, str(corpus), "--column", "text=body")
    assert article.text == "The real text."
    assert "columns left out, not article fields: 'text'" in stderr


def test_every_format_gives_the_same_ids_duplicates_and_stories(tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    _write(folder / "a.txt", WIRE)
    corpus = _write(tmp_path / "corpus.csv", f'text\n"{WIRE}"\n"{WIRE_COPY}"\n')
    feed = _jsonl(tmp_path / "feed.jsonl", {"text": WIRE.replace(" and ", "\u00a0and ")})
    articles, stderr = _ingest(tmp_path, str(folder), str(corpus), str(feed))
    assert [article.file for article in articles] == ["a.txt", "corpus.csv:3"]
    assert articles[0].article_id == article_id_of(clean_text(WIRE))
    assert articles[1].story_id == articles[0].article_id
    assert "duplicate: corpus.csv:2 has the same text as a.txt; kept once" in stderr
    assert "duplicate: feed.jsonl:1 has the same text as a.txt; kept once" in stderr
    assert "near-duplicate: a.txt ~ corpus.csv:3" in stderr


def test_a_table_written_by_ingest_is_read_as_written(tmp_path):
    table = tmp_path / "seeds.jsonl"
    write_jsonl(table, ingest([SEED_ARTICLES]).articles)
    assert ingest([table]).articles == read_jsonl(table)


def test_a_table_keeps_its_ids_and_a_new_near_duplicate_joins_its_story(tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    _write(folder / "a.txt", WIRE)
    _write(folder / "manifest.csv", "file,article_id\na.txt,wire-1\n")
    table = tmp_path / "table.jsonl"
    write_jsonl(table, ingest([folder]).articles)
    corpus = _write(tmp_path / "corpus.csv", f'text\n"{WIRE_COPY}"\n')
    copy, written = ingest([corpus, table]).articles
    assert written == read_jsonl(table)[0]
    assert (written.article_id, written.story_id) == ("wire-1", "wire-1")
    assert copy.story_id == "wire-1"


# --- saved pages ----------------------------------------------------------------------------


def test_a_saved_page_gives_its_article_and_metadata_without_the_layout(tmp_path):
    page = _write(tmp_path / "ministers.html", PAGE)
    [article], stderr = _ingest(tmp_path, str(page))
    assert stderr == ""
    assert article.title == "Ministers split over troops for Ukraine"
    assert (article.source, article.published, article.url, article.language) == (
        "The Daily Example",
        "2024-03-05",
        "https://news.example.org/world/ministers-split",
        "en-GB",
    )
    for sentence in ("could not be ruled out", "Olaf Scholz", "training", "in Washington."):
        assert sentence in article.text
    assert [noise for noise in PAGE_NOISE if noise in article.text] == []
    assert article.article_id == article_id_of(article.text)
    assert article.file == "ministers.html"


def test_a_folder_of_saved_pages_skips_their_asset_folders_and_takes_the_manifest(tmp_path):
    folder = tmp_path / "pages"
    (folder / "ministers_files").mkdir(parents=True)
    _write(folder / "ministers.htm", PAGE)
    _write(folder / "ministers_files" / "ad-frame.html", NO_ARTICLE_PAGE)
    _write(folder / "manifest.csv", "file,source\nministers.htm,Example (print edition)\n")
    [article], _ = _ingest(tmp_path, str(folder))
    assert (article.file, article.source) == ("ministers.htm", "Example (print edition)")
    assert article.published == "2024-03-05"


def test_a_page_without_a_date_has_none_not_its_copyright_year(tmp_path):
    page = PAGE.replace(
        '<meta property="article:published_time" content="2024-03-05T23:30:00-05:00">', ""
    )
    [article], _ = _ingest(tmp_path, str(_write(tmp_path / "p.html", page)))
    assert (article.source, article.published) == ("The Daily Example", "")


# --- bad inputs -----------------------------------------------------------------------------

CSV_ERRORS = [
    (
        "body,title\nSome text,T\n",
        "no 'text' column (columns: body, title; name the text column with --column text=NAME)",
    ),
    ("text,title\nSome text,T\n,Empty\n", "line 3: empty text"),
    ("text,title\nSome text,T\n  ,Blank\n", "line 3: empty text"),
    (
        'text,title\nSome text,T\n"An unclosed quote,T\nMore,T\n',
        "line 3: not valid CSV (unexpected end of data)",
    ),
    ('text,title\n"Quoted" then more,T\n', "line 2: not valid CSV (',' expected after '\"')"),
    ("text,title\nSome text,T,extra\n", "line 2: 3 values for 2 columns"),
    (
        "text,published\nSome text,next Tuesday\n",
        f"line 2: published 'next Tuesday' is not a date (give {DATE_RULE})",
    ),
    (
        "text,published\n\nSome text,03/04/2024\n",
        f"line 3: published '03/04/2024' is not a date (give {DATE_RULE})",
    ),
    ("text,source\nSome text,RT\x07\n", "line 2: source contains the control character U+0007"),
    ("text,text\nSome text,again\n", "column 'text' appears twice"),
    ("text,title\n", "no rows after the header"),
    ("text\nADVERTISEMENT\n", "line 2: no article text left after removing layout noise"),
]


@pytest.mark.parametrize(("content", "message"), CSV_ERRORS)
def test_bad_csv_corpora_are_refused_naming_file_and_line(tmp_path, content, message):
    corpus = _write(tmp_path / "corpus.csv", content)
    _fails(tmp_path, [corpus], f"Error: {corpus}: {message}")


JSONL_ERRORS = [
    (
        '{"text": "Fine."}\n{"text": "Broken" "title": "x"}\n',
        "line 2: not valid JSON (Expecting ',' delimiter at column 19)",
    ),
    ('{"text": "Fine."}\n["text", "in an array"]\n', "line 2: not a JSON object (an array)"),
    ('"just a string"\n', "line 1: not a JSON object (a string)"),
    ('{"body": "No text field."}\n', "line 1: no 'text' field"),
    ('{"text": "Fine."}\n\n{"text": ""}\n', "line 3: empty text"),
    ('{"text": null}\n', "line 1: empty text"),
    ('{"text": 42}\n', "line 1: text must be a string, not a number"),
    (
        '{"text": "Fine.", "source": {"name": "RT"}}\n',
        "line 1: source must be a string, not an object",
    ),
    (
        '{"text": "Fine.", "published": "2024-13-01"}\n',
        f"line 1: published '2024-13-01' is not a date (give {DATE_RULE})",
    ),
]


@pytest.mark.parametrize(("content", "message"), JSONL_ERRORS)
def test_bad_jsonl_corpora_are_refused_naming_file_and_line(tmp_path, content, message):
    corpus = _write(tmp_path / "feed.jsonl", content)
    _fails(tmp_path, [corpus], f"Error: {corpus}: {message}")


def test_a_page_without_article_text_is_refused(tmp_path):
    folder = tmp_path / "pages"
    folder.mkdir()
    _write(folder / "a.html", PAGE)
    _write(folder / "home.html", NO_ARTICLE_PAGE)
    _fails(tmp_path, [folder], f"Error: {folder / 'home.html'}: no article text found in the page")


def test_an_empty_page_in_a_folder_is_refused(tmp_path):
    folder = tmp_path / "pages"
    folder.mkdir()
    _write(folder / "a.txt", WIRE)
    _write(folder / "empty.html", "  \n")
    _fails(tmp_path, [folder], f"Error: {folder / 'empty.html'}: empty file")


def test_a_mapped_column_that_is_missing_is_named(tmp_path):
    corpus = _write(tmp_path / "c.csv", "text\nSome text\n")
    _fails(
        tmp_path,
        [corpus, "--column", "text=body"],
        f"Error: {corpus}: no 'body' column (columns: text; name the text column with "
        "--column text=NAME)",
    )


def test_an_unknown_format_named_on_the_command_line_is_refused(tmp_path):
    notes = _write(tmp_path / "notes.md", "# A title\nSome text.\n")
    _fails(
        tmp_path,
        [notes],
        f"Error: {notes}: unknown format .md; articles are .txt, .html, .htm, .csv or .jsonl "
        "files, or folders of them",
    )


def test_a_manifest_named_as_a_corpus_is_refused(tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    _write(folder / "a.txt", WIRE)
    manifest = _write(folder / "manifest.csv", "file,source\na.txt,RT\n")
    _fails(
        tmp_path,
        [manifest],
        f"Error: {manifest}: a manifest, not a corpus: give the folder of its articles, or "
        f"--manifest {manifest}",
    )


@pytest.mark.parametrize(
    ("pair", "message"),
    [
        ("body", "'body': expected FIELD=NAME, e.g. text=body"),
        (
            "author=byline",
            "'author=byline': 'author' is not an article field "
            "(fields: text, title, url, published, source, language)",
        ),
    ],
)
def test_a_bad_column_option_is_a_usage_error(tmp_path, pair, message):
    corpus = _write(tmp_path / "c.csv", "text\nSome text\n")
    _fails(
        tmp_path, [corpus, "--column", pair], f"Error: Invalid value for '--column': {message}", 2
    )


def test_the_library_refuses_a_field_mapped_twice(tmp_path):
    corpus = _write(tmp_path / "c.csv", "text\nSome text\n")
    with pytest.raises(ArticleError, match=r"^'title=h': column 'h' is mapped twice$"):
        ingest([corpus], columns=["source=h", "title=h"])


# --- dates ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "date"),
    [
        ("2024-03-05", "2024-03-05"),
        ("2024-03-05T23:30:00-05:00", "2024-03-05"),
        ("2024-03-05T01:00:00Z", "2024-03-05"),
        ("2024-03-05 09:30", "2024-03-05"),
        ("Tue, 05 Mar 2024 23:30:00 -0500", "2024-03-05"),
        ("5 March 2024", "2024-03-05"),
        ("5 Mar 2024", "2024-03-05"),
        ("March 5, 2024", "2024-03-05"),
    ],
)
def test_dates_are_read_as_written_without_moving_them_by_time_zone(written, date):
    assert iso_date(written) == date


@pytest.mark.parametrize("written", ["03/04/2024", "2024-02-30", "yesterday", "2024"])
def test_ambiguous_and_impossible_dates_are_refused(written):
    with pytest.raises(ValueError):
        iso_date(written)
