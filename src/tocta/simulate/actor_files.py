"""Write the actor world: each agency's entity files, and the truth about them.

Per agency ``agencies/<agency>/entities.ftm.jsonl`` (FtM entities, one JSON object a line,
sorted keys; every line valid) and ``entities.csv`` (one flat row per person, organization,
company, vessel or account, relations shown as ``linked_records``). ``bad_row_rate`` of the
CSV's rows are broken on purpose (an impossible birth date or an unknown nationality), only
in person rows and counted in the manifest. Truth: ``truth/actors.parquet`` (one row per
entity record written), ``truth/groups.parquet``, ``truth/people.parquet``,
``truth/companies.parquet``, ``truth/vessels.parquet``, ``truth/accounts.parquet``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from tocta.simulate.manifest import Manifest, ManifestEntry

if TYPE_CHECKING:
    from tocta.simulate.actors import ActorWorld

CSV_COLUMNS = ("record_id", "entity_type", "name", "first_name", "middle_name", "last_name",
               "gender", "birth_date", "nationality", "country", "passport_number",
               "id_number", "position", "address", "registration_number", "imo_number",
               "account_number", "bank_name", "flag", "topics", "group_name", "linked_records")
FLAT_SCHEMATA = ("Person", "Organization", "Company", "Vessel", "BankAccount")
TRUTH_COLUMNS = ("agency", "entity_id", "schema", "true_id", "group_id", "role", "is_pep",
                 "homonym", "homonym_of", "typo", "transliterated", "script", "swapped",
                 "shortened", "birth_precision")
UNKNOWN_COUNTRIES = ("Atlantis", "Wakanda", "Genovia", "Narnia")
GRADES = {"fiu": "admiralty:A2", "police": "admiralty:B2", "customs": "admiralty:B2"}


def grade_for(kind: str) -> str:
    """The manifest grade of an agency kind's files."""
    return GRADES.get(kind, "admiralty:C3")


def _break_rows(flat: pl.DataFrame, rate: float, rng: np.random.Generator
                ) -> tuple[pl.DataFrame, list[str | None]]:
    """Break ``rate`` of the rows (person rows only); returns the frame and each row's fault."""
    faults: list[str | None] = [None] * flat.height
    people = [i for i, t in enumerate(flat["entity_type"]) if t == "Person"]
    n_bad = min(len(people), round(rate * flat.height))
    if n_bad == 0:
        return flat, faults
    births = flat["birth_date"].to_list()
    nations = flat["nationality"].to_list()
    for i in sorted(int(x) for x in rng.choice(people, size=n_bad, replace=False)):
        if rng.random() < 0.5:
            year = (births[i] or "1980")[:4]
            births[i] = f"{year}-02-30" if rng.random() < 0.5 else f"31/31/{year}"
            faults[i] = "invalid_date"
        else:
            nations[i] = UNKNOWN_COUNTRIES[int(rng.integers(len(UNKNOWN_COUNTRIES)))]
            faults[i] = "unknown_country"
    return flat.with_columns(pl.Series("birth_date", births, dtype=pl.Utf8),
                             pl.Series("nationality", nations, dtype=pl.Utf8)), faults


def write_actor_files(world: ActorWorld, out: Path, manifest: Manifest,
                      bad_row_rate: float) -> None:
    """Write every agency's entity files and the actor truth; add them to ``manifest``.

    Args:
        world: the actor world from ``simulate_actors``.
        out: the world's output folder (manifest paths are relative to it).
        manifest: the manifest to add entries and truth paths to.
        bad_row_rate: share of CSV rows to break on purpose.
    """
    rng = np.random.default_rng([world.seed, 0xAC7])
    kinds = dict(world.agencies.select("agency", "kind").iter_rows())
    faults: dict[tuple[str, str], str] = {}
    records = world.records
    for (agency,), part in records.group_by("agency", maintain_order=True):
        folder = out / "agencies" / str(agency)
        folder.mkdir(parents=True, exist_ok=True)
        jsonl = folder / "entities.ftm.jsonl"
        jsonl.write_text("\n".join(part["ftm"]) + "\n", encoding="utf-8")
        flat = part.filter(pl.col("schema").is_in(FLAT_SCHEMATA)).rename(
            {"entity_id": "record_id", "schema": "entity_type"}).select(CSV_COLUMNS)
        flat, row_faults = _break_rows(flat, bad_row_rate, rng)
        faults.update({(str(agency), rid): f for rid, f in
                       zip(flat["record_id"], row_faults, strict=True) if f})
        csv = folder / "entities.csv"
        flat.write_csv(csv)
        kind = kinds.get(agency, "police")
        # Two renderings of the same records: two sources, so that nobody ingests both
        # into one and counts every entity twice.
        for path, rtype, fmt, source, rows, bad in (
                (jsonl, "ftm", "jsonl", "entities", part.height, 0),
                (csv, "ftm-csv", "csv", "entities-csv", flat.height,
                 sum(f is not None for f in row_faults))):
            manifest.add(ManifestEntry(
                path=str(path.relative_to(out)), record_type=rtype,
                source_id=f"{agency}/{source}", agency=str(agency), grade=grade_for(kind),
                tlp="AMBER", rows=rows, bad_rows=bad, format=fmt,
                description=f"Persons, groups, companies, vessels and accounts known to "
                            f"{agency} (SYNTHETIC)."))
    truth = out / "truth"
    truth.mkdir(parents=True, exist_ok=True)
    fault_col = [faults.get((a, e)) for a, e in records.select("agency", "entity_id").iter_rows()]
    records.select(TRUTH_COLUMNS).with_columns(
        pl.Series("csv_fault", fault_col, dtype=pl.Utf8)).write_parquet(truth / "actors.parquet")
    _groups_truth(world).write_parquet(truth / "groups.parquet")
    for name, frame in (("people", world.people), ("companies", world.companies),
                        ("vessels", world.vessels), ("accounts", world.accounts)):
        frame.write_parquet(truth / f"{name}.parquet")
    manifest.truth += [f"truth/{n}.parquet" for n in
                       ("actors", "groups", "people", "companies", "vessels", "accounts")]


def _groups_truth(world: ActorWorld) -> pl.DataFrame:
    legs = world.group_legs.group_by("group_id").agg(
        pl.concat_str("from_country", pl.lit(">"), "to_country").sort().alias("legs"))
    members = world.people.filter(pl.col("group_id").is_not_null()).group_by("group_id").agg(
        (pl.col("role") != "official").sum().alias("n_members"),
        pl.col("person_id").filter(pl.col("is_pep")).first().alias("pep_person_id"))
    return (world.groups.join(legs, on="group_id", how="left")
            .join(members, on="group_id", how="left").sort("group_id"))
