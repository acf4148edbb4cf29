"""The ``watcher`` command as a user runs it: the installed script, in a working folder."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import click
import pytest

from watcher import __version__
from watcher.cli import cli
from watcher.store import Store
from watcher.store.migrations import head_revision

from .e2e import watcher_command

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parent.parent
REPO_RULES = REPO / "rules"
EXAMPLE = REPO / "example"
BAD_RULES = Path(__file__).resolve().parent / "rules_bad"
HIT_FIELDS = {"document", "watchlist", "name", "kind", "text", "start", "end", "snippet"}
STORED_HIT_FIELDS = {"id", "watchlist", "name", "kind", "text", "start", "end", "snippet", "path"}
RULE_PROBLEMS = ("yaml-syntax.yaml", "unknown-key.yaml", "missing-name.yaml")
SCO = ("sco", "Shanghai Cooperation Organisation")
LI_SHANGFU = ("defence-ministers", "Li Shangfu")


@dataclass(frozen=True)
class Result:
    """What one ``watcher`` process did."""

    args: tuple[str, ...]
    code: int
    out: str
    err: str

    def __str__(self) -> str:
        command = " ".join(("watcher", *self.args))
        return f"{command} -> {self.code}\n--- stdout\n{self.out}--- stderr\n{self.err}"

    def ok(self) -> Result:
        """Assert a clean success and return self, for chaining."""
        assert self.code == 0, self
        assert "Traceback" not in self.err, self
        return self

    def failed(self, code: int, *expected: str) -> Result:
        """Assert exit ``code`` with every ``expected`` text on stderr and no traceback."""
        assert self.code == code, self
        assert "Traceback" not in self.err + self.out, self
        for text in expected:
            assert text in self.err, f"{text!r} not on stderr\n{self}"
        return self


def watcher(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> Result:
    """Run the installed ``watcher`` in ``cwd``; no WATCHER_* variable but those in ``env``."""
    child_env = {k: v for k, v in os.environ.items() if not k.startswith("WATCHER_")}
    child_env["PYTHONIOENCODING"] = "utf-8"  # the output is read as UTF-8 whatever the locale
    child_env.update(env or {})
    argv = tuple(str(a) for a in args)
    done = subprocess.run(
        [*watcher_command(), *argv],
        cwd=cwd,
        env=child_env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )
    return Result(argv, done.returncode, done.stdout, done.stderr)


def example_folder(folder: Path, db_url: str | None = None) -> Path:
    """A copy of example/ in ``folder`` using the repo's rules; returns its watcher.toml.

    The database stays the example's relative SQLite file unless ``db_url`` is given.
    """
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copytree(EXAMPLE / "inbox", folder / "inbox")
    text = (EXAMPLE / "watcher.toml").read_text(encoding="utf-8")
    text, rules_set = re.subn(r'(?m)^rules = "[^"]*"', f'rules = "{REPO_RULES}"', text)
    assert rules_set == 1, "example/watcher.toml no longer sets [paths] rules"
    if db_url is not None:
        text, url_set = re.subn(r'(?m)^url = "[^"]*"', f'url = "{db_url}"', text)
        assert url_set == 1, "example/watcher.toml no longer sets [database] url"
    config = folder / "watcher.toml"
    config.write_text(text, encoding="utf-8")
    return config


def example_sqlite_url(config: Path) -> str:
    """The example's own database, sqlite:///data/watcher.db next to its config."""
    return f"sqlite:///{config.parent / 'data' / 'watcher.db'}"


def stored_hit_count(url: str) -> int:
    store = Store(url)
    try:
        return len(store.hits())
    finally:
        store.close()


def digest_files(config: Path) -> list[Path]:
    folder = config.parent / "digests"
    return sorted(folder.iterdir()) if folder.is_dir() else []


def processed_line(result: Result) -> re.Match[str]:
    found = re.search(
        r"^processed (\d+) file\(s\): (\d+) new \((\d+) hits\), (\d+) already seen, "
        r"(\d+) near-duplicate, (\d+) quarantined$",
        result.out,
        re.MULTILINE,
    )
    assert found, result
    return found


