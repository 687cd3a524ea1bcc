"""Write the money world: each reporting agency's transfers, as CSV and as FtM, and the truth.

Per reporting agency (the FIU, else the police, of a transfer's sending or receiving country):
``agencies/<agency>/transfers.csv`` in the canonical ``Transfer`` columns, ``bad_row_rate`` of
its rows broken on purpose (an impossible date, an unknown country name or a negative amount);
and ``transfers.ftm.jsonl``: the parties and accounts the agency's entity file does not hold
yet, then one Payment per transfer (always valid; the CSV's breakage is a keying error of the
CSV only). Parties are referred to by the agency's own entity ids, so transfers link to the
entity files. Truth: ``truth/transfers.parquet``, ``truth/transfer_parties.parquet``,
``truth/group_proceeds.parquet``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from tocta.simulate.actor_files import UNKNOWN_COUNTRIES, grade_for
from tocta.simulate.ftm_lines import entity_ids, ftm_lines, iso2_map
from tocta.simulate.manifest import Manifest, ManifestEntry
from tocta.simulate.money_parties import party_entities

if TYPE_CHECKING:
    from tocta.simulate.money import MoneyWorld

CSV_COLUMNS = ("record_id", "date", "amount", "currency", "from_entity", "to_entity",
               "from_account", "to_account", "from_country", "to_country", "channel",
               "purpose", "remarks")
FAULTS = ("invalid_date", "unknown_country", "negative_value")


def _amount_text(amount: pl.Expr) -> pl.Expr:
    cents = (amount * 100).round(0).cast(pl.Int64)
    return pl.format("{}.{}", cents // 100, (cents % 100).cast(pl.Utf8).str.zfill(2))


def _with_ids(money: MoneyWorld) -> pl.DataFrame:
    t = money.transfers.filter(pl.col("agency").is_not_null())
    return t.with_columns(
        entity_ids(money.salt, t["agency"], t["from_party"]).alias("from_entity"),
        entity_ids(money.salt, t["agency"], t["to_party"]).alias("to_entity"),
        entity_ids(money.salt, t["agency"], t["from_account_id"]).alias("from_account_entity"),
        entity_ids(money.salt, t["agency"], t["to_account_id"]).alias("to_account_entity"),
        entity_ids(money.salt, t["agency"], t["transfer_id"]).alias("payment_id"),
        _amount_text(pl.col("amount")).alias("amount_text"),
        pl.col("date").dt.strftime("%Y-%m-%d").alias("date_text"))


def _break(csv: pl.DataFrame, rate: float, rng: np.random.Generator) -> pl.DataFrame:
    n_bad = round(rate * csv.height)
    fault = np.full(csv.height, None, dtype=object)
    if n_bad:
        rows = rng.choice(csv.height, size=n_bad, replace=False)
        fault[rows] = rng.choice(np.array(FAULTS), size=n_bad)
    names = np.array(UNKNOWN_COUNTRIES)[rng.integers(len(UNKNOWN_COUNTRIES), size=csv.height)]
    f = pl.col("csv_fault")
    return csv.with_columns(pl.Series("csv_fault", fault.tolist(), dtype=pl.Utf8),
                            pl.Series("_nowhere", names)).with_columns(
        pl.when(f == "invalid_date").then(pl.col("date").str.slice(0, 4) + "-02-30")
        .otherwise(pl.col("date")).alias("date"),
        pl.when(f == "unknown_country").then(pl.col("_nowhere"))
        .otherwise(pl.col("from_country")).alias("from_country"),
        pl.when(f == "negative_value").then("-" + pl.col("amount"))
        .otherwise(pl.col("amount")).alias("amount")).drop("_nowhere")


def _payments(t: pl.DataFrame) -> pl.Series:
    return ftm_lines(t.select(
        pl.col("payment_id").alias("id"), pl.lit("Payment").alias("schema"),
        pl.col("amount_text").alias("amount"), pl.col("to_entity").alias("beneficiary"),
        pl.col("to_account_entity").alias("beneficiaryAccount"),
        pl.lit("USD").alias("currency"), pl.col("date_text").alias("date"),
        pl.col("from_entity").alias("payer"),
        pl.col("from_account_entity").alias("payerAccount"), "purpose",
        pl.col("record_id").alias("transactionNumber")))


def write_money_files(money: MoneyWorld, out: Path, manifest: Manifest,
                      bad_row_rate: float) -> None:
    """Write every reporting agency's transfer files and the money truth.

    Args:
        money: the money world from ``simulate_money``.
        out: the world's output folder (manifest paths are relative to it).
        manifest: the manifest to add entries and truth paths to.
        bad_row_rate: share of CSV rows to break on purpose.
    """
    rng = np.random.default_rng([money.seed, 0x30E7])
    kinds = dict(money.agencies.select("agency", "kind").iter_rows())
    t = _with_ids(money)
    countries = iso2_map(set(t["from_country"]) | set(t["to_country"]) |
                         set(money.parties["country"]) | set(money.accounts["country"]))
    parties, party_truth = party_entities(money, t, countries, rng)
    faults = []
    for (agency,), part in t.group_by("agency", maintain_order=True):
        folder = out / "agencies" / str(agency)
        folder.mkdir(parents=True, exist_ok=True)
        csv = _break(part.select(
            "record_id", pl.col("date_text").alias("date"), pl.col("amount_text").alias("amount"),
            pl.lit("USD").alias("currency"), "from_entity", "to_entity", "from_account",
            "to_account", "from_country", "to_country", "channel", "purpose",
            pl.when((pl.col("channel") == "cash") & (pl.col("from_country") != pl.col(
                "to_country"))).then(pl.lit("cross-border cash movement declared"))
            .alias("remarks")), bad_row_rate, rng)
        faults.append(csv.select("record_id", "csv_fault"))
        csv.select(CSV_COLUMNS).write_csv(folder / "transfers.csv")
        lines = pl.concat([parties.get(str(agency), pl.Series([], dtype=pl.Utf8)),
                           _payments(part)])
        (folder / "transfers.ftm.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
        kind = kinds.get(agency, "fiu")
        for name, rtype, fmt, source, rows, bad in (
                ("transfers.csv", "Transfer", "csv", "transfers", csv.height,
                 int(csv["csv_fault"].is_not_null().sum())),
                ("transfers.ftm.jsonl", "ftm", "jsonl", "transfers-ftm", lines.len(), 0)):
            manifest.add(ManifestEntry(
                path=str((folder / name).relative_to(out)), record_type=rtype,
                source_id=f"{agency}/{source}", agency=str(agency), grade=grade_for(kind),
                tlp="AMBER", rows=rows, bad_rows=bad, format=fmt,
                description=f"Money transfers reported to {agency} (SYNTHETIC)."))
    truth = out / "truth"
    truth.mkdir(parents=True, exist_ok=True)
    fault_frame = pl.concat(faults) if faults else pl.DataFrame(
        schema={"record_id": pl.Utf8, "csv_fault": pl.Utf8})
    money.transfers.join(fault_frame, on="record_id", how="left", maintain_order="left") \
        .select("transfer_id", "record_id", "agency", pl.exclude(
            "transfer_id", "record_id", "agency")).write_parquet(truth / "transfers.parquet")
    party_truth.write_parquet(truth / "transfer_parties.parquet")
    money.proceeds.write_parquet(truth / "group_proceeds.parquet")
    manifest.truth += ["truth/transfers.parquet", "truth/transfer_parties.parquet",
                       "truth/group_proceeds.parquet"]
