"""Document x compiled watchlists -> hits. Pure: no I/O, no database.

All aliases, terms (with their generated spelling variants and inflections),
short forms, exclusions and proximity words of all watchlists go into one
Aho-Corasick automaton over the normalised, case- and diacritic-folded text
(see :mod:`watcher.normalize`). A raw match becomes a candidate when it stands
as a whole word (Unicode-aware) and, for a case-sensitive phrase, when its case
matches. Then, per watchlist:

1. candidates inside one of their owner's ``exclude`` phrases are dropped;
2. a short form counts only after a full mention of its entity, and not when
   it is part of another name ("Li Haidong");
3. where candidates overlap, the longest wins;
4. a hit with a ``not_near`` word within N words is cancelled;
5. composite rules are evaluated over what is left (:mod:`watcher.composite`).

Every hit carries ``details``: why it matched, for ``watcher match --explain``.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Literal

import ahocorasick

from watcher.composite import Occurrence, evaluate_rule
from watcher.model import Document, Hit, HitKind
from watcher.normalize import Normalized, fold_case, normalize, normalize_key, unmark
from watcher.rules.model import Entity, Pattern, Phrase, RuleSet, Topic, Watchlist
from watcher.rules.patterns import compile_pattern
from watcher.rules.variants import expand_term
from watcher.textindex import UNSPACED_RANGES, TextIndex

SNIPPET_CONTEXT = 90

_SPACE_RUN = re.compile(r"\s+")
_LINK = re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE)

# Titles and honorifics that may stand before a short form ("Gen. Li",
# "President Putin") without making it part of another name.
HONORIFICS = frozenset(
    {
        "mr",
        "mrs",
        "ms",
        "miss",
        "dr",
        "prof",
        "professor",
        "sir",
        "dame",
        "lord",
        "lady",
        "gen",
        "general",
        "lt",
        "lieutenant",
        "col",
        "colonel",
        "maj",
        "major",
        "capt",
        "captain",
        "cmdr",
        "commander",
        "adm",
        "admiral",
        "marshal",
        "sgt",
        "sergeant",
        "president",
        "vice",
        "minister",
        "premier",
        "chancellor",
        "secretary",
        "senator",
        "sen",
        "rep",
        "representative",
        "gov",
        "governor",
        "mayor",
        "ambassador",
        "king",
        "queen",
        "prince",
        "princess",
        "sheikh",
        "emir",
        "comrade",
        "chairman",
        "chair",
        "chairwoman",
        "director",
        "judge",
        "justice",
        "rev",
        "father",
        "pope",
        "deputy",
        "spokesman",
        "spokeswoman",
    }
)

# Capitalised words before a short form that are not part of a name.
_NOT_NAMES = frozenset(
    {
        *"monday tuesday wednesday thursday friday saturday sunday".split(),
        *"january february march april may june july august september".split(),
        *"october november december today yesterday tomorrow".split(),
        *"on in at by for from with and but or as when then also after before".split(),
        *"while since until meanwhile however there here".split(),
    }
)

Role = Literal["alias", "short", "exclude", "near_word", "term"]


def is_word_char(ch: str) -> bool:
    """True for letters, digits, underscore and combining marks of any script."""
    return ch.isalnum() or ch == "_" or unicodedata.category(ch).startswith("M")


def is_unspaced(ch: str) -> bool:
    """True for characters of scripts that do not separate words with spaces."""
    code = ord(ch)
    return any(low <= code <= high for low, high in UNSPACED_RANGES)


def is_acronym(phrase: str) -> bool:
    """An all-capital single token such as ``SCO`` or ``U.S.``: matched case-sensitively."""
    letters = [ch for ch in phrase if ch.isalpha()]
    return (
        len(letters) >= 2
        and " " not in phrase
        and all(ch.isupper() for ch in letters if ch.upper() != ch.lower())
        and any(ch.upper() != ch.lower() for ch in letters)
    )


def _case_sensitive(key: str, policy: str) -> bool:
    if policy == "auto":
        return is_acronym(key)
    return policy == "sensitive"


@dataclass(frozen=True, slots=True)
class _Target:
    """What one automaton key stands for: a phrase of one entity, topic or rule."""

    order: int
    role: Role
    watchlist: str
    owner: tuple[str, str]  # (kind, name) of the entity or topic; ("term", phrase) for rules
    alias: str  # the phrase as the analyst wrote it
    how: str | None  # how a generated variant relates to ``alias``
    exact: str | None  # the unmarked key, when the phrase must match case-sensitively
    bounded_start: bool  # a word boundary is required before the match
    bounded_end: bool  # ... and after it


@dataclass(frozen=True, slots=True)
class _Owner:
    """An entity or topic, with what the matcher needs to know about it."""

    watchlist: Watchlist
    kind: HitKind
    name: str
    category: str
    not_near: int | None


@dataclass(slots=True)
class _Candidate:
    start: int  # normalised offsets
    end: int
    target: _Target
    note: str | None = None  # extra explanation (short form, pattern)


@dataclass(frozen=True, slots=True)
class _Regex:
    watchlist: str
    owner: tuple[str, str]
    pattern: Pattern
    compiled: object


class Matcher:
    """All watchlists of a rule set compiled into one automaton."""

    def __init__(self, ruleset: RuleSet) -> None:
        self.ruleset = ruleset
        self._automaton = ahocorasick.Automaton(ahocorasick.STORE_ANY, ahocorasick.KEY_STRING)
        self._owners: dict[tuple[str, tuple[str, str]], _Owner] = {}
        self._regexes: list[_Regex] = []
        keys: dict[str, list[_Target]] = defaultdict(list)
        for key, target in self._compile(ruleset):
            keys[key].append(target)
        for key, targets in keys.items():
            self._automaton.add_word(key, (len(key), tuple(targets)))
        self._empty = not keys and not self._regexes
        if keys:
            self._automaton.make_automaton()
        self._has_rules = any(w.rules for w in ruleset.watchlists)
        self._needs_index = self._has_rules or any(
            o.not_near is not None for o in self._owners.values()
        )

    @property
    def version(self) -> str:
        return self.ruleset.version

    def __getstate__(self) -> dict[str, object]:
        # Compiled RE2 objects do not pickle; they are rebuilt from their source.
        state = {slot: getattr(self, slot) for slot in vars(self)}
        state["_regexes"] = [(r.watchlist, r.owner, r.pattern) for r in self._regexes]
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        regexes = state.pop("_regexes")
        vars(self).update(state)
        self._regexes = [
            _Regex(w, o, p, compile_pattern(p.source, p.case == "sensitive"))
            for w, o, p in regexes  # type: ignore[attr-defined]
        ]

    def match(self, document: Document) -> list[Hit]:
        """Every hit in ``document``, ordered by position, then watchlist."""
        return self.match_text(document.text)

    def match_text(self, text: str) -> list[Hit]:
        """Every hit in ``text``; offsets index into ``text`` itself."""
        if self._empty or not text:
            return []
        norm = normalize(text)
        by_role: dict[Role, list[_Candidate]] = defaultdict(list)
        for candidate in self._candidates(norm):
            by_role[candidate.target.role].append(candidate)
        by_role["alias"].extend(self._pattern_candidates(norm))
        index = TextIndex(text) if self._needs_index else None
        links = _link_spans(text)

        mentions = _drop_excluded(_outside(norm, by_role["alias"], links), by_role["exclude"])
        shorts = _drop_excluded(_outside(norm, by_role["short"], links), by_role["exclude"])
        mentions.extend(_short_forms(norm, shorts, mentions))
        hits: list[Hit] = []
        for candidate in _resolve_overlaps(mentions):
            start, end = norm.span(candidate.start, candidate.end)
            owner = self._owners[(candidate.target.watchlist, candidate.target.owner)]
            if owner.not_near is not None and index is not None:
                blocker = _blocker(norm, index, start, end, candidate, by_role["near_word"], owner)
                if blocker is not None:
                    continue
            hits.append(self._hit(text, norm, start, end, candidate, owner))
        if self._has_rules and index is not None:
            hits.extend(self._rule_hits(text, norm, index, hits, by_role["term"]))
        hits.sort(key=lambda h: (h.start, h.end, h.watchlist, h.kind, h.name))
        return hits

    # -- compiling ---------------------------------------------------------------

    def _compile(self, ruleset: RuleSet) -> Iterator[tuple[str, _Target]]:
        order = 0

        def target(
            role: Role,
            watchlist: str,
            owner: tuple[str, str],
            phrase: Phrase,
            key: str,
            how: str | None = None,
        ) -> tuple[str, _Target]:
            nonlocal order
            order += 1
            unmarked = unmark(key)
            return fold_case(unmarked), _Target(
                order=order,
                role=role,
                watchlist=watchlist,
                owner=owner,
                alias=phrase.text,
                how=how,
                exact=unmarked if _case_sensitive(key, phrase.case) else None,
                bounded_start=is_word_char(key[0]) and not is_unspaced(key[0]),
                bounded_end=is_word_char(key[-1]) and not is_unspaced(key[-1]),
            )

        for watchlist in ruleset.watchlists:
            things: list[tuple[Entity | Topic, HitKind, str]] = [
                (e, "entity", e.kind) for e in watchlist.entities
            ]
            things.extend((t, "topic", "topic") for t in watchlist.topics)
            for thing, kind, category in things:
                owner = (kind, thing.name)
                self._owners[(watchlist.id, owner)] = _Owner(
                    watchlist,
                    kind,
                    thing.name,
                    category,
                    thing.not_near.within if thing.not_near else None,
                )
                for phrase in thing.exclude:
                    yield target("exclude", watchlist.id, owner, phrase, normalize_key(phrase.text))
                if thing.not_near:
                    for phrase in thing.not_near.words:
                        key = normalize_key(phrase.text)
                        yield target("near_word", watchlist.id, owner, phrase, key)
                for pattern in thing.patterns:
                    compiled = compile_pattern(pattern.source, pattern.case == "sensitive")
                    self._regexes.append(_Regex(watchlist.id, owner, pattern, compiled))
                if isinstance(thing, Entity):
                    for phrase in thing.aliases:
                        key = normalize_key(phrase.text)
                        yield target("alias", watchlist.id, owner, phrase, key)
                    for phrase in thing.short_forms:
                        key = normalize_key(phrase.text)
                        yield target("short", watchlist.id, owner, phrase, key)
                    continue
                for phrase in thing.terms:
                    key = normalize_key(phrase.text)
                    yield target("alias", watchlist.id, owner, phrase, key)
                    variants = expand_term(
                        key.lower(), inflect=thing.inflect, spelling=thing.spelling
                    )
                    for variant in variants:
                        yield target(
                            "alias", watchlist.id, owner, phrase, variant.text, variant.how
                        )
            for rule in watchlist.rules:
                for clause in (*rule.all, *rule.any, *rule.none):
                    if clause.kind == "term":
                        phrase = Phrase(clause.value, "auto", clause.location)
                        key = normalize_key(clause.value)
                        yield target("term", watchlist.id, ("term", clause.value), phrase, key)

    # -- finding -----------------------------------------------------------------

    def _candidates(self, norm: Normalized) -> Iterator[_Candidate]:
        folded, unmarked = norm.folded, norm.unmarked
        size = len(folded)
        for last, (length, targets) in self._automaton.iter(folded):
            end = last + 1
            start = end - length
            left_word = start > 0 and is_word_char(folded[start - 1])
            right_word = end < size and is_word_char(folded[end])
            for target in targets:
                if target.bounded_start and left_word:
                    continue
                if target.bounded_end and right_word:
                    continue
                if target.exact is not None and unmarked[start:end] != target.exact:
                    continue
                yield _Candidate(start, end, target)

    def _pattern_candidates(self, norm: Normalized) -> Iterator[_Candidate]:
        text = norm.text
        size = len(text)
        for regex in self._regexes:
            for found in regex.compiled.finditer(text):  # type: ignore[attr-defined]
                start, end = found.span()
                if start == end:
                    continue
                if is_word_char(text[start]) and start > 0 and is_word_char(text[start - 1]):
                    continue  # RE2's \b is ASCII-only: boundaries are checked here
                if is_word_char(text[end - 1]) and end < size and is_word_char(text[end]):
                    continue
                target = _Target(
                    order=0,
                    role="alias",
                    watchlist=regex.watchlist,
                    owner=regex.owner,
                    alias=regex.pattern.source,
                    how=None,
                    exact=None,
                    bounded_start=False,
                    bounded_end=False,
                )
                yield _Candidate(start, end, target, f"pattern /{regex.pattern.source}/")

    # -- building hits -----------------------------------------------------------

    def _hit(
        self,
        text: str,
        norm: Normalized,
        start: int,
        end: int,
        candidate: _Candidate,
        owner: _Owner,
        details: tuple[str, ...] | None = None,
    ) -> Hit:
        snippet, snippet_start, snippet_end = make_snippet(text, start, end)
        return Hit(
            watchlist=owner.watchlist.id,
            kind=owner.kind,
            name=owner.name,
            category=owner.category,
            alias=candidate.target.alias,
            text=text[start:end],
            start=start,
            end=end,
            snippet=snippet,
            snippet_start=snippet_start,
            snippet_end=snippet_end,
            severity=owner.watchlist.severity,
            details=details if details is not None else _explain(text, norm, start, end, candidate),
        )

    def _rule_hits(
        self,
        text: str,
        norm: Normalized,
        index: TextIndex,
        hits: list[Hit],
        terms: list[_Candidate],
    ) -> Iterator[Hit]:
        occurrences: dict[tuple[str, str, str], list[Occurrence]] = defaultdict(list)
        for hit in hits:
            occurrences[(hit.watchlist, hit.kind, hit.name)].append(
                Occurrence(hit.start, hit.end, hit.text)
            )
        for candidate in terms:
            start, end = norm.span(candidate.start, candidate.end)
            target = candidate.target
            occurrences[(target.watchlist, "term", target.owner[1])].append(
                Occurrence(start, end, text[start:end])
            )
        for watchlist in self.ruleset.watchlists:
            for rule in watchlist.rules:

                def found(kind: str, value: str, wid: str = watchlist.id) -> list[Occurrence]:
                    return sorted(occurrences.get((wid, kind, value), []))

                for result in evaluate_rule(rule, found, index):
                    snippet, snippet_start, snippet_end = make_snippet(
                        text, result.start, result.end
                    )
                    yield Hit(
                        watchlist=watchlist.id,
                        kind="rule",
                        name=rule.name,
                        category="rule",
                        alias=rule.name,
                        text=text[result.start : result.end],
                        start=result.start,
                        end=result.end,
                        snippet=snippet,
                        snippet_start=snippet_start,
                        snippet_end=snippet_end,
                        severity=rule.severity or watchlist.severity,
                        details=result.details,
                    )


def _outside(
    norm: Normalized, candidates: list[_Candidate], links: list[tuple[int, int]]
) -> list[_Candidate]:
    """Candidates outside web addresses: "belarus" in https://x.org/belarus-news is no mention."""
    if not links:
        return candidates
    return [
        c
        for c in candidates
        if not any(low <= norm.span(c.start, c.end)[0] < high for low, high in links)
    ]


