"""Derived fields: values computed from other fields of the same record.

A record YAML names a derivation and its inputs (``derived: canonical_quantity.value``,
``inputs: [quantity, unit, commodity]``). Each derivation runs once per distinct combination of
its inputs where Python-level work is needed, returns named output columns and any issues.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import polars as pl

from tocta.errors import NotFoundError
from tocta.reference.commodities import get_commodity
from tocta.reference.units import conversion_for, parse_unit
from tocta.schema.types.base import ERROR, WARNING, empty_issues, issues_frame
from tocta.schema.types.grade import make_grade, scheme_codes


@dataclass
class Derived:
    """Output columns of one derivation (by output name) and the issues it raised."""

    columns: dict[str, pl.Series]
    issues: pl.DataFrame


Derivation = Callable[[pl.DataFrame, dict[str, pl.Series], tuple[str, ...]], Derived]


def year_of(frame: pl.DataFrame, extras: dict[str, pl.Series], inputs: tuple[str, ...]) -> Derived:
    """Calendar year of an ISO (partial) date."""
    years = frame[inputs[0]].str.slice(0, 4).cast(pl.Int64, strict=False)
    return Derived({"": years}, empty_issues())


def unit_of(frame: pl.DataFrame, extras: dict[str, pl.Series], inputs: tuple[str, ...]) -> Derived:
    """The sub-national unit the country resolver kept (e.g. Scotland → GBR, unit Scotland)."""
    unit = extras.get(f"{inputs[0]}.unit")
    if unit is None:
        unit = pl.Series([None] * frame.height, dtype=pl.Utf8)
    return Derived({"": unit}, empty_issues())


def _conversions(units: pl.Series, commodities: pl.Series) -> pl.DataFrame:
    """One row per distinct (unit, commodity): factor, canonical unit, method, issue."""
    pairs = pl.DataFrame({"unit": units, "commodity": commodities}).unique().drop_nulls()
    rows: list[dict[str, Any]] = []
    for unit_raw, commodity_id in pairs.iter_rows():
        match = parse_unit(unit_raw)
        try:
            commodity = get_commodity(commodity_id)
        except NotFoundError:
            commodity = None
        if match.unit is None or commodity is None:
            # Unknown units were already reported by the unit field itself.
            rows.append({"unit": unit_raw, "commodity": commodity_id, "factor": None,
                         "canonical_unit": None, "method": "none", "issue": None,
                         "message": None})
            continue
        conv = conversion_for(match.unit, commodity)
        message = None
        if conv.issue == "unconvertible_unit":
            message = (f"unit {unit_raw!r} cannot be converted for {commodity_id} "
                       "(no cited factor); quantity kept as reported")
        elif conv.issue:
            message = f"unit {unit_raw!r} does not fit {commodity_id} ({conv.issue})"
        rows.append({"unit": unit_raw, "commodity": commodity_id, "factor": conv.factor,
                     "canonical_unit": conv.canonical_unit, "method": conv.method,
                     "issue": conv.issue, "message": message})
    schema = {"unit": pl.Utf8, "commodity": pl.Utf8, "factor": pl.Float64,
              "canonical_unit": pl.Utf8, "method": pl.Utf8, "issue": pl.Utf8, "message": pl.Utf8}
    return pl.DataFrame(rows, schema=schema)


def _conversion_issues(joined: pl.DataFrame, field: str) -> pl.DataFrame:
    flagged = joined.with_row_index("__row").filter(pl.col("issue").is_not_null())
    if flagged.height == 0:
        return empty_issues()
    levels = flagged["issue"].replace_strict(
        {"unconvertible_unit": WARNING}, default=ERROR, return_dtype=pl.Utf8
    )
    return issues_frame(flagged["__row"], field, flagged["issue"], levels,
                        flagged["message"], flagged["unit"])


def canonical_quantity(
    frame: pl.DataFrame, extras: dict[str, pl.Series], inputs: tuple[str, ...]
) -> Derived:
    """Quantity in the commodity's canonical unit (kg, kg-equivalent, persons, heads, m3...)."""
    quantity, unit, commodity = inputs
    table = _conversions(frame[unit], frame[commodity])
    joined = frame.select(pl.col(unit).alias("unit"), pl.col(commodity).alias("commodity")).join(
        table, on=["unit", "commodity"], how="left", maintain_order="left"
    )
    value = frame[quantity] * joined["factor"]
    return Derived(
        {"value": value, "unit": joined["canonical_unit"],
         "method": joined["method"].fill_null("none")},
        _conversion_issues(joined, unit),
    )


def unit_price(
    frame: pl.DataFrame, extras: dict[str, pl.Series], inputs: tuple[str, ...]
) -> Derived:
    """Price per canonical unit: the price divided by the canonical size of its price unit."""
    price, unit, commodity = inputs
    table = _conversions(frame[unit], frame[commodity])
    joined = frame.select(pl.col(unit).alias("unit"), pl.col(commodity).alias("commodity")).join(
        table, on=["unit", "commodity"], how="left", maintain_order="left"
    )
    per = frame[price] / joined["factor"]
    return Derived({"value": per, "unit": joined["canonical_unit"]},
                   _conversion_issues(joined, unit))


def grade_rank(
    frame: pl.DataFrame, extras: dict[str, pl.Series], inputs: tuple[str, ...]
) -> Derived:
    """Ranks of the record's grade on the common scale; an invalid grade is an error."""
    scheme, rel, cred = inputs
    parts = frame.select(pl.col(scheme).alias("s"), pl.col(rel).alias("r"), pl.col(cred).alias("c"))
    distinct = parts.unique().drop_nulls()
    rows = []
    for s, r, c in distinct.iter_rows():
        grade = make_grade(s, r, c)
        if grade is None:
            rels, creds = scheme_codes(s)
            rows.append({"s": s, "r": r, "c": c, "rel_rank": None, "cred_rank": None,
                         "message": f"{r}{c} is not a {s} grade (reliability one of "
                                    f"{'/'.join(rels)}, credibility one of {'/'.join(creds)})"})
        else:
            rows.append({"s": s, "r": r, "c": c, "rel_rank": grade.reliability_rank,
                         "cred_rank": grade.credibility_rank, "message": None})
    schema = {"s": pl.Utf8, "r": pl.Utf8, "c": pl.Utf8, "rel_rank": pl.Int64,
              "cred_rank": pl.Int64, "message": pl.Utf8}
    table = pl.DataFrame(rows, schema=schema)
    joined = parts.join(table, on=["s", "r", "c"], how="left", maintain_order="left")
    flagged = joined.with_row_index("__row").filter(pl.col("message").is_not_null())
    issues = empty_issues()
    if flagged.height:
        issues = issues_frame(
            flagged["__row"], rel, pl.Series(["invalid_grade"] * flagged.height),
            pl.Series([ERROR] * flagged.height), flagged["message"],
            (flagged["s"] + ":" + flagged["r"] + flagged["c"]),
        )
    return Derived({"reliability": joined["rel_rank"], "credibility": joined["cred_rank"]}, issues)


DERIVATIONS: dict[str, Derivation] = {
    "year_of": year_of,
    "unit_of": unit_of,
    "canonical_quantity": canonical_quantity,
    "unit_price": unit_price,
    "grade_rank": grade_rank,
}
