"""DigestContent -> Markdown, through a Jinja2 template the user may override."""

from __future__ import annotations

import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from watcher.digest.group import group_hits
from watcher.digest.markdown import highlight, md_code, md_escape, md_link
from watcher.digest.times import local, zone
from watcher.errors import DigestError, Location
from watcher.model import DigestContent
from watcher.resources import shipped_dir

DEFAULT_TEMPLATE = "digest.md.j2"


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
    undefined variables are errors, and autoescape is on only for HTML/XML:
    Markdown is escaped field by field with the ``md_*`` and ``highlight`` filters.
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
    )
    return env


def _template_location(exc: BaseException, template: jinja2.Template) -> Location | None:
    """Where in the template a runtime error happened, from Jinja's rewritten traceback."""
    if template.filename is None:
        return None
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == template.filename]
    if not frames:
        return Location(template.filename)
    return Location(template.filename, frames[-1].lineno)


def _load(env: jinja2.Environment, name: str) -> jinja2.Template:
    try:
        return env.get_template(name)
    except jinja2.TemplateNotFound as exc:
        raise DigestError(
            f"digest template {name!r} not found",
            hint="check the template name, or copy the shipped template into the templates folder",
        ) from exc
    except jinja2.TemplateSyntaxError as exc:
        where = Location(exc.filename or exc.name or name, exc.lineno)
        raise DigestError(exc.message or "syntax error", location=where) from exc


def render_digest(
    content: DigestContent, env: jinja2.Environment, *, template: str = DEFAULT_TEMPLATE
) -> str:
    """Render ``content`` with ``template``; any template problem becomes a DigestError."""
    zone(content.timezone)  # an unknown zone is reported as such, not as a template failure
    hits = content.hits
    context: dict[str, Any] = {
        "digest": content,
        "name": content.name,
        "timezone": content.timezone,
        "period_start": content.period_start,
        "period_end": content.period_end,
        "generated_at": content.generated_at or datetime.now(UTC),
        "groups": group_hits(hits, content.watchlist_titles),
        "hit_count": len(hits),
        "document_count": len({(s.document.path, s.document.sha256) for s in hits}),
        "ruleset_versions": tuple(sorted({s.ruleset_version for s in hits})),
    }
    loaded = _load(env, template)
    try:
        return loaded.render(context)
    except Exception as exc:  # a user's template is code we do not control
        if isinstance(exc, DigestError):  # from a filter, e.g. localtime with a bad zone
            message, hint = exc.message, exc.hint
        else:
            message, hint = f"cannot render the digest: {exc}", None
        raise DigestError(message, location=_template_location(exc, loaded), hint=hint) from exc
