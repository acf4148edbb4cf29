"""Time zones and timestamps as digests show them."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from watcher.errors import DigestError


def zone(name: str) -> ZoneInfo:
    """The IANA time zone ``name``; DigestError if there is no such zone."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:  # "Europe" is a folder
        raise DigestError(
            f"unknown time zone {name!r}", hint="use an IANA name such as 'Europe/Minsk' or 'UTC'"
        ) from exc


def aware(moment: datetime) -> datetime:
    """``moment`` with a time zone; a naive datetime is taken as UTC.

    SQLite hands timestamps back without their offset; they are stored in UTC.
    """
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def local(moment: datetime, timezone: str) -> datetime:
    """``moment`` as wall-clock time in ``timezone``."""
    return aware(moment).astimezone(zone(timezone))