def json_lines(result: Result) -> list[dict[str, Any]]:
    return [json.loads(line) for line in result.out.splitlines()]


# --- version and help ---------------------------------------------------------------------


def _command_tree(
    command: click.Command = cli, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    yield path, command
    if isinstance(command, click.Group):
        for name, sub in sorted(command.commands.items()):
            yield from _command_tree(sub, (*path, name))


COMMANDS = list(_command_tree())


def test_version(tmp_path: Path) -> None:
    result = watcher("--version", cwd=tmp_path).ok()
    assert result.out.strip() == f"watcher, version {__version__}"


def test_the_tree_holds_every_command() -> None:
    names = {" ".join(path) for path, _ in COMMANDS}
    assert {"run", "match", "rules check", "hits", "digest", "db upgrade"} <= names


@pytest.mark.parametrize(
    ("path", "command"), COMMANDS, ids=[" ".join(("watcher", *path)) for path, _ in COMMANDS]
)
def test_help(tmp_path: Path, path: tuple[str, ...], command: click.Command) -> None:
    assert command.help, f"watcher {' '.join(path)} has no help text"
    assert command.help.strip()
    result = watcher(*path, "--help", cwd=tmp_path).ok()
    assert result.out.startswith(f"Usage: watcher {' '.join(path)}".rstrip() + " ")
    first_line = " ".join(command.help.split("\n\n")[0].split())
    assert first_line in " ".join(result.out.split())
    if any(param.name == "config" for param in command.params):
        assert "--config" in result.out
    if isinstance(command, click.Group):
        for name in command.commands:
            assert re.search(rf"^  {re.escape(name)} ", result.out, re.MULTILINE), name
    for param in command.params:
        if isinstance(param, click.Option):
            assert param.help, f"watcher {' '.join(path)} {param.opts[0]} has no help text"
            assert param.opts[0] in result.out


# --- match --------------------------------------------------------------------------------


def test_match_json_on_the_seeds(tmp_path: Path, seeds_dir: Path) -> None:
    seeds = sorted(seeds_dir.glob("*.txt"))
    assert len(seeds) == 5
    hits = json_lines(
        watcher("match", "--format", "json", "--rules", REPO_RULES, *seeds, cwd=tmp_path).ok()
    )
    assert hits
    by_seed: dict[str, list[dict[str, Any]]] = {seed.name[:3]: [] for seed in seeds}
    texts = {str(seed): seed.read_bytes().decode("utf-8") for seed in seeds}
    for hit in hits:
        assert set(hit) >= HIT_FIELDS, hit
        assert hit["kind"] in {"entity", "topic", "rule"}
        assert hit["document"] in texts
        assert hit["text"] == texts[hit["document"]][hit["start"] : hit["end"]], hit
        assert "Haidong" not in hit["text"]
        assert " ".join(hit["text"].split()) in " ".join(hit["snippet"].split())
        by_seed[Path(hit["document"]).name[:3]].append(hit)

    def found(seed: str, key: tuple[str, str]) -> list[dict[str, Any]]:
        return [h for h in by_seed[seed] if (h["watchlist"], h["name"]) == key]

    assert all(found(seed, LI_SHANGFU) for seed in by_seed), "Li Shangfu missing somewhere"
    assert {seed for seed in by_seed if found(seed, SCO)} == {"001", "002"}
    # 002 spells it out once, with a curly apostrophe after the name.
    [curly] = found("002", SCO)
    assert curly["text"] == "Shanghai Cooperation Organisation"
    assert texts[curly["document"]][curly["end"] :].startswith("\u2019s")
    assert any(h["text"] == "SCO" for h in found("001", SCO))


def test_match_text_format(tmp_path: Path) -> None:
    document = tmp_path / "note.txt"
    document.write_text(
        "Li Shangfu met Viktor Khrenin.\nThe SCO and SCOTUS talked about sanctions.\n",
        encoding="utf-8",
    )
    result = watcher("match", "--rules", REPO_RULES, document, cwd=tmp_path).ok()
    lines = result.out.splitlines()
    assert lines[0] == f"{document}: {len(lines) - 1} hits"
    assert "  0-10  defence-ministers / Li Shangfu (entity): 'Li Shangfu'" in lines
    assert any(
        line.endswith("sco / Shanghai Cooperation Organisation (entity): 'SCO'") for line in lines
    )
    assert any("sanctions / " in line and "(topic): 'sanctions'" in line for line in lines)
    assert "SCOTUS" not in result.out


def test_match_expands_a_folder_to_its_documents(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text("Li Shangfu arrived.\n", encoding="utf-8")
    (folder / "sub" / "b.md").write_text("# Talks\n\nViktor Khrenin spoke.\n", encoding="utf-8")
    (folder / "c.html").write_text(
        "<html><title>T</title><body><p>The SCO met.</p></body></html>", encoding="utf-8"
    )
    (folder / "skipped.txt.part").write_text("Li Shangfu", encoding="utf-8")
    (folder / "skipped.docx").write_bytes(b"PK Li Shangfu")
    result = watcher("match", "--format", "json", "--rules", REPO_RULES, folder, cwd=tmp_path)
    documents = {
        Path(h["document"]).relative_to(folder).as_posix() for h in json_lines(result.ok())
    }
    assert documents == {"a.txt", "sub/b.md", "c.html"}


def test_match_a_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    result = watcher("match", "--rules", REPO_RULES, "nothere.txt", cwd=tmp_path)
    result.failed(2, "nothere.txt", "does not exist")
    assert result.out == ""


def test_match_reports_an_unreadable_file_and_goes_on(tmp_path: Path) -> None:
    (tmp_path / "junk.txt").write_bytes(b"\x00\x01\x02binary\x00junk" * 20)
    (tmp_path / "good.txt").write_text("Li Shangfu arrived in Minsk.\n", encoding="utf-8")
    result = watcher(
        "match", "--format", "json", "--rules", REPO_RULES, "junk.txt", "good.txt", cwd=tmp_path
    )
    result.failed(1, "junk.txt: cannot read: binary content")
    assert result.err.count("junk.txt") == 1, result  # the path once, then the reason
    assert [(h["document"], h["name"]) for h in json_lines(result)] == [("good.txt", "Li Shangfu")]


def test_match_reads_the_rules_of_the_config(tmp_path: Path) -> None:
    shutil.copytree(REPO_RULES, tmp_path / "my-rules")
    (tmp_path / "watcher.toml").write_text('[paths]\nrules = "my-rules"\n', encoding="utf-8")
    (tmp_path / "a.txt").write_text("Viktor Khrenin spoke.\n", encoding="utf-8")
    result = watcher("match", "--format", "json", "a.txt", cwd=tmp_path).ok()
    assert [h["name"] for h in json_lines(result)] == ["Viktor Khrenin"]


# --- rules check ----------------------------------------------------------------------------


def test_rules_check_accepts_the_repo_rules(tmp_path: Path) -> None:
    result = watcher("rules", "check", REPO_RULES, cwd=tmp_path).ok()
    files = len(list(REPO_RULES.glob("*.yaml")))
    assert re.search(rf"^ok: {files} file\(s\), \d+ watchlist\(s\), ", result.out, re.M)
    assert result.err == ""


def _expected_problem(path: Path) -> str:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# expect: ")
    return first.removeprefix("# expect: ")


@pytest.mark.parametrize("how", ["argument", "command-config", "group-config", "cwd-config"])
def test_rules_check_prints_every_problem(tmp_path: Path, how: str) -> None:
    rules = tmp_path / "bad-rules"
    rules.mkdir()
    for name in RULE_PROBLEMS:
        shutil.copy(BAD_RULES / name, rules)
    config = tmp_path / "watcher.toml"
    config.write_text('[paths]\nrules = "bad-rules"\n', encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    args: dict[str, tuple[str | Path, ...]] = {
        "argument": ("rules", "check", rules),
        "command-config": ("rules", "check", "--config", config),
        "group-config": ("--config", config, "rules", "check"),
        "cwd-config": ("rules", "check"),
    }
    result = watcher(*args[how], cwd=tmp_path if how == "cwd-config" else elsewhere)
    result.failed(1, f"{len(RULE_PROBLEMS)} problems found")
    problems = [line for line in result.err.splitlines() if re.match(r"^\S+:\d+:\d+: ", line)]
    assert len(problems) == len(RULE_PROBLEMS), result
    for name in RULE_PROBLEMS:
        [line] = [p for p in problems if f"{name}:" in p]
        path, _, message = line.partition(f"{name}:")
        assert message == _expected_problem(BAD_RULES / name)
        # The path is printed relative to the working folder when it is under it.
        shown = Path(path + name)
        folder = tmp_path if how == "cwd-config" else elsewhere
        assert (folder / shown).resolve() == (rules / name).resolve()


def test_rules_check_on_a_missing_folder(tmp_path: Path) -> None:
    watcher("rules", "check", "nodir", cwd=tmp_path).failed(1, "nodir: rules folder does not exist")


# --- run --once -------------------------------------------------------------------------------


def _minsk_dates() -> set[str]:
    return {f"{datetime.now(ZoneInfo('Europe/Minsk')):%Y-%m-%d}"}


def _run_once_twice(config: Path, url: str) -> None:
    inbox_files = len(list((config.parent / "inbox").iterdir()))
    dates = _minsk_dates()
    first = watcher("run", "--once", cwd=config.parent).ok()
    dates |= _minsk_dates()  # the run may straddle midnight in the digest's zone
    counts = processed_line(first)
    assert counts.groups()[:2] == (str(inbox_files), str(inbox_files))
    assert int(counts[3]) > 0
    assert counts.groups()[3:] == ("0", "0", "0")
    [digest] = digest_files(config)
    assert re.fullmatch(r"daily-\d{4}-\d{2}-\d{2}\.md", digest.name)
    assert digest.name.removeprefix("daily-").removesuffix(".md") in dates
    assert f"digest daily: wrote {digest} ({counts[3]} hits)" in first.out.splitlines()
    text = digest.read_text(encoding="utf-8")
    for name in ("Li Shangfu", "Viktor Khrenin", "Shanghai Cooperation Organisation", "SCO"):
        assert name in text, name
    assert "sanctions" in text.lower()
    hits = stored_hit_count(url)
    assert hits == int(counts[3])
    listed = watcher("hits", "--since", "1h", "--format", "json", cwd=config.parent).ok()
    assert len(json.loads(listed.out)) == hits

    again = watcher("run", "--once", cwd=config.parent).ok()
    assert processed_line(again).groups() == (
        str(inbox_files),
        "0",
        "0",
        str(inbox_files),
        "0",
        "0",
    )
    assert re.search(r"^digest daily: not due \(next at .+\)$", again.out, re.MULTILINE), again
    assert "wrote" not in again.out
    assert digest_files(config) == [digest]
    assert stored_hit_count(url) == hits


def test_run_once_on_the_example(tmp_path: Path) -> None:
    config = example_folder(tmp_path / "example")
    _run_once_twice(config, example_sqlite_url(config))
    assert (config.parent / "data" / "watcher.db").is_file()


def test_run_once_on_each_database(tmp_path: Path, db_url: str) -> None:
    config = example_folder(tmp_path / "example", db_url)
    _run_once_twice(config, db_url)


def test_run_once_with_broken_config_is_a_clear_error(tmp_path: Path) -> None:
    config = example_folder(tmp_path / "example")
    config.write_text(config.read_text(encoding="utf-8") + 'timezone_ = "UTC"\n', encoding="utf-8")
    line = len(config.read_text(encoding="utf-8").splitlines())
    watcher("run", "--once", cwd=config.parent).failed(
        1, f"{config}:{line}:1: unknown key 'timezone_' in [digests.daily]", "'timezone'"
    )
    assert not (config.parent / "data").exists()


# --- hits -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ran:
    """The example after ``watcher run --once``; tests only read it."""

    config: Path
    hits: list[dict[str, Any]]


@pytest.fixture(scope="module")
def ran(tmp_path_factory: pytest.TempPathFactory) -> Ran:
    config = example_folder(tmp_path_factory.mktemp("ran"))
    watcher("run", "--once", cwd=config.parent).ok()
    listed = json.loads(watcher("hits", "--format", "json", cwd=config.parent).ok().out)
    return Ran(config, listed)


def test_hits_json(ran: Ran) -> None:
    assert ran.hits
    assert len(ran.hits) == stored_hit_count(example_sqlite_url(ran.config))
    inbox = (ran.config.parent / "inbox").resolve()
    for hit in ran.hits:
        assert set(hit) >= STORED_HIT_FIELDS, hit
        assert Path(hit["path"]).parent == inbox
        assert datetime.fromisoformat(hit["ingested_at"]).tzinfo is not None
    assert {h["watchlist"] for h in ran.hits} == {"defence-ministers", "sanctions", "sco"}
    assert len({h["id"] for h in ran.hits}) == len(ran.hits)


def test_hits_csv(ran: Ran) -> None:
    result = watcher("hits", "--format", "csv", cwd=ran.config.parent).ok()
    reader = csv.DictReader(io.StringIO(result.out, newline=""))
    rows = list(reader)
    assert reader.fieldnames == list(ran.hits[0])
    assert [int(row["id"]) for row in rows] == [h["id"] for h in ran.hits]
    assert [row["text"] for row in rows] == [h["text"] for h in ran.hits]


def test_hits_csv_header_is_the_same_without_rows(ran: Ran, tmp_path: Path) -> None:
    watcher("db", "upgrade", cwd=tmp_path).ok()
    result = watcher("hits", "--format", "csv", cwd=tmp_path).ok()
    assert list(csv.reader(io.StringIO(result.out, newline=""))) == [list(ran.hits[0])]


def test_hits_table(ran: Ran) -> None:
    result = watcher("hits", cwd=ran.config.parent).ok()
    assert f"{len(ran.hits)} hits" in result.out
    for column in ("watchlist", "name", "text"):
        assert column in result.out
    # Watchlist ids are printed whole, even at the 80 columns of a pipe.
    for watchlist in {h["watchlist"] for h in ran.hits}:
        assert re.search(rf"\b{re.escape(watchlist)}\b", result.out), watchlist


def test_hits_of_one_watchlist(ran: Ran) -> None:
    result = watcher("hits", "--watchlist", "sco", "--format", "json", cwd=ran.config.parent)
    sco = json.loads(result.ok().out)
    assert sco == [h for h in ran.hits if h["watchlist"] == "sco"]
    assert sco


def test_hits_since_and_limit(ran: Ran) -> None:
    recent = watcher("hits", "--since", "1h", "--format", "json", cwd=ran.config.parent).ok()
    assert json.loads(recent.out) == ran.hits
    one = watcher("hits", "--limit", "1", "--format", "json", cwd=ran.config.parent).ok()
    assert json.loads(one.out) == ran.hits[:1]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--since", "soon"), ("--since", "not a duration: 'soon'")),
        (("--since", "3000000d"), ("--since", "reaches back too far")),  # before year 1
        (("--since", "999999999w"), ("--since", "duration too long")),  # beyond timedelta
        (("--limit", "0"), ("--limit",)),
        (("--format", "xml"), ("--format", "'xml'")),
    ],
    ids=["since", "since-before-year-1", "since-overflow", "limit", "format"],
)
def test_hits_bad_options_are_usage_errors(
    tmp_path: Path, args: tuple[str, ...], expected: tuple[str, ...]
) -> None:
    result = watcher("hits", *args, cwd=tmp_path).failed(2, "Usage: watcher hits", *expected)
    assert result.out == ""
    assert not (tmp_path / "data").exists()  # rejected before any database is opened


def test_hits_on_a_database_never_upgraded(tmp_path: Path, db_url: str) -> None:
    (tmp_path / "watcher.toml").write_text(f'[database]\nurl = "{db_url}"\n', encoding="utf-8")
    result = watcher("hits", cwd=tmp_path).failed(1, "watcher db upgrade", "revision none")
    assert result.err.startswith("error: ")
    assert result.out == ""


# --- digest -----------------------------------------------------------------------------------


def test_digest_preview_claims_nothing(tmp_path: Path, db_url: str) -> None:
    config = example_folder(tmp_path / "example", db_url)
    cwd = config.parent
    watcher("run", "--once", cwd=cwd).ok()
    [first_digest] = digest_files(config)
    # A document after the first digest: stored by the next run, but not due until tomorrow.
    (cwd / "inbox" / "late.txt").write_text(
        "Late news\n\nViktor Khrenin spoke about sanctions on Belarus.\n", encoding="utf-8"
    )
    late = processed_line(watcher("run", "--once", cwd=cwd).ok())
    assert late[2] == "1"
    late_hits = int(late[3])
    assert late_hits > 0

    preview = watcher("digest", "daily", "--preview", cwd=cwd).ok()
    assert "Late news" in preview.out
    assert "**Viktor Khrenin**" in preview.out
    assert "Nothing new" not in preview.out
    assert digest_files(config) == [first_digest]
    again = watcher("digest", "daily", "--preview", cwd=cwd).ok()
    assert again.out.count("Late news") == preview.out.count("Late news")

    written = watcher("digest", "daily", cwd=cwd).ok()
    found = re.fullmatch(r"digest daily: wrote (.+) \((\d+) hits\)\n", written.out)
    assert found, written
    path = Path(found[1])
    assert int(found[2]) == late_hits
    assert path.parent == cwd / "digests"
    assert sorted(digest_files(config)) == sorted([first_digest, path])
    assert "Late news" in path.read_text(encoding="utf-8")
    assert "Late news" not in first_digest.read_text(encoding="utf-8")

    after = watcher("digest", "daily", "--preview", cwd=cwd).ok()
    assert "Nothing new" in after.out
    assert "Late news" not in after.out


def test_digest_with_an_unknown_name(tmp_path: Path) -> None:
    config = example_folder(tmp_path / "example")
    watcher("digest", "nosuch", cwd=config.parent).failed(
        1, f"error: {config}: no digest named 'nosuch' (configured: daily)"
    )
    watcher("digest", "dayly", "--preview", cwd=config.parent).failed(
        1, "no digest named 'dayly'", "did you mean 'daily'?"
    )
    assert not (config.parent / "data").exists()  # refused before the database was created
    assert digest_files(config) == []


# --- db upgrade -------------------------------------------------------------------------------


def test_db_upgrade_twice(tmp_path: Path, db_url: str) -> None:
    (tmp_path / "watcher.toml").write_text(f'[database]\nurl = "{db_url}"\n', encoding="utf-8")
    expected = f"database at revision {head_revision()}\n"
    assert watcher("db", "upgrade", cwd=tmp_path).ok().out == expected
    assert watcher("db", "upgrade", cwd=tmp_path).ok().out == expected
    assert json.loads(watcher("hits", "--format", "json", cwd=tmp_path).ok().out) == []


def test_db_upgrade_on_an_unreachable_database(tmp_path: Path) -> None:
    # Port 9 (discard) has no PostgreSQL listening: a clear error, not a traceback.
    url = "postgresql://watcher@127.0.0.1:9/nothing?connect_timeout=5"
    (tmp_path / "watcher.toml").write_text(f'[database]\nurl = "{url}"\n', encoding="utf-8")
    watcher("db", "upgrade", cwd=tmp_path).failed(1, "error: cannot connect to database")


# --- configuration ----------------------------------------------------------------------------


# Arguments a command cannot run without; a new command that needs some fails below until
# it is added here.
REQUIRED_ARGS = {
    "match": ("a.txt",),
    "digest": ("daily",),
    "ingest": ("a.txt",),
    "silence": ("Li Shangfu", "--for", "1h"),
}
TAKES_CONFIG = [
    path for path, command in COMMANDS if path and any(p.name == "config" for p in command.params)
]


def test_every_command_but_the_groups_takes_config() -> None:
    groups = {" ".join(path) for path, command in COMMANDS if isinstance(command, click.Group)}
    assert {" ".join(path) for path in TAKES_CONFIG} == {
        " ".join(path) for path, _ in COMMANDS if path
    } - groups


@pytest.mark.parametrize("where", ["on-the-group", "on-the-command"])
@pytest.mark.parametrize("path", TAKES_CONFIG, ids=" ".join)
def test_a_missing_config_file(tmp_path: Path, path: tuple[str, ...], where: str) -> None:
    (tmp_path / "a.txt").write_text("Li Shangfu arrived.\n", encoding="utf-8")
    command = (*path, *REQUIRED_ARGS.get(" ".join(path), ()))
    config = ("--config", "nope.toml")
    args = (*config, *command) if where == "on-the-group" else (*command, *config)
    result = watcher(*args, cwd=tmp_path)
    result.failed(1, f"error: {tmp_path / 'nope.toml'}: config file not found (check the path)")
    assert result.out == ""
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]  # nothing was created


