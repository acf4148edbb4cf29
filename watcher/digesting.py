"""Producing a digest: claim the hits, render them, deliver, record it.

The store's claim is what makes a hit land in exactly one digest of each
name: claiming and recording the digest happen in one transaction. A crash
after the claim leaves a digest in state "claimed"; :meth:`DigestRunner.recover`
finishes it on the next start, under the same file name rather than a second one.

An email digest is rendered once and stored ("rendered") before the first
attempt to send it; every later attempt, after a deferral or a crash, sends
the same message with the same Message-ID, so a resend is recognisable.

Schedules are local wall-clock times: each time a schedule names fires once,
also on the night the clocks go back and that time happens twice.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from watcher.digest import (
    digest_filename,
    make_environment,
    render_digest,
    render_digest_email,
    write_atomically,
)
from watcher.digest.mail import DeliveryDeferred, build_message, digest_message_id, send_stored
from watcher.errors import ConfigError, DigestError
from watcher.model import DigestContent, Severity, StoredHit
from watcher.rules import RuleSet
from watcher.settings import DigestSettings, Settings, cron_fields
from watcher.store import DigestRecord, Store
from watcher.stories import group_stories
from watcher.testhooks import crash_point

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


# Retries of an email the server deferred: 1 min, 2, 4, ... then hourly.
OUTBOX_FIRST_RETRY = timedelta(minutes=1)
OUTBOX_MAX_RETRY = timedelta(hours=1)


def retry_delay(failed_attempts: int) -> timedelta:
    """How long to wait after ``failed_attempts`` failed deliveries of one message."""
    steps = max(0, min(failed_attempts - 1, 12))
    return min(OUTBOX_FIRST_RETRY * (1 << steps), OUTBOX_MAX_RETRY)


@dataclass(frozen=True, slots=True)
class DigestOutcome:
    """What became of one digest: ``status`` is written, sent, deferred, skipped or failed."""

    name: str
    digest_id: int
    path: Path | None
    hit_count: int
    status: str = "written"
    accepted: tuple[str, ...] = ()
    refused: Mapping[str, str] = field(default_factory=dict)
    error: str | None = None

    def describe(self) -> str:
        """One line for the log and the command line."""
        hits = f"{self.hit_count} hits"
        if self.status == "written":
            return f"digest {self.name}: wrote {self.path} ({hits})"
        if self.status == "sent":
            refused = "".join(f"; refused {a}: {r}" for a, r in self.refused.items())
            return f"digest {self.name}: sent to {', '.join(self.accepted)} ({hits}){refused}"
        if self.status == "skipped":
            return f"digest {self.name}: nothing new, skipped (skip_empty)"
        if self.status == "deferred":
            return f"digest {self.name}: delivery deferred, will retry ({self.error})"
        return f"digest {self.name}: FAILED: {self.error}"


class DigestRunner:
    """Claims, renders and delivers the digests configured in ``settings``.

    Markdown digests are written to a folder; email digests go through the
    outbox: claimed, rendered and stored, then sent, retried on temporary
    failures with growing waits, and marked failed on permanent ones.
    """

    def __init__(
        self,
        settings: Settings,
        store: Store,
        rules: Callable[[], RuleSet | None],
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._settings = settings
        self._store = store
        self._rules = rules
        self._sleep = sleep
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
        """Claim every hit not yet in a digest called ``name`` (that its filter takes) and deliver.

        Earlier digests of that name still waiting for delivery go first, so
        that readers get periods in order.
        """
        digest = self._settings.digest(name)  # a ConfigError before anything is claimed
        watchlists = self._filter_watchlists(digest)
        with self._lock:
            for pending in self._store.pending_digests(name):
                log.info("%s", self._finish(pending).describe() + " (claimed earlier)")
            record = self._store.claim_digest(
                name,
                now or datetime.now(UTC),
                fmt=digest.format,
                watchlists=watchlists,
                min_severity=digest.min_severity,
            )
            crash_point("digest-claimed")
            return self._finish(record)

    def scheduled(self, name: str) -> None:
        """The scheduler's job: like :meth:`run`, but a failure is logged, not raised."""
        try:
            outcome = self.run(name)
        except Exception:
            log.exception("digest %s failed", name)
            return
        self._log(outcome)

    def retry_due(self, now: datetime | None = None) -> list[DigestOutcome]:
        """Send the email digests whose retry time has come (the outbox job)."""
        outcomes = []
        with self._lock:
            for record in self._store.pending_digests(due_at=now or datetime.now(UTC)):
                if record.status != "rendered":
                    continue  # a claim in progress, or one a crash interrupted: recover() has it
                outcome = self._finish(record)
                self._log(outcome)
                outcomes.append(outcome)
        return outcomes

    def send_pending(self, name: str) -> list[DigestOutcome]:
        """Deliver now every digest of ``name`` waiting for a retry or failed (``digest --send``).

        A failed digest (a permanent error: a refused login, a bad certificate)
        keeps its hits; once the operator has fixed the cause, this sends it.
        """
        self._settings.digest(name)
        with self._lock:
            requeued = self._store.requeue_failed_digests(name)
            if requeued:
                log.info("digest %s: %d failed digest(s) tried again", name, requeued)
            return [self._finish(record) for record in self._store.pending_digests(name)]

    def recover(self) -> list[DigestOutcome]:
        """Finish digests a crash interrupted: claimed but not delivered, or rendered but unsent."""
        outcomes = []
        configured = {d.name for d in self._settings.digests}
        with self._lock:
            for record in self._store.pending_digests():
                if record.name not in configured:
                    log.warning("digest %s #%d is no longer configured", record.name, record.id)
                    continue
                log.info("finishing digest %s #%d claimed before a restart", record.name, record.id)
                outcomes.append(self._finish(record))
        return outcomes

    def preview(self, name: str, now: datetime | None = None) -> str:
        """The digest as :meth:`run` would deliver it now, without claiming anything."""
        digest = self._settings.digest(name)
        last = self._store.last_digest(name)
        hits = tuple(
            self._store.unclaimed_hits(
                name,
                watchlists=self._filter_watchlists(digest),
                min_severity=digest.min_severity,
            )
        )
        content = self._content(
            digest, last.period_end if last else None, now or datetime.now(UTC), hits, set()
        )
        if digest.format == "email":
            email = render_digest_email(content, self._env)
            return f"Subject: {email.subject}\n\n{email.text}"
        return render_digest(content, self._env)

    # -- one digest -----------------------------------------------------------

    def _finish(self, record: DigestRecord) -> DigestOutcome:
        """Take a claimed or rendered digest as far as it goes: delivered, deferred or failed."""
        try:
            digest = self._settings.digest(record.name)
        except ConfigError as exc:
            return self._failed(record, exc.message)
        if record.status == "rendered":
            return self._send(record, digest)
        hits = tuple(self._store.digest_hits(record.id))
        if not hits and digest.skip_empty:
            self._store.mark_digest_skipped(record.id)
            return DigestOutcome(record.name, record.id, None, 0, status="skipped")
        claimed = {s.id for s in hits}
        content = self._content(digest, record.period_start, record.period_end, hits, claimed)
        if record.format == "markdown":
            return self._write(record, digest, content)
        return self._render_email(record, digest, content)

    def _content(
        self,
        digest: DigestSettings,
        period_start: datetime | None,
        period_end: datetime,
        hits: tuple[StoredHit, ...],
        claimed: set[int],
    ) -> DigestContent:
        ruleset = self._rules()
        stories = self._settings.stories
        names = {(s.hit.watchlist, s.hit.name) for s in hits}
        first = self._store.first_hit_ids(names)
        # New: the first hit ever of that name is one of this digest's (for a
        # preview, which claims nothing: one of the hits it shows).
        mine = claimed or {s.id for s in hits}
        return DigestContent(
            name=digest.name,
            period_start=period_start,
            period_end=period_end,
            timezone=digest.timezone,
            hits=hits,
            watchlist_titles=dict(ruleset.titles) if ruleset else {},
            generated_at=datetime.now(UTC),
            stories=tuple(
                group_stories(
                    hits,
                    window=stories.window,
                    min_shared=stories.min_shared,
                    min_similarity=stories.min_similarity,
                )
            ),
            first_seen=frozenset(k for k, first_id in first.items() if first_id in mine),
            ruleset_version=ruleset.version if ruleset else None,
            filter_note=_filter_note(digest),
        )

    def _filter_watchlists(self, digest: DigestSettings) -> frozenset[str] | None:
        """The watchlists a digest's filter takes; None when it takes all."""
        if not digest.watchlists and not digest.tags:
            return None
        chosen = set(digest.watchlists)
        ruleset = self._rules()
        if digest.tags:
            if ruleset is None:
                log.warning("digest %s: no rules loaded to resolve tags", digest.name)
            else:
                wanted = set(digest.tags)
                chosen.update(w.id for w in ruleset.watchlists if wanted & set(w.tags))
        if ruleset is not None:
            unknown = set(digest.watchlists) - {w.id for w in ruleset.watchlists}
            if unknown:
                log.warning(
                    "digest %s: no watchlist called %s in the rules",
                    digest.name,
                    ", ".join(sorted(unknown)),
                )
        return frozenset(chosen)

    def _write(
        self, record: DigestRecord, digest: DigestSettings, content: DigestContent
    ) -> DigestOutcome:
        folder = digest.folder or self._settings.digests_dir
        marker = _marker(record)
        path = _own_file(folder, record, digest, marker)
        if path is None:
            text = render_digest(content, self._env).rstrip("\n") + f"\n\n{marker}\n"
            # A failed write leaves the digest claimed: the next run or restart
            # finishes it, so its hits are neither lost nor given to another digest.
            filename = digest_filename(record.name, record.period_end, digest.timezone)
            path = write_atomically(folder, filename, text)
            crash_point("digest-written")
        else:
            # Written before a crash kept it from being recorded. The write was
            # atomic and the marker is its last line, so the file is complete:
            # keep it rather than delete it and write a second copy.
            log.info(
                "digest %s #%d: keeping %s written before a crash", record.name, record.id, path
            )
        self._store.mark_digest_written(record.id, str(path))
        return DigestOutcome(record.name, record.id, path, len(content.hits))

    def _render_email(
        self, record: DigestRecord, digest: DigestSettings, content: DigestContent
    ) -> DigestOutcome:
        smtp = self._settings.smtp
        if smtp is None or not digest.recipients:
            return self._failed(record, "email digest without [smtp] settings or recipients")
        rendered = render_digest_email(content, self._env)
        message_id = digest_message_id(record.name, record.period_end, _domain(smtp.sender))
        message = build_message(
            subject=rendered.subject,
            text=rendered.text,
            html=rendered.html,
            sender=smtp.sender,
            recipients=digest.recipients,
            message_id=message_id,
        )
        # Stored before the first attempt: every retry, after a 4xx or a crash,
        # sends these bytes under this Message-ID.
        self._store.mark_digest_rendered(record.id, message_id, message.as_string())
        crash_point("digest-rendered")
        return self._send(replace(record, status="rendered", message_id=message_id), digest)

    def _send(self, record: DigestRecord, digest: DigestSettings) -> DigestOutcome:
        smtp = self._settings.smtp
        stored = self._store.digest_message(record.id)
        if smtp is None or not digest.recipients or stored is None:
            return self._failed(record, "email digest without [smtp] settings or recipients")
        try:
            delivery = send_stored(stored, digest.recipients, smtp, sleep=self._sleep)
        except DeliveryDeferred as exc:
            wait = retry_delay(record.attempts + 1)
            self._store.defer_digest(record.id, exc.message, datetime.now(UTC) + wait)
            return DigestOutcome(
                record.name, record.id, None, record.hit_count, "deferred", error=exc.message
            )
        except DigestError as exc:
            return self._failed(record, exc.message)
        crash_point("digest-sent")
        self._store.mark_digest_sent(record.id, delivery.accepted, delivery.refused)
        return DigestOutcome(
            record.name,
            record.id,
            None,
            record.hit_count,
            "sent",
            accepted=delivery.accepted,
            refused=dict(delivery.refused),
        )

    def _failed(self, record: DigestRecord, error: str) -> DigestOutcome:
        self._store.mark_digest_failed(record.id, error)
        return DigestOutcome(record.name, record.id, None, record.hit_count, "failed", error=error)

    @staticmethod
    def _log(outcome: DigestOutcome) -> None:
        level = {"failed": logging.ERROR, "deferred": logging.WARNING}.get(
            outcome.status, logging.INFO
        )
        log.log(level, "%s", outcome.describe())


def _filter_note(digest: DigestSettings) -> str | None:
    parts = []
    if digest.watchlists:
        parts.append("watchlists: " + ", ".join(digest.watchlists))
    if digest.tags:
        parts.append("tags: " + ", ".join(digest.tags))
    if digest.min_severity is not Severity.LOW:
        parts.append(f"min severity: {digest.min_severity.value}")
    return "; ".join(parts) or None


def _domain(sender: str) -> str:
    return sender.rpartition("@")[2] or "localhost"


def _own_file(
    folder: Path, record: DigestRecord, digest: DigestSettings, marker: str
) -> Path | None:
    """The file an earlier attempt at this digest wrote (``<name>-<day>[-N].md``), if any."""
    base = digest_filename(record.name, record.period_end, digest.timezone)
    stem, suffix = base.rsplit(".", 1)
    ours = re.compile(rf"{re.escape(stem)}(?:-\d+)?\.{re.escape(suffix)}")
    try:
        candidates = sorted(p for p in folder.iterdir() if ours.fullmatch(p.name))
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
