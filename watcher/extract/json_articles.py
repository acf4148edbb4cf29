"""JSON and JSON Lines -> articles: text and metadata from named fields.

``.json`` holds one article (an object) or several (an array of objects); ``.jsonl``
holds one object a line, blank lines skipped. A broken line or article makes the
whole file an error that names it: a file is taken whole or not at all.

Fields are looked up by name with case, ``_``, ``-`` and spaces ignored
(``published_at``, ``publishedAt`` and ``Published-At`` are one name); the first
alias with a usable value wins:

- title: ``title``, ``headline``
- text: ``text``, ``body``, ``content``, ``article``, ``articleBody``
- url: ``url``, ``link``
- published: ``published``, ``published_at``, ``date``, ``pubDate``, ``datePublished``
- source: ``source``, ``outlet``, ``publisher``, ``site_name``

A value may also be an object that holds it under ``name`` (``"source": {"name":
"Reuters"}``, as NewsAPI and schema.org write it) or ``rendered`` (WordPress's
REST API), and text may be a list of paragraphs. Text that looks like HTML is read
through the HTML visible-text extraction; plain text is kept as it is. A time is a
date string, or Unix time in seconds or milliseconds (told apart by size: only one
reading is plausible). What the fields do not state comes from the text rules.

Each article of a multi-article file is identified by the sha256 of its canonical
form, ``json.dumps(article, sort_keys=True)``, so the same article re-saved
(reformatted, keys reordered, moved from ``.json`` to ``.jsonl``) keeps its id.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from watcher.errors import ExtractError
from watcher.extract.decode import decode, reject_binary
from watcher.extract.html import from_html
from watcher.extract.text import text_metadata
from watcher.extract.values import (
    Metadata,
    clean_outlet,
    clean_title,
    clean_url,
    parse_datetime,
    plausible_datetime,
)

_TITLE = ("title", "headline")
_TEXT = ("text", "body", "content", "article", "articlebody")
_URL = ("url", "link")
_PUBLISHED = ("published", "publishedat", "date", "pubdate", "datepublished")
_SOURCE = ("source", "outlet", "publisher", "sitename")
_TEXT_NAMES = "text, body, content, article, articleBody"
# Where an object nests the value it stands for.
_WRAPPED = ("name", "rendered")

_KEY_NOISE = re.compile(r"[\s_-]+")
_HTML_TAG = re.compile(
    r"</?(?:p|br|div|span|a|b|i|em|strong|h[1-6]|ul|ol|li|blockquote|figure|figcaption"
    r"|img|table|tr|td|th|section|article|header|footer|html|body)\b[^<>]*>",
    re.I,
)
_ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-f]+|[a-z]+\d*);", re.I)
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_MILLISECONDS = 1000


@dataclass(frozen=True, slots=True)
class JsonArticle:
    """One article of a JSON file; ``digest`` is None when the file is that one article."""

    text: str
    metadata: Metadata
    digest: str | None


class _DuplicateKey(ValueError):
    """An object names a key twice; which value is meant is anyone's guess."""


def from_json(data: bytes, now: datetime, *, lines: bool) -> list[JsonArticle]:
    """The articles of a ``.json`` file (``lines=False``) or a ``.jsonl`` file."""
    content = decode(data, html=False)
    if not content.strip():
        raise ExtractError("no text (the file is only whitespace)")
    if lines:
        return [
            _article(_parse(line, line=number), now, where=f"line {number}", own_id=True)
            for number, line in enumerate(content.split("\n"), start=1)
            if line.strip()
        ]
    value = _parse(content, line=None)
    if isinstance(value, list):
        if not value:
            raise ExtractError("no articles (the JSON array is empty)")
        return [
            _article(item, now, where=f"article {number}", own_id=True)
            for number, item in enumerate(value, start=1)
        ]
    return [_article(value, now, where=None, own_id=False)]


# --- parsing ---------------------------------------------------------------------------


def _parse(content: str, *, line: int | None) -> object:
    """One JSON value; ``line`` is the line number of a ``.jsonl`` line."""
    where = f"line {line}: " if line is not None else ""
    try:
        return json.loads(content, object_pairs_hook=_unique_keys)
    except _DuplicateKey as exc:
        raise ExtractError(f"{where}duplicate key {exc.args[0]!r} in an object") from None
    except json.JSONDecodeError as exc:
        at = f"column {exc.colno}" if line is not None else f"line {exc.lineno}, column {exc.colno}"
        raise ExtractError(f"{where}invalid JSON at {at}: {exc.msg}") from None
    except RecursionError:
        raise ExtractError(f"{where}invalid JSON: nested too deeply") from None
    except ValueError as exc:  # e.g. an integer past Python's digit limit
        raise ExtractError(f"{where}invalid JSON: {exc}") from None


