"""HTML -> its visible text, and the metadata its tags state.

Visible text: invisible elements dropped (``<head>``, scripts, ``hidden``,
``aria-hidden``, ``display: none``, embedded media), whitespace collapsed as a
browser does, a line break after each block and a blank line after each paragraph.

Main text: when the page marks its content with ``<article>`` or ``<main>`` (or
``role="article"``/``role="main"``), the text is that of the largest such element,
so navigation, headers, footers and asides around it are left out; but only when it
holds at least half of the text outside that furniture, since a lone teaser card or
one post of a live blog is not the page's article. Otherwise the whole page counts.

Metadata, strongest evidence first; what the tags do not state comes from the
plain-text rules (:mod:`watcher.extract.text`) applied to the text, then to the whole
page's visible text:

- title: ``og:title``, the first visible ``<h1>`` (of the main text, else of the
  page), ``<title>`` (og:title and h1 name the article; ``<title>`` often carries
  the site's name too);
- published_at: ``article:published_time``, ``<meta name="date">``,
  ``itemprop="datePublished"``, the first ``<time datetime>``;
- url: ``<link rel="canonical">``, ``og:url``;
- source: ``og:site_name``, ``publisher``, ``application-name``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
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
    page = _visible_text(root) if root is not None else _Page("", [], [], [])
    if not page.text.strip():
        raise ExtractError("no text found in HTML")
    whole = (0, len(page.text))
    main = _main_span(page)
    text = page.text[main[0] : main[1]] if main else page.text
    h1 = (_first_h1(page, main) if main else None) or _first_h1(page, whole)
    tagged = Metadata(
        title=_first_title(_meta_contents(tree, "property", "og:title"), [h1], _title_tag(tree)),
        source=_html_source(tree),
        published_at=_html_published(tree, now),
        url=_html_url(tree),
    )
    stated = text_metadata(text, markdown=False, now=now)
    if main:
        # A dateline or a copyright line may sit in the header or footer around the article.
        stated = stated.or_else(text_metadata(page.text, markdown=False, now=now))
    return text, tagged.or_else(stated)


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
        self._marks: list[int] = []  # where the text after each mark starts; -1: no text yet
        self._unresolved: list[int] = []

    @property
    def size(self) -> int:
        return self._size

    def text(self, start: int = 0) -> str:
        return "".join(self._parts)[start:]

    def mark(self) -> int:
        """A handle on where the next text starts, past the breaks owed before it."""
        self._marks.append(-1)
        self._unresolved.append(len(self._marks) - 1)
        return len(self._marks) - 1

    def position(self, mark: int) -> int:
        """Where the text after ``mark`` starts; the end so far if none came yet."""
        start = self._marks[mark]
        return self._size if start < 0 else start

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
        for mark in self._unresolved:
            self._marks[mark] = self._size
        self._unresolved.clear()
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


# Elements that hold the page's main content, and the page furniture around it.
_CONTENT_TAGS = frozenset({"article", "main"})
_CONTENT_ROLES = frozenset({"article", "main"})
_CHROME_TAGS = frozenset({"nav", "header", "footer", "aside"})
_CHROME_ROLES = frozenset({"navigation", "banner", "contentinfo", "complementary"})

_Span = tuple[int, int]


@dataclass(frozen=True, slots=True)
class _Page:
    """A page's visible text and where its elements of interest lie in it."""

    text: str
    h1s: list[_Span]  # every visible <h1>
    content: list[_Span]  # every visible <article> and <main>
    chrome: list[_Span]  # every visible <nav>, <header>, <footer>, <aside>


def _visible_text(root: LexborNode) -> _Page:
    """The visible text under ``root``, with the spans of its headings and landmarks."""
    layout = _TextLayout()
    spans: dict[str, list[_Span]] = {"h1": [], "content": [], "chrome": []}
    preformatted = 0
    # An explicit stack, not recursion: hostile HTML can nest deeper than Python's limit.
    # An element comes back as (node, its tag, the mark where its text starts, its kinds
    # of span).
    stack: list[tuple[LexborNode, str | None, int, tuple[str, ...]]] = [(root, None, 0, ())]
    while stack:
        node, closing, start, kinds = stack.pop()
        if closing is not None:
            _boundary(layout, closing)
            if closing in _PREFORMATTED_TAGS:
                preformatted -= 1
            for kind in kinds:
                spans[kind].append((layout.position(start), layout.size))
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
        kinds = _span_kinds(node, tag)
        stack.append((node, tag, layout.mark() if kinds else 0, kinds))
        stack.extend((child, None, 0, ()) for child in reversed(list(_children(node))))
    return _Page(layout.text(), spans["h1"], spans["content"], spans["chrome"])


def _span_kinds(node: LexborNode, tag: str) -> tuple[str, ...]:
    role = (node.attributes.get("role") or "").strip().lower()
    kinds: list[str] = []
    if tag == "h1":
        kinds.append("h1")
    if tag in _CONTENT_TAGS or role in _CONTENT_ROLES:
        kinds.append("content")
    elif tag in _CHROME_TAGS or role in _CHROME_ROLES:
        kinds.append("chrome")
    return tuple(kinds)


def _main_span(page: _Page) -> _Span | None:
    """The largest ``<article>``/``<main>``, if it holds the bulk of the page's content.

    Bulk means at least half the text outside the page furniture (nav, header, footer,
    aside) around it. A smaller one is a teaser card or one post of a live blog, and
    taking it alone would drop the article the page is really about.
    """
    if not page.content:
        return None
    start, end = max(page.content, key=lambda span: span[1] - span[0])
    furniture = sum(
        chrome_end - chrome_start
        for chrome_start, chrome_end in _outermost(page.chrome)
        if chrome_end <= start or chrome_start >= end
    )
    if 2 * (end - start) < len(page.text) - furniture:
        return None
    return start, end


def _outermost(spans: list[_Span]) -> list[_Span]:
    """The spans not nested in another one."""
    kept: list[_Span] = []
    for start, end in sorted(spans, key=lambda span: (span[0], -span[1])):
        if kept and start >= kept[-1][0] and end <= kept[-1][1]:
            continue
        kept.append((start, end))
    return kept


def _first_h1(page: _Page, within: _Span) -> str | None:
    for start, end in sorted(page.h1s):
        if start >= within[0] and end <= within[1] and (title := clean_title(page.text[start:end])):
            return title
    return None


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
