"""The store against real databases: a SQLite file and PostgreSQL (see conftest)."""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, TypeVar

import pytest

from watcher.errors import StoreError
from watcher.model import Document, Hit, Severity
from watcher.store import DigestRecord, RecordResult, Store
from watcher.store.db import create_engine, database_url

T = TypeVar("T")

T0 = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
CET = timezone(timedelta(hours=1))


def sha(label: str) -> str:
    return hashlib.sha256(label.encode()).hexdigest()


def make_doc(label: str, **fields: Any) -> Document:
    text = f"{label}: ACME Corp signs a deal with Globex on the Danube."
    doc = Document(path=f"/inbox/{label}.txt", sha256=sha(label), text=text, format="txt")
    return replace(doc, **fields)


def make_hit(
    doc: Document,
    needle: str,
    *,
    watchlist: str = "sanctions",
    kind: str = "entity",
    name: str | None = None,
    severity: Severity = Severity.HIGH,
) -> Hit:
    start = doc.text.index(needle)
    return Hit(
        watchlist=watchlist,
        kind="topic" if kind == "topic" else "entity",
        name=name or needle,
        category="organisation" if kind == "entity" else "topic",
        alias=needle.lower(),
        text=needle,
        start=start,
        end=start + len(needle),
        snippet=doc.text,
        snippet_start=start,
        snippet_end=start + len(needle),
        severity=severity,
    )


def hits_for(doc: Document) -> list[Hit]:
    return [
        make_hit(doc, "ACME Corp"),
        make_hit(doc, "Globex", watchlist="energy", severity=Severity.LOW),
        make_hit(doc, "Danube", kind="topic", name="rivers", severity=Severity.MEDIUM),
    ]


def run_together(workers: int, task: Callable[[], T]) -> list[T]:
    """Run ``task`` in ``workers`` threads released at the same moment."""
    barrier = threading.Barrier(workers)

    def go() -> T:
        barrier.wait()
        return task()

    with ThreadPoolExecutor(workers) as pool:
        futures = [pool.submit(go) for _ in range(workers)]
        return [f.result() for f in futures]


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    s = Store(db_url)
    s.upgrade()
    yield s
    s.close()


# -- schema ----------------------------------------------------------------------


def test_fresh_database_fails_check_schema_with_hint(db_url: str) -> None:
    s = Store(db_url)
    try:
        assert s.current_revision() is None
        with pytest.raises(StoreError, match="database is at revision none, watcher needs 0004"):
            s.check_schema()
        with pytest.raises(StoreError) as info:
            s.check_schema()
        assert info.value.hint == "run `watcher db upgrade`"
        s.upgrade()
        assert s.current_revision() == "0004"
        s.check_schema()
        s.upgrade()  # a second upgrade is a no-op
        assert s.current_revision() == "0004"
    finally:
        s.close()


def test_queries_on_a_fresh_database_say_how_to_fix_it(db_url: str) -> None:
    s = Store(db_url)
    try:
        with pytest.raises(StoreError) as info:
            s.has_document(sha("x"))
        assert info.value.hint == "run `watcher db upgrade`"
    finally:
        s.close()


# -- documents and hits -----------------------------------------------------------


def test_round_trip_gives_back_every_field_in_aware_utc(store: Store) -> None:
    published = datetime(2026, 2, 28, 23, 15, tzinfo=CET)
    ingested = datetime(2026, 3, 1, 10, 30, 15, 123456, tzinfo=CET)
    doc = make_doc(
        "a", title="Deal", source="Wire", url="https://example.org/a", published_at=published
    )
    hits = hits_for(doc)

    result = store.record_document(doc, hits, "rules-v1", ingested_at=ingested)

    assert result == RecordResult(result.document_id, inserted=True, hit_count=3)
    assert store.has_document(doc.sha256)
    stored = store.hits()
    assert [s.hit for s in stored] == hits  # one document: offset order
    for s in stored:
        assert s.ruleset_version == "rules-v1"
        ref = s.document
        assert (ref.path, ref.sha256, ref.title, ref.source, ref.url) == (
            doc.path,
            doc.sha256,
            "Deal",
            "Wire",
            "https://example.org/a",
        )
        assert ref.published_at == published
        assert ref.published_at is not None
        assert ref.published_at.tzinfo == UTC
        assert ref.ingested_at == ingested
        assert ref.ingested_at.tzinfo == UTC
        assert ref.ingested_at.microsecond == 123456
    assert len({s.id for s in stored}) == 3
    assert store.document_counts() == {"done": 1, "quarantined": 0, "duplicate": 0}


