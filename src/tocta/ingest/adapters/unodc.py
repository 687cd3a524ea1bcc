"""UNODC World Drug Report tables (2024 statistical annex).

Seizures: one row per country × drug × year in kilograms. The tables mix breakdown rows with
"Total … (including the above …)" rows and "Reported total …" sub-groups; these are kept and
flagged ``is_total`` so that nothing is lost and nothing is counted twice (analytics use the
breakdown or, where a country reports only a total, the total — never both).
Prices: typical/min/max US$ with mixed units ('g', '10 g', '1000 tablet'); rows without a unit
are quarantined (a price for an unknown quantity cannot be used), not guessed.
Prevalence: annual prevalence in percent, All/Male/Female columns melted to one row per sex.
"""

from __future__ import annotations

import polars as pl

from tocta.ingest.readers import RawTable
from tocta.reference.commodities import unodc_drug_commodity


def _with_frame(raw: RawTable, frame: pl.DataFrame, rows: pl.Series) -> RawTable:
    return RawTable(raw.path, frame, rows, raw.issues, list(frame.columns))


def _commodity_columns(frame: pl.DataFrame, group: str, subgroup: str | None,
                       drug: str) -> pl.DataFrame:
    keys = frame.select(
        pl.col(group).alias("g"),
        (pl.col(subgroup) if subgroup else pl.lit(None, dtype=pl.Utf8)).alias("s"),
        pl.col(drug).alias("d"),
    )
    distinct = keys.unique()
    mapped = []
    for g, s, d in distinct.iter_rows():
        commodity, is_total = unodc_drug_commodity(g or "", s, d or "")
        mapped.append({"g": g, "s": s, "d": d, "commodity": commodity,
                       "is_total": "yes" if is_total else "no"})
    table = pl.DataFrame(mapped, schema={"g": pl.Utf8, "s": pl.Utf8, "d": pl.Utf8,
                                         "commodity": pl.Utf8, "is_total": pl.Utf8})
    joined = keys.join(table, on=["g", "s", "d"], how="left", maintain_order="left",
                       nulls_equal=True)
    return frame.with_columns(joined["commodity"], joined["is_total"])


def transform_unodc_seizures(raw: RawTable) -> RawTable:
    """Add ``commodity`` and ``is_total`` from the drug group, sub-group and drug names."""
    frame = _commodity_columns(raw.frame, "Drug group", "DrugSubGroup", "Drug")
    return _with_frame(raw, frame, raw.rows)


def transform_unodc_prices(raw: RawTable) -> RawTable:
    """Add ``commodity`` from the drug group and drug names."""
    frame = _commodity_columns(raw.frame, "Drug group", None, "Drug").drop("is_total")
    return _with_frame(raw, frame, raw.rows)


def _melt(raw: RawTable, frame: pl.DataFrame, value_columns: dict[str, tuple[str, str]],
          id_columns: list[str]) -> RawTable:
    """One output row per non-empty value column: (measure, sex, value), same source row."""
    parts = []
    indexed = frame.with_columns(raw.rows.alias("__row"))
    for column, (measure, sex) in value_columns.items():
        if column not in frame.columns:
            continue
        part = indexed.select(
            *id_columns, "__row",
            pl.lit(measure).alias("measure"), pl.lit(sex).alias("sex"),
            pl.col(column).alias("value"),
        ).filter(pl.col("value").is_not_null() & (pl.col("value").str.strip_chars() != ""))
        parts.append(part)
    melted = pl.concat(parts).sort("__row", maintain_order=True)
    rows = melted["__row"].alias("row")
    return _with_frame(raw, melted.drop("__row"), rows)


def transform_unodc_prevalence(raw: RawTable) -> RawTable:
    """Annual prevalence (percent of the population aged 15-64) per sex."""
    frame = _commodity_columns(raw.frame, "DrugGroup", None, "Drug").drop("is_total")
    ids = [c for c in frame.columns if c not in ("All", "Male", "Female")]
    return _melt(raw, frame, {"All": ("prevalence_annual", "all"),
                              "Male": ("prevalence_annual", "male"),
                              "Female": ("prevalence_annual", "female")}, ids)


def transform_unodc_prevalence_nps(raw: RawTable) -> RawTable:
    """NPS prevalence: lifetime, past-year and past-month, per sex."""
    frame = _commodity_columns(raw.frame, "Drug group", None, "Drug").drop("is_total")
    values = {}
    for period, measure in (("Lifetime", "prevalence_lifetime"),
                            ("Past_year", "prevalence_annual"),
                            ("Past_month", "prevalence_month")):
        for sex_col, sex in (("Total", "all"), ("Male", "male"), ("Female", "female")):
            values[f"{period} {sex_col}"] = (measure, sex)
    ids = [c for c in frame.columns if c not in values]
    return _melt(raw, frame, values, ids)
