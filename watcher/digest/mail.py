"""Digest delivery by email: a clean message, then SMTP with retries that never hang.

``build_message`` turns rendered text (and HTML) into a MIME message whose
Subject cannot smuggle headers; ``digest_message_id`` gives every digest
period one stable Message-ID, so a resend is recognisable as the same digest;
``send`` delivers it, retrying temporary failures (4xx replies, network errors,
timeouts) with exponential backoff and raising :class:`DigestError` on
permanent ones. Recipients the server refuses permanently while it accepts
others are reported in :attr:`Delivery.refused`, not raised.

Pure apart from the network: no database, scheduler or watcher.
"""

from __future__ import annotations

import email
import email.policy
import re
import smtplib
import socket
import ssl
import time
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

from watcher.errors import DigestError

SECURITY_MODES = ("starttls", "tls", "none")

_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
_UNSAFE_ID = re.compile(r"[^A-Za-z0-9_-]+")
_SPACES = re.compile(r"\s+")
_CONTROL = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    """Where and how to submit mail; ``security`` is ``starttls``, ``tls`` or ``none``."""

    host: str = "localhost"
    port: int = 587
    security: str = "starttls"
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    sender: str = "watcher@example.org"
    timeout: float = 30.0

    def __post_init__(self) -> None:
        if self.security not in SECURITY_MODES:
            raise ValueError(
                f"unknown SMTP security {self.security!r} (expected one of "
                f"{', '.join(SECURITY_MODES)})"
            )
        if not 0 < self.port < 65536:
            raise ValueError(f"SMTP port {self.port} is not between 1 and 65535")
        if not self.timeout > 0:
            raise ValueError(f"SMTP timeout must be positive, not {self.timeout}")
        validate_address(self.sender)


class DeliveryDeferred(DigestError):
    """Every attempt failed temporarily (4xx replies, network errors): try again later."""


@dataclass(frozen=True, slots=True)
class Delivery:
    """What the server took: accepted recipients, refused ones with the reply, the Message-ID."""

    accepted: tuple[str, ...]
    refused: dict[str, str]
    message_id: str


def validate_address(address: str) -> str:
    """Return ``address`` as a bare ``local@domain``; raise ValueError saying what is wrong."""
    shown = repr(address)
    if not isinstance(address, str) or not address.strip():
        raise ValueError(f"{shown} is not an email address: it is empty")
    address = address.strip()
    if any(unicodedata.category(c)[0] in "CZ" for c in address):
        raise ValueError(
            f"{shown} is not an email address: it contains spaces or control characters"
        )
    if not address.isascii():
        raise ValueError(
            f"{shown} is not an email address watcher can send to: it has non-ASCII characters"
            " (write the domain in its xn-- form)"
        )
    if "<" in address or ">" in address:
        raise ValueError(f"{shown}: give the bare address (name@example.org), without a name or <>")
    if address.count("@") != 1 and not address.startswith('"'):
        raise ValueError(f"{shown} is not an email address: it needs exactly one '@'")
    try:
        parsed = Address(addr_spec=address)
    except (ValueError, IndexError, HeaderParseError) as exc:
        raise ValueError(f"{shown} is not an email address: {exc}") from None
    if not parsed.username or not parsed.domain:
        raise ValueError(f"{shown} is not an email address: the part before or after '@' is empty")
    if not _is_domain(parsed.domain):
        raise ValueError(f"{shown} is not an email address: {parsed.domain!r} is not a domain")
    return parsed.addr_spec


def _is_domain(domain: str) -> bool:
    """A host name of letter-digit-hyphen labels, or a bracketed address literal."""
    if domain.startswith("[") and domain.endswith("]"):
        return True
    return len(domain) <= 253 and all(_LABEL.fullmatch(label) for label in domain.split("."))


def clean_subject(subject: str) -> str:
    """``subject`` with every control or line-break character made a space, runs collapsed."""
    # Cc covers CR, LF, TAB, NUL, DEL and NEL; Cf the invisible bidi overrides that
    # disguise a subject; Zl/Zp the Unicode line breaks; Cs cannot be encoded at all.
    spaced = "".join(" " if unicodedata.category(c) in _CONTROL else c for c in subject)
    return _SPACES.sub(" ", spaced).strip()


def digest_message_id(name: str, period_end: datetime, domain: str) -> str:
    """``<watcher.digest.NAME.YYYYmmddTHHMMSSZ@DOMAIN>``: the same for every send of one period.

    ``period_end`` must be timezone-aware. Characters of ``name`` a Message-ID
    cannot carry become ``-``.
    """
    if period_end.tzinfo is None or period_end.utcoffset() is None:
        raise ValueError("period_end must be timezone-aware, so the Message-ID is unambiguous")
    if not _is_domain(domain):
        raise ValueError(f"{domain!r} is not a mail domain for the Message-ID (like example.org)")
    stamp = period_end.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    # id-left is a dot-atom; keeping to letters, digits, '_' and '-' between the dots
    # leaves nothing a mail program could misread.
    atoms = [_UNSAFE_ID.sub("-", part).strip("-") for part in name.split(".")]
    safe = ".".join(atom for atom in atoms if atom) or "digest"
    return f"<watcher.digest.{safe}.{stamp}@{domain}>"


