"""Shared fixtures: a store on every backend, a factory for submission files.

PostgreSQL tests read their server from TOCTA_TEST_POSTGRES_URL (``.ci/run`` sets it after
making sure the server is up). Elsewhere they skip with a reason; under CI=true a missing
server is a failure, never a skip.
"""

from __future__ import annotations

import csv
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tocta.store.engine import Store, open_store

SHARED = Path(__file__).resolve().parents[2] / "shared"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
POSTGRES_URL = os.environ.get("TOCTA_TEST_POSTGRES_URL")
IN_CI = os.environ.get("CI", "").lower() == "true"


def pytest_report_header(config: pytest.Config) -> list[str]:
    where = POSTGRES_URL or "not set: PostgreSQL tests skip"
    shared = "present" if SHARED.exists() else "absent"
    return [f"TOCTA_TEST_POSTGRES_URL: {where}", f"../shared: {shared}"]


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    ran = [r for r in terminalreporter.stats.get("passed", []) + terminalreporter.stats.get(
        "failed", []) if "postgresql" in r.nodeid]
    terminalreporter.write_line(f"PostgreSQL tests run: {len(ran)}")


def require_postgres() -> str:
    """The PostgreSQL URL, or skip (fail under CI)."""
    if POSTGRES_URL:
        return POSTGRES_URL
    if IN_CI:
        pytest.fail("CI=true but TOCTA_TEST_POSTGRES_URL is not set: the PostgreSQL tests must run")
    pytest.skip("PostgreSQL not configured (set TOCTA_TEST_POSTGRES_URL to run these tests)")


def _postgres_store() -> Iterator[Store]:
    url = require_postgres()
    schema = f"tocta_test_{uuid.uuid4().hex[:12]}"
    store = open_store(url, schema=schema)
    try:
        yield store
    finally:
        store.dispose()
        engine = sa.create_engine(store.url)
        with engine.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A fresh, migrated store on each backend."""
    if request.param == "sqlite":
        s = open_store(str(tmp_path / "store.db"))
        yield s
        s.dispose()
    else:
        yield from _postgres_store()


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    """A fresh SQLite store only (for tests that are about files, not backends)."""
    s = open_store(str(tmp_path / "store.db"))
    yield s
    s.dispose()


def write_csv(path: Path, rows: list[dict[str, Any]], columns: list[str] | None = None) -> Path:
    """Write ``rows`` as a CSV file (the one-line factory for submissions)."""
    columns = columns or list(dict.fromkeys(k for r in rows for k in r))
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        for r in rows:
            writer.writerow({c: r.get(c, "") for c in columns})
    return path


def seizure(**fields: Any) -> dict[str, Any]:
    """A valid seizure row, with ``fields`` overriding."""
    row: dict[str, Any] = {
        "date": "2022-03-14", "country": "Senegal", "commodity": "cocaine", "quantity": "120.5",
        "unit": "kg", "mode": "sea", "origin": "Colombia", "transit": "Brazil; Cabo Verde",
        "destination": "Spain", "record_id": None,
    }
    row.update(fields)
    return {k: v for k, v in row.items() if v is not None}
