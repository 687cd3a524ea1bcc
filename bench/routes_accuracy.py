"""Route accuracy against the simulator's ground truth (issue 4's figures).

    .venv/bin/python bench/routes_accuracy.py [--seeds 11 23 37 41 59] [--cache DIR]

For each scenario × variant × seed (seeds fixed before any result was looked at), a world is
simulated at the simulator's hard defaults, ingested into its own synthetic store, and the
routes of each commodity are estimated through the service (`route_flows`, DuckDB engine,
full clearance). Against the truth's legs (volume summed over the period):

* TVD: total-variation distance between estimated and true edge shares over the union of
  true and estimated country-to-country edges (shares of the total leg volume);
* the same for the naive raw-seizure baseline, and the ratio of the two;
* recall of the true top-10 edges among the estimated top 10;
* coverage: share of true edges (true share ≥ 0.5%) whose share lies in the 90% interval.

Variant ``no-governance`` sets ``enforcement.follow_governance: false`` (interdiction unrelated
to any covariate). Prints one row per (scenario, variant, seed, commodity) and the medians.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import time
from pathlib import Path

import polars as pl

SCENARIOS = ("west-africa-cocaine", "southeast-asia-synthetics")
VARIANTS = ("governance", "no-governance")
SEEDS = (11, 23, 37, 41, 59)   # fixed before looking at any result
COVERED_FROM = 0.005


def world(scenario: str, variant: str, seed: int, cache: Path) -> Path:
    """Simulate (or reuse) a world and its store; returns the store path."""
    from tocta.services.simulate import ingest_world
    from tocta.simulate.run import simulate_world
    from tocta.simulate.scenario import load_scenario
    from tocta.store.engine import open_store

    folder = cache / f"{scenario}-{variant}-{seed}"
    db = folder.with_suffix(".db")
    if db.exists() and (folder / "truth" / "legs.parquet").exists():
        return db
    shutil.rmtree(folder, ignore_errors=True)
    db.unlink(missing_ok=True)
    sc = load_scenario(scenario)
    if variant == "no-governance":
        sc = sc.model_copy(update={"enforcement": sc.enforcement.model_copy(
            update={"follow_governance": False})})
    simulate_world(sc, seed, folder, actors=False)
    store = open_store(str(db))
    ingest_world(store, folder)
    store.dispose()
    return db


def score(estimate: pl.DataFrame, naive: pl.DataFrame, truth: pl.DataFrame) -> dict[str, float]:
    keys = ["from_iso3", "to_iso3"]
    t = truth.with_columns(true=pl.col("volume") / pl.col("volume").sum()).select(*keys, "true")
    e = estimate.select(*keys, est="share", low="share_low", high="share_high")
    n = naive.select(*keys, naive="share")
    j = t.join(e, on=keys, how="full", coalesce=True).join(n, on=keys, how="full",
                                                            coalesce=True).fill_null(0.0)
    tvd = 0.5 * float((j["est"] - j["true"]).abs().sum())
    tvd_naive = 0.5 * float((j["naive"] - j["true"]).abs().sum())
    top_true = set(map(tuple, j.sort("true", descending=True).head(10).select(keys).rows()))
    top_est = set(map(tuple, j.sort("est", descending=True).head(10).select(keys).rows()))
    judged = j.filter(pl.col("true") >= COVERED_FROM)
    covered = judged.filter((pl.col("true") >= pl.col("low")) & (pl.col("true") <= pl.col("high")))
    return {"tvd": tvd, "tvd_naive": tvd_naive, "ratio": tvd / tvd_naive if tvd_naive else 0.0,
            "recall10": len(top_true & top_est) / 10,
            "coverage": covered.height / judged.height if judged.height else float("nan")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=list(SEEDS))
    parser.add_argument("--scenarios", nargs="+", default=list(SCENARIOS))
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS))
    parser.add_argument("--cache", type=Path, default=Path("bench/out/routes"))
    parser.add_argument("--replicates", type=int, default=20)
    args = parser.parse_args()
    from tocta.access.clearance import Clearance
    from tocta.services.routes import route_flows
    from tocta.store.engine import open_store

    args.cache.mkdir(parents=True, exist_ok=True)
    rows = []
    print(f"{'scenario':27} {'variant':13} {'seed':>4} {'commodity':22} {'TVD':>6} {'naive':>6} "
          f"{'ratio':>6} {'top10':>6} {'cover':>6} {'secs':>5}")
    for scenario in args.scenarios:
        for variant in args.variants:
            for seed in args.seeds:
                db = world(scenario, variant, seed, args.cache)
                legs = pl.read_parquet(db.with_suffix("") / "truth" / "legs.parquet")
                for commodity in sorted(legs["commodity"].unique().to_list()):
                    truth = (legs.filter(pl.col("commodity") == commodity)
                             .group_by(["from_country", "to_country"]).agg(pl.col("volume").sum())
                             .rename({"from_country": "from_iso3", "to_country": "to_iso3"}))
                    start = time.perf_counter()
                    store = open_store(str(db))
                    est = route_flows(store, Clearance.full(), commodity=commodity,
                                      replicates=args.replicates, seed=seed)
                    store.dispose()
                    secs = time.perf_counter() - start
                    s = score(est.edges, est.naive_edges, truth)
                    rows.append(s)
                    print(f"{scenario:27} {variant:13} {seed:>4} {commodity:22} {s['tvd']:6.3f} "
                          f"{s['tvd_naive']:6.3f} {s['ratio']:6.2f} {s['recall10']:6.2f} "
                          f"{s['coverage']:6.2f} {secs:5.1f}", flush=True)
    for key in ("tvd", "tvd_naive", "ratio", "recall10", "coverage"):
        print(f"median {key}: {statistics.median(r[key] for r in rows):.3f}")


if __name__ == "__main__":
    main()
