"""Resumable chunked resolution: chunks persist, a resumed run scores only what is missing."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from tocta.analytics.resolution import ResolutionParams, resolve_records
from tocta.services.resolve import resolve_in_chunks


def _records() -> pl.DataFrame:
    given = ["Ana", "Luis", "Marta", "Pedro", "Sofia", "Diego", "Lucia", "Pablo"]
    family = ["Vega", "Soto", "Lara", "Mora", "Rios", "Cruz", "Paz", "Leon"]
    rows: list[tuple[str, str, str, str | None]] = []
    for i, g in enumerate(given):
        for j, f in enumerate(family):
            dob = f"{1960 + i * 3 + j}-{1 + j:02d}-{10 + i:02d}"
            rows.append((f"r{i}{j}a", f"{g} {f}", dob, f"ES{i}{j}00000"))
            rows.append((f"r{i}{j}b", f"{f.upper()}, {g}", dob, f"ES{i}{j}00000"))
            rows.append((f"r{i}{j}c", f"{g} {f}", dob[:4], None))
    return pl.DataFrame(rows, schema=["record_id", "name", "birth_date", "passport_number"],
                        orient="row")


def test_resumed_run_equals_a_single_run(tmp_path: Path) -> None:
    params = ResolutionParams(u_max_pairs=2e4, seed=1)
    first = resolve_in_chunks(_records(), tmp_path, chunks=3, params=params, progress=False)
    chunk = tmp_path / "pairs-0002-of-0003.parquet"
    assert (tmp_path / "model.json").exists() and chunk.exists()
    chunk.unlink()                                  # as if interrupted before chunk 2
    resumed = resolve_in_chunks(_records(), tmp_path, chunks=3, progress=False)
    assert resumed.pairs.equals(first.pairs)
    whole = resolve_records(_records(), model=first.model)
    assert whole.pairs.select("left_id", "right_id").equals(
        first.pairs.select("left_id", "right_id"))


def test_other_chunking_in_the_same_folder_is_refused(tmp_path: Path) -> None:
    params = ResolutionParams(u_max_pairs=2e4, seed=1)
    resolve_in_chunks(_records(), tmp_path, chunks=2, params=params, progress=False)
    with pytest.raises(ValueError, match="another run"):
        resolve_in_chunks(_records(), tmp_path, chunks=3, progress=False)
