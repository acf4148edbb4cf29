"""The email outbox of watcher.digesting: real aiosmtpd servers, real databases, real files.

Every test that touches the store runs against a SQLite file and PostgreSQL
(the ``db_url`` fixture). Hits reach the store the way they do in the daemon:
files written to disk, then :class:`watcher.processing.Processor`. SMTP is
never mocked; the in-process retries get a ``sleep`` that records its waits.

The helpers here (a config writer, a working folder, an SMTP server) are
shared with tests/test_alerting.py and tests/test_cli_delivery.py.
"""

from __future__ import annotations

import email
import email.policy
import json
import time
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from watcher.digesting import DigestRunner
from watcher.match import Matcher
from watcher.processing import Outcome, Processor
from watcher.rules import RuleSet, load_rules
from watcher.settings import Settings, load_settings
from watcher.store import Store

from .smtp import mute_server
from .test_cli import watcher
from .test_mail import Handler, Sleeps, free_port

SENDER = "watcher@example.org"
THREE = ("a@example.org", "b@example.org", "c@example.org")

# Two watchlists of different severity and tags, and a low-severity topic list.
MINISTERS = """\
watchlist: ministers
title: Defence ministers
severity: high
tags: [defence]
realert: 12h
entities:
  - name: Li Shangfu
    alert: immediate
  - name: Viktor Khrenin
  - name: Wei Fenghe
    alert: immediate
"""
BLOC = """\
watchlist: bloc
title: Shanghai Cooperation Organisation
severity: medium
tags: [eurasia]
entities:
  - name: Shanghai Cooperation Organisation
    aliases: [SCO]
"""
TRADE = """\
watchlist: trade
title: Trade
severity: low
tags: [economy]
topics:
  - name: Grain exports
    terms: [grain exports]
"""
RULES = {"ministers.yaml": MINISTERS, "bloc.yaml": BLOC, "trade.yaml": TRADE}

VISIT = """\
Li Shangfu arrives in Minsk for talks with Viktor Khrenin
Source: Asia Wire

Chinese defence minister Li Shangfu arrived in Minsk on Wednesday for talks with his
Belarusian counterpart Viktor Khrenin about military cooperation, joint exercises and
training of officers. The visit is the first by a Chinese defence minister since the war
in Ukraine began.
"""
# The same event from another outlet, in other words (not a near-duplicate).
VISIT_AGAIN = """\
Chinese defence chief visits Belarus
Source: Minsk Herald

Viktor Khrenin welcomed Li Shangfu in Minsk on Wednesday; the two ministers discussed
military cooperation, joint exercises and officer training between Belarus and China.
It is the first such visit from Beijing since fighting in Ukraine started.
"""
# An unrelated event naming the same minister.
DISMISSAL = """\
Li Shangfu dismissed
Source: Hong Kong Daily

Beijing removed Li Shangfu from office in October after weeks of absence, state media
said, without giving a reason; a successor was named by the legislature.
"""
SUMMIT = """\
SCO summit agrees on grain exports
Source: Eurasia Today

Leaders of the SCO met in Astana and agreed to ease grain exports across the region,
with new rail corridors planned for next spring.
"""


# --- a working folder: config, rules, inbox, store --------------------------------------------


