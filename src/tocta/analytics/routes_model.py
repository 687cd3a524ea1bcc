"""The bias-corrected flow model: seizures = flow on a path × detection rate of the seizing country.

For a candidate path ``p`` with flow ``λ_p`` and a country ``c`` on it with detection rate
``d_c`` (interdiction × reporting), the records at ``c`` from ``p`` are Poisson with mean
``d_c λ_p``; what a record reports about its path (origin, transits, destination) is drawn
from P(class | path) (``routes_paths.likelihood``). The path a record came from is latent, so
the model is fitted by EM:

* E-step: each class's records are shared over the paths through its country in proportion
  to ``λ_p P(class | p)``;
* M-step: ``λ_p = records allocated to p ÷ Σ_{c ∈ p} d_c`` and
  ``d_c = records at c ÷ Σ_{p ∋ c} λ_p`` — seizures a country makes over the flow that the
  *other* countries' records say passes through it: the law-enforcement ratio of ETIS, made
  exact by the model. A country that reports nothing at all for the period has ``d_c = 0``
  (it cannot be told apart from a country without flow, and it does not penalise paths
  through it); a country with few records is shrunk towards a regression of ``log d`` on its
  covariates (governance, reporting coverage), weighted by its records (empirical Bayes).

Shares are scale-free (``d`` and ``λ`` are only identified up to a common factor). Intervals
come from a quasi-Poisson parametric bootstrap: class counts are redrawn with the dispersion
the fit shows (Pearson χ²/df), and the model refitted from the estimate.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from functools import partial
from typing import TypeVar

import numpy as np
import scipy.sparse as sp
import statsmodels.api as sm

from tocta.analytics.routes_paths import Likelihood, NoiseModel, learn_end

MIN_TAU2 = 0.25
PRIOR_EXPOSURE = 0.0
START_SPREAD = 1.0
BOOT_ITERATIONS = 20
NOISE_STEPS = 50
MAX_WORKERS = 4
T = TypeVar("T")


@dataclass
class Fit:
    """Fitted path flows and detection rates."""

    flow: np.ndarray        # λ per path (relative)
    detection: np.ndarray   # d per country (relative)
    iterations: int
    dispersion: float
    log_likelihood: float
    noise: NoiseModel


def _shrink(d_mle: np.ndarray, records: np.ndarray, covariates: np.ndarray | None,
            reporting: np.ndarray) -> np.ndarray:
    """Empirical-Bayes shrinkage of log detection rates towards a covariate regression.

    ``log d̂_c`` has sampling variance about ``1 / records_c``; across countries, true log
    rates vary with variance ``τ²`` around the regression (method of moments, at least
    ``MIN_TAU2``). Each country keeps the weight ``τ² / (τ² + 1/records_c)`` on its own
    estimate: a country with a handful of records keeps most of its own evidence, one with
    none takes the prediction.
    """
    d = np.where(reporting, d_mle, 0.0)
    seen = (records > 0) & (d_mle > 0)
    if seen.sum() < 3:
        return d
    y = np.log(d_mle[seen])
    var = 1.0 / records[seen]
    if covariates is not None and seen.sum() >= covariates.shape[1] + 4:
        x = sm.add_constant(covariates, has_constant="add")
    else:
        x = np.ones((len(d), 1))
    tau2 = MIN_TAU2
    for _ in range(3):
        model = sm.WLS(y, x[seen], weights=1.0 / (tau2 + var)).fit()
        resid = y - model.fittedvalues
        tau2 = max(MIN_TAU2, float(np.mean(resid ** 2 - var)))
    prior = x @ model.params
    w = np.zeros(len(d))
    w[seen] = tau2 / (tau2 + var)
    log_d = np.where(seen, w * np.log(np.where(seen, d_mle, 1.0)) + (1 - w) * prior, prior)
    return np.where(reporting, np.exp(log_d), 0.0)


def fit(lik: Likelihood, weight: np.ndarray, *, reporting: np.ndarray,
        covariates: np.ndarray | None = None, start: Fit | None = None,
        iterations: int = 300, tol: float = 1e-6, learn_noise: bool = False,
        prior: float = PRIOR_EXPOSURE) -> Fit:
    """Fit path flows and detection rates by EM (see module docstring).

    With ``learn_noise`` the probabilities that a reported origin or destination is the
    path's end, a country on the way, or a misreport are learnt first (their M-step is the
    expected share of each component among the reported ends; plain EM steps, up to
    ``NOISE_STEPS``). Then the noise is fixed and the EM map is accelerated with SQUAREM
    (Varadhan & Roland 2008): two EM steps give a direction, a step length is extrapolated
    along it, and an EM step from there stabilises; the log-likelihood never decreases (a
    failed extrapolation falls back to the plain steps). ``iterations`` counts EM steps.
    """
    if start is not None and not learn_noise and start.noise != lik.noise:
        lik = lik.with_noise(start.noise)
    n_r, n_p = lik.matrix.shape
    n_c = len(lik.countries)
    w = np.where(lik.explained, weight, 0.0)
    records = np.bincount(lik.class_country, weights=w, minlength=n_c)
    PC = lik.path_country
    ok = w > 0

    def step(lam: np.ndarray, d: np.ndarray, noise: bool = False
             ) -> tuple[np.ndarray, np.ndarray]:
        nonlocal lik
        mix = lik.matrix @ lam
        ratio = np.divide(w, mix, out=np.zeros(n_r), where=mix > 0)
        allocated = lam * (lik.matrix.T @ ratio)
        if noise and lik.values is not None:
            pair = ratio[lik.rows] * lik.values * lam[lik.cols]
            lik = lik.with_noise(NoiseModel(
                learn_end(lik.origin_kind, pair, lik.noise.origin),
                learn_end(lik.dest_kind, pair, lik.noise.destination), lik.noise.transit_stray))
        exposure = PC @ d
        # Optional gamma prior (shape 1, rate b = prior × median exposure): a path only
        # near-silent countries see is not extrapolated beyond what typical detection implies.
        # Off in the main fit (it biases low-detection paths at any sample size); the
        # structural variants use it.
        seen = exposure[exposure > 0]
        b = prior * float(np.median(seen)) if len(seen) else 0.0
        lam = np.divide(allocated, exposure + b, out=np.zeros(n_p), where=exposure + b > 0)
        through = PC.T @ lam
        d_mle = np.divide(records, through, out=np.zeros(n_c), where=through > 0)
        d = _shrink(d_mle, records, covariates, reporting)
        # Fix the scale: mean detection over countries with records is 1.
        scale = d[records > 0].mean() if (records > 0).any() else 1.0
        if scale > 0:
            d, lam = d / scale, lam * scale
        return lam, d

    def loglik(lam: np.ndarray, d: np.ndarray) -> float:
        mean = d[lik.class_country] * (lik.matrix @ lam)
        return float(np.sum(w[ok] * np.log(np.maximum(mean[ok], 1e-300))) - np.sum(mean))

    if start is None:
        lam = np.full(n_p, float(w.sum()) / max(n_p, 1))
        d = np.where(reporting, 1.0, 0.0)
    else:
        lam, d = start.flow.copy(), start.detection.copy()
    done = 0
    if learn_noise:
        for _ in range(NOISE_STEPS):
            before = lik.noise
            lam, d = step(lam, d, noise=True)
            done += 1
            if max(abs(x - y) for x, y in zip(before.origin + before.destination,
                                               lik.noise.origin + lik.noise.destination,
                                               strict=True)) < 1e-5:
                break
    ll = loglik(lam, d)
    while done < iterations:
        lam1, d1 = step(lam, d)
        lam2, d2 = step(lam1, d1)
        done += 2
        r = np.concatenate([lam1 - lam, d1 - d])
        v = np.concatenate([lam2 - lam1, d2 - d1]) - r
        nv = float(np.linalg.norm(v))
        alpha = min(-1.0, -float(np.linalg.norm(r)) / nv) if nv > 0 else -1.0
        lam3 = np.maximum(lam - 2 * alpha * (lam1 - lam) + alpha ** 2 * (lam2 - 2 * lam1 + lam), 0)
        d3 = np.maximum(d - 2 * alpha * (d1 - d) + alpha ** 2 * (d2 - 2 * d1 + d), 0)
        d3 = np.where(reporting, d3, 0.0)
        lam3, d3 = step(lam3, d3)
        done += 1
        ll3, ll2 = loglik(lam3, d3), loglik(lam2, d2)
        new_lam, new_d, new_ll = (lam3, d3, ll3) if ll3 >= ll2 else (lam2, d2, ll2)
        converged = abs(new_ll - ll) < tol * max(1.0, abs(ll))
        lam, d, ll = new_lam, new_d, new_ll
        if converged:
            break
    dispersion = _dispersion(w, d[lik.class_country] * (lik.matrix @ lam))
    return Fit(lam, d, done, dispersion, ll, lik.noise)


def _dispersion(observed: np.ndarray, mean: np.ndarray) -> float:
    """Poisson deviance per class over classes the model expects at least one record in.

    Classes the model expects almost never (misreported origins, stray transits) would make
    Pearson's statistic explode without saying anything about over-dispersion, so they are
    left out; the result is kept within [1, 25].
    """
    ok = mean >= 1.0
    if ok.sum() < 5:
        return 1.0
    y, mu = observed[ok], mean[ok]
    dev = 2 * np.sum(np.where(y > 0, y * np.log(np.maximum(y, 1e-12) / mu), 0.0) - (y - mu))
    return float(np.clip(dev / max(1, int(ok.sum()) - 1), 1.0, 25.0))


def bootstrap(lik: Likelihood, weight: np.ndarray, base: Fit, *, reporting: np.ndarray,
              covariates: np.ndarray | None, replicates: int, seed: int,
              iterations: int = BOOT_ITERATIONS) -> list[Fit]:
    """Refits on redrawn counts, each from a perturbed start.

    Counts are redrawn as dispersion × Poisson(count ÷ dispersion) (sampling noise and
    over-dispersion). Each refit starts from the estimate with its path flows multiplied by a
    lognormal factor (sigma ``START_SPREAD``): where the records cannot tell two path
    structures apart the likelihood is flat, and refits from different starts end at
    different points of that ridge — the intervals then show the ambiguity instead of hiding it.
    """
    rng = np.random.default_rng(seed)
    phi = base.dispersion
    tasks = []
    for _ in range(replicates):
        drawn = phi * rng.poisson(weight / phi)
        start = replace(base, flow=base.flow * rng.lognormal(0.0, START_SPREAD, len(base.flow)))
        tasks.append(partial(fit, lik, drawn, reporting=reporting, covariates=covariates,
                             start=start, iterations=iterations))
    return in_parallel(tasks)


def in_parallel(tasks: Sequence[Callable[[], T]]) -> list[T]:
    """Run independent fits on up to ``MAX_WORKERS`` threads (sparse products release the
    GIL); results in task order, so the outcome does not depend on scheduling."""
    workers = min(MAX_WORKERS, os.cpu_count() or 1, len(tasks))
    if workers < 2:
        return [task() for task in tasks]
    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(lambda task: task(), tasks))


def leg_flows(flow: np.ndarray, legs: sp.csr_matrix) -> np.ndarray:
    """Flow on each leg: the sum of the flows of the paths that take it."""
    return np.asarray(legs.T @ flow).ravel()

