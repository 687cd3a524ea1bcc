"""True yearly flows: production to consumers over several routes, with seizures on the way.

For each producer–consumer pair the k cheapest simple paths are found once (Yen's algorithm
on the transport graph, edges into favoured transit countries discounted). Each year the
paths compete by generalized cost = transport cost + risk_weight × the probability of being
seized somewhere on the path; shares are a logit over that cost. When an intervention raises
interdiction somewhere, the risk of the paths through it rises and flow moves to the others:
displacement emerges from route choice, and is measured against the same world without the
intervention. Along a path, each country seizes its interdiction rate of what enters it, so
produced − lost − seized = consumed holds exactly per commodity and year.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import islice, pairwise

import networkx as nx
import numpy as np
import polars as pl

from tocta.reference.countries import population
from tocta.reference.regions import region_codes
from tocta.simulate.scenario import Commodity, Consumer, Scenario
from tocta.simulate.world import World

#: share of the population aged 15-64 when only totals are known (UN WPP world average 2020,
#: 0.65; documented in docs/simulator.md)
WORKING_AGE_SHARE = 0.65


@dataclass(frozen=True)
class Path:
    commodity: str
    producer: str
    consumer: str
    path_id: int
    nodes: tuple[str, ...]
    modes: tuple[str, ...]   # mode of each leg
    base_cost: float


@dataclass(frozen=True)
class FlowTruth:
    """The true flows of a world (written to truth/)."""

    paths: pl.DataFrame
    nodes: pl.DataFrame
    legs: pl.DataFrame
    balance: pl.DataFrame
    markets: pl.DataFrame


def _via_set(c: Commodity) -> set[str]:
    found: set[str] = set()
    for v in c.via:
        found |= {v} if (len(v) == 3 and v.isupper()) else set(region_codes(v))
    return found


def find_paths(world: World, scenario: Scenario) -> list[Path]:
    """k cheapest simple paths for every producer–consumer pair of every commodity."""
    found: list[Path] = []
    k = scenario.transport.k_paths
    for c in scenario.commodities:
        via = _via_set(c)
        graph = nx.DiGraph()
        for a, b, data in world.graph.edges(data=True):
            cost = data["cost"] * ((1 - c.via_discount) if b in via else 1.0)
            graph.add_edge(a, b, weight=cost, mode=data["mode"])
        path_id = 0
        for producer in sorted(c.producers):
            for consumer in sorted(consumers_of(c)):
                if producer == consumer or not nx.has_path(graph, producer, consumer):
                    continue
                for nodes in islice(nx.shortest_simple_paths(graph, producer, consumer,
                                                             weight="weight"), k):
                    legs = list(pairwise(nodes))
                    found.append(Path(
                        c.id, producer, consumer, path_id, tuple(nodes),
                        tuple(graph.edges[e]["mode"] for e in legs),
                        float(sum(graph.edges[e]["weight"] for e in legs))))
                    path_id += 1
    return found


def consumers_of(c: Commodity) -> dict[str, Consumer]:
    """Consumer countries with their parameters (regions expanded to their countries)."""
    out: dict[str, Consumer] = {}
    for name, params in sorted(c.consumer_regions.items()):
        for code in sorted(region_codes(name)):
            out.setdefault(code, params)
    out.update(c.consumers)
    return {k: v for k, v in out.items() if k not in c.producers}


def working_age(code: str, year: int) -> float:
    """People aged 15-64 (total population × a documented share)."""
    for y in range(year, year - 15, -1):
        total = population(code, y)
        if total:
            return total * WORKING_AGE_SHARE
    return 0.0


def _pull(c: Commodity, consumers: dict[str, Consumer], year: int) -> dict[str, float]:
    pulls = {}
    for code, p in consumers.items():
        people = working_age(code, year)
        if p.prevalence is not None and p.per_user is not None:
            pulls[code] = people * p.prevalence * p.per_user * p.weight
        else:
            pulls[code] = people * p.weight
    return pulls


def simulate_flows(world: World, scenario: Scenario, paths: list[Path],
                   interventions: bool = True) -> FlowTruth:
    """Yearly flows on the paths; ``interventions=False`` gives the counterfactual world."""
    t = scenario.transport
    path_rows: list[dict[str, object]] = []
    node_rows: list[dict[str, object]] = []
    balance_rows: list[dict[str, object]] = []
    market_rows: list[dict[str, object]] = []
    for c in scenario.commodities:
        consumers = consumers_of(c)
        mine = [p for p in paths if p.commodity == c.id]
        total_share = sum(p.share for p in c.producers.values())
        for year in scenario.year_list:
            rates = (world.interdiction_in(scenario, year, c.id) if interventions
                     else world.interdiction)
            produced_total = c.production * (1 + c.growth) ** (year - scenario.years[0])
            pulls = _pull(c, consumers, year)
            pull_sum = sum(v for code, v in pulls.items()
                           if any(p.consumer == code for p in mine)) or 1.0
            seized_total = consumed_total = 0.0
            consumed_by: dict[str, float] = {}
            for producer, pp in sorted(c.producers.items()):
                produced = produced_total * pp.share / total_share
                shipped = produced * (1 - c.losses)
                for consumer in sorted(consumers):
                    options = [p for p in mine if p.producer == producer
                               and p.consumer == consumer]
                    if not options:
                        continue
                    allocated = shipped * pulls[consumer] / pull_sum
                    risk = np.array([1 - np.prod([1 - rates[n] for n in p.nodes])
                                     for p in options])
                    cost = np.array([p.base_cost for p in options]) + t.risk_weight * risk
                    utility = -t.logit_scale * (cost - cost.min()) / 1000.0
                    share = np.exp(utility) / np.exp(utility).sum()
                    for p, s in zip(options, share, strict=True):
                        volume = allocated * float(s)
                        flow = volume
                        for position, node in enumerate(p.nodes):
                            seized = flow * rates[node]
                            role = ("producer" if position == 0 else
                                    "consumer" if position == len(p.nodes) - 1 else "transit")
                            mode = p.modes[0] if position == 0 else p.modes[position - 1]
                            node_rows.append({
                                "year": year, "commodity": c.id, "path_id": p.path_id,
                                "position": position, "country": node, "role": role,
                                "mode": mode, "inflow": flow, "seized": seized})
                            flow -= seized
                            seized_total += seized
                        consumed_by[consumer] = consumed_by.get(consumer, 0.0) + flow
                        consumed_total += flow
                        path_rows.append({
                            "year": year, "commodity": c.id, "path_id": p.path_id,
                            "producer": producer, "consumer": consumer,
                            "path": ">".join(p.nodes), "share": float(s),
                            "volume": volume, "arrived": flow})
            lost = produced_total * c.losses
            balance_rows.append({"year": year, "commodity": c.id, "produced": produced_total,
                                 "lost": lost, "seized": seized_total,
                                 "consumed": consumed_total})
            for code, amount in sorted(consumed_by.items()):
                market_rows.append({"year": year, "commodity": c.id, "country": code,
                                    "consumed": amount, "working_age": working_age(code, year)})
    nodes = pl.DataFrame(node_rows)
    legs = _legs(nodes)
    return FlowTruth(pl.DataFrame(path_rows), nodes, legs, pl.DataFrame(balance_rows),
                     pl.DataFrame(market_rows))


def _legs(nodes: pl.DataFrame) -> pl.DataFrame:
    """Volume on each leg: what leaves a node after its seizure, into the next node."""
    ordered = nodes.sort(["year", "commodity", "path_id", "position"])
    nxt = ordered.with_columns(
        pl.col("country").shift(-1).over(["year", "commodity", "path_id"]).alias("to_country"),
        pl.col("mode").shift(-1).over(["year", "commodity", "path_id"]).alias("leg_mode"),
        (pl.col("inflow") - pl.col("seized")).alias("volume"),
    ).filter(pl.col("to_country").is_not_null())
    return (nxt.group_by(["year", "commodity", "country", "to_country", "leg_mode"])
            .agg(pl.col("volume").sum())
            .rename({"country": "from_country", "leg_mode": "mode"})
            .sort(["year", "commodity", "from_country", "to_country", "mode"]))


def throughput(truth: FlowTruth) -> pl.DataFrame:
    """Flow entering each country per year and commodity (all paths)."""
    return (truth.nodes.group_by(["year", "commodity", "country"])
            .agg(pl.col("inflow").sum(), pl.col("seized").sum())
            .sort(["year", "commodity", "country"]))


def intervention_effects(scenario: Scenario, with_iv: FlowTruth, without: FlowTruth
                         ) -> pl.DataFrame:
    """True effect of the interventions: flow through each country with and without them."""
    if not scenario.interventions:
        return pl.DataFrame(schema={"year": pl.Int64, "commodity": pl.Utf8,
                                    "country": pl.Utf8, "flow_with": pl.Float64,
                                    "flow_without": pl.Float64, "effect": pl.Float64,
                                    "is_target": pl.Boolean})
    a = throughput(with_iv).select("year", "commodity", "country",
                                   pl.col("inflow").alias("flow_with"))
    b = throughput(without).select("year", "commodity", "country",
                                   pl.col("inflow").alias("flow_without"))
    targets = {code for iv in scenario.interventions for code in iv.countries}
    return (a.join(b, on=["year", "commodity", "country"], how="full", coalesce=True)
            .with_columns(pl.col("flow_with").fill_null(0.0), pl.col("flow_without").fill_null(0.0))
            .with_columns((pl.col("flow_with") - pl.col("flow_without")).alias("effect"),
                          pl.col("country").is_in(sorted(targets)).alias("is_target"))
            .sort(["year", "commodity", "country"]))
