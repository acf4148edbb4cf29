"""Drop folder -> settled file paths: which files are ready, never what is in them.

:func:`classify` decides whether a path is a document that may be read
(:class:`Candidate`), one that must not be (:class:`Reject`, with the reason),
or no document at all; :func:`classify_tree` and :func:`scan` apply it to a
folder tree. :class:`InboxWatcher` follows the folder with watchdog and
periodic reconciliation, and hands each file to a callback once it has stopped
changing. Reading, hashing and extracting are the next stage's job.
"""

from watcher.ingest.candidates import (
    Candidate,
    Reject,
    classify,
    classify_tree,
    is_candidate,
    scan,
)
from watcher.ingest.inbox import InboxWatcher

__all__ = [
    "Candidate",
    "InboxWatcher",
    "Reject",
    "classify",
    "classify_tree",
    "is_candidate",
    "scan",
]
