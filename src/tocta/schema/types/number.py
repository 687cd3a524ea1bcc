"""Numbers, integers and fractions (purity, shares).

The fast path casts the whole column; only values that fail (``1,234.5``, ``12,5``, ``85%``,
``12 kg``) are parsed one distinct value at a time. A number written with a unit is rejected,
not guessed: the unit belongs in its own field.
"""

from __future__ import annotations

import math
import re
from typing import Any, ClassVar

import polars as pl
import sqlalchemy as sa

from tocta.schema.types.base import (
    ERROR,
    INFO,
    WARNING,
    Cleaned,
    ValueType,
    Verdict,
    clean_by_distinct,
    empty_issues,
    issues_frame,
)

_THOUSANDS = re.compile(r"^[+-]?\d{1,3}([ ,'\u00a0\u202f]\d{3})+(\.\d+)?$")
_EURO_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+(,\d+)?$")
_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+$")
_PLAIN = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def parse_number(text: str) -> Verdict:
    """Parse one written number; returns a Verdict with the float or an issue."""
    s = text.strip()
    if not s:
        return Verdict(None)
    percent = s.endswith("%")
    if percent:
        s = s[:-1].strip()
    value: float | None = None
    code: str | None = None
    message: str | None = None
    level = ERROR
    if _PLAIN.match(s):
        value = float(s)
    elif _THOUSANDS.match(s):
        value = float(re.sub(r"[ ,'\u00a0\u202f]", "", s))
    elif _EURO_THOUSANDS.match(s):
        value = float(s.replace(".", "").replace(",", "."))
    elif _DECIMAL_COMMA.match(s):
        # "12,5" is a decimal comma; "12,500" matched the thousands rule above.
        value = float(s.replace(",", "."))
        code, level = "decimal_comma", WARNING
        message = f"read {text!r} as {value} (decimal comma)"
    else:
        return Verdict(
            None, "not_a_number", ERROR,
            f"{text!r} is not a number" + (
                " (write the unit in its own column)" if re.search(r"\d", s) else ""
            ),
        )
    if value is not None and not math.isfinite(value):
        return Verdict(None, "not_a_number", ERROR, f"{text!r} is not a finite number")
    if percent and value is not None:
        value = value / 100.0
    return Verdict(value, code, level, message)


def _range_issues(values: pl.Series, spec: Any) -> tuple[pl.Series, pl.DataFrame]:
    lo, hi = getattr(spec, "min", None), getattr(spec, "max", None)
    if lo is None and hi is None:
        return values, empty_issues()
    bad = pl.Series([False] * len(values), dtype=pl.Boolean)
    if lo is not None:
        bad = bad | (values < lo).fill_null(False)
    if hi is not None:
        bad = bad | (values > hi).fill_null(False)
    if not bad.any():
        return values, empty_issues()
    rows = pl.Series(range(len(values)), dtype=pl.Int64).filter(bad)
    bad_values = values.filter(bad)
    code = "negative_value" if lo == 0 else "out_of_range"
    limits = f"between {lo} and {hi}" if lo is not None and hi is not None else (
        f"at least {lo}" if lo is not None else f"at most {hi}"
    )
    issues = issues_frame(
        rows, spec.name, pl.Series([code] * len(rows)), pl.Series([ERROR] * len(rows)),
        pl.Series([f"must be {limits}"] * len(rows)), bad_values.cast(pl.Utf8),
    )
    cleaned = pl.select(pl.when(bad).then(None).otherwise(values)).to_series()
    return cleaned, issues


