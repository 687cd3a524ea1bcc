"""The true world: which countries, how they connect, how hard each one enforces and reports.

Transport is a graph over countries: land borders (reference adjacency), sea links between
coastal countries (port to port, up to ``sea_max_km``) and air links between countries with a
major airport. Each pair keeps its cheapest mode; cost is distance × the mode's cost per km.
Interdiction rates follow the rule of law (WGI) with noise, or — with
``follow_governance: false`` — are drawn independently of every covariate, so that no estimator
can read them off the indicators. A share of countries is nearly silent (reports 0–5% of its
seizures).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import networkx as nx
import numpy as np
import polars as pl

from tocta.reference.countries import airports, get_country, land_borders, ports
from tocta.reference.governance import rule_of_law
from tocta.reference.regions import region_codes
from tocta.simulate.scenario import Scenario

EARTH_KM = 6371.0


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance between (lat, lon) points."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(
        (lon2 - lon1) / 2) ** 2
    return 2 * EARTH_KM * math.asin(math.sqrt(h))


@dataclass(frozen=True)
class World:
    """Countries, the transport graph and the true enforcement of a scenario."""

    countries: tuple[str, ...]
    graph: nx.DiGraph            # edges carry cost, km, mode
    interdiction: dict[str, float]   # base rate per country (before interventions)
    reporting: dict[str, float]
    observed_governance: dict[str, float]  # what the indicator files show

    def interdiction_in(self, scenario: Scenario, year: int, commodity: str) -> dict[str, float]:
        """Rates in a year, with the interventions in force (from their year on)."""
        rates = dict(self.interdiction)
        for iv in scenario.interventions:
            if year >= iv.year and (iv.commodity is None or iv.commodity == commodity):
                for code in iv.countries:
                    rates[code] = min(0.9, rates[code] + iv.interdiction_increase)
        return rates


def world_countries(scenario: Scenario) -> tuple[str, ...]:
    """Every country the scenario names, directly or through regions."""
    codes: set[str] = set(scenario.countries)
    if scenario.region:
        codes |= region_codes(scenario.region)
    for c in scenario.commodities:
        codes |= set(c.producers) | set(c.consumers)
        for name in c.consumer_regions:
            codes |= region_codes(name)
        for v in c.via:
            codes |= {v} if (len(v) == 3 and v.isupper()) else region_codes(v)
    for iv in scenario.interventions:
        codes |= set(iv.countries)
    codes |= set(scenario.enforcement.given)
    return tuple(sorted(codes))


def _point(code: str) -> tuple[float, float]:
    c = get_country(code)
    return (c.lat, c.lon)


def _port_point(code: str) -> tuple[float, float] | None:
    found = sorted(ports(code), key=lambda p: (p.scalerank, p.name))
    return (found[0].lat, found[0].lon) if found else None


def _airport_point(code: str) -> tuple[float, float] | None:
    found = sorted((a for a in airports(code) if a.type.startswith("major")),
                   key=lambda a: (a.scalerank, a.name))
    return (found[0].lat, found[0].lon) if found else None


def build_graph(scenario: Scenario, countries: tuple[str, ...]) -> nx.DiGraph:
    """The transport graph: cheapest mode per ordered pair of countries."""
    t = scenario.transport
    inside = set(countries)
    best: dict[tuple[str, str], tuple[float, float, str]] = {}

    def offer(a: str, b: str, km: float, mode: str, per_km: float) -> None:
        cost = km * per_km
        for pair in ((a, b), (b, a)):
            if pair not in best or cost < best[pair][0]:
                best[pair] = (cost, km, mode)

    for a, b in sorted(land_borders()):
        if a in inside and b in inside:
            offer(a, b, max(50.0, haversine_km(_point(a), _point(b))), "land",
                  t.land_cost_per_km)
    coastal = [c for c in countries if get_country(c).coastal and _port_point(c)]
    for i, a in enumerate(coastal):
        pa = _port_point(a)
        for b in coastal[i + 1:]:
            pb = _port_point(b)
            assert pa is not None and pb is not None
            km = haversine_km(pa, pb) * 1.25  # sea lanes are longer than great circles
            if km <= t.sea_max_km:
                offer(a, b, km, "sea", t.sea_cost_per_km)
    hubs = [c for c in countries if _airport_point(c)] if t.hub_airports else []
    for i, a in enumerate(hubs):
        pa = _airport_point(a)
        for b in hubs[i + 1:]:
            pb = _airport_point(b)
            assert pa is not None and pb is not None
            km = haversine_km(pa, pb)
            if km <= t.air_max_km:
                offer(a, b, km, "air", t.air_cost_per_km)
    graph = nx.DiGraph()
    graph.add_nodes_from(countries)
    for (a, b), (cost, km, mode) in sorted(best.items()):
        graph.add_edge(a, b, cost=cost, km=km, mode=mode)
    return graph


def draw_enforcement(scenario: Scenario, countries: tuple[str, ...], rng: np.random.Generator
                     ) -> tuple[dict[str, float], dict[str, float], dict[str, float]]:
    """True interdiction and reporting rates, and the governance indicator agencies see."""
    e = scenario.enforcement
    n = len(countries)
    known = np.array([rule_of_law(c) if rule_of_law(c) is not None else np.nan
                      for c in countries])
    fill = np.nanmean(known) if np.isfinite(known).any() else 0.0
    governance = np.where(np.isfinite(known), known, fill)
    z_gov = (governance - governance.mean()) / (governance.std() or 1.0)
    noise = rng.standard_normal(n)
    # Without follow_governance the rates are unrelated to any covariate a model could see.
    z = 0.75 * z_gov + math.sqrt(1 - 0.75 ** 2) * noise if e.follow_governance else noise
    interdiction = np.clip(e.interdiction_mean * np.exp(e.interdiction_spread * z
                                                        - e.interdiction_spread ** 2 / 2),
                           0.003, 0.6)
    silent = rng.random(n) < e.silent_share
    a = 8.0 * e.reporting_mean
    reporting = np.where(silent, rng.uniform(0.0, 0.05, n),
                         rng.beta(a, max(0.5, 8.0 - a), n))
    observed = governance + rng.normal(0, 0.15, n)  # published estimates carry error
    rates = {c: float(r) for c, r in zip(countries, interdiction, strict=True)}
    reports = {c: float(r) for c, r in zip(countries, reporting, strict=True)}
    for code, given in e.given.items():
        if "interdiction" in given:
            rates[code] = float(given["interdiction"])
        if "reporting" in given:
            reports[code] = float(given["reporting"])
    shown = {c: float(round(g, 4)) for c, g in zip(countries, observed, strict=True)}
    return rates, reports, shown


def build_world(scenario: Scenario, rng: np.random.Generator) -> World:
    """Countries, graph and enforcement for a scenario (deterministic for an rng state)."""
    countries = world_countries(scenario)
    graph = build_graph(scenario, countries)
    interdiction, reporting, governance = draw_enforcement(scenario, countries, rng)
    return World(countries, graph, interdiction, reporting, governance)


def rates_frame(world: World, scenario: Scenario) -> pl.DataFrame:
    """True rates per country, year and commodity (interventions included): the truth file."""
    rows = []
    for year in scenario.year_list:
        for c in scenario.commodities:
            rates = world.interdiction_in(scenario, year, c.id)
            for code in world.countries:
                rows.append({"year": year, "commodity": c.id, "country": code,
                             "interdiction": rates[code], "reporting": world.reporting[code],
                             "governance_shown": world.observed_governance[code]})
    return pl.DataFrame(rows)
