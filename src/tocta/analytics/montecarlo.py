"""Quantities as distributions: seeded, vectorized Monte Carlo with bounds carried alongside.

An input is a point, a low/high range given as *bounds* (as published figures are), or a
distribution (PERT, triangular, lognormal, uniform). Every input is drawn through its inverse
CDF from uniforms, so inputs that share a ``source`` can be rank-correlated with a Gaussian
copula. Arithmetic on draws (:func:`add`, :func:`subtract`, :func:`multiply`, :func:`divide`)
also carries the interval that bounds imply, the unit and the price level; adding values of
two different price levels raises :class:`PriceLevelError`. :func:`summarize` turns draws
into a :class:`Quantity`: median, 90% interval, bounds-implied range and dominant inputs.

Parameters may be numpy arrays (one element per flow): draws then have shape
``(draws, *parameter_shape)`` and the whole computation stays vectorized.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray
from scipy import special

from tocta.errors import ConfigError, TocError

Kind = Literal["point", "bounds", "uniform", "triangular", "pert", "lognormal"]
KINDS: tuple[str, ...] = ("point", "bounds", "uniform", "triangular", "pert", "lognormal")
PRICE_LEVELS: tuple[str, ...] = ("farm_gate", "export", "wholesale_origin", "wholesale_transit",
                                 "wholesale_destination", "retail")
DEFAULT_DRAWS = 10_000
DEFAULT_CORRELATION = 0.8
Z95 = float(special.ndtri(0.95))  # 1.6449: a 90% interval spans ±Z95 standard deviations

Array = NDArray[np.float64]
Value = float | Array | Sequence[float]  # a parameter: one number, or one per flow


class DistributionError(ConfigError):
    """A distribution's parameters are impossible (max below min, a negative median...)."""


class PriceLevelError(TocError):
    """Two values at different price levels were added, subtracted or compared as a share."""


@dataclass(frozen=True)
class Distribution:
    """How an input is uncertain. Build with :func:`point`, :func:`bounds`, :func:`pert`...

    ``params`` holds floats or arrays (broadcast together); ``kind`` names the family.
    """

    kind: Kind
    params: Mapping[str, Value]

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(np.broadcast_shapes(*(np.shape(v) for v in self.params.values())))

    @property
    def is_random(self) -> bool:
        return self.kind != "point"

    def ppf(self, u: Array) -> Array:
        """Inverse CDF at uniforms ``u`` (shape ``(draws, *shape)``)."""
        p = {k: np.asarray(v, dtype=np.float64) for k, v in self.params.items()}
        if self.kind == "point":
            return np.broadcast_to(p["value"], u.shape).astype(np.float64)
        if self.kind in ("bounds", "uniform"):
            return p["low"] + u * (p["high"] - p["low"])
        if self.kind == "triangular":
            lo, mode, hi = p["min"], p["mode"], p["max"]
            width = hi - lo
            c = np.divide(mode - lo, width, out=np.zeros_like(width), where=width > 0)
            left = lo + np.sqrt(u * width * (mode - lo))
            right = hi - np.sqrt((1.0 - u) * width * (hi - mode))
            return np.where(u < c, left, right)
        if self.kind == "pert":
            lo, mode, hi = p["min"], p["mode"], p["max"]
            width = hi - lo
            safe = np.where(width > 0, width, 1.0)
            a = 1.0 + 4.0 * (mode - lo) / safe
            b = 1.0 + 4.0 * (hi - mode) / safe
            return lo + width * _beta_ppf(a, b, u)
        if self.kind == "lognormal":
            return np.exp(p["mu"] + p["sigma"] * special.ndtri(u))
        raise DistributionError(f"unknown distribution kind {self.kind!r}")

    def bounds(self) -> tuple[Array, Array] | None:
        """The low/high of a point or bounds input (for interval arithmetic); else ``None``."""
        p = {k: np.asarray(v, dtype=np.float64) for k, v in self.params.items()}
        if self.kind == "point":
            return p["value"], p["value"]
        if self.kind == "bounds":
            return p["low"], p["high"]
        return None


