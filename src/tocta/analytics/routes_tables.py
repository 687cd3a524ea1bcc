"""The tables of a route estimate: edges, nodes (countries) and paths, with 90% intervals."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import polars as pl

from tocta.analytics.routes_model import Fit
from tocta.analytics.routes_paths import ClassTable, Likelihood
from tocta.analytics.transport import TransportGraph

LEVEL = 0.90
#: A country on the estimated routes with fewer records than this is a data gap.
GAP_RECORDS = 5
GAP_THROUGHPUT = 0.01


def _bounds(samples: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    tail = (1 - LEVEL) / 2 * 100
    return np.percentile(samples, tail, axis=0), np.percentile(samples, 100 - tail, axis=0)


def edge_table(legs: list[tuple[str, str]], shares: np.ndarray, inferred: np.ndarray,
               graph: TransportGraph, commodity: str, period: str, method: str
               ) -> pl.DataFrame:
    """One row per leg: share of all leg flow (row 0 of ``shares``) and its interval."""
    low, high = _bounds(shares[1:]) if len(shares) > 1 else (shares[0], shares[0])
    modes = [(graph.link(a, b).mode if graph.link(a, b) else None) for a, b in legs]  # type: ignore[union-attr]
    df = pl.DataFrame({
        "from_iso3": pl.Series([a for a, _ in legs], dtype=pl.Utf8),
        "to_iso3": pl.Series([b for _, b in legs], dtype=pl.Utf8),
        "commodity": commodity, "period": period,
        "share": shares[0], "share_low": np.minimum(low, shares[0]),
        "share_high": np.maximum(high, shares[0]),
        "volume": pl.Series([None] * len(legs), dtype=pl.Float64),
        "inferred_share": inferred, "mode": pl.Series(modes, dtype=pl.Utf8), "method": method,
    })
    return df.filter(pl.col("share_high") >= 1e-5).sort("share", descending=True)


def implicating_records(ct: ClassTable) -> dict[str, float]:
    """Records seized elsewhere whose reported origin, transits or destination name a country."""
    tally: dict[str, float] = defaultdict(float)
    for i in range(len(ct)):
        for c in set(ct.skeleton(i)) - {ct.country[i]}:
            tally[c] += float(ct.weight[i])
    return dict(tally)


def node_table(paths: list[tuple[str, ...]], fits: list[Fit], lik: Likelihood,
               ct: ClassTable, commodity: str, period: str) -> pl.DataFrame:
    """One row per country on a candidate path: throughput share, role shares, detection."""
    pc = lik.path_country
    def shares(flow: np.ndarray) -> np.ndarray:
        return np.asarray(pc.T @ flow).ravel() / max(float(flow.sum()), 1e-300)
    through = np.vstack([shares(f.flow) for f in fits])
    low, high = _bounds(through[1:]) if len(through) > 1 else (through[0], through[0])
    base = fits[0].flow / max(float(fits[0].flow.sum()), 1e-300)
    index = {c: i for i, c in enumerate(lik.countries)}
    start = np.zeros(len(index))
    end = np.zeros(len(index))
    for j, p in enumerate(paths):
        start[index[p[0]]] += base[j]
        end[index[p[-1]]] += base[j]
    records = np.bincount(lik.class_country, weights=ct.weight, minlength=len(index))
    named = implicating_records(ct)
    implicated = np.array([named.get(c, 0.0) for c in lik.countries])
    le = np.divide(records, records + implicated, out=np.full(len(records), np.nan),
                   where=(records + implicated) > 0)
    roles = np.where(start > 0.5 * through[0], "origin",
                     np.where(end > 0.5 * through[0], "destination", "transit"))
    df = pl.DataFrame({
        "iso3": lik.countries, "commodity": commodity, "period": period,
        "throughput_share": through[0], "throughput_low": np.minimum(low, through[0]),
        "throughput_high": np.maximum(high, through[0]),
        "origin_share": start, "destination_share": end, "role": roles,
        "seizures_reported": records.astype(np.int64), "implicated_elsewhere": implicated,
        "le_ratio": le, "detection_index": fits[0].detection,
    }).with_columns(data_gap=(pl.col("throughput_share") >= GAP_THROUGHPUT)
                    & (pl.col("seizures_reported") < GAP_RECORDS))
    return df.filter(pl.col("throughput_high") > 1e-5).sort("throughput_share", descending=True)


def path_table(paths: list[tuple[str, ...]], fits: list[Fit], commodity: str, period: str
               ) -> pl.DataFrame:
    """One row per candidate path carrying flow: share of all flow, with its interval."""
    flows = np.vstack([f.flow / max(float(f.flow.sum()), 1e-300) for f in fits])
    low, high = _bounds(flows[1:]) if len(flows) > 1 else (flows[0], flows[0])
    df = pl.DataFrame({
        "path": [list(p) for p in paths], "origin": [p[0] for p in paths],
        "destination": [p[-1] for p in paths], "commodity": commodity, "period": period,
        "share": flows[0], "share_low": np.minimum(low, flows[0]),
        "share_high": np.maximum(high, flows[0]),
    })
    return df.filter(pl.col("share") >= 1e-4).sort("share", descending=True)


def path_draws(paths: list[tuple[str, ...]], fits: list[Fit]) -> pl.DataFrame:
    """Each path's share of all flow in every bootstrap refit (``fits[1:]``), so that a
    ratio of path sums (the share of a market's supply that passes a region, say) gets its
    interval from the refits instead of from per-path bounds, which ignore that the paths'
    shares move together."""
    flows = np.vstack([f.flow / max(float(f.flow.sum()), 1e-300) for f in fits])
    refits = flows[1:] if len(flows) > 1 else flows
    return pl.DataFrame({"path": [list(p) for p in paths], "share": flows[0],
                         "draws": [refits[:, i].tolist() for i in range(len(paths))]},
                        schema={"path": pl.List(pl.Utf8), "share": pl.Float64,
                                "draws": pl.List(pl.Float64)})


def with_betweenness(nodes: pl.DataFrame, edges: pl.DataFrame) -> pl.DataFrame:
    """Add each country's betweenness on the estimated flow graph (igraph).

    Legs are weighted by −log(share), so a strong leg is a short one and betweenness counts
    how many strongest routes between pairs of countries pass through a country: a hub in
    the structure of the flows, beside its throughput (the volume that passes).
    """
    import igraph as ig

    used = edges.filter(pl.col("share") > 0)
    names = sorted(set(used["from_iso3"]) | set(used["to_iso3"]) | set(nodes["iso3"]))
    index = {c: i for i, c in enumerate(names)}
    graph = ig.Graph(n=len(names), directed=True,
                     edges=[(index[a], index[b]) for a, b in zip(used["from_iso3"],
                                                                  used["to_iso3"], strict=True)])
    weights = (-np.log(used["share"].to_numpy())).clip(min=1e-9).tolist()
    score = graph.betweenness(weights=weights, directed=True) if len(names) else []
    n = len(names)
    scale = (n - 1) * (n - 2) if n > 2 else 1
    value = {c: score[i] / scale for c, i in index.items()}
    return nodes.with_columns(betweenness=pl.col("iso3").replace_strict(
        value, default=0.0, return_dtype=pl.Float64))
