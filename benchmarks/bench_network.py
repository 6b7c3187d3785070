"""Time to build each discourse network type from the dataset of a synthetic export.

    python benchmarks/bench_network.py --sizes 10000,100000

For each size, the synthetic export (benchmarks/synth.py) is written into ``--work`` and
packaged there once (reused by later runs, as benchmarks/run.py reuses its exports). Then,
in this process: reading the dataset (parquet files, labels decoded), extracting the DNA
statements, building each network type from the mentions read (statements included; median
of ``--repeat`` runs) and serialising it as GraphML. Prints one table in Markdown (not a test).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.run import export_of  # noqa: E402
from stancepack.export.dataset.discourse import read_discourse, statements  # noqa: E402
from stancepack.export.dataset.network import TYPES, build_network, graphml_bytes  # noqa: E402
from stancepack.export.dataset.package import PackageOptions, package_export  # noqa: E402
from stancepack.schema.taxonomy import load_taxonomy  # noqa: E402


def dataset_of(work: Path, count: int) -> Path:
    """The dataset of the synthetic export of ``count`` tasks, packaged once."""
    folder = work / f"dataset-{count}"
    if not (folder / "stancepack.json").exists():
        started = time.perf_counter()
        package_export(export_of(work, count), folder, load_taxonomy(), PackageOptions())
        print(f"packaged {folder.name} in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return folder


def median_seconds(job: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = job()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def measure(dataset: Path, repeat: int) -> list[list[str]]:
    """Reading, extracting statements, and each type built from the read mentions (its
    statements extracted afresh each time, as a command does)."""
    read, discourse = median_seconds(lambda: read_discourse(dataset), repeat)
    extract, found = median_seconds(lambda: statements(replace(discourse)), repeat)
    size = f"{len(discourse.mentions):,} mentions, {len(found):,} statements"
    rows = [[size, "read the dataset", f"{read:.2f}", "", ""]]
    rows.append([size, "extract statements", f"{extract:.2f}", "", ""])
    for kind in TYPES:
        seconds, graph = median_seconds(
            lambda kind=kind: build_network(replace(discourse), kind), repeat
        )
        writing, _ = median_seconds(lambda graph=graph: graphml_bytes(graph), 1)
        shape = f"{graph.number_of_nodes():,} nodes, {graph.number_of_edges():,} edges"
        rows.append([size, kind, f"{seconds:.2f}", f"{writing:.2f}", shape])
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,100000", help="Task counts, comma-separated.")
    parser.add_argument("--repeat", type=int, default=3, help="Runs per network type.")
    parser.add_argument("--work", type=Path, default=REPO / "benchmarks" / "out")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    header = ["Tasks", "Dataset", "Step", "Build (s)", "GraphML (s)", "Network"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for count in (int(part) for part in args.sizes.split(",")):
        dataset = dataset_of(args.work, count)
        before = os.getloadavg()[0]
        for row in measure(dataset, args.repeat):
            print(f"| {count:,} | " + " | ".join(row) + " |", flush=True)
        after = os.getloadavg()[0]
        print(
            f"load average (1 min) before and after {count:,}: {before:.2f}, {after:.2f}",
            file=sys.stderr,
        )


if __name__ == "__main__":
    main()
