"""World Bank tables: the WGI workbook (multi-row header) and US CPI (BLS, via DataHub).

WGI sheets have the year on one header row and the statistic (Estimate, StdErr, NumSrc, Rank,
Lower, Upper) on the next; each economy is one row with six columns per year. The reader turns
a sheet into long rows — one per economy × year × {estimate, percentile rank} — keeping the
spreadsheet row number of the economy. "#N/A" cells are missing values, not errors. Lower/Upper
are the 90% interval in percentile-rank terms, so they go with the rank indicator.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import polars as pl

from tocta.errors import UsageError
from tocta.ingest.readers import RawTable, _stringify
from tocta.schema.types.base import empty_issues

#: sheet name → indicator code
WGI_SHEETS = {
    "VoiceandAccountability": "wgi_voice_accountability",
    "Political StabilityNoViolence": "wgi_political_stability",
    "GovernmentEffectiveness": "wgi_government_effectiveness",
    "RegulatoryQuality": "wgi_regulatory_quality",
    "RuleofLaw": "wgi_rule_of_law",
    "ControlofCorruption": "wgi_control_of_corruption",
}
_MISSING = {"#N/A", "..", ""}


def _value(cell: Any) -> str | None:
    text = _stringify(cell)
    return None if text is None or text.strip() in _MISSING else text


def read_wgi_workbook(path: Path, options: dict[str, Any] | None = None) -> RawTable:
    """Read every indicator sheet of a WGI workbook into long rows."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        raise UsageError(f"{path}: not a readable WGI workbook ({exc})") from exc
    records: list[dict[str, str | None]] = []
    rows: list[int] = []
    for sheet_name, code in WGI_SHEETS.items():
        if sheet_name not in workbook.sheetnames:
            raise UsageError(f"{path}: sheet {sheet_name!r} is missing; is this the WGI "
                             "2023 workbook?")
        sheet = workbook[sheet_name]
        grid = sheet.iter_rows(values_only=True)
        years: tuple[Any, ...] | None = None
        stats: tuple[Any, ...] | None = None
        previous: tuple[Any, ...] = ()
        for number, row in enumerate(grid, start=1):
            if stats is None:
                if row and row[0] == "Country/Territory":
                    years, stats = previous, row
                previous = row
                continue
            if not row or row[1] is None:
                continue
            assert years is not None
            by_year: dict[str, dict[str, str | None]] = {}
            for i in range(2, len(row)):
                year = years[i] if i < len(years) else None
                stat = stats[i] if i < len(stats) else None
                if year is None or stat is None:
                    continue
                by_year.setdefault(str(year), {})[str(stat)] = _value(row[i])
            for year, values in by_year.items():
                if values.get("Estimate") is not None:
                    records.append({
                        "economy": _stringify(row[0]), "code": _stringify(row[1]), "year": year,
                        "indicator": code, "value": values.get("Estimate"),
                        "std_error": values.get("StdErr"), "value_low": None,
                        "value_high": None, "unit": "estimate (-2.5 weak .. 2.5 strong)",
                        "sources": values.get("NumSrc"),
                    })
                    rows.append(number)
                if values.get("Rank") is not None:
                    records.append({
                        "economy": _stringify(row[0]), "code": _stringify(row[1]), "year": year,
                        "indicator": code + "_rank", "value": values.get("Rank"),
                        "std_error": None, "value_low": values.get("Lower"),
                        "value_high": values.get("Upper"),
                        "unit": "percentile rank 0-100 (low/high: 90% interval)",
                        "sources": values.get("NumSrc"),
                    })
                    rows.append(number)
    workbook.close()
    columns = ["economy", "code", "year", "indicator", "value", "std_error", "value_low",
               "value_high", "unit", "sources"]
    frame = pl.DataFrame(records, schema={c: pl.Utf8 for c in columns})
    return RawTable(path, frame, pl.Series("row", rows, dtype=pl.Int64), empty_issues(), columns)


def transform_cpi(raw: RawTable) -> RawTable:
    """Monthly CPI-U rows: add the year and the month period."""
    frame = raw.frame.with_columns(
        pl.col("Date").str.slice(0, 4).alias("year"),
        pl.col("Date").str.slice(0, 7).alias("period"),
    )
    return RawTable(raw.path, frame, raw.rows, raw.issues, list(frame.columns))


def is_wgi_sheet(name: str) -> bool:
    """True for the indicator sheets of the workbook (not the introduction)."""
    return bool(re.sub(r"\s", "", name)) and name in WGI_SHEETS
