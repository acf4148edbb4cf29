"""DigestContent and AlertContent -> what every format shows, decided once.

The Markdown, text and HTML templates say the same thing; what that is (the
order of the stories, the counts, which snippets are the evidence, what is
new, how to mute) is decided here so that no template has to, and a user's
copy of a template gets it for free. Pure and format-free: nothing here
escapes anything; each template escapes for its own format.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePath

from watcher.digest.markdown import collapse, safe_url
from watcher.digest.times import aware
from watcher.model import (
    AlertContent,
    DigestContent,
    DocumentRef,
    Hit,
    HitKind,
    Severity,
    StoredHit,
    Story,
)
from watcher.stories import group_stories

MAX_EVIDENCE = 2
"""How many snippets a digest shows per story."""

MAX_ALERT_EVIDENCE = 4
"""How many snippets an alert shows: it is about one document, so it can say more."""

MUTE_FOR = "12h"
"""The duration the mute instructions suggest."""

UNKNOWN_SOURCE = "source unknown"

# Entities say who a story is about; composite rules and topics are context.
_KIND_ORDER: dict[HitKind, int] = {"entity": 0, "rule": 1, "topic": 2}


@dataclass(frozen=True, slots=True)
class Outlet:
    """One document as a digest or alert lists it.

    ``source`` is the outlet's name or "source unknown"; ``title`` the title or
    the file name; ``when`` is published, else ingested (``dated`` says
    which), always aware; ``url`` is set only for an http(s) URL, ready to be
    a link destination (:func:`~watcher.digest.markdown.safe_url`).
    """

    document: DocumentRef
    source: str
    title: str
    when: datetime
    dated: str
    url: str | None
    path: str


@dataclass(frozen=True, slots=True)
class NameHit:
    """One watched entity, topic or rule as a story or alert hits it.

    ``new`` marks the name's first-ever hit (from ``DigestContent.first_seen``);
    ``documents`` counts the documents that mention it, ``mentions`` the hits.
    """

    name: str
    kind: HitKind
    category: str
    severity: str
    new: bool
    documents: int
    mentions: int


@dataclass(frozen=True, slots=True)
class WatchlistHits:
    """The names one watchlist has in a story, entities first."""

    watchlist: str
    title: str
    severity: str
    names: tuple[NameHit, ...]


@dataclass(frozen=True, slots=True)
class Evidence:
    """One snippet to show, and the outlet it comes from."""

    hit: Hit
    outlet: Outlet


@dataclass(frozen=True, slots=True)
class StoryItem:
    """One story as a digest shows it.

    ``outlets`` are oldest first; ``watchlists`` most severe first;
    ``evidence`` is at most :data:`MAX_EVIDENCE` snippets, from distinct
    documents where possible. ``mute`` is the command that silences the story.
    """

    story: Story
    key: str
    title: str
    severity: str
    outlets: tuple[Outlet, ...]
    watchlists: tuple[WatchlistHits, ...]
    evidence: tuple[Evidence, ...]
    hit_count: int
    latest: datetime
    mute: str

    @property
    def first(self) -> Outlet:
        """The earliest report."""
        return self.outlets[0]

    @property
    def also(self) -> tuple[Outlet, ...]:
        """The later reports: "also reported by"."""
        return self.outlets[1:]

    @property
    def document_count(self) -> int:
        return len(self.outlets)

    @property
    def has_new(self) -> bool:
        return any(name.new for group in self.watchlists for name in group.names)


@dataclass(frozen=True, slots=True)
class WatchlistSummary:
    """One watchlist's share of a digest: its stories, documents, hits and new names."""

    watchlist: str
    title: str
    severity: str
    story_count: int
    document_count: int
    hit_count: int
    new_count: int


@dataclass(frozen=True, slots=True)
class DigestView:
    """A digest decided: stories most important first, and the counts."""

    stories: tuple[StoryItem, ...]
    watchlists: tuple[WatchlistSummary, ...]
    story_count: int
    document_count: int
    hit_count: int
    ruleset_versions: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AlertView:
    """An alert decided: the document, what it hits, the evidence and how to mute.

    ``also`` are the story's other reports; ``mute_names`` one command per
    watched name; ``mute_story`` the command for the whole story.
    """

    outlet: Outlet
    watchlists: tuple[WatchlistHits, ...]
    evidence: tuple[Evidence, ...]
    severity: str
    story: Story | None
    story_key: str
    also: tuple[Outlet, ...]
    mute_names: tuple[str, ...]
    mute_story: str
    ruleset_versions: tuple[str, ...]


def shell_quote(text: str) -> str:
    """``text`` in double quotes for a POSIX shell, as the mute instructions show it."""
    escaped = "".join("\\" + c if c in '"\\$`' else c for c in collapse(text))
    return f'"{escaped}"'


