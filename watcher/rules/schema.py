"""The rule file format: YAML node tree -> Watchlist, every problem located.

The keys an analyst may write live here, one tuple per kind of mapping; the
README documents each of them (a test checks that).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import TypeVar

import yaml

from watcher.durations import parse_duration
from watcher.errors import RuleError
from watcher.model import Severity
from watcher.normalize import normalize_key as phrase_key
from watcher.rules.csvsource import csv_path, read_entities_csv
from watcher.rules.model import (
    CASE_POLICIES,
    ENTITY_KINDS,
    Clause,
    ClauseKind,
    Entity,
    Example,
    Examples,
    NotNear,
    Pattern,
    Phrase,
    Rule,
    Topic,
    Watchlist,
)
from watcher.rules.patterns import PatternError, compile_pattern
from watcher.rules.yamlnodes import Field, NodeReader, describe, did_you_mean

WATCHLIST_KEYS = (
    "watchlist",
    "title",
    "description",
    "severity",
    "tags",
    "alert",
    "realert",
    "entities",
    "entities_from",
    "topics",
    "rules",
)
ENTITY_KEYS = (
    "name",
    "kind",
    "aliases",
    "short_forms",
    "case",
    "exclude",
    "not_near",
    "patterns",
    "examples",
    "description",
    "alert",
    "realert",
)
TOPIC_KEYS = (
    "name",
    "terms",
    "case",
    "inflect",
    "spelling",
    "exclude",
    "not_near",
    "patterns",
    "examples",
    "description",
    "alert",
    "realert",
)
RULE_KEYS = (
    "name",
    "description",
    "severity",
    "all",
    "any",
    "none",
    "near",
    "same_sentence",
    "examples",
    "alert",
    "realert",
)
PHRASE_KEYS = ("text", "case")
NOT_NEAR_KEYS = ("words", "within")
NEAR_KEYS = ("within",)
EXAMPLES_KEYS = ("match", "no_match")
EXAMPLE_KEYS = ("text", "expect")
CLAUSE_KEYS: tuple[ClauseKind, ...] = ("entity", "topic", "term")
ALERT_CHOICES = ("immediate", "digest")

MAX_WORDS_APART = 1000
_SEVERITIES = tuple(s.value for s in Severity)
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_KIND_SYNONYMS = {"organization": "organisation", "org": "organisation", "location": "place"}
_STR = "tag:yaml.org,2002:str"
_ALERT_HINT = "'immediate' alerts as soon as a document matches; 'digest' waits for the digest"
_DURATION_HINT = "write a number and a unit, s, m, h, d or w; units combine, as in 1d12h"

T = TypeVar("T")


class WatchlistReader(NodeReader):
    """Reads one rule file's node tree into a :class:`Watchlist`."""

    def __init__(self, display: str, path: Path) -> None:
        super().__init__(display)
        self.path = path
        self.sources: list[tuple[Path, bytes]] = []  # extra files read (CSV), for the version

    def watchlist(self, root: yaml.Node) -> Watchlist | None:
        fields = self.mapping(root, "the watchlist", WATCHLIST_KEYS, required=("watchlist",))
        if fields is None:
            return None
        watchlist_id = self._id(fields.get("watchlist"))
        title = self._opt(fields, "title", lambda n: self.string(n, "'title'"))
        self._opt(fields, "description", lambda n: self.string(n, "'description'"))
        severity = self._opt(fields, "severity", self._severity) or Severity.MEDIUM
        tags = tuple(v for v, _ in self._opt_list(fields, "tags", self.strings))
        alert, realert = self._alert_keys(fields)
        entities = [e for n in self._nodes(fields, "entities") if (e := self._entity(n))]
        if "entities_from" in fields:
            entities.extend(self._entities_from(fields["entities_from"].value))
        topics = [t for n in self._nodes(fields, "topics") if (t := self._topic(n))]
        names = {
            "entity": [e.name for e in entities],
            "topic": [t.name for t in topics],
        }
        rules = [r for n in self._nodes(fields, "rules") if (r := self._rule(n, names))]
        if not entities and not topics and not self.problems:
            self.error(root, "the watchlist has no entities and no topics")
        self._warn_shared_aliases(entities)
        if watchlist_id is None:
            return None
        return Watchlist(
            id=watchlist_id,
            title=title or watchlist_id,
            severity=severity,
            tags=tags,
            entities=tuple(entities),
            topics=tuple(topics),
            location=self.location(fields["watchlist"].value),
            rules=tuple(rules),
            alert=alert,
            realert=realert,
        )

    # -- pieces of a watchlist -------------------------------------------------

    def _id(self, field: Field | None) -> str | None:
        if field is None:
            return None
        value = self.string(field.value, "'watchlist'")
        if value is None:
            return None
        if not _ID.match(value):
            example = re.sub(r"[^a-z0-9_-]+", "-", value.lower()).strip("-") or "my-list"
            self.error(
                field.value,
                f"watchlist id {value!r} may hold only lower-case letters, digits, '-' and '_'",
                f"for example {example!r}",
            )
            return None
        return value

    def _severity(self, node: yaml.Node) -> Severity | None:
        chosen = self.choice(node, "severity", _SEVERITIES, {})
        return Severity(chosen) if chosen else None

    def _entity(self, node: yaml.Node) -> Entity | None:
        fields = self.mapping(node, "an entity", ENTITY_KEYS, required=("name",))
        if fields is None or "name" not in fields:
            return None
        name = self.string(fields["name"].value, "the entity's 'name'")
        kind = "other"
        if "kind" in fields:
            kind = self.choice(fields["kind"].value, "kind", ENTITY_KINDS, _KIND_SYNONYMS) or kind
        self._opt(fields, "description", lambda n: self.string(n, "'description'"))
        case = self._opt(fields, "case", self._case) or "auto"
        aliases = self._opt_list(fields, "aliases", lambda n, w: self._phrases(n, w, case))
        short_forms = self._opt_list(
            fields, "short_forms", lambda n, w: self._phrases(n, w, "sensitive")
        )
        exclude = self._opt_list(fields, "exclude", lambda n, w: self._phrases(n, w, case))
        not_near = self._opt(fields, "not_near", lambda n: self._not_near(n, case))
        patterns = self._opt_list(fields, "patterns", lambda n, w: self._patterns(n, w, case))
        examples = self._opt(fields, "examples", self._examples) or Examples()
        alert, realert = self._alert_keys(fields)
        if name is None:
            return None
        name_phrase = Phrase(name, case, self.location(fields["name"].value))
        return Entity(
            name=name,
            kind=kind,
            aliases=self._unique([name_phrase, *aliases]),
            location=self.location(node),
            short_forms=self._unique(short_forms),
            exclude=tuple(exclude),
            not_near=not_near,
            patterns=tuple(patterns),
            examples=examples,
            alert=alert,
            realert=realert,
        )

    def _topic(self, node: yaml.Node) -> Topic | None:
        fields = self.mapping(node, "a topic", TOPIC_KEYS, required=("name",))
        if fields is None or "name" not in fields:
            return None
        name = self.string(fields["name"].value, "the topic's 'name'")
        self._opt(fields, "description", lambda n: self.string(n, "'description'"))
        case = self._opt(fields, "case", self._case) or "auto"
        terms = self._opt_list(fields, "terms", lambda n, w: self._phrases(n, w, case))
        patterns = self._opt_list(fields, "patterns", lambda n, w: self._patterns(n, w, case))
        inflect = self._opt(fields, "inflect", lambda n: self.boolean(n, "'inflect'"))
        spelling = self._opt(fields, "spelling", lambda n: self.boolean(n, "'spelling'"))
        exclude = self._opt_list(fields, "exclude", lambda n, w: self._phrases(n, w, case))
        not_near = self._opt(fields, "not_near", lambda n: self._not_near(n, case))
        examples = self._opt(fields, "examples", self._examples) or Examples()
        alert, realert = self._alert_keys(fields)
        if name is not None and not terms and not patterns and "terms" not in fields:
            self.error(
                node,
                "a topic is missing the required key 'terms'",
                "list the words that signal it: terms: [sanction, embargo]",
            )
        elif name is not None and not terms and not patterns and not self.problems:
            self.error(fields["terms"].value, f"topic {name!r} has no terms")
        if name is None or not (terms or patterns):
            return None
        return Topic(
            name=name,
            terms=self._unique(terms),
            location=self.location(node),
            inflect=inflect is not False,
            spelling=spelling is not False,
            exclude=tuple(exclude),
            not_near=not_near,
            patterns=tuple(patterns),
            examples=examples,
            alert=alert,
            realert=realert,
        )

    def _rule(self, node: yaml.Node, names: dict[str, list[str]]) -> Rule | None:
        fields = self.mapping(node, "a rule", RULE_KEYS, required=("name",))
        if fields is None or "name" not in fields:
            return None
        name = self.string(fields["name"].value, "the rule's 'name'")
        self._opt(fields, "description", lambda n: self.string(n, "'description'"))
        severity = self._opt(fields, "severity", self._severity)
        clauses = {
            key: [c for n in self._nodes(fields, key) if (c := self._clause(n, key, names))]
            for key in ("all", "any", "none")
        }
        near = self._opt(fields, "near", self._near)
        same_sentence = self._opt(
            fields, "same_sentence", lambda n: self.boolean(n, "'same_sentence'")
        )
        examples = self._opt(fields, "examples", self._examples) or Examples()
        alert, realert = self._alert_keys(fields)
        if "all" not in fields and "any" not in fields:
            self.error(node, "a rule needs clauses under 'all' or 'any'")
            return None
        if not clauses["all"] and not clauses["any"]:
            return None  # its clauses were reported already
        if name is None:
            return None
        return Rule(
            name=name,
            all=tuple(clauses["all"]),
            any=tuple(clauses["any"]),
            none=tuple(clauses["none"]),
            near=near,
            same_sentence=bool(same_sentence),
            severity=severity,
            location=self.location(node),
            examples=examples,
            alert=alert,
            realert=realert,
        )

    def _clause(self, node: yaml.Node, where: str, names: dict[str, list[str]]) -> Clause | None:
        what = f"a clause of '{where}'"
        fields = self.mapping(node, what, CLAUSE_KEYS)
        if fields is None:
            return None
        if len(fields) != 1:
            self.error(node, f"{what} names exactly one of entity, topic or term")
            return None
        ((kind, field),) = fields.items()
        value = self.string(field.value, f"the clause's {kind!r}")
        if value is None:
            return None
        if kind in names and value not in names[kind]:
            self.error(
                field.value,
                f"no {kind} named {value!r} in this watchlist",
                did_you_mean(value, names[kind]),
            )
            return None
        clause_kind: ClauseKind = "entity" if kind == "entity" else "topic"
        if kind == "term":
            clause_kind = "term"
        return Clause(clause_kind, value, self.location(field.value))

    def _near(self, node: yaml.Node) -> int | None:
        if isinstance(node, yaml.MappingNode):
            fields = self.mapping(node, "'near'", NEAR_KEYS, required=("within",))
            if fields is None or "within" not in fields:
                return None
            node = fields["within"].value
        return self.integer(node, "'near: within'", 0, MAX_WORDS_APART)

    def _not_near(self, node: yaml.Node, case: str) -> NotNear | None:
        fields = self.mapping(node, "'not_near'", NOT_NEAR_KEYS, required=("words", "within"))
        if fields is None or "words" not in fields or "within" not in fields:
            return None
        words = self._phrases(fields["words"].value, "'not_near: words'", case)
        within = self.integer(fields["within"].value, "'not_near: within'", 0, MAX_WORDS_APART)
        if within is None or not words:
            return None
        return NotNear(tuple(words), within)

    def _alert_keys(self, fields: dict[str, Field]) -> tuple[bool | None, timedelta | None]:
        """``alert`` and ``realert`` of a watchlist, entity, topic or rule; None when not set."""
        return self._opt(fields, "alert", self._alert), self._opt(fields, "realert", self._realert)

    def _alert(self, node: yaml.Node) -> bool | None:
        expected = "alert must be 'immediate' or 'digest'"
        if not isinstance(node, yaml.ScalarNode) or node.tag != _STR:
            self.error(node, f"{expected}, got {describe(node)}", _ALERT_HINT)
            return None
        value = " ".join(str(node.value).split())
        if value.lower() in ALERT_CHOICES:
            return value.lower() == "immediate"
        hint = did_you_mean(value.lower(), ALERT_CHOICES) or _ALERT_HINT
        self.error(node, f"{expected}, got {value!r}", hint)
        return None

    def _realert(self, node: yaml.Node) -> timedelta | None:
        expected = "realert must be a duration such as 30m, 12h or 1d"
        if not isinstance(node, yaml.ScalarNode) or node.tag != _STR:
            bare_number = isinstance(node, yaml.ScalarNode) and str(node.value).isdigit()
            hint = f"add a unit, as in '{node.value}h'" if bare_number else _DURATION_HINT
            self.error(node, f"{expected}, got {describe(node)}", hint)
            return None
        value = " ".join(str(node.value).split())
        try:
            window = parse_duration(value)
        except ValueError as exc:
            hint = "that is too long" if "too long" in str(exc) else _DURATION_HINT
            self.error(node, f"{expected}, got {value!r}", hint)
            return None
        if window <= timedelta(0):
            self.error(
                node,
                f"realert must be longer than zero, got {value!r}",
                "leave 'realert' out to use the configured default",
            )
            return None
        return window

    def _case(self, node: yaml.Node) -> str | None:
        return self.choice(node, "case", CASE_POLICIES, {})

    def _phrases(self, node: yaml.Node, what: str, case: str) -> list[Phrase]:
        """A list of phrases; each is text, or ``{text: ..., case: ...}``."""
        out: list[Phrase] = []
        for item in self.items(node, what):
            phrase_case = case
            target = item
            if isinstance(item, yaml.MappingNode):
                fields = self.mapping(item, f"an item of {what}", PHRASE_KEYS, ("text",))
                if fields is None or "text" not in fields:
                    continue
                if "case" in fields:
                    phrase_case = self._case(fields["case"].value) or case
                target = fields["text"].value
            text = self.string(target, f"each of {what}")
            if text is None:
                continue
            key = phrase_key(text)
            if not key or not any(ch.isalnum() for ch in key):
                self.error(target, f"{text!r} has no letters or digits to match")
                continue
            out.append(Phrase(text, phrase_case, self.location(target)))
        return out

    def _patterns(self, node: yaml.Node, what: str, case: str) -> list[Pattern]:
        out: list[Pattern] = []
        for _, item in self.strings(node, what):
            source = str(item.value)  # the pattern exactly as written, spaces included
            try:
                compile_pattern(source, case == "sensitive")
            except PatternError as exc:
                self.error(
                    item,
                    f"pattern {source!r} cannot be compiled: {exc}",
                    "patterns use RE2 syntax: no look-around and no back-references",
                )
                continue
            out.append(Pattern(source, case, self.location(item)))
        return out

    def _examples(self, node: yaml.Node) -> Examples | None:
        fields = self.mapping(node, "'examples'", EXAMPLES_KEYS)
        if fields is None:
            return None
        return Examples(
            match=tuple(self._example_list(fields.get("match"), "'examples: match'")),
            no_match=tuple(self._example_list(fields.get("no_match"), "'examples: no_match'")),
        )

    def _example_list(self, field: Field | None, what: str) -> list[Example]:
        if field is None:
            return []
        out: list[Example] = []
        for item in self.items(field.value, what):
            expect: str | None = None
            target = item
            if isinstance(item, yaml.MappingNode):
                fields = self.mapping(item, f"an item of {what}", EXAMPLE_KEYS, ("text",))
                if fields is None or "text" not in fields:
                    continue
                if "expect" in fields:
                    expect = self.string(fields["expect"].value, "'expect'")
                target = fields["text"].value
            if not isinstance(target, yaml.ScalarNode) or target.tag != "tag:yaml.org,2002:str":
                self.string(target, f"each of {what}")  # reports the type problem
                continue
            out.append(Example(str(target.value), expect, self.location(target)))
        return out

    def _entities_from(self, node: yaml.Node) -> list[Entity]:
        value = self.string(node, "'entities_from'")
        if value is None:
            return []
        path = csv_path(self.path, value)
        try:
            raw = path.read_bytes()
        except OSError as exc:
            self.error(node, f"cannot read {value!r}: {exc.strerror or exc}")
            return []
        self.sources.append((path, raw))
        from watcher.rules.loader import display_path

        entities, problems = read_entities_csv(raw, display_path(path))
        self.problems.extend(problems)
        return entities

    # -- helpers ---------------------------------------------------------------

    def _unique(self, phrases: list[Phrase]) -> tuple[Phrase, ...]:
        """Drop repeats of the same phrase (same text after normalisation)."""
        kept: dict[str, Phrase] = {}
        for phrase in phrases:
            kept.setdefault(phrase_key(phrase.text), phrase)
        return tuple(kept.values())

    def _warn_shared_aliases(self, entities: list[Entity]) -> None:
        owners: dict[str, Entity] = {}
        for entity in entities:
            for alias in entity.aliases:
                other = owners.setdefault(phrase_key(alias.text).lower(), entity)
                if other is not entity:
                    self.warnings.append(
                        RuleError(
                            f"warning: alias {alias.text!r} belongs to both {other.name!r} "
                            f"(line {other.location.line}) and {entity.name!r}",
                            location=entity.location,
                            hint="a mention of it will count for both",
                        )
                    )

    def _opt(self, fields: dict[str, Field], key: str, read: Callable[[yaml.Node], T]) -> T | None:
        return read(fields[key].value) if key in fields else None

    def _opt_list(
        self, fields: dict[str, Field], key: str, read: Callable[[yaml.Node, str], list[T]]
    ) -> list[T]:
        return read(fields[key].value, f"'{key}'") if key in fields else []

    def _nodes(self, fields: dict[str, Field], key: str) -> list[yaml.Node]:
        return list(self.items(fields[key].value, f"'{key}'")) if key in fields else []