def test_naive_datetimes_are_refused(store: Store) -> None:
    doc = make_doc("naive", published_at=datetime(2026, 1, 1))
    with pytest.raises(ValueError, match="timezone-aware"):
        store.record_document(doc, [], "v1")
    assert not store.has_document(doc.sha256)


def test_a_near_duplicate_keeps_only_the_names_its_original_lacks(store: Store) -> None:
    original = make_doc("a")
    first = store.record_document(
        original, hits_for(original), "v1", fingerprint=0xABCDEF, duplicate_threshold=0.9
    )
    update = make_doc("b", text=original.text + " Initech joined the deal.")
    found = [*hits_for(update), make_hit(update, "Initech")]

    result = store.record_document(
        update, found, "v1", fingerprint=0xABCDEF, duplicate_threshold=0.9
    )

    assert (result.inserted, result.duplicate_of, result.hit_count) == (True, first.document_id, 1)
    assert store.document_counts() == {"done": 1, "quarantined": 0, "duplicate": 1}
    assert [
        (h.document.sha256, h.hit.name) for h in store.hits() if h.document.sha256 == update.sha256
    ] == [(update.sha256, "Initech")]
    # A plain re-save names no one new: nothing is stored for it.
    resaved = make_doc("c")
    again = store.record_document(
        resaved, hits_for(resaved), "v1", fingerprint=0xABCDEF, duplicate_threshold=0.9
    )
    assert (again.duplicate_of, again.hit_count) == (first.document_id, 0)
    assert len(store.hits()) == len(hits_for(original)) + 1


def test_duplicate_sha256_writes_nothing(store: Store) -> None:
    doc = make_doc("dup")
    first = store.record_document(doc, hits_for(doc), "v1")
    again = store.record_document(doc, [*hits_for(doc), make_hit(doc, "deal")], "v2")

    assert again == RecordResult(first.document_id, inserted=False, hit_count=3)
    assert len(store.hits()) == 3
    assert {s.ruleset_version for s in store.hits()} == {"v1"}


def test_repeated_hits_in_one_document_are_stored_once(store: Store) -> None:
    doc = make_doc("twice")
    hit = make_hit(doc, "ACME Corp")
    result = store.record_document(doc, [hit, hit, make_hit(doc, "Globex")], "v1")
    assert result.hit_count == 2
    assert [s.hit for s in store.hits()] == [hit, make_hit(doc, "Globex")]


def test_document_without_hits(store: Store) -> None:
    doc = make_doc("quiet")
    assert store.record_document(doc, [], "v1").hit_count == 0
    assert store.hits() == []
    assert store.document_counts()["done"] == 1


def test_values_too_long_for_their_column_fail_alike_on_every_backend(store: Store) -> None:
    doc = make_doc("long")
    hit = replace(make_hit(doc, "ACME Corp"), watchlist="w" * 201)
    with pytest.raises(StoreError, match=r"hits.watchlist is 201 characters long.*allows 200"):
        store.record_document(doc, [hit], "v1")
    with pytest.raises(StoreError, match=r"documents.format is 17 characters long"):
        store.record_document(replace(doc, format="f" * 17), [], "v1")
    assert not store.has_document(doc.sha256)


def test_quarantine_is_recorded_once(store: Store) -> None:
    first = store.record_quarantine("/inbox/bad.pdf", sha("bad"), "not a PDF", fmt="pdf")
    again = store.record_quarantine("/inbox/bad-copy.pdf", sha("bad"), "still not a PDF")

    assert first.inserted
    assert again == RecordResult(first.document_id, inserted=False, hit_count=0)
    assert store.has_document(sha("bad"))
    assert store.document_counts() == {"done": 0, "quarantined": 1, "duplicate": 0}
    # A quarantined file is known: the same bytes are not processed again.
    late = store.record_document(make_doc("bad", sha256=sha("bad")), [], "v1")
    assert late == RecordResult(first.document_id, inserted=False, hit_count=0)


def test_quarantine_survives_an_overlong_format(store: Store) -> None:
    assert store.record_quarantine("/inbox/x", sha("x"), "odd", fmt="x" * 40).inserted