def build_message(
    *,
    subject: str,
    text: str,
    html: str | None,
    sender: str,
    recipients: Sequence[str],
    message_id: str,
) -> EmailMessage:
    """text/plain, or multipart/alternative (text first, then HTML) when ``html`` is given.

    The Subject is cleaned by :func:`clean_subject`; addresses are validated.
    """
    if not recipients:
        raise ValueError("a message needs at least one recipient")
    if clean_subject(message_id) != message_id or not (
        message_id.startswith("<") and message_id.endswith(">") and "@" in message_id
    ):
        raise ValueError(f"{message_id!r} is not a Message-ID like <left@domain>")
    message = EmailMessage()
    message["Subject"] = clean_subject(subject)
    message["From"] = validate_address(sender)
    message["To"] = ", ".join(_unique(validate_address(r) for r in recipients))
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = message_id
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    return message


def _unique(addresses: Iterable[str]) -> list[str]:
    """``addresses`` in order, each once."""
    return list(dict.fromkeys(addresses))


@dataclass(frozen=True, slots=True)
class _Temporary:
    """A failure worth retrying; ``reason`` is what to report if the retries run out."""

    reason: str


def _reply(code: int, text: bytes | str) -> str:
    body = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return f"{code} {clean_subject(body)}".strip()


def _connect(settings: SmtpSettings) -> smtplib.SMTP:
    # smtplib's default HELO name comes from socket.getfqdn(), a DNS lookup that
    # no timeout bounds; the bare host name needs none.
    helo = socket.gethostname() or "localhost"
    if settings.security == "tls":
        context = ssl.create_default_context()
        return smtplib.SMTP_SSL(
            settings.host,
            settings.port,
            local_hostname=helo,
            timeout=settings.timeout,
            context=context,
        )
    client = smtplib.SMTP(
        settings.host, settings.port, local_hostname=helo, timeout=settings.timeout
    )
    if settings.security == "starttls":
        try:
            client.starttls(context=ssl.create_default_context())
        except BaseException:
            client.close()
            raise
    return client


def _attempt(
    message: EmailMessage, recipients: list[str], settings: SmtpSettings
) -> dict[str, tuple[int, bytes]]:
    """One SMTP session; returns sendmail's dict of refused recipients.

    Raises smtplib/OS errors as they come. Once the server has accepted the
    DATA, nothing that follows (QUIT) may fail the attempt: a retry would
    deliver twice.
    """
    client = _connect(settings)
    try:
        if settings.username is not None:
            client.login(settings.username, settings.password or "")
        refused = client.send_message(message, from_addr=settings.sender, to_addrs=recipients)
    except BaseException:
        client.close()
        raise
    try:
        client.quit()
    except (smtplib.SMTPException, OSError):
        client.close()
    return refused


def _classify(exc: BaseException, where: str) -> DigestError | _Temporary:
    """A 4xx reply or a network failure is temporary; anything else is permanent."""
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        detail = str(exc).rstrip(".")
        if "STARTTLS" in detail:
            return DigestError(
                f"{where} does not offer STARTTLS",
                hint="set security = 'tls' for port 465, or 'none' only for a trusted local relay",
            )
        return DigestError(f"{where}: {detail}")
    if isinstance(exc, smtplib.SMTPResponseException):
        reply = _reply(exc.smtp_code, exc.smtp_error)
        if isinstance(exc, smtplib.SMTPAuthenticationError) and not 400 <= exc.smtp_code < 500:
            return DigestError(
                f"{where} rejected the login: {reply}",
                hint="check the SMTP username and the password variable",
            )
        if isinstance(exc, smtplib.SMTPSenderRefused):
            step = "the sender (MAIL FROM)"
        elif isinstance(exc, smtplib.SMTPDataError):
            step = "the message (DATA)"
        elif isinstance(exc, smtplib.SMTPConnectError):
            step = "the connection"
        else:
            step = "the request"
        if 400 <= exc.smtp_code < 500:
            return _Temporary(f"{where} deferred {step}: {reply}")
        return DigestError(f"{where} refused {step}: {reply}")
    if isinstance(exc, ssl.SSLCertVerificationError):
        return DigestError(
            f"{where}: the TLS certificate could not be verified: {exc.verify_message}",
            hint="the server must present a certificate valid for the configured host",
        )
    if isinstance(exc, ssl.SSLError):
        return DigestError(f"{where}: the TLS handshake failed: {exc.reason or exc}")
    if isinstance(exc, TimeoutError):
        return _Temporary(f"{where} did not answer within the timeout")
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        # smtplib turns a read timeout into "Connection unexpectedly closed: timed out".
        if isinstance(exc.__context__, TimeoutError):
            return _Temporary(f"{where} did not answer within the timeout")
        return _Temporary(f"{where} closed the connection: {exc}")
    if isinstance(exc, OSError | smtplib.SMTPException):
        return _Temporary(f"{where}: {exc.__class__.__name__}: {exc}")
    if isinstance(exc, UnicodeEncodeError):
        # smtplib sends AUTH data as ASCII. The exception holds the encoded
        # credentials, so neither it nor its text may travel any further.
        return DigestError(
            f"cannot log in to {where}: the username or password has non-ASCII characters",
            hint="SMTP login needs an ASCII username and password",
        )
    raise exc


