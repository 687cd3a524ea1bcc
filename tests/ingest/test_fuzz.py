"""Property test: whatever a CSV holds, ingest does not crash and the counts balance."""

from __future__ import annotations

import csv
import io
import itertools
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tocta.services.ingest import IngestOptions, ingest_files
from tocta.services.sources import add_source
from tocta.store.engine import Store, open_store

COLUMNS = ["date", "country", "commodity", "quantity", "unit", "origin", "transit",
           "destination", "purity", "mode", "tlp", "junk"]
VALUES = {
    "date": st.sampled_from(["2022-01-01", "2021", "13/13/2021", "", "2022-02-30", "01/02/2020",
                             "March 2020", "3021-01-01"]),
    "country": st.sampled_from(["Senegal", "SEN", "Narnia", "", "Unknown", "Africa",
                                "Côte d'Ivoire", "Nigerians"]),
    "commodity": st.sampled_from(["cocaine", "heroin", "crack", "unobtainium", "", "ecstasy"]),
    "quantity": st.sampled_from(["1", "-1", "1,5", "1e400", "abc", "", "0", "12 kg"]),
    "unit": st.sampled_from(["kg", "g", "tablet", "1000 tablet", "rock", "", "persons"]),
    "purity": st.sampled_from(["", "85%", "0.5", "150", "x"]),
    "mode": st.sampled_from(["", "sea", "Air", "teleport"]),
    "tlp": st.sampled_from(["", "TLP:WHITE", "amber", "purple"]),
}
cell = st.one_of(st.text(max_size=12), st.sampled_from(["", ";", '"', "\n", "#VALUE!"]))

_counter = itertools.count()


@pytest.fixture(scope="module")
def fuzz_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    store = open_store(str(tmp_path_factory.mktemp("fuzz") / "fuzz.db"))
    add_source(store, "FUZZ/csv", grade="admiralty:C3", tlp="GREEN")
    return store


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.fixed_dictionaries(
    {c: st.one_of(VALUES.get(c, cell), cell) for c in COLUMNS}), max_size=25))
def test_counts_balance_for_any_csv(fuzz_store: Store, tmp_path_factory: pytest.TempPathFactory,
                                    rows: list[dict[str, str]]) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    path: Path = tmp_path_factory.mktemp("f") / f"fuzz_{next(_counter)}.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    result = ingest_files(fuzz_store, [path],
                          IngestOptions(record_type="Seizure", source_id="FUZZ/csv"))
    c = result.counts
    assert c.rows_read == c.inserted + c.already_present + c.quarantined
    # Rows empty in every column are not records; every other row is read.
    assert c.rows_read == sum(1 for r in rows if any(v != "" for v in r.values()))
