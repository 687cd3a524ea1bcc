"""Size a market from the store: demand, supply and seizure sides, value, money, trends.

``size_market(store, clearance, commodity="cocaine_type", region="Western and Central
Europe", year=2021)`` reads what the reader may see (prevalence, population, seizures,
production, prices, WGI), runs the pure analytics (``analytics.sizing``, ``prices``,
``valuechain``, ``laundering``) and returns a :class:`MarketResult` that lists every input it
used, every default, and every input it looked for and did not find.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import ibis
import numpy as np
import polars as pl

from tocta.access.clearance import Clearance
from tocta.analytics import montecarlo as mc
from tocta.analytics import sizing
from tocta.analytics.laundering import LaunderingEstimate, laundering_destinations
from tocta.analytics.prices import PricePoint, Trend, constant_prices, market_trends, price_at
from tocta.analytics.sizing import uniforms
from tocta.analytics.valuechain import ChainNode, ValueChain, value_chain
from tocta.errors import NotFoundError, UsageError
from tocta.reference.commodities import ancestors, resolve_commodity
from tocta.reference.countries import get_country
from tocta.reference.countries import population as reference_population
from tocta.reference.defaults import get_default
from tocta.reference.money import latest_complete_year
from tocta.reference.regions import region_codes
from tocta.services.dedup import flag_duplicates
from tocta.services.routes import members
from tocta.store.engine import Store
from tocta.store.read import RecordSet, read_records

#: how far from the requested year a prevalence survey may be borrowed
PREVALENCE_WINDOW = 4
#: a country without a survey gets the median prevalence of surveyed countries of its M49
#: sub-region (else of the market), with its 90% range set to x/÷ this factor
IMPUTE_FACTOR = 3.0
#: crops whose cultivation (ha) gives production with a cited pure yield per hectare
CULTIVATION = {"cocaine_type": ("coca_bush", "coca_leaf"),
               "cocaine_hcl": ("coca_bush", "coca_leaf")}
CULTIVATION_YIELD = {"cocaine_type": "coca_cocaine_yield_per_ha",
                     "cocaine_hcl": "coca_cocaine_yield_per_ha"}
TLP_ORDER = ("CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED")


@dataclass(frozen=True)
class MarketSpec:
    """What a commodity family needs: which prevalence to read and which defaults apply."""

    commodity: str
    prevalence_commodities: tuple[str, ...]
    per_user: str
    purity_wholesale: str
    purity_retail: str
    interception: str


MARKETS = {
    "cocaine_type": MarketSpec("cocaine_type", ("cocaine_type", "cocaine_hcl", "crack"),
                               "cocaine_consumption_per_user", "cocaine_purity_wholesale",
                               "cocaine_purity_retail", "interception_rate_cocaine"),
    "heroin": MarketSpec("heroin", ("opiates", "heroin"), "heroin_consumption_per_user",
                         "heroin_purity_wholesale", "heroin_purity_retail",
                         "interception_rate_heroin"),
}


def market_countries(region: str) -> tuple[str, ...]:
    """A region's ISO3 codes; an ISO3 code (``ESP``) is a one-country market."""
    text = region.strip()
    if len(text) == 3 and text.isalpha() and text.isupper():
        try:
            return (get_country(text).iso3,)
        except NotFoundError:  # not a country code: try it as a region name
            pass
    return tuple(sorted(region_codes(text)))


@dataclass(frozen=True)
class MarketValue:
    """The market's value at one price level (never summed with another level)."""

    price_level: str
    draws: np.ndarray
    prices: tuple[PricePoint, ...]
    method: str

    def to_dict(self, price_year: int) -> dict[str, Any]:
        return {"price_level": self.price_level, "currency": f"constant {price_year} US$",
                "median": float(np.median(self.draws)),
                "low": float(np.percentile(self.draws, 5)),
                "high": float(np.percentile(self.draws, 95)),
                "interval": "90% (5th-95th percentile)", "unit": "US$/year",
                "method": self.method, "prices": [p.to_dict() for p in self.prices]}


