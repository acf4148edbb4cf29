"""Which files in the drop folder are documents: the name and type rules, and the scan.

Nothing here opens a file: a FIFO or a device in the drop folder must never
block the watcher, so every decision is made from the name and an ``lstat``.

A path named like a document (wanted suffix, not a temporary or hidden name)
is classified as a :class:`Candidate` (safe to read) or a :class:`Reject`
(must not be read, with the reason); any other path is not a document at all.
"""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

# Names editors, browsers, office suites and copy tools give files that are
# still being written or are not documents at all. Dotfiles cover `.#draft`
# (Emacs locks) and `.name.swp` (Vim) as well.
_TEMPORARY_PREFIXES = (".", "~$")
_TEMPORARY_SUFFIXES = ("~", ".part", ".tmp", ".crdownload", ".swp")

# What a non-regular file is, for the reason a reader sees; checked in this order.
_SPECIAL_FILES = (
    (stat.S_ISFIFO, "a named pipe, not a file"),
    (stat.S_ISCHR, "a character device, not a file"),
    (stat.S_ISBLK, "a block device, not a file"),
    (stat.S_ISSOCK, "a socket, not a file"),
)

Signature = tuple[int, int]
"""(size, mtime_ns) of a file: what must stay still for the file to be settled."""


@dataclass(frozen=True, slots=True)
class Candidate:
    """A regular file named like a document: safe to open and read."""

    path: Path
    size: int
    mtime_ns: int

    @property
    def signature(self) -> Signature:
        return (self.size, self.mtime_ns)


@dataclass(frozen=True, slots=True)
class Reject:
    """A path named like a document that must not be read, and why."""

    path: Path
    size: int
    mtime_ns: int
    reason: str

    @property
    def signature(self) -> Signature:
        return (self.size, self.mtime_ns)


def normalise_suffixes(suffixes: Collection[str]) -> frozenset[str]:
    """Lower-case each suffix and give it its leading dot: ``TXT`` -> ``.txt``."""
    if isinstance(suffixes, str):
        # A bare ".txt" is a Collection[str] too; iterating it would yield characters.
        suffixes = (suffixes,)
    return frozenset(s.lower() if s.startswith(".") else f".{s.lower()}" for s in suffixes)


def is_temporary_name(name: str) -> bool:
    """True for hidden files and the names of files still being written."""
    return name.startswith(_TEMPORARY_PREFIXES) or name.lower().endswith(_TEMPORARY_SUFFIXES)


def classify(
    path: Path, suffixes: Collection[str], max_bytes: int | None = None
) -> Candidate | Reject | None:
    """A :class:`Candidate` or :class:`Reject` for a path named like a document, else None.

    Rejected: symlinks, FIFOs, devices, sockets, regular files with more than
    one hard link, and files over ``max_bytes`` (None: no limit). Directories,
    missing paths, unwanted suffixes and temporary names give None. Uses
    ``lstat`` only, so it never blocks on a FIFO.
    """
    return classify_normalised(path, normalise_suffixes(suffixes), max_bytes)


def classify_normalised(
    path: Path, suffixes: frozenset[str], max_bytes: int | None = None
) -> Candidate | Reject | None:
    """:func:`classify` for ``suffixes`` already normalised (see :func:`normalise_suffixes`)."""
    name = path.name
    if not name or is_temporary_name(name) or path.suffix.lower() not in suffixes:
        return None
    try:
        st = path.lstat()
    except OSError:
        return None
    mode = st.st_mode
    if stat.S_ISDIR(mode):
        return None
    reason = _reject_reason(path, st, max_bytes)
    if reason is None:
        return Candidate(path, st.st_size, st.st_mtime_ns)
    return Reject(path, st.st_size, st.st_mtime_ns, reason)


def _reject_reason(path: Path, st: os.stat_result, max_bytes: int | None) -> str | None:
    mode = st.st_mode
    if stat.S_ISLNK(mode):
        try:
            target = os.readlink(path)
        except OSError:
            target = "an unreadable target"
        return f"a symbolic link to {target}; watcher reads only regular files in the inbox"
    for test, reason in _SPECIAL_FILES:
        if test(mode):
            return reason
    if not stat.S_ISREG(mode):
        return "not a regular file"
    if st.st_nlink > 1:
        return f"a hard link ({st.st_nlink} names); the file may be changed from elsewhere"
    if max_bytes is not None and st.st_size > max_bytes:
        return f"file too large: {st.st_size} bytes (limit {max_bytes})"
    return None


def is_candidate(path: Path, suffixes: Collection[str]) -> bool:
    """True if :func:`classify` finds ``path`` a :class:`Candidate` (no size limit).

    Symlinks, FIFOs, devices, directories and hard-linked files are never
    candidates; the file is not opened, so this never blocks.
    """
    return isinstance(classify(path, suffixes), Candidate)


def classify_tree(
    root: Path, suffixes: Collection[str], *, max_bytes: int | None = None
) -> list[Candidate | Reject]:
    """Every path under ``root`` named like a document, classified, oldest first.

    Sub-folders are included; hidden folders are skipped and symlinked folders
    are not followed (a symlinked folder named like a document is a Reject).
    Entries are sorted by (mtime, path) so a backlog is processed in arrival order.
    """
    wanted = normalise_suffixes(suffixes)
    found: list[tuple[int, Path, Candidate | Reject]] = []
    for dirpath, dirnames, filenames in os.walk(root, onerror=_report_walk_error):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        folder = Path(dirpath)
        # os.walk lists a symlink to a folder under dirnames; classify it like a file.
        for name in (*filenames, *dirnames):
            entry = classify_normalised(folder / name, wanted, max_bytes)
            if entry is not None:
                found.append((entry.mtime_ns, entry.path, entry))
    found.sort(key=lambda item: item[:2])
    return [entry for _, _, entry in found]


def scan(root: Path, suffixes: Collection[str]) -> list[Path]:
    """Every candidate under ``root``, sub-folders included, oldest first.

    The candidates of :func:`classify_tree`; rejected paths are left out.
    """
    return [entry.path for entry in classify_tree(root, suffixes) if isinstance(entry, Candidate)]


def _report_walk_error(error: OSError) -> None:
    log.warning("cannot list %s: %s", error.filename, error.strerror or error)
