"""How big is the flow: the demand, supply and seizure sides, and their triangulation.

Each side is a pure function over plain inputs (numbers, ranges, cited defaults) that returns a
:class:`SideEstimate`: Monte Carlo draws of the volume consumed in a market per year, with the
method in words, the defaults it used and its warnings. :func:`triangulate` compares the sides
and combines them by a named rule (docs/methodology/sizing.md, *Triangulation*).

Volumes are kilograms per year **of pure drug** (pure-equivalent): survey-based consumption per
user is published in pure grams, production surveys give pure cocaine hydrochloride, and
seizures are converted with a wholesale purity before they are subtracted.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from tocta.analytics import montecarlo as mc
from tocta.reference.defaults import Default, get_default

Array = np.ndarray
Z95 = 1.6448536269514722
#: relative half-width given to a prevalence reported without its range (x/÷ 1.5 as a 90% range)
UNRANGED_FACTOR = 1.5
#: log-sd below which a side counts as exact (avoids infinite weights)
MIN_LOG_SD = 0.01


@dataclass(frozen=True)
class SideEstimate:
    """One side's estimate of the volume consumed per year (kg pure).

    Attributes:
        side: ``demand``, ``supply``, ``seizure`` or ``allocated`` (a share of another total).
        method: the computation in words.
        draws: Monte Carlo draws of the volume (shape ``(draws,)``).
        defaults_used: keys of the cited defaults (``tocta.reference.defaults``) that entered.
        inputs: what data entered, in words (country, year, record counts).
        warnings: what a reader must know before quoting the figure.
        by_country: per-country draws where the side is a sum over countries.
        is_band: the interval is a band over plausible parameter values, not a confidence
            interval (the seizure side).
    """

    side: str
    method: str
    draws: Array
    defaults_used: tuple[str, ...] = ()
    inputs: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    by_country: Mapping[str, Array] = field(default_factory=dict)
    is_band: bool = False
    unit: str = "kg/year (pure)"

    @property
    def median(self) -> float:
        return float(np.median(self.draws))

    @property
    def low(self) -> float:
        return float(np.percentile(self.draws, 5))

    @property
    def high(self) -> float:
        return float(np.percentile(self.draws, 95))

    @property
    def log_mean(self) -> float:
        return float(np.mean(np.log(np.maximum(self.draws, 1e-12))))

    @property
    def log_sd(self) -> float:
        return max(float(np.std(np.log(np.maximum(self.draws, 1e-12)))), MIN_LOG_SD)

    def explain(self) -> str:
        lines = [f"{self.side} side: {self.median:,.0f} {self.unit} "
                 f"(90% {'band' if self.is_band else 'interval'} {self.low:,.0f}-"
                 f"{self.high:,.0f})", f"  method: {self.method}"]
        lines += [f"  input: {i}" for i in self.inputs]
        lines += [f"  default: {k} = {describe_default(get_default(k))}"
                  for k in self.defaults_used]
        lines += [f"  warning: {w}" for w in self.warnings]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, object]:
        return {"side": self.side, "method": self.method, "median": self.median,
                "low": self.low, "high": self.high, "unit": self.unit,
                "interval": "90% band" if self.is_band else "90% (5th-95th percentile)",
                "defaults_used": list(self.defaults_used), "inputs": list(self.inputs),
                "warnings": list(self.warnings),
                "by_country": {c: {"median": float(np.median(d)),
                                   "low": float(np.percentile(d, 5)),
                                   "high": float(np.percentile(d, 95))}
                               for c, d in sorted(self.by_country.items())}}


def uniforms(rng: np.random.Generator, n: int) -> Array:
    """``n`` uniform draws as a float64 array."""
    return np.asarray(rng.random(n), dtype=np.float64)


def describe_default(d: Default) -> str:
    """``26 g/user/year (15-60; derived; UNODC, World Drug Report 2011 ...)``."""
    source = d.source if len(d.source) < 90 else d.source[:87] + "..."
    return f"{d.value:g} {d.unit} ({d.low:g}-{d.high:g}; {d.status}; {source})"


def default_distribution(key: str) -> mc.Distribution:
    """A cited default as a PERT distribution over its range, mode at its value.

    Raises:
        ValueError: the default is a placeholder (structure only, not for estimates).
    """
    d = get_default(key)
    if d.is_placeholder:
        raise ValueError(f"default {key!r} is a placeholder and cannot enter an estimate")
    if d.low == d.high:
        return mc.point(d.value)
    return mc.pert(d.low, d.value, d.high)


def ranged(value: float, low: float | None, high: float | None) -> tuple[mc.Distribution, bool]:
    """A reported value with its optional range as a lognormal (range read as a 90% interval).

    Returns the distribution and whether the range had to be assumed (x/÷ ``UNRANGED_FACTOR``).
    """
    if value <= 0:
        return mc.point(0.0), False
    lo = low if low is not None and 0 < low <= value else None
    hi = high if high is not None and high >= value else None
    assumed = lo is None or hi is None or lo == hi
    if assumed:
        lo, hi = value / UNRANGED_FACTOR, value * UNRANGED_FACTOR
    assert lo is not None and hi is not None
    # the reported value is the median; a skewed range keeps its wider side
    sigma = max(math.log(value / lo), math.log(hi / value)) / Z95
    return mc.Distribution("lognormal", {"mu": math.log(value), "sigma": sigma}), assumed


@dataclass(frozen=True)
class CountryDemand:
    """Demand-side inputs for one country: prevalence (share of 15-64) and its population."""

    country: str
    prevalence: float
    prevalence_low: float | None = None
    prevalence_high: float | None = None
    prevalence_year: int | None = None
    population_total: float | None = None
    population_15_64: float | None = None
    per_user_g: float | None = None
    imputed: bool = False


def demand_side(countries: Sequence[CountryDemand], per_user_default: str, *,
                draws: int = mc.DEFAULT_DRAWS, seed: int = 0) -> SideEstimate:
    """Users (prevalence × population 15-64) × annual consumption per user, summed.

    Per-user consumption is one cited default shared by every country (so it is drawn once
    per Monte Carlo draw: its uncertainty does not average out over countries); a country's
    own per-user figure replaces it. Prevalence is drawn per country from its reported range.
    """
    rng = np.random.default_rng(seed)
    defaults = [per_user_default]
    per_user = default_distribution(per_user_default).ppf(uniforms(rng, draws))
    share_dist = None
    total = np.zeros(draws)
    by_country: dict[str, Array] = {}
    inputs: list[str] = []
    warnings: list[str] = []
    assumed_ranges = []
    for c in countries:
        prev, assumed = ranged(c.prevalence, c.prevalence_low, c.prevalence_high)
        if assumed:
            assumed_ranges.append(c.country)
        p = prev.ppf(uniforms(rng, draws))
        if c.population_15_64:
            pop: Array | float = c.population_15_64
        elif c.population_total:
            if share_dist is None:
                share_dist = default_distribution("population_share_15_64")
                defaults.append("population_share_15_64")
            pop = c.population_total * share_dist.ppf(uniforms(rng, draws))
        else:
            warnings.append(f"{c.country}: no population; left out")
            continue
        use = np.full(draws, c.per_user_g) if c.per_user_g else per_user
        volume = p * pop * use / 1000.0
        by_country[c.country] = volume
        total = total + volume
        tag = " (imputed from the region)" if c.imputed else ""
        year = f" {c.prevalence_year}" if c.prevalence_year else ""
        inputs.append(f"{c.country}: prevalence {100 * c.prevalence:.3g}%{year}{tag}")
    if assumed_ranges:
        warnings.append(f"prevalence reported without a range for {', '.join(assumed_ranges)}:"
                        f" a 90% range of x/÷{UNRANGED_FACTOR} was assumed")
    imputed = [c.country for c in countries if c.imputed]
    if imputed:
        warnings.append(f"prevalence imputed for {', '.join(imputed)} from surveyed countries "
                        "of the region (see inputs)")
    return SideEstimate("demand", "users (annual prevalence × population 15-64) × annual "
                        "consumption per user (pure grams), summed over countries",
                        total, tuple(defaults), tuple(inputs), tuple(warnings), by_country)


def supply_side(production: mc.Distribution, seizures: mc.Distribution, *,
                losses_default: str = "losses_in_transit", draws: int = mc.DEFAULT_DRAWS,
                seed: int = 0, inputs: Sequence[str] = ()) -> SideEstimate:
    """Production × (1 − losses) − seizures (all pure kg): what is left to consume."""
    rng = np.random.default_rng(seed)
    prod = production.ppf(uniforms(rng, draws))
    seized = seizures.ppf(uniforms(rng, draws))
    loss = default_distribution(losses_default).ppf(uniforms(rng, draws))
    consumed = prod * (1 - loss) - seized
    warnings = []
    negative = float(np.mean(consumed <= 0))
    if negative > 0:
        warnings.append(f"seizures exceed production net of losses in {100 * negative:.0f}% of "
                        "draws: production is probably under-estimated; clipped at zero")
    share = np.median(seized / np.maximum(prod, 1e-12))
    warnings.append(f"seizures are {100 * share:.0f}% of production (median)")
    return SideEstimate("supply", "production × (1 − losses) − seizures", np.maximum(
        consumed, 0.0), (losses_default,), tuple(inputs), tuple(warnings))


def seizure_side(seized_kg: float, rate_default: str, *, draws: int = mc.DEFAULT_DRAWS,
                 seed: int = 0, inputs: Sequence[str] = ()) -> SideEstimate:
    """Seizures ÷ interception rate, net of the seizures: a band over plausible rates.

    consumed = seized × (1 − r) / r, with r uniform over the default's whole range (a band,
    not an estimate of r).
    """
    d = get_default(rate_default)
    rng = np.random.default_rng(seed)
    r = rng.uniform(d.low, d.high, draws)
    consumed = seized_kg * (1 - r) / r
    return SideEstimate(
        "seizure", f"seizures ÷ interception rate (band {d.low:g}-{d.high:g}), net of seizures",
        consumed, (rate_default,), tuple(inputs),
        ("the seizure side is the weakest method: seizures measure enforcement as much as "
         "trafficking, and the interception rate is not known; read it as a band",),
        is_band=True)


def allocated_side(total: SideEstimate, share: mc.Distribution, *, what: str,
                   seed: int = 0) -> SideEstimate:
    """A share of another side's total (e.g. global supply × the market's route share)."""
    rng = np.random.default_rng(seed)
    s = share.ppf(uniforms(rng, total.draws.shape[0]))
    return SideEstimate("allocated", f"{total.side} side total × {what}", total.draws * s,
                        total.defaults_used, total.inputs,
                        (*total.warnings, f"allocated by {what}"))


@dataclass(frozen=True)
class Comparison:
    """Two sides compared: ratio of medians and whether their 90% intervals overlap."""

    a: str
    b: str
    ratio: float
    overlap: bool


@dataclass(frozen=True)
class Triangulation:
    """The sides, how they compare and the combined estimate by a named rule."""

    sides: tuple[SideEstimate, ...]
    comparisons: tuple[Comparison, ...]
    rule: str
    draws: Array
    heterogeneity: float
    flags: tuple[str, ...] = ()
    unit: str = "kg/year (pure)"

    @property
    def median(self) -> float:
        return float(np.median(self.draws))

    @property
    def low(self) -> float:
        return float(np.percentile(self.draws, 5))

    @property
    def high(self) -> float:
        return float(np.percentile(self.draws, 95))

    @property
    def defaults_used(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(k for s in self.sides for k in s.defaults_used))

    def explain(self) -> str:
        lines = [f"combined: {self.median:,.0f} {self.unit} (90% interval {self.low:,.0f}-"
                 f"{self.high:,.0f}); rule: {self.rule}"]
        for c in self.comparisons:
            lines.append(f"  {c.a} / {c.b} = {c.ratio:.2f}; 90% intervals "
                         f"{'overlap' if c.overlap else 'do NOT overlap'}")
        lines += [f"  flag: {f}" for f in self.flags]
        lines += [s.explain() for s in self.sides]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, object]:
        return {"median": self.median, "low": self.low, "high": self.high, "unit": self.unit,
                "interval": "90% (5th-95th percentile)", "rule": self.rule,
                "heterogeneity_q": self.heterogeneity, "flags": list(self.flags),
                "comparisons": [{"a": c.a, "b": c.b, "ratio": c.ratio, "overlap": c.overlap}
                                for c in self.comparisons],
                "sides": [s.to_dict() for s in self.sides],
                "defaults_used": list(self.defaults_used)}


def _overlap(a: SideEstimate, b: SideEstimate) -> bool:
    return a.low <= b.high and b.low <= a.high


def triangulate(sides: Sequence[SideEstimate], *, primary: str = "demand",
                draws: int = mc.DEFAULT_DRAWS, seed: int = 0) -> Triangulation:
    """Compare the sides and combine them.

    Rule: inverse-variance weighting of the sides' log-volumes (weight 1/sd² of log draws),
    the combined variance inflated by the Birge ratio Q/(k−1) when the sides disagree more
    than their spreads allow (Q > k−1). If the ``primary`` side's 90% interval overlaps no
    other side's, the sides are not combined: the primary side is the estimate and the
    disagreement is flagged. One side alone is returned as it is.
    """
    usable = [s for s in sides if s.median > 0]
    if not usable:
        raise ValueError("no side gives a positive volume: nothing to triangulate")
    comparisons = tuple(Comparison(a.side, b.side, a.median / b.median, _overlap(a, b))
                        for i, a in enumerate(usable) for b in usable[i + 1:])
    if len(usable) == 1:
        only = usable[0]
        return Triangulation(tuple(usable), (), f"one side only ({only.side})", only.draws,
                             0.0, (f"only the {only.side} side could be computed",))
    first = next((s for s in usable if s.side == primary), usable[0])
    others = [s for s in usable if s is not first]
    if not any(_overlap(first, s) for s in others):
        return Triangulation(
            tuple(usable), comparisons, f"fallback to the {first.side} side", first.draws, 0.0,
            (f"the {first.side} side's interval overlaps no other side: sides not combined; "
             "check the inputs of the disagreeing sides",))
    m = np.array([s.log_mean for s in usable])
    w = 1.0 / np.array([s.log_sd for s in usable]) ** 2
    mu = float(np.sum(w * m) / np.sum(w))
    var = 1.0 / float(np.sum(w))
    q = float(np.sum(w * (m - mu) ** 2))
    flags = []
    k = len(usable)
    if q > k - 1:
        var *= q / (k - 1)
        flags.append(f"sides disagree beyond their spreads (Q = {q:.1f} on {k - 1} df): "
                     f"combined interval widened × {math.sqrt(q / (k - 1)):.2f}")
    rng = np.random.default_rng(seed)
    combined = np.exp(mu + math.sqrt(var) * rng.standard_normal(draws))
    weights = ", ".join(f"{s.side} {wi / w.sum():.2f}" for s, wi in zip(usable, w, strict=True))
    return Triangulation(tuple(usable), comparisons,
                         f"inverse-variance weighting on the log scale (weights: {weights})",
                         combined, q, tuple(flags))


def along_routes(volume: Array, paths: pl.DataFrame, destinations: Sequence[str]
                 ) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Distribute a market's volume over the estimated routes that end in it.

    Args:
        volume: draws of the market's annual volume.
        paths: route paths (``path`` list of ISO3, ``destination``, ``share``, ``share_low``,
            ``share_high``) from threat mapping.
        destinations: the market's countries.

    Returns:
        ``(routes, transit)``: volume per path and volume through each country on those paths
        (median, and a range from the volume's 90% interval times the path's share interval,
        shares renormalised over the market's paths: bounds, not a joint interval).
    """
    mine = paths.filter(pl.col("destination").is_in(list(destinations)))
    if mine.is_empty():
        empty = pl.DataFrame(schema={"path": pl.List(pl.Utf8), "median": pl.Float64})
        return empty, pl.DataFrame(schema={"country": pl.Utf8, "median": pl.Float64})
    s = mine["share"].to_numpy()
    total = float(s.sum()) or 1.0
    lo = np.minimum(mine["share_low"].to_numpy(), s) / total
    hi = np.maximum(mine["share_high"].to_numpy(), s) / total
    per_path = (s / total)[None, :] * volume[:, None]
    v_lo, v_hi = float(np.percentile(volume, 5)), float(np.percentile(volume, 95))

    route_rows = []
    through: dict[str, list[float]] = {}
    for j, path in enumerate(mine["path"].to_list()):
        med = float(np.median(per_path[:, j]))
        low, high = v_lo * float(lo[j]), v_hi * min(1.0, float(hi[j]))
        route_rows.append({"path": list(path), "origin": path[0], "destination": path[-1],
                           "median": med, "low": low, "high": high})
        for country in path[1:-1]:
            acc = through.setdefault(country, [0.0, 0.0, 0.0])
            acc[0] += med
            acc[1] += low
            acc[2] += high
    transit_rows = [{"country": c, "median": m, "low": lo_, "high": min(hi_, v_hi)}
                    for c, (m, lo_, hi_) in through.items()]
    routes = pl.DataFrame(route_rows).sort("median", descending=True)
    transit = (pl.DataFrame(transit_rows).select("country", "median", "low", "high")
               .sort("median", descending=True) if transit_rows else
               pl.DataFrame(schema={"country": pl.Utf8, "median": pl.Float64}))
    return routes, transit
