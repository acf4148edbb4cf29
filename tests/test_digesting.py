"""watcher.digesting: claiming, writing and scheduling digests, on real databases and files.

Every test runs against a SQLite file and PostgreSQL (the ``db_url`` fixture),
with settings read from a real watcher.toml and digests written to a real
folder. Times are fixed: no test waits for a clock.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from apscheduler.schedulers.background import BackgroundScheduler

from watcher.digesting import DigestOutcome, DigestRunner, cron_trigger, next_run
from watcher.errors import ConfigError, DigestError, Location
from watcher.model import Document, Hit, Severity
from watcher.rules import RuleSet, Watchlist
from watcher.settings import DigestSettings, Settings, load_settings
from watcher.store import Store

MINSK = "Europe/Minsk"  # UTC+3 all year
BERLIN = "Europe/Berlin"  # CET/CEST: 2023-03-26 02:00 -> 03:00, 2023-10-29 03:00 -> 02:00
TITLES = {
    "defence-ministers": "Defence ministers",
    "sco": "Shanghai Cooperation Organisation",
    "sanctions": "Sanctions",
}
RULES_VERSION = "2023-08-20.1"


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


# --- set-up: a config file, a store, documents --------------------------------------------


def write_settings(
    tmp_path: Path,
    db_url: str,
    digests: Mapping[str, tuple[str, str]],
    *,
    digests_dir: str = "digests",
) -> Settings:
    """watcher.toml in ``tmp_path`` with ``digests`` = {name: (schedule, timezone)}."""
    lines = [
        "[database]",
        f'url = "{db_url}"',
        "[paths]",
        f'digests = "{digests_dir}"',
    ]
    for name, (schedule, timezone) in digests.items():
        lines += [f"[digests.{name}]", f'schedule = "{schedule}"', f'timezone = "{timezone}"']
    config = tmp_path / "watcher.toml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return load_settings(config, env={})


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    store = Store(db_url)
    store.upgrade()
    yield store
    store.close()


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> Settings:
    return write_settings(tmp_path, db_url, {"daily": ("0 7 * * *", MINSK)})


def ruleset(titles: dict[str, str], tags: dict[str, tuple[str, ...]] | None = None) -> RuleSet:
    """A rule set with watchlists of these titles (and tags); their entities do not matter here."""
    tags = tags or {}
    watchlists = tuple(
        Watchlist(
            id=wid,
            title=title,
            severity=Severity.MEDIUM,
            tags=tags.get(wid, ()),
            entities=(),
            topics=(),
            location=Location(f"rules/{wid}.yaml"),
        )
        for wid, title in titles.items()
    )
    return RuleSet(watchlists=watchlists, version="test-rules")


def written(outcome: DigestOutcome) -> Path:
    """The file a Markdown digest was written to."""
    assert outcome.status == "written", outcome
    assert outcome.path is not None
    return outcome.path


def make_runner(settings: Settings, store: Store) -> DigestRunner:
    rules = ruleset(TITLES)
    return DigestRunner(settings, store, lambda: rules)


def _hit(doc: Document, needle: str, watchlist: str, name: str, *, topic: bool = False) -> Hit:
    start = doc.text.index(needle)
    return Hit(
        watchlist=watchlist,
        kind="topic" if topic else "entity",
        name=name,
        category="topic" if topic else "person",
        alias=needle.lower(),
        text=needle,
        start=start,
        end=start + len(needle),
        snippet=doc.text,
        snippet_start=start,
        snippet_end=start + len(needle),
        severity=Severity.HIGH,
    )


def add_document(store: Store, label: str, ingested_at: datetime | None = None) -> Document:
    """Record a document ``label`` with three hits (an entity, an acronym and a topic)."""
    text = f"Report {label}: Li Shangfu met the SCO delegation and discussed sanctions."
    doc = Document(
        path=f"/inbox/{label}.txt",
        sha256=hashlib.sha256(label.encode()).hexdigest(),
        text=text,
        format="txt",
        title=f"Report {label}",
        source="Asia Wire",
    )
    hits = [
        _hit(doc, "Li Shangfu", "defence-ministers", "Li Shangfu"),
        _hit(doc, "SCO", "sco", "Shanghai Cooperation Organisation"),
        _hit(doc, "sanctions", "sanctions", "Sanctions", topic=True),
    ]
    result = store.record_document(doc, hits, RULES_VERSION, ingested_at=ingested_at)
    assert result.inserted
    return doc


def all_hit_ids(store: Store) -> set[int]:
    return {h.id for h in store.hits()}


def digest_hit_ids(store: Store, digest_id: int) -> list[int]:
    return [h.id for h in store.digest_hits(digest_id)]


def files(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir()) if directory.is_dir() else []


# --- DigestRunner.run ------------------------------------------------------------------------


def test_run_writes_a_dated_file_with_every_hit_and_records_it(
    settings: Settings, store: Store
) -> None:
    add_document(store, "alpha")
    add_document(store, "beta")
    runner = make_runner(settings, store)

    # 22:30 UTC on the 21st is 01:30 on the 22nd in Minsk: the file takes Minsk's date.
    outcome = runner.run("daily", utc(2023, 8, 21, 22, 30))

    assert outcome.name == "daily"
    assert outcome.path == settings.digests_dir / "daily-2023-08-22.md"
    assert outcome.hit_count == 6
    text = written(outcome).read_text(encoding="utf-8")
    for expected in ("Report alpha", "Report beta", "Li Shangfu", "Sanctions"):
        assert expected in text
    assert "Shanghai Cooperation Organisation" in text
    assert text.count("/inbox/alpha.txt") == 1  # once, in its story
    [record] = store.digests("daily")
    assert record.id == outcome.digest_id
    assert record.status == "written"
    assert record.output_path == str(outcome.path)
    assert record.hit_count == 6
    assert set(digest_hit_ids(store, record.id)) == all_hit_ids(store)
    assert files(settings.digests_dir) == ["daily-2023-08-22.md"]  # no temporary files left


def test_the_file_date_is_the_digests_own_timezone(tmp_path: Path, db_url: str) -> None:
    settings = write_settings(
        tmp_path, db_url, {"minsk": ("0 7 * * *", MINSK), "london": ("0 7 * * *", "UTC")}
    )
    with_store = Store(db_url)
    with_store.upgrade()
    try:
        runner = make_runner(settings, with_store)
        moment = utc(2023, 8, 21, 22, 30)
        assert written(runner.run("minsk", moment)).name == "minsk-2023-08-22.md"
        assert written(runner.run("london", moment)).name == "london-2023-08-21.md"
    finally:
        with_store.close()


def test_a_second_run_right_after_is_an_empty_nothing_new_digest(
    settings: Settings, store: Store
) -> None:
    add_document(store, "alpha")
    runner = make_runner(settings, store)
    first = runner.run("daily", utc(2023, 8, 22, 4))
    second = runner.run("daily", utc(2023, 8, 22, 4, 1))

    assert first.hit_count == 3
    assert second.hit_count == 0
    assert digest_hit_ids(store, second.digest_id) == []
    assert written(second).name == "daily-2023-08-22-2.md"  # same day: the first file is kept
    text = written(second).read_text(encoding="utf-8")
    assert "Nothing new since 2023-08-22 07:00 (Europe/Minsk)" in text
    assert "Report alpha" not in text
    assert written(first).read_text(encoding="utf-8").count("Report alpha") >= 1


def test_hits_recorded_between_two_runs_land_in_the_second_only(
    settings: Settings, store: Store
) -> None:
    add_document(store, "alpha")
    runner = make_runner(settings, store)
    first = runner.run("daily", utc(2023, 8, 22, 4))
    before = all_hit_ids(store)
    add_document(store, "beta")
    second = runner.run("daily", utc(2023, 8, 23, 4))

    assert set(digest_hit_ids(store, first.digest_id)) == before
    assert set(digest_hit_ids(store, second.digest_id)) == all_hit_ids(store) - before
    assert second.hit_count == 3
    assert "Report beta" in written(second).read_text(encoding="utf-8")
    assert "Report alpha" not in written(second).read_text(encoding="utf-8")
    assert written(second).name == "daily-2023-08-23.md"


def test_interleaved_runs_of_two_digests_give_every_hit_exactly_once_to_each(
    tmp_path: Path, db_url: str, store: Store
) -> None:
    settings = write_settings(
        tmp_path, db_url, {"daily": ("0 7 * * *", MINSK), "weekly": ("0 8 * * 1", BERLIN)}
    )
    runner = make_runner(settings, store)
    start = utc(2023, 8, 21, 4)
    # Documents and runs of both digests, interleaved; some runs find nothing new.
    plan = [2, 0, 1, 3, 0, 0, 1, 2]
    outcomes: dict[str, list[DigestOutcome]] = {"daily": [], "weekly": []}
    counter = 0
    for step, new_documents in enumerate(plan):
        for _ in range(new_documents):
            add_document(store, f"doc-{counter}")
            counter += 1
        now = start + timedelta(hours=step)
        outcomes["daily"].append(runner.run("daily", now))
        if step % 3 == 1:
            outcomes["weekly"].append(runner.run("weekly", now + timedelta(minutes=1)))
    outcomes["weekly"].append(runner.run("weekly", start + timedelta(days=1)))

    everything = all_hit_ids(store)
    assert len(everything) == 3 * sum(plan)
    for name, done in outcomes.items():
        claimed = [digest_hit_ids(store, o.digest_id) for o in done]
        flat = [hit for ids in claimed for hit in ids]
        assert len(flat) == len(set(flat)), f"a hit is in two {name} digests"
        assert set(flat) == everything, f"a hit is in no {name} digest"
        assert [o.hit_count for o in done] == [len(ids) for ids in claimed]
        records = store.digests(name)
        assert {r.status for r in records} == {"written"}
        assert len(records) == len(done)
        # Each digest's period starts where the previous one of its name ended.
        oldest_first = records[::-1]
        assert oldest_first[0].period_start is None
        for previous, record in pairwise(oldest_first):
            assert record.period_start == previous.period_end
    written = files(settings.digests_dir)
    assert len(written) == len(outcomes["daily"]) + len(outcomes["weekly"])


# --- crashes and recovery ------------------------------------------------------------------


def test_recover_writes_a_digest_claimed_before_a_crash(settings: Settings, store: Store) -> None:
    add_document(store, "alpha")
    # The daemon was killed right after the claim committed: nothing was written.
    record = store.claim_digest("daily", utc(2023, 8, 22, 4))
    assert record.status == "claimed"
    assert files(settings.digests_dir) == []

    outcomes = make_runner(settings, store).recover()

    assert [(o.digest_id, o.hit_count) for o in outcomes] == [(record.id, 3)]
    assert outcomes[0].path == settings.digests_dir / "daily-2023-08-22.md"
    assert "Report alpha" in outcomes[0].path.read_text(encoding="utf-8")
    [stored] = store.digests("daily")
    assert (stored.status, stored.output_path) == ("written", str(outcomes[0].path))
    assert store.pending_digests() == []
    assert make_runner(settings, store).recover() == []


def test_run_finishes_an_earlier_claimed_digest_before_claiming_anew(
    settings: Settings, store: Store
) -> None:
    add_document(store, "alpha")
    pending = store.claim_digest("daily", utc(2023, 8, 22, 4))
    add_document(store, "beta")

    outcome = make_runner(settings, store).run("daily", utc(2023, 8, 23, 4))

    old = store.digests("daily")[1]
    assert (old.id, old.status) == (pending.id, "written")
    assert old.output_path == str(settings.digests_dir / "daily-2023-08-22.md")
    alpha = Path(old.output_path).read_text(encoding="utf-8")
    assert "Report alpha" in alpha
    assert "Report beta" not in alpha
    assert outcome.hit_count == 3
    assert "Report beta" in written(outcome).read_text(encoding="utf-8")


class Killed(BaseException):
    """Stands for the process dying: not an Exception, so nothing catches it."""


class DiesBeforeMarkingWritten(Store):
    """A store whose process dies after the digest file was written, before it is recorded."""

    def mark_digest_written(self, digest_id: int, output_path: str) -> None:
        raise Killed(output_path)


def test_recover_after_the_file_was_written_keeps_the_same_file_name(
    settings: Settings, store: Store, db_url: str
) -> None:
    add_document(store, "alpha")
    dying = DiesBeforeMarkingWritten(db_url)
    try:
        with pytest.raises(Killed):
            make_runner(settings, dying).run("daily", utc(2023, 8, 22, 4))
    finally:
        dying.close()
    assert files(settings.digests_dir) == ["daily-2023-08-22.md"]
    assert store.digests("daily")[0].status == "claimed"

    [outcome] = make_runner(settings, store).recover()

    assert outcome.path == settings.digests_dir / "daily-2023-08-22.md"
    assert files(settings.digests_dir) == ["daily-2023-08-22.md"]  # no -2 duplicate
    assert outcome.hit_count == 3
    assert "Report alpha" in written(outcome).read_text(encoding="utf-8")
    [record] = store.digests("daily")
    assert (record.status, record.output_path) == ("written", str(outcome.path))


def test_recover_after_the_write_with_a_foreign_file_of_that_day_reuses_its_own_name(
    settings: Settings, store: Store, db_url: str
) -> None:
    settings.digests_dir.mkdir()
    foreign = settings.digests_dir / "daily-2023-08-22.md"
    foreign.write_text("# written by hand\n", encoding="utf-8")
    add_document(store, "alpha")
    dying = DiesBeforeMarkingWritten(db_url)
    try:
        with pytest.raises(Killed):
            make_runner(settings, dying).run("daily", utc(2023, 8, 22, 4))
    finally:
        dying.close()

    [outcome] = make_runner(settings, store).recover()

    assert written(outcome).name == "daily-2023-08-22-2.md"
    assert files(settings.digests_dir) == ["daily-2023-08-22-2.md", "daily-2023-08-22.md"]
    assert foreign.read_text(encoding="utf-8") == "# written by hand\n"


def test_a_digest_of_another_database_on_the_same_day_is_kept_and_ours_gets_dash_2(
    tmp_path: Path, settings: Settings, store: Store
) -> None:
    # Another watcher (or this one before its database was reset) wrote today's
    # digest with the same name and the same digest id #1.
    other_dir = tmp_path / "other"
    other_dir.mkdir()
    other_settings = write_settings(
        other_dir, f"sqlite:///{other_dir / 'other.db'}", {"daily": ("0 7 * * *", MINSK)}
    )
    other_store = Store(other_settings.database_url)
    other_store.upgrade()
    try:
        add_document(other_store, "from-elsewhere")
        theirs = make_runner(other_settings, other_store).run("daily", utc(2023, 8, 22, 4))
    finally:
        other_store.close()
    settings.digests_dir.mkdir()
    shutil.copy(written(theirs), settings.digests_dir / written(theirs).name)
    their_text = written(theirs).read_text(encoding="utf-8")

    add_document(store, "alpha")
    ours = make_runner(settings, store).run("daily", utc(2023, 8, 22, 5))

    assert ours.digest_id == theirs.digest_id  # the same id, in different databases
    assert written(ours).name == "daily-2023-08-22-2.md"
    kept = settings.digests_dir / "daily-2023-08-22.md"
    assert kept.read_text(encoding="utf-8") == their_text
    assert "Report alpha" in written(ours).read_text(encoding="utf-8")


def test_a_failing_write_raises_digest_error_and_a_later_recover_finishes_it(
    settings: Settings, store: Store
) -> None:
    settings.digests_dir.write_text("not a folder", encoding="utf-8")
    add_document(store, "alpha")
    runner = make_runner(settings, store)

    with pytest.raises(DigestError, match="cannot write the digest"):
        runner.run("daily", utc(2023, 8, 22, 4))

    [record] = store.digests("daily")
    assert record.status == "claimed"
    claimed = digest_hit_ids(store, record.id)
    assert set(claimed) == all_hit_ids(store)
    assert store.unclaimed_hits("daily") == []  # the hits stay with that digest

    # Still failing: recover raises the same way and loses nothing.
    with pytest.raises(DigestError):
        runner.recover()
    assert store.digests("daily")[0].status == "claimed"

    settings.digests_dir.unlink()
    add_document(store, "beta")
    [outcome] = make_runner(settings, store).recover()
    assert outcome.digest_id == record.id
    assert digest_hit_ids(store, outcome.digest_id) == claimed
    assert outcome.hit_count == 3
    assert "Report beta" not in written(outcome).read_text(encoding="utf-8")
    assert store.digests("daily")[0].status == "written"


def test_after_a_failing_write_the_next_run_finishes_it_then_claims_the_rest(
    settings: Settings, store: Store
) -> None:
    settings.digests_dir.write_text("not a folder", encoding="utf-8")
    add_document(store, "alpha")
    runner = make_runner(settings, store)
    with pytest.raises(DigestError):
        runner.run("daily", utc(2023, 8, 22, 4))
    settings.digests_dir.unlink()
    add_document(store, "beta")

    outcome = runner.run("daily", utc(2023, 8, 23, 4))

    older, newer = store.digests("daily")[::-1]
    assert older.status == newer.status == "written"
    assert newer.id == outcome.digest_id
    first = {h.document.path for h in store.digest_hits(older.id)}
    second = {h.document.path for h in store.digest_hits(newer.id)}
    assert (first, second) == ({"/inbox/alpha.txt"}, {"/inbox/beta.txt"})
    assert files(settings.digests_dir) == ["daily-2023-08-22.md", "daily-2023-08-23.md"]


# --- preview and unknown names -------------------------------------------------------------


def test_preview_renders_the_unclaimed_hits_and_claims_nothing(
    settings: Settings, store: Store
) -> None:
    add_document(store, "alpha")
    runner = make_runner(settings, store)

    text = runner.preview("daily", utc(2023, 8, 22, 4))

    assert "Report alpha" in text
    assert "daily digest — 2023-08-22" in text
    assert store.digests() == []
    assert len(store.unclaimed_hits("daily")) == 3
    assert files(settings.digests_dir) == []
    assert runner.run("daily", utc(2023, 8, 22, 4)).hit_count == 3


def test_an_unknown_digest_name_is_a_config_error_before_anything_is_claimed(
    settings: Settings, store: Store
) -> None:
    add_document(store, "alpha")
    runner = make_runner(settings, store)

    with pytest.raises(ConfigError, match="no digest named 'dialy'") as caught:
        runner.run("dialy", utc(2023, 8, 22, 4))
    assert caught.value.hint == "did you mean 'daily'?"
    with pytest.raises(ConfigError):
        runner.preview("dialy")
    with pytest.raises(ConfigError):
        runner.is_due("dialy", utc(2023, 8, 22, 4), first_is_due=True)

    assert store.digests() == []
    assert len(store.unclaimed_hits("dialy")) == 3
    assert files(settings.digests_dir) == []


# --- schedules: is_due, next_run, run_due ------------------------------------------------------


def digest_settings(schedule: str, timezone: str, name: str = "daily") -> DigestSettings:
    return DigestSettings(name=name, schedule=schedule, timezone=timezone, format="markdown")


def test_a_first_digest_is_due_only_when_first_is_due_says_so(
    settings: Settings, store: Store
) -> None:
    runner = make_runner(settings, store)
    now = utc(2023, 8, 22, 12)
    assert runner.is_due("daily", now, first_is_due=True)
    assert not runner.is_due("daily", now, first_is_due=False)


def test_a_daily_minsk_digest_is_due_once_07_00_local_passed_since_the_last(
    settings: Settings, store: Store
) -> None:
    runner = make_runner(settings, store)
    runner.run("daily", utc(2023, 8, 21, 4, 0, 5))  # 07:00:05 in Minsk

    def due(now: datetime) -> bool:
        return runner.is_due("daily", now, first_is_due=False)

    assert not due(utc(2023, 8, 21, 12))  # later that day
    assert not due(utc(2023, 8, 22, 3, 59, 59))  # 06:59:59 the next day
    assert due(utc(2023, 8, 22, 4))  # 07:00:00 the next day
    assert due(utc(2023, 8, 25, 9))  # days later
    # First-digest rules no longer apply once there is one.
    assert not runner.is_due("daily", utc(2023, 8, 21, 12), first_is_due=True)


def test_a_digest_that_ended_just_before_07_00_is_due_at_07_00(
    settings: Settings, store: Store
) -> None:
    # A manual run at 06:59:59.5 local does not cover the 07:00 digest.
    runner = make_runner(settings, store)
    runner.run("daily", datetime(2023, 8, 22, 3, 59, 59, 500_000, tzinfo=UTC))
    daily = settings.digest("daily")
    assert next_run(daily, datetime(2023, 8, 22, 3, 59, 59, 500_000, tzinfo=UTC)) == utc(
        2023, 8, 22, 4
    )
    assert runner.is_due(
        "daily", datetime(2023, 8, 22, 4, 0, 0, 500_000, tzinfo=UTC), first_is_due=False
    )


def test_next_run_is_strictly_after_its_argument() -> None:
    daily = digest_settings("0 7 * * *", MINSK)
    assert next_run(daily, utc(2023, 8, 22, 3, 59)) == utc(2023, 8, 22, 4)
    assert next_run(daily, utc(2023, 8, 22, 4)) == utc(2023, 8, 23, 4)
    fire = next_run(daily, utc(2023, 8, 22, 4, 0, 1))
    assert fire == utc(2023, 8, 23, 4)
    assert fire is not None
    assert fire.astimezone(ZoneInfo(MINSK)).hour == 7


def test_a_monday_schedule_uses_cron_weekday_numbers() -> None:
    monday = digest_settings("0 8 * * 1", MINSK, name="weekly")
    sunday = utc(2023, 8, 20, 12)  # 2023-08-20 was a Sunday
    fire = next_run(monday, sunday)
    assert fire is not None
    assert fire == utc(2023, 8, 21, 5)  # Monday 08:00 in Minsk
    assert fire.astimezone(ZoneInfo(MINSK)).strftime("%A %H:%M") == "Monday 08:00"
    assert next_run(monday, fire) == utc(2023, 8, 28, 5)  # not Tuesday: the next Monday
    for cron_sunday in ("0", "7"):
        fire = next_run(digest_settings(f"0 8 * * {cron_sunday}", "UTC"), utc(2023, 8, 21))
        assert fire == utc(2023, 8, 27, 8)  # the next Sunday


def test_a_monday_digest_is_due_on_monday_not_on_tuesday(
    tmp_path: Path, db_url: str, store: Store
) -> None:
    settings = write_settings(tmp_path, db_url, {"weekly": ("0 8 * * 1", MINSK)})
    runner = make_runner(settings, store)
    runner.run("weekly", utc(2023, 8, 21, 5, 0, 3))  # Monday 08:00:03 in Minsk
    assert not runner.is_due("weekly", utc(2023, 8, 22, 6), first_is_due=False)  # Tuesday
    assert not runner.is_due("weekly", utc(2023, 8, 28, 4, 59), first_is_due=False)
    assert runner.is_due("weekly", utc(2023, 8, 28, 5), first_is_due=False)  # next Monday


def successive_runs(digest: DigestSettings, start: datetime, until: datetime) -> list[datetime]:
    """Each next_run after the previous one, from ``start`` until ``until``."""
    runs: list[datetime] = []
    moment = start
    for _ in range(100):  # a bound, so that a trigger going backwards fails instead of hanging
        fire = next_run(digest, moment)
        if fire is None or fire >= until:
            return runs
        # In UTC: aware datetimes of one zone compare by wall clock, blind to DST's fold.
        assert fire.astimezone(UTC) > moment.astimezone(UTC), (
            f"next_run({moment.isoformat()}) went back to {fire.isoformat()}"
        )
        runs.append(fire.astimezone(UTC))
        moment = fire
    raise AssertionError(f"more than 100 runs before {until}: {runs[-5:]}")


@pytest.mark.parametrize(
    ("start", "hours_apart"),
    [
        # 2023-03-26: the clocks go from 02:00 CET to 03:00 CEST.
        (utc(2023, 3, 23, 12), [24, 23, 24, 24]),
        # 2023-10-29: the clocks go from 03:00 CEST back to 02:00 CET.
        (utc(2023, 10, 26, 12), [24, 25, 24, 24]),
    ],
    ids=["spring-forward", "fall-back"],
)
def test_a_daily_berlin_digest_runs_once_a_local_day_at_07_00_across_dst(
    start: datetime, hours_apart: list[int]
) -> None:
    berlin = ZoneInfo(BERLIN)
    runs = successive_runs(digest_settings("0 7 * * *", BERLIN), start, start + timedelta(days=5))
    local = [r.astimezone(berlin) for r in runs]
    assert [(t.hour, t.minute) for t in local] == [(7, 0)] * 5
    days = [t.date() for t in local]
    assert days == [start.date() + timedelta(days=n) for n in range(1, 6)]
    assert [(b - a) / timedelta(hours=1) for a, b in pairwise(runs)] == (hours_apart)


def test_a_02_30_berlin_digest_is_shifted_to_03_30_cest_when_02_30_does_not_exist() -> None:
    night = digest_settings("30 2 * * *", BERLIN)
    runs = successive_runs(night, utc(2023, 3, 24, 12), utc(2023, 3, 27, 12))
    # 2023-03-26 02:30 never happens in Berlin: that night's run moves on by the
    # length of the gap, to 03:30 CEST (01:30 UTC); it is neither skipped nor doubled.
    assert runs == [utc(2023, 3, 25, 1, 30), utc(2023, 3, 26, 1, 30), utc(2023, 3, 27, 0, 30)]
    assert runs[1].astimezone(ZoneInfo(BERLIN)).strftime("%H:%M %Z") == "03:30 CEST"


def test_a_02_30_berlin_digest_runs_once_when_02_30_happens_twice() -> None:
    night = digest_settings("30 2 * * *", BERLIN)
    runs = successive_runs(night, utc(2023, 10, 27, 12), utc(2023, 10, 30, 12))
    # 2023-10-29 02:30 happens at 00:30 UTC (CEST) and at 01:30 UTC (CET): the
    # digest runs at the first of them only.
    assert runs == [utc(2023, 10, 28, 0, 30), utc(2023, 10, 29, 0, 30), utc(2023, 10, 30, 1, 30)]


def test_the_scheduler_trigger_fires_02_30_once_on_the_fall_back_night() -> None:
    # What APScheduler's job loop asks the trigger: the next fire time after the
    # previous one, at a given now.
    trigger = cron_trigger(digest_settings("30 2 * * *", BERLIN))
    fires: list[datetime] = []
    previous: datetime | None = None
    now = utc(2023, 10, 28, 12)
    for _ in range(3):
        fire = trigger.get_next_fire_time(previous, now)
        fires.append(fire.astimezone(UTC))
        previous, now = fire, fire.astimezone(UTC) + timedelta(milliseconds=5)
    assert fires == [utc(2023, 10, 29, 0, 30), utc(2023, 10, 30, 1, 30), utc(2023, 10, 31, 1, 30)]


def test_a_digest_that_ran_at_the_first_02_30_is_not_due_at_the_second(
    tmp_path: Path, db_url: str, store: Store
) -> None:
    settings = write_settings(tmp_path, db_url, {"night": ("30 2 * * *", BERLIN)})
    runner = make_runner(settings, store)
    runner.run("night", utc(2023, 10, 29, 0, 30, 2))  # 02:30:02 CEST
    assert not runner.is_due("night", utc(2023, 10, 29, 1, 30, 5), first_is_due=False)  # 02:30 CET
    assert runner.is_due("night", utc(2023, 10, 30, 1, 30), first_is_due=False)


def test_run_due_after_a_downtime_over_two_scheduled_times_writes_one_digest(
    settings: Settings, store: Store
) -> None:
    runner = make_runner(settings, store)
    [first] = runner.run_due(utc(2023, 8, 21, 4, 0, 1), first_is_due=True)
    # The daemon is down from Monday 09:00 to Wednesday 10:00 local: the 07:00
    # runs of Tuesday and Wednesday were missed while documents kept arriving.
    add_document(store, "tuesday", ingested_at=utc(2023, 8, 22, 5))
    add_document(store, "wednesday", ingested_at=utc(2023, 8, 23, 5))

    outcomes = runner.run_due(utc(2023, 8, 23, 7), first_is_due=False)

    assert len(outcomes) == 1
    [caught_up] = outcomes
    assert caught_up.hit_count == 6
    assert set(digest_hit_ids(store, caught_up.digest_id)) == all_hit_ids(store)
    assert written(caught_up).name == "daily-2023-08-23.md"
    assert [d.id for d in store.digests("daily")] == [caught_up.digest_id, first.digest_id]
    assert runner.run_due(utc(2023, 8, 23, 7, 1), first_is_due=False) == []


def test_run_due_does_not_start_a_first_digest_unless_asked(
    settings: Settings, store: Store
) -> None:
    add_document(store, "alpha")
    runner = make_runner(settings, store)
    assert runner.run_due(utc(2023, 8, 22, 12), first_is_due=False) == []
    assert store.digests() == []
    [outcome] = runner.run_due(utc(2023, 8, 22, 12), first_is_due=True)
    assert outcome.hit_count == 3


def test_apscheduler_accepts_the_trigger_and_schedules_the_next_local_07_00() -> None:
    digest = digest_settings("0 7 * * *", BERLIN)
    scheduler = BackgroundScheduler(timezone=UTC)
    scheduler.start(paused=True)  # computes next run times, runs nothing
    try:
        before = datetime.now(UTC)
        job = scheduler.add_job(print, cron_trigger(digest), id="digest:daily")
        fire = job.next_run_time
    finally:
        scheduler.shutdown(wait=False)
    assert fire > before
    local = fire.astimezone(ZoneInfo(BERLIN))
    assert (local.hour, local.minute) == (7, 0)
    assert fire - before <= timedelta(days=1)
