"""Entities from a CSV file beside the watchlist, end to end: loader, errors, matcher."""

from __future__ import annotations

from pathlib import Path

import pytest

from watcher.errors import RuleSetError
from watcher.match import Matcher
from watcher.rules import check_rules, load_rules

RULES = """\
watchlist: sanctions
title: Sanctions list
entities:
  - name: Viktor Khrenin
entities_from: names.csv
"""


@pytest.fixture
def rules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A rules folder under the working folder, so messages name ``rules/...``."""
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "sanctions.yaml").write_text(RULES, encoding="utf-8")
    return folder


def _csv(folder: Path, text: str, *, bom: bool = False) -> None:
    data = text.encode("utf-8")
    (folder / "names.csv").write_bytes(b"\xef\xbb\xbf" + data if bom else data)


def _problems(folder: Path) -> list[str]:
    report = check_rules(folder)
    assert report.ruleset is None
    return [str(p) for p in report.problems]


def _entities(folder: Path) -> dict[str, tuple[str, list[str]]]:
    (watchlist,) = load_rules(folder).watchlists
    return {e.name: (e.kind, [a.text for a in e.aliases]) for e in watchlist.entities}


def test_columns_name_aliases_and_kind(rules: Path) -> None:
    _csv(
        rules,
        "name,aliases,kind\n"
        "Li Shangfu,李尚福;General Li Shangfu,person\n"
        "Wagner Group,PMC Wagner; ЧВК Вагнер ,organisation\n"
        "Minsk,,place\n",
    )
    assert _entities(rules) == {
        "Viktor Khrenin": ("other", ["Viktor Khrenin"]),
        "Li Shangfu": ("person", ["Li Shangfu", "李尚福", "General Li Shangfu"]),
        "Wagner Group": ("organisation", ["Wagner Group", "PMC Wagner", "ЧВК Вагнер"]),
        "Minsk": ("place", ["Minsk"]),
    }


def test_entities_from_the_csv_match_like_any_other(rules: Path) -> None:
    _csv(rules, "name,aliases\nLi Shangfu,李尚福;General Li\nWagner Group,ЧВК Вагнер\n")
    matcher = Matcher(load_rules(rules))
    text = "Viktor Khrenin met 李尚福 (Li Shangfu) while ЧВК Вагнер moved north."
    assert [(h.name, h.text) for h in matcher.match_text(text)] == [
        ("Viktor Khrenin", "Viktor Khrenin"),
        ("Li Shangfu", "李尚福"),
        ("Li Shangfu", "Li Shangfu"),
        ("Wagner Group", "ЧВК Вагнер"),
    ]


def test_columns_in_any_order_any_case_and_optional_ones_missing(rules: Path) -> None:
    _csv(rules, " Kind ,NAME\nperson,Li Shangfu\n,Wagner Group\n")
    assert _entities(rules)["Li Shangfu"] == ("person", ["Li Shangfu"])
    assert _entities(rules)["Wagner Group"] == ("other", ["Wagner Group"])


def test_kind_synonyms_and_capitals(rules: Path) -> None:
    _csv(rules, "name,kind\nA Corp,Organization\nB Corp,org\nGomel,location\nX Y,PERSON\n")
    kinds = {name: kind for name, (kind, _) in _entities(rules).items()}
    assert kinds == {
        "Viktor Khrenin": "other",
        "A Corp": "organisation",
        "B Corp": "organisation",
        "Gomel": "place",
        "X Y": "person",
    }


def test_a_byte_order_mark_is_not_part_of_the_first_column(rules: Path) -> None:
    _csv(rules, "name,aliases,kind\r\nLi Shangfu,李尚福,person\r\n", bom=True)
    assert _entities(rules)["Li Shangfu"] == ("person", ["Li Shangfu", "李尚福"])


def test_blank_lines_are_skipped(rules: Path) -> None:
    _csv(rules, "name,aliases\n\nLi Shangfu,李尚福\n \n,\n\nWagner Group,\n\n")
    assert list(_entities(rules)) == ["Viktor Khrenin", "Li Shangfu", "Wagner Group"]


def test_quoted_fields_keep_their_commas_quotes_and_spaces_are_tidied(rules: Path) -> None:
    _csv(
        rules,
        "name,aliases,kind\n"
        '"Shenzhen Huaxin Trading Co., Ltd.","Huaxin Trading;深圳华信贸易有限公司",organisation\n'
        '"Sidorov,  Ivan","Ivan ""Vanya""  Sidorov ; ;Иван Сидоров",person\n',
    )
    entities = _entities(rules)
    assert entities["Shenzhen Huaxin Trading Co., Ltd."][1] == [
        "Shenzhen Huaxin Trading Co., Ltd.",
        "Huaxin Trading",
        "深圳华信贸易有限公司",
    ]
    assert entities["Sidorov, Ivan"][1] == ["Sidorov, Ivan", 'Ivan "Vanya" Sidorov', "Иван Сидоров"]


def test_repeated_aliases_are_kept_once(rules: Path) -> None:
    _csv(rules, "name,aliases\nLi Shangfu,Li Shangfu;李尚福;李尚福\n")
    assert _entities(rules)["Li Shangfu"][1] == ["Li Shangfu", "李尚福"]


def test_an_unknown_column_is_located_in_the_header(rules: Path) -> None:
    _csv(rules, "name,aliases,kind,country\nLi Shangfu,,person,CN\n")
    assert _problems(rules) == [
        "rules/names.csv:1:4: unknown column 'country' (expected name, aliases, kind)"
    ]


def test_a_missing_name_column(rules: Path) -> None:
    _csv(rules, "aliases,kind\nLi Shangfu,person\n")
    assert _problems(rules) == ["rules/names.csv:1:1: the CSV file has no 'name' column"]


def test_a_misspelt_name_column_is_reported_both_ways(rules: Path) -> None:
    _csv(rules, "names,kind\nLi Shangfu,person\n")
    assert _problems(rules) == [
        "rules/names.csv:1:1: unknown column 'names' (expected name, aliases, kind)",
        "rules/names.csv:1:1: the CSV file has no 'name' column",
    ]


def test_an_empty_name_names_its_row_and_column(rules: Path) -> None:
    # Line numbers count lines of the file: the blank line and the quoted line break too.
    _csv(rules, 'kind,name,aliases\nperson,Li Shangfu,"General\nLi"\n\nperson,  ,Somebody\n')
    assert _problems(rules) == ["rules/names.csv:5:2: empty name"]


def test_every_bad_row_is_reported_in_one_run(rules: Path) -> None:
    _csv(rules, "name,kind\n,person\nLi Shangfu,person\nWagner,militia\nX,org\n,other\n")
    assert _problems(rules) == [
        "rules/names.csv:2:1: empty name",
        "rules/names.csv:4:2: unknown kind 'militia' "
        "(expected person, organisation, place or other)",
        "rules/names.csv:6:1: empty name",
    ]


def test_an_empty_csv_file(rules: Path) -> None:
    _csv(rules, "")
    assert _problems(rules) == ["rules/names.csv:1:1: the CSV file is empty"]


def test_a_header_only_csv_adds_no_entities(rules: Path) -> None:
    _csv(rules, "name,aliases,kind\n")
    assert list(_entities(rules)) == ["Viktor Khrenin"]


def test_a_csv_that_is_not_utf8(rules: Path) -> None:
    (rules / "names.csv").write_bytes("name\nLukašenka\n".encode("cp1250"))
    (problem,) = _problems(rules)
    assert problem.startswith("rules/names.csv: not UTF-8 text (")


def test_a_missing_csv_is_reported_where_entities_from_names_it(rules: Path) -> None:
    (rules / "sanctions.yaml").write_text(
        RULES.replace("entities_from: names.csv", "entities_from: lists/sdn.csv"),
        encoding="utf-8",
    )
    assert _problems(rules) == [
        "rules/sanctions.yaml:5:16: cannot read 'lists/sdn.csv': No such file or directory"
    ]
    with pytest.raises(RuleSetError) as raised:
        load_rules(rules)
    assert "rules/sanctions.yaml:5:16" in str(raised.value)


def test_the_csv_is_read_relative_to_the_rule_file(rules: Path, tmp_path: Path) -> None:
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "sdn.csv").write_text("name\nLi Shangfu\n", encoding="utf-8")
    (rules / "sanctions.yaml").write_text(
        RULES.replace("entities_from: names.csv", "entities_from: ../shared/sdn.csv"),
        encoding="utf-8",
    )
    (watchlist,) = load_rules(rules).watchlists
    li = watchlist.entities[1]
    assert li.name == "Li Shangfu"
    assert (li.location.path, li.location.line) == ("shared/sdn.csv", 2)


def test_the_csv_content_is_part_of_the_ruleset_version(rules: Path) -> None:
    _csv(rules, "name,aliases\nLi Shangfu,李尚福\n")
    first = load_rules(rules).version
    assert load_rules(rules).version == first
    _csv(rules, "name,aliases\nLi Shangfu,李尚福;General Li\n")
    second = load_rules(rules).version
    assert second != first
    _csv(rules, "name,aliases\nLi Shangfu,李尚福\n")
    assert load_rules(rules).version == first
