"""Registering and sharing sources; runs and quarantine listings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl

from tocta.store import runs as store_runs
from tocta.store import sources as store_sources
from tocta.store.engine import Store
from tocta.store.sources import Source


def add_source(store: Store, source_id: str, *, grade: str | None, tlp: str | None,
               handling: str | None = None, owner_agency: str | None = None,
               title: str | None = None, synthetic: bool = False) -> Source:
    """Register a source with its default grade and TLP."""
    with store.begin() as conn:
        return store_sources.add_source(
            conn, source_id, grade=grade, tlp=tlp, handling=handling,
            owner_agency=owner_agency, title=title, synthetic=synthetic)


def ensure_source(store: Store, source_id: str, **kwargs: Any) -> Source:
    """The source, registered with ``kwargs`` first if it is not yet."""
    with store.engine.connect() as conn:
        known = {s.source_id: s for s in store_sources.list_sources(conn)}
    if source_id in known:
        return known[source_id]
    return add_source(store, source_id, **kwargs)


def list_sources(store: Store) -> list[Source]:
    with store.engine.connect() as conn:
        return store_sources.list_sources(conn)


def share_source(store: Store, source_id: str, grantee: str, granted_by: str | None) -> str:
    """Share with ``agency:X`` (or plain ``X``), ``panel:P`` or ``user:U``; returns the kind."""
    kind, _, name = grantee.partition(":")
    if not name:
        kind, name = "agency", grantee
    with store.begin() as conn:
        store_sources.share_source(conn, source_id, kind, name, granted_by)
    return kind


def list_runs(store: Store, limit: int = 50) -> list[dict[str, Any]]:
    with store.engine.connect() as conn:
        return store_runs.list_runs(conn, limit)


def run_detail(store: Store, run_id: int) -> tuple[dict[str, Any], pl.DataFrame]:
    with store.engine.connect() as conn:
        return store_runs.get_run(conn, run_id), store_runs.run_issues(conn, run_id)


def write_quarantine_file(store: Store, run_id: int, out: Path) -> int:
    """Write a run's quarantined rows, original columns plus an ``issues`` column.

    The file is ready to correct and re-submit (CSV or XLSX by the extension).
    """
    import json

    with store.engine.connect() as conn:
        store_runs.get_run(conn, run_id)
        rows = store_runs.run_quarantine(conn, run_id)
    records = []
    for r in rows:
        data = r["data"] if isinstance(r["data"], dict) else json.loads(r["data"])
        records.append({**{k: None if v is None else str(v) for k, v in data.items()},
                        "issues": r["issues"], "source_file": r["file"],
                        "source_row": str(r["row"])})
    columns: list[str] = []
    for rec in records:
        for k in rec:
            if k not in columns:
                columns.append(k)
    frame = pl.DataFrame([{c: rec.get(c) for c in columns} for rec in records],
                         schema={c: pl.Utf8 for c in columns} if columns else None)
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".xlsx":
        from openpyxl import Workbook

        workbook = Workbook()
        sheet = workbook.active
        assert sheet is not None
        sheet.title = "quarantine"
        sheet.append(columns)
        for row in frame.iter_rows():
            sheet.append(list(row))
        workbook.save(out)
    else:
        frame.write_csv(out)
    return frame.height
