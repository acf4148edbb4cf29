"""Near-duplicates: trivial edits stay above the threshold, different articles below.

Run with ``-s`` to see the measured similarities that justify
``DEFAULT_THRESHOLD``; the tables are printed for the record.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from hashlib import blake2b
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from watcher.dedupe import (
    DEFAULT_THRESHOLD,
    FINGERPRINT_BITS,
    bands,
    fingerprint,
    probe_bands,
    similarity,
    words,
)

# Three wire stories written for these tests: about as long as a short news
# item, on unrelated subjects.
PORT_STRIKE = """\
Dock strike halts container traffic at Rotterdam for second day

ROTTERDAM, March 3 (Wire) \u2014 Container traffic at Europe\u2019s largest port \
stayed at a standstill on Tuesday as dock workers extended a strike over pay \
and automation, leaving more than forty vessels waiting at anchor in the North \
Sea.

The FNV union said about 2,300 lashers and crane operators walked out after \
talks with terminal operators broke down late on Sunday. \u201cWe are not \
against new technology, but we will not accept that it is used to cut jobs \
without any guarantees,\u201d union negotiator Marieke de Vries told reporters \
outside the Maasvlakte terminal.

Terminal operators said the union\u2019s demand for a 7 percent wage rise over \
two years was unaffordable at a time of falling volumes. A spokesman for one \
operator said contingency plans were in place and that reefer containers \
carrying food and medicine would be given priority once work resumed.

Shipping lines began diverting vessels to Antwerp and Hamburg, where port \
authorities warned that yards were already close to capacity. Freight \
forwarders said the delays would add at least a week to deliveries for some \
importers and could raise spot rates on routes from Asia.

The Dutch economy ministry urged both sides to return to the table and said \
it was monitoring the impact on supply chains. The port authority estimated \
that each day of the strike cost the local economy tens of millions of euros.

Talks are scheduled to resume on Thursday under a government-appointed \
mediator, the union said.
"""

RATE_DECISION = """\
Central bank holds rates, signals cuts possible later this year

FRANKFURT, June 12 (Wire) \u2014 The central bank left its main interest rate \
unchanged at 3.75 percent on Wednesday but said easing inflation could allow \
it to lower borrowing costs in the second half of the year, sending bond \
yields lower.

Policymakers voted unanimously to hold rates for a fifth consecutive meeting. \
In a statement, the bank said price pressures in services had moderated \
faster than expected and that wage growth was slowing, although energy \
prices remained a source of uncertainty.

\u201cThe direction of travel is clear, but we need more evidence before we \
act,\u201d the bank\u2019s president told a news conference. She declined to \
commit to a date for the first cut, saying decisions would be taken meeting \
by meeting on the basis of incoming data.

Economists polled last week had expected the hold, with most forecasting a \
first reduction of a quarter point in September. Two-year government bond \
yields fell eight basis points after the statement, and the currency slipped \
against the dollar.

New staff projections put inflation at 2.4 percent this year and 2.0 percent \
next year, slightly below the March forecasts. Growth was seen at 0.9 \
percent, unchanged, as weak manufacturing offset a recovery in household \
spending.
"""

QUAKE = """\
Strong earthquake shakes southern coast, at least 12 dead

IZMIR, Sept 8 (Wire) \u2014 A magnitude 6.4 earthquake struck off the southern \
coast early on Friday, killing at least 12 people, injuring more than 200 and \
bringing down several apartment blocks in coastal towns, officials said.

The quake hit at 4:17 a.m. local time at a depth of about 10 kilometres, \
according to the national seismological institute, and was followed by more \
than 40 aftershocks, the strongest of magnitude 4.9. Residents fled into the \
streets in their night clothes and many spent the morning in parks.

Rescue teams worked through rubble in the town of Bayrakli, where a \
seven-storey building collapsed. \u201cWe heard voices under the concrete and \
we are doing everything we can to reach them,\u201d a fire brigade commander \
told state television.

The health ministry said hospitals in the region had been put on alert and \
field tents were being set up for the injured. Schools were closed for the \
day and the regional governor asked people not to return to damaged \
buildings.