def test_hits_newest_document_first_and_filters(store: Store) -> None:
    old, new = make_doc("old"), make_doc("new")
    store.record_document(old, hits_for(old), "v1", ingested_at=T0)
    store.record_document(new, hits_for(new), "v1", ingested_at=T0 + timedelta(hours=2))

    every = store.hits()
    assert [s.document.sha256 for s in every] == [new.sha256] * 3 + [old.sha256] * 3
    assert [s.hit.start for s in every[:3]] == sorted(s.hit.start for s in every[:3])

    since = store.hits(since=T0 + timedelta(hours=1))
    assert {s.document.sha256 for s in since} == {new.sha256}
    assert len(store.hits(since=T0)) == 6  # inclusive

    energy = store.hits(watchlist="energy")
    assert [(s.hit.name, s.document.sha256) for s in energy] == [
        ("Globex", new.sha256),
        ("Globex", old.sha256),
    ]
    assert store.hits(watchlist="nothing") == []

    assert store.hits(limit=2) == every[:2]
    both = store.hits(watchlist="sanctions", since=T0 + timedelta(hours=1), limit=5)
    assert [(s.hit.name, s.document.sha256) for s in both] == [
        ("ACME Corp", new.sha256),
        ("rivers", new.sha256),
    ]


# -- digests ----------------------------------------------------------------------


def claimed_ids(store: Store, digest: DigestRecord) -> set[int]:
    return {s.id for s in store.digest_hits(digest.id)}


def test_claims_take_each_hit_exactly_once(store: Store) -> None:
    a, b = make_doc("a"), make_doc("b")
    store.record_document(a, hits_for(a), "v1", ingested_at=T0)
    assert len(store.unclaimed_hits("daily")) == 3

    first = store.claim_digest("daily", T0 + timedelta(hours=1))
    assert first.period_start is None
    assert first.period_end == T0 + timedelta(hours=1)
    assert first.status == "claimed"
    assert first.hit_count == 3
    assert store.unclaimed_hits("daily") == []

    store.record_document(b, hits_for(b), "v1", ingested_at=T0 + timedelta(hours=2))
    assert {s.document.sha256 for s in store.unclaimed_hits("daily")} == {b.sha256}
    second = store.claim_digest("daily", T0 + timedelta(days=1))
    assert second.period_start == first.period_end
    assert second.hit_count == 3

    empty = store.claim_digest("daily", T0 + timedelta(days=2))
    assert empty.hit_count == 0
    assert store.digest_hits(empty.id) == []

    ids_first, ids_second = claimed_ids(store, first), claimed_ids(store, second)
    assert not ids_first & ids_second
    assert ids_first | ids_second == {s.id for s in store.hits()}

    # Another digest name claims everything again, independently.
    weekly = store.claim_digest("weekly", T0 + timedelta(days=7))
    assert weekly.period_start is None
    assert claimed_ids(store, weekly) == ids_first | ids_second


def test_digest_hits_are_ordered_for_reading(store: Store) -> None:
    a, b = make_doc("a"), make_doc("b")
    store.record_document(b, hits_for(b), "v1", ingested_at=T0 + timedelta(hours=1))
    store.record_document(a, hits_for(a), "v1", ingested_at=T0)
    digest = store.claim_digest("daily", T0 + timedelta(days=1))

    order = [(s.hit.watchlist, s.hit.name, s.document.sha256) for s in store.digest_hits(digest.id)]
    assert order == [
        ("energy", "Globex", a.sha256),
        ("energy", "Globex", b.sha256),
        ("sanctions", "ACME Corp", a.sha256),
        ("sanctions", "ACME Corp", b.sha256),
        ("sanctions", "rivers", a.sha256),
        ("sanctions", "rivers", b.sha256),
    ]
    # A preview shows hits in the order the digest will.
    assert store.unclaimed_hits("other") == store.digest_hits(digest.id)


def test_claims_survive_a_restart_and_pending_digests_show_the_crash(db_url: str) -> None:
    before = Store(db_url)
    before.upgrade()
    doc = make_doc("a")
    before.record_document(doc, hits_for(doc), "v1", ingested_at=T0)
    claimed = before.claim_digest("daily", T0 + timedelta(hours=1))
    before.close()  # "crash" between claim and write

    after = Store(db_url)
    try:
        after.check_schema()
        assert after.pending_digests() == [claimed]
        assert after.pending_digests("daily") == [claimed]
        assert after.pending_digests("weekly") == []
        empty = after.claim_digest("daily", T0 + timedelta(hours=2))
        assert empty.hit_count == 0
        assert len(after.digest_hits(claimed.id)) == 3

        after.mark_digest_written(claimed.id, "/digests/daily.md")
        written = next(d for d in after.digests("daily") if d.id == claimed.id)
        assert (written.status, written.output_path, written.error) == (
            "written",
            "/digests/daily.md",
            None,
        )
        # Only the empty digest claimed after the restart is still pending.
        assert after.pending_digests() == [empty]
    finally:
        after.close()


