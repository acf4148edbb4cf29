"""The commands about what watcher tells people: digests, alerts, silences, stories.

Registered on :data:`watcher.cli.cli` when :mod:`watcher.cli` is imported;
errors are turned into messages by :func:`watcher.cli.main`, like every command's.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from watcher.cli import _config_option, _reading, _settings, _setup_logging, _since, _table_or_json
from watcher.cli import cli as group
from watcher.durations import parse_duration
from watcher.errors import ConfigError

_STORY = re.compile(r"story:([0-9a-fA-F]{6,64})")


@group.command()
@click.argument("name")
@click.option("--preview", is_flag=True, help="Print the digest; claim and deliver nothing.")
@click.option(
    "--send", is_flag=True, help="Deliver it now by its configured channel (email or file)."
)
@_config_option
@click.pass_context
def digest(ctx: click.Context, name: str, preview: bool, send: bool, config: Path | None) -> None:
    """Produce the digest NAME now, with every hit not yet in a digest of that name.

    A Markdown digest is written to its folder. An email digest is sent only
    with --send, so that trying the command never mails anyone by accident;
    --send also sends at once the digests of NAME waiting for a retry.
    """
    from watcher.daemon import open_digest_runner

    settings = _settings(ctx, config)
    configured = settings.digest(name)  # an unknown name is an error before the database
    if preview and send:
        raise click.UsageError("--preview and --send exclude each other")
    if configured.format == "email" and not (preview or send):
        raise click.UsageError(
            f"digest {name} is sent by email: add --send to send it now, "
            "or --preview to see it without sending"
        )
    _setup_logging(settings.log_level)
    with open_digest_runner(settings) as runner:
        if preview:
            click.echo(runner.preview(name), nl=False)
            return
        outcomes = runner.send_pending(name) if send else []
        outcomes.append(runner.run(name))
    for outcome in outcomes:
        click.echo(outcome.describe())
    if any(o.status in {"failed", "deferred"} for o in outcomes):
        ctx.exit(1)


def _recipients(record: Any, configured: tuple[str, ...]) -> list[dict[str, Any]]:
    if record.recipients:
        return [
            {"address": r.address, "status": r.status, "reply": r.reply} for r in record.recipients
        ]
    if record.format != "email":
        return []
    status = "failed" if record.status == "failed" else "pending"
    return [{"address": a, "status": status, "reply": None} for a in configured]


@group.command("digests")
@click.option("--name", help="Only digests of this name.")
@_table_or_json("table: for people; json: a list of objects.")
@_config_option
@click.pass_context
def digests_command(ctx: click.Context, name: str | None, fmt: str, config: Path | None) -> None:
    """List past digests, newest first: period, status, recipients, hits and file."""
    settings = _settings(ctx, config)
    configured = {d.name: d.recipients for d in settings.digests}
    with _reading(settings) as store:
        records = store.digests(name)
    rows: list[dict[str, Any]] = [
        {
            "id": r.id,
            "name": r.name,
            "format": r.format,
            "period_start": r.period_start.isoformat() if r.period_start else None,
            "period_end": r.period_end.isoformat(),
            "status": r.status,
            "hit_count": r.hit_count,
            "output_path": r.output_path,
            "message_id": r.message_id,
            "attempts": r.attempts,
            "next_attempt_at": r.next_attempt_at.isoformat() if r.next_attempt_at else None,
            "recipients": _recipients(r, configured.get(r.name, ())),
            "error": r.error,
        }
        for r in records
    ]
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{len(records)} digest(s)")
    for column in ("id", "name", "period end (UTC)", "status", "hits", "delivered to"):
        table.add_column(column, no_wrap=column not in {"delivered to"})
    for row in rows:
        where = row["output_path"] or ", ".join(
            f"{r['address']} ({r['status']})" for r in row["recipients"]
        )
        if row["error"]:
            where = f"{where} · {row['error']}" if where else row["error"]
        table.add_row(
            str(row["id"]),
            row["name"],
            row["period_end"][:16].replace("T", " "),
            row["status"],
            str(row["hit_count"]),
            where,
        )
    Console().print(table)


@group.command()
@click.argument("target")
@click.option(
    "--for", "duration", required=True, metavar="DURATION", help="How long: 30m, 12h, 2d."
)
@_config_option
@click.pass_context
def silence(ctx: click.Context, target: str, duration: str, config: Path | None) -> None:
    """Mute alerts about TARGET: an entity's name, or story:KEY from a digest or alert.

    Digests still list everything; only immediate alerts are held back.
    """
    from watcher.alerting import entity_target
    from watcher.rules import load_rules

    try:
        length = parse_duration(duration)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--for") from None
    if length.total_seconds() <= 0:
        raise click.BadParameter("must be longer than zero", param_hint="--for")
    settings = _settings(ctx, config)
    story = _STORY.fullmatch(target.strip())
    with _reading(settings) as store:
        if story is not None:
            key = story.group(1).lower()
            if not store.documents_with_prefix(key, limit=1):
                raise ConfigError(
                    f"no story {key}: no stored document's key starts with it",
                    hint="copy the key from a digest or an alert (story:1a2b3c4d5e6f)",
                )
            kind, stored_target, shown = "story", key, f"story {key}"
        elif target.startswith("story:"):
            raise click.BadParameter(
                "a story key is 6 to 64 hexadecimal characters, as in story:1a2b3c4d5e6f",
                param_hint="TARGET",
            )
        else:
            names = {n for w in load_rules(settings.rules).watchlists for n in _names(w)}
            folded = entity_target(target)
            if folded not in {entity_target(n) for n in names}:
                import difflib

                close = difflib.get_close_matches(target, sorted(names), n=1)
                raise ConfigError(
                    f"no entity, topic or rule called {target!r} in the rules",
                    hint=f"did you mean {close[0]!r}?" if close else "check the name in rules/",
                )
            kind, stored_target, shown = "entity", folded, target
        until = datetime.now(UTC) + length
        store.add_silence(kind, stored_target, until)
    click.echo(f"silenced {shown} until {until:%Y-%m-%d %H:%M} UTC")


def _names(watchlist: Any) -> list[str]:
    return [
        *(e.name for e in watchlist.entities),
        *(t.name for t in watchlist.topics),
        *(r.name for r in watchlist.rules),
    ]


@group.command()
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    default=20,
    show_default=True,
    help="At most this many alerts, newest first.",
)
@_table_or_json("table: for people; json: alerts and silences as objects.")
@_config_option
@click.pass_context
def alerts(ctx: click.Context, limit: int, fmt: str, config: Path | None) -> None:
    """List recent immediate alerts (sent, suppressed, failed) and the silences in force."""
    settings = _settings(ctx, config)
    with _reading(settings) as store:
        records = store.alerts(limit=limit)
        silences = store.active_silences()
    rows: list[dict[str, Any]] = [
        {
            "id": a.id,
            "created_at": a.created_at.isoformat(),
            "status": a.status,
            "document": a.document_path,
            "names": list(a.names),
            "story": a.story_key,
            "reason": a.reason,
            "file": a.output_path,
            "recipients": [
                {"address": r.address, "status": r.status, "reply": r.reply} for r in a.recipients
            ],
            "error": a.error,
        }
        for a in records
    ]
    muted = [{"kind": s.kind, "target": s.target, "until": s.until.isoformat()} for s in silences]
    if fmt == "json":
        click.echo(json.dumps({"alerts": rows, "silences": muted}, ensure_ascii=False, indent=2))
        return
    for row in rows:
        click.echo(
            f"#{row['id']} {row['created_at'][:16].replace('T', ' ')} {row['status']}: "
            f"{', '.join(row['names'])} in {row['document']} ({row['reason']})"
        )
        if row["error"]:
            click.echo(f"    error: {row['error']}")
    if not rows:
        click.echo("no alerts")
    for entry in muted:
        click.echo(f"silenced {entry['kind']} {entry['target']} until {entry['until'][:16]}")


@group.command()
@click.option("--since", metavar="DURATION", help="Only documents ingested within this time.")
@_table_or_json("table: a list for people; json: one object per story with its documents.")
@_config_option
@click.pass_context
def stories(ctx: click.Context, since: str | None, fmt: str, config: Path | None) -> None:
    """List stories: documents from several outlets grouped by shared entities and content.

    --format json prints one object per story with its key, title, entities
    and documents (path, title, source, published).
    """
    from watcher.stories import group_stories

    cutoff = _since(since)
    settings = _settings(ctx, config)
    grouping = settings.stories
    with _reading(settings) as store:
        found = group_stories(
            store.hits(since=cutoff),
            window=grouping.window,
            min_shared=grouping.min_shared,
            min_similarity=grouping.min_similarity,
        )
    out = [
        {
            "key": story.key,
            "title": story.title,
            "entities": list(story.entities),
            "documents": [
                {
                    "path": d.path,
                    "title": d.title,
                    "source": d.source,
                    "published": d.published_at.isoformat() if d.published_at else None,
                }
                for d in story.documents
            ],
        }
        for story in found
    ]
    if fmt == "json":
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
        return
    for story in found:
        sources = ", ".join(sorted({d.source or "source unknown" for d in story.documents}))
        click.echo(
            f"{story.title} ({len(story.documents)} document(s): {sources}) story:{story.key}"
        )
        for document in story.documents:
            click.echo(f"  {document.path}")