def toml_value(value: object) -> str:
    """A TOML literal for the few types the configs here use."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    raise TypeError(f"no TOML for {value!r}")


def write_config(
    folder: Path,
    db_url: str,
    *,
    smtp_port: int | None = None,
    smtp_timeout: float = 5,
    digests: Mapping[str, Mapping[str, object]] | None = None,
    alerts: Mapping[str, object] | None = None,
) -> Path:
    """watcher.toml in ``folder``: its own rules, digests and alerts folders."""
    tables: dict[str, Mapping[str, object]] = {
        "database": {"url": db_url},
        "paths": {"rules": "rules", "digests": "digests", "inbox": "inbox", "cache": "cache"},
    }
    if smtp_port is not None:
        tables["smtp"] = {
            "host": "127.0.0.1",
            "port": smtp_port,
            "security": "none",
            "sender": SENDER,
            "timeout": smtp_timeout,
        }
    if alerts is not None:
        tables["alerts"] = alerts
    for name, keys in (digests or {"daily": {}}).items():
        tables[f"digests.{name}"] = {"schedule": "0 7 * * *", "timezone": "UTC", **keys}
    lines = []
    for table, keys in tables.items():
        lines.append(f"[{table}]")
        lines += [f"{key} = {toml_value(value)}" for key, value in keys.items()]
    config = folder / "watcher.toml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return config


@dataclass
class Desk:
    """A working folder with its rules, an inbox and an upgraded store."""

    folder: Path
    db_url: str
    store: Store
    ruleset: RuleSet

    def settings(
        self,
        *,
        smtp_port: int | None = None,
        smtp_timeout: float = 5,
        digests: Mapping[str, Mapping[str, object]] | None = None,
        alerts: Mapping[str, object] | None = None,
    ) -> Settings:
        """Write watcher.toml (see :func:`write_config`) and load it."""
        path = write_config(
            self.folder,
            self.db_url,
            smtp_port=smtp_port,
            smtp_timeout=smtp_timeout,
            digests=digests,
            alerts=alerts,
        )
        return load_settings(path, env={})

    def add(self, name: str, text: str) -> None:
        """Write ``inbox/<name>.txt`` and process it as the daemon would."""
        inbox = self.folder / "inbox"
        inbox.mkdir(exist_ok=True)
        path = inbox / f"{name}.txt"
        path.write_text(text, encoding="utf-8")
        result = Processor(self.store, Matcher(self.ruleset)).process(path)
        assert result.outcome is Outcome.NEW, result
        assert result.hit_count > 0, result

    def runner(self, settings: Settings, sleep: Sleeps | None = None) -> DigestRunner:
        rules = self.ruleset
        return DigestRunner(
            settings, self.store, lambda: rules, sleep=Sleeps() if sleep is None else sleep
        )


@contextmanager
def open_desk(folder: Path, db_url: str, rules: Mapping[str, str] = RULES) -> Iterator[Desk]:
    (folder / "rules").mkdir(parents=True)
    for name, text in rules.items():
        (folder / "rules" / name).write_text(text, encoding="utf-8")
    store = Store(db_url)
    store.upgrade()
    try:
        yield Desk(folder, db_url, store, load_rules(folder / "rules"))
    finally:
        store.close()


@pytest.fixture
def desk(tmp_path: Path, db_url: str) -> Iterator[Desk]:
    with open_desk(tmp_path / "work", db_url) as opened:
        yield opened


# --- SMTP servers -------------------------------------------------------------------------------


@contextmanager
def smtp_server(handler: Handler) -> Iterator[int]:
    """aiosmtpd on 127.0.0.1 with ``handler``; yields its port."""
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


def silent_server() -> AbstractContextManager[int]:
    """A TCP server that accepts connections and never greets; yields its port."""
    return mute_server()


@pytest.fixture
def mail() -> Iterator[ExitStack]:
    """Servers started with ``mail.enter_context(smtp_server(handler))`` stop after the test."""
    with ExitStack() as stack:
        yield stack


def received(handler: Handler) -> list[EmailMessage]:
    """Every message the server accepted, parsed."""
    out = []
    for _, raw in handler.stored:
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        out.append(parsed)
    return out


def refuse(addresses: Sequence[str], reply: str) -> Handler:
    """A server that answers RCPT of ``addresses`` with ``reply`` and accepts the others."""
    return Handler(rcpt=lambda address, call: reply if address in addresses else None)


def email_digest(
    recipients: Sequence[str] = ("analyst@example.org",), **keys: object
) -> dict[str, object]:
    return {"format": "email", "recipients": list(recipients), **keys}


NOW = datetime(2030, 1, 1, 7, tzinfo=UTC)  # past every real ingest time


# --- temporary failures ---------------------------------------------------------------------------


def test_451_three_times_then_accepted_sends_once_with_growing_waits(
    desk: Desk, mail: ExitStack
) -> None:
    handler = Handler(data=lambda call: "451 4.3.0 Try again later" if call <= 3 else None)
    port = mail.enter_context(smtp_server(handler))
    settings = desk.settings(smtp_port=port, digests={"morning": email_digest()})
    desk.add("visit", VISIT)
    sleeps = Sleeps()

    outcome = desk.runner(settings, sleeps).run("morning", NOW)

    assert outcome.status == "sent", outcome
    assert outcome.accepted == ("analyst@example.org",)
    assert handler.data_calls == 4
    assert len(handler.stored) == 1
    assert len(sleeps) == 3
    assert sleeps[0] < sleeps[1] < sleeps[2]
    [record] = desk.store.digests("morning")
    assert record.status == "sent"
    assert record.delivered_at is not None
    assert [(r.address, r.status) for r in record.recipients] == [
        ("analyst@example.org", "accepted")
    ]
    assert record.hit_count == outcome.hit_count > 0
    assert received(handler)[0]["Message-ID"] == record.message_id


def test_550_for_one_of_three_is_recorded_refused_and_listed_by_the_cli(
    desk: Desk, mail: ExitStack
) -> None:
    handler = refuse(["b@example.org"], "550 5.1.1 No such user")
    port = mail.enter_context(smtp_server(handler))
    settings = desk.settings(smtp_port=port, digests={"morning": email_digest(THREE)})
    desk.add("visit", VISIT)

    outcome = desk.runner(settings).run("morning", NOW)

    assert outcome.status == "sent", outcome
    assert outcome.accepted == ("a@example.org", "c@example.org")
    assert outcome.refused == {"b@example.org": "550 5.1.1 No such user"}
    assert [rcpts for rcpts, _ in handler.stored] == [["a@example.org", "c@example.org"]]
    [record] = desk.store.digests()
    assert [(r.address, r.status, r.reply) for r in record.recipients] == [
        ("a@example.org", "accepted", None),
        ("b@example.org", "refused", "550 5.1.1 No such user"),
        ("c@example.org", "accepted", None),
    ]
    listed = json.loads(watcher("digests", "--format", "json", cwd=desk.folder).ok().out)
    assert [d["status"] for d in listed] == ["sent"]
    assert {"address": "b@example.org", "status": "refused", "reply": "550 5.1.1 No such user"} in (
        listed[0]["recipients"]
    )
    assert "b@example.org" in listed[0]["error"]


def test_a_server_that_never_greets_defers_then_the_retry_sends_the_same_message_id(
    desk: Desk, mail: ExitStack
) -> None:
    silent = mail.enter_context(silent_server())
    settings = desk.settings(smtp_port=silent, smtp_timeout=1, digests={"morning": email_digest()})
    desk.add("visit", VISIT)

    started = time.monotonic()
    outcome = desk.runner(settings).run("morning", NOW)
    assert time.monotonic() - started < 20  # four attempts of one second, not a hang

    assert outcome.status == "deferred", outcome
    assert outcome.error is not None
    assert "did not answer within the timeout" in outcome.error
    [record] = desk.store.digests()
    assert record.status == "rendered"
    assert record.attempts == 1
    assert record.next_attempt_at is not None
    assert record.message_id is not None
    stored_id = record.message_id
    due = record.next_attempt_at.replace(tzinfo=record.next_attempt_at.tzinfo or UTC)
    # Not yet due: the outbox leaves it alone.
    assert desk.runner(settings).retry_due(due - timedelta(seconds=30)) == []

    handler = Handler()
    port = mail.enter_context(smtp_server(handler))
    working = desk.settings(smtp_port=port, digests={"morning": email_digest()})
    retried = desk.runner(working).retry_due(due + timedelta(seconds=1))

    assert [o.status for o in retried] == ["sent"]
    assert [m["Message-ID"] for m in received(handler)] == [stored_id]
    [after] = desk.store.digests()
    assert (after.status, after.message_id, after.next_attempt_at) == ("sent", stored_id, None)
    assert desk.runner(working).retry_due(due + timedelta(days=1)) == []
    assert len(handler.stored) == 1


def test_a_permanent_refusal_of_every_recipient_fails_and_is_never_retried(
    desk: Desk, mail: ExitStack
) -> None:
    handler = refuse(THREE, "550 5.7.1 Relaying denied")
    port = mail.enter_context(smtp_server(handler))
    settings = desk.settings(smtp_port=port, digests={"morning": email_digest(THREE)})
    desk.add("visit", VISIT)
    sleeps = Sleeps()

    outcome = desk.runner(settings, sleeps).run("morning", NOW)

    assert outcome.status == "failed", outcome
    assert outcome.error is not None
    assert "550 5.7.1 Relaying denied" in outcome.error
    [record] = desk.store.digests()
    assert record.status == "failed"
    assert record.error is not None
    assert "550 5.7.1 Relaying denied" in record.error
    assert sleeps == []
    calls = handler.rcpt_calls
    assert desk.runner(settings).retry_due(NOW + timedelta(days=30)) == []
    assert desk.store.pending_digests() == []
    assert handler.rcpt_calls == calls
    assert handler.stored == []


# --- a resend is the same message ---------------------------------------------------------------


def test_a_digest_sent_again_after_a_crash_carries_the_same_message_id(
    desk: Desk, mail: ExitStack
) -> None:
    handler = Handler()
    port = mail.enter_context(smtp_server(handler))
    settings = desk.settings(smtp_port=port, digests={"morning": email_digest()})
    desk.add("visit", VISIT)

    # The real command, killed right after the server took the message and
    # before the store heard of it.
    crashed = watcher(
        "digest", "morning", "--send", cwd=desk.folder, env={"WATCHER_TEST_CRASH_AT": "digest-sent"}
    )
    assert crashed.code != 0, crashed
    assert len(handler.stored) == 1
    [record] = desk.store.digests()
    assert record.status == "rendered"
    assert record.message_id is not None

    outcomes = desk.runner(settings).send_pending("morning")

    assert [o.status for o in outcomes] == ["sent"]
    first, second = received(handler)
    assert first["Message-ID"] == second["Message-ID"] == record.message_id
    assert first["Subject"] == second["Subject"]
    assert first.get_body(("plain",)) is not None
    for message in (first, second):
        assert message.get_content_type() == "multipart/alternative"
        assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
        subject = str(message["Subject"])
        assert subject.startswith("watcher morning digest ")
        assert not any(unicodedata.category(c) == "Cc" for c in subject)
    assert desk.store.digests()[0].status == "sent"
    assert desk.runner(settings).send_pending("morning") == []
    assert len(handler.stored) == 2


@dataclass
class Recording(Handler):
    """A :class:`Handler` that also keeps every message offered at DATA, accepted or not."""

    offered: list[bytes] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.offered.append(bytes(envelope.content))
        return await super().handle_DATA(server, session, envelope)


def test_every_attempt_by_run_send_pending_and_retry_offers_the_same_message(
    desk: Desk, mail: ExitStack
) -> None:
    handler = Recording(data=lambda call: "452 4.3.1 Insufficient storage" if call <= 8 else None)
    port = mail.enter_context(smtp_server(handler))
    settings = desk.settings(smtp_port=port, digests={"morning": email_digest()})
    desk.add("visit", VISIT)
    runner = desk.runner(settings)

    first = runner.run("morning", NOW)  # four 452s: stored, rendered, deferred
    [deferred] = desk.store.digests()
    second = runner.send_pending("morning")  # four more
    [deferred_again] = desk.store.digests()
    assert deferred_again.next_attempt_at is not None
    third = runner.retry_due(deferred_again.next_attempt_at + timedelta(seconds=1))

    assert [o.status for o in (first, *second, *third)] == ["deferred", "deferred", "sent"]
    assert (deferred.status, deferred.attempts) == ("rendered", 1)
    assert (deferred_again.status, deferred_again.attempts) == ("rendered", 2)
    assert deferred.next_attempt_at is not None
    assert deferred_again.next_attempt_at > deferred.next_attempt_at
    assert len(handler.offered) == 9
    assert len(set(handler.offered)) == 1  # the stored bytes, every time
    [delivered] = received(handler)
    assert delivered["Message-ID"] == deferred.message_id
    [sent] = desk.store.digests()
    assert (sent.status, sent.attempts, sent.message_id) == ("sent", 3, deferred.message_id)


# --- filters -------------------------------------------------------------------------------------


def claimed(desk: Desk, digest_id: int) -> set[tuple[str, str]]:
    return {(s.hit.watchlist, s.hit.name) for s in desk.store.digest_hits(digest_id)}


def test_digests_with_different_filters_each_claim_exactly_their_hits(desk: Desk) -> None:
    settings = desk.settings(
        digests={
            "defence": {"watchlists": ["ministers"]},
            "eurasia": {"tags": ["eurasia"]},
            "serious": {"min_severity": "medium"},
            "everything": {},
        }
    )
    desk.add("visit", VISIT)
    desk.add("summit", SUMMIT)
    runner = desk.runner(settings)
    minister_hits = {("ministers", "Li Shangfu"), ("ministers", "Viktor Khrenin")}
    bloc_hits = {("bloc", "Shanghai Cooperation Organisation")}
    trade_hits = {("trade", "Grain exports")}

    outcomes = {name: runner.run(name, NOW) for name in ("defence", "eurasia", "serious")}

    assert claimed(desk, outcomes["defence"].digest_id) == minister_hits
    assert claimed(desk, outcomes["eurasia"].digest_id) == bloc_hits
    assert claimed(desk, outcomes["serious"].digest_id) == minister_hits | bloc_hits
    # Hits another digest claimed are still there for one whose filter takes them.
    everything = runner.run("everything", NOW)
    assert claimed(desk, everything.digest_id) == minister_hits | bloc_hits | trade_hits
    assert everything.hit_count == len(desk.store.hits())
    defence_text = (outcomes["defence"].path or Path()).read_text(encoding="utf-8")
    assert "Li Shangfu" in defence_text
    assert "Grain exports" not in defence_text
    # A second run of a filtered digest finds nothing new of its own.
    assert runner.run("defence", NOW + timedelta(hours=1)).hit_count == 0


def test_skip_empty_skips_and_an_empty_period_otherwise_says_nothing_new(desk: Desk) -> None:
    settings = desk.settings(
        digests={
            "quiet": {"watchlists": ["trade"], "skip_empty": True},
            "plain": {"watchlists": ["trade"]},
        }
    )
    desk.add("visit", VISIT)  # no trade hits
    runner = desk.runner(settings)

    skipped = runner.run("quiet", NOW)
    empty = runner.run("plain", NOW)

    assert (skipped.status, skipped.path, skipped.hit_count) == ("skipped", None, 0)
    assert [d.status for d in desk.store.digests("quiet")] == ["skipped"]
    assert empty.status == "written"
    assert empty.path is not None
    assert "Nothing new" in empty.path.read_text(encoding="utf-8")
    files = sorted(p.name for p in settings.digests_dir.iterdir())
    assert files == [empty.path.name]
    assert not any(name.startswith("quiet") for name in files)


def test_a_markdown_digest_goes_to_its_own_folder(desk: Desk) -> None:
    settings = desk.settings(
        digests={"team": {"folder": "out/team"}, "daily": {}},
    )
    desk.add("visit", VISIT)
    runner = desk.runner(settings)

    team = runner.run("team", NOW)
    daily = runner.run("daily", NOW)

    assert team.path is not None
    assert daily.path is not None
    assert team.path.parent == desk.folder / "out" / "team"
    assert daily.path.parent == settings.digests_dir
    assert [p.name for p in (desk.folder / "out" / "team").iterdir()] == [team.path.name]
    assert "Li Shangfu" in team.path.read_text(encoding="utf-8")
    [record] = desk.store.digests("team")
    assert record.output_path == str(team.path)