# The exact beta inverse CDF costs ~1 µs a value; past this many values a table per
# parameter set, interpolated linearly, is used instead (see _beta_ppf).
EXACT_BETA_LIMIT = 1_000_000
BETA_GRID_Z = np.linspace(-6.0, 6.0, 513)


def _beta_ppf(a: Array, b: Array, u: Array) -> Array:
    """Beta(a, b) inverse CDF at ``u``: exact for small arrays, tabulated for large ones.

    The table has 513 points per parameter set, evenly spaced in normal scores z = Φ⁻¹(u)
    (so dense in the tails) and interpolated linearly in z; beyond |z| = 6 (a probability of
    2e-9) the end values are used. The error is < 1e-4 of the range for PERT shapes (a, b in
    [1, 5]). Used only when there are many more draws than table points.
    """
    k = BETA_GRID_Z.size
    sets = int(np.prod(np.broadcast_shapes(a.shape, b.shape), dtype=np.int64))
    if u.size <= EXACT_BETA_LIMIT or u.shape[0] < 4 * k or sets * k * 4 > u.size:
        return np.asarray(special.betaincinv(a, b, u), dtype=np.float64)
    extra = (1,) * (u.ndim - 1)
    grid_u = special.ndtr(BETA_GRID_Z).reshape(-1, *extra)
    table = np.broadcast_to(special.betaincinv(a[None, ...], b[None, ...], grid_u),
                            (k, *u.shape[1:]))
    step = BETA_GRID_Z[1] - BETA_GRID_Z[0]
    pos = np.clip((special.ndtri(u) - BETA_GRID_Z[0]) / step, 0.0, k - 1.0)
    idx = np.minimum(pos.astype(np.intp), k - 2)
    pos -= idx
    q0 = np.take_along_axis(table, idx, axis=0)
    q1 = np.take_along_axis(table, idx + 1, axis=0)
    q1 -= q0
    q1 *= pos
    q1 += q0
    return np.asarray(q1, dtype=np.float64)


def _check(ok: bool, message: str) -> None:
    if not ok:
        raise DistributionError(message)


def _all(condition: Any) -> bool:
    return bool(np.all(condition))


def point(value: Value) -> Distribution:
    """A known value (no uncertainty)."""
    return Distribution("point", {"value": value})


def bounds(low: Value, high: Value) -> Distribution:
    """A published low/high range: drawn uniformly, and carried as bounds for intervals."""
    _check(_all(np.asarray(low) <= np.asarray(high)), f"low {low} is above high {high}")
    return Distribution("bounds", {"low": low, "high": high})


def uniform(low: Value, high: Value) -> Distribution:
    """Every value between low and high equally likely (not carried as bounds)."""
    _check(_all(np.asarray(low) <= np.asarray(high)), f"low {low} is above high {high}")
    return Distribution("uniform", {"low": low, "high": high})


def _check_three(lo: Value, mode: Value, hi: Value) -> None:
    _check(_all((np.asarray(lo) <= np.asarray(mode)) & (np.asarray(mode) <= np.asarray(hi))),
           f"need min <= mode <= max, got min {lo}, mode {mode}, max {hi}")


def triangular(min: Value, mode: Value, max: Value) -> Distribution:
    """Triangular between min and max, peaking at mode."""
    _check_three(min, mode, max)
    return Distribution("triangular", {"min": min, "mode": mode, "max": max})


def pert(min: Value, mode: Value, max: Value) -> Distribution:
    """PERT (a beta scaled to [min, max], shape 4): smoother than triangular near the ends."""
    _check_three(min, mode, max)
    return Distribution("pert", {"min": min, "mode": mode, "max": max})


