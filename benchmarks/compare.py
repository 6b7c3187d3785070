"""Compare the jobs of benchmarks/jobs.py on this tree and on an earlier revision, in one run.

    python -m benchmarks.compare --baseline REV --sizes 10000,100000 --repeat 5

The earlier revision is taken with ``git archive`` into a temporary folder and installed
there (``pip install --target``, no dependencies: both use this environment's libraries).
Each job then runs in a fresh process on the same synthetic export (benchmarks/synth.py,
written once into ``--work``), alternating baseline and current run by run, so that both
see the same machine. Printed per size and job: the median wall time of each side, the
ratio current / baseline, and the runs (not a test: figures vary with the machine's load).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.run import _counts, export_of  # noqa: E402

DEFAULT_JOBS = "validate,validate-one-pass,package"
# Runs the jobs module of a tree with the stancepack it names first on sys.path.
LAUNCH = (
    "import runpy, sys\n"
    "site, benchmarks = sys.argv.pop(1), sys.argv.pop(1)\n"
    "sys.path[:0] = [p for p in (site, benchmarks) if p]\n"
    "import stancepack.export\n"
    "assert not site or stancepack.export.__file__.startswith(site), stancepack.export.__file__\n"
    "runpy.run_module('benchmarks.jobs', run_name='__main__', alter_sys=True)\n"
)


@dataclass(frozen=True)
class Side:
    """One tree whose jobs are measured: where its stancepack and its benchmarks are."""

    name: str
    site: str  # "" for the installed current tree
    benchmarks: Path

    def run(self, job: str, export: Path, work: Path) -> float:
        done = subprocess.run(
            [sys.executable, "-c", LAUNCH, self.site, str(self.benchmarks),
             job, str(export), "--work", str(work)],
            cwd=work, capture_output=True, text=True, check=False,
        )  # fmt: skip
        if done.returncode != 0:
            raise SystemExit(f"{self.name}: job {job} failed:\n{done.stderr[-2000:]}")
        return float(json.loads(done.stdout.strip().splitlines()[-1])["seconds"])


def baseline_side(revision: str, folder: Path) -> Side:
    """The tree of ``revision``, unpacked and installed into ``folder``."""
    archive = subprocess.run(
        ["git", "archive", "--format=tar", revision], cwd=REPO, capture_output=True, check=True
    ).stdout
    tree, site = folder / "tree", folder / "site"
    with tarfile.open(fileobj=BytesIO(archive)) as unpacked:
        unpacked.extractall(tree, filter="data")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
         "--target", str(site), str(tree)],
        check=True,
    )  # fmt: skip
    return Side(f"baseline {revision}", str(site), tree)


def compare(sides: list[Side], export: Path, jobs: list[str], repeat: int, work: Path) -> None:
    print(f"{export.name}:")
    for job in jobs:
        seconds: dict[str, list[float]] = {side.name: [] for side in sides}
        for _ in range(repeat):
            for side in sides:
                seconds[side.name].append(side.run(job, export, work))
        base, current = (statistics.median(seconds[side.name]) for side in sides)
        runs = "; ".join(
            f"{name}: {', '.join(f'{value:.2f}' for value in values)}"
            for name, values in seconds.items()
        )
        print(
            f"  {job:<18} baseline {base:7.2f} s  current {current:7.2f} s  "
            f"ratio {current / base:5.3f}   ({runs})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--baseline", required=True, help="Git revision to compare with.")
    parser.add_argument("--sizes", type=_counts, default=[10_000, 100_000])
    parser.add_argument("--jobs", default=DEFAULT_JOBS)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--work", type=Path, default=REPO / "benchmarks" / "out")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="stancepack-baseline-") as folder:
        sides = [baseline_side(args.baseline, Path(folder)), Side("current", "", REPO)]
        for count in args.sizes:
            compare(
                sides, export_of(args.work, count), args.jobs.split(","), args.repeat, args.work
            )


if __name__ == "__main__":
    main()
