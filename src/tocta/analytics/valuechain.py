"""The value chain: value at each node, gross profit per segment, and who captures it.

Value at a node = volume × price at that node's market level. Volumes are pure kilograms; a
price at a level is per kilogram *as sold at that level*, so the volume is first converted
with the level's purity (pure kg ÷ purity). Gross profit of a segment = value out − value in,
after the seizures of the segment. Each value carries its level; values at different levels
are never summed (a gross profit is a difference between levels, labelled as such).
See docs/methodology/sizing.md, *Value chain*.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from tocta.analytics import montecarlo as mc
from tocta.analytics.sizing import uniforms

Array = np.ndarray

#: the order of market levels along a chain
LEVEL_ORDER = ("farm_gate", "export", "wholesale_origin", "wholesale_transit",
               "wholesale_destination", "retail")
#: who captures the value added up to and including a level
CAPTURED_BY = {"farm_gate": "producers", "export": "producers",
               "wholesale_origin": "producers",
               "wholesale_transit": "international traffickers",
               "wholesale_destination": "international traffickers",
               "retail": "domestic distributors"}


@dataclass(frozen=True)
class ChainNode:
    """One node: a country at a market level, with price (US$/kg at the level) and purity.

    ``seized_share`` is the share of the volume entering the node that is seized there.
    ``price_source`` says where the price came from (observed, filled...).
    """

    country: str
    level: str
    price: mc.Distribution
    purity: mc.Distribution | None = None
    seized_share: float = 0.0
    price_source: str = "observed"


@dataclass(frozen=True)
class NodeValue:
    country: str
    level: str
    volume: Array
    value: Array
    price_source: str


@dataclass(frozen=True)
class Segment:
    """Gross profit between two nodes (value out − value in), a difference across levels."""

    origin: str
    destination: str
    level_in: str
    level_out: str
    profit: Array
    captured_by: str


def _q(x: Array) -> dict[str, float]:
    return {"median": float(np.median(x)), "low": float(np.percentile(x, 5)),
            "high": float(np.percentile(x, 95))}


@dataclass(frozen=True)
class ValueChain:
    """Values at each node, segment profits and the shares of the final value by actor."""

    nodes: tuple[NodeValue, ...]
    segments: tuple[Segment, ...]
    price_year: int
    shares: dict[str, Array]

    @property
    def final(self) -> NodeValue:
        return self.nodes[-1]

    def explain(self) -> str:
        lines = [f"value chain, constant {self.price_year} US$ per year (90% intervals):"]
        for n in self.nodes:
            q = _q(n.value)
            lines.append(f"  {n.level:>22} {n.country}: {q['median']:,.0f} "
                         f"({q['low']:,.0f}-{q['high']:,.0f}); volume "
                         f"{np.median(n.volume):,.0f} kg pure; price {n.price_source}")
        for s in self.segments:
            q = _q(s.profit)
            lines.append(f"  gross profit {s.level_in} {s.origin} -> {s.level_out} "
                         f"{s.destination}: {q['median']:,.0f} ({q['low']:,.0f}-"
                         f"{q['high']:,.0f}), to {s.captured_by}")
        for who, share in self.shares.items():
            lines.append(f"  share of the final ({self.final.level}) value: {who} "
                         f"{100 * np.median(share):.0f}%")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, object]:
        cur = f"constant {self.price_year} US$"
        return {"currency": cur,
                "nodes": [{"country": n.country, "price_level": n.level,
                           "value": _q(n.value), "volume_kg_pure": _q(n.volume),
                           "price_source": n.price_source, "unit": f"{cur}/year"}
                          for n in self.nodes],
                "segments": [{"from": s.origin, "to": s.destination, "level_in": s.level_in,
                              "level_out": s.level_out, "gross_profit": _q(s.profit),
                              "captured_by": s.captured_by,
                              "price_level": f"gross profit {s.level_in} -> {s.level_out}"}
                             for s in self.segments],
                "shares_of_final_value": {k: _q(v) for k, v in self.shares.items()},
                "final_price_level": self.final.level}


def value_chain(volume_at_end: Array, chain: Sequence[ChainNode], *, price_year: int,
                seed: int = 0) -> ValueChain:
    """Value the flow at every node of ``chain`` (ordered from source to the final market).

    ``volume_at_end`` are draws of the pure kilograms reaching the last node (e.g. consumed);
    the volume entering each earlier node is grossed up by the seizures downstream of it:
    V_in(i) = V_in(i+1) ÷ (1 − seized_share(i)). Value at node i is taken on the volume
    leaving it (after its seizures), so each segment's profit is net of what was seized.
    """
    if not chain:
        raise ValueError("a value chain needs at least one node")
    order = {lvl: i for i, lvl in enumerate(LEVEL_ORDER)}
    ranks = [order.get(n.level, -1) for n in chain]
    if -1 in ranks or ranks != sorted(ranks):
        raise ValueError(f"chain levels must be a subsequence of {LEVEL_ORDER}, got "
                         f"{[n.level for n in chain]}")
    rng = np.random.default_rng(seed)
    draws = volume_at_end.shape[0]
    volume_out = [np.empty(0)] * len(chain)
    v = volume_at_end
    for i in range(len(chain) - 1, -1, -1):
        volume_out[i] = v
        v = v / max(1e-9, 1.0 - chain[i].seized_share)
    nodes = []
    for node, vol in zip(chain, volume_out, strict=True):
        price = node.price.ppf(uniforms(rng, draws))
        purity = 1.0 if node.purity is None else node.purity.ppf(uniforms(rng, draws))
        nodes.append(NodeValue(node.country, node.level, vol, vol / purity * price,
                               node.price_source))
    segments = [Segment(a.country, b.country, a.level, b.level, b.value - a.value,
                        CAPTURED_BY[b.level]) for a, b in itertools.pairwise(nodes)]
    final = nodes[-1].value
    captured: dict[str, Array] = {CAPTURED_BY[nodes[0].level]: nodes[0].value.copy()}
    for s in segments:
        captured[s.captured_by] = captured.get(s.captured_by, 0.0) + s.profit
    shares = {who: amount / np.maximum(final, 1e-12) for who, amount in captured.items()}
    return ValueChain(tuple(nodes), tuple(segments), price_year, shares)
