"""The validation report as text for people and as JSON for machines, with the same content.

Text: a header, then one line per issue grouped by task in file order (problems of the
file as a whole first), then issue counts by code and, last, the summary line.
"""

from __future__ import annotations

import json
from itertools import groupby
from typing import Any

from stancepack.export.issues import MODEL, Issue
from stancepack.export.validate.checks import ValidationReport
from stancepack.ground.terminal import CONTROL_CHARACTERS
from stancepack.schema.fields import PREDICTION

MAX_SHOWN_VALUE = 80


def format_text(report: ValidationReport) -> str:
    """The report as lines of text, ending with the summary line."""
    lines = [
        printable(
            f"{report.source}: checked against taxonomy {report.taxonomy} "
            f"(version {report.taxonomy_version}){' with --strict' if report.strict else ''}"
        )
    ]
    for task_id, issues in groupby(report.issues, key=lambda issue: issue.task_id):
        lines.append(printable(f"task {task_id}:") if task_id else "file:")
        lines.extend(f"  {issue_line(issue)}" for issue in issues)
    for severity, counts in report.codes.items():
        if counts:
            shown = ", ".join(f"{code} {count}" for code, count in counts.items())
            lines.append(f"{severity}s by code: {shown}")
    lines.append(summary_line(report))
    return "\n".join(lines) + "\n"


def issue_line(issue: Issue) -> str:
    """One issue on one line: severity, code, where, the bad value and the reason."""
    where = []
    if issue.task_id:
        where.append(f"task {issue.task_id}")
    if issue.annotation_id:
        where.append(_annotation(issue))
    if issue.region_id:
        where.append(f"region {issue.region_id}")
    if issue.field:
        shown = f" {_quoted(issue.value)}" if issue.value is not None else ""
        where.append(f"{issue.field}{shown}")
    located = f"{', '.join(where)}: " if where else ""
    return printable(f"{issue.severity} {issue.code}: {located}{issue.reason}")


def printable(text: str) -> str:
    """``text`` with each control character escaped as JSON escapes it (a line break as
    ``\\n``), so that it shows as one inert line."""
    return CONTROL_CHARACTERS.sub(lambda found: json.dumps(found.group())[1:-1], text)


def summary_line(report: ValidationReport) -> str:
    summary = report.summary
    counted = ", ".join(f"{name} {count}" for name, count in summary.items())
    return f"summary: {counted}: {'valid' if report.ok else 'invalid'}"


def format_json(report: ValidationReport) -> str:
    """The report as one JSON document with sorted keys."""
    return json.dumps(report_record(report), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def report_record(report: ValidationReport) -> dict[str, Any]:
    return {
        "source": report.source,
        "taxonomy": {"name": report.taxonomy, "version": report.taxonomy_version},
        "strict": report.strict,
        "ok": report.ok,
        "summary": report.summary,
        "codes": report.codes,
        "issues": [issue.to_record() for issue in report.issues],
    }


def _annotation(issue: Issue) -> str:
    """ "annotation 5 (ann@example.org)", "annotation 5 (user 3)", "prediction-2 (model v1)"."""
    annotator = issue.annotator
    if PREDICTION in issue.annotation_id and annotator.startswith(MODEL):
        return f"{issue.annotation_id} ({annotator})"
    if annotator.isdigit():
        annotator = f"user {annotator}"
    who = f" ({annotator})" if annotator else ""
    return f"annotation {issue.annotation_id}{who}"


def _quoted(value: str) -> str:
    """A string in double quotes; a list (shown as JSON) as it is."""
    if len(value) > MAX_SHOWN_VALUE:
        value = value[: MAX_SHOWN_VALUE - 1] + "…"
    if value.startswith("[") and value.endswith("]"):
        return value
    return json.dumps(value, ensure_ascii=False)
