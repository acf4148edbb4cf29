"""Alembic, driven from Python: upgrade, downgrade and the schema revision.

The migrations ship with watcher (:func:`watcher.resources.shipped_dir`);
``alembic/env.py`` runs them on the connection handed over here through
``config.attributes["connection"]``, so they share the store's engine set-up.
"""

from __future__ import annotations

import alembic.command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

from watcher.resources import shipped_dir
from watcher.store.db import connect, schema_change


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config for the shipped migrations, bound to ``connection`` if given."""
    config = Config()
    config.set_main_option("script_location", str(shipped_dir("alembic")))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str | None:
    """The revision the shipped migrations lead to."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def known_revision(revision: str) -> bool:
    """Whether ``revision`` is one of the shipped migrations."""
    script = ScriptDirectory.from_config(alembic_config())
    return any(r.revision == revision for r in script.walk_revisions())


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at; None when it has no watcher schema."""
    with connect(engine) as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the database up to ``revision``, in one transaction."""
    with schema_change(engine) as conn:
        alembic.command.upgrade(alembic_config(conn), revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Migrate the database down to ``revision`` ("base" removes everything)."""
    with schema_change(engine) as conn:
        alembic.command.downgrade(alembic_config(conn), revision)
