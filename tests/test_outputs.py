"""Nothing the user did not name as the output is ever deleted or overwritten.

Outputs that are, contain or lie inside an input are refused, ``--force`` or not;
``--force`` replaces only a folder an earlier run of the same command wrote (its
manifest lists it); file outputs are replaced only with ``--force``, never when they are
not regular files; failures and signals leave no staging debris and the earlier output
as it was; debris a killed run left is removed by the next run, which says so."""

from __future__ import annotations

import os
import resource
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from stancepack.cli import TERMINATED_EXIT, cli
from stancepack.ground.atomic import MANIFEST_FILE, atomic_directory, atomic_file
from stancepack.ground.errors import OutputError
from tests.helpers import REPO, SEED_ARTICLES

SEED_EXPORT = REPO / "data" / "exports" / "seed-articles.json"
STANCEPACK = [sys.executable, "-m", "stancepack.cli"]


def run(*args: object, cwd: Path | None = None):
    previous = Path.cwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        return CliRunner().invoke(cli, [str(arg) for arg in args])
    finally:
        os.chdir(previous)


def tree(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def debris(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir() if ".stancepack-" in path.name)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A user's project folder: the export and notes of their own."""
    folder = tmp_path / "proj"
    folder.mkdir()
    shutil.copyfile(SEED_EXPORT, folder / "seed-articles.json")
    (folder / "notes.txt").write_text("my notes", encoding="utf-8")
    return folder


# --- Outputs that are, contain or lie inside an input --------------------------------------


@pytest.mark.parametrize("force", [[], ["--force"]])
def test_package_into_the_folder_of_its_export_is_refused(project, force):
    before = tree(project)
    result = run("package", project / "seed-articles.json", "-o", project, *force)
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {project}: the output contains the export {project / 'seed-articles.json'}; "
        "choose an output outside the inputs\n"
    )
    assert tree(project) == before


def test_an_output_that_is_an_input_file_is_refused(tmp_path):
    articles = tmp_path / "articles"
    shutil.copytree(SEED_ARTICLES, articles)
    before = tree(articles)
    taxonomy = articles / "taxonomy.yaml"
    shutil.copyfile(REPO / "schema" / "taxonomy.yaml", taxonomy)
    result = run("schema", "codebook", "--taxonomy", taxonomy, "-o", taxonomy, "--force")
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {taxonomy}: the output is the taxonomy {taxonomy}; "
        "choose an output outside the inputs\n"
    )
    assert tree(articles) == {**before, "taxonomy.yaml": taxonomy.read_bytes()}


def test_rehydrate_into_the_folder_of_its_standoff_dataset_is_refused(tmp_path):
    work = tmp_path / "work2"
    standoff = work / "std"
    assert run("package", SEED_EXPORT, "-o", standoff, "--text", "standoff").exit_code == 0
    shutil.copyfile(SEED_EXPORT, work / "export.json")
    before = tree(work)
    for output in (work, standoff):
        result = run("rehydrate", standoff, "--articles", SEED_ARTICLES, "-o", output, "--force")
        assert result.exit_code == 1
        relation = "contains" if output == work else "is"
        assert result.stderr == (
            f"Error: {output}: the output {relation} the standoff dataset {standoff}; "
            "choose an output outside the inputs\n"
        )
    assert tree(work) == before


@pytest.mark.parametrize("output", [".", "CWD"])
def test_the_current_folder_is_never_an_output(tmp_path, output):
    (tmp_path / "notes.txt").write_text("my notes", encoding="utf-8")
    named = str(tmp_path) if output == "CWD" else output
    result = run("package", SEED_EXPORT, "-o", named, "--force", cwd=tmp_path)
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {tmp_path}: the output is current folder; choose an output outside the inputs\n"
    )
    assert sorted(path.name for path in tmp_path.iterdir()) == ["notes.txt"]


# --- --force replaces only what the same command wrote -------------------------------------


def test_force_replaces_a_dataset_the_same_command_wrote(tmp_path):
    target = tmp_path / "dataset"
    assert run("package", SEED_EXPORT, "-o", target).exit_code == 0
    first = tree(target)
    assert MANIFEST_FILE in first
    result = run("package", SEED_EXPORT, "-o", target, "--force", "--seed", "1")
    assert result.exit_code == 0, result.output
    assert tree(target) != first and set(tree(target)) == set(first)
    assert debris(tmp_path) == []