def _drop_excluded(candidates: list[_Candidate], excludes: list[_Candidate]) -> list[_Candidate]:
    """Candidates not inside an ``exclude`` phrase of their own entity or topic."""
    if not excludes:
        return list(candidates)
    spans: dict[tuple[str, tuple[str, str]], list[tuple[int, int]]] = defaultdict(list)
    for ex in excludes:
        spans[(ex.target.watchlist, ex.target.owner)].append((ex.start, ex.end))
    return [
        c
        for c in candidates
        if not any(
            low <= c.start and c.end <= high
            for low, high in spans.get((c.target.watchlist, c.target.owner), ())
        )
    ]


def _short_forms(
    norm: Normalized, shorts: list[_Candidate], mentions: list[_Candidate]
) -> Iterable[_Candidate]:
    """Short forms that follow a full mention of their entity and start no other name."""
    if not shorts:
        return []
    first: dict[tuple[str, tuple[str, str]], _Candidate] = {}
    for mention in sorted(mentions, key=lambda c: c.start):
        first.setdefault((mention.target.watchlist, mention.target.owner), mention)
    kept = []
    text = norm.text
    for short in shorts:
        full = first.get((short.target.watchlist, short.target.owner))
        if full is None or full.end > short.start:
            continue
        found = text[short.start : short.end]
        headline_caps = found.isupper() and len(found) > 1
        title = "" if _starts_a_line(norm, short.start) else _title_before(text, short.start)
        if title is None or (not headline_caps and _name_continues(text, short.end)):
            continue
        full_start, _ = norm.span(full.start, full.end)
        note = (
            f"short form {short.target.alias!r} after the full mention "
            f"{text[full.start : full.end]!r} at offset {full_start}"
        )
        if title:
            note += f", after the title {title!r}"
        kept.append(_Candidate(short.start, short.end, short.target, note))
    return kept


