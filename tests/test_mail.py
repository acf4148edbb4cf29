"""Email delivery against a real SMTP server (aiosmtpd on 127.0.0.1) and a silent socket."""

from __future__ import annotations

import email
import email.policy
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from watcher.digest.mail import (
    SmtpSettings,
    build_message,
    clean_subject,
    digest_message_id,
    send,
    validate_address,
)
from watcher.errors import DigestError

from .smtp import mute_server

MESSAGE_ID = "<watcher.digest.morning.20240101T070000Z@example.org>"
THREE = ["a@example.org", "b@example.org", "c@example.org"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Handler:
    """Stores what it accepts; ``rcpt`` and ``data`` may answer differently per call."""

    rcpt: Callable[[str, int], str | None] = lambda address, call: None
    data: Callable[[int], str | None] = lambda call: None
    stored: list[tuple[list[str], bytes]] = field(default_factory=list)
    rcpt_calls: int = 0
    data_calls: int = 0

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        self.rcpt_calls += 1
        answer = self.rcpt(address, self.rcpt_calls)
        if answer is not None:
            return answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.data_calls += 1
        answer = self.data(self.data_calls)
        if answer is not None:
            return answer
        self.stored.append((list(envelope.rcpt_tos), bytes(envelope.content)))
        return "250 Message accepted"


@pytest.fixture
def serve() -> Iterator[Callable[[Handler], SmtpSettings]]:
    """Start aiosmtpd with a handler; returns plain-SMTP settings pointing at it."""
    controllers: list[Controller] = []

    def start(handler: Handler) -> SmtpSettings:
        port = free_port()
        controller = Controller(handler, hostname="127.0.0.1", port=port)
        controller.start()
        controllers.append(controller)
        return SmtpSettings(host="127.0.0.1", port=port, security="none", timeout=5)

    yield start
    for controller in controllers:
        controller.stop()


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A TCP server on 127.0.0.1 that accepts connections and never says a word."""
    with mute_server() as port:
        yield port


class Sleeps(list[float]):
    """A ``sleep`` that records the delays instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def message(subject: str = "Morning digest", recipients: list[str] | None = None) -> EmailMessage:
    return build_message(
        subject=subject,
        text="1 story\n",
        html="<p>1 story</p>\n",
        sender="watcher@example.org",
        recipients=recipients or ["analyst@example.org"],
        message_id=MESSAGE_ID,
    )


def parse(raw: bytes) -> EmailMessage:
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


# --- a normal delivery ------------------------------------------------------------


def test_delivers_both_alternatives_with_message_id_and_clean_subject(
    serve: Callable[[Handler], SmtpSettings],
) -> None:
    handler = Handler()
    settings = serve(handler)
    sent = message(subject="Morning digest\r\nBcc: x@y")

    delivery = send(sent, ["analyst@example.org"], settings, sleep=Sleeps())

    assert delivery.accepted == ("analyst@example.org",)
    assert delivery.refused == {}
    assert delivery.message_id == MESSAGE_ID
    assert len(handler.stored) == 1
    rcpts, raw = handler.stored[0]
    assert rcpts == ["analyst@example.org"]
    received = parse(raw)
    assert received["Message-ID"] == MESSAGE_ID
    assert received["Subject"] == "Morning digest Bcc: x@y"
    assert received["Bcc"] is None
    assert not any(line.lower().startswith(b"bcc:") for line in raw.splitlines())
    assert received.get_content_type() == "multipart/alternative"
    parts = [part.get_content_type() for part in received.iter_parts()]
    assert parts == ["text/plain", "text/html"]
    plain, html = received.iter_parts()
    assert isinstance(plain, EmailMessage)
    assert isinstance(html, EmailMessage)
    assert plain.get_content().strip() == "1 story"
    assert html.get_content().strip() == "<p>1 story</p>"


# --- temporary failures: retried with backoff, delivered once ----------------------


@pytest.mark.parametrize("step", ["rcpt", "data"])
def test_451_three_times_then_accepted_delivers_exactly_once(
    serve: Callable[[Handler], SmtpSettings], step: str
) -> None:
    later = "451 4.3.0 Try again later"
    if step == "rcpt":
        handler = Handler(rcpt=lambda address, call: later if call <= 3 else None)
    else:
        handler = Handler(data=lambda call: later if call <= 3 else None)
    settings = serve(handler)
    sleeps = Sleeps()

    delivery = send(message(), ["analyst@example.org"], settings, attempts=4, sleep=sleeps)

    assert delivery.accepted == ("analyst@example.org",)
    assert delivery.refused == {}
    assert len(handler.stored) == 1
    assert sleeps == [1.0, 2.0, 4.0]


def test_451_more_times_than_attempts_gives_up_with_the_reply(
    serve: Callable[[Handler], SmtpSettings],
) -> None:
    handler = Handler(data=lambda call: "451 4.3.0 Try again later")
    settings = serve(handler)
    sleeps = Sleeps()

    with pytest.raises(DigestError, match=r"gave up after 3 attempts.*451 4\.3\.0 Try again later"):
        send(message(), ["analyst@example.org"], settings, attempts=3, backoff=0.5, sleep=sleeps)

    assert handler.stored == []
    assert sleeps == [0.5, 1.0]


def test_a_deferred_recipient_is_retried_alone(
    serve: Callable[[Handler], SmtpSettings],
) -> None:
    def rcpt(address: str, call: int) -> str | None:
        return "450 4.2.0 Mailbox busy" if address == "b@example.org" and call <= 3 else None

    handler = Handler(rcpt=rcpt)
    settings = serve(handler)

    delivery = send(message(recipients=THREE), THREE, settings, sleep=Sleeps())

    assert sorted(delivery.accepted) == THREE
    assert delivery.refused == {}
    # First session: a and c; second: b alone. Nobody receives it twice.
    assert [rcpts for rcpts, _ in handler.stored] == [
        ["a@example.org", "c@example.org"],
        ["b@example.org"],
    ]


# --- permanent failures -------------------------------------------------------------


def test_550_for_one_of_three_recipients_is_recorded_not_raised(
    serve: Callable[[Handler], SmtpSettings],
) -> None:
    def rcpt(address: str, call: int) -> str | None:
        return "550 5.1.1 No such user" if address == "b@example.org" else None

    handler = Handler(rcpt=rcpt)
    settings = serve(handler)
    sleeps = Sleeps()

    delivery = send(message(recipients=THREE), THREE, settings, sleep=sleeps)

    assert delivery.accepted == ("a@example.org", "c@example.org")
    assert delivery.refused == {"b@example.org": "550 5.1.1 No such user"}
    assert len(handler.stored) == 1
    assert handler.stored[0][0] == ["a@example.org", "c@example.org"]
    assert sleeps == []


def test_550_for_every_recipient_raises_with_the_reply(
    serve: Callable[[Handler], SmtpSettings],
) -> None:
    handler = Handler(rcpt=lambda address, call: "550 5.1.1 No such user")
    settings = serve(handler)
    sleeps = Sleeps()

    with pytest.raises(DigestError, match=r"refused every recipient.*550 5\.1\.1 No such user"):
        send(message(recipients=THREE[:2]), THREE[:2], settings, sleep=sleeps)

    assert handler.stored == []
    assert sleeps == []


def test_554_on_data_raises_without_retrying(serve: Callable[[Handler], SmtpSettings]) -> None:
    handler = Handler(data=lambda call: "554 5.7.1 Message rejected as spam")
    settings = serve(handler)
    sleeps = Sleeps()

    with pytest.raises(DigestError, match=r"refused the message \(DATA\): 554 5\.7\.1"):
        send(message(), ["analyst@example.org"], settings, sleep=sleeps)

    assert handler.data_calls == 1
    assert sleeps == []


# --- never hangs --------------------------------------------------------------------


def test_a_server_that_never_greets_ends_in_digest_error(silent_server: int) -> None:
    settings = SmtpSettings(host="127.0.0.1", port=silent_server, security="none", timeout=1)
    sleeps = Sleeps()

    with pytest.raises(DigestError, match="did not answer within the timeout"):
        send(message(), ["analyst@example.org"], settings, attempts=2, sleep=sleeps)

    assert sleeps == [1.0]


def test_a_closed_port_is_temporary_and_ends_in_digest_error() -> None:
    settings = SmtpSettings(host="127.0.0.1", port=free_port(), security="none", timeout=1)
    sleeps = Sleeps()

    with pytest.raises(DigestError, match="gave up after 2 attempts"):
        send(message(), ["analyst@example.org"], settings, attempts=2, sleep=sleeps)

    assert sleeps == [1.0]


# --- security -----------------------------------------------------------------------


def test_starttls_against_a_server_without_it_fails_clearly(
    serve: Callable[[Handler], SmtpSettings],
) -> None:
    handler = Handler()
    plain = serve(handler)
    settings = SmtpSettings(host=plain.host, port=plain.port, security="starttls", timeout=5)
    sleeps = Sleeps()

    with pytest.raises(DigestError, match="does not offer STARTTLS"):
        send(message(), ["analyst@example.org"], settings, sleep=sleeps)

    assert handler.stored == []
    assert sleeps == []


def test_tls_against_a_plain_server_fails_clearly(
    serve: Callable[[Handler], SmtpSettings],
) -> None:
    handler = Handler()
    plain = serve(handler)
    settings = SmtpSettings(host=plain.host, port=plain.port, security="tls", timeout=5)
    sleeps = Sleeps()

    with pytest.raises(DigestError, match="TLS handshake failed"):
        send(message(), ["analyst@example.org"], settings, sleep=sleeps)

    assert handler.stored == []
    assert sleeps == []


def test_a_password_is_never_sent_unencrypted() -> None:
    settings = SmtpSettings(security="none", username="watcher", password="secret")

    with pytest.raises(DigestError, match="unencrypted") as caught:
        send(message(), ["analyst@example.org"], settings, sleep=Sleeps())

    assert "secret" not in str(caught.value)
    assert "secret" not in repr(settings)


def test_a_username_without_a_password_stops_before_connecting() -> None:
    settings = SmtpSettings(host="127.0.0.1", port=1, username="watcher", timeout=1)

    with pytest.raises(DigestError, match="no password"):
        send(message(), ["analyst@example.org"], settings, sleep=Sleeps())


def test_settings_reject_an_unknown_security_mode() -> None:
    with pytest.raises(ValueError, match="unknown SMTP security 'ssl'"):
        SmtpSettings(security="ssl")


def test_an_invalid_recipient_stops_before_connecting() -> None:
    # Port 1 on 127.0.0.1 is closed: were a connection tried, the error would differ.
    settings = SmtpSettings(host="127.0.0.1", port=1, security="none", timeout=1)

    with pytest.raises(DigestError, match="'not an address' is not an email address"):
        send(message(), ["not an address"], settings, sleep=Sleeps())


# --- the message itself -------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Digest\r\nBcc: x@y", "Digest Bcc: x@y"),
        ("\tDigest\x00for\x7fMonday\x85 ", "Digest for Monday"),
        ("Digest\u2028next\u202eevil", "Digest next evil"),
        ("Дайджест: Минск", "Дайджест: Минск"),
    ],
)
def test_clean_subject(raw: str, clean: str) -> None:
    assert clean_subject(raw) == clean


