"""Bad input: every problem is an issue naming file, row, field and value; nothing is lost."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from tests.conftest import FIXTURES
from tocta.services.ingest import IngestOptions, ingest_files
from tocta.services.sources import add_source, write_quarantine_file
from tocta.store.engine import Store
from tocta.store.tables import record_table

OPTIONS = IngestOptions(record_type="Seizure", source_id="NCB/bad")


@pytest.fixture
def registered(sqlite_store: Store) -> Store:
    add_source(sqlite_store, "NCB/bad", grade="admiralty:C3", tlp="GREEN")
    return sqlite_store


def test_bad_file_gives_exactly_the_expected_issues(registered: Store) -> None:
    result = ingest_files(registered, [FIXTURES / "ingest" / "bad_seizures.csv"], OPTIONS)
    expected = json.loads((FIXTURES / "ingest" / "bad_seizures.issues.json").read_text())
    got = [
        {k: r[k] for k in ("row", "field", "code", "level", "value")}
        for r in result.issues.iter_rows(named=True)
    ]
    key = lambda d: (d["row"] or 0, d["field"], d["code"])  # noqa: E731
    assert sorted(got, key=key) == sorted(expected, key=key)
    c = result.counts
    assert (c.rows_read, c.inserted, c.already_present, c.quarantined) == (10, 3, 0, 7)
    assert c.rows_read == c.inserted + c.already_present + c.quarantined


def test_issue_lines_name_file_row_field_and_value(registered: Store) -> None:
    from tocta.ingest.issues import issue_lines

    result = ingest_files(registered, [FIXTURES / "ingest" / "bad_seizures.csv"], OPTIONS)
    lines = issue_lines(result.issues)
    assert "bad_seizures.csv:5: country: 'Narnia' is not a known country" in "\n".join(lines)
    assert any(line.startswith("bad_seizures.csv:10: quantity: '12 kg' is not a number")
               for line in lines)


def test_unmapped_column_values_are_kept_with_the_record(registered: Store) -> None:
    ingest_files(registered, [FIXTURES / "ingest" / "bad_seizures.csv"], OPTIONS)
    table = record_table("Seizure")
    with registered.engine.connect() as conn:
        extras = conn.execute(sa.select(table.c.extra).order_by(table.c.id)).scalars().all()
    assert extras[0] == {"Officer notes": "ok"}


def test_quarantine_file_is_ready_to_fix_and_resubmit(registered: Store, tmp_path: Path) -> None:
    result = ingest_files(registered, [FIXTURES / "ingest" / "bad_seizures.csv"], OPTIONS)
    out = tmp_path / "fix.csv"
    assert write_quarantine_file(registered, result.run_id, out) == 7
    text = out.read_text()
    assert "Narnia" in text and "issues" in text.splitlines()[0]
    # Correct the file and re-submit: the fixed rows go in, nothing else changes.
    fixed = text.replace("Narnia", "Niger").replace("2021-02-30", "2021-02-28")
    (tmp_path / "fixed.csv").write_text(fixed)
    again = ingest_files(registered, [tmp_path / "fixed.csv"], OPTIONS)
    assert again.counts.inserted == 2 and again.counts.quarantined == 5


def test_broken_excel_cell_is_an_issue(registered: Store, tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["Date of seizure", "Country of seizure", "Commodity", "Quantity", "Unit"])
    sheet.append(["2022-05-01", "Mali", "cannabis", 50, "kg"])
    sheet.append(["2022-05-02", "Mali", "cannabis", "#VALUE!", "kg"])
    path = tmp_path / "broken.xlsx"
    workbook.save(path)
    result = ingest_files(registered, [path], OPTIONS)
    broken = result.issues.filter(result.issues["code"] == "broken_cell")
    assert broken.height == 1
    row = broken.row(0, named=True)
    assert (row["row"], row["field"], row["level"]) == (3, "Quantity", "error")
    assert "D3" in row["message"]
    assert (result.counts.inserted, result.counts.quarantined) == (1, 1)


def test_ragged_csv_rows_are_quarantined_not_fatal(registered: Store, tmp_path: Path) -> None:
    path = tmp_path / "ragged.csv"
    path.write_text("date,country,commodity,quantity,unit\n2022-01-01,Mali,cannabis,4,kg\n"
                    "2022-01-02,Mali,cannabis,4,kg,extra,fields\n2022-01-03,Mali\n")
    result = ingest_files(registered, [path], OPTIONS)
    assert result.counts.rows_read == 3
    ragged = result.issues.filter(result.issues["code"] == "ragged_row")
    assert sorted(ragged["row"].to_list()) == [3, 4]
    assert result.counts.inserted == 1 and result.counts.quarantined == 2
