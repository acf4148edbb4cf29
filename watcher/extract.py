"""The extract stage: a file's bytes -> :class:`~watcher.model.Document`.

Pure: it decodes the bytes, turns HTML into its visible text, and reads the
metadata the document states about itself (title, outlet, publication time,
canonical URL). It never guesses: a field the document does not state is None.

Text. ``.txt`` and ``.md`` keep the decoded file as their text (only line endings
become ``\n``), so hit offsets index into what the analyst sees. HTML's text is
its visible text: invisible elements dropped, whitespace collapsed as a browser
does, a line break after each block and a blank line after each paragraph.

Metadata, strongest evidence first:

- title: HTML ``og:title``, then the first visible ``<h1>``, then ``<title>``
  (og:title and h1 name the article; ``<title>`` often carries the site's name
  too). Text: the first non-empty line that is not a label such as ``Posted:``,
  without a markdown heading's ``#``. Cut at about 300 characters.
- published_at, in UTC: HTML ``article:published_time``, ``<meta name="date">``,
  ``itemprop="datePublished"``, the first ``<time datetime>``. Text: a
  ``Posted:``/``Published:``/``Date:``/``Dated:`` line near the top, else an
  ``Updated:`` one. Only full dates from 1990 to tomorrow; no zone means UTC.
- url: ``<link rel="canonical">``, ``og:url``; text: a ``URL:``/``Source URL:``/
  ``Link:`` line, else a URL alone on a line, near the top or the bottom.
- source: ``og:site_name``, ``publisher``, ``application-name``; text: a
  ``Source:``/``Outlet:``/``Publisher:`` line, a wire dateline ``MINSK (Reuters) -``,
  a closing ``© 2023 Reuters`` line, a lead ending "..., the STV channel reports".
  A wrong outlet is worse than none, so each rule is narrow.

HTML falls back to the text rules, applied to its visible text.

Anything that cannot become a document raises :class:`ExtractError`; the daemon
quarantines the file with the error's message as the reason.
"""

from __future__ import annotations

import codecs
import hashlib
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from datetime import tzinfo as TzInfo
from pathlib import Path
from urllib.parse import urlsplit

from charset_normalizer import from_bytes
from dateutil import parser as dateparser
from selectolax.lexbor import LexborHTMLParser, LexborNode, SelectolaxError

from watcher.errors import ExtractError, Location
from watcher.model import Document

SUPPORTED_SUFFIXES: frozenset[str] = frozenset({".txt", ".md", ".html", ".htm"})

_FORMATS = {".txt": "text", ".md": "markdown", ".html": "html", ".htm": "html"}

# How far from the top and the bottom a document states its metadata, in
# non-empty lines (a line of extracted HTML text is a paragraph).
_HEAD_LINES = 15
_EDGE_LINES = 10
_LEAD_LINES = 5
_TITLE_MAX = 300


def extract(path: str | Path, data: bytes) -> Document:
    """Turn one file's bytes into a Document; raise ExtractError when that is impossible."""
    try:
        return _extract(str(path), data)
    except ExtractError as exc:
        # Attached here, once, so the helpers below only say what went wrong.
        raise ExtractError(exc.message, location=Location(str(path)), hint=exc.hint) from None


def _extract(path: str, data: bytes) -> Document:
    suffix = Path(path).suffix.lower()
    fmt = _FORMATS.get(suffix)
    if fmt is None:
        what = f"unsupported format {suffix!r}" if suffix else "unsupported format (no suffix)"
        raise ExtractError(what, hint="supported: " + ", ".join(sorted(SUPPORTED_SUFFIXES)))
    if not data:
        raise ExtractError("empty file")
    decoded = _normalise_newlines(_decode(data, html=fmt == "html"))
    now = datetime.now(UTC)
    if fmt == "html":
        text, meta = _from_html(decoded, now)
    else:
        if not decoded.strip():
            raise ExtractError("no text (the file is only whitespace)")
        text, meta = decoded, _text_metadata(decoded, markdown=fmt == "markdown", now=now)
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


@dataclass(frozen=True, slots=True)
class _Metadata:
    """What a document says about itself; every field is None when it does not say."""

    title: str | None = None
    source: str | None = None
    published_at: datetime | None = None
    url: str | None = None


# --- decoding ----------------------------------------------------------------

