"""Template filters for the plain-text and HTML renderings of untrusted text.

HTML templates render with autoescape forced on (see
:func:`watcher.digest.render.html_environment`), so a plain ``{{ title }}`` is
safe there; the filters here that build markup escape every piece of
document text themselves and return :class:`markupsafe.Markup`, so the
markup they add survives autoescaping and nothing else does.
"""

from __future__ import annotations

import textwrap

from markupsafe import Markup, escape

from watcher.digest.markdown import collapse, safe_url, split_match

# Plain text has no bold; guillemets stand out without looking like syntax.
TEXT_MARK_OPEN = "«"
TEXT_MARK_CLOSE = "»"


def oneline(text: str | None) -> str:
    """Plain text on one line: whitespace and control characters collapse to single spaces.

    Control characters matter in a terminal or a mail client: an escape
    sequence in a title must not reach either.
    """
    return collapse(text or "")


def text_mark(snippet: str, start: int, end: int) -> str:
    """``snippet`` on one line with ``snippet[start:end]`` in «guillemets»."""
    before, match, after = split_match(snippet, start, end)
    if not match:
        return before + after
    return f"{before}{TEXT_MARK_OPEN}{match}{TEXT_MARK_CLOSE}{after}"


def wrap(text: str, width: int = 78, indent: str = "", first: str | None = None) -> str:
    """``text`` on one line, then wrapped at ``width`` with every line indented.

    ``first`` replaces ``indent`` on the first line (for "- " or "> " markers).
    Long words (URLs, paths) are not broken: a broken URL cannot be followed.
    """
    return textwrap.fill(
        oneline(text),
        width=width,
        initial_indent=indent if first is None else first,
        subsequent_indent=indent,
        break_long_words=False,
        break_on_hyphens=False,
    )


def html_mark(snippet: str, start: int, end: int) -> Markup:
    """``snippet`` escaped for HTML, with ``snippet[start:end]`` in ``<mark>``."""
    before, match, after = split_match(snippet, start, end)
    if not match:
        return escape(before + after)
    return escape(before) + Markup("<mark>") + escape(match) + Markup("</mark>") + escape(after)


def html_link(text: str, url: str | None) -> Markup:
    """``<a href="url">text</a>`` when ``url`` is http(s); otherwise the escaped text.

    The link gets ``rel="noopener noreferrer"``: where the digest was read is
    none of the linked site's business.
    """
    label = oneline(text)
    destination = safe_url(url)
    if destination is None:
        return escape(label)
    return Markup('<a href="{}" rel="noopener noreferrer">{}</a>').format(
        destination, label or destination
    )
