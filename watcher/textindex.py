"""Where words and sentences stand in a text, for proximity rules. Pure: no I/O.

A :class:`TextIndex` is built over the original document text, so every
offset it takes or returns indexes into that text. Words and sentences are
found by regular-expression scans and looked up by bisection; the text is
never walked one character at a time in Python.

Words
    Maximal runs of word characters: Unicode letters, digits, underscore and
    combining marks (the same as :func:`watcher.match.is_word_char`). An
    apostrophe (``'`` or U+2019) or a hyphen between two word characters joins
    them, so "Shangfu's", "don't", "Jong-un" and "Su-35" are one word each;
    so does a period or comma between digits ("3.5", "1,000") and the periods
    of a dotted run of single letters ("U.S.", "e.g."). A dash with space
    around it, a slash or any other punctuation separates words.
    Scripts written without spaces (Chinese, Japanese kana, Thai, Lao,
    Myanmar, Khmer) count one word per character, combining marks attached:
    a rough approximation, since finding the real words there needs a
    dictionary.

Sentences
    A sentence ends at ``.``, ``!`` or ``?`` (with any closing quotes and
    brackets after it) when white space follows and then a capital or caseless
    letter, a digit, an opening quote or bracket, or the end of the text. The
    CJK full stop, exclamation and question marks end one whatever follows.
    A blank line always ends a sentence, and so does a single line break after
    a line without terminal punctuation, so headlines, bylines and datelines
    on a line of their own are sentences of their own; a line ending in ``,``,
    ``;`` or ``:``, or followed by a line starting in lower case, is taken for
    a wrapped line instead. A dateline that opens the first paragraph
    ("MINSK, Aug 16 (Reuters) - ...") belongs to that paragraph's first
    sentence.

    Not ends: a period after a common abbreviation (:data:`ABBREVIATIONS`:
    "Mr.", "Gen.", "Aug.", "No.", "etc." ...) or a single capital initial
    ("Lloyd J. Austin"); decimals ("3.5"); ellipses ("..." or "…"). A dotted
    acronym such as "U.S." followed on the same line by a capitalised word is
    not an end either: news style writes "U.S. Secretary of Defense" far more
    often than it ends a sentence with "U.S.". The price is a missed end in
    "... sanctions by the U.S. The ministry said"; so too after "Plan B." or
    "etc." at the real end of a sentence.

    Limits: hard-wrapped plain text that breaks a line just before a
    capitalised word is cut there (the headline rule cannot tell the two
    apart), and a sentence that begins in lower case ("eBay said ...") is
    joined to the one before.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator
from functools import cache, cached_property
from itertools import pairwise

# Scripts written without spaces between words (watcher.match uses this table
# too, for its word boundaries).
UNSPACED_RANGES = (
    (0x0E00, 0x0EFF),  # Thai, Lao
    (0x1000, 0x109F),  # Myanmar
    (0x1780, 0x17FF),  # Khmer
    (0x3040, 0x30FF),  # Hiragana, Katakana
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0x20000, 0x3FFFF),  # CJK extensions B and later
)

# Periods after these never end a sentence (compared case-sensitively, "Mr"
# and not "MR", so that "He said no." still ends one).
ABBREVIATIONS = frozenset(
    {
        *("Mr", "Mrs", "Ms", "Messrs", "Dr", "Prof", "Rev", "Hon"),
        *("Gen", "Lt", "Col", "Maj", "Capt", "Sgt", "Cpl", "Pvt", "Adm", "Cmdr", "Brig"),
        *("Rep", "Sen", "Gov", "Pres", "St", "Mt", "Ft", "Jr", "Sr", "No"),
        *("vs", "etc", "e.g", "i.e"),
        *("Jan", "Feb", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec"),
    }
)

# Join two word characters into one word (soft hyphen and zero-width (non-)joiner too).
_JOINERS = re.escape("'\u2019-\u2010\u2011\u00ad\u200c\u200d")
_CLOSERS = "\"'\u201d\u2019\u00bb)]}\u300d\u300f\u3009\u300b\u3011\u3015\uff09\uff3d"
_OPENERS = "\"'\u201c\u2018\u00ab([{\u300c\u300e\u3008\u300a\u3010\u3014\uff08\uff3b"
_STOPS = (".", "!", "?", "\u3002", "\uff01", "\uff1f", "\uff61")
_NEWLINES = "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"

_TERMINAL = re.compile(
    rf"(?P<cjk>[\u3002\uff01\uff1f\uff61]++)[{re.escape(_CLOSERS)}]*+"
    rf"|(?P<run>[.!?\u2026]++)[{re.escape(_CLOSERS)}]*+(?=\s|\Z)"
)
_AFTER = re.compile(r"(\s*+)(\S?)")
_TOKEN_TAIL = re.compile(r"[\w.]*+\Z")
_TOKEN_CHAR = re.compile(r"[\w.]")
_LONGEST_TOKEN = 12  # longer than any abbreviation or acronym worth checking
_DOTTED_ACRONYM = re.compile(r"(?:[^\W\d_]\.)++[^\W\d_]")
_LINE_BREAK = re.compile(rf"(?:\r\n|[{_NEWLINES}])\s*+")
_ONE_NEWLINE = re.compile(rf"\r\n|[{_NEWLINES}]")
_CONTINUED = ",;:"
_BULLETS = "-*\u2022\u2013\u2014"


class TextIndex:
    """Word and sentence positions of one text; offsets index into that text.

    Word and sentence tables are built on first use, so an index used only
    for word distances never splits sentences, and the other way round.
    """

    def __init__(self, text: str) -> None:
        self.text = text

    # -- words ---------------------------------------------------------------

    @cached_property
    def _words(self) -> tuple[list[int], list[int]]:
        bounds = [i for m in _word_pattern().finditer(self.text) for i in m.span()]
        return bounds[0::2], bounds[1::2]

    @property
    def word_count(self) -> int:
        """How many words the text has."""
        return len(self._words[0])

    def word_span(self, index: int) -> tuple[int, int]:
        """Start and end offsets of word ``index`` (counted from 0)."""
        starts, ends = self._words
        if not 0 <= index < len(starts):
            raise IndexError(f"word {index} out of range (the text has {len(starts)})")
        return starts[index], ends[index]

    def word_index(self, offset: int) -> int:
        """Index of the word containing ``offset``, or of the next word after it.

        An offset after the last word gives :attr:`word_count`.
        """
        self._check(offset)
        starts, ends = self._words
        index = bisect_right(starts, offset) - 1
        if index >= 0 and offset < ends[index]:
            return index
        return index + 1

    def words_between(self, a_start: int, a_end: int, b_start: int, b_end: int) -> int:
        """Number of whole words strictly between two spans, in either order.

        0 when the spans touch or overlap; a word that a span cuts into is
        not between them.
        """
        self._check_span(a_start, a_end)
        self._check_span(b_start, b_end)
        if a_start < b_end and b_start < a_end:
            return 0
        low, high = (a_end, b_start) if a_end <= b_start else (b_end, a_start)
        starts, ends = self._words
        return max(0, bisect_right(ends, high) - bisect_left(starts, low))

    def words_near(self, start: int, end: int, within: int) -> tuple[int, int]:
        """The character span of ``start:end`` widened by ``within`` words each side.

        The span first grows to whole words where it cuts into one; it stops
        at the text's first or last word when fewer words are there.
        """
        self._check_span(start, end)
        if within < 0:
            raise ValueError(f"within must not be negative, got {within}")
        starts, ends = self._words
        count = len(starts)
        left, right = start, end
        before = bisect_right(ends, start)  # words ending at or before start
        if before < count and starts[before] < start:
            left = starts[before]  # start falls inside that word
        if within and before:
            left = starts[max(0, before - within)]
        after = bisect_left(starts, end)  # words starting at or after end
        if after and ends[after - 1] > end:
            right = ends[after - 1]  # end falls inside that word
        if within and after < count:
            right = ends[min(count, after + within) - 1]
        return left, right

    # -- sentences -----------------------------------------------------------

    @cached_property
    def _sentences(self) -> tuple[list[int], list[int]]:
        starts: list[int] = []
        ends: list[int] = []
        text = self.text
        for low, high in pairwise([0, *sorted(set(_sentence_cuts(text))), len(text)]):
            piece = text[low:high]
            stripped = piece.lstrip()
            if stripped:
                starts.append(low + len(piece) - len(stripped))
                ends.append(high - len(stripped) + len(stripped.rstrip()))
        return starts, ends

    @property
    def sentence_count(self) -> int:
        """How many sentences the text has (0 when it is all white space)."""
        return len(self._sentences[0])

    def sentence_span(self, index: int) -> tuple[int, int]:
        """Start and end offsets of sentence ``index``, white space around it excluded."""
        starts, ends = self._sentences
        if not 0 <= index < len(starts):
            raise IndexError(f"sentence {index} out of range (the text has {len(starts)})")
        return starts[index], ends[index]

    def sentence_index(self, offset: int) -> int:
        """Index of the sentence containing ``offset``.

        White space between two sentences belongs to the one before it, and
        white space before the first to the first. Offsets are character
        positions: for a span ``start:end`` ask about ``start`` (or ``end - 1``).
        """
        self._check(offset)
        starts = self._sentences[0]
        if not starts:
            raise ValueError("the text has no sentences: it is empty or all white space")
        return max(0, bisect_right(starts, offset) - 1)

    def same_sentence(self, *offsets: int) -> bool:
        """True when all ``offsets`` fall in one sentence (and for fewer than two)."""
        return len({self.sentence_index(offset) for offset in offsets}) <= 1

    # -- checks --------------------------------------------------------------

    def _check(self, offset: int) -> None:
        if not 0 <= offset <= len(self.text):
            raise ValueError(f"offset {offset} outside the text (0..{len(self.text)})")

    def _check_span(self, start: int, end: int) -> None:
        self._check(start)
        self._check(end)
        if start > end:
            raise ValueError(f"span {start}:{end} ends before it starts")


def _sentence_cuts(text: str) -> Iterator[int]:
    """Offsets at which one sentence ends and the next may start."""
    for match in _TERMINAL.finditer(text):
        if match.group("cjk") or _ends_sentence(text, match):
            yield match.end()
    line_start = 0
    for match in _LINE_BREAK.finditer(text):
        line = text[line_start : match.start()].rstrip()
        line_start = match.end()
        if len(_ONE_NEWLINE.findall(match.group())) > 1 or "\u2029" in match.group():
            yield match.start()  # a blank line: a new paragraph
        elif line and _is_headline(line, text[line_start : line_start + 1]):
            yield match.start()


def _ends_sentence(text: str, match: re.Match[str]) -> bool:
    """Whether ``. ! ?`` (and closers) at ``match`` end a sentence, by what is around them."""
    run = match.group("run")
    if "!" not in run and "?" not in run and run != ".":
        return False  # an ellipsis
    after = _AFTER.match(text, match.end())
    assert after is not None  # both groups can match empty
    space, following = after.groups()
    if not following:
        return True
    if following in _BULLETS and _ONE_NEWLINE.search(space):
        return True  # "... in Minsk.\n- Next item": a list item starts a sentence
    if not (following.isdigit() or following in _OPENERS or _starts_capitalised(following)):
        return False
    if run != ".":
        return True
    token = _token_before(text, match.start())
    if token in ABBREVIATIONS or (len(token) == 1 and token.isupper()):
        return False
    if _DOTTED_ACRONYM.fullmatch(token) and token.isupper():
        # "U.S. Secretary": read as one name; a line break after it still ends a sentence.
        return not (following.isalpha() and _ONE_NEWLINE.search(space) is None)
    return True


def _starts_capitalised(ch: str) -> bool:
    """A capital letter, or a letter of a script without case (Arabic, CJK, ...)."""
    return ch.isalpha() and not ch.islower()


def _token_before(text: str, end: int) -> str:
    """The word (dots included) just before ``end``; "" when too long to be an abbreviation."""
    low = max(0, end - _LONGEST_TOKEN)
    match = _TOKEN_TAIL.search(text, low, end)
    assert match is not None  # the empty string matches at ``end``
    if match.start() == low and low and _TOKEN_CHAR.match(text, low - 1):
        return ""
    return match.group().lstrip(".")


def _is_headline(line: str, next_char: str) -> bool:
    """Whether a line break after ``line`` ends a sentence though no stop does."""
    core = line.rstrip(_CLOSERS)
    if core.endswith(("...", "\u2026")):
        pass  # an ellipsis is no stop: the line break decides
    elif core.endswith(_STOPS):
        return False  # the stop decides (see _ends_sentence)
    if line.endswith(tuple(_CONTINUED)):
        return False
    return bool(next_char) and not next_char.islower()


@cache
def _word_pattern() -> re.Pattern[str]:
    """One word per match; built on first use (listing the combining marks takes ~70 ms)."""
    marks = [
        code
        for code in range(sys.maxunicode + 1)
        if unicodedata.category(chr(code)).startswith("M")
    ]
    # A class with characters beyond the BMP is matched by a linear walk over
    # its ranges, tried at every character of the text: keep those behind a
    # cheap guard, or the scan is ten times slower.
    mark = (
        rf"(?:[{_class_body(c for c in marks if c <= 0xFFFF)}]"
        rf"|(?=[\U00010000-\U0010ffff])[{_class_body(c for c in marks if c > 0xFFFF)}])"
    )
    unspaced = "".join(f"{_escape(low)}-{_escape(high)}" for low, high in UNSPACED_RANGES)
    spaced = rf"[^\W{unspaced}]"  # a word character of a script that spaces its words
    letter = rf"[^\W\d_{unspaced}]"
    unit = rf"(?:{spaced}|{mark})++"
    joiner = rf"(?:[{_JOINERS}](?={spaced})|(?<=\d)[.,](?=\d))"
    return re.compile(
        rf"{letter}(?:\.{letter})++(?!\w)"  # U.S, e.g
        rf"|{unit}(?:{joiner}{unit})*+"
        rf"|(?=\w)[{unspaced}]{mark}*+"  # one character of an unspaced script
    )


def _class_body(codes: Iterable[int]) -> str:
    """Sorted code points as the inside of a regex character class, in ranges."""
    ranges: list[list[int]] = []
    for code in codes:
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    return "".join(
        _escape(low) if low == high else f"{_escape(low)}-{_escape(high)}" for low, high in ranges
    )


def _escape(code: int) -> str:
    return f"\\U{code:08x}"