# UTF-32 first: its little-endian mark begins with UTF-16's.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# C0 and C1 controls other than tab, newline, vertical tab, form feed and CR.
_CONTROL = re.compile(r"[\x01-\x08\x0e-\x1f\x7f-\x9f]")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.I)
# As browsers do (WHATWG Encoding): these labels mean windows-1252.
_WINDOWS_1252_ALIASES = frozenset({"ascii", "us-ascii", "latin1", "latin-1", "iso-8859-1"})


def _decode(data: bytes, *, html: bool) -> str:
    """Bytes -> str: a BOM wins, then strict UTF-8, then a declared or detected charset.

    Anything else is refused: NUL bytes, control characters, undecodable bytes.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            text = _decode_strictly(data[len(bom) :], encoding)
            if text is None:
                raise ExtractError(
                    f"cannot decode text: invalid {encoding} after its byte-order mark"
                )
            return _reject_binary(text)
    if b"\x00" in data:
        raise ExtractError("binary content (NUL bytes)")
    text = _decode_strictly(data, "utf-8")
    if text is None and html:
        text = _decode_as_declared(data)
    if text is None:
        best = from_bytes(data).best()
        if best is None:
            raise ExtractError("cannot decode text: not UTF-8 and no plausible encoding detected")
        text = str(best)
    return _reject_binary(text)


def _decode_strictly(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def _decode_as_declared(data: bytes) -> str | None:
    """Decode HTML in the charset its ``<meta>`` declares in the first 1024 bytes, if it fits."""
    found = _META_CHARSET.search(data[:1024])
    if found is None:
        return None
    label = found.group(1).decode("ascii").lower()
    encoding = "cp1252" if label in _WINDOWS_1252_ALIASES else label
    # A page whose <meta> we could read is ASCII-compatible, whatever it says (a
    # "utf-16" label on such a page is wrong, and browsers ignore it too).
    if _decode_strictly(b"<meta>", encoding) != "<meta>":
        return None
    return _decode_strictly(data, encoding)


def _reject_binary(text: str) -> str:
    """Refuse decoded text that is really binary data: NULs or more than 1% control characters."""
    if "\x00" in text:
        raise ExtractError("binary content (NUL bytes)")
    if len(_CONTROL.findall(text)) * 100 > len(text):
        raise ExtractError("binary content (control characters)")
    return text


def _normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


# --- HTML: visible text --------------------------------------------------------

# Never rendered, or not part of the article when it is (embedded media).
_INVISIBLE_TAGS = frozenset(
    {
        "head", "title", "script", "style", "noscript", "template", "svg", "math",
        "iframe", "object", "embed", "canvas", "audio", "video",
    }
)  # fmt: skip
# Blocks that end a paragraph (a blank line) and blocks that end a line.
_PARAGRAPH_TAGS = frozenset(
    {
        "p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "ul", "ol", "dl",
        "table", "figure", "article", "section", "header", "footer", "main", "aside",
        "nav", "address", "hr", "form", "fieldset", "details", "hgroup",
    }
)  # fmt: skip
_LINE_TAGS = frozenset(
    {"div", "li", "tr", "dt", "dd", "figcaption", "caption", "summary", "legend", "option"}
)
_CELL_TAGS = frozenset({"td", "th"})
_PREFORMATTED_TAGS = frozenset({"pre", "textarea"})
_HIDING_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
# HTML collapses ASCII whitespace; a no-break space is laid out as a space too.
_HTML_SPACE = re.compile(r"[ \t\n\f\r\xa0]+")


class _TextLayout:
    """Lays visible text out as a browser does: spaces collapsed, blocks on their own lines."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._size = 0
        self._newlines = 0  # line breaks owed before the next text (at most 2)
        self._space = False  # a space owed before the next text

    @property
    def size(self) -> int:
        return self._size

    def text(self, start: int = 0) -> str:
        return "".join(self._parts)[start:]

    def block(self, newlines: int) -> None:
        """A block boundary: 1 ends the line, 2 also leaves a blank line."""
        self._newlines = max(self._newlines, newlines)

    def line_break(self) -> None:
        """A ``<br>``: two in a row make a blank line."""
        self._newlines = min(self._newlines + 1, 2)

    def space(self) -> None:
        self._space = True

    def inline(self, data: str) -> None:
        """Text in normal flow: runs of whitespace become one space."""
        collapsed = _HTML_SPACE.sub(" ", data)
        words = collapsed.strip(" ")
        if collapsed.startswith(" "):
            self._space = True
        if words:
            self._emit(words)
            self._space = collapsed.endswith(" ")

    def preformatted(self, data: str) -> None:
        """Text in ``<pre>``: kept as written."""
        if data:
            self._emit(data.replace("\xa0", " "))

    def _emit(self, chunk: str) -> None:
        if self._size:
            if self._newlines:
                last = self._parts[-1]
                owed = self._newlines - (len(last) - len(last.rstrip("\n")))
                self._append("\n" * max(owed, 0))
            elif self._space:
                self._append(" ")
        self._newlines = 0
        self._space = False
        self._append(chunk)

    def _append(self, chunk: str) -> None:
        if chunk:
            self._parts.append(chunk)
            self._size += len(chunk)


