"""Opening the store: a SQLite file by default, PostgreSQL for a shared server.

The store is migrated with Alembic to the head revision when opened (a new file is created);
the URL may be a SQLAlchemy URL or a plain path to a SQLite file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from tocta.errors import StoreError
from tocta.store.tables import store_meta

_SCHEMA_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


def normalize_url(url: str) -> str:
    """Turn a plain path into a SQLite URL; leave SQLAlchemy URLs alone."""
    if "://" in url:
        if url.startswith("postgresql://") or url.startswith("postgres://"):
            return "postgresql+psycopg://" + url.split("://", 1)[1]
        return url
    return f"sqlite:///{Path(url).expanduser().resolve()}"


def _alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("tocta.store") / "migrations"))
    return cfg


@dataclass
class Store:
    """An open store: an engine plus what kind of database it is."""

    engine: sa.Engine
    url: str
    schema: str | None = None

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def sqlite_path(self) -> str | None:
        """Path of the SQLite file, when the store is one."""
        if self.dialect != "sqlite":
            return None
        return self.engine.url.database

    @contextmanager
    def begin(self) -> Iterator[sa.Connection]:
        """A transaction: everything inside commits together or not at all."""
        with self.engine.begin() as conn:
            yield conn

    def get_meta(self, key: str) -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(
                sa.select(store_meta.c.value).where(store_meta.c.key == key)
            ).scalar_one_or_none()

    def set_meta(self, conn: sa.Connection, key: str, value: str) -> None:
        existing = conn.execute(
            sa.select(store_meta.c.value).where(store_meta.c.key == key)
        ).scalar_one_or_none()
        if existing is None:
            conn.execute(store_meta.insert().values(key=key, value=value))
        else:
            conn.execute(store_meta.update().where(store_meta.c.key == key).values(value=value))

    def revision(self) -> str | None:
        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def upgrade(self) -> None:
        """Migrate to the head revision."""
        cfg = _alembic_config()
        with self.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")

    def dispose(self) -> None:
        self.engine.dispose()


def head_revision() -> str:
    """The newest migration revision shipped with this version of tocta."""
    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None
    return head


def _sqlite_events(engine: sa.Engine) -> None:
    # pysqlite's implicit transactions do not cover every statement; take control so that a run
    # is one real transaction (SQLAlchemy's documented recipe). The journal stays SQLite's
    # default rollback journal: bulk loads write each page once (WAL writes it twice, then
    # checkpoints). Several concurrent writers and readers belong on PostgreSQL.
    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        # 128 MB page cache: bulk loads touch index pages all over the file.
        cursor.execute("PRAGMA cache_size=-131072")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _begin(conn: sa.Connection) -> None:
        conn.exec_driver_sql("BEGIN")


def _postgres_events(engine: sa.Engine, schema: str) -> None:
    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
        cursor.execute(f'SET search_path TO "{schema}"')
        cursor.close()
        dbapi_connection.commit()


def open_store(url: str, schema: str | None = None, migrate: bool = True) -> Store:
    """Open (and by default create or migrate) the store at ``url``.

    Args:
        url: SQLAlchemy URL (``sqlite:///path``, ``postgresql+psycopg://...``) or a file path.
        schema: PostgreSQL schema to work in (created when missing).
        migrate: run Alembic migrations to head when the store is behind.

    Raises:
        StoreError: when the database cannot be reached or is newer than this tocta.
    """
    full_url = normalize_url(url)
    if schema is not None and not _SCHEMA_NAME.match(schema):
        raise StoreError(f"invalid schema name {schema!r}")
    try:
        engine = sa.create_engine(full_url)
    except Exception as exc:
        raise StoreError(f"cannot open store {url!r}: {exc}") from exc
    if engine.dialect.name == "sqlite":
        path = engine.url.database
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        _sqlite_events(engine)
    elif engine.dialect.name == "postgresql" and schema:
        _postgres_events(engine, schema)
    store = Store(engine=engine, url=full_url, schema=schema)
    try:
        current = store.revision()
    except sa.exc.OperationalError as exc:
        raise StoreError(
            f"cannot connect to the store at {engine.url.render_as_string(hide_password=True)}:"
            f" {exc.orig}. Check TOCTA_DATABASE_URL or --db."
        ) from exc
    head = head_revision()
    if current != head:
        if not migrate:
            raise StoreError(
                f"the store is at revision {current}, this tocta expects {head}: "
                "run `tocta store upgrade`"
            )
        store.upgrade()
    return store
