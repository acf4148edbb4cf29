"""Digest delivery to a folder: dated file names and crash-safe, never-clobbering writes."""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from watcher.digest.times import local
from watcher.errors import DigestError, Location

MAX_SAME_DAY = 999
"""How many digests of one name and day may sit side by side (``-2`` ... ``-999``)."""

_UNSAFE = re.compile(r"[^\w.-]+")


def digest_filename(name: str, period_end: datetime, timezone: str, suffix: str = ".md") -> str:
    """``<name>-<YYYY-MM-DD><suffix>``, the day being ``period_end``'s in ``timezone``.

    Characters that do not belong in a file name (separators, spaces) become ``-``.
    """
    day = local(period_end, timezone).date().isoformat()
    stem = _UNSAFE.sub("-", name).strip(".-") or "digest"
    return f"{stem}-{day}{suffix}"


def _candidates(directory: Path, filename: str) -> Iterator[Path]:
    yield directory / filename
    stem, suffix = Path(filename).stem, Path(filename).suffix
    for number in range(2, MAX_SAME_DAY + 1):
        yield directory / f"{stem}-{number}{suffix}"


def _write_temp(directory: Path, filename: str, data: bytes) -> Path:
    """Write ``data`` to a new hidden file in ``directory``, flushed to disk."""
    while True:
        temp = directory / f".{filename}.{secrets.token_hex(4)}.tmp"
        try:
            # O_EXCL: never write through a file or link someone else put there;
            # 0o666 lets the umask decide, as for any other file the user creates.
            fd = os.open(
                temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666
            )
        except FileExistsError:
            continue
        break
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return temp


def _publish(temp: Path, directory: Path, filename: str) -> Path:
    """Give ``temp`` the first free name among ``filename``, ``<stem>-2<suffix>``, ..."""
    for target in _candidates(directory, filename):
        try:
            # A hard link fails if the target exists, so two writers can never
            # overwrite each other's digest (exists() + replace() could).
            os.link(temp, target)
        except FileExistsError:
            continue
        except OSError:
            # No hard links on this file system (FAT, some network shares).
            if target.exists():
                continue
            os.replace(temp, target)
        return target
    raise DigestError(
        f"{MAX_SAME_DAY} digests named {filename!r} already exist",
        location=Location(str(directory)),
        hint="move old digests away",
    )


def _fsync_directory(directory: Path) -> None:
    # The new name must reach the disk too, or a crash can lose the file.
    if os.name != "posix":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomically(directory: Path, filename: str, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``directory/filename`` atomically and return the path.

    Readers see either no file or the whole digest. An existing file is never
    overwritten: a second digest of the same day becomes ``<stem>-2<suffix>``,
    then ``-3``, ... The directory is created if needed.
    """
    if not filename or filename in {".", ".."} or Path(filename).name != filename:
        raise DigestError(f"{filename!r} is not a plain file name")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        temp = _write_temp(directory, filename, text.encode("utf-8"))
        try:
            final = _publish(temp, directory, filename)
        finally:
            temp.unlink(missing_ok=True)
        _fsync_directory(directory)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise DigestError(
            f"cannot write the digest {filename!r}: {reason}", location=Location(str(directory))
        ) from exc
    return final
