"""Normalisation properties: the way back to the original always holds."""

from __future__ import annotations

import unicodedata
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from watcher.match import Matcher
from watcher.normalize import fold_case, normalize, normalize_key
from watcher.rules import load_rules

from .test_rules import CONTRACT

# Text with the characters normalisation cares about: spaces of every kind,
# quotes, dashes, compatibility forms, combining marks, invisible characters.
TRICKY = "  \t\n\u00a0\u3000\u2019\u201c\u2014\u2011\ufb01\uff2c\u0301\u00ad\u200b\u0130ß李"
texts = st.text(
    alphabet=st.one_of(st.characters(codec="utf-8"), st.sampled_from(TRICKY)), max_size=80
)


@given(texts)
def test_every_normalised_character_maps_to_a_valid_original_span(text: str) -> None:
    norm = normalize(text)
    assert len(norm.folded) == len(norm.text)
    for index in range(len(norm.text)):
        start, end = norm.span(index, index + 1)
        assert 0 <= start < end <= len(text)


@given(texts)
def test_spans_are_monotonic(text: str) -> None:
    norm = normalize(text)
    previous = 0
    for index in range(len(norm.text)):
        start, _ = norm.span(index, index + 1)
        assert start >= previous
        previous = start


@given(texts)
def test_no_runs_of_space_survive(text: str) -> None:
    assert "  " not in normalize(text).text
    assert "\n" not in normalize(text).text


def test_a_no_break_space_before_a_space_is_one_space() -> None:
    assert normalize("Li\u00a0 Shangfu").text == "Li Shangfu"
    assert normalize("Li\u3000 Shangfu").text == "Li Shangfu"
    assert normalize("Li \u00a0Shangfu").text == "Li Shangfu"


def test_examples() -> None:
    assert normalize("Organisation\u2019s").text == "Organisation's"
    assert normalize("a \u2014 b").text == "a - b"
    assert normalize("\uff2c\uff49").text == "Li"
    assert normalize("so\u00adcial").text == "social"
    assert normalize_key("  Li \n Shangfu ") == "Li Shangfu"
    assert fold_case("\u0130stanbul") == "\u0130stanbul"
    assert fold_case("ABC") == "abc"


def _matcher(tmp_path: Path) -> Matcher:
    (tmp_path / "dm.yaml").write_text(CONTRACT, encoding="utf-8")
    return Matcher(load_rules(tmp_path))


ALIASES = ["Li Shangfu", "General Li Shangfu", "SCO", "Shanghai Cooperation Organization"]
words = st.lists(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyzéø", min_size=1, max_size=8), max_size=6
).map(" ".join)
separators = st.sampled_from([" ", "\n", ", ", " (", "\u2014", ". ", "\u201c"])


@settings(max_examples=200)
@given(before=words, after=words, alias=st.sampled_from(ALIASES), left=separators, right=separators)
def test_an_alias_at_a_word_boundary_is_always_found(
    tmp_path_factory, before: str, after: str, alias: str, left: str, right: str
) -> None:
    matcher = _matcher(tmp_path_factory.mktemp("r"))
    text = f"{before}{left}{alias}{right}{after}"
    start = len(before) + len(left)
    hits = [(h.start, h.end) for h in matcher.match_text(text)]
    assert (start, start + len(alias)) in hits


@settings(max_examples=200)
@given(
    prefix=st.text(alphabet="abcxyzé", max_size=3),
    suffix=st.text(alphabet="abcxyzé", max_size=3),
    alias=st.sampled_from(ALIASES),
)
def test_an_alias_inside_a_longer_word_is_never_found(
    tmp_path_factory, prefix: str, suffix: str, alias: str
) -> None:
    if not prefix and not suffix:
        return
    matcher = _matcher(tmp_path_factory.mktemp("r"))
    text = f"word {prefix}{alias}{suffix} word"
    hits = matcher.match_text(text)
    # The glued alias is never found; a shorter alias standing as whole words
    # inside it may be ("aGeneral Li Shangfu" still names Li Shangfu).
    assert all(h.alias != alias for h in hits)
    if " " not in alias:
        assert hits == []


@settings(max_examples=100)
@given(before=words, after=words, alias=st.sampled_from(ALIASES))
def test_matching_is_unchanged_by_nfkc_equivalent_rewrites(
    tmp_path_factory, before: str, after: str, alias: str
) -> None:
    matcher = _matcher(tmp_path_factory.mktemp("r"))
    text = f"{before} {alias}\u2019s {after}"
    expected = [(h.name, h.alias) for h in matcher.match_text(text)]
    for form in ("NFC", "NFD", "NFKD"):
        rewritten = unicodedata.normalize(form, text)
        hits = matcher.match_text(rewritten)
        assert [(h.name, h.alias) for h in hits] == expected
        for hit in hits:
            assert rewritten[hit.start : hit.end] == hit.text