def _is_invisible(node: LexborNode, tag: str) -> bool:
    if tag in _INVISIBLE_TAGS:
        return True
    attrs = node.attributes
    if "hidden" in attrs:
        return True
    if (attrs.get("aria-hidden") or "").strip().lower() == "true":
        return True
    return bool(_HIDING_STYLE.search(attrs.get("style") or ""))


def _children(node: LexborNode) -> Iterator[LexborNode]:
    child = node.first_child
    while child is not None:
        yield child
        child = child.next


def _visible_text(root: LexborNode) -> tuple[str, str | None]:
    """The visible text under ``root``, and the text of its first visible ``<h1>``."""
    layout = _TextLayout()
    h1: str | None = None
    h1_start: int | None = None
    preformatted = 0
    # An explicit stack, not recursion: hostile HTML can nest deeper than Python's limit.
    stack: list[tuple[LexborNode, str | None]] = [(root, None)]
    while stack:
        node, closing = stack.pop()
        if closing is not None:
            _boundary(layout, closing)
            if closing in _PREFORMATTED_TAGS:
                preformatted -= 1
            if closing == "h1" and h1_start is not None:
                h1 = h1 or _clean_title(layout.text(h1_start))
                h1_start = None
            continue
        if node.is_text_node:
            if preformatted:
                layout.preformatted(node.text_content or "")
            else:
                layout.inline(node.text_content or "")
            continue
        tag = node.tag or ""
        if not node.is_element_node or _is_invisible(node, tag):
            continue
        if tag == "br":
            layout.line_break()
        _boundary(layout, tag)
        if tag in _PREFORMATTED_TAGS:
            preformatted += 1
        if tag == "h1" and h1 is None and h1_start is None:
            h1_start = layout.size
        stack.append((node, tag))
        stack.extend((child, None) for child in reversed(list(_children(node))))
    return layout.text(), h1


def _boundary(layout: _TextLayout, tag: str) -> None:
    """Where an element starts or ends: blocks break the line, table cells leave a space."""
    if tag in _PARAGRAPH_TAGS:
        layout.block(2)
    elif tag in _LINE_TAGS:
        layout.block(1)
    elif tag in _CELL_TAGS:
        layout.space()


# --- HTML: metadata --------------------------------------------------------------


def _from_html(markup: str, now: datetime) -> tuple[str, _Metadata]:
    """Visible text and metadata of an HTML page; the page's own tags win over text rules."""
    try:
        # scripting=True parses <noscript> as a browser that runs scripts does: one
        # text node, so a tracking <img> in it cannot push <head> tags into <body>.
        tree = LexborHTMLParser(markup, scripting=True)
    except (SelectolaxError, ValueError) as exc:
        raise ExtractError(f"cannot parse HTML: {exc}") from None
    root = tree.root
    text, h1 = _visible_text(root) if root is not None else ("", None)
    if not text.strip():
        raise ExtractError("no text found in HTML")
    stated = _text_metadata(text, markdown=False, now=now)
    meta = _Metadata(
        title=_first_title(_meta_contents(tree, "property", "og:title"), [h1], _title_tag(tree)),
        source=_html_source(tree),
        published_at=_html_published(tree, now),
        url=_html_url(tree),
    )
    return text, _Metadata(
        title=meta.title or stated.title,
        source=meta.source or stated.source,
        published_at=meta.published_at or stated.published_at,
        url=meta.url or stated.url,
    )


