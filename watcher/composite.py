"""Composite rules: conditions over the entities, topics and terms a document hit.

Pure: it sees occurrences (spans of the original text) and a :class:`TextIndex`
for words and sentences, never the matcher's internals. A rule fires

* document-wide, when every ``all`` clause and at least one ``any`` clause
  (if there are any) occur and no ``none`` clause does;
* per sentence with ``same_sentence``, once for each sentence that holds them
  (and no ``none`` clause);
* per anchor with ``near: {within: N}``, when every other clause occurs within
  N words of an occurrence of the first clause (and no ``none`` clause does).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from watcher.rules.model import Clause, Rule
from watcher.textindex import TextIndex


@dataclass(frozen=True, slots=True, order=True)
class Occurrence:
    """Where a clause's entity, topic or term stands in the original text."""

    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class RuleResult:
    """One firing of a rule: the span it covers and the clauses that fired."""

    start: int
    end: int
    details: tuple[str, ...]


Finder = Callable[[str, str], list[Occurrence]]


def evaluate_rule(rule: Rule, found: Finder, index: TextIndex) -> list[RuleResult]:
    """Every firing of ``rule`` in one document."""
    occurrences = {c: found(c.kind, c.value) for c in (*rule.all, *rule.any, *rule.none)}
    if any(not occurrences[c] for c in rule.all):
        return []
    if rule.any and all(not occurrences[c] for c in rule.any):
        return []
    if rule.same_sentence:
        results = []
        for sentence in sorted(
            {index.sentence_index(o.start) for o in _anchors(rule, occurrences)}
        ):
            low, high = index.sentence_span(sentence)
            inside = {
                c: [o for o in occ if low <= o.start < high] for c, occ in occurrences.items()
            }
            results.extend(_fire(rule, inside, index, scope="in the same sentence"))
        return results
    return _fire(rule, occurrences, index, scope=None)


def _anchors(rule: Rule, occurrences: dict[Clause, list[Occurrence]]) -> list[Occurrence]:
    first = rule.all[0] if rule.all else None
    if first is not None:
        return occurrences[first]
    return sorted(o for c in rule.any for o in occurrences[c])


def _fire(
    rule: Rule,
    occurrences: dict[Clause, list[Occurrence]],
    index: TextIndex,
    scope: str | None,
) -> list[RuleResult]:
    if any(not occurrences[c] for c in rule.all):
        return []
    if rule.any and all(not occurrences[c] for c in rule.any):
        return []
    if rule.near is None:
        if any(occurrences[c] for c in rule.none):
            return []
        chosen = {c: occurrences[c][0] for c in (*rule.all, *rule.any) if occurrences[c]}
        anchor = _anchors(rule, occurrences)[0]
        if scope is None:
            start, end = anchor.start, anchor.end  # a document-wide rule points at its first clause
        else:
            start = min(o.start for o in chosen.values())
            end = max(o.end for o in chosen.values())
        return [RuleResult(start, end, _details(rule, chosen, scope))]
    results: list[RuleResult] = []
    last_end = -1
    for anchor in _anchors(rule, occurrences):
        if anchor.start < last_end:
            continue
        picked = _near(rule, occurrences, index, anchor, rule.near)
        if picked is None:
            continue
        start = min(o.start for o in picked.values())
        end = max(o.end for o in picked.values())
        where = f"within {rule.near} words" + (f", {scope}" if scope else "")
        results.append(RuleResult(start, end, _details(rule, picked, where)))
        last_end = end
    return results


def _near(
    rule: Rule,
    occurrences: dict[Clause, list[Occurrence]],
    index: TextIndex,
    anchor: Occurrence,
    within: int,
) -> dict[Clause, Occurrence] | None:
    def distance(o: Occurrence) -> int:
        return index.words_between(anchor.start, anchor.end, o.start, o.end)

    def nearest(candidates: Sequence[Occurrence]) -> Occurrence | None:
        close = [o for o in candidates if distance(o) < within or o == anchor]
        return min(close, key=distance) if close else None

    chosen: dict[Clause, Occurrence] = {}
    for clause in rule.all:
        best = nearest(occurrences[clause])
        if best is None:
            return None
        chosen[clause] = best
    if rule.any:
        options = [(c, o) for c in rule.any if (o := nearest(occurrences[c])) is not None]
        if not options:
            return None
        clause, best = min(options, key=lambda pair: distance(pair[1]))
        chosen[clause] = best
    if any(nearest(occurrences[c]) is not None for c in rule.none):
        return None
    return chosen


def _details(rule: Rule, chosen: dict[Clause, Occurrence], scope: str | None) -> tuple[str, ...]:
    lines = [f"rule {rule.name!r}"]
    for group, clauses in (("all", rule.all), ("any", rule.any)):
        for clause in clauses:
            if clause in chosen:
                occ = chosen[clause]
                lines.append(f"{group}: {clause} at offset {occ.start}: {occ.text!r}")
    lines.extend(f"none: {clause} absent" for clause in rule.none)
    if scope:
        lines.append(scope)
    return tuple(lines)