def test_force_refuses_a_dataset_folder_holding_a_file_of_the_user(tmp_path):
    target = tmp_path / "dataset"
    assert run("package", SEED_EXPORT, "-o", target).exit_code == 0
    (target / "mentions" / "my-notes.txt").write_text("keep me", encoding="utf-8")
    before = tree(target)
    result = run("package", SEED_EXPORT, "-o", target, "--force")
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {target}: holds mentions/my-notes.txt, which stancepack did not write; "
        "--force replaces only what it wrote\n"
    )
    assert tree(target) == before


def test_force_refuses_an_output_folder_of_another_kind(tmp_path):
    other = tmp_path / "networks"
    with atomic_directory(other, kind="network") as staging:
        (staging / "edges.csv").write_text("source,target\n", encoding="utf-8")
    before = tree(other)
    result = run("package", SEED_EXPORT, "-o", other, "--force")
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {other}: not a dataset folder written by stancepack (no {MANIFEST_FILE} of "
        "one); --force replaces only such a folder\n"
    )
    assert tree(other) == before


def test_package_and_rehydrate_replace_each_others_datasets_with_force(tmp_path):
    standoff, full = tmp_path / "standoff", tmp_path / "full"
    assert run("package", SEED_EXPORT, "-o", standoff, "--text", "standoff").exit_code == 0
    assert run("rehydrate", standoff, "--articles", SEED_ARTICLES, "-o", full).exit_code == 0
    rehydrated = tree(full)
    assert run("package", SEED_EXPORT, "-o", full, "--force", "--seed", "3").exit_code == 0
    assert tree(full) != rehydrated
    again = run("rehydrate", standoff, "--articles", SEED_ARTICLES, "-o", full, "--force")
    assert again.exit_code == 0, again.output
    assert tree(full) == rehydrated


def test_a_manifest_names_every_file_written_and_nothing_else(tmp_path):
    import json

    target = tmp_path / "dataset"
    assert run("package", SEED_EXPORT, "-o", target).exit_code == 0
    manifest = json.loads((target / MANIFEST_FILE).read_text(encoding="utf-8"))
    assert manifest["kind"] == "dataset"
    assert manifest["files"] == sorted(set(tree(target)) - {MANIFEST_FILE})


# --- File outputs --------------------------------------------------------------------------


def test_an_existing_file_is_replaced_only_with_force(tmp_path):
    target = tmp_path / "codebook.md"
    target.write_text("mine", encoding="utf-8")
    result = run("schema", "codebook", "-o", target)
    assert result.exit_code == 1
    assert result.stderr == f"Error: {target}: exists (pass --force to replace it)\n"
    assert target.read_text(encoding="utf-8") == "mine"
    assert run("schema", "codebook", "-o", target, "--force").exit_code == 0
    assert target.read_text(encoding="utf-8").startswith("## Codebook: ")


@pytest.mark.parametrize("device", ["/dev/null", "/dev/full"])
def test_a_device_is_never_replaced(device):
    before = os.stat(device)
    result = run("schema", "codebook", "-o", device, "--force")
    assert result.exit_code == 1
    assert result.stderr == f"Error: {device}: not a regular file (a device, FIFO or socket)\n"
    after = os.stat(device)
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev


def test_a_fifo_is_never_replaced(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    result = run("schema", "codebook", "-o", fifo, "--force")
    assert result.exit_code == 1
    assert result.stderr == f"Error: {fifo}: not a regular file (a device, FIFO or socket)\n"
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_a_symbolic_link_is_written_through_and_kept(tmp_path):
    real = tmp_path / "real.md"
    real.write_text("old", encoding="utf-8")
    link = tmp_path / "link.md"
    link.symlink_to(real)
    assert run("schema", "codebook", "-o", link, "--force").exit_code == 0
    assert link.is_symlink() and link.resolve() == real
    assert real.read_text(encoding="utf-8").startswith("## Codebook: ")
    assert debris(tmp_path) == []


def test_a_full_disk_is_reported_and_nothing_is_written(tmp_path):
    """A file-size limit makes every write past 1 KB fail as a full disk does."""
    target = tmp_path / "codebook.md"

    def limit_file_size() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (1024, 1024))

    done = subprocess.run(
        [*STANCEPACK, "schema", "codebook", "-o", str(target)],
        capture_output=True,
        text=True,
        preexec_fn=limit_file_size,
        timeout=120,
    )
    assert done.returncode == 1
    assert done.stderr == f"Error: {target}: cannot write (File too large); nothing was written\n"
    assert list(tmp_path.iterdir()) == []


