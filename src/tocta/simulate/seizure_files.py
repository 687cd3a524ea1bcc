"""Writing seizure records per agency: their own country spellings, columns and record ids.

Records are appended year by year (memory stays bounded by one year of events). Each agency
writes countries as codes or as names in its working language, French-speaking services use
their own column headers and day-first dates (their folder gets a mapping file), and a share of
rows is deliberately broken; the broken rows are counted for the manifest so that a test can
check ingest quarantines exactly those.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from tocta.simulate.manifest import Manifest, ManifestEntry
from tocta.simulate.output import (
    FRENCH,
    FRENCH_COLUMNS,
    corrupt,
    country_forms,
    write_csv,
    write_mapping,
)
from tocta.simulate.scenario import Scenario
from tocta.simulate.seizures import EventBatch
from tocta.simulate.world import World

COLUMNS = ["record_id", "date", "country", "place_name", "lat", "lon", "commodity", "quantity",
           "unit", "purity", "mode", "origin", "transit", "destination", "iccs", "remarks",
           "entity_ids"]
BREAKERS = {"date": "2021-02-30", "country": "Atlantis", "quantity": "-3",
            "commodity": "unobtainium"}
REMARKS = np.array(["", "concealed in cargo", "courier", "container", "vehicle search",
                    "swallowed", "hidden in luggage", "postal parcel", "tip-off", ""],
                   dtype=object)


class SeizureWriter:
    """Appends each year's records to agencies/<agency>/seizures.csv."""

    def __init__(self, out: Path, scenario: Scenario, world: World,
                 rng: np.random.Generator) -> None:
        self.out, self.scenario, self.world, self.rng = out, scenario, world, rng
        self.counts: dict[str, int] = {}
        self.bad: dict[str, int] = {}
        self.records = 0
        codes = list(world.countries)
        self.forms: dict[str, dict[str, str]] = {}
        for code in codes:
            for prefix in ("POL", "CUS"):
                agency = f"{prefix}-{code}"
                writes_names = rng.random() < scenario.noise.name_forms
                self.forms[agency] = country_forms(code, writes_names, codes)

    def _spell(self, frame: pl.DataFrame, agency: str) -> pl.DataFrame:
        forms = self.forms[agency]
        keys, values = list(forms), list(forms.values())

        def spell(column: str) -> pl.Expr:
            return pl.col(column).replace_strict(keys, values, default=pl.col(column))

        transit = (pl.col("transit").str.split(";").list.eval(
            pl.element().replace_strict(keys, values, default=pl.element()))
            .list.join("; "))
        return frame.with_columns(spell("country"), spell("origin"), spell("destination"),
                                  transit.alias("transit"))

    def write(self, batch: EventBatch) -> None:
        frame = batch.records
        truth_parts = []
        for (agency,), group in sorted(frame.group_by("agency"), key=lambda g: str(g[0][0])):
            start = self.counts.get(agency, 0)
            n = group.height
            group = group.with_columns(
                (pl.lit(f"{agency}-{batch.year}-") + (pl.int_range(n) + start + 1)
                 .cast(pl.Utf8).str.zfill(7)).alias("record_id"),
                pl.Series("remarks", REMARKS[self.rng.integers(0, len(REMARKS), n)]),
            )
            self.counts[agency] = start + n
            truth_parts.append(group.select("record_id", "agency", "event", "true_commodity",
                                            "true_size", pl.col("country").alias("true_country")))
            rows = self._spell(group.select(COLUMNS), agency)
            rows, bad = corrupt(rows, self.scenario.noise.bad_rows, self.rng, BREAKERS)
            self.bad[agency] = self.bad.get(agency, 0) + bad
            country = agency.split("-", 1)[1]
            if country in FRENCH:
                rows = rows.with_columns(
                    pl.col("date").str.strptime(pl.Date, "%Y-%m-%d", strict=False)
                    .dt.strftime("%d/%m/%Y").fill_null(pl.col("date")).alias("date"))
                rows = rows.rename(FRENCH_COLUMNS)
            path = self.out / "agencies" / agency / "seizures.csv"
            write_csv(rows, path, append=start > 0)
            self.records += rows.height
        truth_dir = self.out / "truth" / "seizures"
        truth_dir.mkdir(parents=True, exist_ok=True)
        pl.concat(truth_parts).with_columns(pl.lit(batch.year).alias("year")).write_parquet(
            truth_dir / f"{batch.year}.parquet")

    def finish(self, manifest: Manifest) -> None:
        """Write mapping files for agencies with their own columns; add manifest entries."""
        for agency in sorted(self.counts):
            folder = self.out / "agencies" / agency
            mapping = None
            if agency.split("-", 1)[1] in FRENCH:
                mapping = folder / "seizures.mapping.yaml"
                write_mapping(mapping, "Seizure", FRENCH_COLUMNS,
                              {"date": {"format": "%d/%m/%Y"}})
            prefix = agency.split("-")[0]
            manifest.add(ManifestEntry(
                path=f"agencies/{agency}/seizures.csv", record_type="Seizure",
                source_id=f"{agency}/seizures", agency=agency,
                grade="admiralty:B2" if prefix == "CUS" else "admiralty:B3", tlp="AMBER",
                rows=self.counts[agency], bad_rows=self.bad[agency],
                mapping=str(mapping.relative_to(self.out)) if mapping else None))
        manifest.truth.extend(sorted(f"truth/seizures/{p.name}" for p in
                                     (self.out / "truth" / "seizures").glob("*.parquet")))
