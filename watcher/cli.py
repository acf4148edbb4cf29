"""The ``watcher`` command.

Every domain error (:class:`WatcherError`) becomes a clean message and exit
status 1 in exactly one place, :func:`main`; nothing below prints tracebacks
for problems a user can fix.
"""

from __future__ import annotations

import csv
import json
import logging
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from watcher import __version__
from watcher.durations import parse_duration
from watcher.errors import RuleSetError, WatcherError
from watcher.model import Hit, StoredHit
from watcher.settings import Settings, load_settings

if TYPE_CHECKING:
    from watcher.store import Store

F = TypeVar("F", bound=Callable[..., Any])

EXIT_PROBLEMS = 1


def _config_option(func: F) -> F:
    return click.option(
        "--config",
        "config",
        type=click.Path(path_type=Path, dir_okay=False),
        default=None,
        help="Path to watcher.toml (default: ./watcher.toml, or $WATCHER_CONFIG).",
    )(func)


def _table_or_json(help_text: str) -> Callable[[F], F]:
    """The ``--format table|json`` option of the listing commands."""
    option = click.option(
        "--format",
        "fmt",
        type=click.Choice(["table", "json"]),
        default="table",
        show_default=True,
        help=help_text,
    )

    def decorate(func: F) -> F:
        return option(func)

    return decorate


def _settings(ctx: click.Context, config: Path | None) -> Settings:
    chosen = config or ctx.find_root().params.get("config")
    return load_settings(chosen)


def _setup_logging(level: str) -> None:
    logging.basicConfig(
        level=getattr(logging, level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if level.upper() != "DEBUG":
        # Alembic narrates every migration step at INFO; that is debugging detail here.
        logging.getLogger("alembic").setLevel(logging.WARNING)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="watcher")
@_config_option
def cli(config: Path | None) -> None:
    """watcher: follow people, organisations and topics across a stream of news.

    It watches a drop folder, matches every new document against the YAML
    watchlists in rules/, stores each hit with its evidence and writes
    scheduled digests. Every command reads watcher.toml (see --config).
    """


@cli.command()
@_config_option
@click.option("--once", is_flag=True, help="Process the inbox, render due digests, then exit.")
@click.pass_context
def run(ctx: click.Context, config: Path | None, once: bool) -> None:
    """Run the daemon: watch the inbox, match, store, and write digests on schedule.

    Files that arrived while watcher was down are taken first. SIGINT or
    SIGTERM stop it cleanly. With --once, everything waiting in the inbox is
    processed, the digests that are due are rendered, and watcher exits.
    """
    from watcher.daemon import Daemon, run_once

    settings = _settings(ctx, config)
    _setup_logging(settings.log_level)
    if once:
        report = run_once(settings)
        for line in report.lines():
            click.echo(line)
        return
    Daemon(settings).run_forever()


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path, exists=True))
@click.option(
    "--rules",
    "rules_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Rules folder (default: [paths] rules of the config).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text: the hits under each file; json: one JSON object per hit, one per line.",
)
@click.option(
    "--explain",
    is_flag=True,
    help="Show why each hit matched: alias or term, variant, folding, short form, rule clauses.",
)
@_config_option
@click.pass_context
def match(
    ctx: click.Context,
    files: Sequence[Path],
    rules_dir: Path | None,
    fmt: str,
    explain: bool,
    config: Path | None,
) -> None:
    """Match FILES against the watchlists and print the hits (dry run, no database).

    --format json prints one JSON object per hit, one per line (with a
    "details" list saying why it matched). --explain adds the same to the text
    output.
    """
    from watcher.extract import extract_all
    from watcher.rules.cache import load_matcher

    if rules_dir is None:
        settings = _settings(ctx, config)
        matcher = load_matcher(settings.rules, settings.cache_dir)
    else:
        matcher = load_matcher(rules_dir, None)  # an ad-hoc folder: nothing cached
    failed = False
    for path in _expand(files):
        try:
            documents = extract_all(path, path.read_bytes())
        except (WatcherError, OSError) as exc:
            click.echo(f"{path}: cannot read: {_reason(exc)}", err=True)
            failed = True
            continue
        for document in documents:
            _print_matches(document.path, matcher.match(document), fmt, explain)
    if failed:
        ctx.exit(EXIT_PROBLEMS)