def writable_by_us(folder: Path) -> bool:
    probe = folder / ".probe"
    try:
        probe.write_text("", encoding="utf-8")
    except OSError:
        return False
    probe.unlink()
    return True


def read_only_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    if writable_by_us(folder):  # root writes anyway: take a read-only file system
        folder = Path("/sys/kernel")
        if writable_by_us(folder):
            pytest.skip("no read-only folder is available here")
    return folder


def test_an_output_inside_a_read_only_folder_is_one_line(tmp_path):
    folder = read_only_folder(tmp_path)
    target = folder / "codebook.md"
    result = run("schema", "codebook", "-o", target)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {target}: cannot write (")
    assert result.stderr.endswith("); nothing was written\n")
    assert result.stderr.count("\n") == 1
    assert not target.exists()


def test_outputs_follow_the_umask_and_secrets_are_private(tmp_path):
    previous = os.umask(0o027)
    try:
        with atomic_file(tmp_path / "shared.txt") as stream:
            stream.write(b"shared")
        with atomic_file(tmp_path / "secret.txt", secret=True) as stream:
            stream.write(b"secret")
        with atomic_directory(tmp_path / "dataset", kind="test") as staging:
            (staging / "a.txt").write_text("a", encoding="utf-8")
    finally:
        os.umask(previous)
    assert stat.S_IMODE(os.stat(tmp_path / "shared.txt").st_mode) == 0o640
    assert stat.S_IMODE(os.stat(tmp_path / "secret.txt").st_mode) == 0o600
    assert stat.S_IMODE(os.stat(tmp_path / "dataset").st_mode) == 0o750
    assert stat.S_IMODE(os.stat(tmp_path / "dataset" / "a.txt").st_mode) == 0o640


def test_a_failure_inside_a_staged_write_leaves_the_earlier_file(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("earlier", encoding="utf-8")
    with pytest.raises(OutputError), atomic_file(target, force=True) as stream:
        stream.write(b"half")
        raise OutputError("stop")
    assert target.read_text(encoding="utf-8") == "earlier"
    assert debris(tmp_path) == []


# --- Signals sent to real processes --------------------------------------------------------


@pytest.fixture(scope="module")
def large_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A synthetic export large enough that packaging it takes seconds."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        from synth import write_export
    finally:
        sys.path.remove(str(REPO / "benchmarks"))
    return write_export(tmp_path_factory.mktemp("large") / "export.json", 3000)


@pytest.fixture(scope="module")
def many_articles(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed articles and thousands of other ones: reading them takes seconds."""
    folder = tmp_path_factory.mktemp("many") / "articles"
    shutil.copytree(SEED_ARTICLES, folder)
    (folder / "manifest.csv").unlink()
    words = (REPO / "data" / "articles").glob("*.txt")
    text = " ".join(path.read_text(encoding="utf-8") for path in sorted(words))
    for number in range(3000):
        (folder / f"filler-{number:05d}.txt").write_text(
            f"Filler article {number}\n\n{number} {text}", encoding="utf-8"
        )
    return folder


def start(args: list[object], cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*STANCEPACK, *(str(arg) for arg in args)],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for_staging(process: subprocess.Popen[str], folder: Path, name: str) -> None:
    deadline = time.monotonic() + 120
    while not any(path.name.startswith(f".{name}.stancepack-") for path in folder.iterdir()):
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "no staging output appeared"
        time.sleep(0.02)


def interrupt(process: subprocess.Popen[str], signum: int) -> tuple[int, str]:
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=120)
    return process.returncode, stderr


EXIT_BY_SIGNAL = {signal.SIGINT: 1, signal.SIGTERM: TERMINATED_EXIT}


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_mid_package_leaves_the_earlier_dataset_and_no_debris(
    large_export, tmp_path, signum
):
    target = tmp_path / "dataset"
    assert run("package", SEED_EXPORT, "-o", target).exit_code == 0
    before = tree(target)
    process = start(["package", large_export, "-o", target, "--force"], tmp_path)
    wait_for_staging(process, tmp_path, "dataset")
    code, stderr = interrupt(process, signum)
    assert code == EXIT_BY_SIGNAL[signum], stderr
    assert "Traceback" not in stderr
    assert tree(target) == before
    assert debris(tmp_path) == []


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_mid_rehydrate_leaves_no_debris(many_articles, tmp_path, signum):
    standoff, target = tmp_path / "standoff", tmp_path / "full"
    assert run("package", SEED_EXPORT, "-o", standoff, "--text", "standoff").exit_code == 0
    process = start(["rehydrate", standoff, "--articles", many_articles, "-o", target], tmp_path)
    wait_for_staging(process, tmp_path, "full")
    code, stderr = interrupt(process, signum)
    assert code == EXIT_BY_SIGNAL[signum], stderr
    assert "Traceback" not in stderr
    assert not target.exists()
    assert debris(tmp_path) == []


def test_debris_of_a_killed_run_is_removed_by_the_next_run_which_says_so(large_export, tmp_path):
    target = tmp_path / "dataset"
    process = start(["package", large_export, "-o", target], tmp_path)
    wait_for_staging(process, tmp_path, "dataset")
    process.kill()
    process.communicate(timeout=60)
    left = debris(tmp_path)
    assert len(left) == 1 and left[0].startswith(f".dataset.stancepack-{process.pid}-")
    done = subprocess.run(
        [*STANCEPACK, "package", str(SEED_EXPORT), "-o", str(target)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert f"warning: removed {tmp_path / left[0]}, left by an interrupted run\n" in done.stderr
    assert debris(tmp_path) == []
    assert (target / "README.md").exists()


def test_an_earlier_output_moved_aside_by_a_killed_run_is_put_back(tmp_path):
    """A run killed between moving the earlier folder aside and renaming the new one."""
    target = tmp_path / "dataset"
    with atomic_directory(target, kind="test") as staging:
        (staging / "a.txt").write_text("earlier", encoding="utf-8")
    dead = dead_pid()
    retired = tmp_path / f".dataset.stancepack-{dead}-old-abc"
    retired.mkdir()
    os.replace(target, retired / "dataset")
    with atomic_directory(tmp_path / "other", kind="test"):
        pass
    assert not target.exists()  # another output: nothing of this one is touched
    with atomic_directory(target, force=True, kind="test") as staging:
        assert (target / "a.txt").read_text(encoding="utf-8") == "earlier"
        (staging / "a.txt").write_text("new", encoding="utf-8")
    assert (target / "a.txt").read_text(encoding="utf-8") == "new"
    assert debris(tmp_path) == []


def dead_pid() -> int:
    """The pid of a process that has ended."""
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def test_package_project_replaces_an_existing_export_only_with_force(tmp_path, monkeypatch):
    """The pull into EXPORT is refused before any server is asked (none listens here)."""
    export = tmp_path / "export.json"
    export.write_text("[]", encoding="utf-8")
    monkeypatch.setenv("LABEL_STUDIO_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", "0123456789abcdef")
    result = run("package", export, "--project", "1", "-o", tmp_path / "dataset")
    assert result.exit_code == 1
    assert result.stderr == f"Error: {export}: exists (pass --force to replace it)\n"
    assert export.read_text(encoding="utf-8") == "[]"
    assert not (tmp_path / "dataset").exists()


def test_a_staged_stream_is_named_by_its_staging_file(tmp_path):
    target = tmp_path / "out.txt"
    with atomic_file(target) as stream:
        staging = Path(stream.name)
        assert staging.parent == tmp_path and staging.name.startswith(".out.txt.stancepack-")
        stream.write(b"x")
    assert not staging.exists() and target.read_bytes() == b"x"
