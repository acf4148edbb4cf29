"""watcher.ingest against real files in a real folder, with a real watchdog observer.

Waits poll a condition up to a generous deadline and never assert on how long
something took: the machine is shared and noisy.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from watcher.errors import WatcherError
from watcher.ingest import InboxWatcher, is_candidate, scan

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


WatcherFactory = Callable[..., InboxWatcher]


@pytest.fixture
def make_watcher() -> Iterator[WatcherFactory]:
    """Builds watchers with short settle times; stops every one after the test."""
    made: list[InboxWatcher] = []

    def make(root: Path, on_ready: Callable[[Path], None], **options: float) -> InboxWatcher:
        options.setdefault("settle_seconds", 0.3)
        options.setdefault("poll_interval", 0.05)
        watcher = InboxWatcher(root, on_ready, suffixes=SUFFIXES, **options)
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
