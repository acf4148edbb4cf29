"""Helpers for tests that start the real ``watcher`` process."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

DEADLINE = 30.0  # generous: the machine is shared and may be slow


def watcher_command() -> list[str]:
    """The installed console script, or ``python -m watcher`` without it."""
    script = Path(sys.executable).with_name("watcher")
    return [str(script)] if script.exists() else [sys.executable, "-m", "watcher"]


def write_config(folder: Path, db_url: str, rules: Path, *, settle: float = 0.3) -> Path:
    """A watcher.toml for a fresh working folder with its own inbox and rules."""
    folder.mkdir(parents=True, exist_ok=True)
    if rules != folder / "rules":
        shutil.copytree(rules, folder / "rules")
    config = folder / "watcher.toml"
    config.write_text(
        f"""\
[database]
url = "{db_url}"
[paths]
inbox = "inbox"
rules = "rules"
digests = "digests"
[ingest]
settle_seconds = {settle}
[digests.daily]
schedule = "0 7 * * *"
timezone = "Europe/Minsk"
""",
        encoding="utf-8",
    )
    return config


def wait_for(condition: Callable[[], bool], what: str, deadline: float = DEADLINE) -> None:
    """Poll ``condition`` until it holds; fail with ``what`` after the deadline."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


class Daemon:
    """A ``watcher run`` process with its log in a file."""

    def __init__(self, config: Path, env: dict[str, str] | None = None) -> None:
        self.config = config
        self.extra_env = env or {}
        self.log = config.parent / "daemon.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Daemon:
        # The log is shared by every run of this config: wait for this run's
        # "watching", not for one an earlier run left in it.
        started = self.output().count("watching")
        handle = self.log.open("ab")
        env = {k: v for k, v in os.environ.items() if not k.startswith("WATCHER_")}
        env.update(self.extra_env)
        self.process = subprocess.Popen(
            [*watcher_command(), "run", "--config", str(self.config)],
            stdout=handle,
            stderr=subprocess.STDOUT,
            cwd=self.config.parent,
            env=env,
        )
        handle.close()
        wait_for(
            lambda: self.output().count("watching") > started or self.exited(),
            "the daemon to start",
        )
        assert not self.exited(), self.output()
        return self

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""

    def exited(self) -> bool:
        return self.process is not None and self.process.poll() is not None

    def stop(self, sig: int = signal.SIGTERM) -> int:
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            return self.process.wait(timeout=DEADLINE)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError(f"daemon did not stop on {sig}:\n{self.output()}") from None


def drop(source: Path, inbox: Path, name: str | None = None) -> Path:
    """Copy ``source`` into ``inbox`` the way a writer would: a temp name, then a rename."""
    inbox.mkdir(parents=True, exist_ok=True)
    target = inbox / (name or source.name)
    part = target.with_name(target.name + ".part")
    part.write_bytes(source.read_bytes())
    part.rename(target)
    return target
