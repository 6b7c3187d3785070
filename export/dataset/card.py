"""The dataset card: ``README.md`` of a packaged dataset, from huggingface_hub's template.

Every section stancepack knows the answer to is filled from the package facts (the
``stancepack.json`` written beside the card): configs, features, splits, label counts,
agreement, outlets, the annotation process, the adjudication rules, the codebook and the
provenance. Only what a packager cannot know (curators, funding, citation, contact) keeps
the template's placeholder. No clock is read: the card holds no time but the export's own.
"""

from __future__ import annotations

import html
import re
from typing import Any

from stancepack.export.dataset.adjudicate import RULES
from stancepack.export.dataset.layout import NO_VALUE
from stancepack.export.dataset.splits import SPLITS, listed_splits
from stancepack.ground.terminal import CONTROL_CHARACTERS
from stancepack.schema.codebook import render_markdown, section_introductions
from stancepack.schema.features import CONFIGS, DEFAULT_CONFIG, config_columns, config_features
from stancepack.schema.near_duplicates import NEAR_DUPLICATE_JACCARD, SHINGLE_WORDS
from stancepack.schema.taxonomy import Taxonomy

CONFIG_SUMMARIES = {
    "mentions": "the adjudicated actor mentions (one row per mention kept by adjudication)",
    "articles": "one row per article, with its metadata",
    "relations": "adjudicated relations between mentions of the same article",
    "annotations": "the raw layer: every annotator's and every model's mentions, as annotated",
    "actors": "one row per canonical actor (type and name) of the adjudicated mentions",
}
SIZE_CATEGORIES = ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"))
# Markdown punctuation that opens markup in running text (emphasis, code, links, images).
MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_\[\]])")
BACKTICKS = re.compile("`+")


def inert(text: Any) -> str:
    """Text the card quotes from elsewhere (outlet names, the curators' words, values of
    the export) as Markdown that shows it as it is, on one line: HTML escaped (so ``<!--``
    hides nothing and a tag is no tag) and Markdown punctuation backslash-escaped."""
    one_line = CONTROL_CHARACTERS.sub(" ", str(text))
    return MARKDOWN_PUNCTUATION.sub(r"\\\1", html.escape(one_line, quote=False))


def code(text: Any) -> str:
    """Text quoted from elsewhere as a Markdown code span, on one line (a code span shows
    HTML and Markdown as text; its fence is longer than any run of backticks inside)."""
    one_line = CONTROL_CHARACTERS.sub(" ", str(text))
    fence = "`" * (max(map(len, BACKTICKS.findall(one_line)), default=0) + 1)
    pad = " " if one_line[:1] == "`" or one_line[-1:] == "`" else ""
    return f"{fence}{pad}{one_line}{pad}{fence}"


def _cell(value: Any) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def table(header: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(_cell(value) for value in row) + " |" for row in rows]
    return "\n".join(lines)


def size_category(rows: int) -> str:
    for limit, name in SIZE_CATEGORIES:
        if rows < limit:
            return name
    return "100K<n<1M" if rows < 1_000_000 else "1M<n<10M"


def card_data(facts: dict[str, Any], taxonomy: Taxonomy) -> Any:
    """The YAML header: configs with their files, declared features, task categories."""
    from datasets import DatasetInfo
    from huggingface_hub import DatasetCardData

    features = config_features(taxonomy, text=facts["text"] == "full")
    configs = []
    infos = []
    for config in CONFIGS:
        entry: dict[str, Any] = {"config_name": config}
        if config == DEFAULT_CONFIG:
            entry["default"] = True
        entry["data_files"] = [
            {"split": split, "path": f"{config}/{split}-*.parquet"}
            for split in listed_splits(facts["rows"][config])
        ]
        configs.append(entry)
        infos.append(
            {"config_name": config, **DatasetInfo(features=features[config])._to_yaml_dict()}
        )
    total = sum(facts["rows"][DEFAULT_CONFIG].values())
    return DatasetCardData(
        pretty_name=f"{taxonomy.title}: actor stances in news articles",
        task_categories=["token-classification", "text-classification"],
        size_categories=[size_category(total)],
        source_datasets=["original"],
        multilinguality="monolingual",
        tags=["stance-detection", "news", "label-studio", "stancepack"],
        config_names=list(CONFIGS),
        configs=configs,
        dataset_info=infos,
    )


