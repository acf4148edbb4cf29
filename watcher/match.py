"""Document x compiled watchlists -> hits. Pure: no I/O, no database.

All aliases and terms of all watchlists go into one Aho-Corasick automaton
over the case-folded, normalised text (see :mod:`watcher.normalize`). A raw
match becomes a hit when it stands as a whole word (Unicode-aware), when a
case-sensitive alias (an acronym such as ``SCO``) matches its exact case, and
when no longer alias of the same watchlist overlaps it.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import ahocorasick

from watcher.model import Document, Hit, HitKind, Severity
from watcher.normalize import fold_case, normalize, normalize_key
from watcher.rules.model import RuleSet

SNIPPET_CONTEXT = 90

# Scripts written without spaces between words: a word boundary cannot be
# required next to them, or a Chinese name inside a sentence never matches.
_UNSPACED = (
    (0x0E00, 0x0EFF),  # Thai, Lao
    (0x1000, 0x109F),  # Myanmar
    (0x1780, 0x17FF),  # Khmer
    (0x3040, 0x30FF),  # Hiragana, Katakana
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0x20000, 0x3FFFF),  # CJK extensions B and later
)
_SPACE_RUN = re.compile(r"\s+")
_LINK = re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE)


def is_word_char(ch: str) -> bool:
    """True for letters, digits, underscore and combining marks of any script."""
    return ch.isalnum() or ch == "_" or unicodedata.category(ch).startswith("M")


def is_unspaced(ch: str) -> bool:
    """True for characters of scripts that do not separate words with spaces."""
    code = ord(ch)
    return any(low <= code <= high for low, high in _UNSPACED)


def is_acronym(phrase: str) -> bool:
    """An all-capital single token such as ``SCO`` or ``U.S.``: matched case-sensitively."""
    letters = [ch for ch in phrase if ch.isalpha()]
    return (
        len(letters) >= 2
        and " " not in phrase
        and all(ch.isupper() for ch in letters if ch.upper() != ch.lower())
        and any(ch.upper() != ch.lower() for ch in letters)
    )


@dataclass(frozen=True, slots=True)
class _Target:
    """What one automaton key stands for in one watchlist."""

    order: int
    watchlist: str
    severity: Severity
    kind: HitKind
    name: str
    category: str
    alias: str
    exact: str | None  # the normalised alias when it must match case-sensitively
    bounded_start: bool  # a word boundary is required before the match
    bounded_end: bool  # ... and after it


@dataclass(frozen=True, slots=True)
class _Candidate:
    start: int  # normalised offsets
    end: int
    target: _Target


class Matcher:
    """All watchlists of a rule set compiled into one automaton."""

    def __init__(self, ruleset: RuleSet) -> None:
        self.ruleset = ruleset
        self._automaton = ahocorasick.Automaton(ahocorasick.STORE_ANY, ahocorasick.KEY_STRING)
        keys: dict[str, list[_Target]] = defaultdict(list)
        for target, key in _targets(ruleset):
            keys[key].append(target)
        for key, targets in keys.items():
            self._automaton.add_word(key, (len(key), tuple(targets)))
        self._empty = not keys
        if not self._empty:
            self._automaton.make_automaton()

    @property
    def version(self) -> str:
        return self.ruleset.version

    def match(self, document: Document) -> list[Hit]:
        """Every hit in ``document``, ordered by position, then watchlist."""
        return self.match_text(document.text)

    def match_text(self, text: str) -> list[Hit]:
        """Every hit in ``text``; offsets index into ``text`` itself."""
        if self._empty or not text:
            return []
        norm = normalize(text)
        candidates = list(self._candidates(norm.text, norm.folded))
        links = _link_spans(text)
        hits = []
        for candidate in _resolve_overlaps(candidates):
            start, end = norm.span(candidate.start, candidate.end)
            if links and any(low <= start < high for low, high in links):
                continue  # "belarus" in https://example.org/belarus-news names nothing
            hits.append(_hit(text, start, end, candidate.target))
        hits.sort(key=lambda h: (h.start, h.end, h.watchlist, h.kind, h.name))
        return hits

    def _candidates(self, normal: str, folded: str) -> Iterable[_Candidate]:
        size = len(folded)
        for last, (length, targets) in self._automaton.iter(folded):
            end = last + 1
            start = end - length
            for target in targets:
                if target.bounded_start and start > 0 and is_word_char(folded[start - 1]):
                    continue
                if target.bounded_end and end < size and is_word_char(folded[end]):
                    continue
                if target.exact is not None and normal[start:end] != target.exact:
                    continue
                yield _Candidate(start, end, target)


def _link_spans(text: str) -> list[tuple[int, int]]:
    """Where web addresses stand in ``text``: words inside them are not mentions."""
    if "://" not in text and "www." not in text.lower():
        return []
    return [m.span() for m in _LINK.finditer(text)]


def _targets(ruleset: RuleSet) -> Iterable[tuple[_Target, str]]:
    order = 0
    for watchlist in ruleset.watchlists:
        for entity in watchlist.entities:
            for alias in entity.aliases:
                order += 1
                yield _make_target(
                    order,
                    watchlist.id,
                    watchlist.severity,
                    "entity",
                    entity.name,
                    entity.kind,
                    alias,
                )
        for topic in watchlist.topics:
            for term in topic.terms:
                order += 1
                yield _make_target(
                    order, watchlist.id, watchlist.severity, "topic", topic.name, "topic", term
                )


def _make_target(  # noqa: PLR0917 - one call site, every argument a field
    order: int,
    watchlist: str,
    severity: Severity,
    kind: HitKind,
    name: str,
    category: str,
    alias: str,
) -> tuple[_Target, str]:
    key = normalize_key(alias)
    target = _Target(
        order=order,
        watchlist=watchlist,
        severity=severity,
        kind=kind,
        name=name,
        category=category,
        alias=alias,
        exact=key if is_acronym(key) else None,
        bounded_start=is_word_char(key[0]) and not is_unspaced(key[0]),
        bounded_end=is_word_char(key[-1]) and not is_unspaced(key[-1]),
    )
    return target, fold_case(key)


def _resolve_overlaps(candidates: list[_Candidate]) -> list[_Candidate]:
    """Per watchlist, keep the longest of overlapping matches (ties: all of the same span)."""
    by_watchlist: dict[str, list[_Candidate]] = defaultdict(list)
    for candidate in candidates:
        by_watchlist[candidate.target.watchlist].append(candidate)
    kept: list[_Candidate] = []
    for group in by_watchlist.values():
        group.sort(key=lambda c: (c.start - c.end, c.start, c.target.order))
        chosen: list[_Candidate] = []
        seen: set[tuple[int, int, str, str]] = set()
        for candidate in group:
            ident = (candidate.start, candidate.end, candidate.target.kind, candidate.target.name)
            if ident in seen:
                continue  # the same entity found twice at one place (name and alias alike)
            clash = any(
                candidate.start < other.end
                and other.start < candidate.end
                and (candidate.start, candidate.end) != (other.start, other.end)
                for other in chosen
            )
            if not clash:
                chosen.append(candidate)
                seen.add(ident)
        kept.extend(chosen)
    return kept


def _hit(text: str, start: int, end: int, target: _Target) -> Hit:
    snippet, snippet_start, snippet_end = make_snippet(text, start, end)
    return Hit(
        watchlist=target.watchlist,
        kind=target.kind,
        name=target.name,
        category=target.category,
        alias=target.alias,
        text=text[start:end],
        start=start,
        end=end,
        snippet=snippet,
        snippet_start=snippet_start,
        snippet_end=snippet_end,
        severity=target.severity,
    )


def make_snippet(
    text: str, start: int, end: int, context: int = SNIPPET_CONTEXT
) -> tuple[str, int, int]:
    """The match with some words around it, white space collapsed.

    Returns the snippet and the match's offsets inside it. Cut ends are marked
    with an ellipsis and fall on word boundaries.
    """
    left_from = max(0, start - context)
    left = text[left_from:start]
    if left_from > 0:
        left = left.split(None, 1)[1] if len(left.split(None, 1)) == 2 else ""
    right_to = min(len(text), end + context)
    right = text[end:right_to]
    if right_to < len(text):
        right = right.rsplit(None, 1)[0] if len(right.rsplit(None, 1)) == 2 else ""
    left = _SPACE_RUN.sub(" ", left).lstrip()
    middle = _SPACE_RUN.sub(" ", text[start:end])
    right = _SPACE_RUN.sub(" ", right).rstrip()
    prefix = "… " if left_from > 0 and left else ""
    suffix = " …" if right_to < len(text) and right else ""
    begin = len(prefix) + len(left)
    return f"{prefix}{left}{middle}{right}{suffix}", begin, begin + len(middle)