def _first_title(*candidates: Sequence[str | None]) -> str | None:
    """The first candidate that is a usable title."""
    for group in candidates:
        for candidate in group:
            title = _clean_title(candidate or "")
            if title:
                return title
    return None


def _meta_contents(tree: LexborHTMLParser, attribute: str, value: str) -> list[str]:
    """``content`` of every ``<meta {attribute}="{value}">``, compared case-insensitively."""
    nodes = tree.css(f'meta[{attribute}="{value}" i]')
    return [
        content for node in nodes if (content := (node.attributes.get("content") or "").strip())
    ]


def _title_tag(tree: LexborHTMLParser) -> list[str]:
    node = tree.css_first("title")
    return [node.text()] if node is not None else []


def _html_source(tree: LexborHTMLParser) -> str | None:
    """og:site_name, then the publisher or application name."""
    for attribute, value in (
        ("property", "og:site_name"),
        ("name", "publisher"),
        ("name", "application-name"),
    ):
        for content in _meta_contents(tree, attribute, value):
            if outlet := _clean_outlet(content):
                return outlet
    return None


def _html_published(tree: LexborHTMLParser, now: datetime) -> datetime | None:
    """article:published_time, meta date, itemprop=datePublished, then the first ``<time>``."""
    candidates = [
        *_meta_contents(tree, "property", "article:published_time"),
        *_meta_contents(tree, "name", "date"),
    ]
    for node in tree.css('[itemprop="datePublished" i]'):
        attrs = node.attributes
        candidates.append(attrs.get("content") or attrs.get("datetime") or node.text())
    candidates.extend(node.attributes.get("datetime") or "" for node in tree.css("time[datetime]"))
    for candidate in candidates:
        if stated := _parse_datetime(candidate, now):
            return stated
    return None


def _html_url(tree: LexborHTMLParser) -> str | None:
    """``<link rel="canonical">``, then og:url; only absolute http(s) URLs count."""
    hrefs = [
        node.attributes.get("href") or ""
        for node in tree.css("link[rel]")
        if "canonical" in (node.attributes.get("rel") or "").lower().split()
    ]
    for href in [*hrefs, *_meta_contents(tree, "property", "og:url")]:
        if url := _clean_url(href):
            return url
    return None


# --- text: metadata ------------------------------------------------------------------

_DATE_LABEL = re.compile(
    r"^(?:(?P<updated>(?:last\s+)?updated)|posted|published|dated|date)"
    r"(?:\s+(?:on|at))?(?:\s*:\s*|\s+)(?P<value>\S.*)$",
    re.I,
)
_SOURCE_LABEL = re.compile(r"^(?:source|outlet|publisher)\s*:\s*(?P<value>\S.*)$", re.I)
_URL_LABEL = re.compile(r"^(?:source\s+url|url|link|source)\s*:\s*(?P<value>\S+)$", re.I)
_ANY_LABEL = re.compile(
    r"^(?:(?:last\s+)?updated|posted|published|dated|date|source(?:\s+url)?|outlet|publisher"
    r"|url|link)\s*:",
    re.I,
)
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
_LEGAL_SUFFIX = re.compile(
    r"[\s,]+(?:L\.?L?\.?P\.?|L\.?L\.?C\.?|Ltd\.?|Inc\.?|plc|PLC|GmbH|Corp\.?)$"
)
_OUTLET_MAX_WORDS = 6
_OUTLET_MAX_CHARS = 60
_HEADING_OPEN = re.compile(r"^#{1,6}\s+")
_HEADING_CLOSE = re.compile(r"\s+#+$")
_FRONT_MATTER_FENCE = "---"
_FRONT_MATTER_TITLE = re.compile(r"^title\s*:\s*(?P<value>.+)$", re.I)


def _text_metadata(text: str, *, markdown: bool, now: datetime) -> _Metadata:
    """Metadata stated in plain text: labelled lines, datelines, copyright lines."""
    lines = [stripped for line in text.split("\n") if (stripped := line.strip())]
    return _Metadata(
        title=_text_title(lines, markdown=markdown),
        source=_text_source(lines),
        published_at=_text_published(lines, now),
        url=_text_url(lines),
    )


