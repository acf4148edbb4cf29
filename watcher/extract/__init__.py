"""The extract stage: a file's bytes -> :class:`~watcher.model.Document` (or several).

Pure: it decodes the bytes, turns HTML into its visible text, and reads the
metadata the document states about itself (title, outlet, publication time,
canonical URL). It never guesses: a field the document does not state is None.

Formats, by suffix: ``.txt`` and ``.md`` keep the decoded file as their text (only
line endings become ``\\n``), so hit offsets index into what the analyst sees.
HTML's text is its visible text (the main article's when the page marks one). An
email's is the text its mail client shows; a PDF's its text layer. ``.json`` holds
one article or an array of them and ``.jsonl`` one a line: their text is the
article's text field (the title is metadata, not prepended).

Identity: a file that is one document is identified by the sha256 of its bytes
and its path. Each article of a multi-article file (a ``.json`` array, a ``.jsonl``
file) by the sha256 of its own canonical JSON and the path plus ``#<n>``, its
1-based number in the file, so re-saving the same articles gives the same ids.

The data flows through one module per step::

    decode.py         bytes -> str (byte-order marks, charsets, binary refused)
    html.py           HTML -> visible (main) text + what its tags state
    eml.py            email -> the text shown + Subject, From, Date
    json_articles.py  JSON / JSON Lines -> articles from named fields
    pdf.py            PDF -> text layer + metadata, via pdf_worker.py in a child
                      process killed after ``Limits.pdf_seconds``
    text.py           plain text -> outlet, publication time, URL (labels, datelines, ...)
    title.py          plain text -> title (past the ads, labels and captions on top)
    values.py         the Metadata record; cleaning of titles, outlets, URLs, dates

Anything that cannot become documents raises :class:`ExtractError` with the
reason (the daemon quarantines the file with it): too large, empty, binary,
undecodable, broken, encrypted, no text, too slow to parse.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from watcher.errors import ExtractError, Location
from watcher.extract.decode import decode
from watcher.extract.eml import from_email
from watcher.extract.html import from_html
from watcher.extract.json_articles import from_json
from watcher.extract.pdf import from_pdf
from watcher.extract.text import text_metadata
from watcher.extract.values import Metadata
from watcher.model import Document

__all__ = ["SUPPORTED_SUFFIXES", "Limits", "extract", "extract_all"]

_FORMATS = {
    ".txt": "text",
    ".md": "markdown",
    ".html": "html",
    ".htm": "html",
    ".eml": "email",
    ".json": "json",
    ".jsonl": "jsonl",
    ".pdf": "pdf",
}
SUPPORTED_SUFFIXES: frozenset[str] = frozenset(_FORMATS)


@dataclass(frozen=True, slots=True)
class Limits:
    """What one file may cost: its size, and the time its PDF parser may take."""

    max_bytes: int = 50 * 2**20
    pdf_seconds: float = 20.0

    def __post_init__(self) -> None:
        if self.max_bytes < 1:
            raise ValueError(f"max_bytes must be positive, got {self.max_bytes}")
        if not self.pdf_seconds > 0:
            raise ValueError(f"pdf_seconds must be positive, got {self.pdf_seconds}")


def extract_all(path: str | Path, data: bytes, *, limits: Limits = Limits()) -> list[Document]:
    """Turn one file's bytes into its Documents (several for a JSON array or a .jsonl file).

    Raises ExtractError, with the file's path and the reason, when that is impossible.
    """
    try:
        return _extract_all(str(path), data, limits)
    except ExtractError as exc:
        # Attached here, once, so the helpers only say what went wrong.
        raise ExtractError(exc.message, location=Location(str(path)), hint=exc.hint) from None


def extract(path: str | Path, data: bytes) -> Document:
    """Turn a file that holds one document into it; raise ExtractError when that is impossible."""
    documents = extract_all(path, data)
    if len(documents) != 1:
        raise ExtractError(
            f"{len(documents)} articles in one file",
            location=Location(str(path)),
            hint="extract_all() reads them all",
        )
    return documents[0]


def _extract_all(path: str, data: bytes, limits: Limits) -> list[Document]:
    suffix = Path(path).suffix.lower()
    fmt = _FORMATS.get(suffix)
    if fmt is None:
        what = f"unsupported format {suffix!r}" if suffix else "unsupported format (no suffix)"
        raise ExtractError(what, hint="supported: " + ", ".join(sorted(SUPPORTED_SUFFIXES)))
    if len(data) > limits.max_bytes:
        raise ExtractError(f"file too large: {len(data)} bytes (limit {limits.max_bytes})")
    if not data:
        raise ExtractError("empty file")
    now = datetime.now(UTC)
    sha256 = hashlib.sha256(data).hexdigest()
    if fmt in {"json", "jsonl"}:
        articles = from_json(data, now, lines=fmt == "jsonl")
        return [
            _document(
                f"{path}#{number}" if article.digest else path,
                article.digest or sha256,
                article.text,
                fmt,
                article.metadata,
            )
            for number, article in enumerate(articles, start=1)
        ]
    if fmt == "pdf":
        text, meta = from_pdf(data, now, seconds=limits.pdf_seconds)
    elif fmt == "email":
        text, meta = from_email(data, now)
    elif fmt == "html":
        text, meta = from_html(decode(data, html=True), now)
    else:
        text = decode(data, html=False)
        if not text.strip():
            raise ExtractError("no text (the file is only whitespace)")
        meta = text_metadata(text, markdown=fmt == "markdown", now=now)
    return [_document(path, sha256, text, fmt, meta)]


def _document(path: str, sha256: str, text: str, fmt: str, meta: Metadata) -> Document:
    return Document(
        path=path,
        sha256=sha256,
        text=text,
        format=fmt,
        title=meta.title,
        source=meta.source,
        published_at=meta.published_at,
        url=meta.url,
    )
