"""Ingest speed: 1M synthetic seizure rows (CSV) into SQLite through `tocta ingest`'s code path.

Prints rows/s for tocta and for two baselines run by the same command on the same file:

* floor — DuckDB ``read_csv`` (all text) inserted into a SQLite table through the pip-packaged
  SQLite scanner extension, no validation: the fastest a file can get into SQLite here;
* naive — pandas ``read_csv`` + ``DataFrame.to_sql`` into SQLite, no validation.

The rows name countries by name (English, French, Spanish, demonyms, codes, a few typos), fill
every Seizure field, and include ≥ 1% bad rows (bad dates, negative quantities, unknown
countries and commodities). Each measured step runs in its own child process so that its peak
memory (max RSS) can be reported.

    .venv/bin/python bench/ingest.py [--rows 1000000] [--out bench/out]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import shutil
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

COUNTRIES = ["Senegal", "Sénégal", "SEN", "Colombia", "Colombie", "Colombian", "Brazil",
             "Brésil", "Brasil", "Spain", "España", "ESP", "Netherlands", "Pays-Bas",
             "Guinea-Bissau", "Guinée-Bissau", "Cabo Verde", "Cape Verde", "Côte d'Ivoire",
             "Ivory Coast", "Nigeria", "Nigerian", "Ghana", "Ghanaian", "Mali", "Morocco",
             "Maroc", "Belgium", "Belgique", "Portugal", "France", "Germany", "Allemagne",
             "Venezuela", "Ecuador", "Peru", "Perú", "Bolivia", "Mexico", "México",
             "United States", "USA", "United Kingdom", "Royaume-Uni", "Italy", "Italie",
             "Türkiye", "Turkey", "Togo", "Benin", "Bénin", "Guinea", "Sierra Leone", "Liberia",
             "Mauritania", "Gambia", "Niger", "Burkina Faso", "Columbia", "Senagal"]
COMMODITIES = ["cocaine", "cocaine HCl", "crack", "heroin", "cannabis herb", "hashish",
               "methamphetamine", "ecstasy", "tramadol", "cannabis resin", "ivory",
               "pangolin scales"]
UNITS = ["kg", "g", "kg", "kg", "t", "lb"]
MODES = ["air", "sea", "land", "postal", "unknown", "Maritime", "road"]


def make_file(path: Path, rows: int, seed: int = 7) -> None:
    """Write the benchmark CSV (deterministic for a seed)."""
    rng = np.random.default_rng(seed)
    def pick(values: list[str]) -> np.ndarray:
        return np.array(values, dtype=object)[rng.integers(0, len(values), rows)]
    days = rng.integers(0, 365 * 6, rows)
    dates = (np.datetime64("2018-01-01") + days.astype("timedelta64[D]")).astype(str)
    quantity = np.round(rng.lognormal(2.0, 2.0, rows), 3).astype(str).astype(object)
    frame = pl.DataFrame({
        "record_id": [f"R{i:08d}" for i in range(rows)],
        "date": dates.astype(object),
        "country": pick(COUNTRIES), "place_name": pick(["Port", "Airport", "Border post", "City"]),
        "lat": np.round(rng.uniform(-30, 50, rows), 4).astype(str).astype(object),
        "lon": np.round(rng.uniform(-80, 40, rows), 4).astype(str).astype(object),
        "commodity": pick(COMMODITIES), "quantity": quantity, "unit": pick(UNITS),
        "purity": np.round(rng.uniform(0.1, 0.95, rows), 2).astype(str).astype(object),
        "mode": pick(MODES), "origin": pick(COUNTRIES),
        "transit": (pick(COUNTRIES) + "; " + pick(COUNTRIES)),
        "destination": pick(COUNTRIES), "iccs": pick(["06011", "0601", "06012"]),
        "remarks": pick(["found in container", "swallowed", "hidden in luggage", "concealed"]),
        "entity_ids": pick(["p-1; p-2", "c-9", "v-3"]),
        "tlp": pick(["AMBER", "GREEN"]), "grade_scheme": pick(["admiralty"]),
        "source_reliability": pick(["B", "C"]), "info_credibility": pick(["2", "3"]),
    })
    # ≥ 1% bad rows, spread over the file.
    bad = rng.choice(rows, size=max(1, rows // 80), replace=False)
    kinds = rng.integers(0, 4, len(bad))
    frame = frame.with_row_index("i")
    for kind, column, value in ((0, "date", "2021-02-30"), (1, "quantity", "-5"),
                                (2, "country", "Atlantis"), (3, "commodity", "unobtainium")):
        rows_k = pl.Series(bad[kinds == kind])
        frame = frame.with_columns(
            pl.when(pl.col("i").is_in(rows_k.implode())).then(pl.lit(value))
            .otherwise(pl.col(column)).alias(column))
    frame.drop("i").write_csv(path)


def _measure(target: Callable[..., int], args: tuple[Any, ...], queue: Any) -> None:
    start = time.perf_counter()
    stored = target(*args)
    elapsed = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    queue.put((elapsed, peak_mb, stored))


def run_child(target: Callable[..., int], *args: Any) -> tuple[float, float, int]:
    """Run ``target(*args)`` in a fresh process; (seconds, peak MB, rows stored)."""
    # spawn, not fork: polars and DuckDB thread pools do not survive a fork.
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_measure, args=(target, args, queue))
    proc.start()
    result = queue.get()
    proc.join()
    if proc.exitcode:
        raise SystemExit(f"{target.__name__} failed with exit code {proc.exitcode}")
    return result


def tocta_ingest(csv_path: Path, db_path: Path) -> int:
    from tocta.services.ingest import IngestOptions, ingest_files
    from tocta.services.sources import add_source
    from tocta.store.engine import open_store

    store = open_store(str(db_path))
    add_source(store, "BENCH/seizures", grade="admiralty:B2", tlp="AMBER")
    result = ingest_files(store, [csv_path],
                          IngestOptions(record_type="Seizure", source_id="BENCH/seizures"))
    c = result.counts
    assert c.rows_read == c.inserted + c.already_present + c.quarantined
    print(f"  tocta: read {c.rows_read:,} = {c.inserted:,} inserted + {c.already_present:,} "
          f"present + {c.quarantined:,} quarantined; {c.errors:,} errors, "
          f"{c.warnings:,} warnings", flush=True)
    return c.inserted


def duckdb_floor(csv_path: Path, db_path: Path) -> int:
    from tocta.store.duck import connect_duckdb, extension_path

    con = connect_duckdb()
    con.execute(f"LOAD '{extension_path('sqlite_scanner')}'")
    con.execute(f"ATTACH '{db_path}' AS s (TYPE sqlite)")
    con.execute(f"CREATE TABLE s.seizure AS SELECT * FROM read_csv('{csv_path}', "
                "all_varchar = true, header = true)")
    n = con.execute("SELECT count(*) FROM s.seizure").fetchone()
    con.close()
    return int(n[0]) if n else 0


def pandas_naive(csv_path: Path, db_path: Path) -> int:
    import pandas as pd

    frame = pd.read_csv(csv_path)
    with sqlite3.connect(db_path) as conn:
        frame.to_sql("seizure", conn, index=False)
    return len(frame)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "out")
    args = parser.parse_args()
    out: Path = args.out
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    csv_path = out / "seizures.csv"
    t0 = time.perf_counter()
    make_file(csv_path, args.rows)
    size_mb = csv_path.stat().st_size / 1e6
    print(f"file: {args.rows:,} rows, {size_mb:.0f} MB, generated in "
          f"{time.perf_counter() - t0:.1f} s", flush=True)
    results = {}
    for name, target in (("floor (DuckDB read_csv -> SQLite scanner)", duckdb_floor),
                         ("naive (pandas read_csv + to_sql)", pandas_naive),
                         ("tocta ingest (validate, label, identify, store)", tocta_ingest)):
        db = out / f"{target.__name__}.db"
        seconds, peak, stored = run_child(target, csv_path, db)
        results[target.__name__] = seconds
        print(f"{name:50} {seconds:7.2f} s  {args.rows / seconds:>10,.0f} rows/s  "
              f"peak {peak:,.0f} MB  ({stored:,} rows stored)", flush=True)
    tocta = results["tocta_ingest"]
    print(f"tocta / floor  = {tocta / results['duckdb_floor']:.2f}x  (target <= 3x)")
    print(f"naive / tocta  = {results['pandas_naive'] / tocta:.2f}x  (target >= 4x)")


if __name__ == "__main__":
    main()
