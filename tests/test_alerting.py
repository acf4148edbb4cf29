"""watcher.alerting: immediate alerts to a folder and by email, realert windows, silences.

Real databases (SQLite and PostgreSQL), real files processed into hits, a real
aiosmtpd server, and ``watcher silence`` run as the real command. Alerts are
decided at the real time: the Alerter only looks at documents ingested within
its look-back, and the documents here are dated by their arrival.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from watcher import alerting
from watcher.alerting import Alerter
from watcher.digest import render_alert
from watcher.settings import Settings
from watcher.store import AlertRecord

from .test_cli import watcher
from .test_mail import Handler, Sleeps
from .test_outbox import (
    DISMISSAL,
    MINISTERS,
    RULES,
    SUMMIT,
    VISIT,
    VISIT_AGAIN,
    Desk,
    open_desk,
    received,
    smtp_server,
)

DUTY = "duty@example.org"
# Same event as VISIT (shares Viktor Khrenin), naming Wei Fenghe, who never alerted.
VISIT_WEI = """\
Wei Fenghe joins the Minsk talks with Viktor Khrenin
Source: Belarus Daily

Former defence minister Wei Fenghe joined the talks in Minsk on Wednesday with his
Belarusian counterpart Viktor Khrenin about military cooperation, joint exercises and
training of officers, the first such visit since the war in Ukraine began.
"""
WEI_MEMOIR = """\
Wei Fenghe publishes a memoir
Source: Books Weekly

A memoir by Wei Fenghe about his childhood in Shandong province and his years as a
student went on sale in bookshops this month.
"""


@pytest.fixture
def desk(tmp_path: Path, db_url: str) -> Iterator[Desk]:
    with open_desk(tmp_path / "work", db_url) as opened:
        yield opened


@pytest.fixture
def mail() -> Iterator[ExitStack]:
    with ExitStack() as stack:
        yield stack


def alerter(desk: Desk, settings: Settings) -> Alerter:
    rules = desk.ruleset
    return Alerter(settings, desk.store, lambda: rules, sleep=Sleeps())


def alert_files(settings: Settings) -> list[Path]:
    folder = settings.alerts.folder
    assert folder is not None
    return sorted(folder.iterdir()) if folder.is_dir() else []


def by_document(desk: Desk) -> dict[str, AlertRecord]:
    """The stored alerts by their document's file name (one per document here)."""
    return {Path(a.document_path).name: a for a in desk.store.alerts()}


# --- alert: immediate ------------------------------------------------------------------------


def test_an_immediate_entity_alerts_once_to_the_folder_and_by_email(
    desk: Desk, mail: ExitStack
) -> None:
    handler = Handler()
    port = mail.enter_context(smtp_server(handler))
    settings = desk.settings(smtp_port=port, alerts={"folder": "alerts", "recipients": [DUTY]})
    desk.add("visit", VISIT)

    outcomes = alerter(desk, settings).run()

    assert [o.status for o in outcomes] == ["queued", "sent"]
    [path] = alert_files(settings)
    assert path.parent == desk.folder / "alerts"
    text = path.read_text(encoding="utf-8")
    assert "Li Shangfu" in text
    [rcpts] = [r for r, _ in handler.stored]
    assert rcpts == [DUTY]
    [message] = received(handler)
    subject = str(message["Subject"])
    assert subject.startswith("watcher alert: Li Shangfu")
    assert not any(unicodedata.category(c) == "Cc" for c in subject)
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
    [record] = desk.store.alerts()
    assert record.status == "sent"
    # Viktor Khrenin is in the document too, but his list has no alert: immediate.
    assert record.names == ("Li Shangfu",)
    assert record.output_path == str(path)
    assert [(r.address, r.status) for r in record.recipients] == [(DUTY, "accepted")]
    assert message["Message-ID"] == record.message_id

    # Nothing more: neither from the same Alerter nor from a new one (a restart).
    assert alerter(desk, settings).run() == []
    assert alert_files(settings) == [path]
    assert len(handler.stored) == 1
    assert len(desk.store.alerts()) == 1


# --- realert ---------------------------------------------------------------------------------


