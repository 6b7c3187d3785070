"""Validating a large export in two halves at once, one per CPU, with the report of one pass.

Reading, flattening and checking an export is work in plain Python, one task after another,
so a second CPU is of no use to one pass through the file. `check_in_halves` cuts the file
near the middle, at a boundary between tasks (`stancepack.export.read.stream.plan_split`), and
checks the second half in a forked process while this one checks the first, both in chunks
(`stancepack.export.validate.chunks`). Then the second half's findings are moved after the first's:
its task positions shifted by the first half's task count, its ids added to the first
half's id registers, its counts added.

The report must be the one a single pass gives, so the second half's findings are used only
where they are sure to be the same:

- the first half's reader proves the cut, by reaching it from the start of the file at the
  end of a task (a guess inside a task, in a nested object, never is);
- the second half's reader found nothing to refuse (a refusal names a line and a column,
  which only a reader from the start of the file knows);
- no task of the second half is named by its position (a task without an id);
- no article of the second half also appears in the first, by its id or its text (a
  conflict or a repeat is reported against the article's first task).

Otherwise the first half's reader simply reads on to the end of the file, as in one pass,
and the second process's work is dropped.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import traceback
from collections.abc import Mapping
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from stancepack.export.issues import Issue
from stancepack.export.read.stream import Split, plan_split, stream_export, stream_part
from stancepack.export.validate.checks import RankedIssue
from stancepack.export.validate.chunks import ChunkChecks, IdRegister, chunks_of
from stancepack.export.validate.flatten import NAMED_BY_POSITION, Counts, Flattener
from stancepack.ground.errors import ExportError
from stancepack.schema.gazetteer import Gazetteer
from stancepack.schema.taxonomy import Taxonomy

# Files smaller than this are checked in one pass: forking and merging would cost more
# than the second CPU saves.
HALVES_FROM_BYTES = 32 << 20
# prctl(2): ask the kernel for a signal when the parent process ends.
PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class FlattenOptions:
    fix_utf16_offsets: bool = False
    gazetteer: Gazetteer | Mapping[str, str] | None = None


@dataclass(frozen=True)
class Part:
    """The second half to check: the file, where it starts, and how to check it."""

    path: Path
    split: Split
    taxonomy: Taxonomy
    chunk_tasks: int
    options: FlattenOptions


@dataclass(frozen=True)
class Half:
    """What checking the second half found, with task positions counted from its start."""

    structural: list[Issue]
    table_issues: list[RankedIssue]
    registers: dict[str, IdRegister]
    counts: dict[str, int]
    pre_1_0_tasks: int
    prediction_ids_only: int
    article_texts: dict[str, tuple[str, str]]


def can_check_in_halves(path: Path, halves_from: int | None) -> bool:
    """Whether ``path`` is large enough (``halves_from`` bytes; None: never) and this is
    Linux (where forking a process that has imported pandas and pyarrow is safe) with a
    second CPU for this process, which may start one (a daemon process may not)."""
    if halves_from is None or not sys.platform.startswith("linux"):
        return False
    if multiprocessing.current_process().daemon:
        return False
    try:
        return len(os.sched_getaffinity(0)) > 1 and path.stat().st_size >= halves_from
    except OSError:
        return False


def check_in_halves(
    path: Path, taxonomy: Taxonomy, chunk_tasks: int, options: FlattenOptions
) -> tuple[list[Issue], Counts] | None:
    """The issues and counts of the export at ``path`` (as `check_in_chunks` gives them),
    the second half checked in another process; None when the file cannot be cut (the
    caller checks it in one pass)."""
    split = plan_split(path)
    if split is None:
        return None
    flattener = Flattener(taxonomy, **vars(options))
    checks = ChunkChecks(taxonomy)
    second = SecondHalf(Part(path, split, taxonomy, chunk_tasks, options))
    taken: list[Half] = []

    def decide() -> bool:
        half = second.result()
        if half is not None and mergeable(half, flattener):
            taken.append(half)
        return bool(taken)

    try:
        stream = stream_export(path, split=split, decide=decide)
        for tables in chunks_of(stream.tasks, flattener, chunk_tasks):
            checks.add(tables)
    finally:
        second.close()
    if taken:
        merge(taken[0], flattener, checks)
    issues = [*flattener.file_notes(), *checks.structural, *checks.finish()]
    return issues, Counts(**flattener.counts)


def mergeable(half: Half, first: Flattener) -> bool:
    """Whether the second half's findings are those a single pass would make (see the
    module's documentation); ``first`` has read the first half."""
    if any(issue.code in NAMED_BY_POSITION for issue in half.structural):
        return False
    texts, hashes = first.article_texts, first.article_hashes
    return not any(
        article_id in texts or digest in hashes
        for article_id, (digest, _) in half.article_texts.items()
    )