def test_build_message_without_html_is_plain_text() -> None:
    built = build_message(
        subject="Digest",
        text="nothing new\n",
        html=None,
        sender="watcher@example.org",
        recipients=["a@example.org", "a@example.org", "b@example.org"],
        message_id=MESSAGE_ID,
    )

    assert built.get_content_type() == "text/plain"
    assert built["To"] == "a@example.org, b@example.org"
    assert built["Message-ID"] == MESSAGE_ID


def test_build_message_rejects_a_message_id_with_a_line_break() -> None:
    with pytest.raises(ValueError, match="is not a Message-ID"):
        build_message(
            subject="Digest",
            text="x",
            html=None,
            sender="watcher@example.org",
            recipients=["a@example.org"],
            message_id="<a@b>\r\nBcc: x@y",
        )


def test_digest_message_id_is_stable_per_period_whatever_the_zone() -> None:
    utc = datetime(2024, 3, 31, 5, 0, tzinfo=UTC)
    minsk = utc.astimezone(timezone(timedelta(hours=3)))

    first = digest_message_id("morning", utc, "example.org")

    assert first == "<watcher.digest.morning.20240331T050000Z@example.org>"
    assert digest_message_id("morning", minsk, "example.org") == first
    assert digest_message_id("morning", utc + timedelta(days=1), "example.org") != first
    assert digest_message_id("team a/b <x@y>", utc, "example.org") == (
        "<watcher.digest.team-a-b-x-y.20240331T050000Z@example.org>"
    )