@dataclass(frozen=True)
class MarketResult:
    """Everything known about one market in one year, with its inputs and gaps."""

    commodity: str
    region: str
    countries: tuple[str, ...]
    year: int
    price_year: int
    volume: sizing.Triangulation | None
    values: tuple[MarketValue, ...]
    chain: ValueChain | None
    laundering: LaunderingEstimate | None
    trends: tuple[Trend, ...]
    missing: tuple[str, ...]
    tlp: str
    grade: str | None
    sources: tuple[str, ...]
    synthetic: bool = False
    issues: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)
    routes: pl.DataFrame | None = None
    transit: pl.DataFrame | None = None

    @property
    def defaults_used(self) -> tuple[str, ...]:
        keys = list(self.volume.defaults_used if self.volume else ())
        if self.values:
            keys += [k for k in MARKET_DEFAULTS_VALUE.get(self.commodity, ())]
        if self.laundering:
            keys += list(self.laundering.defaults_used)
        return tuple(dict.fromkeys(keys))

    def explain(self) -> str:
        head = (f"{self.commodity} market, {self.region}, {self.year} "
                f"({len(self.countries)} countries) — TLP:{self.tlp}, weakest grade "
                f"{self.grade or 'n/a'}{' — SYNTHETIC DATA' if self.synthetic else ''}")
        lines = [head]
        lines.append(self.volume.explain() if self.volume else "volume: not computed")
        for v in self.values:
            lines.append(f"value at {v.price_level}: {np.median(v.draws):,.0f} constant "
                         f"{self.price_year} US$/yr (90% {np.percentile(v.draws, 5):,.0f}-"
                         f"{np.percentile(v.draws, 95):,.0f}); {v.method}")
        if self.chain:
            lines.append(self.chain.explain())
        if self.laundering:
            lines.append(self.laundering.explain())
        if self.routes is not None and self.routes.height:
            lines.append("volume along the estimated routes into the market (kg pure/yr):")
            for r in self.routes.head(8).iter_rows(named=True):
                lines.append(f"  {' > '.join(r['path'])}: {r['median']:,.0f} "
                             f"({r['low']:,.0f}-{r['high']:,.0f})")
        lines += [f"missing: {m}" for m in self.missing]
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {"commodity": self.commodity, "region": self.region, "year": self.year,
                "countries": list(self.countries), "synthetic": self.synthetic,
                "tlp": self.tlp, "grade": self.grade, "sources": list(self.sources),
                "volume": self.volume.to_dict() if self.volume else None,
                "values": [v.to_dict(self.price_year) for v in self.values],
                "value_chain": self.chain.to_dict() if self.chain else None,
                "laundering": self.laundering.to_dict() if self.laundering else None,
                "trends": [t.to_dict() for t in self.trends],
                "routes": [] if self.routes is None else self.routes.to_dicts(),
                "transit": [] if self.transit is None else self.transit.to_dicts(),
                "missing_inputs": list(self.missing), "defaults_used": list(
                    self.defaults_used), "issues": list(self.issues), "notes": list(self.notes)}


MARKET_DEFAULTS_VALUE = {k: (s.purity_retail, s.purity_wholesale) for k, s in MARKETS.items()}


@dataclass
class StoreReads:
    sets: list[RecordSet] = field(default_factory=list)

    def read(self, store: Store, type_name: str, clearance: Clearance, **kw: Any
             ) -> pl.DataFrame:
        rs = read_records(store, type_name, clearance, **kw)
        if rs.num_rows:
            self.sets.append(rs)
        return pl.from_arrow(rs.table)  # type: ignore[return-value]

    def tlp(self) -> str:
        levels = [s.tlp for s in self.sets if s.tlp in TLP_ORDER] or ["CLEAR"]
        return max(levels, key=TLP_ORDER.index)

    def sources(self) -> tuple[str, ...]:
        return tuple(sorted({x for s in self.sets for x in s.sources}))


