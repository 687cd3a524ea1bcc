"""The flow that leaves or crosses a region towards markets elsewhere, as shares of those markets.

A transit region (West Africa for cocaine, say) has a small consumer market of its own but
sees a large flow pass. UNODC values such a flow at the wholesale price of the destination
markets it supplies (the West Africa TOCTA, 2013: "about 18 tons ... worth US$1.25 billion
at wholesale in Europe"). Seizures in the region cannot size it (they measure enforcement);
the destination markets can be sized from their own demand, supply and seizure sides, and the
estimated routes say what share of each market's supply came through the region.

This module computes those shares from the route model's paths: for every destination market
(a group of destination countries), the share of the flow into the market carried by paths
that cross or leave the region, in the point estimate and in every bootstrap refit — the refits
give the interval, because path shares move together and per-path bounds would not.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass

import numpy as np
import polars as pl

from tocta.analytics.routes import MODEL_ERROR

#: a destination market must receive at least this share of the region's outbound flow
MIN_MARKET_SHARE = 0.02
#: at most this many destination markets are sized (largest first)
MAX_MARKETS = 6
#: a destination country counts as a route end of its market when it receives at least this
#: share of the market's flow via the region
MIN_END_SHARE = 0.05

METHOD = ("destination markets sized from their own sides × the share of each market's "
          "supply on estimated routes that crosses or leaves the region (the share's interval: "
          "route-model refits and its structural error)")


@dataclass(frozen=True)
class OutboundShare:
    """One destination market and the share of its supply that passes the region."""

    market: str
    destinations: tuple[str, ...]
    share: float                    # point estimate: region-borne flow ÷ all flow into market
    draws: np.ndarray               # the same ratio in each route-model refit
    of_outbound: float              # this market's part of all the region's outbound flow
    main_ends: tuple[str, ...] = () # countries receiving ≥ MIN_END_SHARE of it via the region

    def sample(self, n: int, seed: int, model_error: float = MODEL_ERROR) -> np.ndarray:
        """``n`` draws of the share: resampled from the refits (the point value if none),
        then the route model's structural error added on the log-odds scale (the same
        log-scale sd that widens every path and edge share, ``routes.MODEL_ERROR``; on the
        log-odds the share stays between 0 and 1)."""
        rng = np.random.default_rng(seed)
        pool = self.draws if self.draws.size else np.array([self.share])
        f = rng.choice(pool, size=n, replace=True)
        if model_error <= 0:
            return f
        f = np.clip(f, 1e-6, 1 - 1e-6)
        logit = np.log(f / (1 - f)) + rng.normal(0.0, model_error, n)
        return 1.0 / (1.0 + np.exp(-logit))


def crosses(path: list[str], region: Collection[str]) -> bool:
    """Whether ``path`` passes through or starts in ``region`` and ends outside it."""
    return path[-1] not in region and any(c in region for c in path[:-1])


def outbound_shares(path_draws: pl.DataFrame, region: Collection[str],
                    market_of: Callable[[str], str | None], *, of_all: bool = False,
                    limit: int = MAX_MARKETS, min_part: float = MIN_MARKET_SHARE
                    ) -> list[OutboundShare]:
    """Destination markets of the region's outbound flow, largest first.

    Args:
        path_draws: ``path`` (list of ISO3), ``share`` (point), ``draws`` (share per refit),
            as ``RouteEstimate.path_draws``.
        region: the region's ISO3 codes.
        market_of: a destination country's market name (its sub-region, say); None drops it.
        of_all: the share is of the commodity's whole flow (every path), not of the flow
            into the market: what a supply-side total (persons setting out, say) is
            multiplied by.
        limit, min_part: at most ``limit`` markets, each receiving at least ``min_part`` of
            the outbound flow (markets sized one by one are costly; a sum over shares is not).
    """
    if path_draws.is_empty():
        return []
    region = set(region)
    rows = path_draws.with_columns(
        via=pl.col("path").map_elements(lambda p: crosses(list(p), region),
                                        return_dtype=pl.Boolean),
        market=pl.col("path").list.last().map_elements(market_of, return_dtype=pl.Utf8))
    rows = rows.filter(pl.col("market").is_not_null())
    outbound_total = float(rows.filter(pl.col("via"))["share"].sum())
    if outbound_total <= 0:
        return []
    every_path = path_draws["draws"].to_list()
    whole = float(path_draws["share"].sum())
    out = []
    for (market,), group in rows.group_by("market"):
        via = group.filter(pl.col("via"))
        if via.is_empty():
            continue
        part = float(via["share"].sum()) / outbound_total
        if part < min_part:
            continue
        total = whole if of_all else float(group["share"].sum())
        draws = _ratio_draws(via["draws"].to_list(),
                             every_path if of_all else group["draws"].to_list())
        ends = via.group_by(pl.col("path").list.last().alias("end")).agg(pl.col("share").sum())
        main = ends.filter(pl.col("share") >= MIN_END_SHARE * float(via["share"].sum()))
        out.append(OutboundShare(str(market), tuple(sorted(set(
            via["path"].list.last().to_list()))), float(via["share"].sum()) / total, draws,
            part, tuple(sorted(main["end"].to_list()))))
    return sorted(out, key=lambda s: -s.of_outbound)[:limit]


def _ratio_draws(via: list[list[float]], every: list[list[float]]) -> np.ndarray:
    if not via or not via[0]:
        return np.array([])
    num = np.asarray(via, dtype=float).sum(axis=0)
    den = np.asarray(every, dtype=float).sum(axis=0)
    ok = den > 0
    return num[ok] / den[ok]
