"""rules/*.yaml -> a validated, immutable :class:`RuleSet`.

Every file is checked completely and every problem is reported, so that an
analyst fixes a rule folder in one round instead of one error at a time.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from watcher.errors import Location, RuleError, RuleSetError
from watcher.rules.model import RuleSet, Watchlist
from watcher.rules.schema import ENTITY_KEYS, TOPIC_KEYS, WATCHLIST_KEYS, WatchlistReader
from watcher.rules.yamlnodes import compose

RULE_SUFFIXES = (".yaml", ".yml")
__all__ = ["ENTITY_KEYS", "TOPIC_KEYS", "WATCHLIST_KEYS", "CheckReport", "check_rules"]


@dataclass(frozen=True, slots=True)
class CheckReport:
    """The outcome of checking a rules folder: the rule set if it loaded, and all problems."""

    files: tuple[str, ...]
    ruleset: RuleSet | None
    problems: tuple[RuleError, ...]
    warnings: tuple[RuleError, ...]
    sources: tuple[Path, ...] = ()  # files read besides the rule files (CSV entities)


def rule_files(directory: Path) -> list[Path]:
    """Every rule file under ``directory``, sorted; hidden files and folders are skipped."""
    found: list[Path] = []
    for root, dirs, files in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found.extend(
            Path(root) / name
            for name in files
            if name.endswith(RULE_SUFFIXES) and not name.startswith((".", "~"))
        )
    return sorted(found)


def display_path(path: Path) -> str:
    """``path`` relative to the current folder when it lies below it, for messages."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def check_rules(directory: Path) -> CheckReport:
    """Load every rule file under ``directory`` and collect every problem found."""
    if not directory.is_dir():
        problem = RuleError(
            "rules folder does not exist",
            location=Location(display_path(directory)),
            hint="set [paths] rules in watcher.toml or pass the folder",
        )
        return CheckReport((), None, (problem,), ())
    paths = rule_files(directory)
    if not paths:
        problem = RuleError(
            "no rule files (*.yaml) in the rules folder",
            location=Location(display_path(directory)),
        )
        return CheckReport((), None, (problem,), ())

    problems: list[RuleError] = []
    warnings: list[RuleError] = []
    watchlists: list[Watchlist] = []
    read: list[Path] = []
    digest = hashlib.sha256()
    seen_ids: dict[str, Location] = {}
    for path in paths:
        display = display_path(path)
        try:
            raw = path.read_bytes()
        except OSError as exc:
            problems.append(RuleError(f"cannot read: {exc.strerror}", location=Location(display)))
            continue
        digest.update(str(path.relative_to(directory)).encode() + b"\0" + raw + b"\0")
        watchlist, file_problems, file_warnings, sources = _load_file(path, raw, display)
        for source, content in sources:
            read.append(source)
            digest.update(_relative(source, directory).encode() + b"\0" + content + b"\0")
        problems.extend(file_problems)
        warnings.extend(file_warnings)
        if watchlist is None:
            continue
        if watchlist.id in seen_ids:
            problems.append(
                RuleError(
                    f"watchlist id {watchlist.id!r} is already used by {seen_ids[watchlist.id]}",
                    location=watchlist.location,
                )
            )
            continue
        seen_ids[watchlist.id] = watchlist.location
        watchlists.append(watchlist)

    files = tuple(display_path(p) for p in paths)
    if problems:
        return CheckReport(files, None, tuple(problems), tuple(warnings), tuple(read))
    ruleset = RuleSet(tuple(watchlists), digest.hexdigest()[:12], tuple(warnings))
    return CheckReport(files, ruleset, (), tuple(warnings), tuple(read))


def _relative(path: Path, directory: Path) -> str:
    """``path`` relative to the rules folder when inside it, so moving the folder keeps
    the version; an outside file by its absolute path."""
    try:
        return str(path.resolve().relative_to(directory.resolve()))
    except ValueError:
        return str(path)


def load_rules(directory: Path) -> RuleSet:
    """Load a rules folder, or raise :class:`RuleSetError` listing every problem."""
    report = check_rules(directory)
    if report.ruleset is None:
        raise RuleSetError(report.problems)
    return report.ruleset


def _load_file(
    path: Path, raw: bytes, display: str
) -> tuple[Watchlist | None, list[RuleError], list[RuleError], list[tuple[Path, bytes]]]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        problem = RuleError(f"not UTF-8 text ({exc.reason})", location=Location(display))
        return None, [problem], [], []
    try:
        root = compose(path, text, display)
    except RuleError as exc:
        return None, [exc], [], []
    reader = WatchlistReader(display, path)
    if root is None:
        reader.problems.append(
            RuleError(
                "the rule file is empty",
                location=Location(display, 1, 1),
                hint="a rule file starts with 'watchlist: <id>'",
            )
        )
        return None, reader.problems, reader.warnings, reader.sources
    watchlist = reader.watchlist(root)
    if reader.problems:
        return None, reader.problems, reader.warnings, reader.sources
    return watchlist, reader.problems, reader.warnings, reader.sources
