"""The compiled-ruleset cache: hits skip parsing, any change rebuilds, damage is survived."""

from __future__ import annotations

import dataclasses
import importlib
import logging
import os
import pickle
import shutil
import time
from datetime import timedelta
from pathlib import Path

import pytest

from watcher.errors import RuleSetError
from watcher.match import Matcher
from watcher.rules import AlertPolicy, Entity, Topic, load_rules
from watcher.rules.cache import CACHE_FORMAT, KEEP_ENTRIES, load_matcher
from watcher.rules.model import Rule

RULES = """\
watchlist: sanctions
severity: high
entities:
  - name: Viktor Khrenin
    kind: person
    aliases: [Хренин]
entities_from: names.csv
topics:
  - name: Sanctions
    terms: [sanction, embargo]
"""
NAMES = "name,aliases,kind\nLi Shangfu,李尚福;General Li,person\nSevernaya Neft,SN Oil,org\n"
REPO_RULES = Path(__file__).parent.parent / "rules"
SAMPLE = (
    "Viktor Khrenin met Li Shangfu in Minsk. 李尚福 spoke of the embargo; "
    "Хренин said Severnaya Neft faces new sanctions."
)


def _rules(folder: Path, rules: str = RULES, names: str = NAMES) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sanctions.yaml").write_text(rules, encoding="utf-8")
    (folder / "names.csv").write_text(names, encoding="utf-8")
    return folder


def _found(matcher: Matcher, text: str = SAMPLE) -> list[tuple[str, str, int, int]]:
    return [(h.name, h.text, h.start, h.end) for h in matcher.match_text(text)]


def _entries(cache: Path) -> list[Path]:
    return sorted(cache.glob("*.pickle"))