def test_a_missing_config_named_by_the_environment(tmp_path: Path) -> None:
    watcher("hits", cwd=tmp_path, env={"WATCHER_CONFIG": "gone.toml"}).failed(
        1, "config file not found", "WATCHER_CONFIG names it"
    )


def test_an_unknown_config_key_is_located(tmp_path: Path) -> None:
    config = tmp_path / "watcher.toml"
    config.write_text('[paths]\ninbox = "inbox"\nrulez = "rules"\n', encoding="utf-8")
    watcher("rules", "check", cwd=tmp_path).failed(
        1, f"error: {config}:3:1: unknown key 'rulez' in [paths]", "did you mean 'rules'?"
    )


def test_config_on_the_command_wins_over_the_group(tmp_path: Path) -> None:
    good = tmp_path / "good.toml"
    good.write_text(f'[paths]\nrules = "{REPO_RULES}"\n', encoding="utf-8")
    watcher("--config", "nope.toml", "rules", "check", "--config", good, cwd=tmp_path).ok()


def test_config_from_the_environment(tmp_path: Path) -> None:
    folder = tmp_path / "conf"
    folder.mkdir()
    (folder / "settings.toml").write_text('[paths]\nrules = "../bad"\n', encoding="utf-8")
    (tmp_path / "bad").mkdir()
    shutil.copy(BAD_RULES / "unknown-key.yaml", tmp_path / "bad")
    env = {"WATCHER_CONFIG": str(folder / "settings.toml")}
    watcher("rules", "check", cwd=folder, env=env).failed(1, "unknown-key.yaml:5:5: unknown key")


