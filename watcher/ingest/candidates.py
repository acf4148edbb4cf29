"""Which files in the drop folder are documents: the name and type filter, and the scan.

Nothing here opens a file: a FIFO or a device in the drop folder must never
block the watcher, so every decision is made from the name and an ``lstat``.
"""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Collection
from pathlib import Path

log = logging.getLogger(__name__)

# Names editors, browsers, office suites and copy tools give files that are
# still being written or are not documents at all. Dotfiles cover `.#draft`
# (Emacs locks) and `.name.swp` (Vim) as well.
_TEMPORARY_PREFIXES = (".", "~$")
_TEMPORARY_SUFFIXES = ("~", ".part", ".tmp", ".crdownload", ".swp")


def normalise_suffixes(suffixes: Collection[str]) -> frozenset[str]:
    """Lower-case each suffix and give it its leading dot: ``TXT`` -> ``.txt``."""
    if isinstance(suffixes, str):
        # A bare ".txt" is a Collection[str] too; iterating it would yield characters.
        suffixes = (suffixes,)
    return frozenset(s.lower() if s.startswith(".") else f".{s.lower()}" for s in suffixes)


def is_temporary_name(name: str) -> bool:
    """True for hidden files and the names of files still being written."""
    return name.startswith(_TEMPORARY_PREFIXES) or name.lower().endswith(_TEMPORARY_SUFFIXES)


def candidate_stat(path: Path, suffixes: frozenset[str]) -> os.stat_result | None:
    """The ``lstat`` of ``path`` if it is a candidate, else None.

    ``suffixes`` must already be normalised (see :func:`normalise_suffixes`).
    """
    name = path.name
    if not name or is_temporary_name(name) or path.suffix.lower() not in suffixes:
        return None
    try:
        st = path.lstat()
    except OSError:
        return None
    return st if stat.S_ISREG(st.st_mode) else None


def is_candidate(path: Path, suffixes: Collection[str]) -> bool:
    """True if ``path`` is a regular file with a wanted suffix and not a temporary file.

    Symlinks, FIFOs, devices and directories are never candidates; the file is
    not opened, so this never blocks.
    """
    return candidate_stat(path, normalise_suffixes(suffixes)) is not None


def scan(root: Path, suffixes: Collection[str]) -> list[Path]:
    """Every candidate under ``root``, sub-folders included, oldest first.

    Hidden folders are skipped and symlinked folders are not followed. Files
    are sorted by (mtime, path) so a backlog is processed in arrival order.
    """
    wanted = normalise_suffixes(suffixes)
    found: list[tuple[int, Path]] = []
    for dirpath, dirnames, filenames in os.walk(root, onerror=_report_walk_error):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        folder = Path(dirpath)
        for name in filenames:
            path = folder / name
            st = candidate_stat(path, wanted)
            if st is not None:
                found.append((st.st_mtime_ns, path))
    found.sort()
    return [path for _, path in found]


def _report_walk_error(error: OSError) -> None:
    log.warning("cannot list %s: %s", error.filename, error.strerror or error)