# How far back the context of a short form is read: a title and a word or two.
_CONTEXT = 80


def _title_before(text: str, start: int) -> str | None:
    """The honorific before ``start`` (``""`` when none is needed), or None when a
    capitalised word that is no title stands right before it ("Jing Li")."""
    window_start = max(0, start - _CONTEXT)
    window = text[window_start:start]
    before = window.rstrip(" ")
    at_text_start = window_start == 0
    if before.endswith(".") and len(before) < len(window):
        # "Gen. Li": an abbreviated title, or the end of the previous sentence.
        word = before[:-1].rsplit(" ", 1)[-1]
        return f"{word}." if word.lower() in HONORIFICS else ""
    if len(before) == len(window) or not before or not is_word_char(before[-1]):
        return ""  # no space before, or punctuation: a sentence or clause starts here
    word_start = len(before)
    while word_start > 0 and is_word_char(before[word_start - 1]):
        word_start -= 1
    word = before[word_start:]
    if word.lower() in HONORIFICS:
        return word
    if word.lower() in _NOT_NAMES or word.isupper():
        return ""  # "On Friday Li said", "BEIJING (Reuters) Li said"
    previous = before[:word_start].rstrip(" ")
    sentence_start = (not previous and at_text_start) or (
        bool(previous) and previous[-1] in ".!?:;\"'()[]"
    )
    if word[0].isupper() and not sentence_start:
        return None
    return ""