def weakest_grade(frames: Sequence[pl.DataFrame]) -> str | None:
    worst: tuple[int, int, str] | None = None
    for f in frames:
        if f.is_empty() or "reliability_rank" not in f.columns:
            continue
        row = f.select(pl.col("reliability_rank").max(), pl.col("credibility_rank").max(),
                       pl.col("source_reliability").max(),
                       pl.col("info_credibility").max()).row(0)
        if row[0] is None:
            continue
        cand = (int(row[0]), int(row[1] or 0), f"{row[2]}{row[3] or ''}")
        if worst is None or cand[:2] > worst[:2]:
            worst = cand
    return worst[2] if worst else None


def _population(indicators: pl.DataFrame, country: str, year: int) -> tuple[float | None, str]:
    rows = indicators.filter(pl.col("country") == country,
                             pl.col("indicator") == "population_total")
    if rows.height:
        best = rows.with_columns((pl.col("year") - year).abs().alias("d")).sort("d").row(
            0, named=True)
        return float(best["value"]), f"store {best['year']}"
    ref = reference_population(country, year)
    return (float(ref), "reference") if ref else (None, "none")


def _prevalence(rows: pl.DataFrame, country: str, year: int) -> dict[str, Any] | None:
    mine = rows.filter(pl.col("country") == country)
    if mine.is_empty():
        return None
    mine = mine.with_columns((pl.col("year") - year).abs().alias("d"),
                             (pl.col("year") > year).alias("later"))
    best = mine.filter(pl.col("d") <= PREVALENCE_WINDOW).sort("d", "later")
    return None if best.is_empty() else best.row(0, named=True)


def _fraction(v: float | None, unit: str | None) -> float | None:
    if v is None:
        return None
    return v / 100.0 if (unit or "percent").startswith("percent") else v


def _seizures_kg(reads: StoreReads, store: Store, clearance: Clearance, commodity: str,
                 countries: Sequence[str] | None, year: int, unit: str = "kg"
                 ) -> tuple[float, str, list[str]]:
    """Seizures in ``countries`` (None: everywhere) in ``year``, in ``unit`` (kg; persons)."""
    kinds = members(commodity)
    ind = reads.read(store, "Seizure", clearance, countries=countries, commodities=kinds,
                     years=(year, year))
    notes = []
    if ind.height:
        keep = ind.select("record_key", "date", "country", "commodity", "quantity_canonical",
                          "reliability_rank", "owner_agency", "canonical_unit")
        flagged = flag_duplicates(ibis.memtable(keep.to_arrow())).to_polars()
        dup = int(flagged["is_duplicate"].sum())
        kg = float(flagged.filter(~pl.col("is_duplicate"), pl.col("canonical_unit") == unit)[
            "quantity_canonical"].sum())
        if dup:
            notes.append(f"{dup} seizure records reported twice counted once")
        return kg, f"{ind.height} seizure records", notes
    tot = reads.read(store, "SeizureTotal", clearance, countries=countries, commodities=kinds,
                     years=(year, year))
    if tot.height:
        tot = tot.filter(~pl.col("is_total").fill_null(False), pl.col("canonical_unit") == unit)
        return float(tot["quantity_canonical"].sum()), f"{tot.height} national totals", notes
    return 0.0, "no seizure data", notes


