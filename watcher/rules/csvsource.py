"""Entities from a CSV file beside a watchlist (``entities_from: sdn.csv``).

Sanctions lists run to tens of thousands of names; CSV is how they arrive.
Columns: ``name`` (required), ``aliases`` (separated by ``;``), ``kind``.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from watcher.errors import Location, RuleError
from watcher.rules.model import ENTITY_KINDS, Entity, Phrase

ALIAS_SEPARATOR = ";"
COLUMNS = ("name", "aliases", "kind")
_KIND_SYNONYMS = {"organization": "organisation", "org": "organisation", "location": "place"}


def read_entities_csv(raw: bytes, display: str) -> tuple[list[Entity], list[RuleError]]:
    """Parse CSV bytes into entities; problems name ``display:row:column``."""
    problems: list[RuleError] = []
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return [], [RuleError(f"not UTF-8 text ({exc.reason})", location=Location(display))]
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None:
        return [], [RuleError("the CSV file is empty", location=Location(display, 1, 1))]
    columns = [h.strip().lower() for h in header]
    for index, column in enumerate(columns):
        if column not in COLUMNS:
            problems.append(
                RuleError(
                    f"unknown column {column!r} (expected name, aliases, kind)",
                    location=Location(display, 1, index + 1),
                )
            )
    if "name" not in columns:
        problems.append(
            RuleError("the CSV file has no 'name' column", location=Location(display, 1, 1))
        )
    if problems:
        return [], problems
    at = {column: columns.index(column) for column in COLUMNS if column in columns}
    entities: list[Entity] = []
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        cells = {column: (row[i].strip() if i < len(row) else "") for column, i in at.items()}
        location = Location(display, line, 1)
        name = " ".join(cells["name"].split())
        if not name:
            problems.append(
                RuleError("empty name", location=Location(display, line, at["name"] + 1))
            )
            continue
        kind = cells.get("kind", "").lower() or "other"
        kind = _KIND_SYNONYMS.get(kind, kind)
        if kind not in ENTITY_KINDS:
            problems.append(
                RuleError(
                    f"unknown kind {kind!r} (expected person, organisation, place or other)",
                    location=Location(display, line, at["kind"] + 1),
                )
            )
            continue
        aliases = [name]
        aliases.extend(" ".join(a.split()) for a in cells.get("aliases", "").split(ALIAS_SEPARATOR))
        phrases = tuple(Phrase(a, "auto", location) for a in dict.fromkeys(a for a in aliases if a))
        entities.append(Entity(name=name, kind=kind, aliases=phrases, location=location))
    return entities, problems


def csv_path(rule_file: Path, value: str) -> Path:
    """The CSV file named in ``rule_file``, relative to the rule file's folder."""
    return (rule_file.parent / value).resolve()
