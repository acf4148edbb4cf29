"""Every mention of Li Shangfu and Viktor Khrenin in the five seed articles.

The seeds (../shared/corpus/seeds/) report one event, Li Shangfu's visit to
Minsk in August 2023, from five outlets. With the shipped sample rules
(rules/), each article must produce exactly the hits listed here: every full
mention (the longest alias, "General Li Shangfu" rather than "Li Shangfu"),
and every short form ("Li said", "Khrenin") after a full mention. "Li
Haidong" (003) and "Jing Li" (004) are other people.

Each mention is written as a passage of the article that occurs in it once,
and the text of the hit inside that passage; the offset comes from str.find.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from watcher.extract import extract
from watcher.match import Matcher
from watcher.model import Document
from watcher.rules import load_rules

REPO_RULES = Path(__file__).resolve().parent.parent / "rules"
WATCHLIST = "defence-ministers"
LI = "Li Shangfu"
KHRENIN = "Viktor Khrenin"

# seed -> (entity, passage, matched text), in the order they occur.
MENTIONS: dict[str, list[tuple[str, str, str]]] = {
    "000": [
        (LI, "no sooner had Li Shangfu came", "Li Shangfu"),
        (KHRENIN, "Defence Minister Viktor Khrenin also said", "Viktor Khrenin"),
        (LI, "In turn, Li Shangfu briefly", "Li Shangfu"),
        (LI, "The fact that Li Shangfu visited", "Li Shangfu"),
        (LI, "as Defence Minister, Li Shangfu headed", "Li Shangfu"),
    ],
    "001": [
        (KHRENIN, "defence minister Viktor Khrenin (left)", "Viktor Khrenin"),
        (LI, "counterpart General Li Shangfu in Minsk", "General Li Shangfu"),
        (LI, "China defence chief Li Shangfu hails", "Li Shangfu"),
        (LI, "a focus of Li\u2019s trip", "Li"),
        (LI, "Minister General Li Shangfu kicked off", "General Li Shangfu"),
        (LI, "Li told defence chief", "Li"),
        (KHRENIN, "defence chief Viktor Khrenin that", "Viktor Khrenin"),
        (LI, "forward,\u201d Li said", "Li"),
        (KHRENIN, "second meeting with Khrenin this year", "Khrenin"),
        (LI, "discussions between Li and", "Li"),
        (KHRENIN, "between Li and Khrenin at", "Khrenin"),
        (LI, "According to BelTA, Li is expected", "Li"),
        (LI, "Li arrived in Minsk a day after", "Li"),
        (LI, "Li\u2019s visit to Belarus is the first", "Li"),
        (KHRENIN, "In his meeting with Khrenin on Wednesday", "Khrenin"),
        (LI, "on Wednesday, Li said China", "Li"),
        (KHRENIN, "Khrenin said relations", "Khrenin"),
        (LI, "Li\u2019s visit to Belarus highlights", "Li"),
    ],
    "002": [
        (LI, "Chinese Defence Minister Li Shangfu arrived", "Li Shangfu"),
        (
            KHRENIN,
            "counterpart Lieutenant General Viktor Khrenin at",
            "Lieutenant General Viktor Khrenin",
        ),
    ],
    "003": [
        (LI, "Gen. Li Shangfu, the Chinese defense minister", "Gen. Li Shangfu"),
        (KHRENIN, "counterpart Viktor Khrenin that", "Viktor Khrenin"),
        (LI, "truly fraternal relations,\u201d Li said", "Li"),
        (LI, "TRENDPOST:\u00a0Li also met", "Li"),  # a no-break space
        (LI, "military cooperation,\u201d Li said", "Li"),
        (LI, "assured Li that", "Li"),
    ],
    "004": [
        (LI, "Defense Minister Li Shangfu, who", "Li Shangfu"),
        (KHRENIN, "his counterpart, Viktor Khrenin, according", "Viktor Khrenin"),
    ],
}

# Other people whose names contain "Li": never a Li Shangfu hit.
OTHER_LIS = {"003": "Li Haidong", "004": "Jing Li"}


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(load_rules(REPO_RULES))


def _seed(seeds_dir: Path, seed: str) -> Document:
    (path,) = seeds_dir.glob(f"{seed}_*.txt")
    return extract(path, path.read_bytes())


def _offset(text: str, passage: str, matched: str) -> int:
    assert text.count(passage) == 1, f"passage {passage!r} is not in the article exactly once"
    return text.find(passage) + passage.index(matched)


@pytest.mark.parametrize("seed", sorted(MENTIONS))
def test_every_mention_of_li_shangfu_and_viktor_khrenin(
    seeds_dir: Path, matcher: Matcher, seed: str
) -> None:
    document = _seed(seeds_dir, seed)
    expected = [
        (WATCHLIST, entity, matched, _offset(document.text, passage, matched))
        for entity, passage, matched in MENTIONS[seed]
    ]
    assert [e[3] for e in expected] == sorted(e[3] for e in expected), "list them in order"
    found = [
        (h.watchlist, h.name, h.text, h.start)
        for h in matcher.match(document)
        if h.kind == "entity" and h.name in {LI, KHRENIN}
    ]
    assert found == expected


@pytest.mark.parametrize("seed", sorted(OTHER_LIS))
def test_another_li_is_not_li_shangfu(seeds_dir: Path, matcher: Matcher, seed: str) -> None:
    document = _seed(seeds_dir, seed)
    name = OTHER_LIS[seed]
    start = _offset(document.text, name, name)
    end = start + len(name)
    overlapping = [
        h for h in matcher.match(document) if h.name == LI and h.start < end and start < h.end
    ]
    assert overlapping == []
