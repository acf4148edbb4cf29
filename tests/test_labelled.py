"""Precision and recall of the matcher on the labelled set in tests/labelled/.

The set is a folder of short news-wire documents written for it (``docs/``),
the watchlists they are matched against (``rules/``) and, in
``expected.yaml``, every hit each document must produce, written by hand
from the README's rule semantics. A hit is identified by (watchlist, kind,
name, start, end); its text must equal the document's text at that span.

Documents on which watcher is known to be wrong are listed under
``known_failures`` with the reason: they are left out of the figures and get
a strict xfail test each, which turns red once the bug is fixed.

Run with ``-s`` to see the table of precision and recall per feature.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from watcher.extract import extract
from watcher.match import Matcher
from watcher.rules import load_rules

LABELLED = Path(__file__).resolve().parent / "labelled"
DOCS = LABELLED / "docs"
RULES = LABELLED / "rules"
EXPECTED = LABELLED / "expected.yaml"

HIT_KEYS = frozenset({"watchlist", "kind", "name", "text", "start", "end"})
KINDS = frozenset({"entity", "topic", "rule"})

# (watchlist, kind, name, start, end): what makes two hits the same hit.
Key = tuple[str, str, str, int, int]


@dataclass(frozen=True, slots=True)
class Labelled:
    """One document of the set with its hand-written expectations."""

    name: str
    tags: tuple[str, ...]
    hits: dict[Key, str]  # key -> the text expected at that span


def _load() -> tuple[dict[str, Labelled], dict[str, str]]:
    raw: Any = yaml.safe_load(EXPECTED.read_text(encoding="utf-8"))
    assert isinstance(raw, dict), f"{EXPECTED}: expected a mapping at the top"
    assert set(raw) <= {"documents", "known_failures"}, f"{EXPECTED}: unknown keys {set(raw)}"
    documents: dict[str, Labelled] = {}
    for name, entry in (raw.get("documents") or {}).items():
        assert set(entry) <= {"tags", "hits"}, f"{name}: unknown keys {set(entry)}"
        hits: dict[Key, str] = {}
        for hit in entry.get("hits") or []:
            assert set(hit) == HIT_KEYS, f"{name}: a hit needs exactly {sorted(HIT_KEYS)}: {hit}"
            assert hit["kind"] in KINDS, f"{name}: unknown kind in {hit}"
            key = (hit["watchlist"], hit["kind"], hit["name"], hit["start"], hit["end"])
            assert key not in hits, f"{name}: hit listed twice: {hit}"
            hits[key] = hit["text"]
        documents[name] = Labelled(name, tuple(entry.get("tags") or ()), hits)
    known = {str(k): str(v) for k, v in (raw.get("known_failures") or {}).items()}
    return documents, known


LABELS, KNOWN_FAILURES = _load()


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(load_rules(RULES))


@pytest.fixture(scope="module")
def texts() -> dict[str, str]:
    """Each document's text as watcher extracts it."""
    return {path.name: extract(path, path.read_bytes()).text for path in sorted(DOCS.iterdir())}


def _predict(matcher: Matcher, name: str) -> dict[Key, str]:
    path = DOCS / name
    document = extract(path, path.read_bytes())
    return {(h.watchlist, h.kind, h.name, h.start, h.end): h.text for h in matcher.match(document)}


def _describe(name: str, key: Key, text: str) -> str:
    watchlist, kind, entity, start, end = key
    return f"{name} {start}:{end} {text!r} -> {watchlist} {kind} {entity!r}"


@dataclass(slots=True)
class Tally:
    """Counts for one row of the table."""

    documents: int = 0
    expected: int = 0
    predicted: int = 0
    correct: int = 0

    def add(self, expected: Iterable[Key], predicted: Iterable[Key]) -> None:
        want, got = set(expected), set(predicted)
        self.documents += 1
        self.expected += len(want)
        self.predicted += len(got)
        self.correct += len(want & got)

    @property
    def precision(self) -> float:
        return self.correct / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.correct / self.expected if self.expected else 1.0


