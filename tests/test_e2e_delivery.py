"""End to end delivery: the real ``watcher run`` process, a real SMTP server, crashes.

The SMTP server is aiosmtpd on 127.0.0.1 inside the test process; the daemon
is a separate process that kills itself with SIGKILL at a crash point
(watcher.testhooks) when the test asks it to. After a restart, every hit must
be in exactly one sent digest, and a message sent again must carry the same
Message-ID, so that a reader's mail client can tell it is a resend.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from watcher.match import Matcher
from watcher.processing import Outcome, Processor
from watcher.rules import load_rules
from watcher.store import DigestRecord, Store
from watcher.testhooks import CRASH_ENV

from . import smtp as smtp_helpers
from .e2e import Daemon, drop, wait_for, watcher_command
from .test_mail import Handler, free_port, parse

pytestmark = pytest.mark.e2e

DIGEST = "daily"
ANALYST = "analyst@example.org"
DUTY = "duty@example.org"

RULES = """\
watchlist: harbour
title: Harbour people
severity: medium
entities:
  - name: Anna Petrova
    kind: person
  - name: Boris Ivanov
    kind: person
  - name: Carla Mendes
    kind: person
    alert: immediate
"""

# Different enough from each other not to be near-duplicates.
DOCUMENTS = {
    "grain.txt": "Anna Petrova met Boris Ivanov in Klaipeda to discuss grain exports.\n",
    "harbour.txt": (
        "Boris Ivanov told reporters on Tuesday that the northern harbour would reopen "
        "next spring after dredging.\n"
    ),
}
ALERT_DOCUMENT = "Carla Mendes arrived in Lisbon on Thursday for talks on fisheries quotas.\n"
LATE_DOCUMENT = "Anna Petrova resigned from the port authority board in the evening.\n"


@dataclass
class TimedHandler(Handler):
    """A :class:`Handler` that also notes when each message arrived (time.monotonic)."""

    arrivals: list[float] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        answer = await super().handle_DATA(server, session, envelope)
        self.arrivals.append(time.monotonic())
        return answer


@dataclass
class MailServer:
    """aiosmtpd on 127.0.0.1: what it accepted, parsed."""

    port: int
    handler: TimedHandler

    def messages(self) -> list[EmailMessage]:
        return [parse(raw) for _, raw in list(self.handler.stored)]

    def count(self) -> int:
        return len(self.handler.stored)


@pytest.fixture
def mail_server() -> Iterator[MailServer]:
    handler = TimedHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield MailServer(port, handler)
    finally:
        controller.stop()


@pytest.fixture
def mute_server() -> Iterator[int]:
    """A TCP server on 127.0.0.1 that accepts connections and never greets."""
    with smtp_helpers.mute_server() as port:
        yield port


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """For the tests whose subject is delivery, not the database: SQLite only."""
    return f"sqlite:///{tmp_path / 'watcher.db'}"


def write_delivery_config(
    folder: Path,
    db_url: str,
    smtp_port: int,
    *,
    smtp_timeout: float = 10.0,
    digest_format: str = "email",
    alert_recipients: tuple[str, ...] = (),
) -> Path:
    """A watcher.toml with [smtp] at 127.0.0.1, a daily 07:00 UTC digest and [alerts]."""
    rules = folder / "rules"
    rules.mkdir(parents=True, exist_ok=True)
    (rules / "harbour.yaml").write_text(RULES, encoding="utf-8")
    digest_recipients = f'recipients = ["{ANALYST}"]\n' if digest_format == "email" else ""
    alert_to = ", ".join(f'"{a}"' for a in alert_recipients)
    config = folder / "watcher.toml"
    config.write_text(
        f"""\
