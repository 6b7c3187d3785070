"""Writing outputs so that nothing the user did not name is lost.

Every output is written into a staging file or folder beside the target, named
``.NAME.stancepack-PID-XXXX``, and renamed into place only when it is complete. Up front:

- an output that is, contains or lies inside one of the command's inputs (or the current
  folder) is refused, ``--force`` or not;
- an existing output file is replaced only with ``force``, and never when it is not a
  regular file (a device, a FIFO); a symbolic link is written through to its target;
- an existing output folder is replaced only with ``force``, and only when it holds
  nothing but what stancepack wrote there as an output of the same kind (a dataset, a
  network, a debate), as recorded in its manifest (``stancepack-files.json``); a folder
  meant to be edited (a debate) records each file's sha256, and a file changed since is
  the user's and is never replaced.

On any failure or interruption (Ctrl-C; SIGTERM, which the command line turns into an
exception) the staging file or folder is removed and an earlier output stays as it was.
Staging debris that a killed process left (SIGKILL gives no chance to clean up) is removed
by the next run that writes the same output, with a warning on the ``stancepack`` logger.
Outputs get the modes the umask gives; ``secret`` files are readable by the owner only.
"""

from __future__ import annotations

import errno
import hashlib
import json
import logging
import os
import secrets
import shutil
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, NamedTuple

from stancepack.ground.errors import OutputError

LOG = logging.getLogger("stancepack")

# Staging names: ".NAME.stancepack-PID-XXXX"; a retired earlier output: "...-old-XXXX".
STAGING_MARK = "stancepack"
RETIRED_MARK = "old"
MANIFEST_FILE = "stancepack-files.json"
MANIFEST_FORMAT = 1
SECRET_MODE = 0o600
# Errors of writing (not of reading an input) that a staged write reports as one line.
WRITE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EIO})

# Inputs of a command, by what they are ("export", "articles", ...): a mapping, or pairs
# when several inputs share a label.
Inputs = Mapping[str, "str | Path | None"] | Iterable[tuple[str, "str | Path | None"]]


# --- Refusals ------------------------------------------------------------------------------


def refuse_overlap(target: str | Path, inputs: Inputs | None) -> None:
    """Refuse an output that is, contains or lies inside an input or the current folder."""
    output = Path(target).resolve()
    pairs = list(inputs.items() if isinstance(inputs, Mapping) else inputs or [])
    for label, path in [*pairs, ("current folder", Path.cwd())]:
        if path is None:
            continue
        source = Path(path).resolve()
        if output == source:
            relation = "is"
        elif output in source.parents:
            relation = "contains"
        elif source in output.parents and label != "current folder":
            relation = "lies inside"
        else:
            continue
        what = label if label == "current folder" else f"the {label} {path}"
        raise OutputError(
            f"{target}: the output {relation} {what}; choose an output outside the inputs"
        )


def check_file_target(target: Path, force: bool) -> None:
    """Refuse a folder, a non-regular file, or an existing file without ``force``."""
    if not target.exists():
        return
    if target.is_dir():
        raise OutputError(f"{target}: is a folder; name a file")
    if not target.is_file():
        raise OutputError(f"{target}: not a regular file (a device, FIFO or socket)")
    if not force:
        raise OutputError(f"{target}: exists (pass --force to replace it)")


def check_folder_target(target: Path, force: bool, kind: str) -> None:
    """Refuse a file, a link, or a non-empty folder that ``force`` may not replace."""
    if target.is_symlink():
        raise OutputError(f"{target}: is a symbolic link; name the folder itself")
    if not target.exists():
        return
    if not target.is_dir():
        raise OutputError(f"{target}: exists and is not a folder")
    if not any(target.iterdir()):
        return
    if not force:
        raise OutputError(
            f"{target}: folder is not empty (pass --force to replace a {kind} folder that "
            "stancepack wrote)"
        )
    unknown = first_unknown_entry(target, kind)
    if unknown is not None:
        raise OutputError(unknown)


def first_unknown_entry(folder: Path, kind: str) -> str | None:
    """Why ``folder`` is not wholly an earlier output of this ``kind``, or None."""
    written = read_manifest(folder)
    if written is None or written.kind != kind:
        return (
            f"{folder}: not a {kind} folder written by stancepack (no {MANIFEST_FILE} of "
            "one); --force replaces only such a folder"
        )
    files = set(written.files) | {MANIFEST_FILE}
    for entry in sorted(folder.rglob("*")):
        if entry.is_dir() and not entry.is_symlink():
            continue  # a folder loses nothing of its own: what it holds is looked at
        name = entry.relative_to(folder).as_posix()
        if name not in files:
            return (
                f"{folder}: holds {name}, which stancepack did not write; "
                "--force replaces only what it wrote"
            )
    return first_changed_file(folder, written.sha256)