def _table(rows: dict[str, Tally]) -> str:
    width = max(len(label) for label in rows)
    lines = [
        f"{'feature':<{width}}  docs  expected  predicted  correct  precision  recall",
    ]
    for label, t in rows.items():
        lines.append(
            f"{label:<{width}}  {t.documents:>4}  {t.expected:>8}  {t.predicted:>9}  "
            f"{t.correct:>7}  {t.precision:>9.3f}  {t.recall:>6.3f}"
        )
    return "\n".join(lines)


def test_every_document_has_expectations_and_every_expectation_a_document() -> None:
    on_disk = {path.name for path in DOCS.iterdir() if path.is_file()}
    assert sorted(on_disk - set(LABELS)) == [], "documents without an entry in expected.yaml"
    assert sorted(set(LABELS) - on_disk) == [], "entries in expected.yaml without a document"
    assert sorted(set(KNOWN_FAILURES) - set(LABELS)) == [], "known failures of unknown documents"
    assert 25 <= len(LABELS) <= 40


def test_every_expected_span_holds_its_text(texts: dict[str, str]) -> None:
    wrong = [
        f"{_describe(name, key, text)}, but the document has {texts[name][key[3] : key[4]]!r}"
        for name, labelled in LABELS.items()
        for key, text in labelled.hits.items()
        if not 0 <= key[3] < key[4] <= len(texts[name]) or texts[name][key[3] : key[4]] != text
    ]
    assert wrong == []


def test_every_expected_hit_names_something_in_the_rules(matcher: Matcher) -> None:
    known: set[tuple[str, str, str]] = set()
    for watchlist in matcher.ruleset.watchlists:
        known.update((watchlist.id, "entity", e.name) for e in watchlist.entities)
        known.update((watchlist.id, "topic", t.name) for t in watchlist.topics)
        known.update((watchlist.id, "rule", r.name) for r in watchlist.rules)
    unknown = sorted(
        {key[:3] for labelled in LABELS.values() for key in labelled.hits} - known,
    )
    assert unknown == [], "expected.yaml names entities, topics or rules the rules lack"


def test_precision_and_recall_are_perfect(matcher: Matcher) -> None:
    measured: dict[str, Tally] = defaultdict(Tally)
    everything = Tally()
    false_positives: list[str] = []
    false_negatives: list[str] = []
    for name, labelled in sorted(LABELS.items()):
        predicted = _predict(matcher, name)
        everything.add(labelled.hits, predicted)
        if name in KNOWN_FAILURES:
            continue
        for label in ("all (known failures left out)", *labelled.tags):
            measured[label].add(labelled.hits, predicted)
        false_positives.extend(
            _describe(name, key, text)
            for key, text in sorted(predicted.items(), key=lambda kv: kv[0][3:])
            if key not in labelled.hits
        )
        false_negatives.extend(
            _describe(name, key, text)
            for key, text in sorted(labelled.hits.items(), key=lambda kv: kv[0][3:])
            if key not in predicted
        )
    total = measured["all (known failures left out)"]
    rows = {
        "all (known failures left out)": total,
        f"all ({len(KNOWN_FAILURES)} known failures in)": everything,
        **{label: measured[label] for label in sorted(measured) if not label.startswith("all")},
    }
    table = _table(rows)
    print(f"\nLabelled set: {len(LABELS)} documents, {everything.expected} expected hits\n{table}")
    report = [table]
    if false_positives:
        report += ["false positives:", *false_positives]
    if false_negatives:
        report += ["false negatives:", *false_negatives]
    assert (total.precision, total.recall) == (1.0, 1.0), "\n".join(report)


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=reason), id=name)
        for name, reason in sorted(KNOWN_FAILURES.items())
    ],
)
def test_known_failure(matcher: Matcher, name: str) -> None:
    labelled = LABELS[name]
    predicted = _predict(matcher, name)
    missing = [_describe(name, k, t) for k, t in labelled.hits.items() if k not in predicted]
    extra = [_describe(name, k, t) for k, t in predicted.items() if k not in labelled.hits]
    assert (missing, extra) == ([], [])
