"""Countries: ISO 3166-1 alpha-3 (plus XKX), resolved from codes and names in any UN language.

Resolution is the reference resolver's (``tocta.reference.names``); this type turns its verdicts
into issues. Catch-alls ("Unknown") and region names never become a country. On an optional
field a catch-all is simply a missing value (info); a region name or ambiguous name loses
information and is a warning; a name that matches nothing is an error, because the analyst must
correct it rather than have it guessed.
"""

from __future__ import annotations

from typing import Any

import polars as pl
import sqlalchemy as sa

from tocta.reference.names import CountryMatch, resolve_countries
from tocta.schema.types.base import (
    ERROR,
    INFO,
    WARNING,
    Cleaned,
    ValueType,
    Verdict,
    clean_by_distinct,
)

_MISSING_LIKE = {"country_catch_all", "country_region_name", "country_ambiguous"}


def _verdict(raw: str, match: CountryMatch, required: bool) -> Verdict:
    extra = {"unit": match.unit} if match.unit else {}
    if match.code is not None:
        if match.issue == "country_fuzzy_match":
            return Verdict(
                match.code, match.issue, WARNING,
                f"read {raw!r} as {match.code} (fuzzy match, score {match.score:.0f})", extra,
            )
        return Verdict(match.code, None, extra=extra)
    code = match.issue or "unknown_country"
    hint = f"; did you mean {', '.join(match.candidates)}?" if match.candidates else ""
    if code in _MISSING_LIKE:
        what = {
            "country_catch_all": "is a catch-all, not a country",
            "country_region_name": "is a region, not a country",
            "country_ambiguous": "is ambiguous between countries",
        }[code]
        if required:
            return Verdict(None, code, ERROR, f"{raw!r} {what}; a country is required{hint}")
        level = INFO if code == "country_catch_all" else WARNING
        return Verdict(None, code, level, f"{raw!r} {what}; left empty{hint}")
    return Verdict(None, "unknown_country", ERROR, f"{raw!r} is not a known country{hint}")


class CountryType(ValueType):
    """A country or territory as ISO 3166-1 alpha-3."""

    name = "country"
    doc = "ISO 3166-1 alpha-3 code; names, demonyms and other codes are resolved."

    def sql_type(self, spec: Any) -> sa.types.TypeEngine[Any]:
        return sa.String(3)

    def clean(self, raw: pl.Series, spec: Any, ctx: Any) -> Cleaned:
        stripped = raw.str.strip_chars()
        # Resolve all distinct names in one call, then judge each.
        matches = resolve_countries(stripped.drop_nulls().unique().to_list())
        required = bool(getattr(spec, "required", False))
        return clean_by_distinct(
            stripped, spec.name, lambda t: _verdict(t, matches[t], required), pl.Utf8, ("unit",)
        )