def size_market(store: Store, clearance: Clearance, *, commodity: str, region: str, year: int,
                price_year: int | None = None, draws: int = mc.DEFAULT_DRAWS, seed: int = 0,
                synthetic: bool = False, route_shares: pl.DataFrame | None = None,
                route_ends: Collection[str] = ()) -> MarketResult:
    """Size one market (commodity family × region × year) from the store's records.

    ``route_ends``: countries where the estimated routes deliver a material share of the flow
    (a caller valuing that flow passes them): like a retail price, evidence that consumers
    are there, so an unsurveyed one is imputed rather than left out.
    """
    match = resolve_commodity(commodity)
    if match.id is None:
        raise UsageError(f"unknown commodity {commodity!r}: see docs/reference/commodities.md")
    commodity = match.id
    spec = next((MARKETS[a] for a in ancestors(commodity) if a in MARKETS), None)
    base = price_year or min(latest_complete_year(), year + 2)
    countries = market_countries(region)
    reads = StoreReads()
    missing: list[str] = []
    notes: list[str] = []
    if spec is None:
        missing.append(f"no sizing defaults for {commodity} (cited per-user consumption and "
                       f"purity exist for {', '.join(MARKETS)})")
    prev_world = reads.read(store, "MarketEstimate", clearance,
                           commodities=spec.prevalence_commodities if spec else [commodity],
                           years=(year - PREVALENCE_WINDOW, year + PREVALENCE_WINDOW))
    prev_world = prev_world.filter(pl.col("measure") == "prevalence_annual",
                                   pl.col("age_range").fill_null("15-64") == "15-64",
                                   pl.col("sex").fill_null("all").is_in(["all", "total", "both"]))
    prev_rows = prev_world.filter(pl.col("country").is_in(countries))
    indicators = reads.read(store, "Indicator", clearance, countries=countries)
    demand_inputs = []
    surveyed: dict[str, float] = {}
    unsurveyed = []
    for c in countries:
        row = _prevalence(prev_rows, c, year)
        if row is None:
            unsurveyed.append(c)
            continue
        pop, _how = _population(indicators, c, year)
        if pop is None:
            missing.append(f"{c}: no population")
            continue
        value = _fraction(row["value"], row["unit"]) or 0.0
        surveyed[c] = value
        demand_inputs.append(sizing.CountryDemand(
            c, value, _fraction(row["value_low"], row["unit"]),
            _fraction(row["value_high"], row["unit"]), int(row["year"]), population_total=pop))
    peers = {c: v for c in prev_world["country"].unique().to_list()
             if (row := _prevalence(prev_world, c, year)) is not None
             and (v := _fraction(row["value"], row["unit"]) or 0.0) > 0}
    usable, issues_frame = prices_from_store(reads, store, clearance, commodity, base)
    consumer = _retail_evidence(usable, unsurveyed, year)
    by_route = sorted(set(route_ends) & set(unsurveyed) - consumer)
    if by_route:
        notes.append(f"{', '.join(by_route)}: no prevalence survey and no retail price, but "
                     "estimated routes deliver there: imputed as consumer markets")
        consumer |= set(by_route)
    for c in unsurveyed:
        if c not in consumer:
            missing.append(f"{c}: no annual prevalence (15-64) within ±{PREVALENCE_WINDOW} "
                           f"years of {year} and no retail price: no evidence of a consumer "
                           "market, not sized")
    unsurveyed = [c for c in unsurveyed if c in consumer]
    if spec and peers and unsurveyed:
        pops = reads.read(store, "Indicator", clearance, countries=unsurveyed)
        demand_inputs += _impute(unsurveyed, peers, countries, pops, year, missing)
    elif unsurveyed:
        missing += [f"{c}: no annual prevalence (15-64) within ±{PREVALENCE_WINDOW} years of "
                    f"{year}" for c in unsurveyed]
    sides: list[sizing.SideEstimate] = []
    if spec and demand_inputs:
        sides.append(sizing.demand_side(demand_inputs, spec.per_user, draws=draws, seed=seed))
    seized_kg, seized_what, seize_notes = _seizures_kg(reads, store, clearance, commodity,
                                                       countries, year)
    notes += seize_notes
    if spec and seized_kg > 0:
        purity = sizing.default_distribution(spec.purity_wholesale)
        pure = float(np.median(purity.ppf(uniforms(np.random.default_rng(seed), draws))))
        sides.append(sizing.seizure_side(seized_kg * pure, spec.interception, draws=draws,
                                         seed=seed + 1, inputs=(
            f"{seized_kg:,.0f} kg seized in the region in {year} ({seized_what}), "
            f"× wholesale purity {pure:.2f}",)))
    elif spec:
        missing.append(f"no seizures of {commodity} in the region in {year}")
    supply = supply_from_store(reads, store, clearance, commodity, year, draws, seed, missing)
    if supply is not None and route_shares is not None:
        share = route_shares.filter(pl.col("destination").is_in(countries))
        if share.height:
            s, lo, hi = (float(share[c].sum()) for c in ("share", "share_low", "share_high"))
            dist = mc.Distribution("lognormal", {"mu": np.log(max(s, 1e-9)), "sigma": max(
                0.05, np.log(max(hi, s) / max(lo, 1e-9)) / (2 * sizing.Z95))})
            sides.append(sizing.allocated_side(supply, dist, what=(
                f"the region's share of flow on estimated routes ({100 * s:.0f}%)"),
                seed=seed + 3))
    elif supply is not None:
        notes.append(f"world supply side: {supply.median:,.0f} kg pure consumed world-wide "
                     f"(90% {supply.low:,.0f}-{supply.high:,.0f}); not allocated to the "
                     "region without route shares")
    volume = sizing.triangulate(sides, draws=draws, seed=seed + 4) if sides else None
    if volume is None:
        missing.append("volume: no side could be computed")
    issues = tuple(f"{r['source_file']}:{r['source_row']}: price_unit: {r['value']!r} "
                   f"({r['issue']})" for r in issues_frame.head(20).iter_rows(named=True))
    upstream = (_upstream(spec, route_shares, countries, usable, year, notes)
                if spec and not usable.is_empty() else [])
    values, chain = _values(spec, volume, usable, countries, year, base, seed, missing,
                            upstream)
    laundering = None
    if values:
        wgi = _wgi(reads.read(store, "Indicator", clearance, years=(year - 3, year + 3)), year)
        first = values[0]
        avail = sizing.default_distribution("laundering_available_share").ppf(
            uniforms(np.random.default_rng(seed + 7), first.draws.shape[0]))
        heaviest = _largest_market(volume)
        if heaviest:
            laundering = laundering_destinations(heaviest, first.draws, avail, wgi,
                                                 price_level=first.price_level)
    routes = transit = None
    if volume is not None and route_shares is not None:
        routes, transit = sizing.along_routes(volume.draws, route_shares, countries)
    elif volume is not None:
        notes.append("volume along routes: run with route shares (tocta market --routes)")
    prev_all = prev_rows.with_columns(pl.col("value").alias("value"))
    trends = tuple(market_trends(usable.filter(pl.col("country").is_in(countries)), prev_all,
                                 countries))
    frames = [s for s in (prev_rows, indicators) if not s.is_empty()]
    return MarketResult(commodity, region, countries, year, base, volume, tuple(values), chain,
                        laundering, trends, tuple(missing), reads.tlp(),
                        weakest_grade(frames + [pl.from_arrow(s.table)  # type: ignore[misc]
                                                 for s in reads.sets]),
                        reads.sources(), synthetic, issues, tuple(notes), routes, transit)


