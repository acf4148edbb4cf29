"""Engines, connections and database errors: everything backend-specific.

SQLite gets WAL, enforced foreign keys, a busy timeout and ``BEGIN IMMEDIATE``
for writes (SQLAlchemy's documented pysqlite recipe), so that the watcher
thread and the digest scheduler never fail with "database is locked".
PostgreSQL URLs without a driver use psycopg 3.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy
from sqlalchemy import Connection, Engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import (
    ArgumentError,
    DataError,
    DBAPIError,
    InterfaceError,
    NoSuchModuleError,
    OperationalError,
    ProgrammingError,
)

from watcher.errors import StoreError

# Execution option marking a connection that will write; on SQLite its
# transaction starts with BEGIN IMMEDIATE so that it waits for the write lock
# up front instead of failing when a read transaction tries to upgrade.
WRITE = "watcher_write"

BUSY_TIMEOUT_MS = 10_000
UPGRADE_HINT = "run `watcher db upgrade`"

_PASSWORD_IN_URL = re.compile(r"(://[^:/@]*:)[^@]*@")


def database_url(url: str) -> URL:
    """Parse ``url``; ``postgresql://`` without a driver becomes ``postgresql+psycopg://``."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StoreError(f"not a database URL: {mask_password(url)!r}") from exc
    if parsed.drivername in {"postgres", "postgresql"}:
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def mask_password(url: str | URL) -> str:
    """``url`` as text with its password replaced by ``***``."""
    if isinstance(url, URL):
        return url.render_as_string(hide_password=True)
    return _PASSWORD_IN_URL.sub(r"\1***@", url)


def create_engine(url: str) -> Engine:
    """An engine for ``url``, set up for watcher's concurrency; connects lazily."""
    parsed = database_url(url)
    try:
        if parsed.get_backend_name() != "sqlite":
            # The daemon outlives database restarts: test connections on checkout.
            return sqlalchemy.create_engine(parsed, pool_pre_ping=True)
        _create_parent_folder(parsed)
        engine = sqlalchemy.create_engine(parsed)
    except (ArgumentError, NoSuchModuleError) as exc:
        raise StoreError(f"cannot use database {mask_password(parsed)}: {exc}") from exc
    event.listen(engine, "connect", _sqlite_connect)
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def _create_parent_folder(url: URL) -> None:
    database = url.database
    if not database or database == ":memory:" or url.query.get("uri"):
        return
    try:
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot create the folder for {database}: {exc.strerror}") from exc


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Take transaction control away from the sqlite3 module, which would
    # otherwise BEGIN (deferred) on its own before DML only.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        # In WAL mode NORMAL never corrupts the database; a power cut may lose
        # the last commits, and then their files, still in the inbox, are
        # simply taken again at the next start. It saves an fsync per document.
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    write = conn.get_execution_options().get(WRITE, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def is_sqlite(engine: Engine | Connection) -> bool:
    return engine.dialect.name == "sqlite"


@contextmanager
def connect(engine: Engine, *, write: bool = False) -> Iterator[Connection]:
    """A connection with database failures turned into :class:`StoreError`.

    The caller begins the transaction; ``write`` makes it ``BEGIN IMMEDIATE``
    on SQLite.
    """
    try:
        conn = engine.connect()
    except DBAPIError as exc:
        raise _store_error(engine, exc, "cannot connect to database") from exc
    with conn, translate_errors(engine):
        if write:
            conn.execution_options(**{WRITE: True})
        yield conn


@contextmanager
def translate_errors(engine: Engine) -> Iterator[None]:
    """Turn operational failures into StoreError: unreachable, locked, no schema, too long.

    Integrity errors pass through: the store handles the ones it expects, and
    any other is a bug that should not be dressed up as an operator problem.
    """
    try:
        yield
    except (OperationalError, InterfaceError, ProgrammingError, DataError) as exc:
        if isinstance(exc, ProgrammingError) and not _missing_table(exc):
            raise
        raise _store_error(engine, exc, "database error on") from exc


def _missing_table(exc: DBAPIError) -> bool:
    sqlstate = getattr(exc.orig, "sqlstate", None)
    return sqlstate == "42P01" or "no such table" in str(exc.orig)


def _store_error(engine: Engine, exc: DBAPIError, what: str) -> StoreError:
    url = engine.url
    detail = " ".join(str(exc.orig).split())
    if url.password:
        detail = detail.replace(str(url.password), "***")
    if _missing_table(exc):
        return StoreError(
            f"database {mask_password(url)} has no watcher schema: {detail}", hint=UPGRADE_HINT
        )
    return StoreError(f"{what} {mask_password(url)}: {detail}")


@contextmanager
def schema_change(engine: Engine) -> Iterator[Connection]:
    """A write transaction fit for migrations; commits when the block succeeds.

    On SQLite, foreign keys are switched off for its duration: batch
    migrations copy and drop tables, and a DROP TABLE with foreign keys on
    would cascade-delete every hit. The keys are checked before the commit,
    as SQLite's documented ALTER TABLE procedure does.
    """
    with connect(engine, write=True) as conn:
        raw = conn.connection.driver_connection if is_sqlite(conn) else None
        if raw is not None:
            raw.execute("PRAGMA foreign_keys=OFF")  # a no-op inside a transaction
        try:
            with conn.begin():
                yield conn
                if raw is not None:
                    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
                    if broken:
                        raise StoreError(
                            f"migration left {len(broken)} rows with broken foreign keys; "
                            "rolled back"
                        )
        finally:
            if raw is not None:
                raw.execute("PRAGMA foreign_keys=ON")
