"""The benchmark suite: validate and package against the parse floor and the SDK converter.

    python benchmarks/run.py --sizes 10000,100000 --stream-sizes 300000,1000000

For each size in ``--sizes`` a synthetic full JSON export (benchmarks/synth.py: news-length
articles, about five actor spans per annotation with stance and roles, relations, 10% of
tasks with two annotators, some cancelled) is written once into ``--work`` (default
benchmarks/out/, not versioned) and reused. Each job (benchmarks/jobs.py) then runs in a
fresh process, ``--repeat`` times round-robin, for its wall time (median) and peak resident
memory (largest): stdlib ``json.load`` with and without the garbage collector (the parse
floor), ``orjson.loads`` (the fastest parse), ``stancepack validate``, validation keeping the
whole tables, ``stancepack package``, and label_studio_sdk.converter's JSON_MIN conversion
(what users run today).

``--stream-sizes`` measures ``stancepack validate`` alone on larger exports, to show that
its memory does not grow with the export. Start-up of the command line is measured too:
``stancepack --help`` and ``stancepack validate`` of a one-task export, and the heavy modules
each imports.

The tables are printed and written into BENCHMARKS.md between the results markers, with the
machine they were measured on (``--no-write`` only prints).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.jobs import JOBS  # noqa: E402
from benchmarks.synth import write_export  # noqa: E402

START = "<!-- results: written by benchmarks/run.py -->"
END = "<!-- end of results -->"
HEAVY_MODULES = ("pandas", "pandera", "pyarrow", "numpy", "datasets", "label_studio_sdk")
PACKAGES = ("stancepack", "pandas", "pandera", "pyarrow", "datasets", "label-studio-sdk")
STAGES = ("validation", "adjudication", "agreement", "tables", "writing")
# (what the target says, job, baseline, largest ratio of their wall times)
TARGETS = (
    ("validate ≤ 1.5 × json.load", "validate", "json-load", 1.5),
    ("validate ≤ 1.5 × json.load, GC off", "validate", "json-load-nogc", 1.5),
    ("validate ≥ 2 × faster than the converter (ratio ≤ 0.5)", "validate", "converter", 0.5),
    ("validate --one-pass ≤ 1.5 × json.load", "validate-one-pass", "json-load", 1.5),
    ("validate --one-pass ≤ 1.5 × json.load, GC off", "validate-one-pass", "json-load-nogc", 1.5),
    ("validate --one-pass ≥ 2 × faster than the converter", "validate-one-pass", "converter", 0.5),
    ("package ≤ 3 × json.load", "package", "json-load", 3.0),
    ("package ≤ 3 × json.load, GC off", "package", "json-load-nogc", 3.0),
)


# --- exports -----------------------------------------------------------------------------


def export_of(work: Path, count: int) -> Path:
    """The synthetic export of ``count`` tasks, written once (atomically) and reused."""
    path = work / f"export-{count}.json"
    if not path.exists():
        partial = path.with_suffix(".partial")
        started = time.perf_counter()
        write_export(partial, count)
        os.replace(partial, path)
        print(f"wrote {path.name} in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return path


# --- jobs --------------------------------------------------------------------------------


def run_job(job: str, path: Path, work: Path) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.jobs", job, str(path), "--work", str(work)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"job {job} on {path.name} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(path: Path, jobs: tuple[str, ...], repeat: int, work: Path) -> dict[str, Any]:
    """Each job ``repeat`` times, round-robin: median wall time, largest peak memory."""
    runs: dict[str, list[dict[str, Any]]] = {job: [] for job in jobs}
    for round_number in range(repeat):
        for job in jobs:
            record = run_job(job, path, work)
            runs[job].append(record)
            print(
                f"  {path.name} {job} run {round_number + 1}: {record['seconds']:.2f} s, "
                f"peak {record['peak_mb']:.0f} MB",
                file=sys.stderr,
            )
    results = {}
    for job, records in runs.items():
        median = statistics.median(record["seconds"] for record in records)
        middle = min(records, key=lambda record: abs(record["seconds"] - median))
        results[job] = {
            **middle,
            "seconds": median,
            "runs": [round(record["seconds"], 2) for record in records],
            "peak_mb": max(record["peak_mb"] for record in records),
        }
    return results


# --- start-up ------------------------------------------------------------------------------

IMPORTS = (
    "import sys\n"
    "from stancepack.cli import main\n"
    "sys.argv = ['stancepack', *sys.argv[1:]]\n"
    "try:\n    main()\nexcept SystemExit:\n    pass\n"
    f"heavy = [m for m in {HEAVY_MODULES!r} if m in sys.modules]\n"
    "print('HEAVY=' + ','.join(heavy), file=sys.stderr)\n"
)


def startup(work: Path, runs: int) -> list[dict[str, Any]]:
    """Median wall time of the console script over ``runs`` runs, and the heavy modules
    each command imports."""
    one_task = export_of(work, 1)
    script = Path(sys.executable).parent / "stancepack"
    commands = {
        "stancepack --help": ["--help"],
        "stancepack validate (one-task export)": ["validate", str(one_task)],
    }
    rows = []
    for name, arguments in commands.items():
        seconds = []
        for _ in range(runs):
            started = time.perf_counter()
            subprocess.run([str(script), *arguments], capture_output=True, check=False)
            seconds.append(time.perf_counter() - started)
        done = subprocess.run(
            [sys.executable, "-c", IMPORTS, *arguments], capture_output=True, text=True, cwd=REPO
        )
        heavy = done.stderr.strip().splitlines()[-1].removeprefix("HEAVY=")
        rows.append(
            {
                "command": name,
                "seconds": statistics.median(seconds),
                "runs": runs,
                "heavy": heavy.split(",") if heavy else [],
            }
        )
    return rows


# --- the machine ---------------------------------------------------------------------------

CALIBRATION = (
    "import json, time\n"
    "started = time.perf_counter()\n"
    "total = 0\n"
    "for number in range(3_000_000):\n    total += number\n"
    "loop = time.perf_counter() - started\n"
    "size = 256 << 20\n"
    "started = time.perf_counter()\n"
    "block = bytearray(size)\n"
    "for offset in range(0, size, 4096):\n    block[offset] = 1\n"
    "touch = time.perf_counter() - started\n"
    "print(json.dumps({'loop_s': loop, 'page_us': touch / (size // 4096) * 1e6}))\n"
)


def calibration() -> dict[str, float]:
    """How fast this machine is right now: a pure-Python loop (CPU), and the cost of
    touching fresh memory (page faults), which dominates jobs that build large heaps."""
    done = subprocess.run(
        [sys.executable, "-c", CALIBRATION], capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout)


def machine() -> dict[str, str]:
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        total = next(
            line for line in Path("/proc/meminfo").read_text().splitlines() if "MemTotal" in line
        )
        memory = f"{int(total.split()[1]) / 1e6:.1f} GB"
    except OSError:
        memory = "unknown"
    versions = []
    for package in PACKAGES:
        try:
            versions.append(f"{package} {metadata.version(package)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{package} (not installed)")
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "memory": memory,
        "system": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "packages": ", ".join(versions),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "load": " / ".join(f"{value:.2f}" for value in os.getloadavg()),
    }


# --- the tables ----------------------------------------------------------------------------


def _ratio(value: float, base: float | None) -> str:
    return f"{value / base:.2f}" if base else "–"


def size_table(sizes: dict[int, dict[str, Any]], files: dict[int, Path]) -> list[str]:
    lines = [
        "| Tasks (file) | Job | Wall time (s) | Peak memory (MB) | Tasks/s "
        "| × json.load | × json.load, GC off | × orjson.loads | × converter |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for count, results in sizes.items():
        size = f"{count:,} ({files[count].stat().st_size / 1e6:,.0f} MB)"
        plain = results.get("json-load", {}).get("seconds")
        nogc = results.get("json-load-nogc", {}).get("seconds")
        fastest = results.get("orjson-load", {}).get("seconds")
        convert = results.get("converter", {}).get("seconds")
        for job, numbers in results.items():
            seconds = numbers["seconds"]
            lines.append(
                f"| {size} | {job} | {seconds:.2f} | {numbers['peak_mb']:,.0f} "
                f"| {count / seconds:,.0f} | {_ratio(seconds, plain)} | {_ratio(seconds, nogc)} "
                f"| {_ratio(seconds, fastest)} | {_ratio(seconds, convert)} |"
            )
    return lines


def stage_table(sizes: dict[int, dict[str, Any]]) -> list[str]:
    lines = [
        "| Tasks | " + " | ".join(STAGES) + " | package total (s) |",
        "|---|" + "--:|" * (len(STAGES) + 1),
    ]
    for count, results in sizes.items():
        if "package" not in results:
            continue
        stages = results["package"]["stages"]
        total = results["package"]["seconds"]
        cells = [
            f"{stages.get(stage, 0):.2f} s ({100 * stages.get(stage, 0) / total:.0f}%)"
            for stage in STAGES
        ]
        lines.append(f"| {count:,} | " + " | ".join(cells) + f" | {total:.2f} |")
    return lines


def target_table(sizes: dict[int, dict[str, Any]]) -> list[str]:
    lines = ["| Tasks | Target | Measured | Met |", "|---|---|--:|---|"]
    for count, results in sizes.items():
        seconds = {job: numbers["seconds"] for job, numbers in results.items()}
        for name, job, baseline, limit in TARGETS:
            if job in seconds and baseline in seconds:
                value = seconds[job] / seconds[baseline]
                met = "yes" if value <= limit else "no"
                lines.append(f"| {count:,} | {name} | {value:.2f} | {met} |")
    return lines


def stream_table(streamed: dict[int, dict[str, Any]], files: dict[int, Path]) -> list[str]:
    lines = [
        "| Tasks (file) | Job | Wall time (s) | Tasks/s | Peak memory (MB) |",
        "|---|---|--:|--:|--:|",
    ]
    for count, results in streamed.items():
        size = f"{count:,} ({files[count].stat().st_size / 1e6:,.0f} MB)"
        for job, numbers in results.items():
            lines.append(
                f"| {size} | {job} | {numbers['seconds']:.1f} | "
                f"{count / numbers['seconds']:,.0f} | {numbers['peak_mb']:,.0f} |"
            )
    return lines


def startup_table(rows: list[dict[str, Any]]) -> list[str]:
    lines = [
        "| Command | Wall time (s, median) | Heavy modules imported |",
        "|---|--:|---|",
    ]
    for row in rows:
        heavy = ", ".join(row["heavy"]) or "none"
        seconds = f"{row['seconds']:.2f} ({row['runs']} runs)"
        lines.append(f"| `{row['command']}` | {seconds} | {heavy} |")
    return lines


def render(
    facts: dict[str, str],
    sizes: dict[int, dict[str, Any]],
    streamed: dict[int, dict[str, Any]],
    starts: list[dict[str, Any]],
    files: dict[int, Path],
    repeat: int,
) -> str:
    lines = [
        START,
        "",
        f"Measured {facts['date']} on {facts['cpu']}, {facts['cores']} cores, "
        f"{facts['memory']} of memory, {facts['system']}; Python {facts['python']}; "
        f"{facts['packages']}. Load average at the start (1 / 5 / 15 min): {facts['load']}.",
        "",
        f"Calibration at the start and at the end of the run: a 3-million-step Python loop "
        f"took {facts['loop_start']} and {facts['loop_end']} s; touching fresh memory cost "
        f"{facts['page_start']} and {facts['page_end']} µs per 4 KB page, so that runs on "
        "different days or machines can be compared.",
        "",
        f"Wall time is the median of {repeat} runs (each in a fresh process, imports "
        "excluded); peak memory is the largest resident set of those runs (imports included). "
        "Ratios divide a job's wall time by the baseline's: below 1 is faster.",
        "",
        *size_table(sizes, files),
        "",
        "Targets:",
        "",
        *target_table(sizes),
        "",
        "Where `package` spends its time:",
        "",
        *stage_table(sizes),
    ]
    if streamed:
        lines += [
            "",
            "Larger exports (one run each):",
            "",
            *stream_table(streamed, files),
        ]
    lines += ["", "Start-up:", "", *startup_table(starts), "", END]
    return "\n".join(lines) + "\n"


def write_results(path: Path, section: str) -> None:
    """Replace the results section of BENCHMARKS.md (or append one)."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n\n"
    if START in text and END in text:
        before, rest = text.split(START, 1)
        after = rest.split(END, 1)[1].lstrip("\n")
        text = before + section + ("\n" + after if after else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    partial = path.with_suffix(".partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)


def _counts(text: str) -> list[int]:
    return [int(value) for value in text.split(",") if value.strip()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=_counts, default=[10_000, 100_000])
    parser.add_argument("--stream-sizes", type=_counts, default=[])
    parser.add_argument("--repeat", type=int, default=3, help="Runs per job and size.")
    parser.add_argument("--jobs", default=",".join(JOBS), help="Jobs for --sizes.")
    parser.add_argument("--stream-jobs", default="validate", help="Jobs for --stream-sizes.")
    parser.add_argument("--startup-runs", type=int, default=7)
    parser.add_argument("--work", type=Path, default=REPO / "benchmarks" / "out")
    parser.add_argument("--output", type=Path, default=REPO / "BENCHMARKS.md")
    parser.add_argument("--no-write", action="store_true", help="Only print the tables.")
    parser.add_argument(
        "--render-only",
        action="store_true",
        help="Measure nothing: render the figures of the last run (results.json in --work).",
    )
    args = parser.parse_args()
    jobs = tuple(job for job in args.jobs.split(",") if job)
    stream_jobs = tuple(job for job in args.stream_jobs.split(",") if job)
    unknown = {*jobs, *stream_jobs} - set(JOBS)
    if unknown:
        parser.error(f"unknown jobs: {', '.join(sorted(unknown))}")
    raw = args.work / "results.json"
    if args.render_only:
        results = json.loads(raw.read_text())
        facts, starts = results["machine"], results["startup"]
        sizes, streamed = _by_count(results["sizes"]), _by_count(results["streamed"])
        files = {count: export_of(args.work, count) for count in [*sizes, *streamed]}
        section = render(facts, sizes, streamed, starts, files, results.get("repeat", 3))
    else:
        section = measure_all(args, jobs, stream_jobs, raw)
    print(section)
    if not args.no_write:
        write_results(args.output, section)


def measure_all(
    args: argparse.Namespace, jobs: tuple[str, ...], stream_jobs: tuple[str, ...], raw: Path
) -> str:
    """Run every job, save the figures in ``raw`` and render the results section."""
    args.work.mkdir(parents=True, exist_ok=True)
    facts = machine()
    start = calibration()
    files = {count: export_of(args.work, count) for count in [*args.sizes, *args.stream_sizes]}
    sizes = {count: measure(files[count], jobs, args.repeat, args.work) for count in args.sizes}
    streamed = {
        count: measure(files[count], stream_jobs, 1, args.work) for count in args.stream_sizes
    }
    starts = startup(args.work, args.startup_runs)
    end = calibration()
    facts["loop_start"], facts["loop_end"] = f"{start['loop_s']:.2f}", f"{end['loop_s']:.2f}"
    facts["page_start"], facts["page_end"] = f"{start['page_us']:.1f}", f"{end['page_us']:.1f}"
    record = {"machine": facts, "sizes": sizes, "streamed": streamed, "startup": starts}
    raw.write_text(json.dumps({**record, "repeat": args.repeat}))
    return render(facts, sizes, streamed, starts, files, args.repeat)


def _by_count(figures: dict[str, Any]) -> dict[int, Any]:
    return {int(count): value for count, value in figures.items()}


if __name__ == "__main__":
    main()
