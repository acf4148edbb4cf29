"""The drop-folder watcher: watchdog events and scans -> settled file paths.

Two threads cooperate. The watchdog observer thread turns events into
entries of a pending map (path -> last seen size and mtime). The settle
thread re-checks every pending path each ``poll_interval`` and, once its
size and mtime have not changed for ``settle_seconds`` (or at the next poll
after the writer closed it), classifies it: a readable document goes to
``on_ready``, a path that must not be read (FIFO, symlink, hard link, too
large, ...) to ``on_reject`` with the reason. Scans (at start-up, every
``reconcile_seconds``, after an inotify queue overflow, on
:meth:`InboxWatcher.rescan`, and of every new sub-folder) run on the settle
thread too, so neither caller ever waits on the disk.

Events are hints: the periodic full scan is what guarantees that a file whose
events were lost is still found.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import threading
import time
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from watchdog.events import (
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
    FileAttribEvent,
    FileClosedEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver
from watchdog.utils import platform

from watcher.errors import Location, WatcherError
from watcher.ingest.candidates import (
    Candidate,
    Reject,
    Signature,
    classify_normalised,
    classify_tree,
    normalise_suffixes,
)

log = logging.getLogger(__name__)

_V = TypeVar("_V")

Decision = tuple[Signature, str | None]
"""What was done with a path at a signature: handed out (None) or rejected (the reason)."""

# Only what says "a file appeared, changed, moved or went away". Asking for
# less also narrows the inotify mask, so readers of the folder (the
# extractor itself) cause no open/close-without-write events. Attribute
# events cover a `touch` and a change of link count.
_EVENT_TYPES: list[type[FileSystemEvent]] = [
    FileCreatedEvent,
    FileModifiedEvent,
    FileAttribEvent,
    FileMovedEvent,
    FileClosedEvent,
    FileDeletedEvent,
    DirCreatedEvent,
    DirMovedEvent,
    DirDeletedEvent,
]


@dataclass(slots=True)
class _Pending:
    signature: Signature
    since: float  # time.monotonic() when the signature was last seen to change
    closed: bool  # the writer closed the file and it still had this signature
    version: int = 0  # bumped by every event, so a poll never overwrites fresher news


class InboxWatcher:
    """Watches ``root`` and calls ``on_ready(path)`` for each file once it has settled.

    ``on_ready`` and ``on_reject`` run on the watcher's own thread, one path
    at a time, in the order paths settled. An exception from either is logged
    and the watcher carries on. A file is handed out again only if its size or
    mtime changed since it was last handed out; the consumer is expected to
    dedupe by content. A path that must not be read goes to
    ``on_reject(path, reason)`` instead (or is logged, without ``on_reject``),
    once per size, mtime and reason, and is never opened.

    ``reconcile_seconds`` (None: never) is how often the whole folder is
    scanned again to find files whose events were missed; a full scan also
    runs as soon as the kernel reports that its event queue overflowed.
    """

    def __init__(
        self,
        root: Path,
        on_ready: Callable[[Path], None],
        *,
        suffixes: Collection[str],
        settle_seconds: float = 1.0,
        poll_interval: float = 0.25,
        reconcile_seconds: float | None = 60.0,
        on_reject: Callable[[Path, str], None] | None = None,
        max_bytes: int | None = None,
    ) -> None:
        if settle_seconds < 0:
            raise ValueError(f"settle_seconds must be >= 0, got {settle_seconds}")
        if poll_interval <= 0:
            raise ValueError(f"poll_interval must be > 0, got {poll_interval}")
        if reconcile_seconds is not None and reconcile_seconds <= 0:
            raise ValueError(f"reconcile_seconds must be > 0 or None, got {reconcile_seconds}")
        if max_bytes is not None and max_bytes < 0:
            raise ValueError(f"max_bytes must be >= 0 or None, got {max_bytes}")
        self._root = Path(os.path.abspath(root))
        self._on_ready = on_ready
        self._on_reject = on_reject
        self._suffixes = normalise_suffixes(suffixes)
        self._settle_seconds = settle_seconds
        self._poll_interval = poll_interval
        self._reconcile_seconds = reconcile_seconds
        self._max_bytes = max_bytes

        self._lock = threading.Lock()  # guards the maps and counters below
        self._pending: dict[Path, _Pending] = {}
        self._decided: dict[Path, Decision] = {}  # handed out or rejected, at which signature
        self._scan_requests: dict[Path, None] = {}  # folders to scan, in request order
        self._last_scan_at: datetime | None = None
        self._overflows = 0
        self._next_reconcile = float("inf")  # time.monotonic(); settle thread only

        self._lifecycle = threading.Lock()  # serialises start() and stop()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._observer: BaseObserver | None = None
        self._thread: threading.Thread | None = None
        # The observer watches the real path; events are mapped back under root.
        self._watch_root = str(self._root)

    @property
    def root(self) -> Path:
        """The absolute drop folder; handed-out paths are under it."""
        return self._root

    @property
    def healthy(self) -> bool:
        """True while the observer (its emitter and reader) and the settle thread are alive.

        Turns False if root is deleted or moved away: the inotify watch ends then.
        """
        observer, thread = self._observer, self._thread
        if observer is None or thread is None:
            return False
        emitters = list(observer.emitters)
        return (
            observer.is_alive()
            and thread.is_alive()
            and _reader_alive(observer)
            and bool(emitters)
            and all(emitter.is_alive() for emitter in emitters)
        )

    @property
    def pending(self) -> int:
        """How many files are waiting to settle."""
        with self._lock:
            return len(self._pending)

    @property
    def last_scan_at(self) -> datetime | None:
        """When the last completed full scan of root started (UTC); None before the first."""
        with self._lock:
            return self._last_scan_at

    @property
    def overflows(self) -> int:
        """How many times the kernel reported lost events (inotify queue overflow)."""
        with self._lock:
            return self._overflows

    def start(self) -> None:
        """Create root if missing, start watching, then catch up on files already there.

        Raises :class:`WatcherError` if the folder cannot be created or watched.
        """
        with self._lifecycle:
            if self._thread is not None:
                raise RuntimeError(f"already watching {self._root}")
            observer = self._start_observer()
            # One stop flag per run: a settle thread that outlived stop() (stuck in
            # on_ready) must not come back to life when the watcher is restarted.
            self._stopping = threading.Event()
            self._wake.clear()
            thread = threading.Thread(
                target=self._run,
                args=(self._stopping,),
                name=f"ingest-settle:{self._root}",
                daemon=True,
            )
            self._observer, self._thread = observer, thread
            thread.start()
            # After the observer is up, so a file arriving now is seen by one or both.
            self.rescan()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the observer and the settle thread and join them; safe to call twice."""
        with self._lifecycle:
            observer, thread = self._observer, self._thread
            self._observer = self._thread = None
            if observer is None or thread is None:
                return
            deadline = time.monotonic() + timeout
            self._stopping.set()
            self._wake.set()
            observer.stop()
            observer.join(timeout)
            # From on_ready, the settle thread is this one: it ends when on_ready returns.
            own_thread = thread is threading.current_thread()
            if not own_thread:
                thread.join(max(0.0, deadline - time.monotonic()))
            if observer.is_alive() or (thread.is_alive() and not own_thread):
                log.warning("ingest threads for %s still running after %.1fs", self._root, timeout)

    def rescan(self) -> None:
        """Enqueue a full scan of root (it runs on the settle thread)."""
        self._request_scan(self._root)

    # -- observer side -------------------------------------------------------

    def _start_observer(self) -> BaseObserver:
        observer: BaseObserver | None = None
        try:
            self._root.mkdir(parents=True, exist_ok=True)
            self._watch_root = os.path.realpath(self._root)
            observer = _new_observer(self._on_overflow)
            observer.schedule(
                _Handler(self._on_event),
                self._watch_root,
                recursive=True,
                event_filter=_EVENT_TYPES,
            )
            observer.start()
        except OSError as exc:
            if observer is not None:
                with contextlib.suppress(Exception):
                    observer.stop()
            raise WatcherError(
                f"cannot watch the drop folder: {exc.strerror or exc}",
                location=Location(str(self._root)),
                hint=_hint_for(exc),
            ) from exc
        return observer

    def _on_overflow(self) -> None:
        """Called on watchdog's reader thread when the kernel dropped events."""
        with self._lock:
            self._overflows += 1
            count = self._overflows
        log.warning(
            "inotify event queue overflowed (%d time(s) so far); rescanning %s", count, self._root
        )
        self.rescan()

    def _on_event(self, event: FileSystemEvent) -> None:
        src = self._under_root(event.src_path)
        if isinstance(event, FileMovedEvent | DirMovedEvent):
            if src is not None:
                self._forget(src, folder=event.is_directory)
            dest = self._under_root(event.dest_path)
            if dest is not None:
                if event.is_directory:
                    self._request_scan(dest)
                else:
                    # A rename into place ("name.part" -> "name") is how writers
                    # publish a finished file: it counts as closed, and is taken
                    # at the next poll if it has not changed since.
                    self._note(dest, closed=True)
        elif src is None:
            return
        elif isinstance(event, FileDeletedEvent | DirDeletedEvent):
            self._forget(src, folder=event.is_directory)
        elif isinstance(event, DirCreatedEvent):
            # watchdog reports what is already inside; a scan makes sure of it.
            self._request_scan(src)
        elif not event.is_directory:
            self._note(src, closed=isinstance(event, FileClosedEvent))

    def _under_root(self, raw: bytes | str) -> Path | None:
        """An event path as a path under root; None if outside it or hidden."""
        text = os.fsdecode(raw)
        if not text:
            return None
        relative = os.path.relpath(text, self._watch_root)
        parts = Path(relative).parts
        # ".." (outside root) starts with a dot too; "." is root itself.
        if not parts or any(part.startswith(".") for part in parts):
            return None
        return self._root.joinpath(*parts)

    # -- shared state ----------------------------------------------------------

    def _classify(self, path: Path) -> Candidate | Reject | None:
        return classify_normalised(path, self._suffixes, self._max_bytes)

    def _note(self, path: Path, *, closed: bool = False) -> None:
        """Record that ``path`` appeared or changed (or, if ``closed``, was closed)."""
        entry = self._classify(path)
        with self._lock:
            if entry is None:
                self._pending.pop(path, None)
            else:
                self._note_locked(entry, time.monotonic(), closed=closed)

    def _note_all(self, entries: Iterable[Candidate | Reject]) -> None:
        """:meth:`_note` for a scan's findings, under one lock: O(1) per entry."""
        now = time.monotonic()
        with self._lock:
            for entry in entries:
                self._note_locked(entry, now, closed=False)

    def _note_locked(self, found: Candidate | Reject, now: float, *, closed: bool) -> None:
        path, signature = found.path, found.signature
        entry = self._pending.get(path)
        if entry is None:
            if not self._is_decided(found):
                self._pending[path] = _Pending(signature, now, closed)
            return
        entry.version += 1
        if entry.signature != signature:
            entry.signature, entry.since, entry.closed = signature, now, closed
        elif closed:
            entry.closed = True

    def _is_decided(self, found: Candidate | Reject) -> bool:
        """True if this path was handed out at this signature, or rejected for this reason.

        Caller holds the lock. A file handed out stays handed out at its
        signature (a hard link added later does not make it a reject); a
        reject whose cause went away (the other link was removed) is taken.
        """
        decided = self._decided.get(found.path)
        if decided is None or decided[0] != found.signature:
            return False
        reason = found.reason if isinstance(found, Reject) else None
        return decided[1] is None or decided[1] == reason

    def _forget(self, path: Path, *, folder: bool) -> None:
        with self._lock:
            _drop(self._pending, path, folder=folder)
            _drop(self._decided, path, folder=folder)

    def _request_scan(self, folder: Path) -> None:
        with self._lock:
            self._scan_requests[folder] = None
        self._wake.set()

    # -- settle thread -------------------------------------------------------

    def _run(self, stopping: threading.Event) -> None:
        while not stopping.is_set():
            try:
                if self._reconcile_seconds is not None and time.monotonic() >= self._next_reconcile:
                    self.rescan()
                self._run_scans(stopping)
                self._hand_out(self._collect_ready(), stopping)
            except Exception:
                log.exception("ingest settle loop failed for %s; carrying on", self._root)
            self._wake.wait(self._poll_interval)
            self._wake.clear()

    def _run_scans(self, stopping: threading.Event) -> None:
        with self._lock:
            folders = list(self._scan_requests)
            self._scan_requests.clear()
        if self._root in folders:
            folders = [self._root]  # a full scan covers every sub-folder request
        for folder in folders:
            started = datetime.now(UTC)
            if folder == self._root and self._reconcile_seconds is not None:
                # Counted from the start, so a slow scan does not stretch the period.
                self._next_reconcile = time.monotonic() + self._reconcile_seconds
            found = classify_tree(folder, self._suffixes, max_bytes=self._max_bytes)
            if stopping.is_set():
                return
            self._note_all(found)
            if folder == self._root:
                self._prune_decided({entry.path for entry in found})
                with self._lock:
                    self._last_scan_at = started

    def _prune_decided(self, present: set[Path]) -> None:
        """Drop decisions on files that are gone (a missed delete event) so memory stays bounded."""
        with self._lock:
            absent = [p for p in self._decided if p not in present]
        gone = [p for p in absent if self._classify(p) is None]
        with self._lock:
            for path in gone:
                self._decided.pop(path, None)

    def _collect_ready(self) -> list[Candidate | Reject]:
        """Re-check every pending path; return (and mark decided) those that settled."""
        with self._lock:
            snapshot = [(path, entry.version) for path, entry in self._pending.items()]
        # lstat outside the lock so a slow disk never stalls the observer thread.
        observed = [(path, version, self._classify(path)) for path, version in snapshot]
        now = time.monotonic()
        ready: list[Candidate | Reject] = []
        with self._lock:
            for path, version, found in observed:
                entry = self._pending.get(path)
                if entry is None or entry.version != version:
                    continue  # an event got there first; its news is fresher
                if found is None:
                    del self._pending[path]
                    continue
                signature = found.signature
                if signature != entry.signature:
                    entry.signature, entry.since, entry.closed = signature, now, False
                elif entry.closed or now - entry.since >= self._settle_seconds:
                    del self._pending[path]
                    if self._is_decided(found):
                        continue
                    # Marked now, under the lock, so an event racing the hand-out
                    # does not queue the same unchanged file again.
                    reason = found.reason if isinstance(found, Reject) else None
                    self._decided[path] = (signature, reason)
                    ready.append(found)
        return ready

    def _hand_out(self, ready: list[Candidate | Reject], stopping: threading.Event) -> None:
        for index, found in enumerate(ready):
            if stopping.is_set():
                self._unmark(ready[index:])
                return
            if isinstance(found, Candidate):
                try:
                    self._on_ready(found.path)
                except Exception:
                    log.exception("on_ready failed for %s", found.path)
            elif self._on_reject is None:
                log.warning("not reading %s: %s", found.path, found.reason)
            else:
                try:
                    self._on_reject(found.path, found.reason)
                except Exception:
                    log.exception("on_reject failed for %s", found.path)

    def _unmark(self, skipped: list[Candidate | Reject]) -> None:
        """Forget decisions that stop() cut short, so a restart's scan finds them again."""
        with self._lock:
            for found in skipped:
                decided = self._decided.get(found.path)
                if decided is not None and decided[0] == found.signature:
                    del self._decided[found.path]