Authorities issued a tsunami warning for nearby islands, which was lifted \
two hours later after sea levels rose by less than half a metre.
"""

ARTICLES = {"port strike": PORT_STRIKE, "rate decision": RATE_DECISION, "quake": QUAKE}

# The kind of headline a syndicating site puts over someone else's story.
NEW_HEADLINE = "Syndicated: China's defence minister in Minsk as West voices concern"

# Unrelated texts land around 0.5; this is 16 bits of agreement above chance.
FAR_BELOW = 0.75


def _dumped(text: str) -> str:
    """Re-spaced: every space and line break changed, lines indented and padded."""
    lines = ("  " + line.replace(" ", " \t ") + "   " for line in text.splitlines())
    return "\r\n\r\n".join(lines)


def _straight_quotes(text: str) -> str:
    table = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})
    return text.translate(table).replace("\u2014", "--")


def _with_tracking_line(text: str) -> str:
    return (
        text
        + "\nRead more at https://news.example.com/world/2024/03/03/story-12345"
        + "?utm_source=newsletter&utm_medium=email&utm_campaign=morning\n"
    )


def _new_dateline(text: str) -> str:
    """Another outlet's dateline and a byline instead of the wire's."""
    changed, count = _DATELINE.subn(
        "By a staff reporter\n\nUpdated March 4, 2024 (Reuters) -", text
    )
    assert count == 1, "every test article has one dateline"
    return changed


_DATELINE = re.compile(r"^[A-Z]+, \w+ \d+ \(Wire\) \u2014", re.MULTILINE)


def _seed_resaved(text: str) -> str:
    """A seed article with another first line and extra blank lines between paragraphs."""
    _first, _, rest = text.partition("\n")
    return NEW_HEADLINE + "\n\n\n" + rest.replace("\n", "\n\n\n")


def _shares_band(a: int, b: int, count: int = 4) -> bool:
    return bool(set(bands(a, count)) & set(bands(b, count)))


def _found_by_probes(stored: int, new: int, count: int = 4) -> bool:
    """Would looking ``new`` up in an index of ``bands(stored)`` find it?"""
    return bool(set(bands(stored, count)) & set(probe_bands(new, count)))


@pytest.fixture
def seeds(seeds_dir: Path) -> dict[str, str]:
    """The five seed articles, by file stem: five outlets, one event."""
    found = {p.stem[:3]: p.read_text(encoding="utf-8") for p in sorted(seeds_dir.glob("*.txt"))}
    assert len(found) == 5
    return found


def test_seed_saved_again_with_a_new_first_line_is_a_duplicate(seeds: dict[str, str]) -> None:
    print("\nseed re-saved with a new first line and extra blank lines:")
    for name, text in seeds.items():
        original, resaved = fingerprint(text), fingerprint(_seed_resaved(text))
        score = similarity(original, resaved)
        print(f"  {name}: {score:.3f}")
        assert score >= DEFAULT_THRESHOLD, name
        assert _shares_band(original, resaved), name
        assert _found_by_probes(original, resaved), name


@pytest.mark.parametrize(
    "edit",
    [_dumped, _straight_quotes, _with_tracking_line, _new_dateline],
    ids=lambda f: f.__name__,
)
@pytest.mark.parametrize("name", sorted(ARTICLES))
def test_trivial_edits_are_near_duplicates(name: str, edit: Callable[[str], str]) -> None:
    text = ARTICLES[name]
    edited = edit(text)
    assert edited != text
    original, changed = fingerprint(text), fingerprint(edited)
    score = similarity(original, changed)
    print(f"\n{name} / {edit.__name__}: {score:.3f}")
    assert score >= DEFAULT_THRESHOLD
    # Not always a shared plain band: a new dateline and byline moves 6 bits of
    # two of the stories, more than 4 plain bands guarantee (3); probes cover 7.
    assert _found_by_probes(original, changed)


def test_layout_quotes_and_urls_do_not_change_the_fingerprint() -> None:
    for text in ARTICLES.values():
        assert fingerprint(_dumped(text)) == fingerprint(text)
        assert fingerprint(_straight_quotes(text)) == fingerprint(text)
    assert words("Li\u2019s \u201cvisit\u201d \u2014 see www.example.com/x?a=1") == [
        "lis",
        "visit",
        "see",
    ]
    assert words("\uff2c\uff29 SHANGFU, Zürich") == ["li", "shangfu", "zurich"]


def test_the_five_seed_articles_are_different_articles(seeds: dict[str, str]) -> None:
    fps = {name: fingerprint(text) for name, text in seeds.items()}
    names = list(fps)
    print("\npairwise similarity of the five seed articles (one event, five outlets):")
    print("       " + "  ".join(f"{n:>5}" for n in names))
    for a in names:
        print(f"  {a}: " + "  ".join(f"{similarity(fps[a], fps[b]):5.3f}" for b in names))
    for a, b in itertools.combinations(names, 2):
        assert similarity(fps[a], fps[b]) < DEFAULT_THRESHOLD, (a, b)


def test_unrelated_texts_are_far_below() -> None:
    print("\nunrelated test articles:")
    for (a, ta), (b, tb) in itertools.combinations(ARTICLES.items(), 2):
        score = similarity(fingerprint(ta), fingerprint(tb))
        print(f"  {a} / {b}: {score:.3f}")
        assert score < FAR_BELOW


def test_fingerprint_is_pinned_across_processes() -> None:
    # A hard-coded value is acceptable here: it pins the stable hash (BLAKE2b,
    # never the per-process salted hash()), the normalisation and the shingle
    # size, all of which stored fingerprints depend on. If this changes on
    # purpose, every stored fingerprint must be recomputed.
    text = "Chinese Defence Minister Li Shangfu arrived in Minsk on Wednesday."
    assert fingerprint(text) == 0x0E05_8187_0812_9EE2


def test_short_and_empty_texts() -> None:
    short = fingerprint("Ministers meet")
    assert short == fingerprint("  MINISTERS\n meet. ")
    assert 0 <= short < 2**FINGERPRINT_BITS
    assert short != fingerprint("Ministers met")
    assert fingerprint("") == fingerprint(" \n\t\u2014 ") == 0


def test_invalid_arguments() -> None:
    with pytest.raises(ValueError, match="out of range"):
        similarity(-1, 0)
    with pytest.raises(ValueError, match="out of range"):
        bands(2**64)
    for count in (0, 1, 3, 128):
        with pytest.raises(ValueError, match="divisor"):
            bands(0, count)


def test_band_values_are_tagged_with_their_position() -> None:
    fp = 0x0123_4567_89AB_CDEF
    assert bands(fp) == [0x0123, 1 << 16 | 0x4567, 2 << 16 | 0x89AB, 3 << 16 | 0xCDEF]
    # Equal 16-bit values in different positions must not be a shared band.
    assert len(set(bands(0))) == 4
    assert all(0 <= value < 2**63 for value in bands(2**64 - 1, 2))


fingerprints = st.integers(min_value=0, max_value=2**FINGERPRINT_BITS - 1)
band_counts = st.sampled_from([2, 4, 8, 16, 32, 64])


@given(fingerprints)
def test_similarity_with_itself_is_one(fp: int) -> None:
    assert similarity(fp, fp) == 1.0


@given(fingerprints, fingerprints)
def test_similarity_is_symmetric_and_bounded(a: int, b: int) -> None:
    assert similarity(a, b) == similarity(b, a)
    assert 0.0 <= similarity(a, b) <= 1.0


@given(fingerprints, band_counts)
def test_equal_fingerprints_have_equal_bands(fp: int, count: int) -> None:
    assert bands(fp, count) == bands(int(str(fp)), count)
    assert len(bands(fp, count)) == count


@given(fingerprints, st.sets(st.integers(0, FINGERPRINT_BITS - 1), max_size=3))
def test_three_differing_bits_still_share_a_band(fp: int, flipped: set[int]) -> None:
    other = fp
    for bit in flipped:
        other ^= 1 << bit
    assert similarity(fp, other) == 1 - len(flipped) / FINGERPRINT_BITS
    assert _shares_band(fp, other)


@given(fingerprints, st.sets(st.integers(0, FINGERPRINT_BITS - 1), max_size=7))
def test_probes_find_everything_within_seven_bits(fp: int, flipped: set[int]) -> None:
    other = fp
    for bit in flipped:
        other ^= 1 << bit
    assert _found_by_probes(fp, other)
    assert _found_by_probes(other, fp)
    assert _shares_band(fp, other, 8)


@given(fingerprints, band_counts)
def test_probes_are_distinct_and_include_the_bands(fp: int, count: int) -> None:
    probes = probe_bands(fp, count)
    assert len(set(probes)) == len(probes) == count * (FINGERPRINT_BITS // count + 1)
    assert set(bands(fp, count)) <= set(probes)


def test_the_threshold_is_within_what_probes_guarantee() -> None:
    # 4 bands with one-bit probes find everything up to 7 differing bits.
    assert 1 - 7 / FINGERPRINT_BITS <= DEFAULT_THRESHOLD


@given(st.lists(st.text(min_size=1, max_size=12), max_size=40))
def test_fingerprint_ignores_how_words_are_spaced(pieces: list[str]) -> None:
    text = " ".join(pieces)
    assert 0 <= fingerprint(text) < 2**FINGERPRINT_BITS
    assert fingerprint(text) == fingerprint("\n\n ".join(text.split()))


def _plain_simhash(text: str) -> int:
    """SimHash written the obvious way, to check the column-counting shortcut."""
    tokens = words(text)
    size = 3
    grams = [tokens[i : i + size] for i in range(max(1, len(tokens) - size + 1))]
    votes = [0] * FINGERPRINT_BITS
    for gram in grams:
        if not gram:
            continue
        digest = blake2b(" ".join(gram).encode(), digest_size=8, person=b"watcher.simhash")
        value = int.from_bytes(digest.digest(), "big")
        for bit in range(FINGERPRINT_BITS):
            votes[bit] += 1 if value >> bit & 1 else -1
    return sum(1 << bit for bit, vote in enumerate(votes) if vote > 0)


@given(st.lists(st.sampled_from(["the", "minister", "met", "Li", "in", "Minsk", "x"]), max_size=30))
def test_fingerprint_agrees_with_the_plain_definition(tokens: list[str]) -> None:
    text = " ".join(tokens)
    assert fingerprint(text) == _plain_simhash(text)


def test_articles_agree_with_the_plain_definition() -> None:
    for text in ARTICLES.values():
        assert fingerprint(text) == _plain_simhash(text)
