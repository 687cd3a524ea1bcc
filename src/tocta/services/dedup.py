"""One seizure event, reported by two agencies, counts once.

Police and customs often both report the same seizure. Two records are taken to be the same
event when they have the same date (to the day), seizing country, commodity and canonical
quantity (to the gram or unit) and come from **different** owner agencies; the record of the
most reliable agency (then the first agency by name) is kept and the others are flagged
``is_duplicate``. Records without a full date or quantity are never flagged: they cannot be
matched safely.

Written with Ibis, so the same expression runs on DuckDB and on Spark. Routes and sizing both
use it: routes count each event once, sizing subtracts each seized kilogram once.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

EVENT_KEYS = ("commodity", "date", "country", "quantity_key")


def flag_duplicates(t: ir.Table) -> ir.Table:
    """``t`` with ``is_duplicate`` (bool) and ``event_key`` columns added (see module doc)."""
    t = t.mutate(quantity_key=(t.quantity_canonical * 1000).round(0).cast("int64"))
    complete = (t.date.notnull() & (t.date.length() == 10) & t.quantity_canonical.notnull()
                & t.country.notnull() & t.commodity.notnull())
    w = ibis.window(group_by=[t[k] for k in EVENT_KEYS],
                    order_by=[t.reliability_rank.asc(), t.owner_agency.asc()])
    agency_rank = ibis.dense_rank().over(w)
    # dense_rank over (reliability, agency) is > 0 for every agency after the first one.
    return t.mutate(is_duplicate=ibis.ifelse(complete, agency_rank > 0, False))


def duplicate_summary(t: ir.Table) -> dict[str, int]:
    """Records, duplicates flagged and distinct events, for a result's inputs."""
    flagged = flag_duplicates(t)
    row = flagged.aggregate(records=flagged.count(),
                            duplicates=flagged.is_duplicate.cast("int64").sum()).execute()
    records = int(row["records"].iloc[0])
    duplicates = int(row["duplicates"].iloc[0] or 0)
    return {"records": records, "duplicates": duplicates, "events": records - duplicates}
