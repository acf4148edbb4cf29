"""AlertContent -> an immediate alert in Markdown, plain text and HTML.

Same templates machinery and escaping guarantees as the digest
(:mod:`watcher.digest.render`): HTML autoescaped whatever the template's
name, Markdown escaped field by field, plain text on clean lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import jinja2

from watcher.digest.render import (
    header_text,
    html_environment,
    render_template,
    text_environment,
)
from watcher.digest.times import zone
from watcher.digest.view import alert_view
from watcher.model import AlertContent

ALERT_TEMPLATES = ("alert.md.j2", "alert.txt.j2", "alert.html.j2")
"""The Markdown, plain-text and HTML alert templates, in that order."""


@dataclass(frozen=True, slots=True)
class RenderedAlert:
    """An alert in every format: a one-line subject, Markdown, plain text and HTML."""

    subject: str
    markdown: str
    text: str
    html: str


def alert_subject(content: AlertContent) -> str:
    """``watcher alert: Li Shangfu — <title> (<outlet>)``, on one clean line."""
    view = alert_view(content)
    names = ", ".join(n.name for w in view.watchlists for n in w.names)
    return header_text(f"watcher alert: {names} — {view.outlet.title} ({view.outlet.source})")


def alert_context(content: AlertContent) -> dict[str, Any]:
    """The variables every alert template gets (documented in the shipped templates)."""
    zone(content.timezone)  # an unknown zone is reported as such, not as a template failure
    view = alert_view(content)
    return {
        "alert": view,
        "content": content,
        "document": view.outlet,
        "watchlists": view.watchlists,
        "names": tuple(dict.fromkeys(n.name for w in view.watchlists for n in w.names)),
        "evidence": view.evidence,
        "severity": view.severity,
        "story": view.story,
        "story_key": view.story_key,
        "also": view.also,
        "reason": content.reason,
        "mute_names": view.mute_names,
        "mute_story": view.mute_story,
        "timezone": content.timezone,
        "generated_at": content.generated_at,
        "ruleset_versions": view.ruleset_versions,
        "subject": alert_subject(content),
    }


def render_alert(content: AlertContent, env: jinja2.Environment) -> RenderedAlert:
    """Render ``content`` in every format; any template problem is a DigestError."""
    context = alert_context(content)
    markdown, text, html = ALERT_TEMPLATES
    return RenderedAlert(
        subject=context["subject"],
        markdown=render_template(env, markdown, context, "alert"),
        text=render_template(text_environment(env), text, context, "alert"),
        html=render_template(html_environment(env), html, context, "alert"),
    )
