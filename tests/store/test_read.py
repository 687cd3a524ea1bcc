"""The read API: Arrow tables through DuckDB, filtered by region, commodity, period, clearance."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import seizure, write_csv
from tocta.access.clearance import Clearance
from tocta.reference.regions import region_codes
from tocta.services.ingest import IngestOptions, ingest_files
from tocta.services.sources import add_source, share_source
from tocta.store.engine import Store
from tocta.store.read import read_records


@pytest.fixture
def two_agencies(store: Store, tmp_path: Path) -> Store:
    """Agency NCB-SN holds AMBER seizures, NCB-GH holds AMBER+STRICT ones, plus a CLEAR set."""
    add_source(store, "NCB-SN/seizures", grade="admiralty:B2", tlp="AMBER")
    add_source(store, "NCB-GH/seizures", grade="5x5x5:B2", tlp="AMBER+STRICT")
    add_source(store, "PRESS/seizures", grade="admiralty:C3", tlp="CLEAR")
    ingest_files(store, [write_csv(tmp_path / "sn.csv", [
        seizure(country="Senegal", date="2021-05-01"),
        seizure(country="Senegal", date="2022-05-01", commodity="cannabis"),
        seizure(country="Spain", date="2022-06-01"),
    ])], IngestOptions(record_type="Seizure", source_id="NCB-SN/seizures"))
    ingest_files(store, [write_csv(tmp_path / "gh.csv", [
        seizure(country="Ghana", date="2022-01-01"),
    ])], IngestOptions(record_type="Seizure", source_id="NCB-GH/seizures"))
    ingest_files(store, [write_csv(tmp_path / "press.csv", [
        seizure(country="Guinea-Bissau", date="2020-01-01", quantity="1000"),
    ])], IngestOptions(record_type="Seizure", source_id="PRESS/seizures"))
    return store


def test_filters_by_region_commodity_and_period(two_agencies: Store) -> None:
    west_africa = region_codes("West Africa")
    result = read_records(two_agencies, "Seizure", Clearance.full(), countries=west_africa,
                          commodities=["cocaine_type", "cocaine_hcl"], years=(2021, 2022))
    countries = sorted(result.table.column("country").to_pylist())
    assert countries == ["GHA", "SEN"]
    assert result.table.column("transit").to_pylist()[0] == ["BRA", "CPV"]


def test_second_agency_sees_exactly_what_was_shared_with_it(two_agencies: Store) -> None:
    ghana = Clearance(agency="NCB-GH", user="kofi")
    before = read_records(two_agencies, "Seizure", ghana)
    assert sorted(before.table.column("source_id").to_pylist()) == [
        "NCB-GH/seizures", "PRESS/seizures"]
    assert before.withheld_rows == 3
    share_source(two_agencies, "NCB-SN/seizures", "agency:NCB-GH", "admin")
    after = read_records(two_agencies, "Seizure", ghana)
    assert sorted(after.table.column("source_id").to_pylist()) == [
        "NCB-GH/seizures", "NCB-SN/seizures", "NCB-SN/seizures", "NCB-SN/seizures",
        "PRESS/seizures"]
    assert after.tlp == "AMBER+STRICT" and after.withheld_rows == 0
    # Senegal does not see Ghana's AMBER+STRICT records even though Ghana was granted Senegal's.
    senegal = read_records(two_agencies, "Seizure", Clearance(agency="NCB-SN"))
    assert "NCB-GH/seizures" not in senegal.table.column("source_id").to_pylist()
    assert senegal.tlp == "AMBER"


def test_public_reader_sees_clear_only_and_result_says_its_tlp(two_agencies: Store) -> None:
    public = read_records(two_agencies, "Seizure", Clearance.public())
    assert public.table.column("source_id").to_pylist() == ["PRESS/seizures"]
    assert public.tlp == "CLEAR" and public.withheld_rows == 4


def test_red_needs_a_named_recipient(store: Store, tmp_path: Path) -> None:
    add_source(store, "FIU/str", grade="admiralty:B1", tlp="RED")
    ingest_files(store, [write_csv(tmp_path / "r.csv", [seizure()])],
                 IngestOptions(record_type="Seizure", source_id="FIU/str"))
    owner = Clearance(agency="FIU", user="chief")
    assert read_records(store, "Seizure", owner).num_rows == 0
    share_source(store, "FIU/str", "user:chief", "admin")
    assert read_records(store, "Seizure", owner).num_rows == 1
