"""The extract stage: a file's bytes -> :class:`~watcher.model.Document`.

Pure: it decodes the bytes, turns HTML into its visible text, and reads the
metadata the document states about itself (title, outlet, publication time,
canonical URL). It never guesses: a field the document does not state is None.

Text. ``.txt`` and ``.md`` keep the decoded file as their text (only line endings
become ``\\n``), so hit offsets index into what the analyst sees. HTML's text is
its visible text.

The data flows through one module per step::

    decode.py   bytes -> str (byte-order marks, charsets, binary refused)
    html.py     HTML -> visible text + what its tags state, the rest from text.py
    text.py     plain text -> outlet, publication time, URL (labels, datelines, ...)
    title.py    plain text -> title (past the ads, labels and captions on top)
    values.py   the Metadata record; cleaning of titles, outlets, URLs, dates

Anything that cannot become a document raises :class:`ExtractError`; the daemon
quarantines the file with the error's message as the reason.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

from watcher.errors import ExtractError, Location
from watcher.extract.decode import decode
from watcher.extract.html import from_html
from watcher.extract.text import text_metadata
from watcher.model import Document

__all__ = ["SUPPORTED_SUFFIXES", "extract"]

SUPPORTED_SUFFIXES: frozenset[str] = frozenset({".txt", ".md", ".html", ".htm"})

_FORMATS = {".txt": "text", ".md": "markdown", ".html": "html", ".htm": "html"}


def extract(path: str | Path, data: bytes) -> Document:
    """Turn one file's bytes into a Document; raise ExtractError when that is impossible."""
    try:
        return _extract(str(path), data)
    except ExtractError as exc:
        # Attached here, once, so the helpers only say what went wrong.
        raise ExtractError(exc.message, location=Location(str(path)), hint=exc.hint) from None


def _extract(path: str, data: bytes) -> Document:
    suffix = Path(path).suffix.lower()
    fmt = _FORMATS.get(suffix)
    if fmt is None:
        what = f"unsupported format {suffix!r}" if suffix else "unsupported format (no suffix)"
        raise ExtractError(what, hint="supported: " + ", ".join(sorted(SUPPORTED_SUFFIXES)))
    if not data:
        raise ExtractError("empty file")
    decoded = decode(data, html=fmt == "html")
    now = datetime.now(UTC)
    if fmt == "html":
        text, meta = from_html(decoded, now)
    else:
        if not decoded.strip():
            raise ExtractError("no text (the file is only whitespace)")
        text, meta = decoded, text_metadata(decoded, markdown=fmt == "markdown", now=now)
    return Document(
        path=path,
        sha256=hashlib.sha256(data).hexdigest(),
        text=text,
        format=fmt,
        title=meta.title,
        source=meta.source,
        published_at=meta.published_at,
        url=meta.url,
    )
