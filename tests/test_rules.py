"""The rule loader: the contract analysts write, and every error they can make."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from watcher.errors import RuleSetError
from watcher.model import Severity
from watcher.rules import check_rules, load_rules

HERE = Path(__file__).parent
BAD = HERE / "rules_bad"
REPO_RULES = HERE.parent / "rules"

CONTRACT = """\
watchlist: defence-ministers     # unique id, required
title: Defence ministers          # optional
severity: high                    # low | medium | high (default medium)
tags: [defence, china, belarus]
entities:
  - name: Li Shangfu              # canonical name; itself an alias
    kind: person                  # person | organisation | place | other
    aliases: [General Li Shangfu, 李尚福]
  - name: Shanghai Cooperation Organisation
    kind: organisation
    aliases: [Shanghai Cooperation Organization, SCO]
topics:
  - name: Sanctions
    terms: [sanction, sanctions, sanctioned, embargo]
"""


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_documented_contract_loads_as_described(tmp_path: Path) -> None:
    _write(tmp_path, "dm.yaml", CONTRACT)
    ruleset = load_rules(tmp_path)
    (watchlist,) = ruleset.watchlists
    assert watchlist.id == "defence-ministers"
    assert watchlist.title == "Defence ministers"
    assert watchlist.severity is Severity.HIGH
    assert watchlist.tags == ("defence", "china", "belarus")
    li, sco = watchlist.entities
    assert (li.name, li.kind) == ("Li Shangfu", "person")
    assert [a.text for a in li.aliases] == ["Li Shangfu", "General Li Shangfu", "李尚福"]
    assert tuple(a.text for a in sco.aliases) == (
        "Shanghai Cooperation Organisation",
        "Shanghai Cooperation Organization",
        "SCO",
    )
    (topic,) = watchlist.topics
    assert [t.text for t in topic.terms] == ["sanction", "sanctions", "sanctioned", "embargo"]
    assert li.location.line == 6


def test_defaults_for_optional_keys(tmp_path: Path) -> None:
    _write(tmp_path, "a.yaml", "watchlist: minimal\nentities:\n  - name: Viktor Khrenin\n")
    (watchlist,) = load_rules(tmp_path).watchlists
    assert watchlist.title == "minimal"
    assert watchlist.severity is Severity.MEDIUM
    assert watchlist.entities[0].kind == "other"
    assert watchlist.tags == ()


def test_version_names_the_content(tmp_path: Path) -> None:
    path = _write(tmp_path, "dm.yaml", CONTRACT)
    first = load_rules(tmp_path).version
    assert load_rules(tmp_path).version == first
    path.write_text(CONTRACT.replace("embargo", "embargoes"), encoding="utf-8")
    assert load_rules(tmp_path).version != first


def test_the_shipped_sample_rules_load_without_warnings() -> None:
    report = check_rules(REPO_RULES)
    assert report.problems == ()
    assert report.warnings == ()
    assert report.ruleset is not None
    ids = {w.id for w in report.ruleset.watchlists}
    assert {"defence-ministers", "sco", "sanctions"} <= ids


def _expected(path: Path) -> str:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# expect: "), f"{path.name} must start with '# expect: '"
    return first.removeprefix("# expect: ")


@pytest.mark.parametrize("path", sorted(BAD.glob("*.yaml")), ids=lambda p: p.stem)
def test_each_bad_rule_file_gets_its_exact_message(path: Path, tmp_path: Path) -> None:
    shutil.copy(path, tmp_path / path.name)
    report = check_rules(tmp_path)
    assert report.ruleset is None
    messages = [str(p) for p in report.problems]
    assert messages == [f"{tmp_path / path.name}:{_expected(path)}"]


def test_every_problem_of_every_file_is_reported_in_one_run(tmp_path: Path) -> None:
    for name in ("unknown-key.yaml", "missing-name.yaml", "bad-kind.yaml"):
        shutil.copy(BAD / name, tmp_path / name)
    _write(
        tmp_path,
        "many.yaml",
        "watchlist: many\nseverity: urgent\nentities:\n  - nme: X\n  - name: Y\n    kind: place\n",
    )
    report = check_rules(tmp_path)
    assert len(report.problems) == 6
    files = {Path(p.location.path).name for p in report.problems if p.location}
    assert files == {"unknown-key.yaml", "missing-name.yaml", "bad-kind.yaml", "many.yaml"}
    with pytest.raises(RuleSetError) as raised:
        load_rules(tmp_path)
    assert len(raised.value.problems) == 6


def test_duplicate_watchlist_ids_across_files(tmp_path: Path) -> None:
    _write(tmp_path, "a.yaml", "watchlist: same\nentities:\n  - name: A\n")
    _write(tmp_path, "b.yaml", "watchlist: same\nentities:\n  - name: B\n")
    (problem,) = check_rules(tmp_path).problems
    assert str(
        problem
    ) == f"{tmp_path / 'b.yaml'}:1:12: watchlist id 'same' is already used by " + (
        f"{tmp_path / 'a.yaml'}:1:12"
    )


def test_the_same_alias_on_two_entities_is_a_warning(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "w.yaml",
        "watchlist: w\nentities:\n  - name: Li Shangfu\n  - name: Minister Li\n"
        "    aliases: [li shangfu]\n",
    )
    report = check_rules(tmp_path)
    assert report.ruleset is not None
    (warning,) = report.warnings
    assert "warning: alias 'li shangfu' belongs to both 'Li Shangfu' (line 3)" in str(warning)


def test_missing_and_empty_rule_folders(tmp_path: Path) -> None:
    (missing,) = check_rules(tmp_path / "nope").problems
    assert "rules folder does not exist" in str(missing)
    (empty,) = check_rules(tmp_path).problems
    assert "no rule files" in str(empty)


def test_hidden_and_editor_files_are_not_rules(tmp_path: Path) -> None:
    _write(tmp_path, "ok.yaml", "watchlist: ok\nentities:\n  - name: A\n")
    _write(tmp_path, ".#ok.yaml", "garbage: [")
    _write(tmp_path / ".git", "x.yaml", "garbage: [")
    _write(tmp_path / "sub", "more.yml", "watchlist: more\nentities:\n  - name: B\n")
    ids = [w.id for w in load_rules(tmp_path).watchlists]
    assert ids == ["ok", "more"]