def _impute(countries: Sequence[str], surveyed: dict[str, float], market: Sequence[str],
            indicators: pl.DataFrame, year: int, missing: list[str]
            ) -> list[sizing.CountryDemand]:
    """Prevalence for unsurveyed countries from surveyed peers (see ``IMPUTE_FACTOR``).

    Peers: surveyed countries of the same M49 sub-region anywhere in the store; else the
    market's surveyed countries; else every surveyed country.
    """
    out = []
    in_market = [v for k, v in surveyed.items() if k in market]
    for c in countries:
        region = _subregion(c)
        peers = [v for k, v in surveyed.items() if region and _subregion(k) == region]
        basis = (f"sub-region {region}" if peers else "the market's surveyed countries"
                 if in_market else "every surveyed country")
        value = float(np.median(peers or in_market or list(surveyed.values())))
        pop, _how = _population(indicators, c, year)
        if pop is None or value <= 0:
            missing.append(f"{c}: no prevalence and no population")
            continue
        missing.append(f"{c}: no annual prevalence (15-64) within ±{PREVALENCE_WINDOW} years "
                       f"of {year}: imputed from {basis} ({100 * value:.3g}%, range x/÷"
                       f"{IMPUTE_FACTOR:g})")
        out.append(sizing.CountryDemand(c, value, value / IMPUTE_FACTOR, value * IMPUTE_FACTOR,
                                        None, population_total=pop, imputed=True))
    return out