[database]
url = "{db_url}"
[paths]
inbox = "inbox"
rules = "rules"
digests = "digests"
[ingest]
settle_seconds = 0.3
[smtp]
host = "127.0.0.1"
port = {smtp_port}
security = "none"
sender = "watcher@example.org"
timeout = {smtp_timeout}
[alerts]
recipients = [{alert_to}]
folder = "alerts"
[digests.{DIGEST}]
schedule = "0 7 * * *"
timezone = "UTC"
format = "{digest_format}"
{digest_recipients}""",
        encoding="utf-8",
    )
    return config


def prepare_due_digest(store: Store, config: Path, *, days_ago: int) -> DigestRecord:
    """A finished digest whose period ended ``days_ago`` days ago, then stored documents.

    The old digest is claimed first so that it takes none of the documents'
    hits: they are for the digest the daemon writes at start.
    """
    store.upgrade()
    old = store.claim_digest(DIGEST, datetime.now(UTC) - timedelta(days=days_ago), fmt="email")
    store.mark_digest_skipped(old.id)
    archive = config.parent / "archive"
    archive.mkdir()
    processor = Processor(store, Matcher(load_rules(config.parent / "rules")))
    for name, text in DOCUMENTS.items():
        path = archive / name
        path.write_text(text, encoding="utf-8")
        assert processor.process(path).outcome is Outcome.NEW, name
    assert store.hits()
    (record,) = store.digests(DIGEST)
    return record


def _fresh_log(config: Path) -> Path:
    """A log file of its own for each run.

    ``Daemon.start`` waits for "watching" in its log; in a log shared with an
    earlier run it finds the earlier run's line and returns before the new
    process has set up its signal handlers (a SIGTERM then kills it: -15).
    """
    runs = len(list(config.parent.glob("daemon-*.log")))
    return config.parent / f"daemon-{runs + 1}.log"


def start_daemon(config: Path, env: dict[str, str] | None = None) -> Daemon:
    """``Daemon(config, env).start()``, with a log of its own."""
    daemon = Daemon(config, env)
    daemon.log = _fresh_log(config)
    daemon.log.touch()
    return daemon.start()


def spawn(config: Path, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], Path]:
    """``watcher run`` without waiting for it to start: it may die before it says so."""
    log = _fresh_log(config)
    clean = {k: v for k, v in os.environ.items() if not k.startswith("WATCHER_")}
    with log.open("ab") as handle:
        process = subprocess.Popen(
            [*watcher_command(), "run", "--config", str(config)],
            stdout=handle,
            stderr=subprocess.STDOUT,
            cwd=config.parent,
            env={**clean, **env},
        )
    return process, log


def digests_of_each_hit(store: Store) -> dict[int, list[DigestRecord]]:
    """For every stored hit id, the digests called DIGEST that claimed it."""
    owners: dict[int, list[DigestRecord]] = {s.id: [] for s in store.hits()}
    for record in store.digests(DIGEST):
        for stored in store.digest_hits(record.id):
            owners[stored.id].append(record)
    return owners


def assert_every_hit_sent_once(store: Store) -> DigestRecord:
    """Every hit is in exactly one digest, the same one, and it was sent; returns it."""
    owners = digests_of_each_hit(store)
    assert owners
    for hit_id, records in owners.items():
        assert [r.status for r in records] == ["sent"], (hit_id, records)
    (digest_id,) = {records[0].id for records in owners.values()}
    (record,) = [r for r in store.digests(DIGEST) if r.id == digest_id]
    assert [(r.address, r.status) for r in record.recipients] == [(ANALYST, "accepted")]
    return record


@pytest.mark.parametrize(
    ("point", "copies"), [("digest-claimed", 1), ("digest-rendered", 1), ("digest-sent", 2)]
)
def test_a_digest_killed_mid_delivery_is_finished_at_restart(
    tmp_path: Path, db_url: str, mail_server: MailServer, point: str, copies: int
) -> None:
    config = write_delivery_config(tmp_path / "work", db_url, mail_server.port)
    store = Store(db_url)
    try:
        old = prepare_due_digest(store, config, days_ago=2)

        crashing, log = spawn(config, {CRASH_ENV: point})
        assert crashing.wait(timeout=60) == -signal.SIGKILL, log.read_text(encoding="utf-8")
        assert mail_server.count() == (1 if point == "digest-sent" else 0)
        unfinished = store.digests(DIGEST)[0]
        assert unfinished.id != old.id
        assert unfinished.status == ("claimed" if point == "digest-claimed" else "rendered")

        daemon = start_daemon(config)  # the interrupted digest is finished soon after start
        wait_for(lambda: store.digests(DIGEST)[0].status == "sent", "the digest to be sent")
        assert daemon.stop() == 0
        assert "finishing digest daily" in daemon.output()

        sent = assert_every_hit_sent_once(store)
        assert [r.id for r in store.digests(DIGEST)] == [sent.id, old.id]  # not a second claim
        assert sent.id == unfinished.id
        assert sent.period_start == old.period_end
        messages = mail_server.messages()
        assert len(messages) == copies
        assert {m["Message-ID"] for m in messages} == {sent.message_id}
        assert len({raw for _, raw in mail_server.handler.stored}) == 1  # the same bytes again
        assert all("Anna Petrova" in m.get_body(("plain",)).get_content() for m in messages)  # type: ignore[union-attr]
    finally:
        store.close()


def test_downtime_over_two_scheduled_times_gives_one_digest(
    tmp_path: Path, db_url: str, mail_server: MailServer
) -> None:
    config = write_delivery_config(tmp_path / "work", db_url, mail_server.port)
    store = Store(db_url)
    try:
        old = prepare_due_digest(store, config, days_ago=3)  # 07:00 passed at least twice since
        daemon = start_daemon(config)
        assert daemon.stop() == 0  # a clean stop waits for the catch-up in progress
        assert "(missed while down)" in daemon.output()
        new, first = store.digests(DIGEST)
        assert first.id == old.id
        assert new.period_start == old.period_end
        assert assert_every_hit_sent_once(store).id == new.id
        assert mail_server.count() == 1

        daemon = start_daemon(config)
        assert daemon.stop() == 0
        assert [r.id for r in store.digests(DIGEST)] == [new.id, old.id]
        assert mail_server.count() == 1
    finally:
        store.close()


def test_a_server_that_never_greets_does_not_stop_the_daemon(
    tmp_path: Path, sqlite_url: str, mute_server: int
) -> None:
    config = write_delivery_config(tmp_path / "work", sqlite_url, mute_server, smtp_timeout=1)
    inbox = config.parent / "inbox"
    store = Store(sqlite_url)
    try:
        prepare_due_digest(store, config, days_ago=2)
        hits_before = len(store.hits())
        # Four attempts of one second each, with waits between them, run in the
        # scheduler's thread while the daemon already watches the inbox.
        daemon = start_daemon(config)
        wait_for(
            lambda: store.digests(DIGEST)[0].attempts > 0, "the digest's first failed delivery"
        )
        deferred = store.digests(DIGEST)[0]
        assert deferred.status == "rendered"
        assert deferred.error is not None
        assert "within the timeout" in deferred.error
        assert deferred.next_attempt_at is not None
        assert deferred.next_attempt_at > datetime.now(UTC)
        assert deferred.attempts == 1

        drop_path = config.parent / "late.txt"
        drop_path.write_text(LATE_DOCUMENT, encoding="utf-8")
        drop(drop_path, inbox)
        wait_for(lambda: len(store.hits()) == hits_before + 1, "the late document's hit")
        assert not daemon.exited(), daemon.output()
        assert daemon.stop() == 0
        assert "delivery deferred" in daemon.output()
        assert store.digests(DIGEST)[0].status == "rendered"  # still waiting for its retry
    finally:
        store.close()


def _alert_files(config: Path) -> list[Path]:
    return sorted((config.parent / "alerts").glob("alert-*.md"))


def test_an_immediate_alert_arrives_within_seconds(
    tmp_path: Path, db_url: str, mail_server: MailServer
) -> None:
    config = write_delivery_config(
        tmp_path / "work",
        db_url,
        mail_server.port,
        digest_format="markdown",
        alert_recipients=(DUTY,),
    )
    source = tmp_path / "mendes.txt"
    source.write_text(ALERT_DOCUMENT, encoding="utf-8")
    store = Store(db_url)
    try:
        daemon = start_daemon(config)
        dropped = time.monotonic()
        drop(source, config.parent / "inbox")
        wait_for(lambda: mail_server.count() == 1, "the alert email")
        # No bound asserted: the machine is shared; the number is for the record.
        print(f"alert email {mail_server.handler.arrivals[0] - dropped:.3f} s after the drop")
        wait_for(lambda: len(_alert_files(config)) == 1, "the alert file")
        assert daemon.stop() == 0

        (alert,) = store.alerts()
        assert alert.status == "sent"
        assert alert.names == ("Carla Mendes",)
        (message,) = mail_server.messages()
        assert message["Message-ID"] == alert.message_id
        assert message["To"] == DUTY
        assert "Carla Mendes" in _alert_files(config)[0].read_text(encoding="utf-8")
        assert alert.output_path == str(_alert_files(config)[0])
    finally:
        store.close()


@pytest.mark.parametrize(("point", "copies"), [("alert-recorded", 1), ("alert-sent", 2)])
def test_an_alert_killed_mid_delivery_is_delivered_once_at_restart(
    tmp_path: Path, db_url: str, mail_server: MailServer, point: str, copies: int
) -> None:
    config = write_delivery_config(
        tmp_path / "work",
        db_url,
        mail_server.port,
        digest_format="markdown",
        alert_recipients=(DUTY,),
    )
    source = tmp_path / "mendes.txt"
    source.write_text(ALERT_DOCUMENT, encoding="utf-8")
    store = Store(db_url)
    try:
        crashing = start_daemon(config, {CRASH_ENV: point})
        drop(source, config.parent / "inbox")
        assert crashing.process is not None
        assert crashing.process.wait(timeout=60) == -signal.SIGKILL, crashing.output()
        (queued,) = store.alerts()
        assert queued.status == "queued"
        assert mail_server.count() == copies - 1

        daemon = start_daemon(config)
        wait_for(lambda: store.alerts()[0].status == "sent", "the alert to be delivered")
        assert daemon.stop() == 0
        (alert,) = store.alerts()
        assert alert.id == queued.id
        assert len(_alert_files(config)) == 1
        messages = mail_server.messages()
        assert len(messages) == copies
        assert {m["Message-ID"] for m in messages} == {alert.message_id}
    finally:
        store.close()
