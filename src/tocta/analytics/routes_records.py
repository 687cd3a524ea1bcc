"""Seizure records → record classes, written once in Ibis (DuckDB by default, Spark at scale).

A class is every seizure of one commodity, in one year and country, with the same reported
origin, transits, destination and mode. The estimator works on classes, so a million records
become a few thousand rows before any model runs. Expects the seizure columns of the store
(a view already filtered to the reader's clearance) plus ``is_duplicate``
(``tocta.services.dedup``).
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

CLASS_KEYS = ("commodity", "year", "country", "origin", "transit", "destination", "mode")


def seizure_classes(t: ir.Table, *, commodities: list[str],
                    years: tuple[int, int] | None = None) -> ir.Table:
    """Classes of seizures of ``commodities`` (one id, or a group and its members), duplicates
    dropped, with counts and volume (the commodity column keeps each record's own id)."""
    t = t.filter(t.commodity.isin(commodities) & ~t.is_duplicate & t.country.notnull()
                 & t.year.notnull())
    if years is not None:
        t = t.filter(t.year.between(years[0], years[1]))
    transit = ibis.ifelse(t.transit.length() > 0, t.transit.join(">"), ibis.null("string"))
    t = t.mutate(
        origin=ibis.ifelse(t.origin == t.country, ibis.null("string"), t.origin),
        destination=ibis.ifelse(t.destination == t.country, ibis.null("string"), t.destination),
        transit=transit,
        mode=t.mode.fill_null("unknown"),
    )
    return t.group_by(list(CLASS_KEYS)).aggregate(
        records=t.count(),
        volume=t.quantity_canonical.sum(),
        worst_reliability=t.reliability_rank.max(),
        worst_credibility=t.credibility_rank.max(),
    ).order_by(list(CLASS_KEYS))


def reporting_countries(t: ir.Table, *, years: tuple[int, int] | None = None) -> ir.Table:
    """Countries with at least one seizure record of any commodity (reporting coverage)."""
    t = t.filter(t.country.notnull() & ~t.is_duplicate)
    if years is not None:
        t = t.filter(t.year.between(years[0], years[1]))
    return t.group_by("country").aggregate(records=t.count()).order_by("country")
