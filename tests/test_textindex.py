"""Word and sentence positions: the splitting rules on news text, and their invariants."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from watcher.textindex import TextIndex


def sentences(text: str) -> list[str]:
    index = TextIndex(text)
    spans = [index.sentence_span(i) for i in range(index.sentence_count)]
    return [text[start:end] for start, end in spans]


def words(text: str) -> list[str]:
    index = TextIndex(text)
    spans = [index.word_span(i) for i in range(index.word_count)]
    return [text[start:end] for start, end in spans]


def span_of(text: str, part: str) -> tuple[int, int]:
    start = text.index(part)
    return start, start + len(part)


# -- sentences ---------------------------------------------------------------

SENTENCE_CASES = {
    "dateline opens the first sentence": (
        "MINSK, Aug 16 (Reuters) - Chinese Defence Minister Li Shangfu arrived in Belarus "
        "on Wednesday. He met Viktor Khrenin.",
        [
            "MINSK, Aug 16 (Reuters) - Chinese Defence Minister Li Shangfu arrived in Belarus "
            "on Wednesday.",
            "He met Viktor Khrenin.",
        ],
    ),
    "dateline with an abbreviated month": (
        "MINSK, Aug. 16 (Reuters) - Li Shangfu arrived. Khrenin met him.",
        ["MINSK, Aug. 16 (Reuters) - Li Shangfu arrived.", "Khrenin met him."],
    ),
    "dateline on a line of its own": (
        "Posted: 21.08.2023 11:41:00\nUS disliked the visit. Minsk did not.",
        ["Posted: 21.08.2023 11:41:00", "US disliked the visit.", "Minsk did not."],
    ),
    "quote ending in a comma": (
        '"Relations are steadily moving forward," Li said. Khrenin agreed.',
        ['"Relations are steadily moving forward," Li said.', "Khrenin agreed."],
    ),
    "quote ending in a full stop": (
        '"Relations are steadily moving forward." Li said nothing more.',
        ['"Relations are steadily moving forward."', "Li said nothing more."],
    ),
    "curly quotes": (
        "\u201cWe have truly fraternal relations.\u201d Li smiled. \u201cYes,\u201d he said.",
        [
            "\u201cWe have truly fraternal relations.\u201d",
            "Li smiled.",
            "\u201cYes,\u201d he said.",
        ],
    ),
    "question inside a quote, lower case after": (
        '"Why now?" he asked. "Because!" Li said.',
        ['"Why now?" he asked.', '"Because!"', "Li said."],
    ),
    "titles and ranks": (
        "Gen. Li Shangfu met Lt. Gen. Viktor Khrenin, Mr. Lukashenko and Dr. Smith in "
        "St. Petersburg. Prof. Wang was absent.",
        [
            "Gen. Li Shangfu met Lt. Gen. Viktor Khrenin, Mr. Lukashenko and Dr. Smith in "
            "St. Petersburg.",
            "Prof. Wang was absent.",
        ],
    ),
    "initials": (
        "Lloyd J. Austin III was not invited. J. Austin said so.",
        ["Lloyd J. Austin III was not invited.", "J. Austin said so."],
    ),
    "U.S. before a capitalised word": (
        "The U.S. Secretary of Defense was refused. The U.K. Foreign Office said nothing.",
        ["The U.S. Secretary of Defense was refused.", "The U.K. Foreign Office said nothing."],
    ),
    "U.S. at the end of a line": (
        "Li criticised the U.S.\nThe ministry was silent.",
        ["Li criticised the U.S.", "The ministry was silent."],
    ),
    "U.S. before a quote": (
        'Li flew past the U.S. "It was fine," he said.',
        ["Li flew past the U.S.", '"It was fine," he said.'],
    ),
    "dates, numbers and Latin abbreviations": (
        "Talks ran from Sept. 3 to Oct. 5 at No. 10, e.g. on arms, ammunition etc. and "
        "jets. Growth was 3.5 percent.",
        [
            "Talks ran from Sept. 3 to Oct. 5 at No. 10, e.g. on arms, ammunition etc. and jets.",
            "Growth was 3.5 percent.",
        ],
    ),
    "sentence ending in a number": (
        "The visit was in 2023. 2024 will be busier.",
        ["The visit was in 2023.", "2024 will be busier."],
    ),
    "ellipses inside a sentence": (
        "He paused... Then he spoke\u2026 Nothing changed. Done.",
        ["He paused... Then he spoke\u2026 Nothing changed.", "Done."],
    ),
    "brackets after the stop": (
        "(See the report of 15 Aug 2023.) Li said more.",
        ["(See the report of 15 Aug 2023.)", "Li said more."],
    ),
    "lower case after a stop": (
        "Pick one, i.e. the cheaper. and then stop.",
        ["Pick one, i.e. the cheaper. and then stop."],
    ),
    "headline without a stop, then the body": (
        "China defence chief hails 'fraternal relations' in Belarus\n"
        "Li Shangfu arrived on Wednesday. He met Khrenin.",
        [
            "China defence chief hails 'fraternal relations' in Belarus",
            "Li Shangfu arrived on Wednesday.",
            "He met Khrenin.",
        ],
    ),
    "lines of a page": (
        "Advertisement\nChina's military\n  \u2022 Closer cooperation\n  \u2022 Stronger ties\n",
        ["Advertisement", "China's military", "\u2022 Closer cooperation", "\u2022 Stronger ties"],
    ),
    "paragraphs": (
        "The STV channel reports\n\nindeed Li came to Minsk.\r\n\r\nIt was brief.",
        ["The STV channel reports", "indeed Li came to Minsk.", "It was brief."],
    ),
    "wrapped lines": (
        "Li Shangfu arrived in Minsk\non Wednesday, and met\nKhrenin, the minister.\n",
        ["Li Shangfu arrived in Minsk\non Wednesday, and met", "Khrenin, the minister."],
    ),
    "colon at the end of a line": (
        "Li said:\n\u201cWe are brothers.\u201d",
        ["Li said:\n\u201cWe are brothers.\u201d"],
    ),
    "abbreviation at the end of a line": (
        "Talks with Gen.\nKhrenin went well.",
        ["Talks with Gen.\nKhrenin went well."],
    ),
    "Chinese": (
        "\u674e\u5c1a\u798f\u62b5\u8fbe\u660e\u65af\u514b\u3002\u201c\u5f88\u597d\uff01\u201d"
        "\u4ed6\u8bf4\u3002",
        [
            "\u674e\u5c1a\u798f\u62b5\u8fbe\u660e\u65af\u514b\u3002",
            "\u201c\u5f88\u597d\uff01\u201d",
            "\u4ed6\u8bf4\u3002",
        ],
    ),
    "empty": ("", []),
    "white space only": (" \n\t\n ", []),
    "no stop at all": ("Li Shangfu", ["Li Shangfu"]),
}


@pytest.mark.parametrize(
    ("text", "expected"), list(SENTENCE_CASES.values()), ids=list(SENTENCE_CASES)
)
def test_sentences(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


def test_sentence_index_and_same_sentence() -> None:
    text = "  Li met Khrenin in Minsk.   Lukashenko was there.  "
    index = TextIndex(text)
    li, minsk, luka = text.index("Li"), text.index("Minsk"), text.index("Lukashenko")
    assert index.sentence_index(li) == 0
    assert index.sentence_index(luka) == 1
    assert index.same_sentence(li, minsk)
    assert not index.same_sentence(li, minsk, luka)
    assert index.same_sentence(luka)
    assert index.same_sentence()
    assert index.sentence_span(1) == span_of(text, "Lukashenko was there.")


def test_sentence_index_at_the_edges_and_between_sentences() -> None:
    text = "  First one.   Second one.  "
    index = TextIndex(text)
    assert index.sentence_index(0) == 0  # leading white space: the first sentence
    assert index.sentence_index(text.index(".") + 2) == 0  # between: the one before
    assert index.sentence_index(len(text)) == 1
    assert index.sentence_index(len(text) - 1) == 1
    with pytest.raises(ValueError, match="outside the text"):
        index.sentence_index(len(text) + 1)
    with pytest.raises(ValueError, match="outside the text"):
        index.sentence_index(-1)
    with pytest.raises(IndexError):
        index.sentence_span(2)


def test_no_sentences_in_blank_text() -> None:
    index = TextIndex("   ")
    assert index.sentence_count == 0
    with pytest.raises(ValueError, match="no sentences"):
        index.sentence_index(0)


def test_adjacent_cjk_sentences_meet_without_white_space() -> None:
    text = "\u674e\u5230\u4e86\u3002\u4ed6\u8bf4\u3002"
    index = TextIndex(text)
    assert index.sentence_span(0) == (0, 4)
    assert index.sentence_span(1) == (4, 7)
    assert index.sentence_index(4) == 1  # an offset is a character, not a gap


# -- words -------------------------------------------------------------------

WORD_CASES = {
    "possessive": ("Li Shangfu's visit", ["Li", "Shangfu's", "visit"]),
    "curly possessive": (
        "Belarus\u2019 minister and China\u2019s",
        ["Belarus", "minister", "and", "China\u2019s"],
    ),
    "plural possessive": ("the Smiths' house", ["the", "Smiths", "house"]),
    "hyphenated names": (
        "Kim Jong-un met Su-35 pilots",
        ["Kim", "Jong-un", "met", "Su-35", "pilots"],
    ),
    "apostrophes": ("don't won\u2019t", ["don't", "won\u2019t"]),
    "dashes separate": (
        "Minsk \u2013 Beijing\u2014Moscow -- Kyiv",
        ["Minsk", "Beijing", "Moscow", "Kyiv"],
    ),
    "numbers": ("3.5 percent of 1,000 troops.", ["3.5", "percent", "of", "1,000", "troops"]),
    "dotted acronyms": ("U.S. troops, e.g. these", ["U.S", "troops", "e.g", "these"]),
    "combining marks": ("Cafe\u0301 Pe\u0301rez", ["Cafe\u0301", "Pe\u0301rez"]),
    "underscore and digits": ("user_42 wrote", ["user_42", "wrote"]),
    "quotes and brackets": ("\u2018the capital\u2019 (BelTA)", ["the", "capital", "BelTA"]),
    "Chinese: one word per character": (
        "Li\uff08\u674e\u5c1a\u798f\uff09",
        ["Li", "\u674e", "\u5c1a", "\u798f"],
    ),
    "Japanese kana": (
        "\u30d9\u30e9\u30eb\u30fc\u30b7",
        ["\u30d9", "\u30e9", "\u30eb", "\u30fc", "\u30b7"],
    ),
    "Thai with its marks": ("\u0e17\u0e35\u0e48\u0e19", ["\u0e17\u0e35\u0e48", "\u0e19"]),
    "Cyrillic": (
        "\u041b\u0438 \u0428\u0430\u043d\u0444\u0443",
        ["\u041b\u0438", "\u0428\u0430\u043d\u0444\u0443"],
    ),
    "empty": ("", []),
}


@pytest.mark.parametrize(("text", "expected"), list(WORD_CASES.values()), ids=list(WORD_CASES))
def test_words(text: str, expected: list[str]) -> None:
    assert words(text) == expected


def test_word_index() -> None:
    text = " Li Shangfu's visit "
    index = TextIndex(text)
    assert index.word_index(0) == 0  # before the first word: the next one
    assert index.word_index(1) == 0
    assert index.word_index(text.index("Shangfu")) == 1
    assert index.word_index(text.index("'s") + 1) == 1
    assert index.word_index(text.index(" visit")) == 2  # the space: the next word
    assert index.word_index(len(text) - 1) == 3  # after the last word: the word count
    assert index.word_index(len(text)) == index.word_count == 3
    with pytest.raises(ValueError, match="outside the text"):
        index.word_index(len(text) + 1)


def test_word_index_at_the_very_end_of_a_word() -> None:
    text = "Minsk"
    index = TextIndex(text)
    assert index.word_index(0) == 0
    assert index.word_index(4) == 0
    assert index.word_index(5) == 1


TEXT = "Li Shangfu met Viktor Khrenin in Minsk on Wednesday, Belta's report said."


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("Li Shangfu", "Viktor Khrenin", 1),
        ("Viktor Khrenin", "Li Shangfu", 1),  # either order
        ("Li", "Shangfu", 0),  # adjacent
        ("Li Shangfu", "Shangfu met", 0),  # overlapping
        ("Minsk", "Minsk", 0),  # the same span
        ("Li", "said", 10),
        ("Belta", "said", 1),  # a span cutting into "Belta's": that word is not between
        ("Wednesday", "Belta's", 0),  # punctuation is no word
    ],
)
def test_words_between(a: str, b: str, expected: int) -> None:
    index = TextIndex(TEXT)
    a_start, a_end = span_of(TEXT, a)
    b_start, b_end = span_of(TEXT, b)
    assert index.words_between(a_start, a_end, b_start, b_end) == expected
    assert index.words_between(b_start, b_end, a_start, a_end) == expected


def test_words_between_empty_spans_and_the_ends_of_the_text() -> None:
    index = TextIndex(TEXT)
    assert index.words_between(0, 0, len(TEXT), len(TEXT)) == index.word_count
    assert index.words_between(0, 0, 0, 0) == 0
    with pytest.raises(ValueError, match="ends before it starts"):
        index.words_between(5, 4, 0, 0)


@pytest.mark.parametrize(
    ("part", "within", "expected"),
    [
        ("Khrenin", 0, "Khrenin"),
        ("Khrenin", 2, "met Viktor Khrenin in Minsk"),
        ("Li", 2, "Li Shangfu met"),  # at the start: nothing to take on the left
        ("said", 3, "Wednesday, Belta's report said"),  # at the end
        ("hrenin", 1, "Viktor Khrenin in"),  # cut words grow to whole words
        ("Belta", 0, "Belta's"),
        ("Li", 50, TEXT[:-1]),
    ],
)
def test_words_near(part: str, within: int, expected: str) -> None:
    index = TextIndex(TEXT)
    start, end = index.words_near(*span_of(TEXT, part), within)
    assert TEXT[start:end] == expected


def test_words_near_on_empty_spans_and_empty_text() -> None:
    index = TextIndex(TEXT)
    at = TEXT.index(" in ")
    start, end = index.words_near(at, at, 1)
    assert TEXT[start:end] == "Khrenin in"
    assert index.words_near(len(TEXT), len(TEXT), 1) == (TEXT.index("said"), len(TEXT))
    assert TextIndex("").words_near(0, 0, 3) == (0, 0)
    with pytest.raises(ValueError, match="not be negative"):
        index.words_near(0, 2, -1)


@pytest.mark.parametrize(
    "ch",
    list("\u0e01\u0e99\u1000\u1780\u3042\u30a2\u3400\u4e00\u9fa5\uf900\U00020000"),
)
def test_unspaced_scripts_count_one_word_per_character(ch: str) -> None:
    assert words(ch * 3) == [ch] * 3


@pytest.mark.parametrize("ch", ["a", "\u0436", "\uac00", "\u05d0", "\u0627"])
def test_spaced_scripts_run_characters_together(ch: str) -> None:
    assert words(ch * 3) == [ch * 3]


# -- invariants --------------------------------------------------------------

# Characters that make the splitting rules work: stops, quotes, line breaks,
# initials, abbreviations' letters, digits, CJK and a combining mark.
_NEWSY = st.text(
    alphabet=st.sampled_from(
        list("aeMrJUSN.o. !?,;:\"'\u201c\u201d\u2019()-\u2026\n\n\r\t 35\u3002\u674e\u0301")
    ),
    max_size=200,
)
_ANY_TEXT = st.one_of(_NEWSY, st.text(max_size=200))


@given(_ANY_TEXT)
def test_sentences_partition_the_text(text: str) -> None:
    index = TextIndex(text)
    owner: list[int | None] = [None] * len(text)
    previous_end = 0
    for i in range(index.sentence_count):
        start, end = index.sentence_span(i)
        assert previous_end <= start < end
        assert not text[start].isspace()
        assert not text[end - 1].isspace()
        for offset in range(start, end):
            owner[offset] = i
        previous_end = end
    for offset, ch in enumerate(text):
        if not ch.isspace():
            assert owner[offset] is not None, (offset, ch)
            assert index.sentence_index(offset) == owner[offset]


@given(_ANY_TEXT)
def test_word_index_is_monotonic(text: str) -> None:
    index = TextIndex(text)
    found = [index.word_index(offset) for offset in range(len(text) + 1)]
    assert found == sorted(found)
    assert found[-1] == index.word_count


@given(_ANY_TEXT)
def test_words_hold_every_word_character(text: str) -> None:
    index = TextIndex(text)
    inside = [False] * len(text)
    previous_end = 0
    for i in range(index.word_count):
        start, end = index.word_span(i)
        assert previous_end <= start < end
        assert _is_word_char(text[start])
        assert _is_word_char(text[end - 1])
        for offset in range(start, end):
            assert not text[offset].isspace()
            inside[offset] = True
        previous_end = end
    for offset, ch in enumerate(text):
        assert inside[offset] or not _is_word_char(ch), (offset, ch)


def _is_word_char(ch: str) -> bool:
    """As watcher.match.is_word_char (kept here so these tests stand alone)."""
    return ch.isalnum() or ch == "_" or unicodedata.category(ch).startswith("M")


@given(_ANY_TEXT, st.data())
def test_words_between_counts_the_words_in_the_gap(text: str, data: st.DataObject) -> None:
    index = TextIndex(text)
    size = len(text)
    a, b, c, d = sorted(data.draw(st.lists(st.integers(0, size), min_size=4, max_size=4)))
    count = index.words_between(a, b, c, d)
    assert count == index.words_between(c, d, a, b)
    spans = [index.word_span(i) for i in range(index.word_count)]
    assert count == sum(1 for start, end in spans if b <= start and end <= c)


@given(_ANY_TEXT, st.data())
def test_words_near_takes_whole_words_each_side(text: str, data: st.DataObject) -> None:
    index = TextIndex(text)
    start, end = sorted(data.draw(st.lists(st.integers(0, len(text)), min_size=2, max_size=2)))
    within = data.draw(st.integers(0, 5))
    left, right = index.words_near(start, end, within)
    assert left <= start <= end <= right
    spans = [index.word_span(i) for i in range(index.word_count)]
    before = [s for s in spans if s[1] <= start]
    after = [s for s in spans if s[0] >= end]
    assert sum(1 for s in before if s[0] >= left) == min(within, len(before))
    assert sum(1 for s in after if s[1] <= right) == min(within, len(after))


# -- size --------------------------------------------------------------------


def test_a_five_megabyte_text_is_indexed() -> None:
    paragraph = (
        "MINSK, Aug. 16 (Reuters) - Chinese Defence Minister Gen. Li Shangfu arrived in "
        "Belarus on Wednesday, the U.S. Secretary of Defense Lloyd J. Austin said. "
        "\u201cRelations are steadily moving forward,\u201d Li said... Growth was 3.5%!\n"
        "China\u2019s defence chief hails ties\n"
        "\u674e\u5c1a\u798f\u62b5\u8fbe\u660e\u65af\u514b\u3002\n\n"
    )
    copies = 5_000_000 // len(paragraph) + 1
    text = paragraph * copies
    index = TextIndex(text)
    assert index.word_count == copies * len(words(paragraph))
    assert index.sentence_count == copies * len(sentences(paragraph))
    assert index.same_sentence(text.index("Li"), text.index("Belarus"))
    last = len(text) - 1
    assert index.words_between(0, 1, last, last + 1) == index.word_count - 1