def _starts_a_line(norm: Normalized, start: int) -> bool:
    """True when only white space with a line break stands before ``start`` in the original."""
    begin, _ = norm.span(start, start + 1)
    window_start = max(0, begin - _CONTEXT)
    before = norm.original[window_start:begin]
    gap = before[len(before.rstrip()) :]
    return "\n" in gap or (window_start == 0 and not before.strip())


def _name_continues(text: str, end: int) -> bool:
    """True when a capitalised word follows: "Li Haidong" is not "Li"."""
    if end >= len(text) or text[end] != " ":
        return False
    nxt = text[end + 1 : end + 2]
    return bool(nxt) and nxt.isupper()


def _blocker(
    norm: Normalized,
    index: TextIndex,
    start: int,
    end: int,
    candidate: _Candidate,
    words: list[_Candidate],
    owner: _Owner,
) -> _Candidate | None:
    """A ``not_near`` word of the hit's owner within its distance, if any."""
    assert owner.not_near is not None
    for word in words:
        if (word.target.watchlist, word.target.owner) != (
            candidate.target.watchlist,
            candidate.target.owner,
        ):
            continue
        w_start, w_end = norm.span(word.start, word.end)
        if index.words_between(start, end, w_start, w_end) < owner.not_near:
            return word
    return None


