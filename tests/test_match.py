"""Matching names and terms: the rules of the pipeline issue, one test each."""

from __future__ import annotations

from pathlib import Path

import pytest

from watcher.extract import extract
from watcher.match import Matcher, is_acronym, make_snippet
from watcher.rules import load_rules

from .test_rules import CONTRACT

REPO_RULES = Path(__file__).parent.parent / "rules"


@pytest.fixture(scope="module")
def matcher(tmp_path_factory: pytest.TempPathFactory) -> Matcher:
    folder = tmp_path_factory.mktemp("rules")
    (folder / "dm.yaml").write_text(CONTRACT, encoding="utf-8")
    return Matcher(load_rules(folder))


def found(matcher: Matcher, text: str) -> list[tuple[str, str, int, int]]:
    return [(h.name, h.text, h.start, h.end) for h in matcher.match_text(text)]


def test_canonical_name_and_aliases_match(matcher: Matcher) -> None:
    text = "Li Shangfu met the Shanghai Cooperation Organization."
    assert found(matcher, text) == [
        ("Li Shangfu", "Li Shangfu", 0, 10),
        ("Shanghai Cooperation Organisation", "Shanghai Cooperation Organization", 19, 52),
    ]


def test_case_insensitive_for_names(matcher: Matcher) -> None:
    assert found(matcher, "LI SHANGFU ARRIVES") == [("Li Shangfu", "LI SHANGFU", 0, 10)]
    assert found(matcher, "li shangfu") == [("Li Shangfu", "li shangfu", 0, 10)]


def test_acronyms_are_case_sensitive(matcher: Matcher) -> None:
    assert found(matcher, "the SCO summit") == [("Shanghai Cooperation Organisation", "SCO", 4, 7)]
    assert found(matcher, "the sco summit, the Sco") == []


def test_whole_words_only(matcher: Matcher) -> None:
    assert found(matcher, "SCOTUS ruled; NATO-SCOX; XSCO") == []
    assert found(matcher, "embargoland goods, sanctionsbusting") == []


def test_possessives_and_curly_apostrophes(matcher: Matcher) -> None:
    text = (
        "Li Shangfu's visit and Li Shangfu\u2019s trip to the "
        "Shanghai Cooperation Organisation\u2019s"
    )
    names = [(h.text, h.start) for h in matcher.match_text(text)]
    assert names == [
        ("Li Shangfu", 0),
        ("Li Shangfu", 23),
        ("Shanghai Cooperation Organisation", 48),
    ]


def test_line_breaks_and_runs_of_space_inside_a_name(matcher: Matcher) -> None:
    text = "General Li\nShangfu and Li   \t Shangfu"
    assert found(matcher, text) == [
        ("Li Shangfu", "General Li\nShangfu", 0, 18),
        ("Li Shangfu", "Li   \t Shangfu", 23, 37),
    ]


def test_longest_alias_wins_where_two_overlap(matcher: Matcher) -> None:
    hits = matcher.match_text("Chinese Defence Minister General Li Shangfu said")
    assert [(h.text, h.alias) for h in hits] == [("General Li Shangfu", "General Li Shangfu")]


def test_offsets_point_into_the_original_text(matcher: Matcher) -> None:
    text = "\ufeff\uff2c\uff49\u3000Shangfu, e\u0301t\u00e9; the\u00a0\u00a0SCO \u2014 sanctions"
    for hit in matcher.match_text(text):
        assert text[hit.start : hit.end] == hit.text
    assert [h.text for h in matcher.match_text(text)] == [
        "\uff2c\uff49\u3000Shangfu",
        "SCO",
        "sanctions",
    ]


def test_cjk_alias_matches_without_spaces(matcher: Matcher) -> None:
    text = "中国国防部长李尚福访问白俄罗斯"
    assert found(matcher, text) == [("Li Shangfu", "李尚福", 6, 9)]


def test_dash_variants_are_one(tmp_path: Path) -> None:
    (tmp_path / "k.yaml").write_text(
        "watchlist: k\nentities:\n  - name: Kim Jong-un\n", encoding="utf-8"
    )
    matcher = Matcher(load_rules(tmp_path))
    assert [h.text for h in matcher.match_text("Kim Jong\u2011un and Kim Jong\u2013un")] == [
        "Kim Jong\u2011un",
        "Kim Jong\u2013un",
    ]


def test_topic_terms(matcher: Matcher) -> None:
    hits = matcher.match_text("New sanctions; an embargo; they were sanctioned.")
    assert [(h.kind, h.name, h.text) for h in hits] == [
        ("topic", "Sanctions", "sanctions"),
        ("topic", "Sanctions", "embargo"),
        ("topic", "Sanctions", "sanctioned"),
    ]