def first_changed_file(folder: Path, digests: Mapping[str, str]) -> str | None:
    """Why a file recorded with its sha256 is no longer what stancepack wrote, or None (a
    file since removed loses nothing)."""
    for name, digest in sorted(digests.items()):
        try:
            changed = file_sha256(folder / name) != digest
        except FileNotFoundError:
            continue
        except OSError:
            changed = True
        if changed:
            return (
                f"{folder}: {name} was changed since stancepack wrote it; "
                "--force replaces only what it wrote, unchanged"
            )
    return None


def file_sha256(path: Path) -> str:
    with open(path, "rb") as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest()


# --- Manifests -----------------------------------------------------------------------------


class Manifest(NamedTuple):
    """What an earlier output folder's manifest records: its kind, its files and, for a
    folder meant to be edited, each file's sha256 when it was written."""

    kind: str
    files: list[str]
    sha256: dict[str, str]


def read_manifest(folder: Path) -> Manifest | None:
    """The manifest of an earlier output folder, or None."""
    try:
        data = json.loads((folder / MANIFEST_FILE).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    valid = (
        isinstance(data, dict)
        and data.get("format") == MANIFEST_FORMAT
        and isinstance(data.get("files"), list)
        and all(isinstance(name, str) for name in data["files"])
        and isinstance(data.get("sha256", {}), dict)
    )
    if not valid:
        return None
    digests = {str(name): str(digest) for name, digest in data.get("sha256", {}).items()}
    return Manifest(str(data.get("kind")), data["files"], digests)


def write_manifest(folder: Path, kind: str, digests: bool = False) -> list[str]:
    """Record every file in ``folder`` (relative, sorted) as an output of this ``kind``,
    with each file's sha256 when ``digests``."""
    files = sorted(
        entry.relative_to(folder).as_posix()
        for entry in folder.rglob("*")
        if entry.is_file() and entry.name != MANIFEST_FILE
    )
    manifest: dict[str, object] = {"format": MANIFEST_FORMAT, "kind": kind, "files": files}
    if digests:
        manifest["sha256"] = {name: file_sha256(folder / name) for name in files}
    text = json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
    (folder / MANIFEST_FILE).write_text(text, encoding="utf-8")
    return files


# --- Modes and debris ----------------------------------------------------------------------


def current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def output_mode(folder: bool = False, secret: bool = False) -> int:
    if secret:
        return 0o700 if folder else SECRET_MODE
    return (0o777 if folder else 0o666) & ~current_umask()


def staging_prefix(target: Path, retired: bool = False) -> str:
    mark = f"-{RETIRED_MARK}" if retired else ""
    return f".{target.name}.{STAGING_MARK}-{os.getpid()}{mark}-"


def remove_debris(target: Path) -> list[Path]:
    """Remove staging files and folders that a killed run left beside ``target``.

    An earlier output that a run had moved aside when it was killed is put back when the
    target is missing. Debris of a process that still runs is left alone."""
    removed: list[Path] = []
    marker = f".{target.name}.{STAGING_MARK}-"
    try:
        entries = sorted(target.parent.iterdir())
    except OSError:
        return removed
    for entry in entries:
        if not entry.name.startswith(marker):
            continue
        owner, _, rest = entry.name[len(marker) :].partition("-")
        if not owner.isdigit() or len(owner) > 10 or process_alive(int(owner)):
            continue
        if rest.startswith(f"{RETIRED_MARK}-") and restore_retired(entry, target):
            continue
        remove_path(entry)
        LOG.warning("removed %s, left by an interrupted run", entry)
        removed.append(entry)
    return removed


def restore_retired(retired: Path, target: Path) -> bool:
    """Put an earlier output back when a killed run had moved it aside and left none."""
    earlier = retired / target.name
    if target.exists() or target.is_symlink() or not earlier.exists():
        return False
    os.replace(earlier, target)
    shutil.rmtree(retired, ignore_errors=True)
    LOG.warning("restored %s, which an interrupted run had moved to %s", target, retired)
    return True


def process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


def remove_path(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def cannot_write(target: Path, error: OSError) -> OutputError:
    reason = error.strerror or str(error)
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        reason = "no space left on the device"
    return OutputError(f"{target}: cannot write ({reason}); nothing was written")


# --- Files ---------------------------------------------------------------------------------


@contextmanager
def atomic_file(
    path: str | Path,
    *,
    force: bool = False,
    inputs: Inputs | None = None,
    secret: bool = False,
) -> Iterator[BinaryIO]:
    """Yield a binary stream on a staging file (its ``name`` is the staging file's path);
    on success it replaces ``path``.

    Claim the output before the slow work, so that every refusal comes first and an
    interruption leaves nothing behind."""
    named = Path(path)
    target = named.resolve() if named.is_symlink() else named
    refuse_overlap(target, inputs)
    check_file_target(target, force)
    prepare_parent(target)
    # The name is known before the file exists, so that an interruption at any point
    # after this line (even while the file is being created) removes it.
    staging = staging_name(target)
    try:
        with create_staging_file(target, staging, secret) as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(staging, target)
    except OSError as error:
        staging.unlink(missing_ok=True)
        if error.errno not in WRITE_ERRNOS:
            raise
        raise cannot_write(named, error) from None
    except BaseException:
        staging.unlink(missing_ok=True)
        raise


def prepare_parent(target: Path) -> None:
    """Make the target's folder and clear the debris of killed runs beside the target."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        remove_debris(target)
    except OSError as error:
        raise cannot_write(target, error) from None


def staging_name(target: Path, retired: bool = False) -> Path:
    return target.parent / f"{staging_prefix(target, retired)}{secrets.token_hex(6)}"


def create_staging_file(target: Path, staging: Path, secret: bool) -> BinaryIO:
    """Create ``staging`` (which must not exist) with the output's mode and open it."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    try:
        handle = os.open(staging, flags, SECRET_MODE)
    except OSError as error:
        raise cannot_write(target, error) from None
    try:
        os.fchmod(handle, output_mode(secret=secret))
    finally:
        os.close(handle)
    # opened again by its path, so that the stream's ``name`` is the staging file's
    return open(staging, "wb")  # noqa: SIM115


def atomic_write_bytes(
    path: str | Path,
    data: bytes,
    *,
    force: bool = True,
    inputs: Inputs | None = None,
    secret: bool = False,
) -> Path:
    """Write ``data`` to ``path`` through a staging file (see ``atomic_file``)."""
    with atomic_file(path, force=force, inputs=inputs, secret=secret) as stream:
        stream.write(data)
    return Path(path)


def atomic_write_text(
    path: str | Path,
    text: str,
    *,
    force: bool = True,
    inputs: Inputs | None = None,
    secret: bool = False,
) -> Path:
    return atomic_write_bytes(path, text.encode("utf-8"), force=force, inputs=inputs, secret=secret)


# --- Folders -------------------------------------------------------------------------------


@contextmanager
def atomic_directory(
    path: str | Path,
    force: bool = False,
    *,
    kind: str,
    inputs: Inputs | None = None,
    editable: bool = False,
) -> Iterator[Path]:
    """Yield a staging folder beside ``path``; on success it replaces ``path``.

    The folder gets a manifest of the files written into it and their ``kind`` ("dataset",
    "network", "debate"), so that a later run writing the same kind with ``force``
    recognises it as its own; an ``editable`` folder's manifest records each file's sha256,
    so that ``force`` never replaces a file the user has changed since."""
    target = Path(os.path.abspath(path))
    refuse_overlap(target, inputs)
    check_folder_target(target, force, kind)
    prepare_parent(target)
    staging = staging_name(target)
    try:
        create_staging_folder(target, staging)
        yield staging
        write_manifest(staging, kind, digests=editable)
        swap_into_place(staging, target)
    except OSError as error:
        shutil.rmtree(staging, ignore_errors=True)
        if error.errno not in WRITE_ERRNOS:
            raise
        raise cannot_write(Path(path), error) from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def create_staging_folder(target: Path, staging: Path) -> None:
    try:
        os.mkdir(staging, 0o700)
        staging.chmod(output_mode(folder=True))
    except OSError as error:
        raise cannot_write(target, error) from None


def swap_into_place(staging: Path, target: Path) -> None:
    """Rename ``staging`` to ``target``; an earlier ``target`` is moved aside first and
    removed only once the new one is in place (put back if that fails)."""
    if not target.exists():
        os.replace(staging, target)
        return
    retired = staging_name(target, retired=True)
    earlier = retired / target.name
    try:
        os.mkdir(retired, 0o700)
        os.replace(target, earlier)
        os.replace(staging, target)
    except BaseException:
        if earlier.exists() and not target.exists():
            os.replace(earlier, target)
        shutil.rmtree(retired, ignore_errors=True)
        raise
    shutil.rmtree(retired, ignore_errors=True)