def _resolve_overlaps(candidates: list[_Candidate]) -> list[_Candidate]:
    """Per watchlist, keep the longest of overlapping matches (ties: all of the same span).

    Longest first; a candidate is kept when it overlaps no kept one. Kept
    spans never overlap each other (identical spans aside), so looking at the
    kept neighbours on either side is enough: O(n log n), not O(n^2), which
    matters for a long document with thousands of mentions.
    """
    by_watchlist: dict[str, list[_Candidate]] = defaultdict(list)
    for candidate in candidates:
        by_watchlist[candidate.target.watchlist].append(candidate)
    kept: list[_Candidate] = []
    for group in by_watchlist.values():
        group.sort(key=lambda c: (c.start - c.end, c.start, c.target.role, c.target.order))
        starts: list[int] = []  # starts of the distinct kept spans, sorted
        ends: list[int] = []
        seen: set[tuple[int, int, tuple[str, str]]] = set()
        for candidate in group:
            start, end = candidate.start, candidate.end
            ident = (start, end, candidate.target.owner)
            if ident in seen:
                continue  # the same entity found twice at one place (name and alias alike)
            at = bisect_left(starts, start)
            if at < len(starts) and (starts[at], ends[at]) == (start, end):
                seen.add(ident)  # the very same span: another entity with that alias
                kept.append(candidate)
                continue
            if at > 0 and ends[at - 1] > start:
                continue
            if at < len(starts) and starts[at] < end:
                continue
            starts.insert(at, start)
            ends.insert(at, end)
            seen.add(ident)
            kept.append(candidate)
    return kept


