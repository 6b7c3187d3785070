"""Benchmark of `stancepack validate` against the parse floor and the SDK converter.

For each size, a synthetic full JSON export (benchmarks/synth.py) is written to a temporary
folder; then each of three jobs runs in a fresh process, which reports its wall time and
its peak resident memory:

- json: stdlib ``json.load`` of the file (the parse floor);
- validate: ``validate_export`` of the file plus the text report (what `stancepack
  validate` does after its imports);
- converter: label_studio_sdk.converter's JSON_MIN conversion of the same file.

    python benchmarks/bench_validate.py 10000 100000 --repeat 3
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
JOBS = ("json", "validate", "converter")

CHILD = r"""
import json, os, resource, sys, tempfile, time
job, path = sys.argv[1], sys.argv[2]
def resident_mb():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6
if job == "json":
    before = resident_mb(); started = time.perf_counter()
    with open(path, "rb") as handle:
        json.load(handle)
elif job == "validate":
    from stancepack.export.checks import validate_export
    from stancepack.export.report import format_text
    from stancepack.schema.tables import export_models
    from stancepack.schema.taxonomy import load_taxonomy
    taxonomy = load_taxonomy(); export_models(taxonomy)
    before = resident_mb(); started = time.perf_counter()
    report = validate_export(path, taxonomy)
    format_text(report)
    print(json.dumps(report.summary), file=sys.stderr)
else:
    from label_studio_sdk.converter import Converter
    from stancepack.annotate.labeling_config import build_label_config
    from stancepack.schema.taxonomy import load_taxonomy
    config = build_label_config(load_taxonomy())
    output = tempfile.mkdtemp()
    before = resident_mb(); started = time.perf_counter()
    converter = Converter(config, project_dir=None, download_resources=False)
    converter.convert(path, output, "JSON_MIN", is_dir=False)
seconds = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3
print(json.dumps({"seconds": seconds, "peak_mb": peak, "before_mb": before}))
"""


def run_job(job: str, path: Path) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, job, str(path)],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(path: Path, repeat: int) -> dict[str, dict[str, float]]:
    runs: dict[str, list[dict[str, float]]] = {job: [] for job in JOBS}
    for _ in range(repeat):
        for job in JOBS:
            runs[job].append(run_job(job, path))
    return {
        job: {
            "seconds": statistics.median(run["seconds"] for run in found),
            "peak_mb": max(run["peak_mb"] for run in found),
            "added_mb": max(run["peak_mb"] - run["before_mb"] for run in found),
        }
        for job, found in runs.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("counts", type=int, nargs="+", help="Tasks per synthetic export.")
    parser.add_argument("--repeat", type=int, default=1, help="Runs per job (median time).")
    args = parser.parse_args()
    sys.path.insert(0, str(REPO))
    from benchmarks.synth import write_export

    with tempfile.TemporaryDirectory() as folder:
        for count in args.counts:
            path = write_export(Path(folder) / f"export-{count}.json", count)
            size = path.stat().st_size / 1e6
            result = measure(path, args.repeat)
            print(f"{count} tasks, {size:.0f} MB:")
            for job, numbers in result.items():
                print(
                    f"  {job:<9} {numbers['seconds']:7.2f} s  peak {numbers['peak_mb']:6.0f} MB  "
                    f"({numbers['added_mb']:+.0f} MB)"
                )
            validate = result["validate"]["seconds"]
            print(
                f"  validate / json.load {validate / result['json']['seconds']:.2f}, "
                f"validate / converter {validate / result['converter']['seconds']:.2f}"
            )
            path.unlink()


if __name__ == "__main__":
    main()
