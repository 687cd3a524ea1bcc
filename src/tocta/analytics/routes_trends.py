"""Emerging and fading routes: the route model refitted year by year, and a trend test per leg.

Each year is fitted on the pooled period's candidate paths, starting from the pooled fit.
A leg's yearly share × that year's records is modelled as quasi-Poisson in the year (log link,
offset log records): the slope is the leg's annual change in share, and its p-value (scale
from Pearson's χ²) decides: ``emerging`` (slope > 0) or ``fading`` (slope < 0) at the chosen
significance level, ``stable`` otherwise. Legs with fewer than three years of data are
``insufficient``.
"""

from __future__ import annotations

import warnings
from functools import partial

import numpy as np
import polars as pl
import statsmodels.api as sm

from tocta.analytics.routes_model import Fit, fit, in_parallel, leg_flows
from tocta.analytics.routes_paths import ClassTable, Likelihood, leg_incidence

ALPHA = 0.05


def yearly_shares(classes: pl.DataFrame, pooled: ClassTable, paths: list[tuple[str, ...]],
                  lik: Likelihood, base: Fit, reporting: np.ndarray, weight: str = "records"
                  ) -> tuple[list[int], np.ndarray, np.ndarray, list[tuple[str, str]]]:
    """Leg shares per year (years × legs), records per year, and the legs in column order.

    A year's classes are a subset of the pooled ones, so each year reuses the pooled
    likelihood with that year's weights.
    """
    path_legs, legs = leg_incidence(paths)
    years = sorted(int(y) for y in classes["year"].unique().to_list())
    keys = ["country", "origin", "transit", "destination"]
    index = pl.DataFrame({
        "country": pooled.country, "origin": pooled.origin,
        "transit": [">".join(t) if t else None for t in pooled.transit],
        "destination": pooled.destination}, schema={k: pl.Utf8 for k in keys}).with_row_index()
    per_year = (classes.with_columns(pl.col(keys).cast(pl.Utf8))
                .group_by(["year", *keys]).agg(pl.col(weight).fill_null(0).sum())
                .join(index, on=keys, how="inner", nulls_equal=True))
    totals, tasks = [], []
    for year in years:
        rows = per_year.filter(pl.col("year") == year)
        w = np.zeros(len(pooled))
        w[rows["index"].to_numpy()] = rows[weight].to_numpy()
        totals.append(float(w.sum()))
        tasks.append(partial(fit, lik, w, reporting=reporting, start=base, iterations=50))
    shares = []
    for f in in_parallel(tasks):
        flow = leg_flows(f.flow, path_legs)
        shares.append(flow / max(float(flow.sum()), 1e-300))
    return years, np.vstack(shares) if shares else np.zeros((0, len(legs))), np.array(
        totals), legs


def trend_table(years: list[int], shares: np.ndarray, totals: np.ndarray,
                legs: list[tuple[str, str]], alpha: float = ALPHA) -> pl.DataFrame:
    """Per leg: annual change in share, p-value and the verdict (see module docstring)."""
    out: list[tuple[str, str, float | None, float | None, str]] = []
    x = sm.add_constant(np.array(years, dtype=float) - np.mean(years))
    for j, (a, b) in enumerate(legs):
        y = shares[:, j] * totals
        present = totals > 0
        if present.sum() < 3 or y.sum() < 1:
            out.append((a, b, None, None, "insufficient"))
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                res = sm.GLM(y[present], x[present], family=sm.families.Poisson(),
                             offset=np.log(totals[present])).fit(scale="X2")
                slope, p = float(res.params[1]), float(res.pvalues[1])
            except (ValueError, np.linalg.LinAlgError):
                out.append((a, b, None, None, "insufficient"))
                continue
        if not np.isfinite(p):
            verdict = "insufficient"
        elif p < alpha:
            verdict = "emerging" if slope > 0 else "fading"
        else:
            verdict = "stable"
        out.append((a, b, float(np.expm1(slope)), p, verdict))
    return pl.DataFrame(out, schema={"from_iso3": pl.Utf8, "to_iso3": pl.Utf8,
                                     "trend_annual_change": pl.Float64, "trend_p": pl.Float64,
                                     "trend": pl.Utf8}, orient="row")