class _Calls:
    """Counts how often the YAML parser, the CSV reader and the compiler run."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        # Modules as plain objects: the names patched are theirs, not exported API.
        loader = importlib.import_module("watcher.rules.loader")
        schema = importlib.import_module("watcher.rules.schema")
        self.yaml = self.csv = self.compile = 0
        compose = loader.compose
        read_csv = schema.read_entities_csv
        compile_ = Matcher._compile

        def counting_compose(*args: object) -> object:
            self.yaml += 1
            return compose(*args)

        def counting_csv(*args: object) -> object:
            self.csv += 1
            return read_csv(*args)

        def counting_compile(*args: object) -> object:
            self.compile += 1
            return compile_(*args)  # type: ignore[arg-type]

        monkeypatch.setattr(loader, "compose", counting_compose)
        monkeypatch.setattr(schema, "read_entities_csv", counting_csv)
        monkeypatch.setattr(Matcher, "_compile", counting_compile)

    @property
    def all(self) -> tuple[int, int, int]:
        return self.yaml, self.csv, self.compile


def test_a_miss_builds_and_stores_then_a_hit_parses_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rules, cache = _rules(tmp_path / "rules"), tmp_path / "cache"
    calls = _Calls(monkeypatch)
    first = load_matcher(rules, cache)
    assert calls.all == (1, 1, 1)
    assert len(_entries(cache)) == 1
    second = load_matcher(rules, cache)
    assert calls.all == (1, 1, 1)  # no YAML, no CSV, no automaton build
    assert second is not first
    assert second.version == first.version == load_rules(rules).version
    assert _found(second) == _found(first)


def test_cached_and_uncached_matchers_give_identical_hits(tmp_path: Path) -> None:
    rules, cache = _rules(tmp_path / "rules"), tmp_path / "cache"
    uncached = Matcher(load_rules(rules))
    load_matcher(rules, cache)
    cached = load_matcher(rules, cache)
    assert cached.match_text(SAMPLE) == uncached.match_text(SAMPLE)
    assert len(cached.match_text(SAMPLE)) == 7
    assert cached.ruleset == uncached.ruleset


def test_the_full_rule_language_survives_the_cache(tmp_path: Path) -> None:
    # Short forms, exclusions, RE2 patterns, composite rules and examples.
    rules = tmp_path / "rules"
    shutil.copytree(REPO_RULES, rules)
    (rules / "patterns.yaml").write_text(
        "watchlist: patterns\nentities:\n  - name: Su-35\n    patterns: ['Su-3[0-9]']\n",
        encoding="utf-8",
    )
    uncached = Matcher(load_rules(rules))
    load_matcher(rules, tmp_path / "cache")
    cached = load_matcher(rules, tmp_path / "cache")
    things: list[Entity | Topic | Rule] = []
    for watchlist in uncached.ruleset.watchlists:
        things.extend(watchlist.entities)
        things.extend(watchlist.topics)
        things.extend(watchlist.rules)
    examples = [e.text for t in things for e in (*t.examples.match, *t.examples.no_match)]
    text = "\n\n".join([*examples, SAMPLE, "Su-34 and Su-35 jets."])
    assert len(examples) > 5
    assert cached.match_text(text) == uncached.match_text(text)
    assert any(h.kind == "rule" for h in cached.match_text(text))
    assert any(h.text == "Su-34" for h in cached.match_text(text))
    assert cached.ruleset.watchlists == uncached.ruleset.watchlists
    assert [str(w) for w in cached.ruleset.warnings] == [str(w) for w in uncached.ruleset.warnings]
    with pytest.raises(dataclasses.FrozenInstanceError):
        cached.ruleset.watchlists[0].id = "changed"  # type: ignore[misc]


def test_alert_policies_survive_the_cache(tmp_path: Path) -> None:
    rules = _rules(
        tmp_path / "rules",
        RULES.replace("severity: high\n", "severity: high\nrealert: 6h\n").replace(
            "    kind: person\n", "    kind: person\n    alert: immediate\n"
        ),
    )
    load_matcher(rules, tmp_path / "cache")
    cached = load_matcher(rules, tmp_path / "cache").ruleset
    assert cached.alert_policy("sanctions", "entity", "Viktor Khrenin") == AlertPolicy(
        True, timedelta(hours=6)
    )
    assert cached.alert_policy("sanctions", "entity", "Li Shangfu") == AlertPolicy(
        False, timedelta(hours=6)
    )
    assert cached.alert_policy("sanctions", "topic", "Nope") == AlertPolicy(False, None)
    assert cached == load_rules(rules)


def test_a_new_cache_format_does_not_reuse_old_entries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rules, cache = _rules(tmp_path / "rules"), tmp_path / "cache"
    load_matcher(rules, cache)
    monkeypatch.setattr("watcher.rules.cache.CACHE_FORMAT", CACHE_FORMAT + 1)
    calls = _Calls(monkeypatch)
    load_matcher(rules, cache)
    assert calls.all == (1, 1, 1)
    assert len(_entries(cache)) == 2


def test_without_a_cache_folder_nothing_is_written(tmp_path: Path) -> None:
    rules = _rules(tmp_path / "rules")
    matcher = load_matcher(rules, None)
    assert matcher.version == load_rules(rules).version
    assert sorted(p.name for p in rules.iterdir()) == ["names.csv", "sanctions.yaml"]


@pytest.mark.parametrize(
    ("name", "old", "new"),
    [
        ("sanctions.yaml", "embargo]", "embargo, blockade]"),
        ("names.csv", "SN Oil", "SN Oil;Severneft"),
        ("names.csv", "\n", "\r\n"),  # only the bytes differ: still a different list
    ],
)
def test_any_change_to_a_rule_file_or_a_csv_rebuilds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, old: str, new: str
) -> None:
    rules, cache = _rules(tmp_path / "rules"), tmp_path / "cache"
    before = load_matcher(rules, cache)
    path = rules / name
    path.write_bytes(path.read_bytes().replace(old.encode(), new.encode()))
    calls = _Calls(monkeypatch)
    after = load_matcher(rules, cache)
    assert calls.all == (1, 1, 1)
    assert after.version == load_rules(rules).version != before.version
    assert len(_entries(cache)) == 2


def test_a_change_shows_in_the_hits(tmp_path: Path) -> None:
    rules, cache = _rules(tmp_path / "rules"), tmp_path / "cache"
    assert "Severneft" not in [h.text for h in load_matcher(rules, cache).match_text("Severneft")]
    (rules / "names.csv").write_text(NAMES.replace("SN Oil", "Severneft"), encoding="utf-8")
    assert [h.text for h in load_matcher(rules, cache).match_text("Severneft")] == ["Severneft"]


def test_a_new_file_in_the_rules_folder_rebuilds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rules, cache = _rules(tmp_path / "rules"), tmp_path / "cache"
    load_matcher(rules, cache)
    (rules / "more.yaml").write_text("watchlist: more\nentities:\n  - name: Jane Roe\n")
    calls = _Calls(monkeypatch)
    matcher = load_matcher(rules, cache)
    assert calls.yaml == 2
    assert [h.name for h in matcher.match_text("Jane Roe")] == ["Jane Roe"]


def test_a_list_outside_the_rules_folder_is_checked_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rules = _rules(tmp_path / "rules", RULES.replace("names.csv", "../lists/sdn.csv"))
    (rules / "names.csv").unlink()
    lists, cache = tmp_path / "lists", tmp_path / "cache"
    lists.mkdir()
    (lists / "sdn.csv").write_text(NAMES, encoding="utf-8")
    first = load_matcher(rules, cache)
    calls = _Calls(monkeypatch)
    assert load_matcher(rules, cache).version == first.version
    assert calls.all == (0, 0, 0)
    (lists / "sdn.csv").write_text(NAMES + "Jane Roe,,person\n", encoding="utf-8")
    changed = load_matcher(rules, cache)
    assert calls.all == (1, 1, 1)
    assert changed.version == load_rules(rules).version != first.version
    assert [h.name for h in changed.match_text("Jane Roe")] == ["Jane Roe"]


@pytest.mark.parametrize(
    "damage",
    [
        b"",
        b"not a pickle at all",
        pickle.dumps({"format": 1, "matcher": "nothing"}),
        b"\x80\x05\x95\x10\x00\x00\x00\x00\x00\x00\x00\x8c\x0cwatcher.nope",
    ],
    ids=["empty", "garbage", "foreign", "truncated"],
)
def test_a_damaged_entry_is_rebuilt_with_a_warning(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    damage: bytes,
) -> None:
    rules, cache = _rules(tmp_path / "rules"), tmp_path / "cache"
    good = load_matcher(rules, cache)
    (entry,) = _entries(cache)
    entry.write_bytes(damage)
    calls = _Calls(monkeypatch)
    with caplog.at_level(logging.WARNING, logger="watcher.rules.cache"):
        rebuilt = load_matcher(rules, cache)
    assert calls.all == (1, 1, 1)
    assert _found(rebuilt) == _found(good)
    (record,) = caplog.records
    assert record.levelno == logging.WARNING
    assert str(entry) in record.getMessage()
    assert "rebuilding" in record.getMessage()
    # the entry was written again: the next load is a hit
    caplog.clear()
    assert load_matcher(rules, cache).version == good.version
    assert calls.all == (1, 1, 1)
    assert not caplog.records


def test_an_unwritable_cache_folder_warns_and_still_loads(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    rules = _rules(tmp_path / "rules")
    not_a_folder = tmp_path / "cache"
    not_a_folder.write_text("a file where the cache folder should be")
    with caplog.at_level(logging.WARNING, logger="watcher.rules.cache"):
        matcher = load_matcher(rules, not_a_folder)
    assert matcher.version == load_rules(rules).version
    assert "cannot write the rules cache" in caplog.text


def test_rule_errors_raise_as_usual_and_are_never_cached(tmp_path: Path) -> None:
    rules, cache = _rules(tmp_path / "rules", names="name,alias\nX,Y\n"), tmp_path / "cache"
    with pytest.raises(RuleSetError) as raised:
        load_matcher(rules, cache)
    assert "unknown column 'alias'" in str(raised.value)
    assert not _entries(cache)
    with pytest.raises(RuleSetError):
        load_matcher(rules, cache)
    with pytest.raises(RuleSetError, match="rules folder does not exist"):
        load_matcher(tmp_path / "missing", cache)


def test_a_cache_folder_inside_the_rules_folder_does_not_invalidate_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rules = _rules(tmp_path / "rules")
    cache = rules / "cache"
    load_matcher(rules, cache)
    calls = _Calls(monkeypatch)
    load_matcher(rules, cache)
    assert calls.all == (0, 0, 0)


def test_old_entries_are_pruned(tmp_path: Path) -> None:
    rules, cache = _rules(tmp_path / "rules"), tmp_path / "cache"
    versions = []
    seen: set[Path] = set()
    base = time.time() - 1000
    for n in range(KEEP_ENTRIES + 3):
        (rules / "names.csv").write_text(NAMES + f"Person Number{n},,person\n", encoding="utf-8")
        versions.append(load_matcher(rules, cache).version)
        (new,) = set(_entries(cache)) - seen
        os.utime(new, (base + n, base + n))  # distinct times, whatever the clock's resolution
        seen.add(new)
    entries = _entries(cache)
    assert len(entries) == KEEP_ENTRIES
    kept = {pickle.loads(e.read_bytes()).matcher.version for e in entries}
    assert kept == set(versions[-KEEP_ENTRIES:])


def test_a_hit_counts_as_recent_use(tmp_path: Path) -> None:
    rules, cache = _rules(tmp_path / "rules"), tmp_path / "cache"
    load_matcher(rules, cache)
    (entry,) = _entries(cache)
    os.utime(entry, (time.time() - 1000,) * 2)
    load_matcher(rules, cache)
    assert entry.stat().st_mtime > time.time() - 100


def test_dead_temp_files_are_cleaned_up(tmp_path: Path) -> None:
    rules, cache = _rules(tmp_path / "rules"), tmp_path / "cache"
    cache.mkdir()
    dead = cache / ".rules-crashed.tmp"
    fresh = cache / ".rules-writing.tmp"
    dead.write_bytes(b"half")
    fresh.write_bytes(b"half")
    os.utime(dead, (time.time() - 7200,) * 2)
    load_matcher(rules, cache)
    assert not dead.exists()
    assert fresh.exists()  # another process may be writing it right now
