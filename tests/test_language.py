"""The rule language beyond names and terms, one behaviour per test."""

from __future__ import annotations

import pickle
import textwrap
from pathlib import Path

import pytest

from watcher.match import Matcher
from watcher.rules import load_rules
from watcher.selftest import run_examples


def matcher_for(tmp_path: Path, rules: str) -> Matcher:
    (tmp_path / "w.yaml").write_text(textwrap.dedent(rules), encoding="utf-8")
    return Matcher(load_rules(tmp_path))


def spans(matcher: Matcher, text: str, name: str | None = None) -> list[str]:
    return [h.text for h in matcher.match_text(text) if name is None or h.name == name]


LI = """\
    watchlist: w
    entities:
      - name: Li Shangfu
        kind: person
        short_forms: [Li]
      - name: Vladimir Putin
        short_forms: [Putin]
      - name: Tony Blair
        short_forms: [Blair]
    """


def test_short_form_counts_only_after_a_full_mention(tmp_path: Path) -> None:
    m = matcher_for(tmp_path, LI)
    assert spans(m, "Li said no. Li Shangfu arrived. Li said yes.") == ["Li Shangfu", "Li"]
    hit = m.match_text("Li Shangfu arrived. Li said yes.")[1]
    assert hit.start == 20
    assert hit.details[0] == "short form 'Li' after the full mention 'Li Shangfu' at offset 0"


def test_short_form_is_not_part_of_another_name(tmp_path: Path) -> None:
    m = matcher_for(tmp_path, LI)
    text = "Li Shangfu spoke. Li Haidong disagreed. Reporter Jing Li wrote it down."
    assert spans(m, text) == ["Li Shangfu"]


def test_titles_before_a_short_form(tmp_path: Path) -> None:
    m = matcher_for(tmp_path, LI)
    text = (
        "Li Shangfu, Vladimir Putin and Tony Blair met. Gen. Li spoke, "
        "then President Putin, then Mr Blair."
    )
    hits = m.match_text(text)
    assert [h.text for h in hits] == [
        "Li Shangfu",
        "Vladimir Putin",
        "Tony Blair",
        "Li",
        "Putin",
        "Blair",
    ]
    assert "after the title 'Gen.'" in hits[3].details[0]
    assert "after the title 'President'" in hits[4].details[0]


def test_short_forms_are_case_sensitive(tmp_path: Path) -> None:
    m = matcher_for(tmp_path, LI)
    assert spans(m, "Li Shangfu came; the li of the land.") == ["Li Shangfu"]


def test_diacritics_fold_both_ways(tmp_path: Path) -> None:
    m = matcher_for(
        tmp_path,
        """\
        watchlist: w
        entities:
          - name: Erdoğan
          - name: Lukasenka
        """,
    )
    assert spans(m, "Erdogan met Lukašenka; ERDOĞAN and LUKAŠENKA") == [
        "Erdogan",
        "Lukašenka",
        "ERDOĞAN",
        "LUKAŠENKA",
    ]
    assert "diacritics or hyphens folded" in m.match_text("Erdogan")[0].details


def test_hyphen_and_space_variants(tmp_path: Path) -> None:
    m = matcher_for(tmp_path, "watchlist: w\nentities:\n  - name: Kim Jong-un\n")
    assert spans(m, "Kim Jong Un, Kim Jong-un and KIM JONG-UN") == [
        "Kim Jong Un",
        "Kim Jong-un",
        "KIM JONG-UN",
    ]


def test_non_latin_aliases_match_as_written(tmp_path: Path) -> None:
    m = matcher_for(
        tmp_path,
        "watchlist: w\nentities:\n  - name: Viktor Khrenin\n    aliases: [Хренин, 李尚福]\n",
    )
    assert spans(m, "Министр Хренин заявил; 国防部长李尚福访问") == ["Хренин", "李尚福"]
    assert spans(m, "Хренина") == []  # Cyrillic keeps whole-word boundaries


TOPICS = """\
    watchlist: w
    topics:
      - name: Sanctions
        terms: [sanction, embargo]
      - name: Defence
        terms: [defence cooperation, organisation]
      - name: Exact
        terms: [ban]
        inflect: false
        spelling: false
    """


def test_inflections_without_unrelated_words(tmp_path: Path) -> None:
    m = matcher_for(tmp_path, TOPICS)
    text = "sanctions, sanctioned, sanctioning, embargoes, embargoed; sanctity, embargoland"
    assert spans(m, text, "Sanctions") == [
        "sanctions",
        "sanctioned",
        "sanctioning",
        "embargoes",
        "embargoed",
    ]
    assert "inflection of 'sanction'" in m.match_text("sanctioned")[0].details


def test_british_and_american_spellings(tmp_path: Path) -> None:
    m = matcher_for(tmp_path, TOPICS)
    assert spans(m, "defense cooperation with the organization", "Defence") == [
        "defense cooperation",
        "organization",
    ]


def test_variants_can_be_switched_off(tmp_path: Path) -> None:
    m = matcher_for(tmp_path, TOPICS)
    assert spans(m, "a ban, bans, banned", "Exact") == ["ban"]


def test_case_policy_overrides(tmp_path: Path) -> None:
    m = matcher_for(
        tmp_path,
        """\
        watchlist: w
        entities:
          - name: WHO
            case: insensitive
          - name: Apple
            aliases: [{text: AAPL, case: sensitive}]
            case: sensitive
        """,
    )
    assert spans(m, "the who said; Apple and apple; AAPL and aapl") == ["who", "Apple", "AAPL"]


