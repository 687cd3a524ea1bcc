"""Everything agencies report besides seizures: prices, surveys, production estimates,
the intervention register, country indicators and victim counts — each with its error.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from tocta.reference.commodities import get_commodity
from tocta.reference.countries import population
from tocta.simulate.flows import FlowTruth
from tocta.simulate.scenario import Scenario
from tocta.simulate.world import World

LEVELS_BY_ROLE = {
    "producer": ("farm_gate", "export", "wholesale_origin"),
    "transit": ("wholesale_transit",),
    "consumer": ("wholesale_destination", "retail"),
}
#: the level name written in records (tocta's market_level codes)
WRITTEN_LEVEL = {"farm_gate": "farm_gate", "export": "export",
                 "wholesale_origin": "wholesale", "wholesale_transit": "wholesale",
                 "wholesale_destination": "wholesale", "retail": "retail"}


def true_prices(truth: FlowTruth, scenario: Scenario, rng: np.random.Generator) -> pl.DataFrame:
    """True price per canonical unit at each level a country's role gives it (truth)."""
    roles = truth.nodes.select("commodity", "country", "role").unique().sort(
        "commodity", "country", "role")
    rows = []
    for c in scenario.commodities:
        ladder = c.prices.model_dump()
        mine = roles.filter(pl.col("commodity") == c.id)
        for country, role in mine.select("country", "role").iter_rows():
            country_effect = rng.normal(0, c.prices.noise)
            for level in LEVELS_BY_ROLE[role]:
                for year in scenario.year_list:
                    price = ladder[level] * np.exp(country_effect
                                                   + rng.normal(0, c.prices.noise / 2))
                    rows.append({"year": year, "commodity": c.id, "country": country,
                                 "role": role, "level": level, "price": float(price)})
    return pl.DataFrame(rows).unique(["year", "commodity", "country", "level"],
                                     keep="first", maintain_order=True)


def price_observations(prices: pl.DataFrame, world: World, scenario: Scenario,
                       rng: np.random.Generator) -> pl.DataFrame:
    """Observed prices: a few per country, level and year, from countries that report."""
    rows = []
    per = scenario.volume.price_observations
    for year, commodity, country, level, price in prices.select(
            "year", "commodity", "country", "level", "price").iter_rows():
        if rng.random() > max(0.2, world.reporting[country]):
            continue
        canonical = get_commodity(commodity).canonical_unit
        retail = level == "retail"
        unit = "g" if retail and canonical == "kg" else (canonical if canonical != "kg"
                                                         else "kg")
        per_unit = price / 1000.0 if unit == "g" else price
        draws = per_unit * rng.lognormal(0, 0.25, per)
        typical = float(np.median(draws))
        rows.append({
            "agency": f"POL-{country}", "date": str(year), "country": country,
            "commodity": commodity, "market_level": WRITTEN_LEVEL[level],
            "price_typical": round(typical, 2), "price_min": round(float(draws.min()), 2),
            "price_max": round(float(draws.max()), 2), "currency": "USD",
            "price_unit": unit, "true_level": level, "true_price": price,
        })
    return pl.DataFrame(rows)


def markets(truth: FlowTruth, scenario: Scenario, prices: pl.DataFrame) -> pl.DataFrame:
    """True consumer markets: consumption, users, prevalence and retail value (truth)."""
    retail = prices.filter(pl.col("level") == "retail").select(
        "year", "commodity", "country", pl.col("price").alias("retail_price"))
    per_user = {}
    for c in scenario.commodities:
        from tocta.simulate.flows import consumers_of

        for code, params in consumers_of(c).items():
            per_user[(c.id, code)] = params.per_user
    frame = truth.markets.join(retail, on=["year", "commodity", "country"], how="left")
    users = [None if per_user.get((c, k)) is None else consumed / per_user[(c, k)]
             for c, k, consumed in frame.select("commodity", "country",
                                                "consumed").iter_rows()]
    return frame.with_columns(
        pl.Series("users", users, dtype=pl.Float64),
        (pl.col("consumed") * pl.col("retail_price")).alias("retail_value_usd"),
    ).with_columns((pl.col("users") / pl.col("working_age")).alias("prevalence"))


