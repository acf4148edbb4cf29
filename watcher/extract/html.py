"""HTML -> its visible text, and the metadata its tags state.

Visible text: invisible elements dropped (``<head>``, scripts, ``hidden``,
``aria-hidden``, ``display: none``, embedded media), whitespace collapsed as a
browser does, a line break after each block and a blank line after each paragraph.

Metadata, strongest evidence first; what the tags do not state comes from the
plain-text rules (:mod:`watcher.extract.text`) applied to the visible text:

- title: ``og:title``, the first visible ``<h1>``, ``<title>`` (og:title and h1 name
  the article; ``<title>`` often carries the site's name too);
- published_at: ``article:published_time``, ``<meta name="date">``,
  ``itemprop="datePublished"``, the first ``<time datetime>``;
- url: ``<link rel="canonical">``, ``og:url``;
- source: ``og:site_name``, ``publisher``, ``application-name``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from datetime import datetime

from selectolax.lexbor import LexborHTMLParser, LexborNode, SelectolaxError

from watcher.errors import ExtractError
from watcher.extract.text import text_metadata
from watcher.extract.values import (
    Metadata,
    clean_outlet,
    clean_title,
    clean_url,
    parse_datetime,
)


def from_html(markup: str, now: datetime) -> tuple[str, Metadata]:
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
    tagged = Metadata(
        title=_first_title(_meta_contents(tree, "property", "og:title"), [h1], _title_tag(tree)),
        source=_html_source(tree),
        published_at=_html_published(tree, now),
        url=_html_url(tree),
    )
    return text, tagged.or_else(text_metadata(text, markdown=False, now=now))


# --- visible text ------------------------------------------------------------------

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
                h1 = h1 or clean_title(layout.text(h1_start))
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


# --- metadata ----------------------------------------------------------------------


def _first_title(*candidates: Sequence[str | None]) -> str | None:
    """The first candidate that is a usable title."""
    for group in candidates:
        for candidate in group:
            title = clean_title(candidate or "")
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
            if outlet := clean_outlet(content):
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
        if stated := parse_datetime(candidate, now):
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
        if url := clean_url(href):
            return url
    return None