def test_headline_capitals_match_case_insensitive_names(tmp_path: Path) -> None:
    m = matcher_for(tmp_path, "watchlist: w\nentities:\n  - name: Wagner forces\n")
    assert spans(m, "POLAND SENDS TROOPS AMID RELOCATION OF WAGNER FORCES") == ["WAGNER FORCES"]


WAGNER = """\
    watchlist: w
    entities:
      - name: Wagner
        exclude: [Richard Wagner, Wagner Act]
        not_near: {within: 4, words: [opera, composer]}
    """


def test_exclusions_cancel_a_match_inside_them(tmp_path: Path) -> None:
    m = matcher_for(tmp_path, WAGNER)
    text = "Richard Wagner's music. The Wagner Act passed. Wagner fighters crossed."
    assert spans(m, text) == ["Wagner"]
    assert m.match_text(text)[0].start == text.index("Wagner fighters")


def test_not_near_cancels_within_n_words_only(tmp_path: Path) -> None:
    m = matcher_for(tmp_path, WAGNER)
    assert spans(m, "The opera by Wagner.") == []  # 1 word apart
    assert spans(m, "The opera was long, we are told, said Wagner.") == ["Wagner"]


RULES = """\
    watchlist: w
    entities:
      - name: Li Shangfu
      - name: Belarus
    topics:
      - name: Sanctions
        terms: [sanction]
    rules:
      - name: Li in Belarus
        all: [{entity: Li Shangfu}, {entity: Belarus}]
        same_sentence: true
      - name: Li near Minsk
        all: [{entity: Li Shangfu}, {term: Minsk}]
        near: {within: 3}
      - name: Li without sanctions
        all: [{entity: Li Shangfu}]
        none: [{topic: Sanctions}]
      - name: Either
        any: [{term: Minsk}, {term: Moscow}]
        severity: low
    """


def test_same_sentence_rule_fires_per_sentence_with_clauses(tmp_path: Path) -> None:
    m = matcher_for(tmp_path, RULES)
    text = "Li Shangfu reached Belarus. Then Belarus hosted talks. Li Shangfu left."
    (hit,) = [h for h in m.match_text(text) if h.name == "Li in Belarus"]
    assert (hit.kind, hit.text, hit.start) == ("rule", "Li Shangfu reached Belarus", 0)
    assert hit.details == (
        "rule 'Li in Belarus'",
        "all: entity 'Li Shangfu' at offset 0: 'Li Shangfu'",
        "all: entity 'Belarus' at offset 19: 'Belarus'",
        "in the same sentence",
    )


def test_near_rule(tmp_path: Path) -> None:
    m = matcher_for(tmp_path, RULES)
    near = [h.text for h in m.match_text("Li Shangfu flew to Minsk.") if h.name == "Li near Minsk"]
    assert near == ["Li Shangfu flew to Minsk"]
    far = m.match_text("Li Shangfu flew a long way over the hills to Minsk.")
    assert [h for h in far if h.name == "Li near Minsk"] == []


def test_none_clause_and_any_clause(tmp_path: Path) -> None:
    m = matcher_for(tmp_path, RULES)
    assert "Li without sanctions" in {h.name for h in m.match_text("Li Shangfu spoke.")}
    assert "Li without sanctions" not in {
        h.name for h in m.match_text("Li Shangfu was sanctioned.")
    }
    (either,) = [h for h in m.match_text("Talks in Moscow.") if h.name == "Either"]
    assert either.severity.value == "low"


def test_regular_expressions_with_unicode_word_boundaries(tmp_path: Path) -> None:
    m = matcher_for(
        tmp_path,
        """\
        watchlist: w
        entities:
          - name: Su-35 fighter
            patterns: ['Su-3[05]S?']
        """,
    )
    assert spans(m, "Su-35 and Su-30S jets; Su-35é is not; xSu-35 neither") == ["Su-35", "Su-30S"]
    assert m.match_text("Su-35")[0].details == ("pattern /Su-3[05]S?/",)


def test_examples_pass_and_fail_with_locations(tmp_path: Path) -> None:
    (tmp_path / "w.yaml").write_text(
        textwrap.dedent(
            """\
            watchlist: w
            entities:
              - name: Li Shangfu
                short_forms: [Li]
                examples:
                  match:
                    - "Li Shangfu came."
                    - {text: "Li Shangfu came. Li said so.", expect: "Li"}
                    - "Nobody came."
                  no_match: ["Li said so.", "Li Shangfu came."]
            """
        ),
        encoding="utf-8",
    )
    results = run_examples(load_rules(tmp_path))
    assert [r.passed for r in results] == [True, True, False, True, False]
    failed = [r.message() for r in results if not r.passed]
    assert failed == [
        f"{tmp_path / 'w.yaml'}:9:11: entity 'Li Shangfu' should match 'Nobody came.' "
        "but found nothing",
        f"{tmp_path / 'w.yaml'}:10:33: entity 'Li Shangfu' should not match "
        "'Li Shangfu came.' but found 'Li Shangfu'",
    ]


def test_the_shipped_rules_pass_their_own_examples() -> None:
    results = run_examples(load_rules(Path(__file__).parent.parent / "rules"))
    assert results
    assert [r.message() for r in results if not r.passed] == []


@pytest.mark.parametrize("rules", [LI, TOPICS, WAGNER, RULES])
def test_a_pickled_matcher_matches_the_same(tmp_path: Path, rules: str) -> None:
    m = matcher_for(tmp_path, rules)
    text = (
        "Li Shangfu reached Belarus. Li said sanctions hurt. Gen. Li went to Minsk. "
        "The opera by Wagner. Wagner moved. defense cooperation; embargoes."
    )
    assert pickle.loads(pickle.dumps(m)).match_text(text) == m.match_text(text)
