"""The delivery commands as a user runs them: digest --send/--preview, alerts, stories.

Each command is the real ``watcher`` process in a working folder, on SQLite
and PostgreSQL, against a real aiosmtpd server where mail is involved.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from watcher.alerting import Alerter

from .test_cli import watcher
from .test_mail import Handler, Sleeps
from .test_outbox import (
    DISMISSAL,
    VISIT,
    VISIT_AGAIN,
    Desk,
    email_digest,
    open_desk,
    received,
    smtp_server,
)

pytestmark = pytest.mark.e2e


@pytest.fixture
def desk(tmp_path: Path, db_url: str) -> Iterator[Desk]:
    with open_desk(tmp_path / "work", db_url) as opened:
        yield opened


@pytest.fixture
def mail() -> Iterator[ExitStack]:
    with ExitStack() as stack:
        yield stack


def test_an_email_digest_needs_send_preview_claims_nothing_and_send_sends(
    desk: Desk, mail: ExitStack
) -> None:
    handler = Handler()
    port = mail.enter_context(smtp_server(handler))
    desk.settings(smtp_port=port, digests={"morning": email_digest()})
    desk.add("visit", VISIT)
    hits = len(desk.store.hits())

    watcher("digest", "morning", cwd=desk.folder).failed(2, "--send", "--preview")
    watcher("digest", "morning", "--preview", "--send", cwd=desk.folder).failed(2, "exclude")
    preview = watcher("digest", "morning", "--preview", cwd=desk.folder).ok()

    assert preview.out.startswith("Subject: watcher morning digest ")
    assert "Li Shangfu" in preview.out
    assert desk.store.digests() == []
    assert handler.stored == []

    sent = watcher("digest", "morning", "--send", cwd=desk.folder).ok()

    assert sent.out == f"digest morning: sent to analyst@example.org ({hits} hits)\n"
    [message] = received(handler)
    [record] = desk.store.digests()
    assert (record.status, record.hit_count) == ("sent", hits)
    assert message["Message-ID"] == record.message_id
    listed = json.loads(watcher("digests", "--format", "json", cwd=desk.folder).ok().out)
    assert [(d["name"], d["status"], d["message_id"]) for d in listed] == [
        ("morning", "sent", record.message_id)
    ]
    assert listed[0]["recipients"] == [
        {"address": "analyst@example.org", "status": "accepted", "reply": None}
    ]


def test_a_failed_send_exits_1_and_says_why(desk: Desk, mail: ExitStack) -> None:
    handler = Handler(rcpt=lambda address, call: "550 5.1.1 No such user")
    port = mail.enter_context(smtp_server(handler))
    desk.settings(smtp_port=port, digests={"morning": email_digest()})
    desk.add("visit", VISIT)

    failed = watcher("digest", "morning", "--send", cwd=desk.folder)

    assert failed.code == 1, failed
    assert re.search(r"^digest morning: FAILED: .*550 5\.1\.1 No such user", failed.out, re.M)
    [record] = desk.store.digests()
    assert record.status == "failed"
    # The operator sees it without digging: watcher status lists undelivered mail.
    status = watcher("status", cwd=desk.folder).ok()
    assert re.search(
        rf"^  digest morning #{record.id}: failed: .*550 5\.1\.1 No such user", status.out, re.M
    ), status.out

    # The operator fixes the cause (here: another server); --send delivers the
    # failed digest itself, with its hits and Message-ID, before claiming anew.
    fixed = Handler()
    desk.settings(
        smtp_port=mail.enter_context(smtp_server(fixed)), digests={"morning": email_digest()}
    )
    resent = watcher("digest", "morning", "--send", cwd=desk.folder).ok()
    assert resent.out.startswith(
        f"digest morning: sent to analyst@example.org ({record.hit_count} hits)"
    )
    first, *_ = received(fixed)
    assert first["Message-ID"] == record.message_id
    again = {d.id: d for d in desk.store.digests()}[record.id]
    assert again.status == "sent"


def test_alerts_and_stories_as_json(desk: Desk) -> None:
    settings = desk.settings(alerts={"folder": "alerts"})
    rules = desk.ruleset
    desk.add("visit", VISIT)
    desk.add("visit-again", VISIT_AGAIN)
    desk.add("dismissal", DISMISSAL)
    Alerter(settings, desk.store, lambda: rules, sleep=Sleeps()).run()
    watcher("silence", "Wei Fenghe", "--for", "2h", cwd=desk.folder).ok()

    listed = json.loads(watcher("alerts", "--format", "json", cwd=desk.folder).ok().out)
    stories = json.loads(watcher("stories", "--format", "json", cwd=desk.folder).ok().out)

    alerts = {Path(a["document"]).name: a for a in listed["alerts"]}
    assert set(alerts) == {"visit.txt", "visit-again.txt", "dismissal.txt"}
    assert alerts["visit.txt"]["status"] == "sent"
    assert alerts["visit.txt"]["names"] == ["Li Shangfu"]
    assert Path(alerts["visit.txt"]["file"]).is_file()
    assert alerts["visit-again.txt"]["status"] == "suppressed"
    assert "already alerted" in alerts["visit-again.txt"]["reason"]
    assert alerts["dismissal.txt"]["status"] == "sent"
    assert [(s["kind"], s["target"]) for s in listed["silences"]] == [("entity", "wei fenghe")]

    assert all({"key", "title", "entities", "documents"} <= set(s) for s in stories)
    keys = {s["key"]: {Path(d["path"]).name for d in s["documents"]} for s in stories}
    visit_key = alerts["visit.txt"]["story"]
    assert keys[visit_key] == {"visit.txt", "visit-again.txt"}
    assert keys[alerts["dismissal.txt"]["story"]] == {"dismissal.txt"}

    table = watcher("alerts", cwd=desk.folder).ok()
    assert "suppressed: Li Shangfu" in table.out
    assert "silenced entity wei fenghe until" in table.out
