"""The inotify observer for the drop folder, with kernel queue overflows reported (Linux only).

watchdog 7 handles ``IN_Q_OVERFLOW`` inside its inotify reader thread
(``InotifyFD.handle_event``): it logs a warning and asks each watch group to
drop half-paired moves and rebuild its recursive watches, but it emits no
:class:`~watchdog.events.FileSystemEvent`, so an event handler never learns
that events were lost. The reader is the only place to hear about it. This
module builds the observer ``InotifyObserver`` builds, around a reader that
also calls ``on_overflow`` once watchdog has rebuilt its watches.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from watchdog.observers.api import DEFAULT_OBSERVER_TIMEOUT, BaseObserver
from watchdog.observers.inotify import InotifyEmitter
from watchdog.observers.inotify_c import InotifyEvent, InotifyFD

log = logging.getLogger(__name__)


class OverflowReportingInotifyFD(InotifyFD):
    """watchdog's inotify reader, calling ``on_overflow`` after each queue overflow."""

    def __init__(self, on_overflow: Callable[[], None]) -> None:
        super().__init__()
        self._on_overflow = on_overflow

    def handle_event(self, event: InotifyEvent) -> None:
        super().handle_event(event)
        if event.is_queue_overflow:
            try:
                self._on_overflow()
            except Exception:
                # An exception here would end the reader thread and every watch with it.
                log.exception("inotify overflow callback failed")


class OverflowReportingObserver(BaseObserver):
    """``InotifyObserver`` with an :class:`OverflowReportingInotifyFD` of its own."""

    def __init__(self, on_overflow: Callable[[], None]) -> None:
        # Started here, as InotifyObserver does: emitters add watches to it on schedule().
        self.inotify_fd = OverflowReportingInotifyFD(on_overflow)
        self.inotify_fd.start()
        super().__init__(
            InotifyEmitter, timeout=DEFAULT_OBSERVER_TIMEOUT, inotify_fd=self.inotify_fd
        )

    def on_thread_stop(self) -> None:
        super().on_thread_stop()
        self.inotify_fd.stop()
        self.inotify_fd.join()
