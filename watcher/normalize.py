"""Text normalisation for matching, with a map back to the original offsets.

Names and terms are compared on a normalised form of the text:

* Unicode NFKC (full-width letters, ligatures and compatibility forms fold
  to their plain equivalents);
* curly and straight quotes and apostrophes are one character, and so are the
  dash variants;
* any run of white space, line breaks included, is one space; soft hyphens
  and zero-width spaces vanish;
* a lower-cased copy of the same length serves case-insensitive matching.

Matching happens on the normalised text, so every normalised index must map
back to a span of the original: :meth:`Normalized.span` does that. The map is
kept as a short list of segments, not one integer per character, because
news text is overwhelmingly unchanged by normalisation.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass

# One character for every apostrophe, quote and dash variant that NFKC leaves alone.
_APOSTROPHES = "\u2018\u2019\u201a\u201b\u2032\u02bc\u00b4\u0060"
_QUOTES = "\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb"
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2e3a\u2e3b\ufe58\ufe63"
_TRANSLATION = str.maketrans(
    {
        **dict.fromkeys(_APOSTROPHES, "'"),
        **dict.fromkeys(_QUOTES, '"'),
        **dict.fromkeys(_DASHES, "-"),
    }
)
_QUOTES_AND_DASHES = re.compile("[" + re.escape(_APOSTROPHES + _QUOTES + _DASHES) + "]")


def _build_unmark_table() -> dict[int, str]:
    """Latin letters with diacritics -> their base letter, one character for one.

    Only Latin script is folded: in other scripts a mark can make a different
    letter (Cyrillic й is not и). Letters whose folding would take two
    characters (ß, æ, œ) stay as they are, so that offsets keep lining up.
    """
    table: dict[int, str] = {}
    for low, high in ((0x00C0, 0x024F), (0x1E00, 0x1EFF)):
        for code in range(low, high + 1):
            decomposed = unicodedata.normalize("NFD", chr(code))
            base = decomposed[0]
            if (
                len(decomposed) > 1
                and base.isascii()
                and base.isalpha()
                and all(unicodedata.combining(c) for c in decomposed[1:])
            ):
                table[code] = base
    for letter, base in zip("øØłŁđĐħĦıŀĿŧŦ", "oOlLdDhHilLtT", strict=True):
        table[ord(letter)] = base
    # Kim Jong-un is Kim Jong Un: a hyphen between words counts as a space.
    table[ord("-")] = " "
    return table


UNMARK_TABLE = _build_unmark_table()
_MARKED = re.compile("[" + re.escape("".join(chr(c) for c in UNMARK_TABLE if c != ord("-"))) + "]")

# Characters that take no room in the normalised text at all.
_INVISIBLE = "\u00ad\u200b\u2060\ufeff"
# A run of white space and invisible characters: white space makes it one
# space, invisible characters alone vanish (a soft hyphen inside a word).
_GAP = re.compile(f"[\\s{_INVISIBLE}]+")
# The gaps that need work: a single plain space is already what it should be,
# and leaving it in place keeps news text (a space every few letters) one
# verbatim segment instead of thousands.
_WORK_GAP = re.compile(f"[\\s{_INVISIBLE}]{{2,}}|[^\\S ]|[{_INVISIBLE}]")


@dataclass(frozen=True, slots=True)
class _Segment:
    """A stretch of normalised text and the original span it came from.

    When ``exact`` the stretch is a verbatim copy: normalised index
    ``norm_start + k`` is original index ``orig_start + k``. Otherwise the
    whole stretch stands for ``[orig_start, orig_end)`` as one unit (a
    collapsed white-space run, or the output of one NFKC-changed cluster).
    """

    norm_start: int
    orig_start: int
    orig_end: int
    exact: bool


@dataclass(frozen=True, slots=True)
class Normalized:
    """The normalised text, its lower-cased twin, and the way back."""

    original: str
    text: str  # normalised, case and diacritics kept
    unmarked: str  # ``text`` with Latin diacritics folded and hyphens as spaces
    folded: str  # ``unmarked`` lower-cased: what the automaton runs over
    _segments: tuple[_Segment, ...]
    _starts: tuple[int, ...]

    def _segment(self, index: int) -> _Segment:
        return self._segments[bisect_right(self._starts, index) - 1]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Map the normalised half-open span ``[start, end)`` to the original."""
        first = self._segment(start)
        if first.exact:
            orig_start = first.orig_start + (start - first.norm_start)
        else:
            orig_start = first.orig_start
        last = self._segment(end - 1)
        if last.exact:
            orig_end = last.orig_start + (end - 1 - last.norm_start) + 1
        else:
            orig_end = last.orig_end
        return orig_start, orig_end


