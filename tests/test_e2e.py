"""End to end: the real ``watcher run`` process, a real inbox, a real database."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections import Counter
from functools import partial
from pathlib import Path

import pytest

from watcher.extract import extract
from watcher.match import Matcher
from watcher.rules import load_rules
from watcher.store import Store

from .e2e import Daemon, drop, wait_for, watcher_command, write_config

pytestmark = pytest.mark.e2e

REPO_RULES = Path(__file__).parent.parent / "rules"
# Full mentions, plus "Li said" after one (001: 9 of them, 003: 4).
LI_SHANGFU_MENTIONS = {"000": 4, "001": 12, "002": 1, "003": 5, "004": 1}


def _done_count_is(store: Store, count: int) -> bool:
    return store.document_counts().get("done", 0) == count


def _hits_by_document(store: Store) -> dict[str, list[tuple[str, str, str, int, int]]]:
    out: dict[str, list[tuple[str, str, str, int, int]]] = {}
    for stored in store.hits():
        hit = stored.hit
        key = Path(stored.document.path).name
        out.setdefault(key, []).append((hit.watchlist, hit.name, hit.text, hit.start, hit.end))
    return {k: sorted(v) for k, v in out.items()}


def test_daemon_ingests_each_seed_once_across_a_restart(
    tmp_path: Path, db_url: str, seeds_dir: Path
) -> None:
    config = write_config(tmp_path / "work", db_url, REPO_RULES)
    inbox = config.parent / "inbox"
    seeds = sorted(seeds_dir.glob("*.txt"))
    matcher = Matcher(load_rules(REPO_RULES))
    store = Store(db_url)
    try:
        daemon = Daemon(config).start()
        for number, seed in enumerate(seeds, start=1):
            drop(seed, inbox)
            wait_for(
                partial(_done_count_is, store, number),
                f"document {number} ({seed.name}) to be stored",
            )
        assert daemon.stop() == 0
        assert "stopped" in daemon.output()

        stored = _hits_by_document(store)
        assert sorted(stored) == [s.name for s in seeds]
        for seed in seeds:
            expected = sorted(
                (h.watchlist, h.name, h.text, h.start, h.end)
                for h in matcher.match(extract(seed, seed.read_bytes()))
            )
            assert stored[seed.name] == expected, seed.name
            li = [h for h in stored[seed.name] if h[:2] == ("defence-ministers", "Li Shangfu")]
            assert len(li) == LI_SHANGFU_MENTIONS[seed.name[:3]], seed.name
            assert all("Haidong" not in h[2] for h in stored[seed.name])
        hit_count = len(store.hits())

        # Restart; the same article under another name is not a new document.
        daemon = Daemon(config).start()
        copy = drop(seeds[2], inbox, name="syndicated-copy.txt")
        wait_for(lambda: f"{copy}: already seen" in daemon.output(), "the copy to be seen")
        assert daemon.stop() == 0
        assert store.document_counts().get("done", 0) == len(seeds)
        assert len(store.hits()) == hit_count
    finally:
        store.close()


def test_files_dropped_while_down_are_taken_at_start(tmp_path: Path, db_url: str) -> None:
    config = write_config(tmp_path / "work", db_url, REPO_RULES)
    inbox = config.parent / "inbox"
    (inbox / "sub").mkdir(parents=True)
    (inbox / "a.txt").write_text("Viktor Khrenin met Li Shangfu.\n", encoding="utf-8")
    (inbox / "sub" / "b.md").write_text("# SCO\n\nThe SCO met.\n", encoding="utf-8")
    (inbox / "ignored.txt.part").write_text("Li Shangfu", encoding="utf-8")
    store = Store(db_url)
    try:
        daemon = Daemon(config).start()
        wait_for(lambda: store.document_counts().get("done", 0) == 2, "both documents")
        assert daemon.stop() == 0
        names = Counter(Path(h.document.path).name for h in store.hits())
        assert names == {"a.txt": 2, "b.md": 4}  # SCO twice, in two watchlists
    finally:
        store.close()


def test_a_broken_document_is_quarantined_and_the_next_one_processed(
    tmp_path: Path, db_url: str
) -> None:
    config = write_config(tmp_path / "work", db_url, REPO_RULES)
    inbox = config.parent / "inbox"
    store = Store(db_url)
    try:
        daemon = Daemon(config).start()
        (inbox / "junk.txt").write_bytes(b"\x00\x01\x02binary\x00junk" * 50)
        (inbox / "empty.html").write_bytes(b"")
        drop_text = inbox / "good.txt"
        drop_text.write_text("Li Shangfu arrived in Minsk.\n", encoding="utf-8")
        wait_for(
            lambda: store.document_counts() == {"done": 1, "quarantined": 2, "duplicate": 0},
            "one document done and two quarantined",
        )
        assert not daemon.exited()
        assert daemon.stop() == 0
        assert "junk.txt: quarantined" in daemon.output()
        assert [h.hit.name for h in store.hits()] == ["Li Shangfu"]
        assert (inbox / "junk.txt").exists()  # nothing in the inbox is deleted
    finally:
        store.close()


def test_rules_reload_and_a_broken_edit_keeps_the_last_good_rules(
    tmp_path: Path, db_url: str
) -> None:
    config = write_config(tmp_path / "work", db_url, REPO_RULES)
    inbox, rules = config.parent / "inbox", config.parent / "rules"
    store = Store(db_url)
    try:
        daemon = Daemon(config).start()
        (rules / "extra.yaml").write_text(
            "watchlist: extra\nentities:\n  - name: Wagner Group\n", encoding="utf-8"
        )
        wait_for(lambda: "rules reloaded" in daemon.output(), "the rules to reload")
        (inbox / "one.txt").write_text("The Wagner Group moved.\n", encoding="utf-8")
        wait_for(lambda: len(store.hits(watchlist="extra")) == 1, "a hit of the new watchlist")

        # An editor's save can leave the file empty for a moment: no rule is dropped.
        (rules / "extra.yaml").write_text("")
        wait_for(lambda: "keeping the last good rules" in daemon.output(), "the reload to fail")
        assert "extra.yaml:1:1: the rule file is empty" in daemon.output()
        (rules / "extra.yaml").write_text("watchlist: extra\nentities:\n  - nme: X\n")
        wait_for(
            lambda: "extra.yaml:3:5: unknown key 'nme' in an entity" in daemon.output(),
            "the broken rule to be reported",
        )
        (inbox / "two.txt").write_text("The Wagner Group left.\n", encoding="utf-8")
        wait_for(lambda: len(store.hits(watchlist="extra")) == 2, "the old rules still matching")
        versions = {h.ruleset_version for h in store.hits(watchlist="extra")}
        assert len(versions) == 1  # both hits by the last good rules
        assert daemon.stop() == 0
    finally:
        store.close()


def test_a_broken_rule_set_at_start_is_a_clear_error(tmp_path: Path, db_url: str) -> None:
    config = write_config(tmp_path / "work", db_url, REPO_RULES)
    shutil.copy(Path(__file__).parent / "rules_bad" / "unknown-key.yaml", config.parent / "rules")
    result = subprocess.run(
        [*watcher_command(), "run", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert "unknown-key.yaml:5:5: unknown key 'alias' in an entity" in result.stderr
    assert "Traceback" not in result.stderr


def test_hostile_files_are_quarantined_and_the_daemon_goes_on(tmp_path: Path, db_url: str) -> None:
    config = write_config(tmp_path / "work", db_url, REPO_RULES)
    text = config.read_text(encoding="utf-8").replace(
        "[ingest]\n", "[ingest]\nmax_mb = 0.01\nreconcile_seconds = 1\n"
    )
    config.write_text(text, encoding="utf-8")
    inbox = config.parent / "inbox"
    outside = tmp_path / "outside.txt"
    outside.write_text("Li Shangfu, from outside the inbox.\n", encoding="utf-8")
    store = Store(db_url)
    try:
        daemon = Daemon(config).start()
        (inbox / "first.txt").write_text("Li Shangfu arrived.\n", encoding="utf-8")
        os.mkfifo(inbox / "pipe.txt")
        (inbox / "link.txt").symlink_to(outside)
        os.link(outside, inbox / "hard.txt")
        (inbox / "big.txt").write_text("Viktor Khrenin. " * 2000, encoding="utf-8")
        (inbox / "empty.md").write_bytes(b"")
        (inbox / "last.txt").write_text("Viktor Khrenin replied.\n", encoding="utf-8")
        wait_for(
            lambda: store.document_counts() == {"done": 2, "quarantined": 5, "duplicate": 0},
            "two documents done and five quarantined",
        )
        assert not daemon.exited()
        assert daemon.stop() == 0
        reasons = {Path(q.path).name: q.reason for q in store.quarantined()}
        assert reasons["pipe.txt"] == "a named pipe, not a file"
        assert reasons["link.txt"].startswith("a symbolic link to ")
        assert reasons["hard.txt"].startswith("a hard link (2 names)")
        assert reasons["big.txt"].startswith("file too large: 32000 bytes")
        assert reasons["empty.md"] == "empty file"
        assert sorted(h.hit.name for h in store.hits()) == ["Li Shangfu", "Viktor Khrenin"]
        assert (inbox / "pipe.txt").exists()  # nothing in the inbox is deleted
    finally:
        store.close()


def test_a_resaved_article_is_a_near_duplicate_without_hits(
    tmp_path: Path, db_url: str, seeds_dir: Path
) -> None:
    config = write_config(tmp_path / "work", db_url, REPO_RULES)
    inbox = config.parent / "inbox"
    seed = next(seeds_dir.glob("002_*.txt"))
    store = Store(db_url)
    try:
        daemon = Daemon(config).start()
        drop(seed, inbox)
        wait_for(lambda: store.document_counts()["done"] == 1, "the article")
        hits = len(store.hits())
        lines = seed.read_text(encoding="utf-8").splitlines()
        resaved = inbox / "resaved.txt"
        resaved.write_text(
            "\n".join(["Republished with permission", "", *lines, "", "", ""]), encoding="utf-8"
        )
        wait_for(lambda: store.document_counts()["duplicate"] == 1, "the near-duplicate")
        assert daemon.stop() == 0
        assert "resaved.txt: near-duplicate of document #" in daemon.output()
        assert len(store.hits()) == hits
    finally:
        store.close()


@pytest.mark.parametrize("point", ["after-match", "in-transaction", "after-commit"])
def test_a_crash_at_any_point_loses_and_doubles_nothing(
    tmp_path: Path, db_url: str, point: str
) -> None:
    config = write_config(tmp_path / "work", db_url, REPO_RULES)
    inbox = config.parent / "inbox"
    text = "Li Shangfu met Viktor Khrenin in Minsk. Li said the SCO would grow.\n"
    expected = sorted((h.name, h.start) for h in Matcher(load_rules(REPO_RULES)).match_text(text))
    store = Store(db_url)
    try:
        crashing = Daemon(config, env={"WATCHER_TEST_CRASH_AT": point}).start()
        (inbox / "story.txt").write_text(text, encoding="utf-8")
        assert crashing.process is not None
        assert crashing.process.wait(timeout=60) == -signal.SIGKILL
        committed = point == "after-commit"
        assert store.document_counts()["done"] == (1 if committed else 0)

        daemon = Daemon(config).start()
        if committed:
            wait_for(lambda: "story.txt: already seen" in daemon.output(), "the story seen")
        else:
            wait_for(lambda: store.document_counts()["done"] == 1, "the story taken again")
        assert daemon.stop() == 0
        assert store.document_counts()["done"] == 1
        assert sorted((h.hit.name, h.hit.start) for h in store.hits()) == expected
    finally:
        store.close()


def test_a_pdf_that_hangs_the_parser_is_quarantined_at_the_time_limit(
    tmp_path: Path, db_url: str
) -> None:
    from .test_extract_pdf import slow_pdf

    config = write_config(tmp_path / "work", db_url, REPO_RULES)
    text = config.read_text(encoding="utf-8").replace(
        "[ingest]\n", "[ingest]\nextract_timeout = 2\n"
    )
    config.write_text(text, encoding="utf-8")
    inbox = config.parent / "inbox"
    store = Store(db_url)
    try:
        daemon = Daemon(config).start()
        (inbox / "a.txt").write_text("Li Shangfu arrived.\n", encoding="utf-8")
        (inbox / "b-slow.pdf").write_bytes(slow_pdf())
        (inbox / "c.txt").write_text("Viktor Khrenin replied.\n", encoding="utf-8")
        wait_for(
            lambda: store.document_counts() == {"done": 2, "quarantined": 1, "duplicate": 0},
            "two documents done and the PDF quarantined",
            deadline=120,
        )
        assert not daemon.exited()
        assert daemon.stop() == 0
        (record,) = store.quarantined()
        assert (Path(record.path).name, record.reason) == (
            "b-slow.pdf",
            "PDF extraction timed out after 2 s",
        )
    finally:
        store.close()


def test_a_backfill_while_the_daemon_runs_stores_everything_once(
    tmp_path: Path, db_url: str, seeds_dir: Path
) -> None:
    config = write_config(tmp_path / "work", db_url, REPO_RULES)
    inbox = config.parent / "inbox"
    archive = tmp_path / "archive"
    archive.mkdir()
    seeds = sorted(seeds_dir.glob("*.txt"))
    for seed in seeds:
        shutil.copy(seed, archive / seed.name)
    store = Store(db_url)
    try:
        daemon = Daemon(config).start()
        for seed in seeds:  # the same articles arrive in the inbox meanwhile
            drop(seed, inbox)
        backfill = subprocess.run(
            [*watcher_command(), "ingest", "--quiet", "--config", str(config), str(archive)],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert backfill.returncode == 0, backfill.stderr
        wait_for(lambda: store.document_counts()["done"] == len(seeds), "every article")
        time.sleep(1.0)  # let anything that would double a document show itself
        assert daemon.stop() == 0
        assert store.document_counts() == {"done": len(seeds), "quarantined": 0, "duplicate": 0}
        pairs = [
            (h.document.sha256, h.hit.watchlist, h.hit.name, h.hit.start) for h in store.hits()
        ]
        assert len(pairs) == len(set(pairs))
    finally:
        store.close()
