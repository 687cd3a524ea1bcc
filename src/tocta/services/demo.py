"""The demo: ingest the bundled real public data into a fresh store and say what it holds.

Every dataset is real (UNODC World Drug Report 2024 tables, CITES trade extract, World Bank WGI
and population, US CPI). The store is marked as holding real data; simulated data never goes
into it. Until the threat-assessment report lands, the demo ends with a summary of what the
store holds, computed through the read API (DuckDB reading the store in place).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from tocta.access.clearance import Clearance
from tocta.services.ingest import IngestOptions, IngestResult, Progress, ingest_files
from tocta.services.sources import ensure_source
from tocta.services.store import store_summary
from tocta.store.engine import Store, open_store
from tocta.store.read import read_records


@dataclass(frozen=True)
class Dataset:
    """A bundled dataset: its file, adapter mapping, record type and source."""

    file: str
    mapping: str
    record_type: str
    source_id: str
    grade: str
    title: str


DATASETS = (
    Dataset("unodc_wdr2024_seizures.csv.gz", "unodc_wdr_seizures.yaml", "SeizureTotal",
            "UNODC/WDR2024-seizures", "admiralty:B2",
            "World Drug Report 2024 annex: drug seizures by country, 2018-2022"),
    Dataset("unodc_wdr2024_prices.csv.gz", "unodc_wdr_prices.yaml", "PriceObservation",
            "UNODC/WDR2024-prices", "admiralty:B2",
            "World Drug Report 2024 annex: prices of drugs, 2018-2022"),
    Dataset("unodc_wdr2024_prevalence.csv.gz", "unodc_wdr_prevalence.yaml", "MarketEstimate",
            "UNODC/WDR2024-prevalence", "admiralty:B2",
            "World Drug Report 2024 annex: annual prevalence of drug use"),
    Dataset("unodc_wdr2024_prevalence_nps.csv.gz", "unodc_wdr_prevalence_nps.yaml",
            "MarketEstimate", "UNODC/WDR2024-prevalence-nps", "admiralty:B2",
            "World Drug Report 2024 annex: prevalence of NPS use"),
    Dataset("cites_arapaima_2023-05-25.csv.gz", "cites_comptab.yaml", "TradeRecord",
            "CITES/comptab-arapaima", "admiralty:B2",
            "CITES Trade Database comparative tabulation, Arapaima gigas, 2001-2021"),
    Dataset("wgi_2023_long.csv.gz", "wgi_long.yaml", "Indicator", "WB/WGI-2023", "admiralty:A2",
            "Worldwide Governance Indicators, 2023 update"),
    Dataset("worldbank_population_1990.csv.gz", "worldbank_population.yaml", "Indicator",
            "WB/population", "admiralty:A1", "Total population (SP.POP.TOTL), 1990-2024"),
    Dataset("cpi_us_1990.csv.gz", "cpi_us.yaml", "Indicator", "BLS/CPI-U", "admiralty:A1",
            "US CPI-U monthly, 1990-2026"),
)


def adapter_path(name: str) -> Path:
    """Path of a shipped adapter mapping or data file."""
    base = resources.files("tocta.ingest.adapters")
    candidate = base / name
    if not candidate.is_file():
        candidate = base / "data" / name
    return Path(str(candidate))


def ingest_bundled(store: Store, user: str, progress: Progress | None = None,
                   on_result: Callable[[Dataset, IngestResult], None] | None = None,
                   ) -> list[IngestResult]:
    """Register the bundled sources and ingest their files (idempotent)."""
    results = []
    for ds in DATASETS:
        ensure_source(store, ds.source_id, grade=ds.grade, tlp="CLEAR", title=ds.title)
        options = IngestOptions(record_type=ds.record_type, source_id=ds.source_id,
                                mapping=adapter_path(ds.mapping), user=user)
        result = ingest_files(store, [adapter_path(ds.file)], options, progress)
        results.append(result)
        if on_result:
            on_result(ds, result)
    return results


def _query(table: pa.Table, sql: str) -> list[dict[str, Any]]:
    con = duckdb.connect()
    con.register("t", table)
    rows = con.execute(sql).fetchall()
    names = [d[0] for d in con.description or []]
    con.close()
    return [dict(zip(names, r, strict=True)) for r in rows]


def highlights(store: Store) -> dict[str, Any]:
    """A few facts computed from the store through the read API (as a reader with CLEAR access)."""
    public = Clearance.public()
    seizures = read_records(store, "SeizureTotal", public, commodities=["cocaine_type",
                            "cocaine_hcl", "crack", "coca_paste_base", "smokable_cocaine"])
    # A country's total for a year is its reported total where it gives one, else the sum of
    # its breakdown rows — never both (UNODC tables carry both).
    cocaine = _query(seizures.table, """
        WITH per AS (
          SELECT country, year,
                 sum(quantity_canonical) FILTER (WHERE is_total) AS total,
                 sum(quantity_canonical) FILTER (WHERE NOT is_total OR is_total IS NULL) AS parts
          FROM t WHERE year = 2022 GROUP BY country, year)
        SELECT country, round(coalesce(total, parts) / 1000, 1) AS tonnes
        FROM per ORDER BY tonnes DESC LIMIT 10""")
    prices = read_records(store, "PriceObservation", public, commodities=["cocaine_type",
                          "cocaine_hcl"], years=(2022, 2022))
    price_rows = _query(prices.table, """
        SELECT market_level, count(*) AS countries,
               round(median(price_per_canonical)) AS median_usd_per_kg,
               round(quantile_cont(price_per_canonical, 0.1)) AS p10,
               round(quantile_cont(price_per_canonical, 0.9)) AS p90
        FROM t WHERE canonical_unit = 'kg' AND price_per_canonical IS NOT NULL
        GROUP BY market_level ORDER BY market_level""")
    trade = read_records(store, "TradeRecord", public)
    pairs = _query(trade.table, """
        SELECT exporter, importer, count(*) AS records,
               sum(quantity_exporter) AS exporter_reported,
               sum(quantity_importer) AS importer_reported
        FROM t WHERE term = 'live' GROUP BY exporter, importer
        ORDER BY records DESC LIMIT 5""")
    return {
        "cocaine_seizures_2022_top10_tonnes": cocaine,
        "cocaine_prices_2022_usd_per_kg": price_rows,
        "arapaima_live_trade_top_pairs": pairs,
        "tlp": seizures.tlp,
    }


#: the markets the demo sizes from the bundled real data (commodity family x UNODC region)
DEMO_MARKETS = (("cocaine_type", "Western and Central Europe"), ("cocaine_type", "North America"),
                ("heroin", "Western and Central Europe"), ("heroin", "North America"))
DEMO_YEAR = 2021


def size_demo_markets(store: Store, out: Path) -> list[dict[str, Any]]:
    """Size the demo's markets (as a CLEAR reader) and write ``out/markets.json``."""
    from tocta.services.market import size_market

    results = [size_market(store, Clearance.public(), commodity=c, region=r, year=DEMO_YEAR,
                           seed=0).to_dict() for c, r in DEMO_MARKETS]
    (out / "markets.json").write_text(json.dumps(results, indent=2, default=str))
    return results


def run_demo(out: Path, user: str, progress: Progress | None = None,
             on_result: Callable[[Dataset, IngestResult], None] | None = None,
             ) -> dict[str, Any]:
    """Build (or update) the demo store under ``out`` and write its summary."""
    out.mkdir(parents=True, exist_ok=True)
    store = open_store(str(out / "tocta-real.db"))
    results = ingest_bundled(store, user, progress, on_result)
    summary = {
        "store": store_summary(store),
        "runs": [r.as_dict() for r in results],
        "highlights": highlights(store),
        "markets": size_demo_markets(store, out),
    }
    (out / "summary.json").write_text(json.dumps(summary, indent=2, default=str))
    store.dispose()
    return summary
