"""The drop-folder watcher: watchdog events and scans -> settled file paths.

Two threads cooperate. The watchdog observer thread turns events into
entries of a pending map (path -> last seen size and mtime). The settle
thread re-checks every pending path each ``poll_interval`` and hands a path
to ``on_ready`` once its size and mtime have not changed for
``settle_seconds``, or at the next poll after the writer closed it. Scans
(at start-up, on :meth:`InboxWatcher.rescan`, and of every new sub-folder)
run on the settle thread too, so neither caller ever waits on the disk.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import threading
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path

from watchdog.events import (
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
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

from watcher.errors import Location, WatcherError
from watcher.ingest.candidates import candidate_stat, normalise_suffixes, scan

log = logging.getLogger(__name__)

Signature = tuple[int, int]
"""(size, mtime_ns) of a file: what must stay still for the file to be settled."""

# Only what says "a file appeared, changed, moved or went away". Asking for
# less also narrows the inotify mask, so readers of the folder (the
# extractor itself) cause no open/close-without-write events.
_EVENT_TYPES: list[type[FileSystemEvent]] = [
    FileCreatedEvent,
    FileModifiedEvent,
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

    ``on_ready`` runs on the watcher's own thread, one file at a time, in the
    order files became ready. An exception from it is logged and the watcher
    carries on. A file is handed out again only if its size or mtime changed
    since it was last handed out; the consumer is expected to dedupe by content.
    """

    def __init__(
        self,
        root: Path,
        on_ready: Callable[[Path], None],
        *,
        suffixes: Collection[str],
        settle_seconds: float = 1.0,
        poll_interval: float = 0.25,
    ) -> None:
        if settle_seconds < 0:
            raise ValueError(f"settle_seconds must be >= 0, got {settle_seconds}")
        if poll_interval <= 0:
            raise ValueError(f"poll_interval must be > 0, got {poll_interval}")
        self._root = Path(os.path.abspath(root))
        self._on_ready = on_ready
        self._suffixes = normalise_suffixes(suffixes)
        self._settle_seconds = settle_seconds
        self._poll_interval = poll_interval

        self._lock = threading.Lock()  # guards the three maps below
        self._pending: dict[Path, _Pending] = {}
        self._handed: dict[Path, Signature] = {}
        self._scan_requests: dict[Path, None] = {}  # folders to scan, in request order

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
        """True while the observer (and its emitter) and the settle thread are alive.

        Turns False if root is deleted or moved away: the inotify watch ends then.
        """
        observer, thread = self._observer, self._thread
        if observer is None or thread is None:
            return False
        emitters = list(observer.emitters)
        return (
            observer.is_alive()
            and thread.is_alive()
            and bool(emitters)
            and all(emitter.is_alive() for emitter in emitters)
        )

    @property
    def pending(self) -> int:
        """How many files are waiting to settle."""
        with self._lock:
            return len(self._pending)

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
        """Enqueue a full scan of root, e.g. for periodic reconciliation."""
        self._request_scan(self._root)

    # -- observer side -------------------------------------------------------

    def _start_observer(self) -> BaseObserver:
        observer: BaseObserver | None = None
        try:
            self._root.mkdir(parents=True, exist_ok=True)
            self._watch_root = os.path.realpath(self._root)
            observer = Observer()
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
                    self._note(dest)
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

    def _note(self, path: Path, *, closed: bool = False) -> None:
        """Record that ``path`` appeared or changed (or, if ``closed``, was closed)."""
        st = candidate_stat(path, self._suffixes)
        now = time.monotonic()
        with self._lock:
            entry = self._pending.get(path)
            if st is None:
                if entry is not None:
                    del self._pending[path]
                return
            signature = (st.st_size, st.st_mtime_ns)
            if entry is None:
                if self._handed.get(path) != signature:
                    self._pending[path] = _Pending(signature, now, closed)
                return
            entry.version += 1
            if entry.signature != signature:
                entry.signature, entry.since, entry.closed = signature, now, closed
            elif closed:
                entry.closed = True

    def _forget(self, path: Path, *, folder: bool) -> None:
        with self._lock:
            for table in (self._pending, self._handed):
                if folder:
                    for known in [p for p in table if p.is_relative_to(path)]:
                        del table[known]
                else:
                    table.pop(path, None)

    def _request_scan(self, folder: Path) -> None:
        with self._lock:
            self._scan_requests[folder] = None
        self._wake.set()

    # -- settle thread -------------------------------------------------------

    def _run(self, stopping: threading.Event) -> None:
        while not stopping.is_set():
            try:
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
            found = scan(folder, self._suffixes)
            for path in found:
                if stopping.is_set():
                    return
                self._note(path)
            if folder == self._root:
                self._prune_handed(set(found))

    def _prune_handed(self, present: set[Path]) -> None:
        """Drop handed-out files that are gone (a missed delete event) so memory stays bounded."""
        with self._lock:
            absent = [p for p in self._handed if p not in present]
        gone = [p for p in absent if candidate_stat(p, self._suffixes) is None]
        with self._lock:
            for path in gone:
                self._handed.pop(path, None)

    def _collect_ready(self) -> list[tuple[Path, Signature]]:
        """Re-check every pending path; return (and mark handed) those that settled."""
        with self._lock:
            snapshot = [(path, entry.version) for path, entry in self._pending.items()]
        # lstat outside the lock so a slow disk never stalls the observer thread.
        observed = [
            (path, version, candidate_stat(path, self._suffixes)) for path, version in snapshot
        ]
        now = time.monotonic()
        ready: list[tuple[Path, Signature]] = []
        with self._lock:
            for path, version, st in observed:
                entry = self._pending.get(path)
                if entry is None or entry.version != version:
                    continue  # an event got there first; its news is fresher
                if st is None:
                    del self._pending[path]
                    continue
                signature = (st.st_size, st.st_mtime_ns)
                if signature != entry.signature:
                    entry.signature, entry.since, entry.closed = signature, now, False
                elif entry.closed or now - entry.since >= self._settle_seconds:
                    del self._pending[path]
                    # Marked now, under the lock, so an event racing the hand-out
                    # does not queue the same unchanged file again.
                    self._handed[path] = signature
                    ready.append((path, signature))
        return ready

    def _hand_out(self, ready: list[tuple[Path, Signature]], stopping: threading.Event) -> None:
        for index, (path, _signature) in enumerate(ready):
            if stopping.is_set():
                self._unmark(ready[index:])
                return
            try:
                self._on_ready(path)
            except Exception:
                log.exception("on_ready failed for %s", path)

    def _unmark(self, skipped: list[tuple[Path, Signature]]) -> None:
        """Forget hand-outs that stop() cut short, so a restart's scan finds them."""
        with self._lock:
            for path, signature in skipped:
                if self._handed.get(path) == signature:
                    del self._handed[path]


class _Handler(FileSystemEventHandler):
    """Forwards every event to one callback; never lets an error kill the observer."""

    def __init__(self, callback: Callable[[FileSystemEvent], None]) -> None:
        self._callback = callback

    def dispatch(self, event: FileSystemEvent) -> None:
        try:
            self._callback(event)
        except Exception:
            log.exception("failed to handle %r", event)


def _hint_for(error: OSError) -> str:
    if error.errno == errno.ENOSPC:
        return "too many folders to watch: raise the sysctl fs.inotify.max_user_watches"
    if error.errno == errno.EMFILE:
        return "too many watchers: raise the sysctl fs.inotify.max_user_instances"
    return "check that the folder exists, is a directory and is readable"
