"""Entity-resolution accuracy against the simulator's truth (issue 6's figures).

    .venv/bin/python bench/resolution_accuracy.py [--cache DIR] [--runs 3]

For each (scenario, seed) below (fixed before any result was looked at), a world is simulated
with enough trafficking groups for at least 50,000 person records, the agencies' person rows
are read from their ``entities.csv`` files (as agencies write them: typos, transliterations
across scripts, swapped order, partial birth dates, homonyms, 1% broken rows), and resolved:

* **ours**: ``tocta.analytics.resolution`` (transliterated, order-free name tokens, partial
  dates, identifiers, nationality, gender, residence, address; ``tocta.services.resolve`` in
  8 resumable chunks), then the relation evidence of ``resolution_relations`` (the agencies'
  ``linked_records``: groups, associates, accounts, companies, vessels), the closure of the
  would-be clusters at each acceptance threshold (``close_result``: the pairs clustering
  could join that no blocking rule brought, scored and rescored), and ``cluster_judgements``
  (no judgements) at that threshold, the default marked; "attributes only" is the same
  without the relation evidence; the time counts the default's closure;
* **plain**: Splink with default-style comparisons on the raw columns (``NameComparison`` on
  first and last name, Levenshtein on the birth-date string, exact nationality and passport),
  blocking on (first name, last name), birth date and passport, clustered by connected
  components at 0.9.

Pairwise precision, recall and F1 against the truth's person ids, time and peak memory.
"""

from __future__ import annotations

import argparse
import glob
import logging
import resource
import shutil
import sys
import time
from pathlib import Path
from typing import Any

import polars as pl

RUNS = (("people-smuggling-mediterranean", 101, 340),   # fixed before looking at results
        ("southeast-asia-synthetics", 202, 170),
        ("west-africa-cocaine", 303, 340))
MIN_RECORDS = 50_000
THRESHOLDS = (0.5, 0.7, 0.8, 0.9)


