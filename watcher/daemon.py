"""The composition root: inbox watcher + processor + scheduler + alerts + rules reload.

Nothing else wires stages together. The daemon's life:

1. bring the database to the newest schema, load the rules (a broken rule
   set at start is fatal: there is no last good one to keep);
2. follow the inbox (catch-up scan first), reload rules when they change,
   and alert on new hits in a thread of its own;
3. in the scheduler: finish digests a previous run claimed but did not
   deliver, produce those whose scheduled time passed while it was down, then
   run each digest on its schedule and retry deferred mail every 30 s, until
   SIGINT or SIGTERM.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType

from apscheduler.schedulers.background import BackgroundScheduler
from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from watcher.alerting import Alerter, AlertOutcome
from watcher.digesting import DigestOutcome, DigestRunner, cron_trigger, next_run
from watcher.errors import RuleSetError, WatcherError
from watcher.extract import SUPPORTED_SUFFIXES, Limits
from watcher.health import REFRESH_SECONDS, DaemonStatus, status_path, write_status
from watcher.ingest import InboxWatcher, Reject, classify_tree
from watcher.match import Matcher
from watcher.processing import Outcome, Processor, Result
from watcher.rules import RuleSet, load_rules
from watcher.rules.cache import load_matcher
from watcher.rules.loader import RULE_SUFFIXES
from watcher.settings import Settings
from watcher.store import Store

log = logging.getLogger(__name__)

RELOAD_DELAY = 0.5  # seconds of quiet after a rule file changes before reloading
OUTBOX_SECONDS = 30.0  # how often deferred emails and alerts are looked at


@dataclass
class OnceReport:
    """What ``watcher run --once`` did, for the person who ran it."""

    results: list[Result] = field(default_factory=list)
    digests: list[DigestOutcome] = field(default_factory=list)
    not_due: list[tuple[str, datetime | None]] = field(default_factory=list)
    alerts: list[AlertOutcome] = field(default_factory=list)

    def lines(self) -> list[str]:
        counts = dict.fromkeys(Outcome, 0)
        for result in self.results:
            counts[result.outcome] += 1
        hits = sum(r.hit_count for r in self.results)
        lines = [
            f"processed {len(self.results)} file(s): {counts[Outcome.NEW]} new "
            f"({hits} hits), {counts[Outcome.SEEN]} already seen, "
            f"{counts[Outcome.DUPLICATE]} near-duplicate, "
            f"{counts[Outcome.QUARANTINED]} quarantined"
        ]
        lines.extend(
            f"  quarantined {r.path}: {r.reason}"
            for r in self.results
            if r.outcome is Outcome.QUARANTINED
        )
        lines.extend(a.describe() for a in self.alerts)
        lines.extend(d.describe() for d in self.digests)
        for name, upcoming in self.not_due:
            when = f"next at {upcoming:%Y-%m-%d %H:%M %Z}" if upcoming else "no next run"
            lines.append(f"digest {name}: not due ({when})")
        return lines


def extract_limits(settings: Settings) -> Limits:
    """The configured limits on what one document may cost to read."""
    return Limits(max_bytes=settings.max_bytes, pdf_seconds=settings.extract_timeout)


@contextmanager
def open_store(settings: Settings) -> Iterator[Store]:
    """The store at the newest schema, closed on exit."""
    store = Store(settings.database_url)
    try:
        store.upgrade()
        yield store
    finally:
        store.close()


@contextmanager
def open_digest_runner(settings: Settings) -> Iterator[DigestRunner]:
    """A digest runner on the configured database and rules (for one-shot commands)."""
    ruleset = load_rules(settings.rules)
    with open_store(settings) as store:
        yield DigestRunner(settings, store, lambda: ruleset)


def load_configured_matcher(settings: Settings) -> Matcher:
    """The compiled rules of ``settings``, from the cache when they are unchanged."""
    return load_matcher(settings.rules, settings.cache_dir)


def make_processor(settings: Settings, store: Store, matcher: Matcher) -> Processor:
    """A processor with the configured limits and duplicate threshold."""
    return Processor(
        store,
        matcher,
        duplicate_threshold=settings.duplicate_threshold,
        limits=extract_limits(settings),
    )


@contextmanager
def open_processor(settings: Settings) -> Iterator[Processor]:
    """A processor on the configured database and rules (for backfills)."""
    matcher = load_configured_matcher(settings)
    with open_store(settings) as store:
        yield make_processor(settings, store, matcher)


def run_once(settings: Settings) -> OnceReport:
    """Process everything in the inbox, render the digests that are due, and return."""
    matcher = load_configured_matcher(settings)
    ruleset = matcher.ruleset
    report = OnceReport()
    with open_store(settings) as store:
        processor = make_processor(settings, store, matcher)
        settings.inbox.mkdir(parents=True, exist_ok=True)
        for found in classify_tree(
            settings.inbox, SUPPORTED_SUFFIXES, max_bytes=settings.max_bytes
        ):
            if isinstance(found, Reject):
                report.results.append(processor.reject(found.path, found.reason))
            else:
                report.results.append(processor.process(found.path))
        report.alerts.extend(Alerter(settings, store, lambda: ruleset).run())
        runner = DigestRunner(settings, store, lambda: ruleset)
        report.digests.extend(runner.recover())
        now = datetime.now(UTC)
        for digest in settings.digests:
            if runner.is_due(digest.name, now, first_is_due=True):
                report.digests.append(runner.run(digest.name, now))
            else:
                last = store.last_digest(digest.name)
                upcoming = next_run(digest, last.period_end) if last else None
                report.not_due.append((digest.name, upcoming))
    return report


class _RuleChanges(FileSystemEventHandler):
    """Calls ``changed`` (debounced) when a rule file under the folder changes."""

    def __init__(self, reload: threading.Event) -> None:
        self._reload = reload

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in {"opened", "closed_no_write"}:
            return
        paths = [event.src_path, getattr(event, "dest_path", "")]
        # Rule files, and the CSV entity lists beside them.
        if any(str(p).endswith((*RULE_SUFFIXES, ".csv")) for p in paths if p):
            self._reload.set()


class Daemon:
    """The long-running service behind ``watcher run``."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._stop = threading.Event()
        self._reload = threading.Event()
        self._alerts_due = threading.Event()
        self._ruleset: RuleSet | None = None
        self._started_at = datetime.now(UTC)

    def run_forever(self) -> None:
        """Run until SIGINT/SIGTERM (or :meth:`stop`), then shut down cleanly."""
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, self._on_signal)
        settings = self.settings
        matcher = load_configured_matcher(settings)
        self._ruleset = matcher.ruleset
        log.info(
            "rules version %s: %d watchlist(s)",
            self._ruleset.version,
            len(self._ruleset.watchlists),
        )
        with open_store(settings) as store:
            processor = make_processor(settings, store, matcher)
            runner = DigestRunner(settings, store, lambda: self._ruleset)
            alerter = Alerter(settings, store, lambda: self._ruleset)
            alert_thread = threading.Thread(
                target=self._alert_loop, args=(alerter,), name="alerts", daemon=True
            )
            alert_thread.start()
            # One "now" for the catch-up and the schedule, so that no scheduled
            # time falls between the two and goes unrun.
            now = datetime.now(UTC)
            scheduler = BackgroundScheduler(timezone=UTC)
            # In the scheduler's threads, not here: a mail server that does not
            # answer must not keep the inbox waiting. The digests' own schedules
            # start when the catch-up is done, so that the two never claim the
            # same name at once (see _catch_up).
            scheduler.add_job(
                self._catch_up,
                args=[runner, scheduler, now],
                id="catch-up",
                misfire_grace_time=None,
            )
            scheduler.add_job(
                runner.retry_due,
                "interval",
                seconds=OUTBOX_SECONDS,
                id="outbox",
                coalesce=True,
                max_instances=1,
            )
            inbox = InboxWatcher(
                settings.inbox,
                lambda path: self._on_ready(processor, path),
                suffixes=SUPPORTED_SUFFIXES,
                settle_seconds=settings.settle_seconds,
                reconcile_seconds=settings.reconcile_seconds,
                on_reject=lambda path, reason: self._on_reject(processor, path, reason),
                max_bytes=settings.max_bytes,
            )
            rules_observer = Observer()
            rules_observer.schedule(_RuleChanges(self._reload), str(settings.rules), recursive=True)
            scheduler.start()
            rules_observer.start()
            inbox.start()
            log.info("watching %s", settings.inbox)
            try:
                self._loop(processor, inbox)
            finally:
                log.info("stopping")
                inbox.stop()
                rules_observer.stop()
                rules_observer.join(timeout=5)
                scheduler.shutdown(wait=True)
                self._alerts_due.set()
                alert_thread.join(timeout=10)
        log.info("stopped")

    def stop(self) -> None:
        self._stop.set()

    def _catch_up(
        self, runner: DigestRunner, scheduler: BackgroundScheduler, now: datetime
    ) -> None:
        """Finish digests a crash interrupted and write those missed while down, then schedule.

        A digest that fails here is logged and left for its next run; it must
        not keep the daemon, and the other digests, from starting. Each
        digest's schedule starts from ``now``, the moment the catch-up covered:
        a scheduled time that passed while the catch-up ran (a slow mail
        server) fires at once, and periods neither overlap nor leave a gap.
        """
        try:
            self._finish_and_catch_up(runner, now)
        except Exception:
            log.exception("the digests' catch-up failed; their schedules start anyway")
        for digest in self.settings.digests:
            scheduler.add_job(
                runner.scheduled,
                cron_trigger(digest),
                args=[digest.name],
                id=f"digest:{digest.name}",
                coalesce=True,
                max_instances=1,
                misfire_grace_time=None,
                next_run_time=next_run(digest, now),
            )

    def _finish_and_catch_up(self, runner: DigestRunner, now: datetime) -> None:
        try:
            for outcome in runner.recover():
                log.info("%s", outcome.describe())
        except WatcherError as exc:
            log.error("could not finish an interrupted digest: %s", exc)
        for digest in self.settings.digests:
            try:
                if runner.is_due(digest.name, now, first_is_due=False):
                    outcome = runner.run(digest.name, now)
                    log.info("%s (missed while down)", outcome.describe())
            except WatcherError as exc:
                log.error("digest %s failed: %s", digest.name, exc)

    def _alert_loop(self, alerter: Alerter) -> None:
        """Alerts within seconds of a new document; deferred ones retried meanwhile.

        A thread of its own: a slow or unreachable mail server must hold up
        neither the inbox nor the digests.
        """
        while not self._stop.is_set():
            try:
                alerter.run_and_log()
            except Exception:
                log.exception("alerts failed; trying again shortly")
            self._alerts_due.wait(timeout=OUTBOX_SECONDS)
            self._alerts_due.clear()

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        log.info("received %s", signal.Signals(signum).name)
        self._stop.set()

    def _report_health(self, inbox: InboxWatcher) -> None:
        now = datetime.now(UTC)
        last_scan = inbox.last_scan_at
        ruleset = self._ruleset
        status = DaemonStatus(
            pid=os.getpid(),
            started_at=self._started_at.isoformat(),
            updated_at=now.isoformat(),
            inbox=str(self.settings.inbox),
            observer_healthy=inbox.healthy,
            pending=inbox.pending,
            last_scan_at=last_scan.isoformat() if last_scan else None,
            overflows=inbox.overflows,
            rules_version=ruleset.version if ruleset else "",
            watchlists=len(ruleset.watchlists) if ruleset else 0,
        )
        try:
            write_status(status_path(self.settings.cache_dir), status)
        except OSError as exc:
            log.warning("cannot write the status file: %s", exc)
        if not inbox.healthy:
            log.error("the inbox observer stopped; restart watcher (files are kept)")

    def _loop(self, processor: Processor, inbox: InboxWatcher) -> None:
        next_report = 0.0
        while not self._stop.is_set():
            if time.monotonic() >= next_report:
                self._report_health(inbox)
                next_report = time.monotonic() + REFRESH_SECONDS
            if self._reload.wait(timeout=0.2):
                # Let an editor finish its save (several events) before reading.
                while self._reload.is_set() and not self._stop.is_set():
                    self._reload.clear()
                    self._stop.wait(RELOAD_DELAY)
                self._reload_rules(processor)

    def _reload_rules(self, processor: Processor) -> None:
        current = self._ruleset.version if self._ruleset else "none"
        try:
            matcher = load_configured_matcher(self.settings)
        except RuleSetError as exc:
            for problem in exc.problems:
                log.error("%s", problem)
            log.error("rules not reloaded: %s", exc.message)
            log.error("keeping the last good rules (version %s)", current)
            return
        if matcher.version == current:
            return
        processor.swap_matcher(matcher)
        self._ruleset = matcher.ruleset
        log.info(
            "rules reloaded: version %s -> %s, %d watchlist(s)",
            current,
            matcher.version,
            len(matcher.ruleset.watchlists),
        )

    @staticmethod
    def _on_reject(processor: Processor, path: Path, reason: str) -> None:
        try:
            processor.reject(path, reason)
        except Exception:
            log.exception("%s: could not record the quarantine", path)

    def _on_ready(self, processor: Processor, path: Path) -> None:
        try:
            result = processor.process(path)
        except Exception:
            log.exception("%s: processing failed; it will be taken again at the next start", path)
            return
        if result.outcome is Outcome.SEEN:
            log.info("%s: already seen, skipped", path)
        elif result.hit_count:  # new, or a near-duplicate naming someone new
            self._alerts_due.set()
