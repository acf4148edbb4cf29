"""Ingestion under load, downtime and slow writers: every file exactly once.

These start the real daemon and drop thousands of real files. They assert
counts, never timings (the machine is shared); the deadlines are generous.
"""

from __future__ import annotations

import multiprocessing
import random
import time
from pathlib import Path

import pytest

from watcher.store import Store

from .e2e import Daemon, wait_for, write_config

pytestmark = pytest.mark.e2e

REPO_RULES = Path(__file__).parent.parent / "rules"
# Neutral words, so that the only watched name in a document is the one put in.
VOCABULARY = (
    "harbour river market council farmers weather bridge railway school library museum "
    "festival orchestra garden bakery tram cyclists budget hospital theatre stadium "
    "election mayor teachers students harvest storm village ferry airport tourism "
    "exhibition painter novel concert recipe coffee bicycle mountain lake forest valley"
).split()


def article(seed: int) -> str:
    """A distinct short article naming Li Shangfu once (near-duplicates are not wanted)."""
    rng = random.Random(seed)
    words = [rng.choice(VOCABULARY) for _ in range(80)]
    words.insert(rng.randrange(10, 70), "Li Shangfu")
    return f"Report {seed}\n\n" + " ".join(words) + ".\n"


def _write_files(inbox: str, writer: int, count: int) -> None:
    for i in range(count):
        seed = writer * 100_000 + i
        target = Path(inbox) / f"w{writer}" / f"doc-{seed}.txt"
        target.parent.mkdir(parents=True, exist_ok=True)
        part = target.with_name(target.name + ".part")
        part.write_text(article(seed), encoding="utf-8")
        part.rename(target)


def _counts(store: Store) -> tuple[int, int]:
    return store.document_counts()["done"], len(store.hits())


def test_files_dropped_while_down_are_all_taken_once(tmp_path: Path, db_url: str) -> None:
    config = write_config(tmp_path / "work", db_url, REPO_RULES, settle=0.2)
    inbox = config.parent / "inbox"
    store = Store(db_url)
    try:
        daemon = Daemon(config).start()
        assert daemon.stop() == 0
        _write_files(str(inbox), 0, 500)
        daemon = Daemon(config).start()
        wait_for(lambda: _counts(store) == (500, 500), "all 500 documents", deadline=300)
        assert daemon.stop() == 0
        assert store.document_counts() == {"done": 500, "quarantined": 0, "duplicate": 0}
    finally:
        store.close()


def test_a_burst_from_several_writers_is_taken_exactly_once(tmp_path: Path, db_url: str) -> None:
    config = write_config(tmp_path / "work", db_url, REPO_RULES, settle=0.2)
    inbox = config.parent / "inbox"
    writers, per_writer = 5, 1000
    store = Store(db_url)
    try:
        daemon = Daemon(config).start()
        context = multiprocessing.get_context("spawn")
        processes = [
            context.Process(target=_write_files, args=(str(inbox), w, per_writer))
            for w in range(writers)
        ]
        for process in processes:
            process.start()
        for process in processes:
            process.join(timeout=300)
            assert process.exitcode == 0
        total = writers * per_writer
        wait_for(lambda: _counts(store)[0] >= total, f"{total} documents", deadline=900)
        time.sleep(1.0)  # let anything that would double a document show itself
        assert daemon.stop() == 0
        assert store.document_counts() == {"done": total, "quarantined": 0, "duplicate": 0}
        hits = store.hits()
        assert len(hits) == total
        assert len({h.document.sha256 for h in hits}) == total
    finally:
        store.close()


def test_a_slow_writer_gives_one_document_of_the_final_file(tmp_path: Path, db_url: str) -> None:
    config = write_config(tmp_path / "work", db_url, REPO_RULES, settle=1.0)
    inbox = config.parent / "inbox"
    chunk = (article(7) * 40).encode("utf-8")
    chunks = max(1, (20 * 2**20) // len(chunk))
    store = Store(db_url)
    try:
        daemon = Daemon(config).start()
        target = inbox / "big-report.txt"
        with target.open("wb") as handle:
            for index in range(chunks):
                handle.write(chunk)
                handle.flush()
                if index % (chunks // 8 or 1) == 0:
                    time.sleep(0.4)  # a writer that pauses, with the file open
        import hashlib

        final = hashlib.sha256(target.read_bytes()).hexdigest()
        wait_for(lambda: store.document_counts()["done"] == 1, "the big document", deadline=300)
        assert daemon.stop() == 0
        shas = {h.document.sha256 for h in store.hits()}
        assert shas == {final}
        assert store.document_counts() == {"done": 1, "quarantined": 0, "duplicate": 0}
    finally:
        store.close()
