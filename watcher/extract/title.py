"""The title of a plain-text or markdown document (or of HTML's visible text).

Scraped articles seldom open with their headline: advertisements, a section label,
promotions and a photo caption often come first. So the title is read from the
paragraphs (blocks between blank lines) of the document's head:

1. Lines that are never a title are set aside: metadata labels (``Posted:``,
   ``URL:``, ...), a URL alone on its line, page furniture (``Advertisement``,
   ``Skip to content``, ``Share``, ...; whole lines only) and lines without a
   letter or digit.
2. The title is the first paragraph left with one line of at least three words
   that does not read as running text (a headline has no full stop). In markdown
   a heading is such a paragraph, however short.
3. The search stops where the body begins: a paragraph that reads as running text.
   If that paragraph opens with a line that could be a headline, the headline sits
   right above its body with no blank line between them, and that line is the title.
4. Otherwise the first line left after step 1; otherwise the first line that is
   not a label or a URL.

Markdown front matter's ``title:`` comes before all of this, and a markdown
heading loses its ``#`` marks.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from watcher.extract.values import TITLE_MAX, clean_title, clean_url

# How many non-empty lines from the top may hold the title.
_HEAD_LINES = 15
_MIN_WORDS = 3
# A line ending in a full stop reads as a sentence only from this many words on:
# "Body." or "Updates." do not start the body.
_SENTENCE_MIN_WORDS = 5
# The label vocabulary of watcher.extract.text, with or without a value.
_LABEL = re.compile(
    r"^(?:(?:last\s+)?updated|posted|published|dated|date|source(?:\s+url)?|outlet|publisher"
    r"|url|link)\s*:",
    re.I,
)
# Navigation, advertising and sharing lines that scraped pages put around the article.
_FURNITURE = frozenset(
    {
        "advertisement", "advertising", "ad", "sponsored", "sponsored content",
        "skip to content", "skip to main content", "skip navigation", "menu", "search",
        "home", "close", "share", "share this", "share this article", "share this story",
        "tweet", "email", "print", "subscribe", "subscribe now", "sign in", "sign up",
        "log in", "login", "register", "learn more", "read more", "continue reading",
        "follow us", "newsletter", "back to top", "open in app", "listen to this article",
        "accept all cookies", "most read", "related", "related articles", "top stories",
    }
)  # fmt: skip
# Trimmed before the furniture lookup: "Share »", "Read more…", "Menu |".
_FURNITURE_TRIM = " .:…|·•»>\u203a\u2190\u2192-\u2013\u2014"
# A full stop, perhaps inside closing quotes or brackets: 'he said.”'.
_SENTENCE_END = re.compile(r"\.[\"'\u201d\u2019)\]]*$")
_HEADING_OPEN = re.compile(r"^#{1,6}\s+")
_HEADING_CLOSE = re.compile(r"\s+#+$")
_SETEXT_UNDERLINE = re.compile(r"^(?:=+|-+)$")
_FRONT_MATTER_FENCE = "---"
_FRONT_MATTER_TITLE = re.compile(r"^title\s*:\s*(?P<value>.+)$", re.I)


@dataclass(frozen=True, slots=True)
class _Line:
    """A line of a paragraph: its text, and whether markdown marks it as a heading."""

    text: str
    heading: bool = False


def text_title(text: str, *, markdown: bool) -> str | None:
    """The document's title by the rule above, whitespace collapsed; None if it has no text."""
    lines = [line.strip() for line in text.split("\n")]
    if markdown:
        front_matter, lines = _split_front_matter(lines)
        for line in front_matter:
            if (found := _FRONT_MATTER_TITLE.match(line)) and (
                title := clean_title(found["value"].strip("'\""))
            ):
                return title
    paragraphs = _paragraphs(_head(lines), markdown=markdown)
    chosen = _title_line(paragraphs)
    if chosen is None:
        chosen = next((line.text for paragraph in paragraphs for line in paragraph), None)
    if chosen is None:
        chosen = next(
            (_strip_heading_marks(line) if markdown else line for line in lines if _is_text(line)),
            None,
        )
    return clean_title(chosen) if chosen is not None else None


def _title_line(paragraphs: Sequence[Sequence[_Line]]) -> str | None:
    """Steps 2 and 3: the first single-line headline paragraph, searched up to the body."""
    for paragraph in paragraphs:
        if len(paragraph) == 1 and _is_headline(paragraph[0]):
            return paragraph[0].text
        if _is_running_text([line.text for line in paragraph]):
            if len(paragraph) > 1 and _is_headline(paragraph[0]):
                return paragraph[0].text
            return None
    return None


def _is_headline(line: _Line) -> bool:
    """A markdown heading, or a line of a few words that does not read as running text."""
    if line.heading:
        return True
    return len(line.text.split()) >= _MIN_WORDS and not _is_running_text([line.text])


def _is_running_text(lines: Sequence[str]) -> bool:
    """Lines read as body text: one is too long for a headline, or together they end a sentence."""
    if any(len(line) > TITLE_MAX for line in lines):
        return True
    words = sum(len(line.split()) for line in lines)
    return words >= _SENTENCE_MIN_WORDS and _SENTENCE_END.search(lines[-1]) is not None


def _head(lines: list[str]) -> list[str]:
    """The lines up to the last of the first ``_HEAD_LINES`` non-empty ones."""
    seen = 0
    for index, line in enumerate(lines):
        seen += bool(line)
        if seen == _HEAD_LINES:
            return lines[: index + 1]
    return lines


def _paragraphs(lines: list[str], *, markdown: bool) -> list[list[_Line]]:
    """The non-empty paragraphs of ``lines`` once the lines that are never a title are gone.

    In markdown a heading is a paragraph of its own, whether written ``# Heading`` or
    underlined with ``===`` or ``---``.
    """
    paragraphs: list[list[_Line]] = []
    current: list[_Line] = []
    for raw in [*lines, ""]:
        if not raw:
            paragraphs.append(current)
            current = []
        elif markdown and _HEADING_OPEN.match(raw):
            paragraphs.extend([current, [_Line(_strip_heading_marks(raw), heading=True)]])
            current = []
        elif markdown and _SETEXT_UNDERLINE.match(raw) and current:
            heading = current.pop()
            paragraphs.extend([current, [_Line(heading.text, heading=True)]])
            current = []
        elif _is_text(raw) and not _is_furniture(raw):
            current.append(_Line(raw))
    return [paragraph for paragraph in paragraphs if paragraph]


def _is_text(line: str) -> bool:
    """Not a metadata label, not a lone URL, and holding a letter or a digit."""
    return (
        any(ch.isalnum() for ch in line) and _LABEL.match(line) is None and clean_url(line) is None
    )


def _is_furniture(line: str) -> bool:
    return " ".join(line.split()).strip(_FURNITURE_TRIM).casefold() in _FURNITURE


def _strip_heading_marks(line: str) -> str:
    """``## Heading ##`` -> ``Heading``."""
    return _HEADING_CLOSE.sub("", _HEADING_OPEN.sub("", line))


def _split_front_matter(lines: list[str]) -> tuple[list[str], list[str]]:
    """(front matter, the rest) when ``lines`` open with a ``---`` fenced YAML block."""
    start = next((index for index, line in enumerate(lines) if line), None)
    if start is None or lines[start] != _FRONT_MATTER_FENCE:
        return [], lines
    for index in range(start + 1, len(lines)):
        if lines[index] == _FRONT_MATTER_FENCE:
            return lines[start + 1 : index], lines[index + 1 :]
    return [], lines
