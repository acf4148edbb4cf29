"""Rule self-tests: the ``examples`` of every entity, topic and rule, checked.

Pure: a rule set and its matcher in, a list of outcomes out. ``watcher rules
test`` prints them; the daemon does not run them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from watcher.errors import Location
from watcher.match import Matcher
from watcher.model import Hit
from watcher.rules.model import Example, Examples, RuleSet


@dataclass(frozen=True, slots=True)
class ExampleResult:
    """One example sentence and whether it behaved as its rule file says."""

    watchlist: str
    kind: str
    name: str
    example: Example
    should_match: bool
    found: tuple[str, ...]  # matched texts of this entity, topic or rule
    passed: bool

    @property
    def location(self) -> Location:
        return self.example.location

    def message(self) -> str:
        """A one-line report in the compiler style of ``rules check``."""
        what = f"{self.kind} {self.name!r}"
        sentence = self.example.text
        if self.passed:
            return f"{self.location}: ok: {what}"
        if not self.should_match:
            return (
                f"{self.location}: {what} should not match {sentence!r} "
                f"but found {', '.join(map(repr, self.found))}"
            )
        if self.example.expect is not None and self.found:
            return (
                f"{self.location}: {what} should match {self.example.expect!r} in "
                f"{sentence!r} but found {', '.join(map(repr, self.found))}"
            )
        return f"{self.location}: {what} should match {sentence!r} but found nothing"


def run_examples(ruleset: RuleSet, matcher: Matcher | None = None) -> list[ExampleResult]:
    """Run every example of ``ruleset``; ``matcher`` defaults to one built from it."""
    matcher = matcher or Matcher(ruleset)
    return [_run(matcher, *case) for case in _cases(ruleset)]


def _cases(ruleset: RuleSet) -> Iterator[tuple[str, str, str, Example, bool]]:
    for watchlist in ruleset.watchlists:
        owners: list[tuple[str, str, Examples]] = [
            ("entity", e.name, e.examples) for e in watchlist.entities
        ]
        owners.extend(("topic", t.name, t.examples) for t in watchlist.topics)
        owners.extend(("rule", r.name, r.examples) for r in watchlist.rules)
        for kind, name, examples in owners:
            for example in examples.match:
                yield watchlist.id, kind, name, example, True
            for example in examples.no_match:
                yield watchlist.id, kind, name, example, False


def _run(
    matcher: Matcher, watchlist: str, kind: str, name: str, example: Example, should_match: bool
) -> ExampleResult:
    hits = [h for h in matcher.match_text(example.text) if _owned(h, watchlist, kind, name)]
    found = tuple(h.text for h in hits)
    if not should_match:
        passed = not hits
    elif example.expect is None:
        passed = bool(hits)
    else:
        wanted = " ".join(example.expect.split())
        passed = any(" ".join(text.split()) == wanted for text in found)
    return ExampleResult(watchlist, kind, name, example, should_match, found, passed)


def _owned(hit: Hit, watchlist: str, kind: str, name: str) -> bool:
    return (hit.watchlist, hit.kind, hit.name) == (watchlist, kind, name)
