"""Single metadata values: what every extract rule returns, and how each value is cleaned.

Both the HTML tags and the plain-text rules pass what they found through these
cleaners, so a title, outlet, URL or date means the same whichever rule found it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from datetime import tzinfo as TzInfo
from urllib.parse import urlsplit

from dateutil import parser as dateparser

TITLE_MAX = 300
# Control characters and lone surrogates: never part of a name, and no database
# stores a NUL or a surrogate (JSON escapes and broken headers can carry both).
_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


@dataclass(frozen=True, slots=True)
class Metadata:
    """What a document says about itself; every field is None when it does not say."""

    title: str | None = None
    source: str | None = None
    published_at: datetime | None = None
    url: str | None = None

    def or_else(self, other: Metadata) -> Metadata:
        """Each field from ``self``, or from ``other`` where ``self`` has none."""
        return Metadata(
            title=self.title or other.title,
            source=self.source or other.source,
            published_at=self.published_at or other.published_at,
            url=self.url or other.url,
        )


# --- titles -------------------------------------------------------------------------------


def clean_title(raw: str) -> str | None:
    """Whitespace collapsed; cut at a word boundary when longer than the limit."""
    title = " ".join(_UNPRINTABLE.sub("", raw).split())
    if len(title) > TITLE_MAX:
        cut = title.rfind(" ", 0, TITLE_MAX)
        title = title[: cut if cut > 0 else TITLE_MAX].rstrip() + "…"
    return title or None


# --- outlets ------------------------------------------------------------------------------

_LEGAL_SUFFIX = re.compile(
    r"[\s,]+(?:L\.?L?\.?P\.?|L\.?L\.?C\.?|Ltd\.?|Inc\.?|plc|PLC|GmbH|Corp\.?)$"
)
_OUTLET_MAX_WORDS = 6
_OUTLET_MAX_CHARS = 60


def clean_outlet(raw: str) -> str | None:
    """An outlet's name without legal suffixes (``Bloomberg L.P.`` -> ``Bloomberg``), or None."""
    name = " ".join(_UNPRINTABLE.sub("", raw).split()).strip(" .,;:|-\u2013\u2014")
    name = _LEGAL_SUFFIX.sub("", name).strip(" .,")
    if (
        not name
        or len(name) > _OUTLET_MAX_CHARS
        or len(name.split()) > _OUTLET_MAX_WORDS
        or not any(ch.isalpha() for ch in name)
        or any(ch in name for ch in ":/@|")  # a URL, a photo credit, a "Site | Section" string
    ):
        return None
    return name


# --- URLs ---------------------------------------------------------------------------------

_URL_TRAILING = ".,;:!?'\"\u201d\u2019\u00bb"
_URL_PAIRS = {")": "(", "]": "["}
_URL_MAX = 2048


def clean_url(raw: str) -> str | None:
    """An absolute http(s) URL without trailing punctuation, or None."""
    url = raw.strip()
    if url.startswith("<") and url.endswith(">"):
        url = url[1:-1]
    if not url or len(url) > _URL_MAX or not url.isprintable() or any(ch.isspace() for ch in url):
        return None
    while True:
        trimmed = url.rstrip(_URL_TRAILING)
        # A closing bracket is punctuation unless it closes one in the URL (Wikipedia's "_(x)").
        closer = trimmed[-1:]
        if closer in _URL_PAIRS and trimmed.count(closer) > trimmed.count(_URL_PAIRS[closer]):
            trimmed = trimmed[:-1]
        if trimmed == url:
            break
        url = trimmed
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return None
    if parts.scheme.lower() not in {"http", "https"} or not host or "." not in host:
        return None
    return url


# --- dates --------------------------------------------------------------------------------

# Unambiguous zone abbreviations only: CST or IST could be any of several zones.
_ZONE_HOURS = {
    "UTC": 0, "GMT": 0, "UT": 0, "Z": 0, "WET": 0, "BST": 1, "CET": 1, "CEST": 2, "EET": 2,
    "EEST": 3, "MSK": 3, "EST": -5, "EDT": -4, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8,
    "PDT": -7, "JST": 9, "KST": 9, "HKT": 8, "SGT": 8, "AEST": 10, "AEDT": 11,
}  # fmt: skip
_EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
_DAY_FIRST = re.compile(r"\b\d{1,2}\.\d{1,2}\.\d{2,4}\b")
_DATE_MAX = 80
# "21.08.2023 11:41 | Views: 120": what follows a separator is not part of the date.
_VALUE_END = re.compile(r"\s+[|\u00b7\u2022]\s+")
# Parsed twice with these defaults: if the results differ, the value lacked a year,
# month or day and dateutil filled it in from the default.
_DEFAULTS = (datetime(2000, 1, 1), datetime(2001, 2, 2))


class _UnknownZone(ValueError):
    """A zone abbreviation we cannot place; the time would be off by hours."""


def _zone(name: str | None, offset: int | None) -> TzInfo | None:
    """Resolve the zone dateutil found in a value; None when the value has none."""
    if name is not None and (hours := _ZONE_HOURS.get(name.upper())) is not None:
        return timezone(timedelta(hours=hours))
    if offset is not None:
        return timezone(timedelta(seconds=offset))
    if name is not None:
        raise _UnknownZone(name)
    return None


def parse_datetime(value: str, now: datetime) -> datetime | None:
    """A full calendar date stated in ``value``, in UTC; None if absent, partial or implausible.

    Dotted numeric dates are day-first (21.08.2023); a time without a zone is UTC.
    Plausible means from 1990 to a day after ``now``.
    """
    value = _VALUE_END.split(value, maxsplit=1)[0].strip().rstrip(".,;")
    if not value or len(value) > _DATE_MAX:
        return None
    day_first = bool(_DAY_FIRST.search(value))
    try:
        first, second = (
            dateparser.parse(value, default=default, dayfirst=day_first, tzinfos=_zone)
            for default in _DEFAULTS
        )
    except (ValueError, OverflowError):  # dateutil's ParserError and _UnknownZone are ValueErrors
        return None
    if first != second:
        return None
    return plausible_datetime(first, now)


def plausible_datetime(stated: datetime, now: datetime) -> datetime | None:
    """``stated`` in UTC (a naive time is UTC) if from 1990 to a day after ``now``, else None."""
    stated = (stated if stated.tzinfo else stated.replace(tzinfo=UTC)).astimezone(UTC)
    if stated < _EARLIEST or stated > now + timedelta(days=1):
        return None
    return stated
