"""watcher.toml + WATCHER_* variables -> Settings: defaults, overrides, and every error."""

from __future__ import annotations

import dataclasses
import re
from datetime import timedelta
from pathlib import Path
from typing import NamedTuple

import pytest

from watcher.errors import ConfigError
from watcher.model import Severity
from watcher.settings import (
    CONFIG_FILENAME,
    DIGEST_DEFAULTS,
    DIGEST_FORMATS,
    SECTION_DEFAULTS,
    AlertSettings,
    DigestSettings,
    Settings,
    SmtpSettings,
    StorySettings,
    cron_fields,
    find_config,
    load_settings,
)
from watcher.stories import DEFAULT_MIN_SIMILARITY

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
                "supported: markdown, email",
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
        " (supported: markdown, email)"
    )


def test_error_inside_dotted_keys_and_inline_tables_is_located(conf_dir, cwd):
    dotted = load_error(conf_dir, cwd, '[digests]\nweekly.timezone = "Nowhere"\n')
    inline = load_error(conf_dir, cwd, '[digests]\n\nweekly = { format = "pdf" }\n')

    assert dotted.location is not None
    assert (dotted.location.line, dotted.location.col) == (2, 19)
    assert inline.location is not None
    assert inline.location.line == 3  # the inline table's line: close enough


def test_unknown_table_lists_the_known_ones_without_a_close_match(conf_dir, cwd):
    error = load_error(conf_dir, cwd, "[zzz]\nhost = 1\n")

    assert error.hint == (
        "known tables: database, paths, ingest, log, smtp, alerts, stories, digests"
    )


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


# --- delivery: [smtp], email digests, digest filters, [alerts], [stories] ----------------


SMTP = '[smtp]\nhost = "mail.example.org"\nsender = "watcher@example.org"\n'


def assert_at(error: ConfigError, conf_dir: Path, line: int, col: int) -> None:
    assert error.location is not None
    assert error.location.path == str(conf_dir / CONFIG_FILENAME)
    assert (error.location.line, error.location.col) == (line, col)


def test_delivery_defaults(conf_dir, cwd):
    settings = load(conf_dir, cwd, "")

    assert settings.smtp is None
    assert settings.alerts == AlertSettings(folder=conf_dir / "alerts")
    assert settings.alerts.min_severity is None
    assert settings.alerts.realert == timedelta(hours=6)
    assert settings.stories == StorySettings()
    assert settings.stories.min_similarity == DEFAULT_MIN_SIMILARITY
    digest = settings.digest("daily")
    assert digest == DigestSettings("daily", "0 7 * * *", "UTC", "markdown")
    assert (digest.recipients, digest.folder, digest.watchlists, digest.tags) == ((), None, (), ())
    assert (digest.min_severity, digest.skip_empty) == (Severity.LOW, False)
    assert settings.digest_folder(digest) == conf_dir / "digests"


def test_every_delivery_key_is_in_the_schema():
    assert set(SECTION_DEFAULTS["smtp"]) == {
        "host",
        "port",
        "security",
        "username",
        "password_env",
        "sender",
        "timeout",
    }
    assert set(SECTION_DEFAULTS["alerts"]) == {
        "min_severity",
        "recipients",
        "folder",
        "realert",
        "timezone",
    }
    assert set(SECTION_DEFAULTS["stories"]) == {"window", "min_similarity", "min_shared"}
    assert set(DIGEST_DEFAULTS) >= {
        "recipients",
        "folder",
        "watchlists",
        "tags",
        "min_severity",
        "skip_empty",
    }
    assert "email" in DIGEST_FORMATS


def test_smtp_every_key(conf_dir, cwd):
    settings = load(
        conf_dir,
        cwd,
        "[smtp]\n"
        'host = "mail.example.org"\n'
        "port = 465\n"
        'security = "TLS"\n'
        'username = "watcher"\n'
        'password_env = "MAIL_SECRET"\n'
        'sender = " desk@example.org "\n'
        "timeout = 12.5\n",
        {"MAIL_SECRET": "s3cr3t-pw"},
    )

    assert settings.smtp == SmtpSettings(
        host="mail.example.org",
        port=465,
        security="tls",
        username="watcher",
        password="s3cr3t-pw",
        sender="desk@example.org",
        timeout=12.5,
    )


