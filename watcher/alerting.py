"""Immediate alerts: decide about new hits once, then deliver to a file and/or by email.

A hit qualifies when its watchlist, entity, topic or rule says ``alert:
immediate``, or when ``[alerts] min_severity`` is set and the hit is at least
that severe. For each document, the qualifying names are then either alerted
or suppressed:

- **realert**: a name that already alerted, within its realert window, about
  a document of the same story is not alerted again; a later story is;
- **silence**: ``watcher silence ENTITY|story:KEY --for 12h`` mutes a name, or
  everything about one story, until the silence ends.

Either way the decision is stored with the hits in one transaction, so each
hit is decided exactly once, across restarts. A queued alert is rendered
before it is stored; delivery then writes its file (named after the alert,
so a retry never writes a second one) and sends its email through SMTP, with
retries on temporary failures, like a digest.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from watcher.digest import make_environment, render_alert, write_atomically
from watcher.digest.mail import DeliveryDeferred, build_message, send_stored
from watcher.digesting import retry_delay
from watcher.errors import DigestError
from watcher.model import AlertContent, Severity, StoredHit, Story
from watcher.rules import RuleSet
from watcher.settings import Settings
from watcher.store import AlertRecord, Silence, Store
from watcher.stories import group_stories
from watcher.testhooks import crash_point

log = logging.getLogger(__name__)

# Hits of documents older than this are not alerted after a restart: an alert
# about yesterday's news is noise, and the digest has them anyway.
LOOKBACK = timedelta(hours=24)
# Hit ids only grow, but on PostgreSQL a transaction can commit after one
# holding higher ids: besides following the highest id seen, every so often
# the hits of the last few minutes are read again for undecided ones.
SWEEP_EVERY = timedelta(seconds=30)
SWEEP_BACK = timedelta(minutes=2)


@dataclass(frozen=True, slots=True)
class AlertOutcome:
    """What became of one alert: queued, sent, deferred, suppressed or failed."""

    alert_id: int
    document: str
    names: tuple[str, ...]
    status: str
    detail: str = ""

    def describe(self) -> str:
        names = ", ".join(self.names)
        return f"alert #{self.alert_id} {self.status}: {names} in {self.document}" + (
            f" ({self.detail})" if self.detail else ""
        )


def entity_target(name: str) -> str:
    """How a silenced entity name is stored and compared: case-folded, spaces collapsed."""
    return " ".join(name.split()).casefold()


class Alerter:
    """Turns qualifying hits into alerts; :meth:`run` is safe to call at any time."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        rules: Callable[[], RuleSet | None],
        *,
        sleep: Callable[[float], None] = time.sleep,
        now: datetime | None = None,
    ) -> None:
        self._settings = settings
        self._store = store
        self._rules = rules
        self._sleep = sleep
        self._env = make_environment(settings.templates)
        self._lock = threading.Lock()
        self._after_id = 0
        self._since = (now or datetime.now(UTC)) - LOOKBACK
        self._next_sweep = datetime.min.replace(tzinfo=UTC)

    def run(self, now: datetime | None = None) -> list[AlertOutcome]:
        """Decide about every new qualifying hit, then deliver the alerts that are due.

        Returns each step in order (an alert queued, then sent); logs nothing.
        """
        now = now or datetime.now(UTC)
        with self._lock:
            outcomes = self._decide_new(now)
            for record in self._store.queued_alerts(now):
                outcomes.append(self._deliver(record, now))
        return outcomes

    def run_and_log(self) -> None:
        """:meth:`run`, each outcome logged (the daemon's alert thread)."""
        for outcome in self.run():
            level = {"failed": logging.ERROR, "deferred": logging.WARNING}.get(
                outcome.status, logging.INFO
            )
            log.log(level, "%s", outcome.describe())

    # -- deciding -------------------------------------------------------------

    def _decide_new(self, now: datetime) -> list[AlertOutcome]:
        started = datetime.now(UTC)
        hits = self._store.undecided_hits(after_id=self._after_id, since=self._since)
        if started >= self._next_sweep:
            seen = {s.id for s in hits}
            late = self._store.undecided_hits(since=self._since, created_since=started - SWEEP_BACK)
            hits.extend(s for s in late if s.id not in seen)
            self._next_sweep = started + SWEEP_EVERY
            self._store.remove_expired_silences(started)
        if not hits:
            return []
        ruleset = self._rules()
        if ruleset is None:
            return []
        by_document: dict[str, list[StoredHit]] = {}
        for stored in hits:
            if self._qualifies(ruleset, stored):
                by_document.setdefault(stored.document.sha256, []).append(stored)
        silences = self._store.active_silences(now)
        outcomes = []
        failed = False
        for document_hits in by_document.values():
            try:
                outcomes.extend(self._decide(ruleset, document_hits, silences, now))
            except Exception:
                # Not decided: read again at the next run, with the others
                # after it, rather than skipped for good.
                failed = True
                log.exception("alert for %s failed; trying again", document_hits[0].document.path)
        if not failed:
            # Hits that do not qualify are never decided about; the mark keeps
            # them from being read again.
            self._after_id = max(self._after_id, *(s.id for s in hits))
        return outcomes

    def _qualifies(self, ruleset: RuleSet, stored: StoredHit) -> bool:
        hit = stored.hit
        if ruleset.alert_policy(hit.watchlist, hit.kind, hit.name).immediate:
            return True
        level = self._settings.alerts.min_severity
        return level is not None and Severity(hit.severity).rank >= level.rank

    def _realert(self, ruleset: RuleSet, watchlist: str, kind: str, name: str) -> timedelta:
        policy = ruleset.alert_policy(watchlist, kind, name)
        return policy.realert or self._settings.alerts.realert

    def _decide(
        self,
        ruleset: RuleSet,
        hits: list[StoredHit],
        silences: Sequence[Silence],
        now: datetime,
    ) -> list[AlertOutcome]:
        names = sorted({(s.hit.watchlist, s.hit.kind, s.hit.name) for s in hits})
        alerted: dict[tuple[str, str, str], set[str]] = {}
        for watchlist, kind, name in names:
            window = self._realert(ruleset, watchlist, kind, name)
            alerted[watchlist, kind, name] = set(
                self._store.alerted_documents(watchlist, kind, name, since=now - window)
            )
        story = self._story(hits, set().union(*alerted.values()), silences)
        members = {ref.sha256 for ref in story.documents}
        muted_story = next(
            (
                s
                for s in silences
                if s.kind == "story" and any(m.startswith(s.target) for m in members)
            ),
            None,
        )
        muted_names = {s.target for s in silences if s.kind == "entity"}

        alerting: list[StoredHit] = []
        held: list[StoredHit] = []
        reasons: list[str] = []
        for key in names:
            mine = [s for s in hits if (s.hit.watchlist, s.hit.kind, s.hit.name) == key]
            name = key[2]
            if muted_story is not None:
                held.extend(mine)
                reasons.append(
                    f"story {muted_story.target} silenced until "
                    f"{muted_story.until:%Y-%m-%d %H:%M} UTC"
                )
            elif entity_target(name) in muted_names:
                held.extend(mine)
                reasons.append(f"{name} silenced")
            elif alerted[key] & members:
                held.extend(mine)
                reasons.append(f"{name} already alerted on this story (realert window)")
            else:
                alerting.extend(mine)
        outcomes = []
        if held:
            record = self._store.record_alert(
                held,
                status="suppressed",
                reason="; ".join(dict.fromkeys(reasons)),
                story_key=story.key,
                created_at=now,
            )
            if record is not None:
                outcomes.append(_outcome(record, "suppressed", record.reason))
        if alerting:
            record = self._queue(ruleset, alerting, story, now)
            if record is not None:
                outcomes.append(_outcome(record, "queued"))
        return outcomes

    def _story(
        self, hits: list[StoredHit], alerted: set[str], silences: Sequence[Silence]
    ) -> Story:
        """The story of the hits' document among recent documents sharing a watched name."""
        sha = hits[0].document.sha256
        window = self._settings.stories.window
        # By arrival: a report published years ago but just dropped in must not
        # make this read every hit since then.
        since = min(s.document.ingested_at for s in hits) - window
        names = {s.hit.name for s in hits}
        recent = [
            s
            for s in self._store.hits(since=since)
            if s.document.sha256 != sha and s.hit.name in names
        ]
        candidates = {s.document.sha256 for s in recent} | alerted
        for silence in silences:
            if silence.kind == "story":
                candidates.update(self._store.documents_with_prefix(silence.target))
        candidates.discard(sha)
        pool = list(self._store.hits_of_documents(candidates)) + list(
            self._store.hits_of_documents([sha])
        )
        stories = group_stories(
            pool,
            window=window,
            min_shared=self._settings.stories.min_shared,
            min_similarity=self._settings.stories.min_similarity,
        )
        return next(st for st in stories if any(ref.sha256 == sha for ref in st.documents))

    def _queue(
        self, ruleset: RuleSet, hits: list[StoredHit], story: Story, now: datetime
    ) -> AlertRecord | None:
        reasons = []
        for stored in hits:
            hit = stored.hit
            if ruleset.alert_policy(hit.watchlist, hit.kind, hit.name).immediate:
                reasons.append(f"{hit.watchlist}: {hit.name} has alert: immediate")
            else:
                reasons.append(f"{hit.watchlist}: {hit.name} is {hit.severity} severity")
        reason = "; ".join(dict.fromkeys(reasons))
        content = AlertContent(
            document=hits[0].document,
            hits=tuple(hits),
            story=story if len(story.documents) > 1 else None,
            reason=reason,
            timezone=self._settings.alerts.timezone,
            generated_at=now,
            watchlist_titles=dict(ruleset.titles),
            ruleset_version=ruleset.version,
        )
        rendered = render_alert(content, self._env)
        alerts = self._settings.alerts
        smtp = self._settings.smtp
        message_id = message = None
        if alerts.recipients and smtp is not None:
            domain = smtp.sender.rpartition("@")[2] or "localhost"
            message_id = f"<watcher.alert.{hits[0].document.sha256[:12]}.{hits[0].id}@{domain}>"
            message = build_message(
                subject=rendered.subject,
                text=rendered.text,
                html=rendered.html,
                sender=smtp.sender,
                recipients=alerts.recipients,
                message_id=message_id,
            ).as_string()
        record = self._store.record_alert(
            hits,
            status="queued",
            reason=reason,
            story_key=story.key,
            markdown=rendered.markdown,
            message_id=message_id,
            message=message,
            created_at=now,
        )
        crash_point("alert-recorded")
        return record

    # -- delivering -----------------------------------------------------------

    def _deliver(self, record: AlertRecord, now: datetime) -> AlertOutcome:
        alerts = self._settings.alerts
        smtp = self._settings.smtp
        emailed = record.message is not None and smtp is not None and bool(alerts.recipients)
        path = record.output_path
        try:
            if alerts.folder is not None and path is None and record.markdown is not None:
                name = f"alert-{record.created_at:%Y%m%dT%H%M%S}-{record.document_sha256[:12]}.md"
                target = alerts.folder / name
                # The name is the alert's own: present means an earlier attempt wrote it.
                path = str(
                    target
                    if target.exists()
                    else write_atomically(alerts.folder, name, record.markdown)
                )
                self._store.set_alert_output(record.id, path)
        except DigestError as exc:
            if not emailed:
                wait = retry_delay(record.attempts + 1)
                self._store.defer_alert(record.id, exc.message, now + wait)
                return _outcome(record, "deferred", exc.message)
            # An unwritable folder must not hold the email back: it is urgent.
            log.error("alert #%d: no file written (%s); sending the email", record.id, exc.message)
        accepted: tuple[str, ...] = ()
        refused: dict[str, str] = {}
        if emailed and record.message is not None and smtp is not None:
            try:
                delivery = send_stored(record.message, alerts.recipients, smtp, sleep=self._sleep)
            except DeliveryDeferred as exc:
                wait = retry_delay(record.attempts + 1)
                self._store.defer_alert(record.id, exc.message, now + wait)
                return _outcome(record, "deferred", exc.message)
            except DigestError as exc:
                self._store.mark_alert_failed(record.id, exc.message)
                return _outcome(record, "failed", exc.message)
            crash_point("alert-sent")
            accepted, refused = delivery.accepted, dict(delivery.refused)
        self._store.mark_alert_delivered(
            record.id, output_path=path, accepted=accepted, refused=refused
        )
        where = [p for p in (path, ", ".join(accepted)) if p]
        return _outcome(record, "sent", " and ".join(where))


def _outcome(record: AlertRecord, status: str, detail: str = "") -> AlertOutcome:
    return AlertOutcome(record.id, record.document_path, record.names, status, detail)