def lognormal(*, median: Value | None = None, low: Value | None = None,
              high: Value | None = None, mu: Value | None = None,
              sigma: Value | None = None) -> Distribution:
    """A lognormal from ``mu``/``sigma`` (of the log) or from a 90% range (5th-95th).

    With ``low``/``high``: sigma = ln(high / low) / (2 × 1.645); the median defaults to the
    geometric mean sqrt(low × high) and, if given, sets mu = ln(median).
    """
    if mu is not None and sigma is not None:
        _check(_all(np.asarray(sigma) >= 0), f"sigma must be >= 0, got {sigma}")
        return Distribution("lognormal", {"mu": mu, "sigma": sigma})
    if low is None or high is None:
        raise DistributionError("a lognormal needs mu and sigma, or low and high (a 90% range, "
                                "5th-95th percentile) with an optional median")
    lo, hi = np.asarray(low, dtype=float), np.asarray(high, dtype=float)
    _check(_all((lo > 0) & (hi >= lo)), f"need 0 < low <= high, got low {low}, high {high}")
    med = np.sqrt(lo * hi) if median is None else np.asarray(median, dtype=float)
    _check(_all(med > 0), f"the median must be > 0, got {median}")
    return Distribution("lognormal", {"mu": np.log(med), "sigma": np.log(hi / lo) / (2 * Z95)})


@dataclass(frozen=True)
class Input:
    """A named uncertain input with its labels. Inputs with the same ``source`` draw together."""

    name: str
    distribution: Distribution
    unit: str | None = None
    price_level: str | None = None
    source: str | None = None


@dataclass(frozen=True)
class Sample:
    """Draws of one value plus what travels with them: bounds, unit, price level, inputs."""

    values: Array
    low: Array | None = None
    high: Array | None = None
    unit: str | None = None
    price_level: str | None = None
    inputs: tuple[str, ...] = ()


def _rank_to_gaussian(rho_s: float) -> float:
    """Gaussian-copula correlation giving Spearman rank correlation ``rho_s``."""
    return 2.0 * math.sin(math.pi * rho_s / 6.0)


def draw_inputs(inputs: Sequence[Input], *, draws: int = DEFAULT_DRAWS, seed: int | None = 0,
                correlation: float = DEFAULT_CORRELATION) -> dict[str, Sample]:
    """Draw every input; those sharing a ``source`` are rank-correlated (Gaussian copula).

    Args:
        inputs: the inputs, drawn in this order (so a seed reproduces the draws).
        draws: number of Monte Carlo draws.
        seed: seed of the numpy ``Generator``.
        correlation: Spearman rank correlation between any two random inputs of one source.

    Returns:
        A :class:`Sample` per input name, values of shape ``(draws, *shape)``.
    """
    if draws < 2:
        raise DistributionError(f"draws must be at least 2, got {draws}")
    if not -1.0 < correlation < 1.0:
        raise DistributionError(f"correlation must be strictly between -1 and 1, got "
                                f"{correlation}")
    rng = np.random.default_rng(seed)
    groups: dict[str, list[Input]] = {}
    for item in inputs:
        if item.distribution.is_random and item.source:
            groups.setdefault(item.source, []).append(item)
    correlated: dict[str, Array] = {}
    for members in groups.values():
        if len(members) < 2:
            continue
        k = len(members)
        rho = _rank_to_gaussian(correlation)
        if rho <= -1.0 / (k - 1):
            raise DistributionError(f"correlation {correlation} is impossible for {k} inputs "
                                    "of one source (the matrix is not positive definite)")
        shape = np.broadcast_shapes(*(m.distribution.shape for m in members))
        if rho >= 0:
            # Equicorrelation as one common factor: z_i = sqrt(rho) w + sqrt(1 - rho) e_i.
            common = math.sqrt(rho) * rng.standard_normal((draws, *shape))
            for m in members:
                z = common + math.sqrt(1 - rho) * rng.standard_normal((draws, *shape))
                correlated[m.name] = m.distribution.ppf(special.ndtr(z))
            continue
        chol = np.linalg.cholesky(np.full((k, k), rho) + (1 - rho) * np.eye(k))
        zs = rng.standard_normal((k, draws, *shape))
        for i, m in enumerate(members):
            z = np.tensordot(chol[i, : i + 1], zs[: i + 1], axes=1)
            correlated[m.name] = m.distribution.ppf(special.ndtr(z))
    out: dict[str, Sample] = {}
    for item in inputs:
        dist = item.distribution
        shape = (draws, *dist.shape)
        if item.name in correlated:
            values = correlated.pop(item.name)
        else:
            values = dist.ppf(rng.random(shape) if dist.is_random else np.empty(shape))
        bnd = dist.bounds()
        out[item.name] = Sample(values, None if bnd is None else bnd[0],
                                None if bnd is None else bnd[1], item.unit, item.price_level,
                                (item.name,))
    return out