def test_the_same_story_is_suppressed_within_realert_and_another_story_alerts(
    desk: Desk,
) -> None:
    settings = desk.settings(alerts={"folder": "alerts"})
    desk.add("visit", VISIT)
    assert [o.status for o in alerter(desk, settings).run()] == ["queued", "sent"]

    desk.add("visit-again", VISIT_AGAIN)
    again = alerter(desk, settings).run()
    desk.add("dismissal", DISMISSAL)
    other = alerter(desk, settings).run()

    assert [o.status for o in again] == ["suppressed"]
    assert [o.status for o in other] == ["queued", "sent"]
    alerts = by_document(desk)
    assert alerts["visit.txt"].status == "sent"
    assert alerts["visit-again.txt"].status == "suppressed"
    assert "already alerted on this story" in alerts["visit-again.txt"].reason
    assert alerts["visit-again.txt"].story_key == alerts["visit.txt"].story_key
    assert alerts["dismissal.txt"].status == "sent"
    assert alerts["dismissal.txt"].story_key != alerts["visit.txt"].story_key
    assert len(alert_files(settings)) == 2


def test_after_the_realert_window_the_same_story_alerts_again(desk: Desk) -> None:
    settings = desk.settings(alerts={"folder": "alerts"})
    desk.add("visit", VISIT)
    alerter(desk, settings).run()
    desk.add("visit-again", VISIT_AGAIN)

    # The ministers list says realert: 12h.
    later = alerter(desk, settings).run(datetime.now(UTC) + timedelta(hours=13))

    assert [o.status for o in later] == ["queued", "sent"]
    assert by_document(desk)["visit-again.txt"].status == "sent"


# --- silences --------------------------------------------------------------------------------


def test_watcher_silence_an_entity_suppresses_its_next_alert(desk: Desk) -> None:
    settings = desk.settings(alerts={"folder": "alerts"})

    done = watcher("silence", "li  SHANGFU", "--for", "1h", cwd=desk.folder).ok()
    assert done.out.startswith("silenced li  SHANGFU until ")
    [active] = desk.store.active_silences()
    assert (active.kind, active.target) == ("entity", "li shangfu")
    desk.add("visit", VISIT)
    outcomes = alerter(desk, settings).run()

    assert [o.status for o in outcomes] == ["suppressed"]
    [record] = desk.store.alerts()
    assert record.status == "suppressed"
    assert "Li Shangfu silenced" in record.reason
    assert alert_files(settings) == []
    # Once the silence is over, another story alerts again.
    desk.add("dismissal", DISMISSAL)
    assert [o.status for o in alerter(desk, settings).run(active.until + timedelta(minutes=1))] == [
        "queued",
        "sent",
    ]


def test_watcher_silence_a_story_suppresses_other_names_in_it_only(desk: Desk) -> None:
    settings = desk.settings(alerts={"folder": "alerts"})
    desk.add("visit", VISIT)
    alerter(desk, settings).run()
    [first] = desk.store.alerts()
    assert first.story_key is not None

    watcher("silence", f"story:{first.story_key}", "--for", "1h", cwd=desk.folder).ok()
    desk.add("visit-wei", VISIT_WEI)  # the same story: Wei Fenghe has never alerted
    held = alerter(desk, settings).run()
    desk.add("memoir", WEI_MEMOIR)  # another story about Wei Fenghe
    other = alerter(desk, settings).run()

    assert [o.status for o in held] == ["suppressed"]
    alerts = by_document(desk)
    assert alerts["visit-wei.txt"].names == ("Wei Fenghe",)
    assert f"story {first.story_key} silenced until" in alerts["visit-wei.txt"].reason
    assert [o.status for o in other] == ["queued", "sent"]
    assert alerts["memoir.txt"].status == "sent"
    assert len(alert_files(settings)) == 2


def test_silence_refuses_an_unknown_name_and_a_bad_duration(desk: Desk) -> None:
    desk.settings()

    watcher("silence", "Li Shangfo", "--for", "1h", cwd=desk.folder).failed(
        1, "no entity, topic or rule called 'Li Shangfo'", "did you mean 'Li Shangfu'?"
    )
    watcher("silence", "Li Shangfu", "--for", "soon", cwd=desk.folder).failed(
        2, "--for", "not a duration"
    )
    watcher("silence", "Li Shangfu", "--for", "0m", cwd=desk.folder).failed(2, "--for")
    watcher("silence", "story:zz", "--for", "1h", cwd=desk.folder).failed(2, "story key")
    watcher("silence", "story:abcdef", "--for", "1h", cwd=desk.folder).failed(1, "no story abcdef")
    assert desk.store.active_silences() == []


