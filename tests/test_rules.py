"""The rule loader: the contract analysts write, and every error they can make."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest

from watcher.errors import RuleSetError
from watcher.model import Severity
from watcher.rules import AlertPolicy, check_rules, load_rules
from watcher.rules.model import RuleSet

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


ALERTS = """\
watchlist: alerts
alert: immediate
realert: 1d
entities:
  - name: Li Shangfu
  - name: Viktor Khrenin
    alert: digest
  - name: Wei Fenghe
    realert: 30m
topics:
  - name: Sanctions
    terms: [sanction]
    alert: Immediate
    realert: 1d12h
rules:
  - name: Li in Belarus
    all: [{entity: Li Shangfu}, {term: Belarus}]
    alert: digest
    realert: 12h
"""
QUIET = """\
watchlist: quiet
entities:
  - name: Li Shangfu
  - name: Sergei Shoigu
    alert: immediate
topics:
  - name: Sanctions
    terms: [sanction]
    realert: 2h
rules:
  - name: Li in Belarus
    all: [{entity: Li Shangfu}, {term: Belarus}]
"""


def _alert_rules(tmp_path: Path) -> RuleSet:
    _write(tmp_path, "alerts.yaml", ALERTS)
    _write(tmp_path, "quiet.yaml", QUIET)
    return load_rules(tmp_path)


def test_alert_and_realert_are_read_at_every_level(tmp_path: Path) -> None:
    alerts, quiet = _alert_rules(tmp_path).watchlists
    assert (alerts.alert, alerts.realert) == (True, timedelta(days=1))
    li, khrenin, wei = alerts.entities
    assert (li.alert, li.realert) == (None, None)
    assert (khrenin.alert, khrenin.realert) == (False, None)
    assert (wei.alert, wei.realert) == (None, timedelta(minutes=30))
    (topic,) = alerts.topics
    assert (topic.alert, topic.realert) == (True, timedelta(days=1, hours=12))
    (rule,) = alerts.rules
    assert (rule.alert, rule.realert) == (False, timedelta(hours=12))
    assert (quiet.alert, quiet.realert) == (None, None)


@pytest.mark.parametrize(
    ("watchlist", "kind", "name", "policy"),
    [
        # set on the watchlist only: inherited
        ("alerts", "entity", "Li Shangfu", AlertPolicy(True, timedelta(days=1))),
        # the entity's alert wins, the watchlist's realert is inherited
        ("alerts", "entity", "Viktor Khrenin", AlertPolicy(False, timedelta(days=1))),
        # the entity's realert wins, the watchlist's alert is inherited
        ("alerts", "entity", "Wei Fenghe", AlertPolicy(True, timedelta(minutes=30))),
        ("alerts", "topic", "Sanctions", AlertPolicy(True, timedelta(days=1, hours=12))),
        ("alerts", "rule", "Li in Belarus", AlertPolicy(False, timedelta(hours=12))),
        # nothing set anywhere: digest only, the configured realert
        ("quiet", "entity", "Li Shangfu", AlertPolicy(False, None)),
        ("quiet", "entity", "Sergei Shoigu", AlertPolicy(True, None)),
        ("quiet", "topic", "Sanctions", AlertPolicy(False, timedelta(hours=2))),
        ("quiet", "rule", "Li in Belarus", AlertPolicy(False, None)),
    ],
)
def test_the_innermost_alert_setting_wins(
    tmp_path: Path, watchlist: str, kind: str, name: str, policy: AlertPolicy
) -> None:
    assert _alert_rules(tmp_path).alert_policy(watchlist, kind, name) == policy


@pytest.mark.parametrize(
    ("watchlist", "kind", "name"),
    [
        ("nope", "entity", "Li Shangfu"),  # unknown watchlist
        ("alerts", "entity", "Nobody"),  # unknown name
        ("alerts", "topic", "Li Shangfu"),  # an entity's name asked as a topic
        ("alerts", "term", "Li Shangfu"),  # not a kind of hit
        ("quiet", "entity", "Wei Fenghe"),  # an entity of another watchlist
    ],
)
def test_unknown_hits_alert_in_the_digest_only(
    tmp_path: Path, watchlist: str, kind: str, name: str
) -> None:
    policy = _alert_rules(tmp_path).alert_policy(watchlist, kind, name)
    assert policy == AlertPolicy(immediate=False, realert=None)


def test_the_alert_policy_lookup_is_built_once(tmp_path: Path) -> None:
    ruleset = _alert_rules(tmp_path)
    first = ruleset.alert_policy("alerts", "entity", "Li Shangfu")
    assert ruleset.alert_policy("alerts", "entity", "Li Shangfu") is first
    # equal policies are one object, however many names share them
    assert ruleset.alert_policy("alerts", "topic", "Sanctions") is not first
    assert ruleset.alert_policy("quiet", "rule", "Li in Belarus") is ruleset.alert_policy(
        "quiet", "entity", "Li Shangfu"
    )
    # the lookup is a cache: it does not take part in equality
    assert ruleset == _alert_rules(tmp_path)


def test_entities_from_a_csv_inherit_their_watchlists_alert(tmp_path: Path) -> None:
    _write(tmp_path, "names.csv", "name,aliases,kind\nSevernaya Neft,SN Oil,org\n")
    _write(
        tmp_path,
        "csv.yaml",
        "watchlist: csv\nalert: immediate\nrealert: 6h\nentities_from: names.csv\n",
    )
    policy = load_rules(tmp_path).alert_policy("csv", "entity", "Severnaya Neft")
    assert policy == AlertPolicy(True, timedelta(hours=6))


def test_the_shipped_rules_alert_immediately_on_their_composite_rule() -> None:
    ruleset = load_rules(REPO_RULES)
    rule = ruleset.alert_policy("defence-ministers", "rule", "Chinese defence minister in Belarus")
    assert rule == AlertPolicy(True, timedelta(hours=12))
    entity = ruleset.alert_policy("defence-ministers", "entity", "Li Shangfu")
    assert entity == AlertPolicy(False, timedelta(days=1))


def test_every_bad_alert_value_is_reported_in_one_run(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "bad.yaml",
        "watchlist: bad\n"
        "alert: sometimes\n"
        "realert: -1h\n"
        "entities:\n"
        "  - name: Li Shangfu\n"
        "    alert: [immediate]\n"
        "    realert: 0m\n"
        "topics:\n"
        "  - name: Sanctions\n"
        "    terms: [sanction]\n"
        "    alert: digests\n"
        "    realert:\n"
        "rules:\n"
        "  - name: Li\n"
        "    all: [{entity: Li Shangfu}]\n"
        "    alert: no\n"
        "    realert: 99999999999999w\n",
    )
    report = check_rules(tmp_path)
    assert report.ruleset is None
    alert_hint = "('immediate' alerts as soon as a document matches; 'digest' waits for the digest)"
    duration = "realert must be a duration such as 30m, 12h or 1d"
    duration_hint = "(write a number and a unit, s, m, h, d or w; units combine, as in 1d12h)"
    assert [str(p) for p in report.problems] == [
        f"{path}:2:8: alert must be 'immediate' or 'digest', got 'sometimes' {alert_hint}",
        f"{path}:3:10: {duration}, got '-1h' {duration_hint}",
        f"{path}:6:12: alert must be 'immediate' or 'digest', got a list {alert_hint}",
        f"{path}:7:14: realert must be longer than zero, got '0m' "
        "(leave 'realert' out to use the configured default)",
        f"{path}:11:12: alert must be 'immediate' or 'digest', got 'digests' "
        "(did you mean 'digest'?)",
        f"{path}:12:13: {duration}, got nothing {duration_hint}",
        f"{path}:16:12: alert must be 'immediate' or 'digest', got the boolean no {alert_hint}",
        f"{path}:17:14: {duration}, got '99999999999999w' (that is too long)",
    ]


def test_alert_keys_in_the_wrong_place_are_unknown_keys(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "w.yaml",
        "watchlist: w\nentities:\n  - name: A\n    aliases: [{text: B, alert: immediate}]\n",
    )
    (problem,) = check_rules(tmp_path).problems
    assert str(problem) == f"{path}:4:25: unknown key 'alert' in an item of 'aliases'"
