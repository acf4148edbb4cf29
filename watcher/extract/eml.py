"""An email (``.eml``: a newsletter, a forwarded article) -> its text and metadata.

Headers: ``Subject`` is the title (less ``Fwd:`` marks), the ``From`` display name
(else the address) the source, ``Date`` the publication time. What they do not
state comes from the body, by the plain-text or HTML rules.

Body: what a mail client shows. ``text/plain`` as it is; ``text/html`` through the
HTML visible-text extraction; in ``multipart/alternative`` the plain part unless
it is empty; in ``multipart/related`` its root part; in other multiparts every
inline part in order. A forwarded message inline in the mail
(``message/rfc822``) is shown as Gmail forwards one: a ``Forwarded message``
line, its From, Date and Subject, then its body. Attachments are left out.
Transfer encodings are undone and the part's declared charset obeyed; a part
that cannot be decoded is an :class:`~watcher.errors.ExtractError`.
"""

from __future__ import annotations

import email
import email.errors
import re
from datetime import datetime
from email import policy
from email.message import Message
from email.utils import parsedate_to_datetime

from watcher.errors import ExtractError
from watcher.extract.decode import decode_declared
from watcher.extract.html import from_html
from watcher.extract.text import text_metadata
from watcher.extract.values import Metadata, clean_title, plausible_datetime

# Deeper MIME nesting than any mailer writes; past it the mail is hostile.
_MAX_DEPTH = 20
_FORWARD_MARKS = re.compile(r"^(?:\s*(?:fwd?|fw)\s*:\s*)+", re.I)
_SOURCE_MAX = 100
# Header values the email package could not parse come back as these errors.
_HEADER_ERRORS = (email.errors.MessageError, ValueError, TypeError, IndexError, LookupError)
# Base64 that cannot be decoded at all: the email package hands back the raw text.
_UNDECODABLE = (email.errors.InvalidBase64LengthDefect,)


def from_email(data: bytes, now: datetime) -> tuple[str, Metadata]:
    """The text a mail client shows of an email, and what its headers and body state."""
    message = email.message_from_bytes(data, policy=policy.default)
    if not message.keys():
        raise ExtractError("not an email (no header lines)")
    parts = _Body(now)
    text = parts.of(message, depth=0)
    if text is None or not text.strip():
        raise ExtractError("no text in the email (no text/plain or text/html part with text)")
    stated = Metadata(
        title=_title(message),
        source=_sender(message),
        published_at=_date(message, now),
    )
    body = text_metadata(text, markdown=False, now=now)
    if parts.html_metadata is not None:  # the HTML's own tags, where the body was HTML
        body = parts.html_metadata.or_else(body)
    return text, stated.or_else(body)


class _Body:
    """Walks a message's MIME tree for the text shown; keeps the metadata of its HTML."""

    def __init__(self, now: datetime) -> None:
        self._now = now
        self.html_metadata: Metadata | None = None

    def of(self, part: Message, *, depth: int) -> str | None:
        """The text ``part`` shows; None when it shows none (an attachment, an image)."""
        if depth > _MAX_DEPTH:
            raise ExtractError(f"MIME parts nested more than {_MAX_DEPTH} deep")
        if part.get_content_disposition() == "attachment":
            return None
        kind = part.get_content_type()
        if kind in {"text/plain", "text/html"}:
            return self._text(part, html=kind == "text/html")
        if kind == "message/rfc822":
            return self._forwarded(part, depth=depth)
        if not part.is_multipart():
            return None
        children = _subparts(part)
        if kind == "multipart/alternative":
            # Plain first; then the others as mailers rank them: the last is the best.
            plain = [child for child in children if child.get_content_type() == "text/plain"]
            ranked = plain + [child for child in reversed(children) if child not in plain]
            candidates = (self.of(child, depth=depth + 1) for child in ranked)
            return next((text for text in candidates if text and text.strip()), None)
        if kind == "multipart/related":
            return self.of(_root(part, children), depth=depth + 1) if children else None
        texts = [self.of(child, depth=depth + 1) for child in children]
        shown = [text.strip("\n") for text in texts if text and text.strip()]
        return "\n\n".join(shown) if shown else None

    def _text(self, part: Message, *, html: bool) -> str:
        kind = part.get_content_type()
        payload = part.get_payload(decode=True)
        if any(isinstance(defect, _UNDECODABLE) for defect in part.defects):
            raise ExtractError(f"cannot decode the {kind} part: broken base64")
        if not isinstance(payload, bytes):
            raise ExtractError(f"cannot decode the {kind} part")
        try:
            decoded = decode_declared(payload, part.get_content_charset(), html=html)
        except ExtractError as exc:
            raise ExtractError(f"cannot decode the {kind} part: {_reason(exc)}") from None
        if not html:
            return decoded
        try:
            text, metadata = from_html(decoded, self._now)
        except ExtractError:  # a part that shows nothing (a tracking pixel); others may
            return ""
        self.html_metadata = self.html_metadata or metadata
        return text

    def _forwarded(self, part: Message, *, depth: int) -> str | None:
        inner = part.get_payload(0) if part.is_multipart() else None
        if not isinstance(inner, Message):
            return None
        body = self.of(inner, depth=depth + 1)
        if not body:
            return None
        lines = ["---------- Forwarded message ---------"]
        for name in ("From", "Date", "Subject"):
            if value := _header(inner, name):
                lines.append(f"{name}: {value}")
        return "\n".join(lines) + "\n\n" + body


def _subparts(part: Message) -> list[Message]:
    payload = part.get_payload()
    return [child for child in payload if isinstance(child, Message)] if payload else []


def _root(part: Message, children: list[Message]) -> Message:
    """The root of a multipart/related: the part its ``start`` names, else the first."""
    start = part.get_param("start")
    if isinstance(start, str):
        for child in children:
            if child.get("Content-ID", "").strip() == start.strip():
                return child
    return children[0]


def _reason(error: ExtractError) -> str:
    return error.message.removeprefix("cannot decode text: ")


def _header(message: Message, name: str) -> str | None:
    """A header's decoded value; None when absent or unparseable."""
    try:
        value = message.get(name)
        return " ".join(str(value).split()) if value is not None else None
    except _HEADER_ERRORS:
        return None


def _title(message: Message) -> str | None:
    subject = _header(message, "Subject")
    return clean_title(_FORWARD_MARKS.sub("", subject)) if subject else None


def _sender(message: Message) -> str | None:
    """The From display name, else its address."""
    try:
        header = message.get("From")
        addresses = getattr(header, "addresses", ()) if header is not None else ()
    except _HEADER_ERRORS:
        return None
    for address in addresses:
        name = " ".join(str(address.display_name).split()).strip("\"' ")
        if name and len(name) <= _SOURCE_MAX:
            return clean_title(name)
        if address.username and address.domain:
            return f"{address.username}@{address.domain}"
    return None


def _date(message: Message, now: datetime) -> datetime | None:
    value = _header(message, "Date")
    if not value:
        return None
    try:
        stated = parsedate_to_datetime(value)
    except (ValueError, TypeError, IndexError):
        return None
    return plausible_datetime(stated, now)
