"""Ingest runs, their issues and quarantined rows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import polars as pl
import sqlalchemy as sa

from tocta.errors import NotFoundError
from tocta.store.records import insert_frame
from tocta.store.tables import ingest_issues, ingest_runs, quarantine


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class RunCounts:
    """The counts a run records. Invariant: rows_read = inserted + already_present + quarantined."""

    rows_read: int
    inserted: int
    already_present: int
    quarantined: int
    superseded: int
    errors: int
    warnings: int

    @property
    def accepted(self) -> int:
        return self.inserted + self.already_present

    def balanced(self) -> bool:
        return self.rows_read == self.inserted + self.already_present + self.quarantined


def start_run(conn: sa.Connection, source_id: str, record_type: str, files: list[str],
              options: dict[str, Any], user: str | None) -> int:
    """Create a run row (inside the ingest transaction) and return its id."""
    result = conn.execute(ingest_runs.insert().values(
        source_id=source_id, record_type=record_type, files=files, started_at=_now(),
        status="running", issues_by_code={}, options=options, user=user,
    ).returning(ingest_runs.c.run_id))
    return int(result.scalar_one())


def finish_run(conn: sa.Connection, run_id: int, counts: RunCounts,
               issues_by_code: dict[str, Any]) -> None:
    """Record the final counts of a run."""
    conn.execute(ingest_runs.update().where(ingest_runs.c.run_id == run_id).values(
        finished_at=_now(), status="committed", rows_read=counts.rows_read,
        inserted=counts.inserted, already_present=counts.already_present,
        quarantined=counts.quarantined, superseded=counts.superseded, errors=counts.errors,
        warnings=counts.warnings, issues_by_code=issues_by_code,
    ))


def write_issues(conn: sa.Connection, run_id: int, issues: pl.DataFrame) -> None:
    """Store a run's issues."""
    if issues.height:
        insert_frame(conn, ingest_issues, issues.with_columns(pl.lit(run_id).alias("run_id")))


def write_quarantine(conn: sa.Connection, run_id: int, rows: pl.DataFrame) -> None:
    """Store a run's quarantined rows (original values as JSON, issues as text)."""
    if rows.height:
        insert_frame(conn, quarantine, rows.with_columns(pl.lit(run_id).alias("run_id")))


def list_runs(conn: sa.Connection, limit: int = 50) -> list[dict[str, Any]]:
    """The latest runs, newest first."""
    query = sa.select(ingest_runs).order_by(ingest_runs.c.run_id.desc()).limit(limit)
    return [dict(r._mapping) for r in conn.execute(query)]


def get_run(conn: sa.Connection, run_id: int) -> dict[str, Any]:
    """One run; raises NotFoundError naming the latest run id."""
    row = conn.execute(sa.select(ingest_runs).where(ingest_runs.c.run_id == run_id)).first()
    if row is None:
        latest = conn.execute(sa.select(sa.func.max(ingest_runs.c.run_id))).scalar()
        raise NotFoundError(f"no ingest run {run_id} (latest is {latest}); see `tocta runs`")
    return dict(row._mapping)


def run_issues(conn: sa.Connection, run_id: int) -> pl.DataFrame:
    """All issues of a run."""
    cols = ["file", "row", "field", "code", "level", "message", "value"]
    query = sa.select(*[ingest_issues.c[c] for c in cols]).where(
        ingest_issues.c.run_id == run_id).order_by(ingest_issues.c.issue_id)
    schema = {"file": pl.Utf8, "row": pl.Int64, "field": pl.Utf8, "code": pl.Utf8,
              "level": pl.Utf8, "message": pl.Utf8, "value": pl.Utf8}
    return pl.DataFrame([tuple(r) for r in conn.execute(query)], schema=schema, orient="row")


def run_quarantine(conn: sa.Connection, run_id: int) -> list[dict[str, Any]]:
    """Quarantined rows of a run: file, row, data (dict), issues."""
    query = sa.select(quarantine.c.file, quarantine.c.row, quarantine.c.data,
                      quarantine.c.issues).where(quarantine.c.run_id == run_id).order_by(
        quarantine.c.quarantine_id)
    return [dict(r._mapping) for r in conn.execute(query)]