# --- Sections -----------------------------------------------------------------------------


def summary(facts: dict[str, Any], taxonomy: Taxonomy) -> str:
    rows = facts["rows"]
    process = facts["annotation_process"]
    return (
        f"Actor mentions in {sum(rows['articles'].values())} news articles on the proposition "
        f"“{taxonomy.proposition}”: who takes a position, what kind of actor they are, their "
        f"stance and the roles they propose, marked in Label Studio by "
        f"{plural(process['annotators'], 'annotator')} and "
        f"adjudicated into {sum(rows['mentions'].values())} mentions."
    )


def description(facts: dict[str, Any], taxonomy: Taxonomy) -> str:
    text_note = (
        "Article texts are included (`articles.text`)."
        if facts["text"] == "full"
        else "Article texts are **not** included (standoff release): the `articles` config "
        "gives each article's `url` and `text_sha256`, and `stancepack rehydrate DIR "
        "--articles YOUR_COPIES -o DIR2` restores the texts from your own copies, refusing "
        "any article whose text hash does not match. The marked spans (`text` in the "
        "`mentions` and `annotations` configs) are kept: short quotes that name the actors."
    )
    configs = "\n".join(
        f"- `{config}`{' (default)' if config == DEFAULT_CONFIG else ''}: "
        f"{CONFIG_SUMMARIES[config]}."
        for config in CONFIGS
    )
    return (
        f"Built with stancepack {facts['stancepack_version']} from a Label Studio export, with "
        f"taxonomy `{taxonomy.name}` version `{facts['taxonomy']['version']}`. Each actor "
        f"mention is a character span of an article with an actor type, a stance on the "
        f"proposition and the roles the actor proposes. Offsets count characters (Unicode "
        f"code points) of the article text exactly as annotators saw it.\n\n"
        f"Configs:\n\n{configs}\n\n{text_note}"
    )


def rows_table(facts: dict[str, Any]) -> str:
    rows = [
        [f"`{config}`", *[facts["rows"][config][split] for split in SPLITS]] for config in CONFIGS
    ]
    return table(["config", *SPLITS], rows)


def columns_section(facts: dict[str, Any], taxonomy: Taxonomy) -> str:
    declared = config_columns(taxonomy, text=facts["text"] == "full")
    features = config_features(taxonomy, text=facts["text"] == "full")
    parts = []
    for config in CONFIGS:
        rows = [
            [f"`{column.name}`", f"`{features[config][column.name]!r}`", column.description]
            for column in declared[config]
        ]
        parts.append(f"#### `{config}`\n\n{table(['column', 'feature', 'meaning'], rows)}")
    return "\n\n".join(parts)


def splits_section(facts: dict[str, Any]) -> str:
    splits = facts["splits"]
    ratios = ", ".join(
        f"{split} {ratio:g}" for split, ratio in zip(SPLITS, splits["ratios"], strict=True)
    )
    lines = [
        "Splits are assigned per story, never per mention, so near-duplicate copies of one "
        "wire story (same `story_id`) are always in the same split and no article is in "
        'two splits. Stories are ordered by the sha256 of `"<seed>:<story_id>"`; the first '
        "go to train, the next to validation, the rest to test, in counts given by the "
        "ratios (largest-remainder rounding, at least one story for every split whose ratio "
        "is above zero).",
        "",
        f"Ratios: {ratios}; seed {splits['seed']}. Stories per split: "
        + ", ".join(f"{split} {splits['stories'][split]}" for split in SPLITS)
        + ".",
    ]
    if splits["fallback"]:
        lines += ["", f"**Fallback:** {splits['fallback']}; the ratios were not applied."]
    empty = [
        f"`{config}` {split}"
        for config in CONFIGS
        for split in SPLITS
        if not facts["rows"][config][split] and splits["articles"][split]
    ]
    if empty:
        lines += [
            "",
            "Splits without rows are not listed in the YAML header, because `datasets` "
            "cannot load a split with no rows: " + ", ".join(empty) + ".",
        ]
    empty_configs = [config for config in CONFIGS if not sum(facts["rows"][config].values())]
    if empty_configs:
        lines += [
            "",
            "These configs have no rows at all: "
            + ", ".join(f"`{config}`" for config in empty_configs)
            + ". Their one file, `train`, is empty but carries the features; "
            "`datasets.load_dataset_builder(DIR, CONFIG).info.features` shows them, and "
            "`load_dataset(DIR, CONFIG, streaming=True)` reads the empty config.",
        ]
    return "\n".join(lines)