def _same_level(a: Sample, b: Sample, op: str) -> str | None:
    if a.price_level and b.price_level and a.price_level != b.price_level:
        raise PriceLevelError(
            f"cannot {op} a value at price level {a.price_level!r} ({', '.join(a.inputs)}) and "
            f"one at {b.price_level!r} ({', '.join(b.inputs)}): values at different market "
            "levels are never summed; revalue one at the other's level, or use a "
            "gross_profit (value out - value in) for a segment of the chain")
    return a.price_level or b.price_level


def _product_level(a: Sample, b: Sample) -> str | None:
    if a.price_level and b.price_level and a.price_level != b.price_level:
        raise PriceLevelError(f"cannot multiply values at price levels {a.price_level!r} and "
                              f"{b.price_level!r}")
    return a.price_level or b.price_level


def _merge(*names: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(n for group in names for n in group))


def _same_unit(a: Sample, b: Sample) -> str | None:
    return a.unit if a.unit == b.unit else None


def add(a: Sample, b: Sample) -> Sample:
    """a + b; bounds add low to low and high to high."""
    level = _same_level(a, b, "add")
    lo = a.low + b.low if a.low is not None and b.low is not None else None
    hi = a.high + b.high if a.high is not None and b.high is not None else None
    return Sample(a.values + b.values, lo, hi, _same_unit(a, b), level, _merge(a.inputs,
                                                                                b.inputs))


def subtract(a: Sample, b: Sample, *, across_levels: bool = False) -> Sample:
    """a - b; bounds: (a.low - b.high, a.high - b.low) since b enters decreasing.

    ``across_levels`` allows a value out minus a value in at another level (a segment's gross
    profit); the result is labelled ``"<in level>-><out level>"``.
    """
    level: str | None
    if across_levels and a.price_level != b.price_level:
        level = f"{b.price_level or '?'}->{a.price_level or '?'}"
    else:
        level = _same_level(a, b, "subtract")
    lo = a.low - b.high if a.low is not None and b.high is not None else None
    hi = a.high - b.low if a.high is not None and b.low is not None else None
    return Sample(a.values - b.values, lo, hi, _same_unit(a, b), level, _merge(a.inputs,
                                                                                b.inputs))


def _corners(a: Sample, b: Sample, op: str) -> tuple[Array | None, Array | None]:
    if a.low is None or a.high is None or b.low is None or b.high is None:
        return None, None
    if op == "mul":
        c = np.stack([a.low * b.low, a.low * b.high, a.high * b.low, a.high * b.high])
    else:
        # The interval of a ratio is only defined when the divisor's interval excludes zero;
        # then x / y is monotone in each argument and the extremes sit at the corners.
        spans = (b.low <= 0) & (b.high >= 0)
        if _all(spans):
            return None, None
        with np.errstate(divide="ignore", invalid="ignore"):
            c = np.stack([a.low / b.low, a.low / b.high, a.high / b.low, a.high / b.high])
        c = np.where(spans, np.nan, c)  # flows whose divisor may be zero have no bounds
    return c.min(axis=0), c.max(axis=0)


def multiply(a: Sample, b: Sample) -> Sample:
    """a × b; bounds from the four corner products (valid for any signs)."""
    lo, hi = _corners(a, b, "mul")
    unit = f"{a.unit}*{b.unit}" if a.unit and b.unit else (a.unit or b.unit)
    return Sample(a.values * b.values, lo, hi, unit, _product_level(a, b),
                  _merge(a.inputs, b.inputs))


