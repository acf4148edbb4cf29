"""Drop folder -> settled file paths: which files are ready, never what is in them.

:func:`scan` and :func:`is_candidate` decide which files are documents;
:class:`InboxWatcher` follows the folder with watchdog and hands each file to
a callback once it has stopped changing. Reading, hashing and extracting are
the next stage's job.
"""

from watcher.ingest.candidates import is_candidate, scan
from watcher.ingest.inbox import InboxWatcher

__all__ = ["InboxWatcher", "is_candidate", "scan"]
