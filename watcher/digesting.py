"""Producing a digest: claim the hits, render them, write the file, record it.

The store's claim is what makes a hit land in exactly one digest of each
name: claiming and recording the digest happen in one transaction. A crash
after the claim leaves a digest in state "claimed"; :meth:`DigestRunner.recover`
finishes it on the next start, under the same file name rather than a second one.

Schedules are local wall-clock times: each time a schedule names fires once,
also on the night the clocks go back and that time happens twice.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from watcher.digest import digest_filename, make_environment, render_digest, write_atomically
from watcher.model import DigestContent
from watcher.settings import DigestSettings, Settings, cron_fields
from watcher.store import DigestRecord, Store

log = logging.getLogger(__name__)

# The last line of every digest file. The claim's time makes it unique: digest
# ids start again at 1 in a new database, and a digest some other database
# wrote must never be taken for one of ours.
_MARKER = "<!-- watcher digest {name} #{id} claimed {claimed} -->"

_TICK = timedelta(microseconds=1)
# How many matching wall-clock times one search may pass over: only those in
# the repeated hour of a fall-back night are passed over (60 for "* * * * *").
_MAX_PROBES = 10_000


class _WallClockCronTrigger(CronTrigger):  # type: ignore[misc]  # apscheduler 3 ships no types
    """A CronTrigger that fires at each local wall-clock time of its schedule once.

    APScheduler's CronTrigger fires "30 2 * * *" twice on the night the clocks
    go back (02:30 summer time, then 02:30 winter time). Here a time that
    happens twice fires the first time only, and a time the clocks jump over
    fires as much later as the jump is long (02:30 -> 03:30 summer time), as
    APScheduler does.
    """

    def __init__(self, fields: Mapping[str, str], timezone: ZoneInfo) -> None:
        super().__init__(**fields, timezone=timezone)
        # The same schedule in UTC, which has no DST: it steps through wall-clock times.
        self._wall = CronTrigger(**fields, timezone=UTC)

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        # In UTC: adding to an aware local time is wall-clock arithmetic, which
        # drops the fold and can step back an hour on a fall-back night.
        start = now.astimezone(UTC)
        if previous_fire_time is not None:
            start = min(start, previous_fire_time.astimezone(UTC) + _TICK)
        return _first_fire(self._wall, self.timezone, start)


def _first_fire(wall: CronTrigger, timezone: ZoneInfo, start: datetime) -> datetime | None:
    """The first fire time at or after ``start``; ``wall`` matches wall-clock times in UTC."""
    probe = start.astimezone(timezone).replace(tzinfo=UTC)
    for _ in range(_MAX_PROBES):
        wall_time: datetime | None = wall.get_next_fire_time(None, probe)
        if wall_time is None:
            return None
        # fold=0: the first of a repeated time; for a skipped one, the offset
        # before the jump, which lands the same distance past it.
        fire = wall_time.replace(tzinfo=timezone, fold=0).astimezone(UTC)
        if fire >= start:
            return fire.astimezone(timezone)
        probe = wall_time + timedelta(seconds=1)
    return None


def cron_trigger(digest: DigestSettings) -> CronTrigger:
    """The APScheduler trigger for a digest's cron schedule in its own timezone."""
    # Not CronTrigger.from_crontab: APScheduler 3 counts weekdays from Monday,
    # cron from Sunday; cron_fields spells weekdays as names to avoid that trap.
    return _WallClockCronTrigger(cron_fields(digest.schedule), ZoneInfo(digest.timezone))


def next_run(digest: DigestSettings, after: datetime) -> datetime | None:
    """The first scheduled time of ``digest`` strictly after ``after``."""
    # One microsecond, not one second: a digest that ended at 06:59:59.5 has
    # not covered the 07:00 run.
    fire: datetime | None = cron_trigger(digest).get_next_fire_time(
        None, after.astimezone(UTC) + _TICK
    )
    return fire


@dataclass(frozen=True, slots=True)
class DigestOutcome:
    """A digest that was written."""

    name: str
    digest_id: int
    path: Path
    hit_count: int


