"""Route estimation speed: about 1M and 10M seizure records on DuckDB (target: 1M ≤ 20 s).

    .venv/bin/python bench/routes.py [--events 2000000 20000000] [--out bench/out/routes-speed]

Each world is `west-africa-cocaine` scaled to the given number of seizure events (about half
of the events reach the agencies' files at the scenario's reporting rates, so 2M events give
about 1M seizure records in the store), without
actors, simulated and ingested into its own SQLite store once (not timed). Then, in this
process:

* baseline: DuckDB alone reading the store in place (scanner) and grouping the seizures by
  country, origin, transit and destination — the floor for touching every record;
* tocta: `route_flows` end to end (clearance view, de-duplication window, Ibis classes, model
  fit, 20 bootstrap refits, 6 structural and ~14 leave-one-country-out refits, yearly
  refits and trend tests).

Prints records, classes, seconds and the ratio to the baseline.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path


def build(events: int, out: Path) -> Path:
    from tocta.services.simulate import ingest_world
    from tocta.simulate.run import simulate_world
    from tocta.simulate.scenario import load_scenario
    from tocta.store.engine import open_store

    folder = out / f"wa-{events}"
    db = folder.with_suffix(".db")
    if db.exists():
        return db
    scenario = load_scenario("west-africa-cocaine")
    simulate_world(scenario, 1, folder, scale=events / scenario.volume.seizure_events,
                   actors=False)
    store = open_store(str(db))
    ingest_world(store, folder)
    store.dispose()
    return db


def baseline(db: Path) -> tuple[float, int]:
    from tocta.store.duck import attach_store, connect_duckdb
    from tocta.store.engine import open_store

    store = open_store(str(db))
    start = time.perf_counter()
    con = connect_duckdb()
    prefix = attach_store(con, store)
    n = con.execute(f"SELECT count(*) FROM (SELECT country, origin, transit, destination, "
                    f"count(*) FROM {prefix}.seizure GROUP BY ALL)").fetchone()
    con.close()
    store.dispose()
    return time.perf_counter() - start, int(n[0]) if n else 0


def stored(db: Path) -> int:
    """Seizure records in the store (all agencies, duplicates included)."""
    import sqlite3

    with sqlite3.connect(db) as con:
        return int(con.execute("SELECT count(*) FROM seizure").fetchone()[0])


def tocta_run(db: Path) -> tuple[float, int, int]:
    from tocta.access.clearance import Clearance
    from tocta.services.routes import route_flows
    from tocta.store.engine import open_store

    store = open_store(str(db))
    start = time.perf_counter()
    est = route_flows(store, Clearance.full(), commodity="cocaine")
    elapsed = time.perf_counter() - start
    store.dispose()
    return elapsed, est.inputs.records, int(est.fit_info["classes"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, nargs="+", default=[2_000_000, 20_000_000])
    parser.add_argument("--out", type=Path, default=Path("bench/out/routes-speed"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    print(f"{'events':>11} {'stored':>10} {'used':>10} {'classes':>8} {'baseline s':>11} "
          f"{'tocta s':>8} {'ratio':>6}")
    for events in args.events:
        db = build(events, args.out)
        base, _ = baseline(db)
        secs, records, classes = tocta_run(db)
        print(f"{events:>11,} {stored(db):>10,} {records:>10,} {classes:>8,} {base:>11.2f} "
              f"{secs:>8.2f} {secs / base:>6.1f}", flush=True)


if __name__ == "__main__":
    main()
