"""Closed codelists declared in the record YAML (conveyance, market level, sex...)."""

from __future__ import annotations

import re
from typing import Any

import polars as pl
import sqlalchemy as sa

from tocta.schema.types.base import ERROR, Cleaned, ValueType, Verdict, clean_by_distinct


def _key(text: str) -> str:
    return re.sub(r"[\s_\-/]+", " ", text.strip().casefold())


class CodelistType(ValueType):
    """One code out of the field's declared values (synonyms accepted)."""

    name = "codelist"
    doc = "One of the listed codes."

    def sql_type(self, spec: Any) -> sa.types.TypeEngine[Any]:
        return sa.String(64)

    def codelist(self, spec: Any) -> tuple[str, ...] | None:
        return tuple(v.code for v in spec.values)

    def clean(self, raw: pl.Series, spec: Any, ctx: Any) -> Cleaned:
        lookup: dict[str, str] = {}
        for value in spec.values:
            for alias in (value.code, value.label, *value.synonyms):
                lookup[_key(alias)] = value.code
        allowed = ", ".join(v.code for v in spec.values)

        def judge(text: str) -> Verdict:
            code = lookup.get(_key(text))
            if code is None:
                return Verdict(None, "not_in_codelist", ERROR,
                               f"{text!r} is not one of: {allowed}")
            return Verdict(code)

        return clean_by_distinct(raw.str.strip_chars(), spec.name, judge, pl.Utf8)


class BooleanType(ValueType):
    """Yes/no."""

    name = "boolean"
    polars_dtype = pl.Boolean
    doc = "yes/no (true/false, 1/0, oui/non, sí/no)."
    _TRUE = frozenset({"yes", "y", "true", "t", "1", "oui", "si", "sí", "x"})
    _FALSE = frozenset({"no", "n", "false", "f", "0", "non"})

    def sql_type(self, spec: Any) -> sa.types.TypeEngine[Any]:
        return sa.Boolean()

    def codelist(self, spec: Any) -> tuple[str, ...] | None:
        return ("yes", "no")

    def clean(self, raw: pl.Series, spec: Any, ctx: Any) -> Cleaned:
        def judge(text: str) -> Verdict:
            key = text.strip().casefold()
            if key in self._TRUE:
                return Verdict(True)
            if key in self._FALSE:
                return Verdict(False)
            return Verdict(None, "not_a_boolean", ERROR, f"{text!r} is not yes/no")

        return clean_by_distinct(raw, spec.name, judge, pl.Boolean)
