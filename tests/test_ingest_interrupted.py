"""``articles ingest -o`` interrupted by a real signal: no debris, the earlier output kept."""

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
