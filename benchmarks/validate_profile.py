"""Where ``stancepack validate``'s time goes, and what ``--chunk-tasks`` costs (not a test).

    python benchmarks/validate_profile.py stages EXPORT [--chunk-tasks N] [--standard-scanner]
    python benchmarks/validate_profile.py chunks EXPORT [--sizes 1000,5000,20000]

``stages``: one pass in this process, the garbage collector off as ``validate`` runs, with
timers around each stage: reading and parsing (``--standard-scanner``: without the orjson
batches), flattening, building the chunks' DataFrames, the pandera checks and the id
registers. Prints a Markdown table.

``chunks``: the command line, ``stancepack validate EXPORT --chunk-tasks N`` with halves and
with ``--one-pass``, for each size: wall time (imports included) and the largest resident
set of the command and its child. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import gc
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
STAGES = ("reading and parsing", "flattening", "DataFrames", "pandera", "id registers")


def stages(path: Path, chunk_tasks: int, standard_scanner: bool) -> dict[str, float]:
    from stancepack.export.read.stream import BATCH_BYTES, stream_export
    from stancepack.export.validate.checks import RowContext, ranked_table_issues, table_schemas
    from stancepack.export.validate.chunks import UNIQUE_IDS, IdRegister
    from stancepack.export.validate.flatten import Flattener
    from stancepack.schema.taxonomy import load_taxonomy

    taxonomy = load_taxonomy()
    schemas = table_schemas(taxonomy, unique=False)
    ranked_table_issues(Flattener(taxonomy).take_rows(), taxonomy, schemas)  # pandera's set-up
    registers = [IdRegister(table) for table in UNIQUE_IDS]
    flattener = Flattener(taxonomy)
    seconds = dict.fromkeys(STAGES, 0.0)
    batch_bytes = None if standard_scanner else BATCH_BYTES
    tasks = iter(stream_export(path, batch_bytes=batch_bytes).tasks)
    gc.disable()
    while True:
        # One task at a time, as `stancepack validate` flattens them: a chunk of parsed
        # tasks is never held.
        for _ in range(chunk_tasks):
            started = time.perf_counter()
            task = next(tasks, None)
            seconds["reading and parsing"] += _since(started)
            if task is None:
                break
            started = time.perf_counter()
            flattener.add_task(task)
            seconds["flattening"] += _since(started)
        started = time.perf_counter()
        tables = flattener.take_rows()
        seconds["DataFrames"] += _since(started)
        started = time.perf_counter()
        ranked_table_issues(tables, taxonomy, schemas)
        seconds["pandera"] += _since(started)
        started = time.perf_counter()
        context = RowContext(tables)
        for register in registers:
            register.add(tables, context)
        seconds["id registers"] += _since(started)
        if task is None:
            return seconds


def _since(started: float) -> float:
    return time.perf_counter() - started


def stage_table(seconds: dict[str, float]) -> str:
    total = sum(seconds.values())
    lines = ["| stage | seconds | share |", "| --- | ---: | ---: |"]
    lines += [
        f"| {name} | {value:.2f} | {100 * value / total:.0f}% |" for name, value in seconds.items()
    ]
    lines.append(f"| total | {total:.2f} | |")
    return "\n".join(lines)


def run_command(arguments: list[str]) -> tuple[float, float]:
    """Wall time and the largest resident set (MB) of the command and its children."""
    started = time.perf_counter()
    process = subprocess.Popen(arguments, stdout=subprocess.DEVNULL, cwd=REPO)
    _, _, usage = os.wait4(process.pid, 0)
    process.returncode = 0  # reaped by wait4
    return time.perf_counter() - started, usage.ru_maxrss / 1e3  # kB on Linux


def chunk_table(path: Path, sizes: list[int]) -> str:
    command = [str(Path(sys.executable).parent / "stancepack"), "validate", str(path)]
    lines = [
        "| `--chunk-tasks` | with halves | `--one-pass` |",
        "| ---: | --- | --- |",
    ]
    for size in sizes:
        cells = []
        for extra in ([], ["--one-pass"]):
            seconds, megabytes = run_command([*command, "--chunk-tasks", str(size), *extra])
            cells.append(f"{seconds:.1f} s, {megabytes:,.0f} MB")
        lines.append(f"| {size:,} | {cells[0]} | {cells[1]} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("what", choices=("stages", "chunks"))
    parser.add_argument("export", type=Path)
    parser.add_argument("--chunk-tasks", type=int, default=5_000)
    parser.add_argument("--standard-scanner", action="store_true")
    parser.add_argument("--sizes", default="1000,5000,20000")
    args = parser.parse_args()
    if args.what == "stages":
        print(stage_table(stages(args.export, args.chunk_tasks, args.standard_scanner)))
    else:
        print(chunk_table(args.export, [int(size) for size in args.sizes.split(",")]))


if __name__ == "__main__":
    main()
