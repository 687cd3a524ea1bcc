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

import numpy as np
import polars as pl
import statsmodels.api as sm

from tocta.analytics.routes_model import Fit, fit, leg_flows
from tocta.analytics.routes_paths import ClassTable, leg_incidence, likelihood

ALPHA = 0.05


def yearly_shares(classes: pl.DataFrame, paths: list[tuple[str, ...]], countries: list[str],
                  base: Fit, reporting: np.ndarray, n_world: int, weight: str = "records"
                  ) -> tuple[list[int], np.ndarray, np.ndarray, list[tuple[str, str]]]:
    """Leg shares per year (years × legs), records per year, and the legs in column order."""
    from tocta.analytics.routes import class_table

    path_legs, legs = leg_incidence(paths)
    years = sorted(int(y) for y in classes["year"].unique().to_list())
    rows, totals = [], []
    for year in years:
        ct: ClassTable = class_table(classes.filter(pl.col("year") == year), weight)
        lik = likelihood(ct, paths, base.noise, n_world, countries)
        f = fit(lik, ct.weight, reporting=reporting, start=base, iterations=200)
        flow = leg_flows(f.flow, path_legs)
        rows.append(flow / max(float(flow.sum()), 1e-300))
        totals.append(float(ct.weight.sum()))
    return years, np.vstack(rows) if rows else np.zeros((0, len(legs))), np.array(totals), legs


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
