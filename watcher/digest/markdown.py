"""Markdown escaping for untrusted document text (titles, sources, snippets, paths, URLs).

Everything a document brings with it is attacker-controlled: it must come out
of the digest as literal text, never as a link, an image, HTML or a heading.
The escaping is minimal on purpose: characters that only mean something at the
start of a line or next to another character are escaped only there, so that
ordinary prose (``U.S. - China talks``) stays readable in the raw file.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote, urlsplit

# Always escaped: emphasis, code, links, tables, strikethrough and backslash
# itself. ``<``/``>`` become entities so that no HTML or autolink can start.
_ALWAYS = {
    "\\": "\\\\",
    "`": "\\`",
    "*": "\\*",
    "_": "\\_",
    "[": "\\[",
    "]": "\\]",
    "|": "\\|",
    "~": "\\~",
    "<": "&lt;",
    ">": "&gt;",
}
# An '&' that would be read as a character reference ("&lt;", "&#60;").
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{0,31});")
# "1. " or "1) " at the start of a line opens an ordered list.
_ORDERED = re.compile(r"[0-9]{1,9}[.)]")
_LINE_START = frozenset("-+=")
# Kept as they are inside a link destination; everything else is percent-encoded,
# in particular spaces, parentheses, '<', '>', '\' and backticks.
_URL_SAFE = "/:?#[]@!$&'*+,;=%-._~"
_LINK_SCHEMES = frozenset({"http", "https"})


def _is_space(char: str) -> bool:
    # Control characters count as whitespace: a newline (or NUL, or a vertical
    # tab) in an inline field could otherwise end the line and start a block.
    return char.isspace() or unicodedata.category(char) == "Cc"


def _pieces(text: str) -> list[str]:
    """Escape ``text`` one character at a time: ``pieces[i]`` replaces ``text[i]``.

    Whitespace runs collapse to one space and leading/trailing whitespace goes,
    which is why a piece can be empty. Keeping one piece per input character
    lets :func:`highlight` insert markers at positions of the original text.
    """
    size = len(text)
    solid = [i for i, char in enumerate(text) if not _is_space(char)]
    if not solid:
        return [""] * size
    first, last = solid[0], solid[-1]
    ordered = _ORDERED.match(text, first)
    ordered_mark = -1
    if ordered and (ordered.end() == size or _is_space(text[ordered.end()])):
        ordered_mark = ordered.end() - 1

    pieces: list[str] = []
    for i, char in enumerate(text):
        if _is_space(char):
            keep = first < i < last and not _is_space(text[i - 1])
            pieces.append(" " if keep else "")
        elif char in _ALWAYS:
            pieces.append(_ALWAYS[char])
        elif i == ordered_mark or (i == first and char in _LINE_START):
            pieces.append("\\" + char)
        elif char == "#" and (i == first or _is_space(text[i - 1])):
            pieces.append("\\#")
        elif char == "!" and text.startswith("[", i + 1):
            pieces.append("\\!")
        elif char == "&" and _ENTITY.match(text, i):
            pieces.append("&amp;")
        else:
            pieces.append(char)
    return pieces


def collapse(text: str) -> str:
    """Collapse whitespace and control characters to single spaces, and strip."""
    if text.isprintable():
        # No control or line-break characters, and no whitespace but the ASCII
        # space (Python counts other spaces as unprintable): split() suffices.
        return " ".join(text.split())
    return " ".join("".join(" " if _is_space(c) else c for c in text).split())


def split_match(snippet: str, start: int, end: int) -> tuple[str, str, str]:
    """``snippet`` cut into (before, match, after), whitespace collapsed as :func:`collapse` does.

    For formats other than Markdown to highlight a match in. Offsets are
    clamped; whitespace at the edges of the match moves outside it.
    """
    start = max(0, min(start, len(snippet)))
    end = max(start, min(end, len(snippet)))
    while start < end and _is_space(snippet[start]):
        start += 1
    while end > start and _is_space(snippet[end - 1]):
        end -= 1
    solid = [i for i, char in enumerate(snippet) if not _is_space(char)]
    if not solid:
        return "", "", ""
    first, last = solid[0], solid[-1]
    pieces = [
        (" " if first < i < last and not _is_space(snippet[i - 1]) else "")
        if _is_space(char)
        else char
        for i, char in enumerate(snippet)
    ]
    return "".join(pieces[:start]), "".join(pieces[start:end]), "".join(pieces[end:])


def md_escape(text: str) -> str:
    """Escape ``text`` so that Markdown renders it literally, on one line."""
    return "".join(_pieces(text))


def highlight(snippet: str, start: int, end: int) -> str:
    """Escape ``snippet`` and put ``snippet[start:end]`` in ``**bold**``.

    Whitespace at the edges of the match goes outside the markers (``** x**``
    would not be bold). Offsets out of range are clamped; an empty match leaves
    the snippet unhighlighted.
    """
    pieces = _pieces(snippet)
    start = max(0, min(start, len(snippet)))
    end = max(start, min(end, len(snippet)))
    while start < end and _is_space(snippet[start]):
        start += 1
    while end > start and _is_space(snippet[end - 1]):
        end -= 1
    if start == end:
        return "".join(pieces)
    before, match, after = pieces[:start], pieces[start:end], pieces[end:]
    return "".join(before) + "**" + "".join(match) + "**" + "".join(after)


def md_code(text: str) -> str:
    """Render ``text`` as an inline code span, whatever backticks it contains."""
    text = collapse(text)
    if not text:
        return ""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    # A span may not start or end with its own delimiter; one space on each
    # side is stripped again by the renderer.
    pad = " " if text[0] in "` " or text[-1] in "` " else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def safe_url(url: str | None) -> str | None:
    """Return ``url`` ready for a link destination if it is http(s), else None."""
    if not url:
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an invalid IPv6 host
        return None
    if parts.scheme.lower() not in _LINK_SCHEMES or not parts.netloc:
        return None
    return quote(url, safe=_URL_SAFE)


def md_link(text: str, url: str | None) -> str:
    """``[text](url)`` when ``url`` is http(s); otherwise just the escaped text."""
    label = md_escape(text)
    destination = safe_url(url)
    if destination is None:
        return label
    return f"[{label or md_escape(destination)}]({destination})"