def _unique_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    found: dict[str, object] = {}
    for key, value in pairs:
        if key in found:
            raise _DuplicateKey(key)
        found[key] = value
    return found


def _digest(value: object, where: str | None) -> str:
    try:
        canonical = json.dumps(value, sort_keys=True)
    except (RecursionError, ValueError):
        raise ExtractError(_at(where, "article nested too deeply")) from None
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()  # ensure_ascii: all escaped


# --- one article -----------------------------------------------------------------------


def _article(value: object, now: datetime, *, where: str | None, own_id: bool) -> JsonArticle:
    if not isinstance(value, dict):
        raise ExtractError(_at(where, f"expected an article object, got {_kind(value)}"))
    fields: dict[str, object] = {}
    for key, item in value.items():
        fields.setdefault(_KEY_NOISE.sub("", key).casefold(), item)
    raw = _first_string(fields, _TEXT, paragraphs=True)
    if raw is None:
        raise ExtractError(_at(where, f"no text (none of the fields {_TEXT_NAMES} has any)"))
    try:
        text, found = _read_text(raw, now)
    except ExtractError as exc:
        raise ExtractError(_at(where, exc.message)) from None
    stated = Metadata(
        title=_title(fields),
        source=_source(fields),
        published_at=_published(fields, now),
        url=_url(fields),
    )
    return JsonArticle(
        text=text,
        metadata=stated.or_else(found),
        digest=_digest(value, where) if own_id else None,
    )


def _read_text(raw: str, now: datetime) -> tuple[str, Metadata]:
    """The article's text, and what it states about itself by the HTML or text rules."""
    raw = raw.replace("\r\n", "\n").replace("\r", "\n")
    if _HTML_TAG.search(raw):
        return from_html(raw, now)
    text = _SURROGATE.sub("\ufffd", reject_binary(raw))
    return text, text_metadata(text, markdown=False, now=now)


def _first_string(
    fields: dict[str, object], aliases: Sequence[str], *, paragraphs: bool
) -> str | None:
    for alias in aliases:
        if (found := _string(fields.get(alias), paragraphs=paragraphs)) is not None:
            return found
    return None


def _string(value: object, *, paragraphs: bool) -> str | None:
    """A non-blank string, unwrapped from ``{"name": ...}``/``{"rendered": ...}``, or None."""
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, dict):
        for key in _WRAPPED:
            if (found := _string(value.get(key), paragraphs=paragraphs)) is not None:
                return found
        return None
    if paragraphs and isinstance(value, list) and all(isinstance(item, str) for item in value):
        kept = [item.strip("\n") for item in value if item.strip()]
        return "\n\n".join(kept) if kept else None
    return None


def _title(fields: dict[str, object]) -> str | None:
    """The title; entity-escaped as WordPress writes it, or as it is."""
    title = _first_string(fields, _TITLE, paragraphs=False)
    if title is None:
        return None
    return clean_title(html.unescape(title) if _ENTITY.search(title) else title)


def _source(fields: dict[str, object]) -> str | None:
    for alias in _SOURCE:
        if (name := _string(fields.get(alias), paragraphs=False)) and (
            outlet := clean_outlet(name)
        ):
            return outlet
    return None


def _url(fields: dict[str, object]) -> str | None:
    for alias in _URL:
        if (raw := _string(fields.get(alias), paragraphs=False)) and (url := clean_url(raw)):
            return url
    return None


def _published(fields: dict[str, object], now: datetime) -> datetime | None:
    for alias in _PUBLISHED:
        if (stated := _time(fields.get(alias), now)) is not None:
            return stated
    return None


def _time(value: object, now: datetime) -> datetime | None:
    """A date string, or Unix time in seconds or milliseconds, if plausible."""
    if isinstance(value, str):
        return parse_datetime(value, now)
    if isinstance(value, int | float) and not isinstance(value, bool):
        for seconds in (value, value / _MILLISECONDS):
            try:
                stated = datetime.fromtimestamp(seconds, UTC)
            except (OverflowError, OSError, ValueError):
                continue
            if (plausible := plausible_datetime(stated, now)) is not None:
                return plausible
    return None


def _kind(value: object) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float):
        return "a number"
    return "null"


def _at(where: str | None, message: str) -> str:
    return f"{where}: {message}" if where else message
