"""watcher.toml + WATCHER_* variables -> Settings: defaults, overrides, and every error."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import NamedTuple

import pytest

from watcher.errors import ConfigError
from watcher.settings import (
    CONFIG_FILENAME,
    DIGEST_DEFAULTS,
    SECTION_DEFAULTS,
    DigestSettings,
    Settings,
    cron_fields,
    find_config,
    load_settings,
)

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def conf_dir(tmp_path: Path) -> Path:
    """The config file's folder; deliberately not the working directory."""
    path = tmp_path / "conf"
    path.mkdir()
    return path.resolve()


@pytest.fixture
def cwd(tmp_path: Path) -> Path:
    path = tmp_path / "cwd"
    path.mkdir()
    return path.resolve()


def write_config(conf_dir: Path, text: str) -> Path:
    path = conf_dir / CONFIG_FILENAME
    path.write_text(text, encoding="utf-8")
    return path


def load(conf_dir: Path, cwd: Path, text: str, env: dict[str, str] | None = None) -> Settings:
    return load_settings(write_config(conf_dir, text), env=env or {}, cwd=cwd)


def load_error(
    conf_dir: Path, cwd: Path, text: str, env: dict[str, str] | None = None
) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        load(conf_dir, cwd, text, env)
    return info.value


# --- defaults and path resolution -------------------------------------------------------


def test_empty_file_gives_defaults_resolved_against_the_config_folder(conf_dir, cwd):
    settings = load(conf_dir, cwd, "")

    assert settings.config_path == conf_dir / CONFIG_FILENAME
    assert settings.base_dir == conf_dir
    assert settings.database_url == f"sqlite:///{conf_dir}/data/watcher.db"
    assert settings.database_url.startswith("sqlite:////")
    assert settings.inbox == conf_dir / "inbox"
    assert settings.rules == conf_dir / "rules"
    assert settings.digests_dir == conf_dir / "digests"
    assert settings.templates is None  # conf/templates does not exist: shipped templates
    assert settings.settle_seconds == 1.0
    assert settings.log_level == "INFO"
    assert settings.digests == (DigestSettings("daily", "0 7 * * *", "UTC", "markdown"),)


def test_no_config_file_means_defaults_relative_to_the_working_directory(cwd):
    settings = load_settings(env={}, cwd=cwd)

    assert settings.config_path is None
    assert settings.base_dir == cwd
    assert settings.inbox == cwd / "inbox"
    assert settings.database_url == f"sqlite:///{cwd}/data/watcher.db"


def test_configured_paths_resolve_against_the_config_folder(conf_dir, cwd, tmp_path):
    absolute = tmp_path / "elsewhere" / "rules"
    settings = load(
        conf_dir,
        cwd,
        f'[paths]\ninbox = "drop/in"\nrules = "{absolute}"\ndigests = "../out"\n',
    )

    assert settings.inbox == conf_dir / "drop" / "in"
    assert settings.rules == absolute.resolve()
    assert settings.digests_dir == conf_dir.parent / "out"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:///watcher.db", "sqlite:///{base}/watcher.db"),
        ("sqlite+pysqlite:///db/w.db?timeout=5", "sqlite+pysqlite:///{base}/db/w.db?timeout=5"),
        ("sqlite:////var/lib/watcher.db", "sqlite:////var/lib/watcher.db"),
        ("sqlite://", "sqlite://"),
        ("sqlite:///:memory:", "sqlite:///:memory:"),
        (
            "postgresql+psycopg://me@db.example/watcher",
            "postgresql+psycopg://me@db.example/watcher",
        ),
        ("postgresql://me:pw@localhost:5432/watcher", "postgresql://me:pw@localhost:5432/watcher"),
    ],
)
def test_database_url_relative_sqlite_resolved_others_unchanged(conf_dir, cwd, url, expected):
    settings = load(conf_dir, cwd, f'[database]\nurl = "{url}"\n')

    assert settings.database_url == expected.format(base=conf_dir)