def test_digest_listing_and_status_changes(store: Store) -> None:
    assert store.last_digest("daily") is None
    assert store.digests() == []
    one = store.claim_digest("daily", T0)
    two = store.claim_digest("weekly", T0 + timedelta(hours=1))
    three = store.claim_digest("daily", T0 + timedelta(hours=2))

    assert [d.id for d in store.digests()] == [three.id, two.id, one.id]
    assert [d.id for d in store.digests("daily")] == [three.id, one.id]
    assert store.last_digest("daily") == three
    assert [d.id for d in store.pending_digests()] == [one.id, two.id, three.id]

    store.mark_digest_failed(one.id, "SMTP refused")
    store.mark_digest_written(three.id, "/digests/3.md")
    failed = store.digests("daily")[1]
    assert (failed.status, failed.error) == ("failed", "SMTP refused")
    assert failed.created_at.tzinfo == UTC
    assert [d.id for d in store.pending_digests()] == [two.id]

    # A failed digest can be delivered later; the error goes away.
    store.mark_digest_written(one.id, "/digests/1.md")
    assert store.digests("daily")[1].error is None

    with pytest.raises(StoreError, match="no digest with id 999"):
        store.mark_digest_written(999, "/nowhere")
    with pytest.raises(StoreError, match="no digest with id 999"):
        store.mark_digest_failed(999, "boom")


# -- concurrency ------------------------------------------------------------------


def test_concurrent_record_of_the_same_document_stores_it_once(store: Store) -> None:
    for round_ in range(5):
        doc = make_doc(f"race-{round_}")

        def record(doc: Document = doc) -> RecordResult:
            return store.record_document(doc, hits_for(doc), "v1")

        results = run_together(4, record)
        assert sorted(r.inserted for r in results) == [False, False, False, True]
        assert len({r.document_id for r in results}) == 1
        assert {r.hit_count for r in results} == {3}
    assert store.document_counts() == {"done": 5, "quarantined": 0, "duplicate": 0}
    assert len(store.hits()) == 15


def test_concurrent_record_from_two_stores(db_url: str) -> None:
    stores = [Store(db_url), Store(db_url)]
    stores[0].upgrade()
    try:
        doc = make_doc("two-processes")
        barrier = threading.Barrier(2)

        def record(s: Store) -> RecordResult:
            barrier.wait()
            return s.record_document(doc, hits_for(doc), "v1")

        with ThreadPoolExecutor(2) as pool:
            results = list(pool.map(record, stores))
        assert sorted(r.inserted for r in results) == [False, True]
        assert len(stores[1].hits()) == 3
    finally:
        for s in stores:
            s.close()


def test_concurrent_claims_never_double_a_hit(store: Store) -> None:
    for i in range(4):
        doc = make_doc(f"claim-{i}")
        store.record_document(doc, hits_for(doc), "v1")

    digests = run_together(4, lambda: store.claim_digest("daily", T0))
    assert sum(d.hit_count for d in digests) == 12
    claimed = [s.id for d in digests for s in store.digest_hits(d.id)]
    assert sorted(claimed) == sorted(s.id for s in store.hits())


# -- engine set-up ----------------------------------------------------------------


def test_postgresql_url_uses_psycopg_3() -> None:
    assert database_url("postgresql://u@h/db").drivername == "postgresql+psycopg"
    assert database_url("postgres://u@h/db").drivername == "postgresql+psycopg"
    assert database_url("postgresql+psycopg://u@h/db").drivername == "postgresql+psycopg"
    assert database_url("sqlite:///x.db").drivername == "sqlite"


def test_sqlite_creates_its_folder_and_uses_wal(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "watcher.db"
    s = Store(f"sqlite:///{path}")
    try:
        s.upgrade()
    finally:
        s.close()
    assert path.is_file()
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"

    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10000
    finally:
        engine.dispose()


def test_unreachable_database_is_a_store_error_without_the_password() -> None:
    s = Store("postgresql://watcher:s3cret@127.0.0.1:1/watcher")
    try:
        with pytest.raises(StoreError) as info:
            s.check_schema()
    finally:
        s.close()
    message = str(info.value)
    assert "cannot connect to database" in message
    assert "s3cret" not in message
    assert "watcher:***@127.0.0.1:1" in message


def test_unopenable_sqlite_file_is_a_store_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(StoreError, match="cannot create the folder"):
        Store(f"sqlite:///{blocker}/sub/watcher.db")


def test_invalid_url_is_a_store_error() -> None:
    with pytest.raises(StoreError, match="not a database URL"):
        Store("nonsense")
    with pytest.raises(StoreError, match="cannot use database"):
        Store("nosuchdb://u:p@h/x")
