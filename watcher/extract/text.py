"""Metadata that plain text states about itself: outlet, publication time, URL, title.

Each rule is narrow, because a wrong value is worse than none:

- published_at, in UTC: a ``Posted:``/``Published:``/``Date:``/``Dated:`` line near
  the top, else an ``Updated:`` one;
- url: a ``URL:``/``Source URL:``/``Link:`` line, else a URL alone on a line, near
  the top or the bottom;
- source: a ``Source:``/``Outlet:``/``Publisher:`` line, a wire dateline
  ``MINSK (Reuters) -``, a closing ``© 2023 Reuters`` line, a lead ending
  "..., the STV channel reports";
- title: :mod:`watcher.extract.title`.
"""

from __future__ import annotations

import re
from datetime import datetime

from watcher.extract.title import text_title
from watcher.extract.values import Metadata, clean_outlet, clean_url, parse_datetime

# How far from the top and the bottom a document states its metadata, in
# non-empty lines (a line of extracted HTML text is a paragraph).
_HEAD_LINES = 15
_EDGE_LINES = 10
_LEAD_LINES = 5

_DATE_LABEL = re.compile(
    r"^(?:(?P<updated>(?:last\s+)?updated)|posted|published|dated|date)"
    r"(?:\s+(?:on|at))?(?:\s*:\s*|\s+)(?P<value>\S.*)$",
    re.I,
)
_SOURCE_LABEL = re.compile(r"^(?:source|outlet|publisher)\s*:\s*(?P<value>\S.*)$", re.I)
_URL_LABEL = re.compile(r"^(?:source\s+url|url|link|source)\s*:\s*(?P<value>\S+)$", re.I)
# "MINSK (Reuters) -", "KYIV, Ukraine (AP) —", "(Bloomberg) —" opening a paragraph.
_DATELINE = re.compile(
    r"^(?:[A-Z][A-Z.'\u2019 -]*[A-Z.](?:,[^()\n]{1,40}?)?\s+)?"
    r"\((?P<name>[A-Z][\w&.'\u2019 -]{0,40}?)\)\s*[-\u2013\u2014]+\s"
)
# Editorial tags that also open paragraphs in parentheses; they are not outlets.
_NOT_OUTLETS = frozenset(
    {"update", "updated", "updates", "corrected", "correction", "video", "photo", "photos",
     "watch", "listen", "opinion", "analysis", "live", "exclusive", "sponsored"}
)  # fmt: skip
# "©2023 Bloomberg L.P.", "© 2023 Reuters", "Copyright 2023 The Associated Press. All
# rights reserved." A year is required: a bare "© Getty Images" is a photo credit.
_COPYRIGHT = re.compile(
    r"^(?:©|\(c\)|copyright\s*(?:©|\(c\))|copyright(?=\s+\d))\s*"
    r"\d{4}(?:\s*[-\u2013]\s*\d{4})?\s*,?\s*(?:by\s+)?"
    r"(?P<name>[^\d\s].*?)[\s.,]*(?:all\s+rights\s+reserved)?[\s.]*$",
    re.I,
)
_COPYRIGHT_MAX_LINE = 100
# "..., the STV channel reports" closing a sentence of the lead.
_REPORTS = re.compile(
    r",\s+the\s+(?P<name>[A-Z][\w&'\u2019.-]*(?:\s+[A-Z][\w&'\u2019.-]*){0,2}?)\s+"
    r"(?:TV\s+channel|channel|news\s+agency|agency|newspaper|broadcaster|website|portal)\s+"
    r"report(?:s|ed)\s*(?:[.!]|$)"
)
_ACRONYM = re.compile(r"[A-Z]\w*[A-Z]")


def text_metadata(text: str, *, markdown: bool, now: datetime) -> Metadata:
    """Metadata stated in plain text: the title, labelled lines, datelines, copyright lines."""
    lines = [stripped for line in text.split("\n") if (stripped := line.strip())]
    return Metadata(
        title=text_title(text, markdown=markdown),
        source=_text_source(lines),
        published_at=_text_published(lines, now),
        url=_text_url(lines),
    )


def _text_published(lines: list[str], now: datetime) -> datetime | None:
    """A ``Posted:``/``Published:``/``Date:`` line near the top; else an ``Updated:`` one."""
    updated: datetime | None = None
    for line in lines[:_HEAD_LINES]:
        found = _DATE_LABEL.match(line)
        if found is None or (stated := parse_datetime(found["value"], now)) is None:
            continue
        if not found["updated"]:
            return stated
        updated = updated or stated
    return updated


def _text_url(lines: list[str]) -> str | None:
    """A ``URL:``/``Link:``/``Source URL:`` line, else a URL alone on a line, near either end."""
    edges = _edges(lines)
    for line in edges:
        if (found := _URL_LABEL.match(line)) and (url := clean_url(found["value"])):
            return url
    for line in edges:
        if url := clean_url(line):
            return url
    return None


def _edges(lines: list[str]) -> list[str]:
    """The first lines, then the last ones, each line once."""
    return lines[:_EDGE_LINES] + lines[max(_EDGE_LINES, len(lines) - _EDGE_LINES) :]


def _text_source(lines: list[str]) -> str | None:
    """The outlet, from the strongest evidence first: a label, a dateline, a copyright line."""
    return (
        _labelled_source(lines[:_HEAD_LINES])
        or _dateline_source(lines[:_HEAD_LINES])
        or _copyright_source(lines[-_EDGE_LINES:])
        or _reported_source(lines[:_LEAD_LINES])
    )


def _labelled_source(lines: list[str]) -> str | None:
    for line in lines:
        if (found := _SOURCE_LABEL.match(line)) and (outlet := clean_outlet(found["value"])):
            return outlet
    return None


def _dateline_source(lines: list[str]) -> str | None:
    for line in lines:
        found = _DATELINE.match(line)
        if found is None or found["name"].strip().lower() in _NOT_OUTLETS:
            continue
        if outlet := clean_outlet(found["name"]):
            return outlet
    return None


def _copyright_source(lines: list[str]) -> str | None:
    """A closing ``© <year> <outlet>`` line; the last one wins, as it closes the document."""
    for line in reversed(lines):
        found = _COPYRIGHT.match(line) if len(line) <= _COPYRIGHT_MAX_LINE else None
        if found and (outlet := clean_outlet(found["name"])):
            return outlet
    return None


def _reported_source(lines: list[str]) -> str | None:
    """A lead ending "..., the STV channel reports"; the name must hold an acronym.

    The acronym keeps out "..., the Belarusian TV channel reports".
    """
    for line in lines:
        for found in _REPORTS.finditer(line):
            name = found["name"]
            if any(_ACRONYM.fullmatch(word) for word in name.split()):
                return clean_outlet(name)
    return None