def test_templates_default_folder_is_used_when_it_exists(conf_dir, cwd):
    (conf_dir / "templates").mkdir()

    assert load(conf_dir, cwd, "").templates == conf_dir / "templates"


def test_templates_explicit_and_existing(conf_dir, cwd):
    (conf_dir / "mine").mkdir()

    assert load(conf_dir, cwd, '[paths]\ntemplates = "mine"\n').templates == conf_dir / "mine"


def test_templates_explicit_and_missing_is_an_error(conf_dir, cwd):
    error = load_error(conf_dir, cwd, '[paths]\ntemplates = "mine"\n')

    assert (
        error.message == f"paths.templates: templates folder '{conf_dir / 'mine'}' does not exist"
    )
    assert str(error.location) == f"{conf_dir / CONFIG_FILENAME}:2:13"
    assert error.hint is not None
    assert "shipped" in error.hint


def test_templates_explicit_through_env_and_missing_is_an_error(conf_dir, cwd):
    error = load_error(conf_dir, cwd, "", {"WATCHER_PATHS_TEMPLATES": "nope"})

    assert error.message.startswith("WATCHER_PATHS_TEMPLATES: templates folder")
    assert error.location is None


def test_settings_are_frozen(conf_dir, cwd):
    settings = load(conf_dir, cwd, "")

    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.log_level = "DEBUG"  # type: ignore[misc]


# --- finding the config file --------------------------------------------------------------


def test_find_config_finds_watcher_toml_in_cwd(cwd):
    assert find_config(None, cwd) is None
    (cwd / CONFIG_FILENAME).write_text("")

    assert find_config(None, cwd) == cwd / CONFIG_FILENAME


def test_find_config_explicit_relative_path_resolves_against_cwd(cwd):
    (cwd / "other.toml").write_text("")
    (cwd / CONFIG_FILENAME).write_text("")

    assert find_config(Path("other.toml"), cwd) == cwd / "other.toml"


def test_explicit_missing_config_is_an_error(cwd):
    with pytest.raises(ConfigError) as info:
        find_config(Path("missing.toml"), cwd)

    assert info.value.message == "config file not found"
    assert str(info.value.location) == str(cwd / "missing.toml")


def test_explicit_config_that_is_a_folder_is_an_error(cwd):
    with pytest.raises(ConfigError, match="is a folder, not a file"):
        load_settings(cwd, env={}, cwd=cwd)


def test_load_settings_reads_watcher_toml_from_cwd(cwd):
    (cwd / CONFIG_FILENAME).write_text('[log]\nlevel = "DEBUG"\n')

    settings = load_settings(env={}, cwd=cwd)

    assert settings.config_path == cwd / CONFIG_FILENAME
    assert settings.log_level == "DEBUG"


def test_watcher_config_env_names_the_file(conf_dir, cwd):
    path = write_config(conf_dir, '[log]\nlevel = "ERROR"\n')
    (cwd / CONFIG_FILENAME).write_text('[log]\nlevel = "DEBUG"\n')

    settings = load_settings(env={"WATCHER_CONFIG": str(path)}, cwd=cwd)

    assert settings.config_path == path
    assert settings.log_level == "ERROR"
    assert settings.inbox == conf_dir / "inbox"


def test_explicit_config_wins_over_watcher_config(conf_dir, cwd):
    (cwd / "explicit.toml").write_text('[log]\nlevel = "WARNING"\n')
    from_env = write_config(conf_dir, '[log]\nlevel = "ERROR"\n')

    settings = load_settings(Path("explicit.toml"), env={"WATCHER_CONFIG": str(from_env)}, cwd=cwd)

    assert settings.log_level == "WARNING"


def test_watcher_config_naming_a_missing_file_is_an_error(cwd):
    with pytest.raises(ConfigError) as info:
        load_settings(env={"WATCHER_CONFIG": "gone.toml"}, cwd=cwd)

    assert info.value.message == "config file not found"
    assert str(info.value.location) == str(cwd / "gone.toml")
    assert info.value.hint is not None
    assert "WATCHER_CONFIG" in info.value.hint