def normalize_key(text: str) -> str:
    """Normalise an alias or term the way document text is normalised (case kept)."""
    return normalize(text.strip()).text.strip()


def unmark(text: str) -> str:
    """Fold Latin diacritics and hyphens the way :attr:`Normalized.unmarked` does."""
    text = text.replace("-", " ")
    # str.translate looks every character up in a dict once the text holds a
    # single non-ASCII character; finding the few that change is far faster.
    if not _MARKED.search(text):
        return text
    return _MARKED.sub(lambda m: UNMARK_TABLE[ord(m.group())], text)


def _translate(text: str) -> str:
    """``text.translate(_TRANSLATION)``, fast when (as usual) little or nothing changes."""
    if not _QUOTES_AND_DASHES.search(text):
        return text
    return _QUOTES_AND_DASHES.sub(lambda m: _TRANSLATION[ord(m.group())], text)


def fold_case(text: str) -> str:
    """Lower-case ``text`` character by character, keeping its length."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    # A few characters (such as U+0130) lower-case to two; keep those as they are
    # so that every index of the folded text still lines up with ``text``.
    return "".join(low if len(low := ch.lower()) == 1 else ch for ch in text)


def normalize(original: str) -> Normalized:
    """Normalise ``original`` for matching; see the module docstring."""
    if unicodedata.is_normalized("NFKC", original):
        pieces = [(original, 0, len(original), True)]
    else:
        pieces = _nfkc_pieces(original)
    out: list[str] = []
    segments: list[_Segment] = []
    length = 0
    for piece, orig_start, orig_end, exact in pieces:
        if not exact:
            # An NFKC-changed cluster: its output is one unit of the original.
            if not piece:
                continue
            collapsed = _GAP.sub(" ", piece)
            if out and out[-1].endswith(" "):
                collapsed = collapsed.lstrip(" ")
            if not collapsed:
                continue
            segments.append(_Segment(length, orig_start, orig_end, False))
            out.append(collapsed)
            length += len(collapsed)
            continue
        cursor = 0
        if piece.startswith(" ") and out and out[-1].endswith(" ") and not _WORK_GAP.match(piece):
            cursor = 1  # a lone space after a piece that ended in one ("\xa0 ")
        for gap in _WORK_GAP.finditer(piece, cursor):
            if gap.start() > cursor:
                segments.append(_Segment(length, orig_start + cursor, 0, True))
                out.append(piece[cursor : gap.start()])
                length += gap.start() - cursor
            cursor = gap.end()
            if gap.group().strip(_INVISIBLE) == "":
                continue  # only invisible characters: they simply vanish
            if out and out[-1].endswith(" "):
                continue  # the previous piece already ended in a space
            segments.append(
                _Segment(length, orig_start + gap.start(), orig_start + gap.end(), False)
            )
            out.append(" ")
            length += 1
        if cursor < len(piece):
            segments.append(_Segment(length, orig_start + cursor, 0, True))
            out.append(piece[cursor:])
            length += len(piece) - cursor
    text = _translate("".join(out))
    if not segments:
        segments.append(_Segment(0, 0, 0, True))
    unmarked = unmark(text)
    return Normalized(
        original=original,
        text=text,
        unmarked=unmarked,
        folded=fold_case(unmarked),
        _segments=tuple(segments),
        _starts=tuple(s.norm_start for s in segments),
    )


def _nfkc_pieces(original: str) -> list[tuple[str, int, int, bool]]:
    """Split text that is not NFKC-normal into verbatim runs and changed clusters.

    A cluster is a base character with the combining marks that follow it;
    NFKC is applied cluster by cluster so that every output character can be
    traced to the cluster it came from.
    """
    pieces: list[tuple[str, int, int, bool]] = []
    run_start = 0
    index = 0
    size = len(original)
    while index < size:
        end = index + 1
        while end < size and unicodedata.combining(original[end]):
            end += 1
        cluster = original[index:end]
        folded = unicodedata.normalize("NFKC", cluster)
        if folded != cluster:
            if run_start < index:
                pieces.append((original[run_start:index], run_start, index, True))
            pieces.append((folded, index, end, False))
            run_start = end
        index = end
    if run_start < size:
        pieces.append((original[run_start:], run_start, size, True))
    return pieces