def structure(facts: dict[str, Any], taxonomy: Taxonomy) -> str:
    return "\n\n".join(
        [
            "Rows per config and split:",
            rows_table(facts),
            "```python\nfrom datasets import load_dataset\n\n"
            'mentions = load_dataset("PATH_OR_REPO")  # the default config, mentions\n'
            'articles = load_dataset("PATH_OR_REPO", "articles")\n'
            'stances = mentions["train"].features["stance"].names\n```',
            "Absent labels are null: a mention with no adjudicated stance has `stance` "
            "`None`; a relation without a label has `label` `None`. Roles are a list of "
            "class labels in taxonomy order.",
            "### Splits",
            splits_section(facts),
            "### Columns",
            columns_section(facts, taxonomy),
            *figures_section(facts),
        ]
    )


def figures_section(facts: dict[str, Any]) -> list[str]:
    """The dataset's figures (files under figures/) with their sentences, and how to build
    the discourse networks; nothing when the dataset has no figures."""
    figures = facts.get("figures", [])
    if not figures:
        return []
    shown = [
        f"![{inert(entry['description'])}]({entry['file']})\n\n{inert(entry['description'])}"
        for entry in figures
    ]
    return [
        "### Figures",
        *shown,
        "The discourse networks of Leifeld's Discourse Network Analyzer (actors linked to "
        "the stances and roles they state, and to each other by congruence or conflict) "
        "are rebuilt from this folder with stancepack, e.g. `stancepack network "
        "PATH_OR_REPO --type congruence -o congruence.graphml` (types `actor-stance`, "
        "`actor-role`, `congruence`, `conflict`; formats GraphML, GEXF, CSV), and each "
        "figure with `stancepack plot PATH_OR_REPO --kind KIND -o FIGURE.png`.",
    ]


def label_count_tables(facts: dict[str, Any]) -> str:
    parts = []
    for config, columns in facts["labels"].items():
        for column, counts in columns.items():
            rows = [
                [f"`{value}`", *[by_split[split] for split in SPLITS], sum(by_split.values())]
                for value, by_split in counts.items()
            ]
            parts.append(f"`{config}.{column}`:\n\n" + table(["value", *SPLITS, "total"], rows))
    return "\n\n".join(parts)


def outlets_table(facts: dict[str, Any]) -> str:
    rows = [[inert(row["source"]), row["articles"], row["mentions"]] for row in facts["outlets"]]
    return table(["outlet", "articles", "adjudicated mentions"], rows)


def _figure(value: float | None) -> str:
    return "undefined" if value is None else f"{value:.4f}"


def agreement_section(facts: dict[str, Any]) -> str:
    agreement = facts["agreement"]
    if not agreement["measurable"]:
        return (
            "Inter-annotator agreement could not be measured: every article was annotated "
            "by one annotator only, so no mention was marked twice. No agreement figure is "
            "given."
        )
    return "\n".join(
        [
            agreement_method(agreement),
            "",
            alpha_table(agreement),
            "",
            f"Span F1 over all pairs: {_figure(agreement['overall_span_f1'])}.",
            "",
            span_f1_table(agreement),
        ]
    )