def _explain(
    text: str, norm: Normalized, start: int, end: int, cand: _Candidate
) -> tuple[str, ...]:
    """Why a candidate matched, in words, for ``watcher match --explain``."""
    target = cand.target
    lines: list[str] = []
    if cand.note and cand.note.startswith("pattern"):
        return (cand.note,)
    kind = "term" if target.owner[0] == "topic" else "alias"
    if cand.note:
        lines.append(cand.note)
    else:
        lines.append(f"{kind} {target.alias!r}")
    if target.how:
        lines.append(target.how)
    found = norm.text[cand.start : cand.end]
    wanted = normalize_key(target.alias) if not target.how else found
    if found != wanted:
        if found.lower() == wanted.lower():
            lines.append("case-insensitive")
        elif unmark(found).lower() == unmark(wanted).lower():
            lines.append("diacritics or hyphens folded")
    elif target.exact is not None:
        lines.append("case-sensitive")
    original = text[start:end]
    if original != found:
        lines.append("normalised: " + _what_changed(original, found))
    return tuple(lines)


def _what_changed(original: str, normal: str) -> str:
    changes = []
    if _SPACE_RUN.sub(" ", original) != original:
        changes.append("white space")
    if unicodedata.normalize("NFKC", original) != original:
        changes.append("Unicode compatibility forms")
    if any(ch in original for ch in "\u2018\u2019\u201c\u201d\u2010\u2011\u2012\u2013\u2014"):
        changes.append("quotes or dashes")
    return ", ".join(changes) or f"{original!r} read as {normal!r}"


def _link_spans(text: str) -> list[tuple[int, int]]:
    """Where web addresses stand in ``text``: words inside them are not mentions."""
    if "://" not in text and "www." not in text.lower():
        return []
    return [m.span() for m in _LINK.finditer(text)]


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