def test_an_empty_config_means_defaults(tmp_path: Path) -> None:
    (tmp_path / "watcher.toml").write_text("", encoding="utf-8")
    shutil.copytree(REPO_RULES, tmp_path / "rules")
    assert watcher("rules", "check", cwd=tmp_path).ok().out.startswith("ok: ")
    upgraded = watcher("db", "upgrade", cwd=tmp_path).ok()
    assert upgraded.out == f"database at revision {head_revision()}\n"
    assert (tmp_path / "data" / "watcher.db").is_file()  # the default [database] url


def test_match_explain_says_why(tmp_path: Path) -> None:
    document = tmp_path / "note.txt"
    document.write_text(
        "Li Shangfu met Viktor Khrenin in Belarus. Later Li said Erdogan called.\n",
        encoding="utf-8",
    )
    result = watcher("match", "--rules", REPO_RULES, "--explain", document, cwd=tmp_path).ok()
    out = result.out
    assert "      alias 'Li Shangfu'" in out
    assert "      short form 'Li' after the full mention 'Li Shangfu' at offset 0" in out
    assert "(rule): 'Li Shangfu met Viktor Khrenin in Belarus'" in out
    assert "      all: term 'Belarus' at offset 33: 'Belarus'" in out
    plain = watcher("match", "--rules", REPO_RULES, document, cwd=tmp_path).ok()
    assert "short form" not in plain.out
    as_json = json_lines(
        watcher("match", "--rules", REPO_RULES, "--format", "json", document, cwd=tmp_path).ok()
    )
    shorts = [h for h in as_json if h["text"] == "Li"]
    assert shorts
    assert shorts[0]["details"][0].startswith("short form 'Li'")