def test_empty_smtp_table_takes_the_defaults(conf_dir, cwd):
    smtp = load(conf_dir, cwd, "[smtp]\n").smtp

    assert smtp == SmtpSettings()
    assert smtp is not None
    assert smtp.password is None
    assert SECTION_DEFAULTS["smtp"]["timeout"] == SmtpSettings().timeout


def test_smtp_from_the_environment_alone(conf_dir, cwd):
    settings = load(
        conf_dir,
        cwd,
        "",
        {
            "WATCHER_SMTP_HOST": "relay.example.org",
            "WATCHER_SMTP_PORT": "25",
            "WATCHER_SMTP_SECURITY": "none",
            "WATCHER_SMTP_TIMEOUT": "5",
        },
    )

    assert settings.smtp == SmtpSettings(
        host="relay.example.org", port=25, security="none", timeout=5.0
    )


def test_password_variable_alone_configures_no_smtp_and_is_not_rejected(conf_dir, cwd):
    settings = load(conf_dir, cwd, "", {"WATCHER_SMTP_PASSWORD": "pw"})

    assert settings.smtp is None


def test_password_from_the_default_variable(conf_dir, cwd):
    settings = load(
        conf_dir, cwd, SMTP + 'username = "watcher"\n', {"WATCHER_SMTP_PASSWORD": "pw-123"}
    )

    assert settings.smtp is not None
    assert settings.smtp.password == "pw-123"


@pytest.mark.parametrize("password_env", ["WATCHER_SMTP_SECRET", "WATCHER_SMTP_PASS"])
def test_password_variable_named_by_password_env_is_not_an_unknown_variable(
    conf_dir, cwd, password_env
):
    settings = load(
        conf_dir,
        cwd,
        SMTP + f'username = "watcher"\npassword_env = "{password_env}"\n',
        {password_env: "pw-123", "WATCHER_SMTP_PASSWORD": "not this one"},
    )

    assert settings.smtp is not None
    assert settings.smtp.password == "pw-123"


def test_password_env_overridden_from_the_environment(conf_dir, cwd):
    settings = load(
        conf_dir,
        cwd,
        SMTP + 'username = "watcher"\n',
        {"WATCHER_SMTP_PASSWORD_ENV": "WATCHER_SMTP_KEY", "WATCHER_SMTP_KEY": "pw-123"},
    )

    assert settings.smtp is not None
    assert settings.smtp.password == "pw-123"


@pytest.mark.parametrize("env", [{}, {"WATCHER_SMTP_PASSWORD": ""}])
def test_username_without_password_is_an_error_naming_the_variable(conf_dir, cwd, env):
    error = load_error(conf_dir, cwd, SMTP + 'username = "watcher"\n', env)

    assert error.message == (
        "smtp.username: a username is set, but the environment variable WATCHER_SMTP_PASSWORD "
        "that should hold the password is unset or empty"
    )
    assert_at(error, conf_dir, 4, 12)
    assert error.hint == "set WATCHER_SMTP_PASSWORD to the SMTP password, or remove the username"


def test_username_without_password_names_the_configured_variable(conf_dir, cwd):
    error = load_error(
        conf_dir,
        cwd,
        SMTP + 'username = "watcher"\npassword_env = "MAIL_SECRET"\n',
        {"WATCHER_SMTP_PASSWORD": "wrong variable"},
    )

    assert "MAIL_SECRET" in error.message


def test_password_never_shows(conf_dir, cwd):
    password = "Pa55-w0rd-never-shown"
    env = {"WATCHER_SMTP_PASSWORD": password}
    text = SMTP + 'username = "watcher"\n'
    settings = load(conf_dir, cwd, text, env)

    assert settings.smtp is not None
    assert settings.smtp.password == password
    assert password not in repr(settings)
    assert password not in str(settings)
    assert password not in repr(settings.smtp)
    for broken in ("port = 0\n", 'security = "none"\n', 'sender = "x"\n', "[alerts]\nx = 1\n"):
        error = load_error(conf_dir, cwd, text + broken, env)
        assert password not in str(error)
        assert password not in repr(error.args)


def test_username_with_security_none_is_an_error(conf_dir, cwd):
    error = load_error(
        conf_dir,
        cwd,
        SMTP + 'username = "watcher"\nsecurity = "none"\n',
        {"WATCHER_SMTP_PASSWORD": "pw"},
    )

    assert error.message == 'smtp.security: "none" would send the SMTP password unencrypted'
    assert_at(error, conf_dir, 5, 12)


