"""watcher.ingest against real files in a real folder, with a real watchdog observer.

Waits poll a condition up to a generous deadline and never assert on how long
something took: the machine is shared and noisy.
"""

from __future__ import annotations

import logging
import os
import socket
import stat
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from watchdog.events import FileSystemEvent
from watchdog.observers.inotify_c import InotifyConstants, InotifyEvent, WatchDescriptor

from watcher.errors import WatcherError
from watcher.ingest import (
    Candidate,
    InboxWatcher,
    Reject,
    classify,
    classify_tree,
    is_candidate,
    scan,
)
from watcher.ingest.observer import OverflowReportingObserver

SUFFIXES = frozenset({".txt", ".html"})
DEADLINE = 10.0


def wait_for(condition: Callable[[], bool], timeout: float = DEADLINE) -> bool:
    """Poll ``condition`` until it holds or ``timeout`` seconds pass."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


class Collector:
    """An on_ready callback that records each path with its size at hand-out time."""

    def __init__(self, fail_on: str | None = None) -> None:
        self._lock = threading.Lock()
        self._calls: list[tuple[Path, int]] = []
        self._fail_on = fail_on

    def __call__(self, path: Path) -> None:
        size = path.stat().st_size
        with self._lock:
            self._calls.append((path, size))
        if path.name == self._fail_on:
            raise RuntimeError(f"cannot process {path.name}")

    @property
    def calls(self) -> list[tuple[Path, int]]:
        with self._lock:
            return list(self._calls)

    @property
    def names(self) -> list[str]:
        return [path.name for path, _ in self.calls]

    @property
    def count(self) -> int:
        with self._lock:
            return len(self._calls)


class RejectCollector:
    """An on_reject callback that records (path, reason) pairs."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: list[tuple[Path, str]] = []

    def __call__(self, path: Path, reason: str) -> None:
        with self._lock:
            self._calls.append((path, reason))

    @property
    def calls(self) -> list[tuple[Path, str]]:
        with self._lock:
            return list(self._calls)


class DeafWatcher(InboxWatcher):
    """An InboxWatcher that loses every file event, as after a kernel queue overflow."""

    def _on_event(self, event: FileSystemEvent) -> None:
        pass


WatcherFactory = Callable[..., InboxWatcher]


@pytest.fixture
def make_watcher() -> Iterator[WatcherFactory]:
    """Builds watchers with short settle times; stops every one after the test."""
    made: list[InboxWatcher] = []

    def make(
        root: Path,
        on_ready: Callable[[Path], None],
        cls: type[InboxWatcher] = InboxWatcher,
        **options: Any,
    ) -> InboxWatcher:
        options.setdefault("settle_seconds", 0.3)
        options.setdefault("poll_interval", 0.05)
        watcher = cls(root, on_ready, suffixes=SUFFIXES, **options)
        made.append(watcher)
        return watcher

    yield make
    for watcher in made:
        watcher.stop()


def settle_threads(root: Path) -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == f"ingest-settle:{root}"]


# -- is_candidate -------------------------------------------------------------


def test_regular_file_with_wanted_suffix_is_a_candidate(tmp_path: Path) -> None:
    for name in ("report.txt", "Page.HTML"):
        (tmp_path / name).write_text("x")
        assert is_candidate(tmp_path / name, SUFFIXES)


def test_suffixes_may_be_given_without_dot_or_in_capitals(tmp_path: Path) -> None:
    (tmp_path / "report.txt").write_text("x")
    assert is_candidate(tmp_path / "report.txt", ["TXT"])
    assert is_candidate(tmp_path / "report.txt", ".txt")


def test_unwanted_suffix_and_missing_file_are_not_candidates(tmp_path: Path) -> None:
    (tmp_path / "image.png").write_bytes(b"x")
    assert not is_candidate(tmp_path / "image.png", SUFFIXES)
    assert not is_candidate(tmp_path / "absent.txt", SUFFIXES)


