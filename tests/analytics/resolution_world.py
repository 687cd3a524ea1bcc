"""The small simulated world the resolution tests share, and pairwise scores against its truth."""

from __future__ import annotations

import glob
from pathlib import Path

import polars as pl

from tocta.analytics.resolution_clusters import ClusterResult

SIM_SEED = 5


def simulated_entities(out: Path, seed: int = SIM_SEED) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Simulate the world (people smuggling, Mediterranean; ~3,400 person records) into
    ``out``: every agency's entity rows with ``agency`` and ``rid`` (agency/record id), and
    the person rows with ``record_id`` made unique the same way and their ``true_id``."""
    from tocta.simulate.run import simulate_world
    from tocta.simulate.scenario import load_scenario

    sc = load_scenario("people-smuggling-mediterranean").model_copy(update={
        "actors": {"groups_per_commodity": 20}, "money": {"max_transfers": 500}})
    simulate_world(sc, seed, out, scale=5.0)
    rows = pl.concat([pl.read_csv(f, infer_schema_length=0).with_columns(
        pl.lit(f.split("/")[-2]).alias("agency"))
        for f in sorted(glob.glob(str(out / "agencies" / "*" / "entities.csv")))])
    every = rows.with_columns((pl.col("agency") + "/" + pl.col("record_id")).alias("rid"))
    truth = pl.read_parquet(out / "truth" / "actors.parquet").select(
        "agency", pl.col("entity_id").alias("record_id"), "true_id")
    people = rows.filter(pl.col("entity_type") == "Person").join(
        truth, on=["agency", "record_id"]).with_columns(
        (pl.col("agency") + "/" + pl.col("record_id")).alias("record_id"))
    return every, people


def hand_records(typo: bool = False) -> pl.DataFrame:
    """64 people written three ways each: "Ana Vega" with a passport and a full date, "VEGA,
    Ana" with the same, and a third record with the birth year only and no passport — its
    family name misspelt ("Vega" → "Vega"[:-1] + "a") when ``typo``."""
    given = ["Ana", "Luis", "Marta", "Pedro", "Sofia", "Diego", "Lucia", "Pablo"]
    family = ["Vega", "Soto", "Lara", "Mora", "Rios", "Cruz", "Paz", "Leon"]
    rows: list[tuple[str, str, str, str | None]] = []
    for i, g in enumerate(given):
        for j, f in enumerate(family):
            dob = f"{1960 + i * 3 + j}-{1 + j:02d}-{10 + i:02d}"
            rows.append((f"r{i}{j}a", f"{g} {f}", dob, f"ES{i}{j}00000"))
            rows.append((f"r{i}{j}b", f"{f.upper()}, {g}", dob, f"ES{i}{j}00000"))
            rows.append((f"r{i}{j}c", f"{g} {f[:-1]}a" if typo else f"{g} {f}", dob[:4], None))
    return pl.DataFrame(rows, schema=["record_id", "name", "birth_date", "passport_number"],
                        orient="row")


def pairwise(clusters: ClusterResult, truth: pl.DataFrame) -> tuple[float, float, float]:
    """Pairwise precision, recall and F1 of a clustering against ``truth`` (``record_id``,
    ``true_id``)."""
    j = clusters.clusters.join(truth, on="record_id")

    def n(*cols: str) -> float:
        return float(j.group_by(cols).len().select(
            (pl.col("len") * (pl.col("len") - 1) / 2).sum()).item())

    tp = n("canonical_id", "true_id")
    p, r = tp / n("canonical_id"), tp / n("true_id")
    return p, r, 2 * p * r / (p + r)