def test_email_digest(conf_dir, cwd):
    settings = load(
        conf_dir,
        cwd,
        SMTP + "[digests.morning]\n"
        'format = "email"\n'
        'recipients = ["analyst@example.org", " desk@example.org", "analyst@example.org"]\n',
    )

    digest = settings.digest("morning")
    assert digest.format == "email"
    assert digest.recipients == ("analyst@example.org", "desk@example.org")


def test_digest_filters_and_folder(conf_dir, cwd):
    settings = load(
        conf_dir,
        cwd,
        "[digests.morning]\n"
        'folder = "digests/morning"\n'
        'watchlists = ["defence-ministers", "sco", "defence-ministers"]\n'
        'tags = ["sco", " Asia "]\n'
        'min_severity = "Medium"\n'
        "skip_empty = true\n"
        "[digests.evening]\n"
        'folder = ""\n',
    )

    morning = settings.digest("morning")
    assert morning.folder == conf_dir / "digests" / "morning"
    assert settings.digest_folder(morning) == conf_dir / "digests" / "morning"
    assert morning.watchlists == ("defence-ministers", "sco")
    assert morning.tags == ("sco", "Asia")
    assert morning.min_severity is Severity.MEDIUM
    assert morning.skip_empty is True
    assert settings.digest("evening").folder is None


def test_digest_delivery_from_the_environment(conf_dir, cwd):
    settings = load(
        conf_dir,
        cwd,
        SMTP + '[digests.morning-brief]\nformat = "email"\nrecipients = ["a@example.org"]\n',
        {
            "WATCHER_DIGESTS_MORNING_BRIEF_RECIPIENTS": "b@x.org, c@x.org,,b@x.org",
            "WATCHER_DIGESTS_MORNING_BRIEF_WATCHLISTS": "defence-ministers,sco",
            "WATCHER_DIGESTS_MORNING_BRIEF_TAGS": "sco",
            "WATCHER_DIGESTS_MORNING_BRIEF_MIN_SEVERITY": "high",
            "WATCHER_DIGESTS_MORNING_BRIEF_SKIP_EMPTY": "yes",
            "WATCHER_DIGESTS_MORNING_BRIEF_FOLDER": "out",
        },
    )

    digest = settings.digest("morning-brief")
    assert digest.recipients == ("b@x.org", "c@x.org")
    assert digest.watchlists == ("defence-ministers", "sco")
    assert digest.tags == ("sco",)
    assert digest.min_severity is Severity.HIGH
    assert digest.skip_empty is True
    assert digest.folder == conf_dir / "out"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("true", True), ("1", True), ("YES", True), ("false", False), ("0", False), ("No", False)],
)
def test_env_booleans(conf_dir, cwd, value, expected):
    settings = load(
        conf_dir,
        cwd,
        "[digests.daily]\nskip_empty = true\n",
        {"WATCHER_DIGESTS_DAILY_SKIP_EMPTY": value},
    )

    assert settings.digest("daily").skip_empty is expected


def test_env_boolean_that_is_not_one_names_the_variable(conf_dir, cwd):
    error = load_error(conf_dir, cwd, "", {"WATCHER_DIGESTS_DAILY_SKIP_EMPTY": "maybe"})

    assert error.message == "WATCHER_DIGESTS_DAILY_SKIP_EMPTY: expected true or false, got 'maybe'"
    assert error.location is None
    assert error.hint == "use true/false, 1/0 or yes/no"


def test_env_recipient_that_is_not_an_address_names_the_variable(conf_dir, cwd):
    error = load_error(
        conf_dir,
        cwd,
        SMTP + '[digests.daily]\nformat = "email"\nrecipients = ["a@example.org"]\n',
        {"WATCHER_DIGESTS_DAILY_RECIPIENTS": "a@example.org,nobody"},
    )

    assert error.message == (
        "WATCHER_DIGESTS_DAILY_RECIPIENTS: 'nobody' is not an email address: "
        "it needs exactly one '@'"
    )
    assert error.location is None


def test_env_for_a_two_word_digest_key_of_an_unknown_digest(conf_dir, cwd):
    error = load_error(conf_dir, cwd, "", {"WATCHER_DIGESTS_WEEKLY_MIN_SEVERITY": "high"})

    assert error.message == (
        "WATCHER_DIGESTS_WEEKLY_MIN_SEVERITY: no digest named 'weekly' is configured"
    )