def _retail_evidence(prices: pl.DataFrame, countries: Sequence[str], year: int) -> set[str]:
    """Countries with a retail price observed within the prevalence window: a retail market
    exists there, so an unsurveyed one is imputed rather than left out (a transit country
    with wholesale prices only is not assumed to consume like its surveyed neighbours)."""
    if prices.is_empty() or not countries:
        return set()
    seen = prices.filter(pl.col("country").is_in(list(countries)),
                         pl.col("market_level") == "retail",
                         pl.col("year").is_between(year - PREVALENCE_WINDOW,
                                                   year + PREVALENCE_WINDOW))
    return set(seen["country"].unique().to_list())


def _subregion(country: str) -> str | None:
    try:
        return get_country(country).subregion_name
    except NotFoundError:  # a code without a region borrows from the market
        return None


def supply_from_store(reads: StoreReads, store: Store, clearance: Clearance, commodity: str,
                      year: int, draws: int, seed: int, missing: list[str], unit: str = "kg",
                      losses_default: str = "losses_in_transit") -> sizing.SideEstimate | None:
    """Production × (1 − losses) − seizures world-wide, in ``unit`` (None without estimates)."""
    rows = reads.read(store, "MarketEstimate", clearance, commodities=members(commodity),
                      years=(year, year))
    prod = rows.filter(pl.col("measure") == "production")
    defaults: tuple[str, ...] = ()
    if prod.is_empty():
        area = reads.read(store, "MarketEstimate", clearance,
                          commodities=list(CULTIVATION.get(commodity, ())), years=(year, year))
        area = area.filter(pl.col("measure") == "cultivation", pl.col("unit") == "ha")
        if area.is_empty() or commodity not in CULTIVATION:
            missing.append(f"supply side: no production or cultivation estimates for "
                           f"{commodity} in {year}")
            return None
        # cultivation (ha) x pure yield per ha (a cited default): production in kg
        key = CULTIVATION_YIELD[commodity]
        y = get_default(key)
        ha = float(area["value"].sum())
        value, low, high = ha * y.value, ha * y.low, ha * y.high
        prod = area
        defaults = (key,)
    else:
        value = float(prod["value"].sum())
        low = float(prod["value_low"].fill_null(prod["value"]).sum())
        high = float(prod["value_high"].fill_null(prod["value"]).sum())
    production, _ = sizing.ranged(value, low, high)
    seized, what, _ = _seizures_kg(reads, store, clearance, commodity, None, year, unit)
    side = sizing.supply_side(production, mc.point(seized), draws=draws, seed=seed + 2,
                              losses_default=losses_default,
                              inputs=(f"production {value:,.0f} {unit} ({prod.height} estimates"
                                      f"{', from cultivation x yield' if defaults else ''})",
                                      f"seizures world-wide {seized:,.0f} {unit} ({what})"))
    return replace(side, defaults_used=defaults + side.defaults_used)


