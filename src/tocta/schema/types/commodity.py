"""Commodities from the codelist (drugs, persons, wildlife, timber, waste, counterfeits, arms)."""

from __future__ import annotations

from typing import Any

import polars as pl
import sqlalchemy as sa

from tocta.reference.commodities import commodity_ids, resolve_commodities
from tocta.schema.types.base import (
    ERROR,
    WARNING,
    Cleaned,
    ValueType,
    Verdict,
    clean_by_distinct,
)


class CommodityType(ValueType):
    """A commodity id from the codelist; labels, synonyms and UNODC drug names are resolved."""

    name = "commodity"
    doc = "Commodity id from the codelist (synonyms and UNODC drug names are resolved)."

    def sql_type(self, spec: Any) -> sa.types.TypeEngine[Any]:
        return sa.String(64)

    def codelist(self, spec: Any) -> tuple[str, ...] | None:
        return commodity_ids()

    def clean(self, raw: pl.Series, spec: Any, ctx: Any) -> Cleaned:
        stripped = raw.str.strip_chars()
        matches = resolve_commodities(stripped.drop_nulls().unique().to_list())

        def judge(text: str) -> Verdict:
            match = matches[text]
            if match.id is None:
                return Verdict(None, "unknown_commodity", ERROR,
                               f"{text!r} is not a commodity in the codelist")
            if match.issue:
                return Verdict(match.id, match.issue, WARNING,
                               f"read {text!r} as {match.id} (score {match.score:.0f})")
            return Verdict(match.id)

        return clean_by_distinct(stripped, spec.name, judge, pl.Utf8)
