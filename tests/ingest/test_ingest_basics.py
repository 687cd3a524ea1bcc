"""Ingest end to end on both backends: counts, identity, idempotence, labels, replace."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import seizure, write_csv
from tocta.errors import ConfigError, NotFoundError
from tocta.services.ingest import IngestOptions, ingest_files
from tocta.services.sources import add_source
from tocta.store.engine import Store
from tocta.store.tables import record_table

OPTIONS = IngestOptions(record_type="Seizure", source_id="NCB-SN/seizures")


def _register(store: Store, source_id: str = "NCB-SN/seizures", tlp: str = "AMBER",
              grade: str = "admiralty:B2") -> None:
    add_source(store, source_id, grade=grade, tlp=tlp)


def _count(store: Store, current_only: bool = True) -> int:
    table = record_table("Seizure")
    query = sa.select(sa.func.count()).select_from(table)
    if current_only:
        query = query.where(table.c.superseded_by.is_(None))
    with store.engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def test_valid_file_is_stored_with_labels(store: Store, tmp_path: Path) -> None:
    _register(store)
    path = write_csv(tmp_path / "s.csv", [seizure(), seizure(quantity="3", unit="t")])
    result = ingest_files(store, [path], OPTIONS)
    assert (result.counts.rows_read, result.counts.inserted, result.counts.quarantined) == (2, 2, 0)
    table = record_table("Seizure")
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(table).order_by(table.c.id)).mappings().all()
    first, second = rows
    assert first["country"] == "SEN" and first["origin"] == "COL"
    assert first["transit"] == ["BRA", "CPV"] and first["destination"] == "ESP"
    assert first["quantity_canonical"] == pytest.approx(120.5)
    assert second["quantity_canonical"] == pytest.approx(3000.0)
    assert first["tlp"] == "AMBER" and first["grade_scheme"] == "admiralty"
    assert (first["source_reliability"], first["info_credibility"]) == ("B", "2")
    assert (first["reliability_rank"], first["credibility_rank"]) == (2, 2)
    assert first["owner_agency"] == "NCB-SN" and first["source_row"] == 2
    assert first["source_file"] == "s.csv" and first["year"] == 2022


def test_reingest_adds_nothing_and_says_so(store: Store, tmp_path: Path) -> None:
    _register(store)
    path = write_csv(tmp_path / "s.csv", [seizure(), seizure(quantity="7")])
    ingest_files(store, [path], OPTIONS)
    again = ingest_files(store, [path], OPTIONS)
    assert (again.counts.inserted, again.counts.already_present) == (0, 2)
    assert _count(store) == 2


def test_identical_rows_are_two_records_and_later_file_row_is_present(
        store: Store, tmp_path: Path) -> None:
    _register(store)
    one = write_csv(tmp_path / "a.csv", [seizure(), seizure()])
    result = ingest_files(store, [one], OPTIONS)
    assert result.counts.inserted == 2
    later = write_csv(tmp_path / "b.csv", [seizure(), seizure(quantity="9")])
    result = ingest_files(store, [later], OPTIONS)
    assert (result.counts.inserted, result.counts.already_present) == (1, 1)
    assert _count(store) == 3


def test_same_fact_written_differently_is_the_same_record(store: Store, tmp_path: Path) -> None:
    _register(store)
    ingest_files(store, [write_csv(tmp_path / "a.csv", [seizure(quantity="1000")])], OPTIONS)
    result = ingest_files(store, [write_csv(tmp_path / "b.csv", [
        seizure(quantity="1,000", country="SEN", origin="COL", transit="BRA;CPV",
                destination="ESP")])], OPTIONS)
    assert result.counts.already_present == 1


def test_other_labels_on_a_stored_record_are_a_label_conflict(store: Store,
                                                              tmp_path: Path) -> None:
    _register(store)
    path = write_csv(tmp_path / "s.csv", [seizure()])
    ingest_files(store, [path], OPTIONS)
    result = ingest_files(store, [path], IngestOptions(
        record_type="Seizure", source_id="NCB-SN/seizures", tlp="RED"))
    assert result.counts.quarantined == 1 and result.counts.inserted == 0
    assert "label_conflict" in result.issues_by_code
    with store.engine.connect() as conn:
        tlps = conn.execute(sa.select(record_table("Seizure").c.tlp)).scalars().all()
    assert tlps == ["AMBER"]


def test_record_ids_changed_values_need_replace(store: Store, tmp_path: Path) -> None:
    _register(store)
    ingest_files(store, [write_csv(tmp_path / "a.csv", [
        seizure(record_id="X1"), seizure(record_id="X2", quantity="5")])], OPTIONS)
    corrected = write_csv(tmp_path / "b.csv", [seizure(record_id="X1", quantity="99")])
    refused = ingest_files(store, [corrected], OPTIONS)
    assert refused.counts.quarantined == 1 and "record_changed" in refused.issues_by_code
    replaced = ingest_files(store, [corrected], IngestOptions(
        record_type="Seizure", source_id="NCB-SN/seizures", replace=True))
    assert replaced.counts.inserted == 1
    assert replaced.counts.superseded == 2  # X1 changed, X2 no longer in the submission
    assert _count(store) == 1 and _count(store, current_only=False) == 3
    table = record_table("Seizure")
    with store.engine.connect() as conn:
        current = conn.execute(sa.select(table.c.quantity).where(
            table.c.superseded_by.is_(None))).scalars().all()
    assert current == [99.0]


def test_unregistered_source_says_how_to_register(store: Store, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "s.csv", [seizure()])
    with pytest.raises(NotFoundError, match="tocta sources add"):
        ingest_files(store, [path], OPTIONS)


def test_source_without_grade_or_tlp_is_a_configuration_error(store: Store) -> None:
    with pytest.raises(ConfigError) as excinfo:
        add_source(store, "NCB-SN/x", grade=None, tlp=None)
    assert "--grade is required" in str(excinfo.value) and "--tlp is required" in str(
        excinfo.value)


def test_mapping_problems_are_listed_together_before_any_row(store: Store,
                                                             tmp_path: Path) -> None:
    _register(store)
    mapping = tmp_path / "m.yaml"
    mapping.write_text("fields:\n  date: When\n  country: Where\n  colour: Paint\n"
                       "  year: Year\n")
    path = write_csv(tmp_path / "s.csv", [{"When": "2021", "Place": "x"}])
    with pytest.raises(ConfigError) as excinfo:
        ingest_files(store, [path], IngestOptions(record_type="Seizure",
                                                  source_id="NCB-SN/seizures",
                                                  mapping=mapping))
    message = str(excinfo.value)
    for expected in ("column 'Where' is not in s.csv", "'colour' is not a field",
                     "'year' is derived", "required field 'commodity'", "columns found: When, "
                     "Place"):
        assert expected in message
    assert _count(store) == 0