def merge(half: Half, first: Flattener, checks: ChunkChecks) -> None:
    """Add the second half's findings to the first half's, as found after its tasks."""
    offset = first.counts["tasks"]
    checks.structural.extend(moved(issue, offset) for issue in half.structural)
    checks.table_issues.extend(
        RankedIssue(moved(ranked.issue, offset), ranked.rank) for ranked in half.table_issues
    )
    for table, register in checks.registers.items():
        register.merge(half.registers[table], offset)
    for name, count in half.counts.items():
        first.counts[name] += count
    first.pre_1_0_tasks += half.pre_1_0_tasks
    first.prediction_ids_only += half.prediction_ids_only


def moved(issue: Issue, offset: int) -> Issue:
    """An issue of the second half, its task position shifted by ``offset`` (an order of
    (0,) places an issue in no task)."""
    if not issue.order or issue.order[0] == 0:
        return issue
    return replace(issue, order=(issue.order[0] + offset, *issue.order[1:]))


class SecondHalf:
    """The second half of the file, checked in a forked process."""

    def __init__(self, part: Part) -> None:
        context = multiprocessing.get_context("fork")
        self.connection, theirs = context.Pipe(duplex=False)
        self.process = context.Process(
            target=_check_second_half,
            args=(theirs, part, os.getpid()),
            name="stancepack-second-half",
            daemon=True,
        )
        self.process.start()
        theirs.close()

    def result(self) -> Half | None:
        """The findings; None when the second half had something to refuse."""
        try:
            outcome, value = self.connection.recv()
        except EOFError:
            raise RuntimeError(
                f"the process checking the second half ended (exit code {self.process.exitcode})"
            ) from None
        if outcome == "failed":
            raise RuntimeError(f"checking the second half failed:\n{value}")
        return value

    def close(self) -> None:
        self.connection.close()
        if self.process.is_alive():
            self.process.terminate()
        self.process.join()


def _check_second_half(connection: Connection, part: Part, parent: int) -> None:
    """The forked process: check the part and send back a `Half` (None for a refusal).
    It dies with the first process (``parent``); an interrupt is the first process's to
    handle: it ends this one."""
    die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        outcome: tuple[str, Any] = (
            "done",
            second_half(part),
        )
    except BaseException:
        outcome = ("failed", traceback.format_exc())
    try:
        connection.send(outcome)
    except OSError:  # the first process has stopped listening
        pass
    finally:
        connection.close()


def die_with_parent(parent: int) -> None:
    """Have the kernel kill this process (SIGKILL) when its parent process ends, however it
    ends; exit at once if ``parent`` has already ended (this process has another parent)."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"prctl(PR_SET_PDEATHSIG): {os.strerror(error)}")
    if os.getppid() != parent:
        os._exit(1)


def second_half(part: Part) -> Half | None:
    """Check the tasks after ``part.split``; None when they have something to refuse."""
    flattener = Flattener(part.taxonomy, **vars(part.options))
    checks = ChunkChecks(part.taxonomy)
    try:
        tasks = stream_part(part.path, part.split)
        for tables in chunks_of(tasks, flattener, part.chunk_tasks):
            checks.add(tables)
    except ExportError:
        return None
    return Half(
        structural=checks.structural,
        table_issues=checks.table_issues,
        registers=checks.registers,
        counts=flattener.counts,
        pre_1_0_tasks=flattener.pre_1_0_tasks,
        prediction_ids_only=flattener.prediction_ids_only,
        article_texts=flattener.article_texts,
    )
