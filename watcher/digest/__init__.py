"""Hits -> a Markdown digest (Jinja2) -> a file. Pure: no database, scheduler or watcher.

``group_hits`` orders the hits for reading, ``render_digest`` fills a template
from :func:`make_environment`, ``write_atomically`` delivers the text under
the name ``digest_filename`` gives.
"""

from watcher.digest.deliver import digest_filename, write_atomically
from watcher.digest.group import MAX_SNIPPETS, DigestItem, NameGroup, WatchlistGroup, group_hits
from watcher.digest.markdown import highlight, md_code, md_escape, md_link, safe_url
from watcher.digest.render import DEFAULT_TEMPLATE, make_environment, render_digest

__all__ = [
    "DEFAULT_TEMPLATE",
    "MAX_SNIPPETS",
    "DigestItem",
    "NameGroup",
    "WatchlistGroup",
    "digest_filename",
    "group_hits",
    "highlight",
    "make_environment",
    "md_code",
    "md_escape",
    "md_link",
    "render_digest",
    "safe_url",
    "write_atomically",
]
