"""Free text and identifiers."""

from __future__ import annotations

from typing import Any

import polars as pl
import sqlalchemy as sa

from tocta.schema.types.base import Cleaned, ValueType, empty_issues, issues_frame


class TextType(ValueType):
    """Free text, stripped of surrounding whitespace; optional maximum length."""

    name = "text"
    doc = "Free text; surrounding spaces removed."

    def sql_type(self, spec: Any) -> sa.types.TypeEngine[Any]:
        return sa.Text()

    def clean(self, raw: pl.Series, spec: Any, ctx: Any) -> Cleaned:
        values = raw.str.strip_chars()
        values = pl.select(
            pl.when(values.str.len_chars() == 0).then(None).otherwise(values)
        ).to_series()
        max_length = getattr(spec, "max_length", None)
        if max_length:
            too_long = values.str.len_chars() > max_length
            rows = pl.Series(range(len(values)), dtype=pl.Int64).filter(too_long)
            if len(rows):
                bad = values.filter(too_long)
                issues = issues_frame(
                    rows, spec.name, pl.Series(["text_too_long"] * len(rows)),
                    pl.Series(["error"] * len(rows)),
                    pl.Series([f"longer than {max_length} characters"] * len(rows)), bad,
                )
                values = pl.select(pl.when(too_long).then(None).otherwise(values)).to_series()
                return Cleaned(values.alias(spec.name), issues)
        return Cleaned(values.alias(spec.name), empty_issues())
