"""Near-duplicate detection: a 64-bit SimHash of a document's words.

The same article syndicated under another name, or saved again with trivial
changes (white space, quotes, a tracking line, a new dateline), must be
recognised as the document already seen. Exact hashing cannot do that, so
each text gets a SimHash fingerprint (Charikar 2002): similar texts get
fingerprints that differ in few bits, and :func:`similarity` is the share of
bits that agree.

How a text becomes a fingerprint:

1. **Normalise** (:func:`words`): NFKC, case-fold, fold diacritics, drop
   apostrophes of every style (so "China's" and "Chinas" are one word), drop URLs
   (a tracking link differs between copies and carries no content), and split
   on everything that is not a letter or a digit. Punctuation, quote and dash
   styles, line breaks and re-wrapping therefore all vanish.
2. **Shingle**: every run of :data:`SHINGLE_WORDS` consecutive words, across
   line breaks. Short lines are *not* dropped as boilerplate: whether a line
   is short depends on how the text was wrapped, and a short line only touches
   a handful of shingles out of hundreds anyway.
3. **Hash** each shingle with BLAKE2b (8 bytes), never Python's ``hash()``,
   which is salted per process: fingerprints are stored and compared across
   runs.
4. **SimHash**: each shingle occurrence votes +1 or -1 on every bit according
   to its hash; a bit of the fingerprint is set when its vote is positive. A
   shingle that occurs twice votes twice (term-frequency weighting).

A text shorter than one shingle becomes one shingle of all its words, and a
text with no words at all fingerprints to 0. Short texts fingerprint
deterministically, but with few shingles one changed word moves many bits:
similarity below ~20 words is a weak signal.

To find candidates in a database, store :func:`bands` of each fingerprint
in an indexed column and look a new document up with :func:`probe_bands`,
then keep the candidates whose :func:`similarity` reaches the threshold.

Fingerprints are non-negative ints below ``2**64``; a signed 64-bit column
(SQLite INTEGER, PostgreSQL BIGINT) cannot hold the upper half, so store them
shifted (``fp - 2**63``) or as text. :func:`bands` values always fit.
"""

from __future__ import annotations

import re
import unicodedata
from hashlib import blake2b

__all__ = [
    "DEFAULT_THRESHOLD",
    "FINGERPRINT_BITS",
    "SHINGLE_WORDS",
    "bands",
    "fingerprint",
    "probe_bands",
    "similarity",
    "words",
]

FINGERPRINT_BITS = 64
SHINGLE_WORDS = 3

# Measured (tests/test_dedupe.py prints the tables with -s): trivial edits
# (white space, quotes, a tracking line) give 0.97-1.0; a new headline or a new
# dateline and byline 0.91-0.98; five outlets' different articles about one
# event 0.38-0.63; unrelated stories 0.45-0.48. Replacing a seed's headline by
# 2,000 random ones gave a median of 0.94 and 7% below 0.9, so 64 bits are
# noisy: 0.9 (at most 6 differing bits) leans towards treating a borderline
# copy as new, because a false "duplicate" loses alerts while a missed one
# only repeats them. It is also within what probe_bands() guarantees to find.
DEFAULT_THRESHOLD = 0.9

_MASK = (1 << FINGERPRINT_BITS) - 1
# Domain separation: a shingle's hash never equals another BLAKE2b use of the
# same bytes elsewhere in the project.
_PERSON = b"watcher.simhash"
_URL = re.compile(r"(?:[a-z][a-z0-9+.-]*://|www\.)\S*", re.IGNORECASE)
_APOSTROPHES = re.compile("['\u2018\u2019\u201b\u02bc\u2032\u00b4`]")
_NON_WORD = re.compile(r"[\W_]+")


