"""Scenario files: what world to simulate, validated before anything is generated.

A scenario is YAML (shipped examples in ``simulate/scenarios/``, addressable by name). Every
problem is reported at once, naming the key, as tocta does for every configuration. The noise
defaults are deliberately hard (docs/simulator.md): most seizure records carry no origin,
transits are mostly unreported, a quarter of the countries report little or nothing.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from tocta.errors import ConfigError, NotFoundError
from tocta.yamlio import load_yaml


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Producer(_Model):
    share: float = Field(gt=0, description="Share of the commodity's production.")


class Consumer(_Model):
    weight: float = Field(default=1.0, gt=0, description="Relative pull of this market.")
    prevalence: float | None = Field(default=None, ge=0, le=1,
                                     description="Annual prevalence among ages 15-64.")
    per_user: float | None = Field(default=None, gt=0,
                                   description="Annual consumption per user, canonical units.")


class Ladder(_Model):
    """Prices per canonical unit (US$ of the start year) at each market level."""

    farm_gate: float = Field(gt=0)
    export: float = Field(gt=0)
    wholesale_origin: float = Field(gt=0)
    wholesale_transit: float = Field(gt=0)
    wholesale_destination: float = Field(gt=0)
    retail: float = Field(gt=0)
    noise: float = Field(default=0.2, ge=0, le=2, description="Lognormal sigma between "
                         "countries and years.")


class Commodity(_Model):
    id: str
    production: float = Field(gt=0, description="Canonical units produced in the first year.")
    growth: float = Field(default=0.0, ge=-0.5, le=1.0, description="Yearly growth rate.")
    losses: float = Field(default=0.05, ge=0, lt=1, description="Share lost before transport.")
    producers: dict[str, Producer]
    consumers: dict[str, Consumer] = Field(default_factory=dict)
    consumer_regions: dict[str, Consumer] = Field(default_factory=dict)
    prices: Ladder
    purity: tuple[float, float] = Field(default=(0.7, 0.4), description="Purity at wholesale "
                                        "and at retail.")
    via: list[str] = Field(default_factory=list, description="Countries or regions routes "
                           "favour (cost discount).")
    via_discount: float = Field(default=0.5, ge=0, lt=1)
    fee_per_leg: float | None = Field(default=None, gt=0, description="Persons: smuggling "
                                      "fee per leg (US$).")
    victims: bool = Field(default=False, description="Emit victim counts (persons flows).")
    event_size: float = Field(default=30.0, gt=0, description="Median seizure event size.")
    event_sigma: float = Field(default=1.8, gt=0, le=4, description="Lognormal sigma of "
                               "event sizes (heavy tail).")
    unit_forms: list[str] = Field(default_factory=lambda: ["kg"],
                                  description="Units agencies write quantities in.")


class Transport(_Model):
    land_cost_per_km: float = 1.0
    sea_cost_per_km: float = 0.25
    air_cost_per_km: float = 2.5
    sea_max_km: float = 9000.0
    air_max_km: float = 11000.0
    hub_airports: int = Field(default=1, ge=0, description="Major airports per country "
                              "that have air links.")
    risk_weight: float = Field(default=4000.0, ge=0, description="Cost of one unit of "
                               "interdiction probability.")
    k_paths: int = Field(default=6, ge=1, le=20)
    logit_scale: float = Field(default=1.5, gt=0, description="Route choice sharpness "
                               "(per 1,000 cost units).")


class Enforcement(_Model):
    interdiction_mean: float = Field(default=0.08, gt=0, lt=1)
    interdiction_spread: float = Field(default=0.6, ge=0, le=3, description="Lognormal "
                                       "sigma across countries.")
    follow_governance: bool = Field(default=True, description="Interdiction rises with WGI "
                                    "rule of law; false = unrelated to any covariate.")
    reporting_mean: float = Field(default=0.75, gt=0, le=1)
    silent_share: float = Field(default=0.3, ge=0, le=0.9, description="Share of countries "
                                "that report little or nothing (reporting 0-5%).")
    given: dict[str, dict[str, float]] = Field(default_factory=dict)


class Intervention(_Model):
    name: str
    countries: list[str]
    year: int
    commodity: str | None = None
    interdiction_increase: float = Field(gt=0, le=1)
    tool_type: str = "interdiction"


class Noise(_Model):
    origin_missing: float = Field(default=0.55, ge=0, le=1)
    origin_wrong: float = Field(default=0.08, ge=0, le=1)
    origin_is_departure: float = Field(default=0.15, ge=0, le=1, description="Reports the "
                                       "country the goods left from, not where they were made.")
    transit_reported: float = Field(default=0.2, ge=0, le=1)
    destination_missing: float = Field(default=0.35, ge=0, le=1)
    destination_wrong: float = Field(default=0.05, ge=0, le=1)
    duplicate_report: float = Field(default=0.1, ge=0, le=1, description="Events a second "
                                    "agency of the same country also reports.")
    name_forms: float = Field(default=0.5, ge=0, le=1, description="Countries written as "
                              "names (not codes), in the agency's language.")
    bad_rows: float = Field(default=0.01, ge=0, le=0.5, description="Deliberately broken rows.")
    survey_error: float = Field(default=0.25, ge=0, le=2, description="Relative error of "
                                "prevalence surveys.")
    production_error: float = Field(default=0.2, ge=0, le=2)


class Volume(_Model):
    seizure_events: int = Field(default=5000, ge=10, description="Seizure events in the "
                                "world at --scale 1 (before reporting).")
    price_observations: int = Field(default=6, ge=1, description="Per country, level, year.")


class Scenario(_Model):
    name: str
    description: str
    years: tuple[int, int]
    region: str | None = Field(default=None, description="Named region whose countries are "
                               "all in the world.")
    countries: list[str] = Field(default_factory=list)
    commodities: list[Commodity]
    transport: Transport = Transport()
    enforcement: Enforcement = Enforcement()
    interventions: list[Intervention] = Field(default_factory=list)
    noise: Noise = Noise()
    volume: Volume = Volume()
    actors: dict[str, Any] = Field(default_factory=dict)
    money: dict[str, Any] = Field(default_factory=dict)
    agencies: dict[str, list[str]] = Field(
        default_factory=lambda: {"default": ["police", "customs", "fiu"]})

    @model_validator(mode="after")
    def _check(self) -> Scenario:
        first, last = self.years
        if not 1990 <= first <= last <= 2100:
            raise ValueError("years must be [first, last] with 1990 <= first <= last")
        for i in self.interventions:
            if not first <= i.year <= last:
                raise ValueError(f"intervention {i.name!r}: year {i.year} outside the years")
        return self

    @property
    def year_list(self) -> list[int]:
        return list(range(self.years[0], self.years[1] + 1))


def _problems(exc: ValidationError, where: str) -> ConfigError:
    problems = [
        f"{'.'.join(str(p) for p in e['loc']) or '(top)'}: {e['msg']}" for e in exc.errors()
    ]
    return ConfigError(f"{where}: the scenario has problems:", problems)


def shipped_scenarios() -> dict[str, Path]:
    """Shipped scenario files by name."""
    base = resources.files("tocta.simulate") / "scenarios"
    return {Path(p.name).stem: Path(str(p)) for p in base.iterdir()
            if p.name.endswith(".yaml")}


def load_scenario(name_or_path: str | Path) -> Scenario:
    """A shipped scenario by name, or a scenario YAML file, validated.

    Raises:
        NotFoundError: neither a shipped name nor an existing file.
        ConfigError: the file is not a valid scenario (every problem listed).
    """
    shipped = shipped_scenarios()
    path = shipped.get(str(name_or_path)) or Path(name_or_path)
    if not path.exists():
        raise NotFoundError(f"no scenario {name_or_path!r}: give a YAML file or one of "
                            f"{', '.join(sorted(shipped))} (`tocta simulate --list`)")
    data = load_yaml(path.read_text(encoding="utf-8"))
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise _problems(exc, str(path)) from exc
    _check_references(scenario, str(path))
    return scenario


def _check_references(scenario: Scenario, where: str) -> None:
    """Countries, regions and commodities must exist in the reference data."""
    from tocta.reference.commodities import commodity_ids
    from tocta.reference.countries import get_country
    from tocta.reference.regions import region_codes

    problems: list[str] = []
    known = set(commodity_ids())

    def country(code: str, key: str) -> None:
        try:
            get_country(code)
        except NotFoundError:
            problems.append(f"{key}: {code!r} is not an ISO3 country code")

    def region(name: str, key: str) -> None:
        try:
            region_codes(name)
        except NotFoundError:
            problems.append(f"{key}: {name!r} is not a known region")

    if scenario.region:
        region(scenario.region, "region")
    for code in scenario.countries:
        country(code, "countries")
    for i, c in enumerate(scenario.commodities):
        if c.id not in known:
            problems.append(f"commodities.{i}.id: {c.id!r} is not in the commodity codelist")
        for code in c.producers:
            country(code, f"commodities.{i}.producers")
        for code in c.consumers:
            country(code, f"commodities.{i}.consumers")
        for name in c.consumer_regions:
            region(name, f"commodities.{i}.consumer_regions")
        for v in c.via:
            if len(v) == 3 and v.isupper():
                country(v, f"commodities.{i}.via")
            else:
                region(v, f"commodities.{i}.via")
        if not c.consumers and not c.consumer_regions:
            problems.append(f"commodities.{i}: give consumers or consumer_regions")
    for i, iv in enumerate(scenario.interventions):
        for code in iv.countries:
            country(code, f"interventions.{i}.countries")
    for code in scenario.enforcement.given:
        country(code, "enforcement.given")
    if problems:
        raise ConfigError(f"{where}: the scenario has problems:", problems)


ModeName = Literal["land", "sea", "air"]
