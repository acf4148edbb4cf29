"""Crash points for the crash tests: nothing happens unless a test asks for it.

The crash tests start the real daemon with ``WATCHER_TEST_CRASH_AT=<point>``
and expect it to die there with SIGKILL, as a power cut would; after a restart
no document may be lost or doubled. Without the variable this is one
dictionary look-up.
"""

from __future__ import annotations

import os
import signal

CRASH_ENV = "WATCHER_TEST_CRASH_AT"
POINTS = (
    "after-match",
    "in-transaction",
    "after-commit",
    "digest-claimed",
    "digest-written",
    "digest-rendered",
    "digest-sent",
    "alert-recorded",
    "alert-sent",
)


def crash_point(name: str) -> None:
    """Die here, at once and uncleanly, if the crash test named this point."""
    if os.environ.get(CRASH_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)
