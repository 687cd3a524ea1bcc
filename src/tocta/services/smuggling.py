"""The smuggling of migrants through a region: persons per year and the fees they pay.

A persons flow has no consumer market to survey: its size comes from the supply side. The
number of persons setting out with smugglers (departure estimates per country of origin,
``MarketEstimate`` measure ``production`` in persons), less those who die or disappear on the
way (a cited default) and those intercepted world-wide (``Seizure`` records in persons), is
the number who arrive. The route model's paths say which share of all of them travelled on
paths that cross or leave the region, by destination market; each market's arrivals are
valued at the smuggling fee for the whole journey (the price per person at the ``retail``
level, paid at or for the destination; UNODC, Global Study on Smuggling of Migrants 2018:
migrants × fees). The share's interval comes from the route-model refits and its structural
error, applied as one common error to every market (they are not independent).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from tocta.access.clearance import Clearance
from tocta.analytics import sizing
from tocta.analytics.outbound import OutboundShare, crosses, outbound_shares
from tocta.analytics.prices import PricePoint, price_at
from tocta.analytics.routes import RouteEstimate
from tocta.analytics.sizing import uniforms
from tocta.reference.commodities import get_commodity, resolve_commodity
from tocta.reference.money import latest_complete_year
from tocta.services.market import (
    TLP_ORDER,
    StoreReads,
    market_countries,
    prices_from_store,
    supply_from_store,
    weakest_grade,
)
from tocta.services.outbound import draw_stats, draw_text, market_of, share_lines
from tocta.store.engine import Store

#: the market level a smuggling fee for the whole journey is recorded at (price at destination)
FEE_LEVEL = "retail"
#: the headline's price level: fees for the whole journey, per person
LEVEL = "journey_fee"
LOSSES = "losses_in_transit_persons"
METHOD = ("persons setting out (departure estimates) × (1 − deaths and disappearances) − "
          "interceptions world-wide, × the share of all persons on estimated paths that cross "
          "or leave the region (by destination market), × the smuggling fee for the journey "
          "at the destination (price per person)")


def is_persons(commodity: str) -> bool:
    """Whether a flow (an id or a name) is counted in persons (smuggling of migrants,
    trafficking in persons)."""
    match = resolve_commodity(commodity)
    return match.id is not None and get_commodity(match.id).canonical_unit == "persons"


@dataclass(frozen=True)
class SmuggledMarket:
    """One destination market: the persons who reached it through the region, and their fees."""

    share: OutboundShare
    fees: tuple[PricePoint, ...]
    volume: np.ndarray
    value: np.ndarray | None

    def to_dict(self) -> dict[str, Any]:
        return {"market": self.share.market, "destinations": list(self.share.destinations),
                "share_via_region": draw_stats(self.share.sample(4000, 0),
                                           "share of all persons smuggled"),
                "part_of_outbound_flow": self.share.of_outbound,
                "volume": draw_stats(self.volume, "persons/year"),
                "value": draw_stats(self.value, "US$/year"),
                "fees": [{**p.to_dict(), "unit": "US$/person"} for p in self.fees]}


@dataclass(frozen=True)
class SmugglingFlow:
    """Persons smuggled on paths crossing or leaving a region, and the fees they paid."""

    commodity: str
    region: str
    year: int
    price_year: int
    markets: tuple[SmuggledMarket, ...]
    arrivals: sizing.SideEstimate
    volume: np.ndarray
    value: np.ndarray | None
    notes: tuple[str, ...]
    tlp: str
    grade: str | None
    sources: tuple[str, ...]
    synthetic: bool = False
    method: str = METHOD
    unit: str = "persons/year"

    def headline(self) -> dict[str, Any] | None:
        if self.value is None:
            return None
        return {"price_level": LEVEL, "currency": f"constant {self.price_year} US$",
                **draw_stats(self.value, "US$/year"), "method": self.method}

    def to_dict(self) -> dict[str, Any]:
        return {"commodity": self.commodity, "region": self.region, "year": self.year,
                "what": f"persons smuggled on routes crossing or leaving {self.region}, and "
                        "the fees they paid for the journey",
                "price_level": LEVEL, "currency": f"constant {self.price_year} US$",
                "method": self.method, "volume": draw_stats(self.volume, self.unit),
                "value": draw_stats(self.value, "US$/year"), "tlp": self.tlp,
                "grade": self.grade, "sources": list(self.sources),
                "arrivals_world": self.arrivals.to_dict(),
                "markets": [m.to_dict() for m in self.markets], "notes": list(self.notes)}

    def explain(self) -> str:
        lines = [f"{self.commodity} crossing or leaving {self.region}, {self.year} — "
                 f"TLP:{self.tlp}{' — SYNTHETIC DATA' if self.synthetic else ''}",
                 f"method: {self.method}",
                 f"persons arriving world-wide: {draw_text(self.arrivals.draws, '/yr')}; "
                 f"inputs: {'; '.join(self.arrivals.inputs)}",
                 f"via the region: {draw_text(self.volume, ' persons/yr')}"]
        if self.value is not None:
            lines.append("fees for the whole journey: "
                         f"{draw_text(self.value, f' constant {self.price_year} US$/yr')}")
        lines += share_lines(self.markets, "of all persons smuggled reach it through the "
                             "region", digits=1)
        lines += [f"default: {d}" for d in self.arrivals.defaults_used]
        lines += [f"note: {n}" for n in self.notes + self.arrivals.warnings]
        return "\n".join(lines)


def size_smuggling(store: Store, clearance: Clearance, routes: RouteEstimate, *, region: str,
                   year: int, draws: int = 4000, seed: int = 0, synthetic: bool = False
                   ) -> SmugglingFlow | None:
    """Persons smuggled through ``region`` in ``year`` and their fees; None when no estimated
    path crosses the region or no departure estimate exists. ``routes`` must be the flow's
    whole estimate (not limited to the region)."""
    if routes.path_draws is None:
        return None
    codes = set(market_countries(region))
    shares = outbound_shares(routes.path_draws, codes, market_of, of_all=True,
                             limit=1000, min_part=0.0)
    if not shares:
        return None
    reads = StoreReads()
    missing: list[str] = []
    arrivals = supply_from_store(reads, store, clearance, routes.commodity, year, draws, seed,
                                 missing, unit="persons", losses_default=LOSSES)
    if arrivals is None:
        return None
    base = min(latest_complete_year(), year + 2)
    usable, _issues = prices_from_store(reads, store, clearance, routes.commodity, base)
    weights = _destination_weights(routes.path_draws, codes)
    rng = np.random.default_rng(seed + 1)
    notes = list(missing)
    markets = []
    for share in shares:
        # one seed for every market: the refit drawn and the structural error are common
        f = share.sample(draws, seed + 2)
        volume = arrivals.draws * f
        fees = [p for c in share.destinations
                if not usable.is_empty()
                and (p := price_at(usable, c, FEE_LEVEL, year, levels=[FEE_LEVEL])) is not None]
        value = None
        if fees:
            w = np.array([weights.get(p.country, 0.0) for p in fees])
            w = w / w.sum() if w.sum() > 0 else np.full(len(fees), 1 / len(fees))
            fee = np.zeros(draws)
            for wi, p in zip(w, fees, strict=True):
                dist, _ = sizing.ranged(p.price, p.low, p.high)
                fee += wi * dist.ppf(uniforms(rng, draws))
            value = volume * fee
        else:
            notes.append(f"{share.market}: no fee (price per person) at destination: persons "
                         "counted, fees not")
        markets.append(SmuggledMarket(share, tuple(fees), volume, value))
    volume = np.sum([m.volume for m in markets], axis=0)
    valued = [m.value for m in markets if m.value is not None]
    value = np.sum(valued, axis=0) if len(valued) == len(markets) else None
    if valued and value is None:
        notes.append("fees not totalled: a destination market has no fee")
    tlps = [s.tlp for s in reads.sets if s.tlp in TLP_ORDER] or ["CLEAR"]
    return SmugglingFlow(routes.commodity, region, year, base, tuple(markets), arrivals,
                         volume, value, tuple(notes), max(tlps, key=TLP_ORDER.index),
                         weakest_grade([pl.from_arrow(s.table)  # type: ignore[misc]
                                         for s in reads.sets]),
                         reads.sources(), synthetic)


def _destination_weights(path_draws: pl.DataFrame, region: set[str]) -> dict[str, float]:
    """The point share of the flow reaching each destination on paths crossing the region."""
    out: dict[str, float] = {}
    for path, share in path_draws.select("path", "share").iter_rows():
        p = list(path)
        if crosses(p, region):
            out[p[-1]] = out.get(p[-1], 0.0) + float(share)
    return out
