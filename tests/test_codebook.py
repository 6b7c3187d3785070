import pytest
from click.testing import CliRunner

from stancepack.annotate.articles import ingest
from stancepack.cli import cli
from stancepack.export.dataset.card import glossary
from stancepack.schema.codebook import SECTIONS, render_html, render_markdown
from stancepack.schema.new_debate import new_taxonomy_text
from stancepack.schema.taxonomy import VOCABULARIES, load_taxonomy
from tests.helpers import SEED_ARTICLES, default_taxonomy_data, write_taxonomy
from tests.update_golden import GOLDEN_DIR, mismatch_message


def _check_golden(name: str, text: str) -> None:
    stored = (GOLDEN_DIR / name).read_text(encoding="utf-8")
    assert stored == text, mismatch_message(name)


def test_markdown_codebook_matches_golden_file():
    _check_golden("codebook.md", render_markdown(load_taxonomy()))


def test_html_codebook_matches_golden_file():
    _check_golden("codebook.html", render_html(load_taxonomy()))


@pytest.mark.parametrize("vocabulary", VOCABULARIES)
def test_every_example_is_quoted_from_a_seed_article(vocabulary):
    texts = [article.text for article in ingest([SEED_ARTICLES]).articles]
    for category in getattr(load_taxonomy(), vocabulary):
        for example in category.examples:
            for quoted in example.split(" ... "):
                assert any(quoted in text for text in texts), (category.value, quoted)


def test_codebook_covers_every_value_and_the_mention_rules():
    taxonomy = load_taxonomy()
    markdown = render_markdown(taxonomy)
    html = render_html(taxonomy)
    for vocabulary in VOCABULARIES:
        for value in taxonomy.values(vocabulary):
            assert f"| `{value}` |" in markdown
            assert f"<code>{value}</code>" in html
    assert "What counts as an actor mention" in markdown
    for rule in taxonomy.mention_rules:
        assert rule in markdown


GENERIC = {vocabulary: intro for vocabulary, _, intro in SECTIONS}
SEED_ROLES_INTRODUCTION = "Tasks the actor proposes or accepts for troops in Ukraine."


def test_the_seed_codebook_introduces_roles_with_the_seed_taxonomy_s_own_words():
    taxonomy = load_taxonomy()
    assert taxonomy.introductions == {"roles": SEED_ROLES_INTRODUCTION}
    assert f"\n{SEED_ROLES_INTRODUCTION}\n" in render_markdown(taxonomy)
    assert f"<p>{SEED_ROLES_INTRODUCTION}</p>" in render_html(taxonomy)


def test_another_debate_s_codebook_has_the_generic_introductions_and_nothing_of_the_seed(
    tmp_path,
):
    text = new_taxonomy_text("Nuclear power should count as green", "Nuclear power", "nuclear")
    path = tmp_path / "taxonomy.yaml"
    path.write_text(text, encoding="utf-8")
    taxonomy = load_taxonomy(path)
    assert taxonomy.introductions == {}
    markdown, html = render_markdown(taxonomy), render_html(taxonomy)
    for vocabulary in VOCABULARIES:
        assert f"\n{GENERIC[vocabulary]}\n" in markdown
        assert f"<p>{GENERIC[vocabulary]}</p>" in html
    for rendered in (markdown, html, glossary(taxonomy)):
        assert "ukraine" not in rendered.casefold()
        assert "troop" not in rendered.casefold()


def test_a_taxonomy_s_own_introductions_open_their_sections(tmp_path):
    data = default_taxonomy_data()
    data["introductions"] = {"stances": "How the actor stands on sending troops."}
    taxonomy = load_taxonomy(write_taxonomy(tmp_path / "t.yaml", data))
    markdown, html = render_markdown(taxonomy), render_html(taxonomy)
    assert "\n### Stances\n\nHow the actor stands on sending troops.\n" in markdown
    assert "<h3>Stances</h3>\n  <p>How the actor stands on sending troops.</p>" in html
    assert f"\n### Proposed roles\n\n{GENERIC['roles']}\n" in markdown
    assert SEED_ROLES_INTRODUCTION not in markdown + html
    assert "- **stance**: how the actor stands on sending troops." in glossary(taxonomy)


def test_html_escapes_text_from_the_taxonomy(tmp_path):
    data = default_taxonomy_data()
    data["stances"][0]["definition"] = "Backs <b>troops</b> & more"
    html = render_html(load_taxonomy(write_taxonomy(tmp_path / "t.yaml", data)))
    assert "Backs &lt;b&gt;troops&lt;/b&gt; &amp; more" in html


def test_codebook_command_writes_markdown_to_stdout():
    result = CliRunner().invoke(cli, ["schema", "codebook"])
    assert result.exit_code == 0
    assert result.stdout == render_markdown(load_taxonomy())


def test_codebook_command_writes_html_file(tmp_path):
    target = tmp_path / "out" / "codebook.html"
    result = CliRunner().invoke(cli, ["schema", "codebook", "--format", "html", "-o", str(target)])
    assert result.exit_code == 0
    assert result.stderr == f"wrote {target}\n"
    assert target.read_text(encoding="utf-8") == render_html(load_taxonomy())