def _checked_recipients(recipients: Sequence[str], settings: SmtpSettings) -> list[str]:
    """The recipients, validated and each once; DigestError for what no retry can fix."""
    if settings.username is not None and settings.security == "none":
        raise DigestError(
            f"refusing to send the SMTP password to {settings.host} unencrypted",
            hint="set security = 'starttls' or 'tls', or remove the username",
        )
    if settings.username is not None and not settings.password:
        raise DigestError(
            f"an SMTP username is set for {settings.host} but no password",
            hint="set the password variable, or remove the username",
        )
    try:
        unique = _unique([validate_address(r) for r in recipients])
    except ValueError as exc:
        raise DigestError(f"cannot send the digest: {exc}") from None
    if not unique:
        raise DigestError("cannot send the digest: it has no recipients")
    return unique


def send(
    message: EmailMessage,
    recipients: Sequence[str],
    settings: SmtpSettings,
    *,
    attempts: int = 4,
    backoff: float = 1.0,
    sleep: Callable[[float], None] = time.sleep,
) -> Delivery:
    """Deliver ``message`` to ``recipients``; retry temporary failures, raise on permanent ones.

    Waits ``backoff``, then twice as long, and so on between attempts. A
    recipient refused with a 4xx reply is retried alone in the next attempt;
    one refused with a 5xx reply (or still refused after the last attempt) is
    reported in :attr:`Delivery.refused` as long as someone received the
    message. If nobody did, DigestError carries the server's reply; it is a
    :class:`DeliveryDeferred` when every failure was temporary. Every network
    step is bounded by ``settings.timeout``.
    """
    if attempts < 1:
        raise ValueError("attempts must be at least 1")
    message_id = str(message.get("Message-ID", ""))
    where = f"the SMTP server {settings.host}:{settings.port}"
    pending = _checked_recipients(recipients, settings)

    accepted: list[str] = []
    refused: dict[str, str] = {}
    deferred: dict[str, str] = {}
    last = ""
    for attempt in range(1, attempts + 1):
        if attempt > 1:
            sleep(backoff * 2 ** (attempt - 2))
        try:
            replies = _attempt(message, pending, settings)
        except smtplib.SMTPRecipientsRefused as exc:
            replies = exc.recipients  # every recipient refused: nothing was sent
        except Exception as exc:
            outcome = _classify(exc, where)
            if isinstance(outcome, DigestError):
                if isinstance(exc, UnicodeEncodeError):
                    raise outcome from None  # it carries the password
                raise outcome from exc
            last = outcome.reason
            continue
        retry: list[str] = []
        for recipient in pending:
            if recipient not in replies:
                accepted.append(recipient)
                deferred.pop(recipient, None)
                continue
            code, text = replies[recipient]
            reply = _reply(code, text)
            if 400 <= code < 500:
                retry.append(recipient)
                deferred[recipient] = reply
                last = f"{where} deferred {recipient}: {reply}"
            else:
                refused[recipient] = reply
        pending = retry
        if not pending:
            break
    # Whoever is still pending was only ever deferred: report the last reply seen.
    for recipient in pending:
        refused[recipient] = deferred.get(recipient, last)

    if not accepted:
        if pending:
            raise DeliveryDeferred(f"gave up after {attempts} attempts: {last}")
        replies_text = "; ".join(f"{r}: {reply}" for r, reply in refused.items())
        raise DigestError(f"{where} refused every recipient: {replies_text}")
    return Delivery(accepted=tuple(accepted), refused=refused, message_id=message_id)


# Inside one delivery: a few quick attempts for a server that is briefly busy;
# longer outages are the outbox's business (retries minutes apart).
SEND_ATTEMPTS = 4
SEND_BACKOFF = 0.5


def send_stored(
    stored: str,
    recipients: Sequence[str],
    settings: SmtpSettings,
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> Delivery:
    """Send a message kept as text in the outbox, byte for byte as it was rendered.

    Raises :class:`DeliveryDeferred` when it should be tried again later,
    :class:`DigestError` when it never will be (see :func:`send`).
    """
    message = email.message_from_string(stored, policy=email.policy.default)
    if not isinstance(message, EmailMessage):
        raise DigestError("the stored message cannot be read back as an email")
    return send(
        message, recipients, settings, attempts=SEND_ATTEMPTS, backoff=SEND_BACKOFF, sleep=sleep
    )
