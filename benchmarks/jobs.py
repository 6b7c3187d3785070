"""One benchmark job, run by benchmarks/run.py in a fresh process (not a test).

    python -m benchmarks.jobs JOB EXPORT [--work FOLDER]

Imports first, then the clock: the job's wall time excludes the imports and pandera's
first-use set-up (start-up is measured on its own). Prints one JSON line: the job, its wall
time, the peak resident memory of the process (and of its largest child) and the resident
memory before the work, plus job facts (package: seconds per stage; validate: the summary).

Jobs:

- ``json-load``: stdlib ``json.load`` of the file, as anyone would run it (the parse floor);
- ``json-load-nogc``: the same with the cyclic garbage collector off, as stancepack runs;
- ``orjson-load``: ``orjson.loads`` of the whole file, collector off (the fastest parse of
  the file into Python objects; the parser stancepack's streaming reader uses);
- ``validate``: what ``stancepack validate EXPORT`` does after its imports: stream the file
  (in two halves at once where it is large enough and the machine has two CPUs), check it
  in chunks, format the text report;
- ``validate-one-pass``: the same in one pass (``stancepack validate --one-pass``);
- ``validate-whole``: ``validate_export`` keeping the whole tables (the validation stage of
  ``package``);
- ``package``: ``package_export`` into a fresh folder (what ``stancepack package`` does);
- ``converter``: ``label_studio_sdk.converter``'s JSON_MIN conversion of the file (what users
  run today to flatten an export).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

JOBS = (
    "json-load",
    "json-load-nogc",
    "orjson-load",
    "validate",
    "validate-one-pass",
    "validate-whole",
    "package",
    "converter",
)


def resident_megabytes() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def peak_megabytes() -> float:
    """The peak resident memory of this process plus that of its largest child (the second
    half of ``validate``): an upper bound, as pages a child shares with this process count
    twice."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return (own + children) / 1e3  # kB on Linux


def json_load(path: Path, work: Path) -> Callable[[], dict[str, Any]]:
    def run() -> dict[str, Any]:
        with path.open("rb") as handle:
            tasks = json.load(handle)
        return {"tasks": len(tasks)}

    return run


def json_load_nogc(path: Path, work: Path) -> Callable[[], dict[str, Any]]:
    load = json_load(path, work)

    def run() -> dict[str, Any]:
        gc.disable()
        return load()

    return run


def orjson_load(path: Path, work: Path) -> Callable[[], dict[str, Any]]:
    import orjson

    def run() -> dict[str, Any]:
        gc.disable()
        tasks = orjson.loads(path.read_bytes())
        return {"tasks": len(tasks)}

    return run


def warm_up_validation() -> None:
    """Import pandas, pandera and pyarrow and let pandera set itself up (it imports more on
    its first validation): a fixed cost of each process, measured as start-up."""
    from stancepack.export.validate.run import validate_export
    from stancepack.schema.taxonomy import load_taxonomy

    validate_export([], load_taxonomy())


def validate(path: Path, work: Path, one_pass: bool = False) -> Callable[[], dict[str, Any]]:
    from stancepack.commands.export import CHUNK_TASKS
    from stancepack.export.validate.halves import HALVES_FROM_BYTES
    from stancepack.export.validate.report import format_text
    from stancepack.export.validate.run import validate_export
    from stancepack.schema.taxonomy import load_taxonomy

    warm_up_validation()
    halves_from = None if one_pass else HALVES_FROM_BYTES

    def run() -> dict[str, Any]:
        report = validate_export(
            path, load_taxonomy(), chunk_tasks=CHUNK_TASKS, halves_from=halves_from
        )
        format_text(report)
        return {"summary": report.summary, "chunk_tasks": CHUNK_TASKS}

    return run


def validate_one_pass(path: Path, work: Path) -> Callable[[], dict[str, Any]]:
    return validate(path, work, one_pass=True)


def validate_whole(path: Path, work: Path) -> Callable[[], dict[str, Any]]:
    from stancepack.export.validate.report import format_text
    from stancepack.export.validate.run import validate_export
    from stancepack.schema.taxonomy import load_taxonomy

    warm_up_validation()

    def run() -> dict[str, Any]:
        report = validate_export(path, load_taxonomy())
        format_text(report)
        return {"summary": report.summary}

    return run


def package(path: Path, work: Path) -> Callable[[], dict[str, Any]]:
    import datasets  # noqa: F401  (the features and the card use it)
    import huggingface_hub  # noqa: F401
    import pyarrow.parquet  # noqa: F401

    import stancepack.export.dataset.card  # noqa: F401
    from stancepack.export.dataset.package import package_export
    from stancepack.schema.taxonomy import load_taxonomy

    warm_up_validation()
    output = work / f"dataset-{os.getpid()}"

    def run() -> dict[str, Any]:
        try:
            result = package_export(path, output, load_taxonomy())
            size = sum(file.stat().st_size for file in output.rglob("*") if file.is_file())
        finally:
            shutil.rmtree(output, ignore_errors=True)
        rows = {config: sum(counts.values()) for config, counts in result.rows.items()}
        return {"stages": result.seconds, "rows": rows, "dataset_megabytes": size / 1e6}

    return run


def converter(path: Path, work: Path) -> Callable[[], dict[str, Any]]:
    from label_studio_sdk.converter import Converter

    from stancepack.annotate.labeling_config import build_label_config
    from stancepack.schema.taxonomy import load_taxonomy

    config = build_label_config(load_taxonomy())
    output = Path(tempfile.mkdtemp(prefix="json-min-", dir=work))

    def run() -> dict[str, Any]:
        try:
            Converter(config, project_dir=None, download_resources=False).convert(
                str(path), str(output), "JSON_MIN", is_dir=False
            )
        finally:
            shutil.rmtree(output, ignore_errors=True)
        return {}

    return run


PREPARE = {
    "json-load": json_load,
    "json-load-nogc": json_load_nogc,
    "orjson-load": orjson_load,
    "validate": validate,
    "validate-one-pass": validate_one_pass,
    "validate-whole": validate_whole,
    "package": package,
    "converter": converter,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("job", choices=JOBS)
    parser.add_argument("export", type=Path)
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()))
    args = parser.parse_args()
    run = PREPARE[args.job](args.export, args.work)
    before = resident_megabytes()
    started = time.perf_counter()
    facts = run()
    seconds = time.perf_counter() - started
    record = {
        "job": args.job,
        "seconds": seconds,
        "peak_mb": peak_megabytes(),
        "before_mb": before,
        **facts,
    }
    print(json.dumps(record), file=sys.stdout)


if __name__ == "__main__":
    main()