def test_rules_test_runs_the_examples(tmp_path: Path) -> None:
    ok = watcher("rules", "test", REPO_RULES, cwd=tmp_path).ok()
    assert re.fullmatch(r"ok: \d+ example\(s\), 0 failed\n", ok.out)
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "w.yaml").write_text(
        "watchlist: w\nentities:\n  - name: Li Shangfu\n    examples:\n"
        "      match: ['Nobody here.']\n      no_match: ['Li Shangfu is here.']\n",
        encoding="utf-8",
    )
    failed = watcher("rules", "test", rules, cwd=tmp_path).failed(
        1,
        "rules/w.yaml:5:15: entity 'Li Shangfu' should match 'Nobody here.' but found nothing",
        "rules/w.yaml:6:18: entity 'Li Shangfu' should not match 'Li Shangfu is here.' "
        "but found 'Li Shangfu'",
        "2 example(s), 2 failed",
    )
    assert failed.out == ""


def test_ingest_backfills_a_tree_and_status_reports_it(
    tmp_path: Path, db_url: str, seeds_dir: Path
) -> None:
    config = example_folder(tmp_path / "work", db_url)
    archive = tmp_path / "archive"
    (archive / "2023" / "08").mkdir(parents=True)
    for seed in seeds_dir.glob("*.txt"):
        shutil.copy(seed, archive / "2023" / "08" / seed.name)
    (archive / "broken.txt").write_bytes(b"\x00\x01\x02")
    os.mkfifo(archive / "pipe.txt")
    first = watcher("ingest", "--quiet", archive, cwd=config.parent).ok()
    summary = re.search(
        r"^7 file\(s\): 5 new, 0 already seen, 0 near-duplicate, 2 quarantined, (\d+) hits$",
        first.out,
        re.MULTILINE,
    )
    assert summary, first
    assert int(summary[1]) == stored_hit_count(db_url)
    assert "quarantined " + str(archive / "pipe.txt") + ": a named pipe, not a file" in first.err
    again = watcher("ingest", "--quiet", archive, cwd=config.parent).ok()
    # Known files, the quarantined ones included, are not taken again.
    assert "7 file(s): 0 new, 7 already seen, 0 near-duplicate, 0 quarantined, 0 hits" in again.out
    status = watcher("status", cwd=config.parent).ok()
    assert "documents: 5 done, 2 quarantined, 0 duplicate" in status.out
    assert "daemon: not running" in status.out
    assert f"  {archive / 'broken.txt'}: binary content" in status.out


