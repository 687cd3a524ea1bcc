"""Units of quantity, kept as reported; their meaning is parsed for the canonical quantity."""

from __future__ import annotations

from typing import Any

import polars as pl
import sqlalchemy as sa

from tocta.reference.units import parse_unit
from tocta.schema.types.base import WARNING, Cleaned, ValueType, Verdict, clean_by_distinct


class UnitType(ValueType):
    """A unit as reported (kg, g, 10 g, 1000 tablet, persons, heads, m3...)."""

    name = "unit"
    doc = "Unit as reported: kg, g, lb, t, 10 g, tablet, 1000 tablet, l, m3, persons, heads..."

    def sql_type(self, spec: Any) -> sa.types.TypeEngine[Any]:
        return sa.String(64)

    def clean(self, raw: pl.Series, spec: Any, ctx: Any) -> Cleaned:
        def judge(text: str) -> Verdict:
            match = parse_unit(text)
            if match.unit is None:
                return Verdict(text, "unknown_unit", WARNING,
                               f"unit {text!r} is not known; quantity kept as reported")
            return Verdict(text)

        return clean_by_distinct(raw.str.strip_chars(), spec.name, judge, pl.Utf8)
