"""How the money is handled: proceeds available for laundering and where they likely go.

An **indicative threat estimate, not a measurement.** Following UNODC (2011), *Estimating
illicit financial flows resulting from drug trafficking and other transnational organized
crimes*: a cited share of the proceeds is available for laundering through the financial
system. Where it goes is a gravity model in the spirit of Walker (1999), "How big is global
money laundering?", Journal of Money Laundering Control 3(1): destination j attracts
A_j / d_ij², with A_j built from the indicators the store holds (WGI now; any indicator a user
adds with its sign) and ``ties`` (shared language, diaspora, trade) as multipliers.
See docs/methodology/sizing.md, *Money handling*.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from tocta.reference.countries import get_country

Array = np.ndarray

#: WGI indicator -> sign in the attractiveness score (Walker: stable, well-regulated financial
#: centres attract laundered money; conflict and corruption deter it)
DEFAULT_SIGNS = {"political_stability": 1.0, "regulatory_quality": 1.0,
                 "control_of_corruption": 0.5}
#: distance from a country to itself (km) in the gravity model: keeps domestic laundering finite
HOME_DISTANCE_KM = 300.0
#: distance floor between neighbours (km)
MIN_DISTANCE_KM = 300.0


@dataclass(frozen=True)
class LaunderingParams:
    signs: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_SIGNS))
    distance_power: float = 2.0
    top: int = 10


@dataclass(frozen=True)
class Destination:
    country: str
    share: float
    attractiveness: float
    distance_km: float


@dataclass(frozen=True)
class LaunderingEstimate:
    """Proceeds available for laundering and their likely destinations (indicative)."""

    origin: str
    proceeds: Array
    available: Array
    destinations: tuple[Destination, ...]
    indicators_used: tuple[str, ...]
    params: LaunderingParams
    price_level: str
    defaults_used: tuple[str, ...] = ("laundering_available_share",)
    caveat: str = ("indicative threat estimate from a gravity model over governance "
                   "indicators and distance, not a measurement of financial flows")

    def explain(self) -> str:
        a = self.available
        lines = [f"proceeds available for laundering ({self.origin}, {self.price_level}): "
                 f"{np.median(a):,.0f} US$/yr (90% {np.percentile(a, 5):,.0f}-"
                 f"{np.percentile(a, 95):,.0f}) = proceeds × laundering_available_share",
                 f"likely destinations ({self.caveat}); attractiveness from "
                 f"{', '.join(self.indicators_used) or 'no indicator (distance only)'}:"]
        lines += [f"  {d.country}: {100 * d.share:.1f}% (distance {d.distance_km:,.0f} km)"
                  for d in self.destinations[: self.params.top]]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, object]:
        return {"origin": self.origin, "price_level": self.price_level,
                "available": {"median": float(np.median(self.available)),
                              "low": float(np.percentile(self.available, 5)),
                              "high": float(np.percentile(self.available, 95))},
                "destinations": [{"country": d.country, "share": d.share,
                                  "attractiveness": d.attractiveness,
                                  "distance_km": d.distance_km}
                                 for d in self.destinations[: self.params.top]],
                "indicators_used": list(self.indicators_used),
                "defaults_used": list(self.defaults_used), "caveat": self.caveat}


def distance_km(a: str, b: str) -> float:
    """Great-circle distance between two countries' reference points (km)."""
    if a == b:
        return HOME_DISTANCE_KM
    ca, cb = get_country(a), get_country(b)
    la, lb = math.radians(ca.lat), math.radians(cb.lat)
    dl = math.radians(cb.lon - ca.lon)
    h = math.sin((lb - la) / 2) ** 2 + math.cos(la) * math.cos(lb) * math.sin(dl / 2) ** 2
    return max(MIN_DISTANCE_KM, 2 * 6371.0 * math.asin(math.sqrt(min(1.0, h))))


def laundering_destinations(origin: str, proceeds: Array, available_share: Array,
                            indicators: Mapping[str, Mapping[str, float]], *,
                            price_level: str, ties: Mapping[str, float] | None = None,
                            params: LaunderingParams | None = None) -> LaunderingEstimate:
    """Share of proceeds available for laundering and the gravity-model destinations.

    Args:
        origin: ISO3 where the proceeds are earned.
        proceeds: draws of the proceeds (US$ per year at ``price_level``).
        available_share: draws of the share available for laundering (the cited default).
        indicators: indicator name -> {ISO3: value} (e.g. WGI estimates, -2.5..2.5).
        ties: ISO3 -> multiplier (> 1 for shared language, diaspora, trade links).
    """
    p = params or LaunderingParams()
    used = [k for k in p.signs if indicators.get(k)]
    countries = sorted(set().union(*(set(indicators[k]) for k in used)) | {origin}) \
        if used else [origin]
    scores = {}
    for c in countries:
        z = 0.0
        for k in used:
            values = np.array(list(indicators[k].values()), dtype=float)
            mean, sd = float(values.mean()), float(values.std()) or 1.0
            v = indicators[k].get(c)
            z += p.signs[k] * ((v - mean) / sd if v is not None else 0.0)
        scores[c] = math.exp(z) * (ties or {}).get(c, 1.0)
    dist = {}
    for c in countries:
        try:
            dist[c] = distance_km(origin, c)
        except Exception:
            continue
    gravity = {c: scores[c] / dist[c] ** p.distance_power for c in dist}
    total = sum(gravity.values())
    dests = sorted((Destination(c, g / total, scores[c], dist[c]) for c, g in gravity.items()),
                   key=lambda d: -d.share)
    return LaunderingEstimate(origin, proceeds, proceeds * available_share, tuple(dests),
                              tuple(used), p, price_level)
