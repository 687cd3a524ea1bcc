"""Checks of the frames figures are given: columns present, codes that are countries.

A missing column is a code error (the caller built the frame) and is raised, naming every
missing column at once; so is a code that is not a country, since figures receive estimates
that were resolved to countries upstream.
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

from tocta.errors import NotFoundError, UsageError
from tocta.reference.countries import Country, get_country

__all__ = ["countries_of", "require_columns"]


def require_columns(df: pl.DataFrame, columns: Iterable[str], who: str) -> None:
    """Fail when ``df`` lacks any of ``columns``, naming all missing ones at once.

    Raises:
        UsageError: Some columns are missing (a code error: the caller built the frame).
    """
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise UsageError(
            f"{who}: missing columns {', '.join(missing)} (found: {', '.join(df.columns)})"
        )


def countries_of(codes: Iterable[str | None], who: str) -> dict[str, Country]:
    """Look every code up, failing once with the list of codes that are not countries.

    Raises:
        NotFoundError: Some codes (listed) are not ISO country codes.
    """
    found: dict[str, Country] = {}
    unknown: list[str] = []
    for code in codes:
        if code is None or code in found:
            continue
        try:
            found[code] = get_country(code)
        except NotFoundError:
            unknown.append(repr(code))
    if unknown:
        raise NotFoundError(f"{who}: not country codes: {', '.join(sorted(set(unknown)))}")
    return found
