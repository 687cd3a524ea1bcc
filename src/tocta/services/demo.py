"""The demo: two threat assessments from two separate stores, real and synthetic.

(b) Real: the bundled public data (UNODC World Drug Report 2024 tables, CITES trade extract,
World Bank WGI and population, US CPI) is ingested into ``tocta-real.db``, summarised through
the read API, its markets sized, and assessed (``real-report/``); the report says which
sections public data cannot fill. (a) Synthetic: the shipped West Africa cocaine scenario and
the Mediterranean migrant-smuggling scenario are simulated (fixed seed) into
``synthetic/tocta-synthetic.db`` and assessed for West Africa (``synthetic-report/``), with
SYNTHETIC on every page. The two never share a store or a report.
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


#: the real-data assessment: a consumer region the bundled UNODC tables cover well
REAL_REGION = "Western and Central Europe"
REAL_YEARS = (2017, 2021)
#: the synthetic assessment: worlds (scenario, seed, scale) and what is assessed
SYNTHETIC_WORLDS = (("west-africa-cocaine", 7, 0.3), ("people-smuggling-mediterranean", 7, 0.3))
SYNTHETIC_REGION = "West Africa"
SYNTHETIC_YEARS = (2018, 2021)
SYNTHETIC_FLOWS = ("cocaine", "smuggled_migrants")


def _formats() -> tuple[str, ...]:
    from tocta.report.pdf import find_browser

    return ("html", "pdf") if find_browser() else ("html",)


def build_synthetic_store(folder: Path, step: Callable[[str], None]) -> Store:
    """Simulate the demo's worlds into ``folder`` and ingest them (reused when present)."""
    from tocta.services.simulate import ingest_world
    from tocta.simulate.run import simulate_world
    from tocta.simulate.scenario import load_scenario

    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "tocta-synthetic.db"
    done = folder / ".complete"
    if db.exists() and done.exists():
        return open_store(str(db))
    db.unlink(missing_ok=True)
    store = open_store(str(db))
    for scenario, seed, scale in SYNTHETIC_WORLDS:
        world = folder / f"{scenario}-{seed}"
        if world.exists():
            import shutil

            shutil.rmtree(world)
        step(f"simulating {scenario} (seed {seed})")
        simulate_world(load_scenario(scenario), seed, world, scale=scale)
        step(f"ingesting {scenario}")
        ingest_world(store, world)
    done.write_text("simulated and ingested\n")
    return store


def run_demo(out: Path, user: str, progress: Progress | None = None,
             on_result: Callable[[Dataset, IngestResult], None] | None = None,
             reports: bool = True, step: Callable[[str], None] | None = None,
             ) -> dict[str, Any]:
    """Build (or update) the demo stores under ``out``, write the summary and both reports.

    ``reports=False`` stops after the real store's summary and markets.
    """
    from tocta.services.assess import assess

    say = step or (lambda _m: None)
    out.mkdir(parents=True, exist_ok=True)
    store = open_store(str(out / "tocta-real.db"))
    results = ingest_bundled(store, user, progress, on_result)
    summary: dict[str, Any] = {
        "store": store_summary(store),
        "runs": [r.as_dict() for r in results],
        "highlights": highlights(store),
        "markets": size_demo_markets(store, out),
    }
    if reports:
        formats = _formats()
        say(f"real-data assessment: {REAL_REGION} {REAL_YEARS[0]}-{REAL_YEARS[1]}")
        real = assess(store, Clearance.public(), REAL_REGION, REAL_YEARS,
                      out=out / "real-report", progress=say, formats=formats)
        syn_store = build_synthetic_store(out / "synthetic", say)
        say(f"synthetic assessment: {SYNTHETIC_REGION} "
            f"{SYNTHETIC_YEARS[0]}-{SYNTHETIC_YEARS[1]}")
        syn = assess(syn_store, Clearance.full(), SYNTHETIC_REGION, SYNTHETIC_YEARS,
                     flows=SYNTHETIC_FLOWS, out=out / "synthetic-report", progress=say,
                     work=out / "synthetic" / "resolve", formats=formats)
        syn_store.dispose()
        summary["reports"] = {
            name: {"region": a.region, "years": list(a.years), "tlp": a.tlp,
                   "synthetic": a.synthetic, "ranking": a.ranking(),
                   "skipped": list(a.skipped),
                   "files": {k: str(v) for k, v in a.written.items()}}
            for name, a in (("real", real), ("synthetic", syn))}
        if "pdf" not in formats:
            summary["pdf"] = ("no PDF: headless Chromium was not found (apt-get install "
                              "chromium), or print report.html from a browser")
    (out / "summary.json").write_text(json.dumps(summary, indent=2, default=str))
    store.dispose()
    return summary
