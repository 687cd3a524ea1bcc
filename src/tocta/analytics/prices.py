"""Prices by market level in constant US$, with documented gap filling, and market trends.

Input is a table of price observations as the store derives them (``price_per_canonical`` is
the price per canonical unit, e.g. US$ per kg, computed at ingest from units such as ``g``,
``10 g`` or ``1000 tablet``; observations whose unit does not convert have no canonical price
and are counted, not guessed). Prices are expressed in constant US$ of a stated year with the
bundled US CPI. See docs/methodology/sizing.md, *Prices*.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import polars as pl
import statsmodels.api as sm

from tocta.reference.countries import get_country
from tocta.reference.money import to_constant_usd

#: a gap filled from the region's median price gets its 90% range widened by this factor
#: (low ÷ f, high × f); from the world median by its square
REGION_FILL_FACTOR = 2.0
#: years a country's own price may be borrowed from (nearest first)
YEAR_WINDOW = 2
#: relative spread given to a single observation without min/max (x/÷ as a 90% range)
SINGLE_SPREAD = 1.35
#: wholesale prices are placed on the chain by the country's role
WHOLESALE_BY_ROLE = {"producer": "wholesale_origin", "transit": "wholesale_transit",
                     "consumer": "wholesale_destination"}


def constant_prices(prices: pl.DataFrame, base_year: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Prices per canonical unit in constant US$ of ``base_year``.

    Args:
        prices: ``country, year, commodity, market_level, price_per_canonical`` (optional
            ``price_per_canonical_min``/``_max``, ``currency``, ``canonical_unit``,
            ``source_file``, ``source_row``, ``price_unit``).

    Returns:
        ``(usable, issues)``: usable rows with ``price``, ``price_low``, ``price_high`` in
        constant US$; issues name each row left out (``unit_not_convertible``,
        ``currency_not_usd``, ``year_without_cpi``) with its file and row.
    """
    frame = prices
    for col in ("price_per_canonical_min", "price_per_canonical_max", "source_file",
                "source_row", "price_unit", "canonical_unit"):
        if col not in frame.columns:
            frame = frame.with_columns(pl.lit(None).alias(col))
    if "currency" not in frame.columns:
        frame = frame.with_columns(pl.lit("USD").alias("currency"))
    typical = pl.coalesce("price_per_canonical", pl.mean_horizontal(
        "price_per_canonical_min", "price_per_canonical_max"))
    frame = frame.with_columns(typical.alias("_typical"))
    code = (pl.when(pl.col("_typical").is_null()).then(pl.lit("unit_not_convertible"))
            .when(pl.col("currency") != "USD").then(pl.lit("currency_not_usd"))
            .otherwise(None))
    frame = frame.with_columns(code.alias("issue"))
    years = sorted({int(y) for y in frame["year"].drop_nulls().unique()})
    factors: dict[int, float | None] = {}
    for y in years:
        try:
            factors[y] = float(to_constant_usd(1.0, y, base_year, allow_partial=True))
        except Exception:
            factors[y] = None
    frame = frame.with_columns(pl.col("year").replace_strict(
        factors, default=None, return_dtype=pl.Float64).alias("_cpi"))
    frame = frame.with_columns(pl.when(pl.col("issue").is_null() & pl.col("_cpi").is_null())
                               .then(pl.lit("year_without_cpi")).otherwise("issue")
                               .alias("issue"))
    issues = frame.filter(pl.col("issue").is_not_null()).select(
        "issue", "source_file", "source_row", "country", "year", "commodity", "market_level",
        pl.col("price_unit").cast(pl.Utf8).alias("value"))
    ok = frame.filter(pl.col("issue").is_null())
    lo = pl.coalesce("price_per_canonical_min", pl.col("_typical") / SINGLE_SPREAD)
    hi = pl.coalesce("price_per_canonical_max", pl.col("_typical") * SINGLE_SPREAD)
    usable = ok.with_columns(
        (pl.col("_typical") * pl.col("_cpi")).alias("price"),
        (pl.min_horizontal(lo, "_typical") * pl.col("_cpi")).alias("price_low"),
        (pl.max_horizontal(hi, "_typical") * pl.col("_cpi")).alias("price_high"),
        pl.lit(base_year).alias("price_year"),
    ).drop("_typical", "_cpi", "issue")
    return usable, issues