def agreement_method(agreement: dict[str, Any]) -> str:
    """What the agreement figures were measured on, and how."""
    return (
        f"Measured on the {plural(agreement['articles_with_several_annotators'], 'article')} "
        f"with two or more annotators; {plural(agreement['matched_mentions'], 'mention')} "
        "marked by at least two annotators (same span, same actor type). Krippendorff's "
        "alpha is nominal (the `krippendorff` package); for each role it compares present / "
        "absent among the "
        "annotators who marked the mention. Span F1 = 2 × matched / (mentions of A + "
        "mentions of B) over the articles both annotated."
    )


def alpha_table(agreement: dict[str, Any]) -> str:
    """Krippendorff's alpha of the stance and of each role."""
    stance = agreement["stance"]
    alphas = [["stance", _figure(stance["value"]), stance["units"], stance["note"]]]
    alphas += [
        [f"role `{role}`", _figure(alpha["value"]), alpha["units"], alpha["note"]]
        for role, alpha in agreement["roles"].items()
    ]
    return table(["variable", "Krippendorff's alpha", "matched mentions", "note"], alphas)


SPAN_F1_COLUMNS = (
    "annotator A",
    "annotator B",
    "articles",
    "matched",
    "mentions A",
    "mentions B",
    "span F1",
)


def span_f1_table(agreement: dict[str, Any]) -> str:
    """Span F1 of each pair of annotators."""
    pairs = [
        [
            pair["annotator_a"],
            pair["annotator_b"],
            pair["articles"],
            pair["matched"],
            pair["mentions_a"],
            pair["mentions_b"],
            _figure(pair["f1"]),
        ]
        for pair in agreement["pairs"]
    ]
    return table(list(SPAN_F1_COLUMNS), pairs)


def annotation_process(facts: dict[str, Any], taxonomy: Taxonomy) -> str:
    process = facts["annotation_process"]
    stats = facts["adjudication"]
    by_count = ", ".join(
        f"{plural(articles, 'article')} with {plural(int(count), 'annotator')}"
        for count, articles in process["articles_by_annotator_count"].items()
    )
    if process["predictions"]:
        versions = ", ".join(map(code, process["prediction_model_versions"])) or "unnamed"
        pre = (
            "Pre-annotation: the export holds "
            f"{plural(process['predictions'], 'model prediction')} (model versions {versions}) "
            f"on {plural(process['articles_with_predictions'], 'article')}; "
            "they are kept in the `annotations` config (`kind` = "
            "`prediction`) and never vote in adjudication."
        )
    else:
        pre = "No pre-annotations: the export holds no model predictions."
    rules = "\n".join(f"{number}. {rule}" for number, rule in enumerate(RULES, 1))
    adjudication = table(
        ["event", "count"], [[key.replace("_", " "), value] for key, value in stats.items()]
    )
    return "\n\n".join(
        [
            f"Annotators marked actor mentions in {process['tool']} with a labeling "
            "configuration generated from the taxonomy: a span label for the actor type, and "
            "per-span choices for the stance and the roles and a text box for the canonical "
            f"actor name. {plural(process['annotations'], 'annotation')} were made "
            f"({process['cancelled_annotations']} more cancelled, left out; "
            f"{process['ground_truth_annotations']} marked ground truth). Articles by "
            f"number of annotators: {by_count}.",
            curation_sentence(stats),
            pre,
            "#### Adjudication",
            rules,
            adjudication,
            "#### Agreement",
            agreement_section(facts),
            "#### Label counts",
            label_count_tables(facts),
            render_markdown(taxonomy, heading_level=4).rstrip("\n"),
        ]
    )


def curation_sentence(stats: dict[str, int]) -> str:
    curated = stats.get("tasks_ground_truth", 0)
    if not curated:
        return (
            "Curation: no article has a ground-truth annotation; every layer follows the "
            "rules below."
        )
    return (
        f"Curation: {plural(curated, 'article')} "
        f"{'was' if curated == 1 else 'were'} curated: a ground-truth annotation (a curator's "
        "review of the annotators' disagreements, as `stancepack curate` drafts it) is "
        f"{'its' if curated == 1 else 'their'} layer."
    )


