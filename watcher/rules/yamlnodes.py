"""Reading analyst YAML as untrusted input, with every problem located.

Rule files are composed into PyYAML's node tree (safe loader; nothing is
constructed), so that every value keeps the line and column it came from and
duplicate keys can be seen before a dict would silently drop one of them.
:class:`NodeReader` walks that tree and collects problems instead of stopping
at the first one.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from watcher.errors import Location, RuleError

_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_STR = "tag:yaml.org,2002:str"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_NUMBER_TAGS = {"tag:yaml.org,2002:int", "tag:yaml.org,2002:float"}


def compose(path: Path, text: str, display: str) -> yaml.Node | None:
    """Parse ``text`` into a node tree; a syntax error becomes a located :class:`RuleError`."""
    try:
        return yaml.compose(text, Loader=_SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        if mark is None:
            raise RuleError(f"YAML syntax error: {problem}", location=Location(display)) from None
        location = Location(display, mark.line + 1, mark.column + 1)
        context = f" ({exc.context})" if exc.context and exc.problem else ""
        raise RuleError(
            f"YAML syntax error: {problem}{context}",
            location=location,
            hint=_syntax_hint(text, mark),
        ) from None
    except yaml.YAMLError as exc:
        raise RuleError(f"YAML error: {exc}", location=Location(display)) from None


def _syntax_hint(text: str, mark: yaml.Mark) -> str | None:
    lines = text.splitlines()
    line = lines[mark.line] if mark.line < len(lines) else ""
    if "\t" in line[: mark.column + 1]:
        return "YAML does not allow tabs for indentation; indent with spaces"
    return None


@dataclass(frozen=True, slots=True)
class Field:
    """A key of a mapping with the node of its value."""

    key: yaml.Node
    value: yaml.Node


def did_you_mean(word: str, choices: Sequence[str]) -> str | None:
    """A hint naming the closest of ``choices``, if one is close enough."""
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else None


def describe(node: yaml.Node) -> str:
    """What a node holds, for a message: "a list", "the number 12", "'now'"."""
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    if node.tag == _BOOL:
        return f"the boolean {node.value}"
    if node.tag in _NUMBER_TAGS:
        return f"the number {node.value}"
    if node.tag == _NULL:
        return "nothing"
    return f"{node.value!r}"


class NodeReader:
    """Walks one file's node tree, collecting every problem with its location."""

    def __init__(self, display: str) -> None:
        self.display = display
        self.problems: list[RuleError] = []
        self.warnings: list[RuleError] = []

    def location(self, node: yaml.Node) -> Location:
        mark = node.start_mark
        return Location(self.display, mark.line + 1, mark.column + 1)

    def error(self, node: yaml.Node, message: str, hint: str | None = None) -> None:
        self.problems.append(RuleError(message, location=self.location(node), hint=hint))

    def warn(self, node: yaml.Node, message: str, hint: str | None = None) -> None:
        self.warnings.append(
            RuleError(f"warning: {message}", location=self.location(node), hint=hint)
        )

    def mapping(
        self,
        node: yaml.Node,
        what: str,
        allowed: Sequence[str],
        required: Sequence[str] = (),
    ) -> dict[str, Field] | None:
        """The fields of a mapping node; unknown, duplicate and missing keys are problems."""
        if not isinstance(node, yaml.MappingNode):
            self.error(node, f"{what} must be a mapping of keys to values, got {describe(node)}")
            return None
        fields: dict[str, Field] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag != _STR:
                self.error(key_node, f"keys of {what} must be words, got {describe(key_node)}")
                continue
            key = key_node.value
            if key in fields:
                first = fields[key].key.start_mark.line + 1
                self.error(
                    key_node, f"duplicate key {key!r} in {what} (first defined at line {first})"
                )
                continue
            if key not in allowed:
                self.error(key_node, f"unknown key {key!r} in {what}", did_you_mean(key, allowed))
                continue
            fields[key] = Field(key_node, value_node)
        for key in required:
            if key not in fields:
                self.error(node, f"{what} is missing the required key {key!r}")
        return fields

    def string(self, node: yaml.Node, what: str) -> str | None:
        """A non-empty string scalar; booleans, numbers and nulls are problems with a hint."""
        if not isinstance(node, yaml.ScalarNode):
            self.error(node, f"{what} must be a text, got {describe(node)}")
            return None
        if node.tag == _NULL:
            self.error(node, f"{what} is empty")
            return None
        if node.tag != _STR:
            hint = f"put it in quotes: '{node.value}'"
            if node.tag == _BOOL:
                self.error(
                    node, f"{what} must be a text, but YAML reads {node.value} as a boolean", hint
                )
            else:
                self.error(node, f"{what} must be a text, got {describe(node)}", hint)
            return None
        value = " ".join(str(node.value).split())
        if not value:
            self.error(node, f"{what} is empty")
            return None
        return value

    def boolean(self, node: yaml.Node, what: str) -> bool | None:
        """``true`` or ``false``."""
        if isinstance(node, yaml.ScalarNode) and node.tag == _BOOL:
            return str(node.value).lower() in {"true", "yes", "on", "y"}
        self.error(node, f"{what} must be true or false, got {describe(node)}")
        return None

    def integer(self, node: yaml.Node, what: str, minimum: int, maximum: int) -> int | None:
        """A whole number in ``[minimum, maximum]``."""
        if isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:int":
            value = int(str(node.value).replace("_", ""), 0)
            if minimum <= value <= maximum:
                return value
            self.error(node, f"{what} must be between {minimum} and {maximum}, got {value}")
            return None
        self.error(node, f"{what} must be a whole number, got {describe(node)}")
        return None

    def is_mapping(self, node: yaml.Node) -> bool:
        return isinstance(node, yaml.MappingNode)

    def items(self, node: yaml.Node, what: str) -> Iterator[yaml.Node]:
        """The items of a list node; a null value counts as an empty list."""
        if isinstance(node, yaml.ScalarNode) and node.tag == _NULL:
            return
        if not isinstance(node, yaml.SequenceNode):
            self.error(node, f"{what} must be a list, got {describe(node)}")
            return
        yield from node.value

    def strings(self, node: yaml.Node, what: str) -> list[tuple[str, yaml.Node]]:
        """A list of non-empty strings, each with its node."""
        out: list[tuple[str, yaml.Node]] = []
        for item in self.items(node, what):
            value = self.string(item, f"each of {what}")
            if value is not None:
                out.append((value, item))
        return out

    def choice(
        self, node: yaml.Node, what: str, choices: Sequence[str], synonyms: dict[str, str]
    ) -> str | None:
        """One of ``choices`` (or a synonym of one), case-insensitively."""
        value = self.string(node, what)
        if value is None:
            return None
        lowered = value.lower()
        lowered = synonyms.get(lowered, lowered)
        if lowered in choices:
            return lowered
        expected = ", ".join(choices[:-1]) + f" or {choices[-1]}"
        self.error(
            node,
            f"unknown {what} {value!r} (expected {expected})",
            did_you_mean(lowered, choices),
        )
        return None
