"""Every reader gives the same records: CSV, XLSX, JSON, JSON lines, Parquet, and a template."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa
from openpyxl import Workbook, load_workbook

from tests.conftest import seizure, write_csv
from tocta.schema.model import get_type
from tocta.schema.template import build_template
from tocta.services.ingest import IngestOptions, ingest_files
from tocta.services.sources import add_source
from tocta.store.engine import Store
from tocta.store.tables import record_table

ROWS = [seizure(quantity="12.5", record_id="A-1"),
        seizure(quantity="3", unit="t", country="Ghana", transit="", record_id="A-2")]


def _write(fmt: str, path: Path) -> Path:
    if fmt == "csv":
        return write_csv(path, ROWS)
    if fmt == "csv.gz":
        import gzip

        plain = write_csv(path.with_suffix(""), ROWS)
        path.write_bytes(gzip.compress(plain.read_bytes()))
        return path
    if fmt == "json":
        path.write_text(json.dumps(ROWS))
        return path
    if fmt == "jsonl":
        path.write_text("\n".join(json.dumps(r) for r in ROWS) + "\n")
        return path
    if fmt == "parquet":
        pl.DataFrame(ROWS).write_parquet(path)
        return path
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    columns = list(ROWS[0])
    sheet.append(columns)
    for row in ROWS:
        sheet.append([float(row[c]) if c == "quantity" else row.get(c) for c in columns])
    workbook.save(path)
    return path


def _stored(store: Store) -> list[tuple[object, ...]]:
    table = record_table("Seizure")
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(
            table.c.record_id, table.c.country, table.c.quantity_canonical, table.c.transit,
            table.c.content_hash).order_by(table.c.record_id)).all()
    return [tuple(r) for r in rows]


@pytest.mark.parametrize("fmt", ["csv", "csv.gz", "xlsx", "json", "jsonl", "parquet"])
def test_every_format_gives_the_same_records(sqlite_store: Store, tmp_path: Path,
                                             fmt: str) -> None:
    add_source(sqlite_store, "NCB/x", grade="admiralty:B2", tlp="GREEN")
    path = _write(fmt, tmp_path / f"seizures.{fmt}")
    result = ingest_files(sqlite_store, [path], IngestOptions(record_type="Seizure",
                                                              source_id="NCB/x"))
    assert (result.counts.inserted, result.counts.quarantined) == (2, 0), result.issues
    stored = _stored(sqlite_store)
    assert [r[:4] for r in stored] == [("A-1", "SEN", 12.5, ["BRA", "CPV"]),
                                       ("A-2", "GHA", 3000.0, None)]


def test_content_hash_does_not_depend_on_the_format(tmp_path: Path, sqlite_store: Store) -> None:
    add_source(sqlite_store, "NCB/x", grade="admiralty:B2", tlp="GREEN")
    options = IngestOptions(record_type="Seizure", source_id="NCB/x")
    ingest_files(sqlite_store, [_write("csv", tmp_path / "a.csv")], options)
    again = ingest_files(sqlite_store, [_write("xlsx", tmp_path / "a.xlsx")], options)
    assert again.counts.already_present == 2


def test_template_has_dropdowns_descriptions_and_ingests_filled_in(
        sqlite_store: Store, tmp_path: Path) -> None:
    rt = get_type("Seizure")
    path = tmp_path / "template.xlsx"
    build_template(rt).save(path)
    workbook = load_workbook(path)
    data = workbook.worksheets[0]
    headers = [c.value for c in data[1]]
    assert headers[:3] == ["Record id", "Date of seizure", "Year"] or "Date of seizure" in headers
    assert "Canonical quantity" not in headers  # derived fields are not asked for
    formulas = {dv.formula1 for dv in data.data_validations.dataValidation}
    assert len(formulas) >= 4  # commodity, mode, TLP, grading scheme...
    about = workbook["fields"]
    described = {row[1].value: row[4].value for row in about.iter_rows(min_row=2)}
    assert described["country"].startswith("Country where the seizure took place")
    assert workbook["codelists"].sheet_state == "hidden"
    # Fill two rows the way a person would, save, ingest with no mapping.
    column = {h: i + 1 for i, h in enumerate(headers)}
    for r, values in enumerate([
        {"Date of seizure": "2023-04-02", "Country of seizure": "Sénégal",
         "Commodity": "cocaine_hcl", "Quantity": 48.2, "Unit": "kg", "Conveyance": "sea",
         "Reported transit": "Brazil; Cape Verde", "TLP": "AMBER"},
        {"Date of seizure": "2023-04-09", "Country of seizure": "Guinea-Bissau",
         "Commodity": "cannabis_herb", "Quantity": 1.5, "Unit": "t", "Conveyance": "land"},
    ], start=2):
        for header, value in values.items():
            data.cell(row=r, column=column[header], value=value)
    workbook.save(path)
    add_source(sqlite_store, "NCB-SN/tpl", grade="admiralty:B3", tlp="GREEN")
    result = ingest_files(sqlite_store, [path], IngestOptions(record_type="Seizure",
                                                              source_id="NCB-SN/tpl"))
    assert (result.counts.inserted, result.counts.quarantined) == (2, 0)
    assert "unmapped_column" not in result.issues_by_code
    table = record_table("Seizure")
    with sqlite_store.engine.connect() as conn:
        rows = conn.execute(sa.select(table.c.country, table.c.tlp, table.c.transit)
                            .order_by(table.c.id)).all()
    assert [tuple(r) for r in rows] == [("SEN", "AMBER", ["BRA", "CPV"]), ("GNB", "GREEN", None)]


def test_latin1_csv_is_read_with_the_mapping_encoding(sqlite_store: Store, tmp_path: Path) -> None:
    add_source(sqlite_store, "NCB/x", grade="admiralty:B2", tlp="GREEN")
    path = tmp_path / "latin1.csv"
    path.write_bytes("date,country,commodity,quantity,unit\n2022-01-02,Sénégal,cocaïne,4,kg\n"
                     .encode("latin-1"))
    mapping = tmp_path / "m.yaml"
    mapping.write_text("read: {encoding: latin-1}\n")
    result = ingest_files(sqlite_store, [path], IngestOptions(
        record_type="Seizure", source_id="NCB/x", mapping=mapping))
    assert (result.counts.inserted, result.counts.quarantined) == (1, 0), result.issues
    assert _stored(sqlite_store)[0][1] == "SEN"