def annotators_section(facts: dict[str, Any]) -> str:
    process = facts["annotation_process"]
    curators = inert(facts.get("curators", ""))
    return (
        (f"Annotated by {curators}. " if curators else "")
        + f"{plural(process['annotators'], 'human annotator')}, "
        "named in this dataset only by pseudonyms (`annotator_01`, ...) numbered in the "
        "sorted order of their Label Studio identities; e-mail addresses and user ids are "
        "not published. No demographic information about the annotators was recorded."
    )


def collection(facts: dict[str, Any]) -> str:
    return "\n\n".join(
        [
            "Articles were read from plain-text files with `stancepack articles ingest`: "
            "byte-order mark dropped, newlines normalised, Unicode NFC, outlet page furniture "
            '(ad markers, "Read more" lines) removed. The article id derives from the sha256 '
            "of that text unless a manifest gave one; near-duplicates (word "
            f"{SHINGLE_WORDS}-gram Jaccard ≥ {NEAR_DUPLICATE_JACCARD}) share a `story_id`. "
            "Each article was imported as one Label Studio task.",
            "Articles per outlet:",
            outlets_table(facts),
        ]
    )


RARE = 10


def rare_labels(facts: dict[str, Any]) -> list[str]:
    """A limitation line for labels with fewer than RARE adjudicated mentions, if any."""
    rare = [
        f"`{value}` ({sum(by_split.values())})"
        for counts in facts["labels"]["mentions"].values()
        for value, by_split in counts.items()
        if value != NO_VALUE and sum(by_split.values()) < RARE
    ]
    if not rare:
        return []
    return [
        f"Rare labels (fewer than {RARE} adjudicated mentions): {', '.join(rare)}; too few to "
        "train or evaluate on reliably."
    ]


def producers(facts: dict[str, Any]) -> str:
    return (
        "The texts were written and published by the news outlets listed below (as the "
        "export's `source` names them), not by the dataset's curators.\n\n" + outlets_table(facts)
    )


def personal_information(facts: dict[str, Any]) -> str:
    return (
        "The articles name public figures and report their political positions, which is "
        "what the dataset annotates. Annotators are pseudonymised (see above). "
        + publisher_note(facts)
    )


def publisher_note(facts: dict[str, Any]) -> str:
    if facts["text"] == "full":
        return (
            "The article texts belong to their publishers; they are included here for "
            "research on the annotations only, and this dataset grants no right to "
            "republish them."
        )
    return (
        "The article texts belong to their publishers and are not included; each article "
        "is identified by its URL (when known) and the sha256 of its text."
    )


def limitations(facts: dict[str, Any], taxonomy: Taxonomy) -> str:
    rows = facts["rows"]
    process = facts["annotation_process"]
    items = [
        f"Coverage: {plural(sum(rows['articles'].values()), 'article')} from "
        f"{plural(len(facts['outlets']), 'outlet')}; the outlets chosen and their framing "
        "shape which actors and positions appear.",
        *rare_labels(facts),
        "Stance is judged per mention from what the article reports an actor said or did, "
        "not from what the actor holds elsewhere.",
        f"Only the proposition “{taxonomy.proposition}” is annotated; other claims in the "
        "articles are not.",
        "Canonical actor names (`actor_name`, the `actors` config) are what annotators typed; "
        "the same actor may appear under two spellings, and repeated mentions are linked only "
        "through `same_as` relations.",
    ]
    if not facts["agreement"]["measurable"]:
        items.append(
            "One annotator per article: the labels were not cross-checked and agreement "
            "could not be measured."
        )
    if process["annotators"] and facts["adjudication"].get("mention_ties"):
        items.append(
            f"{plural(facts['adjudication']['mention_ties'], 'mention')} kept on a tie "
            "(`mention_tie`); filter them out for a stricter layer."
        )
    if facts["splits"]["fallback"]:
        items.append(f"Splits: {facts['splits']['fallback']}.")
    items.append(publisher_note(facts))
    return "\n".join(f"- {item}" for item in items)


