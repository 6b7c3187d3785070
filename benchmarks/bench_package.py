"""Benchmark of ``stancepack package`` on synthetic full JSON exports (not a test).

Writes a synthetic export of COUNT tasks (benchmarks/synth.py) unless it exists, packages
it into a fresh folder, and prints wall time, peak memory (max RSS of this process) and
the seconds spent in each stage: validation (read + flatten + pandera checks),
adjudication, agreement, tables (splits, raw layer, actors, counts) and writing (parquet
files and the card).

    python benchmarks/bench_package.py 10000 --work /tmp/bench
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import time
from pathlib import Path

from benchmarks.synth import write_export
from stancepack.export.package import package_export
from stancepack.schema.taxonomy import load_taxonomy


def peak_rss_megabytes() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("count", type=int)
    parser.add_argument("--work", required=True, help="Folder for the export and the dataset.")
    args = parser.parse_args()
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    export = work / f"export-{args.count}.json"
    if not export.exists():
        write_export(export, args.count)
    output = work / f"dataset-{args.count}"
    shutil.rmtree(output, ignore_errors=True)
    before = peak_rss_megabytes()
    clock = time.perf_counter()
    result = package_export(export, output, load_taxonomy())
    wall = time.perf_counter() - clock
    stages = {name: round(seconds, 2) for name, seconds in result.seconds.items()}
    shares = {name: f"{100 * seconds / wall:.0f}%" for name, seconds in result.seconds.items()}
    size = sum(path.stat().st_size for path in output.rglob("*") if path.is_file())
    print(
        json.dumps(
            {
                "tasks": args.count,
                "export_megabytes": round(export.stat().st_size / 1e6, 1),
                "wall_seconds": round(wall, 2),
                "peak_rss_megabytes": round(peak_rss_megabytes()),
                "rss_before_megabytes": round(before),
                "stage_seconds": stages,
                "stage_share": shares,
                "rows": {config: sum(rows.values()) for config, rows in result.rows.items()},
                "dataset_megabytes": round(size / 1e6, 1),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
