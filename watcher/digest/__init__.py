"""Hits -> a digest or an alert in Markdown, plain text and HTML (Jinja2) -> a file or mail.

Pure: no database, scheduler or watcher. :func:`digest_view` and
:func:`alert_view` decide what is shown (stories, counts, evidence, mute
commands); ``render_digest``, ``render_digest_email`` and ``render_alert``
fill templates from :func:`make_environment`; ``write_atomically`` delivers
the text under the name ``digest_filename`` gives. ``group_hits`` is the
older watchlist > name > document grouping, still offered to templates.
"""

from watcher.digest.alert import ALERT_TEMPLATES, RenderedAlert, alert_subject, render_alert
from watcher.digest.deliver import digest_filename, write_atomically
from watcher.digest.formats import html_link, html_mark, oneline, text_mark, wrap
from watcher.digest.group import MAX_SNIPPETS, DigestItem, NameGroup, WatchlistGroup, group_hits
from watcher.digest.markdown import highlight, md_code, md_escape, md_link, safe_url, split_match
from watcher.digest.render import (
    DEFAULT_TEMPLATE,
    HTML_TEMPLATE,
    TEXT_TEMPLATE,
    RenderedEmail,
    digest_subject,
    html_environment,
    make_environment,
    render_digest,
    render_digest_email,
    text_environment,
)
from watcher.digest.view import (
    MAX_ALERT_EVIDENCE,
    MAX_EVIDENCE,
    AlertView,
    DigestView,
    Evidence,
    NameHit,
    Outlet,
    StoryItem,
    WatchlistHits,
    WatchlistSummary,
    alert_view,
    digest_view,
    mute_name_command,
    mute_story_command,
)

__all__ = [
    "ALERT_TEMPLATES",
    "DEFAULT_TEMPLATE",
    "HTML_TEMPLATE",
    "MAX_ALERT_EVIDENCE",
    "MAX_EVIDENCE",
    "MAX_SNIPPETS",
    "TEXT_TEMPLATE",
    "AlertView",
    "DigestItem",
    "DigestView",
    "Evidence",
    "NameGroup",
    "NameHit",
    "Outlet",
    "RenderedAlert",
    "RenderedEmail",
    "StoryItem",
    "WatchlistGroup",
    "WatchlistHits",
    "WatchlistSummary",
    "alert_subject",
    "alert_view",
    "digest_filename",
    "digest_subject",
    "digest_view",
    "group_hits",
    "highlight",
    "html_environment",
    "html_link",
    "html_mark",
    "make_environment",
    "md_code",
    "md_escape",
    "md_link",
    "mute_name_command",
    "mute_story_command",
    "oneline",
    "render_alert",
    "render_digest",
    "render_digest_email",
    "safe_url",
    "split_match",
    "text_environment",
    "text_mark",
    "wrap",
    "write_atomically",
]