def _print_matches(document: str, hits: Sequence[Hit], fmt: str, explain: bool) -> None:
    """One document's hits: a JSON object per line, or a readable list."""
    if fmt == "json":
        for hit in hits:
            click.echo(json.dumps(_hit_json(document, hit), ensure_ascii=False))
        return
    click.echo(f"{document}: {len(hits)} hit{'' if len(hits) == 1 else 's'}")
    for hit in hits:
        text = " ".join(hit.text.split())
        click.echo(f"  {hit.start}-{hit.end}  {hit.watchlist} / {hit.name} ({hit.kind}): {text!r}")
        if explain:
            for line in hit.details:
                click.echo(f"      {line}")


def _reason(exc: WatcherError | OSError) -> str:
    """Why a file could not be read, without repeating its path."""
    if isinstance(exc, WatcherError):
        return f"{exc.message} ({exc.hint})" if exc.hint else exc.message
    return exc.strerror or str(exc)


def _expand(paths: Sequence[Path]) -> list[Path]:
    """Files as given; folders become the documents inside them.

    Inside a folder the inbox's rules apply: links, pipes and the like are
    named on stderr and skipped.
    """
    from watcher.extract import SUPPORTED_SUFFIXES
    from watcher.ingest import Reject, classify_tree

    out: list[Path] = []
    for path in paths:
        if not path.is_dir():
            out.append(path)
            continue
        for found in classify_tree(path, SUPPORTED_SUFFIXES):
            if isinstance(found, Reject):
                click.echo(f"{found.path}: skipped: {found.reason}", err=True)
            else:
                out.append(found.path)
    return out


def _hit_json(document: str, hit: Hit) -> dict[str, Any]:
    return {
        "document": document,
        "watchlist": hit.watchlist,
        "name": hit.name,
        "kind": hit.kind,
        "category": hit.category,
        "alias": hit.alias,
        "text": hit.text,
        "start": hit.start,
        "end": hit.end,
        "snippet": hit.snippet,
        "severity": hit.severity.value,
        "details": list(hit.details),
    }


@cli.group()
def rules() -> None:
    """Check and inspect the watchlists."""


@rules.command("check")
@click.argument("directory", required=False, type=click.Path(path_type=Path, file_okay=False))
@_config_option
@click.pass_context
def rules_check(ctx: click.Context, directory: Path | None, config: Path | None) -> None:
    """Validate every rule file; print each problem as path:line:col: message.

    Exits 1 when there is any problem, 0 with a summary otherwise.
    """
    from watcher.rules import check_rules

    if directory is None:
        directory = _settings(ctx, config).rules
    report = check_rules(directory)
    for problem in (*report.problems, *report.warnings):
        click.echo(str(problem), err=problem in report.problems)
    if report.ruleset is None:
        count = len(report.problems)
        click.echo(f"{count} problem{'' if count == 1 else 's'} found", err=True)
        ctx.exit(EXIT_PROBLEMS)
    ruleset = report.ruleset
    entities = sum(len(w.entities) for w in ruleset.watchlists)
    topics = sum(len(w.topics) for w in ruleset.watchlists)
    click.echo(
        f"ok: {len(report.files)} file(s), {len(ruleset.watchlists)} watchlist(s), "
        f"{entities} entities, {topics} topics (rules version {ruleset.version})"
    )


@rules.command("test")
@click.argument("directory", required=False, type=click.Path(path_type=Path, file_okay=False))
@click.option("-v", "--verbose", is_flag=True, help="List passing examples too.")
@_config_option
@click.pass_context
def rules_test(
    ctx: click.Context, directory: Path | None, verbose: bool, config: Path | None
) -> None:
    """Run the examples of every entity, topic and rule (their self-tests).

    Each failing example is printed as path:line:col: what was expected and
    what was found; exits 1 when any fails.
    """
    from watcher.rules import load_rules
    from watcher.selftest import run_examples

    if directory is None:
        directory = _settings(ctx, config).rules
    results = run_examples(load_rules(directory))
    failures = [r for r in results if not r.passed]
    for result in results:
        if verbose or not result.passed:
            click.echo(result.message(), err=not result.passed)
    summary = f"{len(results)} example(s), {len(failures)} failed"
    if failures:
        click.echo(summary, err=True)
        ctx.exit(EXIT_PROBLEMS)
    click.echo(f"ok: {summary}")