def test_unknown_smtp_variable_is_an_error(conf_dir, cwd):
    error = load_error(conf_dir, cwd, "", {"WATCHER_SMTP_HOTS": "x"})

    assert error.message == "unknown environment variable WATCHER_SMTP_HOTS"
    assert error.hint == "did you mean 'WATCHER_SMTP_HOST'?"


def test_email_digest_with_smtp_only_from_the_environment(conf_dir, cwd):
    settings = load(
        conf_dir,
        cwd,
        '[digests.daily]\nformat = "email"\nrecipients = ["a@example.org"]\n',
        {"WATCHER_SMTP_HOST": "mail.example.org"},
    )

    assert settings.smtp is not None
    assert settings.digest("daily").recipients == ("a@example.org",)


def test_bad_recipient_in_a_multi_line_array_is_located(conf_dir, cwd):
    error = load_error(
        conf_dir,
        cwd,
        SMTP + "[digests.daily]\n"
        'format = "email"\n'
        "recipients = [\n"
        '    "a@example.org",  # the desk, [not] "a list"\n'
        '    \'b@example.org\', """c@example.org""",\n'
        '    "Analyst <d@example.org>",\n'
        "]\n",
    )

    assert error.message == (
        "digests.daily.recipients[3]: 'Analyst <d@example.org>' is not an email address: "
        "it contains spaces or control characters"
    )
    assert_at(error, conf_dir, 9, 5)


def test_bad_item_in_an_inline_table_falls_back_to_its_line(conf_dir, cwd):
    error = load_error(conf_dir, cwd, '[digests]\ndaily = { tags = ["sco", ""] }\n')

    assert error.message.startswith("digests.daily.tags[1]: must not be empty")
    assert error.location is not None
    assert error.location.line == 2


def test_alerts_every_key(conf_dir, cwd):
    settings = load(
        conf_dir,
        cwd,
        SMTP + "[alerts]\n"
        'min_severity = "high"\n'
        'recipients = ["duty@example.org", "duty@example.org"]\n'
        'folder = "out/alerts"\n'
        'realert = "1d12h"\n',
    )

    assert settings.alerts == AlertSettings(
        min_severity=Severity.HIGH,
        recipients=("duty@example.org",),
        folder=conf_dir / "out" / "alerts",
        realert=timedelta(days=1, hours=12),
    )


@pytest.mark.parametrize(("value", "expected"), [('""', None), ('"off"', None), ('"low"', "low")])
def test_alerts_min_severity(conf_dir, cwd, value, expected):
    settings = load(conf_dir, cwd, f"[alerts]\nmin_severity = {value}\n")

    assert settings.alerts.min_severity == (Severity(expected) if expected else None)


def test_alerts_folder_empty_means_no_files(conf_dir, cwd):
    assert load(conf_dir, cwd, '[alerts]\nfolder = ""\n').alerts.folder is None


def test_alerts_from_the_environment(conf_dir, cwd):
    settings = load(
        conf_dir,
        cwd,
        SMTP + '[alerts]\nmin_severity = "medium"\n',
        {
            "WATCHER_ALERTS_MIN_SEVERITY": "off",
            "WATCHER_ALERTS_RECIPIENTS": "duty@example.org,desk@example.org",
            "WATCHER_ALERTS_REALERT": "90m",
            "WATCHER_ALERTS_FOLDER": "/srv/alerts",
        },
    )

    assert settings.alerts == AlertSettings(
        min_severity=None,
        recipients=("duty@example.org", "desk@example.org"),
        folder=Path("/srv/alerts"),
        realert=timedelta(minutes=90),
    )


def test_env_duration_that_is_not_one_names_the_variable(conf_dir, cwd):
    error = load_error(conf_dir, cwd, "", {"WATCHER_ALERTS_REALERT": "often"})

    assert error.message.startswith("WATCHER_ALERTS_REALERT: not a duration: 'often'")
    assert error.location is None


def test_stories_every_key(conf_dir, cwd):
    settings = load(
        conf_dir, cwd, '[stories]\nwindow = "36h"\nmin_similarity = 0.5\nmin_shared = 2\n'
    )

    assert settings.stories == StorySettings(timedelta(hours=36), 0.5, 2)


def test_stories_from_the_environment(conf_dir, cwd):
    settings = load(
        conf_dir,
        cwd,
        "",
        {
            "WATCHER_STORIES_WINDOW": "12h",
            "WATCHER_STORIES_MIN_SIMILARITY": "1",
            "WATCHER_STORIES_MIN_SHARED": "3",
        },
    )

    assert settings.stories == StorySettings(timedelta(hours=12), 1.0, 3)