def world(scenario: str, seed: int, groups: int, cache: Path
          ) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Person records (raw CSV columns), truth (``record_id``, ``true_id``), and the links
    (``record_id``, ``linked_id``) and identifier keys (``record_id``, ``key``) of every
    entity row."""
    from tocta.simulate.run import simulate_world
    from tocta.simulate.scenario import load_scenario

    folder = cache / f"{scenario}-{seed}"
    if not (folder / "manifest.json").exists():
        shutil.rmtree(folder, ignore_errors=True)
        sc = load_scenario(scenario).model_copy(update={
            "actors": {"groups_per_commodity": groups}, "money": {"max_transfers": 2000}})
        simulate_world(sc, seed, folder, scale=5.0)
    frames = [pl.read_csv(f, infer_schema_length=0).with_columns(
        pl.lit(Path(f).parent.name).alias("agency"))
        for f in sorted(glob.glob(str(folder / "agencies" / "*" / "entities.csv")))]
    every = pl.concat(frames).with_columns(
        (pl.col("agency") + "/" + pl.col("record_id")).alias("rid"))
    links = (every.select("rid", "agency", pl.col("linked_records").str.split(";"))
             .explode("linked_records").drop_nulls("linked_records")
             .select(pl.col("rid").alias("record_id"),
                     (pl.col("agency") + "/" + pl.col("linked_records")).alias("linked_id")))
    keys = pl.concat([
        every.filter(pl.col(c).is_not_null() & (pl.col("entity_type") != "Person"))
        .select(pl.col("rid").alias("record_id"),
                (pl.lit(c + ":") + pl.col(c).str.to_uppercase()
                 .str.replace_all("[^A-Z0-9]", "")).alias("key"))
        for c in ("account_number", "registration_number", "imo_number")])
    rows = pl.concat(frames).filter(pl.col("entity_type") == "Person")
    actors = pl.read_parquet(folder / "truth" / "actors.parquet")
    rows = rows.join(actors.select("agency", pl.col("entity_id").alias("record_id"),
                                   "true_id"), on=["agency", "record_id"])
    rows = rows.with_columns((pl.col("agency") + "/" + pl.col("record_id")).alias("record_id"))
    return rows.drop("true_id", "agency"), rows.select("record_id", "true_id"), links, keys


def pairwise(clusters: pl.DataFrame, truth: pl.DataFrame) -> tuple[float, float, float]:
    """Pairwise precision, recall, F1 of ``record_id → cluster`` against the truth."""
    j = clusters.join(truth, on="record_id")

    def n_pairs(*cols: str) -> float:
        return float(j.group_by(cols).len().select(
            (pl.col("len") * (pl.col("len") - 1) / 2).sum()).item())

    tp, pred, true = n_pairs("cluster", "true_id"), n_pairs("cluster"), n_pairs("true_id")
    p, r = tp / pred if pred else 1.0, tp / true if true else 1.0
    return p, r, 2 * p * r / (p + r) if p + r else 0.0


def ours(rows: pl.DataFrame, links: pl.DataFrame, keys: pl.DataFrame, work: Path
         ) -> tuple[dict[tuple[str, float], pl.DataFrame], float, str]:
    from tocta.analytics.resolution import prepare_records
    from tocta.analytics.resolution_clusters import ClusterParams, cluster_judgements
    from tocta.analytics.resolution_relations import rescore_with_relations
    from tocta.services.resolve import close_result, resolve_in_chunks

    t = time.perf_counter()
    inp = rows.select("record_id", pl.col("entity_type").alias("schema"), "name",
                      "birth_date", "nationality", "gender", "country", "address",
                      "passport_number", "id_number")
    res = resolve_in_chunks(inp, work, chunks=8)
    ids = inp["record_id"].to_list()
    features = prepare_records(inp)
    models: list[Any] = []

    def relations(pairs: pl.DataFrame) -> pl.DataFrame:
        rescored, model = rescore_with_relations(ids, pairs, links, keys)
        models[:] = [model]
        return rescored

    elapsed = time.perf_counter() - t
    out = {}
    for kind, rescore in (("attributes only", None), ("with relations", relations)):
        for th in THRESHOLDS:   # the pairs a clustering at th could join, scored
            t = time.perf_counter()
            pairs = close_result(inp, res, th, rescore=rescore, features=features).pairs
            if th == THRESHOLDS[-1]:
                elapsed += time.perf_counter() - t   # the default's closure is counted
            cr = cluster_judgements(ids, pairs, [], ClusterParams(th))
            out[kind, th] = cr.clusters.select("record_id",
                                               pl.col("canonical_id").alias("cluster"))
    return out, elapsed, models[0].explain()


def plain(rows: pl.DataFrame) -> tuple[pl.DataFrame, float]:
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    t = time.perf_counter()
    df = rows.select(pl.col("record_id").alias("unique_id"), "first_name", "last_name",
                     "birth_date", "nationality", "passport_number").to_pandas()
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[cl.NameComparison("first_name"), cl.NameComparison("last_name"),
                     cl.LevenshteinAtThresholds("birth_date", [1, 2]),
                     cl.ExactMatch("nationality"), cl.ExactMatch("passport_number")],
        blocking_rules_to_generate_predictions=[
            block_on("first_name", "last_name"), block_on("birth_date"),
            block_on("passport_number")])
    api = DuckDBAPI()
    linker = Linker(api.register(df), settings, log_level=None)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("passport_number")], recall=0.4)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("birth_date"))
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("first_name", "last_name"))
    pred = linker.inference.predict(threshold_match_probability=0.5)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(pred, 0.9)
    frame = pl.from_pandas(clusters.as_pandas_dataframe()).select(
        pl.col("unique_id").alias("record_id"), pl.col("cluster_id").cast(pl.Utf8)
        .alias("cluster"))
    return frame, time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", type=Path, default=Path("/tmp/tocta-bench-resolution"))
    ap.add_argument("--runs", type=int, default=len(RUNS))
    args = ap.parse_args()
    logging.getLogger("splink").setLevel(logging.ERROR)
    from tocta.analytics.resolution_clusters import ClusterParams

    default = ClusterParams().accept_probability
    for scenario, seed, groups in RUNS[:args.runs]:
        rows, truth, links, keys = world(scenario, seed, groups, args.cache)
        if rows.height < MIN_RECORDS:
            sys.exit(f"{scenario} seed {seed}: only {rows.height} person records")
        work = args.cache / f"{scenario}-{seed}-ours"
        shutil.rmtree(work, ignore_errors=True)
        res, t_ours, relations = ours(rows, links, keys, work)
        rss_ours = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"\n{scenario} seed {seed}: {rows.height:,} person records, "
              f"{truth['true_id'].n_unique():,} people")
        for (kind, th), clusters in res.items():
            p, r, f = pairwise(clusters, truth)
            mark = " (default)" if th == default and kind == "with relations" else ""
            print(f"  ours, {kind}, accept {th:.1f}{mark}: precision {p:.4f} "
                  f"recall {r:.4f} F1 {f:.4f}")
        print("  " + relations.replace("\n", "\n  "))
        print(f"  ours  time {t_ours:.0f} s, peak RSS {rss_ours:.0f} MB")
        clusters, t_plain = plain(rows)
        p, r, f = pairwise(clusters, truth)
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"  plain accept 0.9: precision {p:.4f} recall {r:.4f} F1 {f:.4f}; "
              f"time {t_plain:.0f} s, peak RSS {rss:.0f} MB")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
