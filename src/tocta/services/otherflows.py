"""Other flows on the routes' graph: detected people and licit trade, read through clearance.

Each function reads the records the reader may see and hands them to the analytic with the
labels of what it read (TLP, sources, rows withheld), so the result says what it is made of.
A region keeps the flows with either end in it; every visible record of the commodity and
period is still read, because a flow's share is a share of all that its country of detection
found (or of the whole trade leg), not only of the part inside the region.
"""

from __future__ import annotations

from dataclasses import replace

from tocta.access.clearance import Clearance
from tocta.analytics.people import (
    PeopleFlows,
    PeopleParams,
    commodity_family,
    estimate_people_flows,
)
from tocta.analytics.trade import TradeFlows, TradeParams, estimate_trade_flows
from tocta.reference.commodities import get_commodity
from tocta.store.engine import Store
from tocta.store.read import RecordSet, read_records

__all__ = ["people_flows", "trade_flows"]


def _read(store: Store, type_name: str, clearance: Clearance, commodity: str | None,
          years: tuple[int, int] | None) -> RecordSet:
    commodities = None
    if commodity is not None:
        get_commodity(commodity)  # an unknown id fails here, naming the closest ones
        commodities = sorted(commodity_family(commodity))
    return read_records(store, type_name, clearance, commodities=commodities, years=years)


def people_flows(
    store: Store,
    clearance: Clearance,
    *,
    commodity: str | None = None,
    region: str | None = None,
    years: tuple[int, int] | None = None,
    params: PeopleParams | None = None,
) -> PeopleFlows:
    """Citizenship → country-of-detection flows of detected victims the reader may see.

    Args:
        store: the open store.
        clearance: the reader; the result carries the strictest TLP of what it read.
        commodity: ``trafficking_in_persons``, ``smuggled_migrants`` or a parent such as
            ``persons``; descendants are counted under it. ``None``: each commodity recorded.
        region: a region name, alias or M49 code; a flow is kept when its origin or its
            country of detection is in the region.
        years: inclusive (first, last) years.
        params: methodology choices; ``commodity`` and ``region`` given here override theirs.

    Returns:
        The flows with their method, parameters, inputs and TLP.

    Raises:
        NotFoundError: unknown commodity or region (the message names the closest).
    """
    params = params or PeopleParams()
    params = replace(params, commodity=commodity or params.commodity,
                     region=region or params.region)
    records = _read(store, "VictimCount", clearance, params.commodity, years)
    return estimate_people_flows(records.table, params, tlp=records.tlp,
                                 sources=records.sources, withheld_rows=records.withheld_rows)


def trade_flows(
    store: Store,
    clearance: Clearance,
    *,
    commodity: str | None = None,
    region: str | None = None,
    years: tuple[int, int] | None = None,
    params: TradeParams | None = None,
) -> TradeFlows:
    """Licit trade chains and the importer/exporter mirror the reader may see.

    Args:
        store: the open store.
        clearance: the reader; the result carries the strictest TLP of what it read.
        commodity: a commodity id; descendants are counted under it. ``None``: each one.
        region: a region name, alias or M49 code; chains, edges and pairs are kept when one
            of their countries is in the region.
        years: inclusive (first, last) years.
        params: methodology choices; ``commodity`` and ``region`` given here override theirs.

    Returns:
        Chains, edges and mirror with their method, parameters, inputs and TLP.

    Raises:
        NotFoundError: unknown commodity or region (the message names the closest).
    """
    params = params or TradeParams()
    params = replace(params, commodity=commodity or params.commodity,
                     region=region or params.region)
    records = _read(store, "TradeRecord", clearance, params.commodity, years)
    return estimate_trade_flows(records.table, params, tlp=records.tlp,
                                sources=records.sources, withheld_rows=records.withheld_rows)
