"""DuckDB attached to the store, in place, through the pip-packaged scanner extensions.

Extensions are loaded from the files shipped in the ``duckdb-extension-sqlite-scanner`` and
``duckdb-extension-postgres-scanner`` wheels (``LOAD '<path>'``); DuckDB is configured never to
install or autoload anything, so nothing is fetched from the network.
"""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path

import duckdb

from tocta.errors import StoreError
from tocta.store.engine import Store

_PACKAGES = {
    "sqlite_scanner": "duckdb_extension_sqlite_scanner",
    "postgres_scanner": "duckdb_extension_postgres_scanner",
}


@functools.cache
def extension_path(name: str) -> Path:
    """Path of the pip-packaged extension file for this DuckDB version."""
    package = _PACKAGES[name]
    try:
        base = Path(str(resources.files(package)))
    except ModuleNotFoundError as exc:
        raise StoreError(f"the Python package {package} is missing; reinstall tocta") from exc
    version = "v" + duckdb.__version__
    candidate = base / "extensions" / version / f"{name}.duckdb_extension"
    if candidate.exists():
        return candidate
    found = sorted(base.rglob(f"{name}.duckdb_extension"))
    if not found:
        raise StoreError(f"{package} holds no {name}.duckdb_extension for DuckDB {version}")
    return found[-1]


def connect_duckdb() -> duckdb.DuckDBPyConnection:
    """A DuckDB connection that never downloads extensions."""
    return duckdb.connect(config={
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": False,
    })


def _libpq(store: Store) -> str:
    url = store.engine.url
    parts = {
        "host": url.host or "", "port": str(url.port or ""), "dbname": url.database or "",
        "user": url.username or "", "password": url.password or "",
    }
    return " ".join(f"{k}={v}" for k, v in parts.items() if v)


def attach_store(con: duckdb.DuckDBPyConnection, store: Store, alias: str = "store") -> str:
    """Attach the store read-only to ``con`` as ``alias``; returns the prefix for table names."""
    if store.dialect == "sqlite":
        con.execute(f"LOAD '{extension_path('sqlite_scanner')}'")
        path = store.sqlite_path
        if not path:
            raise StoreError("an in-memory SQLite store cannot be attached")
        safe = path.replace("'", "''")
        con.execute(f"ATTACH '{safe}' AS {alias} (TYPE sqlite, READ_ONLY)")
        return alias
    if store.dialect == "postgresql":
        con.execute(f"LOAD '{extension_path('postgres_scanner')}'")
        dsn = _libpq(store).replace("'", "''")
        schema = f", SCHEMA '{store.schema}'" if store.schema else ""
        con.execute(f"ATTACH '{dsn}' AS {alias} (TYPE postgres, READ_ONLY{schema})")
        return f"{alias}.{store.schema}" if store.schema else f"{alias}.public"
    raise StoreError(f"DuckDB cannot attach a {store.dialect} store")