class DigestRunner:
    """Claims, renders and writes the digests configured in ``settings``."""

    def __init__(
        self, settings: Settings, store: Store, titles: Callable[[], Mapping[str, str]]
    ) -> None:
        self._settings = settings
        self._store = store
        self._titles = titles
        self._env = make_environment(settings.templates)
        self._lock = threading.Lock()

    def is_due(self, name: str, now: datetime, *, first_is_due: bool) -> bool:
        """True when a scheduled time of ``name`` passed since its last digest.

        With no digest of that name yet, ``first_is_due`` decides: ``run --once``
        renders a first digest at once, the daemon waits for the schedule.
        """
        digest = self._settings.digest(name)  # an unknown name is a ConfigError, not "not due"
        last = self._store.last_digest(name)
        if last is None:
            return first_is_due
        fire = next_run(digest, last.period_end)
        return fire is not None and fire <= now

    def run_due(self, now: datetime | None = None, *, first_is_due: bool) -> list[DigestOutcome]:
        """Render every configured digest that is due."""
        now = now or datetime.now(UTC)
        return [
            self.run(d.name, now)
            for d in self._settings.digests
            if self.is_due(d.name, now, first_is_due=first_is_due)
        ]

    def run(self, name: str, now: datetime | None = None) -> DigestOutcome:
        """Claim every hit not yet in a digest called ``name`` and write the digest."""
        self._settings.digest(name)  # an unknown name is a ConfigError before anything is claimed
        with self._lock:
            for pending in self._store.pending_digests(name):
                done = self._write(pending)
                log.info(
                    "digest %s: finished #%d claimed earlier: %s", name, done.digest_id, done.path
                )
            record = self._store.claim_digest(name, now or datetime.now(UTC))
            return self._write(record)

    def scheduled(self, name: str) -> None:
        """The scheduler's job: like :meth:`run`, but a failure is logged, not raised."""
        try:
            outcome = self.run(name)
        except Exception:
            log.exception("digest %s failed", name)
            return
        log.info("digest %s: wrote %s (%d hits)", name, outcome.path, outcome.hit_count)

    def recover(self) -> list[DigestOutcome]:
        """Finish digests that were claimed but not written (the daemon died in between)."""
        outcomes = []
        with self._lock:
            for record in self._store.pending_digests():
                if record.name not in {d.name for d in self._settings.digests}:
                    log.warning("digest %s #%d is no longer configured", record.name, record.id)
                    continue
                log.info("finishing digest %s #%d claimed before a restart", record.name, record.id)
                outcomes.append(self._write(record))
        return outcomes

    def preview(self, name: str, now: datetime | None = None) -> str:
        """The digest as :meth:`run` would write it now, without claiming anything."""
        settings = self._settings.digest(name)
        last = self._store.last_digest(name)
        content = DigestContent(
            name=name,
            period_start=last.period_end if last else None,
            period_end=now or datetime.now(UTC),
            timezone=settings.timezone,
            hits=tuple(self._store.unclaimed_hits(name)),
            watchlist_titles=dict(self._titles()),
            generated_at=datetime.now(UTC),
        )
        return render_digest(content, self._env)

    def _write(self, record: DigestRecord) -> DigestOutcome:
        settings = self._settings.digest(record.name)
        hits = tuple(self._store.digest_hits(record.id))
        marker = _marker(record)
        path = self._own_file(record, marker)
        if path is None:
            content = DigestContent(
                name=record.name,
                period_start=record.period_start,
                period_end=record.period_end,
                timezone=settings.timezone,
                hits=hits,
                watchlist_titles=dict(self._titles()),
                generated_at=datetime.now(UTC),
            )
            text = render_digest(content, self._env).rstrip("\n") + f"\n\n{marker}\n"
            # A failed write leaves the digest claimed: the next run or restart
            # finishes it, so its hits are neither lost nor given to another digest.
            filename = digest_filename(record.name, record.period_end, settings.timezone)
            path = write_atomically(self._settings.digests_dir, filename, text)
        else:
            # Written before a crash kept it from being recorded. The write was
            # atomic and the marker is its last line, so the file is complete:
            # keep it rather than delete it and write a second copy.
            log.info(
                "digest %s #%d: keeping %s written before a crash", record.name, record.id, path
            )
        self._store.mark_digest_written(record.id, str(path))
        return DigestOutcome(record.name, record.id, path, len(hits))

    def _own_file(self, record: DigestRecord, marker: str) -> Path | None:
        """The file an earlier attempt at this digest wrote (``<name>-<day>[-N].md``), if any."""
        settings = self._settings.digest(record.name)
        base = digest_filename(record.name, record.period_end, settings.timezone)
        stem, suffix = base.rsplit(".", 1)
        ours = re.compile(rf"{re.escape(stem)}(?:-\d+)?\.{re.escape(suffix)}")
        try:
            candidates = sorted(
                p for p in self._settings.digests_dir.iterdir() if ours.fullmatch(p.name)
            )
        except OSError:
            return None  # no folder yet, or not a folder: the write will say so
        return next((p for p in candidates if _ends_with(p, marker)), None)


def _marker(record: DigestRecord) -> str:
    claimed = record.created_at.astimezone(UTC).isoformat(timespec="microseconds")
    return _MARKER.format(name=record.name, id=record.id, claimed=claimed)


def _ends_with(path: Path, marker: str) -> bool:
    try:
        return path.read_text(encoding="utf-8").rstrip().endswith(marker)
    except (OSError, UnicodeDecodeError):
        return False