@pytest.mark.parametrize(
    "name",
    [
        ".hidden.txt",
        ".#draft.txt",
        "~$report.txt",
        "notes.txt~",
        "article.part",
        "article.txt.part",
        "article.tmp",
        "article.TMP",
        "article.crdownload",
        "article.swp",
    ],
)
def test_temporary_and_hidden_names_are_not_candidates(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text("x")
    # Even when asked for their suffix: the temporary-name rule wins.
    wanted = SUFFIXES | {".part", ".tmp", ".crdownload", ".swp", ".txt~"}
    assert not is_candidate(path, wanted)


def test_symlink_is_not_a_candidate(tmp_path: Path) -> None:
    target = tmp_path / "real.txt"
    target.write_text("x")
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    assert is_candidate(target, SUFFIXES)
    assert not is_candidate(link, SUFFIXES)


def test_fifo_is_not_a_candidate_and_does_not_block(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    result: list[bool] = []
    # Opening a FIFO with no writer blocks forever; run the check on a thread
    # so a regression fails the test instead of hanging it.
    checker = threading.Thread(target=lambda: result.append(is_candidate(fifo, SUFFIXES)))
    checker.daemon = True
    checker.start()
    checker.join(DEADLINE)
    assert result == [False]


def test_directory_is_not_a_candidate(tmp_path: Path) -> None:
    folder = tmp_path / "folder.txt"
    folder.mkdir()
    assert not is_candidate(folder, SUFFIXES)


# -- classify -----------------------------------------------------------------


def test_classify_gives_a_candidate_with_size_and_mtime(tmp_path: Path) -> None:
    path = _write(tmp_path / "story.txt", "hello", mtime=1_700_000_000 * 10**9)
    assert classify(path, SUFFIXES) == Candidate(path, 5, 1_700_000_000 * 10**9)
    assert classify(path, SUFFIXES, max_bytes=5) == Candidate(path, 5, 1_700_000_000 * 10**9)


def test_classify_ignores_what_is_not_named_like_a_document(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.png")
    os.mkfifo(tmp_path / "pipe.txt.part")
    (tmp_path / "folder.txt").mkdir()
    for name in ("pipe.png", "pipe.txt.part", "folder.txt", "absent.txt"):
        assert classify(tmp_path / name, SUFFIXES) is None


def _reason(path: Path, max_bytes: int | None = None) -> str:
    found = classify(path, SUFFIXES, max_bytes)
    assert isinstance(found, Reject), found
    assert found.path == path
    return found.reason


def test_classify_rejects_a_fifo_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    result: list[str] = []
    checker = threading.Thread(target=lambda: result.append(_reason(fifo)), daemon=True)
    checker.start()
    checker.join(DEADLINE)
    assert result == ["a named pipe, not a file"]


def test_classify_rejects_a_symlink_naming_its_target(tmp_path: Path) -> None:
    target = _write(tmp_path / "elsewhere" / "secret.txt")
    (tmp_path / "link.txt").symlink_to(target)
    (tmp_path / "dangling.txt").symlink_to(tmp_path / "absent")
    expected = "a symbolic link to {}; watcher reads only regular files in the inbox"
    assert _reason(tmp_path / "link.txt") == expected.format(target)
    assert _reason(tmp_path / "dangling.txt") == expected.format(tmp_path / "absent")


def test_classify_rejects_a_hard_link_on_every_name(tmp_path: Path) -> None:
    first = _write(tmp_path / "first.txt")
    os.link(first, tmp_path / "second.txt")
    expected = "a hard link (2 names); the file may be changed from elsewhere"
    assert _reason(first) == expected
    assert _reason(tmp_path / "second.txt") == expected
    (tmp_path / "second.txt").unlink()
    assert isinstance(classify(first, SUFFIXES), Candidate)


def test_classify_rejects_a_file_over_the_size_limit(tmp_path: Path) -> None:
    path = _write(tmp_path / "big.txt", "x" * 101)
    assert _reason(path, max_bytes=100) == "file too large: 101 bytes (limit 100)"
    assert isinstance(classify(path, SUFFIXES), Candidate)  # no limit by default


def test_classify_rejects_a_socket(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A relative name: tmp_path may be longer than a socket address allows.
    monkeypatch.chdir(tmp_path)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        server.bind("sock.txt")
        assert _reason(tmp_path / "sock.txt") == "a socket, not a file"


def test_classify_rejects_a_character_device(tmp_path: Path) -> None:
    device = tmp_path / "null.txt"
    try:
        os.mknod(device, stat.S_IFCHR | 0o600, os.makedev(1, 3))
    except PermissionError:
        pytest.skip("creating a device node needs CAP_MKNOD")
    assert _reason(device) == "a character device, not a file"
    assert not is_candidate(device, SUFFIXES)


def test_hard_linked_file_is_not_a_candidate(tmp_path: Path) -> None:
    first = _write(tmp_path / "first.txt")
    os.link(first, tmp_path / "second.txt")
    assert not is_candidate(first, SUFFIXES)


# -- scan ---------------------------------------------------------------------


def _write(path: Path, text: str = "x", *, mtime: int | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    if mtime is not None:
        os.utime(path, ns=(mtime, mtime))
    return path


def test_scan_finds_candidates_in_sub_folders_oldest_first(tmp_path: Path) -> None:
    second = 1_700_000_000 * 10**9
    newest = _write(tmp_path / "a.txt", mtime=second + 3)
    oldest = _write(tmp_path / "sub" / "deeper" / "z.html", mtime=second)
    tie_b = _write(tmp_path / "sub" / "b.txt", mtime=second + 1)
    tie_a = _write(tmp_path / "b.txt", mtime=second + 1)
    _write(tmp_path / ".cache" / "hidden-folder.txt", mtime=second)
    _write(tmp_path / "sub" / ".hidden.txt", mtime=second)
    _write(tmp_path / "sub" / "download.txt.part", mtime=second)
    _write(tmp_path / "image.png", mtime=second)
    (tmp_path / "link.txt").symlink_to(newest)
    (tmp_path / "linked-folder").symlink_to(tmp_path / "sub", target_is_directory=True)

    assert scan(tmp_path, SUFFIXES) == [oldest, tie_a, tie_b, newest]


def test_scan_of_missing_folder_is_empty(tmp_path: Path) -> None:
    assert scan(tmp_path / "absent", SUFFIXES) == []


def test_classify_tree_reports_rejects_beside_candidates(tmp_path: Path) -> None:
    second = 1_700_000_000 * 10**9
    good = _write(tmp_path / "good.txt", mtime=second)
    big = _write(tmp_path / "sub" / "big.txt", "x" * 50, mtime=second + 1)
    os.mkfifo(tmp_path / "sub" / "pipe.html")
    (tmp_path / "folder-link.txt").symlink_to(tmp_path / "sub", target_is_directory=True)
    _write(tmp_path / ".hidden" / "pipe-free.txt")

    found = classify_tree(tmp_path, SUFFIXES, max_bytes=10)

    by_name = {entry.path.name: entry for entry in found}
    assert set(by_name) == {"good.txt", "big.txt", "pipe.html", "folder-link.txt"}
    assert by_name["good.txt"] == Candidate(good, 1, second)
    assert by_name["big.txt"] == Reject(big, 50, second + 1, "file too large: 50 bytes (limit 10)")
    assert isinstance(by_name["pipe.html"], Reject)
    link = by_name["folder-link.txt"]
    assert isinstance(link, Reject)
    assert link.reason.startswith(f"a symbolic link to {tmp_path / 'sub'};")
    assert scan(tmp_path, SUFFIXES) == [good, big]  # scan has no size limit


# -- InboxWatcher -------------------------------------------------------------


def test_start_creates_root_and_stop_is_idempotent(
    tmp_path: Path, make_watcher: WatcherFactory
) -> None:
    root = tmp_path / "inbox" / "new"
    watcher = make_watcher(root, Collector())
    watcher.stop()  # before start: nothing to do
    before = set(threading.enumerate())
    watcher.start()
    assert root.is_dir()
    assert watcher.healthy
    assert len(settle_threads(root)) == 1

    watcher.stop()
    assert not watcher.healthy
    # Joined, not just signalled: the settle thread and every watchdog thread are gone.
    assert settle_threads(root) == []
    assert [t for t in set(threading.enumerate()) - before if t.is_alive()] == []
    watcher.stop()
    assert not watcher.healthy


def test_start_fails_cleanly_when_root_is_a_file(
    tmp_path: Path, make_watcher: WatcherFactory
) -> None:
    root = tmp_path / "inbox"
    root.write_text("not a folder")
    watcher = make_watcher(root, Collector())
    with pytest.raises(WatcherError, match="cannot watch the drop folder") as caught:
        watcher.start()
    assert caught.value.location is not None
    assert caught.value.location.path == str(root)
    assert not watcher.healthy


def test_files_present_before_start_are_caught_up_oldest_first(
    tmp_path: Path, make_watcher: WatcherFactory
) -> None:
    second = 1_700_000_000 * 10**9
    _write(tmp_path / "new.txt", mtime=second + 5)
    _write(tmp_path / "sub" / "old.html", mtime=second)
    _write(tmp_path / "skip.png")
    collector = Collector()
    watcher = make_watcher(tmp_path, collector)
    watcher.start()

    assert wait_for(lambda: len(collector.calls) >= 2)
    assert collector.names == ["old.html", "new.txt"]
    assert collector.calls[0][0] == tmp_path / "sub" / "old.html"


def test_file_dropped_after_start_is_handed_out_once(
    tmp_path: Path, make_watcher: WatcherFactory
) -> None:
    collector = Collector()
    watcher = make_watcher(tmp_path, collector)
    watcher.start()

    _write(tmp_path / "drop.txt", "breaking news")
    assert wait_for(lambda: len(collector.calls) >= 1)
    assert collector.calls == [(tmp_path / "drop.txt", len("breaking news"))]

    # An unchanged file is not handed out again, even by a full rescan.
    watcher.rescan()
    time.sleep(1.0)
    assert wait_for(lambda: watcher.pending == 0)
    assert collector.names == ["drop.txt"]


def test_slowly_written_file_is_handed_out_after_the_last_write(
    tmp_path: Path, make_watcher: WatcherFactory
) -> None:
    collector = Collector()
    watcher = make_watcher(tmp_path, collector, settle_seconds=0.5)
    watcher.start()

    chunk = b"0123456789" * 100
    chunks = 15
    with (tmp_path / "slow.txt").open("wb") as out:
        for _ in range(chunks):
            out.write(chunk)
            out.flush()
            time.sleep(0.1)  # ~1.5 s in all, each pause well inside settle_seconds
        assert collector.calls == []  # still open and growing: not settled
    final_size = len(chunk) * chunks

    assert wait_for(lambda: len(collector.calls) >= 1)
    assert collector.calls[0] == (tmp_path / "slow.txt", final_size)
    time.sleep(1.0)
    assert collector.calls == [(tmp_path / "slow.txt", final_size)]


def test_partial_download_is_handed_out_under_its_final_name_only(
    tmp_path: Path, make_watcher: WatcherFactory
) -> None:
    collector = Collector()
    watcher = make_watcher(tmp_path, collector)
    watcher.start()

    partial = _write(tmp_path / "x.txt.part", "complete article")
    partial.rename(tmp_path / "x.txt")

    assert wait_for(lambda: len(collector.calls) >= 1)
    time.sleep(1.0)
    assert collector.calls == [(tmp_path / "x.txt", len("complete article"))]


# watchdog's inotify backend warns when a nested folder is created faster than it
# adds watches (it adds the inner watch twice); harmless, and not ours to fix.
@pytest.mark.filterwarnings("ignore:Callback with id:RuntimeWarning")
def test_file_in_a_new_sub_folder_is_picked_up(
    tmp_path: Path, make_watcher: WatcherFactory
) -> None:
    collector = Collector()
    watcher = make_watcher(tmp_path, collector)
    watcher.start()

    _write(tmp_path / "2024" / "june" / "story.html", "<p>hi</p>")

    assert wait_for(lambda: len(collector.calls) >= 1)
    time.sleep(0.5)
    assert [path for path, _ in collector.calls] == [tmp_path / "2024" / "june" / "story.html"]


def test_files_in_hidden_folders_are_ignored(tmp_path: Path, make_watcher: WatcherFactory) -> None:
    collector = Collector()
    watcher = make_watcher(tmp_path, collector)
    watcher.start()

    _write(tmp_path / ".staging" / "hidden.txt")
    _write(tmp_path / "visible.txt")

    assert wait_for(lambda: len(collector.calls) >= 1)
    time.sleep(0.5)
    assert collector.names == ["visible.txt"]


def test_file_changed_after_hand_out_is_handed_out_again(
    tmp_path: Path, make_watcher: WatcherFactory
) -> None:
    collector = Collector()
    watcher = make_watcher(tmp_path, collector)
    watcher.start()

    path = _write(tmp_path / "story.txt", "first")
    assert wait_for(lambda: len(collector.calls) >= 1)
    with path.open("a") as out:
        out.write(" and more")

    assert wait_for(lambda: len(collector.calls) >= 2)
    assert collector.calls == [(path, len("first")), (path, len("first and more"))]


def test_deleted_file_leaves_the_pending_map(tmp_path: Path, make_watcher: WatcherFactory) -> None:
    collector = Collector()
    watcher = make_watcher(tmp_path, collector, settle_seconds=60.0)
    watcher.start()

    with (tmp_path / "doomed.txt").open("w") as out:  # kept open: no close event yet
        out.write("x")
        out.flush()
        assert wait_for(lambda: watcher.pending == 1)
        (tmp_path / "doomed.txt").unlink()
        assert wait_for(lambda: watcher.pending == 0)
    assert collector.calls == []


def test_closed_file_is_handed_out_without_waiting_to_settle(
    tmp_path: Path, make_watcher: WatcherFactory
) -> None:
    collector = Collector()
    # Far longer than the wait below: only the close-after-write event can explain a hand-out.
    watcher = make_watcher(tmp_path, collector, settle_seconds=600.0)
    watcher.start()

    _write(tmp_path / "closed.txt", "done")

    assert wait_for(lambda: len(collector.calls) >= 1)
    assert collector.calls == [(tmp_path / "closed.txt", len("done"))]


def test_deleting_root_makes_the_watcher_unhealthy(
    tmp_path: Path, make_watcher: WatcherFactory
) -> None:
    root = tmp_path / "inbox"
    watcher = make_watcher(root, Collector())
    watcher.start()
    assert watcher.healthy

    root.rmdir()

    assert wait_for(lambda: not watcher.healthy)
    watcher.stop()


def test_failing_callback_does_not_stop_the_next_file(
    tmp_path: Path, make_watcher: WatcherFactory, caplog: pytest.LogCaptureFixture
) -> None:
    collector = Collector(fail_on="bad.txt")
    watcher = make_watcher(tmp_path, collector)
    caplog.set_level(logging.ERROR, logger="watcher.ingest")
    watcher.start()

    _write(tmp_path / "bad.txt")
    assert wait_for(lambda: "bad.txt" in collector.names)
    _write(tmp_path / "good.txt")

    assert wait_for(lambda: "good.txt" in collector.names)
    assert watcher.healthy
    failures = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert any(str(tmp_path / "bad.txt") in r.getMessage() for r in failures)
    assert all(r.exc_info is not None for r in failures)


def test_stop_from_inside_on_ready_does_not_deadlock(
    tmp_path: Path, make_watcher: WatcherFactory
) -> None:
    stopped = threading.Event()

    def stop_and_record(_path: Path) -> None:
        watcher.stop()
        stopped.set()

    watcher = make_watcher(tmp_path, stop_and_record)
    watcher.start()
    _write(tmp_path / "last.txt")

    assert stopped.wait(DEADLINE)
    assert wait_for(lambda: settle_threads(tmp_path) == [])
    assert not watcher.healthy


def test_watcher_can_be_restarted(tmp_path: Path, make_watcher: WatcherFactory) -> None:
    collector = Collector()
    watcher = make_watcher(tmp_path, collector)
    watcher.start()
    watcher.stop()
    _write(tmp_path / "while-down.txt")
    watcher.start()

    assert wait_for(lambda: len(collector.calls) >= 1)
    assert collector.names == ["while-down.txt"]


def test_rejects_nonsense_timings(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="poll_interval"):
        InboxWatcher(tmp_path, Collector(), suffixes=SUFFIXES, poll_interval=0)
    with pytest.raises(ValueError, match="settle_seconds"):
        InboxWatcher(tmp_path, Collector(), suffixes=SUFFIXES, settle_seconds=-1)
    with pytest.raises(ValueError, match="reconcile_seconds"):
        InboxWatcher(tmp_path, Collector(), suffixes=SUFFIXES, reconcile_seconds=0)
    with pytest.raises(ValueError, match="max_bytes"):
        InboxWatcher(tmp_path, Collector(), suffixes=SUFFIXES, max_bytes=-1)


# -- reconciliation -------------------------------------------------------------


def test_reconciliation_finds_a_file_whose_events_were_lost(
    tmp_path: Path, make_watcher: WatcherFactory
) -> None:
    collector = Collector()
    watcher = make_watcher(tmp_path, collector, cls=DeafWatcher, reconcile_seconds=0.5)
    assert watcher.last_scan_at is None
    watcher.start()
    assert wait_for(lambda: watcher.last_scan_at is not None)
    first_scan = watcher.last_scan_at
    assert first_scan is not None

    _write(tmp_path / "sub" / "missed.txt", "no event for me")

    assert wait_for(lambda: collector.count >= 1)
    assert collector.calls == [(tmp_path / "sub" / "missed.txt", len("no event for me"))]
    assert wait_for(lambda: _later(watcher.last_scan_at, first_scan))
    assert watcher.overflows == 0
    # Later reconciliations do not hand the unchanged file out again.
    second_scan = watcher.last_scan_at
    assert wait_for(lambda: _later(watcher.last_scan_at, second_scan))
    assert collector.count == 1


def _later(value: datetime | None, than: datetime | None) -> bool:
    return value is not None and than is not None and value > than


def _inject_overflow(watcher: InboxWatcher) -> None:
    """Feed watchdog's inotify reader the record the kernel writes when its queue overflows.

    The same reader method a real overflow reaches, without the burst of
    events a real one needs (see the test below that makes one).
    """
    observer = watcher._observer
    assert isinstance(observer, OverflowReportingObserver)
    record = InotifyEvent(WatchDescriptor(-1), InotifyConstants.IN_Q_OVERFLOW, 0, b"")
    assert record.is_queue_overflow
    observer.inotify_fd.handle_event(record)


def test_inotify_overflow_triggers_a_rescan_at_once(
    tmp_path: Path, make_watcher: WatcherFactory
) -> None:
    collector = Collector()
    watcher = make_watcher(tmp_path, collector, cls=DeafWatcher, reconcile_seconds=None)
    watcher.start()
    assert wait_for(lambda: watcher.last_scan_at is not None)
    first_scan = watcher.last_scan_at

    _write(tmp_path / "lost.txt", "lost in the overflow")
    time.sleep(1.0)
    assert collector.calls == []  # deaf, and no periodic reconciliation

    _inject_overflow(watcher)

    assert wait_for(lambda: collector.count >= 1)
    assert collector.calls == [(tmp_path / "lost.txt", len("lost in the overflow"))]
    assert watcher.overflows == 1
    assert _later(watcher.last_scan_at, first_scan)
    assert watcher.healthy  # watchdog rebuilt its watches


def _max_queued_events() -> int:
    try:
        return int(Path("/proc/sys/fs/inotify/max_queued_events").read_text())
    except (OSError, ValueError):
        return 0


def test_real_inotify_overflow_is_caught_up_and_events_flow_again(
    tmp_path: Path, make_watcher: WatcherFactory
) -> None:
    limit = _max_queued_events()
    if not 0 < limit <= 100_000:
        pytest.skip(f"cannot overflow an inotify queue of {limit or 'unknown'} events quickly")
    collector = Collector()
    # No periodic reconciliation: only the overflow's rescan can find what the kernel dropped.
    watcher = make_watcher(tmp_path, collector, reconcile_seconds=None)
    watcher.start()
    assert wait_for(lambda: watcher.last_scan_at is not None)
    observer = watcher._observer
    assert isinstance(observer, OverflowReportingObserver)

    # Holding the reader's lock stalls it (a watchdog internal, hence only here),
    # so the kernel queue fills: each new file makes at least two events.
    expected = set()
    with observer.inotify_fd._lock:
        for index in range(limit):
            path = tmp_path / f"burst-{index:05d}.txt"
            path.write_text("x")
            expected.add(path)

    assert wait_for(lambda: collector.count >= len(expected), timeout=120.0)
    assert watcher.overflows >= 1
    assert watcher.healthy
    handed = [path for path, _ in collector.calls]
    assert len(handed) == len(expected)
    assert set(handed) == expected

    # The rescan is over (everything was handed out): only an event can find this one.
    _write(tmp_path / "after.txt")
    assert wait_for(lambda: collector.count > len(expected))
    assert collector.calls[-1][0] == tmp_path / "after.txt"


def test_thousands_of_files_present_at_start_are_each_handed_out_once(
    tmp_path: Path, make_watcher: WatcherFactory
) -> None:
    expected = set()
    for index in range(3000):
        folder = tmp_path / f"batch-{index % 10}"
        folder.mkdir(exist_ok=True)
        path = folder / f"doc-{index:04d}.txt"
        path.write_text(str(index))
        expected.add(path)
    collector = Collector()
    watcher = make_watcher(tmp_path, collector)
    watcher.start()

    assert wait_for(lambda: collector.count >= len(expected), timeout=120.0)
    watcher.rescan()
    assert wait_for(lambda: watcher.pending == 0)
    time.sleep(1.0)
    handed = [path for path, _ in collector.calls]
    assert len(handed) == len(expected)
    assert set(handed) == expected


# -- rejects ------------------------------------------------------------------


def _make_fifo(inbox: Path, outside: Path) -> tuple[Path, str]:
    path = inbox / "pipe.txt"
    os.mkfifo(path)
    return path, "a named pipe, not a file"


def _make_symlink(inbox: Path, outside: Path) -> tuple[Path, str]:
    target = _write(outside / "secret.txt", "not for the inbox")
    path = inbox / "link.txt"
    path.symlink_to(target)
    return path, f"a symbolic link to {target}; watcher reads only regular files in the inbox"


def _make_hard_link(inbox: Path, outside: Path) -> tuple[Path, str]:
    original = _write(outside / "shared.txt", "changed from elsewhere")
    path = inbox / "shared.txt"
    os.link(original, path)
    return path, "a hard link (2 names); the file may be changed from elsewhere"


def _make_oversize(inbox: Path, outside: Path) -> tuple[Path, str]:
    path = _write(inbox / "huge.html", "x" * 1000)
    return path, "file too large: 1000 bytes (limit 100)"


@pytest.mark.parametrize(
    "make_hostile",
    [_make_fifo, _make_symlink, _make_hard_link, _make_oversize],
    ids=["fifo", "symlink", "hard-link", "oversize"],
)
def test_hostile_path_is_rejected_once_and_the_next_file_handed_out(
    tmp_path: Path,
    make_watcher: WatcherFactory,
    make_hostile: Callable[[Path, Path], tuple[Path, str]],
) -> None:
    inbox, outside = tmp_path / "inbox", tmp_path / "outside"
    collector, rejects = Collector(), RejectCollector()
    watcher = make_watcher(inbox, collector, on_reject=rejects, max_bytes=100)
    watcher.start()
    _write(inbox / "before.txt", "first good file")
    assert wait_for(lambda: collector.count >= 1)

    hostile, reason = make_hostile(inbox, outside)
    _write(inbox / "after.txt", "second good file")

    assert wait_for(lambda: collector.count >= 2 and len(rejects.calls) >= 1)
    # A full rescan finds the hostile path again but does not report it twice.
    watcher.rescan()
    assert wait_for(lambda: watcher.pending == 0)
    time.sleep(1.0)
    assert rejects.calls == [(hostile, reason)]
    assert collector.names == ["before.txt", "after.txt"]
    assert watcher.healthy


def test_reject_found_by_the_start_up_scan_is_reported(
    tmp_path: Path, make_watcher: WatcherFactory
) -> None:
    os.mkfifo(tmp_path / "pipe.txt")
    _write(tmp_path / "good.txt")
    collector, rejects = Collector(), RejectCollector()
    watcher = make_watcher(tmp_path, collector, on_reject=rejects)
    watcher.start()

    assert wait_for(lambda: collector.count >= 1 and len(rejects.calls) >= 1)
    assert rejects.calls == [(tmp_path / "pipe.txt", "a named pipe, not a file")]
    assert collector.names == ["good.txt"]


def test_rejected_hard_link_is_taken_once_its_other_name_is_gone(
    tmp_path: Path, make_watcher: WatcherFactory
) -> None:
    inbox, outside = tmp_path / "inbox", tmp_path / "outside"
    collector, rejects = Collector(), RejectCollector()
    watcher = make_watcher(inbox, collector, on_reject=rejects)
    watcher.start()
    path, _reason_text = _make_hard_link(inbox, outside)
    assert wait_for(lambda: len(rejects.calls) >= 1)

    (outside / "shared.txt").unlink()
    watcher.rescan()

    assert wait_for(lambda: collector.count >= 1)
    assert collector.calls == [(path, len("changed from elsewhere"))]
    assert len(rejects.calls) == 1


def test_growing_file_over_the_limit_is_rejected_once_when_it_settles(
    tmp_path: Path, make_watcher: WatcherFactory
) -> None:
    collector, rejects = Collector(), RejectCollector()
    # Settling by time would need a stall this long; the close event settles it at once.
    watcher = make_watcher(
        tmp_path, collector, on_reject=rejects, max_bytes=100, settle_seconds=5.0
    )
    watcher.start()

    with (tmp_path / "growing.txt").open("w") as out:
        for _ in range(10):
            out.write("x" * 50)
            out.flush()
            time.sleep(0.05)
    _write(tmp_path / "next.txt")

    assert wait_for(lambda: collector.count >= 1 and len(rejects.calls) >= 1)
    time.sleep(1.0)
    assert rejects.calls == [(tmp_path / "growing.txt", "file too large: 500 bytes (limit 100)")]
    assert collector.names == ["next.txt"]


def test_rejects_are_logged_without_on_reject(
    tmp_path: Path, make_watcher: WatcherFactory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="watcher.ingest")
    collector = Collector()
    watcher = make_watcher(tmp_path, collector)
    watcher.start()

    os.mkfifo(tmp_path / "pipe.txt")
    _write(tmp_path / "good.txt")

    assert wait_for(lambda: collector.count >= 1)
    assert wait_for(
        lambda: any("pipe.txt: a named pipe, not a file" in r.getMessage() for r in caplog.records)
    )
    assert collector.names == ["good.txt"]