def mute_story_command(key: str) -> str:
    """The command that silences a story."""
    return f"watcher silence story:{key} --for {MUTE_FOR}"


def mute_name_command(name: str) -> str:
    """The command that silences a watched name."""
    return f"watcher silence {shell_quote(name)} --for {MUTE_FOR}"


def outlet(document: DocumentRef) -> Outlet:
    """How ``document`` is listed: outlet name, title, date and link."""
    source = collapse(document.source or "") or UNKNOWN_SOURCE
    return Outlet(
        document=document,
        source=source,
        title=document.title or PurePath(document.path).name or document.path,
        when=aware(document.published_at or document.ingested_at),
        dated="published" if document.published_at is not None else "ingested",
        url=safe_url(document.url),
        path=document.path,
    )


def _rank(severity: str) -> int:
    return Severity(severity).rank


def _most_severe(hits: Iterable[StoredHit]) -> str:
    return str(max((s.hit.severity for s in hits), key=_rank))


def _ruleset_versions(hits: Sequence[StoredHit], current: str | None) -> tuple[str, ...]:
    if current is not None:
        return (current,)
    return tuple(sorted({s.ruleset_version for s in hits}))


def _first_hits(hits: Sequence[StoredHit]) -> dict[tuple[str, str], int]:
    """Per (watchlist, name), the id of its earliest hit: the one that is "new"."""
    first: dict[tuple[str, str], StoredHit] = {}
    for stored in hits:
        pair = (stored.hit.watchlist, stored.hit.name)
        known = first.get(pair)
        if known is None or _hit_order(stored) < _hit_order(known):
            first[pair] = stored
    return {pair: stored.id for pair, stored in first.items()}


def _hit_order(stored: StoredHit) -> tuple[datetime, int]:
    document = stored.document
    return aware(document.published_at or document.ingested_at), stored.id


def _watchlists(
    hits: Sequence[StoredHit], titles: Mapping[str, str], new_ids: frozenset[int]
) -> tuple[WatchlistHits, ...]:
    by_name: dict[tuple[str, HitKind, str], list[StoredHit]] = {}
    for stored in hits:
        key = (stored.hit.watchlist, stored.hit.kind, stored.hit.name)
        by_name.setdefault(key, []).append(stored)
    names: dict[str, list[NameHit]] = {}
    for (watchlist, kind, name), group in by_name.items():
        names.setdefault(watchlist, []).append(
            NameHit(
                name=name,
                kind=kind,
                category=group[0].hit.category,
                severity=_most_severe(group),
                new=any(s.id in new_ids for s in group),
                documents=len({s.document.sha256 for s in group}),
                mentions=len(group),
            )
        )
    result = []
    for watchlist, members in names.items():
        members.sort(key=lambda n: (_KIND_ORDER[n.kind], -n.documents, n.name.casefold(), n.name))
        mine = [s for s in hits if s.hit.watchlist == watchlist]
        result.append(
            WatchlistHits(
                watchlist=watchlist,
                title=titles.get(watchlist) or watchlist,
                severity=_most_severe(mine),
                names=tuple(members),
            )
        )
    result.sort(key=lambda w: (-_rank(w.severity), w.watchlist))
    return tuple(result)


def _evidence(
    hits: Sequence[StoredHit], outlets: Mapping[str, Outlet], limit: int
) -> tuple[Evidence, ...]:
    """The best ``limit`` snippets: entities and severe hits first, then other documents.

    Each pick after the first prefers a document, then a name, not shown yet,
    so that two snippets say more than one document's two mentions would.
    """
    order = {sha: index for index, sha in enumerate(outlets)}

    def base(stored: StoredHit) -> tuple[int, int, int, int, int, int]:
        hit = stored.hit
        return (
            _KIND_ORDER[hit.kind],
            -_rank(hit.severity),
            order[stored.document.sha256],
            hit.start,
            hit.end,
            stored.id,
        )

    chosen: list[StoredHit] = []
    candidates = sorted((s for s in hits if s.document.sha256 in order), key=base)
    while len(chosen) < limit:
        seen_docs = {s.document.sha256 for s in chosen}
        seen_names = {(s.hit.watchlist, s.hit.name) for s in chosen}
        seen_snippets = [collapse(s.hit.snippet) for s in chosen]
        # A snippet inside another (or around it) would show the same sentence twice.
        fresh = [
            s
            for s in candidates
            if not any(
                collapse(s.hit.snippet) in seen or seen in collapse(s.hit.snippet)
                for seen in seen_snippets
            )
        ]
        if not fresh:
            break
        chosen.append(
            min(
                fresh,
                key=lambda s: (
                    s.document.sha256 in seen_docs,
                    (s.hit.watchlist, s.hit.name) in seen_names,
                    base(s),
                ),
            )
        )
    return tuple(Evidence(s.hit, outlets[s.document.sha256]) for s in chosen)


