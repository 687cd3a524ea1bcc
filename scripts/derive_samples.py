"""Derive the small copies of public datasets that tocta ships for its demo.

Reads ../shared/data (never at run time: only here) and writes gzip-compressed copies to
src/tocta/ingest/adapters/data/. Run with the project's venv:

    .venv/bin/python scripts/derive_samples.py [--shared ../shared/data]

What changes from the originals (documented in DATA_LICENSES and the adapters' YAML):
- UNODC WDR JSON tables -> CSV with the same columns and values;
- WGI workbook -> long rows through tocta's own WGI reader (the same code ingest uses),
  numbers rounded to 4 decimals (the workbook holds single-precision floats);
- World Bank population -> ISO countries only (aggregates such as WLD, EUU dropped), 1990+;
- US CPI-U -> 1990+.
"""

from __future__ import annotations

import argparse
import gzip
import json
from pathlib import Path

import polars as pl

from tocta.ingest.adapters.worldbank import read_wgi_workbook
from tocta.reference.names import resolve_countries

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "tocta" / "ingest" / "adapters" / "data"


def write_gz(frame: pl.DataFrame, name: str) -> None:
    path = OUT / name
    # A fixed mtime keeps the archive byte-identical between runs.
    with path.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=9,
                                               mtime=0) as handle:
        frame.write_csv(handle)
    print(f"{name}: {frame.height} rows, {path.stat().st_size:,} bytes")


def json_table(path: Path) -> pl.DataFrame:
    records = json.loads(path.read_text(encoding="utf-8"))
    columns: list[str] = []
    for record in records:
        for key in record:
            if key not in columns:
                columns.append(key)
    return pl.DataFrame(
        [{c: None if r.get(c) is None else str(r.get(c)) for c in columns} for r in records],
        schema={c: pl.Utf8 for c in columns},
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    args = parser.parse_args()
    shared: Path = args.shared
    OUT.mkdir(parents=True, exist_ok=True)
    unodc = shared / "unodc-wdr-drug-seizures-prices"
    write_gz(json_table(unodc / "Drug_seizures_2018_2022.json"), "unodc_wdr2024_seizures.csv.gz")
    write_gz(json_table(unodc / "Prices_of_drugs.json"), "unodc_wdr2024_prices.csv.gz")
    write_gz(json_table(unodc / "Prevalence_of_drug_use_NonNPS_General.json"),
             "unodc_wdr2024_prevalence.csv.gz")
    write_gz(json_table(unodc / "Prevalence_of_drug_use_NPS_General.json"),
             "unodc_wdr2024_prevalence_nps.csv.gz")
    cites = pl.read_csv(shared / "cites-trade-arapaima-extract"
                        / "cites_comptab_arapaima_gigas_2023-05-25.csv", infer_schema=False)
    write_gz(cites, "cites_arapaima_2023-05-25.csv.gz")
    wgi = read_wgi_workbook(shared / "wgi-2023-update" / "wgidataset.xlsx")
    # The workbook stores single-precision floats (1.1583625078201294); 4 decimals keep every
    # published digit and shrink the copy by half.
    numeric = ["value", "std_error", "value_low", "value_high"]
    wgi_frame = wgi.frame.with_columns(
        [pl.col(c).cast(pl.Float64).round(4).cast(pl.Utf8) for c in numeric])
    write_gz(wgi_frame, "wgi_2023_long.csv.gz")
    # Reference for the simulator: the latest rule-of-law estimate per ISO country.
    rol = (wgi_frame.filter((pl.col("indicator") == "wgi_rule_of_law")
                            & pl.col("value").is_not_null())
           .with_columns(pl.col("year").cast(pl.Int64))
           .sort("year").group_by("code").last())
    matches = resolve_countries(rol["code"].to_list())
    rol = rol.with_columns(pl.col("code").replace_strict(
        {c: m.code for c, m in matches.items()}, default=None).alias("iso3"))
    rol = rol.filter(pl.col("iso3").is_not_null()).select(
        "iso3", "year", pl.col("value").alias("rule_of_law")).sort("iso3")
    reference = ROOT / "src" / "tocta" / "reference" / "data" / "wgi_rule_of_law.csv"
    rol.write_csv(reference)
    print(f"wgi_rule_of_law.csv: {rol.height} countries")
    population = pl.read_csv(shared / "population-worldbank" / "population.csv",
                             infer_schema=False)
    codes = population["Country Code"].unique().to_list()
    matches = resolve_countries(codes)
    iso = [c for c, m in matches.items() if m.code is not None and m.method in (
        "iso3", "wb_code")]
    population = population.filter(pl.col("Country Code").is_in(iso)
                                   & (pl.col("Year").cast(pl.Int64) >= 1990))
    write_gz(population, "worldbank_population_1990.csv.gz")
    cpi = pl.read_csv(shared / "cpi-us" / "cpiai.csv", infer_schema=False)
    write_gz(cpi.filter(pl.col("Date") >= "1990"), "cpi_us_1990.csv.gz")


if __name__ == "__main__":
    main()
