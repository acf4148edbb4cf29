"""Storage: documents, hits, digests and alerts in SQLite or PostgreSQL.

The only package that imports SQLAlchemy. :class:`Store` takes and returns the
frozen types of :mod:`watcher.model`; its schema is built by the Alembic
migrations shipped with watcher (``Store.upgrade``, ``watcher db upgrade``).
"""

from watcher.store.delivery import AlertRecord, RecipientResult, Silence
from watcher.store.store import DigestRecord, QuarantineRecord, RecordResult, Store

__all__ = [
    "AlertRecord",
    "DigestRecord",
    "QuarantineRecord",
    "RecipientResult",
    "RecordResult",
    "Silence",
    "Store",
]
