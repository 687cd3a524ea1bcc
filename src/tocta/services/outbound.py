"""The flow leaving or crossing a region, valued at the wholesale price of the markets it feeds.

``size_outbound`` sizes each destination market of the region's outbound flow from the store
(``size_market``: demand, seizure and allocated sides, prices) and multiplies the market's
volume and wholesale value draws by the share of its supply that passed the region
(``analytics.outbound``). The sum over markets is the flow's annual volume and its value at
the ``wholesale_destination`` level — the convention UNODC uses for transit flows; it is never
summed with the region's own retail market.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from tocta.access.clearance import Clearance
from tocta.analytics.outbound import METHOD, OutboundShare, outbound_shares
from tocta.analytics.routes import RouteEstimate
from tocta.errors import NotFoundError, TocError
from tocta.reference.countries import get_country
from tocta.services.market import TLP_ORDER, MarketResult, market_countries, size_market
from tocta.store.engine import Store

LEVEL = "wholesale_destination"


@dataclass(frozen=True)
class OutboundMarket:
    """One destination market: its sizing and the share of it the region carried."""

    share: OutboundShare
    market: MarketResult
    volume: np.ndarray | None          # kg pure/yr carried through the region
    value: np.ndarray | None           # constant US$/yr at wholesale in the market

    def to_dict(self) -> dict[str, Any]:
        s = self.share.sample(4000, 0)
        return {"market": self.share.market, "destinations": list(self.share.destinations),
                "share_via_region": draw_stats(s, "share of the market's supply"),
                "part_of_outbound_flow": self.share.of_outbound,
                "volume": draw_stats(self.volume, "kg/year (pure)"),
                "value": draw_stats(self.value, "US$/year"),
                "market_volume": self.market.volume.to_dict() if self.market.volume else None,
                "missing_inputs": list(self.market.missing[:8])}


@dataclass(frozen=True)
class OutboundFlow:
    """The region's outbound flow of one commodity: volume and wholesale value by market."""

    commodity: str
    region: str
    year: int
    price_year: int
    markets: tuple[OutboundMarket, ...]
    volume: np.ndarray
    value: np.ndarray | None
    notes: tuple[str, ...]
    synthetic: bool = False
    method: str = METHOD

    @property
    def tlp(self) -> str:
        levels = [m.market.tlp for m in self.markets]
        return max(levels or ["CLEAR"], key=lambda t: TLP_ORDER.index(t) if t in TLP_ORDER
                   else len(TLP_ORDER))

    @property
    def grade(self) -> str | None:
        grades = [m.market.grade for m in self.markets if m.market.grade]
        return max(grades) if grades else None      # "C3" > "B2": the weakest

    @property
    def sources(self) -> tuple[str, ...]:
        return tuple(sorted({s for m in self.markets for s in m.market.sources}))

    def headline(self) -> dict[str, Any] | None:
        if self.value is None:
            return None
        return {"price_level": LEVEL, "currency": f"constant {self.price_year} US$",
                **draw_stats(self.value, "US$/year"), "method": self.method}

    def to_dict(self) -> dict[str, Any]:
        return {"commodity": self.commodity, "region": self.region, "year": self.year,
                "what": f"flow crossing or leaving {self.region} towards markets elsewhere",
                "price_level": LEVEL, "currency": f"constant {self.price_year} US$",
                "method": self.method, "volume": draw_stats(self.volume, "kg/year (pure)"),
                "value": draw_stats(self.value, "US$/year"), "tlp": self.tlp,
                "grade": self.grade, "sources": list(self.sources),
                "markets": [m.to_dict() for m in self.markets], "notes": list(self.notes)}

    def explain(self) -> str:
        lines = [f"{self.commodity} leaving or crossing {self.region}, {self.year} — "
                 f"TLP:{self.tlp}{' — SYNTHETIC DATA' if self.synthetic else ''}",
                 f"method: {self.method}",
                 f"volume: {draw_text(self.volume, ' kg pure/yr')}"]
        if self.value is not None:
            lines.append(f"value at {LEVEL}: "
                         f"{draw_text(self.value, f' constant {self.price_year} US$/yr')}")
        lines += share_lines(self.markets, "of its supply via the region")
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)