# --- environment overrides ------------------------------------------------------------------


def test_env_overrides_every_section(conf_dir, cwd):
    settings = load(
        conf_dir,
        cwd,
        '[database]\nurl = "sqlite:///file.db"\n[paths]\ninbox = "file-inbox"\n'
        '[ingest]\nsettle_seconds = 5\n[log]\nlevel = "ERROR"\n',
        {
            "WATCHER_DATABASE_URL": "sqlite:///env.db",
            "WATCHER_PATHS_INBOX": "env-inbox",
            "WATCHER_PATHS_RULES": "/srv/rules",
            "WATCHER_INGEST_SETTLE_SECONDS": "0.25",
            "WATCHER_LOG_LEVEL": "debug",
        },
    )

    assert settings.database_url == f"sqlite:///{conf_dir}/env.db"
    assert settings.inbox == conf_dir / "env-inbox"  # relative to base_dir, not cwd
    assert settings.rules == Path("/srv/rules")
    assert settings.settle_seconds == 0.25
    assert settings.log_level == "DEBUG"


def test_env_overrides_a_digest_key(conf_dir, cwd):
    settings = load(
        conf_dir,
        cwd,
        '[digests.morning-brief]\nschedule = "0 6 * * *"\n',
        {
            "WATCHER_DIGESTS_MORNING_BRIEF_TIMEZONE": "Europe/Minsk",
            "WATCHER_DIGESTS_MORNING_BRIEF_SCHEDULE": "30 6 * * mon-fri",
        },
    )

    assert settings.digest("morning-brief") == DigestSettings(
        "morning-brief", "30 6 * * mon-fri", "Europe/Minsk", "markdown"
    )


def test_env_overrides_the_default_digest(cwd):
    settings = load_settings(env={"WATCHER_DIGESTS_DAILY_SCHEDULE": "0 18 * * *"}, cwd=cwd)

    assert settings.digest("daily").schedule == "0 18 * * *"


def test_env_values_are_validated_like_file_values(conf_dir, cwd):
    error = load_error(conf_dir, cwd, "", {"WATCHER_DIGESTS_DAILY_TIMEZONE": "Mars/Olympus"})

    assert error.message == "WATCHER_DIGESTS_DAILY_TIMEZONE: unknown time zone 'Mars/Olympus'"
    assert error.hint == "use an IANA name such as Europe/Minsk"


def test_env_number_that_is_not_a_number_names_the_variable(conf_dir, cwd):
    error = load_error(conf_dir, cwd, "", {"WATCHER_INGEST_SETTLE_SECONDS": "soon"})

    assert (
        error.message == "WATCHER_INGEST_SETTLE_SECONDS: expected a number of seconds, got 'soon'"
    )
    assert error.location is None


def test_empty_env_variable_counts_as_unset(conf_dir, cwd):
    settings = load(conf_dir, cwd, '[log]\nlevel = "ERROR"\n', {"WATCHER_LOG_LEVEL": ""})

    assert settings.log_level == "ERROR"


def test_unknown_env_variable_in_a_known_section_is_an_error(conf_dir, cwd):
    error = load_error(conf_dir, cwd, "", {"WATCHER_PATHS_INBX": "x"})

    assert error.message == "unknown environment variable WATCHER_PATHS_INBX"
    assert error.hint == "did you mean 'WATCHER_PATHS_INBOX'?"


def test_env_variable_for_an_unconfigured_digest_is_an_error(conf_dir, cwd):
    error = load_error(conf_dir, cwd, "", {"WATCHER_DIGESTS_WEEKLY_SCHEDULE": "0 7 * * 1"})

    assert (
        error.message == "WATCHER_DIGESTS_WEEKLY_SCHEDULE: no digest named 'weekly' is configured"
    )
    assert error.hint is not None
    assert error.hint.endswith("configured: daily")