def provenance(facts: dict[str, Any]) -> str:
    source = facts["provenance"]
    unknown = "not recorded in the export"
    rows = [
        ["taxonomy", f"`{facts['taxonomy']['name']}` version `{facts['taxonomy']['version']}`"],
        ["stancepack version", facts["stancepack_version"]],
        ["export file", code(source["export_file"])],
        ["export sha256", f"`{source['export_sha256']}`"],
        ["Label Studio project", inert(", ".join(source["project_ids"])) or unknown],
        ["export time", inert(source["export_time"]) or unknown],
        ["latest annotation change", inert(source["latest_annotation_time"]) or unknown],
        ["text", facts["text"]],
        ["validation", validation_line(facts["validation"])],
    ]
    return "Provenance:\n\n" + table(["what", "value"], rows)


def validation_line(validation: dict[str, Any]) -> str:
    if not validation:
        return "not recorded"
    warnings = validation.get("warnings", 0)
    codes = validation.get("warning_codes", {})
    detail = ", ".join(f"{code} {count}" for code, count in sorted(codes.items()))
    return f"passed, {plural(warnings, 'warning')}" + (f" ({detail})" if detail else "")


def glossary(taxonomy: Taxonomy) -> str:
    intro = {
        vocabulary: text[0].lower() + text[1:].rstrip(".")
        for vocabulary, _, text in section_introductions(taxonomy)
    }
    terms = [
        ("mention", "a span of an article that names an actor taking part in the debate"),
        ("actor type", intro["actor_types"]),
        ("stance", intro["stances"]),
        ("role", intro["roles"]),
        ("relation", intro["relations"]),
        ("story", "near-duplicate articles (wire copies) that share a `story_id`"),
        ("adjudication", "turning several annotators' marks into one layer (rules above)"),
        ("tie", "exactly half of the annotators voted for a mention, role or relation"),
    ]
    return "\n".join(f"- **{term}**: {meaning}." for term, meaning in terms)


def render_card(facts: dict[str, Any], taxonomy: Taxonomy) -> str:
    """The dataset card (README.md) of a package, from its facts."""
    from huggingface_hub import DatasetCard

    card = DatasetCard.from_template(
        card_data(facts, taxonomy),
        dataset_summary=summary(facts, taxonomy),
        dataset_description=description(facts, taxonomy),
        language="Not recorded in the export; the codebook and its examples are in English.",
        license="Not set by stancepack: the curators license the annotations. "
        + publisher_note(facts),
        direct_use="Training and evaluating actor-level stance detection and the extraction "
        "of proposed roles in news; studying how outlets report actors' positions on the "
        "proposition.",
        out_of_scope_use="Inferring an actor's real position beyond what these articles "
        "report; republishing the article texts; any judgement about the annotators.",
        dataset_structure=structure(facts, taxonomy),
        curation_rationale_section=f"To measure which actors take which position on "
        f"“{taxonomy.proposition}” in news coverage, and which roles they propose, "
        "with every label traceable to a span of the article.",
        data_collection_and_processing_section=collection(facts),
        source_data_producers_section=producers(facts),
        annotation_process_section=annotation_process(facts, taxonomy),
        who_are_annotators_section=annotators_section(facts),
        curators=inert(facts.get("curators", "")),
        personal_and_sensitive_information=personal_information(facts),
        bias_risks_limitations=limitations(facts, taxonomy),
        bias_recommendations="Report results per outlet and per split; check the tie flags "
        "(`mention_tie`, `stance_tie`, `roles_tied`) and the agreement figures before "
        "treating the labels as a gold standard.",
        glossary=glossary(taxonomy),
        more_information=provenance(facts),
    )
    return str(card.content)
