"""Durations as people type them on a command line: ``90m``, ``24h``, ``7d``, ``1d12h``."""

from __future__ import annotations

import re
from datetime import timedelta

_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(w|d|h|m|s)", re.IGNORECASE)
_UNITS = {"w": "weeks", "d": "days", "h": "hours", "m": "minutes", "s": "seconds"}


def parse_duration(text: str) -> timedelta:
    """Parse ``text`` such as ``36h`` or ``1d12h``; raise ValueError with the reason."""
    compact = text.strip()
    parts = list(_PART.finditer(compact))
    if not compact or "".join(p.group(0) for p in parts).replace(" ", "") != compact.replace(
        " ", ""
    ):
        raise ValueError(
            f"not a duration: {text!r} (use a number and a unit: 30m, 24h, 7d, 2w, 1d12h)"
        )
    total = timedelta()
    try:
        for part in parts:
            total += timedelta(**{_UNITS[part.group(2).lower()]: float(part.group(1))})
    except OverflowError:
        raise ValueError(f"duration too long: {text!r}") from None
    return total