def _stories(content: DigestContent) -> list[Story]:
    """The content's stories, plus stories for any hit whose document none of them holds."""
    stories = list(content.stories)
    covered = {ref.sha256 for story in stories for ref in story.documents}
    rest = [s for s in content.hits if s.document.sha256 not in covered]
    # The caller's stories may have been grouped from other hits; a hit must
    # never drop out of the digest because of that.
    if rest:
        stories.extend(group_stories(rest))
    return stories


def _story_item(
    story: Story, hits: Sequence[StoredHit], titles: Mapping[str, str], new_ids: frozenset[int]
) -> StoryItem:
    outlets = {ref.sha256: outlet(ref) for ref in story.documents}
    return StoryItem(
        story=story,
        key=story.key,
        title=story.title,
        severity=_most_severe(hits),
        outlets=tuple(outlets.values()),
        watchlists=_watchlists(hits, titles, new_ids),
        evidence=_evidence(hits, outlets, MAX_EVIDENCE),
        hit_count=len(hits),
        latest=max(o.when for o in outlets.values()),
        mute=mute_story_command(story.key),
    )


def digest_view(content: DigestContent) -> DigestView:
    """Decide what ``content`` shows (see the module docstring).

    Stories come most important first: most severe, then most documents,
    then the newest, then by key so that the order never depends on the input's.
    """
    titles = content.watchlist_titles
    first = _first_hits(content.hits)
    new_ids = frozenset(hit_id for pair, hit_id in first.items() if pair in content.first_seen)
    story_of: dict[str, int] = {}
    stories = _stories(content) if content.hits else []
    for index, story in enumerate(stories):
        for ref in story.documents:
            story_of.setdefault(ref.sha256, index)
    hits_of: dict[int, list[StoredHit]] = {}
    for stored in content.hits:
        hits_of.setdefault(story_of[stored.document.sha256], []).append(stored)
    items = [_story_item(stories[index], hits, titles, new_ids) for index, hits in hits_of.items()]
    items.sort(key=lambda i: i.key)
    items.sort(key=lambda i: i.latest, reverse=True)
    items.sort(key=lambda i: (-_rank(i.severity), -i.document_count))

    summaries = []
    for watchlist in sorted({s.hit.watchlist for s in content.hits}):
        mine = [s for s in content.hits if s.hit.watchlist == watchlist]
        shas = {s.document.sha256 for s in mine}
        summaries.append(
            WatchlistSummary(
                watchlist=watchlist,
                title=titles.get(watchlist) or watchlist,
                severity=_most_severe(mine),
                story_count=sum(
                    1 for item in items if any(o.document.sha256 in shas for o in item.outlets)
                ),
                document_count=len(shas),
                hit_count=len(mine),
                new_count=len({s.hit.name for s in mine if s.id in new_ids}),
            )
        )
    summaries.sort(key=lambda w: -_rank(w.severity))
    return DigestView(
        stories=tuple(items),
        watchlists=tuple(summaries),
        story_count=len(items),
        document_count=len({s.document.sha256 for s in content.hits}),
        hit_count=len(content.hits),
        ruleset_versions=_ruleset_versions(content.hits, content.ruleset_version),
    )


def alert_view(content: AlertContent) -> AlertView:
    """Decide what an alert about ``content.document`` shows."""
    if not content.hits:
        raise ValueError("an alert needs at least one hit")
    document = content.document
    story = content.story
    # A document in no known story is a story of its own, with its own key.
    key = story.key if story is not None else Story((document,), (), "").key
    shown = outlet(document)
    also = tuple(
        outlet(ref) for ref in (story.documents if story else ()) if ref.sha256 != document.sha256
    )
    names = dict.fromkeys(s.hit.name for s in content.hits if s.hit.kind == "entity")
    if not names:
        names = dict.fromkeys(s.hit.name for s in content.hits)
    return AlertView(
        outlet=shown,
        watchlists=_watchlists(content.hits, content.watchlist_titles, frozenset()),
        evidence=_evidence(content.hits, {document.sha256: shown}, MAX_ALERT_EVIDENCE),
        severity=_most_severe(content.hits),
        story=story,
        story_key=key,
        also=also,
        mute_names=tuple(mute_name_command(name) for name in names),
        mute_story=mute_story_command(key),
        ruleset_versions=_ruleset_versions(content.hits, content.ruleset_version),
    )
