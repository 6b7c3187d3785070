"""``articles ingest -o`` interrupted by a real signal: no debris, the earlier output kept."""

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ARTICLES = 3000
WORDS_PER_ARTICLE = 200
STANCEPACK = Path(sys.executable).with_name("stancepack")


@pytest.fixture(scope="module")
def big_folder(tmp_path_factory) -> Path:
    """A corpus that takes seconds to ingest: distinct texts of random words."""
    folder = tmp_path_factory.mktemp("big") / "articles"
    folder.mkdir()
    rng = random.Random(14)
    vocabulary = [f"word{index}" for index in range(5000)]
    for number in range(ARTICLES):
        body = " ".join(rng.choices(vocabulary, k=WORDS_PER_ARTICLE))
        (folder / f"{number:05d}.txt").write_text(f"Title {number}\n{body}\n", "utf-8")
    return folder


def _wait_for_staging(process: subprocess.Popen, folder: Path, name: str) -> None:
    deadline = time.monotonic() + 60
    while not list(folder.glob(f".{name}.stancepack-*")):
        assert process.poll() is None, "the run ended before its staging file appeared"
        assert time.monotonic() < deadline, "no staging file within 60 s"
        time.sleep(0.01)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_mid_ingest_leaves_no_debris_and_the_earlier_output(big_folder, tmp_path, signum):
    output = tmp_path / "out.jsonl"
    output.write_bytes(b"earlier\n")
    process = subprocess.Popen(
        [str(STANCEPACK), "articles", "ingest", str(big_folder), "-o", str(output), "--force"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        _wait_for_staging(process, tmp_path, output.name)
        process.send_signal(signum)
        process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode != 0
    assert sorted(path.name for path in tmp_path.iterdir()) == ["out.jsonl"]
    assert output.read_bytes() == b"earlier\n"


def test_debris_of_a_killed_ingest_is_removed_by_the_next_run(big_folder, tmp_path):
    output = tmp_path / "out.jsonl"
    command = [str(STANCEPACK), "articles", "ingest", str(big_folder), "-o", str(output)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for_staging(process, tmp_path, output.name)
        process.kill()
    finally:
        process.wait()
    (debris,) = tmp_path.glob(".out.jsonl.stancepack-*")
    again = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    assert f"warning: removed {debris}, left by an interrupted run\n" in again.stderr
    assert sorted(path.name for path in tmp_path.iterdir()) == ["out.jsonl"]
    assert len(output.read_text(encoding="utf-8").splitlines()) == ARTICLES


def test_a_fifo_named_manifest_csv_does_not_hang_ingestion(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_bytes(b"A title\nFrance said troops could go.\n")
    os.mkfifo(folder / "manifest.csv")
    output = tmp_path / "out.jsonl"
    result = subprocess.run(
        [str(STANCEPACK), "articles", "ingest", str(folder), "-o", str(output)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == f"Error: {folder / 'manifest.csv'}: not a regular file (a FIFO)\n"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["in"]