class _HasShare(Protocol):
    @property
    def share(self) -> OutboundShare: ...


def share_lines(markets: Sequence[_HasShare], what: str, digits: int = 0) -> list[str]:
    """One line per destination market: its share (``what``) with the 90% interval."""
    return [f"  {m.share.market} ({', '.join(m.share.destinations)}): "
            f"{draw_text(m.share.sample(4000, 0), '%', 100.0, digits)} {what}"
            for m in markets]


def draw_text(draws: np.ndarray, unit: str, scale: float = 1.0, digits: int = 0) -> str:
    """``median<unit> (90% low-high)`` of Monte Carlo draws, for ``explain()``."""
    s = draw_stats(draws, "")
    f = f",.{digits}f"
    return (f"{scale * s['median']:{f}}{unit} (90% {scale * s['low']:{f}}-"
            f"{scale * s['high']:{f}})")


def draw_stats(draws: np.ndarray | None, unit: str) -> dict[str, Any]:
    """Median and 90% interval (5th-95th percentile) of draws; Nones without draws."""
    if draws is None:
        return {"median": None, "low": None, "high": None, "unit": unit}
    return {"median": float(np.median(draws)), "low": float(np.percentile(draws, 5)),
            "high": float(np.percentile(draws, 95)), "unit": unit,
            "interval": "90% (5th-95th percentile)"}


def market_of(country: str) -> str | None:
    """A destination country's market: its M49 sub-region (None for an unknown code)."""
    try:
        return get_country(country).subregion_name or None
    except NotFoundError:
        return None


def size_outbound(store: Store, clearance: Clearance, routes: RouteEstimate, *, region: str,
                  year: int, draws: int = 4000, seed: int = 0, synthetic: bool = False,
                  progress: Callable[[str], None] | None = None) -> OutboundFlow | None:
    """The flow of ``routes.commodity`` crossing or leaving ``region``; None when no estimated
    path does. ``routes`` must be the commodity's whole estimate (not limited to the region)."""
    if routes.path_draws is None:
        return None
    codes = set(market_countries(region))
    shares = outbound_shares(routes.path_draws, codes, market_of)
    if not shares:
        return None
    step = progress or (lambda _m: None)
    markets: list[OutboundMarket] = []
    notes: list[str] = []
    for i, share in enumerate(shares):
        step(f"{routes.commodity}: sizing {share.market} (fed through {region})")
        try:
            m = size_market(store, clearance, commodity=routes.commodity, region=share.market,
                            year=year, draws=draws, seed=seed + 10 * i, synthetic=synthetic,
                            route_shares=routes.paths, route_ends=share.main_ends)
        except TocError as exc:
            notes.append(f"{share.market}: not sized ({exc})")
            continue
        f = share.sample(draws, seed + 10 * i + 1)
        vol = m.volume.draws * f if m.volume is not None else None
        wholesale = next((v for v in m.values if v.price_level == LEVEL), None)
        val = wholesale.draws * f if wholesale is not None else None
        if vol is None:
            notes.append(f"{share.market}: its market could not be sized ("
                         + "; ".join(m.missing[:2]) + ")")
        elif val is None:
            notes.append(f"{share.market}: no wholesale price: volume counted, value not")
        markets.append(OutboundMarket(share, m, vol, val))
    sized = [m for m in markets if m.volume is not None]
    if not sized:
        return None
    covered = sum(m.share.of_outbound for m in sized)
    if covered < 0.999:
        notes.append(f"markets sized receive {100 * covered:.0f}% of the region's outbound "
                     "flow on the estimated routes; the rest (smaller or unsized markets) is "
                     "not counted, so the totals are low")
    volume = np.sum([m.volume for m in sized if m.volume is not None], axis=0)
    valued = [m.value for m in sized if m.value is not None]
    value = np.sum(valued, axis=0) if len(valued) == len(sized) else None
    if valued and value is None:
        notes.append("value not totalled: a destination market has no wholesale price")
    return OutboundFlow(routes.commodity, region, year, sized[0].market.price_year,
                        tuple(markets), volume, value, tuple(notes), synthetic)
