"""Label value types: TLP, grading scheme and its halves, handling codes, ICCS, currency."""

from __future__ import annotations

import re
from typing import Any

import polars as pl
import sqlalchemy as sa

from tocta.reference.money import currency_codes
from tocta.schema.types.base import ERROR, Cleaned, ValueType, Verdict, clean_by_distinct
from tocta.schema.types.grade import SCHEMES, parse_scheme
from tocta.schema.types.tlp import TLP_LEVELS, parse_tlp


class TlpType(ValueType):
    """A TLP 2.0 label (TLP:WHITE is read as CLEAR)."""

    name = "tlp"
    doc = "TLP 2.0: CLEAR, GREEN, AMBER, AMBER+STRICT, RED (TLP:WHITE = CLEAR)."

    def sql_type(self, spec: Any) -> sa.types.TypeEngine[Any]:
        return sa.String(12)

    def codelist(self, spec: Any) -> tuple[str, ...] | None:
        return TLP_LEVELS

    def clean(self, raw: pl.Series, spec: Any, ctx: Any) -> Cleaned:
        def judge(text: str) -> Verdict:
            level = parse_tlp(text)
            if level is None:
                return Verdict(None, "invalid_tlp", ERROR,
                               f"{text!r} is not a TLP 2.0 label ({', '.join(TLP_LEVELS)})")
            return Verdict(level)

        return clean_by_distinct(raw, spec.name, judge, pl.Utf8)


class SchemeType(ValueType):
    """A grading scheme name."""

    name = "grade_scheme"
    doc = "Grading scheme: admiralty, 5x5x5, 3x5x2 or europol4x4."

    def sql_type(self, spec: Any) -> sa.types.TypeEngine[Any]:
        return sa.String(12)

    def codelist(self, spec: Any) -> tuple[str, ...] | None:
        return SCHEMES

    def clean(self, raw: pl.Series, spec: Any, ctx: Any) -> Cleaned:
        def judge(text: str) -> Verdict:
            scheme = parse_scheme(text)
            if scheme is None:
                return Verdict(None, "invalid_grade", ERROR,
                               f"{text!r} is not a grading scheme ({', '.join(SCHEMES)})")
            return Verdict(scheme)

        return clean_by_distinct(raw, spec.name, judge, pl.Utf8)


class GradeCodeType(ValueType):
    """One half of a grade (a letter or digit); checked against its scheme at record level."""

    name = "grade_code"
    doc = "One half of a grade, valid in the record's scheme."

    def sql_type(self, spec: Any) -> sa.types.TypeEngine[Any]:
        return sa.String(2)

    def clean(self, raw: pl.Series, spec: Any, ctx: Any) -> Cleaned:
        return clean_by_distinct(
            raw, spec.name, lambda t: Verdict(t.strip().upper() or None), pl.Utf8
        )


_ICCS = re.compile(r"^(0[1-9]|1[01])\d{0,4}$")


class IccsType(ValueType):
    """An ICCS (International Classification of Crime for Statistical Purposes) code."""

    name = "iccs"
    doc = "ICCS code: section 01–11 then up to four more digits (e.g. 0601, 06011)."

    def sql_type(self, spec: Any) -> sa.types.TypeEngine[Any]:
        return sa.String(8)

    def clean(self, raw: pl.Series, spec: Any, ctx: Any) -> Cleaned:
        def judge(text: str) -> Verdict:
            code = re.sub(r"[\s.]", "", text)
            if not _ICCS.match(code):
                return Verdict(None, "invalid_iccs", ERROR, f"{text!r} is not an ICCS code")
            return Verdict(code)

        return clean_by_distinct(raw, spec.name, judge, pl.Utf8)


_CURRENCY_ALIASES = {"US$": "USD", "US DOLLAR": "USD", "US DOLLARS": "USD", "€": "EUR",
                     "EURO": "EUR", "EUROS": "EUR", "£": "GBP"}


class CurrencyType(ValueType):
    """An ISO 4217 currency code."""

    name = "currency"
    doc = "ISO 4217 currency code (USD, EUR, XOF...)."

    def sql_type(self, spec: Any) -> sa.types.TypeEngine[Any]:
        return sa.String(3)

    def clean(self, raw: pl.Series, spec: Any, ctx: Any) -> Cleaned:
        known = set(currency_codes())

        def judge(text: str) -> Verdict:
            code = text.strip().upper()
            code = _CURRENCY_ALIASES.get(code, code)
            if code not in known:
                return Verdict(None, "unknown_currency", ERROR,
                               f"{text!r} is not an ISO 4217 currency code")
            return Verdict(code)

        return clean_by_distinct(raw, spec.name, judge, pl.Utf8)