def test_env_integer_that_is_not_one_names_the_variable(conf_dir, cwd):
    error = load_error(conf_dir, cwd, "", {"WATCHER_STORIES_MIN_SHARED": "two"})

    assert error.message == "WATCHER_STORIES_MIN_SHARED: expected a whole number, got 'two'"
    assert error.location is None


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param(
            Bad(
                "[smtp]\nhots = 'x'\n",
                "unknown key 'hots' in [smtp]",
                (2, 1),
                "did you mean 'host'?",
            ),
            id="smtp-unknown-key",
        ),
        pytest.param(
            Bad(
                "[smtp]\n\npassword = 'hunter2'\n",
                "unknown key 'password' in [smtp]: the password does not belong in the file",
                (3, 1),
                "WATCHER_SMTP_PASSWORD",
            ),
            id="smtp-password-in-file",
        ),
        pytest.param(
            Bad('smtp = "x"\n', "smtp must be a table, not a string", (1, 1), "[smtp]"),
            id="smtp-not-a-table",
        ),
        pytest.param(
            Bad('host = "x"\n', "key 'host' outside any table", (1, 1), "move it under [smtp]"),
            id="smtp-key-outside",
        ),
        pytest.param(
            Bad('[smtp]\nhost = ""\n', "smtp.host: must not be empty", (2, 8), "e.g."),
            id="smtp-host-empty",
        ),
        pytest.param(
            Bad(
                '[smtp]\nhost = "smtp example.org"\n',
                "smtp.host: 'smtp example.org' is not a host name",
                (2, 8),
                "smtp.example.org",
            ),
            id="smtp-host-space",
        ),
        pytest.param(
            Bad(
                '[smtp]\nport = "587"\n',
                "smtp.port: expected an integer, got a string",
                (2, 8),
                "without quotes",
            ),
            id="smtp-port-string",
        ),
        pytest.param(
            Bad(
                "[smtp]\nport = 58.7\n",
                "smtp.port: expected an integer, got a float",
                (2, 8),
                "whole number",
            ),
            id="smtp-port-float",
        ),
        pytest.param(
            Bad("[smtp]\nport = 0\n", "smtp.port: must be from 1 to 65535, got 0", (2, 8), "587"),
            id="smtp-port-zero",
        ),
        pytest.param(
            Bad(
                "[smtp]\nport = 70000\n",
                "smtp.port: must be from 1 to 65535, got 70000",
                (2, 8),
                "587",
            ),
            id="smtp-port-high",
        ),
        pytest.param(
            Bad(
                '[smtp]\nsecurity = "startls"\n',
                "smtp.security: unknown SMTP security 'startls'",
                (2, 12),
                "did you mean 'starttls'?",
            ),
            id="smtp-security-typo",
        ),
        pytest.param(
            Bad(
                '[smtp]\nsecurity = "ssl/tls please"\n',
                "smtp.security: unknown SMTP security 'ssl/tls please'",
                (2, 12),
                "use one of starttls, tls, none",
            ),
            id="smtp-security",
        ),
        pytest.param(
            Bad(
                "[smtp]\nusername = 5\n",
                "smtp.username: expected a string, got an integer",
                (2, 12),
                "quoted string",
            ),
            id="smtp-username-type",
        ),
        pytest.param(
            Bad(
                '[smtp]\npassword_env = "my password"\n',
                "smtp.password_env: 'my password' is not an environment variable name",
                (2, 16),
                "WATCHER_SMTP_PASSWORD",
            ),
            id="smtp-password-env-name",
        ),
        pytest.param(
            Bad(
                '[smtp]\npassword_env = "WATCHER_SMTP_HOST"\n',
                "smtp.password_env: WATCHER_SMTP_HOST overrides a setting",
                (2, 16),
                "WATCHER_SMTP_PASSWORD",
            ),
            id="smtp-password-env-setting",
        ),
        pytest.param(
            Bad(
                '[smtp]\nsender = "watcher"\n',
                "smtp.sender: 'watcher' is not an email address: it needs exactly one '@'",
                (2, 10),
                "watcher@example.org",
            ),
            id="smtp-sender",
        ),
        pytest.param(
            Bad(
                '[smtp]\nsender = "<watcher@example.org>"\n',
                "smtp.sender: '<watcher@example.org>': give the bare address",
                (2, 10),
                "watcher@example.org",
            ),
            id="smtp-sender-angle",
        ),
        pytest.param(
            Bad(
                "[smtp]\ntimeout = 0\n",
                "smtp.timeout: must be more than 0 seconds, got 0",
                (2, 11),
                "positive",
            ),
            id="smtp-timeout-zero",
        ),
        pytest.param(
            Bad(
                '[smtp]\ntimeout = "30"\n',
                "smtp.timeout: expected a number, got a string",
                (2, 11),
                "without quotes",
            ),
            id="smtp-timeout-string",
        ),
        pytest.param(
            Bad(
                '[digests.daily]\nformat = "email"\nrecipients = ["a@example.org"]\n',
                "digests.daily.format: sending an email digest needs an SMTP server, "
                "but there is no [smtp] table",
                (2, 10),
                "add [smtp]",
            ),
            id="email-without-smtp",
        ),
        pytest.param(
            Bad(
                SMTP + '[digests.daily]\nformat = "email"\n',
                "digests.daily.format: an email digest needs at least one recipient",
                (5, 10),
                'recipients = ["analyst@example.org"]',
            ),
            id="email-without-recipients",
        ),
        pytest.param(
            Bad(
                SMTP + '[digests.daily]\nformat = "email"\nrecipients = []\n',
                "digests.daily.recipients: an email digest needs at least one recipient",
                (6, 14),
                "recipients = [",
            ),
            id="email-empty-recipients",
        ),
        pytest.param(
            Bad(
                '[digests.daily]\nrecipients = ["a@example.org"]\n',
                "digests.daily.recipients: recipients are for email digests; this one has format "
                '= "markdown"',
                (2, 14),
                'set format = "email"',
            ),
            id="markdown-with-recipients",
        ),
        pytest.param(
            Bad(
                SMTP + '[digests.daily]\nformat = "email"\n'
                'recipients = ["a@example.org", "analyst"]\n',
                "digests.daily.recipients[1]: 'analyst' is not an email address: "
                "it needs exactly one '@'",
                (6, 32),
                "analyst@example.org",
            ),
            id="recipient-no-at",
        ),
        pytest.param(
            Bad(
                SMTP + '[digests.daily]\nformat = "email"\n'
                'recipients = ["Analyst <a@example.org>"]\n',
                "digests.daily.recipients[0]: 'Analyst <a@example.org>' is not an email address: "
                "it contains spaces or control characters",
                (6, 15),
                "analyst@example.org",
            ),
            id="recipient-display-name",
        ),
        pytest.param(
            Bad(
                SMTP + '[digests.daily]\nformat = "email"\nrecipients = ["<a@example.org>"]\n',
                "digests.daily.recipients[0]: '<a@example.org>': give the bare address",
                (6, 15),
                "analyst@example.org",
            ),
            id="recipient-angle-brackets",
        ),
        pytest.param(
            Bad(
                SMTP + '[digests.daily]\nformat = "email"\n'
                'recipients = ["a@example.org\\r\\nBcc: x@example.org"]\n',
                "digests.daily.recipients[0]: 'a@example.org\\r\\nBcc: x@example.org' is not "
                "an email address: it contains spaces or control characters",
                (6, 15),
                "analyst@example.org",
            ),
            id="recipient-header-injection",
        ),
        pytest.param(
            Bad(
                SMTP
                + '[digests.daily]\nformat = "email"\nrecipients = ["a\\u0007b@example.org"]\n',
                "digests.daily.recipients[0]: 'a\\x07b@example.org' is not an email address: "
                "it contains spaces or control characters",
                (6, 15),
                "analyst@example.org",
            ),
            id="recipient-control-character",
        ),
        pytest.param(
            Bad(
                SMTP + '[digests.daily]\nformat = "email"\nrecipients = "a@example.org"\n',
                "digests.daily.recipients: expected an array of strings, got a string",
                (6, 14),
                'write it in brackets, e.g. ["analyst@example.org"]',
            ),
            id="recipients-not-an-array",
        ),
        pytest.param(
            Bad(
                SMTP + '[digests.daily]\nformat = "email"\nrecipients = [\n  1,\n]\n',
                "digests.daily.recipients[0]: expected a string, got an integer",
                (7, 3),
                "analyst@example.org",
            ),
            id="recipient-not-a-string",
        ),
        pytest.param(
            Bad(
                '[digests.daily]\nwatchlists = ["sco", "Defence Ministers"]\n',
                "digests.daily.watchlists[1]: 'Defence Ministers' is not a watchlist id",
                (2, 22),
                "lowercase",
            ),
            id="watchlists-bad-id",
        ),
        pytest.param(
            Bad(
                '[digests.daily]\nwatchlists = "sco"\n',
                "digests.daily.watchlists: expected an array of strings, got a string",
                (2, 14),
                "brackets",
            ),
            id="watchlists-not-an-array",
        ),
        pytest.param(
            Bad(
                '[digests.daily]\ntags = ["sco", " "]\n',
                "digests.daily.tags[1]: must not be empty",
                (2, 16),
                "sco",
            ),
            id="tags-empty-item",
        ),
        pytest.param(
            Bad(
                "[digests.daily]\ntags = [true]\n",
                "digests.daily.tags[0]: expected a string, got a boolean",
                (2, 9),
                "sco",
            ),
            id="tags-not-strings",
        ),
        pytest.param(
            Bad(
                '[digests.daily]\nmin_severity = "hihg"\n',
                "digests.daily.min_severity: unknown severity 'hihg'",
                (2, 16),
                "did you mean 'high'?",
            ),
            id="digest-severity-typo",
        ),
        pytest.param(
            Bad(
                '[digests.daily]\nmin_severity = "urgent"\n',
                "digests.daily.min_severity: unknown severity 'urgent'",
                (2, 16),
                "use one of low, medium, high",
            ),
            id="digest-severity",
        ),
        pytest.param(
            Bad(
                "[digests.daily]\nmin_severity = 2\n",
                "digests.daily.min_severity: expected a string, got an integer",
                (2, 16),
                '"medium"',
            ),
            id="digest-severity-type",
        ),
        pytest.param(
            Bad(
                '[digests.daily]\nskip_empty = "yes"\n',
                "digests.daily.skip_empty: expected a boolean, got a string",
                (2, 14),
                "true or false",
            ),
            id="skip-empty-string",
        ),
        pytest.param(
            Bad(
                "[digests.daily]\nfolder = 5\n",
                "digests.daily.folder: expected a string, got an integer",
                (2, 10),
                "folder",
            ),
            id="digest-folder-type",
        ),
        pytest.param(
            Bad(
                '[digests.daily]\nrecipient = ["a@example.org"]\n',
                "unknown key 'recipient' in [digests.daily]",
                (2, 1),
                "did you mean 'recipients'?",
            ),
            id="digest-unknown-key",
        ),
        pytest.param(
            Bad(
                '[alerts]\nmin_severity = "urgent"\n',
                "alerts.min_severity: unknown severity 'urgent'",
                (2, 16),
                'use "off" (no alerts by severity) or one of low, medium, high',
            ),
            id="alerts-severity",
        ),
        pytest.param(
            Bad(
                '[alerts]\nmin_severity = "meduim"\n',
                "alerts.min_severity: unknown severity 'meduim'",
                (2, 16),
                "did you mean 'medium'?",
            ),
            id="alerts-severity-typo",
        ),
        pytest.param(
            Bad(
                "[alerts]\nmin_severity = false\n",
                "alerts.min_severity: expected a string, got a boolean",
                (2, 16),
                '"medium"',
            ),
            id="alerts-severity-type",
        ),
        pytest.param(
            Bad(
                '[alerts]\nrecipients = ["duty@example.org"]\n',
                "alerts.recipients: sending alerts by email needs an SMTP server, "
                "but there is no [smtp] table",
                (2, 14),
                "add [smtp]",
            ),
            id="alerts-recipients-without-smtp",
        ),
        pytest.param(
            Bad(
                SMTP + '[alerts]\nrecipients = ["duty@example.org", "duty"]\n',
                "alerts.recipients[1]: 'duty' is not an email address",
                (5, 35),
                "analyst@example.org",
            ),
            id="alerts-bad-recipient",
        ),
        pytest.param(
            Bad("[alerts]\nfolder = 1\n", "alerts.folder: expected a string", (2, 10), "folder"),
            id="alerts-folder-type",
        ),
        pytest.param(
            Bad(
                '[alerts]\nrealert = "6"\n',
                "alerts.realert: not a duration: '6'",
                (2, 11),
                "units",
            ),
            id="realert-no-unit",
        ),
        pytest.param(
            Bad(
                '[alerts]\nrealert = "0h"\n',
                "alerts.realert: must be longer than 0, got '0h'",
                (2, 11),
                '"6h"',
            ),
            id="realert-zero",
        ),
        pytest.param(
            Bad(
                "[alerts]\nrealert = 6\n",
                "alerts.realert: expected a duration, got an integer",
                (2, 11),
                '"6h"',
            ),
            id="realert-number",
        ),
        pytest.param(
            Bad(
                '[alerts]\nrealart = "6h"\n',
                "unknown key 'realart' in [alerts]",
                (2, 1),
                "did you mean 'realert'?",
            ),
            id="alerts-unknown-key",
        ),
        pytest.param(
            Bad(
                'realert = "6h"\n',
                "key 'realert' outside any table",
                (1, 1),
                "move it under [alerts]",
            ),
            id="alerts-key-outside",
        ),
        pytest.param(
            Bad(
                '[stories]\nwindow = "3 days"\n',
                "stories.window: not a duration: '3 days'",
                (2, 10),
                "units",
            ),
            id="window-words",
        ),
        pytest.param(
            Bad(
                '[stories]\nwindow = "0s"\n',
                "stories.window: must be longer than 0, got '0s'",
                (2, 10),
                '"3d"',
            ),
            id="window-zero",
        ),
        pytest.param(
            Bad(
                "[stories]\nmin_similarity = 0\n",
                "stories.min_similarity: must be a fraction between 0 and 1, got 0",
                (2, 18),
                "0.9",
            ),
            id="similarity-zero",
        ),
        pytest.param(
            Bad(
                "[stories]\nmin_similarity = 1.5\n",
                "stories.min_similarity: must be a fraction between 0 and 1, got 1.5",
                (2, 18),
                "0.9",
            ),
            id="similarity-above-one",
        ),
        pytest.param(
            Bad(
                '[stories]\nmin_similarity = "0.3"\n',
                "stories.min_similarity: expected a number, got a string",
                (2, 18),
                "without quotes",
            ),
            id="similarity-string",
        ),
        pytest.param(
            Bad(
                "[stories]\nmin_shared = 0\n",
                "stories.min_shared: must be at least 1, got 0",
                (2, 14),
                "e.g. 1",
            ),
            id="min-shared-zero",
        ),
        pytest.param(
            Bad(
                "[stories]\nmin_shared = 1.5\n",
                "stories.min_shared: expected an integer, got a float",
                (2, 14),
                "whole number",
            ),
            id="min-shared-float",
        ),
        pytest.param(
            Bad(
                "[stories]\nmin_shared = true\n",
                "stories.min_shared: expected an integer, got a boolean",
                (2, 14),
                "whole number",
            ),
            id="min-shared-bool",
        ),
        pytest.param(
            Bad(
                "[stories]\nmin_similarty = 0.3\n",
                "unknown key 'min_similarty' in [stories]",
                (2, 1),
                "did you mean 'min_similarity'?",
            ),
            id="stories-unknown-key",
        ),
    ],
)
def test_delivery_validation_error(conf_dir, cwd, bad):
    error = load_error(conf_dir, cwd, bad.text)

    assert error.message.startswith(bad.message)
    assert_at(error, conf_dir, *bad.line_col)
    assert error.hint is not None
    assert bad.hint in error.hint


