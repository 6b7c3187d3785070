"""The codebook: annotator guidelines rendered from the taxonomy, as Markdown and as HTML.

The Markdown goes into the dataset card; the HTML becomes the Label Studio labeling
instructions. Both come from the same taxonomy, so they never disagree with the labels. Each
vocabulary's section opens with the taxonomy's introduction to it, else a generic one.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from stancepack.schema.taxonomy import Category, Taxonomy

# Each vocabulary's section: its title and the introduction of a taxonomy that declares none.
SECTIONS = (
    ("actor_types", "Actor types", "What kind of actor a marked span names."),
    ("stances", "Stances", "The actor's position on the proposition, judged from the article."),
    (
        "roles",
        "Proposed roles",
        "The reasons, tasks or aspects the actor raises in taking its position on the proposition.",
    ),
    ("relations", "Relations", "Links between two actor mentions in the same article."),
)


def section_introductions(taxonomy: Taxonomy) -> list[tuple[str, str, str]]:
    """(vocabulary, title, introduction) of each section: the taxonomy's own introduction
    where it declares one, else the generic one."""
    return [
        (vocabulary, title, taxonomy.introductions.get(vocabulary, generic))
        for vocabulary, title, generic in SECTIONS
    ]


def _markdown_escape_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _markdown_section(heading: str, intro: str, categories: tuple[Category, ...]) -> list[str]:
    lines = [heading, "", intro, "", "| value | definition | example from the articles |"]
    lines.append("| --- | --- | --- |")
    for category in categories:
        examples = "<br>".join(f"“{example}”" for example in category.examples)
        cells = (f"`{category.value}`", category.definition, examples)
        lines.append("| " + " | ".join(_markdown_escape_cell(cell) for cell in cells) + " |")
    return [*lines, ""]


def render_markdown(taxonomy: Taxonomy, heading_level: int = 2) -> str:
    """The codebook as Markdown, headed at ``heading_level`` (sections one level below)."""
    top = "#" * heading_level
    lines = [
        f"{top} Codebook: {taxonomy.title}",
        "",
        f"**Proposition.** {taxonomy.proposition}.",
        "",
        f"Taxonomy `{taxonomy.name}`, version `{taxonomy.version}`.",
        "",
        f"{top}# What counts as an actor mention",
        "",
        *[f"{number}. {rule}" for number, rule in enumerate(taxonomy.mention_rules, 1)],
        "",
    ]
    for vocabulary, title, intro in section_introductions(taxonomy):
        lines.extend(_markdown_section(f"{top}# {title}", intro, getattr(taxonomy, vocabulary)))
    return "\n".join(lines).rstrip("\n") + "\n"


def _html_section(parent: ET.Element, title: str, intro: str, categories: tuple[Category, ...]):
    ET.SubElement(parent, "h3").text = title
    ET.SubElement(parent, "p").text = intro
    table = ET.SubElement(parent, "table")
    header = ET.SubElement(table, "tr")
    for name in ("value", "definition", "example from the articles"):
        ET.SubElement(header, "th").text = name
    for category in categories:
        row = ET.SubElement(table, "tr")
        ET.SubElement(ET.SubElement(row, "td"), "code").text = category.value
        ET.SubElement(row, "td").text = category.definition
        examples = ET.SubElement(row, "td")
        for example in category.examples:
            ET.SubElement(examples, "q").text = example
            ET.SubElement(examples, "br")


def render_html(taxonomy: Taxonomy) -> str:
    """The codebook as an HTML fragment (used as Label Studio's labeling instructions)."""
    root = ET.Element("div", {"class": "stancepack-codebook"})
    ET.SubElement(root, "h2").text = f"Codebook: {taxonomy.title}"
    proposition = ET.SubElement(root, "p")
    ET.SubElement(proposition, "strong").text = "Proposition."
    ET.SubElement(proposition, "span").text = f" {taxonomy.proposition}."
    ET.SubElement(root, "p").text = f"Taxonomy {taxonomy.name}, version {taxonomy.version}."
    ET.SubElement(root, "h3").text = "What counts as an actor mention"
    rules = ET.SubElement(root, "ol")
    for rule in taxonomy.mention_rules:
        ET.SubElement(rules, "li").text = rule
    for vocabulary, title, intro in section_introductions(taxonomy):
        _html_section(root, title, intro, getattr(taxonomy, vocabulary))
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", method="html") + "\n"
