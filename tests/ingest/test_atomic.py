"""A run is atomic: killed midway, the store is as it was; re-run completes; then adds 0."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import seizure, write_csv
from tocta.services import ingest as services_ingest
from tocta.services.ingest import IngestOptions, ingest_files
from tocta.services.sources import add_source
from tocta.store import records as store_records
from tocta.store.engine import Store
from tocta.store.tables import ingest_issues, ingest_runs, quarantine, record_table

OPTIONS = IngestOptions(record_type="Seizure", source_id="NCB/big")


def _snapshot(store: Store) -> tuple[int, ...]:
    with store.engine.connect() as conn:
        return tuple(
            int(conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one())
            for t in (record_table("Seizure"), ingest_runs, ingest_issues, quarantine))


def test_interrupted_run_leaves_the_store_unchanged(store: Store, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store_records, "CHUNK_ROWS", 100)  # write batches
    monkeypatch.setattr(services_ingest, "CHUNK_ROWS", 300)  # prepared chunks, overlapped
    add_source(store, "NCB/big", grade="admiralty:B2", tlp="GREEN")
    first = write_csv(tmp_path / "first.csv", [seizure(quantity=str(i)) for i in range(50)])
    ingest_files(store, [first], OPTIONS)
    before = _snapshot(store)
    rows = [seizure(quantity=str(1000 + i)) for i in range(1000)]
    rows[10]["country"] = "Narnia"  # an issue and a quarantined row, to be rolled back too
    big = write_csv(tmp_path / "big.csv", rows)
    with pytest.raises(RuntimeError, match="forced failure"):
        ingest_files(store, [big], OPTIONS, fail_after_batches=3)
    assert _snapshot(store) == before
    done = ingest_files(store, [big], OPTIONS)
    assert (done.counts.inserted, done.counts.quarantined) == (999, 1)
    again = ingest_files(store, [big], OPTIONS)
    assert (again.counts.inserted, again.counts.already_present,
            again.counts.quarantined) == (0, 999, 1)


def test_chunked_submission_numbers_duplicates_across_chunks(
        sqlite_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Identity does not depend on how a file is cut into chunks."""
    monkeypatch.setattr(services_ingest, "CHUNK_ROWS", 7)
    add_source(sqlite_store, "NCB/big", grade="admiralty:B2", tlp="GREEN")
    rows = [seizure(quantity=str(i % 5)) for i in range(40)]  # each row appears 8 times
    rows[30]["record_id"] = "ID-1"
    rows[3]["record_id"] = "ID-1"  # the same agency id twice, in different chunks
    path = write_csv(tmp_path / "dups.csv", rows)
    result = ingest_files(sqlite_store, [path], OPTIONS)
    assert (result.counts.inserted, result.counts.quarantined) == (39, 1)
    dup = result.issues.filter(result.issues["code"] == "duplicate_record_id")
    assert dup["row"].to_list() == [32] and "dups.csv:5" in dup["message"][0]
    monkeypatch.setattr(services_ingest, "CHUNK_ROWS", 1000)
    again = ingest_files(sqlite_store, [path], OPTIONS)
    assert (again.counts.inserted, again.counts.already_present) == (0, 39)