@cli.command()
@click.option(
    "--since",
    metavar="DURATION",
    help="Only hits in documents ingested within this time: 90m, 24h, 7d, 1d12h.",
)
@click.option("--watchlist", metavar="ID", help="Only hits of this watchlist id.")
@click.option("--limit", type=click.IntRange(min=1), metavar="N", help="At most N hits.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
    help="table for reading; json (a list of objects) or csv for other tools.",
)
@_config_option
@click.pass_context
def hits(
    ctx: click.Context,
    since: str | None,
    watchlist: str | None,
    limit: int | None,
    fmt: str,
    config: Path | None,
) -> None:
    """List stored hits, newest documents first."""

    cutoff = _since(since)
    settings = _settings(ctx, config)
    with _reading(settings) as store:
        found = store.hits(since=cutoff, watchlist=watchlist, limit=limit)
    _print_hits(found, fmt)


# The fields of every JSON object and the CSV columns, in this order.
_FIELDS = (
    "id",
    "watchlist",
    "name",
    "kind",
    "category",
    "text",
    "start",
    "end",
    "snippet",
    "severity",
    "title",
    "source",
    "published_at",
    "ingested_at",
    "url",
    "path",
    "ruleset_version",
)


def _hit_row(stored: StoredHit) -> dict[str, Any]:
    hit, doc = stored.hit, stored.document
    return {
        "id": stored.id,
        "watchlist": hit.watchlist,
        "name": hit.name,
        "kind": hit.kind,
        "category": hit.category,
        "text": hit.text,
        "start": hit.start,
        "end": hit.end,
        "snippet": hit.snippet,
        "severity": hit.severity.value,
        "title": doc.title,
        "source": doc.source,
        "published_at": doc.published_at.isoformat() if doc.published_at else None,
        "ingested_at": doc.ingested_at.isoformat(),
        "url": doc.url,
        "path": doc.path,
        "ruleset_version": stored.ruleset_version,
    }


@contextmanager
def _reading(settings: Settings) -> Iterator[Store]:
    """The configured store for a read-only command; its schema must be current."""
    from watcher.store import Store

    store = Store(settings.database_url)
    try:
        store.check_schema()
        yield store
    finally:
        store.close()


def _since(since: str | None) -> datetime | None:
    """The moment ``--since DURATION`` reaches back to, or a usage error."""
    if since is None:
        return None
    try:
        return datetime.now(UTC) - parse_duration(since)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--since") from None
    except OverflowError:
        # A duration beyond what datetime holds (timedelta or year 1): not a user's typo
        # that deserves a traceback.
        raise click.BadParameter(
            f"{since!r} reaches back too far; use a shorter duration", param_hint="--since"
        ) from None