def test_env_variable_shared_by_two_digests_is_ambiguous(conf_dir, cwd):
    text = "[digests.a-b]\n[digests.a_b]\n"
    assert len(load(conf_dir, cwd, text).digests) == 2  # fine until the variable is set

    error = load_error(conf_dir, cwd, text, {"WATCHER_DIGESTS_A_B_TIMEZONE": "UTC"})

    assert error.message.startswith("WATCHER_DIGESTS_A_B_TIMEZONE is ambiguous")


def test_unrelated_watcher_variables_are_ignored(conf_dir, cwd):
    settings = load(
        conf_dir,
        cwd,
        "",
        {
            "WATCHER_TEST_POSTGRES_URL": "postgresql://localhost/test",
            "WATCHER_SMTP_PASSWORD": "secret",
            "WATCHER_CONFIG": "",
            "WATCHER_HOME": "/x",
            "watcher_log_level": "nonsense",  # not upper case: not ours
        },
    )

    assert settings.log_level == "INFO"


# --- digests ----------------------------------------------------------------------------------


def test_configured_digests_replace_the_default_in_file_order(conf_dir, cwd):
    settings = load(
        conf_dir,
        cwd,
        '[digests.weekly]\nschedule = "0 8 * * mon"\ntimezone = "Europe/Minsk"\n'
        '[digests.night_shift]\nschedule = "0   22 * * *"\n',
    )

    assert settings.digests == (
        DigestSettings("weekly", "0 8 * * mon", "Europe/Minsk", "markdown"),
        DigestSettings("night_shift", "0 22 * * *", "UTC", "markdown"),
    )


def test_empty_digests_table_keeps_the_default(conf_dir, cwd):
    assert [d.name for d in load(conf_dir, cwd, "[digests]\n").digests] == ["daily"]


def test_digest_lookup(conf_dir, cwd):
    settings = load(conf_dir, cwd, "[digests.weekly]\n[digests.daily]\n")

    assert settings.digest("weekly").name == "weekly"
    with pytest.raises(ConfigError) as info:
        settings.digest("weekley")
    assert info.value.message == "no digest named 'weekley' (configured: weekly, daily)"
    assert info.value.hint == "did you mean 'weekly'?"


def test_digest_lookup_without_a_close_match_has_no_hint(cwd):
    settings = load_settings(env={}, cwd=cwd)

    with pytest.raises(ConfigError) as info:
        settings.digest("zzz")
    assert info.value.message == "no digest named 'zzz' (configured: daily)"
    assert info.value.hint is None


# --- validation errors, each with its message, location and hint ---------------------------