def divide(a: Sample, b: Sample, *, share: bool = False) -> Sample:
    """a ÷ b; bounds from the corners when b's bounds exclude zero.

    With ``share=True`` (a part of a total) both must be at the same price level and the
    result has no level and unit ``share``.
    """
    lo, hi = _corners(a, b, "div")
    level: str | None
    unit: str | None
    if share:
        _same_level(a, b, "take a share of")
        level, unit = None, "share"
    else:
        level = None if a.price_level == b.price_level else (a.price_level or b.price_level)
        unit = f"{a.unit}/{b.unit}" if a.unit and b.unit else a.unit
    with np.errstate(divide="ignore", invalid="ignore"):
        values = a.values / b.values
    return Sample(values, lo, hi, unit, level, _merge(a.inputs, b.inputs))


@dataclass(frozen=True)
class Quantity:
    """A summarised output: median, 90% interval, bounds-implied range, dominant inputs."""

    name: str
    median: float
    low: float
    high: float
    unit: str | None = None
    price_level: str | None = None
    method: str = ""
    bounds_low: float | None = None
    bounds_high: float | None = None
    dominant_inputs: tuple[tuple[str, float], ...] = ()
    draws: int = 0
    inputs: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, object]:
        return {"name": self.name, "median": self.median, "low": self.low, "high": self.high,
                "interval": "90% (5th-95th percentile)", "bounds_low": self.bounds_low,
                "bounds_high": self.bounds_high, "unit": self.unit,
                "price_level": self.price_level, "method": self.method,
                "dominant_inputs": {n: s for n, s in self.dominant_inputs},
                "draws": self.draws, "inputs": list(self.inputs)}


def _ranks(x: Array) -> Array:
    return np.argsort(np.argsort(x, axis=0, kind="stable"), axis=0).astype(np.float64)


def dominant_inputs(output: Array, drawn: Mapping[str, Array]) -> tuple[tuple[str, float], ...]:
    """Each input's share of the output's uncertainty, largest first.

    The squared Spearman rank correlation between the input's draws and the output's,
    normalised to sum to 1 over the random inputs (a first-order, rank-based importance).
    """
    if output.ndim != 1 or np.ptp(output) == 0:
        return ()
    ro = _ranks(output)
    ro -= ro.mean()
    scores: dict[str, float] = {}
    for name, values in drawn.items():
        if values.shape != output.shape or np.ptp(values) == 0:
            continue
        ri = _ranks(values)
        ri -= ri.mean()
        r = float((ri @ ro) / math.sqrt(float(ri @ ri) * float(ro @ ro)))
        scores[name] = r * r
    total = sum(scores.values())
    if total == 0:
        return ()
    return tuple(sorted(((n, s / total) for n, s in scores.items()), key=lambda t: -t[1]))


def percentiles(values: Array) -> tuple[Array, Array, Array]:
    """Median and the 5th/95th percentiles over the draws (axis 0)."""
    # nanpercentile loops over columns; only pay for it when a ratio produced NaN
    pct = np.nanpercentile if np.isnan(values).any() else np.percentile
    p5, p50, p95 = pct(values, [5.0, 50.0, 95.0], axis=0)
    return p50, p5, p95


def summarize(name: str, sample: Sample, drawn: Mapping[str, Sample], *, method: str = "",
              has_bounds: bool = False, unit: str | None = None,
              price_level: str | None = None) -> Quantity:
    """Summarise a scalar output's draws into a :class:`Quantity`.

    Args:
        name: output name.
        sample: the output's draws (shape ``(draws,)``).
        drawn: the input samples, for dominant inputs.
        method: what was computed, in words.
        has_bounds: report the bounds-implied range (the inputs include bounds, and all the
            inputs are points or bounds).
        unit: overrides the carried unit.
        price_level: overrides the carried price level.
    """
    med, lo, hi = percentiles(sample.values)
    used = {n: drawn[n].values for n in sample.inputs if n in drawn}
    b_lo = b_hi = None
    if has_bounds and sample.low is not None and sample.high is not None:
        b_lo, b_hi = float(np.min(sample.low)), float(np.max(sample.high))
    return Quantity(name, float(med), float(lo), float(hi), unit or sample.unit,
                    price_level or sample.price_level, method, b_lo, b_hi,
                    dominant_inputs(sample.values, used), int(sample.values.shape[0]),
                    sample.inputs)