class _Handler(FileSystemEventHandler):
    """Forwards every event to one callback; never lets an error kill the observer."""

    def __init__(self, callback: Callable[[FileSystemEvent], None]) -> None:
        self._callback = callback

    def dispatch(self, event: FileSystemEvent) -> None:
        try:
            self._callback(event)
        except Exception:
            log.exception("failed to handle %r", event)


def _new_observer(on_overflow: Callable[[], None]) -> BaseObserver:
    """An inotify observer that reports queue overflows; elsewhere watchdog's default.

    Without inotify no overflow is reported: the periodic reconciliation is
    what finds missed files there.
    """
    if platform.is_linux():
        from watcher.ingest.observer import OverflowReportingObserver

        return OverflowReportingObserver(on_overflow)
    return Observer()


def _reader_alive(observer: BaseObserver) -> bool:
    """False if the inotify reader thread died: events would stop with no error."""
    reader = getattr(observer, "inotify_fd", None)
    return not isinstance(reader, threading.Thread) or reader.is_alive()


def _drop(table: dict[Path, _V], path: Path, *, folder: bool) -> None:
    """Remove ``path`` from ``table``; with ``folder``, everything under it too."""
    if folder:
        for known in [p for p in table if p.is_relative_to(path)]:
            del table[known]
    else:
        table.pop(path, None)


def _hint_for(error: OSError) -> str:
    if error.errno == errno.ENOSPC:
        return "too many folders to watch: raise the sysctl fs.inotify.max_user_watches"
    if error.errno == errno.EMFILE:
        return "too many watchers: raise the sysctl fs.inotify.max_user_instances"
    return "check that the folder exists, is a directory and is readable"