def chain_level(level: str, role: str | None) -> str:
    """The value-chain level of a price: plain ``wholesale`` is placed by the country's role."""
    if level == "wholesale" and role in WHOLESALE_BY_ROLE:
        return WHOLESALE_BY_ROLE[role]
    return level


@dataclass(frozen=True)
class PricePoint:
    """A price for (country, level, year) with its 90% range and where it came from.

    ``fill`` is ``observed``, ``nearest_year:<year>``, ``region:<name>`` or ``world``.
    """

    country: str
    level: str
    year: int
    price: float
    low: float
    high: float
    observations: int
    fill: str
    price_year: int

    @property
    def is_filled(self) -> bool:
        return self.fill != "observed"

    def to_dict(self) -> dict[str, object]:
        return {"country": self.country, "level": self.level, "year": self.year,
                "price": self.price, "low": self.low, "high": self.high,
                "observations": self.observations, "fill": self.fill,
                "price_level": self.level, "currency": f"constant {self.price_year} US$",
                "unit": "US$/kg"}


def _summary(rows: pl.DataFrame) -> tuple[float, float, float, int]:
    price = float(rows["price"].median())  # type: ignore[arg-type]
    low = float(rows["price_low"].min())  # type: ignore[arg-type]
    high = float(rows["price_high"].max())  # type: ignore[arg-type]
    return price, min(low, price), max(high, price), rows.height


#: plain "wholesale" prices of one country-year further apart than this are two market levels
LEVEL_SPLIT = 2.0


def _one_level(rows: pl.DataFrame, level: str) -> pl.DataFrame:
    """Of a country's plain ``wholesale`` prices (around one year), those of ``level``.

    A country that is both a transit and a destination market can report two wholesale
    prices under one label (UNODC tables do): the bulk price of consignments in transit and
    the price of its own wholesale market, which is higher (prices rise along the chain).
    When the plain wholesale prices of the years around split into two groups more than
    ``LEVEL_SPLIT`` apart (at the widest gap of their sorted logs), the upper group is read as
    ``wholesale_destination`` and the lower as ``wholesale_transit``; prices from the same
    level and neighbouring years differ by that much rarely (log sd 0.35 would need two
    standard deviations); a single price cannot be split, so one year alone is kept whole.
    """
    if rows.height < 2 or level not in ("wholesale_destination", "wholesale_transit") \
            or "market_level" not in rows.columns:
        return rows
    plain = rows.filter(pl.col("market_level") == "wholesale")
    if plain.height < 2:
        return rows
    logs = np.sort(np.log(plain["price"].to_numpy()))
    gaps = np.diff(logs)
    i = int(np.argmax(gaps))
    if gaps[i] < np.log(LEVEL_SPLIT):
        return rows
    cut = float(np.exp((logs[i] + logs[i + 1]) / 2))
    upper = level == "wholesale_destination"
    keep = (pl.col("price") >= cut) if upper else (pl.col("price") < cut)
    return rows.filter((pl.col("market_level") != "wholesale") | keep)


def _subregion(country: str) -> str | None:
    try:
        return get_country(country).subregion_name
    except Exception:
        return None


def price_at(usable: pl.DataFrame, country: str, level: str, year: int, *,
             levels: Iterable[str] | None = None) -> PricePoint | None:
    """The price at ``level`` in ``country`` and ``year``, filling a gap when needed.

    Order: the country's own observations that year; its nearest year within
    ``YEAR_WINDOW`` (nearest first, earlier on ties); the median of its M49 sub-region that
    year (range widened × ``REGION_FILL_FACTOR``); the world median that year (× its square).
    ``levels`` lists the market-level codes that count (default: ``level``).
    """
    wanted = list(levels or [level])
    rows = usable.filter(pl.col("market_level").is_in(wanted))
    if rows.is_empty():
        return None
    base = int(rows["price_year"][0])
    own = _one_level(rows.filter(pl.col("country") == country,
                                 (pl.col("year") - year).abs() <= YEAR_WINDOW), level)
    for dy in sorted(range(-YEAR_WINDOW, YEAR_WINDOW + 1), key=lambda d: (abs(d), d)):
        got = own.filter(pl.col("year") == year + dy)
        if got.height:
            p, lo, hi, n = _summary(got)
            return PricePoint(country, level, year, p, lo, hi, n,
                              "observed" if dy == 0 else f"nearest_year:{year + dy}", base)
    same_year = rows.filter((pl.col("year") - year).abs() <= YEAR_WINDOW)
    region = _subregion(country)
    if region:
        members = [c for c in same_year["country"].unique().to_list()
                   if _subregion(c) == region]
        got = same_year.filter(pl.col("country").is_in(members))
        if got.height:
            p = float(got["price"].median())  # type: ignore[arg-type]
            f = REGION_FILL_FACTOR
            return PricePoint(country, level, year, p, p / f, p * f, got.height,
                              f"region:{region}", base)
    if same_year.height:
        p = float(same_year["price"].median())  # type: ignore[arg-type]
        f = REGION_FILL_FACTOR ** 2
        return PricePoint(country, level, year, p, p / f, p * f, same_year.height, "world",
                          base)
    return None