def test_digest_message_id_needs_an_aware_time_and_a_domain() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        digest_message_id("morning", datetime(2024, 1, 1), "example.org")
    with pytest.raises(ValueError, match="is not a mail domain"):
        digest_message_id("morning", datetime(2024, 1, 1, tzinfo=UTC), "exa mple>.org")


@pytest.mark.parametrize(
    "address", ["analyst@example.org", "first.last+tag@mail.example.org", "root@localhost"]
)
def test_validate_address_accepts(address: str) -> None:
    assert validate_address(f"  {address} ") == address


@pytest.mark.parametrize(
    ("address", "problem"),
    [
        ("", "empty"),
        ("analyst", "exactly one '@'"),
        ("a@b@example.org", "exactly one '@'"),
        ("@example.org", "not an email address"),
        ("analyst@", "not an email address"),
        ("a b@example.org", "spaces or control characters"),
        ("a@example.org\nBcc: x@y", "spaces or control characters"),
        ("Analyst <a@example.org>", "spaces or control characters"),
        ("<a@example.org>", "bare address"),
        ("a..b@example.org", "not an email address"),
        ("a@exa_mple.org", "is not a domain"),
        ("a@-example.org", "is not a domain"),
        ("a@example..org", "not an email address"),
        ("a@example.org,b@example.org", "exactly one '@'"),
        ("анна@example.org", "non-ASCII"),
    ],
)
def test_validate_address_rejects(address: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        validate_address(address)
