"""How far pairwise F1 can go on the simulated records: a per-cell oracle (issue 6).

    PYTHONPATH=. .venv/bin/python bench/resolution_ceiling.py [--cache DIR]

On a development world (west-africa-cocaine, seed 7, 120 groups per commodity: ~20,000
person records; not one of the accuracy benchmark's worlds), every candidate pair the model
blocks is scored (``min_probability=0``) and described by its comparison levels (name, birth
date, identifiers, nationality–residence, gender, address), the relation level computed with
*perfectly* resolved neighbours (the truth's person and group ids), and how many records carry
its name (1…6+). The oracle then accepts every cell of that description in which most pairs
are the same person — it knows the answer per cell, so no classifier working from these
levels can do better pair by pair. Its pairwise precision, recall and F1 (against every true
pair, and against the blocked ones) bound what the features can give; the same without the
relation level shows what the relations add. Our model's F1 on the same world is printed
beside it.
"""

from __future__ import annotations

import argparse
import logging
import shutil
import sys
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))
from resolution_accuracy import pairwise, world

WORLD = ("west-africa-cocaine", 7, 120)   # the development world


def oracle(cells: pl.DataFrame, n_true: int) -> tuple[float, float, float]:
    """Precision, recall, F1 of accepting the cells where most pairs match."""
    acc = cells.filter(pl.col("tp") * 2 > pl.col("n"))
    tp, fp = int(acc["tp"].sum()), int((acc["n"] - acc["tp"]).sum())
    p, r = tp / (tp + fp), tp / n_true
    return p, r, 2 * p * r / (p + r)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", type=Path, default=Path("/tmp/tocta-bench-resolution"))
    args = ap.parse_args()
    logging.getLogger("splink").setLevel(logging.ERROR)
    from tocta.analytics.resolution import ResolutionParams
    from tocta.analytics.resolution_clusters import ClusterParams, cluster_judgements
    from tocta.analytics.resolution_features import prepare_records
    from tocta.analytics.resolution_relations import (
        neighbour_keys,
        relation_levels,
        rescore_with_relations,
    )
    from tocta.services.resolve import resolve_in_chunks

    scenario, seed, groups = WORLD
    rows, truth, links, keys = world(scenario, seed, groups, args.cache)
    work = args.cache / f"{scenario}-{seed}-ceiling"
    shutil.rmtree(work, ignore_errors=True)
    inp = rows.select("record_id", pl.col("entity_type").alias("schema"), "name",
                      "birth_date", "nationality", "gender", "country", "address",
                      "passport_number", "id_number")
    pairs = resolve_in_chunks(inp, work, chunks=2,
                              params=ResolutionParams(min_probability=0.0)).pairs
    ids = inp["record_id"].to_list()
    ours, _ = rescore_with_relations(ids, pairs, links, keys)
    # perfect neighbours: persons and the groups agencies name their own way, by truth id
    actors = pl.read_parquet(args.cache / f"{scenario}-{seed}" / "truth" / "actors.parquet")
    groups_ = actors.filter(pl.col("schema") == "Organization").select(
        (pl.col("agency") + "/" + pl.col("entity_id")).alias("record_id"),
        pl.col("true_id").alias("key"))
    own = truth.select("record_id", pl.col("true_id").alias("own"))
    every = pl.concat([keys, own.rename({"own": "key"}), groups_]).unique("record_id",
                                                                         keep="first")
    level = relation_levels(pairs, neighbour_keys(links, every), own)
    freq = prepare_records(inp).select(
        pl.col("unique_id").alias("left_id"),
        pl.len().over("name_key").clip(0, 6).alias("name_records"))
    t = truth.rename({"record_id": "left_id", "true_id": "t_l"})
    x = (pairs.drop("gamma_relations", strict=False).join(level, on=["left_id", "right_id"])
         .join(t, on="left_id").join(t.rename({"left_id": "right_id", "t_l": "t_r"}),
                                     on="right_id")
         .join(freq, on="left_id").with_columns((pl.col("t_l") == pl.col("t_r"))
                                                .alias("match")))
    n_true = int(truth.group_by("true_id").len().select(
        (pl.col("len") * (pl.col("len") - 1) / 2).sum()).item())
    n_blocked = int(x["match"].sum())
    levels = [c for c in x.columns if c.startswith("gamma_")] + ["name_records"]
    print(f"{scenario} seed {seed}: {rows.height:,} person records, {n_true:,} true pairs, "
          f"{n_blocked:,} of them blocked ({n_blocked / n_true:.1%}); {x.height:,} pairs")
    for name, cols in (("with perfect relations", levels),
                       ("without relations", [c for c in levels if c != "gamma_relations"])):
        cells = x.group_by(cols).agg(pl.len().alias("n"), pl.col("match").sum().alias("tp"))
        p, r, f = oracle(cells, n_true)
        _, rb, fb = oracle(cells, n_blocked)
        print(f"  oracle per cell, {name}: all true pairs P {p:.3f} R {r:.3f} F1 {f:.3f}; "
              f"blocked true pairs R {rb:.3f} F1 {fb:.3f}")
    for th in (0.7, 0.9):
        c = cluster_judgements(ids, ours, [], ClusterParams(th)).clusters.select(
            "record_id", pl.col("canonical_id").alias("cluster"))
        p, r, f = pairwise(c, truth)
        print(f"  ours (relations as resolved, clustered at {th}): P {p:.3f} R {r:.3f} "
              f"F1 {f:.3f}")


if __name__ == "__main__":
    main()