def _text_title(lines: list[str], *, markdown: bool) -> str | None:
    """The first non-empty line that is not a metadata label; a markdown heading loses its #."""
    if markdown and lines and lines[0] == _FRONT_MATTER_FENCE:
        front_matter, lines = _split_front_matter(lines)
        for line in front_matter:
            if (found := _FRONT_MATTER_TITLE.match(line)) and (
                title := _clean_title(found["value"].strip("'\""))
            ):
                return title
    for line in lines:
        if _ANY_LABEL.match(line) or _clean_url(line):
            continue
        if title := _clean_title(_strip_heading_marks(line) if markdown else line):
            return title
    return None


def _strip_heading_marks(line: str) -> str:
    """``## Heading ##`` -> ``Heading``."""
    return _HEADING_CLOSE.sub("", _HEADING_OPEN.sub("", line))


def _split_front_matter(lines: list[str]) -> tuple[list[str], list[str]]:
    """(front matter, the rest) when ``lines`` open with a ``---`` fenced YAML block."""
    for index, line in enumerate(lines[1:], start=1):
        if line == _FRONT_MATTER_FENCE:
            return lines[1:index], lines[index + 1 :]
    return [], lines


def _clean_title(raw: str) -> str | None:
    """Whitespace collapsed; cut at a word boundary when longer than the limit."""
    title = " ".join(raw.split())
    if len(title) > _TITLE_MAX:
        cut = title.rfind(" ", 0, _TITLE_MAX)
        title = title[: cut if cut > 0 else _TITLE_MAX].rstrip() + "…"
    return title or None


def _text_published(lines: list[str], now: datetime) -> datetime | None:
    """A ``Posted:``/``Published:``/``Date:`` line near the top; else an ``Updated:`` one."""
    updated: datetime | None = None
    for line in lines[:_HEAD_LINES]:
        found = _DATE_LABEL.match(line)
        if found is None or (stated := _parse_datetime(found["value"], now)) is None:
            continue
        if not found["updated"]:
            return stated
        updated = updated or stated
    return updated


def _text_url(lines: list[str]) -> str | None:
    """A ``URL:``/``Link:``/``Source URL:`` line, else a URL alone on a line, near either end."""
    edges = _edges(lines)
    for line in edges:
        if (found := _URL_LABEL.match(line)) and (url := _clean_url(found["value"])):
            return url
    for line in edges:
        if url := _clean_url(line):
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
        if (found := _SOURCE_LABEL.match(line)) and (outlet := _clean_outlet(found["value"])):
            return outlet
    return None


def _dateline_source(lines: list[str]) -> str | None:
    for line in lines:
        found = _DATELINE.match(line)
        if found is None or found["name"].strip().lower() in _NOT_OUTLETS:
            continue
        if outlet := _clean_outlet(found["name"]):
            return outlet
    return None


def _copyright_source(lines: list[str]) -> str | None:
    """A closing ``© <year> <outlet>`` line; the last one wins, as it closes the document."""
    for line in reversed(lines):
        found = _COPYRIGHT.match(line) if len(line) <= _COPYRIGHT_MAX_LINE else None
        if found and (outlet := _clean_outlet(found["name"])):
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
                return _clean_outlet(name)
    return None


def _clean_outlet(raw: str) -> str | None:
    """An outlet's name without legal suffixes (``Bloomberg L.P.`` -> ``Bloomberg``), or None."""
    name = " ".join(raw.split()).strip(" .,;:|-\u2013\u2014")
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


# --- values ---------------------------------------------------------------------------

_URL_TRAILING = ".,;:!?'\"\u201d\u2019\u00bb"
_URL_PAIRS = {")": "(", "]": "["}
_URL_MAX = 2048


def _clean_url(raw: str) -> str | None:
    """An absolute http(s) URL without trailing punctuation, or None."""
    url = raw.strip()
    if url.startswith("<") and url.endswith(">"):
        url = url[1:-1]
    if not url or len(url) > _URL_MAX or any(ch.isspace() for ch in url):
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


def _parse_datetime(value: str, now: datetime) -> datetime | None:
    """A full calendar date stated in ``value``, in UTC; None if absent, partial or implausible.

    Dotted numeric dates are day-first (21.08.2023); a time without a zone is UTC.
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
    stated = (first if first.tzinfo else first.replace(tzinfo=UTC)).astimezone(UTC)
    if stated < _EARLIEST or stated > now + timedelta(days=1):
        return None
    return stated
