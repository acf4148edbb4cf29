"""The running daemon's health, in a small JSON file that ``watcher status`` reads.

The daemon rewrites it every few seconds (atomically); a file whose process is
gone, or that has not been refreshed for a while, means the daemon is down.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

STATUS_FILE = "daemon.json"
REFRESH_SECONDS = 5.0
STALE_AFTER = timedelta(seconds=60)


@dataclass(frozen=True, slots=True)
class DaemonStatus:
    """A snapshot of the daemon, as ``watcher status`` shows it."""

    pid: int
    started_at: str
    updated_at: str
    inbox: str
    observer_healthy: bool
    pending: int
    last_scan_at: str | None
    overflows: int
    rules_version: str
    watchlists: int

    def running(self, now: datetime | None = None) -> bool:
        """True when the process is alive and the file was refreshed lately."""
        now = now or datetime.now(UTC)
        fresh = now - datetime.fromisoformat(self.updated_at) < STALE_AFTER
        return fresh and _alive(self.pid)


def status_path(state_dir: Path) -> Path:
    return state_dir / STATUS_FILE


def write_status(path: Path, status: DaemonStatus) -> None:
    """Replace the status file in one step, so a reader never sees half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(json.dumps(asdict(status), indent=2), encoding="utf-8")
    os.replace(temporary, path)


def read_status(path: Path) -> DaemonStatus | None:
    """The last status the daemon wrote, or None when there is none to read."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return DaemonStatus(**data)
    except (OSError, ValueError, TypeError):
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, but belongs to someone else
    return True
