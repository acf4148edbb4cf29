"""Shared fixtures: real databases (SQLite file, local PostgreSQL) and the seeds."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from watcher.extract import extract
from watcher.model import Document

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO.parent / "shared" / "corpus" / "seeds"
POSTGRES_ENV = "WATCHER_TEST_POSTGRES_URL"


def _sqlalchemy_url(libpq_url: str) -> str:
    """postgresql://... -> postgresql+psycopg://... (SQLAlchemy's psycopg 3 dialect)."""
    scheme, _, rest = libpq_url.partition("://")
    return f"postgresql+psycopg://{rest}" if scheme in {"postgres", "postgresql"} else libpq_url


def _with_dbname(libpq_url: str, dbname: str) -> str:
    base, _, _query = libpq_url.partition("?")
    head, _, _old = base.rpartition("/")
    return f"{head}/{dbname}"


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A database of its own on the server named by WATCHER_TEST_POSTGRES_URL.

    Skips when the variable is unset; fails (never skips) when it is set but
    the server cannot be reached. Yields a libpq URL; drops the database after.
    """
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        pytest.skip(f"{POSTGRES_ENV} is not set")
    name = f"watcher_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    try:
        admin = psycopg.connect(url, autocommit=True, connect_timeout=10)
    except psycopg.Error as exc:
        pytest.fail(f"{POSTGRES_ENV}={url} is set but unreachable: {exc}", pytrace=False)
    with admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield _with_dbname(url, name)
    finally:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A SQLAlchemy URL to an empty database: a SQLite file, then PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'watcher.db'}"
    libpq = request.getfixturevalue("postgres_database")
    with psycopg.connect(libpq, autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")
    return _sqlalchemy_url(libpq)


@pytest.fixture
def seeds_dir() -> Path:
    """The five seed articles in ../shared; the test skips cleanly without them."""
    if not SEEDS.is_dir():
        pytest.skip(f"seed corpus not found at {SEEDS}")
    return SEEDS


@pytest.fixture
def seeds(seeds_dir: Path) -> list[Document]:
    """The five seed articles, extracted, in file-name order (000 to 004)."""
    paths = sorted(seeds_dir.glob("*.txt"))
    if len(paths) != 5:
        pytest.skip(f"expected five seed articles in {seeds_dir}, found {len(paths)}")
    return [extract(path, path.read_bytes()) for path in paths]
