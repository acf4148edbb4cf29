"""DigestContent -> Markdown, plain text and HTML, through Jinja2 templates the user may override.

Markdown is escaped field by field with the ``md_*`` and ``highlight``
filters; HTML always renders with autoescape forced on (:func:`html_environment`),
whatever the template file is called; plain text collapses control
characters with ``oneline``, ``wrap`` and ``text_mark``.
"""

from __future__ import annotations

import traceback
import unicodedata
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from watcher.digest.formats import html_link, html_mark, oneline, text_mark, wrap
from watcher.digest.group import group_hits
from watcher.digest.markdown import highlight, md_code, md_escape, md_link, safe_url
from watcher.digest.times import local, zone
from watcher.digest.view import digest_view
from watcher.errors import DigestError, Location
from watcher.model import DigestContent
from watcher.resources import shipped_dir

DEFAULT_TEMPLATE = "digest.md.j2"
TEXT_TEMPLATE = "digest.txt.j2"
HTML_TEMPLATE = "digest.html.j2"
SUBJECT_LIMIT = 150
"""Characters in a subject line; mail clients cut long ones anyway."""


@dataclass(frozen=True, slots=True)
class RenderedEmail:
    """A digest as an email: a one-line subject, a plain-text part and an HTML part."""

    subject: str
    text: str
    html: str


def localtime(moment: datetime, timezone: str) -> str:
    """``2023-08-21 14:41 (Europe/Minsk)``: ``moment`` as wall-clock time in ``timezone``."""
    return f"{local(moment, timezone):%Y-%m-%d %H:%M} ({timezone})"


def date(moment: datetime, timezone: str) -> str:
    """``2023-08-21``: the calendar day of ``moment`` in ``timezone``."""
    return local(moment, timezone).date().isoformat()


def plural(count: int, word: str, many: str | None = None) -> str:
    """``1 hit``, ``3 hits``; ``many`` for irregular plurals."""
    return f"{count} {word if count == 1 else many or word + 's'}"


def make_environment(user_templates: Path | None) -> jinja2.Environment:
    """A Jinja2 environment that looks in ``user_templates`` first, then the shipped templates.

    Templates are sandboxed (whoever edits them should not get to run Python),
    undefined variables are errors, and autoescape is on only for HTML/XML
    file names: Markdown is escaped field by field with the ``md_*`` and
    ``highlight`` filters. HTML is rendered through :func:`html_environment`,
    which turns autoescape on whatever the name.
    """
    loaders: list[jinja2.BaseLoader] = []
    if user_templates is not None:
        if not user_templates.is_dir():
            raise DigestError(
                "the templates folder does not exist",
                location=Location(str(user_templates)),
                hint="create it and copy the shipped digest.md.j2 into it, or unset it",
            )
        loaders.append(jinja2.FileSystemLoader(user_templates))
    loaders.append(jinja2.FileSystemLoader(shipped_dir("templates")))
    env = SandboxedEnvironment(
        loader=jinja2.ChoiceLoader(loaders),
        undefined=jinja2.StrictUndefined,
        autoescape=jinja2.select_autoescape(
            enabled_extensions=("html", "htm", "xml", "html.j2", "htm.j2", "xml.j2"),
            default_for_string=False,
            default=False,
        ),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        md_escape=md_escape,
        highlight=highlight,
        md_code=md_code,
        md_link=md_link,
        localtime=localtime,
        date=date,
        plural=plural,
        safe_url=safe_url,
        oneline=oneline,
        text_mark=text_mark,
        wrap=wrap,
        html_mark=html_mark,
        html_link=html_link,
    )
    return env


# One overlay per environment, made on first use; it goes when the environment does.
_HTML_OVERLAYS: weakref.WeakKeyDictionary[jinja2.Environment, jinja2.Environment] = (
    weakref.WeakKeyDictionary()
)
_TEXT_OVERLAYS: weakref.WeakKeyDictionary[jinja2.Environment, jinja2.Environment] = (
    weakref.WeakKeyDictionary()
)


def html_environment(env: jinja2.Environment) -> jinja2.Environment:
    """``env`` with autoescape forced on, for every HTML template whatever its name.

    Deciding by file extension would leave a user's ``digest.html.jinja`` or
    ``.htm`` unescaped. The overlay gets a cache of its own: a copy of
    ``env``'s could hand back a template compiled there without autoescape.
    """
    overlay = _HTML_OVERLAYS.get(env)
    if overlay is None:
        overlay = env.overlay(autoescape=True, cache_size=50)
        _HTML_OVERLAYS[env] = overlay
    return overlay