def test_stories_groups_the_seeds_and_digests_lists_the_digest(
    tmp_path: Path, db_url: str, seeds_dir: Path
) -> None:
    config = example_folder(tmp_path / "work", db_url)
    inbox = config.parent / "inbox"
    for old in inbox.iterdir():
        old.unlink()
    for seed in seeds_dir.glob("*.txt"):
        shutil.copy(seed, inbox / seed.name)
    watcher("run", "--once", cwd=config.parent).ok()
    result = watcher("stories", "--format", "json", cwd=config.parent).ok()
    found = json.loads(result.out)
    # Only 000 states its date (21 Aug 2023); the other four are known only by
    # their arrival, today. Undated reports are compared by arrival, so the
    # five outlets' reports of the visit are one story with five sources.
    (story,) = found
    assert "Li Shangfu" in story["entities"]
    names = {Path(d["path"]).name[:3] for d in story["documents"]}
    assert names == {"000", "001", "002", "003", "004"}
    assert all({"path", "title", "source"} <= set(d) for d in story["documents"])
    # Only two of the five name their outlet in the text.
    assert {"STV", "Bloomberg"} <= {d["source"] for d in story["documents"]}
    assert re.fullmatch(r"[0-9a-f]{12}", story["key"])
    digest = Path(
        json.loads(watcher("digests", "--format", "json", cwd=config.parent).ok().out)[0][
            "output_path"
        ]
    ).read_text(encoding="utf-8")
    assert "**1 story · 5 documents" in digest
    listed = json.loads(watcher("digests", "--format", "json", cwd=config.parent).ok().out)
    assert [(d["name"], d["status"]) for d in listed] == [("daily", "written")]
    assert Path(listed[0]["output_path"]).exists()
    table = watcher("digests", cwd=config.parent).ok()
    assert "written" in table.out