def test_same_span_in_two_watchlists_gives_a_hit_for_each(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(CONTRACT, encoding="utf-8")
    (tmp_path / "b.yaml").write_text("watchlist: sco\nentities:\n  - name: SCO\n", encoding="utf-8")
    hits = Matcher(load_rules(tmp_path)).match_text("the SCO")
    assert sorted((h.watchlist, h.name) for h in hits) == [
        ("defence-ministers", "Shanghai Cooperation Organisation"),
        ("sco", "SCO"),
    ]


def test_hit_carries_severity_category_and_snippet(matcher: Matcher) -> None:
    (hit,) = matcher.match_text("Reporters said that Li Shangfu arrived.")
    assert hit.severity.value == "high"
    assert (hit.kind, hit.category, hit.watchlist) == ("entity", "person", "defence-ministers")
    assert hit.snippet[hit.snippet_start : hit.snippet_end] == "Li Shangfu"


def test_snippet_cuts_on_words_and_collapses_space() -> None:
    text = ("word " * 40) + "Li\n Shangfu" + (" more" * 40)
    start = text.index("Li")
    snippet, s, e = make_snippet(text, start, start + len("Li\n Shangfu"), context=30)
    assert snippet.startswith("… word")
    assert snippet.endswith("more …")
    assert snippet[s:e] == "Li Shangfu"
    assert "\n" not in snippet


def test_acronym_rule() -> None:
    assert is_acronym("SCO")
    assert is_acronym("U.S.")
    assert not is_acronym("BelTA")
    assert not is_acronym("A")
    assert not is_acronym("WAGNER GROUP")
    assert not is_acronym("李尚福")


def test_no_rules_no_hits(tmp_path: Path) -> None:
    (tmp_path / "t.yaml").write_text(
        "watchlist: t\ntopics:\n  - name: T\n    terms: [zebra]\n", encoding="utf-8"
    )
    assert Matcher(load_rules(tmp_path)).match_text("") == []


# The five seed articles (one event, five outlets), with the shipped sample rules.
# Full mentions, plus "Li said" after one (001: 9 of them, 003: 4).
SEED_LI_SHANGFU = {"000": 4, "001": 12, "002": 1, "003": 5, "004": 1}
SEED_SCO = {"001", "002"}


def _seed_hits(seeds_dir: Path) -> dict[str, list[tuple[str, str, str]]]:
    matcher = Matcher(load_rules(REPO_RULES))
    out = {}
    for path in sorted(seeds_dir.glob("*.txt")):
        doc = extract(path, path.read_bytes())
        out[path.name[:3]] = [(h.watchlist, h.name, h.text) for h in matcher.match(doc)]
    return out


def test_seeds_li_shangfu_everywhere_sco_where_named(seeds_dir: Path) -> None:
    hits = _seed_hits(seeds_dir)
    assert sorted(hits) == ["000", "001", "002", "003", "004"]
    for seed, count in SEED_LI_SHANGFU.items():
        li = [h for h in hits[seed] if h[:2] == ("defence-ministers", "Li Shangfu")]
        assert len(li) == count, seed
    with_sco = {
        seed
        for seed, found_hits in hits.items()
        if any(h[:2] == ("sco", "Shanghai Cooperation Organisation") for h in found_hits)
    }
    assert with_sco == SEED_SCO


def test_seeds_curly_apostrophe_spelling_of_the_sco(seeds_dir: Path) -> None:
    hits = _seed_hits(seeds_dir)
    assert ("sco", "Shanghai Cooperation Organisation", "Shanghai Cooperation Organisation") in (
        hits["002"]
    )
    text = (next(seeds_dir.glob("002_*.txt"))).read_text(encoding="utf-8")
    assert "Shanghai Cooperation Organisation\u2019s" in text


def test_seeds_li_haidong_is_never_li_shangfu(seeds_dir: Path) -> None:
    matcher = Matcher(load_rules(REPO_RULES))
    path = next(seeds_dir.glob("003_*.txt"))
    doc = extract(path, path.read_bytes())
    haidong = doc.text.index("Li Haidong")
    for hit in matcher.match(doc):
        assert not (hit.start <= haidong < hit.end), hit
    assert all("Haidong" not in h.text for h in matcher.match(doc))


def test_seeds_viktor_khrenin_full_mentions(seeds_dir: Path) -> None:
    hits = _seed_hits(seeds_dir)
    for seed in ("000", "001", "002", "003", "004"):
        assert any(h[1] == "Viktor Khrenin" for h in hits[seed]), seed


def test_words_inside_web_addresses_are_not_mentions(matcher: Matcher) -> None:
    text = "See https://news.example.org/li-shangfu-sanctions or www.example.com/SCO: Li Shangfu."
    start = text.index("Li Shangfu")
    assert found(matcher, text) == [("Li Shangfu", "Li Shangfu", start, start + 10)]