def text_environment(env: jinja2.Environment) -> jinja2.Environment:
    """``env`` with autoescape forced off: plain text must not show ``&amp;``."""
    overlay = _TEXT_OVERLAYS.get(env)
    if overlay is None:
        overlay = env.overlay(autoescape=False, cache_size=50)
        _TEXT_OVERLAYS[env] = overlay
    return overlay


def header_text(text: str, limit: int = SUBJECT_LIMIT) -> str:
    """``text`` fit for a mail header: one line, no control characters, at most ``limit`` long."""
    cleaned = " ".join(
        "".join(" " if unicodedata.category(c)[0] in "CZ" else c for c in text).split()
    )
    if len(cleaned) > limit:
        cleaned = cleaned[: limit - 1].rstrip() + "…"
    return cleaned


def _template_location(exc: BaseException, template: jinja2.Template) -> Location | None:
    """Where in the template a runtime error happened, from Jinja's rewritten traceback."""
    if template.filename is None:
        return None
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == template.filename]
    if not frames:
        return Location(template.filename)
    return Location(template.filename, frames[-1].lineno)


def _load(env: jinja2.Environment, name: str, what: str = "digest") -> jinja2.Template:
    try:
        return env.get_template(name)
    except jinja2.TemplateNotFound as exc:
        raise DigestError(
            f"{what} template {name!r} not found",
            hint="check the template name, or copy the shipped template into the templates folder",
        ) from exc
    except jinja2.TemplateSyntaxError as exc:
        where = Location(exc.filename or exc.name or name, exc.lineno)
        raise DigestError(exc.message or "syntax error", location=where) from exc


def render_template(
    env: jinja2.Environment, name: str, context: Mapping[str, Any], what: str = "digest"
) -> str:
    """Render template ``name``; any template problem becomes a DigestError with its line."""
    loaded = _load(env, name, what)
    try:
        return loaded.render(context)
    except Exception as exc:  # a user's template is code we do not control
        if isinstance(exc, DigestError):  # from a filter, e.g. localtime with a bad zone
            message, hint = exc.message, exc.hint
        else:
            message, hint = f"cannot render the {what}: {exc}", None
        raise DigestError(message, location=_template_location(exc, loaded), hint=hint) from exc


def digest_subject(content: DigestContent, story_count: int, document_count: int) -> str:
    """``watcher daily digest 2023-08-21: 1 story, 5 documents``, or ``...: nothing new``."""
    day = date(content.period_end, content.timezone)
    if story_count:
        counts = f"{plural(story_count, 'story', 'stories')}, {plural(document_count, 'document')}"
    else:
        counts = "nothing new"
    return header_text(f"watcher {content.name} digest {day}: {counts}")


def digest_context(content: DigestContent) -> dict[str, Any]:
    """The variables every digest template gets (documented in the shipped templates)."""
    zone(content.timezone)  # an unknown zone is reported as such, not as a template failure
    view = digest_view(content)
    return {
        "digest": content,
        "name": content.name,
        "timezone": content.timezone,
        "period_start": content.period_start,
        "period_end": content.period_end,
        "generated_at": content.generated_at or datetime.now(UTC),
        "filter_note": content.filter_note,
        "subject": digest_subject(content, view.story_count, view.document_count),
        "stories": view.stories,
        "watchlists": view.watchlists,
        "story_count": view.story_count,
        "hit_count": view.hit_count,
        "document_count": view.document_count,
        "ruleset_versions": view.ruleset_versions,
        # The watchlist > name > document grouping of earlier versions, for
        # users' templates written against it.
        "groups": group_hits(content.hits, content.watchlist_titles),
    }


def render_digest(
    content: DigestContent, env: jinja2.Environment, *, template: str = DEFAULT_TEMPLATE
) -> str:
    """Render ``content`` as Markdown with ``template``; any template problem is a DigestError."""
    return render_template(env, template, digest_context(content))


def render_digest_email(
    content: DigestContent,
    env: jinja2.Environment,
    *,
    text_template: str = TEXT_TEMPLATE,
    html_template: str = HTML_TEMPLATE,
) -> RenderedEmail:
    """Render ``content`` as an email: subject, plain text and HTML (always autoescaped)."""
    context = digest_context(content)
    return RenderedEmail(
        subject=context["subject"],
        text=render_template(text_environment(env), text_template, context),
        html=render_template(html_environment(env), html_template, context),
    )