class Bad(NamedTuple):
    """A config file and the error it must produce."""

    text: str
    message: str  # the start of the message
    line_col: tuple[int, int]
    hint: str  # a part of the hint


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param(
            Bad(
                '[log]\nlevel = "INFO\n',
                "invalid TOML: illegal character",
                (2, 14),
                "strings need quotes",
            ),
            id="toml-syntax",
        ),
        pytest.param(
            Bad(
                "[log]\nlevel = INFO\n",
                "invalid TOML: invalid value",
                (2, 9),
                "strings need quotes",
            ),
            id="toml-unquoted",
        ),
        pytest.param(
            Bad(
                '[log]\nlevel = "INFO"\nlevel = "DEBUG"\n',
                "invalid TOML: cannot overwrite a value",
                (3, 16),
                "only once",
            ),
            id="toml-duplicate-key",
        ),
        pytest.param(
            Bad(
                "[paths]\n\n[databse]\n",
                "unknown table [databse]",
                (3, 2),
                "did you mean 'database'?",
            ),
            id="unknown-table",
        ),
        pytest.param(
            Bad(
                '[paths]\ninbox = "in"\n  inbx = "x"\n',
                "unknown key 'inbx' in [paths]",
                (3, 3),
                "did you mean 'inbox'?",
            ),
            id="unknown-key",
        ),
        pytest.param(
            Bad(
                "[ingest]\nzzz = 1\n",
                "unknown key 'zzz' in [ingest]",
                (2, 1),
                "[ingest] takes settle_seconds",
            ),
            id="unknown-key-no-close-match",
        ),
        pytest.param(
            Bad(
                'level = "INFO"\n',
                "key 'level' outside any table",
                (1, 1),
                "move it under [log]",
            ),
            id="key-outside-table",
        ),
        pytest.param(
            Bad(
                'log = "INFO"\n',
                "log must be a table, not a string",
                (1, 1),
                "[log]",
            ),
            id="section-not-a-table",
        ),
        pytest.param(
            Bad(
                "[database]\nurl = 5\n",
                "database.url: expected a string, got an integer",
                (2, 7),
                'e.g. "sqlite:///data/watcher.db"',
            ),
            id="wrong-type-string",
        ),
        pytest.param(
            Bad(
                '[database]\nurl = "watcher.db"\n',
                "database.url: not a database URL: 'watcher.db'",
                (2, 7),
                "sqlite:///data/watcher.db",
            ),
            id="not-a-url",
        ),
        pytest.param(
            Bad(
                '[paths]\ninbox = ""\n',
                "paths.inbox: must not be empty",
                (2, 9),
                "inbox",
            ),
            id="empty-path",
        ),
        pytest.param(
            Bad(
                '[ingest]\nsettle_seconds = "2"\n',
                "ingest.settle_seconds: expected a number, got a string",
                (2, 18),
                "without quotes",
            ),
            id="wrong-type-number",
        ),
        pytest.param(
            Bad(
                "[ingest]\nsettle_seconds = true\n",
                "ingest.settle_seconds: expected a number, got a boolean",
                (2, 18),
                "without quotes",
            ),
            id="bool-is-not-a-number",
        ),
        pytest.param(
            Bad(
                "[ingest]\nsettle_seconds = -0.5\n",
                "ingest.settle_seconds: must not be negative, got -0.5",
                (2, 18),
                "use 0",
            ),
            id="settle-negative",
        ),
        pytest.param(
            Bad(
                "[ingest]\nsettle_seconds = inf\n",
                "ingest.settle_seconds: must be a finite number of seconds, got inf",
                (2, 18),
                "1.5",
            ),
            id="settle-infinite",
        ),
        pytest.param(
            Bad(
                '[log]\nlevel = "LOUD"\n',
                "log.level: unknown log level 'LOUD'",
                (2, 9),
                "use one of DEBUG, INFO, WARNING, ERROR, CRITICAL",
            ),
            id="log-level",
        ),
        pytest.param(
            Bad(
                '[log]\nlevel = "warn"\n',
                "log.level: unknown log level 'warn'",
                (2, 9),
                "did you mean 'WARNING'?",
            ),
            id="log-level-close",
        ),
        pytest.param(
            Bad(
                '[digests.daily]\nschedule = "0 7 * *"\n',
                "digests.daily.schedule: a cron schedule needs 5 fields, got 4 in '0 7 * *'",
                (2, 12),
                "minute hour day-of-month month day-of-week",
            ),
            id="cron-field-count",
        ),
        pytest.param(
            Bad(
                '[digests.daily]\nschedule = "0 24 * * *"\n',
                "digests.daily.schedule: hour 24 is out of range 0-23",
                (2, 12),
                "minute hour",
            ),
            id="cron-hour-range",
        ),
        pytest.param(
            Bad(
                '[digests.daily]\nschedule = "60 7 * * *"\n',
                "digests.daily.schedule: minute 60 is out of range 0-59",
                (2, 12),
                "minute hour",
            ),
            id="cron-minute-range",
        ),
        pytest.param(
            Bad(
                '[digests.daily]\nschedule = "0 7 0 * *"\n',
                "digests.daily.schedule: day of month 0 is out of range 1-31",
                (2, 12),
                "minute hour",
            ),
            id="cron-day-range",
        ),
        pytest.param(
            Bad(
                '[digests.daily]\nschedule = "0 7 1 13 *"\n',
                "digests.daily.schedule: month 13 is out of range 1-12",
                (2, 12),
                "minute hour",
            ),
            id="cron-month-range",
        ),
        pytest.param(
            Bad(
                '[digests.daily]\nschedule = "0 7 * * 8"\n',
                "digests.daily.schedule: day of week 8 is out of range 0-7",
                (2, 12),
                "minute hour",
            ),
            id="cron-weekday-range",
        ),
        pytest.param(
            Bad(
                '[digests.daily]\nschedule = "0 7 * * monday"\n',
                "digests.daily.schedule: day of week 'monday' is not valid "
                "(expected 0-7 or sun-sat)",
                (2, 12),
                "minute hour",
            ),
            id="cron-bad-name",
        ),
        pytest.param(
            Bad(
                '[digests.daily]\nschedule = "0 7 * jan-xyz *"\n',
                "digests.daily.schedule: month 'jan-xyz' is not valid (expected 1-12 or jan-dec)",
                (2, 12),
                "minute hour",
            ),
            id="cron-bad-month-range",
        ),
        pytest.param(
            Bad(
                '[digests.daily]\nschedule = "0 9-5 * * *"\n',
                "digests.daily.schedule: hour range '9-5' runs backwards",
                (2, 12),
                "minute hour",
            ),
            id="cron-backwards",
        ),
        pytest.param(
            Bad(
                '[digests.daily]\nschedule = "*/0 7 * * *"\n',
                "digests.daily.schedule: minute step in '*/0' must be a positive number",
                (2, 12),
                "minute hour",
            ),
            id="cron-step-zero",
        ),
        pytest.param(
            Bad(
                '[digests.daily]\nschedule = "0 7,,8 * * *"\n',
                "digests.daily.schedule: hour '' is not valid (expected 0-23)",
                (2, 12),
                "minute hour",
            ),
            id="cron-empty-list-item",
        ),
        pytest.param(
            Bad(
                '[digests.daily]\ntimezone = "Mars/Olympus"\n',
                "digests.daily.timezone: unknown time zone 'Mars/Olympus'",
                (2, 12),
                "use an IANA name such as Europe/Minsk",
            ),
            id="timezone",
        ),
        pytest.param(
            Bad(
                '[digests.daily]\ntimezone = "Europe/Minks"\n',
                "digests.daily.timezone: unknown time zone 'Europe/Minks'",
                (2, 12),
                "did you mean 'Europe/Minsk'?",
            ),
            id="timezone-typo",
        ),
        pytest.param(
            Bad(
                '[digests.daily]\ntimezone = "../../etc/passwd"\n',
                "digests.daily.timezone: unknown time zone '../../etc/passwd'",
                (2, 12),
                "IANA",
            ),
            id="timezone-path",
        ),
        pytest.param(
            Bad(
                '[digests.daily]\nformat = "html"\n',
                "digests.daily.format: unknown digest format 'html'",
                (2, 10),
                "supported: markdown",
            ),
            id="format",
        ),
        pytest.param(
            Bad(
                '[digests.daily]\nformat = "Markdown"\n',
                "digests.daily.format: unknown digest format 'Markdown'",
                (2, 10),
                "did you mean 'markdown'?",
            ),
            id="format-case",
        ),
        pytest.param(
            Bad(
                '[digests."Morning Brief"]\n',
                "invalid digest name 'Morning Brief'",
                (1, 2),
                "lowercase letters",
            ),
            id="digest-name",
        ),
        pytest.param(
            Bad(
                "[digests]\ndaily = 1\n",
                "digests.daily must be a table, not an integer",
                (2, 1),
                "[digests.daily]",
            ),
            id="digest-not-a-table",
        ),
        pytest.param(
            Bad(
                'digests = "daily"\n',
                "digests must be a table, not a string",
                (1, 1),
                "[digests.<name>]",
            ),
            id="digests-not-a-table",
        ),
        pytest.param(
            Bad(
                '[digests.daily]\nshedule = "0 7 * * *"\n',
                "unknown key 'shedule' in [digests.daily]",
                (2, 1),
                "did you mean 'schedule'?",
            ),
            id="digest-unknown-key",
        ),
    ],
)
def test_validation_error(conf_dir, cwd, bad):
    error = load_error(conf_dir, cwd, bad.text)

    assert error.message.startswith(bad.message)
    assert error.location is not None
    assert error.location.path == str(conf_dir / CONFIG_FILENAME)
    assert (error.location.line, error.location.col) == bad.line_col
    assert error.hint is not None
    assert bad.hint in error.hint


