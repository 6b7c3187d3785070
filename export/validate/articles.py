"""The articles table's row of one task, and the checks of its article across tasks (one
article with two texts; one article imported twice) and of its one-line fields."""

from __future__ import annotations

import hashlib
from typing import Any

from stancepack.export.issues import ERROR, WARNING
from stancepack.export.validate.tasks import TaskContext, text_field
from stancepack.ground.terminal import CONTROL_CHARACTERS
from stancepack.schema.fields import LEGACY_DATA_KEYS, OUTLET, TEXT

# Projects made before the outlet key was renamed keep it under its old name.
LEGACY_OUTLET = next(old for old, new in LEGACY_DATA_KEYS.items() if new == OUTLET)
# Article fields that are one line of text (as actor names are): a control character is
# never part of them.
ONE_LINE_FIELDS = ("title", OUTLET, LEGACY_OUTLET)
# Issue codes of an article with two texts, and of one article in two tasks.
ARTICLE_TEXT_CONFLICT = "article-text-conflict"
DUPLICATE_ARTICLE = "duplicate-article"


def article_row(task: TaskContext) -> tuple[tuple[Any, ...], str]:
    """The articles table's row of a task, and the sha256 of its text."""
    data = task.data
    digest = hashlib.sha256(task.text.encode("utf-8", "surrogatepass")).hexdigest()
    row = (
        task.task_id,
        task.article_id,
        text_field(data, "story_id") or task.article_id,
        text_field(data, "title"),
        text_field(data, OUTLET) or text_field(data, LEGACY_OUTLET),
        text_field(data, "published"),
        text_field(data, "url"),
        task.text,
        digest,
    )
    return row, digest


def check_article_text(
    task: TaskContext,
    digest: str,
    texts: dict[str, tuple[str, str]],
    hashes: dict[str, tuple[str, str]],
) -> None:
    """An article with two texts is an error; one article in two tasks (the same id or the
    same text) is a warning: it was imported twice (two tasks with one id are reported as
    such). ``texts`` (article id -> (text hash, task id)) and ``hashes`` (text hash ->
    (article id, task id)) hold the tasks read so far; the task is added to them."""
    entry = (digest, task.task_id)
    earlier = texts.setdefault(task.article_id, entry)
    same_text = hashes.setdefault(digest, (task.article_id, task.task_id))
    if earlier is entry:
        if same_text[0] != task.article_id and same_text[1] != task.task_id and task.text:
            task.issue(
                WARNING,
                DUPLICATE_ARTICLE,
                f"the same text as article {same_text[0]} in task {same_text[1]}; imported twice?",
                field=f"data.{TEXT}",
                value=digest[:12],
            )
    elif earlier[0] != digest:
        task.issue(
            ERROR,
            ARTICLE_TEXT_CONFLICT,
            f"article {task.article_id} has a different text in task {earlier[1]} "
            f"(sha256 {earlier[0][:12]} there, {digest[:12]} here)",
            field="article_id",
            value=task.article_id,
        )
    elif earlier[1] != task.task_id:
        task.issue(
            WARNING,
            DUPLICATE_ARTICLE,
            f"article {task.article_id} is also in task {earlier[1]}, with the same text; "
            "imported twice?",
            field="article_id",
            value=task.article_id,
        )


def check_one_line_fields(task: TaskContext) -> None:
    """A control character in the article's title or outlet."""
    data = task.data
    for key in ONE_LINE_FIELDS:
        value = data.get(key)
        if type(value) is str and CONTROL_CHARACTERS.search(value):
            task.issue(**control_character_issue(f"data.{key}", value))


def control_character_issue(field: str, value: str) -> dict[str, Any]:
    """The severity, code, reason, field and value of an issue for ``value``, one line of
    text that holds a control character."""
    found = CONTROL_CHARACTERS.search(value)
    assert found is not None
    return {
        "severity": ERROR,
        "code": "control-character",
        "reason": f"{field} holds the control character U+{ord(found.group()):04X}; it must be "
        "one line of printable text (a control character can hide or rewrite text where it "
        "is shown)",
        "field": field,
        "value": value,
    }