def words(text: str) -> list[str]:
    """The normalised words of ``text`` that fingerprints are made of."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _URL.sub(" ", text)
    text = _APOSTROPHES.sub("", text)
    # Diacritics fold so that an ASCII-only syndicated copy is the same text;
    # NFKC again afterwards recomposes whatever NFKD split but did not strip.
    if not text.isascii():  # ASCII has nothing to fold: skip the slow part
        decomposed = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
        text = unicodedata.normalize("NFKC", text)
    return _NON_WORD.sub(" ", text).split()


def _shingles(tokens: list[str]) -> list[str]:
    if len(tokens) <= SHINGLE_WORDS:
        return [" ".join(tokens)] if tokens else []
    return [" ".join(tokens[i : i + SHINGLE_WORDS]) for i in range(len(tokens) - SHINGLE_WORDS + 1)]


def _hash64(shingle: str) -> int:
    digest = blake2b(shingle.encode("utf-8"), digest_size=8, person=_PERSON).digest()
    return int.from_bytes(digest, "big")


def fingerprint(text: str) -> int:
    """The 64-bit SimHash of ``text``'s content, as an int in ``[0, 2**64)``."""
    shingles = _shingles(words(text))
    if not shingles:
        return 0
    cache: dict[str, str] = {}
    rows: list[str] = []
    for shingle in shingles:
        row = cache.get(shingle)
        if row is None:
            row = cache[shingle] = format(_hash64(shingle), "064b")
        rows.append(row)
    # One string of all hashes, 64 characters each: column ``i`` (most
    # significant bit first) is every ``FINGERPRINT_BITS``-th character, and
    # counting its ones in C is far faster than a Python loop over 64 bits.
    table = "".join(rows)
    total = len(rows)
    result = 0
    for column in range(FINGERPRINT_BITS):
        ones = table[column::FINGERPRINT_BITS].count("1")
        result = (result << 1) | (2 * ones > total)
    return result


def _check(fp: int) -> None:
    if not 0 <= fp <= _MASK:
        raise ValueError(f"fingerprint out of range: {fp!r} (expected 0 <= fp < 2**64)")


def similarity(a: int, b: int) -> float:
    """``1 - hamming(a, b) / 64``: 1.0 for equal fingerprints, ~0.5 for unrelated texts."""
    _check(a)
    _check(b)
    return 1.0 - (a ^ b).bit_count() / FINGERPRINT_BITS


def bands(fp: int, count: int = 4) -> list[int]:
    """Split ``fp`` into ``count`` equal bands, each tagged with its position.

    Band ``i`` is returned as ``i << width | value``, so equal values at
    different positions never coincide and one indexed column holds them all.
    Two fingerprints that differ in at most ``count - 1`` bits share a band
    (pigeonhole). That is less than :data:`DEFAULT_THRESHOLD` allows (6 bits
    with 4 bands): look candidates up with :func:`probe_bands` instead.
    """
    width = _band_width(fp, count)
    mask = (1 << width) - 1
    return [
        (index << width) | ((fp >> (FINGERPRINT_BITS - width * (index + 1))) & mask)
        for index in range(count)
    ]


def probe_bands(fp: int, count: int = 4) -> list[int]:
    """The band values to look up to find every fingerprint near ``fp``.

    Each of ``fp``'s :func:`bands`, and each of them with one bit flipped:
    ``count * (64 // count + 1)`` values (68 with 4 bands). A stored
    fingerprint that differs from ``fp`` in at most ``2 * count - 1`` bits (7
    with 4 bands, so everything at or above 0.89 similarity) has one of its
    ``bands(stored, count)`` among them: some band of it differs in at most
    one bit. Store :func:`bands`, query with this.
    """
    width = _band_width(fp, count)
    probes: list[int] = []
    for band in bands(fp, count):
        probes.append(band)
        probes.extend(band ^ (1 << bit) for bit in range(width))
    return probes


def _band_width(fp: int, count: int) -> int:
    _check(fp)
    # One band would be the whole fingerprint: too wide for a signed column.
    if count < 2 or FINGERPRINT_BITS % count:
        raise ValueError(f"band count must be a divisor of {FINGERPRINT_BITS} above 1, got {count}")
    return FINGERPRINT_BITS // count