# --- [alerts] min_severity -------------------------------------------------------------------


def test_min_severity_high_alerts_high_hits_without_alert_immediate(
    tmp_path: Path, db_url: str
) -> None:
    quiet = MINISTERS.replace("    alert: immediate\n", "")
    with open_desk(tmp_path / "work", db_url, {**RULES, "ministers.yaml": quiet}) as desk:
        settings = desk.settings(alerts={"folder": "alerts", "min_severity": "high"})
        desk.add("summit", SUMMIT)  # the SCO (medium) and grain exports (low) only
        desk.add("visit", VISIT)  # Li Shangfu and Viktor Khrenin (high)

        outcomes = alerter(desk, settings).run()

        assert [o.status for o in outcomes] == ["queued", "sent"]
        [record] = desk.store.alerts()
        assert Path(record.document_path).name == "visit.txt"
        assert record.names == ("Li Shangfu", "Viktor Khrenin")
        assert "high severity" in record.reason
        assert len(alert_files(settings)) == 1


# --- a crash or failure between deciding and delivering --------------------------------------


def test_an_alert_whose_file_could_not_be_written_is_delivered_once_later(desk: Desk) -> None:
    settings = desk.settings(alerts={"folder": "alerts"})
    blocker = desk.folder / "alerts"
    blocker.write_text("not a folder\n", encoding="utf-8")
    desk.add("visit", VISIT)

    first = alerter(desk, settings).run()

    assert [o.status for o in first] == ["queued", "deferred"]
    [queued] = desk.store.alerts()
    assert (queued.status, queued.attempts, queued.output_path) == ("queued", 1, None)
    assert queued.next_attempt_at is not None
    blocker.unlink()
    # Not due yet: nothing happens.
    assert alerter(desk, settings).run(queued.next_attempt_at - timedelta(seconds=1)) == []

    later = queued.next_attempt_at + timedelta(seconds=1)
    second = alerter(desk, settings).run(later)
    third = alerter(desk, settings).run(later + timedelta(hours=1))

    assert [o.status for o in second] == ["sent"]
    assert third == []
    [path] = alert_files(settings)
    [sent] = desk.store.alerts()
    assert (sent.status, sent.output_path) == ("sent", str(path))


def test_an_alert_recorded_before_a_crash_is_delivered_by_the_next_run(desk: Desk) -> None:
    settings = desk.settings(alerts={"folder": "alerts"})
    desk.add("visit", VISIT)
    hits = [s for s in desk.store.hits() if s.hit.name == "Li Shangfu"]
    recorded = desk.store.record_alert(
        hits, status="queued", reason="recorded before a crash", markdown="# Li Shangfu\n"
    )
    assert recorded is not None

    outcomes = alerter(desk, settings).run()
    again = alerter(desk, settings).run()

    assert [o.status for o in outcomes] == ["sent"]  # decided already: not queued again
    assert again == []
    [path] = alert_files(settings)
    assert path.read_text(encoding="utf-8") == "# Li Shangfu\n"
    [record] = desk.store.alerts()
    assert (record.id, record.status) == (recorded.id, "sent")


def test_an_alert_that_fails_to_render_is_tried_again_by_the_same_alerter(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = desk.settings(alerts={"folder": "alerts"})
    desk.add("visit", VISIT)
    real = render_alert
    calls = []

    def broken_once(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("a user's template failed")
        return real(*args, **kwargs)

    monkeypatch.setattr(alerting, "render_alert", broken_once)
    same = alerter(desk, settings)

    assert same.run() == []  # the failure is logged, the document left undecided
    assert desk.store.alerts() == []
    assert [o.status for o in same.run()] == ["queued", "sent"]
    assert len(alert_files(settings)) == 1


def test_an_unwritable_alerts_folder_does_not_hold_the_email_back(
    desk: Desk, mail: ExitStack
) -> None:
    handler = Handler()
    port = mail.enter_context(smtp_server(handler))
    settings = desk.settings(smtp_port=port, alerts={"folder": "alerts", "recipients": [DUTY]})
    (desk.folder / "alerts").write_text("not a folder\n", encoding="utf-8")
    desk.add("visit", VISIT)

    outcomes = alerter(desk, settings).run()

    assert [o.status for o in outcomes] == ["queued", "sent"]
    assert len(received(handler)) == 1
    [sent] = desk.store.alerts()
    assert (sent.status, sent.output_path) == ("sent", None)