def test_the_full_example_in_the_docs_loads(conf_dir, cwd):
    docs = (REPO / "docs" / "configuration.md").read_text(encoding="utf-8")
    example = docs.split("## Full example", 1)[1].split("```toml\n", 1)[1].split("```", 1)[0]

    (conf_dir / "templates").mkdir()

    settings = load(conf_dir, cwd, example, {"WATCHER_SMTP_PASSWORD": "pw"})

    assert settings.smtp == SmtpSettings(username="watcher", password="pw")
    assert settings.alerts == AlertSettings(folder=conf_dir / "alerts", timezone="Europe/Minsk")
    assert settings.stories == StorySettings()
    assert settings.digests == (DigestSettings("daily", "0 7 * * *", "UTC", "markdown"),)


def test_alerts_timezone_is_an_iana_zone(tmp_path: Path) -> None:
    config = tmp_path / "watcher.toml"
    config.write_text('[alerts]\ntimezone = "Europe/Minks"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings(config, env={})
    assert str(info.value) == (
        f"{config}:2:12: alerts.timezone: unknown time zone 'Europe/Minks'"
        " (did you mean 'Europe/Minsk'?)"
    )
    config.write_text('[alerts]\ntimezone = "Asia/Tokyo"\n', encoding="utf-8")
    assert load_settings(config, env={}).alerts.timezone == "Asia/Tokyo"