@dataclass(frozen=True)
class Trend:
    """One measure's change over the years available."""

    measure: str
    country: str
    level: str | None
    first_year: int
    last_year: int
    last: float
    previous: float | None
    change_pct: float | None
    trend_pct_per_year: float | None
    p_value: float | None
    points: int

    @property
    def significant(self) -> bool:
        return self.p_value is not None and self.p_value < 0.05

    def to_dict(self) -> dict[str, object]:
        return {"measure": self.measure, "country": self.country, "level": self.level,
                "first_year": self.first_year, "last_year": self.last_year, "last": self.last,
                "previous": self.previous, "change_pct": self.change_pct,
                "trend_pct_per_year": self.trend_pct_per_year, "p_value": self.p_value,
                "significant": self.significant, "points": self.points,
                "test": "OLS of log(value) on year, two-sided p < 0.05"}


def trend(measure: str, country: str, level: str | None, years: Iterable[int],
          values: Iterable[float]) -> Trend | None:
    """Change since the previous period and a log-linear trend test over the years given."""
    pairs = sorted((int(y), float(v)) for y, v in zip(years, values, strict=True)
                   if v is not None and v > 0 and math.isfinite(v))
    by_year: dict[int, list[float]] = {}
    for y, v in pairs:
        by_year.setdefault(y, []).append(v)
    series = [(y, float(np.median(v))) for y, v in sorted(by_year.items())]
    if not series:
        return None
    last_year, last = series[-1]
    previous = series[-2][1] if len(series) > 1 else None
    change = None if previous is None else 100.0 * (last / previous - 1.0)
    slope = p = None
    if len(series) >= 3:
        x = sm.add_constant(np.array([y for y, _ in series], dtype=float))
        fit = sm.OLS(np.log([v for _, v in series]), x).fit()
        slope = 100.0 * (math.exp(float(fit.params[1])) - 1.0)
        p = float(fit.pvalues[1])
    return Trend(measure, country, level, series[0][0], last_year, last, previous, change,
                 slope, p, len(series))


def market_trends(prices: pl.DataFrame, prevalence: pl.DataFrame,
                  countries: Iterable[str] | None = None,
                  roles: Mapping[str, str] | None = None) -> list[Trend]:
    """Price (by level), purity and prevalence trends per country of a market.

    ``prices`` as returned by :func:`constant_prices` (optionally with ``purity``);
    ``prevalence`` with ``country, year, value`` (share of 15-64, percent or fraction).
    """
    keep = set(countries) if countries is not None else None
    out: list[Trend] = []
    for (country, level), rows in prices.group_by("country", "market_level"):
        if keep is not None and country not in keep:
            continue
        lvl = chain_level(str(level), (roles or {}).get(str(country)))
        t = trend("price", str(country), lvl, rows["year"], rows["price"])
        if t:
            out.append(t)
        if "purity" in rows.columns and rows["purity"].drop_nulls().len():
            pr = rows.drop_nulls("purity")
            t = trend("purity", str(country), lvl, pr["year"], pr["purity"])
            if t:
                out.append(t)
    for (country,), rows in prevalence.group_by("country"):
        if keep is not None and country not in keep:
            continue
        t = trend("prevalence", str(country), None, rows["year"], rows["value"])
        if t:
            out.append(t)
    return sorted(out, key=lambda t: (t.country, t.measure, t.level or ""))