def prices_from_store(reads: StoreReads, store: Store, clearance: Clearance, commodity: str,
                      base: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The commodity's prices per canonical unit in constant US$ of ``base``, and the rows
    left out with their issue."""
    raw = reads.read(store, "PriceObservation", clearance, commodities=members(commodity))
    if raw.is_empty():
        return raw, pl.DataFrame()
    return constant_prices(raw, base)


UPSTREAM_LEVELS = (("farm_gate", ["farm_gate"]), ("export", ["export"]),
                   ("wholesale_origin", ["wholesale", "wholesale_origin"]))
#: fills an upstream price may use (a world median mixes destination prices in: never used)
UPSTREAM_FILLS = ("observed", "nearest_year", "region")


def _upstream(spec: MarketSpec, route_shares: pl.DataFrame | None, countries: Sequence[str],
              usable: pl.DataFrame, year: int, notes: list[str]) -> list[ChainNode]:
    """Producer and transit nodes of the main estimated path into the market."""
    if route_shares is None:
        return []
    mine = route_shares.filter(pl.col("destination").is_in(list(countries)))
    if mine.is_empty():
        return []
    path = mine.sort("share", descending=True)["path"][0].to_list()
    purity = sizing.default_distribution(spec.purity_wholesale)
    nodes = []
    wanted = [(path[0], lvl, levels) for lvl, levels in UPSTREAM_LEVELS]
    wanted += [(c, "wholesale_transit", ["wholesale", "wholesale_transit"]) for c in path[1:-1]]
    for country, level, levels in wanted:
        p = price_at(usable, country, level, year, levels=levels)
        if p is None or not p.fill.startswith(UPSTREAM_FILLS):
            notes.append(f"value chain: no {level} price for {country}; node left out")
            continue
        dist, _ = sizing.ranged(p.price, p.low, p.high)
        nodes.append(ChainNode(country, level, dist, purity, 0.0, p.fill))
    if nodes:
        notes.append(f"value chain along the main estimated path {' > '.join(path)} "
                     f"({100 * float(mine['share'].to_numpy().max()):.0f}% of the commodity's "
                     "flow)")
    return nodes


def _values(spec: MarketSpec | None, volume: sizing.Triangulation | None,
            usable: pl.DataFrame, countries: Sequence[str], year: int, base: int, seed: int,
            missing: list[str], upstream: Sequence[ChainNode] = ()
            ) -> tuple[list[MarketValue], ValueChain | None]:
    if spec is None or volume is None or usable.is_empty():
        if volume is not None and usable.is_empty():
            missing.append("prices: no price observations for the commodity")
        return [], None
    demand = next((s for s in volume.sides if s.side == "demand"), None)
    weights = ({c: float(np.median(d)) for c, d in demand.by_country.items()}
               if demand else {c: 1.0 for c in countries})
    total_w = sum(weights.values()) or 1.0
    out = []
    rng = np.random.default_rng(seed + 5)
    for level, levels, purity_key in (("retail", ["retail"], spec.purity_retail),
                                      ("wholesale_destination",
                                       ["wholesale", "wholesale_destination"],
                                       spec.purity_wholesale)):
        points = [p for c in weights if (p := price_at(usable, c, level, year,
                                                       levels=levels)) is not None]
        if not points:
            missing.append(f"prices: no {level} price in or near the region")
            continue
        draws = volume.draws.shape[0]
        price = np.zeros(draws)
        wsum = 0.0
        for p in points:
            w = weights.get(p.country, 0.0)
            d, _ = sizing.ranged(p.price, p.low, p.high)
            price += w * d.ppf(uniforms(rng, draws))
            wsum += w
        price /= wsum or 1.0
        purity = sizing.default_distribution(purity_key).ppf(uniforms(rng, draws))
        value = volume.draws / purity * price
        filled = sum(p.is_filled for p in points)
        out.append(MarketValue(level, value, tuple(points), (
            f"consumed volume (pure) ÷ {level} purity ({purity_key}) × consumption-weighted "
            f"{level} price; {len(points) - filled} countries observed, {filled} filled")))
    chain = None
    if len(out) == 2:
        nodes = [ChainNode("market", lvl, mc.point(float(np.median(v.draws / volume.draws))),
                           None, 0.0, "consumption-weighted") for lvl, v in
                 (("wholesale_destination", out[1]), ("retail", out[0]))]
        chain = value_chain(volume.draws, [*upstream, *nodes], price_year=base, seed=seed + 6)
    del total_w
    return out, chain


def _wgi(indicators: pl.DataFrame, year: int) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for name in ("political_stability", "regulatory_quality", "control_of_corruption"):
        rows = indicators.filter(pl.col("indicator") == f"wgi_{name}",
                                 (pl.col("year") - year).abs() <= 3)
        if rows.height:
            latest = rows.sort("year").group_by("country").last()
            out[name] = dict(zip(latest["country"], latest["value"], strict=True))
    return out


def _largest_market(volume: sizing.Triangulation | None) -> str | None:
    if volume is None:
        return None
    demand = next((s for s in volume.sides if s.side == "demand"), None)
    if demand is None or not demand.by_country:
        return None
    return max(demand.by_country, key=lambda c: float(np.median(demand.by_country[c])))