def test_error_points_at_the_key_in_the_right_table(conf_dir, cwd):
    text = (
        "[digests.first]\n"
        'format = "markdown"\n'
        "\n"
        "[digests.second]\n"
        'timezone = "UTC"\n'
        '    format = "pdf"\n'
    )

    error = load_error(conf_dir, cwd, text)

    assert str(error) == (
        f"{conf_dir / CONFIG_FILENAME}:6:14: digests.second.format: unknown digest format 'pdf'"
        " (supported: markdown)"
    )


def test_error_inside_dotted_keys_and_inline_tables_is_located(conf_dir, cwd):
    dotted = load_error(conf_dir, cwd, '[digests]\nweekly.timezone = "Nowhere"\n')
    inline = load_error(conf_dir, cwd, '[digests]\n\nweekly = { format = "pdf" }\n')

    assert dotted.location is not None
    assert (dotted.location.line, dotted.location.col) == (2, 19)
    assert inline.location is not None
    assert inline.location.line == 3  # the inline table's line: close enough


def test_unknown_table_lists_the_known_ones_without_a_close_match(conf_dir, cwd):
    error = load_error(conf_dir, cwd, "[smtp]\nhost = 1\n")

    assert error.hint == "known tables: database, paths, ingest, log, digests"


def test_file_that_is_not_utf8_is_an_error(conf_dir, cwd):
    path = conf_dir / CONFIG_FILENAME
    path.write_bytes(b'[log]\nlevel = "\xff"\n')

    with pytest.raises(ConfigError) as info:
        load_settings(path, env={}, cwd=cwd)

    assert info.value.message == "config file is not valid UTF-8"
    assert info.value.location is not None
    assert info.value.location.line == 2


