"""Derive the money reference data: annual US CPI-U and ISO 4217 currencies.

- ``src/tocta/reference/data/cpi_us_annual.csv``: annual averages of the monthly CPI-U index
  (1982-84 = 100) in ``../shared/data/cpi-us/cpiai.csv`` (US Bureau of Labor Statistics via
  DataHub ``datasets/cpi-us``, PDDL). A year with fewer than 12 monthly values is kept but
  flagged ``complete = false`` (the source lacks October 2025, which BLS did not publish, and
  the months of 2026 not yet released).
- ``src/tocta/reference/data/currencies.csv``: ISO 4217 alphabetic code, name, numeric code and
  minor unit, from ``../shared/data/country-codes-datahub/country-codes.csv`` (DataHub
  ``datasets/country-codes``, PDDL); countries with two currencies ("PAB,USD") give both.

Usage: ``python scripts/derive_cpi.py [--data DIR]``.
"""

from __future__ import annotations

import argparse
import csv
import io
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
OUT = ROOT / "src" / "tocta" / "reference" / "data"


def derive_cpi(data: Path) -> list[tuple[int, float, int]]:
    """(year, annual average index, number of months) from the monthly CPI-U file."""
    months: dict[int, list[float]] = defaultdict(list)
    with (data / "cpi-us" / "cpiai.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            months[int(row["Date"][:4])].append(float(row["Index"]))
    return [(year, sum(v) / len(v), len(v)) for year, v in sorted(months.items())]


def derive_currencies(data: Path) -> list[tuple[str, str, str, str]]:
    """Distinct (code, name, numeric, minor unit), split where a country lists two currencies."""
    found: dict[str, tuple[str, str, str, str]] = {}
    path = data / "country-codes-datahub" / "country-codes.csv"
    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            codes = row["ISO4217-currency_alphabetic_code"].split(",")
            names = row["ISO4217-currency_name"].split(",")
            numerics = row["ISO4217-currency_numeric_code"].split(",")
            minors = row["ISO4217-currency_minor_unit"].split(",")
            for i, code in enumerate(codes):
                code = code.strip()
                if len(code) != 3 or not code.isalpha():
                    continue  # e.g. Antarctica: "No universal currency"
                found.setdefault(code, (code, names[i].strip(), numerics[i].strip().zfill(3),
                                        minors[i].strip() if i < len(minors) else ""))
    return sorted(found.values())


def _write(path: Path, header: list[str], rows: Sequence[Sequence[object]]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    args = parser.parse_args()
    cpi = derive_cpi(args.data)
    _write(OUT / "cpi_us_annual.csv", ["year", "cpi", "months", "complete"],
           [(y, f"{v:.3f}", n, "true" if n == 12 else "false") for y, v, n in cpi])
    currencies = derive_currencies(args.data)
    _write(OUT / "currencies.csv", ["code", "name", "numeric", "minor_unit"], currencies)
    partial = [y for y, _, n in cpi if n != 12]
    print(f"CPI {cpi[0][0]}-{cpi[-1][0]} (partial: {partial}); {len(currencies)} currencies")


if __name__ == "__main__":
    main()
