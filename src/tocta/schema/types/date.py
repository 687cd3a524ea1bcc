"""Dates, partial where the source is partial.

Values are kept as ISO 8601 strings at the precision the source gave: ``2021``, ``2021-05`` or
``2021-05-03``. A mapping may give a ``format`` (strftime) for one column; otherwise ISO forms,
month names and day-first or month-first numeric dates are read when unambiguous, and an
ambiguous ``03/05/2021`` is an issue asking for a format — never a guess.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import polars as pl
import sqlalchemy as sa

from tocta.schema.types.base import (
    ERROR,
    Cleaned,
    ValueType,
    Verdict,
    clean_by_distinct,
    empty_issues,
)

_MONTHS = {
    name: i + 1
    for i, names in enumerate(
        [
            ("january", "jan", "janvier", "janv", "enero", "ene"),
            ("february", "feb", "fevrier", "févr", "février", "fev", "febrero"),
            ("march", "mar", "mars", "marzo"),
            ("april", "apr", "avril", "avr", "abril", "abr"),
            ("may", "mai", "mayo"),
            ("june", "jun", "juin", "junio"),
            ("july", "jul", "juillet", "juil", "julio"),
            ("august", "aug", "aout", "août", "agosto", "ago"),
            ("september", "sep", "sept", "septembre", "septiembre", "set"),
            ("october", "oct", "octobre", "octubre"),
            ("november", "nov", "novembre", "noviembre"),
            ("december", "dec", "decembre", "décembre", "diciembre", "dic"),
        ]
    )
    for name in names
}
_ISO = re.compile(
    r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?"
    r"(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$"
)
_NUMERIC = re.compile(r"^(\d{1,2})[./\-](\d{1,2})[./\-](\d{2,4})$")
_MONTH_YEAR_NUM = re.compile(r"^(\d{1,2})[./\-](\d{4})$")
_WORDS = re.compile(
    r"^(?:(\d{1,2})(?:st|nd|rd|th)?[\s\-./,]+)?([^\d\s\-./,]+)\.?[\s\-./,]+(\d{2,4})$"
)
_WORDS_US = re.compile(r"^([^\d\s\-./,]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})$")

MIN_YEAR = 1900


def _iso(year: int, month: int | None = None, day: int | None = None) -> str | None:
    try:
        if day is not None and month is not None:
            return dt.date(year, month, day).isoformat()
        if month is not None:
            dt.date(year, month, 1)
            return f"{year:04d}-{month:02d}"
        return f"{year:04d}"
    except ValueError:
        return None


def _year4(text: str) -> int:
    year = int(text)
    if len(text) == 2:
        # Two-digit years: 00–69 → 2000s, 70–99 → 1900s (the POSIX strptime convention).
        year += 2000 if year < 70 else 1900
    return year


def parse_partial_date(text: str, fmt: str | None = None, dayfirst: bool | None = None) -> Verdict:
    """Parse one written date into an ISO partial date string, or an issue."""
    s = text.strip()
    if not s:
        return Verdict(None)
    if fmt:
        try:
            parsed = dt.datetime.strptime(s, fmt)
        except ValueError:
            return Verdict(None, "invalid_date", ERROR, f"{text!r} does not match format {fmt!r}")
        precision = 3 if "%d" in fmt else (2 if ("%m" in fmt or "%b" in fmt or "%B" in fmt) else 1)
        return _check_bounds(parsed.date().isoformat()[: {1: 4, 2: 7, 3: 10}[precision]], text)
    iso: str | None
    m = _ISO.match(s)
    if m:
        iso = _iso(int(m[1]), int(m[2]) if m[2] else None, int(m[3]) if m[3] else None)
        return _check_bounds(iso, text)
    m = _NUMERIC.match(s)
    if m:
        a, b, year = int(m[1]), int(m[2]), _year4(m[3])
        if dayfirst is True or (dayfirst is None and a > 12 >= b):
            iso = _iso(year, b, a)
        elif dayfirst is False or (dayfirst is None and b > 12 >= a) or a == b:
            iso = _iso(year, a, b)
        else:
            return Verdict(
                None, "ambiguous_date", ERROR,
                f"{text!r} could be day-first or month-first; give a date format in the mapping",
            )
        return _check_bounds(iso, text)
    m = _MONTH_YEAR_NUM.match(s)
    if m:
        return _check_bounds(_iso(int(m[2]), int(m[1])), text)
    m = _WORDS.match(s) or None
    if m:
        month = _MONTHS.get(m[2].lower())
        if month:
            day = int(m[1]) if m[1] else None
            return _check_bounds(_iso(_year4(m[3]), month, day), text)
    m = _WORDS_US.match(s)
    if m:
        month = _MONTHS.get(m[1].lower())
        if month:
            return _check_bounds(_iso(int(m[3]), month, int(m[2])), text)
    return Verdict(None, "invalid_date", ERROR, f"{text!r} is not a date (use YYYY-MM-DD)")


def _check_bounds(iso: str | None, text: str) -> Verdict:
    if iso is None:
        return Verdict(None, "invalid_date", ERROR, f"{text!r} is not a real date")
    year = int(iso[:4])
    if year < MIN_YEAR:
        return Verdict(None, "invalid_date", ERROR, f"{text!r}: year before {MIN_YEAR}")
    if iso > dt.date.today().isoformat()[: len(iso)]:
        return Verdict(None, "future_date", ERROR, f"{text!r} is in the future")
    return Verdict(iso)


class DateType(ValueType):
    """A calendar date, possibly partial (year or year-month)."""

    name = "date"
    doc = "ISO 8601 date; partial allowed (2021, 2021-05, 2021-05-03)."

    def sql_type(self, spec: Any) -> sa.types.TypeEngine[Any]:
        return sa.String(10)

    def clean(self, raw: pl.Series, spec: Any, ctx: Any) -> Cleaned:
        options = ctx.column_options(spec.name) if ctx is not None else {}
        fmt = options.get("format")
        dayfirst = options.get("dayfirst")
        stripped = raw.str.strip_chars()
        if fmt is None:
            # Fast path: most files write full ISO dates.
            fast = stripped.str.to_date("%Y-%m-%d", strict=False)
            today = dt.date.today()
            ok = fast.is_not_null() & (fast <= today) & (fast.dt.year() >= MIN_YEAR)
            if ok.all() or stripped.is_null().all():
                return Cleaned(fast.dt.to_string("%Y-%m-%d").alias(spec.name), empty_issues())
            rest = pl.select(pl.when(ok).then(None).otherwise(stripped)).to_series()
            slow = clean_by_distinct(
                rest, spec.name, lambda t: parse_partial_date(t, None, dayfirst), pl.Utf8
            )
            values = pl.select(
                pl.when(ok).then(fast.dt.to_string("%Y-%m-%d")).otherwise(slow.values)
            ).to_series()
            return Cleaned(values.alias(spec.name), slow.issues)
        return clean_by_distinct(
            stripped, spec.name, lambda t: parse_partial_date(t, fmt, dayfirst), pl.Utf8
        )


class YearType(ValueType):
    """A calendar year."""

    name = "year"
    polars_dtype = pl.Int64
    doc = "A four-digit year."

    def sql_type(self, spec: Any) -> sa.types.TypeEngine[Any]:
        return sa.Integer()

    def clean(self, raw: pl.Series, spec: Any, ctx: Any) -> Cleaned:
        def judge(text: str) -> Verdict:
            verdict = parse_partial_date(text)
            if verdict.code:
                return Verdict(None, verdict.code, ERROR, verdict.message)
            if verdict.value is None:
                return Verdict(None)
            if len(verdict.value) > 4:
                return Verdict(int(verdict.value[:4]))
            return Verdict(int(verdict.value))

        stripped = raw.str.strip_chars().str.replace(r"\.0$", "")
        return clean_by_distinct(stripped, spec.name, judge, pl.Int64)