# --- cron -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "schedule",
    [
        "0 7 * * *",
        "*/15 * * * *",
        "0,30 8-18 * * mon-fri",
        "0 9 1,15 * *",
        "0 7 * jan-mar,dec 0",
        "0 7 * * 7",
        "0 7 * * fri-sun",
        "5/10 0-23/2 */3 * SUN",
    ],
)
def test_valid_cron_schedules_are_accepted(conf_dir, cwd, schedule):
    settings = load(conf_dir, cwd, f'[digests.daily]\nschedule = "{schedule}"\n')

    assert settings.digest("daily").schedule == schedule


def test_cron_fields_spell_out_weekdays_by_name():
    # APScheduler 3 counts weekdays from Monday = 0; names avoid the mismatch.
    assert cron_fields("0 7 * * 0") == {
        "minute": "0",
        "hour": "7",
        "day": "*",
        "month": "*",
        "day_of_week": "sun",
    }
    assert cron_fields("*/20 9-11 1,15 jan-mar fri-sun")["day_of_week"] == "sun,fri,sat"
    assert cron_fields("*/20 9-11 1,15 jan-mar 1-5") == {
        "minute": "0,20,40",
        "hour": "9,10,11",
        "day": "1,15",
        "month": "1,2,3",
        "day_of_week": "mon,tue,wed,thu,fri",
    }


# --- documentation ------------------------------------------------------------------------


def test_every_key_and_variable_is_documented():
    docs = (REPO / "docs" / "configuration.md").read_text(encoding="utf-8")
    names = [
        (f"{section}.{key}", f"WATCHER_{section}_{key}".upper())
        for section, keys in SECTION_DEFAULTS.items()
        for key in keys
    ]
    names += [
        (f"digests.<name>.{key}", f"WATCHER_DIGESTS_<NAME>_{key.upper()}")
        for key in DIGEST_DEFAULTS
    ]

    missing = [
        name for pair in names for name in pair if not re.search(rf"`{re.escape(name)}`", docs)
    ]

    assert missing == []
    assert "`WATCHER_CONFIG`" in docs