def market_estimates(market: pl.DataFrame, truth: FlowTruth, scenario: Scenario,
                     world: World, rng: np.random.Generator) -> pl.DataFrame:
    """Surveys of prevalence (every other year, with sampling error) and production estimates."""
    rows = []
    error = scenario.noise.survey_error
    for year, commodity, country, prevalence in market.select(
            "year", "commodity", "country", "prevalence").iter_rows():
        if prevalence is None or (year - scenario.years[0]) % 2 or \
                world.reporting[country] < 0.05:
            continue
        observed = prevalence * rng.lognormal(0, error)
        rows.append({
            "agency": f"OBS-{country}", "year": str(year), "country": country,
            "commodity": commodity, "measure": "prevalence_annual",
            "value": round(100 * observed, 3), "value_low": round(100 * observed * 0.75, 3),
            "value_high": round(100 * observed * 1.3, 3), "unit": "percent",
            "age_range": "15-64", "sex": "all", "method": "household survey (simulated)",
            "true_value": 100 * prevalence,
        })
    produced = truth.nodes.filter(pl.col("role") == "producer")
    for c in scenario.commodities:
        total_share = sum(p.share for p in c.producers.values())
        for year in scenario.year_list:
            base = c.production * (1 + c.growth) ** (year - scenario.years[0])
            for code, p in sorted(c.producers.items()):
                truth_value = base * p.share / total_share
                observed = truth_value * rng.lognormal(0, scenario.noise.production_error)
                rows.append({
                    "agency": f"OBS-{code}", "year": str(year), "country": code,
                    "commodity": c.id, "measure": "production", "value": round(observed),
                    "value_low": round(observed * 0.8), "value_high": round(observed * 1.25),
                    "unit": get_commodity(c.id).canonical_unit, "age_range": None,
                    "sex": None, "method": "crop survey (simulated)",
                    "true_value": truth_value,
                })
    del produced
    return pl.DataFrame(rows)


def intervention_register(scenario: Scenario) -> pl.DataFrame:
    """The register of interventions, as an analyst would keep it."""
    rows = []
    for i, iv in enumerate(scenario.interventions, start=1):
        rows.append({
            "record_id": f"INT-{i:03d}", "name": iv.name, "tool_type": iv.tool_type,
            "countries": "; ".join(iv.countries), "commodity": iv.commodity,
            "start_date": f"{iv.year}-01-01", "intensity": round(100 * iv.interdiction_increase),
            "intensity_unit": "percentage points of interdiction",
            "description": f"{iv.name} (simulated)",
        })
    return pl.DataFrame(rows, schema={
        "record_id": pl.Utf8, "name": pl.Utf8, "tool_type": pl.Utf8, "countries": pl.Utf8,
        "commodity": pl.Utf8, "start_date": pl.Utf8, "intensity": pl.Int64,
        "intensity_unit": pl.Utf8, "description": pl.Utf8})


def indicators(world: World, scenario: Scenario) -> pl.DataFrame:
    """Governance as published (with error) and population, per country and year."""
    rows = []
    for code in world.countries:
        for year in scenario.year_list:
            rows.append({"country": code, "year": str(year), "indicator": "wgi_rule_of_law",
                         "value": world.observed_governance[code],
                         "unit": "estimate (-2.5 weak .. 2.5 strong)"})
            people = population(code, min(year, 2024))
            if people:
                rows.append({"country": code, "year": str(year),
                             "indicator": "population_total", "value": float(people),
                             "unit": "persons"})
    return pl.DataFrame(rows)


def victim_counts(truth: FlowTruth, world: World, scenario: Scenario,
                  rng: np.random.Generator) -> pl.DataFrame:
    """Detected victims: citizenship (origin) → country of detection, by sex and age."""
    rows = []
    persons = [c.id for c in scenario.commodities if c.victims]
    if not persons:
        return pl.DataFrame()
    seized = truth.nodes.filter(pl.col("commodity").is_in(persons) & (pl.col("seized") > 0))
    paths = truth.paths.select("year", "commodity", "path_id", "producer").unique()
    seized = seized.join(paths, on=["year", "commodity", "path_id"], how="left")
    grouped = seized.group_by(["year", "commodity", "producer", "country"]).agg(
        pl.col("seized").sum()).sort(["year", "commodity", "producer", "country"])
    shares = {("female", "adult"): 0.38, ("female", "child"): 0.18,
              ("male", "adult"): 0.32, ("male", "child"): 0.12}
    for year, commodity, origin, country, detected in grouped.iter_rows():
        if rng.random() > max(0.1, world.reporting[country]):
            continue
        for (sex, age), share in shares.items():
            count = int(rng.poisson(detected * share))
            if count:
                rows.append({"agency": f"POL-{country}", "year": str(year),
                             "country_detection": country, "citizenship": origin,
                             "commodity": commodity, "sex": sex, "age_group": age,
                             "exploitation": "not_applicable"
                             if commodity == "smuggled_migrants" else "mixed",
                             "count": str(count)})
    return pl.DataFrame(rows)
