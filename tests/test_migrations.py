"""The Alembic migrations build exactly the schema the models describe."""

from __future__ import annotations

from argparse import Namespace
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import alembic.command
import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect

from watcher.errors import StoreError
from watcher.model import Document, Hit, Severity
from watcher.resources import shipped_dir
from watcher.store import Store, migrations
from watcher.store.db import create_engine, schema_change
from watcher.store.models import Base

TABLES = {
    "alembic_version",
    "alert_hits",
    "alert_recipients",
    "alerts",
    "digest_hits",
    "digest_recipients",
    "digests",
    "documents",
    "hits",
    "silences",
}


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    e = create_engine(db_url)
    yield e
    e.dispose()


def schema_diff(engine: Engine) -> list[Any]:
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "compare_server_default": True}
        )
        return list(compare_metadata(context, Base.metadata))


def test_migrations_and_models_agree(db_url: str, engine: Engine) -> None:
    store = Store(db_url)
    try:
        store.upgrade()
    finally:
        store.close()
    assert set(inspect(engine).get_table_names()) == TABLES
    assert schema_diff(engine) == []


def test_an_empty_database_differs_from_the_models(engine: Engine) -> None:
    # Guards the test above: the comparison does see missing tables.
    assert {d[0] for d in schema_diff(engine)} == {"add_table", "add_index"}


def test_downgrade_to_base_then_upgrade_again(db_url: str, engine: Engine) -> None:
    store = Store(db_url)
    try:
        store.upgrade()
        doc = Document(path="/inbox/a.txt", sha256="a" * 64, text="text", format="txt")
        store.record_document(doc, [], "v1")

        migrations.downgrade(engine, "base")
        assert store.current_revision() is None
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}

        store.upgrade()
        assert store.current_revision() == migrations.head_revision()
        assert not store.has_document(doc.sha256)
        assert schema_diff(engine) == []
    finally:
        store.close()


def command_line_config(**x: str) -> Config:
    """What `alembic -x key=value ...` builds: no connection handed over."""
    config = Config(cmd_opts=Namespace(x=[f"{k}={v}" for k, v in x.items()]))
    config.set_main_option("script_location", str(shipped_dir("alembic")))
    return config


def test_env_takes_the_url_from_x_argument(db_url: str, engine: Engine) -> None:
    alembic.command.upgrade(command_line_config(url=db_url), "head")
    assert migrations.current_revision(engine) == migrations.head_revision()
    alembic.command.downgrade(command_line_config(url=db_url), "base")
    assert migrations.current_revision(engine) is None


def test_env_takes_the_url_from_the_environment(
    db_url: str, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WATCHER_DATABASE_URL", db_url)
    alembic.command.upgrade(command_line_config(), "head")
    assert migrations.current_revision(engine) == migrations.head_revision()


def test_offline_mode_prints_the_sql(
    db_url: str, engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    # SQLite's ALTER TABLE needs batch mode, which reflects the live table:
    # Alembic cannot print those later migrations offline, only the first.
    target = "0001" if db_url.startswith("sqlite") else "head"
    alembic.command.upgrade(command_line_config(url=db_url), target, sql=True)
    sql = capsys.readouterr().out
    assert "CREATE TABLE documents" in sql
    assert "uq_digest_hits_digest_name_hit_id" in sql
    assert migrations.current_revision(engine) is None  # nothing was run


def test_sqlite_batch_migration_keeps_the_rows_of_child_tables(tmp_path: Path) -> None:
    # Batch mode copies and drops a table; with foreign keys on, dropping
    # documents would cascade-delete every hit. schema_change prevents that.
    url = f"sqlite:///{tmp_path / 'watcher.db'}"
    store = Store(url)
    engine = create_engine(url)
    try:
        store.upgrade()
        doc = Document(path="/inbox/a.txt", sha256="a" * 64, text="ACME", format="txt")
        hit = Hit(
            "w", "entity", "ACME", "organisation", "acme", "ACME", 0, 4, "ACME", 0, 4, Severity.LOW
        )
        store.record_document(doc, [hit], "v1")

        with schema_change(engine) as conn:
            operations = Operations(MigrationContext.configure(conn))
            with operations.batch_alter_table("documents", recreate="always"):
                pass

        assert [s.hit for s in store.hits()] == [hit]
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        store.close()
        engine.dispose()


def test_a_database_from_a_newer_watcher_asks_for_a_newer_watcher(
    db_url: str, engine: Engine
) -> None:
    store = Store(db_url)
    try:
        store.upgrade()
        with engine.begin() as conn:
            conn.exec_driver_sql("UPDATE alembic_version SET version_num = '9999'")
        with pytest.raises(StoreError, match="at revision 9999, watcher needs 0004") as info:
            store.check_schema()
        assert info.value.hint is not None
        assert "upgrade watcher" in info.value.hint
    finally:
        store.close()
