"""Settings for getting hits to people: SMTP, email digests, immediate alerts, stories.

Part of :mod:`watcher.settings`: the ``[smtp]``, ``[alerts]`` and ``[stories]``
tables, and the digest keys that decide who receives a digest and what it
holds. Each builder takes ``get(key) -> Raw`` for its table and returns a
frozen dataclass, or raises a ConfigError at the offending key.

The SMTP password is never written in the file: ``smtp.password_env`` names
the environment variable that holds it, and neither its value nor any
message derived from it appears in an error or in ``repr(Settings)``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from watcher.digest.mail import SECURITY_MODES, SmtpSettings, validate_address
from watcher.errors import ConfigError
from watcher.model import Severity
from watcher.settings_source import Raw, did_you_mean, join
from watcher.settings_values import (
    choice,
    duration,
    fraction,
    integer,
    optional_path,
    optional_text,
    positive,
    strings,
    text,
    timezone,
)
from watcher.stories import DEFAULT_MIN_SIMILARITY

__all__ = [
    "ALERT_DEFAULTS",
    "SMTP_DEFAULTS",
    "STORY_DEFAULTS",
    "AlertSettings",
    "SmtpSettings",
    "StorySettings",
]

DEFAULT_PASSWORD_ENV = "WATCHER_SMTP_PASSWORD"
SEVERITIES = tuple(s.value for s in Severity)
_OFF = ("", "off")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_WATCHLIST_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")  # as watcher.rules.schema checks them
_EXAMPLE_ADDRESS = "analyst@example.org"

Default = str | float | bool | tuple[str, ...]

SMTP_DEFAULTS: Mapping[str, Default] = {
    "host": "localhost",
    "port": 587,
    "security": "starttls",
    "username": "",
    "password_env": DEFAULT_PASSWORD_ENV,
    "sender": "watcher@example.org",
    "timeout": 30.0,
}
ALERT_DEFAULTS: Mapping[str, Default] = {
    "min_severity": "",
    "recipients": (),
    "folder": "alerts",
    "realert": "6h",
    "timezone": "UTC",
}
STORY_DEFAULTS: Mapping[str, Default] = {
    "window": "3d",
    "min_similarity": DEFAULT_MIN_SIMILARITY,
    "min_shared": 1,
}
# The digest keys this module validates; watcher.settings adds them to DIGEST_DEFAULTS.
DIGEST_DELIVERY_DEFAULTS: Mapping[str, Default] = {
    "recipients": (),
    "folder": "",
    "watchlists": (),
    "tags": (),
    "min_severity": "low",
    "skip_empty": False,
}


@dataclass(frozen=True, slots=True)
class AlertSettings:
    """``[alerts]``: which hits are sent at once, to whom, and how often again."""

    min_severity: Severity | None = None  # None: only rules with ``alert: immediate``
    recipients: tuple[str, ...] = ()
    folder: Path | None = None  # one Markdown file per alert; None: no alert files
    realert: timedelta = timedelta(hours=6)
    timezone: str = "UTC"  # the zone alerts show their times in


@dataclass(frozen=True, slots=True)
class StorySettings:
    """``[stories]``: when documents about the same event count as one story."""

    window: timedelta = timedelta(days=3)
    min_similarity: float = DEFAULT_MIN_SIMILARITY
    min_shared: int = 1


Get = Callable[[str], Raw]


def smtp_settings(get: Get, env: Mapping[str, str], setting_vars: set[str]) -> SmtpSettings:
    """``[smtp]``, with the password read from the variable ``password_env`` names.

    ``setting_vars`` are the WATCHER_* variables that override settings; the
    password may not live in one of them.
    """
    security_raw = get("security")
    security = choice(security_raw, "SMTP security", SECURITY_MODES, "starttls")
    username_raw = get("username")
    username = optional_text(username_raw, "watcher")
    password_env_raw = get("password_env")
    password_env = text(password_env_raw, DEFAULT_PASSWORD_ENV).strip()
    if not _ENV_NAME.match(password_env):
        raise password_env_raw.error(
            f"{password_env!r} is not an environment variable name",
            f"name the variable that holds the password, e.g. {DEFAULT_PASSWORD_ENV}",
        )
    if password_env in setting_vars:
        raise password_env_raw.error(
            f"{password_env} overrides a setting; it cannot hold the password",
            f"use {DEFAULT_PASSWORD_ENV}",
        )
    password = env.get(password_env) or None
    if username is not None:
        if password is None:
            raise username_raw.error(
                f"a username is set, but the environment variable {password_env} that should "
                "hold the password is unset or empty",
                f"set {password_env} to the SMTP password, or remove the username",
            )
        if security == "none":
            raise security_raw.error(
                '"none" would send the SMTP password unencrypted',
                'use "starttls" or "tls", or remove the username',
            )
    sender_raw = get("sender")
    try:
        sender = validate_address(text(sender_raw, "watcher@example.org"))
    except ValueError as exc:
        raise sender_raw.error(str(exc), "e.g. watcher@example.org") from None
    try:
        return SmtpSettings(
            host=_host(get("host")),
            port=integer(get("port"), 1, 65535, example=587),
            security=security,
            username=username,
            password=password,
            sender=sender,
            timeout=positive(get("timeout"), "seconds"),
        )
    except ValueError as exc:  # the checks above should leave nothing for SmtpSettings to reject
        raise ConfigError(f"smtp: {exc}", location=security_raw.location) from None


def alert_settings(get: Get, base_dir: Path, smtp: SmtpSettings | None) -> AlertSettings:
    """``[alerts]``; recipients need ``[smtp]``."""
    recipients_raw = get("recipients")
    found = recipients(recipients_raw)
    if found:
        require_smtp(recipients_raw, smtp, "alerts by email")
    return AlertSettings(
        min_severity=optional_severity(get("min_severity")),
        recipients=found,
        folder=optional_path(get("folder"), base_dir),
        realert=duration(get("realert"), "6h"),
        timezone=timezone(get("timezone")),
    )


def story_settings(get: Get) -> StorySettings:
    """``[stories]``."""
    return StorySettings(
        window=duration(get("window"), "3d"),
        min_similarity=fraction(get("min_similarity")),
        min_shared=integer(get("min_shared"), 1, example=1),
    )


def digest_recipients(
    format_raw: Raw, digest_format: str, raw: Raw, smtp: SmtpSettings | None
) -> tuple[str, ...]:
    """Required for an email digest, which also needs ``[smtp]``; an error for any other."""
    found = recipients(raw)
    if digest_format != "email":
        if found:
            raise raw.error(
                f'recipients are for email digests; this one has format = "{digest_format}"',
                'set format = "email", or remove the recipients',
            )
        return found
    if not found:
        where = raw if raw.location is not None or raw.from_env else format_raw
        raise where.error(
            'an email digest needs at least one recipient in "recipients"',
            f'e.g. recipients = ["{_EXAMPLE_ADDRESS}"]',
        )
    require_smtp(format_raw, smtp, "an email digest")
    return found


def require_smtp(raw: Raw, smtp: SmtpSettings | None, what: str) -> None:
    if smtp is None:
        raise raw.error(
            f"sending {what} needs an SMTP server, but there is no [smtp] table",
            "add [smtp] with host, port and sender (see docs/configuration.md)",
        )


def recipients(raw: Raw) -> tuple[str, ...]:
    """Bare email addresses, each once, in the order given."""
    found: list[str] = []
    for index, item in enumerate(strings(raw, _EXAMPLE_ADDRESS)):
        try:
            found.append(validate_address(item))
        except ValueError as exc:
            raise raw.item_error(index, str(exc), f'e.g. "{_EXAMPLE_ADDRESS}"') from None
    return tuple(dict.fromkeys(found))


def watchlist_ids(raw: Raw) -> tuple[str, ...]:
    """Watchlist ids to filter on, each once; empty: all watchlists."""
    found = strings(raw, "defence-ministers")
    for index, item in enumerate(found):
        if not _WATCHLIST_ID.match(item):
            raise raw.item_error(
                index,
                f"{item!r} is not a watchlist id",
                "ids are lowercase letters, digits, '-' and '_', as in a rule file's watchlist:",
            )
    return tuple(dict.fromkeys(found))


def tags(raw: Raw) -> tuple[str, ...]:
    """Watchlist tags to filter on, each once; empty: all."""
    return tuple(dict.fromkeys(strings(raw, "sco")))


def severity(raw: Raw) -> Severity:
    return Severity(choice(raw, "severity", SEVERITIES, "medium"))


def optional_severity(raw: Raw) -> Severity | None:
    """A severity, or None for "" or "off"."""
    if isinstance(raw.value, str):
        word = raw.value.strip().lower()
        if word in _OFF:
            return None
        if word not in SEVERITIES:
            raise raw.error(
                f"unknown severity {raw.value!r}",
                did_you_mean(word, SEVERITIES)
                or f'use "off" (no alerts by severity) or one of {join(SEVERITIES)}',
            )
    return severity(raw)


def _host(raw: Raw) -> str:
    name = text(raw, "smtp.example.org").strip()
    if any(c.isspace() or not c.isprintable() for c in name):
        raise raw.error(f"{name!r} is not a host name", "e.g. smtp.example.org")
    return name
