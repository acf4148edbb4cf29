"""Alembic environment for watcher.

The database comes from, in order: the connection the store hands over
(``config.attributes["connection"]``, used by ``watcher db upgrade``), then
``alembic -x url=...``, then the WATCHER_DATABASE_URL variable, then
``sqlalchemy.url`` in alembic.ini.
"""

from __future__ import annotations

import os
from logging.config import fileConfig
from typing import Any

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import Connection

from watcher.store.db import create_engine, database_url, schema_change
from watcher.store.models import Base, UTCDateTime

config = context.config
target_metadata = Base.metadata


def _database_url() -> str:
    url = (
        context.get_x_argument(as_dictionary=True).get("url")
        or os.environ.get("WATCHER_DATABASE_URL")
        or config.get_main_option("sqlalchemy.url")
    )
    if not url:
        raise SystemExit(
            "no database: pass -x url=..., set WATCHER_DATABASE_URL "
            "or sqlalchemy.url in alembic.ini"
        )
    return url


def _render_item(kind: str, obj: Any, autogen_context: AutogenContext) -> str | bool:
    # Migrations must not import watcher: render the UTC type as what it
    # stores, a timezone-aware DateTime.
    if kind == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things; batch copies the table
        compare_type=True,
        render_item=_render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_offline() -> None:
    """Print the SQL (``alembic upgrade head --sql``) instead of running it."""
    context.configure(
        url=database_url(_database_url()),
        target_metadata=target_metadata,
        render_as_batch=True,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_engine(_database_url())
    try:
        with schema_change(engine) as conn:
            _run(conn)
    finally:
        engine.dispose()


# Only the alembic command line configures logging; inside watcher, the
# daemon's logging set-up must stay as it is.
if config.config_file_name is not None and config.attributes.get("connection") is None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)

if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
