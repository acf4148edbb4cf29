"""Producing a digest: claim the hits, render them, write the file, record it.

The store's claim is what makes a hit land in exactly one digest of each
name: claiming and recording the digest happen in one transaction. A crash
after the claim leaves a digest in state "claimed"; :meth:`DigestRunner.recover`
finishes it on the next start, rewriting the same file rather than a second one.
"""

from __future__ import annotations

import logging
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

_MARKER = "<!-- watcher digest {name} #{id} -->"


def cron_trigger(digest: DigestSettings) -> CronTrigger:
    """The APScheduler trigger for a digest's cron schedule in its own timezone."""
    # Not CronTrigger.from_crontab: APScheduler 3 counts weekdays from Monday,
    # cron from Sunday; cron_fields spells weekdays as names to avoid that trap.
    return CronTrigger(**cron_fields(digest.schedule), timezone=ZoneInfo(digest.timezone))


def next_run(digest: DigestSettings, after: datetime) -> datetime | None:
    """The first scheduled time of ``digest`` strictly after ``after``."""
    trigger = cron_trigger(digest)
    fire: datetime | None = trigger.get_next_fire_time(None, after + timedelta(seconds=1))
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
        last = self._store.last_digest(name)
        if last is None:
            return first_is_due
        fire = next_run(self._settings.digest(name), last.period_end)
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
                self._write(pending)
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
        content = DigestContent(
            name=record.name,
            period_start=record.period_start,
            period_end=record.period_end,
            timezone=settings.timezone,
            hits=hits,
            watchlist_titles=dict(self._titles()),
            generated_at=datetime.now(UTC),
        )
        marker = _MARKER.format(name=record.name, id=record.id)
        text = render_digest(content, self._env).rstrip("\n") + f"\n\n{marker}\n"
        # A failed write leaves the digest claimed: the next run or restart
        # finishes it, so its hits are neither lost nor given to another digest.
        filename = self._filename(record, marker)
        path = write_atomically(self._settings.digests_dir, filename, text)
        self._store.mark_digest_written(record.id, str(path))
        return DigestOutcome(record.name, record.id, path, len(hits))

    def _filename(self, record: DigestRecord, marker: str) -> str:
        """The digest's file name; the same one again when a crashed write is redone."""
        settings = self._settings.digest(record.name)
        base = digest_filename(record.name, record.period_end, settings.timezone)
        stem, suffix = base.rsplit(".", 1)
        for number in range(1, 1000):
            name = base if number == 1 else f"{stem}-{number}.{suffix}"
            path = self._settings.digests_dir / name
            if not path.exists():
                return name
            if _ends_with(path, marker):
                path.unlink()  # our own file from before the crash: write it anew
                return name
        return base


def _ends_with(path: Path, marker: str) -> bool:
    try:
        return path.read_text(encoding="utf-8").rstrip().endswith(marker)
    except (OSError, UnicodeDecodeError):
        return False