def _print_hits(found: Sequence[StoredHit], fmt: str) -> None:
    rows = [_hit_row(h) for h in found]
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if fmt == "csv":
        # The header is the same with or without rows, so tools can rely on it.
        writer = csv.DictWriter(sys.stdout, fieldnames=_FIELDS)
        writer.writeheader()
        writer.writerows(rows)
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{len(rows)} hit{'' if len(rows) == 1 else 's'}")
    # The watchlist id and the time are what people filter on: never cut them.
    table.add_column("watchlist", no_wrap=True)
    for column in ("name", "text", "title", "source"):
        table.add_column(column, ratio=2 if column == "title" else 1)
    table.add_column("ingested (UTC)", no_wrap=True)
    for row in rows:
        table.add_row(
            row["watchlist"],
            row["name"],
            " ".join(row["text"].split()),
            row["title"] or "",
            row["source"] or "",
            row["ingested_at"][:16].replace("T", " "),
        )
    Console().print(table)


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path, exists=True))
@click.option("--quiet", "-q", is_flag=True, help="No progress bar; only the summary.")
@_config_option
@click.pass_context
def ingest(ctx: click.Context, paths: Sequence[Path], quiet: bool, config: Path | None) -> None:
    """Process files or folder trees in one go (a backfill), with a progress bar.

    Each document is matched and stored exactly as the daemon would; a file
    already seen is skipped. Safe to run while the daemon runs. Ends with a
    summary: new, already seen, near-duplicate, quarantined, hits.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from watcher.daemon import open_processor
    from watcher.extract import SUPPORTED_SUFFIXES
    from watcher.ingest import Candidate, Reject, classify, classify_tree
    from watcher.processing import Outcome, Result

    settings = _settings(ctx, config)
    _setup_logging("ERROR")  # quarantined files are listed below, not logged twice
    found: list[Candidate | Reject] = []
    for path in paths:
        if path.is_dir():
            found.extend(classify_tree(path, SUPPORTED_SUFFIXES, max_bytes=settings.max_bytes))
        else:
            item = classify(path, SUPPORTED_SUFFIXES, settings.max_bytes)
            found.append(item if item is not None else Reject(path, 0, 0, "not a document"))
    results: list[Result] = []
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with (
        open_processor(settings) as processor,
        Progress(*columns, disable=quiet, transient=True) as progress,
    ):
        task = progress.add_task("ingesting", total=len(found))
        for item in found:
            if isinstance(item, Reject):
                results.append(processor.reject(item.path, item.reason))
            else:
                results.append(processor.process(item.path))
            progress.advance(task)
    counts = {outcome: sum(r.outcome is outcome for r in results) for outcome in Outcome}
    for result in results:
        if result.outcome is Outcome.QUARANTINED:
            click.echo(f"quarantined {result.path}: {result.reason}", err=True)
    click.echo(
        f"{len(results)} file(s): {counts[Outcome.NEW]} new, {counts[Outcome.SEEN]} already "
        f"seen, {counts[Outcome.DUPLICATE]} near-duplicate, {counts[Outcome.QUARANTINED]} "
        f"quarantined, {sum(r.hit_count for r in results)} hits"
    )


@cli.command()
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    default=20,
    show_default=True,
    metavar="N",
    help="How many quarantined documents to list.",
)
@_config_option
@click.pass_context
def status(ctx: click.Context, limit: int, config: Path | None) -> None:
    """Show documents by state, the last ingest, the quarantine, undelivered mail, daemon health."""
    from watcher.health import read_status, status_path

    settings = _settings(ctx, config)
    with _reading(settings) as store:
        counts = store.document_counts()
        last = store.last_ingest()
        quarantined = store.quarantined(limit)
        undelivered = store.delivery_problems(limit=limit)
    click.echo("documents: " + ", ".join(f"{n} {state}" for state, n in counts.items()))
    click.echo(f"last ingest: {last.isoformat(timespec='seconds') if last else 'never'}")
    daemon = read_status(status_path(settings.cache_dir))
    if daemon is None or not daemon.running():
        click.echo("daemon: not running")
    else:
        observer = "healthy" if daemon.observer_healthy else "STOPPED (restart watcher)"
        click.echo(
            f"daemon: running (pid {daemon.pid}, since {daemon.started_at[:19]}), "
            f"observer {observer}, {daemon.pending} file(s) settling, "
            f"last full scan {(daemon.last_scan_at or 'none')[:19]}, "
            f"{daemon.overflows} event-queue overflow(s), rules {daemon.rules_version}"
        )
    if quarantined:
        click.echo(f"quarantine ({len(quarantined)} most recent):")
        for record in quarantined:
            click.echo(f"  {record.path}: {record.reason}")
    if undelivered:
        click.echo(f"not delivered ({len(undelivered)} most recent):")
        for problem in undelivered:
            retry = (
                f", next attempt {problem.next_attempt_at:%Y-%m-%d %H:%M} UTC"
                if problem.state == "waiting" and problem.next_attempt_at
                else ""
            )
            click.echo(f"  {problem.what}: {problem.state}{retry}: {problem.error or ''}")


@cli.group()
def db() -> None:
    """Manage the database schema."""


@db.command("upgrade")
@_config_option
@click.pass_context
def db_upgrade(ctx: click.Context, config: Path | None) -> None:
    """Bring the database to the newest schema (runs the Alembic migrations)."""
    from watcher.store import Store

    settings = _settings(ctx, config)
    store = Store(settings.database_url)
    try:
        store.upgrade()
        click.echo(f"database at revision {store.current_revision()}")
    finally:
        store.close()


# The digest, alert and story commands live in their own module; importing it
# registers them on the group above.
from watcher import cli_delivery  # noqa: E402

__all__ = ["cli", "cli_delivery", "main"]


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the ``watcher`` command."""
    try:
        status = cli.main(args=argv, prog_name="watcher", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except RuleSetError as exc:
        click.echo(str(exc), err=True)
        click.echo(f"error: {exc.message}; nothing was changed", err=True)
        sys.exit(EXIT_PROBLEMS)
    except WatcherError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_PROBLEMS)
    if isinstance(status, int) and status:
        sys.exit(status)
