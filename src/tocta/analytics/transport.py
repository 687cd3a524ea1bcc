"""The transport graph the route estimator reasons over: who can reach whom, and how.

Countries are nodes. A **land** link joins countries that share a border (Natural Earth
adjacency); a **sea** link joins two coastal countries that both have a port; an **air** link
joins two countries that both have an airport. Distances are great circles between the
countries' reference points (sea lanes × 1.2). The graph proposes the legs a reported path
may have taken; which of them carried the flow is decided by the records (see
``routes_model``), not by the graph.

This graph is built from reference data alone: it shares nothing with the simulator's own
transport model, so an estimator cannot pass a validation by sharing its assumptions.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from functools import cache

import igraph as ig

from tocta.reference.countries import airports, all_countries, get_country, land_borders, ports

#: Relative cost per km by mode, and a fixed cost per leg (handling, border, risk).
MODE_COST = {"land": 1.0, "sea": 0.35, "air": 1.6}
LEG_COST_KM = 400.0
SEA_LANE_FACTOR = 1.2


def great_circle_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in km between two (lat, lon) points."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (math.sin((lat2 - lat1) / 2) ** 2
         + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2)
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(h)))


@dataclass(frozen=True)
class Link:
    """The cheapest way between two countries."""

    mode: str
    km: float
    cost: float


@dataclass(eq=False)
class TransportGraph:
    """Countries and their cheapest links, with shortest-path queries (igraph)."""

    links: dict[tuple[str, str], Link]
    countries: tuple[str, ...]
    _index: dict[str, int] = field(init=False, repr=False)
    _graph: ig.Graph = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._index = {c: i for i, c in enumerate(self.countries)}
        pairs = sorted(self.links)
        graph = ig.Graph(n=len(self.countries), directed=True,
                         edges=[(self._index[a], self._index[b]) for a, b in pairs])
        graph.vs["name"] = list(self.countries)
        graph.es["cost"] = [self.links[p].cost for p in pairs]
        self._graph = graph

    def link(self, a: str, b: str) -> Link | None:
        """The link from ``a`` to ``b``, or None when the graph has none."""
        return self.links.get((a, b))

    def has(self, code: str) -> bool:
        return code in self._index

    def cost(self, path: tuple[str, ...]) -> float:
        """Total cost of a path; infinite when a leg has no link."""
        total = 0.0
        for a, b in itertools.pairwise(path):
            link = self.links.get((a, b))
            if link is None:
                return math.inf
            total += link.cost
        return total

    def shortest(self, a: str, b: str) -> tuple[str, ...] | None:
        """The cheapest path from ``a`` to ``b`` (both included), or None."""
        return _shortest(self, a, b)

    def k_shortest(self, a: str, b: str, k: int, weights: list[float] | None = None
                   ) -> list[tuple[str, ...]]:
        """Up to ``k`` cheapest simple paths from ``a`` to ``b`` (custom edge weights optional)."""
        if a not in self._index or b not in self._index or a == b:
            return []
        found = self._graph.get_k_shortest_paths(
            self._index[a], to=self._index[b], k=k, mode="out",
            weights=weights if weights is not None else "cost", output="vpath")
        return [tuple(self.countries[i] for i in p) for p in found if p]

    def edge_pairs(self) -> list[tuple[str, str]]:
        """Links in igraph edge order (to pair with custom weights)."""
        return [(self.countries[e.source], self.countries[e.target]) for e in self._graph.es]


@cache
def _shortest(graph: TransportGraph, a: str, b: str) -> tuple[str, ...] | None:
    if a == b:
        return (a,)
    if a not in graph._index or b not in graph._index:
        return None
    path = graph._graph.get_shortest_path(graph._index[a], graph._index[b], weights="cost")
    return tuple(graph.countries[i] for i in path) if path else None


def _offer(best: dict[tuple[str, str], Link], a: str, b: str, km: float, mode: str) -> None:
    cost = km * MODE_COST[mode] + LEG_COST_KM
    for pair in ((a, b), (b, a)):
        if pair not in best or cost < best[pair].cost:
            best[pair] = Link(mode, km, cost)


@cache
def transport_graph() -> TransportGraph:
    """The world transport graph from reference geography (cached; treat as read-only)."""
    points = {c.iso3: (c.lat, c.lon) for c in all_countries()}
    best: dict[tuple[str, str], Link] = {}
    for a, b in sorted(land_borders()):
        if a in points and b in points:
            _offer(best, a, b, max(50.0, great_circle_km(points[a], points[b])), "land")
    with_port = sorted({p.iso3 for p in ports() if p.iso3 in points
                        and get_country(p.iso3).coastal})
    with_air = sorted({p.iso3 for p in airports() if p.iso3 in points})
    for group, mode, factor in ((with_port, "sea", SEA_LANE_FACTOR), (with_air, "air", 1.0)):
        for i, a in enumerate(group):
            for b in group[i + 1:]:
                _offer(best, a, b, great_circle_km(points[a], points[b]) * factor, mode)
    return TransportGraph(best, tuple(sorted(points)))
