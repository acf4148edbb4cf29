"""rules/*.yaml -> a validated, immutable :class:`RuleSet`.

Every file is checked completely and every problem is reported, so that an
analyst fixes a rule folder in one round instead of one error at a time.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from watcher.errors import Location, RuleError, RuleSetError
from watcher.model import Severity
from watcher.normalize import fold_case, normalize_key
from watcher.rules.model import ENTITY_KINDS, Entity, RuleSet, Topic, Watchlist
from watcher.rules.yamlnodes import Field, NodeReader, compose

RULE_SUFFIXES = (".yaml", ".yml")

WATCHLIST_KEYS = ("watchlist", "title", "description", "severity", "tags", "entities", "topics")
ENTITY_KEYS = ("name", "kind", "aliases", "description")
TOPIC_KEYS = ("name", "terms", "description")

_SEVERITIES = tuple(s.value for s in Severity)
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_KIND_SYNONYMS = {"organization": "organisation", "org": "organisation", "location": "place"}


@dataclass(frozen=True, slots=True)
class CheckReport:
    """The outcome of checking a rules folder: the rule set if it loaded, and all problems."""

    files: tuple[str, ...]
    ruleset: RuleSet | None
    problems: tuple[RuleError, ...]
    warnings: tuple[RuleError, ...]


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
        watchlist, file_problems, file_warnings = _load_file(path, raw, display)
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
        return CheckReport(files, None, tuple(problems), tuple(warnings))
    ruleset = RuleSet(tuple(watchlists), digest.hexdigest()[:12], tuple(warnings))
    return CheckReport(files, ruleset, (), tuple(warnings))


def load_rules(directory: Path) -> RuleSet:
    """Load a rules folder, or raise :class:`RuleSetError` listing every problem."""
    report = check_rules(directory)
    if report.ruleset is None:
        raise RuleSetError(report.problems)
    return report.ruleset


def _load_file(
    path: Path, raw: bytes, display: str
) -> tuple[Watchlist | None, list[RuleError], list[RuleError]]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return None, [RuleError(f"not UTF-8 text ({exc.reason})", location=Location(display))], []
    try:
        root = compose(path, text, display)
    except RuleError as exc:
        return None, [exc], []
    reader = NodeReader(display)
    if root is None:
        reader.problems.append(
            RuleError(
                "the rule file is empty",
                location=Location(display, 1, 1),
                hint="a rule file starts with 'watchlist: <id>'",
            )
        )
        return None, reader.problems, reader.warnings
    watchlist = _watchlist(reader, root)
    if reader.problems:
        return None, reader.problems, reader.warnings
    return watchlist, reader.problems, reader.warnings


def _watchlist(reader: NodeReader, root: yaml.Node) -> Watchlist | None:
    fields = reader.mapping(root, "the watchlist", WATCHLIST_KEYS, required=("watchlist",))
    if fields is None:
        return None
    watchlist_id = _id(reader, fields.get("watchlist"))
    title = _optional_string(reader, fields.get("title"), "'title'")
    if "description" in fields:
        reader.string(fields["description"].value, "'description'")
    severity = Severity.MEDIUM
    if "severity" in fields:
        chosen = reader.choice(fields["severity"].value, "severity", _SEVERITIES, {})
        severity = Severity(chosen) if chosen else severity
    tags = tuple(v for v, _ in _strings(reader, fields.get("tags"), "'tags'"))
    entities = tuple(
        entity
        for node in _items(reader, fields.get("entities"), "'entities'")
        if (entity := _entity(reader, node)) is not None
    )
    topics = tuple(
        topic
        for node in _items(reader, fields.get("topics"), "'topics'")
        if (topic := _topic(reader, node)) is not None
    )
    if not entities and not topics and not reader.problems:
        reader.error(root, "the watchlist has no entities and no topics")
    _warn_shared_aliases(reader, entities)
    if watchlist_id is None:
        return None
    return Watchlist(
        id=watchlist_id,
        title=title or watchlist_id,
        severity=severity,
        tags=tags,
        entities=entities,
        topics=topics,
        location=reader.location(fields["watchlist"].value),
    )


def _id(reader: NodeReader, field: Field | None) -> str | None:
    if field is None:
        return None
    value = reader.string(field.value, "'watchlist'")
    if value is None:
        return None
    if not _ID.match(value):
        reader.error(
            field.value,
            f"watchlist id {value!r} may hold only lower-case letters, digits, '-' and '_'",
            f"for example {re.sub(r'[^a-z0-9_-]+', '-', value.lower()).strip('-') or 'my-list'!r}",
        )
        return None
    return value


def _entity(reader: NodeReader, node: yaml.Node) -> Entity | None:
    fields = reader.mapping(node, "an entity", ENTITY_KEYS, required=("name",))
    if fields is None or "name" not in fields:
        return None
    name = reader.string(fields["name"].value, "the entity's 'name'")
    kind = "other"
    if "kind" in fields:
        kind = reader.choice(fields["kind"].value, "kind", ENTITY_KINDS, _KIND_SYNONYMS) or kind
    if "description" in fields:
        reader.string(fields["description"].value, "'description'")
    raw_aliases = _strings(reader, fields.get("aliases"), "'aliases'")
    if name is None:
        return None
    aliases = _unique_phrases(reader, [(name, fields["name"].value), *raw_aliases])
    return Entity(name, kind, aliases, reader.location(node))


def _topic(reader: NodeReader, node: yaml.Node) -> Topic | None:
    fields = reader.mapping(node, "a topic", TOPIC_KEYS, required=("name", "terms"))
    if fields is None or "name" not in fields:
        return None
    name = reader.string(fields["name"].value, "the topic's 'name'")
    if "description" in fields:
        reader.string(fields["description"].value, "'description'")
    raw_terms = _strings(reader, fields.get("terms"), "'terms'")
    if "terms" in fields and not raw_terms and not reader.problems:
        reader.error(fields["terms"].value, f"topic {name!r} has no terms")
    if name is None or not raw_terms:
        return None
    return Topic(name, _unique_phrases(reader, raw_terms), reader.location(node))


def _unique_phrases(reader: NodeReader, phrases: list[tuple[str, yaml.Node]]) -> tuple[str, ...]:
    """Drop repeats of the same phrase; a phrase that normalises to nothing is a problem."""
    kept: dict[str, str] = {}
    for phrase, node in phrases:
        key = normalize_key(phrase)
        if not key or not any(ch.isalnum() for ch in key):
            reader.error(node, f"{phrase!r} has no letters or digits to match")
            continue
        kept.setdefault(key, phrase)
    return tuple(kept.values())


def _warn_shared_aliases(reader: NodeReader, entities: tuple[Entity, ...]) -> None:
    owners: dict[str, Entity] = {}
    for entity in entities:
        for alias in entity.aliases:
            key = fold_case(normalize_key(alias))
            other = owners.setdefault(key, entity)
            if other is not entity:
                reader.warnings.append(
                    RuleError(
                        f"warning: alias {alias!r} belongs to both {other.name!r} "
                        f"(line {other.location.line}) and {entity.name!r}",
                        location=entity.location,
                        hint="a mention of it will count for both",
                    )
                )


def _optional_string(reader: NodeReader, field: Field | None, what: str) -> str | None:
    return reader.string(field.value, what) if field is not None else None


def _items(reader: NodeReader, field: Field | None, what: str) -> list[yaml.Node]:
    return list(reader.items(field.value, what)) if field is not None else []


def _strings(reader: NodeReader, field: Field | None, what: str) -> list[tuple[str, yaml.Node]]:
    return reader.strings(field.value, what) if field is not None else []
