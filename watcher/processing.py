"""One file, from the inbox to stored hits: read, extract, match, store.

Used by the daemon for every settled file and by ``watcher run --once``. It
owns no thread and no schedule; the caller decides when a file is ready.
"""

from __future__ import annotations

import enum
import hashlib
import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from watcher.dedupe import fingerprint
from watcher.errors import ExtractError
from watcher.extract import Limits, extract_all
from watcher.match import Matcher
from watcher.model import Document
from watcher.store import Store
from watcher.testhooks import crash_point

log = logging.getLogger(__name__)


class Outcome(enum.StrEnum):
    NEW = "new"
    SEEN = "seen"
    DUPLICATE = "duplicate"
    QUARANTINED = "quarantined"
    MISSING = "missing"


@dataclass(frozen=True, slots=True)
class Result:
    """What became of one file."""

    path: Path
    outcome: Outcome
    hit_count: int = 0
    reason: str | None = None


class Processor:
    """Turns settled files into stored documents and hits, with the current rules."""

    def __init__(
        self,
        store: Store,
        matcher: Matcher,
        *,
        duplicate_threshold: float | None = 0.9,
        limits: Limits | None = None,
    ) -> None:
        self._store = store
        self._matcher = matcher
        self._duplicate_threshold = duplicate_threshold
        self._limits = limits or Limits()
        self._lock = threading.Lock()

    @property
    def matcher(self) -> Matcher:
        return self._matcher

    def swap_matcher(self, matcher: Matcher) -> None:
        """Use ``matcher`` for every file from now on (a rules reload)."""
        with self._lock:
            self._matcher = matcher

    def process(self, path: Path) -> Result:
        """Take one file; content seen before is not matched again.

        Most files hold one document; a JSON array or a JSONL file holds
        several, each recorded (or found already recorded) on its own.
        """
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return Result(path, Outcome.MISSING, reason="file vanished before it was read")
        except OSError as exc:
            reason = f"cannot read file: {exc.strerror or exc}"
            return self._quarantine(path, hashlib.sha256(str(path).encode()).hexdigest(), reason)
        sha256 = hashlib.sha256(data).hexdigest()
        if self._store.has_document(sha256):
            return Result(path, Outcome.SEEN)
        try:
            documents = extract_all(path, data, limits=self._limits)
        except ExtractError as exc:
            return self._quarantine(path, sha256, exc.message)
        results = [self._record(path, document) for document in documents]
        if len(results) == 1:
            return results[0]
        new = [r for r in results if r.outcome is Outcome.NEW]
        duplicates = sum(r.outcome is Outcome.DUPLICATE for r in results)
        outcome = Outcome.NEW if new else Outcome.DUPLICATE if duplicates else Outcome.SEEN
        reason = f"{len(results)} articles: {len(new)} new, {duplicates} near-duplicate"
        return Result(path, outcome, hit_count=sum(r.hit_count for r in results), reason=reason)

    def _record(self, path: Path, document: Document) -> Result:
        with self._lock:
            matcher = self._matcher
        hits = matcher.match(document)
        crash_point("after-match")
        recorded = self._store.record_document(
            document,
            hits,
            matcher.version,
            fingerprint=fingerprint(document.text),
            duplicate_threshold=self._duplicate_threshold,
        )
        crash_point("after-commit")
        if not recorded.inserted:
            return Result(path, Outcome.SEEN)
        if recorded.duplicate_of is not None:
            reason = (
                f"near-duplicate of document #{recorded.duplicate_of} "
                f"(similarity {recorded.similarity:.2f})"
            )
            if recorded.hit_count:
                log.info(
                    "%s: %s; %d hit(s) of names the original lacks",
                    document.path,
                    reason,
                    recorded.hit_count,
                )
            else:
                log.info("%s: %s; no new names, no hits recorded", document.path, reason)
            return Result(path, Outcome.DUPLICATE, hit_count=recorded.hit_count, reason=reason)
        log.info("%s: %d hit%s", document.path, len(hits), "" if len(hits) == 1 else "s")
        return Result(path, Outcome.NEW, hit_count=recorded.hit_count)

    def reject(self, path: Path, reason: str) -> Result:
        """Quarantine a file that must not be read at all (a FIFO, a link, too large).

        Its bytes are never read, so it is keyed on its name, size and time
        instead of its content: the same file is recorded once.
        """
        try:
            info = path.lstat()
            identity = f"reject\0{path}\0{info.st_size}\0{info.st_mtime_ns}"
        except OSError:
            identity = f"reject\0{path}"
        key = hashlib.sha256(identity.encode()).hexdigest()
        if self._store.has_document(key):
            return Result(path, Outcome.SEEN)
        return self._quarantine(path, key, reason)

    def _quarantine(self, path: Path, sha256: str, reason: str) -> Result:
        log.warning("%s: quarantined: %s", path, reason)
        self._store.record_quarantine(str(path), sha256, reason, fmt=path.suffix.lstrip("."))
        return Result(path, Outcome.QUARANTINED, reason=reason)
