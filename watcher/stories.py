"""Story grouping: several outlets' reports of one event become one :class:`Story`.

Pure: hits in, stories out; no database. Two documents (identified by sha256)
are *linked* when all three hold:

1. they share at least ``min_shared`` watched entities (hits of kind
   ``entity``; topics and composite rules do not count). Entities are compared
   by **plain name**, not watchlist-qualified: the Shanghai Cooperation
   Organisation is watched by two watchlists, and one mention of it must count
   once, not twice, towards ``min_shared``.
2. their content is similar: the cosine of their bags of words reaches
   ``min_similarity``. A document's words are those of its full text when
   ``texts`` maps its sha256 to it, else those of its title and the distinct
   snippets of its hits (what the store keeps). Words are normalised by
   :func:`watcher.dedupe.words`; English function words, one-letter tokens and
   numbers are dropped, and the words of the watched names themselves are
   dropped too: condition 1 already counts them, and left in they make every
   article about the same minister look alike.
3. they are at most ``window`` apart: their publication dates when both
   have one, else their arrival (ingest) times. Like is compared with like: a
   report dated 21 August and one that arrived today without a date may well
   be about the same event, as the seed articles show (only one of the five
   states its date), while comparing the one's publication with the other's
   arrival would put years between them. Naive datetimes are taken as UTC.

Stories are the connected components of that relation (single link, by
union-find), so A~B and B~C put A, B and C in one story even when A and C are
not linked themselves.

Why cosine over word counts rather than SimHash (:mod:`watcher.dedupe`)?
SimHash answers "is this the same text?"; different outlets' articles on one
event score 0.38-0.63 there, overlapping unrelated stories (0.45-0.48).
Counts of content words separate them; see :data:`DEFAULT_MIN_SIMILARITY`.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import PurePath

from watcher.dedupe import words
from watcher.model import DocumentRef, StoredHit, Story

__all__ = [
    "DEFAULT_MIN_SIMILARITY",
    "DEFAULT_WINDOW",
    "Story",
    "content_similarity",
    "group_stories",
]

DEFAULT_WINDOW = timedelta(days=3)

# Measured (tests/test_stories.py prints the numbers with -s), with the repo
# rules, the five seed articles (five outlets, one visit) and an unrelated
# article naming Li Shangfu, his Belarus trip and the SCO (his dismissal):
#
#                      seed pairs   weakest link*   seed vs unrelated
#   title + snippets   0.09-0.44    0.31            0.07-0.24
#   full texts         0.22-0.48    0.39            0.08-0.20
#
# *single link only needs a chain: the weakest edge of the best spanning tree
# over the seeds is what must clear the threshold, not the weakest pair.
# 0.27 lies between the two columns for both inputs: by 0.03-0.04 on
# snippets (thin: pass ``texts`` when they are at hand), by 0.07-0.12 on full
# texts. Alternatives measured and dropped: keeping the watched names' words
# (snippets: 0.41 link vs 0.42 unrelated, no gap at all), log or binary term
# weights (smaller gap), IDF over the grouped documents (better ratio, but it
# makes one pair's similarity depend on which other documents are in the batch).
DEFAULT_MIN_SIMILARITY = 0.27

# Function words carry no story; left in they dominate the counts and make
# any two English texts look alike.
_STOPWORDS = frozenset(
    """
    a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each
    few for from further had has have having he her here hers herself him himself his how
    i if in into is it its itself just last me more most my myself new no nor not now of
    off on once only or other our ours ourselves out over own said same says she should
    so some such than that the their theirs them themselves then there these they this
    those through to too under until up very was we were what when where which while who
    whom why will with would year years you your yours yourself yourselves
    """.split()
)


def _when(document: DocumentRef) -> datetime:
    moment = document.published_at or document.ingested_at
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _fallback_title(document: DocumentRef) -> str:
    return document.title or PurePath(document.path).name or document.path


def _bag(text: str, exclude: frozenset[str]) -> Counter[str]:
    return Counter(
        word
        for word in words(text)
        if len(word) > 1 and not word.isdigit() and word not in _STOPWORDS and word not in exclude
    )


def _norm(bag: Mapping[str, float]) -> float:
    return math.sqrt(sum(v * v for v in bag.values()))


def _cosine(
    a: Mapping[str, float],
    b: Mapping[str, float],
    norm_a: float | None = None,
    norm_b: float | None = None,
) -> float:
    """Cosine of two bags; pass their norms when they are known (grouping compares many pairs)."""
    if norm_a is None:
        norm_a = _norm(a)
    if norm_b is None:
        norm_b = _norm(b)
    if len(a) > len(b):
        a, b = b, a
    get = b.get
    dot = sum([count * get(word, 0) for word, count in a.items()])
    if not dot:
        return 0.0
    return dot / (norm_a * norm_b)


def content_similarity(a: str, b: str, *, exclude: Iterable[str] = ()) -> float:
    """Cosine of the content-word counts of ``a`` and ``b`` (0.0 to 1.0).

    Words in ``exclude`` (normalised like the texts) are ignored as well.
    """
    skip = frozenset(w for phrase in exclude for w in words(phrase))
    return _cosine(_bag(a, skip), _bag(b, skip))


class _UnionFind:
    def __init__(self, size: int) -> None:
        self.parent = list(range(size))

    def find(self, item: int) -> int:
        root = item
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[item] != root:  # path compression
            self.parent[item], item = root, self.parent[item]
        return root

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            # The smaller index is the root, so the result never depends on call order.
            self.parent[max(ra, rb)] = min(ra, rb)


@dataclass(frozen=True, slots=True)
class _Doc:
    ref: DocumentRef
    when: datetime
    entities: frozenset[str]
    bag: Counter[str]
    norm: float

    def apart(self, other: _Doc) -> timedelta:
        """How far apart the two are, by publication when both are dated, else by arrival."""
        mine, theirs = self.ref, other.ref
        if mine.published_at is not None and theirs.published_at is not None:
            return abs(_aware(mine.published_at) - _aware(theirs.published_at))
        return abs(_aware(mine.ingested_at) - _aware(theirs.ingested_at))


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _documents(
    hits: Sequence[StoredHit], texts: Mapping[str, str] | None
) -> tuple[list[_Doc], frozenset[str]]:
    refs: dict[str, DocumentRef] = {}
    entities: dict[str, set[str]] = {}
    snippets: dict[str, dict[str, None]] = {}  # an ordered set: same text, same bag
    watched: set[str] = set()
    # By id, so that which DocumentRef represents a sha256 never depends on input order.
    for stored in sorted(hits, key=lambda s: s.id):
        sha = stored.document.sha256
        refs.setdefault(sha, stored.document)
        entities.setdefault(sha, set())
        snippets.setdefault(sha, {})[stored.hit.snippet] = None
        if stored.hit.kind == "entity":
            entities[sha].add(stored.hit.name)
            watched.add(stored.hit.name)
            watched.add(stored.hit.text)
    exclude = frozenset(w for phrase in watched for w in words(phrase))
    docs: list[_Doc] = []
    for sha, ref in refs.items():
        full = texts.get(sha) if texts is not None else None
        content = full if full is not None else "\n".join([ref.title or "", *snippets[sha]])
        bag = _bag(content, exclude)
        docs.append(_Doc(ref, _when(ref), frozenset(entities[sha]), bag, _norm(bag)))
    docs.sort(key=lambda d: (d.when, d.ref.path, d.ref.sha256))
    return docs, exclude


def _shared_entities(docs: list[_Doc]) -> tuple[str, ...]:
    if len(docs) == 1:
        return tuple(sorted(docs[0].entities))
    counts = Counter(name for doc in docs for name in doc.entities)
    return tuple(sorted(name for name, n in counts.items() if n >= 2))


def _best_title(docs: list[_Doc], exclude: frozenset[str]) -> str:
    """The title closest to what the story's documents say, else the earliest's fallback."""
    centroid: dict[str, float] = {}
    for doc in docs:
        norm = math.sqrt(sum(v * v for v in doc.bag.values())) or 1.0
        for word, count in doc.bag.items():
            centroid[word] = centroid.get(word, 0.0) + count / norm
    best: tuple[float, int] | None = None
    for index, doc in enumerate(docs):
        if doc.ref.title:
            # Ties go to the earliest document (the lowest index).
            score = (_cosine(_bag(doc.ref.title, exclude), centroid), -index)
            if best is None or score > best:
                best = score
    if best is None:
        return _fallback_title(docs[0].ref)
    title = docs[-best[1]].ref.title
    assert title is not None
    return title


def group_stories(
    hits: Sequence[StoredHit],
    *,
    window: timedelta = DEFAULT_WINDOW,
    min_shared: int = 1,
    min_similarity: float = DEFAULT_MIN_SIMILARITY,
    texts: Mapping[str, str] | None = None,
) -> list[Story]:
    """Group the documents of ``hits`` into stories (see the module docstring).

    Every document with a hit is in exactly one story; a document linked to no
    other is a story of its own. ``texts`` optionally maps a sha256 to the
    document's full text, a better signal than the snippets. Stories are
    ordered by their earliest date, then title; a story's title is the
    document title whose words are closest to the story's combined content
    (a caption or a site name mistaken for a title scores low), the earliest
    on a tie, and the earliest document's file name when none has a title.
    """
    if min_shared < 1:
        raise ValueError(f"min_shared must be at least 1, got {min_shared}")
    docs, exclude = _documents(hits, texts)
    union = _UnionFind(len(docs))
    # Every pair, but the cheap tests first: most pairs of a busy day share no
    # entity or lie too far apart, and never reach the cosine. (An index of
    # entity -> documents gains nothing when one country is in half of them,
    # and holds millions of pairs in memory; bench/bench_digest.py measured both.)
    for i, first in enumerate(docs):
        for j in range(i + 1, len(docs)):
            second = docs[j]
            if (
                len(first.entities & second.entities) >= min_shared
                and first.apart(second) <= window
                and _cosine(first.bag, second.bag, first.norm, second.norm) >= min_similarity
            ):
                union.union(i, j)
    members: dict[int, list[_Doc]] = {}
    for index, doc in enumerate(docs):
        members.setdefault(union.find(index), []).append(doc)
    stories = [
        Story(
            documents=tuple(doc.ref for doc in group),
            entities=_shared_entities(group),
            title=_best_title(group, exclude),
        )
        for group in members.values()
    ]
    stories.sort(key=lambda s: (_when(s.documents[0]), s.title, s.documents[0].sha256))
    return stories