class NumberType(ValueType):
    """A real number; thousands separators and decimal commas understood."""

    name = "number"
    polars_dtype: ClassVar[Any] = pl.Float64
    doc = "A number (1234.5; 1,234.5 and 12,5 are understood; no units inside)."

    def sql_type(self, spec: Any) -> sa.types.TypeEngine[Any]:
        return sa.Float()

    def _parse(self, raw: pl.Series, spec: Any) -> Cleaned:
        stripped = raw.str.strip_chars()
        fast = stripped.cast(pl.Float64, strict=False)
        # "NaN" is how many exports write an empty number: a missing value, said so.
        nan = fast.is_nan().fill_null(False)
        infinite = fast.is_infinite().fill_null(False)
        flagged = nan | infinite
        notes = empty_issues()
        if flagged.any():
            rows = pl.int_range(len(raw), eager=True, dtype=pl.Int64).filter(flagged)
            codes = pl.Series(["nan_value" if x else "not_a_number"
                               for x in nan.filter(flagged).to_list()], dtype=pl.Utf8)
            notes = issues_frame(
                rows, spec.name, codes,
                codes.replace_strict({"nan_value": INFO}, default=ERROR, return_dtype=pl.Utf8),
                codes.replace_strict({"nan_value": "NaN read as a missing value"},
                                     default="not a finite number", return_dtype=pl.Utf8),
                raw.filter(flagged))
            fast = pl.select(pl.when(flagged).then(None).otherwise(fast)).to_series()
        failed = fast.is_null() & ~flagged & stripped.is_not_null() & (
            stripped.str.len_chars() > 0)
        if not failed.any():
            return Cleaned(fast.alias(spec.name), notes)
        slow = clean_by_distinct(
            pl.select(pl.when(failed).then(stripped).otherwise(None)).to_series(),
            spec.name, parse_number, pl.Float64,
        )
        values = pl.select(
            pl.when(failed).then(slow.values).otherwise(fast)
        ).to_series().alias(spec.name)
        return Cleaned(values, pl.concat([notes, slow.issues]))

    def clean(self, raw: pl.Series, spec: Any, ctx: Any) -> Cleaned:
        parsed = self._parse(raw, spec)
        values, range_issues = _range_issues(parsed.values, spec)
        return Cleaned(values.alias(spec.name), pl.concat([parsed.issues, range_issues]))


class IntegerType(NumberType):
    """A whole number (counts of persons, heads, years)."""

    name = "integer"
    polars_dtype: ClassVar[Any] = pl.Int64
    doc = "A whole number."

    def sql_type(self, spec: Any) -> sa.types.TypeEngine[Any]:
        return sa.BigInteger()

    def clean(self, raw: pl.Series, spec: Any, ctx: Any) -> Cleaned:
        cleaned = super().clean(raw, spec, ctx)
        values = cleaned.values
        fractional = (values != values.round(0)).fill_null(False)
        issues = cleaned.issues
        if fractional.any():
            rows = pl.Series(range(len(values)), dtype=pl.Int64).filter(fractional)
            issues = pl.concat([issues, issues_frame(
                rows, spec.name, pl.Series(["not_an_integer"] * len(rows)),
                pl.Series([ERROR] * len(rows)),
                pl.Series(["must be a whole number"] * len(rows)),
                values.filter(fractional).cast(pl.Utf8),
            )])
            values = pl.select(pl.when(fractional).then(None).otherwise(values)).to_series()
        return Cleaned(values.cast(pl.Int64).alias(spec.name), issues)


class FractionType(NumberType):
    """A share between 0 and 1: ``0.85``, ``85%`` and ``85`` (read as percent) all give 0.85."""

    name = "fraction"
    doc = "A share 0–1; 85% or 85 (percent) are read as 0.85."

    def clean(self, raw: pl.Series, spec: Any, ctx: Any) -> Cleaned:
        parsed = self._parse(raw, spec)
        values = parsed.values
        # Values above 1 and up to 100 are percentages written without the sign.
        as_percent = (values > 1) & (values <= 100)
        values = pl.select(
            pl.when(as_percent).then(values / 100.0).otherwise(values)
        ).to_series()
        bad = ((values < 0) | (values > 1)).fill_null(False)
        issues = parsed.issues
        if bad.any():
            rows = pl.Series(range(len(values)), dtype=pl.Int64).filter(bad)
            issues = pl.concat([issues, issues_frame(
                rows, spec.name, pl.Series(["out_of_range"] * len(rows)),
                pl.Series([ERROR] * len(rows)),
                pl.Series(["must be a share between 0 and 1 (or 0–100%)"] * len(rows)),
                raw.filter(bad),
            )])
            values = pl.select(pl.when(bad).then(None).otherwise(values)).to_series()
        return Cleaned(values.alias(spec.name), issues)
